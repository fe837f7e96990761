#![no_main]
//! The `--config` settings file: every analysis's table and `[limits]`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = shequn_engine::AnalysisConfig::from_toml(text);
        let _ = shequn_ingest::Limits::from_toml(text);
        let _ = shequn_live::LiveConfig::from_toml(text);
    }
});
