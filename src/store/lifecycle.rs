//! Lifecycle records (`005_lifecycle.sql`): disposal status and replacement links of tokens,
//! revocations, custody audits and their sightings, and the station's staff tokens. Writes go
//! through the caller's unit of work; reads through [`SqliteStore`].

use rusqlite::{Connection, OptionalExtension as _, Row, params};
use time::OffsetDateTime;

use super::sqlite::{fmt_time, parse_time};
use super::{SqliteStore, StoreError, UnitOfWork};

/// What the lifecycle adds to a token's inventory record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenCustody {
    pub disposal: Option<String>,
    pub replaces: Option<String>,
    pub replacement_reason: Option<String>,
}

/// A revocation (requested at an offline CA, or done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRow {
    pub id: String,
    pub certificate_serial: String,
    pub token_serial: String,
    pub application_id: String,
    pub cause: String,
    pub reason: String,
    pub police_report: Option<String>,
    pub statement_sha256: Option<String>,
    pub statement_archive: Option<String>,
    pub superior: Option<String>,
    pub reapplication_id: Option<String>,
    /// `requested` or `done`.
    pub status: String,
    pub ca: String,
    pub ticket: Option<String>,
    pub requested_at: OffsetDateTime,
    pub requested_by: String,
    pub done_at: Option<OffsetDateTime>,
}

/// A new revocation; its id (`REV-000001`, …) is allocated by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevocation {
    pub certificate_serial: String,
    pub token_serial: String,
    pub application_id: String,
    pub cause: String,
    pub reason: String,
    pub police_report: Option<String>,
    pub statement_sha256: Option<String>,
    pub statement_archive: Option<String>,
    pub superior: Option<String>,
    pub reapplication_id: Option<String>,
    pub status: String,
    pub ca: String,
    pub ticket: Option<String>,
    pub requested_by: String,
}

/// A custody audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: String,
    pub auditor: String,
    /// `open` or `finished`.
    pub status: String,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub report_der: Option<Vec<u8>>,
    pub report_sha256: Option<String>,
}

/// A token seen by an audit scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub serial: String,
    /// `pkcs11` or `piv`.
    pub interface: String,
    pub manufacturer: String,
    pub model: String,
    pub label: String,
    pub initialised: bool,
    pub seen_at: OffsetDateTime,
}

/// A member of the station's staff with their own token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub id: String,
    pub name: String,
    /// `officer` or `auditor`.
    pub role: String,
    pub token_uri: String,
    pub token_serial: String,
    pub certificate_sha256: String,
}

const REV_COLS: &str = "id, certificate_serial, token_serial, application_id, cause, reason, \
    police_report, statement_sha256, statement_archive, superior, reapplication_id, status, ca, \
    ticket, requested_at, requested_by, done_at";

fn opt_time(s: Option<String>) -> Result<Option<OffsetDateTime>, StoreError> {
    s.as_deref().map(parse_time).transpose()
}

fn revocation_from(r: &Row<'_>) -> rusqlite::Result<(RevocationRow, String, Option<String>)> {
    Ok((
        RevocationRow {
            id: r.get(0)?,
            certificate_serial: r.get(1)?,
            token_serial: r.get(2)?,
            application_id: r.get(3)?,
            cause: r.get(4)?,
            reason: r.get(5)?,
            police_report: r.get(6)?,
            statement_sha256: r.get(7)?,
            statement_archive: r.get(8)?,
            superior: r.get(9)?,
            reapplication_id: r.get(10)?,
            status: r.get(11)?,
            ca: r.get(12)?,
            ticket: r.get(13)?,
            requested_at: OffsetDateTime::UNIX_EPOCH,
            requested_by: r.get(15)?,
            done_at: None,
        },
        r.get(14)?,
        r.get(16)?,
    ))
}

fn finish_revocation(
    (mut row, requested, done): (RevocationRow, String, Option<String>),
) -> Result<RevocationRow, StoreError> {
    row.requested_at = parse_time(&requested)?;
    row.done_at = opt_time(done)?;
    Ok(row)
}

fn query_revocations(
    conn: &Connection,
    filter: &str,
    arg: Option<&str>,
) -> Result<Vec<RevocationRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REV_COLS} FROM revocations WHERE {filter} ORDER BY num"
    ))?;
    let rows = stmt.query_map([arg], revocation_from)?;
    rows.map(|r| finish_revocation(r?)).collect()
}

fn revocation_by(
    conn: &Connection,
    column: &str,
    value: &str,
) -> Result<Option<RevocationRow>, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {REV_COLS} FROM revocations WHERE {column} = ?1 COLLATE NOCASE"
        ))?
        .query_row([value], revocation_from)
        .optional()?;
    row.map(finish_revocation).transpose()
}

fn custody(conn: &Connection, serial: &str) -> Result<Option<TokenCustody>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT disposal, replaces, replacement_reason FROM tokens WHERE serial = ?1",
        )?
        .query_row([serial], |r| {
            Ok(TokenCustody {
                disposal: r.get(0)?,
                replaces: r.get(1)?,
                replacement_reason: r.get(2)?,
            })
        })
        .optional()?)
}

fn audit_from(r: &Row<'_>) -> rusqlite::Result<(AuditRow, String, Option<String>)> {
    Ok((
        AuditRow {
            id: r.get(0)?,
            auditor: r.get(1)?,
            status: r.get(2)?,
            started_at: OffsetDateTime::UNIX_EPOCH,
            finished_at: None,
            report_der: r.get(5)?,
            report_sha256: r.get(6)?,
        },
        r.get(3)?,
        r.get(4)?,
    ))
}

fn get_audit(conn: &Connection, id: &str) -> Result<AuditRow, StoreError> {
    let (mut a, started, finished) = conn
        .prepare_cached(
            "SELECT id, auditor, status, started_at, finished_at, report_der, report_sha256 \
             FROM audits WHERE id = ?1",
        )?
        .query_row([id], audit_from)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "audit",
            id: id.to_owned(),
        })?;
    a.started_at = parse_time(&started)?;
    a.finished_at = opt_time(finished)?;
    Ok(a)
}

fn sightings(conn: &Connection, audit_id: &str) -> Result<Vec<Sighting>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT serial, interface, manufacturer, model, label, initialised, seen_at \
         FROM audit_sightings WHERE audit_id = ?1 ORDER BY serial",
    )?;
    let rows = stmt.query_map([audit_id], |r| {
        Ok((
            Sighting {
                serial: r.get(0)?,
                interface: r.get(1)?,
                manufacturer: r.get(2)?,
                model: r.get(3)?,
                label: r.get(4)?,
                initialised: r.get::<_, i64>(5)? != 0,
                seen_at: OffsetDateTime::UNIX_EPOCH,
            },
            r.get::<_, String>(6)?,
        ))
    })?;
    rows.map(|r| {
        let (mut s, at) = r?;
        s.seen_at = parse_time(&at)?;
        Ok(s)
    })
    .collect()
}

fn staff_list(conn: &Connection) -> Result<Vec<StaffRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, role, token_uri, token_serial, certificate_sha256 FROM staff ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(StaffRow {
            id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            token_uri: r.get(3)?,
            token_serial: r.get(4)?,
            certificate_sha256: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl SqliteStore {
    pub fn token_custody(&self, serial: &str) -> Result<Option<TokenCustody>, StoreError> {
        custody(self.read_connection(), serial)
    }

    pub fn revocation(&self, id: &str) -> Result<RevocationRow, StoreError> {
        revocation_by(self.read_connection(), "id", id)?.ok_or_else(|| StoreError::NotFound {
            what: "revocation",
            id: id.to_owned(),
        })
    }

    pub fn revocation_of_certificate(
        &self,
        serial: &str,
    ) -> Result<Option<RevocationRow>, StoreError> {
        revocation_by(self.read_connection(), "certificate_serial", serial)
    }

    /// Revocations, oldest first; only those in `status` if given.
    pub fn revocations(&self, status: Option<&str>) -> Result<Vec<RevocationRow>, StoreError> {
        query_revocations(self.read_connection(), "?1 IS NULL OR status = ?1", status)
    }

    pub fn audit(&self, id: &str) -> Result<AuditRow, StoreError> {
        get_audit(self.read_connection(), id)
    }

    pub fn audit_sightings(&self, audit_id: &str) -> Result<Vec<Sighting>, StoreError> {
        sightings(self.read_connection(), audit_id)
    }

    pub fn staff(&self) -> Result<Vec<StaffRow>, StoreError> {
        staff_list(self.read_connection())
    }

    /// The status of every holder certificate (`active`, `revoked`, `superseded`), by serial.
    pub fn certificate_status(&self, serial: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .read_connection()
            .prepare_cached("SELECT status FROM certificates WHERE serial = ?1 COLLATE NOCASE")?
            .query_row([serial], |r| r.get(0))
            .optional()?)
    }
}

impl UnitOfWork<'_> {
    pub fn token_custody(&self, serial: &str) -> Result<Option<TokenCustody>, StoreError> {
        custody(self.connection(), serial)
    }

    /// Sets the disposal status of a token.
    pub fn set_token_disposal(
        &mut self,
        serial: &str,
        disposal: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        let n = self
            .connection()
            .prepare_cached("UPDATE tokens SET disposal = ?2, updated_at = ?3 WHERE serial = ?1")?
            .execute(params![serial, disposal, now])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "token",
                id: serial.to_owned(),
            });
        }
        Ok(())
    }

    /// Records that token `serial` replaces token `replaces` (for `reason`).
    pub fn set_token_replaces(
        &mut self,
        serial: &str,
        replaces: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        let n = self
            .connection()
            .prepare_cached(
                "UPDATE tokens SET replaces = ?2, replacement_reason = ?3, updated_at = ?4 \
                 WHERE serial = ?1",
            )?
            .execute(params![serial, replaces, reason, now])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "token",
                id: serial.to_owned(),
            });
        }
        Ok(())
    }

    pub fn revocation_of_certificate(
        &self,
        serial: &str,
    ) -> Result<Option<RevocationRow>, StoreError> {
        revocation_by(self.connection(), "certificate_serial", serial)
    }

    pub fn revocation(&self, id: &str) -> Result<RevocationRow, StoreError> {
        revocation_by(self.connection(), "id", id)?.ok_or_else(|| StoreError::NotFound {
            what: "revocation",
            id: id.to_owned(),
        })
    }

    /// Inserts a revocation with the next id (`REV-000001`, …); `done_at` is now when its
    /// status is `done`. Returns the id.
    pub fn insert_revocation(&mut self, r: &NewRevocation) -> Result<String, StoreError> {
        let now = fmt_time(self.now());
        let conn = self.connection();
        let num: i64 = conn.query_row(
            "SELECT COALESCE(MAX(num), 0) + 1 FROM revocations",
            [],
            |r| r.get(0),
        )?;
        let id = format!("REV-{num:06}");
        let done = (r.status == "done").then(|| now.clone());
        conn.prepare_cached(
            "INSERT INTO revocations (id, num, certificate_serial, token_serial, application_id, \
             cause, reason, police_report, statement_sha256, statement_archive, superior, \
             reapplication_id, status, ca, ticket, requested_at, requested_by, done_at) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
        )?
        .execute(params![
            id,
            num,
            r.certificate_serial,
            r.token_serial,
            r.application_id,
            r.cause,
            r.reason,
            r.police_report,
            r.statement_sha256,
            r.statement_archive,
            r.superior,
            r.reapplication_id,
            r.status,
            r.ca,
            r.ticket,
            now,
            r.requested_by,
            done
        ])?;
        Ok(id)
    }

    /// Marks a requested revocation done (the CA confirmed it), with the CA's ticket.
    pub fn complete_revocation(
        &mut self,
        id: &str,
        ticket: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        let n = self
            .connection()
            .prepare_cached(
                "UPDATE revocations SET status = 'done', done_at = ?2, \
                 ticket = COALESCE(?3, ticket) WHERE id = ?1 AND status = 'requested'",
            )?
            .execute(params![id, now, ticket])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "requested revocation",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    /// Links a revocation to the holder's re-application (Pasal 16(2)b).
    pub fn link_reapplication(&mut self, id: &str, application_id: &str) -> Result<(), StoreError> {
        let n = self
            .connection()
            .prepare_cached("UPDATE revocations SET reapplication_id = ?2 WHERE id = ?1")?
            .execute(params![id, application_id])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "revocation",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    /// Opens an audit with the next id (`AUD-000001`, …).
    pub fn insert_audit(&mut self, auditor: &str) -> Result<String, StoreError> {
        let now = fmt_time(self.now());
        let conn = self.connection();
        let num: i64 = conn.query_row("SELECT COALESCE(MAX(num), 0) + 1 FROM audits", [], |r| {
            r.get(0)
        })?;
        let id = format!("AUD-{num:06}");
        conn.prepare_cached(
            "INSERT INTO audits (id, num, auditor, status, started_at) VALUES (?1,?2,?3,'open',?4)",
        )?
        .execute(params![id, num, auditor, now])?;
        Ok(id)
    }

    pub fn audit(&self, id: &str) -> Result<AuditRow, StoreError> {
        get_audit(self.connection(), id)
    }

    pub fn audit_sightings(&self, audit_id: &str) -> Result<Vec<Sighting>, StoreError> {
        sightings(self.connection(), audit_id)
    }

    /// Records (or refreshes) a token seen by a scan of `audit_id`.
    pub fn record_sighting(&mut self, audit_id: &str, s: &Sighting) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        self.connection()
            .prepare_cached(
                "INSERT INTO audit_sightings (audit_id, serial, interface, manufacturer, model, \
                 label, initialised, seen_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) \
                 ON CONFLICT (audit_id, serial) DO UPDATE SET interface = ?3, manufacturer = ?4, \
                 model = ?5, label = ?6, initialised = ?7, seen_at = ?8",
            )?
            .execute(params![
                audit_id,
                s.serial,
                s.interface,
                s.manufacturer,
                s.model,
                s.label,
                i64::from(s.initialised),
                now
            ])?;
        Ok(())
    }

    /// Closes an audit with its signed report.
    pub fn finish_audit(
        &mut self,
        id: &str,
        report_der: &[u8],
        report_sha256: &str,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        let n = self
            .connection()
            .prepare_cached(
                "UPDATE audits SET status = 'finished', finished_at = ?2, report_der = ?3, \
                 report_sha256 = ?4 WHERE id = ?1 AND status = 'open'",
            )?
            .execute(params![id, now, report_der, report_sha256])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "open audit",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    pub fn staff(&self) -> Result<Vec<StaffRow>, StoreError> {
        staff_list(self.connection())
    }

    pub fn insert_staff(&mut self, s: &StaffRow) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        self.connection()
            .prepare_cached(
                "INSERT INTO staff (id, name, role, token_uri, token_serial, certificate_sha256, \
                 added_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            )?
            .execute(params![
                s.id,
                s.name,
                s.role,
                s.token_uri,
                s.token_serial,
                s.certificate_sha256,
                now
            ])?;
        Ok(())
    }
}
