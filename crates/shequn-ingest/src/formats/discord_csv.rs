//! DiscordChatExporter's CSV (`AuthorID,Author,Date,Content,Attachments,Reactions`, every
//! field quoted, `""` inside; Tyrrrz/DiscordChatExporter `Exporting/CsvMessageWriter.cs`).
//!
//! The CSV names no channel and no message ids, and writes each date with
//! `ExportContext.FormatDate`: the exporting machine's culture (`g`: `1/6/2023 3:04 PM`,
//! `06/01/2023 15:04`, `06.01.2023 15:04`; older versions `06-Jan-23 03:04 PM`) in its local
//! zone, with no offset. So: the channel is read from DCE's file name (`Guild - Category -
//! channel [id].csv`, the id and name the JSON export gives the same channel), dates are read
//! as written in the assumed zone (flagged inferred) with the day/month order that reads every
//! date of the file (a first pass over the file decides it), messages are keyed by content.
//! System messages are rows whose content is DCE's fallback text (`Joined the server.`).

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use regex::Regex;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use super::discord::kind_of_file;
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt, TextLines};

pub struct DiscordCsv;

const HEADERS: &[&str] = &[
    "AuthorID,Author,Date,Content,Attachments,Reactions",
    "Author,Date,Content,Attachments,Reactions",
    "Author,Date,Content,Attachments",
];

impl Format for DiscordCsv {
    fn name(&self) -> &'static str {
        "discord-csv"
    }

    fn description(&self) -> &'static str {
        "DiscordChatExporter CSV (AuthorID,Author,Date,Content,Attachments,Reactions; one channel per file)"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let first = head.lines().next().unwrap_or("").trim_end_matches('\r');
        if HEADERS.contains(&first) {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let zone = opts.zone_or_local();
        // First pass: the dates' day/month order.
        let mut shapes = Vec::new();
        read_rows(input, |no, row, cols| {
            let date = &row[cols.date];
            match parse_date(date) {
                Some(d) => shapes.push(d),
                None => return Err(date_error(path, no, date)),
            }
            Ok(())
        })?;
        let order = decide_order(&shapes);
        drop(shapes);

        let channel = Channel::from_file(path);
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Discord,
            platform_id: channel.id.clone(),
            name: channel.name.clone(),
            kind: channel.kind,
            member_count: None,
        }))
        .or_closed(path)?;
        let order_note = match order {
            Order::Ymd => "year-month-day".to_string(),
            Order::Dmy => "day/month/year".to_string(),
            Order::Mdy => "month/day/year".to_string(),
        };
        let note = format!(
            "DiscordChatExporter CSV writes dates in the exporting computer's locale and zone without an offset: \
             read as {order_note} in UTC{zone}; the CSV has no message ids, so a JSON export of the same channel \
             is not matched message by message"
        );
        sink.push(Record::Note { group: 0, text: note }).or_closed(path)?;
        if !channel.id_from_name {
            let text = "the file name carries no [channel id]: the channel is keyed by its file name".to_string();
            sink.push(Record::Note { group: 0, text }).or_closed(path)?;
        }
        read_rows(input, |no, row, cols| {
            let date = parse_date(&row[cols.date]).ok_or_else(|| date_error(path, no, &row[cols.date]))?;
            let time = date.stamp(order, zone).ok_or_else(|| date_error(path, no, &row[cols.date]))?;
            let author = match cols.author_id {
                Some(i) => Person::with_id(row[i].clone(), row[cols.author].clone()),
                None => Person::named(row[cols.author].clone()),
            };
            let content = row[cols.content].clone();
            let attachments = &row[cols.attachments];
            let record = row_record(time, author, content, attachments);
            sink.push(record).or_closed(path)
        })?;
        Ok(())
    }
}

/// Which field is which: older exports have no `AuthorID`.
#[derive(Clone, Copy)]
struct Columns {
    author_id: Option<usize>,
    author: usize,
    date: usize,
    content: usize,
    attachments: usize,
    count: usize,
}

fn date_error(path: &Path, no: u64, seen: &str) -> ParseError {
    ParseError::new(path, format!("expected a date such as 1/6/2023 3:04 PM or 06.01.2023 15:04, saw {seen:?}"))
        .at(format!("line {no}"))
}

/// Streams the CSV's rows (a quoted field may hold line breaks) after checking its header.
fn read_rows(
    input: &Input,
    mut each: impl FnMut(u64, &[String], Columns) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    let path = &input.path;
    let mut lines: TextLines<_> = input.lines()?;
    let header = lines.next_line()?.map(|(_, l)| l.to_string()).unwrap_or_default();
    let cols = match HEADERS.iter().position(|h| *h == header) {
        Some(0) => Columns { author_id: Some(0), author: 1, date: 2, content: 3, attachments: 4, count: 6 },
        Some(1) => Columns { author_id: None, author: 0, date: 1, content: 2, attachments: 3, count: 5 },
        Some(_) => Columns { author_id: None, author: 0, date: 1, content: 2, attachments: 3, count: 4 },
        None => {
            return Err(ParseError::new(
                path,
                format!("expected the header {:?}, saw {:?}", HEADERS[0], header.chars().take(60).collect::<String>()),
            )
            .at("line 1")
            .hint("this is not a DiscordChatExporter CSV; check --format"))
        }
    };
    let mut record = String::new();
    let mut start = 0;
    while let Some((no, line)) = lines.next_line()? {
        if record.is_empty() {
            if line.is_empty() {
                continue;
            }
            start = no;
        } else {
            record.push('\n');
        }
        record.push_str(line);
        if record.matches('"').count() % 2 == 1 {
            continue; // a quoted field goes on
        }
        let row = split_row(&record);
        if row.len() != cols.count {
            return Err(ParseError::new(
                path,
                format!("expected {} fields ({}), saw {}", cols.count, HEADERS[0], row.len()),
            )
            .at(format!("line {start}")));
        }
        each(start, &row, cols)?;
        record.clear();
    }
    if !record.is_empty() {
        return Err(
            ParseError::new(path, "the file ends inside a quoted field (truncated?)").at(format!("line {start}"))
        );
    }
    Ok(())
}

/// One CSV record's fields, `""` unescaped.
fn split_row(record: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = record.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn row_record(time: Stamp, author: Person, content: String, attachments: &str) -> Record {
    let event = |kind: EventKind, content: &str| SystemEvent::new(time, kind, content);
    let added = content.strip_prefix("Added ").and_then(|r| r.strip_suffix(" to the group."));
    let removed = content.strip_prefix("Removed ").and_then(|r| r.strip_suffix(" from the group."));
    let e = match content.as_str() {
        "Joined the server." => {
            let mut e = event(EventKind::Join, &content);
            e.subjects.push(author.clone());
            Some(e)
        }
        "Left the group." => {
            let mut e = event(EventKind::Leave, &content);
            e.subjects.push(author.clone());
            Some(e)
        }
        "Pinned a message." => {
            let mut e = event(EventKind::Pin, &content);
            e.actor = Some(author.clone());
            Some(e)
        }
        "Started a thread." | "Changed the channel icon." | "Added a recipient." | "Removed a recipient." => {
            let mut e = event(EventKind::Other, &content);
            e.actor = Some(author.clone());
            Some(e)
        }
        _ if added.is_some() || removed.is_some() => {
            let mut e = event(if added.is_some() { EventKind::Join } else { EventKind::Kick }, &content);
            e.subjects.push(Person::named(added.or(removed).unwrap_or("").trim_start_matches('@')));
            e.actor = Some(author.clone());
            Some(e)
        }
        _ if content.starts_with("Changed the channel name") => {
            let mut e = event(EventKind::Rename, &content);
            e.detail = content.split_once(": ").map(|(_, n)| n.to_string());
            e.actor = Some(author.clone());
            Some(e)
        }
        _ => None,
    };
    if let Some(event) = e {
        return Record::Event { group: 0, event };
    }
    let first = attachments.split(',').map(str::trim).find(|a| !a.is_empty());
    let kind = if content.starts_with("Started a call") {
        MessageKind::Call
    } else {
        first.map_or(MessageKind::Text, kind_of_file)
    };
    Record::Message { group: 0, message: Message { time, sender: author, text: content, kind, ..Message::default() } }
}

/// The channel as DCE's default file name gives it: `%G - %T - %C [%c]` (guild, category,
/// channel, channel id), with ` [part N]` when split.
pub(crate) struct Channel {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: GroupKind,
    pub(crate) id_from_name: bool,
}

impl Channel {
    pub(crate) fn from_file(path: &Path) -> Channel {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("discord");
        let mut rest = stem.trim();
        if let Some(at) = rest.rfind(" [part ") {
            rest = rest[..at].trim_end();
        }
        let id = rest
            .strip_suffix(']')
            .and_then(|r| r.rsplit_once(" ["))
            .filter(|(_, id)| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()));
        let (title, id, id_from_name) = match id {
            Some((title, id)) => (title, id.to_string(), true),
            None => (rest, stem.to_string(), false),
        };
        let parts: Vec<&str> = title.split(" - ").collect();
        let (name, kind) = match parts.as_slice() {
            ["Direct Messages", rest @ ..] => {
                let who = rest.join(" - ");
                let kind = if who.contains(", ") { GroupKind::Group } else { GroupKind::Direct };
                (who, kind)
            }
            [guild, .., channel] => (format!("{guild} / {channel}"), GroupKind::Channel),
            _ => (title.to_string(), GroupKind::Channel),
        };
        Channel { id, name, kind, id_from_name }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Order {
    Ymd,
    Dmy,
    Mdy,
}

/// A date as written: an RFC 3339 instant, or numbers whose order the file decides.
#[derive(Debug, Clone, Copy)]
enum Written {
    Instant(DateTime<FixedOffset>),
    Local { parts: [u32; 3], month_named: bool, hms: (u32, u32, u32), pm: Option<bool> },
}

fn date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^(\d{1,4})[./-] ?(\d{1,2}|[A-Za-z]{3})[./-] ?(\d{2,4})\.?,?[ T\x{A0}]+",
            r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:[ \x{A0}\x{202F}]*([AaPp])\.? ?[Mm]\.?)?$"
        ))
        .expect("valid regex")
    })
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn parse_date(s: &str) -> Option<Written> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(Written::Instant(d));
    }
    let c = date_re().captures(s)?;
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let month_name = c[2].to_ascii_lowercase();
    let (middle, month_named) = match n(2) {
        Some(m) => (m, false),
        None => (MONTHS.iter().position(|m| *m == month_name)? as u32 + 1, true),
    };
    let pm = c.get(7).map(|m| m.as_str().eq_ignore_ascii_case("p"));
    Some(Written::Local { parts: [n(1)?, middle, n(3)?], month_named, hms: (n(4)?, n(5)?, n(6).unwrap_or(0)), pm })
}

impl Written {
    fn local(&self, order: Order) -> Option<NaiveDateTime> {
        let Written::Local { parts: p, month_named, hms: (h, m, s), pm } = *self else { return None };
        let (y, mo, d) = match (order, month_named || p[0] > 31) {
            (_, true) if p[0] > 31 => (p[0], p[1], p[2]),
            (_, true) => (p[2], p[1], p[0]),
            (Order::Ymd, _) => (p[0], p[1], p[2]),
            (Order::Dmy, _) => (p[2], p[1], p[0]),
            (Order::Mdy, _) => (p[2], p[0], p[1]),
        };
        let y = if y < 100 { 2000 + y } else { y };
        let h = match pm {
            Some(true) if h < 12 => h + 12,
            Some(false) if h == 12 => 0,
            _ => h,
        };
        NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_opt(h, m, s)
    }

    fn stamp(&self, order: Order, zone: FixedOffset) -> Option<Stamp> {
        match self {
            Written::Instant(d) => Some(Stamp::from_datetime(d)),
            Written::Local { .. } => self.local(order).map(|l| Stamp::from_local_assumed(l, zone)),
        }
    }
}

/// The order that reads every date: month first where a 12-hour clock is used (en-US),
/// day first otherwise, the other when the preferred one fails on some date.
fn decide_order(dates: &[Written]) -> Order {
    let twelve_hour = dates.iter().any(|d| matches!(d, Written::Local { pm: Some(_), .. }));
    let prefs = if twelve_hour { [Order::Mdy, Order::Dmy] } else { [Order::Dmy, Order::Mdy] };
    if dates
        .iter()
        .all(|d| matches!(d, Written::Local { parts, .. } if parts[0] > 31) || matches!(d, Written::Instant(_)))
    {
        return Order::Ymd;
    }
    prefs
        .into_iter()
        .find(|o| dates.iter().all(|d| d.stamp(*o, FixedOffset::east_opt(0).expect("utc")).is_some()))
        .unwrap_or(prefs[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_the_channel() {
        let c = Channel::from_file(Path::new("Example guild - Text Channels - general [1012224565567721552].csv"));
        assert_eq!(
            (c.id.as_str(), c.name.as_str(), c.kind),
            ("1012224565567721552", "Example guild / general", GroupKind::Channel)
        );
        let c = Channel::from_file(Path::new("x/Test - Text - general [100] [part 2].csv"));
        assert_eq!((c.id.as_str(), c.name.as_str()), ("100", "Test / general"));
        let c = Channel::from_file(Path::new("Direct Messages - Alice Smith [DM001].csv"));
        assert_eq!((c.name.as_str(), c.kind), ("Alice Smith", GroupKind::Direct));
        assert!(!Channel::from_file(Path::new("export.csv")).id_from_name);
    }

    #[test]
    fn dates_in_several_cultures() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let local = |s: &str, o: Order| parse_date(s).unwrap().local(o).unwrap().to_string();
        assert_eq!(local("1/6/2023 3:04 PM", Order::Mdy), "2023-01-06 15:04:00");
        assert_eq!(local("06/01/2023 15:04", Order::Dmy), "2023-01-06 15:04:00");
        assert_eq!(local("06.01.2023 15:04", Order::Dmy), "2023-01-06 15:04:00");
        assert_eq!(local("06-Jan-23 03:04 PM", Order::Mdy), "2023-01-06 15:04:00");
        assert_eq!(local("2023-01-06 15:04", Order::Dmy), "2023-01-06 15:04:00");
        let s = parse_date("2023-01-06T15:04:05+01:00").unwrap().stamp(Order::Dmy, utc).unwrap();
        assert!(!s.zone_inferred);
        let dates: Vec<Written> =
            ["12/6/2023 3:04 PM", "1/13/2023 3:04 PM"].iter().map(|d| parse_date(d).unwrap()).collect();
        assert_eq!(decide_order(&dates), Order::Mdy);
        let dates: Vec<Written> =
            ["13/01/2023 15:04", "01/02/2023 15:04"].iter().map(|d| parse_date(d).unwrap()).collect();
        assert_eq!(decide_order(&dates), Order::Dmy);
        let dates: Vec<Written> = ["01/13/2023 15:04"].iter().map(|d| parse_date(d).unwrap()).collect();
        assert_eq!(decide_order(&dates), Order::Mdy);
    }

    #[test]
    fn rows_split_with_quotes() {
        assert_eq!(split_row(r#""1","a ""b"", c","x""#), vec!["1", "a \"b\", c", "x"]);
    }
}
