//! `shequn import --map map.toml FILE`: any CSV, TSV or JSON Lines file read through a mapping
//! that says which column (or field) holds the time, the sender, the text, the group, the id
//! and the reply-to. For the exports no dedicated format knows (docs/mapping.md).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::Deserialize;
use shequn_model::{GroupInfo, GroupKind, GroupSlot, Message, MessageKind, Person, Platform, Record, Sink, Stamp};

use crate::formats::csv_rows;
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

/// The mapping file. Column names (CSV/TSV with a header) or field names (JSON Lines; `a.b`
/// reaches into an object); without a header, columns are numbered from 1 (`"3"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// `csv`, `tsv` or `jsonl`; default: from the file's extension.
    #[serde(default)]
    pub format: Option<String>,
    /// The platform the groups live on (`wechat`, `qq`, …); default `generic`.
    #[serde(default)]
    pub platform: Option<String>,
    /// The column holding the group's id or name…
    #[serde(default)]
    pub group: Option<String>,
    /// …or one group for every row of the file.
    #[serde(default)]
    pub group_value: Option<String>,
    /// The column holding the group's display name, when `group` holds an id.
    #[serde(default)]
    pub group_name: Option<String>,
    pub time: String,
    /// `rfc3339` (default), `unix`, `unix_ms`, or a chrono pattern like `%Y-%m-%d %H:%M:%S`
    /// (with `%z` when the column states its zone).
    #[serde(default)]
    pub time_format: Option<String>,
    /// The zone of times written without one, like `+08:00`; default `--zone`, else UTC.
    /// Such times are flagged as assumed.
    #[serde(default)]
    pub zone: Option<String>,
    pub sender: String,
    #[serde(default)]
    pub sender_id: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Whether a CSV/TSV file starts with a header row (default true).
    #[serde(default)]
    pub header: Option<bool>,
}

impl Mapping {
    /// Reads a mapping file's text; `label` names it in errors.
    pub fn from_toml(text: &str, label: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(text).map_err(|e| format!("{label}: {e}"))?;
        if m.group.is_none() && m.group_value.is_none() {
            return Err(format!("{label}: say which column holds the group (`group = \"chat\"`) or name one group for the whole file (`group_value = \"读书会\"`)"));
        }
        if let Some(f) = &m.format {
            if !matches!(f.as_str(), "csv" | "tsv" | "jsonl") {
                return Err(format!("{label}: format {f:?} is not one of csv, tsv, jsonl"));
            }
        }
        if let Some(p) = &m.platform {
            if Platform::parse(p).is_none() {
                return Err(format!(
                    "{label}: unknown platform {p:?}; use one of: {}",
                    Platform::ALL.map(|p| p.as_str()).join(", ")
                ));
            }
        }
        if let Some(z) = &m.zone {
            parse_offset(z).ok_or_else(|| format!("{label}: zone {z:?} is not like +08:00"))?;
        }
        Ok(m)
    }
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{s}")).ok().map(|d| *d.offset())
}

/// A [`Mapping`] as a format (`--map`): never sniffed, always named.
pub struct Mapped {
    pub mapping: Mapping,
}

impl Format for Mapped {
    fn name(&self) -> &'static str {
        "map"
    }

    fn description(&self) -> &'static str {
        "any CSV, TSV or JSON Lines file read through a --map mapping (docs/mapping.md)"
    }

    fn sniff(&self, _probe: &Probe) -> Score {
        0
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let m = &self.mapping;
        let path = &input.path;
        let kind = m.format.clone().unwrap_or_else(|| {
            match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
                Some("tsv") | Some("tab") => "tsv".into(),
                Some("jsonl") | Some("ndjson") | Some("json") => "jsonl".into(),
                _ => "csv".into(),
            }
        });
        let zone = m.zone.as_deref().and_then(parse_offset).or(opts.zone).unwrap_or(FixedOffset::east_opt(0).unwrap());
        let mut out = Rows { m, path, zone, groups: HashMap::new(), sink, noted: false };
        if kind == "jsonl" {
            let mut lines = input.lines()?;
            while let Some((no, raw)) = lines.next_line()? {
                if raw.trim().is_empty() {
                    continue;
                }
                let v: serde_json::Value = serde_json::from_str(raw)
                    .map_err(|e| ParseError::new(path, format!("not a JSON object: {e}")).at(format!("line {no}")))?;
                out.row(no, |key| field(&v, key))?;
            }
            return Ok(());
        }
        let text = input.read_text()?;
        let mut rows = if kind == "tsv" { tsv_rows(&text) } else { csv_rows::rows(&text) }.into_iter();
        let header: Vec<String> = if m.header.unwrap_or(true) {
            match rows.next() {
                Some(h) => h.fields.iter().map(|f| f.trim().trim_start_matches('\u{feff}').to_string()).collect(),
                None => return Ok(()),
            }
        } else {
            Vec::new()
        };
        // Every named column must exist before any row is read.
        for key in m.columns() {
            if column(&header, key).is_none() {
                let have = if header.is_empty() { "numbered columns 1, 2, …".to_string() } else { header.join(", ") };
                return Err(ParseError::new(
                    path,
                    format!("the mapping names column {key:?}, which the file does not have"),
                )
                .at("line 1")
                .hint(format!("columns: {have}")));
            }
        }
        for row in rows {
            if row.fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            out.row(row.line as u64, |key| column(&header, key).and_then(|i| row.fields.get(i)).cloned())?;
        }
        Ok(())
    }
}

impl Mapping {
    fn columns(&self) -> Vec<&str> {
        let mut v = vec![self.time.as_str(), self.sender.as_str()];
        for k in
            [&self.group, &self.group_name, &self.sender_id, &self.text, &self.id, &self.reply_to].into_iter().flatten()
        {
            v.push(k);
        }
        v
    }
}

/// TSV rows: tabs split fields; no quoting.
fn tsv_rows(text: &str) -> Vec<csv_rows::CsvRow> {
    text.lines()
        .enumerate()
        .map(|(i, l)| csv_rows::CsvRow { line: i + 1, fields: l.split('\t').map(String::from).collect() })
        .collect()
}

fn column(header: &[String], key: &str) -> Option<usize> {
    if header.is_empty() {
        return key.parse::<usize>().ok().filter(|&n| n >= 1).map(|n| n - 1);
    }
    header.iter().position(|h| h == key)
}

/// A field of a JSON object by name, `a.b` reaching into objects; numbers and booleans as text.
fn field(v: &serde_json::Value, key: &str) -> Option<String> {
    let mut cur = v;
    for part in key.split('.') {
        cur = cur.get(part)?;
    }
    match cur {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

struct Rows<'a> {
    m: &'a Mapping,
    path: &'a Path,
    zone: FixedOffset,
    groups: HashMap<String, GroupSlot>,
    sink: &'a mut dyn Sink,
    noted: bool,
}

impl Rows<'_> {
    fn row(&mut self, no: u64, get: impl Fn(&str) -> Option<String>) -> Result<(), ParseError> {
        let m = self.m;
        let at = || format!("line {no}");
        let need = |key: &str, what: &str| {
            get(key).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                ParseError::new(self.path, format!("no {what} in {key:?}"))
                    .at(at())
                    .hint("every row needs a time and a sender")
            })
        };
        let time_text = need(&m.time, "time")?;
        let (time, assumed) = parse_time(&time_text, m.time_format.as_deref(), self.zone).map_err(|expected| {
            ParseError::new(self.path, format!("{:?} in {:?} is not a time: expected {expected}", time_text, m.time))
                .at(at())
                .hint("set time_format in the mapping (rfc3339, unix, unix_ms or a pattern like %Y-%m-%d %H:%M:%S)")
        })?;
        let sender = need(&m.sender, "sender")?;
        let group_key = match (&m.group, &m.group_value) {
            (Some(col), _) => need(col, "group")?,
            (None, Some(v)) => v.clone(),
            (None, None) => unreachable!("checked when the mapping was read"),
        };
        let platform = m.platform.as_deref().and_then(Platform::parse).unwrap_or(Platform::Generic);
        let slot = match self.groups.get(&group_key) {
            Some(s) => *s,
            None => {
                let slot = self.groups.len() as GroupSlot;
                let name = m
                    .group_name
                    .as_deref()
                    .and_then(&get)
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| group_key.clone());
                self.sink
                    .push(Record::Group(GroupInfo {
                        platform,
                        platform_id: group_key.clone(),
                        name,
                        kind: GroupKind::Group,
                        member_count: None,
                    }))
                    .or_closed(self.path)?;
                self.groups.insert(group_key, slot);
                slot
            }
        };
        if assumed && !self.noted {
            self.noted = true;
            let z = self.zone.to_string();
            self.sink
                .push(Record::Note {
                    group: slot,
                    text: format!("时间按 UTC{z} 读取：文件未注明时区 / times read as UTC{z}: the file states no zone"),
                })
                .or_closed(self.path)?;
        }
        let opt = |k: &Option<String>| k.as_deref().and_then(&get).filter(|v| !v.trim().is_empty());
        let message = Message {
            id: opt(&m.id),
            time,
            sender: Person { platform_id: opt(&m.sender_id), ..Person::named(sender) },
            text: opt(&m.text).unwrap_or_default(),
            kind: MessageKind::Text,
            reply_to: opt(&m.reply_to),
            ..Message::default()
        };
        self.sink.push(Record::Message { group: slot, message }).or_closed(self.path)
    }
}

/// A time by the mapping's format; the bool says the zone was assumed. Err: what was expected.
fn parse_time(s: &str, format: Option<&str>, zone: FixedOffset) -> Result<(Stamp, bool), String> {
    let s = s.trim();
    match format.unwrap_or("rfc3339") {
        "rfc3339" => DateTime::parse_from_rfc3339(s)
            .map(|d| (Stamp::from_datetime(&d), false))
            .map_err(|_| "RFC 3339 like 2024-03-01T20:00:00+08:00".into()),
        "unix" | "unix_ms" => {
            let n: f64 = s.parse().map_err(|_| "a number of seconds (or milliseconds with unix_ms)".to_string())?;
            let ms = if format == Some("unix_ms") { n } else { n * 1000.0 };
            let offset = Stamp::from_unix_ms(ms.round() as i64);
            Ok((Stamp { offset_s: zone.local_minus_utc(), ..offset }, false))
        }
        pattern if pattern.contains("%z") || pattern.contains("%:z") => DateTime::parse_from_str(s, pattern)
            .map(|d| (Stamp::from_datetime(&d), false))
            .map_err(|_| format!("the pattern {pattern}")),
        pattern => NaiveDateTime::parse_from_str(s, pattern)
            .map(|t| (Stamp::from_local_assumed(t, zone), true))
            .map_err(|_| format!("the pattern {pattern}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn parse(mapping: &str, name: &str, body: &str) -> Result<Vec<Record>, ParseError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path).unwrap().write_all(body.as_bytes()).unwrap();
        let f = Mapped { mapping: Mapping::from_toml(mapping, "map.toml").map_err(|e| ParseError::new(&path, e))? };
        let mut out = Vec::new();
        f.parse(&Input::new(&path), &ParseOptions::default(), &mut out)?;
        Ok(out)
    }

    fn messages(r: &[Record]) -> Vec<&Message> {
        r.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
    }

    #[test]
    fn csv_with_header_local_times_and_two_groups() {
        let map = "platform = \"wechat\"\ngroup = \"群\"\ntime = \"时间\"\ntime_format = \"%Y-%m-%d %H:%M:%S\"\nzone = \"+08:00\"\nsender = \"昵称\"\ntext = \"内容\"\nid = \"编号\"\nreply_to = \"回复\"\n";
        let body = "\u{feff}编号,群,时间,昵称,内容,回复\n1,读书会,2024-03-01 20:00:00,Ann,\"今晚几点, 开始？\",\n2,读书会,2024-03-01 20:03:00,Bob,八点,1\n3,跑步群,2024-03-02 07:00:00,Cid,早,\n";
        let r = parse(map, "x.csv", body).unwrap();
        let ms = messages(&r);
        assert_eq!(ms.len(), 3);
        assert_eq!(r.iter().filter(|r| matches!(r, Record::Group(_))).count(), 2);
        assert_eq!(ms[0].text, "今晚几点, 开始？");
        assert_eq!(ms[1].reply_to.as_deref(), Some("1"));
        assert!(ms[0].time.zone_inferred && ms[0].time.offset_s == 8 * 3600);
        assert_eq!(ms[0].time.unix_ms, 1_709_294_400_000, "20:00 at +08:00 is 12:00 UTC");
    }

    #[test]
    fn jsonl_with_nested_fields_and_unix_times() {
        let map = "group_value = \"ops\"\ntime = \"ts\"\ntime_format = \"unix\"\nsender = \"user.name\"\nsender_id = \"user.id\"\ntext = \"body\"\n";
        let body = "{\"ts\":1709294400,\"user\":{\"name\":\"Ann\",\"id\":7},\"body\":\"hi\"}\n\n{\"ts\":1709294460,\"user\":{\"name\":\"Bob\",\"id\":8},\"body\":\"yo\"}\n";
        let r = parse(map, "x.jsonl", body).unwrap();
        let ms = messages(&r);
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].sender.platform_id.as_deref(), Some("7"));
        assert!(!ms[0].time.zone_inferred);
    }

    #[test]
    fn errors_name_the_column_the_line_and_the_format() {
        let map = "group_value = \"g\"\ntime = \"when\"\nsender = \"who\"\n";
        let err = parse(map, "x.csv", "time,who\n2024-03-01T20:00:00Z,Ann\n").unwrap_err();
        assert!(err.message.contains("\"when\"") && err.hint.as_deref().unwrap_or("").contains("time, who"), "{err}");
        let map = "group_value = \"g\"\ntime = \"time\"\nsender = \"who\"\n";
        let err = parse(map, "x.csv", "time,who\n2024-03-01T20:00:00Z,Ann\nyesterday,Bob\n").unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 3"));
        assert!(err.message.contains("yesterday") && err.message.contains("RFC 3339"), "{err}");
        assert!(Mapping::from_toml("time = \"t\"\nsender = \"s\"\n", "m").unwrap_err().contains("group"));
        assert!(Mapping::from_toml("group_value=\"g\"\ntime = \"t\"\nsender = \"s\"\nsendr = \"x\"\n", "m").is_err());
    }

    #[test]
    fn tsv_without_header_by_column_number() {
        let map = "format = \"tsv\"\nheader = false\ngroup = \"1\"\ntime = \"2\"\nsender = \"3\"\ntext = \"4\"\n";
        let r = parse(map, "x.txt", "#a\t2024-03-01T20:00:00Z\tAnn\thello, world\n#a\t2024-03-01T20:01:00Z\tBob\tyo\n")
            .unwrap();
        let ms = messages(&r);
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].text, "hello, world");
    }
}
