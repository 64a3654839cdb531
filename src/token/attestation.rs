//! Yubico PIV attestation: proof that a key was generated on a genuine YubiKey.
//!
//! Pure verification over DER; reading the two certificates from a card is
//! [`crate::token::piv::PivSession::attestation`]. A slot attestation (`INS F9`, subject
//! `CN=YubiKey PIV Attestation 9c`) is signed by the device's F9 certificate (object `5FFF01`),
//! which chains to one of the **pinned** Yubico roots embedded below:
//!
//! * legacy (firmware < 5.7.4): F9 (`CN=Yubico PIV Attestation`) ← `Yubico PIV Root CA Serial
//!   263751` (pre-2018 issue with `pathlen:0`, or the 2018 re-issue; same key);
//! * new (firmware ≥ 5.7.4): F9 (`CN=YubiKey PIV Attestation`) ← `Yubico PIV Attestation
//!   {A 1, B 1, B2 1}` ← `Yubico Attestation Intermediate {A 1, B 1}` ← `Yubico Attestation Root 1`
//!   (the two middle levels are not on the device: they are pinned here too);
//! * early YubiKey 4 (firmware 4.3.x): F9 ← `Yubico U2F Root CA Serial 457200631`. Accepted as a
//!   chain only for attestations whose firmware extension says 4.3.x; those carry no serial, so
//!   [`verify`] still refuses them ([`AttestationRefusal::SerialMissing`]).
//!
//! Every link is checked by **signature** (ECDSA P-256/P-384, RSA PKCS#1 v1.5 with SHA-256 or
//! SHA-384) and by **name chaining** (issuer = subject). Path rules of a generic validator are
//! deliberately not applied: real F9 certificates have no basicConstraints and the pre-2018 root
//! says `pathlen:0`, so OpenSSL-style validation rejects genuine devices. The trust store is
//! closed (pinned certificates only), which is what makes that safe.
//!
//! F9 keys are shared by a production batch, so a valid chain proves only "some genuine
//! YubiKey". [`verify`] therefore also **binds** the attestation to the device the inventory
//! expects (serial extension `.3.7`) and to the key the station just generated.
//!
//! The test attestation CA of the virtual card is trusted only when a caller asks for it with
//! [`TrustStore::with_test_root`]; [`TrustStore::yubico`] (the default) never includes it.

use der::asn1::ObjectIdentifier;
use der::{Decode, DecodePem, Encode};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::certcheck::{sha256_hex, to_offset, verify_signature};
use crate::domain::firmware::FirmwareVersion;

/// Yubico's PIV attestation extensions (under `1.3.6.1.4.1.41482.3`).
pub const OID_FIRMWARE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.3");
pub const OID_SERIAL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.7");
pub const OID_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.8");
pub const OID_FORM_FACTOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.9");

/// Longest chain above the F9 certificate that is followed (new chain: 2 intermediates).
const MAX_DEPTH: usize = 4;

/// The pinned Yubico certificates, as shipped in `src/token/yubico-roots/`.
pub mod pinned {
    /// Yubico PIV Root CA Serial 263751, 2016 issue (`pathlen:0`). SHA-256 of the DER
    /// `7E996A28E3055223733C9AEC897900EDA9B746E3E15D419556AC6A1179879A50`.
    pub const PIV_ROOT_263751_PRE2018: &str =
        include_str!("yubico-roots/yubico-piv-root-ca-263751-pre2018.pem");
    /// Yubico PIV Root CA Serial 263751, 2018 re-issue (`pathlen:1`, same key). SHA-256
    /// `63ECE914E54DD87915F34033C85AF4C0696BA1512F8ADD66CED738331207B546`.
    pub const PIV_ROOT_263751: &str = include_str!("yubico-roots/yubico-piv-root-ca-263751.pem");
    /// Yubico Attestation Root 1. SHA-256
    /// `62760C6A6EF91679F454C8902B80FD009825B3F25DA90F1FBACE2EC6586CD5A8`.
    pub const ATTESTATION_ROOT_1: &str = include_str!("yubico-roots/yubico-attestation-root-1.pem");
    /// Yubico Attestation Intermediate A 1 (issuer Root 1).
    pub const ATTESTATION_INTERMEDIATE_A_1: &str =
        include_str!("yubico-roots/yubico-attestation-intermediate-a-1.pem");
    /// Yubico Attestation Intermediate B 1 (issuer Root 1).
    pub const ATTESTATION_INTERMEDIATE_B_1: &str =
        include_str!("yubico-roots/yubico-attestation-intermediate-b-1.pem");
    /// Yubico PIV Attestation A 1 (issuer Intermediate A 1).
    pub const PIV_ATTESTATION_A_1: &str =
        include_str!("yubico-roots/yubico-piv-attestation-a-1.pem");
    /// Yubico PIV Attestation B 1 (issuer Intermediate B 1).
    pub const PIV_ATTESTATION_B_1: &str =
        include_str!("yubico-roots/yubico-piv-attestation-b-1.pem");
    /// Yubico PIV Attestation B2 1 (issuer Intermediate B 1).
    pub const PIV_ATTESTATION_B2_1: &str =
        include_str!("yubico-roots/yubico-piv-attestation-b2-1.pem");
    /// Yubico U2F Root CA Serial 457200631 (F9 of firmware 4.3.x only). SHA-256
    /// `0FA1386F80EB8713263AE5C1D84DEB455BDF08AEA50AB05503CEFEE82B092D42`.
    pub const U2F_ROOT_457200631: &str =
        include_str!("yubico-roots/yubico-u2f-root-ca-457200631.pem");
}

/// Which kind of anchor a chain ended at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorKind {
    /// A Yubico PIV attestation root (legacy PIV root or Attestation Root 1).
    Yubico,
    /// The Yubico U2F root, accepted only for firmware 4.3.x F9 certificates.
    YubicoU2fLegacy,
    /// A test root the caller opted into ([`TrustStore::with_test_root`]). Never in production.
    Test,
}

#[derive(Debug, Clone)]
struct Anchor {
    cert: Certificate,
    kind: AnchorKind,
}

/// The certificates attestation chains may end at (anchors) or pass through (intermediates).
#[derive(Debug, Clone)]
pub struct TrustStore {
    anchors: Vec<Anchor>,
    intermediates: Vec<Certificate>,
}

fn pem(text: &str) -> Certificate {
    Certificate::from_pem(text).expect("pinned Yubico certificate parses")
}

impl TrustStore {
    /// The pinned Yubico roots and intermediates. This is the station's default; it never
    /// contains a test root.
    pub fn yubico() -> Self {
        use pinned::*;
        let anchor = |t: &str, kind| Anchor { cert: pem(t), kind };
        Self {
            anchors: vec![
                anchor(PIV_ROOT_263751, AnchorKind::Yubico),
                anchor(PIV_ROOT_263751_PRE2018, AnchorKind::Yubico),
                anchor(ATTESTATION_ROOT_1, AnchorKind::Yubico),
                anchor(U2F_ROOT_457200631, AnchorKind::YubicoU2fLegacy),
            ],
            intermediates: [
                ATTESTATION_INTERMEDIATE_A_1,
                ATTESTATION_INTERMEDIATE_B_1,
                PIV_ATTESTATION_A_1,
                PIV_ATTESTATION_B_1,
                PIV_ATTESTATION_B2_1,
            ]
            .iter()
            .map(|t| pem(t))
            .collect(),
        }
    }

    /// A store with only the given anchor (PEM or DER) of kind [`AnchorKind::Yubico`], no
    /// intermediates: for checking a chain against exactly one root.
    pub fn only_root(root: &[u8]) -> Result<Self, AttestationRefusal> {
        Ok(Self {
            anchors: vec![Anchor {
                cert: parse_pem_or_der("trust anchor", root)?,
                kind: AnchorKind::Yubico,
            }],
            intermediates: Vec::new(),
        })
    }

    /// Adds intermediates (PEM bundle or one DER certificate).
    pub fn with_intermediates(mut self, certs: &[u8]) -> Result<Self, AttestationRefusal> {
        self.intermediates
            .extend(parse_bundle("intermediate", certs)?);
        Ok(self)
    }

    /// **Explicit opt-in** to a test attestation root (PEM or DER), e.g. the virtual PIV
    /// card's `attestation-root.pem`. Chains ending there report [`AnchorKind::Test`].
    pub fn with_test_root(mut self, root: &[u8]) -> Result<Self, AttestationRefusal> {
        self.anchors.push(Anchor {
            cert: parse_pem_or_der("test trust anchor", root)?,
            kind: AnchorKind::Test,
        });
        Ok(self)
    }

    /// Whether any anchor is a test root.
    pub fn trusts_test_root(&self) -> bool {
        self.anchors.iter().any(|a| a.kind == AnchorKind::Test)
    }
}

impl Default for TrustStore {
    fn default() -> Self {
        Self::yubico()
    }
}

fn parse_pem_or_der(what: &'static str, bytes: &[u8]) -> Result<Certificate, AttestationRefusal> {
    let malformed = |e: der::Error| AttestationRefusal::Malformed {
        what,
        reason: e.to_string(),
    };
    if bytes.starts_with(b"-----") {
        Certificate::from_pem(bytes).map_err(malformed)
    } else {
        Certificate::from_der(bytes).map_err(malformed)
    }
}

fn parse_bundle(what: &'static str, bytes: &[u8]) -> Result<Vec<Certificate>, AttestationRefusal> {
    if bytes.starts_with(b"-----") {
        Certificate::load_pem_chain(bytes).map_err(|e| AttestationRefusal::Malformed {
            what,
            reason: e.to_string(),
        })
    } else {
        Ok(vec![parse_pem_or_der(what, bytes)?])
    }
}

/// PIN policy recorded in the attestation (`.3.8`, first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestedPinPolicy {
    Never,
    Once,
    Always,
    /// Bio: match once / match always (fw 5.7 Bio).
    MatchOnce,
    MatchAlways,
    Other(u8),
}

impl From<u8> for AttestedPinPolicy {
    fn from(b: u8) -> Self {
        match b {
            1 => Self::Never,
            2 => Self::Once,
            3 => Self::Always,
            4 => Self::MatchOnce,
            5 => Self::MatchAlways,
            other => Self::Other(other),
        }
    }
}

/// Touch policy recorded in the attestation (`.3.8`, second byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestedTouchPolicy {
    Never,
    Always,
    Cached,
    Other(u8),
}

impl From<u8> for AttestedTouchPolicy {
    fn from(b: u8) -> Self {
        match b {
            1 => Self::Never,
            2 => Self::Always,
            3 => Self::Cached,
            other => Self::Other(other),
        }
    }
}

/// Form factor (`.3.9`, low 7 bits; bit 0x80 is FIPS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormFactor {
    UsbAKeychain,
    UsbANano,
    UsbCKeychain,
    UsbCNano,
    UsbCLightning,
    UsbABio,
    UsbCBio,
    Other(u8),
}

impl FormFactor {
    /// `(form factor, FIPS)` from the extension byte.
    pub fn from_byte(b: u8) -> (Self, bool) {
        let kind = match b & 0x7f {
            1 => Self::UsbAKeychain,
            2 => Self::UsbANano,
            3 => Self::UsbCKeychain,
            4 => Self::UsbCNano,
            5 => Self::UsbCLightning,
            6 => Self::UsbABio,
            7 => Self::UsbCBio,
            other => Self::Other(other),
        };
        (kind, b & 0x80 != 0)
    }
}

/// What a slot attestation says, after its chain was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationFacts {
    /// Slot named in the subject (`CN=YubiKey PIV Attestation 9c` → `0x9c`).
    pub slot: Option<u8>,
    /// `.3.7`; absent on firmware 4.3.x.
    pub serial: Option<u32>,
    /// `.3.3`.
    pub firmware: Option<FirmwareVersion>,
    /// `.3.8`.
    pub pin_policy: Option<AttestedPinPolicy>,
    pub touch_policy: Option<AttestedTouchPolicy>,
    /// `.3.9`; absent on firmware 4.3.x.
    pub form_factor: Option<FormFactor>,
    /// Bit 0x80 of `.3.9`.
    pub fips: bool,
    /// The attested public key (SubjectPublicKeyInfo DER).
    pub public_key_spki_der: Vec<u8>,
    /// Subjects from the attestation up to the anchor, e.g.
    /// `["CN=YubiKey PIV Attestation 9c", "CN=Yubico PIV Attestation", "CN=Yubico PIV Root CA Serial 263751"]`.
    pub chain: Vec<String>,
    pub anchor: AnchorKind,
    /// Lowercase hex SHA-256 of the F9 certificate DER (batch identifier for the ledger).
    pub f9_sha256: String,
}

/// An attestation verified **and bound** to the expected device and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAttestation {
    pub facts: AttestationFacts,
    /// The device serial, equal to the attested one.
    pub serial: u32,
}

/// What the station expects the attestation to prove.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The device serial as the inventory knows it.
    pub serial: u32,
    /// The public key the station just generated (SPKI DER).
    pub public_key_spki_der: &'a [u8],
}

/// Why an attestation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationRefusal {
    #[error("the {what} is not a readable certificate: {reason}")]
    Malformed { what: &'static str, reason: String },
    #[error("the attestation chain is invalid at {subject:?}: {reason}")]
    ChainInvalid { subject: String, reason: String },
    #[error("the attestation chain ends at {issuer:?}, which is not a trusted attestation root")]
    UntrustedRoot { issuer: String },
    #[error("{subject:?} is not valid at {at} (valid {not_before} to {not_after})")]
    OutsideValidity {
        subject: String,
        at: String,
        not_before: String,
        not_after: String,
    },
    #[error(
        "the attested key (SHA-256 {attested_sha256}) is not the generated key (SHA-256 {expected_sha256})"
    )]
    KeyMismatch {
        attested_sha256: String,
        expected_sha256: String,
    },
    #[error("the attestation carries no device serial number, so it cannot be bound to a device")]
    SerialMissing,
    #[error("the attestation is for device serial {attested}, not the expected {expected}")]
    SerialMismatch { attested: u32, expected: u32 },
}

/// Verifies the chain attestation → F9 → (intermediates) → pinned anchor and reads the Yubico
/// extensions. No binding: use [`verify`] for issuance decisions.
pub fn verify_chain(
    attestation_der: &[u8],
    f9_der: &[u8],
    trust: &TrustStore,
    now: OffsetDateTime,
) -> Result<AttestationFacts, AttestationRefusal> {
    let att = parse_pem_or_der("slot attestation certificate", attestation_der)?;
    let f9 = parse_pem_or_der("F9 attestation certificate", f9_der)?;
    let subject = |c: &Certificate| c.tbs_certificate().subject().to_string();

    within_validity(&att, now)?;
    within_validity(&f9, now)?;
    link(&att, &f9)?;

    let firmware = firmware_of(&att)?;
    let mut chain = vec![subject(&att), subject(&f9)];
    let mut current = f9.clone();
    let anchor = 'walk: {
        for _ in 0..=MAX_DEPTH {
            let issuer = current.tbs_certificate().issuer();
            let mut name_matched = None;
            for a in &trust.anchors {
                if !same_name(a.cert.tbs_certificate().subject(), issuer) {
                    continue;
                }
                match check_signature(&current, &a.cert) {
                    Ok(()) => {
                        if a.kind == AnchorKind::YubicoU2fLegacy
                            && !firmware.is_some_and(|v| v.major == 4 && v.minor == 3)
                        {
                            name_matched = Some(
                                "the U2F root is accepted only for firmware 4.3.x attestations"
                                    .to_owned(),
                            );
                            continue;
                        }
                        chain.push(subject(&a.cert));
                        break 'walk a.kind;
                    }
                    Err(reason) => name_matched = Some(reason),
                }
            }
            let next = trust.intermediates.iter().find(|c| {
                same_name(c.tbs_certificate().subject(), issuer)
                    && check_signature(&current, c).is_ok()
            });
            match (next, name_matched) {
                (Some(c), _) => {
                    within_validity(c, now)?;
                    chain.push(subject(c));
                    current = c.clone();
                }
                (None, Some(reason)) => {
                    return Err(AttestationRefusal::ChainInvalid {
                        subject: subject(&current),
                        reason,
                    });
                }
                (None, None) => {
                    return Err(AttestationRefusal::UntrustedRoot {
                        issuer: issuer.to_string(),
                    });
                }
            }
        }
        return Err(AttestationRefusal::ChainInvalid {
            subject: subject(&current),
            reason: format!("more than {MAX_DEPTH} intermediates"),
        });
    };

    let (pin_policy, touch_policy) = match extension(&att, OID_POLICY) {
        Some([pin, touch, ..]) => (Some((*pin).into()), Some((*touch).into())),
        Some(_) => return Err(bad_ext(".3.8 PIN/touch policy", "shorter than 2 bytes")),
        None => (None, None),
    };
    let (form_factor, fips) = match extension(&att, OID_FORM_FACTOR) {
        Some([b]) => {
            let (f, fips) = FormFactor::from_byte(*b);
            (Some(f), fips)
        }
        Some(_) => return Err(bad_ext(".3.9 form factor", "not 1 byte")),
        None => (None, false),
    };
    let serial = match extension(&att, OID_SERIAL) {
        Some(bytes) => {
            Some(u32::from_der(bytes).map_err(|e| bad_ext(".3.7 serial", &e.to_string()))?)
        }
        None => None,
    };
    let public_key_spki_der = att
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| bad_ext("subject public key", &e.to_string()))?;
    Ok(AttestationFacts {
        slot: slot_of(&chain[0]),
        serial,
        firmware,
        pin_policy,
        touch_policy,
        form_factor,
        fips,
        public_key_spki_der,
        chain,
        anchor,
        f9_sha256: sha256_hex(&f9.to_der().unwrap_or_default()),
    })
}

/// Verifies the chain ([`verify_chain`]) and binds it: the attested key must be the generated
/// key and the attested serial the expected device serial.
pub fn verify(
    attestation_der: &[u8],
    f9_der: &[u8],
    trust: &TrustStore,
    expected: Expected<'_>,
    now: OffsetDateTime,
) -> Result<VerifiedAttestation, AttestationRefusal> {
    let facts = verify_chain(attestation_der, f9_der, trust, now)?;
    bind(facts, expected)
}

/// The binding half of [`verify`], for facts already verified.
pub fn bind(
    facts: AttestationFacts,
    expected: Expected<'_>,
) -> Result<VerifiedAttestation, AttestationRefusal> {
    if !same_spki(&facts.public_key_spki_der, expected.public_key_spki_der) {
        return Err(AttestationRefusal::KeyMismatch {
            attested_sha256: sha256_hex(&facts.public_key_spki_der),
            expected_sha256: sha256_hex(expected.public_key_spki_der),
        });
    }
    match facts.serial {
        None => Err(AttestationRefusal::SerialMissing),
        Some(attested) if attested != expected.serial => Err(AttestationRefusal::SerialMismatch {
            attested,
            expected: expected.serial,
        }),
        Some(serial) => Ok(VerifiedAttestation { facts, serial }),
    }
}

/// SPKIs compared after a DER round trip (a parameters NULL written or omitted is the same key
/// only if both sides encode alike, so compare the canonical re-encoding).
fn same_spki(a: &[u8], b: &[u8]) -> bool {
    let canon = |d: &[u8]| {
        spki::SubjectPublicKeyInfoOwned::from_der(d)
            .ok()
            .and_then(|s| s.to_der().ok())
    };
    match (canon(a), canon(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn bad_ext(what: &str, reason: &str) -> AttestationRefusal {
    AttestationRefusal::Malformed {
        what: "slot attestation certificate",
        reason: format!("extension {what}: {reason}"),
    }
}

fn firmware_of(att: &Certificate) -> Result<Option<FirmwareVersion>, AttestationRefusal> {
    match extension(att, OID_FIRMWARE) {
        Some([major, minor, patch]) => Ok(Some(FirmwareVersion {
            major: (*major).into(),
            minor: (*minor).into(),
            patch: (*patch).into(),
        })),
        Some(_) => Err(bad_ext(".3.3 firmware", "not 3 bytes")),
        None => Ok(None),
    }
}

fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    cert.tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

fn slot_of(subject: &str) -> Option<u8> {
    let tail = subject.rsplit(' ').next()?;
    if tail.len() == 2 {
        u8::from_str_radix(tail, 16).ok()
    } else {
        None
    }
}

fn same_name(a: &x509_cert::name::Name, b: &x509_cert::name::Name) -> bool {
    a.to_der().ok() == b.to_der().ok()
}

/// `child` names `issuer` and carries its signature.
fn link(child: &Certificate, issuer: &Certificate) -> Result<(), AttestationRefusal> {
    let subject = child.tbs_certificate().subject().to_string();
    if !same_name(
        child.tbs_certificate().issuer(),
        issuer.tbs_certificate().subject(),
    ) {
        return Err(AttestationRefusal::ChainInvalid {
            subject,
            reason: format!(
                "issued by {:?}, not by the F9 certificate {:?}",
                child.tbs_certificate().issuer().to_string(),
                issuer.tbs_certificate().subject().to_string()
            ),
        });
    }
    check_signature(child, issuer)
        .map_err(|reason| AttestationRefusal::ChainInvalid { subject, reason })
}

fn check_signature(child: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let tbs = child
        .tbs_certificate()
        .to_der()
        .map_err(|e| format!("TBS not encodable: {e}"))?;
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        child.signature_algorithm(),
        &tbs,
        child.signature().raw_bytes(),
    )
    .map_err(|e| {
        format!(
            "signature by {:?}: {e}",
            issuer.tbs_certificate().subject().to_string()
        )
    })
}

fn within_validity(cert: &Certificate, now: OffsetDateTime) -> Result<(), AttestationRefusal> {
    let v = cert.tbs_certificate().validity();
    let (from, to) = (to_offset(v.not_before), to_offset(v.not_after));
    if now < from || now > to {
        return Err(AttestationRefusal::OutsideValidity {
            subject: cert.tbs_certificate().subject().to_string(),
            at: now.to_string(),
            not_before: from.to_string(),
            not_after: to.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pinned_certificate_parses_and_the_default_store_has_no_test_root() {
        let store = TrustStore::yubico();
        assert_eq!(store.anchors.len(), 4);
        assert_eq!(store.intermediates.len(), 5);
        assert!(!store.trusts_test_root());
        assert!(!TrustStore::default().trusts_test_root());
    }

    #[test]
    fn form_factor_byte_splits_fips_bit() {
        assert_eq!(
            FormFactor::from_byte(0x83),
            (FormFactor::UsbCKeychain, true)
        );
        assert_eq!(FormFactor::from_byte(0x04), (FormFactor::UsbCNano, false));
        assert_eq!(FormFactor::from_byte(0x07), (FormFactor::UsbCBio, false));
    }

    #[test]
    fn slot_is_read_from_the_attestation_subject() {
        assert_eq!(slot_of("CN=YubiKey PIV Attestation 9c"), Some(0x9c));
        assert_eq!(slot_of("CN=YubiKey PIV Attestation"), None);
    }
}
