//! The custody ledger (Pasal 27): pure rules, no I/O.
//!
//! Every custody event is encoded canonically (see `docs/formats/ledger.md`), chained with
//! SHA-256 (`hash_n = SHA-256(CHAIN_TAG || hash_{n-1} || body_n)`, `hash_0` = 32 zero bytes) and
//! sealed by checkpoints signed with the station key (ECDSA P-256 / SHA-256, DER).
//!
//! Verification is streaming: [`ChainVerifier`] is fed stored rows `(seq, body, hash)` in order,
//! by reference, and allocates nothing per event. [`verify_chain`] wraps it for any iterator.

use std::fmt;

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

/// A SHA-256 chain hash.
pub type Hash = [u8; 32];

/// `hash_0`: the chain starts from 32 zero bytes.
pub const GENESIS: Hash = [0u8; 32];

/// Domain-separation tag opening every canonical event body (23 bytes).
pub const EVENT_TAG: &[u8; 23] = b"kustodi-ledger-event-v1";
/// Domain-separation tag prefixed to every chain-hash input (23 bytes).
pub const CHAIN_TAG: &[u8; 23] = b"kustodi-ledger-chain-v1";
/// Domain-separation tag opening the signed checkpoint message (28 bytes).
pub const CHECKPOINT_TAG: &[u8; 28] = b"kustodi-ledger-checkpoint-v1";
/// `format` value of an exported checkpoint file.
pub const CHECKPOINT_FILE_FORMAT: &str = "kustodi-checkpoint-v1";

/// Largest accepted `kind`, `subject` or `actor` (bytes).
pub const MAX_TEXT_FIELD: usize = 1024;
/// Largest accepted `data` JSON (bytes).
pub const MAX_DATA: usize = 1 << 20;

/// Length of a checkpoint message: tag, tree size, head hash, time.
pub const CHECKPOINT_MESSAGE_LEN: usize = 28 + 8 + 32 + 8;

/// The event kinds the station writes today. The ledger accepts any kind matching
/// `[a-z0-9_]+(\.[a-z0-9_]+)+`; these constants only keep spelling consistent.
pub mod kinds {
    pub const STATION_KEY_REGISTERED: &str = "station.key_registered";
    pub const APPLICATION_SUBMITTED: &str = "application.submitted";
    pub const APPLICATION_APPROVED: &str = "application.approved";
    pub const APPLICATION_REJECTED: &str = "application.rejected";
    pub const DOCUMENT_ATTACHED: &str = "document.attached";
    pub const TOKEN_INITIALIZED: &str = "token.initialized";
    pub const KEY_GENERATED: &str = "key.generated";
    pub const CERTIFICATE_ISSUED: &str = "certificate.issued";
    pub const TOKEN_HANDED_OVER: &str = "token.handed_over";
    pub const TOKEN_REVOKED: &str = "token.revoked";
    pub const LEDGER_EXPORTED: &str = "ledger.checkpoint_exported";
}

/// One custody event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the ledger, from 1, contiguous.
    pub seq: u64,
    /// When it happened (UTC; encoded with millisecond precision, sub-milliseconds are dropped).
    pub time: OffsetDateTime,
    /// What happened, e.g. `application.submitted`.
    pub kind: String,
    /// What it happened to, e.g. `APP-000001`.
    pub subject: String,
    /// Who did it, e.g. `officer:198503...`.
    pub actor: String,
    /// Details: a JSON object without floating-point numbers.
    pub data: Value,
}

/// Why an event cannot be encoded or a stored body cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event field {field} is empty")]
    EmptyField { field: &'static str },
    #[error("event field {field} is {len} bytes, more than {max}")]
    FieldTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("event field {field} contains a control character")]
    ControlCharacter { field: &'static str },
    #[error("event kind {kind:?} is not of the form `word.word` in [a-z0-9_]")]
    InvalidKind { kind: String },
    #[error("event data must be a JSON object")]
    DataNotObject,
    #[error("event data contains a floating-point number at {path}")]
    FloatInData { path: String },
    #[error("event sequence number must be at least 1")]
    ZeroSeq,
    #[error("event time {time_ms} ms is out of range")]
    TimeOutOfRange { time_ms: i64 },
    #[error("body is truncated (reading {field})")]
    Truncated { field: &'static str },
    #[error("body does not start with the event tag")]
    BadTag,
    #[error("body has {extra} bytes after the data field")]
    TrailingBytes { extra: usize },
    #[error("event field {field} is not valid UTF-8")]
    InvalidUtf8 { field: &'static str },
    #[error("event data is not valid JSON: {reason}")]
    BadJson { reason: String },
    #[error("event data is not in canonical form")]
    NonCanonicalData,
}

/// Milliseconds since the Unix epoch, flooring sub-milliseconds.
pub fn unix_millis(t: OffsetDateTime) -> i64 {
    // i128 -> i64: OffsetDateTime spans years ±9999, i.e. far inside i64 milliseconds.
    t.unix_timestamp_nanos().div_euclid(1_000_000) as i64
}

/// The instant `ms` milliseconds after the Unix epoch, in UTC.
pub fn from_unix_millis(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// `t` in UTC with sub-milliseconds dropped (the precision the ledger keeps).
pub fn truncate_to_millis(t: OffsetDateTime) -> OffsetDateTime {
    from_unix_millis(unix_millis(t)).unwrap_or(t)
}

fn check_text(field: &'static str, value: &str) -> Result<(), EventError> {
    if value.is_empty() {
        return Err(EventError::EmptyField { field });
    }
    if value.len() > MAX_TEXT_FIELD {
        return Err(EventError::FieldTooLong {
            field,
            len: value.len(),
            max: MAX_TEXT_FIELD,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(EventError::ControlCharacter { field });
    }
    Ok(())
}

fn check_kind(kind: &str) -> Result<(), EventError> {
    check_text("kind", kind)?;
    let word_ok = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
    };
    let mut parts = kind.split('.');
    let ok = parts.clone().count() >= 2 && parts.all(word_ok);
    if ok {
        Ok(())
    } else {
        Err(EventError::InvalidKind {
            kind: kind.to_owned(),
        })
    }
}

/// Writes `value` as canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace,
/// strings escaped as serde_json does, integers only. Independent of serde_json's
/// `preserve_order` feature.
fn write_canonical_json(
    value: &Value,
    path: &mut String,
    out: &mut Vec<u8>,
) -> Result<(), EventError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                let p = if path.is_empty() {
                    "$".to_owned()
                } else {
                    path.clone()
                };
                return Err(EventError::FloatInData { path: p });
            }
        }
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write_canonical_json(item, path, out)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_string(k, out);
                out.push(b':');
                let len = path.len();
                path.push('.');
                path.push_str(k);
                write_canonical_json(v, path, out)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_json_string(s: &str, out: &mut Vec<u8>) {
    // serde_json's string escaping is fixed: `"` `\` and control characters, \uXXXX lowercase.
    // Writing a &str into a Vec cannot fail.
    serde_json::to_writer(&mut *out, s).expect("writing a JSON string into a Vec");
}

/// Canonical JSON of an event's `data` (an object, no floats).
pub fn canonical_data(data: &Value) -> Result<Vec<u8>, EventError> {
    if !data.is_object() {
        return Err(EventError::DataNotObject);
    }
    let mut out = Vec::with_capacity(128);
    write_canonical_json(data, &mut String::new(), &mut out)?;
    if out.len() > MAX_DATA {
        return Err(EventError::FieldTooLong {
            field: "data",
            len: out.len(),
            max: MAX_DATA,
        });
    }
    Ok(out)
}

fn put_field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Lengths are bounded by MAX_TEXT_FIELD / MAX_DATA, far below u32::MAX.
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Appends the canonical encoding (v1) of `event` to `out`:
/// `EVENT_TAG || u64be seq || i64be time_ms || (u32be len || bytes) × {kind, subject, actor, data}`.
pub fn encode_event_into(event: &Event, out: &mut Vec<u8>) -> Result<(), EventError> {
    if event.seq == 0 {
        return Err(EventError::ZeroSeq);
    }
    check_kind(&event.kind)?;
    check_text("subject", &event.subject)?;
    check_text("actor", &event.actor)?;
    let data = canonical_data(&event.data)?;
    out.reserve(
        EVENT_TAG.len()
            + 16
            + 16
            + event.kind.len()
            + event.subject.len()
            + event.actor.len()
            + data.len(),
    );
    out.extend_from_slice(EVENT_TAG);
    out.extend_from_slice(&event.seq.to_be_bytes());
    out.extend_from_slice(&unix_millis(event.time).to_be_bytes());
    put_field(out, event.kind.as_bytes());
    put_field(out, event.subject.as_bytes());
    put_field(out, event.actor.as_bytes());
    put_field(out, &data);
    Ok(())
}

/// The canonical encoding (v1) of `event`.
pub fn encode_event(event: &Event) -> Result<Vec<u8>, EventError> {
    let mut out = Vec::new();
    encode_event_into(event, &mut out)?;
    Ok(out)
}

/// A stored body split into its fields, borrowed, without parsing the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventFrame<'a> {
    pub seq: u64,
    pub time_ms: i64,
    pub kind: &'a str,
    pub subject: &'a str,
    pub actor: &'a str,
    pub data: &'a [u8],
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], EventError> {
        if self.buf.len() < n {
            return Err(EventError::Truncated { field });
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], EventError> {
        let bytes = self.take(N, field)?;
        let mut a = [0u8; N];
        a.copy_from_slice(bytes);
        Ok(a)
    }
    fn field(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], EventError> {
        let len = u32::from_be_bytes(self.array::<4>(field)?) as usize;
        if len > max {
            return Err(EventError::FieldTooLong { field, len, max });
        }
        self.take(len, field)
    }
    fn text(&mut self, field: &'static str) -> Result<&'a str, EventError> {
        let bytes = self.field(field, MAX_TEXT_FIELD)?;
        std::str::from_utf8(bytes).map_err(|_| EventError::InvalidUtf8 { field })
    }
}

/// Splits a stored body into its fields (framing, lengths, UTF-8 of the text fields, the data
/// looks like an object). Allocates nothing; the JSON itself is checked by [`decode_event`].
pub fn decode_frame(body: &[u8]) -> Result<EventFrame<'_>, EventError> {
    let mut r = Reader { buf: body };
    if r.take(EVENT_TAG.len(), "tag")? != EVENT_TAG {
        return Err(EventError::BadTag);
    }
    let seq = u64::from_be_bytes(r.array::<8>("seq")?);
    let time_ms = i64::from_be_bytes(r.array::<8>("time")?);
    let kind = r.text("kind")?;
    let subject = r.text("subject")?;
    let actor = r.text("actor")?;
    let data = r.field("data", MAX_DATA)?;
    if !r.buf.is_empty() {
        return Err(EventError::TrailingBytes { extra: r.buf.len() });
    }
    if !(data.first() == Some(&b'{') && data.last() == Some(&b'}')) {
        return Err(EventError::DataNotObject);
    }
    Ok(EventFrame {
        seq,
        time_ms,
        kind,
        subject,
        actor,
        data,
    })
}

/// Decodes a stored body back into an [`Event`], checking that it is exactly the canonical
/// encoding of that event (so every event has one encoding and one hash).
pub fn decode_event(body: &[u8]) -> Result<Event, EventError> {
    let f = decode_frame(body)?;
    if f.seq == 0 {
        return Err(EventError::ZeroSeq);
    }
    let time =
        from_unix_millis(f.time_ms).ok_or(EventError::TimeOutOfRange { time_ms: f.time_ms })?;
    let data: Value = serde_json::from_slice(f.data).map_err(|e| EventError::BadJson {
        reason: e.to_string(),
    })?;
    let event = Event {
        seq: f.seq,
        time,
        kind: f.kind.to_owned(),
        subject: f.subject.to_owned(),
        actor: f.actor.to_owned(),
        data,
    };
    if encode_event(&event)? != body {
        return Err(EventError::NonCanonicalData);
    }
    Ok(event)
}

/// The `kind` bytes of an event body, read from its frame without decoding the rest (`None`
/// if the frame is too short). Used to pick out record bindings during verification.
pub fn body_kind(body: &[u8]) -> Option<&[u8]> {
    let at = EVENT_TAG.len() + 16;
    let len = u32::from_be_bytes(body.get(at..at + 4)?.try_into().ok()?) as usize;
    body.get(at + 4..at + 4 + len)
}

/// `SHA-256(CHAIN_TAG || prev || body)`.
pub fn chain_hash(prev: &Hash, body: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(CHAIN_TAG);
    h.update(prev);
    h.update(body);
    h.finalize().into()
}

/// The bytes a checkpoint signature covers:
/// `CHECKPOINT_TAG || u64be tree_size || head_hash || i64be time_ms` (76 bytes).
pub fn checkpoint_message(
    tree_size: u64,
    head_hash: &Hash,
    time: OffsetDateTime,
) -> [u8; CHECKPOINT_MESSAGE_LEN] {
    let mut m = [0u8; CHECKPOINT_MESSAGE_LEN];
    m[..28].copy_from_slice(CHECKPOINT_TAG);
    m[28..36].copy_from_slice(&tree_size.to_be_bytes());
    m[36..68].copy_from_slice(head_hash);
    m[68..76].copy_from_slice(&unix_millis(time).to_be_bytes());
    m
}

/// A signed statement by the station: "the ledger held `tree_size` events with head `head_hash`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub tree_size: u64,
    pub head_hash: Hash,
    /// UTC, millisecond precision.
    pub time: OffsetDateTime,
    /// Lowercase hex SHA-256 of the signing key's SPKI DER.
    pub key_id: String,
    /// ECDSA P-256 / SHA-256 over [`Checkpoint::message`], DER.
    pub signature: Vec<u8>,
}

impl Checkpoint {
    pub fn message(&self) -> [u8; CHECKPOINT_MESSAGE_LEN] {
        checkpoint_message(self.tree_size, &self.head_hash, self.time)
    }

    /// Whether `key` made this checkpoint's signature (the key ids must also agree).
    pub fn signature_is_valid(&self, key: &TrustedKey) -> bool {
        if self.key_id != key.key_id {
            return false;
        }
        let Ok(sig) = DerSignature::try_from(self.signature.as_slice()) else {
            return false;
        };
        key.key.verify(&self.message(), &sig).is_ok()
    }
}

/// `key_id` of an SPKI: lowercase hex SHA-256 of its DER.
pub fn key_id_of(spki_der: &[u8]) -> String {
    hex::encode(Sha256::digest(spki_der))
}

/// A station public key the verifier accepts checkpoints from.
#[derive(Clone)]
pub struct TrustedKey {
    key_id: String,
    spki_der: Vec<u8>,
    key: VerifyingKey,
}

impl fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedKey")
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl TrustedKey {
    /// Parses a P-256 SubjectPublicKeyInfo (DER); the key id is computed from it.
    pub fn from_spki_der(spki_der: &[u8]) -> Result<Self, VerifyError> {
        let key_id = key_id_of(spki_der);
        let key = VerifyingKey::from_public_key_der(spki_der).map_err(|_| {
            VerifyError::BadStationKey {
                key_id: key_id.clone(),
            }
        })?;
        Ok(Self {
            key_id,
            spki_der: spki_der.to_vec(),
            key,
        })
    }

    /// Like [`TrustedKey::from_spki_der`], but the stored `key_id` must match the SPKI.
    pub fn from_stored(key_id: &str, spki_der: &[u8]) -> Result<Self, VerifyError> {
        let key = Self::from_spki_der(spki_der)?;
        if key.key_id != key_id {
            return Err(VerifyError::BadStationKey {
                key_id: key_id.to_owned(),
            });
        }
        Ok(key)
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }
}

/// A clean verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events checked (= sequence number of the head).
    pub events: u64,
    /// Checkpoints whose signature and head were checked.
    pub checkpoints: u64,
    /// Hash of the last event (`GENESIS` for an empty ledger).
    pub head: Hash,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ledger intact: {} events, {} checkpoints, head {}",
            self.events,
            self.checkpoints,
            hex::encode(self.head)
        )
    }
}

/// What is wrong with the ledger, naming the first bad event or checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("event {seq}: its content does not match its hash (changed after it was written)")]
    HashMismatch { seq: u64 },
    #[error("event {expected} is missing: the next stored event is {found} (deleted rows)")]
    Gap { expected: u64, found: u64 },
    #[error("event {seq}: the row holds the body of event {encoded_seq} (rows moved or swapped)")]
    OutOfOrder { seq: u64, encoded_seq: u64 },
    #[error("event {seq}: the stored body cannot be decoded: {reason}")]
    Undecodable { seq: u64, reason: EventError },
    #[error("event {seq}: the stored hash is not 32 bytes")]
    BadStoredHash { seq: u64 },
    #[error("checkpoint at {tree_size} events: the signature is not the station's")]
    CheckpointBadSignature { tree_size: u64 },
    #[error(
        "checkpoint at {tree_size} events: the ledger head differs from the signed head; \
         events {suspect_from}..={tree_size} were rewritten"
    )]
    CheckpointMismatch { tree_size: u64, suspect_from: u64 },
    #[error(
        "checkpoint at {tree_size} events, but the ledger holds only {events} (newest events deleted)"
    )]
    CheckpointBeyondLedger { tree_size: u64, events: u64 },
    #[error(
        "events from {from_seq} on are not sealed by any checkpoint (appended outside the station)"
    )]
    UnsealedTail { from_seq: u64 },
    #[error(
        "checkpoint at {tree_size} events is signed by key {key_id}, which is not a trusted station key"
    )]
    UnknownKey { tree_size: u64, key_id: String },
    #[error("station key {key_id} is not a valid P-256 key or does not match its id")]
    BadStationKey { key_id: String },
    #[error(
        "the ledger holds {events} events, fewer than the {tree_size} of the exported checkpoint \
         (newest events and their checkpoints deleted)"
    )]
    LedgerShorterThanCheckpoint { tree_size: u64, events: u64 },
    #[error(
        "the ledger head at {tree_size} events differs from the exported checkpoint (history rewritten)"
    )]
    HeadDiffers { tree_size: u64 },
    #[error("the checkpoint file is not valid: {reason}")]
    BadCheckpointFile { reason: String },
}

/// Streaming chain verifier over stored rows. Feed rows in sequence order with
/// [`ChainVerifier::push`], then call [`ChainVerifier::finish`].
///
/// A verifier can also check one segment of a ledger ([`ChainVerifier::resume`]) so that
/// segments are verified in parallel: each link only needs the stored hash of the row before.
#[derive(Debug)]
pub struct ChainVerifier<'a> {
    next_seq: u64,
    prev: Hash,
    events: u64,
    /// Checkpoints with `tree_size > start`, sorted by tree size.
    checkpoints: &'a [Checkpoint],
    next_cp: usize,
    keys: &'a [TrustedKey],
    /// First event after the last checkpoint that matched.
    suspect_from: u64,
}

impl<'a> ChainVerifier<'a> {
    /// A verifier for a whole ledger. `checkpoints` must be sorted by `tree_size`.
    pub fn new(checkpoints: &'a [Checkpoint], keys: &'a [TrustedKey]) -> Self {
        Self::resume(0, GENESIS, 0, checkpoints, keys)
    }

    /// A verifier for the rows after event `after_seq` whose (already verified) stored hash is
    /// `prev`. `checkpoints` are those with `tree_size > after_seq`, sorted;
    /// `last_checkpoint` is the largest checkpoint size `<= after_seq` (0 if none).
    pub fn resume(
        after_seq: u64,
        prev: Hash,
        last_checkpoint: u64,
        checkpoints: &'a [Checkpoint],
        keys: &'a [TrustedKey],
    ) -> Self {
        Self {
            next_seq: after_seq + 1,
            prev,
            events: 0,
            checkpoints,
            next_cp: 0,
            keys,
            suspect_from: last_checkpoint + 1,
        }
    }

    /// Checks one stored row: contiguity, framing, the link to the previous hash, and any
    /// checkpoint at this size.
    pub fn push(&mut self, seq: u64, body: &[u8], stored_hash: &[u8]) -> Result<(), VerifyError> {
        if seq != self.next_seq {
            return Err(if seq > self.next_seq {
                VerifyError::Gap {
                    expected: self.next_seq,
                    found: seq,
                }
            } else {
                VerifyError::OutOfOrder {
                    seq: self.next_seq,
                    encoded_seq: seq,
                }
            });
        }
        let frame =
            decode_frame(body).map_err(|reason| VerifyError::Undecodable { seq, reason })?;
        if frame.seq != seq {
            return Err(VerifyError::OutOfOrder {
                seq,
                encoded_seq: frame.seq,
            });
        }
        let stored: &Hash = stored_hash
            .try_into()
            .map_err(|_| VerifyError::BadStoredHash { seq })?;
        if chain_hash(&self.prev, body) != *stored {
            return Err(VerifyError::HashMismatch { seq });
        }
        self.prev = *stored;
        self.next_seq += 1;
        self.events += 1;
        while let Some(cp) = self.checkpoints.get(self.next_cp) {
            if cp.tree_size > seq {
                break;
            }
            // tree_size < seq only for a checkpoint below the segment start (tree size 0).
            self.check_checkpoint(cp, seq)?;
            self.next_cp += 1;
        }
        Ok(())
    }

    fn check_checkpoint(&mut self, cp: &Checkpoint, seq: u64) -> Result<(), VerifyError> {
        let Some(key) = self.keys.iter().find(|k| k.key_id == cp.key_id) else {
            return Err(VerifyError::UnknownKey {
                tree_size: cp.tree_size,
                key_id: cp.key_id.clone(),
            });
        };
        if !cp.signature_is_valid(key) {
            return Err(VerifyError::CheckpointBadSignature {
                tree_size: cp.tree_size,
            });
        }
        if cp.tree_size != seq || cp.head_hash != self.prev {
            return Err(VerifyError::CheckpointMismatch {
                tree_size: cp.tree_size,
                suspect_from: self.suspect_from.min(cp.tree_size),
            });
        }
        self.suspect_from = seq + 1;
        Ok(())
    }

    /// Ends a segment that is not the end of the ledger: no tail checks.
    pub fn finish_segment(self) -> VerifyReport {
        VerifyReport {
            events: self.events,
            checkpoints: self.next_cp as u64,
            head: self.prev,
        }
    }

    /// Ends the ledger: every checkpoint must have been reached and the last event sealed.
    pub fn finish(self) -> Result<VerifyReport, VerifyError> {
        let last_seq = self.next_seq - 1;
        if let Some(cp) = self.checkpoints.get(self.next_cp) {
            return Err(VerifyError::CheckpointBeyondLedger {
                tree_size: cp.tree_size,
                events: last_seq,
            });
        }
        if self.suspect_from <= last_seq {
            return Err(VerifyError::UnsealedTail {
                from_seq: self.suspect_from,
            });
        }
        Ok(self.finish_segment())
    }
}

/// Verifies a whole ledger from its stored rows `(seq, body, hash)` in order, its checkpoints
/// (sorted by tree size) and the trusted station keys.
pub fn verify_chain<I, B, H>(
    rows: I,
    checkpoints: &[Checkpoint],
    keys: &[TrustedKey],
) -> Result<VerifyReport, VerifyError>
where
    I: IntoIterator<Item = (u64, B, H)>,
    B: AsRef<[u8]>,
    H: AsRef<[u8]>,
{
    let mut v = ChainVerifier::new(checkpoints, keys);
    for (seq, body, hash) in rows {
        v.push(seq, body.as_ref(), hash.as_ref())?;
    }
    v.finish()
}

/// An exported checkpoint, kept by an auditor outside the station
/// (`ledger checkpoint --out FILE`). It pins both a ledger prefix and the station key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointFile {
    /// Always [`CHECKPOINT_FILE_FORMAT`].
    pub format: String,
    pub tree_size: u64,
    /// Lowercase hex, 32 bytes.
    pub head_hash: String,
    /// RFC 3339, UTC, milliseconds.
    pub time: String,
    pub key_id: String,
    /// SubjectPublicKeyInfo DER, lowercase hex.
    pub public_key_spki: String,
    /// ECDSA P-256 / SHA-256 DER signature over the checkpoint message, lowercase hex.
    pub signature: String,
}

impl CheckpointFile {
    pub fn new(cp: &Checkpoint, spki_der: &[u8]) -> Self {
        let time = cp
            .time
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            format: CHECKPOINT_FILE_FORMAT.to_owned(),
            tree_size: cp.tree_size,
            head_hash: hex::encode(cp.head_hash),
            time,
            key_id: cp.key_id.clone(),
            public_key_spki: hex::encode(spki_der),
            signature: hex::encode(&cp.signature),
        }
    }

    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serializes.
        serde_json::to_string_pretty(self).expect("serializing a checkpoint file")
    }

    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        serde_json::from_str(text).map_err(|e| VerifyError::BadCheckpointFile {
            reason: e.to_string(),
        })
    }

    /// Checks the file on its own (format, key id matches the key, signature valid) and returns
    /// the checkpoint and the key it pins.
    pub fn open(&self) -> Result<(Checkpoint, TrustedKey), VerifyError> {
        let bad = |reason: &str| VerifyError::BadCheckpointFile {
            reason: reason.to_owned(),
        };
        if self.format != CHECKPOINT_FILE_FORMAT {
            return Err(bad("unknown format"));
        }
        let head: Hash = hex::decode(&self.head_hash)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("head_hash is not 32 bytes of hex"))?;
        let time =
            OffsetDateTime::parse(&self.time, &time::format_description::well_known::Rfc3339)
                .map_err(|_| bad("time is not RFC 3339"))?;
        let spki =
            hex::decode(&self.public_key_spki).map_err(|_| bad("public_key_spki is not hex"))?;
        let signature = hex::decode(&self.signature).map_err(|_| bad("signature is not hex"))?;
        let key = TrustedKey::from_spki_der(&spki)
            .map_err(|_| bad("public_key_spki is not a P-256 key"))?;
        if key.key_id != self.key_id {
            return Err(bad("key_id does not match public_key_spki"));
        }
        if self.tree_size == 0 {
            return Err(bad("tree_size is 0"));
        }
        let cp = Checkpoint {
            tree_size: self.tree_size,
            head_hash: head,
            time,
            key_id: self.key_id.clone(),
            signature,
        };
        if !cp.signature_is_valid(&key) {
            return Err(bad("the signature does not verify with public_key_spki"));
        }
        Ok((cp, key))
    }
}

/// Test-only signer: a software P-256 key behind the [`crate::ports::CheckpointSigner`] port.
#[cfg(test)]
pub(crate) mod test_support {
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::{DerSignature, SigningKey};
    use p256::pkcs8::EncodePublicKey as _;

    use crate::ports::{CheckpointSigner, SignError};

    /// A deterministic software P-256 key (RFC 6979 signatures).
    pub(crate) struct TestSigner {
        key: SigningKey,
        /// When set, `sign` fails (to test rollback).
        pub(crate) fail: bool,
    }

    impl TestSigner {
        /// The key whose secret scalar is 32 bytes of `seed` (seed 1..=0xfe).
        pub(crate) fn from_seed(seed: u8) -> Self {
            Self {
                key: SigningKey::from_slice(&[seed; 32]).expect("valid scalar"),
                fail: false,
            }
        }
    }

    impl CheckpointSigner for TestSigner {
        fn key_id(&self) -> String {
            super::key_id_of(&self.public_key_spki_der())
        }
        fn public_key_spki_der(&self) -> Vec<u8> {
            self.key
                .verifying_key()
                .to_public_key_der()
                .expect("encode SPKI")
                .as_bytes()
                .to_vec()
        }
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
            if self.fail {
                return Err(SignError::Token("test signer told to fail".into()));
            }
            let sig: DerSignature = self.key.sign(message);
            Ok(sig.as_bytes().to_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::TestSigner;
    use super::*;
    use crate::ports::CheckpointSigner;
    use serde_json::json;
    use time::macros::datetime;

    fn event(seq: u64) -> Event {
        Event {
            seq,
            time: datetime!(2025-03-01 08:00:00.123 UTC),
            kind: "application.submitted".into(),
            subject: format!("APP-{seq:06}"),
            actor: "officer:198503012010011001".into(),
            data: json!({"z": 1, "a": {"y": [1, 2, "tiga"], "b": null}, "nama": "Siti Ñ \"q\""}),
        }
    }

    fn sign(signer: &TestSigner, tree_size: u64, head: Hash) -> Checkpoint {
        let time = datetime!(2025-03-01 08:00:01 UTC);
        Checkpoint {
            tree_size,
            head_hash: head,
            time,
            key_id: signer.key_id(),
            signature: signer
                .sign(&checkpoint_message(tree_size, &head, time))
                .unwrap(),
        }
    }

    fn ledger(n: u64) -> Vec<(u64, Vec<u8>, Hash)> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let body = encode_event(&event(seq)).unwrap();
                prev = chain_hash(&prev, &body);
                (seq, body, prev)
            })
            .collect()
    }

    /// The worked example of `docs/formats/ledger.md` (run with `--nocapture` to print it).
    #[test]
    fn worked_example_two_event_ledger_is_stable() {
        let signer = TestSigner::from_seed(1);
        let events = [
            Event {
                seq: 1,
                time: datetime!(2025-03-01 08:00:00.000 UTC),
                kind: "application.submitted".into(),
                subject: "APP-000001".into(),
                actor: "officer:1985".into(),
                data: json!({"name": "Siti", "dept": "Disdukcapil"}),
            },
            Event {
                seq: 2,
                time: datetime!(2025-03-01 08:05:00.250 UTC),
                kind: "application.approved".into(),
                subject: "APP-000001".into(),
                actor: "officer:1990".into(),
                data: json!({}),
            },
        ];
        let mut prev = GENESIS;
        let mut rows = Vec::new();
        for e in &events {
            let body = encode_event(e).unwrap();
            let hash = chain_hash(&prev, &body);
            println!(
                "event {} body ({} bytes): {}",
                e.seq,
                body.len(),
                hex::encode(&body)
            );
            println!("event {} hash: {}", e.seq, hex::encode(hash));
            rows.push((e.seq, body, hash));
            prev = hash;
        }
        let cp = sign(&signer, 2, prev);
        println!("checkpoint message: {}", hex::encode(cp.message()));
        println!(
            "station SPKI: {}",
            hex::encode(signer.public_key_spki_der())
        );
        println!("key_id: {}", signer.key_id());
        println!("signature: {}", hex::encode(&cp.signature));
        println!(
            "{}",
            CheckpointFile::new(&cp, &signer.public_key_spki_der()).to_json()
        );
        let keys = [TrustedKey::from_spki_der(&signer.public_key_spki_der()).unwrap()];
        assert_eq!(verify_chain(rows, &[cp], &keys).unwrap().head, prev);
        assert_eq!(hex::encode(prev), PINNED_HEAD);
    }

    const PINNED_HEAD: &str = "2c84229337260301a5e90d463935523c91260145c0d5a06fadc96278ee07c75f";

    #[test]
    fn an_event_decodes_back_to_itself() {
        let e = event(7);
        let body = encode_event(&e).unwrap();
        assert_eq!(decode_event(&body).unwrap(), e);
    }

    #[test]
    fn data_keys_are_sorted_and_whitespace_free() {
        let bytes = canonical_data(&json!({"b": 1, "a": [true, {"d": 2, "c": "x"}]})).unwrap();
        assert_eq!(bytes, br#"{"a":[true,{"c":"x","d":2}],"b":1}"#);
    }

    #[test]
    fn floats_and_non_objects_are_rejected() {
        assert_eq!(
            canonical_data(&json!({"a": {"b": 1.5}})),
            Err(EventError::FloatInData {
                path: ".a.b".into()
            })
        );
        assert_eq!(canonical_data(&json!([1])), Err(EventError::DataNotObject));
    }

    #[test]
    fn malformed_kinds_are_rejected() {
        for kind in ["", "submitted", "Application.Submitted", "a..b", "a.b "] {
            let mut e = event(1);
            e.kind = kind.into();
            assert!(encode_event(&e).is_err(), "{kind:?} accepted");
        }
    }

    #[test]
    fn a_non_canonical_body_does_not_decode() {
        let mut e = event(1);
        e.data = json!({"a": 1});
        let mut body = encode_event(&e).unwrap();
        // Same length, different spacing is impossible; swap in whitespace-padded JSON.
        let n = body.len();
        body.truncate(n - 7 - 4);
        let spaced = br#"{ "a":1}"#;
        body.extend_from_slice(&(spaced.len() as u32).to_be_bytes());
        body.extend_from_slice(spaced);
        assert_eq!(decode_event(&body), Err(EventError::NonCanonicalData));
    }

    #[test]
    fn trailing_bytes_make_a_body_undecodable() {
        let mut body = encode_event(&event(1)).unwrap();
        body.push(0);
        assert_eq!(
            decode_frame(&body),
            Err(EventError::TrailingBytes { extra: 1 })
        );
    }

    #[test]
    fn a_sealed_chain_verifies() {
        let s = TestSigner::from_seed(1);
        let rows = ledger(5);
        let cps = vec![sign(&s, 3, rows[2].2), sign(&s, 5, rows[4].2)];
        let keys = [TrustedKey::from_spki_der(&s.public_key_spki_der()).unwrap()];
        let report = verify_chain(rows.clone(), &cps, &keys).unwrap();
        assert_eq!(
            report,
            VerifyReport {
                events: 5,
                checkpoints: 2,
                head: rows[4].2
            }
        );
    }

    #[test]
    fn an_empty_ledger_verifies_with_the_genesis_head() {
        let report = verify_chain(Vec::<(u64, Vec<u8>, Hash)>::new(), &[], &[]).unwrap();
        assert_eq!(report.head, GENESIS);
        assert_eq!(report.events, 0);
    }

    #[test]
    fn a_changed_body_is_detected_at_that_event() {
        let s = TestSigner::from_seed(1);
        let mut rows = ledger(5);
        let cps = vec![sign(&s, 5, rows[4].2)];
        let keys = [TrustedKey::from_spki_der(&s.public_key_spki_der()).unwrap()];
        let mut e = event(3);
        e.actor = "officer:evil".into();
        rows[2].1 = encode_event(&e).unwrap();
        assert_eq!(
            verify_chain(rows, &cps, &keys),
            Err(VerifyError::HashMismatch { seq: 3 })
        );
    }

    #[test]
    fn a_rewritten_and_rehashed_chain_fails_at_the_checkpoint_covering_it() {
        let s = TestSigner::from_seed(1);
        let rows = ledger(6);
        let cps = vec![
            sign(&s, 2, rows[1].2),
            sign(&s, 4, rows[3].2),
            sign(&s, 6, rows[5].2),
        ];
        let keys = [TrustedKey::from_spki_der(&s.public_key_spki_der()).unwrap()];
        let mut forged = rows.clone();
        let mut prev = forged[1].2;
        for row in forged.iter_mut().skip(2) {
            let mut e = decode_event(&row.1).unwrap();
            if e.seq == 3 {
                e.actor = "officer:evil".into();
            }
            row.1 = encode_event(&e).unwrap();
            prev = chain_hash(&prev, &row.1);
            row.2 = prev;
        }
        assert_eq!(
            verify_chain(forged, &cps, &keys),
            Err(VerifyError::CheckpointMismatch {
                tree_size: 4,
                suspect_from: 3
            })
        );
    }

    #[test]
    fn reordered_events_are_detected_at_the_first_moved_event() {
        let s = TestSigner::from_seed(1);
        let mut rows = ledger(5);
        let cps = vec![sign(&s, 5, rows[4].2)];
        let keys = [TrustedKey::from_spki_der(&s.public_key_spki_der()).unwrap()];
        let (b2, h2) = (rows[1].1.clone(), rows[1].2);
        rows[1].1 = rows[3].1.clone();
        rows[1].2 = rows[3].2;
        rows[3].1 = b2;
        rows[3].2 = h2;
        assert_eq!(
            verify_chain(rows, &cps, &keys),
            Err(VerifyError::OutOfOrder {
                seq: 2,
                encoded_seq: 4
            })
        );
    }

    #[test]
    fn a_checkpoint_by_another_key_is_unknown() {
        let s = TestSigner::from_seed(1);
        let other = TestSigner::from_seed(2);
        let rows = ledger(2);
        let cps = vec![sign(&other, 2, rows[1].2)];
        let keys = [TrustedKey::from_spki_der(&s.public_key_spki_der()).unwrap()];
        assert!(matches!(
            verify_chain(rows, &cps, &keys),
            Err(VerifyError::UnknownKey { tree_size: 2, .. })
        ));
    }

    #[test]
    fn a_forged_signature_is_rejected() {
        let s = TestSigner::from_seed(1);
        let rows = ledger(2);
        let mut cp = sign(&s, 2, rows[1].2);
        cp.time += time::Duration::seconds(1);
        let keys = [TrustedKey::from_spki_der(&s.public_key_spki_der()).unwrap()];
        assert_eq!(
            verify_chain(rows, &[cp], &keys),
            Err(VerifyError::CheckpointBadSignature { tree_size: 2 })
        );
    }

    #[test]
    fn a_checkpoint_file_round_trips_and_pins_its_key() {
        let s = TestSigner::from_seed(1);
        let rows = ledger(2);
        let cp = sign(&s, 2, rows[1].2);
        let file = CheckpointFile::new(&cp, &s.public_key_spki_der());
        let back = CheckpointFile::from_json(&file.to_json()).unwrap();
        let (cp2, key) = back.open().unwrap();
        assert_eq!(cp2, cp);
        assert_eq!(key.key_id(), s.key_id());
        let mut forged = back;
        forged.tree_size = 1;
        assert!(matches!(
            forged.open(),
            Err(VerifyError::BadCheckpointFile { .. })
        ));
    }
}
