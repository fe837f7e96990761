//! The real samples in `../shared/corpus/cn-formats/`: per-file counts checked
//! against independent counts (the Python one-liners quoted beside each number,
//! run by hand over the same bytes), events kept out of messages, re-import adds nothing.

mod cn_support;

use cn_support::*;
use shequn_model::{EventKind, GroupKind, MemberRole, MessageKind};

#[test]
fn qq_classic_excerpt() {
    let path = shequn_corpus::require!("cn-formats/qq_classic_group_txt_excerpt_anonymised.txt");
    let r = parse_as(&path, "qq-txt");
    // Header lines: `re.match(r'^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2} ', l)` over the
    // CRLF-split, BOM-stripped text = 150; of those, 2 contain `系统消息(`.
    assert_eq!(totals(&r), (1, 148, 2));
    let ms = messages(&r, 0);
    // Distinct last `(…)`/`<…>` ids on non-system header lines (same script) = 44.
    let ids: std::collections::HashSet<_> = ms.iter().filter_map(|m| m.sender.platform_id.clone()).collect();
    assert_eq!(ids.len(), 44);
    // Bodies classified by the same script: 134 text, 6 only-[图片], 4 only-[表情], 3 empty, 1 [QQ红包].
    let kind = |k| ms.iter().filter(|m| m.kind == k).count();
    assert_eq!(
        [
            kind(MessageKind::Text),
            kind(MessageKind::Image),
            kind(MessageKind::Sticker),
            kind(MessageKind::Other),
            kind(MessageKind::RedPacket)
        ],
        [134, 6, 4, 3, 1]
    );
    // `grep -acP '^\S+ \S+ 【管理员】'` = 17 lines, 3 distinct QQ numbers.
    let admins: std::collections::HashSet<_> = ms
        .iter()
        .filter(|m| m.sender.role == Some(MemberRole::Admin))
        .filter_map(|m| m.sender.platform_id.clone())
        .collect();
    assert_eq!(ms.iter().filter(|m| m.sender.role == Some(MemberRole::Admin)).count(), 17);
    assert_eq!(admins.len(), 3);
    assert!(ms.iter().all(|m| !m.sender.name.starts_with('【')), "titles stay out of names");
    // The 刷单 recruitment post: an ordinary message from the empty-nickname sender (800039595).
    let ad = ms.iter().find(|m| m.text.contains("QQ943265666")).expect("the 刷单 post");
    assert_eq!(ad.sender.platform_id.as_deref(), Some("800039595"));
    assert_eq!(ad.kind, MessageKind::Text);
    assert!(ad.time.zone_inferred);
    assert_eq!(ad.time.to_rfc3339(), "2017-01-01T09:09:03+08:00");
    // System rows: a file share (unrecognised → Other) and `┅☆伈随风飞加入本群` (Join).
    let ev = events(&r, 0);
    assert_eq!(ev.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![EventKind::Other, EventKind::Join]);
    assert_eq!(ev[1].subjects[0].name, "┅☆伈随风飞");
    assert!(notes(&r, 0).iter().any(|n| n.contains("UTC+08:00")));
    let (first, _) = assert_reimport_adds_nothing(&r);
    assert_eq!((first.messages_new, first.events_new), (148, 2));
}

#[test]
fn qq_classic_system_excerpt() {
    let path = shequn_corpus::require!("cn-formats/qq_classic_group_txt_excerpt_anonymised_system_msgs.txt");
    let r = parse_as(&path, "qq-txt");
    // Same script: 80 header lines, 2 `系统消息(`; 28 distinct sender ids.
    assert_eq!(totals(&r), (1, 78, 2));
    let ms = messages(&r, 0);
    let ids: std::collections::HashSet<_> = ms.iter().filter_map(|m| m.sender.platform_id.clone()).collect();
    assert_eq!(ids.len(), 28);
    // Same script: 3 empty bodies (the 2017-01-31 11:24:42 one among them).
    assert_eq!(ms.iter().filter(|m| m.kind == MessageKind::Other && m.text.is_empty()).count(), 3);
    // @全体成员 in 成员055's 2017-05-11 23:22:46 post.
    assert_eq!(ms.iter().filter(|m| m.mentions.contains(&shequn_model::Mention::Everyone)).count(), 1);
    let ev = events(&r, 0);
    assert_eq!(ev[0].kind, EventKind::Other); // 群活跃等级降级为LV4
    assert_eq!(ev[1].kind, EventKind::RedPacket); // 口令红包50秒被领完，…是运气王
    assert_eq!(ev[1].actor.as_ref().map(|p| p.name.as_str()), Some("15-经济-咏哥"));
    assert_eq!(ev[1].subjects[0].name, "16 高分子");
    assert_reimport_adds_nothing(&r);
}

#[test]
fn pywxdump_v2_private_chat() {
    let path = shequn_corpus::require!("cn-formats/wechat_pywxdump_v2_example_chat.csv");
    let r = parse_as(&path, "wechat-csv");
    // `csv.DictReader`: 35 rows; type_name Counter: 文本 26, 动画表情 5, 图片 3, 系统通知 1.
    assert_eq!(totals(&r), (1, 34, 1));
    assert_eq!(groups(&r)[0].kind, GroupKind::Direct);
    assert_eq!(groups(&r)[0].platform_id, "xinglaifaxianzhe");
    let ms = messages(&r, 0);
    assert_eq!(ms.iter().filter(|m| m.kind == MessageKind::Sticker).count(), 5);
    assert_eq!(ms.iter().filter(|m| m.kind == MessageKind::Image).count(), 3);
    // talker Counter: 我 20, xinglaifaxianzhe 15 (one of those is the system row).
    assert_eq!(ms.iter().filter(|m| m.sender.name == "我").count(), 20);
    assert_eq!(ms.iter().filter(|m| m.sender.platform_id.as_deref() == Some("xinglaifaxianzhe")).count(), 14);
    assert_eq!(ms[0].id.as_deref(), Some("7594861486645126963"));
    assert_eq!(ms[0].text, "哦吼");
    assert_eq!(events(&r, 0)[0].text, "你已添加了白桃乌龙，现在可以开始聊天了。");
    let n = notes(&r, 0);
    assert!(n.iter().any(|t| t.contains("WeChat does not record voluntary leaves")));
    assert!(n.iter().any(|t| t.contains("UTC+08:00")));
    assert_reimport_adds_nothing(&r);
}

#[test]
fn pywxdump_v3_excel_dates_and_recalls() {
    let path = shequn_corpus::require!("cn-formats/wechat_pywxdump_v3_test_0_730.csv");
    let r = parse_as(&path, "wechat-csv");
    // `csv.DictReader`: 96 rows; 文本 65, 动画表情 23, 图片 5, 系统通知 2, 引用回复 1.
    assert_eq!(totals(&r), (1, 94, 2));
    let ms = messages(&r, 0);
    assert_eq!(ms.iter().filter(|m| m.kind == MessageKind::Sticker).count(), 23);
    assert_eq!(ms.iter().filter(|m| m.kind == MessageKind::Image).count(), 5);
    // talker Counter: 12345iru2zsmo22 50 (incl. the 2 system rows), test_person 46.
    assert_eq!(ms.iter().filter(|m| m.sender.platform_id.as_deref() == Some("12345iru2zsmo22")).count(), 48);
    // Both system rows are `<revokemsg>你撤回了一条消息</revokemsg>`, by the exporting user.
    for e in events(&r, 0) {
        assert_eq!(e.kind, EventKind::Recall);
        assert_eq!(e.text, "你撤回了一条消息");
        assert_eq!(e.actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("12345iru2zsmo22"));
    }
    // Excel-resaved `2024/10/4 11:42` read as local UTC+8.
    assert_eq!(ms[0].time.to_rfc3339(), "2024-10-04T11:42:00+08:00");
    assert_reimport_adds_nothing(&r);
}

#[test]
fn wecom_official_examples() {
    let path = shequn_corpus::require!("cn-formats/wecom_msgaudit_decrypted_examples.jsonl");
    let r = parse_as(&path, "wecom-archive");
    // 16 lines (`json.loads` per line, Counter over (action, msgtype, roomid != "")):
    // 1 switch (not a message), 1 recall, 1 agree → 2 events, 13 messages, of which the
    // image has `msgtime: 0` and is reported as skipped → 12 stored;
    // 6 distinct non-empty roomids + 8 distinct 1:1 (from, tolist[0]) pairs = 14 conversations.
    assert_eq!(totals(&r), (14, 12, 2));
    let skipped: Vec<_> = r.iter().filter(|x| matches!(x, shequn_ingest::Record::Skipped { .. })).collect();
    assert_eq!(skipped.len(), 1);
    let gs = groups(&r);
    assert_eq!(gs.iter().filter(|g| g.kind == GroupKind::Group).count(), 6);
    assert_eq!(gs.iter().filter(|g| g.kind == GroupKind::Direct).count(), 8);
    let all: Vec<_> = (0..gs.len() as u32).flat_map(|g| messages(&r, g)).collect();
    let red = all.iter().find(|m| m.kind == MessageKind::RedPacket).unwrap();
    assert_eq!((red.amount_cents, red.text.as_str()), (Some(3000), "恭喜发财，大吉大利"));
    assert_eq!(all.iter().find(|m| m.id.as_deref() == Some("CAQQluDa4QUY0On2rYSAgAMgzPrShAE=")).unwrap().text, "test");
    let mixed = all.iter().find(|m| m.id.as_deref() == Some("DAQQluDa4QUY0On4kYSABAMgzPrShAE=")).unwrap();
    assert!(mixed.text.starts_with("你好[微笑]"), "{}", mixed.text);
    let evs: Vec<_> = (0..gs.len() as u32).flat_map(|g| events(&r, g)).collect();
    let recall = evs.iter().find(|e| e.kind == EventKind::Recall).unwrap();
    assert_eq!(recall.target.as_deref(), Some("14822339130656386894_1603875600"));
    assert_eq!(recall.actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("kenshin"));
    assert_eq!(gs.iter().find(|g| g.platform_id == "wrjc7bDwYAOAhf9quEwRRxyyoMm0QAAA").unwrap().name, "这是一个群");
    assert_reimport_adds_nothing(&r);
}
