//! Messages a bridge bot relays from another network, in the line-based logs (IRC, Gitter).
//!
//! Shapes seen in the corpus:
//! - #duraspace ← Slack: `<DSpaceSlackBot> <pbecker> text`, `<DSpaceSlackBot> Action: pbecker
//!   waves`, a long line split in two with the second part bare (`<DSpaceSlackBot> rest`), and
//!   in the 12-hour logs `DSpaceSlackBot: <tdonohue> text` (the markup stripping loses `<tdonohue>`,
//!   so the parser passes the name it found in the raw fragment).
//! - Gitter ← Matrix: `<matrixbot> uhoregAre you sure…` — the dump glued the display name to the
//!   text, so only a full Matrix id on a known homeserver (`@quaddo:matrix.org…`) can be split off.
//!
//! The relayed person becomes the sender; [`Message::relayed`] keeps the bridge and the text as
//! written, from which the archive builds the content key, so keys stay what they were.
//! A bridge line that names nobody stays the bridge's, flagged as a bot (it is not a member's talk),
//! and so do a logger's `(notice) …` lines.

use shequn_model::{is_known_bridge, looks_like_bot_name, Message, Person, Relay, Stamp};

/// Matrix homeservers whose ids can be told apart from glued text.
const HOMESERVERS: &[&str] = &["matrix.org"];

/// Names written in angle brackets that are not people (Slack's `<here>`, the Ubuntu logs' `<unconvertable>`).
const NOT_PEOPLE: &[&str] = &["here", "channel", "everyone", "unconvertable"];

/// A split line's second part follows its first within this long…
const CONTINUATION_MS: i64 = 60_000;
/// …and the first part filled an IRC line: the 25 split lines in #duraspace follow relayed
/// lines of 347–424 bytes (IRC's limit is 512 bytes with the prefix).
const SPLIT_MIN_BYTES: usize = 300;

/// The relayed person and their words, when `sender` relays and `text` names someone.
/// Known bridges may write `<nick>`, `[nick]`, `Action: nick …` or a glued Matrix id; other
/// senders whose names say "bot" (`SlackBot2`, `irc_bot`) only `<nick> `.
fn unwrap<'a>(sender: &str, text: &'a str) -> Option<(&'a str, &'a str)> {
    let bridge = is_known_bridge(sender);
    if !bridge && !looks_like_bot_name(sender) {
        return None;
    }
    if let Some(found) = bracketed(text, '<', '>') {
        return Some(found);
    }
    if !bridge {
        return None;
    }
    if let Some(found) = bracketed(text, '[', ']') {
        return Some(found);
    }
    if let Some(rest) = text.strip_prefix("Action: ") {
        let (nick, act) = rest.split_once(' ')?;
        return is_nick(nick).then_some((nick, act));
    }
    matrix_id(text)
}

/// `<nick> text` → (nick, text).
fn bracketed(text: &str, open: char, close: char) -> Option<(&str, &str)> {
    let (nick, rest) = text.strip_prefix(open)?.split_once(close)?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    (is_nick(nick) && !NOT_PEOPLE.contains(&nick)).then_some((nick, rest))
}

/// An IRC or Slack name: no spaces or brackets, at most 40 characters.
fn is_nick(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars().all(|c| c.is_alphanumeric() || "_-.`|^{}\\".contains(c))
        && !s.starts_with(['-', '.'])
}

/// `@quaddo:matrix.orgtext` → (`@quaddo:matrix.org`, `text`).
fn matrix_id(text: &str) -> Option<(&str, &str)> {
    let (local, after) = text.strip_prefix('@')?.split_once(':')?;
    if local.is_empty() || !local.chars().all(|c| c.is_ascii_alphanumeric() || "._=-/".contains(c)) {
        return None;
    }
    let server = HOMESERVERS.iter().find(|h| after.starts_with(**h))?;
    let end = 1 + local.len() + 1 + server.len();
    let rest = &text[end..];
    Some((&text[..end], rest.strip_prefix(' ').unwrap_or(rest)))
}

/// Turns log lines into messages, unwrapping relays. One per file: it remembers the last
/// relayed person so the bare second half of a split line stays theirs.
#[derive(Default)]
pub(crate) struct Relays {
    /// (bridge, relayed person, time) of the last relayed line, when it was long enough to
    /// have been split.
    last: Option<(String, String, i64)>,
}

impl Relays {
    /// The message a log line (`<nick> text`) makes. `named_inside` is a relayed person the
    /// parser found in markup it then stripped from `text` (the 12-hour #duraspace logs).
    pub(crate) fn message(&mut self, nick: String, text: String, time: Stamp, named_inside: Option<String>) -> Message {
        let relaying = is_known_bridge(&nick) || looks_like_bot_name(&nick);
        let unwrapped: Option<(String, String)> = match named_inside {
            Some(inner) if relaying => Some((inner, text.trim_start().to_string())),
            _ => unwrap(&nick, &text).map(|(n, t)| (n.to_string(), t.to_string())).or_else(|| {
                // The bare second half of a line the bridge split.
                let (bridge, inner, at) = self.last.as_ref()?;
                (relaying && *bridge == nick && (0..=CONTINUATION_MS).contains(&(time.unix_ms - at)))
                    .then(|| (inner.clone(), text.clone()))
            }),
        };
        match unwrapped {
            Some((inner, words)) => {
                self.last = (text.len() >= SPLIT_MIN_BYTES).then(|| (nick.clone(), inner.clone(), time.unix_ms));
                Message {
                    time,
                    sender: Person::named(inner),
                    text: words,
                    relayed: Some(Relay { bridge: Person::named(nick), text }),
                    ..Message::default()
                }
            }
            None => {
                let mut sender = Person::named(nick);
                // A bridge speaking for nobody named, or a logger's notice: not a member talking.
                sender.is_bot = is_known_bridge(&sender.name) || text.starts_with("(notice) ");
                Message { time, sender, text, ..Message::default() }
            }
        }
    }
}

/// Appends a continuation line to a message, and to the text as written when it was relayed,
/// so the content key still covers the whole message as the log wrote it.
pub(crate) fn append_line(m: &mut Message, line: &str) {
    m.text.push('\n');
    m.text.push_str(line);
    if let Some(r) = m.relayed.as_mut() {
        r.text.push('\n');
        r.text.push_str(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Stamp {
        Stamp { unix_ms: ms, ..Stamp::default() }
    }

    fn read(relays: &mut Relays, nick: &str, text: &str, ms: i64) -> Message {
        relays.message(nick.into(), text.into(), at(ms), None)
    }

    #[test]
    fn slack_bridge_lines_become_the_relayed_persons() {
        let mut r = Relays::default();
        let m = read(&mut r, "DSpaceSlackBot", "<pbecker> I would like to talk", 0);
        assert_eq!((m.sender.name.as_str(), m.text.as_str()), ("pbecker", "I would like to talk"));
        let relay = m.relayed.as_ref().unwrap();
        assert_eq!(
            (relay.bridge.name.as_str(), relay.text.as_str()),
            ("DSpaceSlackBot", "<pbecker> I would like to talk")
        );
        assert_eq!(
            (m.written_sender_key(), m.written_text()),
            ("name:DSpaceSlackBot".into(), "<pbecker> I would like to talk")
        );
        assert!(!m.sender.is_bot);

        let m = read(&mut r, "DSpaceSlackBot1", "Action: hpottinger waves from Slack", 1000);
        assert_eq!((m.sender.name.as_str(), m.text.as_str()), ("hpottinger", "waves from Slack"));
    }

    #[test]
    fn the_bare_half_of_a_split_line_stays_with_its_author() {
        let mut r = Relays::default();
        let long = format!(
            "<terrywbrady> Maureen and Bram, {}Could I have a few minutes at the next DCAT meet",
            "x".repeat(300)
        );
        read(&mut r, "DSpaceSlackBot", &long, 0);
        let m = read(&mut r, "DSpaceSlackBot", "about how this might work?  Thanks, Terry", 30_000);
        assert_eq!(m.sender.name, "terrywbrady");
        assert_eq!(m.relayed.as_ref().unwrap().text, "about how this might work?  Thanks, Terry");
        // After a short line nothing was split: a bare line is the bridge's own.
        read(&mut r, "DSpaceSlackBot", "<tdonohue> short", 40_000);
        assert_eq!(read(&mut r, "DSpaceSlackBot", "bare", 41_000).sender.name, "DSpaceSlackBot");
        // Much later, a bare line names nobody: the bridge's own, flagged as a bot.
        let m = read(&mut r, "DSpaceSlackBot", "something", 10 * 60_000);
        assert_eq!(m.sender.name, "DSpaceSlackBot");
        assert!(m.sender.is_bot && m.relayed.is_none());
    }

    #[test]
    fn matrix_ids_split_off_glued_text_and_glued_display_names_do_not() {
        let mut r = Relays::default();
        let m = read(&mut r, "matrixbot", "@quaddo:matrix.orgran df -h, installed docker", 0);
        assert_eq!((m.sender.name.as_str(), m.text.as_str()), ("@quaddo:matrix.org", "ran df -h, installed docker"));
        let m = read(&mut r, "matrixbot", "@quaddo:matrix.org fires up the Thermal Beast", 1);
        assert_eq!(m.text, "fires up the Thermal Beast");
        let m = read(&mut r, "matrixbot", "uhoregAre you sure the image supports NGINX_PORT?", 2 * 60 * 60_000);
        assert_eq!(m.sender.name, "matrixbot");
        assert!(m.sender.is_bot, "a bridge line nobody can be read from is not a member's talk");
    }

    #[test]
    fn people_with_bot_in_their_names_and_pasted_brackets_stay_as_written() {
        let mut r = Relays::default();
        for (nick, text) in [
            ("Talbot", "<ann> said this yesterday"),
            ("wokbot", "<ann> hi"),
            ("jsbot", "[ADB] Checking whether aapt is present"),
            ("tdonohue", "<pbecker> quoted"),
            ("DSpaceSlackBot", "<here>: meeting time"),
            ("ubottu", "<unconvertable> #ubuntu-ru"),
        ] {
            let m = read(&mut r, nick, text, 0);
            assert_eq!((m.sender.name.as_str(), m.text.as_str()), (nick, text));
            assert!(m.relayed.is_none());
        }
        // An unknown bridge whose name says bot, with an inner `<nick>`: relayed.
        let m = read(&mut r, "IrcSlackBot", "<ann> hi", 0);
        assert_eq!((m.sender.name.as_str(), m.text.as_str()), ("ann", "hi"));
        // …but not `[nick]`, which pasted logs are full of.
        let m = read(&mut r, "IrcSlackBot", "[ADB] log line", 0);
        assert_eq!(m.sender.name, "IrcSlackBot");
    }

    #[test]
    fn a_name_found_in_stripped_markup_is_the_relayed_sender() {
        let mut r = Relays::default();
        let m = r.message("DSpaceSlackBot".into(), " Late reminder".into(), at(0), Some("tdonohue".into()));
        assert_eq!((m.sender.name.as_str(), m.text.as_str()), ("tdonohue", "Late reminder"));
        assert_eq!(m.written_text(), " Late reminder");
        let m = r.message("mhwood".into(), " hi".into(), at(0), Some("x".into()));
        assert_eq!(m.sender.name, "mhwood", "only a relay's inner name counts");
    }

    #[test]
    fn logger_notices_are_not_member_talk() {
        let mut r = Relays::default();
        let m = read(&mut r, "DuraLogBot", "(notice) This channel is logged - http://irclogs.duraspace.org/", 0);
        assert_eq!(m.sender.name, "DuraLogBot");
        assert!(m.sender.is_bot);
    }
}
