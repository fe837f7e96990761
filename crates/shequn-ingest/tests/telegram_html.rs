//! Telegram Desktop HTML exports: the page in `../shared/corpus` and a two-page chat
//! written here with the markup Telegram Desktop's exporter writes. Counts come from
//! the markup (tags counted in the test), never from the parser.

use std::path::{Path, PathBuf};

use shequn_ingest::{by_name, detect, Input, ParseOptions, Probe};
use shequn_model::{EventKind, Message, MessageKind, Record, SystemEvent};

fn parse(path: &Path, opts: &ParseOptions) -> Vec<Record> {
    let (entries, head) = Input::probe_data(path).unwrap();
    let format = detect(&Probe { path, dir_entries: &entries, head: &head }).expect("claimed");
    assert_eq!(format.name(), "telegram-html");
    let mut out = Vec::new();
    format.parse(&Input::new(path), opts, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let mut again = Vec::new();
    format.parse(&Input::new(path), opts, &mut again).unwrap();
    assert_eq!(out, again, "parsing twice gives the same records");
    out
}

fn messages(recs: &[Record]) -> Vec<&Message> {
    recs.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
}
fn events(recs: &[Record]) -> Vec<&SystemEvent> {
    recs.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}

#[test]
fn corpus_page() {
    let p = shequn_corpus::require!("export-fixtures/telegram-html/messages.html");
    let html = std::fs::read_to_string(&p).unwrap();
    let utc = ParseOptions { zone: chrono::FixedOffset::east_opt(0) };
    let recs = parse(&p, &utc);
    let defaults = html.matches("<div class=\"message default").count();
    let joined = html.matches("<div class=\"message default clearfix joined\"").count();
    let services = html.matches("<div class=\"message service\" id=\"message").count();
    let separators = html.matches("<div class=\"message service\" id=\"message-").count();
    let msgs = messages(&recs);
    assert_eq!(msgs.len(), defaults);
    assert_eq!(events(&recs).len(), services - separators);
    // Joined messages take the sender named above them.
    assert_eq!(html.matches("<div class=\"from_name\">").count(), defaults - joined);
    assert!(msgs.iter().all(|m| m.sender.name == "Lasse Peters"));
    assert_eq!(msgs[0].id.as_deref(), Some("245235"));
    assert_eq!(msgs[2].text, "Last message! 🎉");
    // This 2020 page has no zone in its titles: read in the given zone and flagged.
    assert_eq!(shequn_model::rfc3339_utc(msgs[0].time.unix_ms), "2020-06-04T14:16:12Z");
    assert!(msgs.iter().all(|m| m.time.zone_inferred));
    assert!(recs.iter().any(|r| matches!(r, Record::Note { .. })));
    let create = events(&recs)[0];
    assert_eq!(create.kind, EventKind::Create);
    assert_eq!(create.detail.as_deref(), Some("Test"));
    let members: Vec<&str> = create.subjects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(members, ["Lasse Peters", "Info"]);
}

const HEAD: &str = r#"<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
  <link href="css/style.css" rel="stylesheet"/>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="page_header">
    <div class="content">
     <div class="text bold">
Rust 中文社区 
     </div>
    </div>
   </div>
   <div class="page_body chat_page">
    <div class="history">
"#;

fn msg(id: u32, joined: bool, title: &str, from: Option<&str>, inner: &str) -> String {
    let class = if joined { "message default clearfix joined" } else { "message default clearfix" };
    let from = from.map(|f| format!("<div class=\"from_name\">\n{f}\n</div>\n")).unwrap_or_default();
    format!(
        "<div class=\"{class}\" id=\"message{id}\">\n<div class=\"body\">\n<div class=\"pull_right date details\" title=\"{title}\">\n12:00\n</div>\n{from}{inner}</div>\n</div>\n"
    )
}

fn service(id: i64, text: &str) -> String {
    format!(
        "<div class=\"message service\" id=\"message{id}\">\n<div class=\"body details\">\n{text}\n</div>\n</div>\n"
    )
}

fn write_chat(dir: &Path) -> (PathBuf, PathBuf) {
    let one = [
        HEAD.to_string(),
        service(-1, "1 March 2024"),
        service(10, "Ann invited Bo and Cy"),
        msg(11, false, "01.03.2024 12:00:05 UTC+08:00", Some("Ann"), "<div class=\"text\">\n大家好 &lt;3<br>第二行\n</div>\n"),
        msg(12, true, "01.03.2024 12:01:00 UTC+08:00", None, "<div class=\"media_wrap clearfix\">\n<a class=\"photo_wrap clearfix pull_left\" href=\"photos/p.jpg\">\n<img class=\"photo\" src=\"photos/p_thumb.jpg\"/>\n</a>\n</div>\n"),
        msg(13, false, "01.03.2024 12:02:00 UTC+08:00", Some("Bo via @helper_bot"), "<div class=\"reply_to details\">\nIn reply to <a href=\"#go_to_message11\" onclick=\"return GoToMessage(11)\">this message</a>\n</div>\n<div class=\"text\">\nhi Ann\n</div>\n"),
        msg(14, false, "01.03.2024 12:03:00 UTC+08:00", Some("Cy"), "<div class=\"pull_left forwarded userpic_wrap\">\n</div>\n<div class=\"forwarded body\">\n<div class=\"from_name\">\nSomeone Else<span class=\"date details\" title=\"01.01.2024 00:00:00 UTC+08:00\"> 01.01.2024 00:00:00</span>\n</div>\n<div class=\"text\">\nforwarded words\n</div>\n</div>\n"),
        "<a class=\"pagination block_link\" href=\"messages2.html\">\nNext messages\n</a>\n</div>\n</div>\n</div>\n</body>\n</html>\n".to_string(),
    ]
    .concat();
    let two = [
        HEAD.to_string(),
        "<a class=\"pagination block_link\" href=\"messages.html\">\nPrevious messages\n</a>\n".to_string(),
        service(-2, "2 March 2024"),
        msg(15, false, "02.03.2024 09:00:00 UTC+08:00", Some("Bo"), "<div class=\"reply_to details\">\nIn reply to <a href=\"messages.html#go_to_message13\">this message</a>\n</div>\n<div class=\"media_wrap clearfix\">\n<div class=\"media clearfix pull_left media_voice_message\">\n<div class=\"body\">\n<div class=\"title bold\">\nVoice message\n</div>\n</div>\n</div>\n</div>\n"),
        service(16, "Cy removed Cy"),
        service(17, "Ann pinned <a href=\"#go_to_message15\" onclick=\"return GoToMessage(15)\">this message</a>"),
        "</div>\n</div>\n</div>\n</body>\n</html>\n".to_string(),
    ]
    .concat();
    let (a, b) = (dir.join("messages.html"), dir.join("messages2.html"));
    std::fs::write(&a, one).unwrap();
    std::fs::write(&b, two).unwrap();
    (a, b)
}

#[test]
fn two_page_chat_with_zones_replies_media_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = write_chat(dir.path());
    let opts = ParseOptions::default();
    let (ra, rb) = (parse(&a, &opts), parse(&b, &opts));
    let group = |r: &[Record]| match &r[0] {
        Record::Group(g) => g.platform_id.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(group(&ra), "Rust 中文社区");
    assert_eq!(group(&ra), group(&rb));
    let ma = messages(&ra);
    assert_eq!(ma.len(), std::fs::read_to_string(&a).unwrap().matches("<div class=\"message default").count());
    assert_eq!(ma[0].text, "大家好 <3\n第二行");
    assert_eq!((ma[1].sender.name.as_str(), ma[1].kind), ("Ann", MessageKind::Image));
    assert_eq!((ma[2].sender.name.as_str(), ma[2].reply_to.as_deref()), ("Bo", Some("11")));
    assert_eq!((ma[3].sender.name.as_str(), ma[3].forwarded), ("Cy", true));
    assert!(!ma[0].time.zone_inferred && ma[0].time.offset_s == 8 * 3600);
    assert_eq!(shequn_model::rfc3339_utc(ma[0].time.unix_ms), "2024-03-01T04:00:05Z");
    assert!(!ra.iter().any(|r| matches!(r, Record::Note { .. })), "zones given: nothing inferred");
    let ea = events(&ra);
    assert_eq!((ea[0].kind, ea[0].subjects.len()), (EventKind::Join, 2));
    let mb = messages(&rb);
    assert_eq!((mb[0].kind, mb[0].reply_to.as_deref(), mb[0].text.as_str()), (MessageKind::Voice, Some("13"), ""));
    let eb = events(&rb);
    assert_eq!(eb.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventKind::Leave, EventKind::Pin]);
    assert_eq!(eb[1].target.as_deref(), Some("15"));
    // A service line carries no time: it takes the time of the message before it that day.
    assert_eq!(eb[0].time, mb[0].time);
}

#[test]
fn a_message_without_its_date_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("messages.html");
    let page =
        format!("{HEAD}{}", msg(1, false, "x", Some("Ann"), "").replace("pull_right date details", "pull_right"));
    std::fs::write(&p, &page).unwrap();
    let mut out = Vec::new();
    let err = by_name("telegram-html").unwrap().parse(&Input::new(&p), &ParseOptions::default(), &mut out).unwrap_err();
    assert_eq!(err.path, p);
    let line = page[..page.find("<div class=\"message ").unwrap()].matches('\n').count() + 1;
    assert_eq!(err.location, Some(format!("line {line}")));
    assert!(err.message.contains("expected <div class=\"pull_right date details\""), "{err}");
}
