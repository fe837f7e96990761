#!/usr/bin/env bash
# Runs one fuzz target for a given time: scripts/fuzz.sh TARGET SECONDS
#   TARGET: json_formats line_formats markup_formats zip_formats settings ad_policy live_payload
#           (or "all": each target for SECONDS)
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). The seed corpus is
# copied at run time from ../shared/corpus (or $SHEQUN_CORPUS) into fuzz/corpus/TARGET, which git
# ignores: nothing of the corpus enters the repository. A crash is saved under
# fuzz/artifacts/TARGET; turn each into a regression test (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
targets="json_formats line_formats markup_formats zip_formats settings ad_policy live_payload"
if [ "$target" = all ]; then
  for t in $targets; do "$0" "$t" "$seconds"; done
  exit 0
fi
corpus_root=${SHEQUN_CORPUS:-../shared/corpus}
seeds=fuzz/corpus/$target
mkdir -p "$seeds"
# Small files of the family, at most 200 per target.
seed() { # find-expression...
  if [ -d "$corpus_root" ]; then
    find "$corpus_root" -type f -size -128k \( "$@" \) 2>/dev/null | head -n 200 | while read -r f; do
      cp "$f" "$seeds/$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
    done
  else
    echo "fuzz.sh: no corpus at $corpus_root; starting without seeds" >&2
  fi
}
case "$target" in
  json_formats) seed -name '*.json' -o -name '*.jsonl' ;;
  line_formats) seed -name '*.txt' -o -name '*.log' -o -name '*.csv' ;;
  markup_formats) seed -name '*.html' -o -name '*.htm' -o -name '*.mht' ;;
  zip_formats) seed -name '*.zip' ;;
  settings|ad_policy) seed -name '*.toml' ;;
  live_payload) seed -name '*.jsonl' ;;
  *) echo "fuzz.sh: unknown target $target (one of: $targets, all)" >&2; exit 2 ;;
esac
# Two jobs at most on a shared machine; 2 GiB per run; inputs up to 1 MiB.
cd fuzz
exec cargo +nightly fuzz run "$target" "corpus/$target" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=1048576 -timeout=20 -print_final_stats=1
