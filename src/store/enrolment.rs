//! Enrolment records (`003_enrolment.sql`): token inventory, escrowed admin secrets, the session
//! journal, holders' certificates and receipts. Writes go through the caller's unit of work;
//! reads through [`SqliteStore`].

use rusqlite::{Connection, OptionalExtension as _, Row, params};
use time::OffsetDateTime;

use super::{SqliteStore, StoreError, UnitOfWork};

use super::sqlite::{fmt_time, parse_time};

/// A token in the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    pub firmware: String,
    pub profile_id: String,
    pub label: String,
    /// `stock`, `enrolling`, `initialised`, `issued`, `refused`.
    pub state: String,
    pub holder_application_id: Option<String>,
    pub updated_at: OffsetDateTime,
}

/// One enrolment session of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub application_id: String,
    pub token_uri: String,
    pub token_serial: String,
    pub step: String,
    /// `before` or `after`: which journal record of `step` is the latest.
    pub phase: String,
    /// `running`, `parked`, `done`, `aborted`.
    pub status: String,
    /// Step results (JSON text): never a PIN or other secret.
    pub data: String,
    pub started_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A certificate issued to a holder and installed on a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    /// Uppercase hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    pub sha256: String,
    pub application_id: String,
    pub token_serial: String,
    pub not_after: OffsetDateTime,
    pub der: Vec<u8>,
}

/// A signed receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRow {
    pub id: String,
    pub application_id: String,
    pub sha256: String,
    pub der: Vec<u8>,
    pub created_at: OffsetDateTime,
}

/// An escrowed admin secret (the archive file name only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowRow {
    pub token_serial: String,
    pub kind: String,
    pub archive_name: String,
    pub escrowed_at: OffsetDateTime,
}

fn token_from(r: &Row<'_>) -> rusqlite::Result<(TokenRow, String)> {
    Ok((
        TokenRow {
            serial: r.get(0)?,
            manufacturer: r.get(1)?,
            model: r.get(2)?,
            firmware: r.get(3)?,
            profile_id: r.get(4)?,
            label: r.get(5)?,
            state: r.get(6)?,
            holder_application_id: r.get(7)?,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        },
        r.get(8)?,
    ))
}

const TOKEN_COLS: &str = "serial, manufacturer, model, firmware, profile_id, label, state, holder_application_id, updated_at";
const SESSION_COLS: &str = "id, application_id, token_uri, token_serial, step, phase, status, data, \
     started_at, updated_at";

fn session_from(r: &Row<'_>) -> rusqlite::Result<(SessionRow, String, String)> {
    Ok((
        SessionRow {
            id: r.get(0)?,
            application_id: r.get(1)?,
            token_uri: r.get(2)?,
            token_serial: r.get(3)?,
            step: r.get(4)?,
            phase: r.get(5)?,
            status: r.get(6)?,
            data: r.get(7)?,
            started_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        },
        r.get(8)?,
        r.get(9)?,
    ))
}

fn finish_session(
    (mut s, started, updated): (SessionRow, String, String),
) -> Result<SessionRow, StoreError> {
    s.started_at = parse_time(&started)?;
    s.updated_at = parse_time(&updated)?;
    Ok(s)
}

fn get_token(conn: &Connection, serial: &str) -> Result<Option<TokenRow>, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLS} FROM tokens WHERE serial = ?1"
        ))?
        .query_row([serial], token_from)
        .optional()?;
    row.map(|(mut t, at)| {
        t.updated_at = parse_time(&at)?;
        Ok(t)
    })
    .transpose()
}

fn get_session(conn: &Connection, id: &str) -> Result<SessionRow, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {SESSION_COLS} FROM enrol_sessions WHERE id = ?1"
        ))?
        .query_row([id], session_from)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "enrolment session",
            id: id.to_owned(),
        })?;
    finish_session(row)
}

fn list_sessions(conn: &Connection, status: Option<&str>) -> Result<Vec<SessionRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SESSION_COLS} FROM enrol_sessions WHERE ?1 IS NULL OR status = ?1 ORDER BY num"
    ))?;
    let rows = stmt.query_map([status], session_from)?;
    rows.map(|r| finish_session(r?)).collect()
}

fn cert_from(r: &Row<'_>) -> rusqlite::Result<(CertificateRow, String)> {
    Ok((
        CertificateRow {
            serial: r.get(0)?,
            sha256: r.get(1)?,
            application_id: r.get(2)?,
            token_serial: r.get(3)?,
            not_after: OffsetDateTime::UNIX_EPOCH,
            der: r.get(5)?,
        },
        r.get(4)?,
    ))
}

impl SqliteStore {
    /// The id the next receipt will get (`RCP-000001`, …).
    pub fn next_receipt_id(&self) -> Result<String, StoreError> {
        let num: i64 = self.read_connection().query_row(
            "SELECT COALESCE(MAX(num), 0) + 1 FROM receipts",
            [],
            |r| r.get(0),
        )?;
        Ok(format!("RCP-{num:06}"))
    }

    pub fn token(&self, serial: &str) -> Result<Option<TokenRow>, StoreError> {
        get_token(self.read_connection(), serial)
    }

    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut stmt = self
            .read_connection()
            .prepare_cached(&format!("SELECT {TOKEN_COLS} FROM tokens ORDER BY serial"))?;
        let rows = stmt.query_map([], token_from)?;
        rows.map(|r| {
            let (mut t, at) = r?;
            t.updated_at = parse_time(&at)?;
            Ok(t)
        })
        .collect()
    }

    pub fn enrol_session(&self, id: &str) -> Result<SessionRow, StoreError> {
        get_session(self.read_connection(), id)
    }

    /// Sessions, oldest first; only those in `status` if given.
    pub fn enrol_sessions(&self, status: Option<&str>) -> Result<Vec<SessionRow>, StoreError> {
        list_sessions(self.read_connection(), status)
    }

    /// How many sessions are in `status` (the desk's Parked and Interrupted tab counts).
    pub fn count_enrol_sessions(&self, status: &str) -> Result<u64, StoreError> {
        let n: i64 = self
            .read_connection()
            .prepare_cached("SELECT COUNT(*) FROM enrol_sessions WHERE status = ?1")?
            .query_row([status], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    pub fn holder_certificate(&self, serial: &str) -> Result<CertificateRow, StoreError> {
        let row = self
            .read_connection()
            .prepare_cached(
                "SELECT serial, sha256, application_id, token_serial, not_after, der \
                 FROM certificates WHERE serial = ?1 COLLATE NOCASE",
            )?
            .query_row([serial], cert_from)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "certificate",
                id: serial.to_owned(),
            })?;
        let (mut c, at) = row;
        c.not_after = parse_time(&at)?;
        Ok(c)
    }

    pub fn holder_certificates_of(
        &self,
        application_id: &str,
    ) -> Result<Vec<CertificateRow>, StoreError> {
        let mut stmt = self.read_connection().prepare_cached(
            "SELECT serial, sha256, application_id, token_serial, not_after, der \
             FROM certificates WHERE application_id = ?1 ORDER BY serial",
        )?;
        let rows = stmt.query_map([application_id], cert_from)?;
        rows.map(|r| {
            let (mut c, at) = r?;
            c.not_after = parse_time(&at)?;
            Ok(c)
        })
        .collect()
    }

    pub fn receipt(&self, id: &str) -> Result<ReceiptRow, StoreError> {
        let row = self
            .read_connection()
            .prepare_cached(
                "SELECT id, application_id, sha256, der, created_at FROM receipts WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "receipt",
                id: id.to_owned(),
            })?;
        Ok(ReceiptRow {
            id: row.0,
            application_id: row.1,
            sha256: row.2,
            der: row.3,
            created_at: parse_time(&row.4)?,
        })
    }

    pub fn escrowed_secrets_of(&self, token_serial: &str) -> Result<Vec<EscrowRow>, StoreError> {
        let mut stmt = self.read_connection().prepare_cached(
            "SELECT token_serial, kind, archive_name, escrowed_at FROM escrowed_secrets \
             WHERE token_serial = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([token_serial], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|r| {
            let (token_serial, kind, archive_name, at) = r?;
            Ok(EscrowRow {
                token_serial,
                kind,
                archive_name,
                escrowed_at: parse_time(&at)?,
            })
        })
        .collect()
    }
}

impl UnitOfWork<'_> {
    pub fn token(&self, serial: &str) -> Result<Option<TokenRow>, StoreError> {
        get_token(self.connection(), serial)
    }

    /// Inserts or replaces a token's inventory record (time from the clock).
    pub fn upsert_token(&mut self, t: &TokenRow) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        self.connection()
            .prepare_cached(
                "INSERT INTO tokens (serial, manufacturer, model, firmware, profile_id, label, \
                 state, holder_application_id, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) \
                 ON CONFLICT (serial) DO UPDATE SET manufacturer = ?2, model = ?3, firmware = ?4, \
                 profile_id = ?5, label = ?6, state = ?7, holder_application_id = ?8, updated_at = ?9",
            )?
            .execute(params![
                t.serial,
                t.manufacturer,
                t.model,
                t.firmware,
                t.profile_id,
                t.label,
                t.state,
                t.holder_application_id,
                now
            ])?;
        Ok(())
    }

    /// Sets a token's state (and holder).
    pub fn set_token_state(
        &mut self,
        serial: &str,
        state: &str,
        label: Option<&str>,
        holder: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        let n = self
            .connection()
            .prepare_cached(
                "UPDATE tokens SET state = ?2, label = COALESCE(?3, label), \
                 holder_application_id = ?4, updated_at = ?5 WHERE serial = ?1",
            )?
            .execute(params![serial, state, label, holder, now])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "token",
                id: serial.to_owned(),
            });
        }
        Ok(())
    }

    pub fn record_escrow(
        &mut self,
        token_serial: &str,
        kind: &str,
        archive_name: &str,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        self.connection()
            .prepare_cached(
                "INSERT INTO escrowed_secrets (token_serial, kind, archive_name, escrowed_at) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![token_serial, kind, archive_name, now])?;
        Ok(())
    }

    /// Opens a session (`ENR-000001`, …) in status `running` at step `start`/`before`.
    pub fn insert_enrol_session(
        &mut self,
        application_id: &str,
        token_uri: &str,
        token_serial: &str,
        data: &str,
    ) -> Result<String, StoreError> {
        let num: i64 = self.connection().query_row(
            "SELECT COALESCE(MAX(num), 0) + 1 FROM enrol_sessions",
            [],
            |r| r.get(0),
        )?;
        let id = format!("ENR-{num:06}");
        let now = fmt_time(self.now());
        self.connection()
            .prepare_cached(
                "INSERT INTO enrol_sessions (id, num, application_id, token_uri, token_serial, \
                 step, phase, status, data, started_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'start', 'after', 'running', ?6, ?7, ?7)",
            )?
            .execute(params![
                id,
                num,
                application_id,
                token_uri,
                token_serial,
                data,
                now
            ])?;
        Ok(id)
    }

    pub fn enrol_session(&self, id: &str) -> Result<SessionRow, StoreError> {
        get_session(self.connection(), id)
    }

    /// Sessions of an application still open (running or parked).
    pub fn open_sessions_of(&self, application_id: &str) -> Result<Vec<SessionRow>, StoreError> {
        Ok(list_sessions(self.connection(), None)?
            .into_iter()
            .filter(|s| {
                s.application_id == application_id
                    && (s.status == "running" || s.status == "parked")
            })
            .collect())
    }

    /// Writes a journal record: the step, its phase, the status and (if given) new data.
    pub fn journal(
        &mut self,
        id: &str,
        step: &str,
        phase: &str,
        status: &str,
        data: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        let n = self
            .connection()
            .prepare_cached(
                "UPDATE enrol_sessions SET step = ?2, phase = ?3, status = ?4, \
                 data = COALESCE(?5, data), updated_at = ?6 WHERE id = ?1",
            )?
            .execute(params![id, step, phase, status, data, now])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "enrolment session",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    pub fn insert_holder_certificate(&mut self, c: &CertificateRow) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO certificates (serial, sha256, application_id, token_serial, \
                 not_after, der) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                c.serial,
                c.sha256,
                c.application_id,
                c.token_serial,
                fmt_time(c.not_after),
                c.der
            ])?;
        Ok(())
    }

    /// Sets an application's status (the caller checked the transition and appends the event).
    pub fn set_application_status(&mut self, id: &str, status: &str) -> Result<(), StoreError> {
        let n = self
            .connection()
            .prepare_cached("UPDATE applications SET status = ?2 WHERE id = ?1")?
            .execute(params![id, status])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "application",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    /// Marks a holder certificate `active` or `revoked` (a missing row is not an error: the
    /// session may have been aborted before the certificate was installed).
    pub fn set_holder_certificate_status(
        &mut self,
        serial: &str,
        status: &str,
    ) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached("UPDATE certificates SET status = ?2 WHERE serial = ?1")?
            .execute(params![serial, status])?;
        Ok(())
    }

    /// Allocates the next receipt id (`RCP-000001`, …) without inserting it.
    pub fn next_receipt_id(&self) -> Result<String, StoreError> {
        let num: i64 = self.connection().query_row(
            "SELECT COALESCE(MAX(num), 0) + 1 FROM receipts",
            [],
            |r| r.get(0),
        )?;
        Ok(format!("RCP-{num:06}"))
    }

    pub fn insert_receipt(
        &mut self,
        id: &str,
        application_id: &str,
        sha256: &str,
        der: &[u8],
    ) -> Result<(), StoreError> {
        let num: i64 = id
            .strip_prefix("RCP-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Corrupt(format!("bad receipt id {id}")))?;
        let now = fmt_time(self.now());
        self.connection()
            .prepare_cached(
                "INSERT INTO receipts (id, num, application_id, sha256, der, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![id, num, application_id, sha256, der, now])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::test_support::TestSigner;
    use crate::ports::clock::FixedClock;
    use crate::store::NewApplication;
    use time::macros::datetime;

    const CLOCK: FixedClock = FixedClock(datetime!(2026-03-01 08:00:00 UTC));

    #[test]
    fn a_session_journal_keeps_its_latest_step_and_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path().join("k.sqlite")).unwrap();
        let signer = TestSigner::from_seed(1);
        let id = store
            .unit_of_work(&signer, &CLOCK, |tx| {
                let app = tx.insert_application(&NewApplication {
                    kind: "individual".into(),
                    status: "approved".into(),
                    applicant_name: "Dewi".into(),
                    department: "Dinas".into(),
                    form_json: "{}".into(),
                    submitted_by: "t".into(),
                })?;
                tx.upsert_token(&TokenRow {
                    serial: "S1".into(),
                    manufacturer: "m".into(),
                    model: "x".into(),
                    firmware: "2.6".into(),
                    profile_id: "softhsm2".into(),
                    label: "STOCK".into(),
                    state: "stock".into(),
                    holder_application_id: None,
                    updated_at: CLOCK.0,
                })?;
                let id = tx.insert_enrol_session(&app, "pkcs11:serial=S1", "S1", "{}")?;
                tx.journal(&id, "keygen", "before", "running", None)?;
                tx.journal(&id, "keygen", "after", "running", Some("{\"k\":1}"))?;
                tx.record_escrow("S1", "so_pin", "escrow-x.age")?;
                Ok::<_, StoreError>(id)
            })
            .unwrap();
        let s = store.enrol_session(&id).unwrap();
        assert_eq!((s.step.as_str(), s.phase.as_str()), ("keygen", "after"));
        assert_eq!(s.data, "{\"k\":1}");
        assert_eq!(store.enrol_sessions(Some("running")).unwrap().len(), 1);
        assert_eq!(store.escrowed_secrets_of("S1").unwrap().len(), 1);
        assert_eq!(store.token("S1").unwrap().unwrap().state, "stock");
    }
}
