//! Lifecycle and custody after issuance: stock intake, token lifecycle moves, revocation
//! (Pasal 16), PIN unblock under two-person control, custody audits (Pasal 27) and the
//! station's staff tokens. Use cases over the domain rules (`domain::inventory`,
//! `domain::revocation`, `domain::audit`) and the ports; no UI. Renewal (Pasal 15) is an
//! enrolment session of its own (`enroll::renew`).
//!
//! Every use case writes its records and ledger events in one unit of work, so nothing is ever
//! half recorded. Where a token or CA operation cannot be part of that transaction, the
//! intention is recorded first (e.g. the new SO PIN escrowed before the token changes), so a
//! crash leaves a trace that names what happened.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::archive::{self, ArchiveError};
use crate::ca::offline::OfflineCa;
use crate::ca::{CaError, CertificateAuthority, Revocation, RevocationReason, serial_hex};
use crate::certcheck::sha256_hex;
use crate::csr::build_csr;
use crate::domain::audit::{self, InventoryToken, Reconciliation, SeenToken};
use crate::domain::firmware::{CkVersion, TokenReport};
use crate::domain::inventory::{
    DisposalStatus, InventoryError, Replacement, Role, TokenState, TokenStatus, check_not_own_token,
};
use crate::domain::profile::CertificateTemplate;
use crate::domain::revocation::{Cause, MissingPaper, Papers, missing_papers};
use crate::enroll::{self, CaToken, EnrolError, Officer};
use crate::home::CaKind;
use crate::ports::token::{
    CertificateObject, TokenError, TokenInfo, TokenProvider, TokenSession as _,
};
use crate::receipt::{self, ReceiptError};
use crate::secret::Pin;
use crate::service::{ServiceError, Station};
use crate::store::StoreError;
use crate::store::enrolment::TokenRow;
use crate::store::lifecycle::{NewRevocation, RevocationRow, Sighting, StaffRow};
use crate::store::reports::{NewIncident, kinds};
use crate::token::piv::PivProvider;
use crate::token::pkcs11::Pkcs11Provider;
use crate::token::uri::Pkcs11Uri;
use crate::token::{TokenSignature, profiles};

/// Largest holder statement (scan) accepted.
pub const STATEMENT_LIMIT: u64 = 20 * 1024 * 1024;

/// Why a lifecycle operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Enrol(#[from] EnrolError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Ca(#[from] CaError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    #[error("the token failed: {0}")]
    Token(#[from] TokenError),
    #[error("token {serial} is not in the inventory")]
    TokenUnknown { serial: String },
    #[error("token {serial} is {state}, a working state of enrolment, not of the lifecycle")]
    TokenInWorkingState { serial: String, state: String },
    #[error("certificate {serial} is not a holder certificate of this station")]
    CertificateUnknown { serial: String },
    #[error("certificate {serial} is {status}; only an active certificate can be revoked")]
    CertificateNotActive { serial: String, status: String },
    #[error("certificate {serial} already has revocation {id} ({status})")]
    RevocationExists {
        serial: String,
        id: String,
        status: String,
    },
    #[error("unknown revocation cause {given:?}")]
    UnknownCause { given: String },
    #[error("a revocation for {cause} needs {missing:?} (Pasal 16(3))")]
    PapersMissing {
        cause: Cause,
        missing: Vec<MissingPaper>,
    },
    #[error("revocation {id} is {status}; only a requested revocation can be confirmed")]
    RevocationNotRequested { id: String, status: String },
    #[error("cannot read the statement {path}: {reason}")]
    StatementFile { path: PathBuf, reason: String },
    #[error("a PIN unblock needs two different signed-in officers")]
    SecondOfficerRequired,
    #[error("officer {id} signed in twice: the two approvers must be different officers")]
    SameOfficerTwice { id: String },
    #[error("{id} is an auditor: auditors read and audit, and change nothing")]
    AuditorReadOnly { id: String },
    #[error("{id} is not a registered auditor")]
    NotAnAuditor { id: String },
    #[error("audit {id} is {status}")]
    AuditClosed { id: String, status: String },
    #[error("audit {id} belongs to auditor {auditor}")]
    AuditNotYours { id: String, auditor: String },
    #[error("token {serial} has no escrowed SO PIN")]
    NoEscrow { serial: String },
    #[error(
        "token {serial} is {state}; a PIN can be unblocked only on an issued or suspended token"
    )]
    NotUnblockable { serial: String, state: String },
    #[error("the destruction of token {serial} needs a witnessing auditor")]
    WitnessRequired { serial: String },
    #[error("staff member {id} already exists")]
    StaffExists { id: String },
    #[error("this is not a sandbox station: staff tokens are issued by the OP's own procedure")]
    NotSandbox,
    #[error("the intake list is not valid: line {line}: {reason}")]
    IntakeList { line: usize, reason: String },
}

impl From<StoreError> for LifecycleError {
    fn from(e: StoreError) -> Self {
        LifecycleError::Service(ServiceError::Store(e))
    }
}

/// Who acts: an id (NIP) and the role the station knows them by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub role: Role,
}

impl Actor {
    /// The ledger's actor string (`officer:<id>`, `auditor:<id>`).
    pub fn ledger(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.id)
    }

    /// Refuses anyone but an officer (auditors change nothing).
    pub fn require_officer(&self) -> Result<(), LifecycleError> {
        match self.role {
            Role::Officer => Ok(()),
            Role::Auditor => Err(LifecycleError::AuditorReadOnly {
                id: self.id.clone(),
            }),
        }
    }
}

/// The role of `id`: `auditor` when the staff table says so, else `officer`.
pub fn actor(station: &Station<'_>, id: &str) -> Result<Actor, LifecycleError> {
    let id = id.trim().to_owned();
    let role = match station.store().staff()?.iter().find(|s| s.id == id) {
        Some(s) if s.role == "auditor" => Role::Auditor,
        _ => Role::Officer,
    };
    Ok(Actor { id, role })
}

/// The actor of a signed-in officer (or auditor).
pub fn actor_of(station: &Station<'_>, officer: &Officer) -> Result<Actor, LifecycleError> {
    actor(station, &officer.id)
}

fn token_row(station: &Station<'_>, serial: &str) -> Result<TokenRow, LifecycleError> {
    station
        .store()
        .token(serial)?
        .ok_or_else(|| LifecycleError::TokenUnknown {
            serial: serial.to_owned(),
        })
}

fn token_subject(serial: &str) -> String {
    format!("token:{serial}")
}

/// The NIP of a token's holder (the applicant of the application it was issued for).
fn holder_nip(station: &Station<'_>, t: &TokenRow) -> Result<Option<String>, LifecycleError> {
    let Some(app) = &t.holder_application_id else {
        return Ok(None);
    };
    let row = station.store().get_application(app)?;
    Ok(station.form_of(&row)?.applicant.nip)
}

fn lifecycle_status(station: &Station<'_>, t: &TokenRow) -> Result<TokenStatus, LifecycleError> {
    let state: TokenState = t
        .state
        .parse()
        .map_err(|_| LifecycleError::TokenInWorkingState {
            serial: t.serial.clone(),
            state: t.state.clone(),
        })?;
    let disposal = station
        .store()
        .token_custody(&t.serial)?
        .and_then(|c| c.disposal)
        .map(|d| d.parse::<DisposalStatus>())
        .transpose()?;
    Ok(TokenStatus::new(state, disposal)?)
}

// ------------------------------------------------------------------------------------------
// Staff tokens (sandbox)

/// A staff member made by [`create_sandbox_staff`]; the PIN is shown once.
#[derive(Debug)]
pub struct StaffCreated {
    pub row: StaffRow,
    pub pin: Pin,
}

/// Sandbox only: a new token for an officer or auditor with a P-256 key and a
/// digitalSignature + nonRepudiation certificate from the embedded CA (like the sandbox's first
/// officer), recorded in the staff table and the ledger. A real OP issues staff tokens through
/// BSrE like every other certificate (Pasal 21).
pub fn create_sandbox_staff(
    station: &mut Station<'_>,
    provider: &Pkcs11Provider,
    role: Role,
    id: &str,
    name: &str,
) -> Result<StaffCreated, LifecycleError> {
    if !station.config().station.sandbox {
        return Err(LifecycleError::NotSandbox);
    }
    let id = id.trim().to_owned();
    if station.store().staff()?.iter().any(|s| s.id == id) || id == enroll::SANDBOX_OFFICER_NIP {
        return Err(LifecycleError::StaffExists { id });
    }
    let ca = station.config().ca.clone().ok_or(EnrolError::NoCa)?;
    let key_label = station
        .config()
        .officer
        .as_ref()
        .map(|o| o.key_label.clone())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "officer-signing".into());
    let archive = enroll::custodian_archive(station)?;
    let pin = Pin::from_string(format!("{:06}", rand::random::<u32>() % 1_000_000));
    let label = format!("{}-{}", role.as_str(), &id[id.len().saturating_sub(6)..]);
    let (session, key, escrow) =
        enroll::new_token_with_key(provider, &label, &pin, &key_label, &archive)?;
    let signer = crate::token::TokenSigner::new(&session, key.clone()).map_err(EnrolError::from)?;
    let ou = match role {
        Role::Officer => "Otoritas Pendaftaran",
        Role::Auditor => "Pengawas",
    };
    let template = CertificateTemplate {
        subject: vec![
            ("C".into(), "ID".into()),
            ("O".into(), "Pemerintah Kabupaten Bekasi".into()),
            ("OU".into(), ou.into()),
            ("CN".into(), name.trim().into()),
            ("serialNumber".into(), format!("NIP:{id}")),
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
    let csr = build_csr::<_, TokenSignature>(&template, &signer).map_err(EnrolError::from)?;
    let info = session.token_info()?;
    let uri = Pkcs11Uri::parse(session.token_uri())?
        .token_part()
        .to_string();
    let ca_token = CaToken::open(provider, station.home(), &ca)?;
    let authority = ca_token.authority()?;
    let actor = "system:sandbox".to_owned();
    let (row_id, row_name, row_role) = (id.clone(), name.trim().to_owned(), role);
    let cert_der = station.write_as(|tx| {
        let der = authority.issue(tx, &csr, &template, &format!("staff:{row_id}"))?;
        let row = StaffRow {
            id: row_id.clone(),
            name: row_name.clone(),
            role: row_role.as_str().into(),
            token_uri: uri.clone(),
            token_serial: info.serial.clone(),
            certificate_sha256: sha256_hex(&der),
        };
        tx.insert_staff(&row)?;
        tx.append_event(
            "staff.added",
            &format!("{}:{}", row_role.as_str(), row_id),
            &actor,
            json!({"name": row_name, "role": row_role.as_str(), "token": uri,
                   "token_serial": info.serial, "certificate_sha256": row.certificate_sha256}),
        )?;
        tx.append_event(
            "secret.escrowed",
            &uri,
            &actor,
            json!({"secret": "so_pin", "archive": escrow}),
        )?;
        Ok::<_, LifecycleError>(der)
    })?;
    let cert = Certificate::from_der(&cert_der).map_err(|e| CaError::Build(e.to_string()))?;
    let tbs = cert.tbs_certificate();
    let enc = |e: der::Error| TokenError::Encoding(e.to_string());
    session.write_certificate(
        &key,
        &CertificateObject {
            der: cert_der.clone(),
            subject_der: tbs.subject().to_der().map_err(enc)?,
            issuer_der: tbs.issuer().to_der().map_err(enc)?,
            serial_der: tbs.serial_number().to_der().map_err(enc)?,
        },
    )?;
    let row = station
        .store()
        .staff()?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| StoreError::Corrupt("staff row vanished".into()))?;
    Ok(StaffCreated { row, pin })
}

// ------------------------------------------------------------------------------------------
// Intake

/// A token to register as stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeEntry {
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    pub firmware: String,
    pub label: String,
}

impl IntakeEntry {
    pub fn from_info(t: &TokenInfo) -> Self {
        Self {
            serial: t.serial.clone(),
            manufacturer: t.manufacturer.clone(),
            model: t.model.clone(),
            firmware: t.firmware_version.clone(),
            label: t.label.clone(),
        }
    }
}

/// What an intake did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IntakeResult {
    /// (serial, matched profile id)
    pub registered: Vec<(String, String)>,
    /// (serial, why not: `in_inventory` or `station_token`)
    pub skipped: Vec<(String, String)>,
}

/// Parses a supplier's delivery list: CSV with the header
/// `serial,manufacturer,model,firmware` (and optionally `label`), one token per line.
pub fn parse_intake_csv(text: &str) -> Result<Vec<IntakeEntry>, LifecycleError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or(LifecycleError::IntakeList {
        line: 1,
        reason: "the file is empty".into(),
    })?;
    let cols: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    let at = |name: &str| cols.iter().position(|c| c == name);
    let (Some(s), Some(m), Some(md), Some(f)) = (
        at("serial"),
        at("manufacturer"),
        at("model"),
        at("firmware"),
    ) else {
        return Err(LifecycleError::IntakeList {
            line: 1,
            reason: "the header must name serial,manufacturer,model,firmware".into(),
        });
    };
    let l = at("label");
    let mut out: Vec<IntakeEntry> = vec![];
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != cols.len() {
            return Err(LifecycleError::IntakeList {
                line: n + 1,
                reason: format!("{} fields, the header has {}", fields.len(), cols.len()),
            });
        }
        let serial = fields[s].to_owned();
        if serial.is_empty() || serial.len() > 64 {
            return Err(LifecycleError::IntakeList {
                line: n + 1,
                reason: "the serial is empty or longer than 64 characters".into(),
            });
        }
        if out.iter().any(|e| e.serial == serial) {
            return Err(LifecycleError::IntakeList {
                line: n + 1,
                reason: format!("serial {serial} appears twice"),
            });
        }
        out.push(IntakeEntry {
            serial,
            manufacturer: fields[m].to_owned(),
            model: fields[md].to_owned(),
            firmware: fields[f].to_owned(),
            label: l.map(|i| fields[i].to_owned()).unwrap_or_default(),
        });
    }
    Ok(out)
}

fn profile_for(entry: &IntakeEntry) -> Result<String, LifecycleError> {
    let set = profiles::embedded_profiles().map_err(|e| EnrolError::Profiles(format!("{e:?}")))?;
    let firmware = entry.firmware.split_once('.').and_then(|(a, b)| {
        Some(CkVersion {
            major: a.trim().parse().ok()?,
            minor: b.trim().parse().ok()?,
        })
    });
    Ok(set
        .match_token(&TokenReport {
            manufacturer: Some(entry.manufacturer.clone()),
            model: Some(entry.model.clone()),
            label: Some(entry.label.clone()),
            pkcs11_firmware: firmware,
            ..Default::default()
        })
        .profile
        .id
        .clone())
}

/// Serials of the tokens the station itself uses (station key, CA, staff and the configured
/// officer token) among `tokens`.
pub fn station_token_serials(
    station: &Station<'_>,
    tokens: &[TokenInfo],
) -> Result<BTreeSet<String>, LifecycleError> {
    let cfg = station.config();
    let mut uris: Vec<Pkcs11Uri> = vec![Pkcs11Uri {
        token: Some(cfg.station_key.token_label.clone()),
        ..Default::default()
    }];
    if let Some(label) = cfg.ca.as_ref().and_then(|c| c.token_label.clone()) {
        uris.push(Pkcs11Uri {
            token: Some(label),
            ..Default::default()
        });
    }
    if let Some(t) = cfg
        .officer
        .as_ref()
        .and_then(|o| o.default_token.as_deref())
        && let Ok(u) = Pkcs11Uri::parse(t)
    {
        uris.push(u);
    }
    let staff: BTreeSet<String> = station
        .store()
        .staff()?
        .into_iter()
        .map(|s| s.token_serial)
        .collect();
    Ok(tokens
        .iter()
        .filter(|t| {
            staff.contains(&t.serial)
                || uris.iter().any(|u| {
                    u.matches_token(crate::token::uri::TokenFields {
                        label: &t.label,
                        manufacturer: &t.manufacturer,
                        model: &t.model,
                        serial: &t.serial,
                    })
                })
        })
        .map(|t| t.serial.clone())
        .collect())
}

/// Registers new tokens as `stock` (`token.received` events), skipping tokens already in the
/// inventory and the station's own tokens. `source` says where the list came from.
pub fn intake(
    station: &mut Station<'_>,
    entries: &[IntakeEntry],
    station_serials: &BTreeSet<String>,
    source: &str,
    actor: &Actor,
) -> Result<IntakeResult, LifecycleError> {
    actor.require_officer()?;
    let mut result = IntakeResult::default();
    let mut rows = vec![];
    for e in entries {
        if e.serial.trim().is_empty() {
            // Nothing to register under (SoftHSM2's spare uninitialised slot).
            result.skipped.push((String::new(), "no_serial".into()));
        } else if station_serials.contains(&e.serial) {
            result
                .skipped
                .push((e.serial.clone(), "station_token".into()));
        } else if station.store().token(&e.serial)?.is_some() {
            result
                .skipped
                .push((e.serial.clone(), "in_inventory".into()));
        } else {
            let profile = profile_for(e)?;
            result.registered.push((e.serial.clone(), profile.clone()));
            rows.push(TokenRow {
                serial: e.serial.clone(),
                manufacturer: e.manufacturer.clone(),
                model: e.model.clone(),
                firmware: e.firmware.clone(),
                profile_id: profile,
                label: e.label.clone(),
                state: TokenState::Stock.as_str().into(),
                holder_application_id: None,
                updated_at: station.now(),
            });
        }
    }
    if rows.is_empty() {
        return Ok(result);
    }
    let who = actor.ledger();
    station.write_as(|tx| {
        for r in &rows {
            tx.upsert_token(r)?;
            tx.append_event(
                "token.received",
                &token_subject(&r.serial),
                &who,
                json!({"serial": r.serial, "manufacturer": r.manufacturer, "model": r.model,
                       "firmware": r.firmware, "profile": r.profile_id, "source": source}),
            )?;
        }
        Ok::<_, LifecycleError>(())
    })?;
    Ok(result)
}

// ------------------------------------------------------------------------------------------
// Lifecycle moves

/// A move that was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub serial: String,
    pub from: String,
    pub to: String,
    pub disposal: Option<String>,
}

/// Moves a token through the lifecycle table (`token.state_changed`). A destruction names the
/// auditor who witnessed it. An officer may not act on their own token.
pub fn move_token(
    station: &mut Station<'_>,
    serial: &str,
    to: TokenState,
    actor: &Actor,
    reason: Option<&str>,
    witness: Option<&str>,
) -> Result<Moved, LifecycleError> {
    actor.require_officer()?;
    let t = token_row(station, serial)?;
    check_not_own_token(&actor.id, holder_nip(station, &t)?.as_deref())?;
    let from = lifecycle_status(station, &t)?;
    let next = from.apply(to, Role::Officer, reason)?;
    let witness = if to == TokenState::Destroyed {
        let w = witness
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .ok_or_else(|| LifecycleError::WitnessRequired {
                serial: serial.to_owned(),
            })?;
        let a = self::actor(station, w)?;
        if a.role != Role::Auditor {
            return Err(LifecycleError::NotAnAuditor { id: w.to_owned() });
        }
        Some(a.id)
    } else {
        None
    };
    // A token back in stock or destroyed has no holder any more.
    let holder = match to {
        TokenState::Stock | TokenState::Destroyed => None,
        _ => t.holder_application_id.clone(),
    };
    let moved = Moved {
        serial: t.serial.clone(),
        from: from.state.as_str().into(),
        to: next.state.as_str().into(),
        disposal: next.disposal.map(|d| d.as_str().to_owned()),
    };
    let who = actor.ledger();
    let m = moved.clone();
    station.write_as(|tx| {
        tx.set_token_state(&m.serial, &m.to, None, holder.as_deref())?;
        tx.set_token_disposal(&m.serial, m.disposal.as_deref())?;
        tx.append_event(
            "token.state_changed",
            &token_subject(&m.serial),
            &who,
            json!({"from": m.from, "to": m.to, "reason": reason.map(str::trim),
                   "disposal": m.disposal, "witness": witness}),
        )?;
        Ok::<_, LifecycleError>(())
    })?;
    Ok(moved)
}

/// Records that a returned token was wiped (reset to factory state).
pub fn record_wipe(
    station: &mut Station<'_>,
    serial: &str,
    actor: &Actor,
) -> Result<Moved, LifecycleError> {
    actor.require_officer()?;
    let t = token_row(station, serial)?;
    let from = lifecycle_status(station, &t)?;
    let next = from.record_wipe(Role::Officer)?;
    let who = actor.ledger();
    let moved = Moved {
        serial: t.serial.clone(),
        from: from.state.as_str().into(),
        to: next.state.as_str().into(),
        disposal: next.disposal.map(|d| d.as_str().to_owned()),
    };
    let m = moved.clone();
    station.write_as(|tx| {
        tx.set_token_disposal(&m.serial, m.disposal.as_deref())?;
        tx.append_event(
            "token.wiped",
            &token_subject(&m.serial),
            &who,
            json!({"disposal": m.disposal}),
        )?;
        Ok::<_, LifecycleError>(())
    })?;
    Ok(moved)
}

/// Links a token to the one it replaces (`token.replaces`).
pub fn link_replacement(
    station: &mut Station<'_>,
    serial: &str,
    replaces: &str,
    actor: &Actor,
) -> Result<Replacement, LifecycleError> {
    actor.require_officer()?;
    let new = token_row(station, serial)?;
    let old = token_row(station, replaces)?;
    let old_state = lifecycle_status(station, &old)?.state;
    let link = Replacement::new(&new.serial, &old.serial, old_state)?;
    let reason = format!("{:?}", link.reason).to_lowercase();
    let who = actor.ledger();
    let (n, o, r) = (new.serial.clone(), old.serial.clone(), reason.clone());
    station.write_as(|tx| {
        tx.set_token_replaces(&n, &o, &r)?;
        tx.append_event(
            "token.replaces",
            &token_subject(&n),
            &who,
            json!({"replaces": o, "reason": r}),
        )?;
        Ok::<_, LifecycleError>(())
    })?;
    Ok(link)
}

// ------------------------------------------------------------------------------------------
// Revocation (Pasal 16)

/// A revocation as the officer files it.
#[derive(Debug, Clone, Default)]
pub struct RevokeRequest {
    /// Certificate serial (hex, any case).
    pub serial: String,
    pub cause: String,
    pub police_report: Option<String>,
    /// The holder's signed statement, acknowledged by the superior (a scan).
    pub statement: Option<PathBuf>,
    /// The superior who acknowledged the statement (name / NIP).
    pub superior: Option<String>,
    /// The holder's re-application, if already filed.
    pub reapplication: Option<String>,
    /// Leave the token's state alone (a renewal on the same token: the token stays issued,
    /// with the new certificate).
    pub keep_token_state: bool,
    /// The enrolment session this revocation belongs to (a renewal's `supersede` step).
    pub session: Option<String>,
}

/// What a revocation ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Revoked at the CA; certificate and token marked; CRL published (embedded CA).
    Done {
        id: String,
        serial: String,
        token_state: Option<String>,
        crl: Option<PathBuf>,
        incident: Option<String>,
    },
    /// The offline CA must revoke: the sheet is in the outbox; confirm with the CA's ticket.
    Requested {
        id: String,
        serial: String,
        ticket: String,
        instructions: String,
        incident: Option<String>,
    },
}

/// Lowercase hex without leading zero bytes (the CA's and the reports' form of a serial).
pub fn normalise_serial(serial: &str) -> String {
    let s = serial.trim().trim_start_matches("0x").replace(':', "");
    let s = s.to_ascii_lowercase();
    let t = s.trim_start_matches('0');
    // keep an even number of digits per byte as the CA writes it (`serial_hex`)
    let mut bytes = hex::decode(if t.len() % 2 == 1 {
        format!("0{t}")
    } else {
        t.to_owned()
    })
    .unwrap_or_default();
    if bytes.is_empty() {
        bytes = vec![0];
    }
    serial_hex(&bytes)
}

/// Files a revocation. The papers of Pasal 16(3) are checked first; the statement is archived
/// encrypted. With the embedded CA the certificate is revoked, the CRL published, and the
/// certificate and token marked in **one** unit of work with the CA's records; with the
/// offline CA a revocation sheet goes to the outbox and nothing is marked revoked until
/// [`confirm_revocation`]. Lost, damaged, inaccessible and compromised keys are also recorded
/// as incidents (Pasal 25).
pub fn revoke(
    station: &mut Station<'_>,
    provider: &Pkcs11Provider,
    officer: &Officer,
    req: &RevokeRequest,
) -> Result<RevokeOutcome, LifecycleError> {
    let actor = actor_of(station, officer)?;
    actor.require_officer()?;
    let cause = Cause::parse(&req.cause).ok_or_else(|| LifecycleError::UnknownCause {
        given: req.cause.clone(),
    })?;
    let missing = missing_papers(
        cause,
        &Papers {
            police_report: req.police_report.as_deref(),
            statement: req.statement.is_some(),
            superior: req.superior.as_deref(),
        },
    );
    if !missing.is_empty() {
        return Err(LifecycleError::PapersMissing { cause, missing });
    }
    let cert = station
        .store()
        .holder_certificate(&req.serial)
        .map_err(|e| match e {
            StoreError::NotFound { .. } => LifecycleError::CertificateUnknown {
                serial: req.serial.clone(),
            },
            other => other.into(),
        })?;
    let status = station
        .store()
        .certificate_status(&cert.serial)?
        .unwrap_or_default();
    if let Some(r) = station.store().revocation_of_certificate(&cert.serial)? {
        return Err(LifecycleError::RevocationExists {
            serial: cert.serial,
            id: r.id,
            status: r.status,
        });
    }
    if status != "active" {
        return Err(LifecycleError::CertificateNotActive {
            serial: cert.serial,
            status,
        });
    }
    let token = token_row(station, &cert.token_serial)?;
    let app_row = station.store().get_application(&cert.application_id)?;
    let form = station.form_of(&app_row)?;
    check_not_own_token(&actor.id, form.applicant.nip.as_deref())?;
    if let Some(re) = &req.reapplication {
        station.application(re)?;
    }
    let statement = match &req.statement {
        None => None,
        Some(path) => {
            let bytes = crate::service::read_limited(path, STATEMENT_LIMIT).map_err(|e| {
                LifecycleError::StatementFile {
                    path: path.clone(),
                    reason: e.to_string(),
                }
            })?;
            Some(enroll::custodian_archive(station)?.put(&bytes)?)
        }
    };
    let x509 = Certificate::from_der(&cert.der).map_err(|e| CaError::Build(e.to_string()))?;
    let serial_bytes = x509.tbs_certificate().serial_number().as_bytes().to_vec();
    let lower = serial_hex(&serial_bytes);
    let reason = RevocationReason::from_name(cause.rfc5280_reason())
        .unwrap_or(RevocationReason::Unspecified);
    let ca = station.config().ca.clone().ok_or(EnrolError::NoCa)?;
    let crl_days = station.config().lifecycle.crl_next_update_days;
    let token_move = lifecycle_status(station, &token)
        .ok()
        .filter(|s| {
            !req.keep_token_state && matches!(s.state, TokenState::Issued | TokenState::Suspended)
        })
        .map(|s| s.apply(cause.token_state(), Role::Officer, Some(cause.as_str())))
        .transpose()?;
    let new = |status: &str, ca_name: &str, ticket: Option<String>| NewRevocation {
        certificate_serial: cert.serial.clone(),
        token_serial: token.serial.clone(),
        application_id: cert.application_id.clone(),
        cause: cause.as_str().into(),
        reason: reason.name().into(),
        police_report: req.police_report.clone().map(|s| s.trim().to_owned()),
        statement_sha256: statement.as_ref().map(|s| s.sha256.clone()),
        statement_archive: statement.as_ref().map(|s| s.name.clone()),
        superior: req.superior.clone().map(|s| s.trim().to_owned()),
        reapplication_id: req.reapplication.clone(),
        status: status.into(),
        ca: ca_name.into(),
        ticket,
        requested_by: actor.ledger(),
    };
    let who = actor.ledger();
    let incident = cause.incident_category().map(|category| NewIncident {
        category: category.into(),
        summary: format!(
            "Sertifikat {lower} dicabut: {cause} / certificate revoked: {cause}{}",
            req.police_report
                .as_deref()
                .map(|p| format!(" (laporan/report {})", p.trim()))
                .unwrap_or_default()
        ),
        token_serial: Some(token.serial.clone()),
        certificate_serial: Some(lower.clone()),
        application_id: Some(cert.application_id.clone()),
        reported_by: form.applicant.name.clone().unwrap_or_default(),
        occurred_at: station.now(),
        recorded_by: who.clone(),
    });
    let record_incident =
        |tx: &mut crate::store::UnitOfWork<'_>| -> Result<Option<String>, StoreError> {
            let Some(inc) = &incident else {
                return Ok(None);
            };
            let id = tx.insert_incident(inc)?;
            tx.append_event(
                kinds::INCIDENT_RECORDED,
                &id,
                &who,
                json!({"category": inc.category, "summary": inc.summary,
                   "token": inc.token_serial, "certificate": inc.certificate_serial,
                   "application": inc.application_id, "reported_by": inc.reported_by,
                   "occurred_at": crate::store::sqlite::fmt_time(inc.occurred_at),
                   "status": "open"}),
            )?;
            Ok(Some(id))
        };
    match ca.kind {
        CaKind::Offline => {
            let outbox = station
                .home()
                .resolve(ca.outbox.as_deref().unwrap_or_else(|| Path::new("outbox")));
            let mut authority =
                OfflineCa::new(ca.offline_name.as_deref().unwrap_or("BSrE"), &outbox);
            let name = authority.name().to_owned();
            let (id, ticket, instructions, inc) = station.write_as(|tx| {
                let Revocation::Requested {
                    ticket,
                    instructions,
                } = authority.revoke(tx, &serial_bytes, reason)?
                else {
                    return Err(CaError::Build("the offline CA revoked at once".into()).into());
                };
                let id = tx.insert_revocation(&new("requested", &name, Some(ticket.clone())))?;
                tx.set_holder_certificate_status(&cert.serial, "revocation_requested")?;
                tx.append_event(
                    "certificate.revocation_requested",
                    &lower,
                    &who,
                    json!({"serial": lower, "revocation": id, "cause": cause.as_str(),
                           "reason": reason.name(), "ca": name, "ticket": ticket,
                           "police_report": req.police_report, "superior": req.superior,
                           "statement_sha256": statement.as_ref().map(|s| &s.sha256),
                           "token": token.serial, "application": cert.application_id,
                           "session": req.session}),
                )?;
                let inc = record_incident(tx)?;
                Ok::<_, LifecycleError>((id, ticket, instructions, inc))
            })?;
            Ok(RevokeOutcome::Requested {
                id,
                serial: lower,
                ticket,
                instructions,
                incident: inc,
            })
        }
        CaKind::Embedded | CaKind::Acme => {
            let ca_token = match ca.kind {
                CaKind::Embedded => Some(CaToken::open(provider, station.home(), &ca)?),
                _ => None,
            };
            let mut embedded = ca_token.as_ref().map(CaToken::authority).transpose()?;
            let mut acme = match ca.kind {
                CaKind::Acme => Some(enroll::acme_authority(station.home(), &ca)?),
                _ => None,
            };
            let crl_path = station.home().root().join("ca/crl.der");
            let (id, crl, inc) = station.write_as(|tx| {
                let (name, crl) = match (embedded.as_mut(), acme.as_mut()) {
                    (Some(e), _) => {
                        let name = e.name().to_owned();
                        e.revoke(tx, &serial_bytes, reason)?;
                        let crl = e.crl(tx, time::Duration::days(i64::from(crl_days)))?;
                        (name, Some(crl))
                    }
                    (None, Some(a)) => {
                        let name = a.name().to_owned();
                        a.revoke(tx, &serial_bytes, reason)?;
                        (name, None)
                    }
                    (None, None) => return Err(EnrolError::NoCa.into()),
                };
                let id = tx.insert_revocation(&new("done", &name, None))?;
                mark_revoked(
                    tx,
                    &cert.serial,
                    &token.serial,
                    token_move.as_ref(),
                    cause,
                    &who,
                )?;
                tx.append_event(
                    kinds::CERTIFICATE_REVOKED,
                    &lower,
                    &who,
                    json!({"serial": lower, "revocation": id, "reason": cause.as_str(),
                           "rfc5280_reason": reason.name(), "ca": name,
                           "police_report": req.police_report, "superior": req.superior,
                           "statement_sha256": statement.as_ref().map(|s| &s.sha256),
                           "token": token.serial, "application": cert.application_id,
                           "reapplication": req.reapplication, "session": req.session}),
                )?;
                let inc = record_incident(tx)?;
                Ok::<_, LifecycleError>((id, crl, inc))
            })?;
            let crl = match crl {
                Some(der) => Some(publish_crl_file(&crl_path, &der)?),
                None => None,
            };
            Ok(RevokeOutcome::Done {
                id,
                serial: lower,
                token_state: token_move.map(|s| s.state.as_str().to_owned()),
                crl,
                incident: inc,
            })
        }
    }
}

/// Certificate status `revoked`, and the token moved as the cause says (when it was in service).
fn mark_revoked(
    tx: &mut crate::store::UnitOfWork<'_>,
    cert_serial: &str,
    token_serial: &str,
    token_move: Option<&TokenStatus>,
    cause: Cause,
    who: &str,
) -> Result<(), StoreError> {
    tx.set_holder_certificate_status(cert_serial, "revoked")?;
    if let Some(next) = token_move {
        let holder = tx
            .token(token_serial)?
            .and_then(|t| t.holder_application_id);
        let from = tx.token(token_serial)?.map(|t| t.state).unwrap_or_default();
        tx.set_token_state(token_serial, next.state.as_str(), None, holder.as_deref())?;
        tx.append_event(
            "token.state_changed",
            &token_subject(token_serial),
            who,
            json!({"from": from, "to": next.state.as_str(), "reason": cause.as_str(),
                   "certificate": cert_serial}),
        )?;
    }
    Ok(())
}

/// Writes a CRL (DER) and its PEM beside it; returns the DER path.
fn publish_crl_file(path: &Path, der: &[u8]) -> Result<PathBuf, LifecycleError> {
    let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der)
        .map_err(|e| CaError::Build(e.to_string()))?;
    crate::home::write_file(path, der, false).map_err(ServiceError::from)?;
    crate::home::write_file(&path.with_extension("pem"), pem.as_bytes(), false)
        .map_err(ServiceError::from)?;
    Ok(path.to_owned())
}

/// Publishes a fresh CRL of the embedded CA to `HOME/ca/crl.der` (and `.pem`), or `out`.
pub fn publish_crl(
    station: &mut Station<'_>,
    provider: &Pkcs11Provider,
    out: Option<&Path>,
    actor: &Actor,
) -> Result<(PathBuf, u64), LifecycleError> {
    actor.require_officer()?;
    let ca = station.config().ca.clone().ok_or(EnrolError::NoCa)?;
    if ca.kind != CaKind::Embedded {
        return Err(EnrolError::NoCa.into());
    }
    let days = station.config().lifecycle.crl_next_update_days;
    let ca_token = CaToken::open(provider, station.home(), &ca)?;
    let authority = ca_token.authority()?;
    let who = actor.ledger();
    let (der, count) = station.write_as(|tx| {
        let count = crate::ca::CaRecords::revocations(tx, authority.name())?.len() as u64;
        let der = authority.crl(tx, time::Duration::days(i64::from(days)))?;
        tx.append_event(
            "ca.crl_published",
            "ca",
            &who,
            json!({"ca": authority.name(), "entries": count, "sha256": sha256_hex(&der)}),
        )?;
        Ok::<_, LifecycleError>((der, count))
    })?;
    let path = out
        .map(Path::to_owned)
        .unwrap_or_else(|| station.home().root().join("ca/crl.der"));
    Ok((publish_crl_file(&path, &der)?, count))
}

/// The offline CA confirmed a requested revocation (its ticket): the certificate and the token
/// are marked revoked now, and `certificate.revoked` is recorded.
pub fn confirm_revocation(
    station: &mut Station<'_>,
    id: &str,
    ticket: Option<&str>,
    actor: &Actor,
) -> Result<RevocationRow, LifecycleError> {
    actor.require_officer()?;
    let r = station.store().revocation(id)?;
    if r.status != "requested" {
        return Err(LifecycleError::RevocationNotRequested {
            id: r.id,
            status: r.status,
        });
    }
    let cause = Cause::parse(&r.cause).ok_or_else(|| LifecycleError::UnknownCause {
        given: r.cause.clone(),
    })?;
    let token = token_row(station, &r.token_serial)?;
    let token_move = lifecycle_status(station, &token)
        .ok()
        .filter(|s| matches!(s.state, TokenState::Issued | TokenState::Suspended))
        .map(|s| s.apply(cause.token_state(), Role::Officer, Some(cause.as_str())))
        .transpose()?;
    let lower = normalise_serial(&r.certificate_serial);
    let who = actor.ledger();
    let rr = r.clone();
    station.write_as(|tx| {
        tx.complete_revocation(&rr.id, ticket)?;
        mark_revoked(
            tx,
            &rr.certificate_serial,
            &rr.token_serial,
            token_move.as_ref(),
            cause,
            &who,
        )?;
        tx.append_event(
            kinds::CERTIFICATE_REVOKED,
            &lower,
            &who,
            json!({"serial": lower, "revocation": rr.id, "reason": rr.cause,
                   "rfc5280_reason": rr.reason, "ca": rr.ca,
                   "ticket": ticket.map(str::to_owned).or(rr.ticket.clone()),
                   "token": rr.token_serial, "application": rr.application_id}),
        )?;
        Ok::<_, LifecycleError>(())
    })?;
    Ok(station.store().revocation(id)?)
}

/// Links a revocation to the holder's re-application (Pasal 16(2)b).
pub fn link_reapplication(
    station: &mut Station<'_>,
    id: &str,
    application_id: &str,
    actor: &Actor,
) -> Result<(), LifecycleError> {
    actor.require_officer()?;
    station.store().revocation(id)?;
    station.application(application_id)?;
    let who = actor.ledger();
    station.write_as(|tx| {
        tx.link_reapplication(id, application_id)?;
        tx.append_event(
            "revocation.reapplication_linked",
            id,
            &who,
            json!({"application": application_id}),
        )?;
        Ok::<_, LifecycleError>(())
    })
}

// ------------------------------------------------------------------------------------------
// PIN unblock under two-person control

/// What an unblock did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unblocked {
    pub serial: String,
    pub approvers: [String; 2],
    /// Archive name of the new (rotated) SO PIN.
    pub new_escrow: String,
}

/// Resets the holder's PIN of a PKCS#11 token: two **different** signed-in officers approve;
/// the escrowed SO PIN is decrypted with a custodian identity for this operation only, used to
/// set the PIN the holder typed, and then replaced by a fresh random SO PIN, escrowed before
/// the token changes. Neither officer may be the token's holder.
pub fn unblock(
    station: &mut Station<'_>,
    provider: &Pkcs11Provider,
    first: &Officer,
    second: Option<&Officer>,
    serial: &str,
    custodian_identity: &Path,
    new_pin: &Pin,
) -> Result<Unblocked, LifecycleError> {
    let a = actor_of(station, first)?;
    a.require_officer()?;
    let second = second.ok_or(LifecycleError::SecondOfficerRequired)?;
    let b = actor_of(station, second)?;
    b.require_officer()?;
    if a.id == b.id || first.certificate_sha256() == second.certificate_sha256() {
        return Err(LifecycleError::SameOfficerTwice { id: a.id });
    }
    let t = token_row(station, serial)?;
    let holder = holder_nip(station, &t)?;
    check_not_own_token(&a.id, holder.as_deref())?;
    check_not_own_token(&b.id, holder.as_deref())?;
    if !matches!(t.state.as_str(), "issued" | "suspended") {
        return Err(LifecycleError::NotUnblockable {
            serial: t.serial,
            state: t.state,
        });
    }
    enroll::check_new_pin(&t.profile_id, new_pin)?;
    // The token and the escrow reference must be the ones the ledger recorded for this serial
    // (issue 16): a swapped archive name would unblock with someone else's SO PIN.
    station.store().check_token_records(&t.serial)?;
    let escrow = station
        .store()
        .escrowed_secrets_of(&t.serial)?
        .into_iter()
        .rev()
        .find(|e| e.kind == "so_pin")
        .ok_or_else(|| LifecycleError::NoEscrow {
            serial: t.serial.clone(),
        })?;
    let archive = enroll::custodian_archive(station)?;
    let identity = archive::read_identity(custodian_identity)?;
    let so = archive.recover(&escrow.archive_name, &identity)?;
    // Escrowed SO PINs are ASCII (the station makes them); anything else cannot be one.
    let so_pin = Pin::from_string(String::from_utf8(so.expose().to_vec()).map_err(|_| {
        ArchiveError::HashMismatch {
            name: escrow.archive_name.clone(),
        }
    })?);
    let uri = Pkcs11Uri {
        serial: Some(t.serial.clone()),
        ..Default::default()
    }
    .to_string();
    let approvers = [a.ledger(), b.ledger()];
    let who = a.ledger();
    let serial_owned = t.serial.clone();
    let recovered = escrow.archive_name.clone();
    // The new SO PIN's escrow is recorded before the token changes (the callback), so a crash
    // in between leaves a recorded, recoverable escrow.
    let new_escrow =
        enroll::set_pin_and_escrow_so_pin(provider, &uri, &so_pin, new_pin, &archive, |name| {
            station.write_as(|tx| {
                tx.record_escrow(&serial_owned, "so_pin", name)?;
                tx.append_event(
                    "secret.recovered",
                    &token_subject(&serial_owned),
                    &who,
                    json!({"secret": "so_pin", "archive": recovered,
                           "purpose": "pin_unblock", "approvers": approvers}),
                )?;
                tx.append_event(
                    "secret.escrowed",
                    &token_subject(&serial_owned),
                    &who,
                    json!({"secret": "so_pin", "archive": name, "rotated": true}),
                )?;
                Ok::<_, EnrolError>(())
            })
        })?;
    station.write_as(|tx| {
        tx.append_event(
            "token.pin_unblocked",
            &token_subject(&t.serial),
            &who,
            json!({"approvers": approvers, "new_so_pin_escrow": new_escrow,
                   "pin_set_by": "holder"}),
        )?;
        Ok::<_, LifecycleError>(())
    })?;
    Ok(Unblocked {
        serial: t.serial,
        approvers,
        new_escrow,
    })
}

// ------------------------------------------------------------------------------------------
// Custody audit

/// Opens a custody audit for a signed-in auditor (`audit.started`).
pub fn audit_start(station: &mut Station<'_>, auditor: &Officer) -> Result<String, LifecycleError> {
    let a = actor_of(station, auditor)?;
    if a.role != Role::Auditor {
        return Err(LifecycleError::NotAnAuditor { id: a.id });
    }
    let who = a.ledger();
    let cert = auditor.certificate_sha256();
    station.write_as(|tx| {
        let id = tx.insert_audit(&a.id)?;
        tx.append_event(
            "audit.started",
            &id,
            &who,
            json!({"auditor": a.id, "certificate_sha256": cert}),
        )?;
        Ok::<_, LifecycleError>(id)
    })
}

fn open_audit(
    station: &Station<'_>,
    id: &str,
    auditor_id: &str,
) -> Result<crate::store::lifecycle::AuditRow, LifecycleError> {
    let audit = station.store().audit(id)?;
    if audit.status != "open" {
        return Err(LifecycleError::AuditClosed {
            id: audit.id,
            status: audit.status,
        });
    }
    if audit.auditor != auditor_id.trim() {
        return Err(LifecycleError::AuditNotYours {
            id: audit.id,
            auditor: audit.auditor,
        });
    }
    Ok(audit)
}

/// Tokens physically present now: every PKCS#11 token of the provider's modules, and every
/// PIV device on pcscd (when pcscd runs).
pub fn present_tokens(provider: &Pkcs11Provider) -> Result<Vec<Sighting>, LifecycleError> {
    let now = OffsetDateTime::now_utc();
    // A slot without a serial (SoftHSM2's spare uninitialised slot, an empty reader slot)
    // is no token that could be in the inventory: it is not a sighting.
    let mut out: Vec<Sighting> = provider
        .list_tokens()?
        .into_iter()
        .filter(|t| !t.serial.trim().is_empty())
        .map(|t| Sighting {
            serial: t.serial,
            interface: "pkcs11".into(),
            manufacturer: t.manufacturer,
            model: t.model,
            label: t.label,
            initialised: t.flags.user_pin_initialized,
            seen_at: now,
        })
        .collect();
    // PIV devices (YubiKeys): only when pcscd answers; a station without readers is normal.
    let piv = PivProvider::new();
    if let Ok(serials) = piv.serials() {
        for serial in serials {
            if let Ok(s) = piv.open_by_serial(serial)
                && let Ok(info) = s.token_info()
                && !out.iter().any(|o| o.serial == info.serial)
            {
                out.push(Sighting {
                    serial: info.serial,
                    interface: "piv".into(),
                    manufacturer: info.manufacturer,
                    model: info.model,
                    label: info.label,
                    initialised: true,
                    seen_at: now,
                });
            }
        }
    }
    Ok(out)
}

/// Records what a scan saw (`audit.scanned`); scans add up, so tokens can be brought in
/// batches. Returns the tokens seen by this scan.
pub fn audit_scan(
    station: &mut Station<'_>,
    audit_id: &str,
    auditor_id: &str,
    seen: &[Sighting],
) -> Result<Vec<Sighting>, LifecycleError> {
    let audit = open_audit(station, audit_id, auditor_id)?;
    let who = format!("auditor:{}", audit.auditor);
    let serials: Vec<&str> = seen.iter().map(|s| s.serial.as_str()).collect();
    station.write_as(|tx| {
        for s in seen {
            tx.record_sighting(&audit.id, s)?;
        }
        tx.append_event("audit.scanned", &audit.id, &who, json!({"seen": serials}))?;
        Ok::<_, LifecycleError>(())
    })?;
    Ok(seen.to_vec())
}

/// The audit report body (canonical JSON, signed by the auditor).
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub format: &'static str,
    pub audit_id: String,
    pub auditor: String,
    pub auditor_certificate_sha256: String,
    pub station: String,
    pub desk: String,
    pub started_at: String,
    pub finished_at: String,
    pub ledger_size: u64,
    pub inventory_size: usize,
    pub scanned: usize,
    pub clean: bool,
    pub result: Reconciliation,
}

/// A finished audit.
#[derive(Debug, Clone)]
pub struct AuditFinished {
    pub report: AuditReport,
    pub body: Vec<u8>,
    pub der: Vec<u8>,
    pub sha256: String,
}

/// Reconciles the audit's sightings with the inventory and closes it with a report signed by
/// the auditor's token (CMS, one signer), stored and chained into the ledger
/// (`audit.finished`).
pub fn audit_finish(
    station: &mut Station<'_>,
    auditor: &Officer,
    audit_id: &str,
    present: &[TokenInfo],
) -> Result<AuditFinished, LifecycleError> {
    let a = actor_of(station, auditor)?;
    if a.role != Role::Auditor {
        return Err(LifecycleError::NotAnAuditor { id: a.id });
    }
    let audit = open_audit(station, audit_id, &a.id)?;
    let inventory: Vec<InventoryToken> = station
        .store()
        .tokens()?
        .into_iter()
        .map(|t| InventoryToken {
            serial: t.serial,
            state: t.state,
            model: t.model,
            label: t.label,
        })
        .collect();
    let sightings = station.store().audit_sightings(&audit.id)?;
    let seen: Vec<SeenToken> = sightings
        .iter()
        .map(|s| SeenToken {
            serial: s.serial.clone(),
            model: s.model.clone(),
            label: s.label.clone(),
            initialised: s.initialised,
        })
        .collect();
    let mut station_serials = station_token_serials(station, present)?;
    station_serials.extend(station.store().staff()?.into_iter().map(|s| s.token_serial));
    let result = audit::reconcile(&inventory, &seen, &station_serials);
    let now = station.now();
    let cfg = station.config().clone();
    let report = AuditReport {
        format: "kustodi-audit-report/1",
        audit_id: audit.id.clone(),
        auditor: a.id.clone(),
        auditor_certificate_sha256: auditor.certificate_sha256(),
        station: cfg.station.authority.clone(),
        desk: cfg.station.desk.clone(),
        started_at: crate::store::sqlite::fmt_time(audit.started_at),
        finished_at: crate::store::sqlite::fmt_time(now),
        ledger_size: station.store().ledger_len()?,
        inventory_size: inventory.len(),
        scanned: seen.len(),
        clean: result.is_clean(),
        result,
    };
    let body = serde_json::to_vec_pretty(&report).map_err(|e| CaError::Build(e.to_string()))?;
    let signer = auditor.signer()?;
    let der = receipt::build_signed_document::<_, TokenSignature>(
        &body,
        (&signer, auditor.certificate()),
        now,
    )?;
    let sha = receipt::receipt_sha256(&der);
    let who = a.ledger();
    let counts = json!({
        "present_expected": report.result.present_expected.len(),
        "missing": report.result.missing.len(),
        "unknown": report.result.unknown.len(),
        "mismatched": report.result.mismatched.len(),
        "station": report.result.station.len(),
    });
    let missing: Vec<&str> = report
        .result
        .missing
        .iter()
        .map(|f| f.serial.as_str())
        .collect();
    let unknown: Vec<&str> = report
        .result
        .unknown
        .iter()
        .map(|f| f.serial.as_str())
        .collect();
    let mismatched: Vec<&str> = report
        .result
        .mismatched
        .iter()
        .map(|f| f.serial.as_str())
        .collect();
    let (aid, d, s) = (audit.id.clone(), der.clone(), sha.clone());
    station.write_as(|tx| {
        tx.finish_audit(&aid, &d, &s)?;
        tx.append_event(
            "audit.finished",
            &aid,
            &who,
            json!({"sha256": s, "counts": counts, "clean": report.clean,
                   "missing": missing, "unknown": unknown, "mismatched": mismatched}),
        )?;
        Ok::<_, LifecycleError>(())
    })?;
    Ok(AuditFinished {
        report,
        body,
        der,
        sha256: sha,
    })
}

/// Checks a stored or exported audit report: the auditor's signature and certificate chain,
/// and that its fingerprint is in the ledger.
pub fn verify_audit_report(
    station: &Station<'_>,
    der: &[u8],
) -> Result<receipt::VerifiedDocument, LifecycleError> {
    let anchors: Vec<Certificate> = enroll::trust_anchors(station.home(), station.config())?
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    let verified = receipt::verify_signed_document(der, &anchors, station.now())?;
    let audit_id = serde_json::from_slice::<serde_json::Value>(&verified.body_bytes)
        .ok()
        .and_then(|v| v["audit_id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let recorded = station
        .store()
        .events_of_subject(&audit_id)?
        .into_iter()
        .any(|e| e.kind == "audit.finished" && e.data["sha256"] == verified.sha256.as_str());
    if !recorded {
        return Err(EnrolError::ReceiptNotInLedger {
            sha256: verified.sha256,
        }
        .into());
    }
    Ok(verified)
}
