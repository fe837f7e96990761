//! Conversion of documented Bot API payloads. Sources: teloxide-core `types/update.rs`
//! tests (teloxide/teloxide), updates captured in drui9/autogram `api.md`, and the
//! `new_chat_members` webhook body quoted in ammarfaizi2's bot (2017, before `is_bot`).

use shequn_model::{EventKind, GroupKind, Mention, MessageKind, Record};

use super::*;

fn records(json: &str) -> Vec<Record> {
    convert(json.as_bytes()).unwrap().records
}

fn only_message(recs: &[Record]) -> &shequn_model::Message {
    let msgs: Vec<_> = recs
        .iter()
        .filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
        .collect();
    assert_eq!(msgs.len(), 1, "{recs:?}");
    msgs[0]
}

fn events(recs: &[Record]) -> Vec<&shequn_model::SystemEvent> {
    recs.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}

fn group(recs: &[Record]) -> &shequn_model::GroupInfo {
    match &recs[0] {
        Record::Group(g) => g,
        other => panic!("a group first, got {other:?}"),
    }
}

/// teloxide `update.rs` test `message`.
const PRIVATE_TEXT: &str = r#"{
    "update_id":892252934,
    "message":{
        "message_id":6557,
        "from":{"id":218485655,"is_bot": false,"first_name":"Waffle","username":"WaffleLapkin","language_code":"en"},
        "chat":{"id":218485655,"first_name":"Waffle","username":"WaffleLapkin","type":"private"},
        "date":1569518342,
        "text":"hello there",
        "link_preview_options":{"is_disabled":true}
    }
}"#;

#[test]
fn private_text_message() {
    let recs = records(PRIVATE_TEXT);
    let g = group(&recs);
    assert_eq!((g.platform_id.as_str(), g.name.as_str(), g.kind), ("218485655", "Waffle", GroupKind::Direct));
    let m = only_message(&recs);
    // A private chat numbers messages per account: the bot's id is kept apart from an export's.
    assert_eq!(m.id.as_deref(), Some("bot6557"));
    assert_eq!(m.sender.platform_id.as_deref(), Some("user218485655"));
    assert_eq!((m.sender.name.as_str(), m.sender.is_bot), ("Waffle", false));
    assert_eq!(m.text, "hello there");
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!((m.time.unix_ms, m.time.offset_s, m.time.zone_inferred), (1_569_518_342_000, 0, false));
    assert!(m.edited.is_none() && m.reply_to.is_none() && !m.forwarded);
}

#[test]
fn supergroup_ids_are_the_exports_and_pins_point_at_messages() {
    // teloxide `update.rs` test `pinned_message_works`.
    let recs = records(
        r#"{"message": {
        "chat": {"id": -1001276785818, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
        "date": 1582134655,
        "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
        "message_id": 20225,
        "pinned_message": {
            "chat": {"id": -1001276785818, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
            "date": 1582134643,
            "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
            "message_id": 20224,
            "text": "Faster than a bullet"
        }
    }, "update_id": 845402291}"#,
    );
    let g = group(&recs);
    assert_eq!((g.platform_id.as_str(), g.name.as_str(), g.kind), ("1276785818", "teloxide dev", GroupKind::Group));
    let ev = events(&recs);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].kind, EventKind::Pin);
    assert_eq!((ev[0].id.as_deref(), ev[0].target.as_deref()), (Some("20225"), Some("20224")));
    assert_eq!(ev[0].actor.as_ref().and_then(|a| a.platform_id.as_deref()), Some("user408258968"));
    assert!(!recs.iter().any(|r| matches!(r, Record::Message { .. })), "a pin is an event, not a message");
}

#[test]
fn replies_and_media_without_text() {
    // teloxide `update.rs` test `issue_1107`, second update: a reply to a story message.
    let recs = records(
        r#"{"message": {
        "chat": {"id": -1001293752024, "title": "CryptoInside Chat", "type": "supergroup", "username": "cryptoinside_talk"},
        "date": 1721592580,
        "entities": [{"length": 7, "offset": 0, "type": "bot_command"}],
        "from": {"first_name": "the Cable Guy", "id": 5964236329, "is_bot": false, "language_code":"en", "username": "spacewhaleblues"},
        "message_id": 134546,
        "message_thread_id": 134545,
        "reply_to_message": {
            "chat": {"id": -1001293752024, "title": "CryptoInside Chat", "type": "supergroup", "username": "cryptoinside_talk"},
            "date": 1721592028,
            "from": {"first_name": "Wert", "id": 6962620676, "is_bot": false, "username": "WertCrypto"},
            "message_id": 134545,
            "story": {"chat": {"id": -1002149282975, "title": "TON Spin", "type": "channel", "username": "TONSpinChannel"}, "id": 2}
        },
        "text": "/report"
    }, "update_id": 439432600}"#,
    );
    let m = only_message(&recs);
    assert_eq!((m.id.as_deref(), m.reply_to.as_deref()), (Some("134546"), Some("134545")));
    assert_eq!(m.text, "/report");
    assert!(m.mentions.is_empty(), "a bot command is not a mention");
    // The replied-to message itself (first update of the same test): a story, no text.
    let story = records(
        r#"{"message": {
        "chat": {"id": -1001293752024, "title": "CryptoInside Chat", "type": "supergroup", "username": "cryptoinside_talk"},
        "date": 1721592028,
        "from": {"first_name": "Wert", "id": 6962620676, "is_bot": false, "username": "WertCrypto"},
        "message_id": 134545,
        "story": {"chat": {"id": -1002149282975, "title": "TON Spin", "type": "channel", "username": "TONSpinChannel"}, "id": 2}
    }, "update_id": 439432599}"#,
    );
    assert_eq!(only_message(&story).kind, MessageKind::Other);
}

#[test]
fn topic_root_is_not_a_reply() {
    // Bot API: in a forum, `reply_to_message` of a plain topic message is the topic's first message.
    let recs = records(
        r#"{"update_id":1,"message":{"message_id":9,"date":1700000000,"message_thread_id":5,"is_topic_message":true,
        "chat":{"id":-1002162095988,"title":"Meteor Corp.","type":"supergroup","is_forum":true},
        "from":{"id":5342492667,"is_bot":false,"first_name":"Nelson","last_name":"II"},
        "reply_to_message":{"message_id":5,"date":1699990000,"chat":{"id":-1002162095988,"title":"Meteor Corp.","type":"supergroup"},
            "forum_topic_created":{"name":"Help","icon_color":7322096}},
        "text":"hi"}}"#,
    );
    let m = only_message(&recs);
    assert_eq!(m.reply_to, None);
    assert_eq!(m.sender.name, "Nelson II");
}

#[test]
fn media_kinds_captions_forwards_and_edits() {
    let base = |extra: &str| {
        format!(
            r#"{{"update_id":7,"edited_message":{{"message_id":3,"date":1700000000,"edit_date":1700000060,
            "chat":{{"id":-4726613835,"title":"Uncouth","type":"group","all_members_are_administrators":true}},
            "from":{{"id":5342492667,"is_bot":false,"first_name":"Nelson"}}{extra}}}}}"#
        )
    };
    let cases = [
        (
            r#","photo":[{"file_id":"a","file_unique_id":"b","width":90,"height":90}],"caption":"look""#,
            MessageKind::Image,
        ),
        (
            r#","sticker":{"file_id":"a","file_unique_id":"b","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false}"#,
            MessageKind::Sticker,
        ),
        (
            r#","animation":{"file_id":"a","file_unique_id":"b","width":1,"height":1,"duration":1},"document":{"file_id":"a","file_unique_id":"b"}"#,
            MessageKind::Video,
        ),
        (r#","document":{"file_id":"a","file_unique_id":"b","file_name":"x.pdf"}"#, MessageKind::File),
        (r#","voice":{"file_id":"a","file_unique_id":"b","duration":3}"#, MessageKind::Voice),
        (r#","video_note":{"file_id":"a","file_unique_id":"b","length":240,"duration":3}"#, MessageKind::Video),
        (
            r#","venue":{"location":{"latitude":1.0,"longitude":2.0},"title":"t","address":"a"},"location":{"latitude":1.0,"longitude":2.0}"#,
            MessageKind::Location,
        ),
        (
            r#","poll":{"id":"1","question":"q","options":[],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}"#,
            MessageKind::Poll,
        ),
        (r#","contact":{"phone_number":"1","first_name":"A"}"#, MessageKind::Other),
        (r#","text":"plain""#, MessageKind::Text),
    ];
    for (extra, kind) in cases {
        let recs = records(&base(extra));
        let m = only_message(&recs);
        assert_eq!(m.kind, kind, "{extra}");
        assert_eq!(m.edited.map(|e| e.unix_ms), Some(1_700_000_060_000), "{extra}");
        assert_eq!(m.id.as_deref(), Some("bot3"), "a basic group numbers messages per account");
    }
    assert_eq!(group(&records(&base(""))).platform_id, "4726613835", "a basic group's -<id> is <id> in exports");
    assert_eq!(only_message(&records(&base(cases[0].0))).text, "look", "the caption is the text");
    let fwd = records(&base(
        r#","text":"x","forward_origin":{"type":"hidden_user","sender_user_name":"A","date":1699990000}"#,
    ));
    assert!(only_message(&fwd).forwarded);
    let legacy = records(&base(r#","text":"x","forward_date":1699990000"#));
    assert!(only_message(&legacy).forwarded);
}

#[test]
fn mentions_by_username_and_by_id_with_utf16_offsets() {
    // Offsets count UTF-16 units: the emoji before the mention is two.
    let recs = records(
        r#"{"update_id":8,"message":{"message_id":4,"date":1700000000,
        "chat":{"id":-1002352533321,"title":"Uncouth","type":"supergroup"},
        "from":{"id":5342492667,"is_bot":false,"first_name":"Nelson"},
        "text":"😀 @meteorcorp_bot and Nelson",
        "entities":[{"type":"mention","offset":3,"length":15},
                    {"type":"text_mention","offset":23,"length":6,"user":{"id":5342492667,"is_bot":false,"first_name":"Nelson","last_name":"II"}}]}}"#,
    );
    let m = only_message(&recs);
    let names: Vec<(Option<&str>, &str)> = m
        .mentions
        .iter()
        .map(|x| match x {
            Mention::Member(p) => (p.platform_id.as_deref(), p.name.as_str()),
            Mention::Everyone => (None, "everyone"),
        })
        .collect();
    assert_eq!(names, vec![(None, "meteorcorp_bot"), (Some("user5342492667"), "Nelson II")]);
}

#[test]
fn new_chat_members_is_one_join_per_person() {
    // The webhook body quoted in ammarfaizi2's bot: someone adds a bot to a supergroup.
    let recs = records(
        r#"{"update_id": 235259207, "message": {
        "message_id": 105,
        "from": {"id": 243692601, "first_name": "Ammar", "last_name": "Faizi", "username": "ammarfaizi2", "language_code": "en-US"},
        "chat": {"id": -1001143029479, "title": "a", "type": "supergroup"},
        "date": 1497766548,
        "new_chat_participant": {"id": 308645660, "first_name": "Kang IceTea", "username": "kang_icetea_bot"},
        "new_chat_member": {"id": 308645660, "first_name": "Kang IceTea", "username": "kang_icetea_bot"},
        "new_chat_members": [{"id": 308645660, "first_name": "Kang IceTea", "username": "kang_icetea_bot"}]
    }}"#,
    );
    let ev = events(&recs);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].kind, EventKind::Join);
    assert_eq!(ev[0].id.as_deref(), Some("in:user308645660:1497766548"));
    assert_eq!(ev[0].subjects[0].platform_id.as_deref(), Some("user308645660"));
    assert_eq!(ev[0].actor.as_ref().map(|a| a.name.as_str()), Some("Ammar Faizi"));
    assert_eq!(ev[0].detail.as_deref(), Some("invited"));
    assert_eq!(ev[0].time.unix_ms, 1_497_766_548_000);
    assert_eq!(group(&recs).platform_id, "1143029479");
}

#[test]
fn left_chat_member_is_a_leave_or_a_kick() {
    let body = |from: u64| {
        format!(
            r#"{{"update_id":9,"message":{{"message_id":30,"date":1737280468,
            "chat":{{"id":-1002352533321,"title":"Uncouth","type":"supergroup"}},
            "from":{{"id":{from},"is_bot":false,"first_name":"X"}},
            "left_chat_participant":{{"id":7172552019,"is_bot":true,"first_name":"☄MeteorBot","username":"meteorcorp_bot"}},
            "left_chat_member":{{"id":7172552019,"is_bot":true,"first_name":"☄MeteorBot","username":"meteorcorp_bot"}}}}}}"#
        )
    };
    let own = records(&body(7172552019));
    let ev = events(&own);
    assert_eq!((ev.len(), ev[0].kind), (1, EventKind::Leave));
    assert!(ev[0].actor.is_none());
    assert!(ev[0].subjects[0].is_bot);
    let kicked = records(&body(5342492667));
    let ev = events(&kicked);
    assert_eq!(ev[0].kind, EventKind::Kick);
    assert_eq!(ev[0].actor.as_ref().and_then(|a| a.platform_id.as_deref()), Some("user5342492667"));
    assert_eq!(ev[0].id.as_deref(), Some("out:user7172552019:1737280468"));
}

#[test]
fn new_chat_title_renames_the_group() {
    let recs = records(
        r#"{"update_id":10,"message":{"message_id":31,"date":1737280000,
        "chat":{"id":-1002352533321,"title":"Uncouth 2","type":"supergroup"},
        "from":{"id":5342492667,"is_bot":false,"first_name":"Nelson"},"new_chat_title":"Uncouth 2"}}"#,
    );
    assert_eq!(group(&recs).name, "Uncouth 2");
    let ev = events(&recs);
    assert_eq!(
        (ev[0].kind, ev[0].detail.as_deref(), ev[0].id.as_deref()),
        (EventKind::Rename, Some("Uncouth 2"), Some("31"))
    );
}

/// drui9/autogram `api.md`, "Super Group add" (the bot's own `my_chat_member`).
const ADDED: &str = r#"{"update_id": 5, "my_chat_member": {
    "chat": {"id": -1002162095988, "title": "Meteor Corp.", "username": "meteorCorp", "is_forum": true, "type": "supergroup"},
    "from": {"id": 5342492667, "is_bot": false, "first_name": "Nelson", "last_name": "II", "username": "drui909", "language_code": "en"},
    "date": 1737277649,
    "old_chat_member": {"user": {"id": 7172552019, "is_bot": true, "first_name": "☄MeteorBot", "username": "meteorcorp_bot"}, "status": "left"},
    "new_chat_member": {"user": {"id": 7172552019, "is_bot": true, "first_name": "☄MeteorBot", "username": "meteorcorp_bot"}, "status": "member"}
}}"#;

#[test]
fn member_updates_become_joins_and_kicks() {
    let recs = records(ADDED);
    assert_eq!(group(&recs).platform_id, "2162095988");
    let ev = events(&recs);
    assert_eq!((ev.len(), ev[0].kind), (1, EventKind::Join));
    assert_eq!(ev[0].id.as_deref(), Some("in:user7172552019:1737277649"));
    assert_eq!(ev[0].actor.as_ref().map(|a| a.name.as_str()), Some("Nelson II"));
    // The same change as a `chat_member` update (same object) is the same event.
    let as_chat_member = records(&ADDED.replace("my_chat_member", "chat_member"));
    assert_eq!(events(&as_chat_member)[0].id, ev[0].id);

    // "Group remove": administrator → kicked.
    let removed = records(
        r#"{"update_id": 6, "chat_member": {
        "chat": {"id": -1002352533321, "title": "Uncouth", "type": "supergroup"},
        "from": {"id": 5342492667, "is_bot": false, "first_name": "Nelson", "last_name": "II", "username": "drui909", "language_code": "en"},
        "date": 1737280468,
        "old_chat_member": {"user": {"id": 7172552019, "is_bot": true, "first_name": "☄MeteorBot", "username": "meteorcorp_bot"},
            "status": "administrator", "can_be_edited": false, "can_manage_chat": true, "can_change_info": true, "can_delete_messages": true,
            "can_invite_users": true, "can_restrict_members": true, "can_pin_messages": true, "can_manage_topics": false,
            "can_promote_members": true, "can_manage_video_chats": true, "can_post_stories": true, "can_edit_stories": true,
            "can_delete_stories": true, "is_anonymous": true, "can_manage_voice_chats": true},
        "new_chat_member": {"user": {"id": 7172552019, "is_bot": true, "first_name": "☄MeteorBot", "username": "meteorcorp_bot"},
            "status": "kicked", "until_date": 0}
    }}"#,
    );
    let ev = events(&removed);
    assert_eq!((ev.len(), ev[0].kind), (1, EventKind::Kick));
    assert_eq!(ev[0].id.as_deref(), Some("out:user7172552019:1737280468"));

    // "Permissions changed": member → restricted but still a member: no join, no leave.
    let restricted = records(
        r#"{"update_id": 7, "chat_member": {
        "chat": {"id": -1002162095988, "title": "Meteor Corp.", "username": "meteorCorp", "is_forum": true, "type": "supergroup"},
        "from": {"id": 5342492667, "is_bot": false, "first_name": "Nelson", "last_name": "II"},
        "date": 1737279204,
        "old_chat_member": {"user": {"id": 7172552019, "is_bot": true, "first_name": "☄MeteorBot"}, "status": "member"},
        "new_chat_member": {"user": {"id": 7172552019, "is_bot": true, "first_name": "☄MeteorBot"}, "status": "restricted",
            "until_date": 0, "can_send_messages": true, "is_member": true}
    }}"#,
    );
    assert!(restricted.is_empty(), "{restricted:?}");

    // teloxide `issue_523`: a private chat's user blocks the bot: not a membership change.
    let blocked = records(
        r#"{"update_id":0, "my_chat_member": {
        "chat":{"id":0,"first_name":"FN","last_name":"LN","username":"UN","type":"private"},
        "from":{"id":0,"is_bot":false,"first_name":"FN","last_name":"LN","username":"UN"},
        "date":1644677726,
        "old_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"bot","username":"unBot"},"status":"member"},
        "new_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"bot","username":"unBot"},"status":"kicked","until_date":0}
    }}"#,
    );
    assert!(blocked.is_empty());

    // A member leaving of their own accord.
    let left = records(
        r#"{"update_id": 8, "chat_member": {
        "chat": {"id": -1002352533321, "title": "Uncouth", "type": "supergroup"},
        "from": {"id": 42, "is_bot": false, "first_name": "Ann"},
        "date": 1737280500,
        "old_chat_member": {"user": {"id": 42, "is_bot": false, "first_name": "Ann"}, "status": "member"},
        "new_chat_member": {"user": {"id": 42, "is_bot": false, "first_name": "Ann"}, "status": "left"}
    }}"#,
    );
    let ev = events(&left);
    assert_eq!((ev[0].kind, ev[0].actor.is_none()), (EventKind::Leave, true));
}

#[test]
fn unmodelled_updates_leave_a_note_or_nothing() {
    // teloxide `update.rs` test `message_reaction_updated`.
    let recs = records(
        r#"{"update_id": 71651249, "message_reaction": {
        "chat": {"id": -1002184233434, "title": "Test", "type": "supergroup"},
        "message_id": 35,
        "user": {"id": 1459074222, "is_bot": false, "first_name": "shadowchain", "username": "shdwchn10", "language_code": "en", "is_premium": true},
        "date": 1721306082, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "🌭"}]
    }}"#,
    );
    assert_eq!(recs.len(), 2);
    assert_eq!(group(&recs).platform_id, "2184233434");
    match &recs[1] {
        Record::Note { group: 0, text } => assert!(text.contains("message_reaction"), "{text}"),
        other => panic!("a note, got {other:?}"),
    }
    // An inline query names no chat: nothing to store, and no error.
    let none = records(
        r#"{"update_id": 3, "inline_query": {"id": "1", "from": {"id": 1, "is_bot": false, "first_name": "A"}, "query": "", "offset": ""}}"#,
    );
    assert!(none.is_empty());
}

#[test]
fn malformed_updates_name_the_field() {
    let err =
        convert(br#"{"update_id": 1, "message": {"message_id": 2, "date": 3, "chat": {"id": "x", "type": "group"}}}"#)
            .unwrap_err();
    assert!(err.contains("message.chat.id"), "{err}");
    let err = convert(br#"{"update_id": 1, "message": {"message_id": 2, "date": 3}}"#).unwrap_err();
    assert!(err.contains("chat"), "{err}");
    let err =
        convert(br#"{"message": {"message_id": 2, "date": 3, "chat": {"id": 1, "type": "private"}}}"#).unwrap_err();
    assert!(err.contains("update_id"), "{err}");
    let err = convert(b"{\"update_id\": 1,").unwrap_err();
    assert!(err.contains("not JSON"), "{err}");
    assert!(convert(b"[1]").is_err());
}

#[test]
fn bare_chat_ids() {
    assert_eq!(bare_chat_id(-1001276785818, "supergroup"), "1276785818");
    assert_eq!(bare_chat_id(-1002236736395, "channel"), "2236736395");
    assert_eq!(bare_chat_id(-4726613835, "group"), "4726613835");
    assert_eq!(bare_chat_id(218485655, "private"), "218485655");
}

#[test]
fn pages_carry_the_next_offset_and_skip_what_cannot_be_read() {
    let good: Value = serde_json::from_str(PRIVATE_TEXT).unwrap();
    let bad = serde_json::json!({"update_id": 892252935, "message": {"message_id": "x"}});
    let (d, next) = page_delivery(vec![good, bad]);
    assert_eq!(next, Some(892252936));
    assert_eq!(d.cursor.as_deref(), Some("892252936"));
    assert!(d.records.iter().any(|r| matches!(r, Record::Message { .. })));
    assert!(d.records.iter().any(|r| matches!(r, Record::Skipped { location, .. } if location.contains("892252935"))));
}

#[test]
fn the_bot_token_never_shows_in_poll_errors() {
    let token = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let t = Telegram::poll(token.to_string(), &format!("http://127.0.0.1:{port}"), 1);
    let p = t.poll.as_ref().unwrap();
    match p.get_updates(0) {
        Err(PollError::Retry { message, .. }) => assert!(!message.contains(token), "{message}"),
        other => panic!("a retryable error, got {other:?}"),
    }
    let quoted = format!("error sending request for url (http://x/bot{token}/getUpdates?offset=0)");
    let redacted = p.redact(&quoted);
    assert!(!redacted.contains(token) && redacted.contains("<bot token>"), "{redacted}");
}

#[test]
fn config_names_unknown_keys_and_missing_variables() {
    let t: toml::Value = toml::from_str("mode = \"poll\"\nbot_token_env = \"X\"\npoll_timeot_s = 5\n").unwrap();
    let err = from_config(&t).err().unwrap().to_string();
    assert!(err.contains("[telegram]") && err.contains("poll_timeot_s"), "{err}");
    let t: toml::Value = toml::from_str("mode = \"poll\"\nbot_token_env = \"SHEQUN_TEST_SURELY_UNSET_TG\"\n").unwrap();
    let err = from_config(&t).err().unwrap().to_string();
    assert!(err.contains("SHEQUN_TEST_SURELY_UNSET_TG") && err.contains("bot_token_env"), "{err}");
    let t: toml::Value = toml::from_str("mode = \"webhook\"\n").unwrap();
    let err = from_config(&t).err().unwrap().to_string();
    assert!(err.contains("secret_token_env"), "{err}");
    let t: toml::Value = toml::from_str("mode = \"poll\"\nbot_token_env = \"X\"\npoll_timeout_s = 0\n").unwrap();
    let err = from_config(&t).err().unwrap().to_string();
    assert!(err.contains("poll_timeout_s"), "{err}");
    let t: toml::Value = toml::from_str("mode = \"push\"\n").unwrap();
    let err = from_config(&t).err().unwrap().to_string();
    assert!(err.contains("push"), "{err}");
}
