//! Hand-made WeChat edge cases written from CN-FORMATS.md §2 and §5: a 留痕 v1 group
//! (type codes, wxid prefix, quote reply, system texts), a 留痕 v2 file (display
//! names only) and an English-UI export. Expected numbers are counted by hand from
//! the rows in `tests/data/cn/`.

mod cn_support;

use cn_support::*;
use shequn_model::{EventKind, GroupKind, MessageKind};

#[test]
fn memotrace_v1_group() {
    let r = parse_as(&fixture("memotrace_v1_group.csv"), "wechat-csv");
    // 15 rows: Type 10000/10002 rows 1, 9, 10, 12, 13, 14, 15 are events; the other 8 are messages.
    assert_eq!(totals(&r), (1, 8, 7));
    let g = groups(&r)[0];
    assert_eq!((g.name.as_str(), g.kind), ("memotrace_v1_group", GroupKind::Group));
    let ms = messages(&r, 0);
    let kinds: Vec<_> = ms.iter().map(|m| m.kind).collect();
    {
        use MessageKind::*;
        assert_eq!(kinds, vec![Text, Image, Voice, Video, Sticker, Text, RedPacket, Text]);
    }
    assert_eq!(ms[0].sender.platform_id.as_deref(), Some("wxid_wang01"));
    assert_eq!(ms[0].time.unix_ms, 1_704_110_460_000);
    assert!(!ms[0].time.zone_inferred, "CreateTime is epoch seconds");
    // 49/57 quote: the reply points at the quoted server id, the text is the title.
    assert_eq!((ms[5].text.as_str(), ms[5].reply_to.as_deref()), ("欢迎欢迎", Some("8812345678901234567")));
    // `wxid_zhao03:\n` prefix with an empty Sender column: the wxid comes from the content.
    assert_eq!((ms[7].sender.platform_id.as_deref(), ms[7].text.as_str()), (Some("wxid_zhao03"), "我是扫码进来的"));
    let ev = events(&r, 0);
    let kinds: Vec<_> = ev.iter().map(|e| e.kind).collect();
    use EventKind::*;
    assert_eq!(kinds, vec![Join, RedPacket, Join, Recall, Recall, Pat, Kick]);
    let ids = |p: &[shequn_model::Person]| p.iter().map(|p| p.platform_id.clone()).collect::<Vec<_>>();
    // Invitees named before they speak still link to their wxids.
    assert_eq!(ids(&ev[0].subjects), vec![Some("wxid_wang01".into()), Some("wxid_li02".into())]);
    assert_eq!(ev[0].detail.as_deref(), Some("invite"));
    // `小王领取了你的红包` (tags stripped): 你 is the exporting user (IsSender = 1 rows).
    assert_eq!(ev[1].text, "小王领取了你的红包");
    assert_eq!(ev[1].subjects[0].platform_id.as_deref(), Some("wxid_may00"));
    // QR join: `" 小赵"` with its stray space; the sharer is the actor.
    assert_eq!(ev[2].detail.as_deref(), Some("qr"));
    assert_eq!(ev[2].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("wxid_wang01"));
    assert_eq!(ev[2].subjects[0].platform_id.as_deref(), Some("wxid_zhao03"));
    // 10002 revokemsg XML: the replacemsg text.
    assert_eq!(ev[4].text, "\"小李\" 撤回了一条消息");
    assert_eq!(ev[4].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("wxid_li02"));
    assert_eq!(ev[5].subjects[0].platform_id.as_deref(), Some("wxid_li02"), "拍一拍 suffix 的肩膀 dropped");
    assert_eq!(ev[6].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("wxid_may00"));
    assert_eq!(ev[6].subjects[0].platform_id.as_deref(), Some("wxid_zhao03"));
    let n = notes(&r, 0);
    assert!(n.iter().any(|t| t.contains("微信不显示主动退群")));
    assert!(!n.iter().any(|t| t.contains("UTC+08:00")), "epoch times need no zone note");
    assert_reimport_adds_nothing(&r);
}

#[test]
fn memotrace_v2_display_names_only() {
    let r = parse_as(&fixture("memotrace_v2_读书群.csv"), "wechat-csv");
    // 8 rows: 系统消息 ×2 and 拍一拍 ×1 are events.
    assert_eq!(totals(&r), (1, 5, 3));
    assert_eq!((groups(&r)[0].name.as_str(), groups(&r)[0].kind), ("memotrace_v2_读书群", GroupKind::Group));
    let ms = messages(&r, 0);
    assert!(ms.iter().all(|m| m.sender.platform_id.is_none()), "v2 has no wxid column");
    assert_eq!(ms[0].id.as_deref(), Some("900001"));
    assert_eq!(ms[0].time.to_rfc3339(), "2024-03-01T09:00:00+08:00");
    assert!(ms[0].time.zone_inferred);
    assert_eq!(
        ms.iter().map(|m| m.kind).collect::<Vec<_>>(),
        vec![MessageKind::Text, MessageKind::Image, MessageKind::Text, MessageKind::RedPacket, MessageKind::Text]
    );
    assert_eq!(ms[4].text, "大家好\n我是新人");
    let ev = events(&r, 0);
    assert_eq!(ev.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![EventKind::Join, EventKind::Pat, EventKind::Recall]);
    assert_eq!(ev[0].actor.as_ref().map(|p| p.name.as_str()), Some("阿May"));
    assert!(notes(&r, 0).iter().any(|t| t.contains("UTC+08:00")));
    assert_reimport_adds_nothing(&r);
}

#[test]
fn english_ui_group() {
    let r = parse_as(&fixture("wechat_english_ui_pywxdump_v3.csv"), "wechat-csv");
    // 8 rows: 系统通知 rows 2, 4, 5, 7, 8 are events.
    assert_eq!(totals(&r), (1, 3, 5));
    assert_eq!(groups(&r)[0].kind, GroupKind::Group, "@chatroom");
    let ev = events(&r, 0);
    use EventKind::*;
    assert_eq!(ev.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![Join, Join, Recall, Kick, Rename]);
    assert_eq!(ev[0].subjects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["Ben", "Carl"]);
    // PyWxDump rows carry wxids but no names (those are in its users.json): "Anna" stays a name.
    assert_eq!(ev[0].actor.as_ref().map(|p| (p.name.as_str(), p.platform_id.is_none())), Some(("Anna", true)));
    assert_eq!(ev[1].detail.as_deref(), Some("qr"));
    assert_eq!(ev[3].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("wxid_me"), "You = exporting user");
    assert_eq!(ev[4].detail.as_deref(), Some("Reading Club"));
    assert_reimport_adds_nothing(&r);
}

#[test]
fn bad_time_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("chat.csv");
    std::fs::write(&p, "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息\r\n1,文本,A,2024-03-01 09:00:00,hi,,,more\r\n2,文本,B,yesterday,hi,,,more\r\n").unwrap();
    let err = try_parse_as(&p, "wechat-csv").unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 3"));
    assert!(err.to_string().contains("chat.csv") && err.to_string().contains("yesterday"), "{err}");
}
