//! `shequn live`: a long-running service that receives each platform's events as they
//! happen, turns them into the same [`Record`](shequn_model::Record)s the importers emit, and
//! keeps them in the same archive, so every analysis, the report and the dashboard work on
//! live groups.
//!
//! Shape (as Vector's sources → events → sinks): one module per platform under
//! [`sources`], each a [`Source`]: push sources give HTTP routes (webhooks, a reverse
//! WebSocket), pull sources give a loop (Telegram `getUpdates`, Matrix `/sync`). Every source
//! hands its [`Delivery`] to the one [`Ingest`] writer and answers the platform only after
//! the write is durable.
//!
//! Architecture invariants:
//! - A platform is acknowledged (HTTP 2xx, a persisted offset or sync token) only after the
//!   records it delivered are committed; a cursor is written in the same transaction as the
//!   records it covers, so a restart neither loses nor repeats them.
//! - Origin is checked on the raw bytes before anything is parsed; a request that fails the
//!   check stores nothing.
//! - Sources never touch the archive or run analyses: they verify and convert.

pub mod access;
pub mod alert_page;
pub mod alerting;
pub mod config;
pub mod connections;
pub mod dashboard;
pub mod delivery;
pub mod enforce;
pub mod ingest;
pub mod limits;
pub mod outbound;
pub mod replay;
pub mod server;
pub mod source;
pub mod sources;

pub use config::LiveConfig;
pub use ingest::{Ingest, IngestError, IngestOptions};
pub use source::{Delivery, Source, SourceContext};
