//! `shequn analyze PATH...`: import and write the report in one step.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Cli;

/// Import exports and write the report in one step (一键分析): the command to run on your own exports.
#[derive(clap::Args)]
pub struct Args {
    /// Export files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The folder to write the report into.
    #[arg(long, value_name = "DIR", default_value = "shequn-report")]
    pub out: PathBuf,
    #[command(flatten)]
    pub config: super::group::ConfigArgs,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let import = super::import::Args {
        paths: args.paths.clone(),
        format: None,
        map: None,
        zone: None,
        json: false,
        force: false,
        // One settings file: its [limits] bound the import, the rest the analyses.
        config: args.config.config.clone(),
        wait: crate::pipeline::WRITER_WAIT_SECS,
        threads: None,
    };
    let code = super::import::run(cli, &import)?;
    super::report::write_report(cli, &args.out, None, &args.config)?;
    Ok(code)
}
