#!/usr/bin/env bash
# Side by side on one Telegram Desktop export, on this machine: the npm tool
# chat-analytics (installed into a temporary folder) against shequn end to end.
#
# Usage: scripts/compare-chat-analytics.sh [--messages N] [--file EXPORT.json] [--shequn PATH] [--keep DIR]
#   --messages N   generate a one-chat export of N messages (default 200000) with `shequn bench --generate-only`
#   --file F       use this export instead (a single-chat result.json, or a full-account one: its first chat is used,
#                  since chat-analytics reads single-chat exports only)
#   --shequn PATH  the shequn binary (default: target/release/shequn, built with cargo if missing)
#   --keep DIR     work in DIR and leave it behind (default: a temporary folder, removed at the end)
#   --entities     rewrite every message's text as Telegram entities (bold, italic, code, hashtags,
#                  mentions, links), as exports of formatted chats are: the issue measured chat-analytics
#                  at ~24k msgs/s on plain text and ~9k msgs/s on such "entity-heavy" exports
set -euo pipefail

messages=200000
file=""
shequn=""
keep=""
entities=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --messages) messages="$2"; shift 2 ;;
        --file) file="$2"; shift 2 ;;
        --shequn) shequn="$2"; shift 2 ;;
        --keep) keep="$2"; shift 2 ;;
        --entities) entities=1; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "compare-chat-analytics: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

die() { echo "compare-chat-analytics: $*" >&2; exit 2; }
command -v node >/dev/null || die "node is not installed; chat-analytics needs Node.js (18 or newer): install it and rerun"
command -v npm >/dev/null || die "npm is not installed; it comes with Node.js: install it and rerun"

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$shequn" ]]; then
    shequn="$root/target/release/shequn"
    if [[ ! -x "$shequn" ]]; then
        echo "building shequn (release)…" >&2
        (cd "$root" && cargo build --release -p shequn) || die "cargo build --release -p shequn failed"
    fi
fi
[[ -x "$shequn" ]] || die "$shequn is not an executable shequn binary"

if [[ -n "$keep" ]]; then
    work="$keep"; mkdir -p "$work"
else
    work="$(mktemp -d -t shequn-compare-XXXXXX)"
    trap 'rm -rf "$work"' EXIT
fi

echo "installing chat-analytics into $work/npm …" >&2
npm install --prefix "$work/npm" --no-audit --no-fund chat-analytics >"$work/npm.log" 2>&1 \
    || die "npm install chat-analytics failed (log: $work/npm.log; are you online?)"
ca="$work/npm/node_modules/.bin/chat-analytics"
[[ -x "$ca" ]] || die "npm installed chat-analytics but $ca is missing"
ca_version="$(node -p "require('$work/npm/node_modules/chat-analytics/package.json').version")"

if [[ -z "$file" ]]; then
    echo "generating a one-chat Telegram export of $messages messages…" >&2
    "$shequn" bench --generate-only --messages "$messages" --groups 1 --keep "$work/gen" >/dev/null
    file="$work/gen/result.json"
fi
[[ -f "$file" ]] || die "$file: no such export"

# chat-analytics finds no messages in a full-account export (chats.list[]): give both tools one chat.
export_file="$work/chat.json"
node -e '
const fs = require("fs");
const e = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const chat = Array.isArray(e.messages) ? e : (e.chats && e.chats.list && e.chats.list[0]);
if (!chat) { console.error(process.argv[1] + ": not a Telegram Desktop JSON export"); process.exit(1); }
if (process.argv[3] === "1") {
  // Every third word becomes an entity, as in a formatted chat; text_entities lists every part.
  const kinds = ["bold", "italic", "code", "hashtag", "mention", "text_link"];
  let k = 0;
  for (const m of chat.messages) {
    if (typeof m.text !== "string" || m.text === "") continue;
    const parts = [];
    m.text.split(/(\s+)/).forEach((w, i) => {
      if (i % 6 === 2 && w.trim() !== "") {
        const type = kinds[k++ % kinds.length];
        const text = type === "hashtag" ? "#" + w : type === "mention" ? "@" + w.replace(/\W/g, "") + "_x" : w;
        parts.push(type === "text_link" ? { type, text, href: "https://example.org/" + encodeURIComponent(w) } : { type, text });
      } else if (parts.length && typeof parts[parts.length - 1] === "string") {
        parts[parts.length - 1] += w;
      } else {
        parts.push(w);
      }
    });
    m.text = parts;
    m.text_entities = parts.map((p) => (typeof p === "string" ? { type: "plain", text: p } : p));
  }
}
fs.writeFileSync(process.argv[2], JSON.stringify(chat, null, 1));
' "$file" "$export_file" "$entities" || die "$file: could not read it as a Telegram Desktop export"
bytes=$(stat -c %s "$export_file")

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "running chat-analytics $ca_version…" >&2
t0=$(now)
"$ca" -p telegram -i "$export_file" -o "$work/chat-analytics-report.html" >"$work/chat-analytics.log" 2>&1 \
    || die "chat-analytics failed (log: $work/chat-analytics.log)"
t1=$(now)
[[ -s "$work/chat-analytics-report.html" ]] || die "chat-analytics wrote no report (log: $work/chat-analytics.log)"
ca_s=$(secs "$t0" "$t1")

echo "running shequn end to end…" >&2
db="$work/shequn.db"
rm -f "$db" "$db-wal" "$db-shm"
t0=$(now)
"$shequn" --db "$db" import --json "$export_file" >"$work/shequn-import.json" \
    || die "shequn import failed on $export_file (summary: $work/shequn-import.json)"
if "$shequn" report --help >/dev/null 2>&1; then
    shequn_steps="import + report"
    "$shequn" --db "$db" report --out "$work/shequn-report" >"$work/shequn-report.log" 2>&1 \
        || die "shequn report failed (log: $work/shequn-report.log)"
else
    shequn_steps="import + groups (no report command yet)"
    "$shequn" --db "$db" groups --json >"$work/shequn-groups.json" || die "shequn groups failed"
fi
t1=$(now)
sq_s=$(secs "$t0" "$t1")
msgs=$(node -p "require('$work/shequn-import.json').messages_new")
[[ "$msgs" -gt 0 ]] || die "shequn imported no messages from $export_file"

awk -v ent="$entities" -v m="$msgs" -v b="$bytes" -v ca="$ca_s" -v sq="$sq_s" -v v="$ca_version" -v steps="$shequn_steps" 'BEGIN {
    printf "export: %d messages, %.1f MB (one chat%s)\n", m, b / 1e6, ent ? ", text as entities" : ""
    printf "chat-analytics %s (-p telegram -o report.html): %8.2f s  %9.0f msgs/s\n", v, ca, m / ca
    printf "shequn (%s): %8.2f s  %9.0f msgs/s\n", steps, sq, m / sq
    printf "ratio (shequn msgs/s / chat-analytics msgs/s): %.1fx (target >= 20x)\n", ca / sq
}'
