//! Records bound to the ledger (issue 16): the canonical form of a record row, its hash, the
//! `ledger.records_bound` event that commits to it, and the comparison of a stored row with
//! the binding that must cover it. Pure code; the SQL lives in `store::records`.
//!
//! Every unit of work that inserts, updates or deletes a row of a bound table ends, before its
//! checkpoint, by adding to the data of its last event a member `bound_records` that lists,
//! for every row it touched, `{"t": table, "k": key, "h": record hash or null (deleted), "c":
//! column digests}` (a unit of work without events, or with more rows than fit, appends
//! `ledger.records_bound` events carrying the same member). The latest binding of a `(table, key)` in the ledger is the row's truth; a row
//! that differs from it, a row without one, or a missing row whose latest binding is not a
//! deletion, is a [`RecordMismatch`]. Format: `docs/formats/ledger.md` §7.

use std::fmt;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::ledger::Hash;

/// Kind of the events that only bind record rows (when the unit of work has no event of its
/// own to carry them, or more rows than one event holds).
pub const BINDING_KIND: &str = "ledger.records_bound";

/// The data member that carries the bindings.
pub const BINDING_MEMBER: &str = "bound_records";

/// How the member appears in a canonical event body (keys are always written this way, and
/// never inside a string value, where `"` is escaped): verification looks for these bytes to
/// pick out the events that bind records without decoding every event.
pub const BINDING_MARKER: &[u8] = b"\"bound_records\":";

/// Subject of the binding events.
pub const BINDING_SUBJECT: &str = "records";

/// Domain separation tag of a record hash.
pub const RECORD_TAG: &[u8] = b"kustodi-record-v1";

/// At most this many records per binding event (keeps each event far below the 1 MiB limit).
pub const BINDINGS_PER_EVENT: usize = 500;

/// One column value as SQLite holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnValue<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl ColumnValue<'_> {
    /// Type byte of the canonical form.
    fn tag(&self) -> u8 {
        match self {
            ColumnValue::Null => 0,
            ColumnValue::Integer(_) => 1,
            ColumnValue::Real(_) => 4,
            ColumnValue::Text(_) => 2,
            ColumnValue::Blob(_) => 3,
        }
    }

    fn feed(&self, h: &mut Sha256) {
        let int;
        let real;
        let bytes: &[u8] = match self {
            ColumnValue::Null => &[],
            ColumnValue::Integer(i) => {
                int = i.to_be_bytes();
                &int
            }
            ColumnValue::Real(f) => {
                real = f.to_bits().to_be_bytes();
                &real
            }
            ColumnValue::Text(b) | ColumnValue::Blob(b) => b,
        };
        h.update([self.tag()]);
        h.update((bytes.len() as u32).to_be_bytes());
        h.update(bytes);
    }
}

fn feed_str(h: &mut Sha256, s: &[u8]) {
    h.update((s.len() as u32).to_be_bytes());
    h.update(s);
}

/// The record hash of a row: SHA-256 over
/// `"kustodi-record-v1" || len(table) || table || for each non-NULL column in byte order of
/// its name: len(name) || name || type || len(value) || value` (lengths u32 big-endian; type
/// 1 integer (i64 BE), 2 text (UTF-8), 3 blob, 4 real (IEEE 754 bits BE)). NULL columns are
/// left out, so a migration that adds a nullable column keeps every hash. `columns` must be
/// sorted by name.
pub fn record_hash<'a>(
    table: &str,
    columns: impl IntoIterator<Item = (&'a str, ColumnValue<'a>)>,
) -> Hash {
    let mut h = Sha256::new();
    h.update(RECORD_TAG);
    feed_str(&mut h, table.as_bytes());
    for (name, value) in columns {
        if value == ColumnValue::Null {
            continue;
        }
        feed_str(&mut h, name.as_bytes());
        value.feed(&mut h);
    }
    h.finalize().into()
}

/// The digest of one column kept in a binding (first 4 bytes of SHA-256 of
/// `name || type || len || value`, hex): enough to say which columns were changed.
pub fn column_digest(name: &str, value: ColumnValue<'_>) -> String {
    let mut h = Sha256::new();
    feed_str(&mut h, name.as_bytes());
    value.feed(&mut h);
    hex::encode(&h.finalize()[..4])
}

/// A row as the ledger binds it: its hash and the digest of each non-NULL column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordState {
    pub hash: Hash,
    /// `name=digest` pairs in name order, separated by `;` (the `c` member).
    pub columns: String,
}

impl RecordState {
    /// The canonical state of a row (`columns` sorted by name).
    pub fn of<'a>(table: &str, columns: &[(&'a str, ColumnValue<'a>)]) -> Self {
        let hash = record_hash(table, columns.iter().copied());
        let mut digests = String::new();
        for (name, value) in columns {
            if *value == ColumnValue::Null {
                continue;
            }
            if !digests.is_empty() {
                digests.push(';');
            }
            digests.push_str(name);
            digests.push('=');
            digests.push_str(&column_digest(name, *value));
        }
        RecordState {
            hash,
            columns: digests,
        }
    }

    /// Names of the columns whose digest differs between `self` (stored) and `bound`, added
    /// or left out columns included, in name order.
    pub fn changed_columns(&self, bound_columns: &str) -> Vec<String> {
        let parse = |s: &str| -> std::collections::BTreeMap<String, String> {
            s.split(';')
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        let (a, b) = (parse(&self.columns), parse(bound_columns));
        let mut names: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
        names.sort();
        names.dedup();
        names.retain(|n| a.get(n) != b.get(n));
        names
    }
}

/// One entry of a binding event: the state of `(table, key)` after the unit of work, `None`
/// when the row was deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub table: String,
    pub key: String,
    pub state: Option<RecordState>,
}

/// The value of the `bound_records` member for these entries.
pub fn binding_data(entries: &[Binding]) -> Value {
    let records: Vec<Value> = entries
        .iter()
        .map(|b| match &b.state {
            Some(s) => json!({"t": b.table, "k": b.key, "h": hex::encode(s.hash), "c": s.columns}),
            None => json!({"t": b.table, "k": b.key, "h": Value::Null}),
        })
        .collect();
    Value::Array(records)
}

/// The entries of an event's `bound_records` member; `None` if it has none or it is
/// malformed.
pub fn parse_binding_data(data: &Value) -> Option<Vec<Binding>> {
    let records = data.get(BINDING_MEMBER)?.as_array()?;
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let table = r.get("t")?.as_str()?.to_owned();
        let key = r.get("k")?.as_str()?.to_owned();
        let state = match r.get("h")? {
            Value::Null => None,
            Value::String(h) => {
                let mut hash = [0u8; 32];
                hex::decode_to_slice(h, &mut hash).ok()?;
                let columns = r.get("c").and_then(Value::as_str).unwrap_or("").to_owned();
                Some(RecordState { hash, columns })
            }
            _ => return None,
        };
        out.push(Binding { table, key, state });
    }
    Some(out)
}

/// How a stored record differs from the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The row differs from its latest binding (event `seq`) in these columns.
    Edited { seq: u64, columns: Vec<String> },
    /// The row exists but no binding event covers it (added outside the station).
    Unrecorded,
    /// The row is missing although its latest binding (event `seq`) records it.
    Deleted { seq: u64 },
    /// The station's index of bindings names the wrong event for the row.
    IndexDiffers { seq: Option<u64> },
    /// The `bound_records` member of event `seq` is malformed.
    BindingEvent { seq: u64 },
}

/// A record that does not match the ledger: table, key and what differs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {table} {key} does not match the ledger: {difference}")]
pub struct RecordMismatch {
    pub table: String,
    pub key: String,
    pub difference: Difference,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Edited { seq, columns } => write!(
                f,
                "changed since event {seq} (columns: {})",
                columns.join(", ")
            ),
            Difference::Unrecorded => write!(f, "not recorded in the ledger"),
            Difference::Deleted { seq } => write!(f, "deleted; event {seq} records it"),
            Difference::IndexDiffers { seq } => match seq {
                Some(s) => write!(f, "the binding index names event {s}, not the latest"),
                None => write!(f, "the binding index lost it"),
            },
            Difference::BindingEvent { seq } => {
                write!(f, "the bindings of event {seq} cannot be read")
            }
        }
    }
}

impl RecordMismatch {
    /// The message id (both catalogues) for this difference.
    pub fn message_id(&self) -> &'static str {
        match self.difference {
            Difference::Edited { .. } => "err-record-edited",
            Difference::Unrecorded => "err-record-unrecorded",
            Difference::Deleted { .. } => "err-record-deleted",
            Difference::IndexDiffers { .. } => "err-record-index",
            Difference::BindingEvent { .. } => "err-record-binding-event",
        }
    }

    /// Arguments of the message: `table`, `key`, `seq`, `columns`.
    pub fn message_args(&self) -> Vec<(&'static str, String)> {
        let mut args = vec![("table", self.table.clone()), ("key", self.key.clone())];
        match &self.difference {
            Difference::Edited { seq, columns } => {
                args.push(("seq", seq.to_string()));
                args.push(("columns", columns.join(", ")));
            }
            Difference::Deleted { seq } | Difference::BindingEvent { seq } => {
                args.push(("seq", seq.to_string()))
            }
            Difference::IndexDiffers { seq } => {
                args.push(("seq", seq.map_or("-".into(), |s| s.to_string())))
            }
            Difference::Unrecorded => {}
        }
        args
    }
}

/// Compares a stored row (`None`: absent) with its latest binding (`None`: never bound;
/// `Some((seq, None))`: bound as deleted).
pub fn compare(
    stored: Option<&RecordState>,
    bound: Option<(u64, Option<&RecordState>)>,
) -> Option<Difference> {
    match (stored, bound) {
        (None, None) | (None, Some((_, None))) => None,
        (Some(_), None) | (Some(_), Some((_, None))) => Some(Difference::Unrecorded),
        (None, Some((seq, Some(_)))) => Some(Difference::Deleted { seq }),
        (Some(row), Some((seq, Some(b)))) => (row.hash != b.hash).then(|| Difference::Edited {
            seq,
            columns: row.changed_columns(&b.columns),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str) -> RecordState {
        RecordState::of(
            "applications",
            &[
                ("applicant_name", ColumnValue::Text(name.as_bytes())),
                ("decided_at", ColumnValue::Null),
                ("id", ColumnValue::Text(b"APP-000001")),
                ("num", ColumnValue::Integer(1)),
            ],
        )
    }

    #[test]
    fn a_record_hash_is_stable_and_leaves_null_columns_out() {
        let a = app("Siti");
        let without_null = RecordState::of(
            "applications",
            &[
                ("applicant_name", ColumnValue::Text(b"Siti")),
                ("id", ColumnValue::Text(b"APP-000001")),
                ("num", ColumnValue::Integer(1)),
            ],
        );
        assert_eq!(a, without_null);
        assert_eq!(
            hex::encode(a.hash),
            hex::encode(record_hash(
                "applications",
                [
                    ("applicant_name", ColumnValue::Text(b"Siti")),
                    ("id", ColumnValue::Text(b"APP-000001")),
                    ("num", ColumnValue::Integer(1)),
                ]
            ))
        );
        // The same bytes as text or as a blob, or in another table, hash differently.
        let blob = record_hash("applications", [("id", ColumnValue::Blob(b"APP-000001"))]);
        let text = record_hash("applications", [("id", ColumnValue::Text(b"APP-000001"))]);
        let other = record_hash("tokens", [("id", ColumnValue::Text(b"APP-000001"))]);
        assert_ne!(blob, text);
        assert_ne!(text, other);
    }

    #[test]
    fn an_edited_row_names_the_changed_columns() {
        let bound = app("Siti");
        let edited = app("Bupati Bekasi");
        assert_eq!(
            compare(Some(&edited), Some((7, Some(&bound)))),
            Some(Difference::Edited {
                seq: 7,
                columns: vec!["applicant_name".into()]
            })
        );
        assert_eq!(compare(Some(&bound), Some((7, Some(&bound)))), None);
    }

    #[test]
    fn added_and_deleted_rows_are_differences() {
        let row = app("Siti");
        assert_eq!(compare(Some(&row), None), Some(Difference::Unrecorded));
        assert_eq!(
            compare(Some(&row), Some((3, None))),
            Some(Difference::Unrecorded)
        );
        assert_eq!(
            compare(None, Some((3, Some(&row)))),
            Some(Difference::Deleted { seq: 3 })
        );
        assert_eq!(compare(None, Some((3, None))), None);
        assert_eq!(compare(None, None), None);
    }

    #[test]
    fn binding_data_round_trips() {
        let entries = vec![
            Binding {
                table: "applications".into(),
                key: "APP-000001".into(),
                state: Some(app("Siti")),
            },
            Binding {
                table: "ca_revocations".into(),
                key: "embedded:x/0a".into(),
                state: None,
            },
        ];
        let data = json!({ BINDING_MEMBER: binding_data(&entries), "other": 1 });
        assert_eq!(parse_binding_data(&data), Some(entries));
        let body = serde_json::to_vec(&data).unwrap();
        assert!(
            body.windows(BINDING_MARKER.len())
                .any(|w| w == BINDING_MARKER)
        );
        assert_eq!(parse_binding_data(&json!({"x": 1})), None);
    }
}
