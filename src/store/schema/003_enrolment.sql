-- 003_enrolment: in-person issuance (Pasal 14): token inventory, escrowed admin secrets, the
-- enrolment session journal, certificates issued to holders and signed receipts.
-- Times are RFC 3339 UTC. Secrets themselves are never stored: only the archive file name of
-- their age-encrypted escrow copy.

CREATE TABLE tokens (
    serial         TEXT PRIMARY KEY,
    manufacturer   TEXT NOT NULL,
    model          TEXT NOT NULL,
    firmware       TEXT NOT NULL,
    profile_id     TEXT NOT NULL,
    label          TEXT NOT NULL,
    -- stock | enrolling | initialised | issued | refused
    state          TEXT NOT NULL,
    holder_application_id TEXT REFERENCES applications (id),
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX tokens_state ON tokens (state, serial);

CREATE TABLE escrowed_secrets (
    id            INTEGER PRIMARY KEY,
    token_serial  TEXT NOT NULL REFERENCES tokens (serial),
    -- so_pin | puk | management_key
    kind          TEXT NOT NULL,
    archive_name  TEXT NOT NULL,
    escrowed_at   TEXT NOT NULL
) STRICT;
CREATE INDEX escrowed_secrets_token ON escrowed_secrets (token_serial, id);

CREATE TABLE enrol_sessions (
    id             TEXT PRIMARY KEY,
    num            INTEGER NOT NULL UNIQUE,
    application_id TEXT NOT NULL REFERENCES applications (id),
    token_uri      TEXT NOT NULL,
    token_serial   TEXT NOT NULL,
    -- last step journaled, and whether its "before" or "after" record is the latest
    step           TEXT NOT NULL,
    phase          TEXT NOT NULL CHECK (phase IN ('before', 'after')),
    -- running | parked | done | aborted
    status         TEXT NOT NULL,
    data           TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX enrol_sessions_status ON enrol_sessions (status, num);
CREATE INDEX enrol_sessions_application ON enrol_sessions (application_id);

CREATE TABLE certificates (
    serial         TEXT PRIMARY KEY,
    sha256         TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    application_id TEXT NOT NULL REFERENCES applications (id),
    token_serial   TEXT NOT NULL REFERENCES tokens (serial),
    not_after      TEXT NOT NULL,
    der            BLOB NOT NULL,
    -- active | revoked (an aborted session's certificate, revoked at the embedded CA)
    status         TEXT NOT NULL DEFAULT 'active'
) STRICT;
CREATE INDEX certificates_application ON certificates (application_id);

CREATE TABLE receipts (
    id             TEXT PRIMARY KEY,
    num            INTEGER NOT NULL UNIQUE,
    application_id TEXT NOT NULL REFERENCES applications (id),
    sha256         TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    der            BLOB NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX receipts_application ON receipts (application_id);
