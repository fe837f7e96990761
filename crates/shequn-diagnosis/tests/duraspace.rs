//! Real data: #duraspace (2009–2018), read straight from the HTML day logs with a
//! tiny converter (messages only), diagnosed as of several dates.

use std::path::Path;

use shequn_diagnosis::{diagnose, Settings, Status};
use shequn_model::{Timeline, TimelineBuilder};

/// Parses `<span class="irc-date">[H:MM]</span> <span class="irc-COLOR">&lt;nick&gt; text</span><br />`.
fn load(dir: &Path) -> Timeline {
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut b = TimelineBuilder::new("#duraspace");
    let mut nicks: std::collections::HashMap<String, u32> = Default::default();
    for f in files {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let Ok(date) = chrono::NaiveDate::parse_from_str(&name, "%Y-%m-%d") else { continue };
        let day_ms = date.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis();
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        let mut last = day_ms;
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("<span class=\"irc-date\">[") else { continue };
            let Some((hm, rest)) = rest.split_once("]</span>") else { continue };
            let Some((h, m)) = hm.split_once(':') else { continue };
            let (Ok(h), Ok(m)) = (h.parse::<i64>(), m.parse::<i64>()) else { continue };
            let Some(body) = rest.split_once("\">").map(|x| x.1) else { continue };
            let Some(body) = body.strip_prefix("&lt;") else { continue };
            let Some((mut nick, mut said)) = body.split_once("&gt; ") else { continue };
            // The Slack bridge relays people: `<DSpaceSlackBot> <tdonohue> text`.
            if nick == "DSpaceSlackBot" {
                if let Some((inner, rest)) = said.strip_prefix("&lt;").and_then(|x| x.split_once("&gt; ")) {
                    (nick, said) = (inner, rest);
                }
            }
            let said = said.trim_end_matches("<br />").trim_end_matches("</span>");
            let at = (day_ms + (h * 60 + m) * 60_000).max(last);
            last = at;
            let ix = match nicks.get(nick) {
                Some(&ix) => ix,
                None => {
                    let ix = b.member(nick);
                    nicks.insert(nick.to_string(), ix);
                    ix
                }
            };
            b.message(at, ix, said);
        }
    }
    b.build()
}

fn ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
}

#[test]
fn duraspace_alive_in_2011_dead_after_its_last_month() {
    let dir = shequn_corpus::require!("duraspace-irc/original-logs");
    let t = load(&dir);
    assert!(t.messages.len() > 50_000, "parsed {} messages", t.messages.len());
    // kompewter posts link titles: a bot by configuration.
    let s = Settings { bots: vec!["kompewter".into(), "DuraLogBot".into()], ..Settings::default() };
    for month in 1..=12 {
        let at = ms(&format!("2011-{month:02}-28T00:00:00Z"));
        let d = diagnose(&t, &[], &[], &s, at);
        assert!(d.status.is_living(), "2011-{month:02}: {:?} {}", d.status, d.evidence.reason_en);
        assert!(d.key_people.people.len() >= 2);
    }
    let last = t.last_ms().unwrap();
    let d = diagnose(&t, &[], &[], &s, last + 31 * 86_400_000);
    assert_eq!(d.status, Status::Dead, "{}", d.evidence.reason_en);
    assert!(d.lifespan.days.unwrap() > 3000);
    // Status follows the monthly activity: print it for the note.
    for year in 2009..=2018 {
        let at = ms(&format!("{year}-06-30T00:00:00Z"));
        let at = at.max(t.first_ms().unwrap() + 40 * 86_400_000);
        let d = diagnose(&t, &[], &[], &s, at);
        eprintln!(
            "{year}-06-30 {:?} {:?} days={} recent={} before={} key={}",
            d.status,
            d.stage,
            d.evidence.member_days,
            d.evidence.human_recent,
            d.evidence.human_before,
            d.key_people.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(",")
        );
    }
}
