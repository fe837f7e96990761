#![no_main]
//! `--ad-policy` files: one policy or a book of them.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = shequn_content::PolicyBook::from_toml(text, "fuzz.toml");
    }
});
