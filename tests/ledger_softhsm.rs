//! The custody ledger sealed by the real station key on SoftHSM2 (no software signer).

mod support;

use kustodi::domain::ledger::VerifyError;
use kustodi::ports::CheckpointSigner;
use kustodi::ports::clock::FixedClock;
use kustodi::store::{SqliteStore, StoreError};
use kustodi::token::StationKey;
use serde_json::json;
use support::{SO_PIN, USER_PIN, pin, softhsm, unique_label};

fn station_key() -> StationKey {
    let hsm = softhsm();
    StationKey::create(
        &hsm.module,
        &unique_label("station"),
        &pin(SO_PIN),
        &pin(USER_PIN),
    )
    .expect("station key on SoftHSM2")
}

fn fill(store: &mut SqliteStore, key: &StationKey, commands: u64, per_command: u64) {
    let clock = FixedClock(time::macros::datetime!(2026-11-24 08:00 UTC));
    for c in 0..commands {
        store
            .unit_of_work(key, &clock, |tx| {
                for e in 0..per_command {
                    tx.append_event(
                        "application.submitted",
                        &format!("APP-{:06}", c * per_command + e + 1),
                        "officer:198001012005011001",
                        json!({"kind": "individual", "n": c * per_command + e}),
                    )?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
}

#[test]
fn ten_thousand_events_sealed_by_the_softhsm_station_key_verify() {
    let key = station_key();
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("k.db")).unwrap();
    fill(&mut store, &key, 100, 100);
    let report = store
        .verify_ledger(Some(&key.public_key_spki_der()))
        .unwrap();
    // 10,000 events + the station.key_registered event of the first unit of work.
    assert_eq!(report.events, 10_001);
    assert_eq!(report.checkpoints, 100);
}

#[test]
fn a_change_in_a_ledger_sealed_on_softhsm_is_named() {
    let key = station_key();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let mut store = SqliteStore::open(&path).unwrap();
    fill(&mut store, &key, 10, 50);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let body: Vec<u8> = raw
        .query_row("SELECT body FROM ledger_events WHERE seq = 321", [], |r| {
            r.get(0)
        })
        .unwrap();
    // Same length, one letter changed inside the event data.
    let at = body
        .windows(10)
        .position(|w| w == b"individual")
        .expect("kind in data");
    let mut changed = body.clone();
    changed[at + 9] = b'X';
    raw.execute(
        "UPDATE ledger_events SET body = ?1 WHERE seq = 321",
        [changed],
    )
    .unwrap();
    let err = store.verify_ledger(None).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Ledger(VerifyError::HashMismatch { seq: 321 })
        ),
        "{err}"
    );
}
