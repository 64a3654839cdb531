-- 001_initial: custody ledger, station keys, applications and their documents.

-- The hash-chained custody ledger. `body` is the canonical event encoding (authoritative);
-- `hash` = SHA-256(chain tag || previous hash || body). `kind`, `subject` and `time_ms` are
-- decoded copies for queries only; verification never trusts them.
CREATE TABLE ledger_events (
    seq     INTEGER PRIMARY KEY CHECK (seq >= 1),
    body    BLOB    NOT NULL,
    hash    BLOB    NOT NULL CHECK (length(hash) = 32),
    kind    TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    time_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_events_subject ON ledger_events (subject, seq);
CREATE INDEX ledger_events_kind    ON ledger_events (kind, seq);
CREATE INDEX ledger_events_time    ON ledger_events (time_ms);

-- Signed checkpoints: one per unit of work that appended events.
CREATE TABLE ledger_checkpoints (
    tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 1),
    head_hash BLOB    NOT NULL CHECK (length(head_hash) = 32),
    time_ms   INTEGER NOT NULL,
    key_id    TEXT    NOT NULL,
    signature BLOB    NOT NULL
) STRICT;

-- Station public keys that sign checkpoints (key_id = hex SHA-256 of the SPKI DER).
CREATE TABLE station_keys (
    key_id   TEXT PRIMARY KEY,
    spki     BLOB NOT NULL,
    label    TEXT NOT NULL,
    added_at TEXT NOT NULL
) STRICT;

CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    num             INTEGER NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    applicant_name  TEXT NOT NULL,
    department      TEXT NOT NULL,
    form_json       TEXT NOT NULL,
    submitted_at    TEXT NOT NULL,
    submitted_by    TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT,
    decision_reason TEXT
) STRICT;
CREATE INDEX applications_status ON applications (status, num);
CREATE INDEX applications_kind   ON applications (kind, num);

CREATE TABLE documents (
    id             INTEGER PRIMARY KEY,
    application_id TEXT    NOT NULL REFERENCES applications (id),
    kind           TEXT    NOT NULL,
    sha256         TEXT    NOT NULL CHECK (length(sha256) = 64),
    size           INTEGER NOT NULL CHECK (size >= 0),
    archive_name   TEXT    NOT NULL,
    original_name  TEXT    NOT NULL
) STRICT;
CREATE INDEX documents_application ON documents (application_id, id);
