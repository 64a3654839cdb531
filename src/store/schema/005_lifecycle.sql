-- 005_lifecycle: token lifecycle after issuance (src/domain/inventory.rs holds the rules),
-- revocations (Pasal 16), PIN unblocks under two-person control, custody audits, and the
-- station's own staff tokens (officers, auditors). Times are RFC 3339 UTC. Every change is
-- also a ledger event; these tables hold the current state.

-- Disposal status of a returned/destroyed token (pending | wiped | destroyed_witnessed), and
-- the token this one replaces (a lost, damaged, revoked or returned one).
ALTER TABLE tokens ADD COLUMN disposal TEXT;
ALTER TABLE tokens ADD COLUMN replaces TEXT REFERENCES tokens (serial);
ALTER TABLE tokens ADD COLUMN replacement_reason TEXT;

-- One revocation per certificate: requested (offline CA: sheet in the outbox, waiting for the
-- CA's confirmation) or done (revoked at the CA; the certificate and token are marked then).
CREATE TABLE revocations (
    id                 TEXT PRIMARY KEY,
    num                INTEGER NOT NULL UNIQUE,
    certificate_serial TEXT NOT NULL UNIQUE REFERENCES certificates (serial),
    token_serial       TEXT NOT NULL REFERENCES tokens (serial),
    application_id     TEXT NOT NULL REFERENCES applications (id),
    -- the regulation's case: lost | damaged | inaccessible | compromised | holder_request |
    -- affiliation_changed | op_evaluation | superseded
    cause              TEXT NOT NULL,
    -- RFC 5280 reason name (keyCompromise, …)
    reason             TEXT NOT NULL,
    police_report      TEXT,
    statement_sha256   TEXT,
    statement_archive  TEXT,
    superior           TEXT,
    reapplication_id   TEXT REFERENCES applications (id),
    status             TEXT NOT NULL CHECK (status IN ('requested', 'done')),
    ca                 TEXT NOT NULL,
    ticket             TEXT,
    requested_at       TEXT NOT NULL,
    requested_by       TEXT NOT NULL,
    done_at            TEXT
) STRICT;
CREATE INDEX revocations_status ON revocations (status, num);

-- Custody audits: an auditor's session over the tokens physically present.
CREATE TABLE audits (
    id           TEXT PRIMARY KEY,
    num          INTEGER NOT NULL UNIQUE,
    auditor      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'finished')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    -- the signed report (CMS SignedData, DER) and its SHA-256
    report_der   BLOB,
    report_sha256 TEXT
) STRICT;

-- What a scan of an audit saw: one row per token serial (later scans update it).
CREATE TABLE audit_sightings (
    audit_id     TEXT NOT NULL REFERENCES audits (id),
    serial       TEXT NOT NULL,
    -- pkcs11 | piv
    interface    TEXT NOT NULL,
    manufacturer TEXT NOT NULL,
    model        TEXT NOT NULL,
    label        TEXT NOT NULL,
    -- whether the token had a user PIN set (PKCS#11 CKF_USER_PIN_INITIALIZED; PIV: unknown = 1)
    initialised  INTEGER NOT NULL,
    seen_at      TEXT NOT NULL,
    PRIMARY KEY (audit_id, serial)
) STRICT;

-- The station's own people with a token: officers (sign in at the desk) and auditors.
CREATE TABLE staff (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('officer', 'auditor')),
    token_uri   TEXT NOT NULL,
    token_serial TEXT NOT NULL,
    certificate_sha256 TEXT NOT NULL,
    added_at    TEXT NOT NULL
) STRICT;
