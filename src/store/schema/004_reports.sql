-- 004_reports: the ASN roster (coverage, Pasal 8(3)) and incident records (Pasal 23, 25).
-- Times are RFC 3339 UTC. Every change to these tables is also a ledger event
-- (`roster.imported`, `incident.recorded`, `incident.closed`); the report numbers come from
-- the ledger events, these tables only hold the current state.

-- The list of civil servants (ASN) as last imported; an import replaces it whole.
CREATE TABLE roster (
    nip        TEXT PRIMARY KEY CHECK (length(nip) = 18),
    name       TEXT NOT NULL,
    department TEXT NOT NULL,
    position   TEXT
) STRICT;
CREATE INDEX roster_department ON roster (department, nip);

-- Incidents: problems with authentication, authenticity or non-repudiation, lost or damaged
-- keys. Status is `open` or `closed` (src/domain/incident.rs holds the rules).
CREATE TABLE incidents (
    id                 TEXT PRIMARY KEY,
    num                INTEGER NOT NULL UNIQUE,
    category           TEXT NOT NULL,
    status             TEXT NOT NULL,
    summary            TEXT NOT NULL,
    token_serial       TEXT,
    certificate_serial TEXT,
    application_id     TEXT,
    reported_by        TEXT NOT NULL,
    occurred_at        TEXT NOT NULL,
    recorded_at        TEXT NOT NULL,
    recorded_by        TEXT NOT NULL,
    closed_at          TEXT,
    closed_by          TEXT,
    resolution         TEXT
) STRICT;
CREATE INDEX incidents_status ON incidents (status, num);
