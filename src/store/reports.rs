//! The records of reporting (`004_reports.sql`): the ASN roster and incidents, plus the
//! read side of the yearly report: report-relevant ledger events turned into
//! [`DatedFact`]s. Writes go through the caller's unit of work; reads use their own
//! read-only connection on the station file.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, Row, params};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{SqliteStore, StoreError, UnitOfWork};
use crate::domain::ledger;
use crate::domain::report::{CertFact, DatedFact, Fact, RosterEntry};

/// Event kinds the reports read (the contract in `docs/formats/reports.md`).
pub mod kinds {
    pub const APPLICATION_SUBMITTED: &str = "application.submitted";
    pub const APPLICATION_APPROVED: &str = "application.approved";
    pub const APPLICATION_REJECTED: &str = "application.rejected";
    pub const CERTIFICATE_ISSUED: &str = "certificate.issued";
    pub const CERTIFICATE_RENEWED: &str = "certificate.renewed";
    pub const CERTIFICATE_REVOKED: &str = "certificate.revoked";
    pub const INCIDENT_RECORDED: &str = "incident.recorded";
    pub const INCIDENT_CLOSED: &str = "incident.closed";
    pub const ROSTER_IMPORTED: &str = "roster.imported";
}

use super::sqlite::{fmt_time, parse_time};

/// A new incident; its id (`INC-000001`, …) is allocated by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub category: String,
    pub summary: String,
    pub token_serial: Option<String>,
    pub certificate_serial: Option<String>,
    pub application_id: Option<String>,
    pub reported_by: String,
    pub occurred_at: OffsetDateTime,
    pub recorded_by: String,
}

/// A stored incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    pub id: String,
    pub category: String,
    pub status: String,
    pub summary: String,
    pub token_serial: Option<String>,
    pub certificate_serial: Option<String>,
    pub application_id: Option<String>,
    pub reported_by: String,
    pub occurred_at: OffsetDateTime,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
    pub resolution: Option<String>,
}

const INCIDENT_COLUMNS: &str = "id, category, status, summary, token_serial, \
    certificate_serial, application_id, reported_by, occurred_at, recorded_at, recorded_by, \
    closed_at, closed_by, resolution";

type RawIncident = (
    [String; 4],
    [Option<String>; 3],
    [String; 4],
    [Option<String>; 3],
);

fn raw_incident(r: &Row<'_>) -> rusqlite::Result<RawIncident> {
    Ok((
        [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?],
        [r.get(4)?, r.get(5)?, r.get(6)?],
        [r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
        [r.get(11)?, r.get(12)?, r.get(13)?],
    ))
}

fn incident_row(raw: RawIncident) -> Result<IncidentRow, StoreError> {
    let ([id, category, status, summary], [token, cert, app], [by, occ, rec, rec_by], closed) = raw;
    let [closed_at, closed_by, resolution] = closed;
    Ok(IncidentRow {
        id,
        category,
        status,
        summary,
        token_serial: token,
        certificate_serial: cert,
        application_id: app,
        reported_by: by,
        occurred_at: parse_time(&occ)?,
        recorded_at: parse_time(&rec)?,
        recorded_by: rec_by,
        closed_at: closed_at.as_deref().map(parse_time).transpose()?,
        closed_by,
        resolution,
    })
}

fn get_incident(conn: &Connection, id: &str) -> Result<IncidentRow, StoreError> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?1"
        ))?
        .query_row([id], raw_incident)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "incident",
            id: id.to_owned(),
        })?;
    incident_row(raw)
}

impl UnitOfWork<'_> {
    /// Replaces the whole roster with `entries`; returns how many rows it now holds.
    pub fn replace_roster(&mut self, entries: &[RosterEntry]) -> Result<usize, StoreError> {
        let conn = self.connection();
        conn.execute("DELETE FROM roster", [])?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO roster (nip, name, department, position) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for e in entries {
            stmt.execute(params![e.nip, e.name, e.department, e.position])?;
        }
        Ok(entries.len())
    }

    /// Inserts an incident (status `open`) with the next id; returns the id.
    pub fn insert_incident(&mut self, inc: &NewIncident) -> Result<String, StoreError> {
        let now = fmt_time(self.now());
        let conn = self.connection();
        let num: i64 =
            conn.query_row("SELECT COALESCE(MAX(num), 0) + 1 FROM incidents", [], |r| {
                r.get(0)
            })?;
        let id = format!("INC-{num:06}");
        conn.prepare_cached(
            "INSERT INTO incidents (id, num, category, status, summary, token_serial, \
             certificate_serial, application_id, reported_by, occurred_at, recorded_at, \
             recorded_by) VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            id,
            num,
            inc.category,
            inc.summary,
            inc.token_serial,
            inc.certificate_serial,
            inc.application_id,
            inc.reported_by,
            fmt_time(inc.occurred_at),
            now,
            inc.recorded_by
        ])?;
        Ok(id)
    }

    pub fn get_incident(&self, id: &str) -> Result<IncidentRow, StoreError> {
        get_incident(self.connection(), id)
    }

    /// Sets the status of an incident and, when closing, who closed it and how it was
    /// resolved (at the clock's time).
    pub fn set_incident_status(
        &mut self,
        id: &str,
        status: &str,
        closed_by: &str,
        resolution: &str,
    ) -> Result<(), StoreError> {
        let now = fmt_time(self.now());
        let n = self
            .connection()
            .prepare_cached(
                "UPDATE incidents SET status = ?2, closed_at = ?3, closed_by = ?4, \
                 resolution = ?5 WHERE id = ?1",
            )?
            .execute(params![id, status, now, closed_by, resolution])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "incident",
                id: id.to_owned(),
            });
        }
        Ok(())
    }
}

/// A read-only connection on the station file (reports never write).
fn reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "mmap_size", 1i64 << 32)?;
    Ok(conn)
}

/// The data fields the reports read from events (unknown fields are ignored).
#[derive(Debug, Default, Deserialize)]
struct EventData {
    serial: Option<String>,
    not_after: Option<String>,
    kind: Option<String>,
    department: Option<String>,
    nip: Option<String>,
    application: Option<String>,
    previous_serial: Option<String>,
    reason: Option<Value>,
    category: Option<String>,
    certificate: Option<String>,
}

/// An event the reports could not read (it breaks the contract); the report lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableEvent {
    pub seq: u64,
    pub kind: String,
    pub reason: String,
}

/// Report-relevant facts and the events that could not be read.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub facts: Vec<DatedFact>,
    pub unreadable: Vec<UnreadableEvent>,
    pub roster: Vec<RosterEntry>,
    /// Department of each stored application (by id).
    pub application_departments: HashMap<String, String>,
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn to_fact(kind: &str, subject: &str, d: EventData) -> Result<Fact, String> {
    let cert = |d: &mut EventData| -> Result<CertFact, String> {
        let not_after = d
            .not_after
            .take()
            .ok_or_else(|| "no not_after".to_owned())?;
        let not_after = OffsetDateTime::parse(&not_after, &Rfc3339)
            .map_err(|_| format!("not_after {not_after:?} is not RFC 3339"))?;
        Ok(CertFact {
            serial: text(d.serial.take()).unwrap_or_else(|| subject.to_owned()),
            nip: text(d.nip.take()),
            department: text(d.department.take()),
            application: text(d.application.take()),
            kind: text(d.kind.take()),
            not_after,
        })
    };
    let mut d = d;
    Ok(match kind {
        kinds::APPLICATION_SUBMITTED => Fact::ApplicationSubmitted {
            application: subject.to_owned(),
            department: text(d.department),
        },
        kinds::APPLICATION_APPROVED => Fact::ApplicationApproved {
            application: subject.to_owned(),
        },
        kinds::APPLICATION_REJECTED => Fact::ApplicationRejected {
            application: subject.to_owned(),
        },
        kinds::CERTIFICATE_ISSUED => Fact::CertificateIssued(cert(&mut d)?),
        kinds::CERTIFICATE_RENEWED => {
            let previous = text(d.previous_serial.take());
            Fact::CertificateRenewed {
                cert: cert(&mut d)?,
                previous,
            }
        }
        kinds::CERTIFICATE_REVOKED => Fact::CertificateRevoked {
            serial: text(d.serial).unwrap_or_else(|| subject.to_owned()),
            reason: match d.reason {
                Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
                Some(Value::Number(n)) => n.to_string(),
                _ => "unspecified".to_owned(),
            },
        },
        kinds::INCIDENT_RECORDED => Fact::IncidentRecorded {
            incident: subject.to_owned(),
            category: text(d.category).unwrap_or_else(|| "other".to_owned()),
            certificate: text(d.certificate),
            application: text(d.application),
        },
        other => return Err(format!("kind {other} is not read by reports")),
    })
}

/// Reads the events of `kinds` with `time_ms < until_ms` (by the indexed columns; the body is
/// decoded and its own kind and time are used).
fn read_facts(
    conn: &Connection,
    kind_list: &[&str],
    until_ms: i64,
    input: &mut ReportInput,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, body FROM ledger_events WHERE kind = ?1 AND time_ms < ?2 ORDER BY seq",
    )?;
    for kind in kind_list {
        let mut rows = stmt.query(params![kind, until_ms])?;
        while let Some(row) = rows.next()? {
            let seq = row.get::<_, i64>(0)? as u64;
            let body = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            let frame = match ledger::decode_frame(body) {
                Ok(f) if f.kind == *kind && f.seq == seq => f,
                Ok(_) => {
                    return Err(StoreError::Corrupt(format!(
                        "event {seq}: indexed columns differ from the body; run `kustodi ledger verify`"
                    )));
                }
                Err(e) => return Err(StoreError::Corrupt(format!("event {seq}: {e}"))),
            };
            let fact = serde_json::from_slice::<EventData>(frame.data)
                .map_err(|e| e.to_string())
                .and_then(|d| to_fact(frame.kind, frame.subject, d));
            let time = ledger::from_unix_millis(frame.time_ms);
            match (fact, time) {
                (Ok(fact), Some(time)) => input.facts.push(DatedFact { seq, time, fact }),
                (Err(reason), _) => input.unreadable.push(UnreadableEvent {
                    seq,
                    kind: frame.kind.to_owned(),
                    reason,
                }),
                (_, None) => input.unreadable.push(UnreadableEvent {
                    seq,
                    kind: frame.kind.to_owned(),
                    reason: format!("time {} ms out of range", frame.time_ms),
                }),
            }
        }
    }
    Ok(())
}

fn read_roster(
    conn: &Connection,
    department: Option<&str>,
) -> Result<Vec<RosterEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT nip, name, department, position FROM roster \
         WHERE ?1 IS NULL OR department = ?1 ORDER BY department, nip",
    )?;
    let rows = stmt.query_map([department], |r| {
        Ok(RosterEntry {
            nip: r.get(0)?,
            name: r.get(1)?,
            department: r.get(2)?,
            position: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl SqliteStore {
    /// The roster, by department then NIP (one department if given).
    pub fn roster(&self, department: Option<&str>) -> Result<Vec<RosterEntry>, StoreError> {
        read_roster(&reader(self.path())?, department)
    }

    pub fn incident(&self, id: &str) -> Result<IncidentRow, StoreError> {
        get_incident(&reader(self.path())?, id)
    }

    /// Incidents, oldest first (only open ones if `open_only`).
    pub fn incidents(&self, open_only: bool) -> Result<Vec<IncidentRow>, StoreError> {
        let conn = reader(self.path())?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE ?1 = 0 OR status = 'open' ORDER BY num"
        ))?;
        let rows = stmt.query_map([i64::from(open_only)], raw_incident)?;
        let mut out = vec![];
        for row in rows {
            out.push(incident_row(row?)?);
        }
        Ok(out)
    }

    /// Everything a report needs about events before `until` (one read transaction, so the
    /// numbers are one consistent snapshot).
    pub fn report_input(&self, until: OffsetDateTime) -> Result<ReportInput, StoreError> {
        let conn = reader(self.path())?;
        conn.execute_batch("BEGIN DEFERRED")?;
        let mut input = ReportInput::default();
        read_facts(
            &conn,
            &[
                kinds::APPLICATION_SUBMITTED,
                kinds::APPLICATION_APPROVED,
                kinds::APPLICATION_REJECTED,
                kinds::CERTIFICATE_ISSUED,
                kinds::CERTIFICATE_RENEWED,
                kinds::CERTIFICATE_REVOKED,
                kinds::INCIDENT_RECORDED,
            ],
            ledger::unix_millis(until),
            &mut input,
        )?;
        input.roster = read_roster(&conn, None)?;
        {
            let mut stmt = conn.prepare("SELECT id, department FROM applications")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, dept) = row?;
                if !dept.trim().is_empty() {
                    input
                        .application_departments
                        .insert(id, dept.trim().to_owned());
                }
            }
        }
        conn.execute_batch("COMMIT")?;
        Ok(input)
    }
}
