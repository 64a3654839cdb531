//! Issue 16, item 5: a rolled-back or truncated database is caught without an exported
//! checkpoint, because the station writes every seal to its station token (a private
//! PKCS#11 data object on SoftHSM2) and `ledger verify` compares the database with it.
//!
//! Real parts only: the `kustodi` binary on a sandbox home, the station token on SoftHSM2,
//! the SQLite file copied with SQLite itself (`VACUUM INTO`) or as files with its `-wal`.

mod enroll_common;

use std::path::{Path, PathBuf};

use enroll_common::{Sandbox, text};
use kustodi::i18n::{Lang, Messages};
use serde_json::Value;

fn events(sb: &Sandbox) -> u64 {
    sb.scalar("SELECT COALESCE(MAX(seq), 0) FROM ledger_events")
        .parse()
        .unwrap()
}

fn submit(sb: &Sandbox, example: &str) -> String {
    let file = sb.path(&format!("examples/{example}"));
    let (code, v) = sb.json(&["application", "submit", file.to_str().unwrap()], None);
    assert_eq!(code, 0, "submit {example}: {v}");
    v["id"].as_str().unwrap().to_owned()
}

/// The message the station prints (in Bahasa Indonesia, the sandbox's `LANG`).
fn message(id: &str, args: &[(&str, &str)]) -> String {
    Messages::new(Lang::Id).text(id, args)
}

fn verify(sb: &Sandbox) -> (i32, Value) {
    sb.json(&["ledger", "verify"], None)
}

fn assert_rolled_back(v: &Value, code: i32, token_size: u64, db_events: u64) {
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "ledger.rolled_back", "{v}");
    let (size, events) = (token_size.to_string(), db_events.to_string());
    assert_eq!(
        v["error"]["message"].as_str().unwrap(),
        message(
            "err-ledger-rolled-back",
            &[("size", &size), ("events", &events)]
        ),
        "{v}"
    );
}

/// The database files of a home: the main file and, while a connection or an unmerged log
/// is around, its `-wal` and `-shm`.
fn db_files(home: &Path) -> [PathBuf; 3] {
    ["kustodi.db", "kustodi.db-wal", "kustodi.db-shm"].map(|f| home.join(f))
}

/// Copies the database as files: the main file and its `-wal` (which holds the commits not
/// yet merged into the main file). The `-shm` is only an index of the log, rebuilt on open.
fn copy_db_files(home: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let [db, wal, _shm] = db_files(home);
    std::fs::copy(&db, to.join("kustodi.db")).unwrap();
    assert!(wal.exists(), "the test wants a -wal to copy along");
    std::fs::copy(&wal, to.join("kustodi.db-wal")).unwrap();
}

/// Puts copied database files back over the current ones. The current `-shm` is removed, and
/// so is a current `-wal` the copy does not replace (else SQLite would replay the newer log
/// onto the old file).
fn restore_db_files(from: &Path, home: &Path) {
    for f in db_files(home) {
        let saved = from.join(f.file_name().unwrap());
        if f.exists() {
            std::fs::remove_file(&f).unwrap();
        }
        if saved.exists() {
            std::fs::copy(&saved, &f).unwrap();
        }
    }
}

#[test]
fn regression_issue16_the_normal_path_verifies_with_the_token_in_step() {
    let sb = Sandbox::new();
    let id = sb.approved("individual.json");
    submit(&sb, "position.json");
    let (code, v) = verify(&sb);
    assert_eq!(code, 0, "{v}");
    let n = events(&sb);
    assert_eq!(v["events"], n, "{v}");
    assert_eq!(
        v["token_checkpoint"],
        serde_json::json!({"status": "in_step", "tree_size": n}),
        "{v}"
    );
    // The text report names the token step after the chain.
    let out = sb.run(&["ledger", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&message(
            "ledger-token-in-step",
            &[("size", &n.to_string())]
        )),
        "{}",
        text(&out)
    );
    assert_eq!(sb.app_status(&id), "approved");
}

#[test]
fn regression_issue16_an_older_copy_of_the_database_put_back_over_the_current_one_is_reported_as_rolled_back()
 {
    let sb = Sandbox::new();
    submit(&sb, "individual.json");
    let old_events = events(&sb);
    // A consistent copy taken through SQLite itself (what a backup script would do).
    let backup = sb.path("old-backup.db");
    sb.db()
        .execute("VACUUM INTO ?1", [backup.to_str().unwrap()])
        .unwrap();

    submit(&sb, "position.json");
    submit(&sb, "system.json");
    let current = events(&sb);
    assert!(current > old_events);
    let (code, v) = verify(&sb);
    assert_eq!(code, 0, "{v}");

    // The older copy over the current file; the current log must not be replayed onto it.
    for f in db_files(sb.home()) {
        let _ = std::fs::remove_file(f);
    }
    std::fs::copy(&backup, sb.path("kustodi.db")).unwrap();
    assert_eq!(events(&sb), old_events);

    let (code, v) = verify(&sb);
    assert_rolled_back(&v, code, current, old_events);

    // The station refuses to write on it (a seal would overwrite the token's checkpoint and
    // hide the rollback), and records nothing.
    let apps_before = sb.scalar("SELECT COUNT(*) FROM applications");
    let file = sb.path("examples/system.json");
    let (code, v) = sb.json(&["application", "submit", file.to_str().unwrap()], None);
    assert_rolled_back(&v, code, current, old_events);
    assert_eq!(events(&sb), old_events);
    assert_eq!(sb.scalar("SELECT COUNT(*) FROM applications"), apps_before);
    // And it still says so afterwards.
    let (code, v) = verify(&sb);
    assert_rolled_back(&v, code, current, old_events);
}

#[test]
fn regression_issue16_an_older_copy_taken_as_files_with_its_wal_is_reported_as_rolled_back() {
    let sb = Sandbox::new();
    // A reader keeps a connection open, so the station's last close does not merge the log:
    // the `-wal` holds the latest commits and must be copied with the main file.
    let reader = sb.db();
    let _: i64 = reader
        .query_row("SELECT COUNT(*) FROM ledger_events", [], |r| r.get(0))
        .unwrap();
    submit(&sb, "individual.json");
    let old_events = events(&sb);
    let saved = sb.path("old-files");
    copy_db_files(sb.home(), &saved);
    drop(reader);

    submit(&sb, "position.json");
    let current = events(&sb);
    let (code, v) = verify(&sb);
    assert_eq!(code, 0, "{v}");

    restore_db_files(&saved, sb.home());
    assert_eq!(events(&sb), old_events);
    let (code, v) = verify(&sb);
    assert_rolled_back(&v, code, current, old_events);
}

#[test]
fn regression_issue16_newest_events_cut_exactly_at_an_earlier_checkpoint_are_detected() {
    let sb = Sandbox::new();
    submit(&sb, "individual.json");
    let cut = events(&sb);
    let second = submit(&sb, "position.json");
    let current = events(&sb);
    assert!(current > cut);
    let (code, v) = verify(&sb);
    assert_eq!(code, 0, "{v}");

    // Cut the newest unit of work with its checkpoint, and its records, so that what is left
    // is a well-formed, fully sealed shorter ledger.
    {
        let conn = sb.db();
        let cut = cut as i64;
        conn.execute("DELETE FROM ledger_events WHERE seq > ?1", [cut])
            .unwrap();
        conn.execute("DELETE FROM ledger_checkpoints WHERE tree_size > ?1", [cut])
            .unwrap();
        conn.execute("DELETE FROM documents WHERE application_id = ?1", [&second])
            .unwrap();
        conn.execute("DELETE FROM applications WHERE id = ?1", [&second])
            .unwrap();
    }
    assert_eq!(events(&sb), cut);
    let (code, v) = verify(&sb);
    assert_rolled_back(&v, code, current, cut);
}

#[test]
fn regression_issue16_verify_against_an_exported_checkpoint_still_works() {
    let sb = Sandbox::new();
    submit(&sb, "individual.json");
    let file = sb.path("auditor-checkpoint.json");
    let (code, v) = sb.json(
        &["ledger", "checkpoint", "--out", file.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{v}");
    let exported = v["tree_size"].as_u64().unwrap();
    submit(&sb, "position.json");

    let (code, v) = sb.json(
        &["ledger", "verify", "--against", file.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["events"], events(&sb), "{v}");
    // The auditor's path trusts only the file: no token step in its report.
    assert!(v.get("token_checkpoint").is_none(), "{v}");

    // Cut back below the exported checkpoint: the auditor's file catches it as before.
    {
        let conn = sb.db();
        let keep = (exported - 1) as i64;
        let last_cp: i64 = conn
            .query_row(
                "SELECT MAX(tree_size) FROM ledger_checkpoints WHERE tree_size <= ?1",
                [keep],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute("DELETE FROM ledger_events WHERE seq > ?1", [last_cp])
            .unwrap();
        conn.execute(
            "DELETE FROM ledger_checkpoints WHERE tree_size > ?1",
            [last_cp],
        )
        .unwrap();
    }
    let (code, v) = sb.json(
        &["ledger", "verify", "--against", file.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "ledger.invalid", "{v}");
}
