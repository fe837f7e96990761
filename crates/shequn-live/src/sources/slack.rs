//! slack: not written yet.

use std::sync::Arc;

use crate::Source;

pub fn from_config(_table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    anyhow::bail!("[slack] is not supported yet")
}
