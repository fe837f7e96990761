//! `shequn train ads`: fits the ad model on the labelled sets of the corpus and
//! writes the weights file that `shequn-content` compiles in.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::anyhow;
use shequn_content::features::FeatureSet;
use shequn_content::training::{train_calibrated, training_rows, TrainSettings};

#[derive(clap::Args, Debug)]
pub struct AdsArgs {
    /// The corpus folder. Default: $SHEQUN_CORPUS, else ../shared/corpus.
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Where to write the weights.
    #[arg(long, value_name = "PATH", default_value = "crates/shequn-content/weights/ads.bin")]
    pub out: PathBuf,
    /// Where to write the fast model's weights (no jieba words; it screens chat messages).
    #[arg(long, value_name = "PATH", default_value = "crates/shequn-content/weights/ads-fast.bin")]
    pub fast_out: PathBuf,
}

fn corpus_dir(args: &AdsArgs) -> PathBuf {
    args.corpus
        .clone()
        .or_else(|| std::env::var_os("SHEQUN_CORPUS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"))
}

pub fn run(args: &AdsArgs) -> anyhow::Result<ExitCode> {
    let dir = corpus_dir(args);
    // The sources and the rows left out are listed in shequn_content::training::SOURCES.
    let (rows, counts) = training_rows(&dir).map_err(|e| anyhow!(e))?;
    for c in &counts {
        println!(
            "{:<48} {:>6} rows, {:>6} used ({} spam, {} ham) / 行数",
            c.path,
            c.total,
            c.used,
            c.spam,
            c.used - c.spam
        );
    }
    for (name, features, out) in
        [("full 完整", FeatureSet::SHIPPED, &args.out), ("fast 快速", FeatureSet::FAST, &args.fast_out)]
    {
        let start = Instant::now();
        let settings = TrainSettings { features, ..TrainSettings::default() };
        let (model, threshold, dev) = train_calibrated(&rows, &settings);
        println!(
            "{name}: dev tenth 开发集 (threshold 阈值 {threshold:+.3}, folded into the bias): P {:.4} R {:.4} F1 {:.4}",
            dev.precision, dev.recall, dev.f1
        );
        let bytes = model.to_bytes();
        std::fs::write(out, &bytes).map_err(|e| anyhow!("cannot write {}: {e}", out.display()))?;
        println!(
            "{name}: trained on {} rows in {:.1} s; wrote {} ({} bytes).",
            rows.len(),
            start.elapsed().as_secs_f64(),
            out.display(),
            bytes.len()
        );
    }
    println!("Rebuild shequn to compile the new weights in. / 训练完成，重新编译以内置新权重。");
    Ok(ExitCode::SUCCESS)
}
