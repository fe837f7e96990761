//! Subcommands, one file each. `run` parses the command line and dispatches.

pub mod eval_ads;
pub mod groups;
pub mod import;
pub mod train_ads;

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
    Groups(groups::Args),
    /// Measure an analysis against labelled data / 用标注数据评测.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Train a learned model from the corpus / 用语料训练模型.
    #[command(subcommand)]
    Train(TrainCommand),
}

#[derive(Subcommand)]
pub enum EvalCommand {
    /// The ad/spam classifier: precision, recall, F1, confusion matrix.
    Ads(eval_ads::AdsArgs),
}

#[derive(Subcommand)]
pub enum TrainCommand {
    /// The ad/spam model (writes crates/shequn-content/weights/ads.bin).
    Ads(train_ads::AdsArgs),
}

impl Cli {
    /// The archive path this run uses.
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(shequn_archive::default_path)
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
        Command::Eval(EvalCommand::Ads(args)) => eval_ads::run(args),
        Command::Train(TrainCommand::Ads(args)) => train_ads::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("shequn: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
