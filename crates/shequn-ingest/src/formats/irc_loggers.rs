//! The files IRC loggers write on their own, one `--format` name per logger:
//!
//! | name | a line | the date comes from |
//! |---|---|---|
//! | `limnoria` | `2012-10-17T09:16:21+0000  <nick> text`, `*** nick <nick!u@h> has joined #chan` | each line |
//! | `eggdrop` | `[00:06:39] <nick> text`, `nick (u@h) joined #chan.`, `Action: nick waves` | `chan.YYYYMMDD.log`, `--- Wed Jan  2 2013` |
//! | `dircproxy` | `[14 Jan 12:36] <nick!u@h> +text`, `--> nick (host) joined the channel`, `@1231930390 <nick!u@h> text` | the file name's year |
//! | `irssi` | `17:40 <@nick> text`, `17:40 -!- nick [u@h] has joined #chan` | `--- Log opened …`, `--- Day changed …` |
//! | `weechat` | `2013-01-01 17:40:00⇥nick⇥text`, `…⇥-->⇥nick (u@h) has joined #chan` | each line |
//! | `hexchat` | `Jan 01 17:40:00 <nick>⇥text`, `Jan 01 17:40:00 *⇥nick (u@h) has joined #chan` | `**** BEGIN LOGGING AT …` |
//! | `znc`, `energymech` | `[17:40:00] <nick> text`, `[17:40:00] *** Joins: nick (u@h)` | `YYYY-MM-DD.log` / `#chan_YYYYMMDD.log` |
//! | `mirc` | `[17:40] <nick> text`, `[17:40] * nick (u@h) has joined #chan` | `Session Start: …` |
//! | `thelounge` | `[2021-01-01T17:40:00.000Z] <nick> text`, `*** nick (u@h) joined` | each line (UTC) |
//!
//! Only `limnoria`, `eggdrop` and `dircproxy` were written against real files (the corpus's
//! `irc-loggers/`); the others follow the shapes superseriousstats' parsers and pisg's FORMATS
//! document, and their tests say so.
//!
//! Times: written without a zone, they are read in `--zone`, else UTC (loggers run on servers),
//! flagged inferred, and the group gets a note. Limnoria's `+0000` and The Lounge's `Z` are
//! taken as stated; dircproxy's `@unixtime` is an instant.
//! Group: the channel, lower-cased for its id (IRC channel names ignore case): the `#chan` in
//! the file or folder name, else the channel the file's joins and parts name, else the one
//! its folder's other files name, else the file name without its date.
//! Joins, parts, quits, kicks, nick and topic changes become events; netsplits are `Other`
//! events (the nick is back when the split heals). Notices, mode changes, the logger's own
//! lines and empty messages become `Skipped` records. A line without the logger's timestamp
//! is an error naming the line, and so is a Limnoria line whose text is none of the shapes
//! ChannelLogger writes (its deliberately broken test files).
//! Bytes that are not UTF-8 are read as Windows-1252, line by line (IRC clients mixed
//! encodings; the eggdrop sample has Latin-1 lines), and the group says how many.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;
use shequn_model::{EventKind, GroupInfo, GroupKind, Person, Platform, Record, Sink, Stamp, SystemEvent};

use super::relay::Relays;
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt, PROBE_BYTES};

/// Which logger wrote a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Limnoria,
    Eggdrop,
    Dircproxy,
    Irssi,
    Weechat,
    Hexchat,
    /// ZNC's log module and energymech write the same lines.
    Znc,
    Energymech,
    Mirc,
    TheLounge,
}

/// One IRC logger's file layout.
pub struct Logger {
    kind: Kind,
    name: &'static str,
    description: &'static str,
}

pub const LIMNORIA: Logger = Logger {
    kind: Kind::Limnoria,
    name: "limnoria",
    description: "Supybot/Limnoria ChannelLogger: `2012-10-17T09:16:21+0000  <nick> text`",
};
pub const EGGDROP: Logger = Logger {
    kind: Kind::Eggdrop,
    name: "eggdrop",
    description: "eggdrop logs `chan.YYYYMMDD.log`: `[00:06:39] <nick> text`, `nick (u@h) joined #chan.`",
};
pub const DIRCPROXY: Logger = Logger {
    kind: Kind::Dircproxy,
    name: "dircproxy",
    description:
        "dircproxy logs: `[14 Jan 12:36] <nick!u@h> +text` (year from the file name), `@1231930390 <nick!u@h> text`",
};
pub const IRSSI: Logger = Logger {
    kind: Kind::Irssi,
    name: "irssi",
    description: "irssi logs (default theme): `--- Log opened Tue Jan 01 17:40:00 2013`, `17:40 <@nick> text`",
};
pub const WEECHAT: Logger = Logger {
    kind: Kind::Weechat,
    name: "weechat",
    description: "WeeChat logger: `2013-01-01 17:40:00<TAB>nick<TAB>text`, `-->`/`<--` joins and quits",
};
pub const HEXCHAT: Logger = Logger {
    kind: Kind::Hexchat,
    name: "hexchat",
    description:
        "HexChat/XChat logs: `**** BEGIN LOGGING AT Tue Jan  1 17:40:00 2013`, `Jan 01 17:40:00 <nick><TAB>text`",
};
pub const ZNC: Logger = Logger {
    kind: Kind::Znc,
    name: "znc",
    description: "ZNC log module `#chan/YYYY-MM-DD.log`: `[17:40:00] <nick> text`, `[17:40:00] *** Joins: nick (u@h)`",
};
pub const ENERGYMECH: Logger = Logger {
    kind: Kind::Energymech,
    name: "energymech",
    description: "energymech logs `#chan_YYYYMMDD.log`: `[17:40:00] <nick> text`, `[17:40:00] *** Joins: nick (u@h)`",
};
pub const MIRC: Logger = Logger {
    kind: Kind::Mirc,
    name: "mirc",
    description: "mIRC logs: `Session Start: Tue Jan 01 17:40:00 2013`, `[17:40] <nick> text`, `[17:40] * nick (u@h) has joined #chan`",
};
pub const THELOUNGE: Logger = Logger {
    kind: Kind::TheLounge,
    name: "thelounge",
    description: "The Lounge text logs: `[2021-01-01T17:40:00.000Z] <nick> text`, `*** nick (u@h) joined`",
};

/// All loggers, for `irc`'s fallback.
static ALL: [&Logger; 10] =
    [&LIMNORIA, &EGGDROP, &DIRCPROXY, &IRSSI, &WEECHAT, &HEXCHAT, &ZNC, &ENERGYMECH, &MIRC, &THELOUNGE];

/// The logger that claims `probe` best, for `--format irc` on a logger's file.
pub(crate) fn best_for(probe: &Probe) -> Option<&'static Logger> {
    ALL.iter().map(|l| (l.sniff(probe), *l)).filter(|(s, _)| *s > 0).max_by_key(|(s, _)| *s).map(|(_, l)| l)
}

/// Each (folder, logger)'s channel, found once.
type FolderChannels = HashMap<(PathBuf, Kind), Option<String>>;

/// When a line happened, as written.
#[derive(Debug, Clone, Copy)]
enum When {
    /// A full date and time; the offset where the line states one.
    Full(NaiveDateTime, Option<FixedOffset>),
    /// A clock time: the date comes from the file name or a header.
    Clock(NaiveTime),
    /// Day and month without a year (dircproxy, HexChat).
    MonthDay(u32, u32, NaiveTime),
    /// Seconds since the epoch (dircproxy's `@1231930390`).
    Unix(i64),
}

/// A line split at its timestamp.
enum Head<'a> {
    Timed(When, &'a str),
    /// A header that sets the day (`--- Day changed …`, `**** BEGIN LOGGING AT …`).
    Date(NaiveDate),
    /// A header with nothing to read (`--- Log closed …`, `Session Close: …`).
    Header,
    /// Not this logger's line.
    Unknown,
}

/// What a line's text says.
#[derive(Debug, PartialEq)]
enum Body {
    Msg {
        nick: String,
        text: String,
    },
    Event(Ev),
    /// A day marker inside the log (eggdrop's `--- Wed Jan  2 2013`).
    Date(NaiveDate),
    Skip(&'static str),
    /// A line outside the shapes the logger is known by (a server line, a client's own line):
    /// skipped on reading, and no evidence for sniffing.
    Other(&'static str),
    /// None of the shapes this logger writes.
    Bad,
}

#[derive(Debug, PartialEq)]
struct Ev {
    kind: EventKind,
    subject: String,
    actor: Option<String>,
    detail: Option<String>,
    channel: Option<String>,
}

struct Patterns {
    limnoria: Regex,
    bracket_clock: Regex,
    dircproxy: Regex,
    unix: Regex,
    irssi: Regex,
    irssi_opened: Regex,
    irssi_day: Regex,
    weechat: Regex,
    hexchat: Regex,
    hexchat_begin: Regex,
    mirc_start: Regex,
    lounge: Regex,
    egg_day: Regex,
    nick: Regex,
    egg_nick: Regex,
    kick: Regex,
    kick_has: Regex,
    kick_egg: Regex,
    joins: Regex,
    join: Regex,
    parts: Regex,
    leave: Regex,
    left_irc: Regex,
    quit: Regex,
    topic_changes: Regex,
    topic_changed: Regex,
    topic_has: Regex,
    topic_egg: Regex,
    netsplit: Regex,
    returned: Regex,
    name_date: Regex,
    name_date8: Regex,
    path_date: Regex,
}

/// A nick, then an optional `(user@host)`, `[user@host]` or `<nick!user@host>`.
const WHO: &str = r"(\S+?)(?:!\S+)?(?: [\[(<][^\])>]*[\])>])?";

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(&s.replace("WHO", WHO)).expect("valid pattern");
        Patterns {
            limnoria: re(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})?  (.*)$"),
            bracket_clock: re(r"^\[(\d{1,2}):(\d{2})(?::(\d{2}))?\] (.*)$"),
            dircproxy: re(r"^\[(\d{1,2}) ([A-Za-z]{3}) (\d{1,2}):(\d{2})(?::(\d{2}))?\] (.*)$"),
            unix: re(r"^@(\d{9,11}) (.*)$"),
            irssi: re(r"^(\d{2}):(\d{2})(?::(\d{2}))? (.*)$"),
            irssi_opened: re(r"^--- Log opened \w{3} (\w{3}) +(\d{1,2}) [\d:]+ (\d{4})$"),
            irssi_day: re(r"^--- Day changed \w{3} (\w{3}) +(\d{1,2}) (\d{4})$"),
            weechat: re(r"^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})\t(.*)$"),
            hexchat: re(r"^([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (.*)$"),
            hexchat_begin: re(r"^\*\*\*\* BEGIN LOGGING AT \w{3} (\w{3}) +(\d{1,2}) [\d:]+ (\d{4})$"),
            mirc_start: re(r"^Session Start: \w{3} (\w{3}) +(\d{1,2}) [\d:]+ (\d{4})$"),
            lounge: re(r"^\[(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z\] (.*)$"),
            egg_day: re(r"^--- \w{3} (\w{3}) +(\d{1,2}) (\d{4})$"),
            nick: re(r"^(\S+?)(?:!\S+)? (?:is now known as|changed nick to|has changed nick to) (\S+?)$"),
            egg_nick: re(r"^Nick change: (\S+) -> (\S+)$"),
            kick: re(r"^(\S+) was kicked (?:from (\S+) |off (\S+) )?by (\S+?)(?:!\S+)?(?: [\[(](.*)[\])])?$"),
            kick_has: re(r"^(\S+) has kicked (\S+)(?: from (\S+))?(?: \((.*)\))?$"),
            kick_egg: re(r"^(\S+) kicked from (\S+) by (\S+?)(?:!\S+)?:(?: (.*))?$"),
            joins: re(r"^Joins: (\S+?)(?: \([^)]*\))?$"),
            join: re(r"^WHO (?:has )?joined(?: the channel| ([#&!+]\S*?))?\.?$"),
            parts: re(r"^(?:Parts|Quits): (\S+?)(?: \([^)]*\))?(?: \((.*)\))?$"),
            leave: re(r"^WHO (?:has )?(?:left|parted)(?: the channel| ([#&!+][^\s.]*(?:\.[^\s.]+)*))?(?: [\[(](.*)[\])])?\.?$"),
            left_irc: re(r"^WHO left irc:(?: (.*))?$"),
            quit: re(r"^WHO (?:has )?(?i:quit)(?: IRC)?(?::? [\[(](.*)[\])])?$"),
            topic_changes: re(r#"^(\S+) changes topic to ['"](.*)['"]$"#),
            topic_changed: re(r"^(\S+) changed (?:the )?topic(?: of (\S+))? to:? (.*)$"),
            topic_has: re(r#"^(\S+) has changed (?:the )?topic(?: for (\S+))?(?: from ".*")? to:? (.*)$"#),
            topic_egg: re(r"^Topic changed on (\S+) by (\S+?)(?:!\S+)?: (.*)$"),
            netsplit: re(r"^WHO (?:got netsplit|got lost in the net-split)\.$"),
            returned: re(r"^WHO returned to (\S+?)\.$"),
            name_date: re(r"(\d{4})[-_](\d{2})[-_](\d{2})"),
            name_date8: re(r"(?:^|[._-])(\d{4})(\d{2})(\d{2})(?:[._-]|$)"),
            path_date: re(r"(\d{4})/(\d{2})/(\d{2})/[^/]*$"),
        }
    })
}

fn month(name: &str) -> Option<u32> {
    const M: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    M.iter().position(|m| m.eq_ignore_ascii_case(name)).map(|i| i as u32 + 1)
}

fn hms(h: &str, m: &str, s: Option<&str>) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, s.map_or(Some(0), |s| s.parse().ok())?)
}

fn mdy(m: &str, d: &str, y: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, month(m)?, d.parse().ok()?)
}

fn ymd(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn offset(s: &str) -> Option<FixedOffset> {
    if s == "Z" {
        return FixedOffset::east_opt(0);
    }
    let digits: String = s[1..].chars().filter(|c| c.is_ascii_digit()).collect();
    let (h, m): (i32, i32) = (digits.get(..2)?.parse().ok()?, digits.get(2..4)?.parse().ok()?);
    let secs = (h * 3600 + m * 60) * if s.starts_with('-') { -1 } else { 1 };
    FixedOffset::east_opt(secs)
}

impl Kind {
    /// Splits a line at its timestamp.
    fn head(self, line: &str) -> Head<'_> {
        let p = patterns();
        let clock = |c: &regex::Captures<'_>, i: usize| hms(&c[i], &c[i + 1], c.get(i + 2).map(|m| m.as_str()));
        fn body<'t>(c: &regex::Captures<'t>, i: usize) -> &'t str {
            c.get(i).map_or("", |m| m.as_str())
        }
        let timed = |w: Option<When>, b| w.map_or(Head::Unknown, |w| Head::Timed(w, b));
        let date_header = |re: &Regex| re.captures(line).and_then(|c| mdy(&c[1], &c[2], &c[3]));
        match self {
            Kind::Limnoria => match p.limnoria.captures(line) {
                Some(c) => {
                    let at = ymd(&c[1]).and_then(|d| Some(d.and_time(clock(&c, 2)?)));
                    let zone = c.get(5).map(|z| offset(z.as_str()));
                    match (at, zone) {
                        (Some(at), None) => Head::Timed(When::Full(at, None), body(&c, 6)),
                        (Some(at), Some(Some(z))) => Head::Timed(When::Full(at, Some(z)), body(&c, 6)),
                        _ => Head::Unknown,
                    }
                }
                None => Head::Unknown,
            },
            Kind::Eggdrop | Kind::Znc | Kind::Energymech | Kind::Mirc => {
                if let Some(c) = p.bracket_clock.captures(line) {
                    return timed(clock(&c, 1).map(When::Clock), body(&c, 4));
                }
                if self == Kind::Mirc {
                    if let Some(d) = date_header(&p.mirc_start) {
                        return Head::Date(d);
                    }
                    if line.starts_with("Session ") {
                        return Head::Header;
                    }
                }
                Head::Unknown
            }
            Kind::Dircproxy => {
                if let Some(c) = p.dircproxy.captures(line) {
                    let w = month(&c[2]).zip(c[1].parse().ok()).zip(clock(&c, 3));
                    return timed(w.map(|((m, d), t)| When::MonthDay(m, d, t)), body(&c, 6));
                }
                match p.unix.captures(line) {
                    Some(c) => timed(c[1].parse().ok().map(When::Unix), body(&c, 2)),
                    None => Head::Unknown,
                }
            }
            Kind::Irssi => {
                if let Some(c) = p.irssi.captures(line) {
                    return timed(clock(&c, 1).map(When::Clock), body(&c, 4));
                }
                if let Some(d) = date_header(&p.irssi_opened).or_else(|| date_header(&p.irssi_day)) {
                    return Head::Date(d);
                }
                if line.starts_with("--- Log closed") {
                    return Head::Header;
                }
                Head::Unknown
            }
            Kind::Weechat => match p.weechat.captures(line) {
                Some(c) => {
                    timed(ymd(&c[1]).zip(clock(&c, 2)).map(|(d, t)| When::Full(d.and_time(t), None)), body(&c, 5))
                }
                None => Head::Unknown,
            },
            Kind::Hexchat => {
                if let Some(c) = p.hexchat.captures(line) {
                    let w = month(&c[1]).zip(c[2].parse().ok()).zip(clock(&c, 3));
                    return timed(w.map(|((m, d), t)| When::MonthDay(m, d, t)), body(&c, 6));
                }
                if let Some(d) = date_header(&p.hexchat_begin) {
                    return Head::Date(d);
                }
                if line.starts_with("**** ") {
                    return Head::Header;
                }
                Head::Unknown
            }
            Kind::TheLounge => match p.lounge.captures(line) {
                Some(c) => {
                    let w =
                        ymd(&c[1]).zip(clock(&c, 2)).map(|(d, t)| When::Full(d.and_time(t), FixedOffset::east_opt(0)));
                    timed(w, body(&c, 5))
                }
                None => Head::Unknown,
            },
        }
    }

    /// Reads a line's text once its time is taken off.
    fn body(self, body: &str) -> Body {
        let body = body.trim_end();
        match self {
            Kind::Limnoria => {
                if let Some(m) = angle_message(body) {
                    return m;
                }
                if let Some(rest) = body.strip_prefix("*** ") {
                    return system(rest).unwrap_or(Body::Skip("a mode change or server line, not a message"));
                }
                // `* nick waves`; the corpus also has `*nick waves` and a bare `*nick`.
                if let Some(rest) = body.strip_prefix('*') {
                    return action(rest.strip_prefix(' ').unwrap_or(rest));
                }
                if let Some(rest) = body.strip_prefix('-') {
                    if rest.split(' ').next().is_some_and(|w| w.len() > 1 && w.ends_with('-')) {
                        return Body::Skip("a notice, not channel talk");
                    }
                }
                Body::Bad
            }
            Kind::Eggdrop => {
                if let Some(m) = angle_message(body) {
                    return m;
                }
                if let Some(rest) = body.strip_prefix("Action: ") {
                    return action(rest);
                }
                if let Some(c) = patterns().egg_day.captures(body) {
                    if let Some(d) = mdy(&c[1], &c[2], &c[3]) {
                        return Body::Date(d);
                    }
                }
                if body.starts_with("Last message repeated") {
                    return Body::Skip("eggdrop's repeat count: the repeated line is not written again");
                }
                system(body).unwrap_or(Body::Other("a line the bot writes about itself or the channel modes"))
            }
            Kind::Dircproxy => {
                if let Some(rest) = body.strip_prefix('<') {
                    if let Some((who, text)) = rest.split_once('>') {
                        let nick = who.split('!').next().unwrap_or(who);
                        if is_nick(nick) {
                            // dircproxy glues `+`/`-` (its own/others' marker) to the text.
                            let text = text.strip_prefix(' ').unwrap_or(text);
                            let text = text.strip_prefix(['+', '-']).unwrap_or(text);
                            return message(nick, text);
                        }
                    }
                }
                if let Some(rest) = body.strip_prefix("* ") {
                    return action(rest);
                }
                for prefix in ["--> ", "<-- ", "*** ", "--- "] {
                    if let Some(rest) = body.strip_prefix(prefix) {
                        if rest.starts_with("You ") {
                            return Body::Skip("the proxy's own connection line");
                        }
                        return system(rest).unwrap_or(Body::Skip("a mode change or server line, not a message"));
                    }
                }
                if body.starts_with('-') {
                    return Body::Skip("a notice, not channel talk");
                }
                Body::Other("not a message or a known system line")
            }
            Kind::Irssi => {
                if let Some(m) = angle_message(body) {
                    return m;
                }
                if let Some(rest) = body.strip_prefix(" * ").or_else(|| body.strip_prefix("* ")) {
                    return action(rest);
                }
                if let Some(rest) = body.strip_prefix("-!- ") {
                    return system(rest).unwrap_or(Body::Skip("a mode change or server line, not a message"));
                }
                Body::Other("a notice or a line irssi writes about itself")
            }
            Kind::Weechat => {
                let (prefix, text) = body.split_once('\t').unwrap_or((body, ""));
                match prefix.trim() {
                    "-->" | "<--" | "--" => {
                        system(text).unwrap_or(Body::Skip("a mode change or server line, not a message"))
                    }
                    "*" => action(text),
                    "" | "=!=" | "!!!" => Body::Skip("a line WeeChat writes about itself"),
                    nick if is_nick(strip_mode(nick)) => message(strip_mode(nick), text),
                    _ => Body::Other("not a message or a known system line"),
                }
            }
            Kind::Hexchat => {
                let (prefix, text) = match body.split_once('\t') {
                    Some((p, t)) => (p, t),
                    None => match body.split_once("> ") {
                        Some((p, t)) if p.starts_with('<') => (&body[..p.len() + 1], t),
                        _ => body.split_once(' ').unwrap_or((body, "")),
                    },
                };
                if let Some(nick) = prefix.strip_prefix('<').and_then(|p| p.strip_suffix('>')) {
                    if is_nick(strip_mode(nick)) {
                        return message(strip_mode(nick), text);
                    }
                }
                match prefix {
                    "*" => star_line(text),
                    "-->" | "<--" | "---" => {
                        system(text).unwrap_or(Body::Skip("a mode change or server line, not a message"))
                    }
                    _ => Body::Other("a notice or a line HexChat writes about itself"),
                }
            }
            Kind::Znc | Kind::Energymech | Kind::TheLounge => {
                if let Some(m) = angle_message(body) {
                    return m;
                }
                if let Some(rest) = body.strip_prefix("*** ") {
                    return system(rest).unwrap_or(Body::Skip("a mode change or server line, not a message"));
                }
                if let Some(rest) = body.strip_prefix("* ") {
                    return action(rest);
                }
                Body::Other("a notice or a server line")
            }
            Kind::Mirc => {
                if let Some(m) = angle_message(body) {
                    return m;
                }
                if let Some(rest) = body.strip_prefix("* ") {
                    return star_line(rest);
                }
                Body::Other("a notice or a server line")
            }
        }
    }

    /// Whether a line is one this logger alone writes, so files of the shared `[HH:MM] <nick>`
    /// shape are claimed by the logger only when they show it.
    fn distinctive(self, line: &str, body: &Body) -> bool {
        match self {
            Kind::Eggdrop => {
                matches!(body, Body::Date(_))
                    || line.contains("] Action: ")
                    || line.contains("] Nick change: ")
                    || line.contains(") left irc:")
                    || matches!(body, Body::Event(e) if e.kind == EventKind::Join && line.ends_with('.'))
            }
            Kind::Znc | Kind::Energymech => {
                line.contains("] *** Joins: ") || line.contains("] *** Quits: ") || line.contains("] *** Parts: ")
            }
            Kind::Mirc => {
                line.starts_with("Session Start: ")
                    || (line.contains("] * ") && matches!(body, Body::Event(e) if e.kind != EventKind::NickChange))
            }
            _ => true,
        }
    }
}

fn strip_mode(nick: &str) -> &str {
    let stripped = nick.trim_start_matches(['@', '+', '%', '~', '&', '!', ' ']);
    if stripped.is_empty() {
        nick
    } else {
        stripped
    }
}

/// An IRC nick as loggers write it: no spaces or brackets.
fn is_nick(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && !s.contains(char::is_whitespace) && !s.contains(['<', '>'])
}

/// A message; an empty one (an action's echo, a line of colour codes) is skipped.
fn message(nick: &str, text: &str) -> Body {
    if text.trim().is_empty() {
        return Body::Skip("an empty message");
    }
    Body::Msg { nick: nick.to_string(), text: text.to_string() }
}

/// `<nick> text`, `< nick>`/`<@nick>` with a mode; `<nick&gt; text` (an HTML-escaped closer).
fn angle_message(body: &str) -> Option<Body> {
    let rest = body.strip_prefix('<')?;
    let (nick, text) = match rest.split_once('>') {
        Some((n, t)) if is_nick(strip_mode(n)) => (n, t),
        _ => rest.split_once("&gt;").filter(|(n, _)| is_nick(n))?,
    };
    Some(message(strip_mode(nick), text.strip_prefix(' ').unwrap_or(text)))
}

/// `nick waves`: an action, said by nick.
fn action(rest: &str) -> Body {
    let (nick, act) = rest.split_once(' ').unwrap_or((rest, ""));
    if !is_nick(nick) {
        return Body::Skip("an action without a nick");
    }
    message(strip_mode(nick), act)
}

/// mIRC and HexChat write events and actions both after `* `: an event needs its
/// `(user@host)` or a known event wording.
fn star_line(rest: &str) -> Body {
    match system(rest) {
        Some(Body::Event(e)) if matches!(e.kind, EventKind::Join | EventKind::Leave) && !rest.contains(" (") => {
            action(rest)
        }
        Some(b) => b,
        None if rest.contains(" sets mode: ") || rest.starts_with("Now talking in ") || rest.starts_with("Topic ") => {
            Body::Skip("a mode change or client line, not a message")
        }
        None => action(rest),
    }
}

/// Joins, parts, quits, kicks, nick and topic changes in any of the loggers' wordings.
fn system(rest: &str) -> Option<Body> {
    let p = patterns();
    let ev = |kind, subject: &str, actor: Option<&str>, detail: Option<&str>, channel: Option<&str>| {
        Some(Body::Event(Ev {
            kind,
            subject: strip_mode(subject).to_string(),
            actor: actor.map(|a| strip_mode(a).to_string()),
            detail: detail.map(str::to_string),
            channel: channel.filter(|c| c.starts_with(['#', '&', '!', '+'])).map(str::to_string),
        }))
    };
    fn g<'t>(c: &regex::Captures<'t>, i: usize) -> Option<&'t str> {
        c.get(i).map(|m| m.as_str())
    }
    if let Some(c) = p.nick.captures(rest).or_else(|| p.egg_nick.captures(rest)) {
        return ev(EventKind::NickChange, &c[1], Some(&c[1]), Some(&c[2]), None);
    }
    if let Some(c) = p.kick.captures(rest) {
        return ev(EventKind::Kick, &c[1], Some(&c[4]), g(&c, 5), g(&c, 2).or(g(&c, 3)));
    }
    if let Some(c) = p.kick_has.captures(rest) {
        return ev(EventKind::Kick, &c[2], Some(&c[1]), g(&c, 4), g(&c, 3));
    }
    if let Some(c) = p.kick_egg.captures(rest) {
        return ev(EventKind::Kick, &c[1], Some(&c[3]), g(&c, 4), Some(&c[2]));
    }
    if let Some(c) = p.joins.captures(rest) {
        return ev(EventKind::Join, &c[1], None, None, None);
    }
    if let Some(c) = p.join.captures(rest) {
        return ev(EventKind::Join, &c[1], None, None, g(&c, 2));
    }
    if let Some(c) = p.parts.captures(rest) {
        return ev(EventKind::Leave, &c[1], None, g(&c, 2), None);
    }
    if let Some(c) = p.left_irc.captures(rest) {
        return ev(EventKind::Leave, &c[1], None, g(&c, 2), None);
    }
    if let Some(c) = p.leave.captures(rest) {
        return ev(EventKind::Leave, &c[1], None, g(&c, 3), g(&c, 2));
    }
    if let Some(c) = p.quit.captures(rest) {
        return ev(EventKind::Leave, &c[1], None, g(&c, 2), None);
    }
    if let Some(c) = p.topic_egg.captures(rest) {
        return ev(EventKind::Topic, &c[2], Some(&c[2]), Some(&c[3]), Some(&c[1]));
    }
    for re in [&p.topic_changes, &p.topic_changed, &p.topic_has] {
        if let Some(c) = re.captures(rest) {
            let topic = c.get(c.len() - 1).map_or("", |m| m.as_str());
            let topic = topic.strip_prefix(['"', '\'']).and_then(|t| t.strip_suffix(['"', '\''])).unwrap_or(topic);
            let channel = if c.len() > 3 { g(&c, 2) } else { None };
            return ev(EventKind::Topic, &c[1], Some(&c[1]), Some(topic), channel);
        }
    }
    if let Some(c) = p.netsplit.captures(rest) {
        return ev(EventKind::Other, &c[1], None, Some("netsplit"), None);
    }
    if let Some(c) = p.returned.captures(rest) {
        return ev(EventKind::Other, &c[1], None, Some("back after a netsplit"), Some(&c[2]));
    }
    None
}

/// One line as text: UTF-8, else Windows-1252 (the bool says which).
fn decode(raw: &[u8]) -> (std::borrow::Cow<'_, str>, bool) {
    match std::str::from_utf8(raw) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), true),
        Err(_) => (encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0, false),
    }
}

impl Logger {
    /// Counts, over the head's first lines, those in this logger's shapes, and whether any is
    /// one only this logger writes.
    fn tally(&self, head: &[u8]) -> (usize, usize, bool) {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let (mut seen, mut hits, mut distinctive) = (0, 0, false);
        for raw in head.split(|&b| b == b'\n').take(200) {
            let (line, _) = decode(raw);
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            seen += 1;
            match self.kind.head(line) {
                Head::Timed(_, body) => {
                    let b = self.kind.body(body);
                    if !matches!(b, Body::Bad | Body::Other(_)) {
                        hits += 1;
                        distinctive |= self.kind.distinctive(line, &b);
                    }
                }
                Head::Date(_) => {
                    hits += 1;
                    distinctive = true;
                }
                Head::Header => hits += 1,
                Head::Unknown => {}
            }
        }
        (seen, hits, distinctive)
    }

    /// The channel the head's joins and parts name most.
    fn channel_in(&self, head: &[u8]) -> Option<String> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for raw in head.split(|&b| b == b'\n') {
            let (line, _) = decode(raw);
            if let Head::Timed(_, body) = self.kind.head(line.trim_end_matches('\r')) {
                if let Body::Event(Ev { channel: Some(c), .. }) = self.kind.body(body) {
                    *counts.entry(c).or_default() += 1;
                }
            }
        }
        counts.into_iter().max_by_key(|(name, n)| (*n, std::cmp::Reverse(name.clone()))).map(|(name, _)| name)
    }

    /// The channel the other files of `path`'s folder name, looked up once per folder.
    fn channel_of_folder(&self, path: &Path) -> Option<String> {
        static CACHE: OnceLock<Mutex<FolderChannels>> = OnceLock::new();
        let dir = path.parent()?.to_path_buf();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(found) = cache.lock().ok()?.get(&(dir.clone(), self.kind)) {
            return found.clone();
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        let found = files.iter().filter(|f| f.is_file() && *f != path).take(50).find_map(|f| {
            let head = read_head(f, PROBE_BYTES).ok()?;
            let (seen, hits, _) = self.tally(&head);
            (hits > 0 && hits * 2 >= seen).then(|| self.channel_in(&head)).flatten()
        });
        cache.lock().ok()?.insert((dir, self.kind), found.clone());
        found
    }

    /// The group's name: see the module doc.
    fn channel(&self, path: &Path, head: &[u8]) -> String {
        let named = |p: &Path| {
            let name = p.file_name()?.to_str()?;
            let start = name.find(['#', '&'])?;
            let chan = &name[start..];
            // `#chan.log`, `#chan_20130101.log`, `irc.libera.#chan.weechatlog`, `#chan.2012-10-17.log`.
            // Up to the first `.`: what follows is a date, a network or the extension.
            let end = chan[1..].find(['_', ' ', '.']).map_or(chan.len(), |i| i + 1);
            let chan = &chan[..end];
            (chan.len() > 1).then(|| chan.to_string())
        };
        let in_text = || self.channel_in(head).or_else(|| self.channel_of_folder(path));
        if let Some(n) = named(path).or_else(|| path.parent().and_then(named)) {
            // A channel with a dot in its name (`#linux.de.log`) as its joins write it.
            return match in_text() {
                Some(t) if t.to_lowercase().starts_with(&format!("{}.", n.to_lowercase())) => t,
                _ => n,
            };
        }
        if let Some(c) = in_text() {
            return c;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = name.split('.').next().unwrap_or(name);
        let stem = patterns().name_date.replace_all(stem, "");
        let stem = stem.trim_matches(|c: char| c == '_' || c == '-' || c == ' ' || c.is_ascii_digit());
        if !stem.is_empty() {
            return stem.to_string();
        }
        path.parent().and_then(|d| d.file_name()).and_then(|n| n.to_str()).unwrap_or("irc").to_string()
    }
}

fn read_head(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(limit.min(1 << 20));
    std::fs::File::open(path)?.take(limit as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The day a file's name or folders give: `2013-01-01`, `2012_10_17`, `.20130101.`, `2013/01/01/#chan.txt`.
pub(crate) fn path_date(path: &Path) -> Option<NaiveDate> {
    let p = patterns();
    let name = path.file_name()?.to_str()?;
    let from =
        |c: regex::Captures<'_>| NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    if let Some(d) = p.name_date.captures(name).and_then(from).or_else(|| p.name_date8.captures(name).and_then(from)) {
        return Some(d);
    }
    let full = path.to_string_lossy().replace('\\', "/");
    p.path_date.captures(&full).and_then(from)
}

/// A clock that goes back by more than three hours is the next day.
fn advance_day(day: NaiveDate, last: &mut Option<NaiveTime>, t: NaiveTime) -> NaiveDate {
    let next = match *last {
        Some(prev) if prev - t > Duration::hours(3) => day.succ_opt().unwrap_or(day),
        _ => day,
    };
    *last = Some(t);
    next
}

/// What each logger writes, for error messages.
fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Limnoria => "`2012-10-17T09:16:21+0000  <nick> text` (a timestamp, two spaces, then `<nick>`, `* nick`, `-nick-` or `***`)",
        Kind::Eggdrop => "`[HH:MM:SS] <nick> text` or an eggdrop event line",
        Kind::Dircproxy => "`[14 Jan 12:36] <nick!user@host> text` or `@1231930390 <nick!user@host> text`",
        Kind::Irssi => "`HH:MM <nick> text`, `HH:MM -!- …` or `--- Day changed …`",
        Kind::Weechat => "`YYYY-MM-DD HH:MM:SS<TAB>nick<TAB>text`",
        Kind::Hexchat => "`Jan 01 17:40:00 <nick><TAB>text` or `**** BEGIN LOGGING AT …`",
        Kind::Znc | Kind::Energymech => "`[HH:MM:SS] <nick> text` or `[HH:MM:SS] *** …`",
        Kind::Mirc => "`[HH:MM] <nick> text`, `[HH:MM] * …` or `Session Start: …`",
        Kind::TheLounge => "`[2021-01-01T17:40:00.000Z] <nick> text`",
    }
}

fn shown(line: &str) -> String {
    let cut: String = line.chars().take(80).collect();
    if cut.len() < line.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

impl Format for Logger {
    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        self.description
    }

    fn sniff(&self, probe: &Probe) -> Score {
        if probe.head.is_empty() {
            return 0;
        }
        let (seen, hits, distinctive) = self.tally(probe.head);
        if hits == 0 || hits * 3 < seen * 2 || !distinctive {
            return 0;
        }
        let name = probe.file_name();
        match self.kind {
            // Same lines: the file name tells ZNC's `YYYY-MM-DD.log` from energymech's `_YYYYMMDD.log`.
            Kind::Energymech if patterns().name_date8.is_match(name) && name.contains('_') => 81,
            Kind::Energymech => 0,
            _ => 80,
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let head = read_head(path, 4 * PROBE_BYTES).map_err(|e| input.io_error(e))?;
        let channel = self.channel(path, &head);
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Irc,
            platform_id: channel.to_lowercase(),
            name: channel,
            kind: GroupKind::Group,
            member_count: None,
        }))
        .or_closed(path)?;
        let zone = opts.zone_or(FixedOffset::east_opt(0).expect("zero offset"));
        let mut noted_zone = false;
        let mut day = path_date(path);
        let mut last_time: Option<NaiveTime> = None;
        let mut relays = Relays::default();
        let mut not_utf8 = 0usize;
        let mut reader = input.open_skip_bom()?;
        let mut raw = Vec::new();
        let mut line_no = 0u64;
        loop {
            raw.clear();
            if reader.read_until(b'\n', &mut raw).map_err(|e| input.io_error(e))? == 0 {
                break;
            }
            line_no += 1;
            let (text, utf8) = decode(&raw);
            let line = text.trim_end_matches(['\n', '\r']);
            if line.trim().is_empty() {
                continue;
            }
            let (when, body) = match self.kind.head(line) {
                Head::Timed(w, b) => (w, b),
                Head::Date(d) => {
                    day = Some(d);
                    last_time = None;
                    continue;
                }
                Head::Header => continue,
                Head::Unknown => {
                    return Err(ParseError::new(path, format!("not a {} log line: expected {}, saw `{}`", self.name, expected(self.kind), shown(line)))
                        .at(format!("line {line_no}"))
                        .hint(format!("the file may be damaged, or written by another logger; check the line, or pick the format with --format ({})", crate::format_names().join(", "))));
                }
            };
            if !utf8 {
                not_utf8 += 1;
            }
            let parsed = self.kind.body(body);
            if let Body::Date(d) = parsed {
                day = Some(d);
                last_time = None;
                continue;
            }
            if parsed == Body::Bad {
                return Err(ParseError::new(
                    path,
                    format!("not a {} log line: expected {}, saw `{}`", self.name, expected(self.kind), shown(line)),
                )
                .at(format!("line {line_no}"))
                .hint("the file may be damaged; fix or remove the line and import it again"));
            }
            let base = day;
            let no_date = || {
                ParseError::new(
                    path,
                    "this log writes times without a date, and neither its file name nor a header gives one",
                )
                .at(format!("line {line_no}"))
                .hint("rename the file to include its day, as YYYY-MM-DD (e.g. #chan.2013-01-01.log)")
            };
            let stamp = match when {
                When::Full(at, Some(z)) => Stamp::from_local_known(at, z),
                When::Full(at, None) => Stamp::from_local_assumed(at, zone),
                When::Unix(s) => Stamp::from_unix_ms(s * 1000),
                When::Clock(t) => {
                    let d = advance_day(base.ok_or_else(no_date)?, &mut last_time, t);
                    day = Some(d);
                    Stamp::from_local_assumed(d.and_time(t), zone)
                }
                When::MonthDay(m, dd, t) => {
                    let base = base.ok_or_else(no_date)?;
                    let mut d = NaiveDate::from_ymd_opt(base.year(), m, dd).ok_or_else(no_date)?;
                    // A log that runs from December into January.
                    if d < base - Duration::days(180) {
                        d = d.with_year(d.year() + 1).unwrap_or(d);
                    }
                    Stamp::from_local_assumed(d.and_time(t), zone)
                }
            };
            if stamp.zone_inferred && !noted_zone {
                noted_zone = true;
                sink.push(Record::Note {
                    group: 0,
                    text: format!(
                        "时间按 UTC{zone} 读取：日志未注明时区（可用 --zone 指定）/ times read as UTC{zone}: the log states no zone (set one with --zone)"
                    ),
                })
                .or_closed(path)?;
            }
            let record = match parsed {
                Body::Msg { nick, text } => {
                    Record::Message { group: 0, message: relays.message(nick, text, stamp, None) }
                }
                Body::Event(ev) => {
                    let mut e = SystemEvent::new(stamp, ev.kind, body.trim_end());
                    e.subjects = vec![Person::named(ev.subject)];
                    e.actor = ev.actor.map(Person::named);
                    e.detail = ev.detail;
                    Record::Event { group: 0, event: e }
                }
                Body::Skip(reason) | Body::Other(reason) => {
                    Record::Skipped { location: format!("{}: line {line_no}", path.display()), reason: reason.into() }
                }
                Body::Date(_) | Body::Bad => continue,
            };
            sink.push(record).or_closed(path)?;
        }
        if not_utf8 > 0 {
            sink.push(Record::Note {
                group: 0,
                text: format!(
                    "{not_utf8} 行不是 UTF-8，按 Windows-1252 (Latin-1) 读取 / {not_utf8} lines were not UTF-8 and were read as Windows-1252 (Latin-1)"
                ),
            })
            .or_closed(path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(logger: &Logger, name: &str, text: &str) -> Result<Vec<Record>, ParseError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        let probe = Probe { path: &path, dir_entries: &[], head: text.as_bytes() };
        let found = crate::detect(&probe).map(|f| f.name());
        assert_eq!(found, Some(logger.name), "sniffing {name}");
        let mut out = Vec::new();
        logger.parse(&Input::new(&path), &ParseOptions::default(), &mut out)?;
        Ok(out)
    }

    /// (sender, text, time) of each message.
    fn messages(recs: &[Record]) -> Vec<(String, String, String)> {
        recs.iter()
            .filter_map(|r| match r {
                Record::Message { message: m, .. } => {
                    Some((m.sender.name.clone(), m.text.clone(), m.time.to_rfc3339()))
                }
                _ => None,
            })
            .collect()
    }

    /// (kind, subject, actor, detail) of each event.
    fn events(recs: &[Record]) -> Vec<(EventKind, String, Option<String>, Option<String>)> {
        recs.iter()
            .filter_map(|r| match r {
                Record::Event { event: e, .. } => Some((
                    e.kind,
                    e.subjects.first().map(|p| p.name.clone()).unwrap_or_default(),
                    e.actor.as_ref().map(|p| p.name.clone()),
                    e.detail.clone(),
                )),
                _ => None,
            })
            .collect()
    }

    fn group(recs: &[Record]) -> &GroupInfo {
        match &recs[0] {
            Record::Group(g) => g,
            other => panic!("first record is not the group: {other:?}"),
        }
    }

    fn ev(
        kind: EventKind,
        who: &str,
        actor: Option<&str>,
        detail: Option<&str>,
    ) -> (EventKind, String, Option<String>, Option<String>) {
        (kind, who.into(), actor.map(Into::into), detail.map(Into::into))
    }

    fn msg(nick: &str, text: &str, at: &str) -> (String, String, String) {
        (nick.into(), text.into(), at.into())
    }

    #[test]
    fn limnoria_hostmask_joins_kicks_topics_and_offsets() {
        // Shapes from Limnoria's ChannelLogger plugin (plugins/ChannelLogger/plugin.py), written by hand.
        let recs = parse(
            &LIMNORIA,
            "#rit-foss.2021-01-12.log",
            concat!(
                "2021-01-12T11:28:19  *** bot <bot!~limnoria@45.55.49.14> has joined #rit-foss\n",
                "2021-01-12T11:29:41  <nolski> test\n",
                "2021-01-12T11:29:45  * nolski waves\n",
                "2021-01-12T11:30:00  *** ann was kicked by op (spam)\n",
                "2021-01-12T11:31:00  *** nolski is now known as nol\n",
                "2021-01-12T11:32:00  *** op changes topic to \"welcome\"\n",
                "2021-01-12T11:33:00  *** op sets mode: +o nol\n",
                "2021-01-12T11:34:00  *** nol <nol!~n@h> has left #rit-foss (bye)\n",
                "2021-01-12T11:35:00  *** x <x!~x@h> has quit IRC (Ping timeout)\n",
                "2021-01-12T11:36:00  -ChanServ- hello\n",
            ),
        )
        .unwrap();
        assert_eq!((group(&recs).platform_id.as_str(), group(&recs).platform), ("#rit-foss", Platform::Irc));
        assert_eq!(
            messages(&recs),
            vec![
                msg("nolski", "test", "2021-01-12T11:29:41+00:00"),
                msg("nolski", "waves", "2021-01-12T11:29:45+00:00")
            ]
        );
        assert_eq!(
            events(&recs),
            vec![
                ev(EventKind::Join, "bot", None, None),
                ev(EventKind::Kick, "ann", Some("op"), Some("spam")),
                ev(EventKind::NickChange, "nolski", Some("nolski"), Some("nol")),
                ev(EventKind::Topic, "op", Some("op"), Some("welcome")),
                ev(EventKind::Leave, "nol", None, Some("bye")),
                ev(EventKind::Leave, "x", None, Some("Ping timeout")),
            ]
        );
        let skipped = recs.iter().filter(|r| matches!(r, Record::Skipped { .. })).count();
        assert_eq!(skipped, 2, "the mode change and the notice");
        assert!(recs.iter().any(|r| matches!(r, Record::Note { text, .. } if text.contains("UTC+00:00"))));
    }

    #[test]
    fn limnoria_stated_offsets_are_not_inferred() {
        let recs = parse(&LIMNORIA, "chan.log", "2012-10-17T09:16:21+0200  <a> hi\n2012-10-17T09:16:22+0200  <b> yo\n")
            .unwrap();
        let Record::Message { message, .. } = &recs[1] else { panic!("{:?}", recs[1]) };
        assert_eq!(message.time.to_rfc3339(), "2012-10-17T09:16:21+02:00");
        assert!(!message.time.zone_inferred);
        assert!(!recs.iter().any(|r| matches!(r, Record::Note { .. })), "no zone was assumed");
    }

    #[test]
    fn limnoria_errors_name_the_line_and_what_was_seen() {
        let text = "2012-10-17T09:16:21+0000  <a> hi\n2012-10-17T09:16:29+0000  <a> yo\n2012-10-17T09:16:51 0000  *** b has joined #c\n";
        let err = parse(&LIMNORIA, "c.log", text).unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 3"));
        assert!(err.message.contains("saw `2012-10-17T09:16:51 0000  *** b has joined #c`"), "{err}");
        let text = "2012-10-17T09:16:21+0000  <a> hi\n2012-10-17T09:16:29+0000  <a> yo\n2012-10-17T09:19:43+0000  a http://x\n";
        let err = parse(&LIMNORIA, "c.log", text).unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 3"));
        assert!(err.message.contains("expected `2012-10-17T09:16:21+0000  <nick> text`"), "{err}");
    }

    #[test]
    fn irssi_default_theme() {
        // From irssi's default theme (default.theme / fe-common/core/module-formats.c) as
        // superseriousstats' parsers/irssi.php reads it; no real sample in the corpus.
        let recs = parse(
            &IRSSI,
            "#rust.log",
            concat!(
                "--- Log opened Mon Dec 31 23:58:00 2012\n",
                "23:58 -!- ann [~ann@host] has joined #rust\n",
                "23:59 <@ann> last of the year\n",
                "--- Day changed Tue Jan 01 2013\n",
                "00:01 < bob> happy new year\n",
                "00:02  * bob dances\n",
                "00:03 -!- bob is now known as bobby\n",
                "00:04 -!- mode/#rust [+o bobby] by ann\n",
                "00:05 -!- eve was kicked from #rust by ann [spam]\n",
                "00:06 -!- ann changed the topic of #rust to: 2013!\n",
                "00:07 -!- bobby [~b@h] has left #rust [later]\n",
                "00:08 -!- ann [~ann@host] has quit [Quit: bye]\n",
                "--- Log closed Tue Jan 01 00:09:00 2013\n",
            ),
        )
        .unwrap();
        assert_eq!(group(&recs).platform_id, "#rust");
        assert_eq!(
            messages(&recs),
            vec![
                msg("ann", "last of the year", "2012-12-31T23:59:00+00:00"),
                msg("bob", "happy new year", "2013-01-01T00:01:00+00:00"),
                msg("bob", "dances", "2013-01-01T00:02:00+00:00"),
            ]
        );
        assert_eq!(
            events(&recs),
            vec![
                ev(EventKind::Join, "ann", None, None),
                ev(EventKind::NickChange, "bob", Some("bob"), Some("bobby")),
                ev(EventKind::Kick, "eve", Some("ann"), Some("spam")),
                ev(EventKind::Topic, "ann", Some("ann"), Some("2013!")),
                ev(EventKind::Leave, "bobby", None, Some("later")),
                ev(EventKind::Leave, "ann", None, Some("Quit: bye")),
            ]
        );
    }

    #[test]
    fn weechat_logger_tab_separated() {
        // WeeChat's logger plugin default (`logger.file.time_format` "%Y-%m-%d %H:%M:%S", tab between
        // time, prefix and message), file `irc.libera.#weechat.weechatlog`; wordings from
        // superseriousstats' parsers/weechat.php. No real sample in the corpus.
        let recs = parse(
            &WEECHAT,
            "irc.libera.#weechat.weechatlog",
            concat!(
                "2013-01-01 10:00:00\t-->\tann (~ann@host) has joined #weechat\n",
                "2013-01-01 10:00:05\t@ann\thello\n",
                "2013-01-01 10:00:06\t *\tann waves\n",
                "2013-01-01 10:00:07\t--\tann is now known as anna\n",
                "2013-01-01 10:00:08\t--\tanna has changed topic for #weechat to \"new topic\"\n",
                "2013-01-01 10:00:09\t<--\tanna has kicked eve (spam)\n",
                "2013-01-01 10:00:10\t<--\tbob (~b@h) has quit (Ping timeout)\n",
                "2013-01-01 10:00:11\t<--\tcy (~c@h) has left #weechat (bye)\n",
                "2013-01-01 10:00:12\t--\tMode #weechat [+o anna] by ChanServ\n",
            ),
        )
        .unwrap();
        assert_eq!(group(&recs).platform_id, "#weechat");
        assert_eq!(
            messages(&recs),
            vec![msg("ann", "hello", "2013-01-01T10:00:05+00:00"), msg("ann", "waves", "2013-01-01T10:00:06+00:00")]
        );
        assert_eq!(
            events(&recs),
            vec![
                ev(EventKind::Join, "ann", None, None),
                ev(EventKind::NickChange, "ann", Some("ann"), Some("anna")),
                ev(EventKind::Topic, "anna", Some("anna"), Some("new topic")),
                ev(EventKind::Kick, "eve", Some("anna"), Some("spam")),
                ev(EventKind::Leave, "bob", None, Some("Ping timeout")),
                ev(EventKind::Leave, "cy", None, Some("bye")),
            ]
        );
    }

    #[test]
    fn hexchat_year_from_the_header() {
        // HexChat/XChat logs (`**** BEGIN LOGGING AT`, "%b %d %H:%M:%S" stamps, tab after the
        // nick column); event wordings from superseriousstats' parsers/hexchat.php. No real sample.
        let recs = parse(
            &HEXCHAT,
            "Libera/#hexchat.log",
            concat!(
                "**** BEGIN LOGGING AT Mon Dec 31 23:50:00 2012\n",
                "\n",
                "Dec 31 23:59:00 <ann>\tlate\n",
                "Jan 01 00:00:01 *\tann (~ann@host) has joined #hexchat\n",
                "Jan 01 00:00:02 *\tann waves\n",
                "Jan 01 00:00:03 *\tann is now known as anna\n",
                "Jan 01 00:00:04 *\tanna has changed the topic to: hi\n",
                "Jan 01 00:00:05 *\tanna has kicked eve from #hexchat (bye)\n",
                "Jan 01 00:00:06 *\tbob has quit (Quit: zzz)\n",
                "Jan 01 00:00:07 *\tcy (~c@h) has left #hexchat (later)\n",
                "**** ENDING LOGGING AT Tue Jan  1 00:01:00 2013\n",
            ),
        )
        .unwrap();
        assert_eq!(group(&recs).platform_id, "#hexchat");
        assert_eq!(
            messages(&recs),
            vec![msg("ann", "late", "2012-12-31T23:59:00+00:00"), msg("ann", "waves", "2013-01-01T00:00:02+00:00")]
        );
        assert_eq!(
            events(&recs),
            vec![
                ev(EventKind::Join, "ann", None, None),
                ev(EventKind::NickChange, "ann", Some("ann"), Some("anna")),
                ev(EventKind::Topic, "anna", Some("anna"), Some("hi")),
                ev(EventKind::Kick, "eve", Some("anna"), Some("bye")),
                ev(EventKind::Leave, "bob", None, Some("Quit: zzz")),
                ev(EventKind::Leave, "cy", None, Some("later")),
            ]
        );
    }

    const ZNC_DAY: &str = concat!(
        "[09:00:00] *** Joins: ann (ann@host)\n",
        "[09:00:01] <ann> hi\n",
        "[09:00:02] * ann waves\n",
        "[09:00:03] *** ann is now known as anna\n",
        "[09:00:04] *** eve was kicked by anna (spam)\n",
        "[09:00:05] *** anna changes topic to 'hello'\n",
        "[09:00:06] *** anna sets mode: +o bob\n",
        "[09:00:07] *** Parts: bob (b@h) (later)\n",
        "[09:00:08] *** Quits: cy (c@h) (Ping timeout)\n",
        "[09:00:09] -NickServ- notice\n",
    );

    fn znc_expectations(recs: &[Record]) {
        assert_eq!(
            messages(recs),
            vec![msg("ann", "hi", "2013-01-02T09:00:01+00:00"), msg("ann", "waves", "2013-01-02T09:00:02+00:00")]
        );
        assert_eq!(
            events(recs),
            vec![
                ev(EventKind::Join, "ann", None, None),
                ev(EventKind::NickChange, "ann", Some("ann"), Some("anna")),
                ev(EventKind::Kick, "eve", Some("anna"), Some("spam")),
                ev(EventKind::Topic, "anna", Some("anna"), Some("hello")),
                ev(EventKind::Leave, "bob", None, Some("later")),
                ev(EventKind::Leave, "cy", None, Some("Ping timeout")),
            ]
        );
    }

    #[test]
    fn znc_log_module_day_files_in_a_channel_folder() {
        // ZNC's log module (`$NETWORK/$WINDOW/%Y-%m-%d.log`, lines as in modules/log.cpp) as
        // superseriousstats' parsers/znc.php reads them. No real sample in the corpus.
        let recs = parse(&ZNC, "libera/#znc/2013-01-02.log", ZNC_DAY).unwrap();
        assert_eq!(group(&recs).platform_id, "#znc");
        znc_expectations(&recs);
    }

    #[test]
    fn energymech_writes_znc_lines_under_its_own_file_names() {
        // energymech's logs (`#chan_YYYYMMDD.log`): the same lines as ZNC (pisg's energymech parser).
        let recs = parse(&ENERGYMECH, "#mech_20130102.log", ZNC_DAY).unwrap();
        assert_eq!(group(&recs).platform_id, "#mech");
        znc_expectations(&recs);
    }

    #[test]
    fn mirc_sessions_and_star_events() {
        // mIRC's logs with timestamps on (`Session Start:` headers, `* ` events), wordings from
        // superseriousstats' parsers/mirc.php and pisg's FORMATS. No real sample in the corpus.
        let recs = parse(
            &MIRC,
            "#mirc.EFnet.log",
            concat!(
                "Session Start: Wed Jan 02 09:00:00 2013\n",
                "Session Ident: #mirc\n",
                "[09:00] * Now talking in #mirc\n",
                "[09:01] * ann (ann@host) has joined #mirc\n",
                "[09:02] <@ann> hi\n",
                "[09:03] * ann waves\n",
                "[09:04] * ann is now known as anna\n",
                "[09:05] * eve was kicked by anna (spam)\n",
                "[09:06] * anna changes topic to 'hello'\n",
                "[09:07] * bob (b@h) Quit (Ping timeout)\n",
                "[09:08] * cy (c@h) has left #mirc\n",
                "Session Close: Wed Jan 02 09:09:00 2013\n",
            ),
        )
        .unwrap();
        assert_eq!(group(&recs).platform_id, "#mirc");
        assert_eq!(
            messages(&recs),
            vec![msg("ann", "hi", "2013-01-02T09:02:00+00:00"), msg("ann", "waves", "2013-01-02T09:03:00+00:00")]
        );
        assert_eq!(
            events(&recs),
            vec![
                ev(EventKind::Join, "ann", None, None),
                ev(EventKind::NickChange, "ann", Some("ann"), Some("anna")),
                ev(EventKind::Kick, "eve", Some("anna"), Some("spam")),
                ev(EventKind::Topic, "anna", Some("anna"), Some("hello")),
                ev(EventKind::Leave, "bob", None, Some("Ping timeout")),
                ev(EventKind::Leave, "cy", None, None),
            ]
        );
    }

    #[test]
    fn the_lounge_utc_lines() {
        // The Lounge's text log storage (`logs/<user>/<network>/<#chan>/YYYY-MM-DD.log`), wordings
        // from superseriousstats' parsers/thelounge.php. No real sample in the corpus.
        let recs = parse(
            &THELOUNGE,
            "net/#lounge/2021-01-01.log",
            concat!(
                "[2021-01-01T10:00:00.000Z] *** ann (~ann@host) joined\n",
                "[2021-01-01T10:00:01.123Z] <ann> hi\n",
                "[2021-01-01T10:00:02.000Z] * ann waves\n",
                "[2021-01-01T10:00:03.000Z] *** ann changed nick to anna\n",
                "[2021-01-01T10:00:04.000Z] *** anna changed topic to 'hello'\n",
                "[2021-01-01T10:00:05.000Z] *** eve was kicked by anna (spam)\n",
                "[2021-01-01T10:00:06.000Z] *** bob (~b@h) quit (Ping timeout)\n",
                "[2021-01-01T10:00:07.000Z] *** cy (~c@h) left (bye)\n",
            ),
        )
        .unwrap();
        assert_eq!(group(&recs).platform_id, "#lounge");
        let msgs = messages(&recs);
        assert_eq!(
            msgs,
            vec![msg("ann", "hi", "2021-01-01T10:00:01+00:00"), msg("ann", "waves", "2021-01-01T10:00:02+00:00")]
        );
        assert!(!recs.iter().any(|r| matches!(r, Record::Note { .. })), "Z is a stated zone");
        assert_eq!(
            events(&recs),
            vec![
                ev(EventKind::Join, "ann", None, None),
                ev(EventKind::NickChange, "ann", Some("ann"), Some("anna")),
                ev(EventKind::Topic, "anna", Some("anna"), Some("hello")),
                ev(EventKind::Kick, "eve", Some("anna"), Some("spam")),
                ev(EventKind::Leave, "bob", None, Some("Ping timeout")),
                ev(EventKind::Leave, "cy", None, Some("bye")),
            ]
        );
    }

    #[test]
    fn dircproxy_unix_stamps_are_instants() {
        // dircproxy's `log_timestamp` off: `@<unix time>` (dircproxy's README/irclog2html's
        // dircproxy reader). No real sample of this form in the corpus.
        let recs = parse(
            &DIRCPROXY,
            "#fedora.log",
            "@1231930390 <nb!n=n@h> -hey all\n@1231930400 --> jsmith (n=j@h) joined the channel\n@1231930410 * jsmith waves\n",
        )
        .unwrap();
        assert_eq!(
            messages(&recs),
            vec![
                msg("nb", "hey all", "2009-01-14T10:53:10+00:00"),
                msg("jsmith", "waves", "2009-01-14T10:53:30+00:00")
            ]
        );
        let Record::Message { message, .. } = &recs[1] else { panic!() };
        assert!(!message.time.zone_inferred);
    }

    #[test]
    fn eggdrop_events_and_day_markers() {
        // Kick and topic wordings from superseriousstats' parsers/eggdrop.php (not in the sample).
        let recs = parse(
            &EGGDROP,
            "chan.20130101.log",
            concat!(
                "[23:59:00] ann (~a@h) joined #chan.\n",
                "[23:59:30] Topic changed on #chan by op!o@h: hello\n",
                "[23:59:40] eve kicked from #chan by op: spam\n",
                "[00:00:00] --- Wed Jan  2 2013\n",
                "[00:00:01] <ann> hi\n",
            ),
        )
        .unwrap();
        assert_eq!(group(&recs).platform_id, "#chan");
        assert_eq!(messages(&recs), vec![msg("ann", "hi", "2013-01-02T00:00:01+00:00")]);
        assert_eq!(
            events(&recs),
            vec![
                ev(EventKind::Join, "ann", None, None),
                ev(EventKind::Topic, "op", Some("op"), Some("hello")),
                ev(EventKind::Kick, "eve", Some("op"), Some("spam")),
            ]
        );
    }

    #[test]
    fn zone_option_applies_to_clock_times() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chan.20130101.log");
        std::fs::write(&path, "[09:00:00] ann (~a@h) joined #chan.\n[09:00:01] <ann> hi\n").unwrap();
        let mut recs = Vec::new();
        let opts = ParseOptions { zone: FixedOffset::east_opt(8 * 3600) };
        EGGDROP.parse(&Input::new(&path), &opts, &mut recs).unwrap();
        assert_eq!(messages(&recs), vec![msg("ann", "hi", "2013-01-01T09:00:01+08:00")]);
        assert!(recs.iter().any(|r| matches!(r, Record::Note { text, .. } if text.contains("UTC+08:00"))));
    }

    #[test]
    fn a_line_without_the_loggers_timestamp_is_an_error_naming_it() {
        let text = "[09:00:00] ann (~a@h) joined #chan.\n[09:00:01] <ann> hi\n[09:00 <ann> cut\n";
        let err = parse(&EGGDROP, "chan.20130101.log", text).unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 3"));
        assert!(
            err.message.contains("expected `[HH:MM:SS] <nick> text`") && err.message.contains("saw `[09:00 <ann> cut`"),
            "{err}"
        );
        let err = parse(&EGGDROP, "chan.log", "[09:00:00] ann (~a@h) joined #chan.\n").unwrap_err();
        assert!(err.message.contains("without a date"), "{err}");
    }

    #[test]
    fn plain_bracket_clock_logs_stay_with_irc() {
        // `[HH:MM] <nick>` with no logger's own lines: the generic `irc` format's.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2013-01-01.log");
        let text = "[09:00:00] <a> hi\n[09:00:01] <b> yo\n";
        let probe = Probe { path: &path, dir_entries: &[], head: text.as_bytes() };
        assert_eq!(crate::detect(&probe).map(|f| f.name()), Some("irc"));
    }
}
