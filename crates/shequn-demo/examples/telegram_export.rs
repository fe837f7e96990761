//! Writes a demo portfolio of about N messages over G groups as one Telegram
//! Desktop export and prints what it wrote and how long it took.
//!
//! cargo run --release -p shequn-demo --example telegram_export -- 1000000 2000 /tmp/result.json

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(g), Some(path)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: telegram_export MESSAGES GROUPS OUT.json");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("MESSAGES is a number");
    let g: usize = g.parse().expect("GROUPS is a number");
    let started = Instant::now();
    let settings = shequn_demo::settings_for_messages(n, g, 42);
    let portfolio = shequn_demo::Portfolio::plan(&settings);
    let stats = shequn_demo::write_telegram_export(&portfolio, std::path::Path::new(path)).expect("write the export");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} chats, {} messages, {} service messages, {:.1} MB in {:.2}s ({:.0} msgs/s, {:.0} MB/s), volume {:.3}",
        stats.chats,
        stats.messages,
        stats.service_messages,
        stats.bytes as f64 / 1e6,
        secs,
        stats.messages as f64 / secs,
        stats.bytes as f64 / 1e6 / secs,
        settings.volume
    );
}
