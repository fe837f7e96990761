#![no_main]
//! Zipped exports: WhatsApp `.zip` and Slack `.zip` (declared sizes, bombs, broken directories).
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::sniff_and_parse(data, "WhatsApp Chat with Fuzz.zip", &["whatsapp", "slack-zip"]);
});
