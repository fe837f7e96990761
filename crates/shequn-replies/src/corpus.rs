//! The annotated IRC disentanglement corpus (Kummerfeld et al., ACL 2019):
//! its log lines as a [`Timeline`], its annotations as gold links, and the
//! published graph evaluation. Parsing is pure; [`read_split`] is the only I/O.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use shequn_model::{GroupKind, GroupMeta, Link, MemberMeta, MessageKind, Msg, MsgIx, Platform, Timeline};

use crate::train::Annotated;

/// Lines before this are context only in the #ubuntu files; the evaluation scores from here.
pub const FIRST_SCORED: usize = 1000;

/// The published numbers on the held-back #ubuntu test split (ACL 2019, Table 3), P/R/F.
pub const PUBLISHED: &[(&str, [f64; 3])] = &[
    ("link-to-previous", [35.7, 34.4, 35.0]),
    ("linear model", [64.7, 62.3, 63.5]),
    ("feed-forward network", [73.7, 71.0, 72.3]),
    ("ensemble of 10 (vote)", [74.9, 72.2, 73.5]),
];

/// One log file with its annotation.
pub struct AnnotatedFile {
    pub name: String,
    pub timeline: Timeline,
    /// (child, parent) pairs as the evaluation counts them; (x, x) = x starts a conversation.
    pub gold: HashSet<(usize, usize)>,
}

impl AnnotatedFile {
    /// The lines the evaluation scores: from the first to the last annotated child.
    pub fn scored(&self) -> std::ops::RangeInclusive<usize> {
        let lo = self.gold.iter().map(|p| p.0).min().unwrap_or(0);
        let hi = self.gold.iter().map(|p| p.0).max().unwrap_or(0);
        lo..=hi
    }

    /// The file as training data: each annotated line's parents.
    pub fn to_annotated(&self) -> Annotated {
        let mut gold: Vec<Option<Vec<MsgIx>>> = vec![None; self.timeline.messages.len()];
        for &(c, p) in &self.gold {
            if c < gold.len() {
                gold[c].get_or_insert_with(Vec::new).push(p as MsgIx);
            }
        }
        Annotated { timeline: self.timeline.clone(), gold }
    }
}

/// Precision, recall and F1 in percent, with the counts behind them.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub gold: usize,
    pub predicted: usize,
    pub matched: usize,
}

/// Counts for one file, to be summed over a split.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub gold: usize,
    pub predicted: usize,
    pub matched: usize,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.gold += o.gold;
        self.predicted += o.predicted;
        self.matched += o.matched;
    }

    /// As graph-eval.py computes it: micro-averaged over all pairs of all files.
    pub fn score(self) -> Score {
        let p = if self.predicted > 0 { 100.0 * self.matched as f64 / self.predicted as f64 } else { 0.0 };
        let r = if self.gold > 0 { 100.0 * self.matched as f64 / self.gold as f64 } else { 0.0 };
        let f = if self.matched > 0 { 2.0 * p * r / (p + r) } else { 0.0 };
        Score { precision: p, recall: r, f1: f, gold: self.gold, predicted: self.predicted, matched: self.matched }
    }
}

/// Scores one file's links: one predicted pair per scored line (a self pair when it starts a conversation).
pub fn count(file: &AnnotatedFile, links: &[Link]) -> Counts {
    let mut predicted = HashSet::new();
    for i in file.scored() {
        if let Some(l) = links.get(i) {
            predicted.insert((i, l.parent.map(|p| p as usize).unwrap_or(i)));
        }
    }
    let matched = predicted.iter().filter(|p| file.gold.contains(p)).count();
    Counts { gold: file.gold.len(), predicted: predicted.len(), matched }
}

/// Parses an annotation file (`A B -` per line; the later line answers the earlier), as graph-eval.py does.
pub fn parse_annotation(text: &str) -> Result<HashSet<(usize, usize)>, String> {
    let mut out = HashSet::new();
    for (no, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut nums = Vec::new();
        for w in line.split_whitespace().filter(|w| *w != "-") {
            nums.push(w.parse::<usize>().map_err(|_| format!("line {}: `{w}` is not a line number", no + 1))?);
        }
        let Some(&source) = nums.iter().max() else { continue };
        let pos = nums.iter().position(|&n| n == source).expect("max is present");
        nums.remove(pos);
        if nums.is_empty() || (nums.len() == 1 && nums[0] == source) {
            out.insert((source, source));
        } else {
            for n in nums {
                out.insert((source, n));
            }
        }
    }
    Ok(out)
}

/// Turns IRC log lines into a timeline, one message per line so line numbers
/// are message indices. Accepts `[HH:MM] <nick> text`, `[HH:MM:SS]`, a
/// leading `channel date ` prefix (the 2023 files), `* nick action`, and
/// `=== system` lines (kept as messages of kind Other from a bot member "===").
pub fn parse_log(name: &str, text: &str) -> Timeline {
    let mut members: Vec<MemberMeta> = Vec::new();
    let mut by_nick: HashMap<String, u32> = HashMap::new();
    let mut member = |nick: &str, bot: bool| -> u32 {
        if let Some(&ix) = by_nick.get(nick) {
            return ix;
        }
        let ix = members.len() as u32;
        members.push(MemberMeta {
            id: ix as i64 + 1,
            person_id: None,
            platform_id: Some(nick.to_string()),
            name: nick.to_string(),
            is_bot: bot,
            role: None,
            title: None,
            on_roster: false,
            roster_joined_ms: None,
        });
        by_nick.insert(nick.to_string(), ix);
        ix
    };
    let mut messages = Vec::new();
    let (mut last_clock, mut day, mut time_ms) = (0i64, 0i64, 0i64);
    for line in text.lines() {
        let mut rest = line.trim_end();
        if !rest.starts_with('[') && !rest.starts_with("===") {
            if let Some(p) = rest.find(" [") {
                if rest[..p].split_whitespace().count() <= 2 {
                    rest = &rest[p + 1..];
                }
            }
        }
        if let Some(close) = rest.strip_prefix('[').and_then(|r| r.find(']')) {
            let clock = &rest[1..close + 1];
            let parts: Vec<i64> = clock.split(':').filter_map(|p| p.parse().ok()).collect();
            if parts.len() >= 2 {
                let secs = parts[0] * 3600 + parts[1] * 60 + parts.get(2).copied().unwrap_or(0);
                if secs < last_clock {
                    day += 1;
                }
                last_clock = secs;
                time_ms = (day * 86_400 + secs) * 1000;
            }
            rest = rest[close + 2..].trim_start();
        }
        let (sender, kind, body) = if let Some(r) = rest.strip_prefix('<') {
            match r.find('>') {
                Some(e) => (member(&r[..e], false), MessageKind::Text, r[e + 1..].trim()),
                None => (member("?", false), MessageKind::Text, rest),
            }
        } else if rest.starts_with("===") {
            (member("===", true), MessageKind::Other, rest)
        } else if let Some(r) = rest.strip_prefix("* ") {
            (member(r.split_whitespace().next().unwrap_or("?"), false), MessageKind::Text, rest)
        } else {
            (member("?", false), MessageKind::Text, rest)
        };
        messages.push(Msg {
            id: messages.len() as i64 + 1,
            time_ms,
            sender,
            kind,
            text: body.to_string(),
            amount_cents: None,
            reply_to: None,
            mentions: Vec::new(),
            mentions_everyone: false,
            forwarded: false,
        });
    }
    Timeline {
        group: GroupMeta {
            id: 1,
            platform: Platform::Irc,
            platform_id: name.to_string(),
            name: name.to_string(),
            kind: GroupKind::Channel,
            member_count: None,
            utc_offset_s: 0,
            zone_inferred: true,
            notes: Vec::new(),
            coverage: None,
        },
        members,
        messages,
        events: Vec::new(),
    }
}

/// The corpus splits `shequn eval replies` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Dev,
    ChannelTwo,
    NewDomains,
}

impl Split {
    pub fn folder(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Dev => "dev",
            Split::ChannelTwo => "channel-two",
            Split::NewDomains => "new-domains",
        }
    }

    /// Which annotation files belong to the split. Channel Two keeps its dev
    /// and test files (the `all`, `pilot` files repeat or precede them).
    fn includes(self, file_name: &str) -> bool {
        match self {
            Split::ChannelTwo => {
                file_name == "channel-two.dev.annotation.txt" || file_name == "channel-two.test.annotation.txt"
            }
            _ => true,
        }
    }
}

/// Reads every annotated file of a split from the corpus `data` folder (or its parent).
/// The text is the `.ascii.txt` version where present (what the published models read), else `.raw.txt`.
pub fn read_split(corpus: &Path, split: Split) -> Result<Vec<AnnotatedFile>, String> {
    let data = if corpus.join("data").is_dir() { corpus.join("data") } else { corpus.to_path_buf() };
    let dir = data.join(split.folder());
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        format!("cannot read {}: {e} (give --corpus the irc-disentanglement folder) / 读不到语料目录", dir.display())
    })?;
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".annotation.txt") && split.includes(n))
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for ann in names {
        let stem = ann.to_string_lossy().trim_end_matches(".annotation.txt").to_string();
        let text_path = [".ascii.txt", ".raw.txt"]
            .iter()
            .map(|s| PathBuf::from(format!("{stem}{s}")))
            .find(|p| p.exists())
            .ok_or_else(|| format!("{}: no .ascii.txt or .raw.txt beside it", ann.display()))?;
        let read = |p: &Path| {
            std::fs::read(p)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| format!("cannot read {}: {e}", p.display()))
        };
        let gold = parse_annotation(&read(&ann)?).map_err(|e| format!("{}: {e}", ann.display()))?;
        let name = text_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let timeline = parse_log(&name, &read(&text_path)?);
        out.push(AnnotatedFile { name, timeline, gold });
    }
    if out.is_empty() {
        return Err(format!("no *.annotation.txt files in {} / 该目录下没有标注文件", dir.display()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_pairs_follow_graph_eval() {
        let g = parse_annotation("993 1000 -\n1000 1001 -\n1002 1002 -\n").unwrap();
        let want: HashSet<(usize, usize)> = [(1000, 993), (1001, 1000), (1002, 1002)].into_iter().collect();
        assert_eq!(g, want);
    }

    #[test]
    fn log_lines_become_messages_line_for_line() {
        let t = parse_log(
            "x",
            "[23:59] <ann> hi all\n=== bob joined\n[00:01] <bob> ann: hello\nrust 2018-05-29 [00:02:30] <ann> ok\n",
        );
        assert_eq!(t.messages.len(), 4);
        assert_eq!(t.member(t.messages[2].sender).name, "bob");
        assert_eq!(t.messages[2].text, "ann: hello");
        assert!(t.member(t.messages[1].sender).is_bot);
        // Past midnight the day rolls over, so time never goes backwards.
        assert!(t.messages[2].time_ms > t.messages[0].time_ms);
        assert_eq!(t.messages[3].time_ms - t.messages[2].time_ms, 90_000);
    }
}
