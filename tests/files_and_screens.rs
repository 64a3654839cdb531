//! Issue 16, item 6: files named by an application and what the officer's screen shows.
//! The real `kustodi` binary on a sandbox station (SoftHSM2 station token, SQLite file).

mod enroll_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use enroll_common::*;
use serde_json::Value;

/// An application folder: the individual example with its documents, copied fresh.
fn app_folder(sb: &Sandbox) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/applications");
    let dir = sb.path("app");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::copy(src.join("individual.json"), dir.join("individual.json")).unwrap();
    for f in ["cover.pdf", "recommendation.pdf", "ktp.pdf"] {
        std::fs::copy(src.join("docs").join(f), dir.join("docs").join(f)).unwrap();
    }
    dir
}

/// (event count, application count) of the station.
fn recorded(sb: &Sandbox) -> (String, String) {
    (
        sb.scalar("SELECT count(*) FROM ledger_events"),
        sb.scalar("SELECT count(*) FROM applications"),
    )
}

/// Submits `form`, expects a refusal naming `code` for the KTP scan, and that nothing was
/// recorded.
fn assert_submit_refused(sb: &Sandbox, form: &Path, code: &str) {
    let before = recorded(sb);
    let (exit, v) = sb.json(&["application", "submit", form.to_str().unwrap()], None);
    assert_eq!(exit, 1, "{v}");
    let problems = v["problems"].as_array().expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p["code"] == code && p["field"] == "documents.ktp_scan.file"),
        "want {code}: {v}"
    );
    assert_eq!(
        recorded(sb),
        before,
        "a refused submission recorded something"
    );
    assert_eq!(sb.scalar("SELECT count(*) FROM applications"), "0");
    sb.ledger_ok();
}

#[test]
fn regression_issue16_a_symlinked_document_is_refused_and_nothing_recorded() {
    let sb = Sandbox::new();
    let dir = app_folder(&sb);
    std::fs::remove_file(dir.join("docs/ktp.pdf")).unwrap();
    std::os::unix::fs::symlink("/etc/shadow", dir.join("docs/ktp.pdf")).unwrap();
    assert_submit_refused(&sb, &dir.join("individual.json"), "document.file_symlink");
    // The message says what to do, in the officer's language (message id
    // problem-document-file_symlink).
    let out = sb.run(&[
        "application",
        "check",
        dir.join("individual.json").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stdout);
    assert!(err.contains("tautan simbolik"), "{}", text(&out));
}

#[test]
fn regression_issue16_a_document_under_a_symlinked_folder_is_refused() {
    let sb = Sandbox::new();
    let dir = app_folder(&sb);
    let elsewhere = sb.path("elsewhere");
    std::fs::rename(dir.join("docs"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("docs")).unwrap();
    assert_submit_refused(&sb, &dir.join("individual.json"), "document.file_symlink");
}

#[test]
fn regression_issue16_a_fifo_document_is_refused_without_hanging() {
    let sb = Sandbox::new();
    let dir = app_folder(&sb);
    std::fs::remove_file(dir.join("docs/ktp.pdf")).unwrap();
    let st = Command::new("mkfifo")
        .arg(dir.join("docs/ktp.pdf"))
        .status()
        .expect("mkfifo (coreutils) is needed");
    assert!(st.success());
    let before = recorded(&sb);
    let mut child = sb
        .cmd(&[
            "--json",
            "application",
            "submit",
            dir.join("individual.json").to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("application submit hangs on a FIFO document");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "document.file_not_regular"),
        "{v}"
    );
    assert_eq!(recorded(&sb), before);
}

#[test]
fn regression_issue16_a_document_path_leaving_the_folder_is_refused() {
    let sb = Sandbox::new();
    let dir = app_folder(&sb);
    std::fs::copy(dir.join("docs/ktp.pdf"), sb.path("outside.pdf")).unwrap();
    let form = std::fs::read_to_string(dir.join("individual.json"))
        .unwrap()
        .replace("docs/ktp.pdf", "docs/../../outside.pdf");
    std::fs::write(dir.join("individual.json"), form).unwrap();
    assert_submit_refused(&sb, &dir.join("individual.json"), "document.file_outside");
}

#[test]
fn a_regular_document_folder_is_still_accepted() {
    let sb = Sandbox::new();
    let dir = app_folder(&sb);
    let (exit, v) = sb.json(
        &[
            "application",
            "submit",
            dir.join("individual.json").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(exit, 0, "{v}");
    // The archived bytes are the bytes hashed: the stored hash is that of the file read.
    let want = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            std::fs::read(dir.join("docs/ktp.pdf")).unwrap(),
        ))
    };
    assert_eq!(
        sb.scalar("SELECT sha256 FROM documents WHERE kind = 'ktp_scan'"),
        want
    );
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn regression_issue16_the_home_is_private_after_init_and_a_loosened_db_is_tightened() {
    let sb = Sandbox::new();
    assert_eq!(mode(sb.home()), 0o700);
    assert_eq!(mode(&sb.path("kustodi.db")), 0o600);
    assert_eq!(mode(&sb.path("config.toml")), 0o600);
    assert_eq!(mode(&sb.path("archive")), 0o700);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            sb.path("kustodi.db"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let out = sb.run(&["application", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    // Message id home-permissions-tightened (LANG=id).
    assert!(
        err.contains("Peringatan") && err.contains("kustodi.db"),
        "{}",
        text(&out)
    );
    assert_eq!(mode(&sb.path("kustodi.db")), 0o600);
}
