//! A RustCrypto signer backed by any token session, so that CSR (`x509-cert`) and CMS code work
//! unchanged with PKCS#11 today and PIV later.
//!
//! * [`signature::Keypair`]: the verifying key is the SPKI read from the token
//!   ([`TokenPublicKey`], which implements [`spki::EncodePublicKey`]).
//! * [`spki::DynSignatureAlgorithmIdentifier`]: `ecdsa-with-SHA256` (P-256),
//!   `ecdsa-with-SHA384` (P-384) or `sha256WithRSAEncryption` (RSA).
//! * [`signature::Signer`] for [`TokenSignature`] (any algorithm) and for
//!   `ecdsa::der::Signature<p256::NistP256>` (P-256 keys). `sign` hashes on the host and asks
//!   the token.

use der::asn1::{BitString, ObjectIdentifier};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey};

use crate::ports::token::{KeyAlgorithm, KeyHandleRef, SignInput, TokenError, TokenSession};

const OID_ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// A public key as SubjectPublicKeyInfo DER, as read from a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPublicKey(pub Vec<u8>);

impl EncodePublicKey for TokenPublicKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.as_slice())?)
    }
}

/// A signature made by a token: DER `Ecdsa-Sig-Value` for ECDSA, PKCS#1 v1.5 bytes for RSA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSignature(pub Vec<u8>);

impl spki::SignatureBitStringEncoding for TokenSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

/// Signs through a token session with one key.
pub struct TokenSigner<'a> {
    session: &'a dyn TokenSession,
    key: KeyHandleRef,
    public: TokenPublicKey,
}

impl std::fmt::Debug for TokenSigner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("token", &self.session.token_uri())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<'a> TokenSigner<'a> {
    /// Reads the key's public half once; the session must stay logged in for signing.
    pub fn new(session: &'a dyn TokenSession, key: KeyHandleRef) -> Result<Self, TokenError> {
        let public = TokenPublicKey(session.public_key_spki_der(&key)?);
        Ok(Self {
            session,
            key,
            public,
        })
    }

    pub fn key(&self) -> &KeyHandleRef {
        &self.key
    }

    fn sign_bytes(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        self.session
            .sign(
                &self.key,
                self.key.algorithm.default_hash(),
                SignInput::Message(msg),
            )
            .map_err(signature::Error::from_source)
    }
}

impl signature::Keypair for TokenSigner<'_> {
    type VerifyingKey = TokenPublicKey;
    fn verifying_key(&self) -> TokenPublicKey {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for TokenSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(match self.key.algorithm {
            KeyAlgorithm::P256 => AlgorithmIdentifierOwned {
                oid: OID_ECDSA_WITH_SHA256,
                parameters: None,
            },
            KeyAlgorithm::P384 => AlgorithmIdentifierOwned {
                oid: OID_ECDSA_WITH_SHA384,
                parameters: None,
            },
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => AlgorithmIdentifierOwned {
                oid: OID_SHA256_WITH_RSA,
                parameters: Some(der::asn1::Null.into()),
            },
        })
    }
}

impl signature::Signer<TokenSignature> for TokenSigner<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<TokenSignature, signature::Error> {
        self.sign_bytes(msg).map(TokenSignature)
    }
}

impl signature::Signer<ecdsa::der::Signature<p256::NistP256>> for TokenSigner<'_> {
    fn try_sign(
        &self,
        msg: &[u8],
    ) -> Result<ecdsa::der::Signature<p256::NistP256>, signature::Error> {
        if self.key.algorithm != KeyAlgorithm::P256 {
            return Err(signature::Error::from_source(
                TokenError::MechanismUnsupported {
                    mechanism: format!("ECDSA P-256 signature with a {} key", self.key.algorithm),
                },
            ));
        }
        ecdsa::der::Signature::from_bytes(&self.sign_bytes(msg)?)
    }
}
