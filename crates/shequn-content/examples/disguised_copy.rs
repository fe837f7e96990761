//! Writes a disguised copy of a labelled set as `label,content` CSV (the cn-sms layout), so a
//! binary without `eval ads --disguise` (an older build) can be scored on the same rows:
//! `cargo run --release -p shequn-content --example disguised_copy -- FILE FORMAT SEED [--held-out] > OUT.csv`,
//! then `shequn eval ads --data OUT.csv --format cn-sms`.

use shequn_content::disguise::disguise;
use shequn_content::labelled::{self, LabelledFormat};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: disguised_copy FILE cn-sms|cn-tg|uci|tg-spam SEED [--held-out]");
        std::process::exit(2);
    }
    let format = LabelledFormat::parse(&args[2]).expect("a known format");
    let seed: u64 = args[3].parse().expect("a number");
    let held_out = args.iter().any(|a| a == "--held-out");
    let rows = labelled::read(std::path::Path::new(&args[1]), format).expect("a readable labelled set");
    println!("label,content");
    for r in rows.iter().filter(|r| !held_out || labelled::in_held_out_fifth(&r.text)) {
        let text = disguise(&r.text, seed).replace('"', "\"\"");
        println!("{},\"{}\"", u8::from(r.spam), text);
    }
}
