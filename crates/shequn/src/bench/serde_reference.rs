//! The practical limit: a bare typed serde parse of a Telegram Desktop export.
//!
//! Every message is deserialised into a small struct (id, type, time, sender,
//! reply, text) and dropped at once, streaming the `messages` arrays from a
//! reader, as a parser that builds nothing else would. shequn's own import is
//! measured against this.

use std::fmt;
use std::io::BufReader;
use std::path::Path;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A full-account export (`chats.list[]`) or a single-chat export (`messages[]`).
#[derive(Deserialize)]
struct Export {
    #[serde(default)]
    chats: Option<ChatList>,
    #[serde(default)]
    left_chats: Option<ChatList>,
    #[serde(default)]
    messages: Option<Messages>,
}

#[derive(Deserialize)]
struct ChatList {
    list: Vec<Chat>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // read to make the parse typed, never used
struct Chat {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    id: i64,
    #[serde(default)]
    messages: Option<Messages>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // read to make the parse typed, never used
struct Msg {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    date_unixtime: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    from_id: Option<String>,
    #[serde(default)]
    reply_to_message_id: Option<i64>,
    #[serde(default)]
    text: Text,
}

/// Message text: a string, or an array of strings and `{type, text}` parts. Holds its length.
#[derive(Default)]
struct Text(usize);

/// How many messages an array held; each was parsed into a [`Msg`] and dropped.
struct Messages(u64);

impl<'de> Deserialize<'de> for Messages {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Messages, D::Error> {
        struct Counter;
        impl<'de> Visitor<'de> for Counter {
            type Value = Messages;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of messages")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Messages, A::Error> {
                let mut n = 0;
                while let Some(m) = seq.next_element::<Msg>()? {
                    if m.kind == "message" {
                        n += 1;
                    }
                }
                Ok(Messages(n))
            }
        }
        d.deserialize_seq(Counter)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a part object or an array of parts")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.len()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v.len()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                let mut len = 0;
                while let Some(part) = seq.next_element::<Text>()? {
                    len += part.0;
                }
                Ok(Text(len))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut len = 0;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "text" {
                        len += map.next_value::<String>()?.len();
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Text(len))
            }
        }
        d.deserialize_any(TextVisitor)
    }
}

/// Parses the export at `path`; returns the number of `"type": "message"` entries.
pub fn count_messages(path: &Path) -> anyhow::Result<u64> {
    let file = std::fs::File::open(path)?;
    let export: Export = serde_json::from_reader(BufReader::with_capacity(1 << 20, file))
        .map_err(|e| anyhow::anyhow!("{}: not a Telegram export the reference parse reads: {e}", path.display()))?;
    let in_list = |l: &Option<ChatList>| -> u64 {
        l.iter().flat_map(|l| &l.list).map(|c| c.messages.as_ref().map_or(0, |m| m.0)).sum()
    };
    Ok(in_list(&export.chats) + in_list(&export.left_chats) + export.messages.map_or(0, |m| m.0))
}

#[cfg(test)]
mod tests {
    use super::count_messages;

    #[test]
    fn counts_messages_not_service_entries_in_both_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("full.json");
        std::fs::write(
            &full,
            r#"{"about":"x","chats":{"about":"y","list":[
              {"name":"A","type":"private_supergroup","id":1,"messages":[
                {"id":1,"type":"message","date_unixtime":"1","from":"a","from_id":"user1","text":"hi","text_entities":[]},
                {"id":2,"type":"service","date_unixtime":"2","actor":"a","action":"invite_members","text":""},
                {"id":3,"type":"message","date_unixtime":"3","from":"b","from_id":"user2","reply_to_message_id":1,
                 "text":["see ",{"type":"link","text":"t.me/x"}],"text_entities":[]}]},
              {"name":"B","type":"private_group","id":2,"messages":[]}]}}"#,
        )
        .unwrap();
        assert_eq!(count_messages(&full).unwrap(), 2);
        let single = dir.path().join("single.json");
        std::fs::write(
            &single,
            r#"{"name":"A","type":"private_group","id":1,"messages":[{"id":1,"type":"message","date_unixtime":"1","text":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(count_messages(&single).unwrap(), 1);
    }

    #[test]
    fn a_truncated_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cut.json");
        std::fs::write(&p, r#"{"chats":{"list":[{"type":"x","id":1,"messages":[{"id":1,"type":"message""#).unwrap();
        assert!(count_messages(&p).is_err());
    }
}
