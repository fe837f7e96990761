#![no_main]
//! Line-based logs: IRC and its loggers, WhatsApp text, QQ/WeChat text, LINE, Signal, Mattermost, CSV.
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::sniff_and_parse(
        data,
        "chat.txt",
        &[
            "irc", "whatsapp", "qq-txt", "line", "signal", "mattermost", "discord-csv", "wechat-csv", "memotrace-txt",
            "chatlog-text", "wecom-archive", "limnoria", "znc", "irssi", "weechat",
        ],
    );
});
