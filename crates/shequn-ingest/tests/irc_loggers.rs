//! The real IRC logger files in `../shared/corpus/irc-loggers/`: which format claims each,
//! and what each file holds, against counts taken from the files' lines here (regexes over
//! the raw text), never from shequn's own output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;
use shequn_ingest::{by_name, detect, Format, Input, ParseError, ParseOptions, Probe};
use shequn_model::{EventKind, GroupInfo, Message, Record, SystemEvent};

/// Every file under `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn sniff(path: &Path) -> Option<&'static dyn Format> {
    let (entries, head) = Input::probe_data(path).unwrap();
    detect(&Probe { path, dir_entries: &entries, head: &head })
}

fn parse_with(format: &dyn Format, path: &Path) -> Result<Vec<Record>, ParseError> {
    let mut out = Vec::new();
    format.parse(&Input::new(path), &ParseOptions::default(), &mut out)?;
    Ok(out)
}

/// Sniffs and parses; the second parse must give the same records.
fn parse(path: &Path) -> (&'static str, Vec<Record>) {
    let format = sniff(path).unwrap_or_else(|| panic!("no format claims {}", path.display()));
    let recs = parse_with(format, path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(recs, parse_with(format, path).unwrap(), "a second parse of {} differs", path.display());
    (format.name(), recs)
}

fn group(recs: &[Record]) -> &GroupInfo {
    let groups: Vec<&GroupInfo> =
        recs.iter().filter_map(|r| if let Record::Group(g) = r { Some(g) } else { None }).collect();
    assert_eq!(groups.len(), 1);
    groups[0]
}

fn messages(recs: &[Record]) -> Vec<&Message> {
    recs.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
}

fn events(recs: &[Record]) -> Vec<&SystemEvent> {
    recs.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}

fn count(recs: &[Record], kind: EventKind) -> usize {
    events(recs).iter().filter(|e| e.kind == kind).count()
}

fn senders(recs: &[Record]) -> BTreeSet<String> {
    messages(recs).iter().map(|m| m.sender.name.clone()).collect()
}

/// The file's lines, each decoded on its own (UTF-8, else Latin-1 as a count needs no more).
fn lines(path: &Path) -> Vec<String> {
    std::fs::read(path)
        .unwrap()
        .split(|&b| b == b'\n')
        .map(|l| match std::str::from_utf8(l) {
            Ok(s) => s.trim_end_matches('\r').to_string(),
            Err(_) => l.iter().map(|&b| b as char).collect(),
        })
        .collect()
}

fn matching(lines: &[String], re: &str) -> usize {
    let re = Regex::new(re).unwrap();
    lines.iter().filter(|l| re.is_match(l)).count()
}

/// Nicks written in message and action lines: capture group 1 of either pattern.
fn nicks(lines: &[String], patterns: &[&str]) -> BTreeSet<String> {
    let res: Vec<Regex> = patterns.iter().map(|p| Regex::new(p).unwrap()).collect();
    lines.iter().filter_map(|l| res.iter().find_map(|re| re.captures(l)).map(|c| c[1].to_string())).collect()
}

fn folder_format(rel: &Path) -> Option<&'static str> {
    let s = rel.to_string_lossy();
    let name = rel.file_name()?.to_str()?;
    if name == "SOURCE.md" {
        return None;
    }
    Some(if s.starts_with("supybot-limnoria/") || name.starts_with("2005-") {
        // The two 2005 files are ChannelLogger's layout (see dircproxy/SOURCE.md).
        "limnoria"
    } else if s.starts_with("dircproxy/") {
        "dircproxy"
    } else if s.starts_with("eggdrop/") {
        "eggdrop"
    } else if s.starts_with("irclogs-ubuntu/") {
        "irc"
    } else {
        panic!("unexpected file {s}")
    })
}

const LOGGERS: &[&str] =
    &["limnoria", "eggdrop", "dircproxy", "irssi", "weechat", "hexchat", "znc", "energymech", "mirc", "thelounge"];

#[test]
fn each_sample_is_claimed_by_its_own_logger() {
    let dir = shequn_corpus::require!("irc-loggers");
    let mut checked = 0;
    for path in files(&dir) {
        let rel = path.strip_prefix(&dir).unwrap();
        let got = sniff(&path).map(|f| f.name());
        match folder_format(rel) {
            Some(want) => {
                assert_eq!(got, Some(want), "{}", rel.display());
                checked += 1;
            }
            None => assert!(!got.is_some_and(|g| LOGGERS.contains(&g)), "{} claimed by {got:?}", rel.display()),
        }
    }
    assert_eq!(checked, 6 + 5 + 8 + 9);
}

#[test]
fn no_other_sample_in_the_corpus_is_claimed_by_a_logger() {
    let dir = shequn_corpus::require!("irc-loggers");
    let corpus = dir.parent().unwrap();
    let mut seen = 0;
    for top in std::fs::read_dir(corpus).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
        if top.file_name().is_some_and(|n| n == "irc-loggers") {
            continue;
        }
        for path in files(&top) {
            seen += 1;
            if let Some(f) = sniff(&path) {
                assert!(!LOGGERS.contains(&f.name()), "{} is claimed by {}", path.display(), f.name());
            }
        }
    }
    assert!(seen > 0);
}

#[test]
fn limnoria_files_import_and_the_broken_ones_name_their_line() {
    let dir = shequn_corpus::require!("irc-loggers/supybot-limnoria");
    let stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\+\d{4})?  ";
    for name in ["supybot_2012_10_17.log", "supybot_2012_10_18.log", "supybot_valid.log", "supybot_date_without_tz.log"]
    {
        let path = dir.join(name);
        let (format, recs) = parse(&path);
        assert_eq!(format, "limnoria");
        let ls = lines(&path);
        // `<nick> text` with text (the empty `<benpol>` is skipped), the escaped `<joao&gt; …`, and actions.
        let said = matching(&ls, &format!(r"{stamp}<[^\s>]+?(>|&gt;) *\S"));
        // Actions: `* nick act`, and in this file also `*nick act` (a bare `*TV_` says nothing).
        let acted = matching(&ls, &format!(r"{stamp}\* ?[^\s*]+ \S"));
        assert_eq!(messages(&recs).len(), said + acted, "{name}");
        assert_eq!(count(&recs, EventKind::Join), matching(&ls, &format!(r"{stamp}\*\*\* .* has joined #")), "{name}");
        assert_eq!(
            count(&recs, EventKind::Leave),
            matching(&ls, &format!(r"{stamp}\*\*\* \S+ has quit IRC")),
            "{name}"
        );
        assert_eq!(
            count(&recs, EventKind::NickChange),
            matching(&ls, &format!(r"{stamp}\*\*\* \S+ is now known as \S+$")),
            "{name}"
        );
        assert_eq!(events(&recs).len(), matching(&ls, &format!(r"{stamp}\*\*\* ")), "{name}");
        let members =
            nicks(&ls, &[&format!(r"{stamp}<([^\s>&]+)(?:>|&gt;) *\S"), &format!(r"{stamp}\* ?([^\s*]+) \S")]);
        assert_eq!(senders(&recs), members, "{name}");
        let inferred = name == "supybot_date_without_tz.log";
        assert!(messages(&recs).iter().all(|m| m.time.zone_inferred == inferred), "{name}");
        assert_eq!(recs.iter().any(|r| matches!(r, Record::Note { text, .. } if text.contains("UTC+00:00"))), inferred);
        let want = if inferred { "#rit-foss" } else { "#ceph" };
        assert_eq!(group(&recs).platform_id, want, "{name}");
    }
    let first = messages(&parse(&dir.join("supybot_2012_10_17.log")).1)[0].clone();
    assert_eq!((first.sender.name.as_str(), first.time.to_rfc3339().as_str()), ("benpol", "2012-10-17T09:16:21+00:00"));

    // Deliberately broken (perceval expects a parse error): a damaged timestamp
    // (`09:16:51 0000`) and a line with no `<nick>` around the nick (`Tv_ http://…`).
    for (name, bad) in
        [("supybot_invalid_date.log", "2012-10-17T09:16:51 0000"), ("supybot_invalid_msg.log", "Tv_ http")]
    {
        let path = dir.join(name);
        let ls = lines(&path);
        let line_no = ls.iter().position(|l| l.contains(bad)).unwrap() + 1;
        let format = sniff(&path).unwrap();
        assert_eq!(format.name(), "limnoria", "{name}: most of its lines are ChannelLogger's");
        let err = parse_with(format, &path).unwrap_err();
        assert_eq!(err.location, Some(format!("line {line_no}")), "{err}");
        assert!(err.message.contains(bad) && err.message.contains("expected"), "{err}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn format_irc_reads_a_logger_file_through_the_logger() {
    let path = shequn_corpus::require!("irc-loggers/supybot-limnoria/supybot_2012_10_17.log");
    let via_irc = parse_with(by_name("irc").unwrap(), &path).unwrap();
    assert_eq!(via_irc, parse(&path).1);
}

#[test]
fn dircproxy_and_iso_style_files() {
    let dir = shequn_corpus::require!("irc-loggers/dircproxy");
    let mut ids = BTreeSet::new();
    for name in ["2009-01-14-dircproxy.log", "2009-01-15-dircproxy.log", "2009-01-16-dircproxy.log"] {
        let path = dir.join(name);
        let (format, recs) = parse(&path);
        assert_eq!(format, "dircproxy");
        let ls = lines(&path);
        let stamp = r"^\[\d\d? [A-Z][a-z]{2} \d\d:\d\d\] ";
        // `<nick!user@host> +text` with text after the +/- marker, and `* nick action`.
        let said = matching(&ls, &format!(r"{stamp}<[^>]+> (?:[+-]\s*\S|[^+\-\s])"));
        let acted = matching(&ls, &format!(r"{stamp}\* \S+ \S"));
        assert_eq!(messages(&recs).len(), said + acted, "{name}");
        assert_eq!(
            count(&recs, EventKind::Join),
            matching(&ls, &format!(r"{stamp}--> .* joined the channel$")),
            "{name}"
        );
        let members =
            nicks(&ls, &[&format!(r"{stamp}<([^!>]+)[^>]*> (?:[+-]\s*\S|[^+\-\s])"), &format!(r"{stamp}\* (\S+) \S")]);
        assert_eq!(senders(&recs), members, "{name}");
        // The year is the file name's; the day and month are the line's.
        let day = &name[..10];
        assert!(messages(&recs).iter().all(|m| m.time.to_rfc3339().starts_with(day)), "{name}");
        assert!(messages(&recs).iter().all(|m| !m.text.starts_with(['+', '-'])), "{name}: the marker is not text");
        ids.insert(group(&recs).platform_id.clone());
    }
    assert_eq!(ids.len(), 1, "one group for the three days: {ids:?}");

    let mut ids = BTreeSet::new();
    for name in ["2005-01-08-test1.log", "2005-01-09-test2.log"] {
        let path = dir.join(name);
        let (format, recs) = parse(&path);
        assert_eq!(format, "limnoria");
        let ls = lines(&path);
        let stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d  ";
        let said = matching(&ls, &format!(r"{stamp}<[^\s>]+> *\S"));
        let acted = matching(&ls, &format!(r"{stamp}\* \S+ \S"));
        assert_eq!(messages(&recs).len(), said + acted, "{name}");
        assert_eq!(events(&recs).len(), matching(&ls, &format!(r"{stamp}\*\*\* ")), "{name}");
        assert_eq!(count(&recs, EventKind::NickChange), matching(&ls, "is now known as"), "{name}");
        ids.insert(group(&recs).platform_id.clone());
    }
    // `#pov` and `#PoV` are one channel: IRC names ignore case.
    assert_eq!(ids, BTreeSet::from(["#pov".to_string()]));
}

#[test]
fn eggdrop_days_with_latin1_lines() {
    let dir = shequn_corpus::require!("irc-loggers/eggdrop");
    let mut ids = BTreeSet::new();
    let mut total = 0;
    for path in files(&dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "log")) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (format, recs) = parse(&path);
        assert_eq!(format, "eggdrop");
        let ls = lines(&path);
        let stamp = r"^\[\d\d:\d\d:\d\d\] ";
        let said = matching(&ls, &format!(r"{stamp}<[^\s>]+> *\S"));
        let acted = matching(&ls, &format!(r"{stamp}Action: \S+ \S"));
        assert_eq!(messages(&recs).len(), said + acted, "{name}");
        total += said + acted;
        assert_eq!(count(&recs, EventKind::Join), matching(&ls, &format!(r"{stamp}\S+ \(\S+\) joined ##slackware\.$")));
        let quits = matching(&ls, &format!(r"{stamp}\S+ \(\S+\) left irc:"));
        let parts = matching(&ls, &format!(r"{stamp}\S+ \(\S+\) left ##slackware"));
        assert_eq!(count(&recs, EventKind::Leave), quits + parts, "{name}");
        assert_eq!(count(&recs, EventKind::NickChange), matching(&ls, &format!(r"{stamp}Nick change: ")), "{name}");
        let splits =
            matching(&ls, &format!(r"{stamp}\S+ \(\S+\) (got netsplit|got lost in the net-split|returned to)"));
        assert_eq!(count(&recs, EventKind::Other), splits, "{name}");
        let members = nicks(&ls, &[&format!(r"{stamp}<([^\s>]+)> *\S"), &format!(r"{stamp}Action: (\S+) \S")]);
        assert_eq!(senders(&recs), members, "{name}");
        // The day is the file name's; where the clock turns back to 00:00:00 (a line or two, then
        // the `--- Mon Jan  7 2013` marker) it is the next day.
        let day = chrono::NaiveDate::parse_from_str(&name[10..18], "%Y%m%d").unwrap();
        let message_line = Regex::new(&format!(r"{stamp}(<[^\s>]+> *\S|Action: \S+ \S)")).unwrap();
        let (mut last, mut turned) = (String::new(), false);
        let mut want = Vec::new();
        for l in &ls {
            let t = l.get(1..9).unwrap_or("").to_string();
            turned |= t < last;
            last = t;
            if message_line.is_match(l) {
                want.push(format!("{}T{}", if turned { day.succ_opt().unwrap() } else { day }, &l[1..9]));
            }
        }
        let got: Vec<String> = messages(&recs).iter().map(|m| m.time.to_rfc3339()[..19].to_string()).collect();
        assert_eq!(got, want, "{name}");
        let not_utf8 =
            std::fs::read(&path).unwrap().split(|&b| b == b'\n').filter(|l| std::str::from_utf8(l).is_err()).count();
        let note = recs.iter().find_map(|r| match r {
            Record::Note { text, .. } if text.contains("Windows-1252") => Some(text.clone()),
            _ => None,
        });
        assert_eq!(
            note.map(|t| t.split(' ').next().unwrap().to_string()),
            (not_utf8 > 0).then(|| not_utf8.to_string()),
            "{name}"
        );
        ids.insert(group(&recs).platform_id.clone());
    }
    assert_eq!(ids, BTreeSet::from(["##slackware".to_string()]));
    assert!(total > 10_000, "{total}");
    // `bonne ann\xe9e` read as Latin-1.
    let (_, recs) = parse(&dir.join("slackware.20130101.log"));
    assert!(messages(&recs).iter().any(|m| m.text == "bonne année to you too,shonudo"));
}

#[test]
fn irclogs_ubuntu_days_take_their_date_from_the_folders() {
    let dir = shequn_corpus::require!("irc-loggers/irclogs-ubuntu");
    for path in files(&dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "txt")) {
        let rel = path.strip_prefix(&dir).unwrap().to_string_lossy().to_string();
        let (format, recs) = parse(&path);
        assert_eq!(format, "irc", "{rel}");
        let ls = lines(&path);
        let said = matching(&ls, r"^\[\d\d:\d\d\] <[^\s>]+> *\S");
        let acted = matching(&ls, r"^\[\d\d:\d\d\]  \* \S+ \S");
        assert_eq!(messages(&recs).len(), said + acted, "{rel}");
        assert_eq!(count(&recs, EventKind::NickChange), matching(&ls, r"^=== \S+ is now known as \S+$"), "{rel}");
        assert_eq!(count(&recs, EventKind::Topic), matching(&ls, r"^=== \S+ changed the topic of "), "{rel}");
        let members = nicks(&ls, &[r"^\[\d\d:\d\d\] <([^\s>]+)> *\S", r"^\[\d\d:\d\d\]  \* (\S+) \S"]);
        let got = senders(&recs);
        // Bridges unwrap to the person they relay; none here, so the senders are the nicks.
        assert_eq!(got, members, "{rel}");
        let channel = path.file_stem().unwrap().to_string_lossy().to_string();
        assert_eq!(group(&recs).platform_id, channel, "{rel}");
        let day = rel[..10].replace('/', "-");
        assert!(messages(&recs).iter().all(|m| m.time.to_rfc3339().starts_with(&day)), "{rel}");
        assert!(messages(&recs).iter().all(|m| m.time.zone_inferred));
    }
}

#[test]
fn eight_eggdrop_days_are_one_group_in_the_archive() {
    let dir = shequn_corpus::require!("irc-loggers/eggdrop");
    let mut archive = shequn_archive::Archive::open_in_memory().unwrap();
    let (mut said, mut people) = (0u64, BTreeSet::new());
    let stamp = r"^\[\d\d:\d\d:\d\d\] ";
    for path in files(&dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "log")) {
        let ls = lines(&path);
        said += (matching(&ls, &format!(r"{stamp}<[^\s>]+> *\S")) + matching(&ls, &format!(r"{stamp}Action: \S+ \S")))
            as u64;
        people.extend(nicks(&ls, &[&format!(r"{stamp}<([^\s>]+)> *\S"), &format!(r"{stamp}Action: (\S+) \S")]));
        let (_, recs) = parse(&path);
        let mut file = archive.begin_file().unwrap();
        for r in &recs {
            file.apply_ref(r).unwrap();
        }
        file.commit().unwrap();
    }
    let groups = archive.groups().unwrap();
    assert_eq!(groups.len(), 1, "{:?}", groups.iter().map(|g| &g.platform_id).collect::<Vec<_>>());
    assert_eq!((groups[0].platform.as_str(), groups[0].platform_id.as_str()), ("irc", "##slackware"));
    // Identical lines in one second are kept apart by the content key's occurrence count.
    assert_eq!(groups[0].messages, said);
    assert_eq!(groups[0].speakers, people.len() as u64);
}
