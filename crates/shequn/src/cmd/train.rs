//! `shequn train`: fits an analysis's learned weights from annotated public
//! data. One variant per trainable analysis.

use std::path::PathBuf;
use std::process::ExitCode;

use shequn_replies::corpus::{self, Split};
use shequn_replies::train::{train, Annotated, TrainSettings};

use super::eval::{irc_corpus, score_split};
use super::Cli;

/// Fit learned weights from annotated data (训练).
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub target: Target,
}

#[derive(clap::Subcommand)]
pub enum Target {
    /// The reply-link scorer, from the IRC disentanglement train split; prints the dev score after.
    Replies(RepliesArgs),
    /// The ad/spam model (writes crates/shequn-content/weights/ads.bin).
    Ads(super::train_ads::AdsArgs),
    /// The early-warning model (METHOD §12) from archives whose groups' fates are known
    /// (`--db A.db B.db …`); writes crates/shequn-survival/weights/survival.json with `--out`.
    Survival(super::train_survival::SurvivalArgs),
}

#[derive(clap::Args)]
pub struct RepliesArgs {
    /// The irc-disentanglement folder. Default: shared/corpus/irc-disentanglement above the current folder.
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Where to write the weights (JSON). Default: print them.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = TrainSettings::default().epochs)]
    pub epochs: usize,
    /// How many earlier messages are candidate parents (use the same value when linking).
    #[arg(long, default_value_t = TrainSettings::default().window)]
    pub window: usize,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    match &args.target {
        Target::Replies(a) => replies(a),
        Target::Ads(a) => super::train_ads::run(a),
        Target::Survival(a) => super::train_survival::run(cli, a),
    }
}

fn replies(a: &RepliesArgs) -> anyhow::Result<ExitCode> {
    let dir = irc_corpus(a.corpus.as_deref())?;
    let files = corpus::read_split(&dir, Split::Train).map_err(anyhow::Error::msg)?;
    let data: Vec<Annotated> = files.iter().map(|f| f.to_annotated()).collect();
    let settings = TrainSettings { epochs: a.epochs, window: a.window, ..TrainSettings::default() };
    let (mut weights, report) = train(&data, &settings);
    weights.note = format!(
        "Trained by `shequn train replies --epochs {}` on irc-disentanglement data/train ({} files, {} annotated messages; {} skipped with every parent beyond the {}-message window); final mean loss {:.4}. Data: Kummerfeld et al., ACL 2019, CC BY 4.0.",
        settings.epochs, files.len(), report.examples, report.out_of_window, settings.window, report.final_loss
    );
    eprintln!("{}", weights.note);
    if let Ok(dev) = corpus::read_split(&dir, Split::Dev) {
        let r = score_split(&dev, &weights, a.window);
        eprintln!(
            "dev: P {:.1} R {:.1} F1 {:.1} (link-to-previous F1 {:.1})",
            r.model.precision, r.model.recall, r.model.f1, r.baseline.f1
        );
    }
    match &a.out {
        Some(p) => std::fs::write(p, weights.to_json() + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
        None => println!("{}", weights.to_json()),
    }
    Ok(ExitCode::SUCCESS)
}
