//! WeCom edge cases from CN-FORMATS.md §3: the 客户群 `groupchat/get` member list as a
//! roster (silent members known), the archive as a JSON array, and a broken line.

mod cn_support;

use cn_support::*;
use shequn_model::{EventKind, GroupKind, MemberRole, MessageKind};

#[test]
fn groupchat_get_roster() {
    let r = parse_as(&fixture("wecom_groupchat_get.json"), "wecom-roster");
    let g = groups(&r)[0];
    // member_list has 4 entries.
    assert_eq!(
        (g.platform_id.as_str(), g.name.as_str(), g.member_count),
        ("wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", "销售客服群", Some(4))
    );
    let ros = roster(&r);
    assert_eq!(ros.len(), 4);
    assert_eq!(ros[0].person.role, Some(MemberRole::Owner), "owner ZhangSan");
    assert_eq!(ros[0].person.name, "客服小张", "group nickname first");
    assert_eq!(ros[1].person.role, Some(MemberRole::Admin), "admin_list LiSi");
    assert_eq!(ros[2].person.platform_id.as_deref(), Some("wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA"));
    assert_eq!(ros[2].joined.map(|j| j.unix_ms), Some(1_572_505_500_000));
    let scenes: Vec<_> = ros.iter().map(|e| e.join_scene.as_deref().unwrap()).collect();
    assert_eq!(scenes, vec!["direct_invite", "direct_invite", "qr_code", "invite_link"]);
    let (first, archive) = assert_reimport_adds_nothing(&r);
    assert_eq!(first.roster_entries, 4);
    let summary = &archive.groups().unwrap()[0];
    // Nobody spoke, yet all four are members: the silent ones are known.
    assert_eq!((summary.members, summary.speakers, summary.member_count_stated), (4, 0, Some(4)));
}

#[test]
fn archive_as_json_array_links_recall_and_group() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("chatdata.json");
    std::fs::write(
        &p,
        r#"[
  {"msgid":"m1","action":"send","from":"ZhangSan","tolist":["LiSi","wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA"],"roomid":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","msgtime":1700000000000,"msgtype":"text","text":{"content":"新品上架"}},
  {"msgid":"m2","action":"send","from":"wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA","tolist":["ZhangSan","LiSi"],"roomid":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","msgtime":1700000060000,"msgtype":"redpacket","redpacket":{"type":2,"wish":"拼手气","totalcnt":5,"totalamount":1888}},
  {"msgid":"m3","action":"recall","from":"ZhangSan","tolist":["LiSi"],"roomid":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","msgtime":1700000120000,"msgtype":"revoke","revoke":{"pre_msgid":"m1"}},
  {"msgid":"m4","action":"send","from":"LiSi","tolist":["ZhangSan"],"roomid":"","msgtime":1700000180000,"msgtype":"text","text":{"content":"私聊"}}
]"#,
    )
    .unwrap();
    let r = parse_as(&p, "wecom-archive");
    assert_eq!(totals(&r), (2, 3, 1));
    let gs = groups(&r);
    assert_eq!((gs[0].kind, gs[1].kind), (GroupKind::Group, GroupKind::Direct));
    let ms = messages(&r, 0);
    assert_eq!((ms[1].kind, ms[1].amount_cents), (MessageKind::RedPacket, Some(1888)));
    let e = &events(&r, 0)[0];
    assert_eq!((e.kind, e.target.as_deref()), (EventKind::Recall, Some("m1")));
    let (_, archive) = assert_reimport_adds_nothing(&r);
    // The recall resolves to the recalled message in the timeline.
    let id = archive.groups().unwrap().iter().find(|g| g.kind == "group").unwrap().id;
    let tl = archive.timeline(id).unwrap();
    assert_eq!(tl.events[0].target.map(|ix| tl.messages[ix as usize].text.as_str()), Some("新品上架"));
}

#[test]
fn broken_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("msgs.jsonl");
    std::fs::write(
        &p,
        "{\"msgid\":\"a\",\"action\":\"send\",\"from\":\"x\",\"tolist\":[\"y\"],\"roomid\":\"\",\"msgtime\":1,\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}\n{\"msgid\":\"b\",\"action\":\"send\"\n",
    )
    .unwrap();
    let err = try_parse_as(&p, "wecom-archive").unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 2"));
    assert!(err.to_string().contains("msgs.jsonl"));
}
