//! The station key: a P-256 key on a (SoftHSM2) token that signs ledger checkpoints.

use std::sync::Mutex;

use super::pkcs11::{Pkcs11Module, Pkcs11Provider, Pkcs11Session};
use super::uri::{ObjectType, Pkcs11Uri};
use crate::ports::signer::{CheckpointSigner, SignError};
use crate::ports::token::{
    HashAlgorithm, KeyAlgorithm, KeyHandleRef, SignInput, TokenError, TokenProvider, TokenSession,
};
use crate::ports::witness::{CheckpointWitness, LATEST_CHECKPOINT_LABEL};
use crate::secret::Pin;

/// `CKA_LABEL` of the station key (private and public halves).
pub const STATION_KEY_LABEL: &str = "kustodi-station";

/// The station's checkpoint-signing key, with a logged-in session kept open.
#[derive(Debug)]
pub struct StationKey {
    session: Mutex<Pkcs11Session>,
    key: KeyHandleRef,
    spki_der: Vec<u8>,
    key_id: String,
}

impl StationKey {
    /// Initialises a free token of `module` as `token_label` (SO PIN `so_pin`), sets the user
    /// PIN, and generates the P-256 station key on it. Fails with
    /// [`TokenError::TokenAlreadyExists`] if a token with that label exists.
    pub fn create(
        module: &Pkcs11Module,
        token_label: &str,
        so_pin: &Pin,
        user_pin: &Pin,
    ) -> Result<Self, TokenError> {
        let provider = Pkcs11Provider::new(vec![module.clone()]);
        let uri = provider.init_free_token(token_label, so_pin)?;
        provider.init_user_pin(&uri, so_pin, user_pin)?;
        let session = provider.open_pkcs11_session(&uri)?;
        session.login(user_pin)?;
        let key = session.generate_key_pair(KeyAlgorithm::P256, STATION_KEY_LABEL)?;
        Self::from_session(session, key)
    }

    /// Opens the station key on the token labelled `token_label` and logs in with `pin`.
    pub fn open(module: &Pkcs11Module, token_label: &str, pin: &Pin) -> Result<Self, TokenError> {
        let provider = Pkcs11Provider::new(vec![module.clone()]);
        let token_uri = Pkcs11Uri {
            token: Some(token_label.to_owned()),
            ..Default::default()
        };
        let session = provider.open_pkcs11_session(&token_uri.to_string())?;
        session.login(pin)?;
        let key_uri =
            token_uri.with_object(None, Some(STATION_KEY_LABEL), Some(ObjectType::Private));
        let key = session.find_key(&key_uri.to_string())?;
        if key.algorithm != KeyAlgorithm::P256 {
            return Err(TokenError::Encoding(format!(
                "station key is {}, expected ECDSA P-256",
                key.algorithm
            )));
        }
        Self::from_session(session, key)
    }

    fn from_session(session: Pkcs11Session, key: KeyHandleRef) -> Result<Self, TokenError> {
        let spki_der = session.public_key_spki_der(&key)?;
        let key_id = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&spki_der));
        Ok(Self {
            session: Mutex::new(session),
            key,
            spki_der,
            key_id,
        })
    }

    /// The key on its token (URI, `CKA_ID`, label).
    pub fn key(&self) -> &KeyHandleRef {
        &self.key
    }

    /// URI of the token holding the key.
    pub fn token_uri(&self) -> &str {
        &self.key.token_uri
    }
}

impl CheckpointSigner for StationKey {
    fn key_id(&self) -> String {
        self.key_id.clone()
    }

    fn public_key_spki_der(&self) -> Vec<u8> {
        self.spki_der.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let session = self
            .session
            .lock()
            .map_err(|_| SignError::Token("station key session poisoned".into()))?;
        session
            .sign(
                &self.key,
                HashAlgorithm::Sha256,
                SignInput::Message(message),
            )
            .map_err(|e| to_sign_error(e, &self.key))
    }

    fn witness(&self) -> Option<&dyn CheckpointWitness> {
        Some(self)
    }
}

/// The station token keeps the latest checkpoint as a private data object
/// ([`LATEST_CHECKPOINT_LABEL`]) next to the key, in the same logged-in session.
impl CheckpointWitness for StationKey {
    fn read_latest(&self) -> Result<Option<Vec<u8>>, SignError> {
        let session = self
            .session
            .lock()
            .map_err(|_| SignError::Token("station key session poisoned".into()))?;
        session
            .read_data_object(LATEST_CHECKPOINT_LABEL)
            .map_err(|e| to_sign_error(e, &self.key))
    }

    fn write_latest(&self, value: &[u8]) -> Result<(), SignError> {
        let session = self
            .session
            .lock()
            .map_err(|_| SignError::Token("station key session poisoned".into()))?;
        session
            .write_data_object(LATEST_CHECKPOINT_LABEL, value)
            .map_err(|e| to_sign_error(e, &self.key))
    }
}

fn to_sign_error(e: TokenError, key: &KeyHandleRef) -> SignError {
    match e {
        TokenError::PinIncorrect { .. } => SignError::PinIncorrect,
        TokenError::PinLocked => SignError::PinLocked,
        TokenError::TokenNotFound { uri } => SignError::TokenNotFound { label: uri },
        TokenError::ObjectNotFound { .. } => SignError::KeyNotFound {
            label: key.label.clone(),
        },
        other => SignError::Token(other.to_string()),
    }
}
