//! One module per platform, each a [`Source`](crate::Source) built from its config table.

use std::sync::Arc;

use crate::Source;

pub mod matrix;
pub mod onebot;
pub mod slack;
pub mod telegram;
pub mod webhook;
pub mod wecom;

/// The config tables that name a source, in the order they start.
pub const NAMES: &[&str] = &["telegram", "onebot", "wecom", "slack", "matrix", "webhook"];

/// The source configured by table `name`.
pub fn build(name: &str, table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    match name {
        "telegram" => telegram::from_config(table),
        "onebot" => onebot::from_config(table),
        "wecom" => wecom::from_config(table),
        "slack" => slack::from_config(table),
        "matrix" => matrix::from_config(table),
        "webhook" => webhook::from_config(table),
        other => anyhow::bail!("[{other}] is not a live source; known: {}", NAMES.join(", ")),
    }
}
