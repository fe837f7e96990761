//! Hand-made QQ edge cases written from CN-FORMATS.md §1: 12-hour times and two
//! conversations in one `.txt`, a GBK-encoded export, a `.mht` export and both
//! QQChatExporter JSON message shapes. Expected numbers are counted by hand from
//! the fixture files in `tests/data/cn/`.

mod cn_support;

use cn_support::*;
use shequn_model::{EventKind, GroupKind, MemberRole, Mention, MessageKind, Person};

#[test]
fn twelve_hour_export_with_two_conversations() {
    let r = parse_as(&fixture("qq_12hour_two_conversations.txt"), "qq-txt");
    // Two 消息对象 blocks; 4 + 2 message headers, 1 系统消息 row.
    assert_eq!(totals(&r), (2, 6, 1));
    let gs = groups(&r);
    assert_eq!((gs[0].name.as_str(), gs[0].kind), ("湖之仆从（PST 8pm | BJT 11am）", GroupKind::Group));
    assert_eq!((gs[1].name.as_str(), gs[1].kind), ("Victor.Woo", GroupKind::Direct));
    let ms = messages(&r, 0);
    assert_eq!(ms.len(), 4);
    // 8:43:38 PM → 20:43:38; 12:05:10 AM → 00:05:10.
    assert_eq!(ms[0].time.to_rfc3339(), "2019-09-23T20:43:38+08:00");
    assert_eq!(ms[2].time.to_rfc3339(), "2019-09-23T00:05:10+08:00");
    // A bare LF joins a header-looking line into the owner's body: no message from 假头.
    assert_eq!(ms[1].text, "第一行\n2019-09-23 8:45:00 PM 假头(99999)");
    assert_eq!((ms[1].sender.role, ms[1].sender.title.as_deref()), (Some(MemberRole::Owner), Some("群主")));
    assert!(ms.iter().all(|m| m.sender.platform_id.as_deref() != Some("99999")));
    // `【管理员】【老司机】阿管<admin@example.com>`: email id, two titles, admin role, mention resolved.
    assert_eq!(ms[2].sender.name, "阿管");
    assert_eq!(ms[2].sender.platform_id.as_deref(), Some("admin@example.com"));
    assert_eq!(ms[2].sender.title.as_deref(), Some("管理员 老司机"));
    assert_eq!(ms[2].sender.role, Some(MemberRole::Admin));
    assert_eq!(ms[2].mentions, vec![Mention::Member(Person::with_id("10001", "湖主"))]);
    assert_eq!(ms[3].kind, MessageKind::RedPacket);
    let e = &events(&r, 0)[0];
    assert_eq!(e.kind, EventKind::Join);
    assert_eq!(e.actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("10001"));
    // 新人甲 speaks only after the join: names are learned from the whole file first.
    assert_eq!(e.subjects[0].platform_id.as_deref(), Some("20002"));
    let direct = messages(&r, 1);
    assert_eq!((direct[0].sender.name.as_str(), direct[0].sender.platform_id.as_ref()), ("Victor.Woo", None));
    assert_eq!(direct[1].kind, MessageKind::Image);
    assert!(notes(&r, 1).iter().any(|n| n.contains("UTC+08:00")));
    assert_reimport_adds_nothing(&r);
}

#[test]
fn gbk_encoded_export() {
    let text = "消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n\
        ================================================================\r\n\
        消息分组:我的QQ群\r\n\
        ================================================================\r\n\
        消息对象:川大校友群\r\n\
        ================================================================\r\n\r\n\
        2017-01-01 8:36:52 成员001(800015838)\r\n好运2017，大家加油\r\n\r\n\
        2017-01-02 9:39:54 【管理员】成员014(800118785)\r\n欢迎新人\r\n\r\n\
        2017-01-03 16:15:34 系统消息(10000)\r\n成员001撤回了一条消息\r\n\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "the bytes really are not UTF-8");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("全部消息记录.txt");
    std::fs::write(&path, &gbk).unwrap();
    let r = parse_as(&path, "qq-txt");
    assert_eq!(totals(&r), (1, 2, 1));
    assert_eq!(groups(&r)[0].name, "川大校友群");
    let ms = messages(&r, 0);
    assert_eq!(ms[0].text, "好运2017，大家加油");
    assert_eq!(ms[1].sender.name, "成员014");
    let e = &events(&r, 0)[0];
    assert_eq!(e.kind, EventKind::Recall);
    assert_eq!(e.actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("800015838"));
    assert_reimport_adds_nothing(&r);
}

#[test]
fn mht_export() {
    let r = parse_as(&fixture("qq_group_export.mht"), "qq-mht");
    // Rows: 2 日期 rows, 3 member rows, 2 系统消息 rows.
    assert_eq!(totals(&r), (1, 3, 2));
    assert_eq!((groups(&r)[0].name.as_str(), groups(&r)[0].kind), ("咕咕瓜的避难窝", GroupKind::Group));
    let ms = messages(&r, 0);
    assert_eq!(ms[0].text, "欢迎 新人\n第二行>箭头");
    assert_eq!((ms[0].sender.platform_id.as_deref(), ms[0].sender.role), (Some("123456"), Some(MemberRole::Owner)));
    assert_eq!(ms[0].time.to_rfc3339(), "2020-02-11T09:05:01+08:00");
    assert_eq!((ms[1].kind, ms[1].sender.platform_id.as_deref()), (MessageKind::Image, Some("xm@example.com")));
    assert_eq!(ms[2].time.to_rfc3339(), "2020-02-12T21:15:30+08:00");
    assert_eq!(ms[2].mentions, vec![Mention::Member(Person::with_id("xm@example.com", "小明"))]);
    let ev = events(&r, 0);
    assert_eq!((ev[0].kind, ev[0].text.as_str()), (EventKind::Other, "你已经是群成员了，和大家打个招呼吧！"));
    assert_eq!(ev[1].kind, EventKind::Recall);
    assert_eq!(ev[1].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("xm@example.com"));
    assert_reimport_adds_nothing(&r);
}

#[test]
fn qce_clean_message_shape() {
    let r = parse_as(&fixture("qce_shape_b_clean.json"), "qq-qce");
    // 6 messages in the file: 1 is `system: true`; 1 is `recalled: true`.
    assert_eq!(totals(&r), (1, 5, 1));
    let g = groups(&r)[0];
    assert_eq!((g.platform_id.as_str(), g.member_count, g.kind), ("987654321", Some(123), GroupKind::Group));
    let ms = messages(&r, 0);
    assert_eq!(ms[0].sender.platform_id.as_deref(), Some("10086"));
    assert!(!ms[0].time.zone_inferred);
    assert_eq!(ms[0].time.unix_ms, 1767193400000);
    // The reply, with its image and its @地瓜 (uid u_Yv01 → QQ 10086).
    assert_eq!(ms[1].reply_to.as_deref(), Some("7600672345327336345"));
    assert_eq!(ms[1].kind, MessageKind::Image);
    assert_eq!(ms[1].sender.name, "速冻饺子");
    assert_eq!(ms[1].sender.title.as_deref(), Some("群头衔"));
    assert_eq!(ms[1].mentions, vec![Mention::Member(Person::with_id("10086", "地瓜"))]);
    assert_eq!(ms[2].mentions, vec![Mention::Everyone]);
    assert_eq!(ms[3].text, "发错了");
    assert_eq!(ms[4].kind, MessageKind::Sticker);
    assert_eq!(ms[4].sender.platform_id.as_deref(), Some("u_new"), "no QQ number: the NT uid");
    // The gray tip and the recalled message are one recall, linked to the message.
    let ev = events(&r, 0);
    assert_eq!(ev[0].kind, EventKind::Recall);
    assert_eq!(ev[0].target.as_deref(), Some("7600672345327336401"));
    assert_eq!(ev[0].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("12519212"));
    let (_, archive) = assert_reimport_adds_nothing(&r);
    let tl = archive.timeline(archive.group_ids().unwrap()[0]).unwrap();
    assert_eq!(tl.messages.iter().filter(|m| m.reply_to.is_some()).count(), 1);
    assert_eq!(tl.events[0].target.map(|ix| tl.messages[ix as usize].text.as_str()), Some("发错了"));
}

#[test]
fn qce_parsed_message_shape() {
    let r = parse_as(&fixture("qce_shape_a_parsed.json"), "qq-qce");
    // 4 messages: 1 isSystemMessage, 1 isRecalled (no gray tip → its own recall event).
    assert_eq!(totals(&r), (1, 3, 2));
    let ms = messages(&r, 0);
    assert_eq!(ms[0].id.as_deref(), Some("100"));
    assert_eq!(ms[0].time.to_rfc3339(), "2024-05-01T12:00:00+00:00");
    assert_eq!((ms[0].sender.role, ms[0].sender.name.as_str()), (Some(MemberRole::Owner), "书虫-群主"));
    assert_eq!(ms[0].sender.platform_id.as_deref(), Some("20001"));
    assert_eq!(ms[1].sender.role, Some(MemberRole::Admin));
    assert_eq!(ms[1].reply_to.as_deref(), Some("100"));
    assert_eq!(ms[2].kind, MessageKind::File);
    let ev = events(&r, 0);
    // `书虫邀请新读者加入了群聊`: the inviter's nickname resolves to the owner's QQ number.
    assert_eq!(ev[0].kind, EventKind::Join);
    assert_eq!(ev[0].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("20001"));
    assert_eq!(ev[0].subjects[0].name, "新读者");
    assert_eq!((ev[1].kind, ev[1].target.as_deref()), (EventKind::Recall, Some("102")));
    assert_reimport_adds_nothing(&r);
}

#[test]
fn broken_files_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    // Text where the first message header should be (parsed as if `--format qq-txt` was given).
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "消息对象:某群\r\n这不是消息头\r\n").unwrap();
    let mut out = Vec::new();
    let err = shequn_ingest::by_name("qq-txt")
        .unwrap()
        .parse(&shequn_ingest::Input::new(&junk), &Default::default(), &mut out)
        .unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 2"));
    assert!(err.to_string().contains("junk.txt"), "{err}");
    let json = dir.path().join("bad.json");
    std::fs::write(&json, "{\"metadata\":{\"name\":\"QQChatExporter V5\"},\n\"messages\": [ {\"id\": 1,, } ]}")
        .unwrap();
    let err = try_parse_as(&json, "qq-qce").unwrap_err();
    assert!(err.location.as_deref().unwrap().starts_with("line 2"), "{err}");
    assert!(err.to_string().contains("bad.json"));
}

#[test]
fn qq_number_keeps_one_member_across_renames_and_links_groups() {
    let text = "消息分组:我的QQ群\r\n消息对象:甲群\r\n\r\n\
        2017-01-01 8:00:00 老名字(800000001)\r\nhi\r\n\r\n\
        2017-01-02 8:00:00 新名字(800000001)\r\n改名了\r\n\r\n\
        2017-01-02 9:00:00 别人(800000002)\r\n好\r\n消息对象:只是正文\r\n\r\n\
        消息分组:我的QQ群\r\n消息对象:乙群\r\n\r\n\
        2017-01-03 8:00:00 新名字(800000001)\r\n我也在这\r\n\r\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("全部消息记录.txt");
    std::fs::write(&path, text).unwrap();
    let r = parse_as(&path, "qq-txt");
    assert_eq!(totals(&r), (2, 4, 0));
    assert_eq!(messages(&r, 0)[2].text, "好\n消息对象:只是正文", "a field-like body line is body text");
    let (_, archive) = assert_reimport_adds_nothing(&r);
    let ids = archive.group_ids().unwrap();
    let a = archive.timeline(ids[0]).unwrap();
    let b = archive.timeline(ids[1]).unwrap();
    assert_eq!(a.members.len(), 2, "the rename keeps one member: {:?}", a.members);
    let renamed = a.members.iter().find(|m| m.platform_id.as_deref() == Some("800000001")).unwrap();
    assert_eq!(renamed.name, "新名字");
    let other = b.members.iter().find(|m| m.platform_id.as_deref() == Some("800000001")).unwrap();
    assert!(renamed.person_id.is_some());
    assert_eq!(renamed.person_id, other.person_id, "the same QQ号 links the person across groups");
}
