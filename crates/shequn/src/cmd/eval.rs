//! `shequn eval`: measures an analysis against human-annotated public data.
//! One variant per analysis evaluated.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;
use shequn_replies::corpus::{self, Counts, Score, Split};
use shequn_replies::{ReplySettings, Weights};

use super::Cli;

/// Measure an analysis against annotated data (评测).
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub target: Target,
}

#[derive(clap::Subcommand)]
pub enum Target {
    /// Reply links against the IRC disentanglement annotation (Kummerfeld et al. 2019), scored as its graph-eval.py does.
    Replies(RepliesArgs),
    /// Hide the replies an archive's platforms recorded (Slack threads, Telegram replies) from the
    /// linker and count how many it finds again: an independent check on real data.
    ExplicitReplies(ExplicitArgs),
    /// The ad/spam classifier on a labelled set: precision, recall, F1, confusion matrix.
    Ads(super::eval_ads::AdsArgs),
    /// The early warning (METHOD §12) on an archive's groups whose fate is known: AUC, Brier
    /// score, calibration, one prediction per group.
    Survival(super::eval_survival::SurvivalArgs),
}

#[derive(clap::Args)]
pub struct ExplicitArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SplitArg {
    Train,
    Dev,
    ChannelTwo,
    NewDomains,
}

impl From<SplitArg> for Split {
    fn from(s: SplitArg) -> Split {
        match s {
            SplitArg::Train => Split::Train,
            SplitArg::Dev => Split::Dev,
            SplitArg::ChannelTwo => Split::ChannelTwo,
            SplitArg::NewDomains => Split::NewDomains,
        }
    }
}

#[derive(clap::Args)]
pub struct RepliesArgs {
    /// The irc-disentanglement folder. Default: shared/corpus/irc-disentanglement above the current folder, or under $SHEQUN_CORPUS.
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "dev")]
    pub split: SplitArg,
    /// A weights file from `shequn train replies` instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// How many earlier messages are candidate parents.
    #[arg(long, default_value_t = ReplySettings::default().window)]
    pub window: usize,
    /// Print one JSON object: precision, recall, f1, baseline_previous, messages, seconds.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    match &args.target {
        Target::Replies(a) => replies(a),
        Target::ExplicitReplies(a) => explicit_replies(_cli, a),
        Target::Ads(a) => super::eval_ads::run(a),
        Target::Survival(a) => super::eval_survival::run(_cli, a),
    }
}

/// What `eval explicit-replies` counts over every group of the archive.
#[derive(Serialize, Default)]
struct Recovery {
    groups: usize,
    /// Messages the platform recorded as replies (whose parent is an earlier message).
    recorded_replies: usize,
    /// The linker, blind to them, chose exactly the recorded parent.
    same_parent: usize,
    /// The chosen parent lies in the same thread as the recorded one (same root).
    same_thread: usize,
    /// The linker said "starts a conversation".
    linked_to_nothing: usize,
    /// Recorded parents further back than the linker's window (it could not choose them).
    beyond_window: usize,
    /// The link-to-previous baseline, for scale: same parent, same thread.
    baseline_same_parent: usize,
    baseline_same_thread: usize,
    window: usize,
}

fn explicit_replies(cli: &Cli, a: &ExplicitArgs) -> anyhow::Result<ExitCode> {
    let archive = cli.open_archive()?;
    let weights = Weights::builtin();
    let hidden = ReplySettings { use_explicit: false, ..ReplySettings::default() };
    let mut r = Recovery { window: hidden.window, ..Recovery::default() };
    for g in archive.groups()? {
        let t = archive.timeline(g.id)?;
        if !t.messages.iter().any(|m| m.reply_to.is_some()) {
            continue;
        }
        r.groups += 1;
        let root = |mut i: usize| {
            while let Some(p) = t.messages[i].reply_to.map(|p| p as usize).filter(|&p| p < i) {
                i = p;
            }
            i
        };
        let links = shequn_replies::link(&t, &hidden, &weights);
        let previous = shequn_replies::link_to_previous(&t);
        for (i, m) in t.messages.iter().enumerate() {
            let Some(p) = m.reply_to.map(|p| p as usize).filter(|&p| p < i) else { continue };
            r.recorded_replies += 1;
            if i - p > hidden.window {
                r.beyond_window += 1;
            }
            match links[i].parent.map(|q| q as usize) {
                Some(q) if q == p => {
                    r.same_parent += 1;
                    r.same_thread += 1;
                }
                Some(q) if root(q) == root(p) => r.same_thread += 1,
                Some(_) => {}
                None => r.linked_to_nothing += 1,
            }
            if let Some(q) = previous[i].parent.map(|q| q as usize) {
                r.baseline_same_parent += usize::from(q == p);
                r.baseline_same_thread += usize::from(root(q) == root(p));
            }
        }
    }
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    let pct = |n: usize| if r.recorded_replies > 0 { 100.0 * n as f64 / r.recorded_replies as f64 } else { 0.0 };
    println!(
        "平台记录的回复 {} 条（{} 个群），对推断隐藏 · {} recorded replies in {} groups, hidden from the linker",
        r.recorded_replies, r.groups, r.recorded_replies, r.groups
    );
    println!("  same parent 同一父消息:      {:>6} ({:.1}%)", r.same_parent, pct(r.same_parent));
    println!("  same thread 同一话题串:      {:>6} ({:.1}%)", r.same_thread, pct(r.same_thread));
    println!("  no parent 判为新话题:        {:>6} ({:.1}%)", r.linked_to_nothing, pct(r.linked_to_nothing));
    println!(
        "  link-to-previous 链接上一条: same parent {} ({:.1}%), same thread {} ({:.1}%)",
        r.baseline_same_parent,
        pct(r.baseline_same_parent),
        r.baseline_same_thread,
        pct(r.baseline_same_thread)
    );
    println!("  beyond window 超出 {} 条窗口: {:>6} ({:.1}%)", r.window, r.beyond_window, pct(r.beyond_window));
    Ok(ExitCode::SUCCESS)
}

/// The irc-disentanglement folder: the one given, else found above the current folder.
pub fn irc_corpus(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    if let Some(c) = std::env::var_os("SHEQUN_CORPUS") {
        return Ok(PathBuf::from(c).join("irc-disentanglement"));
    }
    let mut here = std::env::current_dir()?;
    loop {
        let c = here.join("shared").join("corpus").join("irc-disentanglement");
        if c.is_dir() {
            return Ok(c);
        }
        if !here.pop() {
            anyhow::bail!(
                "cannot find shared/corpus/irc-disentanglement above the current folder; give --corpus DIR / 找不到语料，请用 --corpus 指定"
            );
        }
    }
}

/// Weights from a file, or the built-in ones.
pub fn load_weights(path: Option<&Path>) -> anyhow::Result<Weights> {
    match path {
        None => Ok(Weights::builtin()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
            Weights::from_json(&text).map_err(|e| anyhow::anyhow!("{}: not a weights file: {e}", p.display()))
        }
    }
}

#[derive(Serialize)]
struct Prf {
    precision: f64,
    recall: f64,
    f1: f64,
}

impl From<Score> for Prf {
    fn from(s: Score) -> Prf {
        Prf { precision: s.precision, recall: s.recall, f1: s.f1 }
    }
}

/// `eval replies --json`: a contract other tools read.
#[derive(Serialize)]
struct RepliesJson {
    precision: f64,
    recall: f64,
    f1: f64,
    baseline_previous: Prf,
    messages: usize,
    seconds: f64,
    cpu_seconds: Option<f64>,
    split: &'static str,
    files: usize,
}

/// Scores the linker and the link-to-previous baseline on one split.
pub struct SplitResult {
    pub model: Score,
    pub baseline: Score,
    pub messages: usize,
    pub seconds: f64,
    /// CPU time of the linking thread, where the system reports it (so a busy machine does not skew the speed).
    pub cpu_seconds: Option<f64>,
    pub files: usize,
}

/// CPU seconds this thread has used (Linux `/proc/thread-self/stat`, 100 ticks a second); None elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

pub fn score_split(files: &[corpus::AnnotatedFile], weights: &Weights, window: usize) -> SplitResult {
    let settings = ReplySettings { window, ..ReplySettings::default() };
    let (mut model, mut baseline) = (Counts::default(), Counts::default());
    let (mut messages, mut seconds) = (0, 0.0);
    let mut cpu_seconds = Some(0.0);
    for f in files {
        let cpu_start = thread_cpu_seconds();
        let start = Instant::now();
        let links = shequn_replies::link(&f.timeline, &settings, weights);
        seconds += start.elapsed().as_secs_f64();
        cpu_seconds = match (cpu_seconds, cpu_start, thread_cpu_seconds()) {
            (Some(sum), Some(a), Some(b)) => Some(sum + b - a),
            _ => None,
        };
        messages += f.timeline.messages.len();
        model.add(corpus::count(f, &links));
        baseline.add(corpus::count(f, &shequn_replies::link_to_previous(&f.timeline)));
    }
    SplitResult { model: model.score(), baseline: baseline.score(), messages, seconds, cpu_seconds, files: files.len() }
}

fn replies(a: &RepliesArgs) -> anyhow::Result<ExitCode> {
    let dir = irc_corpus(a.corpus.as_deref())?;
    let weights = load_weights(a.weights.as_deref())?;
    let split: Split = a.split.into();
    let files = corpus::read_split(&dir, split).map_err(anyhow::Error::msg)?;
    let r = score_split(&files, &weights, a.window);
    if a.json {
        let out = RepliesJson {
            precision: r.model.precision,
            recall: r.model.recall,
            f1: r.model.f1,
            baseline_previous: r.baseline.into(),
            messages: r.messages,
            seconds: r.seconds,
            cpu_seconds: r.cpu_seconds,
            split: split.folder(),
            files: r.files,
        };
        println!("{}", serde_json::to_string(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "回复链接评测 reply-link evaluation · split {} · {} files · {} messages ({} links scored)",
        split.folder(),
        r.files,
        r.messages,
        r.model.gold
    );
    let row = |name: &str, p: f64, r: f64, f: f64| {
        vec![name.to_string(), format!("{p:.1}"), format!("{r:.1}"), format!("{f:.1}")]
    };
    let mut rows = vec![
        row("shequn linker 本工具 (this split)", r.model.precision, r.model.recall, r.model.f1),
        row("link-to-previous 链接上一条 (this split)", r.baseline.precision, r.baseline.recall, r.baseline.f1),
    ];
    for (name, [p, rr, f]) in corpus::PUBLISHED {
        rows.push(row(&format!("published 论文: {name}"), *p, *rr, *f));
    }
    print!("{}", crate::table::render(&["", "P", "R", "F1"], &rows));
    println!("(published numbers: held-back #ubuntu test split, Kummerfeld et al. ACL 2019, Table 3 / 论文测试集结果)");
    let rate = |s: f64| if s > 0.0 { r.messages as f64 / s } else { 0.0 };
    print!("速度 speed: {:.0} messages/s by the clock ({:.3} s linking, one thread)", rate(r.seconds), r.seconds);
    match r.cpu_seconds {
        Some(c) => println!(", {:.0} messages/s by CPU time ({c:.2} s)", rate(c)),
        None => println!(),
    }
    Ok(ExitCode::SUCCESS)
}
