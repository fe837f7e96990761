//! Report writers: they only render results the analyses computed; they never
//! compute verdicts. Everything a message contains is escaped on output.

pub mod html;
pub mod page;
pub mod render;
pub mod results;
pub mod svg;
pub mod tables;

pub use render::render_html;
pub use results::{
    AdPosterRow, GroupResult, GroupSeries, NetNode, ReportInput, UnansweredBid, ViolationRow, SCHEMA_VERSION,
};
pub use tables::{csv, groups_csv, migration_csv, report_json, triage_csv, unanswered_csv, write_all};
