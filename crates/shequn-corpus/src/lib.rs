//! Locates `../shared/corpus` (the real public chat data beside the checkout)
//! for tests and benchmarks. The data is never copied into this repository:
//! when it is absent, tests skip with a message instead of failing.

use std::path::{Path, PathBuf};

/// The corpus folder: `$SHEQUN_CORPUS` if set, else the first `shared/corpus`
/// found beside this checkout or any folder above it.
pub fn dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SHEQUN_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let mut here = Path::new(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = here.join("shared").join("corpus");
        if candidate.is_dir() {
            return Some(candidate);
        }
        here = here.parent()?;
    }
}

/// A path inside the corpus, or None (after printing why the caller skips).
pub fn path(rel: &str) -> Option<PathBuf> {
    match dir() {
        Some(d) if d.join(rel).exists() => Some(d.join(rel)),
        Some(d) => {
            eprintln!("skipped: {} is not in the corpus at {}", rel, d.display());
            None
        }
        None => {
            eprintln!("skipped: the real-data corpus (../shared/corpus beside the checkout) is absent; set SHEQUN_CORPUS to run this test");
            None
        }
    }
}

/// Returns early from a test when the corpus path is absent, with a message.
#[macro_export]
macro_rules! require {
    ($rel:expr) => {
        match $crate::path($rel) {
            Some(p) => p,
            None => return,
        }
    };
}
