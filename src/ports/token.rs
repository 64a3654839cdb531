//! The token port: what the provisioning use cases need from a hardware token.
//!
//! A civil servant's key pair is generated **on** the token and the private key never leaves
//! it. Two adapters implement this port: PKCS#11 (`crate::token::pkcs11`, tested against
//! SoftHSM2 and OpenSC) and, later, YubiKey PIV. The vocabulary is PKCS#11's, kept
//! PIV-friendly: a key is named by its `CKA_ID` bytes (a PIV slot maps to a one-byte id such as
//! `0x9c`), and tokens and objects are addressed by an opaque locator string, which for PKCS#11
//! is an RFC 7512 URI (`pkcs11:token=…;serial=…`), never by a slot number.
//!
//! Every PIN crosses this port as [`Pin`], so it is wiped on drop and never printed.

use crate::secret::Pin;

/// Token state flags, as the token reports them (PKCS#11 `CK_TOKEN_INFO.flags`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenFlags {
    /// `CKF_TOKEN_INITIALIZED`: the token has a label and an SO PIN.
    pub initialized: bool,
    /// `CKF_LOGIN_REQUIRED`.
    pub login_required: bool,
    /// `CKF_USER_PIN_INITIALIZED`.
    pub user_pin_initialized: bool,
    /// `CKF_USER_PIN_COUNT_LOW`: at least one wrong user PIN since the last good one.
    pub user_pin_count_low: bool,
    /// `CKF_USER_PIN_FINAL_TRY`: one more wrong user PIN locks it.
    pub user_pin_final_try: bool,
    /// `CKF_USER_PIN_LOCKED`.
    pub user_pin_locked: bool,
    /// `CKF_USER_PIN_TO_BE_CHANGED`.
    pub user_pin_to_be_changed: bool,
    /// `CKF_SO_PIN_COUNT_LOW`.
    pub so_pin_count_low: bool,
    /// `CKF_SO_PIN_FINAL_TRY`.
    pub so_pin_final_try: bool,
    /// `CKF_SO_PIN_LOCKED`.
    pub so_pin_locked: bool,
    /// `CKF_PROTECTED_AUTHENTICATION_PATH`: the PIN is entered on a PIN pad, not by us.
    pub protected_authentication_path: bool,
    /// `CKF_WRITE_PROTECTED`.
    pub write_protected: bool,
    /// `CKF_RNG`: the token has its own random number generator.
    pub rng: bool,
}

/// What a token says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Locator of the token (PKCS#11: `pkcs11:token=…;manufacturer=…;model=…;serial=…`).
    pub uri: String,
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// `major.minor`.
    pub hardware_version: String,
    /// `major.minor`.
    pub firmware_version: String,
    pub flags: TokenFlags,
    pub min_pin_len: usize,
    pub max_pin_len: usize,
    /// Mechanisms the token offers, by PKCS#11 name (`CKM_ECDSA`, `CKM_SHA256_RSA_PKCS`, …).
    pub mechanisms: Vec<String>,
}

/// Key pair algorithms the station generates on tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa3072,
    P256,
    P384,
}

impl KeyAlgorithm {
    pub fn is_ec(self) -> bool {
        matches!(self, Self::P256 | Self::P384)
    }
    /// The hash the station pairs with this key for signatures (SHA-256, or SHA-384 for P-384).
    pub fn default_hash(self) -> HashAlgorithm {
        match self {
            Self::P384 => HashAlgorithm::Sha384,
            _ => HashAlgorithm::Sha256,
        }
    }
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa2048 => "RSA-2048",
            Self::Rsa3072 => "RSA-3072",
            Self::P256 => "ECDSA P-256",
            Self::P384 => "ECDSA P-384",
        })
    }
}

/// Hash functions used for signing (always computed on the host).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
}

impl HashAlgorithm {
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }
}

/// A key pair on a token: its token, its `CKA_ID` (shared by private key, public key and
/// certificate; a PIV slot number for PIV) and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHandleRef {
    pub token_uri: String,
    pub id: Vec<u8>,
    pub label: String,
    pub algorithm: KeyAlgorithm,
}

/// What to sign.
#[derive(Debug, Clone, Copy)]
pub enum SignInput<'a> {
    /// The message itself; the adapter hashes it on the host with the given hash.
    Message(&'a [u8]),
    /// A digest already computed by the caller with the given hash.
    Prehashed(&'a [u8]),
}

/// The protection attributes of a private key, read back from the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeySafety {
    /// `CKA_LOCAL`: generated on the token (not imported).
    pub local: bool,
    /// `CKA_NEVER_EXTRACTABLE`.
    pub never_extractable: bool,
    /// `CKA_ALWAYS_SENSITIVE`.
    pub always_sensitive: bool,
    /// `CKA_SENSITIVE`.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE` (must be false).
    pub extractable: bool,
    /// `CKA_PRIVATE`.
    pub private: bool,
    /// `CKA_TOKEN` (persistent object).
    pub token: bool,
}

impl KeySafety {
    /// The first attribute that makes the key unacceptable, or `None` if it is safe.
    pub fn first_violation(&self) -> Option<&'static str> {
        if !self.local {
            Some("CKA_LOCAL")
        } else if !self.never_extractable {
            Some("CKA_NEVER_EXTRACTABLE")
        } else if !self.always_sensitive {
            Some("CKA_ALWAYS_SENSITIVE")
        } else if !self.sensitive {
            Some("CKA_SENSITIVE")
        } else if self.extractable {
            Some("CKA_EXTRACTABLE")
        } else if !self.private {
            Some("CKA_PRIVATE")
        } else if !self.token {
            Some("CKA_TOKEN")
        } else {
            None
        }
    }
    pub fn is_safe(&self) -> bool {
        self.first_violation().is_none()
    }
}

/// Subject, issuer and serial number of a certificate to be stored next to its key, as DER
/// (the adapter copies them into `CKA_SUBJECT`, `CKA_ISSUER`, `CKA_SERIAL_NUMBER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateObject {
    pub der: Vec<u8>,
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub serial_der: Vec<u8>,
}

/// Why a token operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot load PKCS#11 module {path}: {reason}")]
    ModuleLoad { path: String, reason: String },
    #[error("invalid token URI {uri:?}: {reason}")]
    InvalidUri { uri: String, reason: String },
    #[error("no token matches {uri}")]
    TokenNotFound { uri: String },
    #[error("{count} tokens match {uri}; add serial= to choose one")]
    TokenAmbiguous { uri: String, count: usize },
    #[error("a token labelled {label:?} already exists")]
    TokenAlreadyExists { label: String },
    #[error("no free (uninitialised) token slot")]
    NoFreeSlot,
    #[error("no object matches {uri}")]
    ObjectNotFound { uri: String },
    #[error("the token refused the PIN{}", retries_hint(*.retries_left, *.low, *.final_try))]
    PinIncorrect {
        /// Tries left, when the token says so (PKCS#11 only says "1" via `CKF_*_FINAL_TRY`).
        retries_left: Option<u32>,
        /// `CKF_*_PIN_COUNT_LOW` was set after the failure.
        low: bool,
        /// `CKF_*_PIN_FINAL_TRY` was set after the failure.
        final_try: bool,
    },
    #[error("the PIN is locked")]
    PinLocked,
    #[error("the PIN length must be between {min} and {max}")]
    PinLength { min: usize, max: usize },
    #[error("the PIN has characters the token does not accept")]
    PinInvalid,
    #[error("the token's user PIN has not been initialised")]
    UserPinNotInitialized,
    #[error("the token is not initialised")]
    TokenNotInitialized,
    #[error("not logged in to the token")]
    NotLoggedIn,
    #[error("the key is not safe: {attribute} does not hold; the key was refused")]
    KeyNotSafe { attribute: &'static str },
    #[error("the token does not support {mechanism}")]
    MechanismUnsupported { mechanism: String },
    #[error("the token was removed")]
    Removed,
    #[error("the token is write-protected")]
    WriteProtected,
    #[error("unexpected data from the token: {0}")]
    Encoding(String),
    #[error("{function} failed: {code}")]
    Backend { function: String, code: String },
}

fn retries_hint(retries_left: Option<u32>, low: bool, final_try: bool) -> String {
    match (retries_left, final_try, low) {
        (Some(n), _, _) => format!(" ({n} tries left)"),
        (None, true, _) => " (one try left before it locks)".into(),
        // CKF_*_PIN_COUNT_LOW means "a wrong PIN was entered since the last good one".
        (None, false, true) => " (failed attempts are being counted)".into(),
        (None, false, false) => String::new(),
    }
}

/// Module-level operations: find tokens, initialise them, manage PINs, open sessions.
pub trait TokenProvider {
    /// Every token present, with its info and mechanisms.
    fn list_tokens(&self) -> Result<Vec<TokenInfo>, TokenError>;
    /// The one token matching `token_uri` (error if none or several match).
    fn token_info(&self, token_uri: &str) -> Result<TokenInfo, TokenError>;
    /// (Re)initialises the token matching `token_uri` with `label`: sets the SO PIN (or checks
    /// it, if the token was initialised before) and destroys every object. Returns the URI of the
    /// initialised token (label and serial).
    fn init_token(&self, token_uri: &str, so_pin: &Pin, label: &str) -> Result<String, TokenError>;
    /// Sets a new SO PIN (logged in as SO with the old one).
    fn change_so_pin(&self, token_uri: &str, old: &Pin, new: &Pin) -> Result<(), TokenError>;
    /// Sets the user PIN as SO (first set-up, or reset after a lock).
    fn init_user_pin(
        &self,
        token_uri: &str,
        so_pin: &Pin,
        user_pin: &Pin,
    ) -> Result<(), TokenError>;
    /// Changes the user PIN (logged in as user with the old one).
    fn change_user_pin(&self, token_uri: &str, old: &Pin, new: &Pin) -> Result<(), TokenError>;
    /// Opens a read-write session on the token.
    fn open_session(&self, token_uri: &str) -> Result<Box<dyn TokenSession>, TokenError>;
}

/// A session on one token: login state, keys and certificates.
pub trait TokenSession: Send {
    /// The token's URI (label + serial).
    fn token_uri(&self) -> &str;
    /// Logs the user in (already logged in counts as success).
    fn login(&self, pin: &Pin) -> Result<(), TokenError>;
    fn logout(&self) -> Result<(), TokenError>;
    /// Generates a key pair on the token, checks its protection attributes and returns it;
    /// a key that fails the check is deleted and [`TokenError::KeyNotSafe`] returned.
    fn generate_key_pair(
        &self,
        algorithm: KeyAlgorithm,
        label: &str,
    ) -> Result<KeyHandleRef, TokenError>;
    /// Finds a key pair by object URI (`id=` and/or `object=`).
    fn find_key(&self, object_uri: &str) -> Result<KeyHandleRef, TokenError>;
    /// The public key as SubjectPublicKeyInfo DER.
    fn public_key_spki_der(&self, key: &KeyHandleRef) -> Result<Vec<u8>, TokenError>;
    /// Signs: ECDSA → DER `Ecdsa-Sig-Value`; RSA → PKCS#1 v1.5 signature bytes.
    fn sign(
        &self,
        key: &KeyHandleRef,
        hash: HashAlgorithm,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, TokenError>;
    /// Reads back the private key's protection attributes.
    fn key_safety(&self, key: &KeyHandleRef) -> Result<KeySafety, TokenError>;
    /// Stores a certificate next to its key (same id and label); returns the object's URI.
    fn write_certificate(
        &self,
        key: &KeyHandleRef,
        cert: &CertificateObject,
    ) -> Result<String, TokenError>;
    /// The certificate DER matching an object URI, if any.
    fn find_certificate(&self, object_uri: &str) -> Result<Option<Vec<u8>>, TokenError>;
    /// Deletes every object (private key, public key, certificate) with the key's id: used to
    /// clean up a half-made key pair. Returns how many objects were destroyed.
    fn delete_key_pair(&self, key: &KeyHandleRef) -> Result<usize, TokenError>;
}
