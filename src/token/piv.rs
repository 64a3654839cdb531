//! The YubiKey PIV adapter of the token port, on the `yubikey` crate (0.9.0-rc.0).
//!
//! * Tokens are addressed as `piv:serial=<decimal>` and keys/certificates as
//!   `piv:serial=<n>;slot=9c` (the slot byte is the key's `CKA_ID`-like id: `[0x9c]`). A token is
//!   always opened **by serial** (several YubiKeys may be plugged in).
//! * Key slots: 9a (authentication), 9c (signature, the station's default for issuance),
//!   9d (key management), 9e (card authentication). Generation needs the management key;
//!   signing needs the PIN, which the session re-presents before every signature (9c's default
//!   PIN policy is "always").
//! * Signing hashes on the host: ECDSA P-256/P-384 (the card returns DER `Ecdsa-Sig-Value`),
//!   RSA PKCS#1 v1.5 (the host builds the EMSA-PKCS1-v1_5 block, the card does raw RSA).
//! * Provisioning ([`PivSession::provision`]) sets the applicant's PIN, a random PUK and a random
//!   management key (AES-192 where the firmware profile allows it, else 3DES:
//!   [`management_key_algorithm_for`]) and returns them as [`Secret`]s for escrow.
//! * Card pulled out → [`TokenError::Removed`]; wrong PIN → [`TokenError::PinIncorrect`] with
//!   the card's retry count; blocked → [`TokenError::PinLocked`].

use std::sync::Mutex;

use der::{Decode, Encode};
use rand::Rng;
use yubikey::piv::{self, AlgorithmId, ManagementSlotId, SlotAlgorithmId, SlotId};
use yubikey::{MgmAlgorithmId, MgmKey, PinPolicy, Serial, TouchPolicy, YubiKey};

use crate::domain::firmware::{FirmwareVersion, ManagementKeyAlgorithm, Profile, SecretKind};
use crate::ports::token::{
    CertificateObject, HashAlgorithm, KeyAlgorithm, KeyHandleRef, KeySafety, SignInput, TokenError,
    TokenFlags, TokenInfo, TokenProvider, TokenSession,
};
use crate::secret::{Pin, Secret};
use crate::token::pkcs11::host_hash;

/// The factory-default PIV management key (3DES on firmware < 5.7, AES-192 from 5.7).
pub const DEFAULT_MANAGEMENT_KEY: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];
/// Length of the random PUKs the station sets (digits, so a custodian can type it).
pub const PUK_LEN: usize = 8;
/// YubiKey PIN length limits (bytes).
pub const PIN_MIN_LEN: usize = 6;
pub const PIN_MAX_LEN: usize = 8;

/// Object id of the F9 attestation certificate (`YKPIV_OBJ_ATTESTATION`).
const OBJ_ATTESTATION: u32 = 0x005f_ff01;

const SHA256_DIGEST_INFO: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const SHA384_DIGEST_INFO: &[u8] = &[
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];

/// A PIV key slot the station uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PivSlot {
    /// 9a: PIV authentication.
    Authentication,
    /// 9c: digital signature (the station's default).
    Signature,
    /// 9d: key management.
    KeyManagement,
    /// 9e: card authentication.
    CardAuthentication,
}

impl PivSlot {
    pub const ALL: [PivSlot; 4] = [
        Self::Authentication,
        Self::Signature,
        Self::KeyManagement,
        Self::CardAuthentication,
    ];

    /// The slot byte (`0x9a`, `0x9c`, …), used as the key's id.
    pub fn id(self) -> u8 {
        match self {
            Self::Authentication => 0x9a,
            Self::Signature => 0x9c,
            Self::KeyManagement => 0x9d,
            Self::CardAuthentication => 0x9e,
        }
    }

    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The PIV data object holding the slot's certificate.
    pub fn certificate_object(self) -> u32 {
        match self {
            Self::Authentication => 0x005f_c105,
            Self::Signature => 0x005f_c10a,
            Self::KeyManagement => 0x005f_c10b,
            Self::CardAuthentication => 0x005f_c101,
        }
    }

    fn yk(self) -> SlotId {
        match self {
            Self::Authentication => SlotId::Authentication,
            Self::Signature => SlotId::Signature,
            Self::KeyManagement => SlotId::KeyManagement,
            Self::CardAuthentication => SlotId::CardAuthentication,
        }
    }
}

impl std::fmt::Display for PivSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02x}", self.id())
    }
}

/// PIN policy of a generated key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PivPinPolicy {
    /// The slot's default (9a once, 9c always, 9d once, 9e never).
    #[default]
    Default,
    Never,
    Once,
    Always,
}

/// Touch policy of a generated key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PivTouchPolicy {
    #[default]
    Default,
    Never,
    Always,
    Cached,
}

/// Where and how [`TokenSession::generate_key_pair`] generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeygenParams {
    pub slot: PivSlot,
    pub pin_policy: PivPinPolicy,
    pub touch_policy: PivTouchPolicy,
}

impl Default for KeygenParams {
    fn default() -> Self {
        Self {
            slot: PivSlot::Signature,
            pin_policy: PivPinPolicy::Default,
            touch_policy: PivTouchPolicy::Default,
        }
    }
}

/// Tries configured and left for the PIN or PUK (GET METADATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    pub total: u8,
    pub remaining: u8,
}

/// What a PIV device says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PivDeviceInfo {
    pub serial: u32,
    pub firmware: FirmwareVersion,
    pub reader: String,
    /// PIN tries (metadata; without metadata `total` is unknown and reported as 0).
    pub pin: Retries,
    /// PUK tries (metadata only: firmware ≥ 5.3).
    pub puk: Option<Retries>,
    /// Whether the PIN / PUK / management key are still the factory defaults (metadata only).
    pub pin_is_default: Option<bool>,
    pub puk_is_default: Option<bool>,
    pub management_key_is_default: Option<bool>,
    /// Current management key algorithm (metadata; 3DES when the firmware has no metadata).
    pub management_key_algorithm: ManagementKeyAlgorithm,
}

/// A management key and its algorithm. The key bytes are a [`Secret`].
#[derive(Debug, Clone)]
pub struct ManagementKey {
    pub algorithm: ManagementKeyAlgorithm,
    pub key: Secret,
}

impl ManagementKey {
    /// The published factory default (3DES `0102…08`), for a token fresh from stock.
    pub fn factory_default() -> Self {
        Self {
            algorithm: ManagementKeyAlgorithm::TripleDes,
            key: Secret::new(DEFAULT_MANAGEMENT_KEY.to_vec()),
        }
    }

    /// A random key for `algorithm`.
    pub fn random(algorithm: ManagementKeyAlgorithm) -> Self {
        let len = match algorithm {
            ManagementKeyAlgorithm::TripleDes | ManagementKeyAlgorithm::Aes192 => 24,
            ManagementKeyAlgorithm::Aes128 => 16,
            ManagementKeyAlgorithm::Aes256 => 32,
        };
        let mut bytes = vec![0u8; len];
        rand::rng().fill_bytes(&mut bytes);
        Self {
            algorithm,
            key: Secret::new(bytes),
        }
    }

    fn to_yk(&self) -> Result<MgmKey, TokenError> {
        MgmKey::from_bytes(self.key.expose(), Some(mgm_alg(self.algorithm))).map_err(|e| {
            TokenError::Encoding(format!("management key for {:?}: {e}", self.algorithm))
        })
    }
}

fn mgm_alg(a: ManagementKeyAlgorithm) -> MgmAlgorithmId {
    match a {
        ManagementKeyAlgorithm::TripleDes => MgmAlgorithmId::ThreeDes,
        ManagementKeyAlgorithm::Aes128 => MgmAlgorithmId::Aes128,
        ManagementKeyAlgorithm::Aes192 => MgmAlgorithmId::Aes192,
        ManagementKeyAlgorithm::Aes256 => MgmAlgorithmId::Aes256,
    }
}

fn from_mgm_alg(a: MgmAlgorithmId) -> ManagementKeyAlgorithm {
    match a {
        MgmAlgorithmId::ThreeDes => ManagementKeyAlgorithm::TripleDes,
        MgmAlgorithmId::Aes128 => ManagementKeyAlgorithm::Aes128,
        MgmAlgorithmId::Aes192 => ManagementKeyAlgorithm::Aes192,
        MgmAlgorithmId::Aes256 => ManagementKeyAlgorithm::Aes256,
    }
}

/// The management key algorithm the station sets on a device: AES-192 when the firmware
/// profile lists it for this firmware (YubiKey 5 from 5.4.0), else 3DES.
pub fn management_key_algorithm_for(
    profile: &Profile,
    firmware: FirmwareVersion,
) -> ManagementKeyAlgorithm {
    let aes192 = profile.admin_secrets.iter().any(|s| {
        s.kind == SecretKind::ManagementKey
            && s.firmware.contains(firmware)
            && s.algorithms.contains(&ManagementKeyAlgorithm::Aes192)
    });
    if aes192 {
        ManagementKeyAlgorithm::Aes192
    } else {
        ManagementKeyAlgorithm::TripleDes
    }
}

/// The current secrets and the wanted PIN and management key algorithm.
#[derive(Debug)]
pub struct ProvisionRequest<'a> {
    pub current_pin: &'a Pin,
    pub new_pin: &'a Pin,
    pub current_puk: &'a Pin,
    pub current_management_key: &'a ManagementKey,
    pub management_key_algorithm: ManagementKeyAlgorithm,
}

/// The administrative secrets the station set. The caller escrows them
/// ([`crate::archive::Archive::escrow`]) and records only that they were escrowed.
#[derive(Debug, Default)]
pub struct AdminSecrets {
    pub puk: Option<Secret>,
    pub management_key: Option<ManagementKey>,
}

/// Provisioning stopped part-way. `changed` holds every secret already set on the card: it
/// must be escrowed like a complete result, or the device is lost.
#[derive(Debug, thiserror::Error)]
#[error("PIV provisioning failed at {step}: {error}")]
pub struct ProvisionFailure {
    pub step: &'static str,
    pub error: TokenError,
    pub changed: AdminSecrets,
}

/// The slot attestation (INS F9) and the device's F9 certificate (object 5FFF01), DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationEvidence {
    pub slot: PivSlot,
    pub slot_certificate: Vec<u8>,
    pub f9_certificate: Vec<u8>,
}

/// `piv:serial=<n>`.
pub fn token_uri(serial: u32) -> String {
    format!("piv:serial={serial}")
}

/// `piv:serial=<n>;slot=<xx>`.
pub fn object_uri(serial: u32, slot: PivSlot) -> String {
    format!("piv:serial={serial};slot={slot}")
}

/// Serial and slot from a `piv:` locator.
pub fn parse_uri(uri: &str) -> Result<(u32, Option<PivSlot>), TokenError> {
    let invalid = |reason: &str| TokenError::InvalidUri {
        uri: uri.to_owned(),
        reason: reason.to_owned(),
    };
    let rest = uri
        .strip_prefix("piv:")
        .ok_or_else(|| invalid("not a piv: locator"))?;
    let (mut serial, mut slot) = (None, None);
    for part in rest.split(';').filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some(("serial", v)) => serial = Some(v.parse().map_err(|_| invalid("bad serial"))?),
            Some(("slot", v)) => {
                let id = u8::from_str_radix(v, 16).map_err(|_| invalid("bad slot"))?;
                slot = Some(PivSlot::from_id(id).ok_or_else(|| invalid("unknown slot"))?);
            }
            Some(("type", _)) => {}
            _ => return Err(invalid("unknown attribute")),
        }
    }
    Ok((serial.ok_or_else(|| invalid("serial= is required"))?, slot))
}

/// Maps a `yubikey` error. `function` names the operation for [`TokenError::Backend`].
fn map_yk(e: yubikey::Error, function: &str) -> TokenError {
    use yubikey::Error as E;
    match e {
        E::WrongPin { tries: 0 } | E::PinLocked => TokenError::PinLocked,
        E::WrongPin { tries } => TokenError::PinIncorrect {
            retries_left: Some(tries.into()),
            low: true,
            final_try: tries == 1,
        },
        E::PcscError { inner: Some(pe) } if is_removal(pe) => TokenError::Removed,
        E::AlgorithmError | E::NotSupported => TokenError::MechanismUnsupported {
            mechanism: function.to_owned(),
        },
        other => TokenError::Backend {
            function: function.to_owned(),
            code: match other.name() {
                Some(name) => format!("{other} ({name})"),
                None => other.to_string(),
            },
        },
    }
}

fn is_removal(e: pcsc::Error) -> bool {
    use pcsc::Error as P;
    matches!(
        e,
        P::RemovedCard
            | P::NoSmartcard
            | P::ReaderUnavailable
            | P::UnknownReader
            | P::NoReadersAvailable
            | P::UnpoweredCard
            | P::UnresponsiveCard
            | P::CommError
    )
}

/// How long to wait for pcscd to notice a card that left, after a PC/SC error.
const REMOVAL_SETTLE: std::time::Duration = std::time::Duration::from_millis(1500);

/// Whether a card is in the named reader (`None` when PC/SC cannot tell). A reader that no
/// longer exists has no card. pcscd notices a removal only at its next poll, so a card still
/// reported present is watched for [`REMOVAL_SETTLE`] before the answer is "present".
fn card_present(reader: &str) -> Option<bool> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).ok()?;
    let name = std::ffi::CString::new(reader).ok()?;
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let present = |s: pcsc::State| {
        s.contains(pcsc::State::PRESENT)
            && !s.intersects(pcsc::State::UNKNOWN | pcsc::State::UNAVAILABLE)
    };
    let deadline = std::time::Instant::now() + REMOVAL_SETTLE;
    let mut timeout = std::time::Duration::ZERO;
    loop {
        match ctx.get_status_change(timeout, &mut states) {
            Ok(()) => {
                if !present(states[0].event_state()) {
                    return Some(false);
                }
                states[0].sync_current_state();
            }
            Err(pcsc::Error::Timeout) => return Some(true),
            Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => {
                return Some(false);
            }
            Err(_) => return None,
        }
        timeout = deadline.saturating_duration_since(std::time::Instant::now());
        if timeout.is_zero() {
            return Some(true);
        }
    }
}

fn is_reset(e: &yubikey::Error) -> bool {
    matches!(
        e,
        yubikey::Error::PcscError {
            inner: Some(pcsc::Error::ResetCard)
        }
    )
}

fn firmware_of(yk: &YubiKey) -> FirmwareVersion {
    let v = yk.version();
    FirmwareVersion {
        major: v.major.into(),
        minor: v.minor.into(),
        patch: v.patch.into(),
    }
}

/// The PIV provider: finds YubiKeys (and compatible PIV cards) through PC/SC.
#[derive(Debug, Clone, Copy, Default)]
pub struct PivProvider;

impl PivProvider {
    pub fn new() -> Self {
        Self
    }

    /// Opens the device with this serial.
    pub fn open_by_serial(&self, serial: u32) -> Result<PivSession, TokenError> {
        let yk = YubiKey::open_by_serial(Serial(serial)).map_err(|e| match e {
            yubikey::Error::NotFound => TokenError::TokenNotFound {
                uri: token_uri(serial),
            },
            yubikey::Error::PcscError {
                inner: Some(pcsc::Error::NoReadersAvailable),
            } => TokenError::TokenNotFound {
                uri: token_uri(serial),
            },
            other => map_yk(other, "open PIV device"),
        })?;
        Ok(PivSession::new(yk))
    }

    /// Serials of every PIV device present.
    pub fn serials(&self) -> Result<Vec<u32>, TokenError> {
        let mut ctx = match yubikey::reader::Context::open() {
            Ok(c) => c,
            Err(e) => return Err(map_yk(e, "SCardEstablishContext")),
        };
        let readers = match ctx.iter() {
            Ok(r) => r,
            Err(yubikey::Error::PcscError {
                inner: Some(pcsc::Error::NoReadersAvailable),
            }) => return Ok(Vec::new()),
            Err(e) => return Err(map_yk(e, "SCardListReaders")),
        };
        let mut out = Vec::new();
        for reader in readers {
            if let Ok(yk) = reader.open() {
                out.push(yk.serial().0);
                let _ = yk.disconnect(pcsc::Disposition::LeaveCard);
            }
        }
        Ok(out)
    }
}

impl TokenProvider for PivProvider {
    fn list_tokens(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let mut out = Vec::new();
        for serial in self.serials()? {
            match self.open_by_serial(serial) {
                Ok(s) => out.push(s.token_info()?),
                Err(TokenError::TokenNotFound { .. } | TokenError::Removed) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    fn token_info(&self, token_uri: &str) -> Result<TokenInfo, TokenError> {
        let (serial, _) = parse_uri(token_uri)?;
        self.open_by_serial(serial)?.token_info()
    }

    /// PIV has no "initialise": a device is reset (only when PIN and PUK are both blocked,
    /// [`PivSession::reset_blocked`]) and then provisioned ([`PivSession::provision`]).
    fn init_token(&self, _: &str, _: &Pin, _: &str) -> Result<String, TokenError> {
        Err(TokenError::MechanismUnsupported {
            mechanism: "init_token on PIV (use PivSession::reset_blocked + provision)".into(),
        })
    }

    /// The PIV "SO PIN" is the PUK.
    fn change_so_pin(&self, token_uri: &str, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        let (serial, _) = parse_uri(token_uri)?;
        self.open_by_serial(serial)?.change_puk(old, new)
    }

    /// Sets the PIN with the PUK (PIV RESET RETRY COUNTER): the unblock path.
    fn init_user_pin(
        &self,
        token_uri: &str,
        so_pin: &Pin,
        user_pin: &Pin,
    ) -> Result<(), TokenError> {
        let (serial, _) = parse_uri(token_uri)?;
        self.open_by_serial(serial)?.unblock_pin(so_pin, user_pin)
    }

    fn change_user_pin(&self, token_uri: &str, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        let (serial, _) = parse_uri(token_uri)?;
        self.open_by_serial(serial)?.change_pin(old, new)
    }

    fn open_session(&self, token_uri: &str) -> Result<Box<dyn TokenSession>, TokenError> {
        let (serial, _) = parse_uri(token_uri)?;
        Ok(Box::new(self.open_by_serial(serial)?))
    }
}

struct State {
    yk: YubiKey,
    /// The PIN given to `login`, re-presented before each signature (PIN policy "always").
    pin: Option<Pin>,
    keygen: KeygenParams,
    /// SPKI of keys generated in this session (for firmware without GET METADATA).
    generated: Vec<(PivSlot, Vec<u8>)>,
}

/// An open PIV device.
pub struct PivSession {
    state: Mutex<State>,
    serial: u32,
    firmware: FirmwareVersion,
    reader: String,
    uri: String,
}

impl std::fmt::Debug for PivSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PivSession")
            .field("uri", &self.uri)
            .field("firmware", &self.firmware)
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PivSession {
    fn new(yk: YubiKey) -> Self {
        let serial = yk.serial().0;
        Self {
            serial,
            firmware: firmware_of(&yk),
            reader: yk.name().to_owned(),
            uri: token_uri(serial),
            state: Mutex::new(State {
                yk,
                pin: None,
                keygen: KeygenParams::default(),
                generated: Vec::new(),
            }),
        }
    }

    pub fn serial(&self) -> u32 {
        self.serial
    }

    pub fn firmware(&self) -> FirmwareVersion {
        self.firmware
    }

    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// Runs `f` on the device; a card reset by another PC/SC client (SCARD_W_RESET_CARD) is
    /// reconnected once (PIN re-verified by the crate) and `f` retried.
    fn with<T>(
        &self,
        function: &str,
        mut f: impl FnMut(&mut State) -> yubikey::Result<T>,
    ) -> Result<T, TokenError> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let result = match f(&mut st) {
            Err(e) if is_reset(&e) => {
                st.yk.reconnect().map_err(|e| map_yk(e, "reconnect"))?;
                f(&mut st)
            }
            other => other,
        };
        result.map_err(|e| match e {
            // A card pulled out mid-command can surface as any PC/SC error (e.g.
            // SCARD_E_NOT_TRANSACTED when it leaves inside a transaction): ask PC/SC whether
            // the card is still in its reader.
            yubikey::Error::PcscError { inner: Some(pe) }
                if !is_removal(pe) && card_present(&self.reader) == Some(false) =>
            {
                TokenError::Removed
            }
            other => map_yk(other, function),
        })
    }

    fn metadata(&self, slot: SlotId) -> Result<Option<piv::SlotMetadata>, TokenError> {
        match self.with("GET METADATA", |st| piv::metadata(&mut st.yk, slot)) {
            Ok(m) => Ok(Some(m)),
            Err(TokenError::MechanismUnsupported { .. }) => Ok(None),
            Err(TokenError::Backend { code, .. }) if code.contains("not found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn retries_of(md: &piv::SlotMetadata) -> Option<Retries> {
        md.retries.as_ref().map(|r| Retries {
            total: r.retry_count,
            remaining: r.remaining_count,
        })
    }

    /// Serial, firmware, PIN/PUK retries and defaults, management key algorithm.
    pub fn info(&self) -> Result<PivDeviceInfo, TokenError> {
        let pin_md = self.metadata(SlotId::Management(ManagementSlotId::Pin))?;
        let puk_md = self.metadata(SlotId::Management(ManagementSlotId::Puk))?;
        let mgm_md = self.metadata(SlotId::Management(ManagementSlotId::Management))?;
        let pin = match pin_md.as_ref().and_then(Self::retries_of) {
            Some(r) => r,
            None => Retries {
                total: 0,
                remaining: self.with("VERIFY (retries)", |st| st.yk.get_pin_retries())?,
            },
        };
        let management_key_algorithm = match mgm_md.as_ref().map(|m| m.algorithm) {
            Some(SlotAlgorithmId::Management(a)) => from_mgm_alg(a),
            _ => ManagementKeyAlgorithm::TripleDes,
        };
        Ok(PivDeviceInfo {
            serial: self.serial,
            firmware: self.firmware,
            reader: self.reader.clone(),
            pin,
            puk: puk_md.as_ref().and_then(Self::retries_of),
            pin_is_default: pin_md.and_then(|m| m.default),
            puk_is_default: puk_md.and_then(|m| m.default),
            management_key_is_default: mgm_md.and_then(|m| m.default),
            management_key_algorithm,
        })
    }

    /// PIN tries left (metadata when available, else an empty VERIFY).
    pub fn pin_retries(&self) -> Result<u8, TokenError> {
        Ok(self.info()?.pin.remaining)
    }

    /// PIV token info in the port's vocabulary.
    pub fn token_info(&self) -> Result<TokenInfo, TokenError> {
        let info = self.info()?;
        let pin_low = info.pin.total != 0 && info.pin.remaining < info.pin.total;
        let puk = info.puk;
        Ok(TokenInfo {
            uri: self.uri.clone(),
            label: format!("PIV {}", self.serial),
            manufacturer: "Yubico".into(),
            model: "YubiKey PIV".into(),
            serial: self.serial.to_string(),
            hardware_version: String::new(),
            firmware_version: self.firmware.to_string(),
            flags: TokenFlags {
                initialized: true,
                login_required: true,
                user_pin_initialized: true,
                user_pin_count_low: pin_low,
                user_pin_final_try: info.pin.remaining == 1,
                user_pin_locked: info.pin.remaining == 0,
                user_pin_to_be_changed: info.pin_is_default == Some(true),
                so_pin_count_low: puk.is_some_and(|p| p.remaining < p.total),
                so_pin_final_try: puk.is_some_and(|p| p.remaining == 1),
                so_pin_locked: puk.is_some_and(|p| p.remaining == 0),
                protected_authentication_path: false,
                write_protected: false,
                rng: true,
            },
            min_pin_len: PIN_MIN_LEN,
            max_pin_len: PIN_MAX_LEN,
            mechanisms: [
                "CKM_EC_KEY_PAIR_GEN",
                "CKM_ECDSA",
                "CKM_RSA_PKCS_KEY_PAIR_GEN",
            ]
            .into_iter()
            .chain(["CKM_RSA_PKCS"])
            .map(String::from)
            .collect(),
        })
    }

    fn check_pin_shape(pin: &Pin) -> Result<(), TokenError> {
        let n = pin.expose().len();
        if !(PIN_MIN_LEN..=PIN_MAX_LEN).contains(&n) {
            return Err(TokenError::PinLength {
                min: PIN_MIN_LEN,
                max: PIN_MAX_LEN,
            });
        }
        Ok(())
    }

    /// Changes the PIN (CHANGE REFERENCE 80).
    pub fn change_pin(&self, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        Self::check_pin_shape(new)?;
        self.with("CHANGE REFERENCE (PIN)", |st| {
            st.yk
                .change_pin(old.expose().as_bytes(), new.expose().as_bytes())
        })?;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.pin.is_some() {
            st.pin = Some(new.clone());
        }
        Ok(())
    }

    /// Changes the PUK (CHANGE REFERENCE 81).
    pub fn change_puk(&self, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        Self::check_pin_shape(new)?;
        self.with("CHANGE REFERENCE (PUK)", |st| {
            st.yk
                .change_puk(old.expose().as_bytes(), new.expose().as_bytes())
        })
    }

    /// Sets a new PIN with the PUK (RESET RETRY COUNTER): unblocks a blocked PIN.
    pub fn unblock_pin(&self, puk: &Pin, new_pin: &Pin) -> Result<(), TokenError> {
        Self::check_pin_shape(new_pin)?;
        self.with("RESET RETRY COUNTER", |st| {
            st.yk
                .unblock_pin(puk.expose().as_bytes(), new_pin.expose().as_bytes())
        })
    }

    /// Authenticates with the management key (needed for key generation, certificate writes,
    /// setting a new management key). The card's algorithm comes from GET METADATA when the
    /// firmware has it; the given key's algorithm must match.
    pub fn authenticate(&self, key: &ManagementKey) -> Result<(), TokenError> {
        let mgm = key.to_yk()?;
        self.with("AUTHENTICATE (management key)", |st| {
            st.yk.authenticate(&mgm)
        })
        .map_err(|e| match e {
            TokenError::Backend { code, .. } if code.contains("authentication") => {
                TokenError::Backend {
                    function: "AUTHENTICATE (management key)".into(),
                    code: format!(
                        "the card refused the {:?} management key (wrong key or algorithm)",
                        key.algorithm
                    ),
                }
            }
            other => other,
        })
    }

    /// Authenticates with the factory-default key, in the algorithm the card reports (3DES
    /// before 5.7, AES-192 on 5.7 — the bytes are the same).
    pub fn authenticate_default(&self) -> Result<(), TokenError> {
        let algorithm = self.info()?.management_key_algorithm;
        if !matches!(
            algorithm,
            ManagementKeyAlgorithm::TripleDes | ManagementKeyAlgorithm::Aes192
        ) {
            return Err(TokenError::Backend {
                function: "AUTHENTICATE (management key)".into(),
                code: format!(
                    "the card's management key is {algorithm:?}, so it is not the factory default"
                ),
            });
        }
        self.authenticate(&ManagementKey {
            algorithm,
            key: Secret::new(DEFAULT_MANAGEMENT_KEY.to_vec()),
        })
    }

    /// Sets a new random management key of `algorithm` (after [`Self::authenticate`]) and
    /// returns it for escrow.
    pub fn set_random_management_key(
        &self,
        algorithm: ManagementKeyAlgorithm,
    ) -> Result<ManagementKey, TokenError> {
        let key = ManagementKey::random(algorithm);
        self.set_management_key(&key)?;
        Ok(key)
    }

    /// Sets `key` as the management key (no touch requirement).
    pub fn set_management_key(&self, key: &ManagementKey) -> Result<(), TokenError> {
        let mgm = key.to_yk()?;
        self.with("SET MANAGEMENT KEY", |st| mgm.set_manual(&mut st.yk, false))
            .map_err(|e| match e {
                TokenError::Backend { function, .. } => TokenError::Backend {
                    function,
                    code: format!(
                        "the card refused a {:?} management key (not authenticated, or the \
                         algorithm is not supported by this device)",
                        key.algorithm
                    ),
                },
                other => other,
            })
    }

    /// Personalises a device for its holder: applicant's PIN, random PUK, random management
    /// key. Returns the PUK and management key for escrow; on failure, whatever was already
    /// changed is in [`ProvisionFailure::changed`].
    pub fn provision(
        &self,
        req: &ProvisionRequest<'_>,
    ) -> Result<AdminSecrets, Box<ProvisionFailure>> {
        let mut changed = AdminSecrets::default();
        let fail = |step, error, changed| {
            Box::new(ProvisionFailure {
                step,
                error,
                changed,
            })
        };
        if let Err(e) = self.authenticate(req.current_management_key) {
            return Err(fail(
                "authenticate with the current management key",
                e,
                changed,
            ));
        }
        if let Err(e) = self.change_pin(req.current_pin, req.new_pin) {
            return Err(fail("set the holder's PIN", e, changed));
        }
        let puk = random_puk();
        if let Err(e) = self.change_puk(req.current_puk, &puk) {
            return Err(fail("set a random PUK", e, changed));
        }
        changed.puk = Some(Secret::new(puk.expose().as_bytes().to_vec()));
        match self.set_random_management_key(req.management_key_algorithm) {
            Ok(key) => changed.management_key = Some(key),
            Err(e) => return Err(fail("set a random management key", e, changed)),
        }
        Ok(changed)
    }

    /// Generates a key pair in `params.slot` (management key authentication needed) and checks
    /// it was generated on the device. Returns the key; the SPKI is [`TokenSession::public_key_spki_der`].
    pub fn generate(
        &self,
        params: KeygenParams,
        algorithm: KeyAlgorithm,
        label: &str,
    ) -> Result<KeyHandleRef, TokenError> {
        let alg = match algorithm {
            KeyAlgorithm::Rsa2048 => AlgorithmId::Rsa2048,
            KeyAlgorithm::Rsa3072 => AlgorithmId::Rsa3072,
            KeyAlgorithm::P256 => AlgorithmId::EccP256,
            KeyAlgorithm::P384 => AlgorithmId::EccP384,
        };
        let pin_policy = match params.pin_policy {
            PivPinPolicy::Default => PinPolicy::Default,
            PivPinPolicy::Never => PinPolicy::Never,
            PivPinPolicy::Once => PinPolicy::Once,
            PivPinPolicy::Always => PinPolicy::Always,
        };
        let touch_policy = match params.touch_policy {
            PivTouchPolicy::Default => TouchPolicy::Default,
            PivTouchPolicy::Never => TouchPolicy::Never,
            PivTouchPolicy::Always => TouchPolicy::Always,
            PivTouchPolicy::Cached => TouchPolicy::Cached,
        };
        let spki = self
            .with(&format!("GENERATE {algorithm} in {}", params.slot), |st| {
                piv::generate(&mut st.yk, params.slot.yk(), alg, pin_policy, touch_policy)
            })
            .map_err(|e| match e {
                TokenError::Backend { code, .. } if code.contains("authentication") => {
                    TokenError::NotLoggedIn
                }
                other => other,
            })?;
        let spki = spki
            .to_der()
            .map_err(|e| TokenError::Encoding(e.to_string()))?;
        {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.generated.retain(|(s, _)| *s != params.slot);
            st.generated.push((params.slot, spki));
        }
        let key = KeyHandleRef {
            token_uri: self.uri.clone(),
            id: vec![params.slot.id()],
            label: label.to_owned(),
            algorithm,
        };
        let safety = self.key_safety(&key)?;
        if let Some(attribute) = safety.first_violation() {
            return Err(TokenError::KeyNotSafe { attribute });
        }
        Ok(key)
    }

    /// The slot's attestation and the F9 certificate, for [`crate::token::attestation::verify`].
    pub fn attestation(&self, slot: PivSlot) -> Result<AttestationEvidence, TokenError> {
        let slot_certificate = self
            .with(&format!("ATTEST {slot}"), |st| {
                piv::attest(&mut st.yk, slot.yk())
            })?
            .to_vec();
        let f9_certificate = self
            .read_object_certificate(OBJ_ATTESTATION)?
            .ok_or_else(|| TokenError::ObjectNotFound {
                uri: format!("{};object=5fff01", self.uri),
            })?;
        Ok(AttestationEvidence {
            slot,
            slot_certificate,
            f9_certificate,
        })
    }

    /// Writes a certificate (DER) to the slot's data object (management key needed).
    pub fn write_certificate_der(&self, slot: PivSlot, der: &[u8]) -> Result<String, TokenError> {
        let cert = yubikey::certificate::Certificate::from_bytes(der.to_vec())
            .map_err(|e| TokenError::Encoding(format!("certificate: {e}")))?;
        self.with(&format!("PUT DATA (certificate {slot})"), |st| {
            cert.write(
                &mut st.yk,
                slot.yk(),
                yubikey::certificate::CertInfo::Uncompressed,
            )
        })
        .map_err(|e| match e {
            TokenError::Backend { code, .. } if code.contains("authentication") => {
                TokenError::NotLoggedIn
            }
            other => other,
        })?;
        Ok(format!("{};type=cert", object_uri(self.serial, slot)))
    }

    /// The certificate in the slot, if any.
    pub fn read_certificate_der(&self, slot: PivSlot) -> Result<Option<Vec<u8>>, TokenError> {
        self.read_object_certificate(slot.certificate_object())
    }

    fn read_object_certificate(&self, object: u32) -> Result<Option<Vec<u8>>, TokenError> {
        let buf = match self.with("GET DATA", |st| st.yk.fetch_object(object)) {
            Ok(b) => b,
            Err(TokenError::Backend { code, .. }) if code.contains("not found") => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(None);
        }
        // 70 <cert> 71 <compression> FE <lrc>
        let cert = tlv_value(&buf, 0x70)
            .ok_or_else(|| TokenError::Encoding("certificate object without tag 70".into()))?;
        if cert.is_empty() {
            return Ok(None);
        }
        Ok(Some(cert.to_vec()))
    }

    /// Resets the PIV application to factory state. Only allowed when the PIN **and** the PUK
    /// are both blocked (the card enforces it too); destroys every key and certificate.
    pub fn reset_blocked(&self) -> Result<(), TokenError> {
        let info = self.info()?;
        let puk_blocked = info.puk.map(|p| p.remaining == 0);
        if info.pin.remaining != 0 || puk_blocked == Some(false) {
            return Err(TokenError::Backend {
                function: "PIV RESET".into(),
                code: format!(
                    "refused: PIN has {} tries left and PUK {}; both must be blocked",
                    info.pin.remaining,
                    info.puk
                        .map_or_else(|| "unknown".to_owned(), |p| p.remaining.to_string())
                ),
            });
        }
        self.with("PIV RESET", |st| st.yk.reset_device())?;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.pin = None;
        st.generated.clear();
        Ok(())
    }

    /// Where [`TokenSession::generate_key_pair`] generates next.
    pub fn set_keygen_params(&self, params: KeygenParams) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).keygen = params;
    }

    fn slot_of(key: &KeyHandleRef) -> Result<PivSlot, TokenError> {
        match key.id.as_slice() {
            [id] => PivSlot::from_id(*id).ok_or_else(|| TokenError::ObjectNotFound {
                uri: format!("slot {id:02x}"),
            }),
            _ => Err(TokenError::ObjectNotFound {
                uri: format!("id {}", hex::encode(&key.id)),
            }),
        }
    }

    fn slot_public_key(&self, slot: PivSlot) -> Result<Option<Vec<u8>>, TokenError> {
        if let Some(md) = self.metadata(slot.yk())?
            && let Some(public) = md.public
        {
            return public
                .to_der()
                .map(Some)
                .map_err(|e| TokenError::Encoding(e.to_string()));
        }
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, spki)) = st.generated.iter().find(|(s, _)| *s == slot) {
            return Ok(Some(spki.clone()));
        }
        drop(st);
        match self.read_certificate_der(slot)? {
            Some(der) => x509_cert::Certificate::from_der(&der)
                .and_then(|c| c.tbs_certificate().subject_public_key_info().to_der())
                .map(Some)
                .map_err(|e| TokenError::Encoding(e.to_string())),
            None => Ok(None),
        }
    }
}

/// Value of the first TLV with `tag` in a flat BER-TLV list (1-byte tags, lengths up to 3 bytes).
fn tlv_value(mut data: &[u8], tag: u8) -> Option<&[u8]> {
    while data.len() >= 2 {
        let t = data[0];
        let (len, hdr) = match data[1] {
            n @ 0..=0x7f => (usize::from(n), 2),
            0x81 => (usize::from(*data.get(2)?), 3),
            0x82 => (
                usize::from(*data.get(2)?) << 8 | usize::from(*data.get(3)?),
                4,
            ),
            _ => return None,
        };
        let value = data.get(hdr..hdr + len)?;
        if t == tag {
            return Some(value);
        }
        data = &data[hdr + len..];
    }
    None
}

/// A random numeric PUK of [`PUK_LEN`] digits.
pub fn random_puk() -> Pin {
    let mut out = String::with_capacity(PUK_LEN);
    let mut rng = rand::rng();
    while out.len() < PUK_LEN {
        let mut b = [0u8; 1];
        rng.fill_bytes(&mut b);
        if b[0] < 250 {
            out.push(char::from(b'0' + b[0] % 10));
        }
    }
    Pin::from_string(out)
}

/// EMSA-PKCS1-v1_5 block `00 01 FF… 00 DigestInfo H` of `k` bytes.
fn pkcs1_v15_block(hash: HashAlgorithm, digest: &[u8], k: usize) -> Result<Vec<u8>, TokenError> {
    let prefix = match hash {
        HashAlgorithm::Sha256 => SHA256_DIGEST_INFO,
        HashAlgorithm::Sha384 => SHA384_DIGEST_INFO,
    };
    let t_len = prefix.len() + digest.len();
    if k < t_len + 11 {
        return Err(TokenError::Encoding("RSA modulus too short".into()));
    }
    let mut block = vec![0xffu8; k];
    block[0] = 0x00;
    block[1] = 0x01;
    block[k - t_len - 1] = 0x00;
    block[k - t_len..k - digest.len()].copy_from_slice(prefix);
    block[k - digest.len()..].copy_from_slice(digest);
    Ok(block)
}

impl TokenSession for PivSession {
    fn token_uri(&self) -> &str {
        &self.uri
    }

    /// VERIFY PIN; the PIN is kept (zeroised on drop) and presented again before each
    /// signature.
    fn login(&self, pin: &Pin) -> Result<(), TokenError> {
        self.with("VERIFY PIN", |st| st.yk.verify_pin(pin.expose().as_bytes()))?;
        self.state.lock().unwrap_or_else(|p| p.into_inner()).pin = Some(pin.clone());
        Ok(())
    }

    /// Forgets the PIN and resets the card's security state (reconnect with reset).
    fn logout(&self) -> Result<(), TokenError> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.pin = None;
        drop(st);
        self.with("reconnect (logout)", |st| st.yk.reconnect())
    }

    /// Generates in the slot set by [`PivSession::set_keygen_params`] (default 9c, default
    /// policies). `label` is not stored on the card (PIV has no labels).
    fn generate_key_pair(
        &self,
        algorithm: KeyAlgorithm,
        label: &str,
    ) -> Result<KeyHandleRef, TokenError> {
        let params = self.state.lock().unwrap_or_else(|p| p.into_inner()).keygen;
        self.generate(params, algorithm, label)
    }

    fn find_key(&self, object_uri: &str) -> Result<KeyHandleRef, TokenError> {
        let (serial, slot) = parse_uri(object_uri)?;
        let not_found = || TokenError::ObjectNotFound {
            uri: object_uri.to_owned(),
        };
        let slot = slot.ok_or_else(not_found)?;
        if serial != self.serial {
            return Err(not_found());
        }
        let spki = self.slot_public_key(slot)?.ok_or_else(not_found)?;
        Ok(KeyHandleRef {
            token_uri: self.uri.clone(),
            id: vec![slot.id()],
            label: String::new(),
            algorithm: algorithm_of_spki(&spki)?,
        })
    }

    fn public_key_spki_der(&self, key: &KeyHandleRef) -> Result<Vec<u8>, TokenError> {
        let slot = Self::slot_of(key)?;
        self.slot_public_key(slot)?
            .ok_or_else(|| TokenError::ObjectNotFound {
                uri: object_uri(self.serial, slot),
            })
    }

    fn sign(
        &self,
        key: &KeyHandleRef,
        hash: HashAlgorithm,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, TokenError> {
        let slot = Self::slot_of(key)?;
        let digest = match input {
            SignInput::Message(m) => host_hash(hash, m),
            SignInput::Prehashed(d) if d.len() == hash.output_len() => d.to_vec(),
            SignInput::Prehashed(d) => {
                return Err(TokenError::Encoding(format!(
                    "digest of {} bytes for {hash:?}",
                    d.len()
                )));
            }
        };
        let (alg, data) = match key.algorithm {
            // ECDSA uses the leftmost bits of the digest when it is longer than the curve.
            KeyAlgorithm::P256 => (
                AlgorithmId::EccP256,
                digest[..digest.len().min(32)].to_vec(),
            ),
            KeyAlgorithm::P384 => (
                AlgorithmId::EccP384,
                digest[..digest.len().min(48)].to_vec(),
            ),
            KeyAlgorithm::Rsa2048 => (AlgorithmId::Rsa2048, pkcs1_v15_block(hash, &digest, 256)?),
            KeyAlgorithm::Rsa3072 => (AlgorithmId::Rsa3072, pkcs1_v15_block(hash, &digest, 384)?),
        };
        let sig = self
            .with(&format!("GENERAL AUTHENTICATE (sign {slot})"), |st| {
                if let Some(pin) = &st.pin {
                    st.yk.verify_pin(pin.expose().as_bytes())?;
                }
                piv::sign_data(&mut st.yk, &data, alg, slot.yk())
            })
            .map_err(|e| match e {
                TokenError::Backend { code, .. } if code.contains("authentication") => {
                    TokenError::NotLoggedIn
                }
                other => other,
            })?;
        Ok(sig.to_vec())
    }

    /// From GET METADATA origin (generated/imported); without metadata, a key the card
    /// attests was generated on it (ATTEST answers only for generated keys).
    fn key_safety(&self, key: &KeyHandleRef) -> Result<KeySafety, TokenError> {
        let slot = Self::slot_of(key)?;
        let generated = match self.metadata(slot.yk())? {
            Some(md) => md.origin == Some(piv::Origin::Generated),
            None => self
                .with("ATTEST", |st| piv::attest(&mut st.yk, slot.yk()))
                .is_ok(),
        };
        Ok(KeySafety {
            local: generated,
            never_extractable: generated,
            always_sensitive: generated,
            sensitive: true,
            extractable: false,
            private: true,
            token: true,
        })
    }

    fn write_certificate(
        &self,
        key: &KeyHandleRef,
        cert: &CertificateObject,
    ) -> Result<String, TokenError> {
        self.write_certificate_der(Self::slot_of(key)?, &cert.der)
    }

    fn find_certificate(&self, object_uri: &str) -> Result<Option<Vec<u8>>, TokenError> {
        let (serial, slot) = parse_uri(object_uri)?;
        match slot {
            Some(slot) if serial == self.serial => self.read_certificate_der(slot),
            _ => Ok(None),
        }
    }

    /// Deletes the slot's certificate. The private key itself stays until the slot is
    /// generated again (PIV before firmware 5.7 has no DELETE KEY); the count is the number
    /// of certificates removed.
    fn delete_key_pair(&self, key: &KeyHandleRef) -> Result<usize, TokenError> {
        let slot = Self::slot_of(key)?;
        let had = self.read_certificate_der(slot)?.is_some();
        if had {
            self.with(&format!("PUT DATA (delete certificate {slot})"), |st| {
                yubikey::certificate::Certificate::delete(&mut st.yk, slot.yk())
            })?;
        }
        Ok(usize::from(had))
    }
}

fn algorithm_of_spki(spki_der: &[u8]) -> Result<KeyAlgorithm, TokenError> {
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(spki_der)
        .map_err(|e| TokenError::Encoding(e.to_string()))?;
    match crate::certcheck::KeyAlgorithm::of_spki(&spki)
        .map_err(|e| TokenError::Encoding(e.to_string()))?
    {
        crate::certcheck::KeyAlgorithm::P256 => Ok(KeyAlgorithm::P256),
        crate::certcheck::KeyAlgorithm::P384 => Ok(KeyAlgorithm::P384),
        crate::certcheck::KeyAlgorithm::Rsa { bits: 2048 } => Ok(KeyAlgorithm::Rsa2048),
        crate::certcheck::KeyAlgorithm::Rsa { bits: 3072 } => Ok(KeyAlgorithm::Rsa3072),
        crate::certcheck::KeyAlgorithm::Rsa { bits } => {
            Err(TokenError::Encoding(format!("unsupported RSA size {bits}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_round_trip_and_bad_ones_are_refused() {
        assert_eq!(token_uri(5437251), "piv:serial=5437251");
        assert_eq!(
            parse_uri(&object_uri(5437251, PivSlot::Signature)).unwrap(),
            (5437251, Some(PivSlot::Signature))
        );
        assert_eq!(
            parse_uri("piv:serial=1;slot=9a;type=cert").unwrap(),
            (1, Some(PivSlot::Authentication))
        );
        assert!(parse_uri("pkcs11:token=x").is_err());
        assert!(parse_uri("piv:slot=9c").is_err());
        assert!(parse_uri("piv:serial=1;slot=f9").is_err());
    }

    #[test]
    fn pkcs1_block_has_padding_digest_info_and_digest() {
        let d = [0xabu8; 32];
        let b = pkcs1_v15_block(HashAlgorithm::Sha256, &d, 256).unwrap();
        assert_eq!(b.len(), 256);
        assert_eq!(&b[..3], &[0, 1, 0xff]);
        assert_eq!(b[256 - 32 - 19 - 1], 0);
        assert_eq!(&b[256 - 32..], &d);
    }

    #[test]
    fn random_puks_are_eight_digits_and_differ() {
        let a = random_puk();
        let b = random_puk();
        assert_eq!(a.expose().len(), PUK_LEN);
        assert!(a.expose().bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
    }

    #[test]
    fn certificate_container_value_is_found() {
        let obj = [0x70, 0x03, 1, 2, 3, 0x71, 0x01, 0x00, 0xfe, 0x00];
        assert_eq!(tlv_value(&obj, 0x70), Some(&[1u8, 2, 3][..]));
        assert_eq!(tlv_value(&obj, 0x72), None);
    }

    #[test]
    fn management_key_random_lengths_follow_the_algorithm() {
        assert_eq!(
            ManagementKey::random(ManagementKeyAlgorithm::Aes192)
                .key
                .len(),
            24
        );
        assert_eq!(
            ManagementKey::random(ManagementKeyAlgorithm::Aes256)
                .key
                .len(),
            32
        );
        assert_eq!(
            ManagementKey::random(ManagementKeyAlgorithm::TripleDes)
                .key
                .len(),
            24
        );
    }
}
