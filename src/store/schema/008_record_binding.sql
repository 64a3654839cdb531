-- 008_record_binding: records bound to the ledger (issue 16, docs/formats/ledger.md §7).
-- Every unit of work appends `ledger.records_bound` events with the canonical hash of each row
-- it inserted, updated or deleted in a bound table; `record_bindings` says which event holds
-- the latest binding of each row. It is only an index: `kustodi ledger verify` checks it
-- against the events, and a use case re-checks the row it acts on through it.
CREATE TABLE record_bindings (
    tbl        TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    ledger_seq INTEGER NOT NULL CHECK (ledger_seq >= 1),
    PRIMARY KEY (tbl, key)
) STRICT;

-- The rows that existed when this migration ran: the first unit of work after it binds them
-- as it finds them (only while the ledger holds no binding event yet), then empties this.
CREATE TABLE record_baseline (
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (tbl, key)
) STRICT;
INSERT INTO record_baseline SELECT 'applications', CAST(id AS TEXT) FROM applications;
INSERT INTO record_baseline SELECT 'documents', CAST(id AS TEXT) FROM documents;
INSERT INTO record_baseline SELECT 'tokens', CAST(serial AS TEXT) FROM tokens;
INSERT INTO record_baseline SELECT 'escrowed_secrets', CAST(id AS TEXT) FROM escrowed_secrets;
INSERT INTO record_baseline SELECT 'certificates', CAST(serial AS TEXT) FROM certificates;
INSERT INTO record_baseline SELECT 'receipts', CAST(id AS TEXT) FROM receipts;
INSERT INTO record_baseline SELECT 'revocations', CAST(id AS TEXT) FROM revocations;
INSERT INTO record_baseline
    SELECT 'ca_certificates', CAST(ca AS TEXT) || '/' || CAST(serial_hex AS TEXT) FROM ca_certificates;
INSERT INTO record_baseline
    SELECT 'ca_revocations', CAST(ca AS TEXT) || '/' || CAST(serial_hex AS TEXT) FROM ca_revocations;
INSERT INTO record_baseline SELECT 'staff', CAST(id AS TEXT) FROM staff;
INSERT INTO record_baseline SELECT 'incidents', CAST(id AS TEXT) FROM incidents;
INSERT INTO record_baseline SELECT 'audits', CAST(id AS TEXT) FROM audits;
