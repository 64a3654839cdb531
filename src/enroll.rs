//! One in-person issuance, end to end (Pasal 14), as a journaled, resumable use case.
//!
//! The steps ([`STEPS`]) run in order. Each writes a **before** record to the session journal
//! (`enrol_sessions`) in its own committed transaction, does its work on the token / CA, then
//! writes an **after** record together with the step's results and ledger events, again in its
//! own transaction. A crash therefore always leaves a trace: the last record names the step and
//! whether it had finished. `resume` continues after the last finished step; `abort` undoes what
//! the session did on the token (half-made key deleted) and in the inventory, and tells the
//! ledger. PINs are never stored: resume and abort ask for them again.
//!
//! **Test-only fault injection**, compiled only with the cargo feature `test-hooks` (which
//! `scripts/test` enables and no release build does): when the environment variable
//! `KUSTODI_TEST_CRASH_AFTER` names a step, the process calls `std::process::abort()` right
//! after that step's after-record is committed. A real crash at an exact step boundary cannot be
//! produced on demand; this is how `tests/enroll_crash.rs` proves that every boundary can be
//! resumed or rolled back. Without the feature the hook and the variable's name are not in the
//! binary at all, and the variable is ignored.

use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::archive::{self, Archive, ArchiveError};
use crate::ca::acme::{AcmeCa, AcmeSettings};
use crate::ca::embedded::EmbeddedCa;
use crate::ca::offline::{OfflineCa, import_certificates, read_certificates};
use crate::ca::{CaError, CaRequest, CertificateAuthority, RevocationReason, Submission};
use crate::certcheck::{self, CheckError, sha256_hex};
use crate::csr::{CsrError, build_csr, csr_to_pem};
use crate::domain::application::{ApplicationStatus, TransitionError, mark_issued};
use crate::domain::firmware::{
    Algorithm, CkVersion, PinViolation, SecretKind, TokenReport, Verdict, evaluate,
};
use crate::domain::profile::CertificateTemplate;
use crate::home::{CaConfig, CaKind, Config, Home};
use crate::ports::token::{
    CertificateObject, KeyAlgorithm, KeyHandleRef, TokenError, TokenInfo, TokenProvider,
    TokenSession,
};
use crate::receipt::{
    self, Agreement, ReceiptAgreement, ReceiptApplicant, ReceiptAttestation, ReceiptBody,
    ReceiptCa, ReceiptCertificate, ReceiptError, ReceiptIdentityCheck, ReceiptKey, ReceiptOfficer,
    ReceiptToken, build_receipt, nik_binding, receipt_sha256,
};
use crate::secret::{Pin, Secret};
use crate::service::{ServiceError, Station, subject_facts};
use crate::store::StoreError;
use crate::store::enrolment::{CertificateRow, SessionRow, TokenRow};
use crate::token::pkcs11::{Pkcs11Provider, Pkcs11Session};
use crate::token::uri::{ObjectType, Pkcs11Uri};
use crate::token::{TokenSignature, TokenSigner, profiles};

/// The steps of an enrolment, in order. These names appear in the journal, in
/// `kustodi session list` and in the test-only crash hook.
pub const STEPS: &[&str] = &[
    "recognise",
    "initialise",
    "set_pin",
    "keygen",
    "attestation",
    "csr",
    "ca",
    "certcheck",
    "install",
    "receipt",
    "supersede",
    "finish",
];

/// Test-only fault injection: abort the process right after this step's after-record (only
/// with the cargo feature `test-hooks`).
#[cfg(feature = "test-hooks")]
pub const CRASH_ENV: &str = "KUSTODI_TEST_CRASH_AFTER";
/// Environment variable giving the embedded CA token PIN (takes precedence over the file).
pub const CA_PIN_ENV: &str = "KUSTODI_CA_PIN";
/// `CKA_LABEL` of the embedded CA key on its token.
pub const CA_KEY_LABEL: &str = "kustodi-ca";
/// Validity of the sandbox CA certificate.
pub const SANDBOX_CA_DAYS: u32 = 3650;
/// The SO PIN that new sandbox tokens "ship with" (public, like a vendor's factory default).
/// Shared by `kustodi sandbox` / `kustodi enroll` and the desk.
pub const SANDBOX_FACTORY_SO_PIN: &str = "12345678";

/// Why an enrolment step was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("application {id} is {status}; only an approved application can be issued")]
    NotApproved { id: String, status: String },
    #[error("application {id} already has an open enrolment session {session}")]
    SessionOpen { id: String, session: String },
    #[error("token {serial} is {state} in the inventory; only a stock token can be enrolled")]
    TokenNotStock { serial: String, state: String },
    #[error("the token model {profile} is refused for {algorithm}: {reasons}")]
    TokenRefused {
        profile: String,
        algorithm: String,
        reasons: String,
    },
    #[error("the factory SO PIN of this token model ({profile}) is not known to the station")]
    FactorySoPinUnknown { profile: String },
    #[error("the applicant's PIN does not meet the token's rules: {0}")]
    PinPolicy(PinViolation),
    #[error("the two PIN entries differ")]
    PinMismatch,
    #[error("the officer token refused the PIN{}", retries(*.retries_left, *.final_try))]
    OfficerPinIncorrect {
        retries_left: Option<u32>,
        final_try: bool,
    },
    #[error("the officer token's PIN is locked")]
    OfficerPinLocked,
    #[error("no officer token: give --officer-token or set [officer] default_token")]
    NoOfficerToken,
    #[error("the identity re-check was not confirmed (--identity-checked)")]
    IdentityNotChecked,
    #[error("the subscriber agreement was not accepted (--agreement-accepted SHA256)")]
    AgreementNotAccepted,
    #[error("{sha256} is not the SHA-256 of a known subscriber agreement text")]
    AgreementUnknown { sha256: String },
    #[error("the officer token {uri} holds no signing key and certificate")]
    OfficerKeyMissing { uri: String },
    #[error("the officer certificate is not acceptable: {reason}")]
    OfficerCertificate { reason: String },
    #[error("the station has no [ca] section in config.toml")]
    NoCa,
    #[error(
        "the RSA key generated on the token has the ROCA weakness (CVE-2017-15361); it was deleted"
    )]
    KeyRefusedRoca,
    #[error("the token failed: {0}")]
    Token(#[from] TokenError),
    #[error("the applicant's token refused the PIN: {0}")]
    ApplicantPin(TokenError),
    #[error(transparent)]
    Ca(#[from] CaError),
    #[error("the certificate cannot be installed: {0}")]
    Check(#[from] CheckError),
    #[error(transparent)]
    Csr(#[from] CsrError),
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("session {id} is {status}: {what}")]
    SessionState {
        id: String,
        status: String,
        what: &'static str,
    },
    #[error("no parked session waits for a certificate with this key")]
    NoParkedSession,
    #[error("the firmware profiles cannot be loaded: {0}")]
    Profiles(String),
    #[error("the session data of {id} is unreadable: {reason}")]
    CorruptSession { id: String, reason: String },
    #[error("the receipt hash {sha256} is not in the ledger")]
    ReceiptNotInLedger { sha256: String },
    #[error("cannot read {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("the renewed certificate's predecessor could not be revoked: {0}")]
    Supersede(String),
    #[error("certificate {serial} is {status}; only an active certificate can be renewed")]
    NotRenewable { serial: String, status: String },
    #[error("officer {officer} may not renew or issue their own certificate")]
    OwnCertificate { officer: String },
    #[error("the token label must be 1 to 32 bytes: {label:?}")]
    TokenLabel { label: String },
    #[error(
        "initialising token {serial} stopped at {stage} ({reason}); the token is {token_state}{}",
        escrow.as_deref().map(|e| format!("; SO PIN escrow {e} recorded")).unwrap_or_default()
    )]
    InitIncomplete {
        serial: String,
        /// `set_pin` (holder PIN / escrow), `so_pin` (SO PIN change) or `record` (database).
        stage: &'static str,
        /// `reinitialised` (new label, factory SO PIN), `so_pin_unknown` (factory or the
        /// escrowed one) or `initialised` (done on the token, not recorded).
        token_state: &'static str,
        escrow: Option<String>,
        reason: String,
    },
}

fn retries(left: Option<u32>, final_try: bool) -> String {
    match (left, final_try) {
        (Some(n), _) => format!(" ({n} tries left)"),
        (None, true) => " (one try left before it locks)".into(),
        _ => String::new(),
    }
}

impl From<StoreError> for EnrolError {
    fn from(e: StoreError) -> Self {
        EnrolError::Service(ServiceError::Store(e))
    }
}

impl From<TransitionError> for EnrolError {
    fn from(e: TransitionError) -> Self {
        EnrolError::Service(ServiceError::Transition(e))
    }
}

/// Everything a session remembers between steps (JSON in `enrol_sessions.data`). Never a PIN.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionData {
    pub algorithm: String,
    pub lang: String,
    pub officer_id: String,
    pub officer_name: String,
    pub officer_certificate_sha256: String,
    pub token_serial: String,
    pub token_manufacturer: String,
    pub token_model: String,
    pub token_firmware: String,
    /// Inventory state of the token before this session (restored by abort).
    pub token_state_before: String,
    pub token_label_before: String,
    #[serde(default)]
    pub profile_id: String,
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub advisories: Vec<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// Archive name of the escrowed SO PIN (set once the SO PIN was changed).
    #[serde(default)]
    pub so_pin_escrow: Option<String>,
    #[serde(default)]
    pub so_pin_rotated: bool,
    #[serde(default)]
    pub key_label: Option<String>,
    #[serde(default)]
    pub key_id_hex: Option<String>,
    #[serde(default)]
    pub spki_hex: Option<String>,
    #[serde(default)]
    pub attestation: Option<String>,
    #[serde(default)]
    pub csr_hex: Option<String>,
    #[serde(default)]
    pub ca_name: Option<String>,
    #[serde(default)]
    pub ticket: Option<String>,
    #[serde(default)]
    pub csr_file: Option<PathBuf>,
    #[serde(default)]
    pub certificate_hex: Option<String>,
    #[serde(default)]
    pub chain_hex: Vec<String>,
    #[serde(default)]
    pub certificate_serial: Option<String>,
    #[serde(default)]
    pub certificate_object: Option<String>,
    #[serde(default)]
    pub receipt_id: Option<String>,
    #[serde(default)]
    pub receipt_sha256: Option<String>,
    /// A renewal (Pasal 15): the serial of the certificate it replaces.
    #[serde(default)]
    pub renewal_of: Option<String>,
    /// A renewal on the holder's own token (no initialisation, the holder's PIN kept).
    #[serde(default)]
    pub same_token: bool,
    /// Ledger seq of the session's `enrol.identity_checked` event (the receipt names it).
    #[serde(default)]
    pub identity_check_seq: Option<u64>,
    /// The agreement text accepted (`enrol.agreement_accepted`): SHA-256, language, version.
    #[serde(default)]
    pub agreement_sha256: Option<String>,
    #[serde(default)]
    pub agreement_lang: Option<String>,
    #[serde(default)]
    pub agreement_version: Option<String>,
}

impl SessionData {
    fn parse(row: &SessionRow) -> Result<Self, EnrolError> {
        serde_json::from_str(&row.data).map_err(|e| EnrolError::CorruptSession {
            id: row.id.clone(),
            reason: e.to_string(),
        })
    }

    fn key_algorithm(&self) -> Result<KeyAlgorithm, EnrolError> {
        parse_algorithm(&self.algorithm).map(|(_, k)| k)
    }

    fn token_uri(&self) -> String {
        Pkcs11Uri {
            serial: Some(self.token_serial.clone()),
            ..Default::default()
        }
        .to_string()
    }

    fn key(&self) -> Option<KeyHandleRef> {
        Some(KeyHandleRef {
            token_uri: self.token_uri(),
            id: hex::decode(self.key_id_hex.as_ref()?).ok()?,
            label: self.key_label.clone()?,
            algorithm: self.key_algorithm().ok()?,
        })
    }
}

/// `p256` → (firmware-profile algorithm, token key algorithm).
pub fn parse_algorithm(name: &str) -> Result<(Algorithm, KeyAlgorithm), EnrolError> {
    Ok(match name {
        "p256" => (Algorithm::P256, KeyAlgorithm::P256),
        "p384" => (Algorithm::P384, KeyAlgorithm::P384),
        "rsa2048" => (Algorithm::Rsa2048, KeyAlgorithm::Rsa2048),
        "rsa3072" => (Algorithm::Rsa3072, KeyAlgorithm::Rsa3072),
        other => {
            return Err(EnrolError::TokenRefused {
                profile: "-".into(),
                algorithm: other.into(),
                reasons: "unknown algorithm (p256, p384, rsa2048, rsa3072)".into(),
            });
        }
    })
}

fn receipt_algorithm(k: KeyAlgorithm) -> &'static str {
    match k {
        KeyAlgorithm::P256 => "ecdsa-p256",
        KeyAlgorithm::P384 => "ecdsa-p384",
        KeyAlgorithm::Rsa2048 => "rsa-2048",
        KeyAlgorithm::Rsa3072 => "rsa-3072",
    }
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> EnrolError {
    EnrolError::File {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// Reads every certificate in the configured trust anchor files (and the embedded CA's).
pub fn trust_anchors(home: &Home, config: &Config) -> Result<Vec<Vec<u8>>, EnrolError> {
    let ca = config.ca.as_ref().ok_or(EnrolError::NoCa)?;
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = ca.trust_anchors.iter().map(|p| home.resolve(p)).collect();
    if let Some(c) = &ca.certificate {
        let p = home.resolve(c);
        if !files.contains(&p) {
            files.push(p);
        }
    }
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| file_err(&path, e))?;
        out.extend(read_certificates(&bytes)?);
    }
    Ok(out)
}

fn anchor_certs(anchors: &[Vec<u8>]) -> Result<Vec<Certificate>, EnrolError> {
    anchors
        .iter()
        .map(|d| {
            Certificate::from_der(d).map_err(|e| EnrolError::OfficerCertificate {
                reason: format!("trust anchor unreadable: {e}"),
            })
        })
        .collect()
}

/// The embedded CA token PIN: `KUSTODI_CA_PIN`, else the configured file.
pub fn ca_pin(home: &Home, ca: &CaConfig) -> Result<Pin, EnrolError> {
    if let Ok(pin) = std::env::var(CA_PIN_ENV) {
        return Ok(Pin::from_string(pin));
    }
    let path = ca
        .pin_file
        .as_ref()
        .map(|p| home.resolve(p))
        .ok_or(EnrolError::NoCa)?;
    let text =
        zeroize::Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| file_err(&path, e))?);
    Ok(Pin::new(text.trim().to_owned()))
}

/// An open session on the embedded CA's token, logged in, with its key and certificate.
#[derive(Debug)]
pub struct CaToken {
    session: Pkcs11Session,
    key: KeyHandleRef,
    certificate_der: Vec<u8>,
}

impl CaToken {
    pub fn open(provider: &Pkcs11Provider, home: &Home, ca: &CaConfig) -> Result<Self, EnrolError> {
        let label = ca.token_label.clone().ok_or(EnrolError::NoCa)?;
        let token_uri = Pkcs11Uri {
            token: Some(label),
            ..Default::default()
        };
        let session = provider.open_pkcs11_session(&token_uri.to_string())?;
        session.login(&ca_pin(home, ca)?)?;
        let key = session.find_key(
            &token_uri
                .with_object(None, Some(CA_KEY_LABEL), Some(ObjectType::Private))
                .to_string(),
        )?;
        let path = home.resolve(ca.certificate.as_ref().ok_or(EnrolError::NoCa)?);
        let pem = std::fs::read(&path).map_err(|e| file_err(&path, e))?;
        let certificate_der = read_certificates(&pem)?
            .into_iter()
            .next()
            .ok_or_else(|| file_err(&path, "no certificate"))?;
        Ok(Self {
            session,
            key,
            certificate_der,
        })
    }

    /// The CA as a [`CertificateAuthority`] signing on the token.
    pub fn authority(&self) -> Result<EmbeddedCa<TokenSigner<'_>, TokenSignature>, EnrolError> {
        let signer = TokenSigner::new(&self.session, self.key.clone())?;
        Ok(EmbeddedCa::from_certificate(signer, &self.certificate_der)?)
    }

    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }
}

/// An officer signed in with their own token: key, certificate and a proven PIN.
#[derive(Debug)]
pub struct Officer {
    session: Pkcs11Session,
    key: KeyHandleRef,
    certificate: Certificate,
    certificate_der: Vec<u8>,
    pub id: String,
    pub name: String,
}

fn name_attr(name: &x509_cert::name::Name, oid: der::asn1::ObjectIdentifier) -> Option<String> {
    name.iter().find_map(|atv| {
        (atv.oid == oid)
            .then(|| {
                std::str::from_utf8(atv.value.value())
                    .ok()
                    .map(str::to_owned)
            })
            .flatten()
    })
}

impl Officer {
    /// Signs the officer in: PIN checked by the token, certificate read from the token and
    /// checked against the trust anchors (digitalSignature + nonRepudiation, valid now), and a
    /// fresh random challenge signed by the token key and verified with the certificate's key.
    pub fn sign_in(
        provider: &Pkcs11Provider,
        token_uri: &str,
        key_label: &str,
        pin: &Pin,
        anchors: &[Vec<u8>],
        now: OffsetDateTime,
    ) -> Result<Self, EnrolError> {
        let session = provider.open_pkcs11_session(token_uri)?;
        session.login(pin).map_err(|e| match e {
            TokenError::PinIncorrect {
                retries_left,
                final_try,
                ..
            } => EnrolError::OfficerPinIncorrect {
                retries_left,
                final_try,
            },
            TokenError::PinLocked => EnrolError::OfficerPinLocked,
            other => EnrolError::Token(other),
        })?;
        let base = Pkcs11Uri::parse(session.token_uri())
            .map_err(EnrolError::Token)?
            .token_part();
        let missing = || EnrolError::OfficerKeyMissing {
            uri: token_uri.to_owned(),
        };
        let key = session
            .find_key(
                &base
                    .with_object(None, Some(key_label), Some(ObjectType::Private))
                    .to_string(),
            )
            .map_err(|_| missing())?;
        let certificate_der = session
            .find_certificate(
                &base
                    .with_object(Some(&key.id), None, Some(ObjectType::Cert))
                    .to_string(),
            )?
            .ok_or_else(missing)?;
        let certificate = Certificate::from_der(&certificate_der).map_err(|e| {
            EnrolError::OfficerCertificate {
                reason: e.to_string(),
            }
        })?;
        let bad = |reason: String| EnrolError::OfficerCertificate { reason };
        // Chain: issued directly by a trust anchor, valid now, signing key usage.
        let tbs = certificate.tbs_certificate();
        let anchors = anchor_certs(anchors)?;
        let issuer = anchors
            .iter()
            .find(|a| {
                a.tbs_certificate().subject().to_der().ok() == tbs.issuer().to_der().ok()
                    && certcheck::verify_certificate_signature(
                        &certificate,
                        a.tbs_certificate().subject_public_key_info(),
                    )
                    .is_ok()
            })
            .ok_or_else(|| bad(format!("not issued by a trusted CA ({})", tbs.issuer())))?;
        let _ = issuer;
        let v = tbs.validity();
        let (nb, na) = (
            certcheck::to_offset(v.not_before),
            certcheck::to_offset(v.not_after),
        );
        if now < nb || now > na {
            return Err(bad(format!("not valid now (valid {nb} to {na})")));
        }
        let usage = certcheck::usage_of(&certificate).map_err(|e| bad(e.to_string()))?;
        if !usage.key_usage.contains("digitalSignature")
            || !usage.key_usage.contains("nonRepudiation")
        {
            return Err(bad("key usage lacks digitalSignature/nonRepudiation".into()));
        }
        // Proof of possession: sign a fresh challenge on the token, verify with the certificate.
        let signer = TokenSigner::new(&session, key.clone())?;
        let mut challenge = [0u8; 32];
        rand::fill(&mut challenge);
        let sig = signature::Signer::<TokenSignature>::try_sign(&signer, &challenge)
            .map_err(|e| bad(format!("the token could not sign: {e}")))?;
        let alg = spki::DynSignatureAlgorithmIdentifier::signature_algorithm_identifier(&signer)
            .map_err(|e| bad(e.to_string()))?;
        certcheck::verify_signature(tbs.subject_public_key_info(), &alg, &challenge, &sig.0)
            .map_err(|e| bad(format!("the token key is not the certificate's key: {e}")))?;
        let name = name_attr(tbs.subject(), const_oid::db::rfc4519::CN)
            .unwrap_or_else(|| tbs.subject().to_string());
        let id = name_attr(tbs.subject(), const_oid::db::rfc4519::SERIAL_NUMBER)
            .map(|s| s.trim_start_matches("NIP:").to_owned())
            .unwrap_or_else(|| name.clone());
        Ok(Self {
            session,
            key,
            certificate,
            certificate_der,
            id,
            name,
        })
    }

    pub fn certificate_sha256(&self) -> String {
        sha256_hex(&self.certificate_der)
    }

    /// The officer's certificate (as read from their token at sign-in).
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// A signer over the officer's token key (for documents the officer signs).
    pub fn signer(&self) -> Result<TokenSigner<'_>, EnrolError> {
        Ok(TokenSigner::new(&self.session, self.key.clone())?)
    }

    /// The serial of the officer's own token.
    pub fn token_serial(&self) -> Result<String, EnrolError> {
        Ok(self.session.token_info()?.serial)
    }

    pub fn actor(&self) -> String {
        format!("officer:{}", self.id)
    }
}

/// What an enrolment run ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Certificate on the token, receipt signed, application issued.
    Done(Summary),
    /// Waiting for the offline CA: the CSR and request sheet are in the outbox.
    Parked {
        session: String,
        ticket: String,
        csr_file: PathBuf,
        instructions: String,
    },
}

/// The ids of a finished enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub session: String,
    pub application_id: String,
    pub receipt_id: String,
    pub receipt_sha256: String,
    pub certificate_serial: String,
    pub token_serial: String,
    pub token_label: String,
    pub advisories: Vec<String>,
}

/// Shared inputs of enroll / resume / import.
pub struct Context<'a> {
    pub provider: &'a Pkcs11Provider,
    pub officer: &'a Officer,
    pub applicant_pin: &'a Pin,
    /// The SO PIN stock tokens ship with when the token profile does not publish one
    /// (the sandbox's factory SO PIN).
    pub factory_so_pin: Option<&'a Pin>,
    /// Told the name of each step (one of [`STEPS`]) as it starts, so a screen can show the
    /// run's progress. Never given a secret.
    pub progress: Option<&'a dyn Fn(&'static str)>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("provider", &self.provider)
            .field("officer", &self.officer)
            .field("applicant_pin", &self.applicant_pin)
            .field("factory_so_pin", &self.factory_so_pin)
            .field("progress", &self.progress.map(|_| "fn"))
            .finish()
    }
}

/// How the officer gave the in-person evidence: on the terminal or desk screen (the agreement
/// shown, the identity check confirmed), or by a script's explicit flags
/// (`--identity-checked`, `--agreement-accepted SHA256`). Recorded as `"how"` in the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceHow {
    Terminal,
    Flag,
}

impl EvidenceHow {
    /// `terminal` or `flag`, as the ledger events record it.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceHow::Terminal => "terminal",
            EvidenceHow::Flag => "flag",
        }
    }
}

/// The in-person evidence of an issuance or renewal (Pasal 14(4)-(5), 17(1)), given by the
/// signed-in officer before anything is recorded: that the applicant's identity was re-checked
/// against the application's documents, and which text of the subscriber agreement the
/// applicant accepted. Both become ledger events of the session, before any key is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The officer confirmed the identity re-check, and how.
    pub identity_checked: Option<EvidenceHow>,
    /// The SHA-256 of the agreement text the applicant accepted, and how.
    pub agreement_accepted: Option<(String, EvidenceHow)>,
}

impl Evidence {
    /// Both given the same way (the desk; a script with both flags).
    pub fn new(agreement_sha256: &str, how: EvidenceHow) -> Self {
        Self {
            identity_checked: Some(how),
            agreement_accepted: Some((agreement_sha256.to_owned(), how)),
        }
    }

    /// Refuses missing evidence and an agreement hash that is not one of the known texts;
    /// returns the accepted text.
    pub fn check(&self) -> Result<Agreement, EnrolError> {
        if self.identity_checked.is_none() {
            return Err(EnrolError::IdentityNotChecked);
        }
        let Some((sha, _)) = &self.agreement_accepted else {
            return Err(EnrolError::AgreementNotAccepted);
        };
        let sha = sha.trim().to_ascii_lowercase();
        Agreement::all()
            .into_iter()
            .find(|a| a.sha256() == sha)
            .ok_or(EnrolError::AgreementUnknown { sha256: sha })
    }
}

struct Run<'r, 's, 'a> {
    station: &'r mut Station<'s>,
    ctx: &'r Context<'a>,
    session_id: String,
    application_id: String,
    data: SessionData,
    token: Option<Pkcs11Session>,
}

#[cfg(feature = "test-hooks")]
fn crash_point(step: &str) {
    if std::env::var(CRASH_ENV).is_ok_and(|s| s == step) {
        // Test-only fault injection (see the module docs).
        std::process::abort();
    }
}

/// Without the `test-hooks` feature there is no crash hook: nothing is read, nothing happens.
#[cfg(not(feature = "test-hooks"))]
fn crash_point(_step: &str) {}

/// The custodians' archive of the station (where SO PINs are escrowed).
pub fn custodian_archive(station: &Station<'_>) -> Result<Archive, EnrolError> {
    let recipients = archive::parse_recipients(&station.config().custodians.recipients)?;
    Ok(Archive::new(station.home().archive_dir(), recipients))
}

/// The `set_pin` step's token work, shared by enrolment and `kustodi token init`: sets the
/// holder's PIN with the current SO PIN, then escrows a fresh random SO PIN to the custodians
/// and only then changes the token's SO PIN to it. `escrowed` runs with the archive name after
/// the escrow and before the change (enrolment journals it there), so the new SO PIN can always
/// be recovered by the custodians. Returns the archive name. The SO PIN is never returned.
pub fn set_pin_and_escrow_so_pin(
    provider: &Pkcs11Provider,
    token_uri: &str,
    current_so_pin: &Pin,
    user_pin: &Pin,
    archive: &Archive,
    escrowed: impl FnOnce(&str) -> Result<(), EnrolError>,
) -> Result<String, EnrolError> {
    provider
        .init_user_pin(token_uri, current_so_pin, user_pin)
        .map_err(EnrolError::ApplicantPin)?;
    let so = random_secret(16);
    let name = archive.escrow(&Secret::new(so.expose().as_bytes().to_vec()))?;
    escrowed(&name)?;
    provider.change_so_pin(token_uri, current_so_pin, &so)?;
    Ok(name)
}

/// The firmware profile (id) a token is recognised as.
pub fn token_profile_id(info: &TokenInfo) -> Result<String, EnrolError> {
    Ok(assess_token(info, &[])?.profile_id)
}

/// The station's view of a token before an issuance: the firmware profile it matches, its
/// user-PIN rules, and for each algorithm asked about the verdict `enroll` would reach (the
/// same [`evaluate`] the `recognise` step runs), so the desk can show it and refuse early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAssessment {
    pub profile_id: String,
    pub firmware: String,
    pub pin_min: u32,
    pub pin_max: u32,
    /// `digits`, `alnum` or `any`.
    pub pin_charset: &'static str,
    pub verdicts: Vec<AlgorithmAssessment>,
}

/// The verdict for one algorithm on one token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmAssessment {
    pub algorithm: String,
    /// `allowed`, `allowed_with_warnings` or `refused` (as the session records it).
    pub verdict: &'static str,
    /// Advisories behind the verdict (refusing or warning).
    pub advisories: Vec<String>,
    /// Set when the firmware cannot make this key at all: the algorithms it can.
    pub supported_instead: Option<Vec<String>>,
}

/// Assesses a token for the algorithms named (names as `kustodi enroll --algorithm` takes).
pub fn assess_token(info: &TokenInfo, algorithms: &[&str]) -> Result<TokenAssessment, EnrolError> {
    let set = profiles::embedded_profiles().map_err(|e| EnrolError::Profiles(format!("{e:?}")))?;
    let matched = set.match_token(&TokenReport {
        manufacturer: Some(info.manufacturer.clone()),
        model: Some(info.model.clone()),
        label: Some(info.label.clone()),
        pkcs11_firmware: ck_version(&info.firmware_version),
        ..Default::default()
    });
    let mut verdicts = vec![];
    for name in algorithms {
        let (alg, _) = parse_algorithm(name)?;
        let verdict = evaluate(matched.profile, matched.firmware, alg);
        let supported_instead = match &verdict {
            Verdict::Refused(r) => r.iter().find_map(|r| match r {
                crate::domain::firmware::Refusal::AlgorithmNotSupported { supported, .. } => {
                    Some(supported.iter().map(ToString::to_string).collect())
                }
                _ => None,
            }),
            _ => None,
        };
        verdicts.push(AlgorithmAssessment {
            algorithm: (*name).to_owned(),
            verdict: match &verdict {
                Verdict::Allowed => "allowed",
                Verdict::AllowedWithWarnings(_) => "allowed_with_warnings",
                Verdict::Refused(_) => "refused",
            },
            advisories: verdict
                .advisory_ids()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            supported_instead,
        });
    }
    let user = matched.profile.pin.user;
    Ok(TokenAssessment {
        profile_id: matched.profile.id.clone(),
        firmware: info.firmware_version.clone(),
        pin_min: user.min_length,
        pin_max: user.max_length,
        pin_charset: if matched.profile.pin.pinpad_digits_only {
            "digits"
        } else {
            match user.charset {
                crate::domain::firmware::PinCharset::Digits => "digits",
                crate::domain::firmware::PinCharset::Alnum => "alnum",
                crate::domain::firmware::PinCharset::Any => "any",
            }
        },
        verdicts,
    })
}

/// Checks a new PIN against the token model's policy.
pub fn check_new_pin(profile_id: &str, pin: &Pin) -> Result<(), EnrolError> {
    let set = profiles::embedded_profiles().map_err(|e| EnrolError::Profiles(format!("{e:?}")))?;
    let profile = set.get(profile_id).unwrap_or_else(|| set.fallback());
    profile
        .pin
        .user
        .check(pin.expose(), profile.pin.pinpad_digits_only)
        .map_err(EnrolError::PinPolicy)
}

fn ck_version(s: &str) -> Option<CkVersion> {
    let (a, b) = s.split_once('.')?;
    Some(CkVersion {
        major: a.parse().ok()?,
        minor: b.parse().ok()?,
    })
}

fn token_label(application_id: &str, name: &str) -> String {
    let mut label = format!("{application_id} {name}");
    while label.len() > 32 {
        label.pop();
    }
    label.trim_end().to_owned()
}

fn random_secret(len: usize) -> Pin {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    Pin::from_string(
        (0..len)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect(),
    )
}

/// RSA modulus (big-endian) of an SPKI, if it is an RSA key.
fn rsa_modulus(spki_der: &[u8]) -> Option<Vec<u8>> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    let ints: Vec<der::asn1::UintRef<'_>> =
        Vec::from_der(spki.subject_public_key.raw_bytes()).ok()?;
    ints.first().map(|n| n.as_bytes().to_vec())
}

/// Starts an enrolment of an approved application on a stock token and runs it as far as it
/// goes (to the end with the embedded CA, to the offline CA's request otherwise).
pub fn enroll(
    station: &mut Station<'_>,
    ctx: &Context<'_>,
    application_id: &str,
    token_uri: &str,
    algorithm: &str,
    lang: receipt::Lang,
    evidence: &Evidence,
) -> Result<Outcome, EnrolError> {
    let (_, key_alg) = parse_algorithm(algorithm)?;
    let agreement = evidence.check()?;
    let row = station.store().get_application(application_id)?;
    // The application (form, hence subject and DNS names, and its approval) must be what the
    // ledger recorded (issue 16), before anything is decided on it.
    station.store().check_record("applications", &row.id)?;
    if row.status != ApplicationStatus::Approved.as_str() {
        return Err(EnrolError::NotApproved {
            id: row.id,
            status: row.status,
        });
    }
    if station.config().ca.is_none() {
        return Err(EnrolError::NoCa);
    }
    // Identify the token (read-only) to name the session; the recognise step judges it.
    let info = ctx.provider.token_info(token_uri)?;
    let existing = station.store().token(&info.serial)?;
    if let Some(t) = &existing
        && t.state != "stock"
    {
        return Err(EnrolError::TokenNotStock {
            serial: t.serial.clone(),
            state: t.state.clone(),
        });
    }
    // The applicant's PIN is judged by the token model's rules before anything is recorded.
    check_new_pin(&token_profile_id(&info)?, ctx.applicant_pin)?;
    let data = new_session_data(ctx, algorithm, lang, &info, existing.as_ref());
    let event = json!({"session": null, "token_serial": info.serial,
        "algorithm": key_alg.to_string(),
        "officer_certificate_sha256": data.officer_certificate_sha256});
    start_session(
        station,
        ctx,
        application_id,
        token_uri,
        data,
        "enrol.started",
        event,
        (evidence, &agreement),
    )
}

/// The session data every issuance starts with: officer, token as found, algorithm, language.
fn new_session_data(
    ctx: &Context<'_>,
    algorithm: &str,
    lang: receipt::Lang,
    info: &TokenInfo,
    existing: Option<&TokenRow>,
) -> SessionData {
    SessionData {
        algorithm: algorithm.to_owned(),
        lang: lang.code().to_owned(),
        officer_id: ctx.officer.id.clone(),
        officer_name: ctx.officer.name.clone(),
        officer_certificate_sha256: ctx.officer.certificate_sha256(),
        token_serial: info.serial.clone(),
        token_manufacturer: info.manufacturer.clone(),
        token_model: info.model.clone(),
        token_firmware: info.firmware_version.clone(),
        token_state_before: existing.map_or_else(|| "stock".to_owned(), |t| t.state.clone()),
        token_label_before: info.label.clone(),
        ..Default::default()
    }
}

/// Starts a renewal (Pasal 15) of an active holder certificate: a new key on the holder's own
/// token (`token_uri` names it; the holder types their PIN) or on a stock token (the holder
/// sets a new PIN, as in an enrolment), a new certificate from the CA, its own receipt
/// (`renews` names the old certificate), and the old certificate revoked as `superseded` or
/// left to expire, as `[lifecycle] renewal_old_certificate` says. Journaled like an enrolment.
pub fn renew(
    station: &mut Station<'_>,
    ctx: &Context<'_>,
    certificate_serial: &str,
    token_uri: &str,
    algorithm: &str,
    lang: receipt::Lang,
    evidence: &Evidence,
) -> Result<Outcome, EnrolError> {
    let (_, key_alg) = parse_algorithm(algorithm)?;
    let agreement = evidence.check()?;
    let old = station.store().holder_certificate(certificate_serial)?;
    // The certificate and its application must be what the ledger recorded (issue 16).
    station.store().check_record("certificates", &old.serial)?;
    let status = station
        .store()
        .certificate_status(&old.serial)?
        .unwrap_or_default();
    if status != "active" {
        return Err(EnrolError::NotRenewable {
            serial: old.serial,
            status,
        });
    }
    let app = station.store().get_application(&old.application_id)?;
    station.store().check_record("applications", &app.id)?;
    if app.status != ApplicationStatus::Issued.as_str() {
        return Err(EnrolError::NotApproved {
            id: app.id,
            status: app.status,
        });
    }
    let form = station.form_of(&app)?;
    if let Err(crate::domain::inventory::InventoryError::OwnToken { officer }) =
        crate::domain::inventory::check_not_own_token(
            &ctx.officer.id,
            form.applicant.nip.as_deref(),
        )
    {
        return Err(EnrolError::OwnCertificate { officer });
    }
    if station.config().ca.is_none() {
        return Err(EnrolError::NoCa);
    }
    let info = ctx.provider.token_info(token_uri)?;
    let same_token = info.serial == old.token_serial;
    let existing = station.store().token(&info.serial)?;
    let expected = if same_token { "issued" } else { "stock" };
    if let Some(t) = &existing
        && t.state != expected
    {
        return Err(EnrolError::TokenNotStock {
            serial: t.serial.clone(),
            state: t.state.clone(),
        });
    }
    if !same_token {
        check_new_pin(&token_profile_id(&info)?, ctx.applicant_pin)?;
    }
    let data = SessionData {
        label: same_token.then(|| info.label.clone()),
        renewal_of: Some(old.serial.clone()),
        same_token,
        ..new_session_data(ctx, algorithm, lang, &info, existing.as_ref())
    };
    let event = json!({"session": null, "token_serial": info.serial,
        "algorithm": key_alg.to_string(), "previous_serial": old.serial,
        "same_token": same_token,
        "officer_certificate_sha256": data.officer_certificate_sha256});
    start_session(
        station,
        ctx,
        &old.application_id,
        token_uri,
        data,
        "renewal.started",
        event,
        (evidence, &agreement),
    )
}

/// Opens the journal session of an issuance (refused while the application has one open),
/// records `kind` with `event` (its `session` member filled in), then the in-person evidence
/// (`enrol.identity_checked`, `enrol.agreement_accepted`) with the journal record `evidence`,
/// all in one transaction before any step runs (so before keygen), and runs the steps.
#[allow(clippy::too_many_arguments)] // the session opening takes the run's inputs as they are
fn start_session(
    station: &mut Station<'_>,
    ctx: &Context<'_>,
    application_id: &str,
    token_uri: &str,
    mut data: SessionData,
    kind: &str,
    mut event: serde_json::Value,
    (evidence, agreement): (&Evidence, &Agreement),
) -> Result<Outcome, EnrolError> {
    let data_json = serde_json::to_string(&data).expect("session data serialises");
    let actor = ctx.officer.actor();
    let app = application_id.to_owned();
    // The documents the officer checked the applicant against: kind and SHA-256 as archived.
    let documents: Vec<Value> = station
        .store()
        .documents_of(&app)?
        .iter()
        .map(|d| json!({"kind": d.kind, "sha256": d.sha256}))
        .collect();
    let identity_how = evidence.identity_checked.unwrap_or(EvidenceHow::Flag);
    let agreement_how = evidence
        .agreement_accepted
        .as_ref()
        .map_or(EvidenceHow::Flag, |(_, how)| *how);
    data.agreement_sha256 = Some(agreement.sha256());
    data.agreement_lang = Some(agreement.lang.code().to_owned());
    data.agreement_version = Some(agreement.version.to_owned());
    let (session_id, data) = station.write_as(|tx| {
        if let Some(open) = tx.open_sessions_of(&app)?.first() {
            return Err(EnrolError::SessionOpen {
                id: app.clone(),
                session: open.id.clone(),
            });
        }
        let id = tx.insert_enrol_session(&app, token_uri, &data.token_serial, &data_json)?;
        event["session"] = json!(id);
        tx.append_event(kind, &app, &actor, event)?;
        let seq = tx.append_event(
            "enrol.identity_checked",
            &app,
            &actor,
            json!({"session": id, "checked_by": actor, "documents": documents,
                   "how": identity_how.as_str()}),
        )?;
        tx.append_event(
            "enrol.agreement_accepted",
            &app,
            &actor,
            json!({"session": id, "sha256": agreement.sha256(),
                   "lang": agreement.lang.code(), "version": agreement.version,
                   "how": agreement_how.as_str()}),
        )?;
        data.identity_check_seq = Some(seq);
        let data_json = serde_json::to_string(&data).expect("session data serialises");
        tx.journal(&id, "evidence", "after", "running", Some(&data_json))?;
        Ok((id, data))
    })?;
    let mut run = Run {
        station,
        ctx,
        session_id,
        application_id: app,
        data,
        token: None,
    };
    run.run_from(0)
}

/// The step to run next for a session whose latest journal record is `step`/`phase`.
pub fn next_step(row: &SessionRow) -> usize {
    // `start` and `evidence` (recorded with the session's opening) precede the first step.
    let idx = STEPS.iter().position(|s| *s == row.step);
    match (idx, row.phase.as_str()) {
        (None, _) => 0,
        (Some(i), "after") => i + 1,
        (Some(i), _) => i,
    }
}

/// Whether the applicant's PIN is already on the token of this session (the PIN step has run,
/// or a renewal keeps the holder's PIN): a resume then asks for that PIN once, else for a new
/// PIN twice.
pub fn applicant_pin_set(row: &SessionRow) -> Result<bool, EnrolError> {
    let data = SessionData::parse(row)?;
    let set_pin = STEPS.iter().position(|s| *s == "set_pin").unwrap_or(0);
    Ok(data.same_token || next_step(row) > set_pin)
}

/// Continues an interrupted (`running`) session after its last finished step.
pub fn resume(
    station: &mut Station<'_>,
    ctx: &Context<'_>,
    session_id: &str,
) -> Result<Outcome, EnrolError> {
    let row = station.store().enrol_session(session_id)?;
    if row.status != "running" {
        return Err(EnrolError::SessionState {
            id: row.id,
            status: row.status.clone(),
            what: if row.status == "parked" {
                "it waits for the CA's certificate: use `kustodi certificate import`"
            } else {
                "only a running (interrupted) session can be resumed"
            },
        });
    }
    let data = SessionData::parse(&row)?;
    let actor = ctx.officer.actor();
    let (id, app) = (row.id.clone(), row.application_id.clone());
    let next = next_step(&row);
    station.write_as(|tx| {
        tx.append_event(
            "enrol.resumed",
            &app,
            &actor,
            json!({"session": id, "from_step": STEPS.get(next).copied().unwrap_or("end")}),
        )?;
        Ok::<_, EnrolError>(())
    })?;
    let mut run = Run {
        station,
        ctx,
        session_id: row.id,
        application_id: row.application_id,
        data,
        token: None,
    };
    run.run_from(next)
}

/// Imports the offline CA's answer for a parked session (the one given, or the parked session
/// whose key the file's certificate is for), checks it and finishes the enrolment.
pub fn import_certificate(
    station: &mut Station<'_>,
    ctx: &Context<'_>,
    file: &Path,
    session_id: Option<&str>,
) -> Result<Outcome, EnrolError> {
    let bytes = crate::service::read_limited(file, 1024 * 1024)?;
    let candidates: Vec<SessionRow> = match session_id {
        Some(id) => vec![station.store().enrol_session(id)?],
        None => station.store().enrol_sessions(Some("parked"))?,
    };
    let mut last_err = EnrolError::NoParkedSession;
    for row in candidates {
        if row.status != "parked" {
            return Err(EnrolError::SessionState {
                id: row.id,
                status: row.status,
                what: "only a parked session waits for a certificate",
            });
        }
        let data = SessionData::parse(&row)?;
        let spki = hex::decode(data.spki_hex.clone().unwrap_or_default()).unwrap_or_default();
        let imported = match import_certificates(&bytes, &spki) {
            Ok(i) => i,
            Err(CaError::ImportNoMatchingCertificate { .. }) => {
                last_err = EnrolError::NoParkedSession;
                continue;
            }
            Err(e) => {
                last_err = e.into();
                continue;
            }
        };
        let mut run = Run {
            station,
            ctx,
            session_id: row.id.clone(),
            application_id: row.application_id.clone(),
            data,
            token: None,
        };
        run.data.certificate_hex = Some(hex::encode(&imported.certificate_der));
        run.data.chain_hex = imported.chain_der.iter().map(hex::encode).collect();
        let sha = sha256_hex(&imported.certificate_der);
        let actor = ctx.officer.actor();
        let (id, app) = (run.session_id.clone(), run.application_id.clone());
        let data_json = serde_json::to_string(&run.data).expect("session data serialises");
        // Certificate received: the session runs again from the check.
        run.station.write_as(|tx| {
            tx.journal(&id, "ca", "after", "running", Some(&data_json))?;
            tx.append_event(
                "certificate.received",
                &app,
                &actor,
                json!({"session": id, "sha256": sha, "chain": imported.chain_der.len().to_string()}),
            )?;
            Ok::<_, EnrolError>(())
        })?;
        return match run.run_from(STEPS.iter().position(|s| *s == "certcheck").unwrap_or(0)) {
            Err(e @ EnrolError::Check(_)) => {
                // A refused certificate leaves the session waiting for the right one.
                let reason = e.to_string();
                let (id, app) = (run.session_id.clone(), run.application_id.clone());
                run.data.certificate_hex = None;
                run.data.chain_hex.clear();
                let data_json = serde_json::to_string(&run.data).expect("serialises");
                run.station.write_as(|tx| {
                    tx.journal(&id, "ca", "after", "parked", Some(&data_json))?;
                    tx.append_event(
                        "certificate.refused",
                        &app,
                        &actor,
                        json!({"session": id, "sha256": sha, "reason": reason}),
                    )?;
                    Ok::<_, EnrolError>(())
                })?;
                Err(e)
            }
            other => other,
        };
    }
    Err(last_err)
}

/// What an abort undid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aborted {
    pub session: String,
    pub objects_deleted: usize,
    pub token_state: String,
    pub revoked: Option<String>,
}

/// Rolls an unfinished session back: deletes the half-made key pair (and certificate) from the
/// token, revokes a certificate the embedded CA already issued for it, restores the token's
/// inventory state, and records all of it in the ledger. `applicant_pin` is needed once the
/// applicant PIN was set (objects can only be deleted logged in).
pub fn abort(
    station: &mut Station<'_>,
    provider: &Pkcs11Provider,
    session_id: &str,
    applicant_pin: Option<&Pin>,
    factory_so_pin: Option<&Pin>,
    actor: &str,
) -> Result<Aborted, EnrolError> {
    let row = station.store().enrol_session(session_id)?;
    if row.status != "running" && row.status != "parked" {
        return Err(EnrolError::SessionState {
            id: row.id,
            status: row.status,
            what: "only a running or parked session can be aborted",
        });
    }
    let data = SessionData::parse(&row)?;
    let reached = next_step(&row);
    let keygen = STEPS.iter().position(|s| *s == "keygen").unwrap_or(0);
    let mut deleted = 0;
    // A key may exist once keygen started (its before-record is written before generation).
    if reached >= keygen
        && let Some(label) = &data.key_label
    {
        let pin = applicant_pin.ok_or(EnrolError::ApplicantPin(TokenError::NotLoggedIn))?;
        let session = provider.open_pkcs11_session(&data.token_uri())?;
        session.login(pin).map_err(EnrolError::ApplicantPin)?;
        let base = Pkcs11Uri::parse(session.token_uri())?.token_part();
        while let Ok(key) = session.find_key(
            &base
                .with_object(None, Some(label), Some(ObjectType::Private))
                .to_string(),
        ) {
            deleted += session.delete_key_pair(&key)?;
        }
        let _ = session.logout();
    }
    // A certificate the embedded CA issued for the deleted key is revoked.
    let mut revoke: Option<(CaToken, Vec<u8>, String)> = None;
    if let (Some(cert_hex), Some(ca)) = (&data.certificate_hex, station.config().ca.clone())
        && ca.kind == CaKind::Embedded
        && data
            .ca_name
            .as_deref()
            .is_some_and(|n| n.starts_with("embedded:"))
    {
        let der = hex::decode(cert_hex).unwrap_or_default();
        if let Ok(cert) = Certificate::from_der(&der) {
            let serial = cert.tbs_certificate().serial_number().as_bytes().to_vec();
            let ca_token = CaToken::open(provider, station.home(), &ca)?;
            revoke = Some((ca_token, serial, sha256_hex(&der)));
        }
    }
    // Before the SO PIN changed the token is put back exactly as it came from stock (label,
    // no objects); after, its SO PIN is escrowed and only the custodians can reset it.
    let initialise = STEPS.iter().position(|s| *s == "initialise").unwrap_or(0);
    if !data.so_pin_rotated
        && reached > initialise
        && data.token_state_before == "stock"
        && let Some(factory) = factory_so_pin
    {
        provider.init_token(&data.token_uri(), factory, &data.token_label_before)?;
    }
    let token_state = if data.so_pin_rotated {
        "initialised"
    } else {
        data.token_state_before.as_str()
    }
    .to_owned();
    let (id, app) = (row.id.clone(), row.application_id.clone());
    let step = row.step.clone();
    let serial = data.token_serial.clone();
    let state = token_state.clone();
    let revoked = station.write_as(|tx| {
        let mut revoked = None;
        if let Some((ca_token, serial_bytes, sha)) = &revoke {
            let mut ca = ca_token.authority()?;
            match ca.revoke(tx, serial_bytes, RevocationReason::CessationOfOperation) {
                Ok(_) | Err(CaError::AlreadyRevoked { .. }) => {
                    revoked = Some(crate::ca::serial_hex(serial_bytes));
                    tx.append_event(
                        "certificate.revoked",
                        &app,
                        actor,
                        json!({"session": id, "serial": crate::ca::serial_hex(serial_bytes),
                               "sha256": sha, "reason": "cessationOfOperation"}),
                    )?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if tx.token(&serial)?.is_some() {
            let label = (!data.so_pin_rotated).then_some(data.token_label_before.as_str());
            // A renewal on the holder's own token leaves it theirs, with the old certificate.
            let holder = (data.renewal_of.is_some() && data.same_token).then_some(app.as_str());
            tx.set_token_state(&serial, &state, label, holder)?;
        }
        if let Some(cert_serial) = &data.certificate_serial {
            tx.set_holder_certificate_status(cert_serial, "revoked")?;
        }
        tx.journal(&id, "abort", "after", "aborted", None)?;
        tx.append_event(
            "enrol.aborted",
            &app,
            actor,
            json!({"session": id, "at_step": step, "token_serial": serial,
                   "objects_deleted": deleted.to_string(), "token_state": state,
                   "so_pin_escrow": data.so_pin_escrow}),
        )?;
        Ok::<_, EnrolError>(revoked)
    })?;
    Ok(Aborted {
        session: row.id,
        objects_deleted: deleted,
        token_state,
        revoked,
    })
}

/// Verifies a receipt file: both signatures, both certificates against the station's CA
/// trust, the agreement it names being a known text, and the ledger entry recording that
/// exact receipt hash.
pub fn verify_receipt_file(
    station: &Station<'_>,
    der: &[u8],
) -> Result<receipt::VerifiedReceipt, EnrolError> {
    let anchors = anchor_certs(&trust_anchors(station.home(), station.config())?)?;
    let verified = receipt::verify_receipt(der, &anchors, station.now())?;
    receipt::known_agreement(&verified.body)?;
    let sha = receipt_sha256(der);
    let recorded = station
        .store()
        .events_of_subject(&verified.body.receipt_id)?
        .iter()
        .any(|e| e.kind == "receipt.signed" && e.data["sha256"] == Value::String(sha.clone()));
    if !recorded {
        return Err(EnrolError::ReceiptNotInLedger { sha256: sha });
    }
    Ok(verified)
}

impl Run<'_, '_, '_> {
    fn data_json(&self) -> String {
        serde_json::to_string(&self.data).expect("session data serialises")
    }

    fn actor(&self) -> String {
        self.ctx.officer.actor()
    }

    fn before(&mut self, step: &str) -> Result<(), EnrolError> {
        let id = self.session_id.clone();
        let data = self.data_json();
        self.station.write_as(|tx| {
            tx.journal(&id, step, "before", "running", Some(&data))?;
            Ok::<_, EnrolError>(())
        })
    }

    /// The after-record of `step` with its events, and whatever else `more` writes, in one
    /// transaction; then the test-only crash point.
    fn after(
        &mut self,
        step: &str,
        status: &str,
        events: Vec<(&str, String, Value)>,
        more: impl FnOnce(&mut crate::store::UnitOfWork<'_>) -> Result<(), EnrolError>,
    ) -> Result<(), EnrolError> {
        let id = self.session_id.clone();
        let data = self.data_json();
        let actor = self.actor();
        self.station.write_as(|tx| {
            more(tx)?;
            tx.journal(&id, step, "after", status, Some(&data))?;
            for (kind, subject, mut value) in events {
                value["session"] = Value::String(id.clone());
                tx.append_event(kind, &subject, &actor, value)?;
            }
            Ok::<_, EnrolError>(())
        })?;
        crash_point(step);
        Ok(())
    }

    fn token_subject(&self) -> String {
        format!("token:{}", self.data.token_serial)
    }

    /// The applicant's token, logged in with the applicant's PIN.
    fn token(&mut self) -> Result<&Pkcs11Session, EnrolError> {
        if self.token.is_none() {
            let s = self
                .ctx
                .provider
                .open_pkcs11_session(&self.data.token_uri())?;
            s.login(self.ctx.applicant_pin)
                .map_err(EnrolError::ApplicantPin)?;
            self.token = Some(s);
        }
        Ok(self.token.as_ref().expect("opened above"))
    }

    fn template(&self) -> Result<CertificateTemplate, EnrolError> {
        Ok(self
            .station
            .certificate_template(&self.application_id, &self.data.algorithm)?)
    }

    fn key(&self) -> Result<KeyHandleRef, EnrolError> {
        self.data.key().ok_or_else(|| EnrolError::CorruptSession {
            id: self.session_id.clone(),
            reason: "no key recorded".into(),
        })
    }

    fn run_from(&mut self, start: usize) -> Result<Outcome, EnrolError> {
        for step in STEPS.iter().skip(start) {
            if let Some(progress) = self.ctx.progress {
                progress(step);
            }
            self.before(step)?;
            match *step {
                "recognise" => self.recognise()?,
                "initialise" => self.initialise()?,
                "set_pin" => self.set_pin()?,
                "keygen" => self.keygen()?,
                "attestation" => self.attestation()?,
                "csr" => self.csr()?,
                "ca" => {
                    if let Some(parked) = self.ca()? {
                        return Ok(parked);
                    }
                }
                "certcheck" => self.certcheck()?,
                "install" => self.install()?,
                "receipt" => self.receipt()?,
                "supersede" => self.supersede()?,
                "finish" => self.finish()?,
                _ => unreachable!("every step is handled"),
            }
        }
        Ok(Outcome::Done(self.summary()))
    }

    fn summary(&self) -> Summary {
        Summary {
            session: self.session_id.clone(),
            application_id: self.application_id.clone(),
            receipt_id: self.data.receipt_id.clone().unwrap_or_default(),
            receipt_sha256: self.data.receipt_sha256.clone().unwrap_or_default(),
            certificate_serial: self.data.certificate_serial.clone().unwrap_or_default(),
            token_serial: self.data.token_serial.clone(),
            token_label: self.data.label.clone().unwrap_or_default(),
            advisories: self.data.advisories.clone(),
        }
    }

    fn recognise(&mut self) -> Result<(), EnrolError> {
        let info = self.ctx.provider.token_info(&self.data.token_uri())?;
        let set =
            profiles::embedded_profiles().map_err(|e| EnrolError::Profiles(format!("{e:?}")))?;
        let report = TokenReport {
            manufacturer: Some(info.manufacturer.clone()),
            model: Some(info.model.clone()),
            label: Some(info.label.clone()),
            pkcs11_firmware: ck_version(&info.firmware_version),
            ..Default::default()
        };
        let matched = set.match_token(&report);
        let (alg, _) = parse_algorithm(&self.data.algorithm)?;
        let verdict = evaluate(matched.profile, matched.firmware, alg);
        self.data.profile_id = matched.profile.id.clone();
        self.data.advisories = verdict
            .advisory_ids()
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.data.verdict = match &verdict {
            Verdict::Allowed => "allowed",
            Verdict::AllowedWithWarnings(_) => "allowed_with_warnings",
            Verdict::Refused(_) => "refused",
        }
        .to_owned();
        let warnings: Vec<String> = matched.warnings.iter().map(ToString::to_string).collect();
        let row = TokenRow {
            serial: info.serial.clone(),
            manufacturer: info.manufacturer.clone(),
            model: info.model.clone(),
            firmware: info.firmware_version.clone(),
            profile_id: matched.profile.id.clone(),
            label: info.label.clone(),
            state: "enrolling".into(),
            holder_application_id: self.data.same_token.then(|| self.application_id.clone()),
            updated_at: self.station.now(),
        };
        let subject = self.token_subject();
        let event = json!({"profile": matched.profile.id, "verdict": self.data.verdict,
            "advisories": self.data.advisories, "warnings": warnings,
            "manufacturer": info.manufacturer, "model": info.model,
            "firmware": info.firmware_version, "algorithm": self.data.algorithm});
        if let Verdict::Refused(reasons) = verdict {
            let reasons = reasons
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            let mut row = row;
            row.state = self.data.token_state_before.clone();
            self.after(
                "recognise",
                "aborted",
                vec![("token.refused", subject, event)],
                |tx| Ok(tx.upsert_token(&row)?),
            )?;
            return Err(EnrolError::TokenRefused {
                profile: self.data.profile_id.clone(),
                algorithm: self.data.algorithm.clone(),
                reasons,
            });
        }
        if !self.data.same_token {
            check_new_pin(&self.data.profile_id, self.ctx.applicant_pin)?;
        }
        self.after(
            "recognise",
            "running",
            vec![("token.recognised", subject, event)],
            |tx| Ok(tx.upsert_token(&row)?),
        )
    }

    fn factory_so_pin(&self) -> Result<Pin, EnrolError> {
        let set =
            profiles::embedded_profiles().map_err(|e| EnrolError::Profiles(format!("{e:?}")))?;
        let published = set.get(&self.data.profile_id).and_then(|p| {
            p.pin
                .factory_defaults
                .iter()
                .find(|d| d.secret == SecretKind::SoPin)
                .and_then(|d| d.public_value.clone())
        });
        match (published, self.ctx.factory_so_pin) {
            (Some(v), _) => Ok(Pin::from_string(v)),
            (None, Some(p)) => Ok(Pin::new(p.expose().to_owned())),
            (None, None) => Err(EnrolError::FactorySoPinUnknown {
                profile: self.data.profile_id.clone(),
            }),
        }
    }

    fn initialise(&mut self) -> Result<(), EnrolError> {
        if self.data.same_token {
            // Renewal on the holder's token: it keeps its label, PINs and escrowed SO PIN.
            return self.after("initialise", "running", vec![], |_| Ok(()));
        }
        let form = self
            .station
            .form_of(&self.station.store().get_application(&self.application_id)?)?;
        let name = form.applicant.name.clone().unwrap_or_default();
        let label = token_label(&self.application_id, name.trim());
        let so = self.factory_so_pin()?;
        // C_InitToken with the factory SO PIN: clears every object and sets the label. A token
        // of an earlier, aborted session of the same application may still carry that label.
        let label = match self
            .ctx
            .provider
            .init_token(&self.data.token_uri(), &so, &label)
        {
            Err(TokenError::TokenAlreadyExists { .. }) => {
                let num = self
                    .session_id
                    .trim_start_matches("ENR-")
                    .trim_start_matches('0');
                let label = token_label(&format!("{}/{num}", self.application_id), name.trim());
                self.ctx
                    .provider
                    .init_token(&self.data.token_uri(), &so, &label)?;
                label
            }
            other => {
                other?;
                label
            }
        };
        self.data.label = Some(label.clone());
        let serial = self.data.token_serial.clone();
        let subject = self.token_subject();
        let lbl = label.clone();
        self.after(
            "initialise",
            "running",
            vec![("token.initialised", subject, json!({"label": label}))],
            |tx| Ok(tx.set_token_state(&serial, "enrolling", Some(&lbl), None)?),
        )
    }

    fn set_pin(&mut self) -> Result<(), EnrolError> {
        if self.data.same_token {
            return self.after("set_pin", "running", vec![], |_| Ok(()));
        }
        let uri = self.data.token_uri();
        let factory = self.factory_so_pin()?;
        let archive = custodian_archive(self.station)?;
        let ctx = self.ctx;
        // The archive name is journaled before the token changes to the new SO PIN.
        let name = set_pin_and_escrow_so_pin(
            ctx.provider,
            &uri,
            &factory,
            ctx.applicant_pin,
            &archive,
            |name| {
                self.data.so_pin_escrow = Some(name.to_owned());
                self.before("set_pin")
            },
        )?;
        self.data.so_pin_rotated = true;
        let serial = self.data.token_serial.clone();
        let subject = self.token_subject();
        let n = name.clone();
        self.after(
            "set_pin",
            "running",
            vec![
                ("token.pin_set", subject.clone(), json!({"pin": "user"})),
                (
                    "secret.escrowed",
                    subject,
                    json!({"secret": "so_pin", "archive": name}),
                ),
            ],
            |tx| Ok(tx.record_escrow(&serial, "so_pin", &n)?),
        )
    }

    fn keygen(&mut self) -> Result<(), EnrolError> {
        // A renewal's key gets a label of its own, so an abort deletes only the new key.
        let label = match &self.data.renewal_of {
            None => format!("kustodi-{}", self.application_id),
            Some(_) => format!(
                "kustodi-{}-{}",
                self.application_id,
                self.session_id.to_lowercase()
            ),
        };
        self.data.key_label = Some(label.clone());
        self.before("keygen")?;
        let alg = self.data.key_algorithm()?;
        let token = self.token()?;
        // The adapter reads CKA_LOCAL / NEVER_EXTRACTABLE / ALWAYS_SENSITIVE back and deletes
        // and refuses a key that fails.
        let key = token.generate_key_pair(alg, &label)?;
        let spki = token.public_key_spki_der(&key)?;
        if !alg.is_ec()
            && let Some(n) = rsa_modulus(&spki)
            && crate::domain::roca::is_roca_vulnerable(&n)
        {
            let deleted = token.delete_key_pair(&key)?;
            let subject = self.token_subject();
            let spki_sha = sha256_hex(&spki);
            self.data.key_label = None;
            let serial = self.data.token_serial.clone();
            let state = "refused".to_owned();
            self.after(
                "keygen",
                "aborted",
                vec![(
                    "key.refused_roca",
                    subject,
                    json!({"spki_sha256": spki_sha, "objects_deleted": deleted.to_string()}),
                )],
                |tx| Ok(tx.set_token_state(&serial, &state, None, None)?),
            )?;
            return Err(EnrolError::KeyRefusedRoca);
        }
        self.data.key_id_hex = Some(hex::encode(&key.id));
        self.data.spki_hex = Some(hex::encode(&spki));
        let subject = self.token_subject();
        self.after(
            "keygen",
            "running",
            vec![(
                "key.generated",
                subject,
                json!({"algorithm": self.data.algorithm, "key_id": hex::encode(&key.id),
                       "spki_sha256": sha256_hex(&spki), "on_token": true,
                       "roca_checked": !alg.is_ec(),
                       "attributes": "CKA_LOCAL CKA_NEVER_EXTRACTABLE CKA_ALWAYS_SENSITIVE"}),
            )],
            |_| Ok(()),
        )
    }

    fn attestation(&mut self) -> Result<(), EnrolError> {
        self.data.attestation = Some("not_available".into());
        let subject = self.token_subject();
        self.after(
            "attestation",
            "running",
            vec![(
                "key.attestation",
                subject,
                json!({"result": "not_available",
                       "detail": "PKCS#11 offers no key attestation; on-token generation shown by CKA_LOCAL"}),
            )],
            |_| Ok(()),
        )
    }

    fn csr(&mut self) -> Result<(), EnrolError> {
        let template = self.template()?;
        let key = self.key()?;
        let token = self.token()?;
        let signer = TokenSigner::new(token, key)?;
        let csr = build_csr::<_, TokenSignature>(&template, &signer)?;
        self.data.csr_hex = Some(hex::encode(&csr));
        let app = self.application_id.clone();
        self.after(
            "csr",
            "running",
            vec![("csr.created", app, json!({"sha256": sha256_hex(&csr)}))],
            |_| Ok(()),
        )
    }

    fn ca(&mut self) -> Result<Option<Outcome>, EnrolError> {
        let ca = self.station.config().ca.clone().ok_or(EnrolError::NoCa)?;
        let template = self.template()?;
        let csr = hex::decode(self.data.csr_hex.clone().unwrap_or_default()).unwrap_or_default();
        let form = self
            .station
            .form_of(&self.station.store().get_application(&self.application_id)?)?;
        let applicant = form.applicant.name.clone().unwrap_or_default();
        let kind = form.kind.as_str().to_owned();
        let request_id = self.application_id.clone();
        let request = CaRequest {
            request_id: &request_id,
            csr_der: &csr,
            template: &template,
            applicant: &applicant,
            kind: &kind,
        };
        let app = self.application_id.clone();
        match ca.kind {
            CaKind::Embedded => {
                let ca_token = CaToken::open(self.ctx.provider, self.station.home(), &ca)?;
                let mut authority = ca_token.authority()?;
                self.issue_now(&mut authority, &request)?;
                Ok(None)
            }
            CaKind::Acme => {
                let mut authority = acme_authority(self.station.home(), &ca)?;
                self.issue_now(&mut authority, &request)?;
                Ok(None)
            }
            CaKind::Offline => {
                let outbox = self
                    .station
                    .home()
                    .resolve(ca.outbox.as_deref().unwrap_or_else(|| Path::new("outbox")));
                let mut authority =
                    OfflineCa::new(ca.offline_name.as_deref().unwrap_or("BSrE"), &outbox);
                let name = authority.name().to_owned();
                let submission = self
                    .station
                    .write_as(|tx| Ok::<_, EnrolError>(authority.submit(tx, &request)?))?;
                let Submission::Pending {
                    ticket,
                    instructions,
                } = submission
                else {
                    return Err(EnrolError::Ca(CaError::Build(
                        "the offline CA issued at once".into(),
                    )));
                };
                let csr_file = authority.csr_path(&ticket);
                self.data.ca_name = Some(name.clone());
                self.data.ticket = Some(ticket.clone());
                self.data.csr_file = Some(csr_file.clone());
                self.after(
                    "ca",
                    "parked",
                    vec![(
                        "certificate.requested",
                        app,
                        json!({"ca": name, "ticket": ticket, "csr_sha256": sha256_hex(&csr)}),
                    )],
                    |_| Ok(()),
                )?;
                Ok(Some(Outcome::Parked {
                    session: self.session_id.clone(),
                    ticket,
                    csr_file,
                    instructions,
                }))
            }
        }
    }

    /// Issues at once (embedded or ACME CA): the CA's records and the ledger event commit in
    /// one transaction.
    fn issue_now(
        &mut self,
        authority: &mut dyn CertificateAuthority,
        request: &CaRequest<'_>,
    ) -> Result<(), EnrolError> {
        let app = self.application_id.clone();
        let name = authority.name().to_owned();
        let id = self.session_id.clone();
        let actor = self.actor();
        // Issue and record in one transaction (the CA's records + ledger).
        let submission = self.station.write_as(|tx| {
            let s = authority.submit(tx, request)?;
            if let Submission::Issued {
                certificate_der, ..
            } = &s
            {
                tx.append_event(
                    "ca.certificate_issued",
                    &app,
                    &actor,
                    json!({"session": id, "ca": name, "sha256": sha256_hex(certificate_der)}),
                )?;
            }
            Ok::<_, EnrolError>(s)
        })?;
        self.data.ca_name = Some(name);
        if let Submission::Issued {
            certificate_der,
            chain_der,
        } = submission
        {
            self.data.certificate_hex = Some(hex::encode(&certificate_der));
            self.data.chain_hex = chain_der.iter().map(hex::encode).collect();
        }
        self.after("ca", "running", vec![], |_| Ok(()))?;
        Ok(())
    }

    fn certcheck(&mut self) -> Result<(), EnrolError> {
        let template = self.template()?;
        let cert =
            hex::decode(self.data.certificate_hex.clone().unwrap_or_default()).unwrap_or_default();
        let chain: Vec<Vec<u8>> = self
            .data
            .chain_hex
            .iter()
            .filter_map(|h| hex::decode(h).ok())
            .collect();
        let spki = hex::decode(self.data.spki_hex.clone().unwrap_or_default()).unwrap_or_default();
        let anchors = trust_anchors(self.station.home(), self.station.config())?;
        let checked = certcheck::check(
            &cert,
            &chain,
            &anchors,
            &spki,
            &template,
            self.station.now(),
        )?;
        let rc = ReceiptCertificate::from_certificate(&checked.certificate)?;
        self.data.certificate_serial = Some(rc.serial.clone());
        let app = self.application_id.clone();
        self.after(
            "certcheck",
            "running",
            vec![(
                "certificate.checked",
                app,
                json!({"serial": rc.serial, "sha256": rc.sha256, "issuer": checked.issuer,
                       "not_after": checked.not_after.to_string()}),
            )],
            |_| Ok(()),
        )
    }

    fn install(&mut self) -> Result<(), EnrolError> {
        let der =
            hex::decode(self.data.certificate_hex.clone().unwrap_or_default()).unwrap_or_default();
        let cert = Certificate::from_der(&der).map_err(|e| CheckError::Unreadable {
            what: "certificate".into(),
            reason: e.to_string(),
        })?;
        let key = self.key()?;
        let token = self.token()?;
        let base = Pkcs11Uri::parse(token.token_uri())?.token_part();
        let cert_uri = base
            .with_object(Some(&key.id), None, Some(ObjectType::Cert))
            .to_string();
        // Idempotent: a certificate written before a crash is not written twice.
        let object = match token.find_certificate(&cert_uri)? {
            Some(existing) if existing == der => cert_uri,
            _ => {
                let tbs = cert.tbs_certificate();
                let enc = |e: der::Error| TokenError::Encoding(e.to_string());
                token.write_certificate(
                    &key,
                    &CertificateObject {
                        der: der.clone(),
                        subject_der: tbs.subject().to_der().map_err(enc)?,
                        issuer_der: tbs.issuer().to_der().map_err(enc)?,
                        serial_der: tbs.serial_number().to_der().map_err(enc)?,
                    },
                )?
            }
        };
        self.data.certificate_object = Some(object.clone());
        let rc = ReceiptCertificate::from_certificate(&cert)?;
        let row = CertificateRow {
            serial: rc.serial.clone(),
            sha256: rc.sha256.clone(),
            application_id: self.application_id.clone(),
            token_serial: self.data.token_serial.clone(),
            not_after: rc.not_after,
            der,
        };
        let subject = self.token_subject();
        let report = self.report_event(&cert, &rc)?;
        self.after(
            "install",
            "running",
            vec![
                (
                    "certificate.installed",
                    subject,
                    json!({"serial": rc.serial, "sha256": rc.sha256, "object": object,
                           "application": self.application_id}),
                ),
                report,
            ],
            |tx| Ok(tx.insert_holder_certificate(&row)?),
        )
    }

    /// The event the reports count (docs/formats/reports.md): `certificate.issued`, or for a
    /// renewal `certificate.renewed` naming the replaced certificate, when the certificate goes
    /// onto the holder's token (whichever CA issued it).
    fn report_event(
        &self,
        cert: &Certificate,
        rc: &ReceiptCertificate,
    ) -> Result<(&'static str, String, Value), EnrolError> {
        let form = self
            .station
            .form_of(&self.station.store().get_application(&self.application_id)?)?;
        let facts = subject_facts(&form);
        let serial = crate::ca::serial_hex(cert.tbs_certificate().serial_number().as_bytes());
        let mut data = json!({
            "serial": serial, "sha256": rc.sha256,
            "not_after": rc.not_after.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            "kind": form.kind.as_str(), "department": facts.department,
            "application": self.application_id, "token": self.data.token_serial,
        });
        if let Some(nip) = facts.nip.filter(|n| !n.is_empty()) {
            data["nip"] = Value::String(nip);
        }
        let kind = match &self.data.renewal_of {
            None => "certificate.issued",
            Some(old) => {
                data["previous_serial"] = Value::String(crate::lifecycle::normalise_serial(old));
                "certificate.renewed"
            }
        };
        Ok((kind, serial, data))
    }

    /// A renewal's old certificate: revoked as `superseded` at the CA, or left to expire, as
    /// `[lifecycle] renewal_old_certificate` says. Nothing for a first issuance. Idempotent: a
    /// revocation already on record (a crash after it) is not filed twice.
    fn supersede(&mut self) -> Result<(), EnrolError> {
        let Some(old) = self.data.renewal_of.clone() else {
            return self.after("supersede", "running", vec![], |_| Ok(()));
        };
        let policy = self.station.config().lifecycle.renewal_old_certificate;
        let app = self.application_id.clone();
        if policy == crate::home::OldCertificatePolicy::Expire {
            let o = old.clone();
            return self.after(
                "supersede",
                "running",
                vec![(
                    "certificate.superseded",
                    crate::lifecycle::normalise_serial(&old),
                    json!({"serial": crate::lifecycle::normalise_serial(&old),
                           "policy": "expire", "application": app}),
                )],
                move |tx| Ok(tx.set_holder_certificate_status(&o, "superseded")?),
            );
        }
        if self
            .station
            .store()
            .revocation_of_certificate(&old)?
            .is_none()
        {
            let req = crate::lifecycle::RevokeRequest {
                serial: old.clone(),
                cause: "superseded".into(),
                keep_token_state: self.data.same_token,
                session: Some(self.session_id.clone()),
                ..Default::default()
            };
            crate::lifecycle::revoke(self.station, self.ctx.provider, self.ctx.officer, &req)
                .map_err(|e| match e {
                    crate::lifecycle::LifecycleError::Enrol(e) => e,
                    other => EnrolError::Supersede(other.to_string()),
                })?;
        }
        self.after("supersede", "running", vec![], |_| Ok(()))
    }

    fn receipt(&mut self) -> Result<(), EnrolError> {
        let form = self
            .station
            .form_of(&self.station.store().get_application(&self.application_id)?)?;
        let facts = subject_facts(&form);
        let der =
            hex::decode(self.data.certificate_hex.clone().unwrap_or_default()).unwrap_or_default();
        let applicant_cert = Certificate::from_der(&der).map_err(|e| CheckError::Unreadable {
            what: "certificate".into(),
            reason: e.to_string(),
        })?;
        let lang = receipt::Lang::from_code(&self.data.lang).unwrap_or(receipt::Lang::Id);
        // The text the applicant accepted at the session's start (older sessions: the text of
        // the session's language).
        let agreement = match (&self.data.agreement_version, &self.data.agreement_lang) {
            (Some(version), Some(alang)) => Agreement::find(
                version,
                alang,
                self.data.agreement_sha256.as_deref().unwrap_or(""),
            )
            .ok_or_else(|| EnrolError::AgreementUnknown {
                sha256: self.data.agreement_sha256.clone().unwrap_or_default(),
            })?,
            _ => Agreement::v1(lang),
        };
        let identity_check = match self.data.identity_check_seq {
            Some(seq) => {
                let event = self
                    .station
                    .store()
                    .events(seq..=seq)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| EnrolError::CorruptSession {
                        id: self.session_id.clone(),
                        reason: format!("identity-check event {seq} is not in the ledger"),
                    })?;
                Some(ReceiptIdentityCheck {
                    seq: seq.to_string(),
                    time: event.time,
                    officer: event.actor,
                })
            }
            None => None,
        };
        let receipt_id = self.station.store().next_receipt_id()?;
        let config = self.station.config().clone();
        let now = self.station.now();
        let ca_name = self.data.ca_name.clone().unwrap_or_default();
        let body = ReceiptBody {
            format: receipt::FORMAT.to_owned(),
            receipt_id: receipt_id.clone(),
            application_id: self.application_id.clone(),
            kind: form.kind.as_str().to_owned(),
            applicant: ReceiptApplicant {
                name: facts.name.clone(),
                nip: facts.nip.clone().filter(|n| !n.is_empty()),
                nik_sha256: nik_binding(form.applicant.nik.as_deref().unwrap_or("")),
                department: facts.department.clone(),
            },
            token: ReceiptToken {
                serial: self.data.token_serial.clone(),
                model: self.data.token_model.clone(),
                manufacturer: self.data.token_manufacturer.clone(),
                firmware: self.data.token_firmware.clone(),
            },
            key: ReceiptKey {
                algorithm: receipt_algorithm(self.data.key_algorithm()?).to_owned(),
                spki_sha256: receipt::spki_sha256(&applicant_cert)?,
            },
            attestation: ReceiptAttestation {
                result: self
                    .data
                    .attestation
                    .clone()
                    .unwrap_or_else(|| "not_available".into()),
                detail: "PKCS#11: no attestation; on-token generation checked by CKA_LOCAL".into(),
            },
            certificate: ReceiptCertificate::from_certificate(&applicant_cert)?,
            ca: ReceiptCa {
                name: ca_name,
                kind: config
                    .ca
                    .as_ref()
                    .map_or_else(|| "production".into(), |c| c.usage.clone()),
            },
            agreement: ReceiptAgreement::from(&agreement),
            identity_check,
            officer: ReceiptOfficer {
                id: self.ctx.officer.id.clone(),
                name: self.ctx.officer.name.clone(),
                certificate_sha256: self.ctx.officer.certificate_sha256(),
            },
            desk: config.station.desk.clone(),
            issued_at: now,
            renews: self.data.renewal_of.clone(),
        };
        let body_bytes = body.to_canonical_bytes()?;
        let key = self.key()?;
        let officer = self.ctx.officer;
        let officer_signer = TokenSigner::new(&officer.session, officer.key.clone())?;
        let token = self.token()?;
        let applicant_signer = TokenSigner::new(token, key)?;
        let receipt_der = build_receipt::<_, TokenSignature, _, TokenSignature>(
            &body_bytes,
            (&officer_signer, &officer.certificate),
            (&applicant_signer, &applicant_cert),
            now,
        )?;
        let sha = receipt_sha256(&receipt_der);
        self.data.receipt_id = Some(receipt_id.clone());
        self.data.receipt_sha256 = Some(sha.clone());
        let app = self.application_id.clone();
        let serial = self.data.certificate_serial.clone().unwrap_or_default();
        let (rid, sha2) = (receipt_id.clone(), sha.clone());
        self.after(
            "receipt",
            "running",
            vec![(
                "receipt.signed",
                receipt_id,
                json!({"sha256": sha, "application": app, "certificate_serial": serial,
                       "agreement_sha256": agreement.sha256(), "officer": officer.id}),
            )],
            |tx| Ok(tx.insert_receipt(&rid, &app, &sha2, &receipt_der)?),
        )
    }

    fn finish(&mut self) -> Result<(), EnrolError> {
        let app = self.application_id.clone();
        let serial = self.data.token_serial.clone();
        let subject = self.token_subject();
        let cert = self.data.certificate_serial.clone().unwrap_or_default();
        let receipt = self.data.receipt_id.clone().unwrap_or_default();
        let a = app.clone();
        let renewal = self.data.renewal_of.clone();
        let first = match &renewal {
            None => (
                "application.issued",
                app.clone(),
                json!({"certificate_serial": cert, "receipt": receipt, "token_serial": serial}),
            ),
            Some(old) => (
                "renewal.completed",
                app.clone(),
                json!({"certificate_serial": cert, "previous_serial": old, "receipt": receipt,
                       "token_serial": serial, "same_token": self.data.same_token}),
            ),
        };
        self.after(
            "finish",
            "done",
            vec![
                first,
                (
                    "token.issued",
                    subject,
                    json!({"holder": app, "certificate_serial": cert}),
                ),
            ],
            |tx| {
                if renewal.is_none() {
                    let row = tx.get_application(&a)?;
                    let current = ApplicationStatus::ALL
                        .into_iter()
                        .find(|s| s.as_str() == row.status)
                        .ok_or_else(|| StoreError::Corrupt(format!("status {}", row.status)))?;
                    let next = mark_issued(current)?;
                    tx.set_application_status(&a, next.as_str())?;
                }
                tx.set_token_state(&serial, "issued", None, Some(&a))?;
                Ok(())
            },
        )?;
        if let Some(t) = self.token.take() {
            let _ = t.logout();
        }
        Ok(())
    }
}

/// Digest helper for callers that print fingerprints.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// PEM of a CSR kept in a session (for `openssl req -verify`).
pub fn session_csr_pem(row: &SessionRow) -> Result<Option<String>, EnrolError> {
    let data = SessionData::parse(row)?;
    match data.csr_hex {
        Some(h) => Ok(Some(csr_to_pem(&hex::decode(h).unwrap_or_default())?)),
        None => Ok(None),
    }
}

/// Parsed session data (for listing).
pub fn session_data(row: &SessionRow) -> Result<SessionData, EnrolError> {
    SessionData::parse(row)
}

/// What `kustodi sandbox init` made for enrolment: the embedded CA and one officer.
#[derive(Debug)]
pub struct SandboxParts {
    pub ca: CaConfig,
    pub officer: crate::home::OfficerConfig,
    pub ca_certificate_pem: String,
    pub officer_token_uri: String,
    pub officer_id: String,
    /// Printed once so a newcomer can sign in (sandbox only).
    pub officer_pin: Pin,
}

/// Sandbox officer's NIP and name.
pub const SANDBOX_OFFICER_NIP: &str = "198001012005011001";
pub const SANDBOX_OFFICER_NAME: &str = "Petugas Sandbox 1";
pub const SANDBOX_OFFICER_TOKEN: &str = "officer-1";
pub const SANDBOX_CA_TOKEN: &str = "kustodi-ca";

pub(crate) fn new_token_with_key(
    provider: &Pkcs11Provider,
    label: &str,
    user_pin: &Pin,
    key_label: &str,
    archive: &Archive,
) -> Result<(Pkcs11Session, KeyHandleRef, String), EnrolError> {
    let so = random_secret(16);
    let escrow = archive.escrow(&Secret::new(so.expose().as_bytes().to_vec()))?;
    let uri = provider.init_free_token(label, &so)?;
    provider.init_user_pin(&uri, &so, user_pin)?;
    let session = provider.open_pkcs11_session(&uri)?;
    session.login(user_pin)?;
    let key = session.generate_key_pair(KeyAlgorithm::P256, key_label)?;
    Ok((session, key, escrow))
}

/// The ACME CA of `[ca.acme]` (a new account per issuance for now; see docs/ca.md).
pub fn acme_authority(home: &Home, ca: &CaConfig) -> Result<AcmeCa, EnrolError> {
    let acme = ca.acme.as_ref().ok_or(EnrolError::NoCa)?;
    let mut settings = AcmeSettings::new(acme.directory_url.clone());
    settings.tls_root = acme.tls_root.as_deref().map(|p| home.resolve(p));
    settings.timeout = std::time::Duration::from_secs(acme.timeout_seconds);
    settings.contact = acme.contact.clone();
    Ok(AcmeCa::new(settings))
}

/// Creates the sandbox's embedded CA (P-256 key on its own token `kustodi-ca`, PIN in a 0600
/// file, SO PIN escrowed, root in `HOME/ca/ca.pem`) and officer token `officer-1` (P-256 key
/// and a digitalSignature+nonRepudiation certificate from that CA, written on the token).
/// Records both in the ledger with `signer` (the station key, already registered).
pub fn create_sandbox_parts(
    provider: &Pkcs11Provider,
    home: &Home,
    recipients: &[String],
    store: &mut crate::store::SqliteStore,
    signer: &dyn crate::ports::CheckpointSigner,
    clock: &dyn crate::ports::Clock,
) -> Result<SandboxParts, EnrolError> {
    let archive = Archive::new(home.archive_dir(), archive::parse_recipients(recipients)?);
    // 1. The CA.
    let ca_pin = random_secret(16);
    let pin_file = PathBuf::from("sandbox/ca.pin");
    crate::home::write_file(&home.resolve(&pin_file), ca_pin.expose().as_bytes(), true)
        .map_err(ServiceError::from)?;
    let (ca_session, ca_key, ca_escrow) =
        new_token_with_key(provider, SANDBOX_CA_TOKEN, &ca_pin, CA_KEY_LABEL, &archive)?;
    let ca_signer = TokenSigner::new(&ca_session, ca_key)?;
    let not_before = clock.now() - time::Duration::minutes(5);
    let ca = EmbeddedCa::<_, TokenSignature>::create_root(
        ca_signer,
        crate::ca::embedded::SANDBOX_CA_SUBJECT,
        not_before,
        SANDBOX_CA_DAYS,
    )?;
    let pem = ca.certificate_pem();
    let ca_file = PathBuf::from("ca/ca.pem");
    crate::home::write_file(&home.resolve(&ca_file), pem.as_bytes(), false)
        .map_err(ServiceError::from)?;
    let ca_der = ca.certificate_der().to_vec();
    // 2. The officer.
    let officer_pin = Pin::from_string(format!("{:06}", rand::random::<u32>() % 1_000_000));
    let key_label = "officer-signing";
    let (off_session, off_key, off_escrow) = new_token_with_key(
        provider,
        SANDBOX_OFFICER_TOKEN,
        &officer_pin,
        key_label,
        &archive,
    )?;
    let off_signer = TokenSigner::new(&off_session, off_key.clone())?;
    let template = CertificateTemplate {
        subject: vec![
            ("C".into(), "ID".into()),
            ("O".into(), "Pemerintah Kabupaten Bekasi".into()),
            ("OU".into(), "Otoritas Pendaftaran".into()),
            ("CN".into(), SANDBOX_OFFICER_NAME.into()),
            ("serialNumber".into(), format!("NIP:{SANDBOX_OFFICER_NIP}")),
        ],
        key_usage: ["digitalSignature", "nonRepudiation"]
            .into_iter()
            .map(str::to_owned)
            .collect(),
        extended_key_usage: Default::default(),
        san_email: vec![],
        san_dns: vec![],
        validity_days: 730,
        algorithms: vec!["p256".into()],
    };
    let csr = build_csr::<_, TokenSignature>(&template, &off_signer)?;
    let officer_uri = Pkcs11Uri::parse(off_session.token_uri())?.token_part();
    let ca_token_uri = Pkcs11Uri::parse(ca_session.token_uri())?.token_part();
    let cert_der = store.unit_of_work(signer, clock, |tx| {
        let der = ca.issue(
            tx,
            &csr,
            &template,
            &format!("officer:{SANDBOX_OFFICER_NIP}"),
        )?;
        tx.append_event(
            "ca.created",
            "ca",
            "system:sandbox",
            json!({"name": ca.name(), "token": ca_token_uri.to_string(),
                   "certificate_sha256": sha256_hex(&ca_der),
                   "certificate_der_hex": hex::encode(&ca_der)}),
        )?;
        tx.append_event(
            "secret.escrowed",
            &ca_token_uri.to_string(),
            "system:sandbox",
            json!({"secret": "so_pin", "archive": ca_escrow}),
        )?;
        tx.append_event(
            "officer.token_created",
            &format!("officer:{SANDBOX_OFFICER_NIP}"),
            "system:sandbox",
            json!({"token": officer_uri.to_string(), "certificate_sha256": sha256_hex(&der)}),
        )?;
        tx.append_event(
            "secret.escrowed",
            &officer_uri.to_string(),
            "system:sandbox",
            json!({"secret": "so_pin", "archive": off_escrow}),
        )?;
        Ok::<_, EnrolError>(der)
    })?;
    let cert = Certificate::from_der(&cert_der).map_err(|e| CaError::Build(e.to_string()))?;
    let tbs = cert.tbs_certificate();
    let enc = |e: der::Error| TokenError::Encoding(e.to_string());
    off_session.write_certificate(
        &off_key,
        &CertificateObject {
            der: cert_der.clone(),
            subject_der: tbs.subject().to_der().map_err(enc)?,
            issuer_der: tbs.issuer().to_der().map_err(enc)?,
            serial_der: tbs.serial_number().to_der().map_err(enc)?,
        },
    )?;
    Ok(SandboxParts {
        ca: CaConfig {
            kind: CaKind::Embedded,
            token_label: Some(SANDBOX_CA_TOKEN.into()),
            pin_file: Some(pin_file),
            certificate: Some(ca_file.clone()),
            offline_name: Some("BSrE".into()),
            outbox: Some("outbox".into()),
            trust_anchors: vec![ca_file],
            usage: "test".into(),
            acme: None,
        },
        officer: crate::home::OfficerConfig {
            default_token: Some(officer_uri.to_string()),
            key_label: key_label.into(),
            idle_lock_minutes: None,
        },
        ca_certificate_pem: pem,
        officer_token_uri: officer_uri.to_string(),
        officer_id: SANDBOX_OFFICER_NIP.into(),
        officer_pin,
    })
}

/// What `kustodi token init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInitialised {
    /// The token's URI after initialisation (new label).
    pub uri: String,
    pub serial: String,
    pub label: String,
    pub profile_id: String,
    /// Archive name of the escrowed SO PIN.
    pub so_pin_escrow: String,
    /// Whether the token was unknown and registered as stock first.
    pub registered: bool,
}

/// Initialises a stock token for a holder outside an enrolment, with enrolment's custody
/// guarantees: only a `stock` token (or one unknown to the inventory, registered as stock
/// first); the holder PIN checked against the token model's rules before anything changes;
/// re-initialised with `current_so_pin` (objects cleared, new label); holder PIN set; a random
/// SO PIN escrowed to the custodians and then set ([`set_pin_and_escrow_so_pin`]). The
/// inventory row (`initialised`) and the `secret.escrowed` / `token.initialised` events are
/// written in one unit of work after the token work. If the token work stops midway, what the
/// token is left as is recorded (`token.init_failed`, and the escrow if the SO PIN change was
/// attempted) and returned as [`EnrolError::InitIncomplete`]. No PIN is stored.
pub fn init_stock_token(
    station: &mut Station<'_>,
    provider: &Pkcs11Provider,
    token_uri: &str,
    label: &str,
    current_so_pin: &Pin,
    holder_pin: &Pin,
    actor: &str,
) -> Result<TokenInitialised, EnrolError> {
    if label.trim().is_empty() || label.len() > 32 {
        return Err(EnrolError::TokenLabel {
            label: label.to_owned(),
        });
    }
    let info = provider.token_info(token_uri)?;
    let existing = station.store().token(&info.serial)?;
    if let Some(t) = &existing
        && t.state != "stock"
    {
        return Err(EnrolError::TokenNotStock {
            serial: t.serial.clone(),
            state: t.state.clone(),
        });
    }
    let profile_id = token_profile_id(&info)?;
    check_new_pin(&profile_id, holder_pin)?;
    let subject = format!("token:{}", info.serial);
    let mut row = TokenRow {
        serial: info.serial.clone(),
        manufacturer: info.manufacturer.clone(),
        model: info.model.clone(),
        firmware: info.firmware_version.clone(),
        profile_id: profile_id.clone(),
        label: info.label.clone(),
        state: "stock".into(),
        holder_application_id: None,
        updated_at: station.now(),
    };
    let registered = existing.is_none();
    if registered {
        station.write_as(|tx| {
            tx.upsert_token(&row)?;
            tx.append_event(
                "token.stock_added",
                &subject,
                actor,
                json!({"label": row.label, "manufacturer": row.manufacturer, "model": row.model,
                       "firmware": row.firmware, "profile": row.profile_id,
                       "source": "token init"}),
            )?;
            Ok::<_, EnrolError>(())
        })?;
    }
    let archive = custodian_archive(station)?;
    // Serial only: the label changes below.
    let uri = Pkcs11Uri {
        serial: Some(info.serial.clone()),
        ..Default::default()
    }
    .to_string();
    // Nothing has changed on the token if C_InitToken fails.
    let new_uri = provider.init_token(&uri, current_so_pin, label)?;
    let mut escrow: Option<String> = None;
    let rotated = set_pin_and_escrow_so_pin(
        provider,
        &uri,
        current_so_pin,
        holder_pin,
        &archive,
        |name| {
            escrow = Some(name.to_owned());
            Ok(())
        },
    );
    let record = |tx: &mut crate::store::UnitOfWork<'_>, escrow: Option<&str>| {
        if let Some(name) = escrow {
            tx.record_escrow(&info.serial, "so_pin", name)?;
            tx.append_event(
                "secret.escrowed",
                &subject,
                actor,
                json!({"secret": "so_pin", "archive": name}),
            )?;
        }
        Ok::<_, EnrolError>(())
    };
    row.label = label.to_owned();
    if let Err(e) = rotated {
        let (stage, token_state) = match &escrow {
            None => ("set_pin", "reinitialised"),
            Some(_) => ("so_pin", "so_pin_unknown"),
        };
        let reason = e.to_string();
        station.write_as(|tx| {
            record(tx, escrow.as_deref())?;
            tx.upsert_token(&row)?;
            tx.append_event(
                "token.init_failed",
                &subject,
                actor,
                json!({"label": label, "stage": stage, "token_state": token_state,
                       "so_pin_escrow": escrow, "reason": reason}),
            )?;
            Ok::<_, EnrolError>(())
        })?;
        return Err(EnrolError::InitIncomplete {
            serial: info.serial,
            stage,
            token_state,
            escrow,
            reason,
        });
    }
    let name = escrow.clone().unwrap_or_default();
    row.state = "initialised".into();
    station
        .write_as(|tx| {
            record(tx, Some(&name))?;
            tx.upsert_token(&row)?;
            tx.append_event(
                "token.initialised",
                &subject,
                actor,
                json!({"label": label, "profile": profile_id, "model": row.model,
                       "firmware": row.firmware, "so_pin_escrow": name}),
            )?;
            Ok::<_, EnrolError>(())
        })
        .map_err(|e| EnrolError::InitIncomplete {
            serial: info.serial.clone(),
            stage: "record",
            token_state: "initialised",
            escrow: escrow.clone(),
            reason: e.to_string(),
        })?;
    Ok(TokenInitialised {
        uri: new_uri,
        serial: info.serial,
        label: label.to_owned(),
        profile_id,
        so_pin_escrow: name,
        registered,
    })
}
