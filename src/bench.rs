//! Benchmarks behind `kustodi bench …`. Ledger part: append and verify throughput of the
//! custody ledger in a real SQLite file, against a single-core SHA-256 baseline.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use serde_json::json;

use crate::domain::ledger::{self, Hash, kinds};
use crate::ports::{CheckpointSigner, SystemClock};
use crate::store::{NewApplication, SqliteStore, StoreError};

/// Results of [`ledger_bench`].
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerBenchFigures {
    pub events: u64,
    pub batch: u64,
    /// Size of the SQLite file (with WAL) after the build.
    pub db_bytes: u64,
    pub append: Duration,
    /// Full verification from the database (2 segments on 2 threads for large ledgers).
    pub verify: Duration,
    /// Full verification from the database on one thread.
    pub verify_one_thread: Duration,
    /// Chain verification (2 threads) and then every record table against the ledger.
    pub verify_with_records: Duration,
    /// Record rows checked by `verify_with_records` (one application per six events).
    pub records: u64,
    /// Reading every `(seq, body, hash)` row on one thread, no hashing (where the time goes).
    pub sqlite_scan: Duration,
    /// Bytes fed to SHA-256 by verification (`CHAIN_TAG || prev || body` per event).
    pub bytes_hashed: u64,
    /// Single-core SHA-256 over the same per-event messages, in memory.
    pub baseline: Duration,
    /// Whether the CPU offers SHA-NI (used by `sha2` through runtime detection).
    pub sha_ni: bool,
}

fn per_sec(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

impl LedgerBenchFigures {
    pub fn append_events_per_sec(&self) -> f64 {
        per_sec(self.events, self.append)
    }
    pub fn verify_events_per_sec(&self) -> f64 {
        per_sec(self.events, self.verify)
    }
    pub fn baseline_events_per_sec(&self) -> f64 {
        per_sec(self.events, self.baseline)
    }
    pub fn baseline_mb_per_sec(&self) -> f64 {
        per_sec(self.bytes_hashed, self.baseline) / 1e6
    }
    /// Verification time over baseline time (target: at most 2).
    pub fn verify_over_baseline(&self) -> f64 {
        self.verify.as_secs_f64() / self.baseline.as_secs_f64().max(1e-9)
    }
    /// Chain + records over chain only (issue 16 target: at most 2).
    pub fn records_over_chain(&self) -> f64 {
        self.verify_with_records.as_secs_f64() / self.verify.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for LedgerBenchFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = |f: &mut fmt::Formatter<'_>, what: &str, d: Duration, bytes: Option<u64>| {
            let mb = bytes.map_or(String::new(), |b| {
                format!("{:>9.1} MB/s", per_sec(b, d) / 1e6)
            });
            writeln!(
                f,
                "  {what:<34} {:>9.3} s {:>12.0} events/s {mb}",
                d.as_secs_f64(),
                per_sec(self.events, d)
            )
        };
        writeln!(
            f,
            "ledger bench: {} events, {} per unit of work, {:.1} MB file, {:.1} MB hashed, SHA-NI {}",
            self.events,
            self.batch,
            self.db_bytes as f64 / 1e6,
            self.bytes_hashed as f64 / 1e6,
            if self.sha_ni { "yes" } else { "no" }
        )?;
        row(f, "append (signed checkpoints)", self.append, None)?;
        row(
            f,
            "verify from SQLite (2 threads)",
            self.verify,
            Some(self.bytes_hashed),
        )?;
        row(
            f,
            "verify chain + records (2 threads)",
            self.verify_with_records,
            None,
        )?;
        row(
            f,
            "verify from SQLite (1 thread)",
            self.verify_one_thread,
            Some(self.bytes_hashed),
        )?;
        row(f, "SQLite scan only (1 thread)", self.sqlite_scan, None)?;
        row(
            f,
            "baseline SHA-256 in memory (1 core)",
            self.baseline,
            Some(self.bytes_hashed),
        )?;
        writeln!(
            f,
            "  verify / baseline = {:.2} (target <= 2.00); 1 thread: {:.2}",
            self.verify_over_baseline(),
            self.verify_one_thread.as_secs_f64() / self.baseline.as_secs_f64().max(1e-9)
        )?;
        writeln!(
            f,
            "  chain + records / chain only = {:.2} (target <= 2.00); {} records checked",
            self.records_over_chain(),
            self.records
        )
    }
}

const KINDS: [&str; 6] = [
    kinds::APPLICATION_SUBMITTED,
    kinds::DOCUMENT_ATTACHED,
    kinds::APPLICATION_APPROVED,
    kinds::KEY_GENERATED,
    kinds::CERTIFICATE_ISSUED,
    kinds::TOKEN_HANDED_OVER,
];

/// A realistic event payload (~150 bytes of JSON; bodies of ~260–290 bytes).
fn bench_data(i: u64) -> serde_json::Value {
    json!({
        "application_id": format!("APP-{:06}", i / 6 + 1),
        "department": "Dinas Kependudukan dan Pencatatan Sipil",
        "document_sha256": hex::encode(ledger::chain_hash(&[0; 32], &i.to_be_bytes())),
        "size": 1000 + i % 90_000,
    })
}

/// An application row of realistic size (a form of ~500 bytes).
fn bench_application(i: u64) -> NewApplication {
    let form = json!({
        "kind": "individual",
        "applicant": {
            "name": format!("Pegawai Bench {i}"),
            "nip": format!("1985030120100{:05}", i % 100_000),
            "nik": format!("32160{:011}", i),
            "email": format!("pegawai{i}@bekasikab.go.id"),
            "department": "Dinas Kependudukan dan Pencatatan Sipil",
            "position_title": "Analis Kebijakan Ahli Muda",
        },
        "uses": ["signature", "authentication"],
        "documents": {"ktp": "docs/ktp.jpg", "sk": "docs/sk.pdf"},
    });
    NewApplication {
        kind: "individual".into(),
        status: "submitted".into(),
        applicant_name: format!("Pegawai Bench {i}"),
        department: "Dinas Kependudukan dan Pencatatan Sipil".into(),
        form_json: form.to_string(),
        submitted_by: "officer:198503012010011001".into(),
    }
}

#[cfg(target_arch = "x86_64")]
fn has_sha_ni() -> bool {
    std::arch::is_x86_feature_detected!("sha") && std::arch::is_x86_feature_detected!("sse4.1")
}

#[cfg(not(target_arch = "x86_64"))]
fn has_sha_ni() -> bool {
    false
}

/// Builds a ledger of `events` events in a new SQLite file under `dir` (`batch` events per
/// unit of work, each sealed by `signer`), verifies it, and measures a single-core in-memory
/// SHA-256 baseline over the same per-event messages.
pub fn ledger_bench(
    dir: &Path,
    events: u64,
    batch: u64,
    signer: &dyn CheckpointSigner,
) -> Result<LedgerBenchFigures, StoreError> {
    let path = dir.join("ledger-bench.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut store = SqliteStore::open(&path)?;
    let batch = batch.max(1);

    let start = Instant::now();
    let mut i = 0u64;
    while i < events {
        let n = batch.min(events - i);
        store.unit_of_work(signer, &SystemClock, |tx| {
            for j in i..i + n {
                let kind = KINDS[(j % KINDS.len() as u64) as usize];
                // Records like a station's: an application per submission, decided later.
                match j % KINDS.len() as u64 {
                    0 => {
                        tx.insert_application(&bench_application(j))?;
                    }
                    2 => tx.set_application_decision(
                        &format!("APP-{:06}", j / 6 + 1),
                        "approved",
                        "officer:198503012010011001",
                        None,
                    )?,
                    _ => {}
                }
                tx.append_event(
                    kind,
                    &format!("APP-{:06}", j / 6 + 1),
                    "officer:198503012010011001",
                    bench_data(j),
                )?;
            }
            Ok::<_, StoreError>(())
        })?;
        i += n;
    }
    let append = start.elapsed();
    // The first unit of work also recorded the station key's registration.
    let events = store.ledger_len()?;

    let start = Instant::now();
    let report = store.verify_ledger(None)?;
    let verify = start.elapsed();
    if report.events != events {
        return Err(StoreError::Corrupt(format!(
            "verified {} events, expected {events}",
            report.events
        )));
    }
    let start = Instant::now();
    let (_, records) = store.verify_ledger_and_records(None)?;
    let verify_with_records = start.elapsed();
    let start = Instant::now();
    store.verify_ledger_one_thread(None)?;
    let verify_one_thread = start.elapsed();

    let (sqlite_scan, bytes_hashed, baseline) = scan_and_baseline(&path)?;
    let db_bytes = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    Ok(LedgerBenchFigures {
        events,
        batch,
        db_bytes,
        append,
        verify,
        verify_one_thread,
        verify_with_records,
        records: records.records,
        sqlite_scan,
        bytes_hashed,
        baseline,
        sha_ni: has_sha_ni(),
    })
}

/// Times a bare scan of the rows, then hashes the same messages from memory in chunks (to
/// bound memory), timing only the hashing.
fn scan_and_baseline(path: &Path) -> Result<(Duration, u64, Duration), StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.pragma_update(None, "mmap_size", 1i64 << 34)?;
    let mut stmt = conn.prepare("SELECT seq, body, hash FROM ledger_events ORDER BY seq")?;

    let start = Instant::now();
    let mut rows = stmt.query([])?;
    let mut touched = 0u64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let body = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        let hash = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        touched = touched.wrapping_add(seq as u64 + body.len() as u64 + u64::from(hash[0]));
    }
    let scan = start.elapsed();
    std::hint::black_box(touched);
    drop(rows);

    const CHUNK: usize = 100_000;
    let mut bodies: Vec<u8> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(CHUNK);
    let mut prevs: Vec<Hash> = Vec::with_capacity(CHUNK);
    let mut prev: Hash = ledger::GENESIS;
    let mut bytes = 0u64;
    let mut baseline = Duration::ZERO;
    let mut rows = stmt.query([])?;
    let mut flush = |bodies: &mut Vec<u8>, ends: &mut Vec<usize>, prevs: &mut Vec<Hash>| {
        let start = Instant::now();
        let mut from = 0;
        let mut acc = 0u8;
        for (end, p) in ends.iter().zip(prevs.iter()) {
            let h = ledger::chain_hash(p, &bodies[from..*end]);
            acc ^= h[0];
            from = *end;
        }
        baseline += start.elapsed();
        std::hint::black_box(acc);
        bodies.clear();
        ends.clear();
        prevs.clear();
    };
    while let Some(row) = rows.next()? {
        let body = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        let hash = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        bodies.extend_from_slice(body);
        ends.push(bodies.len());
        prevs.push(prev);
        prev = hash.try_into().unwrap_or(ledger::GENESIS);
        bytes += (ledger::CHAIN_TAG.len() + 32 + body.len()) as u64;
        if ends.len() == CHUNK {
            flush(&mut bodies, &mut ends, &mut prevs);
        }
    }
    flush(&mut bodies, &mut ends, &mut prevs);
    Ok((scan, bytes, baseline))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::test_support::TestSigner;

    #[test]
    fn a_small_ledger_bench_runs_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let figures = ledger_bench(dir.path(), 2_000, 500, &TestSigner::from_seed(3)).unwrap();
        assert_eq!(figures.events, 2_001);
        assert!(figures.bytes_hashed > 2_000 * 200);
        assert!(figures.to_string().contains("verify / baseline"));
        assert!(figures.to_string().contains("chain + records / chain only"));
        assert_eq!(figures.records, 334);
    }

    /// `cargo test --release --lib -- --ignored --nocapture ledger_bench_one_million_events`
    #[test]
    #[ignore = "benchmark: 1,000,000 events, run in release"]
    fn ledger_bench_one_million_events() {
        let dir = tempfile::tempdir().unwrap();
        let figures =
            ledger_bench(dir.path(), 1_000_000, 10_000, &TestSigner::from_seed(3)).unwrap();
        println!("{figures}");
    }
}
