//! Records bound to the ledger (issue 16; rules and canonical form in `domain::record`,
//! format in `docs/formats/ledger.md` §7).
//!
//! Each connection of the station installs TEMP triggers on the bound tables that note the
//! key of every row it inserts, updates or deletes in `temp.record_touched`. Before its
//! checkpoint a unit of work adds the canonical state of every noted row to its last event's
//! data (`bound_records`) and stores which event binds it in `record_bindings`, an index that
//! verification checks against the ledger. A write made outside the station (another
//! connection, `sqlite3`) fires no trigger, binds nothing and is reported.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension as _, Row, params};

use super::StoreError;
use crate::domain::ledger::{self, Hash};
use crate::domain::record::{self, Binding, ColumnValue, Difference, RecordMismatch, RecordState};

/// A bound table and its key: one TEXT/INTEGER primary key column, or `(ca, serial_hex)`
/// written `ca/serial_hex`.
struct Bound {
    table: &'static str,
    key: &'static [&'static str],
}

/// The bound tables, in the order verification checks them. Not bound: the ledger itself,
/// `station_keys` (bound by `station.key_registered`), the enrolment session journal, the
/// roster (replaced whole by `roster.imported`, which records its hash), audit sightings and
/// CRL numbers.
const BOUND: &[Bound] = &[
    Bound {
        table: "applications",
        key: &["id"],
    },
    Bound {
        table: "documents",
        key: &["id"],
    },
    Bound {
        table: "tokens",
        key: &["serial"],
    },
    Bound {
        table: "escrowed_secrets",
        key: &["id"],
    },
    Bound {
        table: "certificates",
        key: &["serial"],
    },
    Bound {
        table: "receipts",
        key: &["id"],
    },
    Bound {
        table: "revocations",
        key: &["id"],
    },
    Bound {
        table: "ca_certificates",
        key: &["ca", "serial_hex"],
    },
    Bound {
        table: "ca_revocations",
        key: &["ca", "serial_hex"],
    },
    Bound {
        table: "staff",
        key: &["id"],
    },
    Bound {
        table: "incidents",
        key: &["id"],
    },
    Bound {
        table: "audits",
        key: &["id"],
    },
];

fn bound(table: &str) -> Result<&'static Bound, StoreError> {
    BOUND
        .iter()
        .find(|b| b.table == table)
        .ok_or_else(|| StoreError::Corrupt(format!("{table} is not a bound table")))
}

fn key_expr(b: &Bound, row: &str) -> String {
    b.key
        .iter()
        .map(|c| format!("CAST({row}.{c} AS TEXT)"))
        .collect::<Vec<_>>()
        .join(" || '/' || ")
}

/// Installs the TEMP table and triggers on this connection (idempotent).
pub(crate) fn install_triggers(conn: &Connection) -> Result<(), StoreError> {
    // No unique constraint: the outer statement's conflict policy (`INSERT OR REPLACE`, an
    // upsert) would override a trigger's `OR IGNORE`; the triggers skip duplicates instead.
    let mut sql = String::from(
        "CREATE TEMP TABLE IF NOT EXISTS record_touched (tbl TEXT NOT NULL, key TEXT NOT NULL);\n\
         CREATE INDEX IF NOT EXISTS temp.record_touched_key ON record_touched (tbl, key);\n",
    );
    let note = |t: &str, key: &str| {
        format!(
            "INSERT INTO record_touched SELECT '{t}', {key} WHERE NOT EXISTS \
             (SELECT 1 FROM record_touched WHERE tbl = '{t}' AND key = {key});"
        )
    };
    for b in BOUND {
        let t = b.table;
        let (new, old) = (note(t, &key_expr(b, "new")), note(t, &key_expr(b, "old")));
        sql.push_str(&format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS record_bind_{t}_i AFTER INSERT ON main.{t} \
               BEGIN {new} END;\n\
             CREATE TEMP TRIGGER IF NOT EXISTS record_bind_{t}_u AFTER UPDATE ON main.{t} \
               BEGIN {old} {new} END;\n\
             CREATE TEMP TRIGGER IF NOT EXISTS record_bind_{t}_d AFTER DELETE ON main.{t} \
               BEGIN {old} END;\n"
        ));
    }
    conn.execute_batch(&sql)?;
    Ok(())
}

fn column_value(v: ValueRef<'_>) -> ColumnValue<'_> {
    match v {
        ValueRef::Null => ColumnValue::Null,
        ValueRef::Integer(i) => ColumnValue::Integer(i),
        ValueRef::Real(f) => ColumnValue::Real(f),
        ValueRef::Text(t) => ColumnValue::Text(t),
        ValueRef::Blob(b) => ColumnValue::Blob(b),
    }
}

/// Column names of a statement with their indices, sorted by name.
fn sorted_columns(stmt: &rusqlite::Statement<'_>, skip: usize) -> Vec<(usize, String)> {
    let mut cols: Vec<(usize, String)> = stmt
        .column_names()
        .enumerate()
        .skip(skip)
        .map(|(i, n)| (i, n.to_owned()))
        .collect();
    cols.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
    cols
}

fn row_state(
    table: &str,
    cols: &[(usize, String)],
    row: &Row<'_>,
) -> Result<RecordState, StoreError> {
    let mut values = Vec::with_capacity(cols.len());
    for (i, name) in cols {
        values.push((name.as_str(), column_value(row.get_ref(*i)?)));
    }
    Ok(RecordState::of(table, &values))
}

fn row_hash(table: &str, cols: &[(usize, String)], row: &Row<'_>) -> Result<Hash, StoreError> {
    let mut values = Vec::with_capacity(cols.len());
    for (i, name) in cols {
        values.push((name.as_str(), column_value(row.get_ref(*i)?)));
    }
    Ok(record::record_hash(table, values))
}

/// The stored state of `(table, key)`, `None` if there is no such row.
pub(crate) fn stored_state(
    conn: &Connection,
    table: &str,
    key: &str,
) -> Result<Option<RecordState>, StoreError> {
    let b = bound(table)?;
    let parts: Vec<&str> = if b.key.len() == 1 {
        vec![key]
    } else {
        match key.rsplit_once('/') {
            Some((a, z)) => vec![a, z],
            None => return Ok(None),
        }
    };
    let cond = b
        .key
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let mut stmt = conn.prepare_cached(&format!("SELECT * FROM main.{table} WHERE {cond}"))?;
    let cols = sorted_columns(&stmt, 0);
    let mut rows = stmt.query(rusqlite::params_from_iter(parts))?;
    match rows.next()? {
        Some(row) => Ok(Some(row_state(table, &cols, row)?)),
        None => Ok(None),
    }
}

/// The bindings of every row this transaction touched (and, on the first unit of work after
/// migration 008, of every row that existed then), in table order then key order; empties
/// the list of touched rows.
pub(crate) fn touched_bindings(conn: &Connection) -> Result<Vec<Binding>, StoreError> {
    let mut keys: Vec<(String, String)> = {
        let mut stmt = conn.prepare_cached("SELECT tbl, key FROM temp.record_touched")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let baseline: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM record_baseline)")?
        .query_row([], |r| r.get(0))?;
    if baseline {
        // Only before the ledger binds anything (else rows put here would be laundered):
        // the bodies decide, not the index (this full scan only runs while the table is
        // not empty, i.e. once after the migration).
        let bound_before: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM ledger_events WHERE instr(body, ?1) > 0)",
            [record::BINDING_MARKER],
            |r| r.get(0),
        )?;
        if !bound_before {
            let mut stmt = conn.prepare("SELECT tbl, key FROM record_baseline")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                keys.push(row?);
            }
        }
        conn.execute("DELETE FROM record_baseline", [])?;
    }
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let order = |t: &str| {
        BOUND
            .iter()
            .position(|b| b.table == t)
            .unwrap_or(usize::MAX)
    };
    keys.sort_by(|a, b| (order(&a.0), &a.1).cmp(&(order(&b.0), &b.1)));
    keys.dedup();
    let mut entries = Vec::with_capacity(keys.len());
    for (table, key) in keys {
        let state = stored_state(conn, &table, &key)?;
        entries.push(Binding { table, key, state });
    }
    conn.execute("DELETE FROM temp.record_touched", [])?;
    Ok(entries)
}

/// Notes in the index that event `seq` holds the latest binding of these rows.
pub(crate) fn index_bindings(
    conn: &Connection,
    entries: &[Binding],
    seq: u64,
) -> Result<(), StoreError> {
    let mut index = conn.prepare_cached(
        "INSERT INTO record_bindings (tbl, key, ledger_seq) VALUES (?1, ?2, ?3) \
         ON CONFLICT (tbl, key) DO UPDATE SET ledger_seq = excluded.ledger_seq",
    )?;
    for b in entries {
        index.execute(params![b.table, b.key, seq as i64])?;
    }
    Ok(())
}

/// The binding of `(table, key)` inside binding event `seq` (the last entry for it).
fn binding_in_event(
    conn: &Connection,
    seq: u64,
    table: &str,
    key: &str,
) -> Result<Option<Binding>, StoreError> {
    let body: Option<Vec<u8>> = conn
        .prepare_cached("SELECT body FROM ledger_events WHERE seq = ?1")?
        .query_row([seq as i64], |r| r.get(0))
        .optional()?;
    let Some(body) = body else {
        return Ok(None);
    };
    let event = ledger::decode_event(&body)
        .map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
    Ok(record::parse_binding_data(&event.data)
        .unwrap_or_default()
        .into_iter()
        .rev()
        .find(|b| b.table == table && b.key == key))
}

fn mismatch(table: &str, key: &str, difference: Difference) -> StoreError {
    StoreError::Record(RecordMismatch {
        table: table.to_owned(),
        key: key.to_owned(),
        difference,
    })
}

/// Re-checks one record against the ledger before a use case acts on it: the stored row must
/// be the state its latest binding event (as indexed by `record_bindings`) committed to.
/// A missing row that was never bound is fine (the caller reports "not found").
/// A row this transaction changed itself is bound at its seal and not re-checked.
pub(crate) fn check_record(conn: &Connection, table: &str, key: &str) -> Result<(), StoreError> {
    let touched: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM temp.record_touched WHERE tbl = ?1 AND key = ?2)",
        )?
        .query_row([table, key], |r| r.get(0))?;
    if touched {
        return Ok(());
    }
    let stored = stored_state(conn, table, key)?;
    let seq: Option<i64> = conn
        .prepare_cached("SELECT ledger_seq FROM record_bindings WHERE tbl = ?1 AND key = ?2")?
        .query_row([table, key], |r| r.get(0))
        .optional()?;
    let bound = match seq {
        None => None,
        Some(seq) => {
            let seq = seq as u64;
            match binding_in_event(conn, seq, table, key)? {
                Some(b) => Some((seq, b.state)),
                None => {
                    return Err(mismatch(
                        table,
                        key,
                        Difference::IndexDiffers { seq: Some(seq) },
                    ));
                }
            }
        }
    };
    match record::compare(
        stored.as_ref(),
        bound.as_ref().map(|(s, b)| (*s, b.as_ref())),
    ) {
        None => Ok(()),
        Some(d) => Err(mismatch(table, key, d)),
    }
}

/// Re-checks every record of `table` whose key starts with `prefix` (rows and bindings), e.g.
/// all revocations of one CA before a CRL is signed: an edited, added or deleted one is
/// refused.
pub(crate) fn check_records_with_prefix(
    conn: &Connection,
    table: &str,
    prefix: &str,
) -> Result<(), StoreError> {
    let b = bound(table)?;
    let mut keys: Vec<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT key FROM record_bindings WHERE tbl = ?1 AND substr(key, 1, length(?2)) = ?2",
        )?;
        let rows = stmt.query_map([table, prefix], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    {
        let expr = key_expr(b, table);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {expr} FROM main.{table} WHERE substr({expr}, 1, length(?1)) = ?1"
        ))?;
        let rows = stmt.query_map([prefix], |r| r.get(0))?;
        for k in rows {
            keys.push(k?);
        }
    }
    keys.sort();
    keys.dedup();
    for key in keys {
        check_record(conn, table, &key)?;
    }
    Ok(())
}

/// Re-checks every row of `table` whose column `column` is `value` (e.g. the escrowed
/// secrets of one token).
pub(crate) fn check_rows_where(
    conn: &Connection,
    table: &str,
    column: &str,
    value: &str,
) -> Result<(), StoreError> {
    let b = bound(table)?;
    let expr = key_expr(b, table);
    let keys: Vec<String> = {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {expr} FROM main.{table} WHERE {column} = ?1"
        ))?;
        let rows = stmt.query_map([value], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for key in keys {
        check_record(conn, table, &key)?;
    }
    Ok(())
}

/// What [`verify_records`] checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordsReport {
    /// Rows compared with the ledger.
    pub records: u64,
    /// Tables checked.
    pub tables: u64,
    /// Events read that carry bindings.
    pub bindings: u64,
}

/// Checks every bound table against the ledger. `bodies` are the events whose body carries
/// the `bound_records` marker, in sequence order, as the chain verification read them (the
/// trusted bodies, not the index columns). Reports the first record that differs: in table
/// order, the smallest key.
pub(crate) fn verify_records(
    conn: &Connection,
    bodies: &[(u64, Vec<u8>)],
) -> Result<RecordsReport, StoreError> {
    // 1. The latest binding of every (table, key), from the events that carry bindings.
    let mut latest: HashMap<(String, String), (u64, Option<Hash>)> = HashMap::new();
    let mut seen = 0u64;
    for (seq, body) in bodies {
        let seq = *seq;
        let event = ledger::decode_event(body)
            .map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
        if event.data.get(record::BINDING_MEMBER).is_none() {
            // The marker bytes in a subject, an actor or a nested object: no bindings.
            continue;
        }
        let entries = record::parse_binding_data(&event.data).ok_or_else(|| {
            mismatch(
                "ledger_events",
                &seq.to_string(),
                Difference::BindingEvent { seq },
            )
        })?;
        seen += 1;
        for b in entries {
            latest.insert((b.table, b.key), (seq, b.state.map(|s| s.hash)));
        }
    }

    // 2. The index names the latest binding of each record, and nothing else.
    {
        let mut first: Option<(usize, String, String, Option<u64>)> = None;
        let mut indexed = 0usize;
        let mut stmt = conn.prepare("SELECT tbl, key, ledger_seq FROM record_bindings")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (t, k, s): (String, String, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            indexed += 1;
            let ok = latest
                .get(&(t.clone(), k.clone()))
                .is_some_and(|(seq, _)| *seq == s as u64);
            if !ok {
                let pos = BOUND
                    .iter()
                    .position(|b| b.table == t)
                    .unwrap_or(usize::MAX);
                let cand = (pos, t, k, Some(s as u64));
                if first
                    .as_ref()
                    .is_none_or(|f| (f.0, &f.2) > (cand.0, &cand.2))
                {
                    first = Some(cand);
                }
            }
        }
        if first.is_none() && indexed != latest.len() {
            // A binding whose index row was deleted.
            let mut missing: Vec<&(String, String)> = Vec::new();
            let mut stmt = conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM record_bindings WHERE tbl = ?1 AND key = ?2)",
            )?;
            for k in latest.keys() {
                if !stmt.query_row([&k.0, &k.1], |r| r.get::<_, bool>(0))? {
                    missing.push(k);
                }
            }
            missing.sort_by_key(|(t, k)| {
                (
                    BOUND
                        .iter()
                        .position(|b| b.table == t)
                        .unwrap_or(usize::MAX),
                    k.clone(),
                )
            });
            if let Some((t, k)) = missing.first() {
                first = Some((0, t.clone(), k.clone(), None));
            }
        }
        if let Some((_, t, k, _)) = first {
            // Say what differs about the row itself if it differs, else that the index does.
            let entry = latest.get(&(t.clone(), k.clone())).copied();
            let seq = entry.map(|(s, _)| s);
            check_against_binding(conn, &t, &k, seq)?;
            return Err(mismatch(&t, &k, Difference::IndexDiffers { seq }));
        }
    }

    // 3. Every row of every bound table is its latest binding; 4. none is missing.
    let mut report = RecordsReport {
        bindings: seen,
        ..Default::default()
    };
    for b in BOUND {
        let table = b.table;
        let expr = key_expr(b, table);
        let mut stmt = conn.prepare(&format!("SELECT {expr}, * FROM main.{table}"))?;
        let cols = sorted_columns(&stmt, 1);
        let mut rows = stmt.query([])?;
        let mut first: Option<String> = None;
        let mut lookup = (table.to_owned(), String::new());
        while let Some(row) = rows.next()? {
            report.records += 1;
            let key = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let hash = row_hash(table, &cols, row)?;
            lookup.1.clear();
            lookup.1.push_str(key);
            let ok = match latest.get_mut(&lookup) {
                Some((seq, bound)) => {
                    let ok = *bound == Some(hash);
                    // Mark it seen (a seq of 0 never names an event).
                    *seq = 0;
                    ok
                }
                None => false,
            };
            if !ok && first.as_deref().is_none_or(|f| key < f) {
                first = Some(key.to_owned());
            }
        }
        if let Some(key) = first {
            let seq = conn
                .prepare_cached(
                    "SELECT ledger_seq FROM record_bindings WHERE tbl = ?1 AND key = ?2",
                )?
                .query_row([table, &key], |r| r.get::<_, i64>(0))
                .optional()?
                .map(|s| s as u64);
            check_against_binding(conn, table, &key, seq)?;
            return Err(mismatch(table, &key, Difference::Unrecorded));
        }
        report.tables += 1;
    }
    let mut deleted: Vec<(usize, &String, &String, u64)> = latest
        .iter()
        .filter(|(_, (seq, bound))| *seq != 0 && bound.is_some())
        .map(|((t, k), (seq, _))| {
            let pos = BOUND
                .iter()
                .position(|b| b.table == t)
                .unwrap_or(usize::MAX);
            (pos, t, k, *seq)
        })
        .collect();
    deleted.sort();
    if let Some((_, t, k, seq)) = deleted.first() {
        return Err(mismatch(t, k, Difference::Deleted { seq: *seq }));
    }
    Ok(report)
}

/// Reports how the row `(table, key)` differs from its binding in event `seq` (if it does).
fn check_against_binding(
    conn: &Connection,
    table: &str,
    key: &str,
    seq: Option<u64>,
) -> Result<(), StoreError> {
    let stored = stored_state(conn, table, key)?;
    let bound = match seq {
        Some(seq) => binding_in_event(conn, seq, table, key)?.map(|b| (seq, b.state)),
        None => None,
    };
    match record::compare(
        stored.as_ref(),
        bound.as_ref().map(|(s, b)| (*s, b.as_ref())),
    ) {
        None => Ok(()),
        Some(d) => Err(mismatch(table, key, d)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::test_support::TestSigner;
    use crate::ports::clock::FixedClock;
    use crate::store::{NewApplication, SqliteStore};
    use time::macros::datetime;

    const CLOCK: FixedClock = FixedClock(datetime!(2025-03-01 08:00:00.123 UTC));

    fn app(name: &str) -> NewApplication {
        NewApplication {
            kind: "personal".into(),
            status: "submitted".into(),
            applicant_name: name.into(),
            department: "Disdukcapil".into(),
            form_json: "{}".into(),
            submitted_by: "officer:1".into(),
        }
    }

    fn station(apps: usize) -> (tempfile::TempDir, SqliteStore, TestSigner) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path().join("k.sqlite")).unwrap();
        let signer = TestSigner::from_seed(1);
        for i in 0..apps {
            store
                .unit_of_work(&signer, &CLOCK, |tx| {
                    let id = tx.insert_application(&app(&format!("Siti {i}")))?;
                    tx.append_event("application.submitted", &id, "officer:1", json!({}))?;
                    Ok::<_, StoreError>(())
                })
                .unwrap();
        }
        (dir, store, signer)
    }

    fn raw(store: &SqliteStore) -> Connection {
        Connection::open(store.path()).unwrap()
    }

    fn verify(store: &SqliteStore) -> Result<RecordsReport, RecordMismatch> {
        match store.verify_ledger_and_records(None) {
            Ok((_, r)) => Ok(r),
            Err(StoreError::Record(m)) => Err(m),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    use serde_json::json;

    #[test]
    fn rows_written_by_units_of_work_verify_and_an_update_rebinds_them() {
        let (_d, mut store, signer) = station(3);
        let r = verify(&store).unwrap();
        assert_eq!((r.records, r.bindings), (3, 3));
        // The bindings ride on the unit's own event: no extra events.
        assert_eq!(store.ledger_len().unwrap(), 4);
        store
            .unit_of_work(&signer, &CLOCK, |tx| {
                tx.set_application_decision("APP-000002", "approved", "officer:2", None)
            })
            .unwrap();
        assert_eq!(verify(&store).unwrap().bindings, 4);
        store.check_record("applications", "APP-000002").unwrap();
    }

    #[test]
    fn an_edited_row_is_named_with_its_columns_and_refused_by_the_use_case_check() {
        let (_d, store, _s) = station(2);
        raw(&store)
            .execute(
                "UPDATE applications SET applicant_name = 'Bupati Bekasi' WHERE id = 'APP-000002'",
                [],
            )
            .unwrap();
        let m = verify(&store).unwrap_err();
        assert_eq!(
            (m.table.as_str(), m.key.as_str()),
            ("applications", "APP-000002")
        );
        assert!(
            matches!(&m.difference, Difference::Edited { columns, .. } if columns == &["applicant_name"]),
            "{m}"
        );
        assert!(matches!(
            store.check_record("applications", "APP-000002"),
            Err(StoreError::Record(_))
        ));
        store.check_record("applications", "APP-000001").unwrap();
    }

    #[test]
    fn added_and_deleted_rows_are_reported() {
        let (_d, store, _s) = station(2);
        let conn = raw(&store);
        conn.execute(
            "INSERT INTO applications SELECT 'APP-000009', 9, kind, status, applicant_name, \
             department, form_json, submitted_at, submitted_by, NULL, NULL, NULL \
             FROM applications WHERE id = 'APP-000001'",
            [],
        )
        .unwrap();
        let m = verify(&store).unwrap_err();
        assert_eq!(
            (m.key.as_str(), &m.difference),
            ("APP-000009", &Difference::Unrecorded)
        );
        conn.execute("DELETE FROM applications WHERE id = 'APP-000009'", [])
            .unwrap();
        conn.execute("DELETE FROM applications WHERE id = 'APP-000001'", [])
            .unwrap();
        let m = verify(&store).unwrap_err();
        assert_eq!(m.key, "APP-000001");
        assert!(matches!(m.difference, Difference::Deleted { .. }), "{m}");
    }

    #[test]
    fn an_edited_binding_index_is_reported() {
        let (_d, store, _s) = station(2);
        let conn = raw(&store);
        conn.execute(
            "UPDATE record_bindings SET ledger_seq = ledger_seq - 2 WHERE key = 'APP-000002'",
            [],
        )
        .unwrap();
        let m = verify(&store).unwrap_err();
        assert!(
            matches!(m.difference, Difference::IndexDiffers { .. }),
            "{m}"
        );
        conn.execute(
            "UPDATE record_bindings SET ledger_seq = ledger_seq + 2 WHERE key = 'APP-000002'",
            [],
        )
        .unwrap();
        verify(&store).unwrap();
    }
}
