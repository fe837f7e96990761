//! Reading the archive back: group summaries and whole timelines.

use std::collections::HashMap;

use serde::Serialize;
use shequn_model::{
    Coverage, Ev, EventKind, GroupKind, GroupMeta, MemberMeta, MemberRole, MessageKind, Msg, MsgIx, Platform, Timeline,
};

use crate::{Archive, ArchiveError, Result};

/// Per-group maps hashed once per message: foldhash is much cheaper than SipHash here.
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// One row of `shequn groups`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub id: i64,
    pub platform: String,
    pub platform_id: String,
    pub name: String,
    pub kind: String,
    /// Members seen: anyone who spoke, was named by an event, or is on a roster.
    pub members: u64,
    /// Members who sent at least one message.
    pub speakers: u64,
    /// The member count the source stated, if any.
    pub member_count_stated: Option<u32>,
    pub messages: u64,
    pub events: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Distinct calendar days (in the group's own clock) with a message.
    pub days_active: u64,
    /// What the sources holding this group cover (see [`Archive::coverage`]); None when no
    /// source recorded it (archives imported before it was kept).
    pub coverage: Option<Coverage>,
}

/// A text column read in place, without copying it.
fn text_of<'r>(archive: &Archive, r: &'r rusqlite::Row<'_>, i: usize) -> Result<Option<&'r str>> {
    let v = r.get_ref(i).map_err(|e| archive.err(e))?;
    v.as_str_or_null().map_err(|e| archive.err(e.into()))
}

/// A group's message span and coverage (see [`Archive::spans`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpan {
    pub id: i64,
    /// The group's first and last message (None: no messages).
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub coverage: Option<Coverage>,
}

/// Per group: the earliest first message of the sources that held it, and the latest last
/// message of their batches (sources from one folder were exported together, so a group
/// silent at the end of its own file is still covered to the batch's end).
const SOURCE_COVERAGE: &str = "
    SELECT sg.group_id, MIN(s.first_ms) AS first_ms, MAX(b.last_ms) AS last_ms
    FROM source_groups sg
    JOIN sources s ON s.fingerprint = sg.fingerprint
    JOIN (SELECT COALESCE(batch, fingerprint) AS batch, MAX(last_ms) AS last_ms FROM sources
          WHERE last_ms IS NOT NULL GROUP BY 1) b ON b.batch = COALESCE(s.batch, s.fingerprint)
    WHERE s.last_ms IS NOT NULL
    GROUP BY sg.group_id";

/// A group's coverage: its sources' span, widened to its own messages (a message
/// imported from a source that predates coverage records is covered by definition).
fn coverage_of(sources: Option<(i64, i64)>, own_first: Option<i64>, own_last: Option<i64>) -> Option<Coverage> {
    let (first, last) = sources?;
    Some(Coverage {
        first_ms: own_first.map_or(first, |o| o.min(first)),
        last_ms: own_last.map_or(last, |o| o.max(last)),
    })
}

impl Archive {
    /// Every group with its counts, ordered by id.
    pub fn groups(&self) -> Result<Vec<GroupSummary>> {
        let sql = format!(
            "
            SELECT g.id, g.platform, g.platform_id, g.name, g.kind, g.member_count,
                   (SELECT COUNT(*) FROM members m WHERE m.group_id = g.id),
                   s.speakers, s.messages, s.first_ms, s.last_ms, s.days,
                   (SELECT COUNT(*) FROM events e WHERE e.group_id = g.id),
                   c.first_ms, c.last_ms
            FROM groups g
            LEFT JOIN (
                SELECT group_id, COUNT(DISTINCT sender_id) AS speakers, COUNT(*) AS messages,
                       MIN(time_ms) AS first_ms, MAX(time_ms) AS last_ms,
                       COUNT(DISTINCT (time_ms + offset_s * 1000) / 86400000) AS days
                FROM messages GROUP BY group_id
            ) s ON s.group_id = g.id
            LEFT JOIN ({SOURCE_COVERAGE}) c ON c.group_id = g.id
            ORDER BY g.id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let (first_ms, last_ms) = (r.get(9)?, r.get(10)?);
                let sources = match (r.get::<_, Option<i64>>(13)?, r.get::<_, Option<i64>>(14)?) {
                    (Some(f), Some(l)) => Some((f, l)),
                    _ => None,
                };
                Ok(GroupSummary {
                    id: r.get(0)?,
                    platform: r.get(1)?,
                    platform_id: r.get(2)?,
                    name: r.get(3)?,
                    kind: r.get(4)?,
                    member_count_stated: r.get(5)?,
                    members: r.get::<_, i64>(6)? as u64,
                    speakers: r.get::<_, Option<i64>>(7)?.unwrap_or(0) as u64,
                    messages: r.get::<_, Option<i64>>(8)?.unwrap_or(0) as u64,
                    first_ms,
                    last_ms,
                    days_active: r.get::<_, Option<i64>>(11)?.unwrap_or(0) as u64,
                    events: r.get::<_, i64>(12)? as u64,
                    coverage: coverage_of(sources, first_ms, last_ms),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Groups matching a name or id: an exact archive id, platform id or name
    /// first; else names containing the text (case-insensitive).
    pub fn find_groups(&self, query: &str) -> Result<Vec<GroupSummary>> {
        let all = self.groups()?;
        let exact: Vec<GroupSummary> = all
            .iter()
            .filter(|g| g.id.to_string() == query || g.platform_id == query || g.name == query)
            .cloned()
            .collect();
        if !exact.is_empty() {
            return Ok(exact);
        }
        let q = query.to_lowercase();
        Ok(all.into_iter().filter(|g| g.name.to_lowercase().contains(&q)).collect())
    }

    /// Total messages, events and groups in the archive (cheap; for summaries and tests).
    pub fn counts(&self) -> Result<(u64, u64, u64)> {
        self.conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM groups), (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM events)",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)),
            )
            .map_err(|e| self.err(e))
    }

    /// Each group's coverage by archive id: from the earliest start of the sources that held
    /// it to the latest end of their batches, widened to its own messages. Groups no source recorded
    /// (archives from before coverage was kept) are absent.
    pub fn coverage(&self) -> Result<HashMap<i64, Coverage>> {
        Ok(self.spans()?.into_iter().filter_map(|g| Some((g.id, g.coverage?))).collect())
    }

    /// Every group's first and last message and coverage, without counting anything: one
    /// row per group, cheap at any archive size (what choosing each group's as-of needs).
    pub fn spans(&self) -> Result<Vec<GroupSpan>> {
        let sql = format!(
            "SELECT g.id, g.first_ms, g.last_ms, c.first_ms, c.last_ms
             FROM groups g LEFT JOIN ({SOURCE_COVERAGE}) c ON c.group_id = g.id ORDER BY g.id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let (first_ms, last_ms) = (r.get(1)?, r.get(2)?);
                let sources = match (r.get::<_, Option<i64>>(3)?, r.get::<_, Option<i64>>(4)?) {
                    (Some(f), Some(l)) => Some((f, l)),
                    _ => None,
                };
                Ok(GroupSpan { id: r.get(0)?, first_ms, last_ms, coverage: coverage_of(sources, first_ms, last_ms) })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// One group's coverage (see [`Archive::coverage`]).
    pub fn group_coverage(&self, group_id: i64) -> Result<Option<Coverage>> {
        use rusqlite::OptionalExtension;
        // The same as SOURCE_COVERAGE, for one group: its sources are found through the
        // (group_id, fingerprint) key, not by computing every group's coverage and picking one.
        type Span = (Option<i64>, Option<i64>);
        let row: Option<(Span, Span)> = self
            .conn
            .prepare_cached(
                "SELECT (SELECT MIN(s.first_ms) FROM source_groups sg JOIN sources s ON s.fingerprint = sg.fingerprint
                         WHERE sg.group_id = ?1 AND s.last_ms IS NOT NULL),
                        (SELECT MAX(b.last_ms) FROM source_groups sg JOIN sources s ON s.fingerprint = sg.fingerprint
                         JOIN sources b ON COALESCE(b.batch, b.fingerprint) = COALESCE(s.batch, s.fingerprint)
                         WHERE sg.group_id = ?1 AND s.last_ms IS NOT NULL),
                        g.first_ms, g.last_ms
                 FROM groups g WHERE g.id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([group_id], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))).optional()
            })
            .map_err(|e| self.err(e))?;
        Ok(row.and_then(|((f, l), (own_first, own_last))| coverage_of(f.zip(l), own_first, own_last)))
    }

    /// Ids of all groups, ordered.
    /// Each group's platform by archive id (cheap: no counting).
    pub fn group_platforms(&self) -> Result<HashMap<i64, String>> {
        let mut stmt = self.conn.prepare("SELECT id, platform FROM groups").map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.err(e))
    }

    pub fn group_ids(&self) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare("SELECT id FROM groups ORDER BY id").map_err(|e| self.err(e))?;
        let ids = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
        ids.collect::<std::result::Result<Vec<i64>, _>>().map_err(|e| self.err(e))
    }

    /// One group's whole history, with explicit reply links and mentions resolved.
    pub fn timeline(&self, group_id: i64) -> Result<Timeline> {
        let bad = |what: &str, v: &str| ArchiveError::Invalid(format!("archive holds an unknown {what} {v:?}"));
        let (platform, platform_id, name, kind, member_count): (String, String, String, String, Option<u32>) = self
            .conn
            .query_row(
                "SELECT platform, platform_id, name, kind, member_count FROM groups WHERE id = ?1",
                [group_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .map_err(|e| self.err(e))?;
        let platform = Platform::parse(&platform).ok_or_else(|| bad("platform", &platform))?;

        // Members, with roster facts.
        let mut members = Vec::new();
        let mut member_ix: HashMap<i64, u32> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT m.id, m.person_id, m.platform_id, m.name, m.is_bot, m.role, m.title,
                            r.member_id IS NOT NULL, r.joined_ms
                     FROM members m LEFT JOIN roster r ON r.member_id = m.id AND r.group_id = m.group_id
                     WHERE m.group_id = ?1 ORDER BY m.id",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([group_id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let id: i64 = r.get(0).map_err(|e| self.err(e))?;
                let role: Option<String> = r.get(5).map_err(|e| self.err(e))?;
                member_ix.insert(id, members.len() as u32);
                members.push(MemberMeta {
                    id,
                    person_id: r.get(1).map_err(|e| self.err(e))?,
                    platform_id: r.get(2).map_err(|e| self.err(e))?,
                    name: r.get(3).map_err(|e| self.err(e))?,
                    is_bot: r.get(4).map_err(|e| self.err(e))?,
                    role: role.as_deref().and_then(MemberRole::parse),
                    title: r.get(6).map_err(|e| self.err(e))?,
                    on_roster: r.get(7).map_err(|e| self.err(e))?,
                    roster_joined_ms: r.get(8).map_err(|e| self.err(e))?,
                });
            }
        }

        // Messages in time order; reply keys resolved after all are read. The rows come in
        // key order (there is no time index: it cost the import more than sorting costs here).
        struct Row {
            msg: Msg,
            key: Option<Box<str>>,
            reply_key: Option<Box<str>>,
        }
        let mut rows_read: Vec<Row> = Vec::new();
        let mut offsets: HashMap<i32, u64> = HashMap::new();
        let mut zone_inferred = false;
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT id, key, time_ms, offset_s, zone_inferred, sender_id, kind, text, amount_cents,
                            reply_to_key, everyone, forwarded
                     FROM messages WHERE group_id = ?1",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([group_id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let get_err = |e| self.err(e);
                let offset: i32 = r.get(3).map_err(get_err)?;
                *offsets.entry(offset).or_default() += 1;
                zone_inferred |= r.get::<_, bool>(4).map_err(get_err)?;
                let sender_id: i64 = r.get(5).map_err(get_err)?;
                // Only platform ids are kept: replies and events point at them.
                let key = text_of(self, r, 1)?.filter(|k| k.starts_with("m:")).map(Box::from);
                let kind = text_of(self, r, 6)?.unwrap_or_default();
                let kind = MessageKind::parse(kind).ok_or_else(|| bad("message kind", kind))?;
                rows_read.push(Row {
                    msg: Msg {
                        id: r.get(0).map_err(get_err)?,
                        time_ms: r.get(2).map_err(get_err)?,
                        sender: *member_ix.get(&sender_id).ok_or_else(|| bad("sender", &sender_id.to_string()))?,
                        kind,
                        text: r.get(7).map_err(get_err)?,
                        amount_cents: r.get(8).map_err(get_err)?,
                        reply_to: None,
                        mentions: Vec::new(),
                        mentions_everyone: r.get(10).map_err(get_err)?,
                        forwarded: r.get(11).map_err(get_err)?,
                    },
                    key,
                    reply_key: text_of(self, r, 9)?.map(Box::from),
                });
            }
        }
        rows_read.sort_unstable_by_key(|r| (r.msg.time_ms, r.msg.id));
        let mut msg_ix: FastMap<Box<str>, MsgIx> =
            FastMap::with_capacity_and_hasher(rows_read.len(), Default::default());
        let mut reply_keys: Vec<Option<Box<str>>> = Vec::with_capacity(rows_read.len());
        let mut messages: Vec<Msg> = Vec::with_capacity(rows_read.len());
        for (ix, row) in rows_read.into_iter().enumerate() {
            if let Some(k) = row.key {
                msg_ix.insert(k, ix as MsgIx);
            }
            reply_keys.push(row.reply_key);
            messages.push(row.msg);
        }
        for (msg, key) in messages.iter_mut().zip(reply_keys) {
            msg.reply_to = key.and_then(|k| msg_ix.get(&k).copied());
        }

        // Mentions: by member id, or by a name matched to a member's current or past name.
        {
            let mut names: HashMap<String, u32> = HashMap::new();
            let mut stmt = self
                .conn
                .prepare_cached(
                    // Each member's row name and its recorded history, in (member, name) order:
                    // of two members sharing a name, the later one is found.
                    "SELECT id, name FROM members WHERE group_id = ?1
                     UNION SELECT n.member_id, n.name FROM member_names n JOIN members m ON m.id = n.member_id
                     WHERE m.group_id = ?1 ORDER BY 1, 2",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([group_id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let mid: i64 = r.get(0).map_err(|e| self.err(e))?;
                if let Some(ix) = member_ix.get(&mid) {
                    names.insert(r.get(1).map_err(|e| self.err(e))?, *ix);
                }
            }
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT x.message_id, x.member_id, x.name FROM mentions x JOIN messages m ON m.id = x.message_id
                     WHERE m.group_id = ?1",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([group_id]).map_err(|e| self.err(e))?;
            // Built on the first mention: most groups have none.
            let mut id_ix: Option<FastMap<i64, MsgIx>> = None;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let id_ix = id_ix
                    .get_or_insert_with(|| messages.iter().enumerate().map(|(ix, m)| (m.id, ix as MsgIx)).collect());
                let message_id: i64 = r.get(0).map_err(|e| self.err(e))?;
                let member_id: Option<i64> = r.get(1).map_err(|e| self.err(e))?;
                let name: Option<String> = r.get(2).map_err(|e| self.err(e))?;
                let target = match (member_id, name) {
                    (Some(id), _) => member_ix.get(&id).copied(),
                    (None, Some(name)) => names.get(&name).copied(),
                    _ => None,
                };
                if let (Some(&mix), Some(t)) = (id_ix.get(&message_id), target) {
                    let list = &mut messages[mix as usize].mentions;
                    if !list.contains(&t) {
                        list.push(t);
                    }
                }
            }
        }

        // Events with their subjects.
        let mut events = Vec::new();
        {
            let mut subjects: HashMap<i64, Vec<u32>> = HashMap::new();
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT s.event_id, s.member_id FROM event_subjects s JOIN events e ON e.id = s.event_id
                     WHERE e.group_id = ?1",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([group_id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let eid: i64 = r.get(0).map_err(|e| self.err(e))?;
                let mid: i64 = r.get(1).map_err(|e| self.err(e))?;
                if let Some(ix) = member_ix.get(&mid) {
                    subjects.entry(eid).or_default().push(*ix);
                }
            }
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT id, time_ms, kind, actor_id, target_key, detail, amount_cents, text
                     FROM events WHERE group_id = ?1",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([group_id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let get_err = |e| self.err(e);
                let id: i64 = r.get(0).map_err(get_err)?;
                let kind: String = r.get(2).map_err(get_err)?;
                let actor: Option<i64> = r.get(3).map_err(get_err)?;
                let target: Option<String> = r.get(4).map_err(get_err)?;
                events.push(Ev {
                    id,
                    time_ms: r.get(1).map_err(get_err)?,
                    kind: EventKind::parse(&kind).ok_or_else(|| bad("event kind", &kind))?,
                    actor: actor.and_then(|a| member_ix.get(&a).copied()),
                    subjects: subjects.remove(&id).unwrap_or_default(),
                    target: target.and_then(|k| msg_ix.get(k.as_str()).copied()),
                    detail: r.get(5).map_err(get_err)?,
                    amount_cents: r.get(6).map_err(get_err)?,
                    text: r.get(7).map_err(get_err)?,
                });
            }
        }

        events.sort_unstable_by_key(|e: &Ev| (e.time_ms, e.id));

        let notes = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT text FROM notes WHERE group_id = ?1 ORDER BY text")
                .map_err(|e| self.err(e))?;
            let rows = stmt.query_map([group_id], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<std::result::Result<Vec<String>, _>>().map_err(|e| self.err(e))?
        };
        let utc_offset_s = offsets.into_iter().max_by_key(|(o, n)| (*n, *o)).map(|(o, _)| o).unwrap_or(0);

        Ok(Timeline {
            group: GroupMeta {
                id: group_id,
                platform,
                platform_id,
                name,
                kind: GroupKind::parse(&kind),
                member_count,
                utc_offset_s,
                zone_inferred,
                notes,
                coverage: self.group_coverage(group_id)?,
            },
            members,
            messages,
            events,
        })
    }
}
