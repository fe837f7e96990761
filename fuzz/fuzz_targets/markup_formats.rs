#![no_main]
//! HTML and MHT exports: Telegram HTML, QQ MHT, WeChat HTML.
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::sniff_and_parse(data, "messages.html", &["telegram-html", "qq-mht", "memotrace-html"]);
});
