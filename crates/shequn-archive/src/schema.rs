//! Versioned schema migrations. `PRAGMA user_version` holds the number of
//! migrations applied; each migration runs once, in its own transaction.

/// Migration n (0-based) brings the schema from version n to n + 1.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE groups (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    platform_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    member_count  INTEGER,
    UNIQUE (platform, platform_id)
);
-- A person across groups, where the platform has a stable id (QQ号, wxid, user id).
CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    platform_id  TEXT NOT NULL,
    UNIQUE (platform, platform_id)
);
-- A member of one group. `key` is `id:<platform id>` or `name:<display name>`.
CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES groups(id),
    key          TEXT NOT NULL,
    person_id    INTEGER REFERENCES people(id),
    platform_id  TEXT,
    name         TEXT NOT NULL,
    name_ms      INTEGER NOT NULL,
    is_bot       INTEGER NOT NULL DEFAULT 0,
    role         TEXT,
    title        TEXT,
    UNIQUE (group_id, key)
);
-- Display names a member was seen with, and when first. Since version 4 the writer adds
-- rows only once a member shows up under a second name or in a second file (its own row,
-- name and name_ms, is the history until then); readers take the union of both.
CREATE TABLE member_names (
    member_id  INTEGER NOT NULL REFERENCES members(id),
    name       TEXT NOT NULL,
    first_ms   INTEGER NOT NULL,
    PRIMARY KEY (member_id, name)
) WITHOUT ROWID;
CREATE TABLE roster (
    group_id   INTEGER NOT NULL REFERENCES groups(id),
    member_id  INTEGER NOT NULL REFERENCES members(id),
    joined_ms  INTEGER,
    scene      TEXT,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
-- `key` is `m:<platform id>` or `c:<content hash>:<occurrence>` when the platform has no id.
CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    group_id       INTEGER NOT NULL REFERENCES groups(id),
    key            TEXT NOT NULL,
    time_ms        INTEGER NOT NULL,
    offset_s       INTEGER NOT NULL,
    zone_inferred  INTEGER NOT NULL,
    sender_id      INTEGER NOT NULL REFERENCES members(id),
    kind           TEXT NOT NULL,
    text           TEXT NOT NULL,
    amount_cents   INTEGER,
    reply_to_key   TEXT,
    everyone       INTEGER NOT NULL DEFAULT 0,
    forwarded      INTEGER NOT NULL DEFAULT 0,
    edited_ms      INTEGER,
    UNIQUE (group_id, key)
);
CREATE INDEX messages_by_time ON messages (group_id, time_ms);
-- Mentions by member, or by a name not yet matched to a member.
CREATE TABLE mentions (
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    member_id   INTEGER REFERENCES members(id),
    name        TEXT
);
CREATE INDEX mentions_by_message ON mentions (message_id);
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    group_id       INTEGER NOT NULL REFERENCES groups(id),
    key            TEXT NOT NULL,
    time_ms        INTEGER NOT NULL,
    offset_s       INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    actor_id       INTEGER REFERENCES members(id),
    target_key     TEXT,
    detail         TEXT,
    amount_cents   INTEGER,
    text           TEXT NOT NULL,
    UNIQUE (group_id, key)
);
CREATE INDEX events_by_time ON events (group_id, time_ms);
CREATE TABLE event_subjects (
    event_id   INTEGER NOT NULL REFERENCES events(id),
    member_id  INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (event_id, member_id)
) WITHOUT ROWID;
CREATE TABLE notes (
    group_id  INTEGER NOT NULL REFERENCES groups(id),
    text      TEXT NOT NULL,
    PRIMARY KEY (group_id, text)
) WITHOUT ROWID;
"#,
    // 2: fingerprints of imported sources, so an unchanged export is recognised without re-parsing.
    r#"
CREATE TABLE sources (
    fingerprint   TEXT PRIMARY KEY,
    format        TEXT NOT NULL,
    path          TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    messages      INTEGER NOT NULL,
    events        INTEGER NOT NULL,
    imported_ms   INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // 3: what each source covers, so each group can be diagnosed as of the end of its own
    // export (a 2018 Slack export beside 2020 Gitter rooms is not "dead" in 2020).
    // `first_ms`/`last_ms` span every message of the source, whatever group it is in; `batch`
    // is the folder the source sat in: files side by side were exported together, so they
    // share one end (a group's own file ends at its last message, which says nothing about
    // when it was exported). NULL for sources imported before this migration (re-import
    // with --force fills them).
    r#"
ALTER TABLE sources ADD COLUMN first_ms INTEGER;
ALTER TABLE sources ADD COLUMN last_ms INTEGER;
ALTER TABLE sources ADD COLUMN batch TEXT;
-- Keyed by group first: readers ask per group, and one B-tree (no extra index) keeps
-- the per-file write small.
CREATE TABLE source_groups (
    group_id     INTEGER NOT NULL REFERENCES groups(id),
    fingerprint  TEXT NOT NULL REFERENCES sources(fingerprint),
    PRIMARY KEY (group_id, fingerprint)
) WITHOUT ROWID;
"#,
    // 4: each group's first and last message time, kept by the writer. The per-group time
    // indexes cost every imported message and event one more B-tree insert (≈ 15 % of the
    // import's writer); readers now sort a group's rows themselves, and the spans that
    // needed the index (as-of, coverage) are read from here.
    r#"
ALTER TABLE groups ADD COLUMN first_ms INTEGER;
ALTER TABLE groups ADD COLUMN last_ms INTEGER;
UPDATE groups SET first_ms = (SELECT MIN(time_ms) FROM messages m WHERE m.group_id = groups.id),
                  last_ms = (SELECT MAX(time_ms) FROM messages m WHERE m.group_id = groups.id);
DROP INDEX messages_by_time;
DROP INDEX events_by_time;
"#,
    // 5: the live service (`shequn live`): where each pulling source is in its platform's
    // stream (Telegram's getUpdates offset, Matrix's next_batch), written in the same
    // transaction as the records it delivered, so a restart neither loses nor repeats them.
    r#"
CREATE TABLE live_cursors (
    source      TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // 6: live alerts (`shequn live`'s `[alerts]`): one row per alert, keyed by its dedupe key
    // (`<platform>:<group id>:<kind>:<message key>`), so an alert already raised is never
    // raised again after a restart. `evidence` is the alert as JSON at its last change.
    r#"
CREATE TABLE alerts (
    key          TEXT PRIMARY KEY,
    group_id     INTEGER,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL,
    opened_ms    INTEGER NOT NULL,
    resolved_ms  INTEGER,
    acked_ms     INTEGER,
    evidence     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX alerts_by_state ON alerts (state, opened_ms);
"#,
    // 7: what live enforcement did (or, in dry-run, would have done) to a message: one row per
    // step (delete, warn, mute, kick) and attempt outcome. The message itself stays in
    // `messages`; this says what happened to it on the platform.
    r#"
CREATE TABLE enforcement_actions (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER,
    platform     TEXT NOT NULL,
    group_platform_id TEXT NOT NULL,
    message_key  TEXT NOT NULL,
    sender       TEXT NOT NULL,
    action       TEXT NOT NULL,
    dry_run      INTEGER NOT NULL,
    outcome      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    alert_key    TEXT,
    at_ms        INTEGER NOT NULL
);
CREATE INDEX enforcement_by_message ON enforcement_actions (platform, group_platform_id, message_key);
"#,
];
