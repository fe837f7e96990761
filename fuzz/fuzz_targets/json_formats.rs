#![no_main]
//! Telegram, DiscordChatExporter, ChatLab, Element, Messenger/Instagram, WeChat JSON, QQ QCE, JSON Lines.
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::sniff_and_parse(
        data,
        "result.json",
        &[
            "telegram", "discord", "chatlab", "matrix-export", "messenger", "instagram", "jsonl", "pywxdump-json",
            "chatlog-json", "memotrace-json", "qq-qce",
        ],
    );
});
