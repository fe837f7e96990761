//! Trying ad-model configurations: trains on the training files exactly as
//! `shequn train ads` does (threshold chosen on the dev tenth), then prints the
//! dev score and the scores on the three evaluation sets. Every configuration
//! tried is recorded in `weights/README.md`.
//!
//! cargo run --release -p shequn-content --example ads_lab -- [--no-words] [--no-trigrams]
//!     [--no-shapes] [--no-links] [--disguise] [--no-separators] [--no-offset] [--no-calibrate] [--epochs N] [--l2 X]
//!     [--lr X] [--spam-weight X] [--out FILE]

use std::path::PathBuf;

use shequn_content::labelled::{self, LabelledFormat};
use shequn_content::training::{score_at, scores, train, train_calibrated, training_rows, TrainSettings};

fn main() {
    let corpus = PathBuf::from(std::env::var("SHEQUN_CORPUS").unwrap_or_else(|_| "../shared/corpus".into()));
    let mut s = TrainSettings::default();
    let mut calibrate = true;
    let mut out: Option<PathBuf> = None;
    let mut errors = false;
    let mut explain: Vec<String> = Vec::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let val = |i: usize| args[i + 1].parse::<f32>().expect("a number");
        match args[i].as_str() {
            "--no-words" => s.features.words = false,
            "--no-trigrams" => s.features.trigrams = false,
            "--trigrams" => s.features.trigrams = true,
            "--no-shapes" => s.features.number_shapes = false,
            "--no-links" => s.features.link_kinds = false,
            "--no-unit" => s.features.unit_length = false,
            "--disguise" => s.features.disguise = true,
            "--no-separators" => s.features.separators = false,
            "--no-offset" => s.rules_as_offset = false,
            "--no-calibrate" => calibrate = false,
            "--errors" => errors = true,
            "--explain" => {
                explain.push(args[i + 1].clone());
                i += 1
            }
            "--words-min" => {
                s.features.words_min_chars = val(i) as u8;
                i += 1
            }
            "--epochs" => {
                s.epochs = val(i) as usize;
                i += 1
            }
            "--l2" => {
                s.l2 = val(i);
                i += 1
            }
            "--lr" => {
                s.learning_rate = val(i);
                i += 1
            }
            "--spam-weight" => {
                s.spam_weight = val(i);
                i += 1
            }
            "--out" => {
                out = Some(PathBuf::from(&args[i + 1]));
                i += 1
            }
            other => panic!("unknown argument {other}"),
        }
        i += 1;
    }
    let (rows, _) = training_rows(&corpus).expect("training rows");
    let (model, threshold, dev) =
        if calibrate { train_calibrated(&rows, &s) } else { (train(&rows, &s), 0.0, Default::default()) };
    // Score the weights as shipped (i8-quantised), so the numbers match `shequn eval ads`.
    let model = shequn_content::model::LinearModel::from_bytes(&model.to_bytes()).expect("round trip");
    println!("{s:?}");
    println!("dev tenth: threshold {threshold:+.3}  P {:.4} R {:.4} F1 {:.4}", dev.precision, dev.recall, dev.f1);
    for text in &explain {
        let n = shequn_content::normalize::normalize(text);
        shequn_content::features::Features::with(|f| {
            f.extract(&n, model.features);
            println!("{text}: logit {:+.2} (bias {:+.2})", model.logit(&f.buckets), model.bias);
            for t in &f.tokens {
                let (a, b) = (model.weights[t.bucket as usize], model.weights[t.class_bucket as usize]);
                println!("  {:?} {} {a:+.2} {b:+.2}", t.kind, f.name(&n, t));
            }
        });
    }
    let sets = [
        ("cn-sms-spam/data/sample2.csv", LabelledFormat::CnSms, false),
        ("cn-tg-spam-markivory/ml/data/tg-spam/train.csv", LabelledFormat::CnTg, true),
        ("uci-sms-spam/SMSSpamCollection", LabelledFormat::Uci, true),
    ];
    for (path, format, held_out) in sets {
        let mut rows = labelled::read(&corpus.join(path), format).expect("evaluation set");
        if held_out {
            rows.retain(|r| labelled::in_held_out_fifth(&r.text));
        }
        let all = scores(&model, &rows);
        let sc = score_at(&all, &rows, 0.0);
        if errors && format == LabelledFormat::CnSms {
            for (r, s) in rows.iter().zip(&all) {
                if r.spam != (*s > 0.0) {
                    println!("{} {s:+.2} {}", if r.spam { "FN" } else { "FP" }, r.text.replace('\n', " "));
                }
            }
        }
        println!("{path:<48} P {:.4} R {:.4} F1 {:.4}", sc.precision, sc.recall, sc.f1);
        // The harder dev set: the same rows disguised (`shequn eval ads --disguise 17`).
        let disguised: Vec<labelled::Labelled> = rows
            .iter()
            .map(|r| labelled::Labelled { text: shequn_content::disguise::disguise(&r.text, 17), spam: r.spam })
            .collect();
        let d = score_at(&scores(&model, &disguised), &disguised, 0.0);
        println!(
            "  disguised (seed 17)                            P {:.4} R {:.4} F1 {:.4}",
            d.precision, d.recall, d.f1
        );
    }
    // Single-thread speed of the whole verdict on every row of cn-tg train.csv (warm).
    let rows = labelled::read(&corpus.join(sets[1].0), LabelledFormat::CnTg).expect("cn-tg");
    let settings = shequn_content::AdSettings::default();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = std::time::Instant::now();
        let ads = rows
            .iter()
            .filter(|r| {
                let n = shequn_content::normalize::normalize(&r.text);
                shequn_content::ads::classify_with(&model, &n, Default::default(), &settings).ad
            })
            .count();
        best = best.min(start.elapsed().as_secs_f64());
        assert!(ads > 0);
    }
    println!("speed: {} messages in {best:.3} s single-thread = {:.0} msg/s", rows.len(), rows.len() as f64 / best);
    if let Some(out) = out {
        std::fs::write(&out, model.to_bytes()).expect("write model");
        println!("wrote {}", out.display());
    }
}
