//! `shequn eval ads`: scores the ad classifier on a labelled set (precision,
//! recall and F1 of the spam class, the confusion matrix, speed).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::anyhow;
use rayon::prelude::*;
use serde::Serialize;
use shequn_content::ads::{classify, AdContext, AdSettings};
use shequn_content::disguise::disguise;
use shequn_content::labelled::{self, LabelledFormat};
use shequn_content::normalize::normalize;

#[derive(clap::Args, Debug)]
pub struct AdsArgs {
    /// The labelled file (for tg-spam: the folder holding spam-samples.txt and ham-samples.txt).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Layout of the file: cn-sms, cn-tg, tg-spam, uci (fbs: spam only, recall is all it can show).
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// Evaluate only the held-out fifth (rows whose text hash is 0 mod 5), the part `shequn train ads` leaves out.
    #[arg(long)]
    pub held_out: bool,
    /// Disguise every row (spam and ham alike) with the tricks spammers use before classifying it:
    /// styled and look-alike letters, separators, zero-width marks, spaces (seeded:
    /// `shequn_content::disguise`). The harder dev set of docs/ads-disguise.md.
    #[arg(long, value_name = "SEED")]
    pub disguise: Option<u64>,
    /// Print up to N misclassified rows (original, and as read after undoing disguise) to stderr.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub errors: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize, Debug, Default)]
pub struct Confusion {
    pub true_positive: u64,
    pub false_positive: u64,
    pub false_negative: u64,
    pub true_negative: u64,
}

#[derive(Serialize, Debug)]
pub struct AdsScore {
    pub data: String,
    pub format: String,
    pub held_out: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disguise_seed: Option<u64>,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub confusion: Confusion,
    pub messages: u64,
    pub seconds: f64,
    pub messages_per_second: f64,
}

/// Classifies every row and scores the spam class.
pub fn evaluate(args: &AdsArgs) -> anyhow::Result<AdsScore> {
    let format = LabelledFormat::parse(&args.format)
        .ok_or_else(|| anyhow!("unknown --format `{}`: use cn-sms, cn-tg, tg-spam, uci or fbs", args.format))?;
    let mut rows = labelled::read(&args.data, format).map_err(|e| anyhow!(e))?;
    if args.held_out {
        rows.retain(|r| labelled::in_held_out_fifth(&r.text));
    }
    if let Some(seed) = args.disguise {
        for r in &mut rows {
            r.text = disguise(&r.text, seed);
        }
    }
    let settings = AdSettings::default();
    // Load the model and the segmenter before the clock starts.
    classify("预热 warm-up", AdContext::default(), &settings);
    let start = Instant::now();
    let verdicts: Vec<bool> = rows.par_iter().map(|r| classify(&r.text, AdContext::default(), &settings).ad).collect();
    let seconds = start.elapsed().as_secs_f64();
    let mut c = Confusion::default();
    let mut shown = 0;
    for (r, ad) in rows.iter().zip(&verdicts) {
        if r.spam != *ad && shown < args.errors {
            shown += 1;
            let kind = if r.spam { "missed spam 漏判" } else { "ham flagged 误判" };
            eprintln!(
                "{kind}: {}\n    read as 还原为: {}",
                r.text.replace('\n', " "),
                normalize(&r.text).folded.replace('\n', " ")
            );
        }
        match (r.spam, *ad) {
            (true, true) => c.true_positive += 1,
            (false, true) => c.false_positive += 1,
            (true, false) => c.false_negative += 1,
            (false, false) => c.true_negative += 1,
        }
    }
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(c.true_positive, c.true_positive + c.false_positive);
    let recall = ratio(c.true_positive, c.true_positive + c.false_negative);
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    Ok(AdsScore {
        data: args.data.display().to_string(),
        format: args.format.clone(),
        held_out: args.held_out,
        disguise_seed: args.disguise,
        precision,
        recall,
        f1,
        confusion: c,
        messages: rows.len() as u64,
        seconds,
        messages_per_second: if seconds > 0.0 { rows.len() as f64 / seconds } else { 0.0 },
    })
}

pub fn run(args: &AdsArgs) -> anyhow::Result<ExitCode> {
    let s = evaluate(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    let c = &s.confusion;
    println!("ad classifier on {} ({}{})", s.data, s.format, if s.held_out { ", held-out fifth" } else { "" });
    if let Some(seed) = s.disguise_seed {
        println!("every row disguised, seed {seed} / 每条已按种子 {seed} 伪装");
    }
    println!(
        "广告分类器评测: {} 条消息 / messages, {:.2} s ({:.0} msg/s)",
        s.messages, s.seconds, s.messages_per_second
    );
    println!("precision 精确率 {:.4}   recall 召回率 {:.4}   F1 {:.4}", s.precision, s.recall, s.f1);
    println!("                  predicted ad   predicted not");
    println!("actual ad 实际广告  {:>12}   {:>13}", c.true_positive, c.false_negative);
    println!("actual not 非广告  {:>12}   {:>13}", c.false_positive, c.true_negative);
    Ok(ExitCode::SUCCESS)
}
