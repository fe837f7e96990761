//! How far the full ad model's log-odds can sit above the fast model's, over every labelled
//! text of the corpus: the margin `ads::classify_cascade` needs so that screening with the
//! fast model never clears a message the full model would flag.
//! `cargo run --release -p shequn-content --example cascade_margin [CORPUS]`

use std::path::PathBuf;

use shequn_content::features::Features;
use shequn_content::labelled::{read, LabelledFormat};
use shequn_content::model::LinearModel;
use shequn_content::normalize::normalize;

fn main() {
    let corpus = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "../shared/corpus".into()));
    let (mut rows, _) = shequn_content::training::training_rows(&corpus).expect("training rows");
    for (p, f) in [
        ("cn-sms-spam/data/sample2.csv", LabelledFormat::CnSms),
        ("cn-tg-spam-markivory/ml/data/tg-spam/train.csv", LabelledFormat::CnTg),
        ("uci-sms-spam/SMSSpamCollection", LabelledFormat::Uci),
    ] {
        rows.extend(read(&corpus.join(p), f).expect("labelled set"));
    }
    let (full, fast) = (LinearModel::shipped(), LinearModel::shipped_fast());
    let mut gaps: Vec<f32> = rows
        .iter()
        .map(|r| {
            let n = normalize(&r.text);
            Features::with(|f| {
                f.extract(&n, full.features);
                let a = full.logit(&f.buckets);
                f.extract(&n, fast.features);
                a - fast.logit(&f.buckets)
            })
        })
        .collect();
    gaps.sort_by(f32::total_cmp);
    let q = |p: f64| gaps[((gaps.len() - 1) as f64 * p) as usize];
    println!("{} texts; full − fast log-odds:", gaps.len());
    for p in [0.5, 0.9, 0.99, 0.999, 1.0] {
        println!("  {:>6.1}%: {:+.3}", p * 100.0, q(p));
    }
}
