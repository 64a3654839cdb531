//! Every message id the CLI (and the shared error mapping) names exists in both languages
//! (a typo would print the bare id).

use std::collections::BTreeSet;

use kustodi::i18n::{Lang, Messages};

const PREFIXES: &[&str] = &[
    "app-",
    "err-",
    "hint-",
    "label-",
    "ledger-",
    "sandbox-",
    "profiles-",
    "enroll-",
    "report-",
    "incident-",
    "roster-",
    "receipt-",
    "session-",
    "renew-",
    "revoke-",
    "revocation-",
    "unblock-",
    "audit-",
    "intake-",
    "token-",
    "crl-",
    "staff-",
    "piv-",
];

/// Strings with a message-like prefix that are data, not message ids.
const NOT_MESSAGES: &[&str] = &["sandbox-desk-1"];

fn ids_in(source: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for piece in source.split('"').skip(1).step_by(2) {
        if PREFIXES.iter().any(|p| piece.starts_with(p))
            && !NOT_MESSAGES.contains(&piece)
            && piece
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            ids.insert(piece.to_owned());
        }
    }
    ids
}

#[test]
fn every_message_the_cli_names_exists_in_indonesian_and_english() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut ids = ids_in(&std::fs::read_to_string(src.join("errors.rs")).unwrap());
    for entry in std::fs::read_dir(src.join("cli")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            ids.extend(ids_in(&std::fs::read_to_string(path).unwrap()));
        }
    }
    assert!(ids.len() > 40, "found only {ids:?}");
    for lang in [Lang::Id, Lang::En] {
        let m = Messages::new(lang);
        let missing: Vec<_> = ids.iter().filter(|id| !m.has(id)).collect();
        assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
    }
}

/// Ids the CLI builds at run time: `audit-mismatch-<why>` and `intake-skipped-<why>`.
#[test]
fn every_built_message_id_exists_in_indonesian_and_english() {
    use kustodi::domain::audit::Mismatch;
    let mut ids = vec![];
    for m in [Mismatch::NotInCustody, Mismatch::StockButInitialised] {
        let why = serde_json::to_value(m).unwrap();
        ids.push(format!(
            "audit-mismatch-{}",
            why.as_str().unwrap().replace('_', "-")
        ));
    }
    for why in ["station_token", "in_inventory", "no_serial"] {
        ids.push(format!("intake-skipped-{}", why.replace('_', "-")));
    }
    for lang in [Lang::Id, Lang::En] {
        let m = Messages::new(lang);
        let missing: Vec<_> = ids.iter().filter(|id| !m.has(id)).collect();
        assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
    }
}
