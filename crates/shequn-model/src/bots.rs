//! Bots known by name: bridges that relay another network's messages, and loggers.
//!
//! Names, not patterns like `*bot`: people are called Talbot or Abbot, and in the Gitter
//! rooms checked `jsbot`, `wokbot` and `nicerobot` are people asking questions.

/// Bridges seen relaying other networks' messages into a room as their own lines.
/// A pattern is a name, or a name ending in `*` (any suffix); case does not matter.
/// - `DSpaceSlackBot*`: #duraspace ← Slack, `<DSpaceSlackBot> <pbecker> text` (also `…Bot1/2/3`).
/// - `matrixbot`: Gitter ← Matrix; the Gitter dump glues the display name to the text.
/// - `FromGitter`: freenode channels ← Gitter, `<FromGitter> <nick> text`.
pub const KNOWN_BRIDGES: &[&str] = &["DSpaceSlackBot*", "matrixbot", "FromGitter"];

/// The default `bots` setting: the bridges, plus bots that post on their own account
/// (`DuraLogBot`: #duraspace's logger and its `(notice)` lines; `kompewter`: #duraspace's
/// link-title bot; `ubottu`/`ubotu`: #ubuntu's factoid bots, 4,120 lines in the corpus;
/// `FloodBot1…4`: #ubuntu's "Please don't flood" warnings).
pub const DEFAULT_BOTS: &[&str] =
    &["DSpaceSlackBot*", "matrixbot", "FromGitter", "DuraLogBot", "kompewter", "ubottu", "ubotu", "FloodBot*"];

/// Whether `name` matches a bot-list `pattern` (a name, or a prefix ending in `*`),
/// ignoring case and surrounding spaces.
pub fn bot_name_matches(pattern: &str, name: &str) -> bool {
    let name = name.trim();
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            name.len() >= prefix.len()
                && name.is_char_boundary(prefix.len())
                && name[..prefix.len()].eq_ignore_ascii_case(prefix)
        }
        None => pattern.trim().eq_ignore_ascii_case(name),
    }
}

/// Whether `name` is one of [`KNOWN_BRIDGES`].
pub fn is_known_bridge(name: &str) -> bool {
    KNOWN_BRIDGES.iter().any(|p| bot_name_matches(p, name))
}

/// Whether a name says "bot" as a word of its own: `SlackBot2`, `irc_bot`, `relay-bot`.
/// `Talbot`, `Abbot` and `matrixbot` do not (a lower-case `bot` glued to a word).
pub fn looks_like_bot_name(name: &str) -> bool {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if let Some(before) = stem.strip_suffix("Bot") {
        return before.chars().last().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    }
    let lower = stem.to_ascii_lowercase();
    lower.ends_with("_bot") || lower.ends_with("-bot") || lower.ends_with("|bot")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names_and_prefixes_only() {
        assert!(bot_name_matches("DSpaceSlackBot*", "DSpaceSlackBot"));
        assert!(bot_name_matches("DSpaceSlackBot*", "dspaceslackbot3"));
        assert!(bot_name_matches("kompewter", " Kompewter "));
        assert!(!bot_name_matches("kompewter", "kompewter_"));
        assert!(!bot_name_matches("DSpaceSlackBot*", "DSpace"));
        assert!(!bot_name_matches("matrixbot", "matrixbot2"));
        for human in ["Talbot", "Abbot", "jsbot", "wokbot", "nicerobot", "mikebot", "Shazbot27", "ubot"] {
            assert!(!DEFAULT_BOTS.iter().any(|p| bot_name_matches(p, human)), "{human}");
        }
        assert!(is_known_bridge("DSpaceSlackBot1") && is_known_bridge("matrixbot"));
        assert!(!is_known_bridge("DuraLogBot"), "a logger relays nobody");
    }

    #[test]
    fn bot_looking_names_say_bot_as_a_word() {
        for bot in ["DSpaceSlackBot", "DSpaceSlackBot2", "SlackBot", "irc_bot", "relay-bot", "x2Bot"] {
            assert!(looks_like_bot_name(bot), "{bot}");
        }
        for human in ["Talbot", "Abbot", "TALBOT", "jsbot", "matrixbot", "Bot", "bot", "robot"] {
            assert!(!looks_like_bot_name(human), "{human}");
        }
    }
}
