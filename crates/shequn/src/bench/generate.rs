//! The benchmark's input: the demo portfolio (METHOD lifecycles, uneven group
//! sizes, replies, joins and leaves, ads and pushes) scaled to the asked size and
//! written as one Telegram Desktop full-account export (`result.json`).

use std::io;
use std::path::Path;

use shequn_demo::{settings_for_messages, write_telegram_export, Portfolio};

/// The seed every benchmark uses, so runs on different machines read the same bytes.
pub const SEED: u64 = 42;

/// What was written.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    /// `"type": "message"` entries (service entries not counted).
    pub messages: u64,
    pub bytes: u64,
}

/// Writes a portfolio of about `messages` messages over `groups` chats to `path`.
/// The count is approximate (the demo plans lifecycles, then scales); the exact
/// count written is returned and is what every rate is computed on.
pub fn write_export(path: &Path, messages: u64, groups: usize) -> io::Result<Generated> {
    let portfolio = Portfolio::plan(&settings_for_messages(messages, groups.max(1), SEED));
    let stats = write_telegram_export(&portfolio, path)?;
    Ok(Generated { messages: stats.messages as u64, bytes: stats.bytes })
}

#[cfg(test)]
mod tests {
    use super::write_export;

    #[test]
    fn the_reference_parse_counts_what_the_writer_says_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        let g = write_export(&path, 3000, 5).unwrap();
        assert!(g.messages > 0);
        assert_eq!(g.bytes, std::fs::metadata(&path).unwrap().len());
        assert_eq!(super::super::serde_reference::count_messages(&path).unwrap(), g.messages);
    }
}
