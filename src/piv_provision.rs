//! Provisioning a YubiKey / PIV device from stock for its holder, with attestation bound to
//! the inventory record (issue 4).
//!
//! Order, so that no record ever claims a key that does not exist:
//! 1. the device must be in the inventory as `stock` (registered by `kustodi token intake`);
//! 2. `token.provisioning_started` is recorded before the device is touched;
//! 3. the holder's PIN, a random PUK and a random management key are set (factory values from
//!    the device's firmware profile); the PUK and management key are escrowed to the custodians
//!    and the token moves to `initialised` in one unit of work (`secret.escrowed`,
//!    `token.initialised`). Secrets the device already took when a later part failed are
//!    escrowed all the same, so nothing the device knows is lost;
//! 4. the key pair is generated on the device, its attestation read and verified against the
//!    pinned roots, and **bound**: the attested key must be the generated key and the attested
//!    serial the serial of the inventory record;
//! 5. only then `key.generated` and `key.attestation` (`verified`, with the attested facts) are
//!    recorded. A refused attestation moves the token to `refused` with the reason; a device
//!    pulled out (or any other token failure) after step 3 records `token.provisioning_failed`
//!    with the step, and the token stays `initialised` with no key on record.
//!
//! The progress callback ([`PivProgress`]) lets a front end show each step; it never sees a
//! secret.

use serde_json::json;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::archive::ArchiveError;
use crate::domain::firmware::{FirmwareVersion, Profile, SecretKind, TokenReport};
use crate::enroll::{self, EnrolError};
use crate::lifecycle::{Actor, LifecycleError};
use crate::ports::token::{KeyAlgorithm, TokenError, TokenSession};
use crate::secret::{Pin, Secret};
use crate::service::{ServiceError, Station};
use crate::store::StoreError;
use crate::token::attestation::{self, AttestationRefusal, Expected, TrustStore};
use crate::token::piv::{
    KeygenParams, ManagementKey, PivSession, PivSlot, management_key_algorithm_for,
};
use crate::token::profiles;

/// Why a PIV provisioning stopped. Each names what to do in [`crate::errors`].
#[derive(Debug, Error)]
pub enum PivProvisionError {
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(transparent)]
    Enrol(#[from] EnrolError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("device {serial} is recorded as {state}; only a device from stock is provisioned")]
    NotStock { serial: String, state: String },
    #[error("the firmware profile {profile} has no factory {secret} for this device")]
    NoFactoryDefault {
        profile: String,
        secret: &'static str,
    },
    #[error("step {step} failed on device {serial}: {error}")]
    Token {
        serial: String,
        step: &'static str,
        error: TokenError,
    },
    #[error("the attestation of device {serial} was refused: {refusal}")]
    Attestation {
        serial: String,
        refusal: AttestationRefusal,
    },
}

/// What to provision.
#[derive(Debug)]
pub struct PivProvisionRequest<'a> {
    /// The holder's new PIN (typed by the holder).
    pub holder_pin: &'a Pin,
    pub algorithm: KeyAlgorithm,
    pub params: KeygenParams,
    /// Pinned Yubico roots (plus a test root only when the test configuration says so).
    pub trust: &'a TrustStore,
}

/// Told before each step starts (`provision`, `keygen`, `attestation`, `record`).
pub trait PivProgress {
    fn step(&self, step: &'static str);
}

/// No progress display.
#[derive(Debug)]
pub struct Quiet;

impl PivProgress for Quiet {
    fn step(&self, _: &'static str) {}
}

/// A provisioned device.
#[derive(Debug, Clone)]
pub struct PivProvisioned {
    pub serial: String,
    pub profile: String,
    pub slot: PivSlot,
    pub key_spki_sha256: String,
    pub attested_serial: u32,
    pub attested_firmware: Option<FirmwareVersion>,
    pub escrow: Vec<String>,
}

fn token_subject(serial: &str) -> String {
    format!("token:{serial}")
}

fn profile_of(session: &PivSession) -> Result<Profile, PivProvisionError> {
    let set = profiles::embedded_profiles().map_err(|e| EnrolError::Profiles(format!("{e:?}")))?;
    let m = set.match_token(&TokenReport {
        manufacturer: Some("Yubico".into()),
        model: Some("YubiKey PIV".into()),
        reader: Some(session.reader().to_owned()),
        piv_version: Some(session.firmware()),
        ..Default::default()
    });
    Ok(m.profile.clone())
}

fn factory(profile: &Profile, secret: SecretKind) -> Result<String, PivProvisionError> {
    profile
        .pin
        .factory_defaults
        .iter()
        .find(|d| d.secret == secret)
        .and_then(|d| d.public_value.clone())
        .ok_or(PivProvisionError::NoFactoryDefault {
            profile: profile.id.clone(),
            secret: match secret {
                SecretKind::UserPin => "user_pin",
                SecretKind::Puk => "puk",
                SecretKind::SoPin => "so_pin",
                SecretKind::ManagementKey => "management_key",
            },
        })
}

/// Records `token.provisioning_failed` (its own unit of work) and returns the error.
fn failed(
    station: &mut Station<'_>,
    who: &str,
    serial: &str,
    step: &'static str,
    error: TokenError,
) -> PivProvisionError {
    let subject = token_subject(serial);
    let text = error.to_string();
    let _ = station.write_as(|tx| {
        tx.append_event(
            "token.provisioning_failed",
            &subject,
            who,
            json!({"interface": "piv", "step": step, "error": text}),
        )?;
        Ok::<_, PivProvisionError>(())
    });
    PivProvisionError::Token {
        serial: serial.to_owned(),
        step,
        error,
    }
}

/// Escrows the secrets the device took; returns `(kind, archive name)` pairs.
fn escrow(
    archive: &crate::archive::Archive,
    puk: Option<&Secret>,
    management_key: Option<&ManagementKey>,
) -> Result<Vec<(&'static str, String)>, PivProvisionError> {
    let mut out = vec![];
    if let Some(p) = puk {
        out.push(("puk", archive.escrow(p)?));
    }
    if let Some(m) = management_key {
        out.push(("management_key", archive.escrow(&m.key)?));
    }
    Ok(out)
}

/// Provisions `session`'s device for its holder and attests the new key (see the module).
pub fn provision_piv(
    station: &mut Station<'_>,
    actor: &Actor,
    session: &PivSession,
    req: &PivProvisionRequest<'_>,
    progress: &dyn PivProgress,
) -> Result<PivProvisioned, PivProvisionError> {
    actor.require_officer()?;
    let serial = session.serial().to_string();
    let row = station
        .store()
        .token(&serial)?
        .ok_or_else(|| LifecycleError::TokenUnknown {
            serial: serial.clone(),
        })?;
    if row.state != "stock" {
        return Err(PivProvisionError::NotStock {
            serial,
            state: row.state,
        });
    }
    let profile = profile_of(session)?;
    enroll::check_new_pin(&profile.id, req.holder_pin)?;
    let current_pin = Pin::new(factory(&profile, SecretKind::UserPin)?);
    let current_puk = Pin::new(factory(&profile, SecretKind::Puk)?);
    let mgm_hex = factory(&profile, SecretKind::ManagementKey)?;
    let info = session.info().map_err(|e| PivProvisionError::Token {
        serial: serial.clone(),
        step: "provision",
        error: e,
    })?;
    let current_mgm = ManagementKey {
        algorithm: info.management_key_algorithm,
        key: Secret::new(hex::decode(mgm_hex.trim()).map_err(|_| {
            PivProvisionError::NoFactoryDefault {
                profile: profile.id.clone(),
                secret: "management_key",
            }
        })?),
    };
    let archive = enroll::custodian_archive(station)?;
    let who = actor.ledger();
    let subject = token_subject(&serial);
    let (slot, algorithm) = (req.params.slot, req.algorithm);
    station.write_as(|tx| {
        tx.append_event(
            "token.provisioning_started",
            &subject,
            &who,
            json!({"interface": "piv", "profile": profile.id, "firmware": info.firmware.to_string(),
                   "slot": slot.to_string(), "algorithm": algorithm.to_string()}),
        )?;
        Ok::<_, PivProvisionError>(())
    })?;

    // 3. PIN, PUK, management key; escrow what the device took, even on a failure.
    progress.step("provision");
    let wanted = management_key_algorithm_for(&profile, info.firmware);
    let outcome = session.provision(&crate::token::piv::ProvisionRequest {
        current_pin: &current_pin,
        new_pin: req.holder_pin,
        current_puk: &current_puk,
        current_management_key: &current_mgm,
        management_key_algorithm: wanted,
    });
    let (secrets, failure) = match outcome {
        Ok(s) => (s, None),
        Err(f) => {
            let f = *f;
            (f.changed, Some((f.step, f.error)))
        }
    };
    let names = escrow(
        &archive,
        secrets.puk.as_ref(),
        secrets.management_key.as_ref(),
    )?;
    let complete = failure.is_none();
    let names_for_tx = names.clone();
    let label = format!("PIV {serial}");
    station.write_as(|tx| {
        for (kind, name) in &names_for_tx {
            tx.record_escrow(&serial, kind, name)?;
            tx.append_event(
                "secret.escrowed",
                &subject,
                &who,
                json!({"secret": kind, "archive": name}),
            )?;
        }
        if complete {
            tx.set_token_state(&serial, "initialised", Some(&label), None)?;
            tx.append_event(
                "token.initialised",
                &subject,
                &who,
                json!({"interface": "piv", "profile": profile.id,
                       "management_key_algorithm": format!("{wanted:?}"),
                       "pin_set_by": "holder"}),
            )?;
        }
        Ok::<_, PivProvisionError>(())
    })?;
    if let Some((step, error)) = failure {
        return Err(failed(station, &who, &serial, step, error));
    }
    let mgm = secrets
        .management_key
        .expect("provision returns the key it set");

    // 4. Key on the device, attestation verified and bound.
    progress.step("keygen");
    let key = session
        .authenticate(&mgm)
        .and_then(|()| session.login(req.holder_pin))
        .and_then(|()| session.generate(req.params, algorithm, "kustodi"))
        .map_err(|e| failed(station, &who, &serial, "keygen", e))?;
    let spki = session
        .public_key_spki_der(&key)
        .map_err(|e| failed(station, &who, &serial, "keygen", e))?;
    let spki_sha256 = hex::encode(Sha256::digest(&spki));
    progress.step("attestation");
    let evidence = session
        .attestation(slot)
        .map_err(|e| failed(station, &who, &serial, "attestation", e))?;
    let expected = Expected {
        serial: session.serial(),
        public_key_spki_der: &spki,
    };
    let now = station.now();
    let verified = match attestation::verify(
        &evidence.slot_certificate,
        &evidence.f9_certificate,
        req.trust,
        expected,
        now,
    ) {
        Ok(v) => v,
        Err(refusal) => {
            let reason = refusal.to_string();
            station.write_as(|tx| {
                tx.set_token_state(&serial, "refused", None, None)?;
                tx.append_event(
                    "key.attestation",
                    &subject,
                    &who,
                    json!({"result": "failed", "reason": reason, "slot": slot.to_string(),
                           "spki_sha256": spki_sha256}),
                )?;
                Ok::<_, PivProvisionError>(())
            })?;
            return Err(PivProvisionError::Attestation { serial, refusal });
        }
    };

    // 5. Only now is the key on record, bound to the inventory record by the attested serial.
    progress.step("record");
    let f = &verified.facts;
    let facts = json!({"result": "verified", "serial": verified.serial,
        "firmware": f.firmware.map(|v| v.to_string()),
        "pin_policy": f.pin_policy.map(|p| format!("{p:?}").to_lowercase()),
        "touch_policy": f.touch_policy.map(|p| format!("{p:?}").to_lowercase()),
        "form_factor": f.form_factor.map(|p| format!("{p:?}").to_lowercase()),
        "fips": f.fips, "f9_sha256": f.f9_sha256, "chain": f.chain,
        "anchor": format!("{:?}", f.anchor).to_lowercase(), "inventory_serial": serial});
    station.write_as(|tx| {
        tx.append_event(
            "key.generated",
            &subject,
            &who,
            json!({"interface": "piv", "slot": slot.to_string(),
                   "algorithm": algorithm.to_string(), "spki_sha256": spki_sha256,
                   "on_device": true}),
        )?;
        tx.append_event("key.attestation", &subject, &who, facts)?;
        Ok::<_, PivProvisionError>(())
    })?;
    Ok(PivProvisioned {
        serial,
        profile: profile.id.clone(),
        slot,
        key_spki_sha256: spki_sha256,
        attested_serial: verified.serial,
        attested_firmware: verified.facts.firmware,
        escrow: names.into_iter().map(|(_, n)| n).collect(),
    })
}
