//! Sniffing over every sample the other-platform formats cover: each is claimed by its
//! own format, and samples of the formats that were here before are not claimed by them.

use std::path::{Path, PathBuf};

use shequn_ingest::{detect, Input, Probe};

const MINE: &[&str] = &["messenger", "instagram", "mattermost", "telegram-html"];

fn sniffed(path: &Path) -> Option<&'static str> {
    let (entries, head) = Input::probe_data(path).unwrap();
    detect(&Probe { path, dir_entries: &entries, head: &head }).map(|f| f.name())
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            files_under(&e, out);
        } else {
            out.push(e);
        }
    }
}

#[test]
fn each_sample_is_claimed_by_its_own_format() {
    let Some(corpus) = shequn_corpus::dir() else {
        eprintln!("skipped: the corpus is absent");
        return;
    };
    let ef = corpus.join("export-fixtures");
    if !ef.is_dir() {
        eprintln!("skipped: export-fixtures is not in the corpus");
        return;
    }
    let own = [
        ("chat-analytics-fixtures/tests/samples/messenger/2A_7M.json", "messenger"),
        ("export-fixtures/chat-miner/history-30734a82-facebookMessenger/facebookMessenger/testlog.json", "messenger"),
        ("export-fixtures/chat-miner/head/instagram/test_export.json", "instagram"),
        ("export-fixtures/chat-miner/history-62d255f5/instagram/testlog.json", "instagram"),
        ("export-fixtures/mattermost/mattermost_v11.1.0_fixtures/raw_mmctl_output/import.jsonl", "mattermost"),
        ("export-fixtures/mattermost/mattermost_fixtures/export.json", "mattermost"),
        ("export-fixtures/mattermost/mattermost_fixtures/guestExport.json", "mattermost"),
        ("export-fixtures/mattermost/mattermost_fixtures/direct_channel/export.json", "mattermost"),
        ("export-fixtures/telegram-html/messages.html", "telegram-html"),
    ];
    for (rel, want) in own {
        assert_eq!(sniffed(&corpus.join(rel)), Some(want), "{rel}");
    }
    // Every other file of the fixtures: Discord, Slack, Telegram JSON, WhatsApp, chat-analytics.
    let mut others = Vec::new();
    files_under(&ef.join("discord-dce"), &mut others);
    files_under(&ef.join("slack-zulip-fixtures"), &mut others);
    files_under(&ef.join("chat-miner/head/telegram"), &mut others);
    files_under(&ef.join("chat-miner/head/whatsapp"), &mut others);
    files_under(&corpus.join("chat-analytics-fixtures/tests/samples"), &mut others);
    let mut checked = 0;
    for p in others {
        if p.to_string_lossy().contains("/messenger/") || p.extension().is_some_and(|e| e == "ts" || e == "md") {
            continue;
        }
        if let Some(name) = sniffed(&p) {
            assert!(!MINE.contains(&name), "{} claimed by {name}", p.display());
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
    // The DiscordChatExporter JSON files stay Discord's.
    let dce = ef.join(
        "discord-dce/dce-frontend-example-guild/Example guild - Text Channels - general [1012224565567721552].json",
    );
    assert_eq!(sniffed(&dce), Some("discord"));
}
