//! The receipt body: `kustodi-receipt-v1` in canonical JSON.
//!
//! Canonical form (a subset of RFC 8785, JCS): UTF-8, no insignificant whitespace, object
//! members sorted by the UTF-16 code units of their names, strings escaped as JCS does
//! (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other controls as `\u00xx`, everything else
//! literal), no numbers at all (every value is a string or an object), absent optional members
//! left out (never `null`).

use der::Encode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;

use super::ReceiptError;
use super::agreement::Agreement;

/// The value of the `format` member.
pub const FORMAT: &str = "kustodi-receipt-v1";

/// The values `attestation.result` may take.
pub const ATTESTATION_RESULTS: &[&str] = &["verified", "not_available", "not_supported", "failed"];

/// Domain-separation prefix hashed before the NIK (see [`nik_binding`]).
const NIK_PREFIX: &[u8] = b"kustodi-receipt-v1/nik\0";

/// The signed statement of one handover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    /// Always [`FORMAT`].
    pub format: String,
    pub receipt_id: String,
    pub application_id: String,
    /// Certificate kind of the application (`individual`, `position`, …).
    pub kind: String,
    pub applicant: ReceiptApplicant,
    pub token: ReceiptToken,
    pub key: ReceiptKey,
    pub attestation: ReceiptAttestation,
    pub certificate: ReceiptCertificate,
    pub ca: ReceiptCa,
    pub agreement: ReceiptAgreement,
    /// The officer's identity re-check of the applicant (Pasal 14(4)), by its ledger event.
    /// Written in every receipt since issue 16; left out only in older receipts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_check: Option<ReceiptIdentityCheck>,
    pub officer: ReceiptOfficer,
    /// The service desk (station) that issued.
    pub desk: String,
    #[serde(with = "rfc3339_utc")]
    pub issued_at: OffsetDateTime,
    /// A renewal (Pasal 15): the serial of the certificate this one replaces (uppercase hex).
    /// Left out for a first issuance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptApplicant {
    pub name: String,
    /// NIP of an ASN applicant; left out for others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nip: Option<String>,
    /// [`nik_binding`] of the applicant's NIK: a binding, not anonymisation.
    pub nik_sha256: String,
    pub department: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptToken {
    pub serial: String,
    pub model: String,
    pub manufacturer: String,
    pub firmware: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptKey {
    /// `ecdsa-p256`, `rsa-2048`, …
    pub algorithm: String,
    /// Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER ([`spki_sha256`]).
    pub spki_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptAttestation {
    /// One of [`ATTESTATION_RESULTS`].
    pub result: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCertificate {
    /// Uppercase hex, as `openssl x509 -noout -serial` prints it.
    pub serial: String,
    /// Lowercase hex SHA-256 of the certificate DER.
    pub sha256: String,
    #[serde(with = "rfc3339_utc")]
    pub not_before: OffsetDateTime,
    #[serde(with = "rfc3339_utc")]
    pub not_after: OffsetDateTime,
    /// Issuer distinguished name, RFC 4514 string.
    pub issuer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCa {
    pub name: String,
    /// `production`, `test`, …
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptAgreement {
    pub version: String,
    pub lang: String,
    /// [`super::agreement_hash`] of the exact text shown.
    pub sha256: String,
}

/// The `enrol.identity_checked` event of the session that issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIdentityCheck {
    /// Sequence number of the event in the station's ledger (decimal string: no numbers in a
    /// receipt).
    pub seq: String,
    #[serde(with = "rfc3339_utc")]
    pub time: OffsetDateTime,
    /// The actor of the event: the officer who checked.
    pub officer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptOfficer {
    pub id: String,
    pub name: String,
    /// Lowercase hex SHA-256 of the officer's signing certificate DER.
    pub certificate_sha256: String,
}

impl ReceiptCertificate {
    /// The body's `certificate` block describing `cert`.
    pub fn from_certificate(cert: &Certificate) -> Result<Self, ReceiptError> {
        let tbs = cert.tbs_certificate();
        let validity = tbs.validity();
        Ok(Self {
            serial: serial_hex(tbs.serial_number().as_bytes()),
            sha256: certificate_sha256(cert)?,
            not_before: to_offset(validity.not_before.to_system_time()),
            not_after: to_offset(validity.not_after.to_system_time()),
            issuer: tbs.issuer().to_string(),
        })
    }
}

impl From<&Agreement> for ReceiptAgreement {
    fn from(a: &Agreement) -> Self {
        Self {
            version: a.version.to_owned(),
            lang: a.lang.code().to_owned(),
            sha256: a.sha256(),
        }
    }
}

/// The known agreement text the receipt names (version, language and SHA-256 all match one of
/// [`Agreement::all`]); an unknown text is [`ReceiptError::UnknownAgreement`].
pub fn known_agreement(body: &ReceiptBody) -> Result<Agreement, ReceiptError> {
    let a = &body.agreement;
    Agreement::find(&a.version, &a.lang, &a.sha256).ok_or_else(|| ReceiptError::UnknownAgreement {
        sha256: a.sha256.clone(),
        version: a.version.clone(),
        lang: a.lang.clone(),
    })
}

impl ReceiptBody {
    /// The canonical JSON bytes that are signed.
    pub fn to_canonical_bytes(&self) -> Result<Vec<u8>, ReceiptError> {
        let value =
            serde_json::to_value(self).map_err(|e| ReceiptError::BodyInvalid(e.to_string()))?;
        to_canonical_json(&value).map(String::into_bytes)
    }

    /// Parses a body strictly: known members only, right format and values, canonical bytes.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, ReceiptError> {
        let body: ReceiptBody =
            serde_json::from_slice(bytes).map_err(|e| ReceiptError::BodyInvalid(e.to_string()))?;
        body.check()?;
        if body.to_canonical_bytes()? != bytes {
            return Err(ReceiptError::BodyNotCanonical);
        }
        Ok(body)
    }

    /// Checks the values the format fixes.
    pub fn check(&self) -> Result<(), ReceiptError> {
        let bad = |what: &str| Err(ReceiptError::BodyInvalid(what.to_owned()));
        if self.format != FORMAT {
            return bad("format is not kustodi-receipt-v1");
        }
        if !ATTESTATION_RESULTS.contains(&self.attestation.result.as_str()) {
            return bad("attestation.result is not a known value");
        }
        if let Some(ic) = &self.identity_check
            && (ic.seq.is_empty() || !ic.seq.bytes().all(|b| b.is_ascii_digit()))
        {
            return bad("identity_check.seq is not a decimal number");
        }
        for (name, v) in [
            ("applicant.nik_sha256", &self.applicant.nik_sha256),
            ("key.spki_sha256", &self.key.spki_sha256),
            ("certificate.sha256", &self.certificate.sha256),
            ("agreement.sha256", &self.agreement.sha256),
            (
                "officer.certificate_sha256",
                &self.officer.certificate_sha256,
            ),
        ] {
            if !is_sha256_hex(v) {
                return Err(ReceiptError::BodyInvalid(format!(
                    "{name} is not 64 lowercase hex digits"
                )));
            }
        }
        Ok(())
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Binds the receipt to a NIK without printing it: lowercase hex
/// SHA-256(`"kustodi-receipt-v1/nik\0"` ‖ NIK as 16 ASCII digits).
///
/// The NIK's space is small and structured (region, birth date, sequence), so anyone can find
/// the NIK behind this value by trying candidates: it proves *which* NIK the receipt is about
/// to someone who knows it, it does not hide the NIK.
pub fn nik_binding(nik: &str) -> String {
    let mut h = Sha256::new();
    h.update(NIK_PREFIX);
    h.update(nik.trim().as_bytes());
    hex::encode(h.finalize())
}

/// Lowercase hex SHA-256 of a certificate's DER.
pub fn certificate_sha256(cert: &Certificate) -> Result<String, ReceiptError> {
    let der = cert
        .to_der()
        .map_err(|e| ReceiptError::Encoding(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(&der)))
}

/// Lowercase hex SHA-256 of a certificate's SubjectPublicKeyInfo DER.
pub fn spki_sha256(cert: &Certificate) -> Result<String, ReceiptError> {
    let der = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| ReceiptError::Encoding(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(&der)))
}

/// Uppercase hex of a serial number's content octets without the sign-padding zero.
pub(crate) fn serial_hex(bytes: &[u8]) -> String {
    let trimmed = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        b => b,
    };
    hex::encode_upper(trimmed)
}

pub(crate) fn to_offset(t: std::time::SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

/// Writes `value` in the canonical form described in the module docs. Numbers are refused.
pub fn to_canonical_json(value: &serde_json::Value) -> Result<String, ReceiptError> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

fn write_canonical(value: &serde_json::Value, out: &mut String) -> Result<(), ReceiptError> {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(_) => {
            return Err(ReceiptError::BodyInvalid(
                "numbers are not allowed in a receipt".into(),
            ));
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `YYYY-MM-DDTHH:MM:SSZ`: RFC 3339, UTC, whole seconds (one spelling per instant).
pub(crate) mod rfc3339_utc {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset, macros::format_description};

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

    pub fn format(t: OffsetDateTime) -> String {
        let t = t
            .to_offset(UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(t);
        t.format(FORMAT).unwrap_or_default()
    }

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let s = String::deserialize(d)?;
        PrimitiveDateTime::parse(&s, FORMAT)
            .map(PrimitiveDateTime::assume_utc)
            .map_err(|_| D::Error::custom(format!("{s:?} is not YYYY-MM-DDTHH:MM:SSZ")))
    }
}
