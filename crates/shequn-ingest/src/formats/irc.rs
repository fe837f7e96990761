//! IRC logs, one file per day or per room, in the styles public archives use:
//!
//! - `[HH:MM] <nick> text` (irssi/Ubuntu): the date comes from the file name
//!   (`YYYY-MM-DD` anywhere in it) or irclogs.ubuntu.com's `YYYY/MM/DD/#chan.txt` folders;
//!   `=== ` lines are system lines; `* nick act` is an action.
//! - `YYYY-MM-DDTHH:MM:SS <nick> text` and `[YYYY-MM-DD HH:MM:SS] <nick> text`: the date is
//!   on each line. The livechat Gitter dumps use the second style; lines that carry no
//!   time continue the message before them (Gitter messages span lines).
//! - PircBot HTML fragments (#duraspace): `<span class="irc-date">[H:MM]</span> <span
//!   class="irc-COLOR">&lt;nick&gt; text</span><br />`, plus the two styles that archive
//!   also holds (`2:55:07 PM CDT` spans, and Pidgin `(2:52:27 PM) <b>nick:</b>` logs).
//!
//! Times: logs written without a zone are read in `--zone`, else UTC, flagged as inferred.
//! UTC because public IRC/Gitter archives are written by logging bots on servers, and the
//! archives this was written against (#ubuntu, #duraspace, Gitter's API dump) are UTC.
//! Times with a named zone (CDT/CST) are taken as stated. Each group gets a note saying
//! which zone was assumed. Bytes that are not UTF-8 are replaced (IRC logs mix encodings,
//! and one bad byte should not lose a day of a channel).
//!
//! Group: the channel. A file names its channel in join lines (`has joined #ubuntu`);
//! a day file without joins takes the channel its folder's other files name, so every day
//! file of a channel lands in one group. Without any channel named, the file name without
//! its date is used. IRC has no message ids: the archive's content key (time, sender, text,
//! occurrence) makes re-imports add nothing.
//!
//! Platform: Gitter when the file lives under a folder whose name contains `gitter`, or its
//! name carries the livechat dump's `_chatFormat` suffix (both the Gitter room dumps of
//! the livechat corpus); IRC otherwise.
//!
//! Loggers' own layouts (Limnoria, eggdrop, irssi, …; see `irc_loggers.rs`) have formats of
//! their own; `--format irc` on such a file hands it to the logger that claims it.
//!
//! Relays: a bridge bot's `<DSpaceSlackBot> <pbecker> text` is pbecker's message (see `relay.rs`).
//!
//! Not logs: `X.ascii.txt` and `X.tok.txt` beside an `X.raw.txt` (the irc-disentanglement
//! set's derived copies) are passed over, so each day is read once, from its `.raw.txt`;
//! `.annotation.txt` files hold no log lines and are never claimed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use chrono::{Duration, FixedOffset, NaiveDate, NaiveTime};
use regex::Regex;
use shequn_model::{EventKind, GroupInfo, GroupKind, Message, Person, Platform, Record, Sink, Stamp, SystemEvent};

use super::relay::{self, Relays};
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct IrcLog;

/// How a file writes its times.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    /// `[HH:MM] ` or `[HH:MM:SS] `: date from the file name.
    Clock,
    /// A full date on every line.
    Iso,
    /// PircBot `<span class="irc-date">` fragments.
    PircBot,
    /// Pidgin HTML `(h:mm:ss AM)`.
    Pidgin,
}

struct Patterns {
    clock: Regex,
    iso: Regex,
    pircbot: Regex,
    pircbot_12h: Regex,
    pidgin: Regex,
    tag: Regex,
    date_in_name: Regex,
    joined_chan: Regex,
    join: Regex,
    leave: Regex,
    nick: Regex,
    topic: Regex,
    kick: Regex,
    pidgin_room: Regex,
    relayed_12h: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        clock: Regex::new(r"^\[(\d{1,2}):(\d{2})(?::(\d{2}))?\] ?(.*)$").unwrap(),
        iso: Regex::new(r"^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z?\]? ?(.*)$").unwrap(),
        pircbot: Regex::new(
            r#"^<span class="irc-date">\[(\d{1,2}):(\d{2})\]</span>\s*<span class="irc-(\w+)">(.*?)(?:</span>)?\s*(?:<br\s*/?>)?\s*$"#,
        )
        .unwrap(),
        pircbot_12h: Regex::new(
            r#"^<span class="irc-date">(\d{1,2}):(\d{2}):(\d{2}) ([AP]M) ([A-Z]{3})</span>\s*<span class="irc-(\w+)">\s*(.*?)(?:</span>)?\s*(?:<br\s*/?>)?\s*$"#,
        )
        .unwrap(),
        pidgin: Regex::new(r"^\((\d{1,2}):(\d{2}):(\d{2}) ([AP]M)\)\s*(.*)$").unwrap(),
        tag: Regex::new(r"<[^>]*>").unwrap(),
        date_in_name: Regex::new(r"(\d{4})-(\d{2})-(\d{2})").unwrap(),
        // A join as a system line writes it, not as a message quoting one.
        joined_chan: Regex::new(
            r"(?m)^(?:\[[^\]]*\]\s*)?(?:<span[^>]*>[^<]*</span>\s*<span[^>]*>)?(?:===|==|\*|-->|--&gt;|-!-)?\s*\S+(?:\s+[\[(][^\])]*[\])])?\s+has joined (#[^\s<]+)",
        )
        .unwrap(),
        join: Regex::new(r"^(\S+)(?:\s+[\[(][^\])]*[\])])?\s+(?:has joined|joined the channel|entered the room)").unwrap(),
        leave: Regex::new(
            r"^(\S+)(?:\s+[\[(][^\])]*[\])])?\s+(?:has left|has quit|[Qq]uit \(|left the (?:room|channel)|has parted)",
        )
        .unwrap(),
        nick: Regex::new(r"^(\S+) (?:is now known as|changed nick to) (\S+)").unwrap(),
        topic: Regex::new(r"^(\S+) (?:changes topic to|changed the topic (?:of \S+ )?to:?|has changed the topic to:?) (.*)$")
            .unwrap(),
        kick: Regex::new(r"^(\S+) (?:was kicked (?:from \S+ )?by|has been kicked by) (\S+)").unwrap(),
        pidgin_room: Regex::new(r"<h3>Conversation with (#\S+)").unwrap(),
        // `DSpaceSlackBot: <tdonohue> text`, before the markup stripping takes `<tdonohue>`.
        relayed_12h: Regex::new(r"^[^\s:]+: <([^<>\s]+)> ").unwrap(),
    })
}

impl Format for IrcLog {
    fn name(&self) -> &'static str {
        "irc"
    }

    fn description(&self) -> &'static str {
        "IRC logs ([HH:MM] <nick>, ISO-timestamp and PircBot HTML logs) and Gitter room dumps"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        if derived_copy(probe.path) {
            return 0;
        }
        let text = probe.head_text();
        match detect_style(&text, probe.path) {
            Some((_, hits)) if hits >= 1 => 70,
            _ => 0,
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let bytes = input.read_bytes()?;
        // IRC logs mix encodings; a damaged byte is replaced, never a reason to lose a day.
        let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(&bytes),
        };
        let Some((style, _)) = detect_style(&text, path) else {
            // A logger's own layout (Limnoria, eggdrop, irssi…): read by that logger's format.
            let head = &bytes[..bytes.len().min(crate::PROBE_BYTES)];
            if let Some(logger) = super::irc_loggers::best_for(&Probe { path, dir_entries: &[], head }) {
                return logger.parse(input, opts, sink);
            }
            return Err(ParseError::new(path, "no IRC log line found")
                .at("line 1")
                .hint("expected lines like `[12:34] <nick> text` or `[2016-11-21 08:47:30] <nick> text`"));
        };
        let file_date = file_date(path);
        if matches!(style, Style::Clock | Style::PircBot | Style::Pidgin) && file_date.is_none() {
            return Err(ParseError::new(path, "this log writes only clock times, and its file name has no date")
                .hint("rename the file to include its day as YYYY-MM-DD (e.g. 2012-03-01.log)"));
        }
        let utc = FixedOffset::east_opt(0).expect("zero offset");
        let zone = opts.zone_or(utc);
        let platform = if is_gitter(path) { Platform::Gitter } else { Platform::Irc };
        let channel = channel_name(path, &text, platform);
        sink.push(Record::Group(GroupInfo {
            platform,
            platform_id: channel.clone(),
            name: channel,
            kind: GroupKind::Group,
            member_count: None,
        }))
        .or_closed(path)?;
        let stated_zone = if text.contains("All Times below are CDT") { FixedOffset::west_opt(5 * 3600) } else { None };
        if stated_zone.is_none() {
            sink.push(Record::Note {
                group: 0,
                text: format!(
                    "时间按 UTC{zone} 读取：日志未注明时区（可用 --zone 指定）/ times read as UTC{zone}: the log states no zone (set one with --zone)"
                ),
            })
            .or_closed(path)?;
        }

        let mut day = file_date.unwrap_or_default();
        let mut last_time: Option<NaiveTime> = None;
        let mut pending: Option<Message> = None;
        let mut relays = Relays::default();
        let p = patterns();
        for (ix, raw) in text.lines().enumerate() {
            let line_no = ix + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            // A relayed sender the markup names and stripping loses (12-hour PircBot lines).
            let mut named_inside: Option<String> = None;
            let parsed: Option<(Stamp, String)> = match style {
                Style::Clock => p.clock.captures(line).and_then(|c| {
                    let t = hms(&c[1], &c[2], c.get(3).map_or("0", |m| m.as_str()))?;
                    day = advance_day(day, &mut last_time, t);
                    // irclogs.ubuntu.com writes actions as `[11:22]  * nick text`.
                    Some((Stamp::from_local_assumed(day.and_time(t), zone), c[4].trim_start().to_string()))
                }),
                Style::Iso => p.iso.captures(line).and_then(|c| {
                    let d = NaiveDate::parse_from_str(&c[1], "%Y-%m-%d").ok()?;
                    let t = hms(&c[2], &c[3], &c[4])?;
                    Some((Stamp::from_local_assumed(d.and_time(t), zone), c[5].to_string()))
                }),
                Style::PircBot => {
                    if let Some(c) = p.pircbot.captures(line) {
                        hms(&c[1], &c[2], "0").map(|t| {
                            day = advance_day(day, &mut last_time, t);
                            let body = html_text(&c[4]);
                            // Black lines are messages and brick ones actions; `* ` lines in other
                            // colours are the bot's notices (joins, quits, "Topic is", "Set by").
                            let body = match body.strip_prefix("* ") {
                                Some(rest) if !matches!(&c[3], "black" | "brick") => format!("=== {rest}"),
                                _ => body,
                            };
                            (Stamp::from_local_assumed(day.and_time(t), zone), body)
                        })
                    } else if let Some(c) = p.pircbot_12h.captures(line) {
                        twelve_hour(&c[1], &c[2], &c[3], &c[4]).map(|t| {
                            let local = named_zone(&c[5]);
                            day = advance_day(day, &mut last_time, t);
                            let stamp = match local {
                                Some(z) => Stamp::from_local_known(day.and_time(t), z),
                                None => Stamp::from_local_assumed(day.and_time(t), zone),
                            };
                            named_inside = p.relayed_12h.captures(&c[7]).map(|r| r[1].to_string());
                            // `nick: text` here, like `<nick> text` elsewhere.
                            let body = html_text(&c[7]);
                            let body = match body.split_once(": ") {
                                Some((nick, rest)) if !nick.contains(' ') => format!("<{nick}> {rest}"),
                                // `nick left the room (quit: …)`: a room notice.
                                _ => format!("=== {}", body.trim()),
                            };
                            (stamp, body)
                        })
                    } else {
                        None
                    }
                }
                Style::Pidgin => {
                    let plain = html_text(line);
                    p.pidgin.captures(&plain).and_then(|c| {
                        let t = twelve_hour(&c[1], &c[2], &c[3], &c[4])?;
                        day = advance_day(day, &mut last_time, t);
                        let stamp = match stated_zone {
                            Some(z) => Stamp::from_local_known(day.and_time(t), z),
                            None => Stamp::from_local_assumed(day.and_time(t), zone),
                        };
                        let body = c[5].to_string();
                        // A message is `<b>nick:</b> text`; anything else is a room notice.
                        let body = match body.split_once(": ") {
                            Some((nick, rest)) if line.contains(&format!("<b>{nick}:</b>")) => {
                                format!("<{nick}> {rest}")
                            }
                            _ => format!("=== {body}"),
                        };
                        Some((stamp, body))
                    })
                }
            };
            // `=== ` system lines without a time of their own (Ubuntu logs) happen at the last time seen.
            let parsed = parsed.or_else(|| {
                (style == Style::Clock && line.starts_with("=== ")).then(|| {
                    let t = last_time.unwrap_or_default();
                    (Stamp::from_local_assumed(day.and_time(t), zone), line.to_string())
                })
            });
            let Some((time, body)) = parsed else {
                match (&mut pending, style) {
                    // A Gitter message that spans lines.
                    (Some(m), Style::Iso) => relay::append_line(m, line),
                    _ if line.starts_with('<') || line.starts_with("-----") => {}
                    _ => sink
                        .push(Record::Skipped {
                            location: format!("{}: line {line_no}", path.display()),
                            reason: "a line without a time of its own: shequn cannot place it".into(),
                        })
                        .or_closed(path)?,
                }
                continue;
            };
            // A Gitter dump writes every message as `[date time] <nick> text`; a pasted log line
            // with a timestamp of its own ("2019-12-27T19:42:24.322Z INFO …") continues the message.
            if platform == Platform::Gitter && !(line.starts_with('[') && body.starts_with('<')) {
                if let Some(m) = pending.as_mut() {
                    relay::append_line(m, line);
                    continue;
                }
            }
            if let Some(m) = pending.take() {
                sink.push(Record::Message { group: 0, message: m }).or_closed(path)?;
            }
            match classify(&body) {
                Line::Message { nick, text } => {
                    pending = Some(relays.message(nick, text, time, named_inside));
                }
                Line::Event(event) => {
                    let mut event = *event;
                    event.time = time;
                    sink.push(Record::Event { group: 0, event }).or_closed(path)?;
                }
                Line::Noise(reason) => sink
                    .push(Record::Skipped {
                        location: format!("{}: line {line_no}", path.display()),
                        reason: reason.into(),
                    })
                    .or_closed(path)?,
            }
        }
        if let Some(m) = pending.take() {
            sink.push(Record::Message { group: 0, message: m }).or_closed(path)?;
        }
        Ok(())
    }
}

/// What one log line says once its time is taken off.
enum Line {
    Message { nick: String, text: String },
    Event(Box<SystemEvent>),
    Noise(&'static str),
}

fn classify(body: &str) -> Line {
    let body = body.trim_end();
    if let Some(rest) = body.strip_prefix('<') {
        if let Some((nick, text)) = rest.split_once('>') {
            let nick = nick.trim_start_matches(['@', '+', '%', '~', '&', ' ']);
            // Nicks have no spaces on IRC, but anonymised logs write some (`<bur[n] er>`).
            if !nick.is_empty() && nick.len() <= 40 && !nick.starts_with('-') {
                return Line::Message {
                    nick: nick.to_string(),
                    text: text.strip_prefix(' ').unwrap_or(text).to_string(),
                };
            }
        }
    }
    let system = body.strip_prefix("=== ").or_else(|| body.strip_prefix("*** ")).or_else(|| body.strip_prefix("-!- "));
    let starred = body.strip_prefix("* ");
    if let Some(rest) = system.or(starred) {
        if let Some(ev) = system_event(rest, body) {
            return Line::Event(Box::new(ev));
        }
        if let (Some(rest), None) = (starred, system) {
            // `* nick waves`: an action, said by nick.
            if let Some((nick, act)) = rest.split_once(' ') {
                if !nick.is_empty() && !act.starts_with("sets mode") {
                    return Line::Message { nick: nick.to_string(), text: act.to_string() };
                }
            }
            return Line::Noise("a channel mode or server line, not a message");
        }
        return Line::Noise("a system line shequn does not read");
    }
    if body.starts_with('-') || body.starts_with('[') || body.starts_with('(') {
        return Line::Noise("a notice or a private line, not a channel message");
    }
    Line::Noise("not a message or a known system line")
}

fn system_event(rest: &str, original: &str) -> Option<SystemEvent> {
    let p = patterns();
    let at = Stamp::default();
    if let Some(c) = p.nick.captures(rest) {
        let mut e = SystemEvent::new(at, EventKind::NickChange, original);
        e.actor = Some(Person::named(&c[1]));
        e.subjects = vec![Person::named(&c[1])];
        e.detail = Some(c[2].to_string());
        return Some(e);
    }
    if let Some(c) = p.kick.captures(rest) {
        let mut e = SystemEvent::new(at, EventKind::Kick, original);
        e.subjects = vec![Person::named(&c[1])];
        e.actor = Some(Person::named(&c[2]));
        return Some(e);
    }
    if let Some(c) = p.join.captures(rest) {
        let mut e = SystemEvent::new(at, EventKind::Join, original);
        e.subjects = vec![Person::named(&c[1])];
        return Some(e);
    }
    if let Some(c) = p.leave.captures(rest) {
        let mut e = SystemEvent::new(at, EventKind::Leave, original);
        e.subjects = vec![Person::named(&c[1])];
        return Some(e);
    }
    if let Some(c) = p.topic.captures(rest) {
        let mut e = SystemEvent::new(at, EventKind::Topic, original);
        e.actor = Some(Person::named(&c[1]));
        e.detail = Some(c[2].trim_matches('\'').to_string());
        return Some(e);
    }
    None
}

/// Which style a file's text is in, and how many of its first lines match it.
fn detect_style(text: &str, path: &Path) -> Option<(Style, usize)> {
    let p = patterns();
    let mut counts = [0usize; 4];
    let mut seen = 0;
    for line in text.lines().take(200) {
        // Blank lines, and Ubuntu's untimed `=== ` lines (some days are mostly nick changes).
        if line.trim().is_empty() || line.starts_with("=== ") {
            continue;
        }
        seen += 1;
        if p.pircbot.is_match(line) || p.pircbot_12h.is_match(line) {
            counts[2] += 1;
        } else if p.iso.captures(line).is_some_and(|c| looks_like_log_body(&c[5])) {
            counts[1] += 1;
        } else if p.clock.captures(line).is_some_and(|c| looks_like_log_body(&c[4])) {
            counts[0] += 1;
        } else if line.contains("<font size=\"2\">(") || p.pidgin_room.is_match(line) {
            counts[3] += 1;
        }
    }
    let (best, &hits) = counts.iter().enumerate().max_by_key(|(_, c)| **c)?;
    // Most lines must look like log lines (Gitter continuation lines and notices aside).
    if hits == 0 || hits * 3 < seen.min(200) {
        return None;
    }
    let style = [Style::Clock, Style::Iso, Style::PircBot, Style::Pidgin][best];
    if style == Style::Pidgin && file_date(path).is_none() {
        return None;
    }
    Some((style, hits))
}

fn looks_like_log_body(body: &str) -> bool {
    body.starts_with('<')
        || body.starts_with("* ")
        || body.starts_with("=== ")
        || body.starts_with("-!- ")
        || body.starts_with("*** ")
}

/// `X.ascii.txt` / `X.tok.txt` with an `X.raw.txt` beside it.
fn derived_copy(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    for suffix in [".ascii.txt", ".tok.txt"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return path.with_file_name(format!("{stem}.raw.txt")).exists();
        }
    }
    false
}

/// `YYYY-MM-DD` in the file name, else the day its name or folders give otherwise
/// (`chan.20130101.log`, irclogs.ubuntu.com's `2013/01/01/#kubuntu.txt`).
fn file_date(path: &Path) -> Option<NaiveDate> {
    let name = path.file_name()?.to_str()?;
    match patterns().date_in_name.captures(name) {
        Some(c) => NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?),
        None => super::irc_loggers::path_date(path),
    }
}

fn is_gitter(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.contains("_chatFormat")
        || path
            .ancestors()
            .skip(1)
            .any(|a| a.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.to_ascii_lowercase().contains("gitter")))
}

/// The channel a file belongs to (see the module doc).
fn channel_name(path: &Path, text: &str, platform: Platform) -> String {
    if platform == Platform::Gitter {
        return name_without_date(path);
    }
    if let Some(c) = channel_in_text(text) {
        return c;
    }
    if let Some(c) = channel_of_folder(path) {
        return c;
    }
    name_without_date(path)
}

/// The channel most join lines in `text` name.
fn channel_in_text(text: &str) -> Option<String> {
    let p = patterns();
    if let Some(c) = p.pidgin_room.captures(text) {
        return Some(c[1].to_string());
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for c in p.joined_chan.captures_iter(text) {
        *counts.entry(c.get(1).map_or("", |m| m.as_str())).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(name, n)| (*n, std::cmp::Reverse(*name))).map(|(name, _)| name.to_string())
}

/// The channel the other day files of `path`'s folder name, looked up once per folder.
fn channel_of_folder(path: &Path) -> Option<String> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Option<String>>>> = OnceLock::new();
    let dir = path.parent()?.to_path_buf();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().ok()?.get(&dir) {
        return found.clone();
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    let mut found = None;
    for f in files.iter().filter(|f| f.is_file() && file_date(f).is_some()).take(50) {
        use std::io::Read;
        let mut head = Vec::new();
        if std::fs::File::open(f).and_then(|h| h.take(64 * 1024).read_to_end(&mut head)).is_ok() {
            if let Some(c) = channel_in_text(&String::from_utf8_lossy(&head)) {
                found = Some(c);
                break;
            }
        }
    }
    cache.lock().ok()?.insert(dir, found.clone());
    found
}

/// `appium_appium_chatFormat.ascii.txt` → `appium_appium`; `2012-03-01.log` → its folder's name.
fn name_without_date(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.split("_chatFormat").next().unwrap_or(name);
    let stem = stem.split('.').next().unwrap_or(stem);
    let stem = patterns().date_in_name.replace_all(stem, "");
    let stem = stem.trim_matches(|c: char| c == '_' || c == '-' || c == ' ' || c.is_ascii_digit());
    if !stem.is_empty() {
        return stem.to_string();
    }
    path.parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .unwrap_or_else(|| "irc".to_string())
}

fn hms(h: &str, m: &str, s: &str) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, s.parse().ok()?)
}

fn twelve_hour(h: &str, m: &str, s: &str, ampm: &str) -> Option<NaiveTime> {
    let h: u32 = h.parse().ok()?;
    let h = match (h, ampm) {
        (12, "AM") => 0,
        (12, "PM") => 12,
        (h, "PM") => h + 12,
        (h, _) => h,
    };
    NaiveTime::from_hms_opt(h, m.parse().ok()?, s.parse().ok()?)
}

fn named_zone(abbr: &str) -> Option<FixedOffset> {
    let hours = match abbr {
        "UTC" | "GMT" => 0,
        "CDT" | "EST" => -5,
        "CST" | "MDT" => -6,
        "EDT" => -4,
        "MST" | "PDT" => -7,
        "PST" => -8,
        _ => return None,
    };
    FixedOffset::east_opt(hours * 3600)
}

/// A log that runs past midnight: a clock that goes back by more than three hours is the next day.
fn advance_day(day: NaiveDate, last: &mut Option<NaiveTime>, t: NaiveTime) -> NaiveDate {
    let next = match *last {
        Some(prev) if prev - t > Duration::hours(3) => day.succ_opt().unwrap_or(day),
        _ => day,
    };
    *last = Some(t);
    next
}

/// HTML fragment → text: tags dropped, entities decoded.
fn html_text(fragment: &str) -> String {
    let stripped = patterns().tag.replace_all(fragment, "");
    decode_entities(&stripped)
}

pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.as_bytes().iter().take(12).position(|&b| b == b';');
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            let ch = match ent {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            ch.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn parse_named(dir: &Path, name: &str, text: &str) -> Vec<Record> {
        let path = dir.join(name);
        std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        IrcLog.parse(&Input::new(&path), &ParseOptions::default(), &mut out).unwrap();
        out
    }

    fn messages(recs: &[Record]) -> Vec<&Message> {
        recs.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
    }

    #[test]
    fn clock_log_runs_past_midnight_and_reads_system_lines() {
        let dir = tempfile::tempdir().unwrap();
        let recs = parse_named(
            dir.path(),
            "2006-05-01_03.raw.txt",
            "=== bob [~b@host]  has joined #ubuntu\n[23:58] <bob> anyone?\n[23:59] * ann waves\n[00:02] <ann> bob: yes\n=== bob is now known as bobby\n",
        );
        assert!(matches!(&recs[0], Record::Group(g) if g.platform_id == "#ubuntu" && g.platform == Platform::Irc));
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[1].text, "waves");
        assert_eq!(msgs[1].sender.name, "ann");
        assert_eq!(msgs[0].time.to_rfc3339(), "2006-05-01T23:58:00+00:00");
        assert_eq!(msgs[2].time.to_rfc3339(), "2006-05-02T00:02:00+00:00");
        assert!(msgs[2].time.zone_inferred);
        let kinds: Vec<EventKind> = recs
            .iter()
            .filter_map(|r| if let Record::Event { event, .. } = r { Some(event.kind) } else { None })
            .collect();
        assert_eq!(kinds, vec![EventKind::Join, EventKind::NickChange]);
    }

    #[test]
    fn pircbot_fragments_decode_entities_and_events() {
        let dir = tempfile::tempdir().unwrap();
        let recs = parse_named(
            dir.path(),
            "2012-03-01.log",
            concat!(
                "<span class=\"irc-date\">[0:09]</span> <span class=\"irc-green\">* md (~md@host) has joined #duraspace</span><br />\n",
                "<span class=\"irc-date\">[9:15]</span> <span class=\"irc-black\">&lt;tdonohue&gt; a &amp; b &lt;3 <a href=\"http://x.org/\">http://x.org/</a></span><br />\n",
                "<span class=\"irc-date\">[9:16]</span> <span class=\"irc-navy\">* md (~md@host) Quit (Quit: bye)</span><br />\n",
                "<span class=\"irc-date\">[9:17]</span> <span class=\"irc-brick\">* tdonohue notes it</span><br />\n",
            ),
        );
        assert!(matches!(&recs[0], Record::Group(g) if g.platform_id == "#duraspace"));
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].sender.name, "tdonohue");
        assert_eq!(msgs[0].text, "a & b <3 http://x.org/");
        assert_eq!(msgs[0].time.to_rfc3339(), "2012-03-01T09:15:00+00:00");
        let kinds: Vec<EventKind> = recs
            .iter()
            .filter_map(|r| if let Record::Event { event, .. } = r { Some(event.kind) } else { None })
            .collect();
        assert_eq!(kinds, vec![EventKind::Join, EventKind::Leave]);
    }

    #[test]
    fn relayed_lines_are_the_relayed_persons_and_keep_the_line_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let recs = parse_named(
            dir.path(),
            "2017-06-01.log",
            concat!(
                "<span class=\"irc-date\">[15:52]</span> <span class=\"irc-black\">&lt;DSpaceSlackBot&gt; &lt;terrywbrady&gt; Maureen and Bram,  In today's developer meeting, we determined that we need some community assistance with testing.  The DSpace 6.1 release touched several portions of the system that would benefit from end-user testing as was done during the 6.0 testathon.  Also, we would like to perform user testing on the release.  Could I have a few minutes at the next DCAT meet</span><br />\n",
                "<span class=\"irc-date\">[15:52]</span> <span class=\"irc-black\">&lt;DSpaceSlackBot&gt; about how this might work?</span><br />\n",
                "<span class=\"irc-date\">[15:53]</span> <span class=\"irc-black\">&lt;DSpaceSlackBot1&gt; Action: pbecker reads the logs</span><br />\n",
                "<span class=\"irc-date\">[15:54]</span> <span class=\"irc-black\">&lt;mhwood&gt; &lt;pbecker&gt; quoted, still mhwood's</span><br />\n",
                "<span class=\"irc-date\">[15:55]</span> <span class=\"irc-black\">&lt;kompewter&gt; [ DS-3627 ] - https://jira.duraspace.org/browse/DS-3627</span><br />\n",
            ),
        );
        let msgs = messages(&recs);
        let got: Vec<(&str, &str, Option<&str>)> = msgs
            .iter()
            .map(|m| (m.sender.name.as_str(), m.text.as_str(), m.relayed.as_ref().map(|r| r.bridge.name.as_str())))
            .collect();
        assert_eq!(
            got,
            vec![
                ("terrywbrady", &msgs[0].text[..], Some("DSpaceSlackBot")),
                ("terrywbrady", "about how this might work?", Some("DSpaceSlackBot")),
                ("pbecker", "reads the logs", Some("DSpaceSlackBot1")),
                ("mhwood", "<pbecker> quoted, still mhwood's", None),
                ("kompewter", "[ DS-3627 ] - https://jira.duraspace.org/browse/DS-3627", None),
            ]
        );
        // What the content key is built from: the line as the log wrote it.
        assert_eq!(msgs[0].written_sender_key(), "name:DSpaceSlackBot");
        assert!(msgs[0].text.starts_with("Maureen and Bram,") && msgs[0].text.ends_with("DCAT meet"));
        assert_eq!(msgs[0].written_text(), format!("<terrywbrady> {}", msgs[0].text));
        assert_eq!(msgs[2].written_text(), "Action: pbecker reads the logs");
    }

    #[test]
    fn twelve_hour_relays_and_logger_notices() {
        let dir = tempfile::tempdir().unwrap();
        let recs = parse_named(
            dir.path(),
            "2018-05-09.log",
            concat!(
                "<span class=\"irc-date\">3:01:12 PM CDT</span> <span class=\"irc-black\"> DSpaceSlackBot: <tdonohue> <here>: It's DSpace DevMtg time</span><br/>\n",
                "<span class=\"irc-date\">3:01:20 PM CDT</span> <span class=\"irc-black\"> DSpaceSlackBot: <kshepherd> here!</span><br/>\n",
                "<span class=\"irc-date\">4:18:32 PM CDT</span> <span class=\"irc-black\"> DuraLogBot: (notice) This channel is logged - http://irclogs.duraspace.org/</span><br/>\n",
            ),
        );
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), 3);
        assert_eq!((msgs[0].sender.name.as_str(), msgs[0].text.as_str()), ("tdonohue", ": It's DSpace DevMtg time"));
        // The text the old reader produced (markup stripped), so the key is unchanged.
        assert_eq!(msgs[0].written_text(), " : It's DSpace DevMtg time");
        assert_eq!((msgs[1].sender.name.as_str(), msgs[1].text.as_str()), ("kshepherd", "here!"));
        assert_eq!(msgs[2].sender.name, "DuraLogBot");
        assert!(msgs[2].sender.is_bot, "a logger's notice is not member talk");
        assert!(!msgs[0].sender.is_bot && !msgs[1].sender.is_bot);
    }

    #[test]
    fn matrix_relays_in_a_gitter_dump() {
        let dir = tempfile::tempdir().unwrap();
        let recs = parse_named(
            dir.path(),
            "docker_docker_chatFormat.ascii.txt",
            concat!(
                "[2016-12-30 22:25:47] <matrixbot> @quaddo:matrix.orgMint 17 fwiw\n",
                "second line\n",
                "[2016-12-30 22:26:00] <matrixbot> uhoregAre you sure?\n",
                "[2016-12-30 22:27:00] <jsbot> <ann> is not relayed: jsbot is a person\n",
            ),
        );
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), 3);
        assert_eq!(
            (msgs[0].sender.name.as_str(), msgs[0].text.as_str()),
            ("@quaddo:matrix.org", "Mint 17 fwiw\nsecond line")
        );
        assert_eq!(msgs[0].written_text(), "@quaddo:matrix.orgMint 17 fwiw\nsecond line");
        assert_eq!(msgs[1].sender.name, "matrixbot");
        assert!(msgs[1].sender.is_bot);
        assert_eq!((msgs[2].sender.name.as_str(), msgs[2].sender.is_bot), ("jsbot", false));
    }

    #[test]
    fn a_day_file_without_joins_takes_its_folders_channel() {
        let dir = tempfile::tempdir().unwrap();
        parse_named(
            dir.path(),
            "2012-03-01.log",
            "<span class=\"irc-date\">[0:09]</span> <span class=\"irc-green\">* md (~md@h) has joined #duraspace</span><br />\n",
        );
        let recs = parse_named(
            dir.path(),
            "2012-03-02.log",
            "<span class=\"irc-date\">[9:15]</span> <span class=\"irc-black\">&lt;a&gt; hi</span><br />\n",
        );
        assert!(matches!(&recs[0], Record::Group(g) if g.platform_id == "#duraspace"), "{:?}", recs[0]);
    }

    #[test]
    fn gitter_dump_is_a_gitter_room_with_multiline_messages() {
        let dir = tempfile::tempdir().unwrap();
        let recs = parse_named(
            dir.path(),
            "appium_appium_chatFormat.ascii.txt",
            "[2016-11-21 08:47:30] <ReaLau> Hello\n[ADB] log line\nmore\n[2016-11-21 08:47:36] <x> U there?\n",
        );
        assert!(
            matches!(&recs[0], Record::Group(g) if g.platform == Platform::Gitter && g.platform_id == "appium_appium")
        );
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].text, "Hello\n[ADB] log line\nmore");
    }

    #[test]
    fn gitter_continuation_lines_with_their_own_timestamps_stay_in_the_message() {
        // A pasted test log: its lines carry timestamps, but only `[date time] <nick>` starts a message.
        let dir = tempfile::tempdir().unwrap();
        let recs = parse_named(
            dir.path(),
            "appium_appium_chatFormat.ascii.txt",
            "[2019-12-27 19:43:00] <ann> my log:\r\n\
             [0-0] 2019-12-27T19:42:24.321Z WARN webdriver: Request failed\r\n\
             2019-12-27T19:42:24.322Z INFO webdriver: [GET] https://hub.example/wd/hub\r\n\
             [0-0] { status: 9 }\r\n\
             2019-12-27 19:42:25 <span> still the log\r\n\
             [2019-12-30 02:37:22] <bob> that works locally\r\n",
        );
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert_eq!(msgs[0].text.lines().count(), 5, "{}", msgs[0].text);
        assert!(msgs[0].text.ends_with("2019-12-27 19:42:25 <span> still the log"));
        assert_eq!(msgs[1].text, "that works locally");
        assert!(!recs.iter().any(|r| matches!(r, Record::Skipped { .. })), "no line skipped");
    }

    #[test]
    fn iso_lines_carry_their_own_date_and_the_zone_option_applies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rust-lang.log");
        std::fs::write(&path, "2024-01-01T23:59:00 <a> late\n2024-01-02T00:01:30 * b yawns\n").unwrap();
        let mut recs = Vec::new();
        let opts = ParseOptions { zone: FixedOffset::east_opt(3600) };
        IrcLog.parse(&Input::new(&path), &opts, &mut recs).unwrap();
        assert!(matches!(&recs[0], Record::Group(g) if g.platform_id == "rust-lang"));
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].time.to_rfc3339(), "2024-01-01T23:59:00+01:00");
        assert_eq!(msgs[1].time.to_rfc3339(), "2024-01-02T00:01:30+01:00");
        assert_eq!((msgs[1].sender.name.as_str(), msgs[1].text.as_str()), ("b", "yawns"));
    }

    #[test]
    fn derived_copies_are_not_claimed() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[09:14] <a> hi\n[09:15] <b> yo\n";
        for name in ["2005-06-27_12.raw.txt", "2005-06-27_12.ascii.txt"] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let probe = |name: &str| {
            let path = dir.path().join(name);
            IrcLog.sniff(&Probe { path: &path, dir_entries: &[], head: text.as_bytes() })
        };
        assert!(probe("2005-06-27_12.raw.txt") > 0);
        assert_eq!(probe("2005-06-27_12.ascii.txt"), 0);
    }

    #[test]
    fn a_clock_log_without_a_date_in_its_name_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chan.log");
        std::fs::write(&path, "[09:14] <a> hi\n").unwrap();
        let err = IrcLog.parse(&Input::new(&path), &ParseOptions::default(), &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("file name has no date"), "{err}");
    }
}
