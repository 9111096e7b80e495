"""Numbered schema migrations; each runs once, in order, recorded in schema_version."""

from __future__ import annotations

from typing import Final

# Each entry is (version, description, SQL script). Never edit a released entry: append a new one.
MIGRATIONS: Final[tuple[tuple[int, str, str], ...]] = (
    (
        1,
        "ledger: units, people, roles, invites, items, sign-offs, edits, adoptions, tasks, audit",
        """
CREATE TABLE units (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    kind           TEXT NOT NULL CHECK (kind IN ('window','township','town_centre','section')),
    monthly_quota  INTEGER NOT NULL DEFAULT 0 CHECK (monthly_quota >= 0),
    annual_target  TEXT NOT NULL DEFAULT '0',
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL
);

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    tg_user_id   INTEGER UNIQUE,
    name         TEXT NOT NULL,
    username     TEXT,
    created_at   TEXT NOT NULL
);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    unit_id     INTEGER REFERENCES units(id),
    role        TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    granted_by  INTEGER REFERENCES people(id),
    revoked_at  TEXT,
    revoked_by  INTEGER REFERENCES people(id)
);
CREATE UNIQUE INDEX roles_active_unique
    ON roles (person_id, ifnull(unit_id, 0), role) WHERE revoked_at IS NULL;
CREATE INDEX roles_by_unit ON roles (unit_id, role);

CREATE TABLE invites (
    code        TEXT PRIMARY KEY CHECK (length(code) BETWEEN 8 AND 64),
    unit_id     INTEGER REFERENCES units(id),
    role        TEXT NOT NULL,
    created_by  INTEGER REFERENCES people(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER REFERENCES people(id),
    used_at     TEXT,
    revoked_at  TEXT
);

CREATE TABLE writing_tasks (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    title       TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    event_date  TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','done','cancelled')),
    created_by  INTEGER REFERENCES people(id),
    created_at  TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX writing_tasks_open ON writing_tasks (state, due_on);

CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    author_id      INTEGER NOT NULL REFERENCES people(id),
    category       TEXT NOT NULL,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    event_date     TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN
                     ('draft','pending','returned','submitted','registered','archived','withdrawn')),
    chain_round    INTEGER NOT NULL DEFAULT 0,
    chain_step     INTEGER NOT NULL DEFAULT 0,
    submitted_at   TEXT,
    submitted_on   TEXT,
    late_days      INTEGER NOT NULL DEFAULT 0 CHECK (late_days >= 0),
    centre_at      TEXT,
    centre_on      TEXT,
    registered_at  TEXT,
    registered_by  INTEGER REFERENCES people(id),
    task_id        INTEGER REFERENCES writing_tasks(id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX items_unit_submitted ON items (unit_id, submitted_on);
CREATE INDEX items_submitted_on ON items (submitted_on);
CREATE INDEX items_centre_on ON items (centre_on);
CREATE INDEX items_state ON items (state);
CREATE INDEX items_author ON items (author_id);

CREATE TABLE item_files (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES items(id),
    kind            TEXT NOT NULL CHECK (kind IN ('photo','document')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_name       TEXT,
    mime_type       TEXT,
    file_size       INTEGER,
    added_at        TEXT NOT NULL
);
CREATE INDEX item_files_item ON item_files (item_id);

CREATE TABLE signoffs (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    round       INTEGER NOT NULL,
    step        INTEGER NOT NULL,
    role        TEXT NOT NULL,
    signer_id   INTEGER NOT NULL REFERENCES people(id),
    decision    TEXT NOT NULL CHECK (decision IN ('approve','return')),
    reason      TEXT,
    decided_at  TEXT NOT NULL,
    CHECK (decision = 'approve' OR length(trim(ifnull(reason, ''))) > 0),
    UNIQUE (item_id, round, step)
);

CREATE TABLE edits (
    id               INTEGER PRIMARY KEY,
    item_id          INTEGER NOT NULL REFERENCES items(id),
    editor_id        INTEGER NOT NULL REFERENCES people(id),
    section_unit_id  INTEGER NOT NULL REFERENCES units(id),
    old_title        TEXT NOT NULL,
    old_body         TEXT NOT NULL,
    new_title        TEXT NOT NULL,
    new_body         TEXT NOT NULL,
    edited_at        TEXT NOT NULL
);
CREATE INDEX edits_item ON edits (item_id, section_unit_id);

CREATE TABLE adoptions (
    id               INTEGER PRIMARY KEY,
    item_id          INTEGER NOT NULL REFERENCES items(id),
    outlet           TEXT NOT NULL,
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    points           INTEGER NOT NULL CHECK (points >= 0),
    media            INTEGER NOT NULL DEFAULT 0 CHECK (media IN (0, 1)),
    adopted_on       TEXT NOT NULL,
    reference        TEXT,
    recorded_by      INTEGER NOT NULL REFERENCES people(id),
    recorded_at      TEXT NOT NULL,
    withdrawn_at     TEXT,
    withdrawn_by     INTEGER REFERENCES people(id),
    withdraw_reason  TEXT,
    CHECK (withdrawn_at IS NULL OR length(trim(ifnull(withdraw_reason, ''))) > 0)
);
CREATE UNIQUE INDEX adoptions_once_per_outlet
    ON adoptions (item_id, outlet) WHERE withdrawn_at IS NULL;
CREATE INDEX adoptions_adopted_on ON adoptions (adopted_on, item_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   INTEGER REFERENCES people(id),
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  INTEGER,
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
""",
    ),
    (
        2,
        "delivery: outbox of outgoing messages, record of scheduled work done, conversation state",
        """
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    purpose          TEXT NOT NULL,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text','photo','document')),
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending','sent','failed','uncertain')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    message_id       INTEGER,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    UNIQUE (purpose, chat_id)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE job_runs (
    key      TEXT PRIMARY KEY,
    done_at  TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE conversations (
    name   TEXT NOT NULL,
    key    TEXT NOT NULL,
    state  TEXT NOT NULL,
    data   TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name, key)
);
""",
    ),
    (
        3,
        "items remember the sign-off chain fixed when they were submitted",
        """
ALTER TABLE items ADD COLUMN chain TEXT NOT NULL DEFAULT '';
-- Items still moving get the regulation's default chain of their unit's kind (第三条).
UPDATE items SET chain = CASE (SELECT kind FROM units WHERE units.id = items.unit_id)
        WHEN 'window' THEN 'window_head,leader'
        WHEN 'township' THEN 'leader'
        WHEN 'town_centre' THEN 'leader'
        ELSE '' END
    WHERE state IN ('draft', 'pending', 'returned');
CREATE INDEX signoffs_item ON signoffs (item_id);
CREATE INDEX roles_person ON roles (person_id) WHERE revoked_at IS NULL;
""",
    ),
    (
        4,
        "covering indexes for the period figures (read indexes, not the wide item rows)",
        """
CREATE INDEX items_submitted_cover ON items (submitted_on, unit_id, late_days);
CREATE INDEX items_centre_cover ON items (centre_on, unit_id, category);
CREATE INDEX adoptions_adopted_cover ON adoptions (adopted_on, item_id, points, withdrawn_at);
DROP INDEX items_submitted_on;
DROP INDEX items_centre_on;
DROP INDEX adoptions_adopted_on;
""",
    ),
    (
        5,
        "outbox rows are claimed ('sending') before a send, so a crash mid-send is never resent",
        """
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    purpose          TEXT NOT NULL,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text','photo','document')),
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending','sending','sent','failed','uncertain')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    message_id       INTEGER,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    UNIQUE (purpose, chat_id)
);
INSERT INTO outbox_new SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
""",
    ),
    (
        6,
        "files the bot sends (bulletin charts and workbooks), stored once and sent from here",
        """
CREATE TABLE files (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    data        BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
""",
    ),
    (
        7,
        "items remember when their current sign-off step began, so reminders are an index scan",
        """
ALTER TABLE items ADD COLUMN step_since TEXT;
UPDATE items SET step_since = coalesce(
    (SELECT max(s.decided_at) FROM signoffs s
     WHERE s.item_id = items.id AND s.round = items.chain_round),
    (SELECT max(a.at) FROM audit_log a
     WHERE a.entity = 'item' AND a.entity_id = items.id AND a.action = 'item.resubmit'),
    submitted_at)
WHERE state = 'pending';
CREATE INDEX items_waiting ON items (state, step_since);
""",
    ),
    (
        8,
        "a submission carries its draft's token, so confirming twice (after a crash) stores it once",
        """
ALTER TABLE items ADD COLUMN submit_token TEXT;
CREATE UNIQUE INDEX items_submit_token ON items (submit_token) WHERE submit_token IS NOT NULL;
""",
    ),
    (
        9,
        "the centre's own publishing: 《工作简报》 issues, website news, routing, visits, announcements",
        """
CREATE TABLE briefs (
    id             INTEGER PRIMARY KEY,
    year           INTEGER NOT NULL,
    number         INTEGER NOT NULL CHECK (number >= 1),
    issue_date     TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'draft'
                     CHECK (state IN ('draft','review','signing','returned','issued','cancelled')),
    round          INTEGER NOT NULL DEFAULT 1,
    return_reason  TEXT,
    created_by     INTEGER NOT NULL REFERENCES people(id),
    created_at     TEXT NOT NULL,
    issued_by      INTEGER REFERENCES people(id),
    issued_at      TEXT,
    file_key       TEXT REFERENCES files(key)
);
CREATE UNIQUE INDEX briefs_number ON briefs (year, number) WHERE state != 'cancelled';

CREATE TABLE brief_entries (
    brief_id  INTEGER NOT NULL REFERENCES briefs(id),
    position  INTEGER NOT NULL CHECK (position >= 1),
    item_id   INTEGER NOT NULL REFERENCES items(id),
    heading   TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (brief_id, position),
    UNIQUE (brief_id, item_id)
);

CREATE TABLE brief_decisions (
    id          INTEGER PRIMARY KEY,
    brief_id    INTEGER NOT NULL REFERENCES briefs(id),
    round       INTEGER NOT NULL,
    step        TEXT NOT NULL CHECK (step IN ('review','sign')),
    decided_by  INTEGER NOT NULL REFERENCES people(id),
    approve     INTEGER NOT NULL CHECK (approve IN (0, 1)),
    reason      TEXT,
    decided_at  TEXT NOT NULL,
    UNIQUE (brief_id, round, step),
    CHECK (approve = 1 OR length(trim(ifnull(reason, ''))) > 0)
);

CREATE TABLE web_news (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES items(id),
    state          TEXT NOT NULL DEFAULT 'signing'
                     CHECK (state IN ('signing','returned','approved','published','cancelled')),
    round          INTEGER NOT NULL DEFAULT 1,
    heading        TEXT NOT NULL,
    body           TEXT NOT NULL,
    proposed_by    INTEGER NOT NULL REFERENCES people(id),
    proposed_at    TEXT NOT NULL,
    signed_by      INTEGER REFERENCES people(id),
    signed_at      TEXT,
    return_reason  TEXT,
    url            TEXT,
    published_by   INTEGER REFERENCES people(id),
    published_at   TEXT,
    adoption_id    INTEGER REFERENCES adoptions(id)
);
CREATE UNIQUE INDEX web_news_once ON web_news (item_id) WHERE state != 'cancelled';

CREATE TABLE item_routes (
    item_id     INTEGER NOT NULL REFERENCES items(id),
    outlet      TEXT NOT NULL,
    chosen_by   INTEGER NOT NULL REFERENCES people(id),
    chosen_at   TEXT NOT NULL,
    PRIMARY KEY (item_id, outlet)
);

CREATE TABLE visits (
    id          INTEGER PRIMARY KEY,
    visitor     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('city','department','township')),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    visit_date  TEXT NOT NULL,
    task_id     INTEGER REFERENCES writing_tasks(id),
    logged_by   INTEGER NOT NULL REFERENCES people(id),
    created_at  TEXT NOT NULL
);

CREATE TABLE announcements (
    id          INTEGER PRIMARY KEY,
    author_id   INTEGER NOT NULL REFERENCES people(id),
    text        TEXT NOT NULL,
    file_id     TEXT,
    file_kind   TEXT CHECK (file_kind IN ('photo','document')),
    file_name   TEXT,
    audience    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
""",
    ),
    (
        10,
        "the outbox finds a chat's waiting messages at once, so no message overtakes another",
        """
CREATE INDEX outbox_chat_pending ON outbox (chat_id, id) WHERE state = 'pending';
""",
    ),
    (
        11,
        "closed periods: stable unit keys and config order, unit settings history, frozen sheets,"
        " corrections",
        """
ALTER TABLE units ADD COLUMN key TEXT;
UPDATE units SET key = name;
CREATE UNIQUE INDEX units_key ON units (key);
-- config.yaml's order of the units (ties in a ranking are listed in it); until the next
-- `baosong init`, the order by name that listings used so far.
ALTER TABLE units ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE units SET position = (SELECT count(*) FROM units AS u WHERE u.name < units.name);

-- A unit's settings from a month on: config.yaml's history. The terms in force in a month
-- are the row with the latest from_month not after it; a unit exists in months whose terms
-- are active. Units already here have existed from the start; a removed one until the month
-- it was removed.
CREATE TABLE unit_terms (
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    from_month     TEXT NOT NULL CHECK (from_month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    monthly_quota  INTEGER NOT NULL CHECK (monthly_quota >= 0),
    annual_target  TEXT NOT NULL,
    active         INTEGER NOT NULL CHECK (active IN (0, 1)),
    position       INTEGER NOT NULL,
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (unit_id, from_month)
);
INSERT INTO unit_terms (unit_id, from_month, name, kind, monthly_quota, annual_target, active,
                        position, recorded_at)
    SELECT id, '0000-01', name, kind, monthly_quota, annual_target, 1, position, created_at
    FROM units;
INSERT INTO unit_terms (unit_id, from_month, name, kind, monthly_quota, annual_target, active,
                        position, recorded_at)
    SELECT u.id, substr(max(a.at), 1, 7), u.name, u.kind, u.monthly_quota, u.annual_target, 0,
           u.position, max(a.at)
    FROM units u JOIN audit_log a
      ON a.entity = 'unit' AND a.entity_id = u.id AND a.action = 'unit.deactivate'
    WHERE u.active = 0
    GROUP BY u.id;

-- A closed period's sheet as published: its figures with the rules and unit settings in
-- force. A period is closed while its latest version is not reopened; reopening keeps the
-- version and the next close writes version + 1.
CREATE TABLE period_sheets (
    period         TEXT NOT NULL,  -- '2026-10' (a month) or '2026' (a year)
    version        INTEGER NOT NULL CHECK (version >= 1),
    sheet          TEXT NOT NULL,
    closed_at      TEXT NOT NULL,
    closed_by      INTEGER REFERENCES people(id),
    reopened_at    TEXT,
    reopened_by    INTEGER REFERENCES people(id),
    reopen_reason  TEXT,
    PRIMARY KEY (period, version),
    CHECK (reopened_at IS NULL OR length(trim(ifnull(reopen_reason, ''))) > 0)
);
CREATE TRIGGER period_sheets_frozen BEFORE UPDATE OF sheet, period, version ON period_sheets
BEGIN SELECT RAISE(ABORT, 'a closed sheet never changes'); END;
CREATE TRIGGER period_sheets_kept BEFORE DELETE ON period_sheets
BEGIN SELECT RAISE(ABORT, 'a closed sheet is kept'); END;

-- An admin's correction (更正) of a closed month: an adoption recorded or withdrawn there after
-- its sheet was published. The sheet stays as published; the next bulletin lists the line.
CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY,
    period       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('adoption', 'withdrawal')),
    adoption_id  INTEGER NOT NULL REFERENCES adoptions(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    points       INTEGER NOT NULL,
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    recorded_by  INTEGER REFERENCES people(id),
    recorded_at  TEXT NOT NULL,
    version      INTEGER NOT NULL,  -- the version of the period's sheet it corrects
    shown_in     TEXT
);
CREATE INDEX corrections_unshown ON corrections (shown_in, id);
""",
    ),
    (
        12,
        "people have accounts on channels; the outbox addresses a person (or a room) on one",
        """
-- A person's accounts: (channel, external_id), the id a string only that channel's adapter
-- parses. The outbox delivers to the account used last (used_at, set when it was added and
-- again when the person writes from it after using another).
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    channel      TEXT NOT NULL CHECK (length(channel) > 0),
    external_id  TEXT NOT NULL CHECK (length(external_id) > 0),
    added_at     TEXT NOT NULL,
    used_at      TEXT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX accounts_person ON accounts (person_id, used_at);
INSERT INTO accounts (person_id, channel, external_id, added_at, used_at)
    SELECT id, 'telegram', CAST(tg_user_id AS TEXT), created_at, created_at
    FROM people WHERE tg_user_id IS NOT NULL ORDER BY id;
-- SQLite drops no UNIQUE column, and rebuilding people (which every table references) fails
-- its foreign keys inside this transaction: the column stays, emptied, and nothing reads it.
UPDATE people SET tg_user_id = NULL;

-- One message per (purpose, person) for persons, per (purpose, channel, address) for rooms
-- (group chats); the account is resolved when the message is queued.
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    purpose          TEXT NOT NULL,
    person_id        INTEGER REFERENCES people(id),
    channel          TEXT NOT NULL,
    address          TEXT NOT NULL,
    kind             TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text','photo','document')),
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending','sending','sent','failed','uncertain')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    message_id       INTEGER,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
INSERT INTO outbox_new (id, purpose, person_id, channel, address, kind, payload, state, attempts,
                        next_attempt_at, last_error, message_id, created_at, sent_at)
    SELECT o.id, o.purpose,
           (SELECT a.person_id FROM accounts a
            WHERE a.channel = 'telegram' AND a.external_id = CAST(o.chat_id AS TEXT)),
           'telegram', CAST(o.chat_id AS TEXT), o.kind, o.payload, o.state, o.attempts,
           o.next_attempt_at, o.last_error, o.message_id, o.created_at, o.sent_at
    FROM outbox o;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE UNIQUE INDEX outbox_once_per_person ON outbox (purpose, person_id)
    WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_once_per_room ON outbox (purpose, channel, address)
    WHERE person_id IS NULL;
CREATE INDEX outbox_address_pending ON outbox (channel, address, id) WHERE state = 'pending';
CREATE INDEX outbox_person ON outbox (person_id);
""",
    ),
    (
        13,
        "attachments are stored files (bytes in the ledger) with each channel's id for them",
        """
-- A stored file's id on a channel that has it (received there, or uploaded once): sent by
-- that id instead of its bytes. A file received on one channel is uploaded on another.
CREATE TABLE file_remote_ids (
    file_key     TEXT NOT NULL REFERENCES files(key),
    channel      TEXT NOT NULL,
    remote_id    TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (file_key, channel)
);

-- Attachments received so far are known only by their Telegram file ids and cannot be
-- downloaded here: each becomes a stored file without bytes (data = x''), sent on Telegram by
-- its old id and on no other channel.
INSERT INTO files (key, name, mime_type, data, created_at)
    SELECT 'item_file:' || id,
           coalesce(file_name, CASE kind WHEN 'photo' THEN 'photo.jpg' ELSE 'file' END),
           coalesce(mime_type,
                    CASE kind WHEN 'photo' THEN 'image/jpeg' ELSE 'application/octet-stream' END),
           x'', added_at
    FROM item_files;
INSERT INTO file_remote_ids (file_key, channel, remote_id, recorded_at)
    SELECT 'item_file:' || id, 'telegram', file_id, added_at FROM item_files;
ALTER TABLE item_files ADD COLUMN file_key TEXT REFERENCES files(key);
UPDATE item_files SET file_key = 'item_file:' || id;
ALTER TABLE item_files DROP COLUMN file_id;
ALTER TABLE item_files DROP COLUMN file_unique_id;

INSERT INTO files (key, name, mime_type, data, created_at)
    SELECT 'announcement:' || id,
           coalesce(file_name, CASE file_kind WHEN 'photo' THEN 'photo.jpg' ELSE 'file' END),
           CASE file_kind WHEN 'photo' THEN 'image/jpeg' ELSE 'application/octet-stream' END,
           x'', created_at
    FROM announcements WHERE file_id IS NOT NULL;
INSERT INTO file_remote_ids (file_key, channel, remote_id, recorded_at)
    SELECT 'announcement:' || id, 'telegram', file_id, created_at
    FROM announcements WHERE file_id IS NOT NULL;
ALTER TABLE announcements ADD COLUMN file_key TEXT REFERENCES files(key);
UPDATE announcements SET file_key = 'announcement:' || id WHERE file_id IS NOT NULL;
ALTER TABLE announcements DROP COLUMN file_id;
""",
    ),
    (
        14,
        "dialogue sessions: one per person and channel (flow, step, draft, when asked)",
        """
-- Where a person is in a dialogue on a channel, written in the transaction of the step's
-- effects. Dialogues still run by the Telegram layer's conversation handlers keep their
-- state in `conversations` until they move here.
CREATE TABLE sessions (
    person_id   INTEGER NOT NULL REFERENCES people(id),
    channel     TEXT NOT NULL,
    flow        TEXT NOT NULL,
    step        TEXT NOT NULL,
    draft       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(draft)),
    asked_at    TEXT NOT NULL,
    asked_by    TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, channel)
);

-- An edited text, an adoption's date or its issue number / URL awaited as a typed answer on
-- Telegram (kept in the person's chat data until now) becomes the engine's session, with
-- when and by which update it was asked; the chat data forgets it. Other waits stay there.
INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by, updated_at)
    SELECT a.person_id, 'telegram',
           CASE w.key WHEN 'pending_adoption_day' THEN 'adoption_day'
                      WHEN 'pending_adoption_ref' THEN 'adoption_ref' ELSE 'edit' END,
           CASE w.key WHEN 'pending_adoption_day' THEN 'day'
                      WHEN 'pending_adoption_ref' THEN 'ref' ELSE 'text' END,
           json_object(CASE w.key WHEN 'pending_edit' THEN 'item' ELSE 'adoption' END,
                       json_extract(c.data, '$.' || w.key)),
           w.since, CAST(w.updt AS TEXT), c.updated_at
    FROM conversations AS c
    JOIN (SELECT name, key AS row_key,
                 json_extract(data, '$.wait_since.key') AS key,
                 json_extract(data, '$.wait_since.since') AS since,
                 json_extract(data, '$.wait_since.update') AS updt
          FROM conversations WHERE name = '__user_data__' AND json_valid(data)) AS w
      ON w.name = c.name AND w.row_key = c.key
    JOIN accounts AS a ON a.channel = 'telegram' AND a.external_id = c.key
    WHERE w.key IN ('pending_edit', 'pending_adoption_day', 'pending_adoption_ref')
      AND json_type(c.data, '$.' || w.key) = 'integer' AND w.since IS NOT NULL;
UPDATE conversations
    SET data = json_remove(data, '$.wait_since')
    WHERE name = '__user_data__' AND json_valid(data)
      AND json_extract(data, '$.wait_since.key')
          IN ('pending_edit', 'pending_adoption_day', 'pending_adoption_ref');
UPDATE conversations
    SET data = json_remove(data, '$.pending_edit', '$.pending_adoption_day',
                           '$.pending_adoption_ref')
    WHERE name = '__user_data__' AND json_valid(data);
""",
    ),
    (
        15,
        "assessment campaigns (考核): plans, units and on-site dates, members, decisions,"
        " self-checks and evidence, scores, settlements, grades, survey, consequences, sheets",
        """
-- A campaign keeps the template it was planned with (JSON), so a later edit of a template
-- file changes no running or closed campaign. Rounds count submissions for approval.
CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL CHECK (length(trim(title)) > 0),
    year          INTEGER NOT NULL,
    template_key  TEXT NOT NULL,
    template      TEXT NOT NULL,
    scope         TEXT NOT NULL CHECK (scope IN ('general', 'focus')),
    state         TEXT NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'plan_review', 'running', 'grade_review', 'closed')),
    plan_round    INTEGER NOT NULL DEFAULT 0,
    grade_round   INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER NOT NULL REFERENCES people(id),
    created_at    TEXT NOT NULL,
    approved_at   TEXT,
    closed_at     TEXT
);

CREATE TABLE campaign_units (
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    onsite_on     TEXT NOT NULL,  -- local date of the on-site assessment
    notified_at   TEXT,
    report_text   TEXT,           -- the self-check report (自查汇报材料) as text, or
    report_file   TEXT REFERENCES files(key),  -- as a document
    report_by     INTEGER REFERENCES people(id),
    report_at     TEXT,
    signed_by     INTEGER REFERENCES people(id),  -- the unit's leader
    signed_at     TEXT,
    PRIMARY KEY (campaign_id, unit_id),
    CHECK (signed_at IS NULL OR report_at IS NOT NULL)
);

-- The leading group (its approval chain, in position order) and the assessment group.
CREATE TABLE campaign_members (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    role         TEXT NOT NULL CHECK (role IN ('leading', 'assessor')),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    position     INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, role, person_id),
    UNIQUE (campaign_id, role, position)
);

-- One decision per (campaign, subject, round, step): a second tap changes nothing.
CREATE TABLE campaign_decisions (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    subject      TEXT NOT NULL CHECK (subject IN ('plan', 'grades')),
    round        INTEGER NOT NULL,
    step         INTEGER NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    decision     TEXT NOT NULL CHECK (decision IN ('approve', 'return')),
    reason       TEXT,
    decided_at   TEXT NOT NULL,
    UNIQUE (campaign_id, subject, round, step),
    CHECK (decision = 'approve' OR length(trim(ifnull(reason, ''))) > 0)
);

CREATE TABLE campaign_selfchecks (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    check_id     TEXT NOT NULL,
    verdict      TEXT NOT NULL CHECK (verdict IN ('met', 'partly', 'not_met')),
    note         TEXT NOT NULL DEFAULT '',
    entered_by   INTEGER NOT NULL REFERENCES people(id),
    entered_at   TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, check_id),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);

-- Evidence: a text, or a photo or file whose bytes are in `files`.
CREATE TABLE campaign_evidence (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    check_id     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
    text         TEXT NOT NULL DEFAULT '',
    file_key     TEXT REFERENCES files(key),
    added_by     INTEGER NOT NULL REFERENCES people(id),
    added_at     TEXT NOT NULL,
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id),
    CHECK ((kind = 'text') = (file_key IS NULL))
);
CREATE INDEX campaign_evidence_by_check ON campaign_evidence (campaign_id, unit_id, check_id);

-- Each group member's score per unit and check (decimal text, one place).
CREATE TABLE campaign_scores (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    check_id     TEXT NOT NULL,
    member_id    INTEGER NOT NULL REFERENCES people(id),
    points       TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL CHECK (source IN ('chat', 'workbook')),
    scored_at    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, check_id, member_id),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);

-- The office's settled score of a check, with its reason: version 0 while the campaign runs,
-- n + 1 for a correction made after sheet version n was published.
CREATE TABLE campaign_settlements (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    check_id     TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 0,
    points       TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    settled_by   INTEGER NOT NULL REFERENCES people(id),
    settled_at   TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, check_id, version),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);

-- The preliminary grade the office proposes and the one the leading group approves; a
-- changed grade carries its reason.
CREATE TABLE campaign_grades (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    total        TEXT NOT NULL,
    preliminary  TEXT NOT NULL,
    final        TEXT,
    reason       TEXT,
    changed_by   INTEGER REFERENCES people(id),
    changed_at   TEXT,
    PRIMARY KEY (campaign_id, unit_id),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id),
    CHECK (final IS NULL OR final = preliminary OR length(trim(ifnull(reason, ''))) > 0)
);

-- 民主测评: one answer per account per unit per campaign; the account only as a keyed hash.
CREATE TABLE campaign_survey (
    campaign_id   INTEGER NOT NULL,
    unit_id       INTEGER NOT NULL,
    account_hash  TEXT NOT NULL CHECK (length(account_hash) = 64),
    answer        TEXT NOT NULL CHECK (answer IN ('satisfied', 'basic', 'dissatisfied')),
    comment       TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, account_hash),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);

-- Consequences by grade: 通报表扬, 通报批评, the result sent to the target-assessment office.
CREATE TABLE campaign_outcomes (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('praise', 'criticism', 'reported')),
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, kind),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);

-- 诫勉谈话: who talked with whom, when.
CREATE TABLE campaign_talks (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    held_on      TEXT NOT NULL,
    talker       TEXT NOT NULL CHECK (length(trim(talker)) > 0),
    with_whom    TEXT NOT NULL CHECK (length(trim(with_whom)) > 0),
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  INTEGER NOT NULL REFERENCES people(id),
    recorded_at  TEXT NOT NULL,
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);

-- 限期整改: opened for a 不合格 unit, closed only when the office accepts its report.
CREATE TABLE campaign_rectifications (
    campaign_id    INTEGER NOT NULL,
    unit_id        INTEGER NOT NULL,
    due_on         TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'submitted', 'accepted')),
    report_text    TEXT,
    report_file    TEXT REFERENCES files(key),
    submitted_by   INTEGER REFERENCES people(id),
    submitted_at   TEXT,
    return_reason  TEXT,
    accepted_by    INTEGER REFERENCES people(id),
    accepted_at    TEXT,
    opened_at      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);
CREATE INDEX campaign_rectifications_open ON campaign_rectifications (state, due_on);

-- A closed campaign's results as published (JSON); a correction writes version + 1.
CREATE TABLE campaign_sheets (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    sheet        TEXT NOT NULL,
    closed_at    TEXT NOT NULL,
    closed_by    INTEGER REFERENCES people(id),
    reason       TEXT,
    PRIMARY KEY (campaign_id, version),
    CHECK (version = 1 OR length(trim(ifnull(reason, ''))) > 0)
);
CREATE TRIGGER campaign_sheets_frozen BEFORE UPDATE ON campaign_sheets
BEGIN SELECT RAISE(ABORT, 'a closed campaign sheet never changes'); END;
CREATE TRIGGER campaign_sheets_kept BEFORE DELETE ON campaign_sheets
BEGIN SELECT RAISE(ABORT, 'a closed campaign sheet is kept'); END;

-- A closed campaign's self-checks, scores and survey never change (corrections are versioned
-- settlements).
CREATE TRIGGER campaign_scores_closed BEFORE INSERT ON campaign_scores
WHEN (SELECT state FROM campaigns WHERE id = NEW.campaign_id) = 'closed'
BEGIN SELECT RAISE(ABORT, 'the campaign is closed'); END;
CREATE TRIGGER campaign_scores_closed_update BEFORE UPDATE ON campaign_scores
WHEN (SELECT state FROM campaigns WHERE id = NEW.campaign_id) = 'closed'
BEGIN SELECT RAISE(ABORT, 'the campaign is closed'); END;
CREATE TRIGGER campaign_selfchecks_closed BEFORE UPDATE ON campaign_selfchecks
WHEN (SELECT state FROM campaigns WHERE id = NEW.campaign_id) = 'closed'
BEGIN SELECT RAISE(ABORT, 'the campaign is closed'); END;
CREATE TRIGGER campaign_survey_closed BEFORE INSERT ON campaign_survey
WHEN (SELECT state FROM campaigns WHERE id = NEW.campaign_id) = 'closed'
BEGIN SELECT RAISE(ABORT, 'the campaign is closed'); END;
""",
    ),
    (
        16,
        "typed answers awaited on Telegram and steps held for confirmation become sessions",
        """
-- A return's, a withdrawal's or website news' reason, website news' URL or a /visit step
-- awaited in a person's chat data becomes their Telegram session, asked when and by the
-- update it was; the message pressed (whose buttons go once done) comes along.
INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by, updated_at)
    SELECT a.person_id, 'telegram',
           CASE w.key WHEN 'pending_return' THEN 'return'
                      WHEN 'pending_withdraw' THEN 'withdraw'
                      WHEN 'pending_web_return' THEN 'web_return'
                      WHEN 'pending_web_url' THEN 'web_url' ELSE 'visit' END,
           CASE w.key WHEN 'pending_web_url' THEN 'url'
                      WHEN 'pending_visit' THEN json_extract(c.data, '$.pending_visit.step')
                      ELSE 'reason' END,
           CASE w.key
               WHEN 'pending_return' THEN json_object(
                   'item', json_extract(c.data, '$.pending_return.item'),
                   'round', json_extract(c.data, '$.pending_return.round'),
                   'step', json_extract(c.data, '$.pending_return.step'),
                   'origin', CASE WHEN json_extract(c.data, '$.pending_return.message') IS NULL
                                  THEN NULL
                                  ELSE json_object(
                                      'chat', json_extract(c.data, '$.pending_return.chat'),
                                      'message', json_extract(c.data, '$.pending_return.message'))
                             END)
               WHEN 'pending_withdraw' THEN json_object(
                   'adoption', json_extract(c.data, '$.pending_withdraw'))
               WHEN 'pending_visit' THEN json_remove(json_extract(c.data, '$.pending_visit'),
                                                     '$.step')
               ELSE json_object(
                   'news', json_extract(c.data, '$.' || w.key || '.news'),
                   'round', json_extract(c.data, '$.' || w.key || '.round'),
                   'origin', CASE WHEN json_extract(c.data, '$.' || w.key || '.message') IS NULL
                                  THEN NULL
                                  ELSE json_object(
                                      'chat', json_extract(c.data, '$.' || w.key || '.chat'),
                                      'message', json_extract(c.data, '$.' || w.key || '.message'))
                             END)
           END,
           w.since, CAST(w.updt AS TEXT), c.updated_at
    FROM conversations AS c
    JOIN (SELECT name, key AS row_key,
                 json_extract(data, '$.wait_since.key') AS key,
                 json_extract(data, '$.wait_since.since') AS since,
                 json_extract(data, '$.wait_since.update') AS updt
          FROM conversations WHERE name = '__user_data__' AND json_valid(data)) AS w
      ON w.name = c.name AND w.row_key = c.key
    JOIN accounts AS a ON a.channel = 'telegram' AND a.external_id = c.key
    WHERE w.key IN ('pending_return', 'pending_withdraw', 'pending_web_return',
                    'pending_web_url', 'pending_visit')
      AND json_type(c.data, '$.' || w.key) IS NOT NULL AND datetime(w.since) IS NOT NULL
      AND (w.key != 'pending_visit' OR json_extract(c.data, '$.pending_visit.step')
           IN ('visitor', 'kind', 'unit', 'date', 'confirm'));

-- A return's, a withdrawal's or website news' reason shown back for ✅ 确认 becomes the
-- person's held step, shown when it was.
INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by, updated_at)
    SELECT a.person_id, 'telegram:held',
           CASE h.kind WHEN 'return' THEN 'return' WHEN 'withdraw' THEN 'withdraw'
                       ELSE 'web_return' END,
           'confirm',
           CASE h.kind
               WHEN 'withdraw' THEN json_object(
                   'adoption', json_extract(c.data, '$.confirm_pending.adoption'),
                   'reason', json_extract(c.data, '$.confirm_pending.reason'))
               ELSE json_patch(
                   json_remove(json_extract(c.data, '$.confirm_pending'),
                               '$.kind', '$.since', '$.chat', '$.message'),
                   json_object(
                       'origin', CASE WHEN json_extract(c.data, '$.confirm_pending.message')
                                           IS NULL THEN NULL
                                      ELSE json_object(
                                          'chat', json_extract(c.data, '$.confirm_pending.chat'),
                                          'message',
                                          json_extract(c.data, '$.confirm_pending.message'))
                                 END,
                       'title', ''))
           END,
           h.since, NULL, c.updated_at
    FROM conversations AS c
    JOIN (SELECT name, key AS row_key,
                 json_extract(data, '$.confirm_pending.kind') AS kind,
                 json_extract(data, '$.confirm_pending.since') AS since
          FROM conversations WHERE name = '__user_data__' AND json_valid(data)) AS h
      ON h.name = c.name AND h.row_key = c.key
    JOIN accounts AS a ON a.channel = 'telegram' AND a.external_id = c.key
    WHERE h.kind IN ('return', 'withdraw', 'web_return') AND datetime(h.since) IS NOT NULL;

-- The chat data forgets them (an issue's return held for confirmation stays there).
UPDATE conversations
    SET data = json_remove(data, '$.wait_since')
    WHERE name = '__user_data__' AND json_valid(data)
      AND json_extract(data, '$.wait_since.key')
          IN ('pending_return', 'pending_withdraw', 'pending_web_return', 'pending_web_url',
              'pending_visit');
UPDATE conversations
    SET data = json_remove(data, '$.confirm_pending')
    WHERE name = '__user_data__' AND json_valid(data)
      AND json_extract(data, '$.confirm_pending.kind') IN ('return', 'withdraw', 'web_return');
UPDATE conversations
    SET data = json_remove(data, '$.pending_return', '$.pending_withdraw',
                           '$.pending_web_return', '$.pending_web_url', '$.pending_visit',
                           '$.wait_ended')
    WHERE name = '__user_data__' AND json_valid(data);
""",
    ),
    (
        17,
        "an issue's drafting and review conversations on Telegram become sessions",
        """
-- An issue's return reason awaited (PTB's 'brief_review' conversation at its reason, the
-- decision in the reviewer's chat data) becomes the reviewer's Telegram session at the
-- reason; the message pressed (whose buttons go once done) comes along.
INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by, updated_at)
    SELECT a.person_id, 'telegram', 'brief_return', 'reason',
           json_object(
               'brief', json_extract(u.data, '$.brief_return.id'),
               'round', json_extract(u.data, '$.brief_return.round'),
               'step', json_extract(u.data, '$.brief_return.step'),
               'number', json_extract(u.data, '$.brief_return.number'),
               'origin', CASE WHEN json_extract(u.data, '$.brief_return.message') IS NULL
                              THEN NULL
                              ELSE json_object(
                                  'chat', json_extract(u.data, '$.brief_return.chat'),
                                  'message', json_extract(u.data, '$.brief_return.message'))
                         END),
           c.updated_at, NULL, c.updated_at
    FROM conversations AS c
    JOIN conversations AS u
      ON u.name = '__user_data__' AND json_valid(c.key)
     AND u.key = CAST(json_extract(c.key, '$[1]') AS TEXT)
    JOIN accounts AS a ON a.channel = 'telegram' AND a.external_id = u.key
    WHERE c.name = 'brief_review' AND c.state = '10' AND json_valid(u.data)
      AND json_type(u.data, '$.brief_return.id') = 'integer'
ON CONFLICT (person_id, channel) DO NOTHING;

-- /brief's conversation (its menu, or the numbers, an entry's heading or text, or the date
-- asked; the issue in the editor's chat data) becomes the editor's session at that step,
-- unless a typed answer already waits for them there.
INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by, updated_at)
    SELECT a.person_id, 'telegram', 'brief', d.step,
           json_object('brief', json_extract(u.data, '$.brief.id'), 'ask', d.step,
                       'item', json_extract(u.data, '$.brief.item')),
           c.updated_at, NULL, c.updated_at
    FROM conversations AS c
    JOIN (SELECT '0' AS state, 'menu' AS step UNION ALL SELECT '1', 'numbers'
          UNION ALL SELECT '2', 'heading' UNION ALL SELECT '3', 'body'
          UNION ALL SELECT '4', 'date') AS d ON d.state = c.state
    JOIN conversations AS u
      ON u.name = '__user_data__' AND json_valid(c.key)
     AND u.key = CAST(json_extract(c.key, '$[1]') AS TEXT)
    JOIN accounts AS a ON a.channel = 'telegram' AND a.external_id = u.key
    WHERE c.name = 'brief' AND json_valid(u.data)
      AND json_type(u.data, '$.brief.id') = 'integer'
      AND (d.step NOT IN ('heading', 'body') OR json_type(u.data, '$.brief.item') = 'integer')
ON CONFLICT (person_id, channel) DO NOTHING;

-- An issue's return reason shown back for ✅ 确认 becomes the reviewer's held step, shown
-- when it was (replacing an older held step, as a newer one does).
INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by, updated_at)
    SELECT a.person_id, 'telegram:held', 'brief_return', 'confirm',
           json_object(
               'brief', json_extract(u.data, '$.confirm_pending.id'),
               'round', json_extract(u.data, '$.confirm_pending.round'),
               'step', json_extract(u.data, '$.confirm_pending.step'),
               'reason', json_extract(u.data, '$.confirm_pending.reason'),
               'number', '',
               'origin', CASE WHEN json_extract(u.data, '$.confirm_pending.message') IS NULL
                              THEN NULL
                              ELSE json_object(
                                  'chat', json_extract(u.data, '$.confirm_pending.chat'),
                                  'message', json_extract(u.data, '$.confirm_pending.message'))
                         END),
           json_extract(u.data, '$.confirm_pending.since'), NULL, u.updated_at
    FROM conversations AS u
    JOIN accounts AS a ON a.channel = 'telegram' AND a.external_id = u.key
    WHERE u.name = '__user_data__' AND json_valid(u.data)
      AND json_extract(u.data, '$.confirm_pending.kind') = 'brief_return'
      AND json_type(u.data, '$.confirm_pending.id') = 'integer'
      AND datetime(json_extract(u.data, '$.confirm_pending.since')) IS NOT NULL
ON CONFLICT (person_id, channel) DO UPDATE SET
    flow = excluded.flow, step = excluded.step, draft = excluded.draft,
    asked_at = excluded.asked_at, asked_by = excluded.asked_by, updated_at = excluded.updated_at
    WHERE datetime(excluded.asked_at) > datetime(sessions.asked_at);

-- PTB's conversations and the chat data's keys of both are gone.
DELETE FROM conversations WHERE name IN ('brief', 'brief_review');
UPDATE conversations
    SET data = json_remove(data, '$.confirm_pending')
    WHERE name = '__user_data__' AND json_valid(data)
      AND json_extract(data, '$.confirm_pending.kind') = 'brief_return';
UPDATE conversations
    SET data = json_remove(data, '$.brief', '$.brief_return')
    WHERE name = '__user_data__' AND json_valid(data);
""",
    ),
    (
        18,
        "a /submit draft in progress on Telegram becomes its session on the conversation engine",
        """
-- A draft saved before attachments were stored lists Telegram ids: each such file becomes a
-- stored file without bytes, sent on Telegram by its id (as migration 13 did for items').
INSERT OR IGNORE INTO files (key, name, mime_type, data, created_at)
    SELECT 'telegram_file:' || json_extract(f.value, '$[2]'),
           coalesce(json_extract(f.value, '$[3]'),
                    CASE json_extract(f.value, '$[0]') WHEN 'photo' THEN 'photo.jpg'
                                                       ELSE 'file' END),
           coalesce(json_extract(f.value, '$[4]'),
                    CASE json_extract(f.value, '$[0]') WHEN 'photo' THEN 'image/jpeg'
                                                       ELSE 'application/octet-stream' END),
           x'', u.updated_at
    FROM conversations AS u, json_each(u.data, '$.draft.files') AS f
    WHERE u.name = '__user_data__' AND json_valid(u.data)
      AND json_type(u.data, '$.draft.files') = 'array'
      AND json_type(f.value) = 'array' AND json_array_length(f.value) = 6;
INSERT OR IGNORE INTO file_remote_ids (file_key, channel, remote_id, recorded_at)
    SELECT 'telegram_file:' || json_extract(f.value, '$[2]'), 'telegram',
           json_extract(f.value, '$[1]'), u.updated_at
    FROM conversations AS u, json_each(u.data, '$.draft.files') AS f
    WHERE u.name = '__user_data__' AND json_valid(u.data)
      AND json_type(u.data, '$.draft.files') = 'array'
      AND json_type(f.value) = 'array' AND json_array_length(f.value) = 6;

-- PTB's /submit conversation (its state, and the draft in the person's chat data) becomes the
-- person's /submit session, kept aside on 'telegram:submit', at the same step: 0 unit,
-- 1 category, 2 title, 3 body, 4 date, 5 files, 6 the preview. The draft keeps its fields and
-- token and learns what the state said: whose it is, whether the body and the files are done,
-- which field is being changed from the preview, and the units to choose from.
CREATE TEMP TABLE carried_submit AS
    SELECT c.key AS row_key, a.external_id AS tg, a.person_id AS person,
           CAST(c.state AS INTEGER) AS st, c.updated_at AS at,
           json_extract(u.data, '$.draft') AS d,
           coalesce(json_extract(u.data, '$.draft.back'), 0) AS back
    FROM conversations AS c
    JOIN accounts AS a
      ON a.channel = 'telegram' AND json_valid(c.key)
     AND a.external_id = CAST(json_extract(c.key, '$[1]') AS TEXT)
    JOIN conversations AS u ON u.name = '__user_data__' AND u.key = a.external_id
    WHERE c.name = 'submit' AND c.state IN ('0', '1', '2', '3', '4', '5', '6')
      AND json_valid(u.data) AND json_type(u.data, '$.draft') = 'object';
INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by, updated_at)
    SELECT person, 'telegram:submit', 'submit',
           CASE st WHEN 0 THEN 'unit' WHEN 1 THEN 'category' WHEN 2 THEN 'title'
                   WHEN 3 THEN 'body' WHEN 4 THEN 'date' WHEN 5 THEN 'files'
                   ELSE 'preview' END,
           json_set(
               d,
               '$.author', person,
               '$.files', json((
                   SELECT json_group_array(
                       CASE WHEN json_array_length(f.value) = 6
                            THEN json_array(json_extract(f.value, '$[0]'),
                                            'telegram_file:' || json_extract(f.value, '$[2]'),
                                            json_extract(f.value, '$[3]'),
                                            json_extract(f.value, '$[4]'),
                                            json_extract(f.value, '$[5]'))
                            ELSE json(f.value) END)
                   FROM json_each(d, '$.files') AS f WHERE json_type(f.value) = 'array')),
               '$.body_done', json(CASE WHEN st IN (4, 5, 6) OR (back AND st IN (1, 2))
                                        THEN 'true' ELSE 'false' END),
               '$.files_done', json(CASE WHEN st = 6 OR (back AND st IN (1, 2, 3, 4))
                                         THEN 'true' ELSE 'false' END),
               '$.change', CASE WHEN back THEN CASE st WHEN 1 THEN 'category'
                                                       WHEN 2 THEN 'title' WHEN 3 THEN 'body'
                                                       WHEN 4 THEN 'date' WHEN 5 THEN 'files'
                                                  END END,
               '$.units', json((
                   SELECT json_group_array(unit_id) FROM (
                       SELECT DISTINCT unit_id FROM roles
                       WHERE person_id = person AND revoked_at IS NULL AND unit_id IS NOT NULL
                         AND role IN ('informant', 'section_staff')
                       ORDER BY unit_id)))),
           coalesce(strftime('%Y-%m-%dT%H:%M:%S.000000+00:00', at),
                    strftime('%Y-%m-%dT%H:%M:%S.000000+00:00', 'now')),
           NULL, coalesce(at, strftime('%Y-%m-%dT%H:%M:%S.000000+00:00', 'now'))
    FROM carried_submit;

-- What was carried leaves PTB's rows: the conversation, and the draft in the chat data.
DELETE FROM conversations
    WHERE name = 'submit' AND key IN (SELECT row_key FROM carried_submit);
UPDATE conversations
    SET data = json_remove(data, '$.draft')
    WHERE name = '__user_data__' AND key IN (SELECT tg FROM carried_submit);
DROP TABLE carried_submit;
""",
    ),
    (
        19,
        "an announcement being prepared in PTB's /announce conversation becomes a session",
        """
-- The drafts of /announce conversations under way, with their owners' persons: state 0 asked
-- the text, 1 the audience (or its unit list), 2 showed the preview.
CREATE TEMP TABLE carried_announce AS
    SELECT a.person_id, c.key AS conversation, u.key AS user_key, c.updated_at,
           CASE c.state WHEN '0' THEN 'text' WHEN '1' THEN 'audience' ELSE 'preview' END
               AS step,
           json_extract(u.data, '$.announce') AS draft
    FROM conversations AS c
    JOIN accounts AS a ON a.channel = 'telegram'
        AND a.external_id = CAST(json_extract(c.key, '$[1]') AS TEXT)
    JOIN conversations AS u ON u.name = '__user_data__' AND u.key = a.external_id
    WHERE c.name = 'announce' AND json_valid(c.key) AND c.state IN ('0', '1', '2')
      AND json_valid(u.data) AND json_type(u.data, '$.announce') = 'object'
      AND json_type(u.data, '$.announce.token') = 'text';

-- A file a draft names by its Telegram id (saved before files were stored) becomes a stored
-- file without bytes, sent on Telegram by that id, as migration 13 did for the others.
INSERT OR IGNORE INTO files (key, name, mime_type, data, created_at)
    SELECT 'announce_draft:' || json_extract(draft, '$.token'),
           coalesce(json_extract(draft, '$.file[2]'),
                    CASE json_extract(draft, '$.file[0]') WHEN 'photo' THEN 'photo.jpg'
                         ELSE 'file' END),
           CASE json_extract(draft, '$.file[0]') WHEN 'photo' THEN 'image/jpeg'
                ELSE 'application/octet-stream' END,
           x'', updated_at
    FROM carried_announce
    WHERE json_type(draft, '$.file[1]') = 'text'
      AND json_extract(draft, '$.file[1]') NOT LIKE 'sha256:%';
INSERT OR IGNORE INTO file_remote_ids (file_key, channel, remote_id, recorded_at)
    SELECT 'announce_draft:' || json_extract(draft, '$.token'), 'telegram',
           json_extract(draft, '$.file[1]'), updated_at
    FROM carried_announce
    WHERE json_type(draft, '$.file[1]') = 'text'
      AND json_extract(draft, '$.file[1]') NOT LIKE 'sha256:%';
UPDATE carried_announce
    SET draft = json_set(draft, '$.file[1]', 'announce_draft:' || json_extract(draft, '$.token'))
    WHERE json_type(draft, '$.file[1]') = 'text'
      AND json_extract(draft, '$.file[1]') NOT LIKE 'sha256:%';

-- Each becomes the person's session of the flow kept aside on Telegram at the same step (its
-- question does not expire: when it was asked matters not). The draft keeps its fields; its
-- view says which step's message was last drawn.
INSERT OR REPLACE INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by,
                                 updated_at)
    SELECT person_id, 'telegram:announce', 'announce', step,
           json_set(draft, '$.view',
                    CASE step WHEN 'text' THEN 'text' WHEN 'preview' THEN 'preview'
                         WHEN 'audience' THEN
                             CASE json_extract(draft, '$.view') WHEN 'units' THEN 'units'
                                  ELSE 'audience' END
                    END),
           updated_at, NULL, updated_at
    FROM carried_announce;

-- What was carried leaves the conversations (a draft whose owner is no person yet, a
-- configured admin who never joined, has nobody to belong to and stays as it was).
DELETE FROM conversations
    WHERE name = 'announce' AND key IN (SELECT conversation FROM carried_announce);
UPDATE conversations
    SET data = json_remove(data, '$.announce')
    WHERE name = '__user_data__' AND key IN (SELECT user_key FROM carried_announce);
DROP TABLE carried_announce;
""",
    ),
    (
        20,
        "wecom_inbox: WeCom callbacks stored before they are answered, handled after",
        """
-- One row per callback WeCom delivered, kept before the answer so a crash loses nothing; a
-- retry of the same callback finds its dedupe_key taken (msg:<MsgId>, rc:<ResponseCode>, else
-- sha256:<plaintext>) and is not stored again. handled_at is set in the transaction of the
-- handling's effects, so rows without it are replayed in id order after a restart.
CREATE TABLE wecom_inbox (
    id             INTEGER PRIMARY KEY,
    dedupe_key     TEXT NOT NULL UNIQUE CHECK (length(dedupe_key) > 0),
    from_user      TEXT NOT NULL,
    msg_type       TEXT NOT NULL CHECK (length(msg_type) > 0),
    event          TEXT,
    content        TEXT,
    event_key      TEXT,
    task_id        TEXT,
    response_code  TEXT,
    media_id       TEXT,
    msg_id         TEXT,
    agent_id       TEXT,
    create_time    INTEGER,
    plaintext      TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    handled_at     TEXT,
    outcome        TEXT CHECK ((handled_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX wecom_inbox_unhandled ON wecom_inbox (id) WHERE handled_at IS NULL;
""",
    ),
    (
        21,
        "document numbers: each formal document's number in its year, kept once given",
        """
-- The number a formal document carries (发文字号 〔2026〕3号): one per kind and period (a month's
-- 通报 is kind 'bulletin', period '2026-11'), counted per kind within the year it was issued,
-- with the day it is dated. A re-fetch prints the same number; a number is never reused.
CREATE TABLE document_numbers (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (length(kind) > 0),
    period      TEXT NOT NULL CHECK (length(period) > 0),
    year        INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    number      INTEGER NOT NULL CHECK (number >= 1),
    issued_on   TEXT NOT NULL CHECK (date(issued_on) = issued_on),
    recorded_at TEXT NOT NULL,
    UNIQUE (kind, period),
    UNIQUE (kind, year, number),
    CHECK (CAST(substr(issued_on, 1, 4) AS INTEGER) = year)
);
CREATE TRIGGER document_numbers_frozen BEFORE UPDATE ON document_numbers
BEGIN SELECT RAISE(ABORT, 'a document number never changes'); END;
CREATE TRIGGER document_numbers_kept BEFORE DELETE ON document_numbers
BEGIN SELECT RAISE(ABORT, 'a document number is kept'); END;
""",
    ),
    (
        22,
        "assessment campaigns: the office's acceptance of the template's rule for a check the"
        " group scored differently",
        """
-- The office accepted the campaign's rule (average by default) for a check its members
-- scored differently: the scores it was accepted over (JSON, member id to points) and the
-- rule's result then. Scores changed since make the check differ again.
CREATE TABLE campaign_rule_accepts (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    check_id     TEXT NOT NULL,
    scores       TEXT NOT NULL,
    points       TEXT NOT NULL,
    accepted_by  INTEGER NOT NULL REFERENCES people(id),
    accepted_at  TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, check_id),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);
""",
    ),
    (
        23,
        "WeCom: each card sent with buttons, and each numbered menu, kept to settle or read back",
        """
-- What the WeCom adapter sent with buttons: a template card (its task_id, unique forever) or,
-- with more choices than a card holds, a text with numbered choices (task_id NULL) that a
-- later reply "3" reads back. `choices` holds [[label, data], ...] in the order shown;
-- `response_code` the freshest unused code that may update the card (the send's, then a
-- click's); `closed_at` when the card was settled or the menu answered or replaced.
CREATE TABLE wecom_cards (
    id             INTEGER PRIMARY KEY,
    userid         TEXT NOT NULL,
    task_id        TEXT UNIQUE,
    msgid          TEXT NOT NULL,
    title          TEXT NOT NULL,
    choices        TEXT NOT NULL,
    response_code  TEXT,
    sent_at        TEXT NOT NULL,
    closed_at      TEXT
);
CREATE INDEX wecom_cards_menus ON wecom_cards (userid, id) WHERE task_id IS NULL;
""",
    ),
    (
        24,
        "assessment campaigns: the satisfaction survey's public links, the key answerers'"
        " accounts are hashed with, and a comment awaited after an answer",
        """
-- 民主测评's public link: one opaque token per unit per campaign (random, never the unit's id).
CREATE TABLE campaign_survey_links (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    token        TEXT NOT NULL UNIQUE CHECK (length(token) BETWEEN 16 AND 43),
    made_at      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id),
    FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units (campaign_id, unit_id)
);

-- The key every answerer's account is hashed with, made once: the same account always gives
-- the same hash (one answer, after any restart), and without the key no hash is guessed.
CREATE TABLE survey_key (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    secret   BLOB NOT NULL CHECK (length(secret) = 32),
    made_at  TEXT NOT NULL
);

-- After an answer its optional comment is awaited until this moment (NULL: not awaited).
ALTER TABLE campaign_survey ADD COLUMN comment_until TEXT;
CREATE INDEX campaign_survey_waiting ON campaign_survey (comment_until)
    WHERE comment_until IS NOT NULL;
""",
    ),
    (
        25,
        "assessment campaigns: each rectification report kept with its evidence and its"
        " review, and the upper office a lower level's campaign files its results to",
        """
-- Each submission of a unit's rectification report (整改报告), kept: round n is the nth. Its
-- text (several messages joined), who sent it, and the office's review: accepted, or
-- returned with a reason (the unit then writes round n + 1).
CREATE TABLE campaign_rectification_reports (
    campaign_id   INTEGER NOT NULL,
    unit_id       INTEGER NOT NULL,
    round         INTEGER NOT NULL CHECK (round >= 1),
    text          TEXT NOT NULL DEFAULT '',
    submitted_by  INTEGER NOT NULL REFERENCES people(id),
    submitted_at  TEXT NOT NULL,
    verdict       TEXT CHECK (verdict IN ('accepted', 'returned')),
    reason        TEXT,
    reviewed_by   INTEGER REFERENCES people(id),
    reviewed_at   TEXT,
    PRIMARY KEY (campaign_id, unit_id, round),
    FOREIGN KEY (campaign_id, unit_id)
        REFERENCES campaign_rectifications (campaign_id, unit_id),
    CHECK (verdict IS NULL OR verdict = 'accepted' OR length(trim(ifnull(reason, ''))) > 0)
);

-- A report's evidence: photos and files, their bytes in `files`, in the order sent.
CREATE TABLE campaign_rectification_files (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    round        INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    file_key     TEXT NOT NULL REFERENCES files(key),
    PRIMARY KEY (campaign_id, unit_id, round, position),
    FOREIGN KEY (campaign_id, unit_id, round)
        REFERENCES campaign_rectification_reports (campaign_id, unit_id, round)
);

-- 备案: a campaign run for a lower level names the upper office it files its results to (its
-- name) and the people there who are told and may open them; told_at once they were.
CREATE TABLE campaign_filings (
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    person_id     INTEGER NOT NULL REFERENCES people(id),
    upper_office  TEXT NOT NULL CHECK (length(trim(upper_office)) > 0),
    named_by      INTEGER NOT NULL REFERENCES people(id),
    named_at      TEXT NOT NULL,
    told_at       TEXT,
    PRIMARY KEY (campaign_id, person_id)
);
""",
    ),
    (
        26,
        "an item's photo or file keeps the caption its sender wrote with it",
        """
-- The caption sent with a photo or file (图注), cleaned to one line; none before this version.
ALTER TABLE item_files ADD COLUMN caption TEXT;
""",
    ),
    (
        27,
        "an invite may name the person it is for (WeCom gives an app no member's name)",
        """
-- The person's name as the admin wrote it: it becomes their name when they join.
ALTER TABLE invites ADD COLUMN name TEXT;
""",
    ),
    (
        28,
        "a person may choose the channel their notices go to",
        """
-- 'telegram' or 'wecom': notices go to the person's account there (while they have one);
-- NULL: to the account they used last, as before this version.
ALTER TABLE people ADD COLUMN notices_to TEXT CHECK (notices_to IN ('telegram', 'wecom'));
""",
    ),
    (
        29,
        "a correction that moves a unit out of a consequence withdraws it, the row kept",
        """
-- 通报表扬 / 通报批评 / the result sent on, withdrawn by a corrected version (NULL: in force).
ALTER TABLE campaign_outcomes ADD COLUMN withdrawn_at TEXT;
ALTER TABLE campaign_outcomes ADD COLUMN withdrawn_version INTEGER;
-- A 限期整改 task closed by a correction that moved the unit out of 不合格 (NULL: in force).
ALTER TABLE campaign_rectifications ADD COLUMN withdrawn_at TEXT;
ALTER TABLE campaign_rectifications ADD COLUMN withdrawn_version INTEGER;
""",
    ),
    (
        30,
        "a person links an account on another channel to themselves by a single-use code",
        """
-- A code a person asks for on one channel and sends from the other: that account becomes
-- theirs (one person, two channels), no role given. Single use, expiring like an invite.
CREATE TABLE account_links (
    code        TEXT PRIMARY KEY CHECK (length(code) BETWEEN 8 AND 64),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER REFERENCES accounts(id)
);
""",
    ),
)

LATEST_VERSION: Final[int] = MIGRATIONS[-1][0]
