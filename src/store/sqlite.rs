//! The SQLite store: one file, WAL, versioned migrations, units of work sealed by checkpoints.

use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, Row, TransactionBehavior, params};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::records::RecordsReport;
use super::{
    ApplicationFilter, ApplicationQuery, ApplicationRow, ApplicationSummary, DocumentRow,
    NewApplication, NewDocument, StationKeyRow, StoreError,
};
use crate::domain::ledger::{
    self, ChainVerifier, Checkpoint, CheckpointFile, Event, GENESIS, Hash, TrustedKey, VerifyError,
    VerifyReport, kinds,
};
use crate::domain::record;
use crate::domain::witness::{self, LedgerFacts, RollbackError, WitnessStanding};
use crate::ports::{CheckpointSigner, Clock};

/// Versioned migrations, applied in order; `PRAGMA user_version` records the last applied.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "001_initial", include_str!("schema/001_initial.sql")),
    (2, "002_ca", include_str!("schema/002_ca.sql")),
    (3, "003_enrolment", include_str!("schema/003_enrolment.sql")),
    (4, "004_reports", include_str!("schema/004_reports.sql")),
    (5, "005_lifecycle", include_str!("schema/005_lifecycle.sql")),
    (6, "006_search", include_str!("schema/006_search.sql")),
    (
        8,
        "008_record_binding",
        include_str!("schema/008_record_binding.sql"),
    ),
];

/// The schema version this code writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// Events whose body carries record bindings: `(seq, body)`.
type BindingBodies = Vec<(u64, Vec<u8>)>;

/// Below this many events the ledger is verified on one thread.
const PARALLEL_VERIFY_MIN_EVENTS: u64 = 50_000;

/// Actor recorded for events the station writes by itself.
pub const STATION_ACTOR: &str = "station";

fn sql_int(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("integer {v} exceeds the SQLite range")))
}

/// A time as stored: RFC 3339, UTC, millisecond precision (one format for every table).
pub(crate) fn fmt_time(t: OffsetDateTime) -> String {
    // A UTC instant within years 0..=9999 always formats as RFC 3339.
    ledger::truncate_to_millis(t)
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// A stored time back (any RFC 3339).
pub(crate) fn parse_time(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| StoreError::Corrupt(format!("bad timestamp {s:?}")))
}

fn time_from_ms(ms: i64) -> Result<OffsetDateTime, StoreError> {
    ledger::from_unix_millis(ms).ok_or_else(|| StoreError::Corrupt(format!("bad time {ms} ms")))
}

fn hash32(bytes: &[u8], what: &str) -> Result<Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// The station's database.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Counts of the queue, kept while the database is unchanged (see [`CountCache`]).
    counts: std::cell::RefCell<CountCache>,
}

/// Application counts (per status, per queue filter) as of one state of the database. Counting
/// 100,000 applications takes milliseconds, and the desk asks for the counts with every page it
/// shows; they only change when something is written. The state is the pair
/// (`PRAGMA data_version`, `total_changes()`): the first moves when another connection (the
/// CLI, another desk) commits, the second with every row this connection changes.
#[derive(Debug, Default)]
struct CountCache {
    state: Option<(i64, u64)>,
    by_status: Option<Vec<(String, u64)>>,
    totals: std::collections::HashMap<String, u64>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// A database written by a newer program is refused with [`StoreError::SchemaTooNew`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        // Larger pages halve the per-row cost of a verification scan; this only takes effect
        // when the file is created (a no-op on an existing WAL database).
        conn.pragma_update(None, "page_size", 16384)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "cannot enable WAL (journal mode {mode})"
            )));
        }
        // The ledger is the audit record: a committed unit of work must survive power loss.
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn)?;
        super::records::install_triggers(&conn)?;
        Ok(Self {
            conn,
            path,
            counts: Default::default(),
        })
    }

    /// The count cache, emptied first if the database changed since it was filled.
    fn count_cache(&self) -> Result<std::cell::RefMut<'_, CountCache>, StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        let state = (version, self.conn.total_changes());
        let mut cache = self.counts.borrow_mut();
        if cache.state != Some(state) {
            *cache = CountCache {
                state: Some(state),
                ..CountCache::default()
            };
        }
        Ok(cache)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for other store modules (`store::enrolment`) to read through.
    pub(crate) fn read_connection(&self) -> &Connection {
        &self.conn
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Runs `f` in one transaction. If `f` appended events, a checkpoint covering the new head
    /// is signed with `signer` and stored before the commit. Any error (from `f`, signing or
    /// committing) rolls everything back: no half record, no unsealed event.
    pub fn unit_of_work<T, E, F>(
        &mut self,
        signer: &dyn CheckpointSigner,
        clock: &dyn Clock,
        f: F,
    ) -> Result<T, E>
    where
        F: FnOnce(&mut UnitOfWork<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let (head_seq, head) = ledger_head(&tx)?;
        // Never write on a database older or shorter than the station token says: the seal
        // would overwrite the token's checkpoint and hide the rollback.
        let witness = signer.witness();
        if let Some(w) = witness
            && let Some(value) = w.read_latest().map_err(StoreError::from)?
        {
            witness_standing(&tx, &value, &signer.public_key_spki_der())?;
        }
        let mut uow = UnitOfWork {
            tx,
            signer,
            clock,
            head_seq,
            head,
            prev_head: head,
            appended: 0,
            buf: Vec::with_capacity(512),
        };
        let value = f(&mut uow)?;
        let sealed = uow.seal()?;
        uow.tx.commit().map_err(StoreError::from)?;
        // After the commit: a stop in between leaves the token one seal behind the database,
        // which verification accepts; the reverse would look like a rollback.
        if let (Some(cp), Some(w)) = (sealed, witness) {
            let file = CheckpointFile::new(&cp, &signer.public_key_spki_der());
            w.write_latest(file.to_json().as_bytes())
                .map_err(StoreError::WitnessWrite)?;
        }
        Ok(value)
    }

    /// How this database stands against a checkpoint read from the station token
    /// (`value`, in the exported-checkpoint format), whose key must be `station_spki`.
    /// A database older or shorter than the token is [`RollbackError`].
    pub fn witness_standing(
        &self,
        value: &[u8],
        station_spki: &[u8],
    ) -> Result<WitnessStanding, StoreError> {
        witness_standing(&self.conn, value, station_spki)
    }

    pub fn get_application(&self, id: &str) -> Result<ApplicationRow, StoreError> {
        get_application(&self.conn, id)
    }

    pub fn list_applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        list_applications(&self.conn, filter)
    }

    pub fn documents_of(&self, application_id: &str) -> Result<Vec<DocumentRow>, StoreError> {
        documents_of(&self.conn, application_id)
    }

    /// One page of the queue (see [`ApplicationQuery`]). Uses the status index; a search
    /// scans the table (about 10⁵ rows in tens of milliseconds).
    pub fn application_summaries(
        &self,
        q: &ApplicationQuery,
    ) -> Result<Vec<ApplicationSummary>, StoreError> {
        let (filter, mut args) = query_filter(q);
        args.push(i64::from(q.limit).into());
        args.push(sql_int(q.offset)?.into());
        let sql = format!(
            "SELECT id, kind, status, applicant_name, department, submitted_at \
             FROM applications{filter} ORDER BY num LIMIT ? OFFSET ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::with_capacity(q.limit as usize);
        for row in rows {
            let (id, kind, status, applicant_name, department, at) = row?;
            out.push(ApplicationSummary {
                id,
                kind,
                status,
                applicant_name,
                department,
                submitted_at: parse_time(&at)?,
            });
        }
        Ok(out)
    }

    /// How many applications match `q` (its `limit` and `offset` are ignored).
    pub fn count_applications(&self, q: &ApplicationQuery) -> Result<u64, StoreError> {
        let (filter, args) = query_filter(q);
        let sql = format!("SELECT COUNT(*) FROM applications{filter}");
        let key = format!("{sql}\u{0}{args:?}");
        let state = {
            let cache = self.count_cache()?;
            if let Some(n) = cache.totals.get(&key) {
                return Ok(*n);
            }
            cache.state
        };
        let n: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
        let n = n.max(0) as u64;
        let mut cache = self.count_cache()?;
        // Kept only if nothing was committed meanwhile.
        if cache.state == state {
            cache.totals.insert(key, n);
        }
        Ok(n)
    }

    /// The number of applications in each status (statuses without any are left out).
    pub fn application_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let state = {
            let cache = self.count_cache()?;
            if let Some(c) = &cache.by_status {
                return Ok(c.clone());
            }
            cache.state
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM applications GROUP BY status")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = vec![];
        for row in rows {
            let (status, n) = row?;
            out.push((status, n.max(0) as u64));
        }
        let mut cache = self.count_cache()?;
        if cache.state == state {
            cache.by_status = Some(out.clone());
        }
        Ok(out)
    }

    /// Events whose sequence numbers fall in `range`, decoded from their stored bodies.
    pub fn events(&self, range: impl RangeBounds<u64>) -> Result<Vec<Event>, StoreError> {
        let lo = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let hi = match range.end_bound() {
            Bound::Included(&e) => e,
            Bound::Excluded(&e) => e.saturating_sub(1),
            Bound::Unbounded => u64::MAX,
        };
        let (lo, hi) = (
            sql_int(lo.min(i64::MAX as u64))?,
            sql_int(hi.min(i64::MAX as u64))?,
        );
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, body FROM ledger_events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![lo, hi])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decode_row(row)?);
        }
        Ok(out)
    }

    /// Events about `subject` (e.g. `APP-000001`), oldest first, decoded from their bodies.
    pub fn events_of_subject(&self, subject: &str) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, body FROM ledger_events WHERE subject = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([subject])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let event = decode_row(row)?;
            // The subject column is only an index; trust the body.
            if event.subject == subject {
                out.push(event);
            }
        }
        Ok(out)
    }

    /// Number of events (the sequence number of the head).
    pub fn ledger_len(&self) -> Result<u64, StoreError> {
        Ok(ledger_head(&self.conn)?.0)
    }

    pub fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tree_size, head_hash, time_ms, key_id, signature FROM ledger_checkpoints \
             ORDER BY tree_size DESC LIMIT 1",
        )?;
        stmt.query_row([], checkpoint_from_row)
            .optional()?
            .transpose()
    }

    pub fn checkpoint_at(&self, tree_size: u64) -> Result<Option<Checkpoint>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tree_size, head_hash, time_ms, key_id, signature FROM ledger_checkpoints \
             WHERE tree_size = ?1",
        )?;
        stmt.query_row([sql_int(tree_size)?], checkpoint_from_row)
            .optional()?
            .transpose()
    }

    pub fn station_keys(&self) -> Result<Vec<StationKeyRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key_id, spki, label, added_at FROM station_keys ORDER BY added_at, key_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key_id, spki_der, label, added_at) = row?;
            out.push(StationKeyRow {
                key_id,
                spki_der,
                label,
                added_at: parse_time(&added_at)?,
            });
        }
        Ok(out)
    }

    /// Verifies the whole ledger: every link, every checkpoint signature and head, no gap, no
    /// unsealed tail. With `expected_key` (SPKI DER) only that key is trusted, which defeats a
    /// replaced `station_keys` row; without it, the registered station keys are trusted.
    ///
    /// Large ledgers are verified as two segments on two threads, each with its own read
    /// connection; the error reported is the first in sequence order.
    pub fn verify_ledger(&self, expected_key: Option<&[u8]>) -> Result<VerifyReport, StoreError> {
        let keys = match expected_key {
            Some(spki) => vec![TrustedKey::from_spki_der(spki)?],
            None => self.trusted_station_keys()?,
        };
        self.verify_with_keys(&keys)
    }

    /// Verifies the chain and checkpoints like [`SqliteStore::verify_ledger`], then every
    /// bound record table against the ledger's `ledger.records_bound` events (issue 16): the
    /// first record that differs is [`StoreError::Record`] (table, key, what differs).
    pub fn verify_ledger_and_records(
        &self,
        expected_key: Option<&[u8]>,
    ) -> Result<(VerifyReport, RecordsReport), StoreError> {
        let keys = match expected_key {
            Some(spki) => vec![TrustedKey::from_spki_der(spki)?],
            None => self.trusted_station_keys()?,
        };
        let (report, bindings) = self.verify_split(&keys, PARALLEL_VERIFY_MIN_EVENTS, true)?;
        let records = self.verify_records_after(&bindings)?;
        Ok((report, records))
    }

    /// The record step alone, given the events carrying bindings the chain step read.
    fn verify_records_after(&self, bodies: &BindingBodies) -> Result<RecordsReport, StoreError> {
        self.conn.execute_batch("BEGIN DEFERRED")?;
        let result = super::records::verify_records(&self.conn, bodies);
        self.conn.execute_batch("COMMIT")?;
        result
    }

    /// Re-checks one record against the ledger (see [`UnitOfWork::check_record`]).
    pub fn check_record(&self, table: &str, key: &str) -> Result<(), StoreError> {
        super::records::check_record(&self.conn, table, key)
    }

    /// Re-checks a token's row and every escrowed secret recorded for it (issue 16: unblock
    /// uses the escrow reference the ledger recorded for that serial, never a swapped one).
    pub fn check_token_records(&self, serial: &str) -> Result<(), StoreError> {
        super::records::check_record(&self.conn, "tokens", serial)?;
        super::records::check_rows_where(&self.conn, "escrowed_secrets", "token_serial", serial)
    }

    /// Like [`SqliteStore::verify_ledger`], on the calling thread only (benchmark comparison).
    pub fn verify_ledger_one_thread(
        &self,
        expected_key: Option<&[u8]>,
    ) -> Result<VerifyReport, StoreError> {
        let keys = match expected_key {
            Some(spki) => vec![TrustedKey::from_spki_der(spki)?],
            None => self.trusted_station_keys()?,
        };
        Ok(verify_segment(&self.path, None, None, &keys, false)?.0)
    }

    fn trusted_station_keys(&self) -> Result<Vec<TrustedKey>, StoreError> {
        let mut keys = Vec::new();
        for row in self.station_keys()? {
            keys.push(TrustedKey::from_stored(&row.key_id, &row.spki_der)?);
        }
        Ok(keys)
    }

    fn verify_with_keys(&self, keys: &[TrustedKey]) -> Result<VerifyReport, StoreError> {
        Ok(self
            .verify_split(keys, PARALLEL_VERIFY_MIN_EVENTS, false)?
            .0)
    }

    /// With `bindings`, also returns the events whose body carries record bindings.
    fn verify_split(
        &self,
        keys: &[TrustedKey],
        min_parallel: u64,
        bindings: bool,
    ) -> Result<(VerifyReport, BindingBodies), StoreError> {
        let last = ledger_head(&self.conn)?.0;
        if last < min_parallel.max(2) {
            return verify_segment(&self.path, None, None, keys, bindings);
        }
        // Split at the last stored row at or below the middle; segment B starts from its hash.
        let (b_seq, b_hash): (i64, Vec<u8>) = self.conn.query_row(
            "SELECT seq, hash FROM ledger_events WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
            [sql_int(last / 2)?],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let b_seq = b_seq as u64;
        // A malformed boundary hash is reported by segment A, which takes precedence.
        let b_hash: Hash = b_hash.try_into().unwrap_or(GENESIS);
        let path = &self.path;
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(move || verify_segment(path, None, Some(b_seq), keys, bindings));
            let b = verify_segment(path, Some((b_seq, b_hash)), None, keys, bindings);
            (a.join(), b)
        });
        let (a, mut seqs) = a.map_err(|_| StoreError::VerifierPanicked)??;
        let (b, seqs_b) = b?;
        seqs.extend(seqs_b);
        Ok((
            VerifyReport {
                events: a.events + b.events,
                checkpoints: a.checkpoints + b.checkpoints,
                head: if b.events > 0 { b.head } else { a.head },
            },
            seqs,
        ))
    }

    /// Verifies the ledger against a checkpoint exported earlier: the file must be genuine, only
    /// its key is trusted, the ledger must verify, hold at least `tree_size` events, and its
    /// hash at `tree_size` must be the file's head. This detects the newest events being
    /// deleted together with their checkpoints.
    pub fn verify_against(&self, file: &CheckpointFile) -> Result<VerifyReport, StoreError> {
        let (cp, key) = file.open()?;
        let report = self.verify_with_keys(std::slice::from_ref(&key))?;
        if report.events < cp.tree_size {
            return Err(VerifyError::LedgerShorterThanCheckpoint {
                tree_size: cp.tree_size,
                events: report.events,
            }
            .into());
        }
        let stored: Vec<u8> = self.conn.query_row(
            "SELECT hash FROM ledger_events WHERE seq = ?1",
            [sql_int(cp.tree_size)?],
            |r| r.get(0),
        )?;
        if stored != cp.head_hash {
            return Err(VerifyError::HeadDiffers {
                tree_size: cp.tree_size,
            }
            .into());
        }
        Ok(report)
    }

    /// The latest checkpoint as a file for an auditor to keep. Its signature is checked against
    /// the registered key first; the caller should also check `key_id` against the token's key.
    pub fn export_checkpoint(&self) -> Result<CheckpointFile, StoreError> {
        let cp = self.latest_checkpoint()?.ok_or(StoreError::NotFound {
            what: "checkpoint",
            id: "latest".into(),
        })?;
        let key = self
            .trusted_station_keys()?
            .into_iter()
            .find(|k| k.key_id() == cp.key_id)
            .ok_or_else(|| VerifyError::UnknownKey {
                tree_size: cp.tree_size,
                key_id: cp.key_id.clone(),
            })?;
        if !cp.signature_is_valid(&key) {
            return Err(VerifyError::CheckpointBadSignature {
                tree_size: cp.tree_size,
            }
            .into());
        }
        Ok(CheckpointFile::new(&cp, key.spki_der()))
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for &(version, _name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated meanwhile.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now >= version {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// See [`SqliteStore::witness_standing`].
fn witness_standing(
    conn: &Connection,
    value: &[u8],
    station_spki: &[u8],
) -> Result<WitnessStanding, StoreError> {
    let bad = |reason: String| StoreError::from(RollbackError::BadTokenCheckpoint { reason });
    let text = std::str::from_utf8(value).map_err(|_| bad("not UTF-8".into()))?;
    let file = CheckpointFile::from_json(text).map_err(|e| bad(e.to_string()))?;
    let (cp, key) = file.open().map_err(|e| bad(e.to_string()))?;
    if key.spki_der() != station_spki {
        return Err(bad(format!(
            "signed by key {}, not by the station key on this token",
            cp.key_id
        )));
    }
    let events = ledger_head(conn)?.0;
    let hash_at_token_size = if events >= cp.tree_size {
        let stored: Option<Vec<u8>> = conn
            .prepare_cached("SELECT hash FROM ledger_events WHERE seq = ?1")?
            .query_row([sql_int(cp.tree_size)?], |r| r.get(0))
            .optional()?;
        stored.and_then(|h| Hash::try_from(h.as_slice()).ok())
    } else {
        None
    };
    let after: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM ledger_checkpoints WHERE tree_size > ?1")?
        .query_row([sql_int(cp.tree_size)?], |r| r.get(0))?;
    let facts = LedgerFacts {
        events,
        hash_at_token_size,
        checkpoints_after_token: after.max(0) as u64,
    };
    Ok(witness::compare(cp.tree_size, &cp.head_hash, &facts)?)
}

fn ledger_head(conn: &Connection) -> Result<(u64, Hash), StoreError> {
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match head {
        None => Ok((0, GENESIS)),
        Some((seq, hash)) => Ok((seq as u64, hash32(&hash, "the head hash")?)),
    }
}

fn decode_row(row: &Row<'_>) -> Result<Event, StoreError> {
    let seq: i64 = row.get(0)?;
    let body = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
    ledger::decode_event(body).map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))
}

fn checkpoint_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Checkpoint, StoreError>> {
    let tree_size: i64 = r.get(0)?;
    let head: Vec<u8> = r.get(1)?;
    let time_ms: i64 = r.get(2)?;
    let key_id: String = r.get(3)?;
    let signature: Vec<u8> = r.get(4)?;
    Ok((|| {
        Ok(Checkpoint {
            tree_size: tree_size as u64,
            head_hash: hash32(&head, "a checkpoint head")?,
            time: time_from_ms(time_ms)?,
            key_id,
            signature,
        })
    })())
}

fn load_checkpoints(
    conn: &Connection,
    above: u64,
    upto: u64,
) -> Result<Vec<Checkpoint>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT tree_size, head_hash, time_ms, key_id, signature FROM ledger_checkpoints \
         WHERE tree_size > ?1 AND tree_size <= ?2 ORDER BY tree_size",
    )?;
    let rows = stmt.query_map(
        params![sql_int(above)?, sql_int(upto)?],
        checkpoint_from_row,
    )?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Verifies rows `after.0 < seq <= upto` (whole ledger tail if `upto` is `None`) on a fresh
/// read-only connection, in one read transaction (a consistent snapshot).
fn verify_segment(
    path: &Path,
    after: Option<(u64, Hash)>,
    upto: Option<u64>,
    keys: &[TrustedKey],
    bindings: bool,
) -> Result<(VerifyReport, BindingBodies), StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    // Map the file instead of copying pages through read(2).
    conn.pragma_update(None, "mmap_size", 1i64 << 34)?;
    conn.execute_batch("BEGIN DEFERRED")?;
    let (after_seq, prev) = after.unwrap_or((0, GENESIS));
    let hi = upto.unwrap_or(i64::MAX as u64);
    let checkpoints = load_checkpoints(&conn, after_seq, hi)?;
    let last_checkpoint: i64 = conn.query_row(
        "SELECT COALESCE(MAX(tree_size), 0) FROM ledger_checkpoints WHERE tree_size <= ?1",
        [sql_int(after_seq)?],
        |r| r.get(0),
    )?;
    let mut verifier =
        ChainVerifier::resume(after_seq, prev, last_checkpoint as u64, &checkpoints, keys);
    let mut binding_bodies = Vec::new();
    let marker = bindings.then(|| memchr::memmem::Finder::new(record::BINDING_MARKER));
    {
        let mut stmt = conn.prepare(
            "SELECT seq, body, hash FROM ledger_events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![sql_int(after_seq)?, sql_int(hi)?])?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let body = row.get_ref(1)?.as_blob().unwrap_or_default();
            let hash = row.get_ref(2)?.as_blob().unwrap_or_default();
            verifier.push(seq as u64, body, hash)?;
            if let Some(marker) = &marker
                && marker.find(body).is_some()
            {
                binding_bodies.push((seq as u64, body.to_vec()));
            }
        }
    }
    conn.execute_batch("COMMIT")?;
    let report = match upto {
        Some(_) => verifier.finish_segment(),
        None => verifier.finish()?,
    };
    Ok((report, binding_bodies))
}

fn application_from_row(r: &Row<'_>) -> rusqlite::Result<[Option<String>; 11]> {
    let mut out: [Option<String>; 11] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = r.get(i)?;
    }
    Ok(out)
}

fn application_row(cols: [Option<String>; 11]) -> Result<ApplicationRow, StoreError> {
    let [
        id,
        kind,
        status,
        name,
        dept,
        form,
        sub_at,
        sub_by,
        dec_at,
        dec_by,
        reason,
    ] = cols;
    let req = |v: Option<String>| {
        v.ok_or_else(|| StoreError::Corrupt("NULL in a NOT NULL column".into()))
    };
    Ok(ApplicationRow {
        id: req(id)?,
        kind: req(kind)?,
        status: req(status)?,
        applicant_name: req(name)?,
        department: req(dept)?,
        form_json: req(form)?,
        submitted_at: parse_time(&req(sub_at)?)?,
        submitted_by: req(sub_by)?,
        decided_at: dec_at.as_deref().map(parse_time).transpose()?,
        decided_by: dec_by,
        decision_reason: reason,
    })
}

const APPLICATION_COLUMNS: &str = "id, kind, status, applicant_name, department, form_json, \
     submitted_at, submitted_by, decided_at, decided_by, decision_reason";

fn get_application(conn: &Connection, id: &str) -> Result<ApplicationRow, StoreError> {
    let cols = conn
        .prepare_cached(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = ?1"
        ))?
        .query_row([id], application_from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "application",
            id: id.to_owned(),
        })?;
    application_row(cols)
}

fn list_applications(
    conn: &Connection,
    f: &ApplicationFilter,
) -> Result<Vec<ApplicationRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications \
         WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2) \
         ORDER BY num LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![f.status, f.kind, f.limit, f.offset],
        application_from_row,
    )?;
    let mut out = Vec::new();
    for row in rows {
        out.push(application_row(row?)?);
    }
    Ok(out)
}

/// Searches this long or longer use the trigram index; shorter ones (which a trigram cannot
/// match) scan the table with LIKE.
const SEARCH_INDEX_MIN_CHARS: usize = 3;

/// The WHERE clause of an [`ApplicationQuery`] and its arguments.
fn query_filter(q: &ApplicationQuery) -> (String, Vec<rusqlite::types::Value>) {
    let mut conds = vec![];
    let mut args: Vec<rusqlite::types::Value> = vec![];
    if let Some(status) = &q.status {
        conds.push("status = ?");
        args.push(status.clone().into());
    }
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if search.chars().count() >= SEARCH_INDEX_MIN_CHARS {
            // The trigram index (`006_search.sql`): a quoted phrase matches the text as a
            // substring of any of the three columns, case-insensitively, like the LIKE below.
            conds.push(
                "num IN (SELECT rowid FROM applications_search WHERE applications_search MATCH ?)",
            );
            args.push(format!("\"{}\"", search.replace('"', "\"\"")).into());
        } else {
            let mut pattern = String::with_capacity(search.len() + 2);
            pattern.push('%');
            for c in search.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            conds.push(
                "(id LIKE ? ESCAPE '\\' OR applicant_name LIKE ? ESCAPE '\\' \
                 OR department LIKE ? ESCAPE '\\')",
            );
            for _ in 0..3 {
                args.push(pattern.clone().into());
            }
        }
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    (filter, args)
}

fn documents_of(conn: &Connection, application_id: &str) -> Result<Vec<DocumentRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, application_id, kind, sha256, size, archive_name, original_name \
         FROM documents WHERE application_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([application_id], |r| {
        Ok(DocumentRow {
            id: r.get(0)?,
            application_id: r.get(1)?,
            kind: r.get(2)?,
            sha256: r.get(3)?,
            size: r.get::<_, i64>(4)? as u64,
            archive_name: r.get(5)?,
            original_name: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One transaction on the store, handed to the closure of [`SqliteStore::unit_of_work`].
pub struct UnitOfWork<'s> {
    tx: rusqlite::Transaction<'s>,
    signer: &'s dyn CheckpointSigner,
    clock: &'s dyn Clock,
    head_seq: u64,
    head: Hash,
    /// The head before the last event this unit appended (to re-hash it when bindings are
    /// added to it).
    prev_head: Hash,
    appended: u64,
    buf: Vec<u8>,
}

impl std::fmt::Debug for UnitOfWork<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitOfWork")
            .field("head_seq", &self.head_seq)
            .field("appended", &self.appended)
            .finish_non_exhaustive()
    }
}

impl UnitOfWork<'_> {
    /// The open transaction, for other store modules (`store::ca`) to read and write through.
    pub(crate) fn connection(&self) -> &Connection {
        &self.tx
    }

    /// The clock's time, truncated to the milliseconds the ledger keeps.
    pub fn now(&self) -> OffsetDateTime {
        ledger::truncate_to_millis(self.clock.now()).to_offset(time::UtcOffset::UTC)
    }

    /// Appends an event (time from the clock) and returns its sequence number. `data` must be
    /// a JSON object without floats.
    pub fn append_event(
        &mut self,
        kind: &str,
        subject: &str,
        actor: &str,
        data: Value,
    ) -> Result<u64, StoreError> {
        let event = Event {
            seq: self.head_seq + 1,
            time: self.now(),
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            actor: actor.to_owned(),
            data,
        };
        self.buf.clear();
        ledger::encode_event_into(&event, &mut self.buf)?;
        let hash = ledger::chain_hash(&self.head, &self.buf);
        self.tx
            .prepare_cached(
                "INSERT INTO ledger_events (seq, body, hash, kind, subject, time_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                sql_int(event.seq)?,
                &self.buf,
                &hash[..],
                event.kind,
                event.subject,
                ledger::unix_millis(event.time)
            ])?;
        self.head_seq = event.seq;
        self.prev_head = self.head;
        self.head = hash;
        self.appended += 1;
        Ok(event.seq)
    }

    /// Inserts an application with the next id (`APP-000001`, `APP-000002`, …) and returns it.
    /// `submitted_at` is the clock's time. The caller appends the matching event.
    pub fn insert_application(&mut self, app: &NewApplication) -> Result<String, StoreError> {
        let num: i64 = self.tx.query_row(
            "SELECT COALESCE(MAX(num), 0) + 1 FROM applications",
            [],
            |r| r.get(0),
        )?;
        let id = format!("APP-{num:06}");
        self.tx
            .prepare_cached(
                "INSERT INTO applications (id, num, kind, status, applicant_name, department, \
                 form_json, submitted_at, submitted_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                id,
                num,
                app.kind,
                app.status,
                app.applicant_name,
                app.department,
                app.form_json,
                fmt_time(self.now()),
                app.submitted_by
            ])?;
        Ok(id)
    }

    /// Records a decision (new status, who, why) at the clock's time.
    pub fn set_application_decision(
        &mut self,
        id: &str,
        status: &str,
        decided_by: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let n = self
            .tx
            .prepare_cached(
                "UPDATE applications SET status = ?2, decided_at = ?3, decided_by = ?4, \
                 decision_reason = ?5 WHERE id = ?1",
            )?
            .execute(params![
                id,
                status,
                fmt_time(self.now()),
                decided_by,
                reason
            ])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "application",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    /// Attaches a document record to an application; returns its row id.
    pub fn insert_document(&mut self, doc: &NewDocument) -> Result<i64, StoreError> {
        // Clear error for a missing application instead of a bare foreign-key failure.
        get_application(&self.tx, &doc.application_id)?;
        self.tx
            .prepare_cached(
                "INSERT INTO documents (application_id, kind, sha256, size, archive_name, original_name) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                doc.application_id,
                doc.kind,
                doc.sha256,
                sql_int(doc.size)?,
                doc.archive_name,
                doc.original_name
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn get_application(&self, id: &str) -> Result<ApplicationRow, StoreError> {
        get_application(&self.tx, id)
    }

    pub fn list_applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        list_applications(&self.tx, filter)
    }

    pub fn documents_of(&self, application_id: &str) -> Result<Vec<DocumentRow>, StoreError> {
        documents_of(&self.tx, application_id)
    }

    /// Registers the signer's key as a station key (key rotation), recording a
    /// `station.key_registered` event. Returns `false` if it was already registered.
    pub fn register_station_key(&mut self, label: &str) -> Result<bool, StoreError> {
        let spki = self.signer.public_key_spki_der();
        let key = TrustedKey::from_spki_der(&spki)?;
        let exists: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM station_keys WHERE key_id = ?1)",
            [key.key_id()],
            |r| r.get(0),
        )?;
        if exists {
            return Ok(false);
        }
        self.tx.execute(
            "INSERT INTO station_keys (key_id, spki, label, added_at) VALUES (?1, ?2, ?3, ?4)",
            params![key.key_id(), spki, label, fmt_time(self.now())],
        )?;
        self.append_event(
            kinds::STATION_KEY_REGISTERED,
            key.key_id(),
            STATION_ACTOR,
            json!({ "key_id": key.key_id(), "label": label, "spki": hex::encode(&spki) }),
        )?;
        Ok(true)
    }

    /// Binds the rows this unit of work touched (issue 16): their states go into the
    /// `bound_records` member of the unit's last event (re-encoded and re-hashed; it is not
    /// sealed yet), or into `ledger.records_bound` events when the unit appended none or the
    /// rows do not fit.
    fn bind_records(&mut self) -> Result<usize, StoreError> {
        let entries = super::records::touched_bindings(&self.tx)?;
        let mut chunks = entries.chunks(record::BINDINGS_PER_EVENT).peekable();
        if self.appended > 0
            && let Some(first) = chunks.peek()
            && self.add_bindings_to_last_event(first)?
        {
            chunks.next();
        }
        for chunk in chunks {
            let seq = self.append_event(
                record::BINDING_KIND,
                record::BINDING_SUBJECT,
                STATION_ACTOR,
                json!({ record::BINDING_MEMBER: record::binding_data(chunk) }),
            )?;
            super::records::index_bindings(&self.tx, chunk, seq)?;
        }
        Ok(entries.len())
    }

    /// Adds `entries` to the last appended event's data; `false` if that event already has
    /// the member or would grow past the size limit.
    fn add_bindings_to_last_event(
        &mut self,
        entries: &[record::Binding],
    ) -> Result<bool, StoreError> {
        let mut event = ledger::decode_event(&self.buf)?;
        let Some(data) = event.data.as_object_mut() else {
            return Ok(false);
        };
        if data.contains_key(record::BINDING_MEMBER) {
            return Ok(false);
        }
        data.insert(
            record::BINDING_MEMBER.to_owned(),
            record::binding_data(entries),
        );
        let mut body = Vec::with_capacity(self.buf.len() + entries.len() * 200);
        if ledger::encode_event_into(&event, &mut body).is_err() {
            return Ok(false);
        }
        let hash = ledger::chain_hash(&self.prev_head, &body);
        self.tx
            .prepare_cached("UPDATE ledger_events SET body = ?2, hash = ?3 WHERE seq = ?1")?
            .execute(params![sql_int(event.seq)?, &body, &hash[..]])?;
        self.buf = body;
        self.head = hash;
        super::records::index_bindings(&self.tx, entries, event.seq)?;
        Ok(true)
    }

    /// Re-checks one record against the ledger before acting on it (issue 16): refused with
    /// [`StoreError::Record`] if the row is not what its latest binding event says.
    pub fn check_record(&self, table: &str, key: &str) -> Result<(), StoreError> {
        super::records::check_record(&self.tx, table, key)
    }

    /// Signs and stores a checkpoint over the new head, if events were appended; returns it.
    fn seal(&mut self) -> Result<Option<Checkpoint>, StoreError> {
        self.bind_records()?;
        if self.appended == 0 {
            return Ok(None);
        }
        let key_id = self.signer.key_id();
        let registered: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM station_keys WHERE key_id = ?1)",
            [&key_id],
            |r| r.get(0),
        )?;
        if !registered {
            let any: bool =
                self.tx
                    .query_row("SELECT EXISTS (SELECT 1 FROM station_keys)", [], |r| {
                        r.get(0)
                    })?;
            if any {
                return Err(StoreError::UnregisteredKey { key_id });
            }
            // First use of the station: its key becomes the station key.
            self.register_station_key("station")?;
        }
        let time = self.now();
        let message = ledger::checkpoint_message(self.head_seq, &self.head, time);
        let signature = self.signer.sign(&message)?;
        self.tx
            .prepare_cached(
                "INSERT INTO ledger_checkpoints (tree_size, head_hash, time_ms, key_id, signature) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                sql_int(self.head_seq)?,
                &self.head[..],
                ledger::unix_millis(time),
                &key_id,
                &signature
            ])?;
        self.appended = 0;
        Ok(Some(Checkpoint {
            tree_size: self.head_seq,
            head_hash: self.head,
            time,
            key_id,
            signature,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::test_support::TestSigner;
    use crate::ports::clock::FixedClock;
    use time::macros::datetime;

    const CLOCK: FixedClock = FixedClock(datetime!(2025-03-01 08:00:00.123 UTC));
    const OFFICER: &str = "officer:198503012010011001";

    struct Station {
        _dir: tempfile::TempDir,
        path: PathBuf,
        store: SqliteStore,
        signer: TestSigner,
    }

    fn station() -> Station {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kustodi.sqlite");
        let store = SqliteStore::open(&path).unwrap();
        Station {
            _dir: dir,
            path,
            store,
            signer: TestSigner::from_seed(1),
        }
    }

    impl Station {
        /// `units` units of work of `per_unit` events each. The first unit also registers the
        /// station key, so it holds `per_unit + 1` events.
        fn append_units(&mut self, units: u64, per_unit: u64) {
            for _ in 0..units {
                self.store
                    .unit_of_work(&self.signer, &CLOCK, |tx| {
                        for _ in 0..per_unit {
                            let n = tx.head_seq + 1;
                            tx.append_event(
                                kinds::APPLICATION_SUBMITTED,
                                &format!("APP-{n:06}"),
                                OFFICER,
                                json!({ "n": n, "department": "Disdukcapil" }),
                            )?;
                        }
                        Ok::<_, StoreError>(())
                    })
                    .unwrap();
            }
        }

        fn raw(&self) -> Connection {
            Connection::open(&self.path).unwrap()
        }

        fn verify(&self) -> Result<VerifyReport, VerifyError> {
            match self.store.verify_ledger(None) {
                Ok(r) => Ok(r),
                Err(StoreError::Ledger(e)) => Err(e),
                Err(e) => panic!("store error: {e}"),
            }
        }

        fn verify_parallel(&self) -> Result<VerifyReport, VerifyError> {
            let keys = self.store.trusted_station_keys().unwrap();
            match self.store.verify_split(&keys, 1, false) {
                Ok((r, _)) => Ok(r),
                Err(StoreError::Ledger(e)) => Err(e),
                Err(e) => panic!("store error: {e}"),
            }
        }
    }

    fn ledger_err<T: std::fmt::Debug>(r: Result<T, StoreError>) -> VerifyError {
        match r {
            Err(StoreError::Ledger(e)) => e,
            other => panic!("expected a ledger error, got {other:?}"),
        }
    }

    fn body_of(conn: &Connection, seq: u64) -> Vec<u8> {
        conn.query_row(
            "SELECT body FROM ledger_events WHERE seq = ?1",
            [seq as i64],
            |r| r.get(0),
        )
        .unwrap()
    }

    fn forged_body(conn: &Connection, seq: u64) -> Vec<u8> {
        let mut e = ledger::decode_event(&body_of(conn, seq)).unwrap();
        e.actor = "officer:999999999999999999".into();
        ledger::encode_event(&e).unwrap()
    }

    /// Rewrites the body of `seq` and recomputes its hash and every later hash (no key needed).
    fn rewrite_and_rehash(conn: &Connection, seq: u64) {
        let body = forged_body(conn, seq);
        conn.execute(
            "UPDATE ledger_events SET body = ?2 WHERE seq = ?1",
            params![seq as i64, body],
        )
        .unwrap();
        let mut prev: Hash = if seq == 1 {
            GENESIS
        } else {
            conn.query_row(
                "SELECT hash FROM ledger_events WHERE seq = ?1",
                [seq as i64 - 1],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .unwrap()
            .try_into()
            .unwrap()
        };
        let rows: Vec<(i64, Vec<u8>)> = conn
            .prepare("SELECT seq, body FROM ledger_events WHERE seq >= ?1 ORDER BY seq")
            .unwrap()
            .query_map([seq as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (s, body) in rows {
            prev = ledger::chain_hash(&prev, &body);
            conn.execute(
                "UPDATE ledger_events SET hash = ?2 WHERE seq = ?1",
                params![s, &prev[..]],
            )
            .unwrap();
        }
    }

    fn count(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn units_of_work_seal_their_events_and_the_ledger_verifies() {
        let mut st = station();
        st.append_units(3, 4);
        let report = st.verify().unwrap();
        assert_eq!(report.events, 13);
        assert_eq!(report.checkpoints, 3);
        let latest = st.store.latest_checkpoint().unwrap().unwrap();
        assert_eq!(latest.tree_size, 13);
        assert_eq!(latest.head_hash, report.head);
        assert_eq!(st.store.checkpoint_at(5).unwrap().unwrap().tree_size, 5);
        assert_eq!(st.store.checkpoint_at(4).unwrap(), None);
        let events = st.store.events(4..=5).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].seq, 4);
        assert_eq!(events[0].time, CLOCK.0);
        assert_eq!(st.store.events_of_subject("APP-000003").unwrap().len(), 1);
        let keys = st.store.station_keys().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].key_id, st.signer.key_id());
    }

    #[test]
    fn the_first_unit_of_work_registers_the_station_key_in_the_ledger() {
        let mut st = station();
        st.append_units(1, 1);
        let events = st.store.events(..).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].kind, kinds::STATION_KEY_REGISTERED);
        assert_eq!(events[1].subject, st.signer.key_id());
    }

    #[test]
    fn an_unregistered_signer_is_refused_once_a_station_key_exists() {
        let mut st = station();
        st.append_units(1, 1);
        let other = TestSigner::from_seed(2);
        let r = st.store.unit_of_work(&other, &CLOCK, |tx| {
            tx.append_event(kinds::TOKEN_REVOKED, "TOKEN-1", OFFICER, json!({}))
        });
        assert!(
            matches!(r, Err(StoreError::UnregisteredKey { key_id }) if key_id == other.key_id())
        );
        assert_eq!(st.store.ledger_len().unwrap(), 2);
    }

    #[test]
    fn a_unit_of_work_without_events_writes_no_checkpoint() {
        let mut st = station();
        st.store
            .unit_of_work(&st.signer, &CLOCK, |tx| {
                tx.list_applications(&ApplicationFilter::default())
            })
            .unwrap();
        assert_eq!(count(&st.raw(), "ledger_checkpoints"), 0);
        assert_eq!(st.verify().unwrap().events, 0);
    }

    #[test]
    fn a_failing_closure_leaves_no_event_application_or_checkpoint() {
        let mut st = station();
        let r: Result<(), StoreError> = st.store.unit_of_work(&st.signer, &CLOCK, |tx| {
            let id = tx.insert_application(&new_app())?;
            tx.append_event(
                kinds::APPLICATION_SUBMITTED,
                &id,
                OFFICER,
                json!({"id": id}),
            )?;
            Err(StoreError::NotFound {
                what: "something",
                id: "x".into(),
            })
        });
        assert!(matches!(
            r,
            Err(StoreError::NotFound {
                what: "something",
                ..
            })
        ));
        let raw = st.raw();
        for table in [
            "ledger_events",
            "ledger_checkpoints",
            "applications",
            "station_keys",
        ] {
            assert_eq!(count(&raw, table), 0, "{table}");
        }
    }

    #[test]
    fn a_failing_signer_rolls_back_the_whole_unit_of_work() {
        let mut st = station();
        st.append_units(1, 1);
        let mut failing = TestSigner::from_seed(1);
        failing.fail = true;
        let r = st.store.unit_of_work(&failing, &CLOCK, |tx| {
            let id = tx.insert_application(&new_app())?;
            tx.append_event(
                kinds::APPLICATION_SUBMITTED,
                &id,
                OFFICER,
                json!({"id": id}),
            )
        });
        assert!(matches!(r, Err(StoreError::Sign(_))));
        let raw = st.raw();
        assert_eq!(count(&raw, "ledger_events"), 2);
        assert_eq!(count(&raw, "ledger_checkpoints"), 1);
        assert_eq!(count(&raw, "applications"), 0);
        st.verify().unwrap();
    }

    #[test]
    fn ten_thousand_events_in_many_units_of_work_verify_clean() {
        let mut st = station();
        st.append_units(100, 100);
        let one = st.verify().unwrap();
        assert_eq!(one.events, 10_001);
        assert_eq!(one.checkpoints, 100);
        assert_eq!(st.verify_parallel().unwrap(), one);
        assert_eq!(
            st.store
                .verify_ledger(Some(&st.signer.public_key_spki_der()))
                .unwrap(),
            one
        );
    }

    #[test]
    fn an_updated_body_is_detected_at_that_event() {
        let mut st = station();
        st.append_units(3, 4);
        let raw = st.raw();
        raw.execute(
            "UPDATE ledger_events SET body = ?1 WHERE seq = 7",
            [forged_body(&raw, 7)],
        )
        .unwrap();
        assert_eq!(st.verify(), Err(VerifyError::HashMismatch { seq: 7 }));
        assert_eq!(
            st.verify_parallel(),
            Err(VerifyError::HashMismatch { seq: 7 })
        );
    }

    #[test]
    fn a_rewritten_body_with_recomputed_hashes_is_pinned_by_the_checkpoints() {
        let mut st = station();
        // Events 1-2 (with the key registration) then one event per unit: checkpoints at 2..=11.
        st.append_units(10, 1);
        rewrite_and_rehash(&st.raw(), 6);
        let expected = VerifyError::CheckpointMismatch {
            tree_size: 6,
            suspect_from: 6,
        };
        assert_eq!(st.verify(), Err(expected.clone()));
        assert_eq!(st.verify_parallel(), Err(expected));
    }

    #[test]
    fn a_rehashed_rewrite_whose_checkpoints_were_deleted_is_an_unsealed_tail() {
        let mut st = station();
        st.append_units(10, 1);
        let raw = st.raw();
        rewrite_and_rehash(&raw, 6);
        raw.execute("DELETE FROM ledger_checkpoints WHERE tree_size >= 6", [])
            .unwrap();
        assert_eq!(st.verify(), Err(VerifyError::UnsealedTail { from_seq: 6 }));
    }

    #[test]
    fn a_deleted_middle_row_is_reported_as_a_gap() {
        let mut st = station();
        st.append_units(3, 4);
        st.raw()
            .execute("DELETE FROM ledger_events WHERE seq = 5", [])
            .unwrap();
        let expected = VerifyError::Gap {
            expected: 5,
            found: 6,
        };
        assert_eq!(st.verify(), Err(expected.clone()));
        assert_eq!(st.verify_parallel(), Err(expected));
    }

    #[test]
    fn a_gap_in_the_second_half_is_found_by_the_parallel_verifier() {
        let mut st = station();
        st.append_units(10, 10);
        st.raw()
            .execute("DELETE FROM ledger_events WHERE seq = 77", [])
            .unwrap();
        assert_eq!(
            st.verify_parallel(),
            Err(VerifyError::Gap {
                expected: 77,
                found: 78
            })
        );
        // And the first error wins when both halves are bad.
        st.raw()
            .execute("DELETE FROM ledger_events WHERE seq = 20", [])
            .unwrap();
        assert_eq!(
            st.verify_parallel(),
            Err(VerifyError::Gap {
                expected: 20,
                found: 21
            })
        );
    }

    #[test]
    fn deleted_newest_events_leave_a_checkpoint_beyond_the_ledger() {
        let mut st = station();
        st.append_units(10, 1);
        st.raw()
            .execute("DELETE FROM ledger_events WHERE seq > 8", [])
            .unwrap();
        assert_eq!(
            st.verify(),
            Err(VerifyError::CheckpointBeyondLedger {
                tree_size: 9,
                events: 8
            })
        );
    }

    #[test]
    fn deleting_the_tail_and_its_checkpoints_fails_against_an_exported_checkpoint() {
        let mut st = station();
        st.append_units(10, 1); // 11 events
        let older = st.store.export_checkpoint().unwrap();
        assert_eq!(older.tree_size, 11);
        st.append_units(4, 1); // 15 events
        let newer =
            CheckpointFile::from_json(&st.store.export_checkpoint().unwrap().to_json()).unwrap();
        assert_eq!(newer.tree_size, 15);

        let raw = st.raw();
        raw.execute("DELETE FROM ledger_events WHERE seq > 12", [])
            .unwrap();
        raw.execute("DELETE FROM ledger_checkpoints WHERE tree_size > 12", [])
            .unwrap();
        // On its own the shortened ledger is consistent…
        assert_eq!(st.verify().unwrap().events, 12);
        assert_eq!(st.store.verify_against(&older).unwrap().events, 12);
        // …but not against the checkpoint the auditor kept.
        assert_eq!(
            ledger_err(st.store.verify_against(&newer)),
            VerifyError::LedgerShorterThanCheckpoint {
                tree_size: 15,
                events: 12
            }
        );
        // Growing the ledger again (with other events) does not hide it.
        for _ in 0..5 {
            st.store
                .unit_of_work(&st.signer, &CLOCK, |tx| {
                    tx.append_event(kinds::TOKEN_REVOKED, "TOKEN-1", OFFICER, json!({}))
                })
                .unwrap();
        }
        assert_eq!(st.verify().unwrap().events, 17);
        assert_eq!(
            ledger_err(st.store.verify_against(&newer)),
            VerifyError::HeadDiffers { tree_size: 15 }
        );
    }

    #[test]
    fn swapped_rows_are_detected_at_the_first_swapped_event() {
        let mut st = station();
        st.append_units(3, 4);
        let raw = st.raw();
        raw.execute_batch(
            "UPDATE ledger_events SET seq = 1000 WHERE seq = 4;
             UPDATE ledger_events SET seq = 4 WHERE seq = 9;
             UPDATE ledger_events SET seq = 9 WHERE seq = 1000;",
        )
        .unwrap();
        assert_eq!(
            st.verify(),
            Err(VerifyError::OutOfOrder {
                seq: 4,
                encoded_seq: 9
            })
        );
    }

    #[test]
    fn swapped_bodies_are_detected_at_the_first_swapped_event() {
        let mut st = station();
        st.append_units(3, 4);
        let raw = st.raw();
        let (b4, b9) = (body_of(&raw, 4), body_of(&raw, 9));
        raw.execute("UPDATE ledger_events SET body = ?1 WHERE seq = 4", [b9])
            .unwrap();
        raw.execute("UPDATE ledger_events SET body = ?1 WHERE seq = 9", [b4])
            .unwrap();
        assert_eq!(
            st.verify(),
            Err(VerifyError::OutOfOrder {
                seq: 4,
                encoded_seq: 9
            })
        );
    }

    #[test]
    fn an_event_inserted_at_the_end_is_an_unsealed_tail() {
        let mut st = station();
        st.append_units(3, 4);
        let raw = st.raw();
        let head: Vec<u8> = raw
            .query_row("SELECT hash FROM ledger_events WHERE seq = 13", [], |r| {
                r.get(0)
            })
            .unwrap();
        let mut e = ledger::decode_event(&body_of(&raw, 13)).unwrap();
        e.seq = 14;
        e.kind = kinds::TOKEN_HANDED_OVER.into();
        let body = ledger::encode_event(&e).unwrap();
        let hash = ledger::chain_hash(&head.try_into().unwrap(), &body);
        raw.execute(
            "INSERT INTO ledger_events (seq, body, hash, kind, subject, time_ms) VALUES (14, ?1, ?2, 'x', 'y', 0)",
            params![body, &hash[..]],
        )
        .unwrap();
        assert_eq!(st.verify(), Err(VerifyError::UnsealedTail { from_seq: 14 }));
    }

    #[test]
    fn a_station_key_row_whose_key_was_replaced_is_rejected() {
        let mut st = station();
        st.append_units(3, 4);
        let attacker = TestSigner::from_seed(9);
        st.raw()
            .execute(
                "UPDATE station_keys SET spki = ?1",
                [attacker.public_key_spki_der()],
            )
            .unwrap();
        assert_eq!(
            st.verify(),
            Err(VerifyError::BadStationKey {
                key_id: st.signer.key_id()
            })
        );
    }

    #[test]
    fn a_ledger_re_signed_with_another_key_fails_against_the_expected_key() {
        let mut st = station();
        st.append_units(10, 1);
        let file = st.store.export_checkpoint().unwrap();
        let attacker = TestSigner::from_seed(9);
        let raw = st.raw();
        rewrite_and_rehash(&raw, 6);
        // Re-sign every checkpoint with the attacker's key and register that key instead.
        let sizes: Vec<i64> = raw
            .prepare("SELECT tree_size FROM ledger_checkpoints")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for size in sizes {
            let head: Vec<u8> = raw
                .query_row(
                    "SELECT hash FROM ledger_events WHERE seq = ?1",
                    [size],
                    |r| r.get(0),
                )
                .unwrap();
            let head: Hash = head.try_into().unwrap();
            let msg = ledger::checkpoint_message(size as u64, &head, CLOCK.0);
            raw.execute(
                "UPDATE ledger_checkpoints SET head_hash = ?2, time_ms = ?3, key_id = ?4, signature = ?5 \
                 WHERE tree_size = ?1",
                params![
                    size,
                    &head[..],
                    ledger::unix_millis(CLOCK.0),
                    attacker.key_id(),
                    attacker.sign(&msg).unwrap()
                ],
            )
            .unwrap();
        }
        raw.execute(
            "UPDATE station_keys SET key_id = ?1, spki = ?2",
            params![attacker.key_id(), attacker.public_key_spki_der()],
        )
        .unwrap();
        // Trusting the database's own key table, the forgery is consistent (see ledger.md)…
        assert!(st.verify().is_ok());
        // …but not with the station key pinned, by argument or by an exported checkpoint.
        let expected = VerifyError::UnknownKey {
            tree_size: 2,
            key_id: attacker.key_id(),
        };
        let pinned = st
            .store
            .verify_ledger(Some(&st.signer.public_key_spki_der()));
        assert_eq!(ledger_err(pinned), expected);
        assert_eq!(ledger_err(st.store.verify_against(&file)), expected);
    }

    #[test]
    fn a_tampered_checkpoint_file_is_refused() {
        let mut st = station();
        st.append_units(2, 1);
        let mut file = st.store.export_checkpoint().unwrap();
        file.head_hash = hex::encode([7u8; 32]);
        assert!(matches!(
            ledger_err(st.store.verify_against(&file)),
            VerifyError::BadCheckpointFile { .. }
        ));
    }

    #[test]
    fn migrations_are_idempotent() {
        let st = station();
        assert_eq!(st.store.schema_version().unwrap(), SCHEMA_VERSION);
        drop(st.store);
        let again = SqliteStore::open(&st.path).unwrap();
        assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
        let mode: String = Connection::open(&st.path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_database_from_a_newer_program_is_refused() {
        let st = station();
        st.raw()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        match SqliteStore::open(&st.path) {
            Err(StoreError::SchemaTooNew { found, supported }) => {
                assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            }
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
    }

    fn new_app() -> NewApplication {
        NewApplication {
            kind: "certificate.new".into(),
            status: "submitted".into(),
            applicant_name: "Siti Rahmawati".into(),
            department: "Disdukcapil".into(),
            form_json: r#"{"nip":"198503012010011001"}"#.into(),
            submitted_by: OFFICER.into(),
        }
    }

    #[test]
    fn queue_pages_filter_by_status_and_search_name_id_or_department() {
        let mut st = station();
        st.store
            .unit_of_work(&st.signer, &CLOCK, |tx| {
                for (name, dept) in [
                    ("Siti Rahmawati", "Diskominfosantik"),
                    ("Budi 100%_Santoso", "Disdukcapil"),
                    ("Agus Salim", "Diskominfosantik"),
                ] {
                    tx.insert_application(&NewApplication {
                        applicant_name: name.into(),
                        department: dept.into(),
                        ..new_app()
                    })?;
                }
                tx.set_application_decision("APP-000002", "approved", "officer:1", None)?;
                tx.append_event(
                    kinds::APPLICATION_SUBMITTED,
                    "APP-000001",
                    OFFICER,
                    json!({}),
                )
            })
            .unwrap();
        let q = |status: Option<&str>, search: Option<&str>, offset| ApplicationQuery {
            status: status.map(str::to_owned),
            search: search.map(str::to_owned),
            limit: 10,
            offset,
        };
        let ids = |q: &ApplicationQuery| -> Vec<String> {
            let rows = st.store.application_summaries(q).unwrap();
            rows.into_iter().map(|r| r.id).collect()
        };
        assert_eq!(ids(&q(None, None, 1)), ["APP-000002", "APP-000003"]);
        assert_eq!(
            ids(&q(Some("submitted"), None, 0)),
            ["APP-000001", "APP-000003"]
        );
        assert_eq!(
            ids(&q(None, Some("KOMINFO"), 0)),
            ["APP-000001", "APP-000003"]
        );
        assert_eq!(ids(&q(Some("submitted"), Some("agus"), 0)), ["APP-000003"]);
        assert_eq!(ids(&q(None, Some("000002"), 0)), ["APP-000002"]);
        // LIKE wildcards in the search text are taken literally.
        assert_eq!(ids(&q(None, Some("100%_"), 0)), ["APP-000002"]);
        assert_eq!(ids(&q(None, Some("_"), 0)), ["APP-000002"]);
        assert_eq!(
            st.store
                .count_applications(&q(None, Some("dis"), 0))
                .unwrap(),
            3
        );
        assert_eq!(
            st.store
                .count_applications(&q(Some("approved"), None, 0))
                .unwrap(),
            1
        );
        let mut counts = st.store.application_counts().unwrap();
        counts.sort();
        assert_eq!(counts, [("approved".into(), 1), ("submitted".into(), 2)]);
    }

    #[test]
    fn regression_issue6_the_search_index_finds_what_a_substring_scan_finds() {
        let mut st = station();
        let names = [
            ("Siti Rahmawati", "Diskominfosantik"),
            ("Ahmad \"Fauzi\" Rahman", "Badan Kepegawaian"),
            ("Dewi Lestari", "Kecamatan Cikarang Utara"),
            ("RUDI HARTONO", "Disdukcapil"),
        ];
        st.store
            .unit_of_work(&st.signer, &CLOCK, |tx| {
                for i in 0..40 {
                    let (name, dept) = names[i % names.len()];
                    tx.insert_application(&NewApplication {
                        applicant_name: format!("{name} {i}"),
                        department: dept.into(),
                        ..new_app()
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let all = st
            .store
            .application_summaries(&ApplicationQuery {
                status: None,
                search: None,
                limit: 100,
                offset: 0,
            })
            .unwrap();
        for term in [
            "rahma",
            "RAHMA",
            "ti 1",
            "000012",
            "APP-0000",
            "cikarang u",
            "\"fauzi\"",
            "udi h",
            "nobody",
            "kepegawaian",
            "dis",
            "ra",
            "1",
        ] {
            let q = ApplicationQuery {
                status: None,
                search: Some(term.into()),
                limit: 100,
                offset: 0,
            };
            let found: Vec<String> = st
                .store
                .application_summaries(&q)
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            let t = term.to_lowercase();
            let want: Vec<String> = all
                .iter()
                .filter(|r| {
                    [&r.id, &r.applicant_name, &r.department]
                        .iter()
                        .any(|f| f.to_lowercase().contains(&t))
                })
                .map(|r| r.id.clone())
                .collect();
            assert_eq!(found, want, "{term}");
            assert_eq!(st.store.count_applications(&q).unwrap(), want.len() as u64);
        }
    }

    #[test]
    fn regression_issue6_cached_counts_follow_writes_of_this_and_of_another_connection() {
        let mut st = station();
        let all = ApplicationQuery {
            status: None,
            search: None,
            limit: 10,
            offset: 0,
        };
        fn add(store: &mut SqliteStore, signer: &TestSigner) {
            store
                .unit_of_work(signer, &CLOCK, |tx| {
                    tx.insert_application(&new_app())?;
                    Ok::<_, StoreError>(())
                })
                .unwrap();
        }
        assert_eq!(st.store.count_applications(&all).unwrap(), 0);
        assert!(st.store.application_counts().unwrap().is_empty());
        add(&mut st.store, &st.signer);
        let store = &st.store;
        assert_eq!(store.count_applications(&all).unwrap(), 1);
        assert_eq!(
            store.application_counts().unwrap(),
            [("submitted".into(), 1)]
        );
        // Another connection to the same file (the CLI while the desk is open).
        let mut other = SqliteStore::open(&st.path).unwrap();
        add(&mut other, &st.signer);
        assert_eq!(st.store.count_applications(&all).unwrap(), 2);
        assert_eq!(
            st.store.application_counts().unwrap(),
            [("submitted".into(), 2)]
        );
    }

    #[test]
    fn applications_get_sequential_ids_decisions_and_documents() {
        let mut st = station();
        let ids = st
            .store
            .unit_of_work(&st.signer, &CLOCK, |tx| {
                let a = tx.insert_application(&new_app())?;
                let b = tx.insert_application(&NewApplication {
                    kind: "certificate.renewal".into(),
                    ..new_app()
                })?;
                tx.set_application_decision(&a, "approved", "officer:1", None)?;
                tx.insert_document(&NewDocument {
                    application_id: b.clone(),
                    kind: "ktp".into(),
                    sha256: "ab".repeat(32),
                    size: 1234,
                    archive_name: "doc-1.age".into(),
                    original_name: "ktp.pdf".into(),
                })?;
                tx.append_event(kinds::APPLICATION_SUBMITTED, &a, OFFICER, json!({}))?;
                Ok::<_, StoreError>((a, b))
            })
            .unwrap();
        assert_eq!(ids, ("APP-000001".to_owned(), "APP-000002".to_owned()));
        let a = st.store.get_application("APP-000001").unwrap();
        assert_eq!(a.status, "approved");
        assert_eq!(a.decided_at, Some(CLOCK.0));
        assert_eq!(a.submitted_at, CLOCK.0);
        let only_new = ApplicationFilter {
            kind: Some("certificate.renewal".into()),
            ..ApplicationFilter::default()
        };
        let listed = st.store.list_applications(&only_new).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, "APP-000002");
        let docs = st.store.documents_of("APP-000002").unwrap();
        assert_eq!((docs.len(), docs[0].size), (1, 1234));
        assert!(matches!(
            st.store.get_application("APP-000009"),
            Err(StoreError::NotFound {
                what: "application",
                ..
            })
        ));
        let r = st.store.unit_of_work(&st.signer, &CLOCK, |tx| {
            tx.set_application_decision("APP-000009", "rejected", "officer:1", Some("no"))
        });
        assert!(matches!(r, Err(StoreError::NotFound { .. })));
    }
}
