-- 002_ca: the embedded CA's records: issued certificates, revocations, CRL numbers.
-- `ca` is the CA's name (CertificateAuthority::name); serials are lowercase hex without
-- leading zero bytes, unique per CA. Times are RFC 3339 UTC.

CREATE TABLE ca_certificates (
    ca          TEXT NOT NULL,
    serial_hex  TEXT NOT NULL CHECK (length(serial_hex) BETWEEN 1 AND 42),
    subject     TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    der         BLOB NOT NULL,
    PRIMARY KEY (ca, serial_hex)
) STRICT;
CREATE INDEX ca_certificates_request ON ca_certificates (request_id);

CREATE TABLE ca_revocations (
    ca          TEXT    NOT NULL,
    serial_hex  TEXT    NOT NULL,
    reason      INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 10),
    revoked_at  TEXT    NOT NULL,
    PRIMARY KEY (ca, serial_hex),
    FOREIGN KEY (ca, serial_hex) REFERENCES ca_certificates (ca, serial_hex)
) STRICT;

CREATE TABLE ca_crl_numbers (
    ca          TEXT    PRIMARY KEY,
    last_number INTEGER NOT NULL CHECK (last_number >= 1)
) STRICT;
