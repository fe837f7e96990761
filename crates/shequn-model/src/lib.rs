//! The one event model of shequn.
//!
//! Platform parsers turn exports into [`Record`]s; the archive stores them; the
//! archive hands each group back to the analyses as a [`Timeline`]. This crate
//! holds only plain data and tiny conversions: no I/O, no parsing of formats.
//!
//! Rule for every field: keep what the source says and invent nothing. A value
//! the parser had to guess (a time zone) is flagged as inferred.

mod analysis;
mod bots;
mod record;
mod time;
mod timeline;

pub use analysis::*;
pub use bots::*;
pub use record::*;
pub use time::*;
pub use timeline::*;
