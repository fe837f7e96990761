//! The benchmark's input: a portfolio written as one Telegram Desktop
//! full-account export (`result.json`).
//!
//! Until the demo generator's Telegram writer is on main, this is a minimal
//! stand-in: deterministic groups of uneven size, plain and link-bearing texts,
//! replies and join notices, streamed chat by chat so memory stays flat.

use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What was written.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    /// `"type": "message"` entries (service entries not counted).
    pub messages: u64,
    pub bytes: u64,
}

const WORDS: &[&str] = &[
    "今天",
    "群里",
    "有人",
    "知道",
    "怎么",
    "报名",
    "吗",
    "谢谢",
    "大家",
    "好",
    "the",
    "meeting",
    "is",
    "at",
    "noon",
    "please",
    "check",
    "docs",
    "新版本",
    "已经",
    "发布",
    "了",
    "问题",
    "解决",
    "?",
    "!",
    "ok",
    "明天",
    "见",
];

/// Writes about `messages` messages over `groups` chats to `path`.
pub fn write_export(path: &Path, messages: u64, groups: usize) -> io::Result<Generated> {
    let groups = groups.max(1);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    w.write_all(b"{\n \"about\": \"Here is the data you requested.\",\n \"chats\": {\n  \"about\": \"This page lists all chats from this export.\",\n  \"list\": [\n")?;
    // Uneven sizes (weight 1/(i+1)^0.7), as real portfolios have a few busy groups and many quiet ones.
    let weights: Vec<f64> = (0..groups).map(|i| 1.0 / ((i + 1) as f64).powf(0.7)).collect();
    let total: f64 = weights.iter().sum();
    let mut written = 0u64;
    let mut rng = Lcg(0x5eed);
    for (g, weight) in weights.iter().enumerate() {
        let want = if g + 1 == groups {
            messages.saturating_sub(written)
        } else {
            ((messages as f64 * weight / total).round() as u64).min(messages - written)
        };
        if g > 0 {
            w.write_all(b",\n")?;
        }
        write_chat(&mut w, g, want, &mut rng)?;
        written += want;
    }
    w.write_all(b"\n  ]\n }\n}\n")?;
    w.flush()?;
    let bytes = w.get_ref().metadata()?.len();
    Ok(Generated { messages: written, bytes })
}

fn write_chat(w: &mut impl Write, g: usize, messages: u64, rng: &mut Lcg) -> io::Result<()> {
    let chat_id = 1_500_000_000 + g as u64 * 37;
    write!(w, "   {{\n    \"name\": \"Bench group {g}\",\n    \"type\": \"private_supergroup\",\n    \"id\": {chat_id},\n    \"messages\": [")?;
    let members = (messages / 20).clamp(3, 3000);
    let mut seen = vec![false; members as usize];
    let mut t: i64 = 1_700_000_000 + (g as i64 % 97) * 3600;
    let mut id = 0u64;
    let mut text = String::new();
    for n in 0..messages {
        t += 1 + (rng.next() % 900) as i64;
        let who = (rng.next() % members) as usize;
        if !seen[who] {
            seen[who] = true;
            id += 1;
            write!(w, "{}\n     {{\"id\": {id}, \"type\": \"service\", \"date\": \"{}\", \"date_unixtime\": \"{t}\", \"actor\": \"Member {who}\", \"actor_id\": \"user{}\", \"action\": \"join_group_by_link\", \"inviter\": \"Group\", \"text\": \"\", \"text_entities\": []}}", if id == 1 { "" } else { "," }, date(t), 9000 + who)?;
        }
        id += 1;
        text.clear();
        for k in 0..(3 + rng.next() % 12) {
            if k > 0 {
                text.push(' ');
            }
            text.push_str(WORDS[(rng.next() % WORDS.len() as u64) as usize]);
        }
        let sep = if id == 1 { "" } else { "," };
        write!(w, "{sep}\n     {{\"id\": {id}, \"type\": \"message\", \"date\": \"{}\", \"date_unixtime\": \"{t}\", \"from\": \"Member {who}\", \"from_id\": \"user{}\"", date(t), 9000 + who)?;
        if n > 0 && rng.next() % 5 < 1 {
            write!(w, ", \"reply_to_message_id\": {}", id - 1 - rng.next() % id.saturating_sub(1).clamp(1, 5))?;
        }
        if rng.next() % 10 < 1 {
            let link = "https://t.me/bench";
            write!(w, ", \"text\": [\"{text} \", {{\"type\": \"link\", \"text\": \"{link}\"}}], \"text_entities\": [{{\"type\": \"plain\", \"text\": \"{text} \"}}, {{\"type\": \"link\", \"text\": \"{link}\"}}]}}")?;
        } else {
            write!(w, ", \"text\": \"{text}\", \"text_entities\": [{{\"type\": \"plain\", \"text\": \"{text}\"}}]}}")?;
        }
    }
    w.write_all(b"\n    ]\n   }")
}

fn date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).expect("valid time").format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A small deterministic generator: the same sizes give the same bytes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[cfg(test)]
mod tests {
    use super::write_export;

    #[test]
    fn writes_the_asked_count_and_the_reference_parse_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        let g = write_export(&path, 1234, 7).unwrap();
        assert_eq!(g.messages, 1234);
        assert_eq!(g.bytes, std::fs::metadata(&path).unwrap().len());
        assert_eq!(super::super::serde_reference::count_messages(&path).unwrap(), 1234);
    }
}
