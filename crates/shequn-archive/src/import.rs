//! Writing one input file's records inside one transaction.

// The writer looks members up once or twice per message: foldhash (randomly seeded) is much cheaper than SipHash.
use foldhash::{HashMap, HashMapExt};
use std::fmt::Write as _;

use rusqlite::{params, Connection, OptionalExtension, Statement, Transaction};
use serde::Serialize;
use shequn_model::{GroupInfo, MemberRole, Mention, Message, Person, Record, RosterEntry, Stamp, SystemEvent};
use xxhash_rust::xxh3::xxh3_128;

use crate::{ArchiveError, Result};

/// What one file (or a whole import) added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    pub groups_new: u64,
    /// Archive ids of the groups this file touched.
    pub group_ids: Vec<i64>,
    pub messages_new: u64,
    pub messages_present: u64,
    pub events_new: u64,
    pub events_present: u64,
    pub members_new: u64,
    pub roster_entries: u64,
    /// Records the parser skipped, with where and why.
    pub skipped: Vec<(String, String)>,
    /// Distinct notes the parsers left on groups (assumed zones, what the platform does not record).
    pub notes: Vec<String>,
    /// The first and last message time the file held (new or already present), in any group.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Messages an earlier, cut-off copy of an export had stored with their text cut short,
    /// replaced by this file's whole message (see [`TailCheck`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub cut_off_replaced: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ImportStats {
    pub fn add(&mut self, other: &ImportStats) {
        self.groups_new += other.groups_new;
        for id in &other.group_ids {
            if !self.group_ids.contains(id) {
                self.group_ids.push(*id);
            }
        }
        self.messages_new += other.messages_new;
        self.messages_present += other.messages_present;
        self.events_new += other.events_new;
        self.events_present += other.events_present;
        self.members_new += other.members_new;
        self.roster_entries += other.roster_entries;
        self.skipped.extend(other.skipped.iter().cloned());
        for n in &other.notes {
            if !self.notes.contains(n) {
                self.notes.push(n.clone());
            }
        }
        self.first_ms = min_some(self.first_ms, other.first_ms);
        self.last_ms = self.last_ms.max(other.last_ms);
        self.cut_off_replaced += other.cut_off_replaced;
    }
}

/// A cut-off export's last line is a message with its text cut short and a content key of
/// its own, so importing the whole export later would keep it beside the whole message (#19
/// item 5). A file's last message sits at its source's end time; so when this file adds a
/// message without a platform id at the end time of an earlier source of the group, a stored
/// message there by the same sender whose text is a strict prefix of the new text, and which
/// this file does not itself hold, is that cut-off copy and is replaced.
#[derive(Default)]
struct TailCheck {
    /// End times of the group's earlier sources (loaded once, for groups that existed).
    source_ends: Option<foldhash::HashSet<i64>>,
    /// Keys this file holds at those times (new or present): never replaced.
    held: foldhash::HashSet<String>,
    /// Messages this file added at those times: (time, sender, text, key).
    added: Vec<(i64, i64, String, String)>,
}

fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A source (file or export folder) that was imported whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRecord {
    /// Hash of the bytes, the format and the parser version.
    pub fingerprint: String,
    pub format: String,
    pub path: String,
    pub bytes: u64,
    /// Messages and events the source held when it was imported.
    pub messages: u64,
    pub events: u64,
    pub imported_ms: i64,
    /// The first and last message time in the whole source (None: no messages, or imported
    /// before the archive kept it).
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Sources of one batch (the folder they sat in) were exported together: a group's
    /// coverage ends at the newest message of its batches. None: a batch of its own.
    pub batch: Option<String>,
}

struct GroupState {
    id: i64,
    platform: &'static str,
    /// Created in this transaction: it has no members or messages yet, so lookups can be skipped.
    fresh: bool,
    /// Member ids by platform id and, for people without one, by name (looked up without building a key).
    members_by_id: HashMap<String, MemberSlot>,
    members_by_name: HashMap<String, MemberSlot>,
    /// How often each content hash was seen in this file, for occurrence keys.
    occurrences: HashMap<u128, u32>,
    /// The first and last time of the messages this file added to the group.
    span: Option<(i64, i64)>,
    tails: TailCheck,
}

/// A member this file has met: its id, and the name and flags last written for
/// it. Most messages repeat them, and skipping the write keeps import at one
/// insert per message.
struct MemberSlot {
    id: i64,
    written: Option<(String, bool, Option<MemberRole>, Option<String>)>,
}

impl MemberSlot {
    fn unchanged(&self, person: &Person) -> bool {
        self.written.as_ref().is_some_and(|(name, bot, role, title)| {
            *name == person.name && *bot == person.is_bot && *role == person.role && *title == person.title
        })
    }
}

impl GroupState {
    fn cached_member(&self, person: &Person) -> Option<&MemberSlot> {
        match &person.platform_id {
            Some(id) => self.members_by_id.get(id.as_str()),
            None => self.members_by_name.get(person.name.as_str()),
        }
    }

    fn cached_member_mut(&mut self, person: &Person) -> Option<&mut MemberSlot> {
        match &person.platform_id {
            Some(id) => self.members_by_id.get_mut(id.as_str()),
            None => self.members_by_name.get_mut(person.name.as_str()),
        }
    }
}

/// The statements run once or more per record, prepared once per file: looking
/// each up in rusqlite's cache by its text cost more than binding it.
struct Statements<'a> {
    insert_message: Statement<'a>,
    insert_event: Statement<'a>,
    insert_event_subject: Statement<'a>,
    insert_mention: Statement<'a>,
    select_member: Statement<'a>,
    insert_member: Statement<'a>,
    insert_member_name: Statement<'a>,
    insert_person: Statement<'a>,
    select_person: Statement<'a>,
}

impl<'a> Statements<'a> {
    fn prepare(conn: &'a Connection) -> rusqlite::Result<Statements<'a>> {
        Ok(Statements {
            insert_message: conn.prepare(
                "INSERT INTO messages (group_id, key, time_ms, offset_s, zone_inferred, sender_id, kind, text, amount_cents,
                                       reply_to_key, everyone, forwarded, edited_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (group_id, key) DO NOTHING",
            )?,
            insert_event: conn.prepare(
                "INSERT INTO events (group_id, key, time_ms, offset_s, kind, actor_id, target_key, detail, amount_cents, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (group_id, key) DO NOTHING",
            )?,
            insert_event_subject: conn
                .prepare("INSERT OR IGNORE INTO event_subjects (event_id, member_id) VALUES (?1, ?2)")?,
            insert_mention: conn.prepare("INSERT INTO mentions (message_id, member_id, name) VALUES (?1, ?2, ?3)")?,
            select_member: conn.prepare("SELECT id FROM members WHERE group_id = ?1 AND key = ?2")?,
            insert_member: conn.prepare(
                "INSERT INTO members (group_id, key, person_id, platform_id, name, name_ms, is_bot, role, title)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
            insert_member_name: conn
                .prepare("INSERT OR IGNORE INTO member_names (member_id, name, first_ms) VALUES (?1, ?2, ?3)")?,
            insert_person: conn.prepare("INSERT OR IGNORE INTO people (platform, platform_id) VALUES (?1, ?2)")?,
            select_person: conn.prepare("SELECT id FROM people WHERE platform = ?1 AND platform_id = ?2")?,
        })
    }
}

fn sql_err(path: &str, source: rusqlite::Error) -> ArchiveError {
    ArchiveError::Sqlite { path: path.to_string(), source }
}

/// `id:<platform id>` or `name:<name>`, as [`Person::key`] spells it, written into `out`.
fn member_key<'b>(person: &Person, out: &'b mut String) -> &'b str {
    out.clear();
    match &person.platform_id {
        Some(id) => {
            out.push_str("id:");
            out.push_str(id);
        }
        None => {
            out.push_str("name:");
            out.push_str(&person.name);
        }
    }
    out
}

/// `m:<platform id>`, the key of a message the platform numbered, written into `out`.
fn id_key<'b>(id: &str, out: &'b mut String) -> &'b str {
    out.clear();
    out.push_str("m:");
    out.push_str(id);
    out
}

/// One file's import in progress. Dropping it without [`FileImport::commit`]
/// rolls everything back.
pub struct FileImport<'a> {
    // Declared before `tx` so the statements are finalized before a rollback.
    stmts: Statements<'a>,
    tx: Transaction<'a>,
    path: String,
    groups: Vec<GroupState>,
    /// People ids by (platform, platform id), across the groups of this file.
    people: HashMap<(&'static str, String), i64>,
    /// Reused buffers for keys, so the hot path does not allocate per message.
    key_buf: String,
    reply_buf: String,
    member_buf: String,
    stats: ImportStats,
}

impl<'a> FileImport<'a> {
    pub(crate) fn new(conn: &'a Connection, tx: Transaction<'a>, path: String) -> Result<FileImport<'a>> {
        let stmts = Statements::prepare(conn).map_err(|e| sql_err(&path, e))?;
        Ok(FileImport {
            stmts,
            tx,
            path,
            groups: Vec::new(),
            people: HashMap::new(),
            key_buf: String::new(),
            reply_buf: String::new(),
            member_buf: String::new(),
            stats: ImportStats::default(),
        })
    }

    fn err(&self, source: rusqlite::Error) -> ArchiveError {
        sql_err(&self.path, source)
    }

    /// Writes one record.
    pub fn apply(&mut self, record: Record) -> Result<()> {
        self.apply_ref(&record)
    }

    /// Writes one record the caller keeps (to free or reuse elsewhere).
    pub fn apply_ref(&mut self, record: &Record) -> Result<()> {
        match record {
            Record::Group(info) => self.group(info),
            Record::Roster { group, entry } => self.roster(*group, entry),
            Record::Message { group, message } => self.message(*group, message),
            Record::Event { group, event } => self.event(*group, event),
            Record::Note { group, text } => {
                let gid = self.slot(*group)?.id;
                if !self.stats.notes.contains(text) {
                    self.stats.notes.push(text.clone());
                }
                self.tx
                    .prepare_cached("INSERT OR IGNORE INTO notes (group_id, text) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![gid, text]))
                    .map_err(|e| self.err(e))?;
                Ok(())
            }
            Record::Skipped { location, reason } => {
                self.stats.skipped.push((location.clone(), reason.clone()));
                Ok(())
            }
        }
    }

    /// Remembers that the source with this fingerprint is now fully imported, with its
    /// coverage and the groups it held (one row per group), in the same transaction as its
    /// records. Importing it again (`--force`) fills in what an older archive lacks.
    pub fn record_source(&mut self, source: &SourceRecord) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO sources (fingerprint, format, path, bytes, messages, events, imported_ms, first_ms, last_ms, batch)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (fingerprint) DO UPDATE SET format = excluded.format, path = excluded.path,
                     bytes = excluded.bytes, messages = excluded.messages, events = excluded.events,
                     imported_ms = excluded.imported_ms, first_ms = excluded.first_ms, last_ms = excluded.last_ms,
                     batch = excluded.batch",
                params![
                    source.fingerprint,
                    source.format,
                    source.path,
                    source.bytes as i64,
                    source.messages as i64,
                    source.events as i64,
                    source.imported_ms,
                    source.first_ms,
                    source.last_ms,
                    source.batch
                ],
            )
            .map_err(|e| self.err(e))?;
        let mut insert = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO source_groups (fingerprint, group_id) VALUES (?1, ?2)")
            .map_err(|e| sql_err(&self.path, e))?;
        for gid in &self.stats.group_ids {
            insert.execute(params![source.fingerprint, gid]).map_err(|e| sql_err(&self.path, e))?;
        }
        Ok(())
    }

    /// Records where a live source now is in its platform's stream (an offset, a sync
    /// token), in this transaction: committed with the records it delivered, or not at all.
    pub fn set_cursor(&mut self, source: &str, value: &str, now_ms: i64) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO live_cursors (source, value, updated_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
            )
            .and_then(|mut s| s.execute(params![source, value, now_ms]))
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Keeps the live source `name` as a source of the groups this transaction touched: it
    /// covers them from its first message to `now_ms` (the service was listening, so a
    /// silence up to now is real silence), and counts what it added. One row per live
    /// source (`live:<name>`, its own batch), widened at every commit.
    pub fn record_live(&mut self, name: &str, now_ms: i64) -> Result<()> {
        let fingerprint = format!("live:{name}");
        let first = self.stats.first_ms.unwrap_or(now_ms).min(now_ms);
        self.tx
            .execute(
                "INSERT INTO sources (fingerprint, format, path, bytes, messages, events, imported_ms, first_ms, last_ms, batch)
                 VALUES (?1, ?1, 'live', 0, ?2, ?3, ?4, ?5, ?4, ?1)
                 ON CONFLICT (fingerprint) DO UPDATE SET messages = messages + excluded.messages,
                     events = events + excluded.events, imported_ms = excluded.imported_ms,
                     first_ms = MIN(COALESCE(first_ms, excluded.first_ms), excluded.first_ms),
                     last_ms = MAX(COALESCE(last_ms, excluded.last_ms), excluded.last_ms)",
                params![fingerprint, self.stats.messages_new as i64, self.stats.events_new as i64, now_ms, first],
            )
            .map_err(|e| self.err(e))?;
        let mut insert = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO source_groups (fingerprint, group_id) VALUES (?1, ?2)")
            .map_err(|e| sql_err(&self.path, e))?;
        for gid in &self.stats.group_ids {
            insert.execute(params![fingerprint, gid]).map_err(|e| sql_err(&self.path, e))?;
        }
        Ok(())
    }

    /// Extends live source `name`'s coverage to `now_ms` without storing anything (the
    /// service's heartbeat while a platform is quiet). A source that never stored is left out.
    pub fn extend_live(&mut self, name: &str, now_ms: i64) -> Result<()> {
        self.tx
            .execute(
                "UPDATE sources SET last_ms = MAX(COALESCE(last_ms, ?2), ?2) WHERE fingerprint = ?1",
                params![format!("live:{name}"), now_ms],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// What this file has added so far.
    pub fn stats(&self) -> &ImportStats {
        &self.stats
    }

    /// Commits the file and returns what it added.
    pub fn commit(self) -> Result<ImportStats> {
        let FileImport { stmts, tx, path, mut stats, groups, .. } = self;
        drop(stmts);
        for g in &groups {
            stats.cut_off_replaced += replace_cut_off(&tx, g.id, &g.tails)
                .map_err(|source| ArchiveError::Sqlite { path: path.clone(), source })?;
        }
        // Widen each group's span by the messages added; a file that added none writes nothing.
        for g in &groups {
            let Some((first, last)) = g.span else { continue };
            tx.execute(
                "UPDATE groups SET first_ms = MIN(COALESCE(first_ms, ?2), ?2), last_ms = MAX(COALESCE(last_ms, ?3), ?3)
                 WHERE id = ?1",
                params![g.id, first, last],
            )
            .map_err(|source| ArchiveError::Sqlite { path: path.clone(), source })?;
        }
        tx.commit().map_err(|source| ArchiveError::Sqlite { path: path.clone(), source })?;
        Ok(stats)
    }

    /// Whether `time_ms` is the end time of an earlier source of the group in `slot`.
    fn at_source_end(&mut self, slot: u32, time_ms: i64) -> Result<bool> {
        let gid = self.groups[slot as usize].id;
        if self.groups[slot as usize].tails.source_ends.is_none() {
            let ends = self
                .tx
                .prepare_cached(
                    "SELECT s.last_ms FROM source_groups g JOIN sources s ON s.fingerprint = g.fingerprint
                     WHERE g.group_id = ?1 AND s.last_ms IS NOT NULL",
                )
                .and_then(|mut st| st.query_map(params![gid], |r| r.get::<_, i64>(0))?.collect())
                .map_err(|e| sql_err(&self.path, e))?;
            self.groups[slot as usize].tails.source_ends = Some(ends);
        }
        Ok(self.groups[slot as usize].tails.source_ends.as_ref().is_some_and(|e| e.contains(&time_ms)))
    }

    fn slot(&self, slot: u32) -> Result<&GroupState> {
        self.groups.get(slot as usize).ok_or_else(|| {
            ArchiveError::Invalid(format!("parser bug: record refers to group slot {slot} before it was declared"))
        })
    }

    fn group(&mut self, info: &GroupInfo) -> Result<()> {
        let platform = info.platform.as_str();
        let existing: Option<(i64, String, Option<u32>)> = self
            .tx
            .prepare_cached("SELECT id, name, member_count FROM groups WHERE platform = ?1 AND platform_id = ?2")
            .and_then(|mut s| {
                s.query_row(params![platform, info.platform_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()
            })
            .map_err(|e| self.err(e))?;
        let fresh = existing.is_none();
        let id = match existing {
            Some((id, name, count)) => {
                // Only write when something changed, so a re-import leaves the file untouched.
                // A live event that does not carry the group's name (OneBot, Slack) keeps it.
                let count_new = info.member_count.or(count);
                let name_new = if info.name.is_empty() { &name } else { &info.name };
                if name != *name_new || count_new != count {
                    self.tx
                        .execute(
                            "UPDATE groups SET name = ?2, member_count = ?3 WHERE id = ?1",
                            params![id, name_new, count_new],
                        )
                        .map_err(|e| self.err(e))?;
                }
                id
            }
            None => {
                self.tx
                    .execute(
                        "INSERT INTO groups (platform, platform_id, name, kind, member_count) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            platform,
                            info.platform_id,
                            if info.name.is_empty() { &info.platform_id } else { &info.name },
                            info.kind.as_str(),
                            info.member_count
                        ],
                    )
                    .map_err(|e| self.err(e))?;
                self.stats.groups_new += 1;
                self.tx.last_insert_rowid()
            }
        };
        if !self.stats.group_ids.contains(&id) {
            self.stats.group_ids.push(id);
        }
        self.groups.push(GroupState {
            id,
            platform,
            fresh,
            members_by_id: HashMap::new(),
            members_by_name: HashMap::new(),
            occurrences: HashMap::new(),
            span: None,
            tails: TailCheck::default(),
        });
        Ok(())
    }

    /// The member id for `person` in group `slot`, created or updated as needed.
    fn member(&mut self, slot: u32, person: &Person, seen_ms: i64) -> Result<i64> {
        let state = self.slot(slot)?;
        let (gid, platform, fresh) = (state.id, state.platform, state.fresh);
        // Whether the name may differ from the one stored (unknown until this file wrote it).
        let mut name_may_differ = true;
        let (id, created) = match state.cached_member(person) {
            Some(known) if known.unchanged(person) => return Ok(known.id),
            Some(known) => {
                name_may_differ = known.written.as_ref().is_none_or(|(name, ..)| *name != person.name);
                (known.id, false)
            }
            None => {
                let key = member_key(person, &mut self.member_buf);
                let found: Option<i64> = if fresh {
                    None
                } else {
                    self.stmts
                        .select_member
                        .query_row(params![gid, key], |r| r.get(0))
                        .optional()
                        .map_err(|e| sql_err(&self.path, e))?
                };
                let (id, created) = match found {
                    Some(id) => (id, false),
                    None => {
                        let person_id = match &person.platform_id {
                            Some(pid) => Some(self.person(platform, pid)?),
                            None => None,
                        };
                        let key = member_key(person, &mut self.member_buf);
                        self.stmts
                            .insert_member
                            .execute(params![
                                gid,
                                key,
                                person_id,
                                person.platform_id,
                                person.name,
                                seen_ms,
                                person.is_bot,
                                person.role.map(|r| r.as_str()),
                                person.title
                            ])
                            .map_err(|e| sql_err(&self.path, e))?;
                        self.stats.members_new += 1;
                        (self.tx.last_insert_rowid(), true)
                    }
                };
                let state = &mut self.groups[slot as usize];
                let entry = MemberSlot { id, written: None };
                match &person.platform_id {
                    Some(pid) => state.members_by_id.insert(pid.clone(), entry),
                    None => state.members_by_name.insert(person.name.clone(), entry),
                };
                (id, created)
            }
        };
        // Names over time: a member's row holds the name it was first seen with (and then the
        // newest); `member_names` holds the history only once a second name, or a second
        // file, shows up, so the common case (a new member, one name) costs no extra row.
        // The row's name joins the history first, then the name seen now; the newest new
        // name becomes the display name. An empty name (a live event that carries only an
        // id) is no name: any name seen later, even from an older export, replaces it.
        if !person.name.is_empty() && !created && name_may_differ {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO member_names (member_id, name, first_ms)
                     SELECT id, name, name_ms FROM members WHERE id = ?1 AND name <> ''",
                )
                .and_then(|mut s| s.execute([id]))
                .map_err(|e| self.err(e))?;
            let inserted = self
                .stmts
                .insert_member_name
                .execute(params![id, person.name, seen_ms])
                .map_err(|e| sql_err(&self.path, e))?;
            if inserted > 0 {
                self.tx
                    .prepare_cached(
                        "UPDATE members SET name = ?2, name_ms = ?3 WHERE id = ?1 AND (name_ms <= ?3 OR name = '') AND name <> ?2",
                    )
                    .and_then(|mut s| s.execute(params![id, person.name, seen_ms]))
                    .map_err(|e| self.err(e))?;
            }
        }
        if !created && (person.is_bot || person.role.is_some() || person.title.is_some()) {
            self.tx
                .prepare_cached(
                    "UPDATE members SET is_bot = MAX(is_bot, ?2), role = COALESCE(?3, role), title = COALESCE(?4, title)
                     WHERE id = ?1 AND (is_bot < ?2 OR role IS NOT ?3 AND ?3 IS NOT NULL OR title IS NOT ?4 AND ?4 IS NOT NULL)",
                )
                .and_then(|mut s| s.execute(params![id, person.is_bot, person.role.map(|r| r.as_str()), person.title]))
                .map_err(|e| self.err(e))?;
        }
        if let Some(entry) = self.groups[slot as usize].cached_member_mut(person) {
            entry.written = Some((person.name.clone(), person.is_bot, person.role, person.title.clone()));
        }
        Ok(id)
    }

    fn person(&mut self, platform: &'static str, platform_id: &str) -> Result<i64> {
        // Borrowed lookups need the tuple's String: this runs once per new member, not per message.
        let cache_key = (platform, platform_id.to_string());
        if let Some(id) = self.people.get(&cache_key) {
            return Ok(*id);
        }
        let inserted =
            self.stmts.insert_person.execute(params![platform, platform_id]).map_err(|e| sql_err(&self.path, e))?;
        let id = if inserted > 0 {
            self.tx.last_insert_rowid()
        } else {
            self.stmts
                .select_person
                .query_row(params![platform, platform_id], |r| r.get(0))
                .map_err(|e| sql_err(&self.path, e))?
        };
        self.people.insert(cache_key, id);
        Ok(id)
    }

    /// `m:<id>` for platform ids; else a content hash with its occurrence number
    /// in this file, so two identical lines stay two messages and a re-import matches.
    /// The key is left in `self.key_buf`.
    fn key(&mut self, slot: u32, id: &Option<String>, content: impl FnOnce(&mut Vec<u8>)) {
        if let Some(id) = id {
            id_key(id, &mut self.key_buf);
            return;
        }
        let mut buf = Vec::new();
        content(&mut buf);
        let hash = xxh3_128(&buf);
        let n = self.groups[slot as usize].occurrences.entry(hash).or_insert(0);
        *n += 1;
        self.key_buf.clear();
        let _ = write!(self.key_buf, "c:{hash:032x}:{n}");
    }

    fn message(&mut self, slot: u32, m: &Message) -> Result<()> {
        let gid = self.slot(slot)?.id;
        let time = m.time;
        self.stats.first_ms = Some(self.stats.first_ms.map_or(time.unix_ms, |f| f.min(time.unix_ms)));
        self.stats.last_ms = Some(self.stats.last_ms.map_or(time.unix_ms, |l| l.max(time.unix_ms)));
        self.key(slot, &m.id, |buf| {
            // As written: a relayed message keeps the key of the bridge's line.
            for part in [
                &time.unix_ms.to_le_bytes()[..],
                m.written_sender_key().as_bytes(),
                m.written_text().as_bytes(),
                m.kind.as_str().as_bytes(),
            ] {
                buf.extend_from_slice(part);
                buf.push(0);
            }
        });
        let sender = self.member(slot, &m.sender, time.unix_ms)?;
        let everyone = m.mentions.iter().any(|x| matches!(x, Mention::Everyone));
        let reply_key = m.reply_to.as_deref().map(|r| id_key(r, &mut self.reply_buf));
        let inserted = self
            .stmts
            .insert_message
            .execute(params![
                gid,
                self.key_buf,
                time.unix_ms,
                time.offset_s,
                time.zone_inferred,
                sender,
                m.kind.as_str(),
                m.text,
                m.amount_cents,
                reply_key,
                everyone,
                m.forwarded,
                m.edited.map(|e: Stamp| e.unix_ms)
            ])
            .map_err(|e| sql_err(&self.path, e))?;
        if m.id.is_none() && !self.groups[slot as usize].fresh && self.at_source_end(slot, time.unix_ms)? {
            let tails = &mut self.groups[slot as usize].tails;
            tails.held.insert(self.key_buf.clone());
            if inserted > 0 {
                tails.added.push((time.unix_ms, sender, m.text.clone(), self.key_buf.clone()));
            }
        }
        if inserted == 0 {
            self.stats.messages_present += 1;
            // A live edit (Telegram edited_message, Slack message_changed) carries the new
            // text: the newest edit wins; an export of the same message changes nothing.
            if let Some(edited) = m.edited {
                self.tx
                    .prepare_cached(
                        "UPDATE messages SET text = ?3, edited_ms = ?4
                         WHERE group_id = ?1 AND key = ?2 AND (edited_ms IS NULL OR edited_ms < ?4) AND text <> ?3",
                    )
                    .and_then(|mut s| s.execute(params![gid, self.key_buf, m.text, edited.unix_ms]))
                    .map_err(|e| sql_err(&self.path, e))?;
            }
            return Ok(());
        }
        self.stats.messages_new += 1;
        let state = &mut self.groups[slot as usize];
        state.span =
            Some(state.span.map_or((time.unix_ms, time.unix_ms), |(f, l)| (f.min(time.unix_ms), l.max(time.unix_ms))));
        let message_id = self.tx.last_insert_rowid();
        for mention in &m.mentions {
            let Mention::Member(person) = mention else {
                continue;
            };
            // By id the member is certain; by name only, keep the name and match it when reading.
            let (member_id, name) = match &person.platform_id {
                Some(_) => (Some(self.member(slot, person, time.unix_ms)?), None),
                None => (None, Some(person.name.as_str())),
            };
            self.stmts
                .insert_mention
                .execute(params![message_id, member_id, name])
                .map_err(|e| sql_err(&self.path, e))?;
        }
        Ok(())
    }

    fn event(&mut self, slot: u32, e: &SystemEvent) -> Result<()> {
        let gid = self.slot(slot)?.id;
        self.key(slot, &e.id, |buf| {
            let subject_keys: Vec<String> = e.subjects.iter().map(|p| p.key()).collect();
            for part in [
                &e.time.unix_ms.to_le_bytes()[..],
                e.kind.as_str().as_bytes(),
                e.text.as_bytes(),
                subject_keys.join("\u{1}").as_bytes(),
            ] {
                buf.extend_from_slice(part);
                buf.push(0);
            }
        });
        let actor = match &e.actor {
            Some(p) => Some(self.member(slot, p, e.time.unix_ms)?),
            None => None,
        };
        let mut subjects = Vec::with_capacity(e.subjects.len());
        for p in &e.subjects {
            subjects.push(self.member(slot, p, e.time.unix_ms)?);
        }
        let target_key = e.target.as_deref().map(|t| id_key(t, &mut self.reply_buf));
        let inserted = self
            .stmts
            .insert_event
            .execute(params![
                gid,
                self.key_buf,
                e.time.unix_ms,
                e.time.offset_s,
                e.kind.as_str(),
                actor,
                target_key,
                e.detail,
                e.amount_cents,
                e.text
            ])
            .map_err(|err| sql_err(&self.path, err))?;
        if inserted == 0 {
            self.stats.events_present += 1;
            return Ok(());
        }
        self.stats.events_new += 1;
        let event_id = self.tx.last_insert_rowid();
        for member_id in subjects {
            self.stmts
                .insert_event_subject
                .execute(params![event_id, member_id])
                .map_err(|err| sql_err(&self.path, err))?;
        }
        Ok(())
    }

    fn roster(&mut self, slot: u32, entry: &RosterEntry) -> Result<()> {
        let gid = self.slot(slot)?.id;
        let seen = entry.joined.map(|j| j.unix_ms).unwrap_or(0);
        let member_id = self.member(slot, &entry.person, seen)?;
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO roster (group_id, member_id, joined_ms, scene) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (group_id, member_id) DO UPDATE SET joined_ms = excluded.joined_ms, scene = excluded.scene
                 WHERE joined_ms IS NOT excluded.joined_ms OR scene IS NOT excluded.scene",
            )
            .and_then(|mut s| s.execute(params![gid, member_id, entry.joined.map(|j| j.unix_ms), entry.join_scene]))
            .map_err(|e| self.err(e))?;
        self.stats.roster_entries += n as u64;
        Ok(())
    }
}

/// Deletes the cut-off copies [`TailCheck`] describes; returns how many.
fn replace_cut_off(tx: &Transaction, group_id: i64, tails: &TailCheck) -> rusqlite::Result<u64> {
    let mut removed = 0;
    for (time_ms, sender, text, key) in &tails.added {
        let candidates: Vec<(i64, String, String)> = tx
            .prepare_cached(
                "SELECT id, key, text FROM messages
                 WHERE group_id = ?1 AND time_ms = ?2 AND sender_id = ?3 AND key LIKE 'c:%' AND key <> ?4",
            )?
            .query_map(params![group_id, time_ms, sender, key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, old_key, old_text) in candidates {
            if tails.held.contains(&old_key) || old_text.len() >= text.len() || !text.starts_with(old_text.as_str()) {
                continue;
            }
            tx.execute("DELETE FROM mentions WHERE message_id = ?1", params![id])?;
            removed += tx.execute("DELETE FROM messages WHERE id = ?1", params![id])? as u64;
        }
    }
    Ok(removed)
}
