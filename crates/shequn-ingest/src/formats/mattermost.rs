//! Mattermost bulk export (`mmctl export create`, JSON Lines): a `version` line, then
//! `team`, `channel`, `user`, `bot`, `post` (replies nested in their root),
//! `direct_channel` and `direct_post` lines. Each channel and each direct conversation is
//! a group. Posts carry no id in the export, so ids are built from what Mattermost's own
//! importer matches a post by (time and author), which keeps re-imports idempotent.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, MemberRole, Mention, Message, MessageKind, Person, Platform, Record,
    RosterEntry, Sink, Stamp, SystemEvent,
};

use super::discord::kind_of_file;
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct Mattermost;

impl Format for Mattermost {
    fn name(&self) -> &'static str {
        "mattermost"
    }
    fn description(&self) -> &'static str {
        "Mattermost bulk export JSON Lines (mmctl export: version, team, channel, user, post lines)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let Some(first) = head.lines().find(|l| !l.trim().is_empty()) else {
            return 0;
        };
        let first_is_version = serde_json::from_str::<VersionLine>(first).is_ok_and(|v| v.kind == "version");
        if first_is_version
            && ["\"team\"", "\"channel\"", "\"user\"", "\"post\"", "\"direct_post\""].iter().any(|k| head.contains(k))
        {
            95
        } else {
            0
        }
    }
    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let mut lines = input.lines()?;
        let mut state = State {
            path,
            sink,
            teams: HashMap::new(),
            groups: HashMap::new(),
            next_slot: 0,
            users: HashSet::new(),
            bots: HashSet::new(),
        };
        let mut seen_version = false;
        while let Some((no, raw)) = lines.next_line()? {
            if raw.trim().is_empty() {
                continue;
            }
            let line: Line = serde_json::from_str(raw).map_err(|e| {
                ParseError::new(path, format!("not a Mattermost bulk-export line: {e}"))
                    .at(format!("line {no}, column {}", e.column()))
                    .hint("expected one JSON object per line with a \"type\" of version, team, channel, user, post…")
            })?;
            if !seen_version {
                if !matches!(line, Line::Version {}) {
                    return Err(ParseError::new(path, "the first line is not {\"type\":\"version\",…}")
                        .at(format!("line {no}"))
                        .hint("a Mattermost bulk export starts with its version line; check --format"));
                }
                seen_version = true;
                continue;
            }
            state.line(line, no)?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct VersionLine {
    #[serde(rename = "type")]
    kind: String,
    #[allow(dead_code)]
    version: u32,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Version {},
    Team {
        team: Team,
    },
    Channel {
        channel: Channel,
    },
    User {
        user: User,
    },
    Bot {
        bot: Bot,
    },
    Post {
        post: Post,
    },
    DirectChannel {
        direct_channel: DirectChannel,
    },
    DirectPost {
        direct_post: Post,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Team {
    name: String,
    #[serde(default)]
    display_name: String,
}

#[derive(Deserialize)]
struct Channel {
    team: String,
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Deserialize)]
struct User {
    username: String,
    #[serde(default)]
    teams: Option<Vec<UserTeam>>,
}

#[derive(Deserialize)]
struct UserTeam {
    name: String,
    #[serde(default)]
    channels: Option<Vec<UserChannel>>,
}

#[derive(Deserialize)]
struct UserChannel {
    name: String,
    #[serde(default)]
    roles: String,
}

#[derive(Deserialize)]
struct Bot {
    username: String,
}

#[derive(Deserialize)]
struct Username {
    username: String,
}

/// v11 lists `participants: [{username}]`; older exports `members: [name]`.
#[derive(Deserialize)]
struct DirectChannel {
    #[serde(default)]
    participants: Option<Vec<Username>>,
    #[serde(default)]
    members: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(default)]
    path: String,
}

#[derive(Deserialize)]
struct Post {
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    channel_members: Option<Vec<String>>,
    user: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    props: Option<serde_json::Map<String, serde_json::Value>>,
    create_at: i64,
    #[serde(default)]
    edit_at: Option<i64>,
    #[serde(default)]
    replies: Option<Vec<Post>>,
    #[serde(default)]
    attachments: Option<Vec<Attachment>>,
}

struct State<'a> {
    path: &'a Path,
    sink: &'a mut dyn Sink,
    teams: HashMap<String, String>,
    /// `team/channel` or `dm:a,b` → the group's slot.
    groups: HashMap<String, GroupSlot>,
    next_slot: GroupSlot,
    users: HashSet<String>,
    bots: HashSet<String>,
}

impl State<'_> {
    fn person(&self, username: &str) -> Person {
        Person { is_bot: self.bots.contains(username), ..Person::with_id(username, username) }
    }

    fn declare(&mut self, key: String, info: GroupInfo) -> Result<GroupSlot, ParseError> {
        if let Some(slot) = self.groups.get(&key) {
            return Ok(*slot);
        }
        self.sink.push(Record::Group(info)).or_closed(self.path)?;
        let slot = self.next_slot;
        self.next_slot += 1;
        self.groups.insert(key, slot);
        Ok(slot)
    }

    fn channel_slot(&mut self, team: &str, channel: &str, display: &str, kind: &str) -> Result<GroupSlot, ParseError> {
        let key = format!("{team}/{channel}");
        let team_name = self.teams.get(team).filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| team.to_string());
        let shown = if display.is_empty() { channel } else { display };
        let info = GroupInfo {
            platform: Platform::Mattermost,
            platform_id: key.clone(),
            name: format!("{team_name} / {shown}"),
            kind: if kind == "D" { GroupKind::Direct } else { GroupKind::Channel },
            member_count: None,
        };
        self.declare(key, info)
    }

    /// A direct or group conversation, keyed by its sorted members.
    fn direct_slot(&mut self, members: &[String]) -> Result<GroupSlot, ParseError> {
        let mut sorted: Vec<&String> = members.iter().collect();
        sorted.sort();
        sorted.dedup();
        let joined: Vec<&str> = sorted.iter().map(|s| s.as_str()).collect();
        let key = format!("dm:{}", joined.join(","));
        if let Some(slot) = self.groups.get(&key) {
            return Ok(*slot);
        }
        let info = GroupInfo {
            platform: Platform::Mattermost,
            platform_id: key.clone(),
            name: joined.join(", "),
            kind: if sorted.len() <= 2 { GroupKind::Direct } else { GroupKind::Group },
            member_count: Some(sorted.len() as u32),
        };
        let slot = self.declare(key, info)?;
        for m in sorted {
            let entry = RosterEntry { person: self.person(m), joined: None, join_scene: None };
            self.sink.push(Record::Roster { group: slot, entry }).or_closed(self.path)?;
        }
        Ok(slot)
    }

    fn line(&mut self, line: Line, no: u64) -> Result<(), ParseError> {
        match line {
            Line::Version {} | Line::Other => Ok(()),
            Line::Team { team } => {
                self.teams.insert(team.name, team.display_name);
                Ok(())
            }
            Line::Channel { channel: c } => self.channel_slot(&c.team, &c.name, &c.display_name, &c.kind).map(|_| ()),
            Line::Bot { bot } => {
                self.bots.insert(bot.username);
                Ok(())
            }
            Line::User { user } => {
                self.users.insert(user.username.clone());
                for team in user.teams.unwrap_or_default() {
                    for ch in team.channels.unwrap_or_default() {
                        let slot = self.channel_slot(&team.name, &ch.name, "", "O")?;
                        let role = if ch.roles.split(' ').any(|r| r == "channel_admin") {
                            MemberRole::Admin
                        } else {
                            MemberRole::Member
                        };
                        let person = Person { role: Some(role), ..self.person(&user.username) };
                        let entry = RosterEntry { person, joined: None, join_scene: None };
                        self.sink.push(Record::Roster { group: slot, entry }).or_closed(self.path)?;
                    }
                }
                Ok(())
            }
            Line::DirectChannel { direct_channel: d } => {
                let members = match (d.participants, d.members) {
                    (Some(p), _) => p.into_iter().map(|u| u.username).collect(),
                    (None, Some(m)) => m,
                    (None, None) => {
                        return Err(ParseError::new(self.path, "a direct_channel without participants or members")
                            .at(format!("line {no}")))
                    }
                };
                self.direct_slot(&members).map(|_| ())
            }
            Line::Post { post } => {
                let (Some(team), Some(channel)) = (post.team.clone(), post.channel.clone()) else {
                    return Err(
                        ParseError::new(self.path, "a post without \"team\" and \"channel\"").at(format!("line {no}"))
                    );
                };
                let slot = self.channel_slot(&team, &channel, "", "O")?;
                self.post(slot, post, None)
            }
            Line::DirectPost { direct_post: post } => {
                let Some(members) = post.channel_members.clone() else {
                    return Err(ParseError::new(self.path, "a direct_post without \"channel_members\"")
                        .at(format!("line {no}")));
                };
                let slot = self.direct_slot(&members)?;
                self.post(slot, post, None)
            }
        }
    }

    /// A post and, nested in it, its replies (each replying to the root).
    fn post(&mut self, group: GroupSlot, post: Post, root: Option<&str>) -> Result<(), ParseError> {
        let id = post_id(&post);
        let time = Stamp::from_unix_ms(post.create_at);
        let record = match system_event(&post, time, |u| self.person(u)) {
            Some(mut event) => {
                event.id = Some(id.clone());
                Record::Event { group, event }
            }
            None => {
                let attachments = post.attachments.as_deref().unwrap_or_default();
                let kind = attachments.first().map(|a| kind_of_file(&a.path)).unwrap_or(MessageKind::Text);
                let message = Message {
                    id: Some(id.clone()),
                    time,
                    sender: self.person(&post.user),
                    text: post.message.clone(),
                    kind,
                    reply_to: root.map(str::to_string),
                    mentions: mentions(&post.message, &self.users, |u| self.person(u)),
                    edited: post.edit_at.filter(|t| *t > 0).map(Stamp::from_unix_ms),
                    ..Message::default()
                };
                Record::Message { group, message }
            }
        };
        self.sink.push(record).or_closed(self.path)?;
        for reply in post.replies.unwrap_or_default() {
            self.post(group, reply, Some(&id))?;
        }
        Ok(())
    }
}

/// Mattermost matches an imported post by channel, author and creation time; attachments
/// posted in the same millisecond (one upload of several files) are told apart by their paths.
fn post_id(post: &Post) -> String {
    let mut id = format!("{}-{}", post.create_at, post.user);
    if let Some(list) = post.attachments.as_deref().filter(|l| !l.is_empty()) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in list.iter().flat_map(|a| a.path.bytes().chain([0])) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        id.push_str(&format!("-{:08x}", h as u32));
    }
    id
}

/// `@name` mentions of known users, and `@all`/`@channel`/`@here`.
fn mentions(text: &str, users: &HashSet<String>, person: impl Fn(&str) -> Person) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    for (i, _) in text.match_indices('@') {
        if text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
            continue; // an e-mail address
        }
        let rest = &text[i + 1..];
        let end =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))).unwrap_or(rest.len());
        let name = rest[..end].trim_end_matches('.');
        let m = match name {
            "all" | "channel" | "here" => Mention::Everyone,
            _ if users.contains(name) => Mention::Member(person(name)),
            _ => continue,
        };
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

fn prop<'p>(post: &'p Post, key: &str) -> Option<&'p str> {
    post.props.as_ref()?.get(key)?.as_str()
}

/// System posts (`system_join_channel`, …) as events. Exports without a `type` (hand-made
/// or very old) are read by Mattermost's own English wording naming the poster.
fn system_event(post: &Post, time: Stamp, person: impl Fn(&str) -> Person) -> Option<SystemEvent> {
    let user = person(&post.user);
    let kind = match post.kind.as_deref() {
        Some(k) if !k.is_empty() => k.to_string(),
        Some(_) => return None,
        None => legacy_kind(&post.message, &post.user)?,
    };
    let mut e = SystemEvent::new(time, EventKind::Other, post.message.clone());
    let other = |key: &str, fallback: Option<&str>| prop(post, key).or(fallback).map(&person);
    match kind.as_str() {
        "system_join_channel" | "system_join_team" | "system_guest_join_channel" | "system_join_leave" => {
            e.kind = EventKind::Join;
            e.subjects.push(user);
        }
        "system_add_to_channel" | "system_add_to_team" | "system_add_guest_to_chan" => {
            e.kind = EventKind::Join;
            e.subjects.extend(other("addedUsername", legacy_added(&post.message)));
            e.actor = Some(user);
        }
        "system_leave_channel" | "system_leave_team" => {
            e.kind = EventKind::Leave;
            e.subjects.push(user);
        }
        "system_remove_from_channel" | "system_remove_from_team" => {
            e.kind = EventKind::Kick;
            e.subjects.extend(other("removedUsername", None));
            e.actor = Some(user);
        }
        "system_header_change" | "system_purpose_change" => {
            e.kind = EventKind::Topic;
            e.detail = prop(post, "new_header").or(prop(post, "new_purpose")).map(str::to_string);
            e.actor = Some(user);
        }
        "system_displayname_change" => {
            e.kind = EventKind::Rename;
            e.detail = prop(post, "new_displayname").map(str::to_string);
            e.actor = Some(user);
        }
        k if k.starts_with("system_") => {
            e.detail = Some(k.to_string());
            e.actor = Some(user);
        }
        // Plugin and integration types (`custom_…`, `slack_attachment`) are messages.
        _ => return None,
    }
    Some(e)
}

/// The type a type-less post's wording implies: `ron joined the channel.`,
/// `ron added to the channel by harry.` (the poster is the one named).
fn legacy_kind(message: &str, user: &str) -> Option<String> {
    let m = message.strip_suffix('.')?;
    for place in ["channel", "team"] {
        if m == format!("{user} joined the {place}") {
            return Some(format!("system_join_{place}"));
        }
        if m == format!("{user} left the {place}") {
            return Some(format!("system_leave_{place}"));
        }
        if m.ends_with(&format!(" added to the {place} by {user}")) {
            return Some(format!("system_add_to_{place}"));
        }
    }
    None
}

fn legacy_added(message: &str) -> Option<&str> {
    message.split_once(" added to the ").map(|(who, _)| who).filter(|w| !w.contains(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_wording_names_the_poster() {
        assert_eq!(legacy_kind("ron joined the channel.", "ron").as_deref(), Some("system_join_channel"));
        assert_eq!(
            legacy_kind("ron added to the channel by harry.", "harry").as_deref(),
            Some("system_add_to_channel")
        );
        assert_eq!(legacy_kind("ron joined the channel.", "harry"), None);
        assert_eq!(legacy_added("ron added to the channel by harry."), Some("ron"));
    }

    #[test]
    fn mentions_known_users_and_everyone() {
        let users: HashSet<String> = ["ron".to_string(), "a.b".to_string()].into();
        let got = mentions("@ron hi, mail x@ron.com, @a.b. and @all, @nobody", &users, |u| Person::with_id(u, u));
        assert_eq!(
            got,
            vec![
                Mention::Member(Person::with_id("ron", "ron")),
                Mention::Member(Person::with_id("a.b", "a.b")),
                Mention::Everyone
            ]
        );
    }
}
