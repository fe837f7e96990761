//! Subcommands, one file each. `run` parses the command line and dispatches.

pub mod analyze;
pub mod bench;
pub mod demo;
pub mod eval;
pub mod eval_ads;
pub mod eval_survival;
pub mod group;
pub mod groups;
pub mod import;
pub mod live;
pub mod report;
pub mod serve;
pub mod train;
pub mod train_ads;
pub mod train_survival;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use shequn_archive::Archive;

const ABOUT: &str = "社群 shequn — which of your chat groups are alive, why the others are dying, and what to do.
Keeps your exported group messages in one archive (沉淀) and diagnoses each group.";

#[derive(Parser)]
#[command(name = "shequn", version, about = ABOUT, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The archive file. Default: $SHEQUN_DB, else shequn/archive.db in your data folder.
    #[arg(long, global = true, env = "SHEQUN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    Import(import::Args),
    Bench(bench::Args),
    Groups(groups::Args),
    Demo(demo::Args),
    Group(group::Args),
    Eval(eval::Args),
    Train(train::Args),
    Report(report::Args),
    Analyze(analyze::Args),
    Serve(serve::Args),
    Live(live::Args),
}

impl Cli {
    /// The archive path this run uses.
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(shequn_archive::default_path)
    }

    /// Opens the archive for a command that only reads it: a path with no archive is an error
    /// (a mistyped `--db` must not silently create an empty archive and its folders).
    pub fn open_existing_archive(&self) -> anyhow::Result<Archive> {
        let path = self.db_path();
        if !path.is_file() {
            anyhow::bail!(
                "no archive at {} / 该路径没有档案 (check --db or SHEQUN_DB; `shequn import EXPORT` creates an archive)",
                path.display()
            );
        }
        self.open_archive()
    }

    pub fn open_archive(&self) -> anyhow::Result<Archive> {
        let path = self.db_path();
        Archive::open(&path).map_err(|e| anyhow::anyhow!("cannot open the archive {}: {e}", path.display()))
    }
}

/// Parses arguments, runs the command, and maps the result to an exit code:
/// 0 success, 1 some inputs or checks failed, 2 usage or setup error.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Import(args) => import::run(&cli, args),
        Command::Groups(args) => groups::run(&cli, args),
        Command::Bench(args) => bench::run(&cli, args),
        Command::Demo(args) => demo::run(&cli, args),
        Command::Group(args) => group::run(&cli, args),
        Command::Eval(args) => eval::run(&cli, args),
        Command::Train(args) => train::run(&cli, args),
        Command::Report(args) => report::run(&cli, args),
        Command::Analyze(args) => analyze::run(&cli, args),
        Command::Serve(args) => serve::run(&cli, args),
        Command::Live(args) => live::run(&cli, args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("shequn: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
