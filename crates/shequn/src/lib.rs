//! The `shequn` command-line tool: a thin layer that wires parsers, the
//! archive, the analyses and the report writers together. Each subcommand
//! lives in its own file under `cmd/` with its own usage text.

pub mod agreement;
pub mod analysis;
pub mod bench;
pub mod cmd;
pub mod group_view;
pub mod pipeline;
pub mod survival_cases;
pub mod table;
