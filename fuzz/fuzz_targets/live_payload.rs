#![no_main]
//! The live webhook's body: shequn JSON Lines, parsed after its signature is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut out = Vec::new();
        let _ = shequn_ingest::formats::generic_jsonl::parse_text(text, std::path::Path::new("webhook"), &mut out);
    }
});
