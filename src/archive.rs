//! Encrypted archive of application documents (Pasal 12(4)) and of escrowed admin secrets.
//!
//! Files are encrypted with [age](https://age-encryption.org) to the public keys (X25519
//! recipients) of the OP's custodians, so the station itself cannot read them back: reading a
//! document needs a custodian's identity, and the service records every such access in the
//! ledger. A file is stored under the lowercase hex SHA-256 of its *plaintext*, which is also
//! the hash kept in the application record.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use age::x25519::{Identity, Recipient};
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// What went wrong in the archive.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("no custodian public key is configured")]
    NoRecipients,
    #[error("custodian public key {index} is not an age X25519 recipient: {reason}")]
    BadRecipient { index: usize, reason: String },
    #[error("the identity file {path} holds no age X25519 identity")]
    BadIdentity { path: PathBuf },
    #[error("archived file {name} not found")]
    Missing { name: String },
    #[error("archived file {name} cannot be decrypted with the given identity")]
    NotForThisIdentity { name: String },
    #[error("archived file {name} does not match its recorded hash")]
    HashMismatch { name: String },
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A file as stored in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedFile {
    /// File name inside the archive folder (`<sha256>.age`).
    pub name: String,
    /// Lowercase hex SHA-256 of the plaintext.
    pub sha256: String,
    /// Plaintext size in bytes.
    pub size: u64,
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses custodian recipients (`age1…` strings).
pub fn parse_recipients(texts: &[String]) -> Result<Vec<Recipient>, ArchiveError> {
    if texts.is_empty() {
        return Err(ArchiveError::NoRecipients);
    }
    texts
        .iter()
        .enumerate()
        .map(|(index, t)| {
            t.trim()
                .parse::<Recipient>()
                .map_err(|reason| ArchiveError::BadRecipient {
                    index,
                    reason: reason.to_string(),
                })
        })
        .collect()
}

/// Encrypts `plaintext` to every recipient (any one of them can decrypt).
pub fn encrypt_to(recipients: &[Recipient], plaintext: &[u8]) -> Result<Vec<u8>, ArchiveError> {
    if recipients.is_empty() {
        return Err(ArchiveError::NoRecipients);
    }
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| ArchiveError::Encrypt(e.to_string()))?;
    let mut out = Vec::with_capacity(plaintext.len() + 256);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| ArchiveError::Encrypt(e.to_string()))?;
    writer
        .write_all(plaintext)
        .and_then(|_| writer.finish().map(|_| ()))
        .map_err(|e| ArchiveError::Encrypt(e.to_string()))?;
    Ok(out)
}

/// Decrypts an age file with one identity.
pub fn decrypt_with(
    identity: &Identity,
    ciphertext: &[u8],
    name: &str,
) -> Result<Secret, ArchiveError> {
    let not_for = || ArchiveError::NotForThisIdentity {
        name: name.to_owned(),
    };
    let decryptor = age::Decryptor::new(ciphertext).map_err(|_| not_for())?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|_| not_for())?;
    let mut plain = Vec::new();
    reader.read_to_end(&mut plain).map_err(|_| not_for())?;
    Ok(Secret::new(plain))
}

/// Reads an identity file (`AGE-SECRET-KEY-1…` line; comments allowed).
pub fn read_identity(path: &Path) -> Result<Identity, ArchiveError> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(io_err(path))?);
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .and_then(|l| l.parse::<Identity>().ok())
        .ok_or_else(|| ArchiveError::BadIdentity {
            path: path.to_owned(),
        })
}

fn crate_write_private(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    crate::home::write_file(path, bytes, true).map_err(|e| match e {
        crate::home::HomeError::Io { path, source } => ArchiveError::Io { path, source },
        other => ArchiveError::Encrypt(other.to_string()),
    })
}

/// The archive folder of a station home.
#[derive(Debug, Clone)]
pub struct Archive {
    dir: PathBuf,
    recipients: Vec<Recipient>,
}

impl Archive {
    pub fn new(dir: PathBuf, recipients: Vec<Recipient>) -> Self {
        Self { dir, recipients }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Encrypts and stores `plaintext`; the same content is stored once.
    /// The file is written to a temporary name and renamed, so a crash leaves no partial file
    /// under the final name.
    pub fn put(&self, plaintext: &[u8]) -> Result<ArchivedFile, ArchiveError> {
        let sha256 = sha256_hex(plaintext);
        let name = format!("{sha256}.age");
        let path = self.dir.join(&name);
        if !path.exists() {
            std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
            let ciphertext = encrypt_to(&self.recipients, plaintext)?;
            let tmp = self.dir.join(format!(".{name}.tmp"));
            crate_write_private(&tmp, &ciphertext)?;
            std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
        }
        Ok(ArchivedFile {
            name,
            sha256,
            size: plaintext.len() as u64,
        })
    }

    /// Escrows an admin secret (SO PIN, PUK, management key): encrypted to the custodians and
    /// stored under a random name, so that neither the name nor the ledger reveals anything
    /// about the secret (a content hash of a short PIN could be brute-forced). Returns the name.
    pub fn escrow(&self, secret: &Secret) -> Result<String, ArchiveError> {
        let mut id = [0u8; 16];
        rand::fill(&mut id);
        let name = format!("escrow-{}.age", hex::encode(id));
        let path = self.dir.join(&name);
        std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let ciphertext = encrypt_to(&self.recipients, secret.expose())?;
        crate_write_private(&path, &ciphertext)?;
        Ok(name)
    }

    /// Recovers an escrowed secret with a custodian identity.
    pub fn recover(&self, name: &str, identity: &Identity) -> Result<Secret, ArchiveError> {
        decrypt_with(identity, &self.read_stored(name)?, name)
    }

    /// The ciphertext of an archived file (only names inside the archive folder).
    fn read_stored(&self, name: &str) -> Result<Vec<u8>, ArchiveError> {
        let path = self.safe_path(name)?;
        let ciphertext = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ArchiveError::Missing {
                name: name.to_owned(),
            },
            _ => ArchiveError::Io {
                path: path.clone(),
                source: e,
            },
        })?;
        Ok(ciphertext)
    }

    fn safe_path(&self, name: &str) -> Result<PathBuf, ArchiveError> {
        Path::new(name)
            .file_name()
            .filter(|f| f.to_str() == Some(name))
            .map(|f| self.dir.join(f))
            .ok_or_else(|| ArchiveError::Missing {
                name: name.to_owned(),
            })
    }

    /// Decrypts a stored file with a custodian identity and checks it against its hash.
    pub fn get(&self, name: &str, identity: &Identity) -> Result<Secret, ArchiveError> {
        let plain = decrypt_with(identity, &self.read_stored(name)?, name)?;
        if format!("{}.age", sha256_hex(plain.expose())) != name {
            return Err(ArchiveError::HashMismatch {
                name: name.to_owned(),
            });
        }
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn archived_document_is_encrypted_and_reads_back_with_any_custodian_key() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Identity::generate(), Identity::generate());
        let archive = Archive::new(
            dir.path().join("archive"),
            vec![a.to_public(), b.to_public()],
        );
        let doc = b"Surat pengantar Kepala Dinas No. 800/123/Diskominfosantik";
        let stored = archive.put(doc).unwrap();
        assert_eq!(stored.sha256, sha256_hex(doc));
        let raw = std::fs::read(archive.dir().join(&stored.name)).unwrap();
        assert!(!raw.windows(13).any(|w| w == b"Surat pengant"));
        assert_eq!(archive.get(&stored.name, &a).unwrap().expose(), doc);
        assert_eq!(archive.get(&stored.name, &b).unwrap().expose(), doc);
    }

    #[test]
    fn a_stranger_identity_cannot_read_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        let custodian = Identity::generate();
        let archive = Archive::new(dir.path().to_owned(), vec![custodian.to_public()]);
        let stored = archive.put(b"e-KTP").unwrap();
        let err = archive
            .get(&stored.name, &Identity::generate())
            .unwrap_err();
        assert!(
            matches!(err, ArchiveError::NotForThisIdentity { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_name_with_a_path_is_not_read_outside_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::new(dir.path().join("a"), vec![Identity::generate().to_public()]);
        let err = archive
            .get("../etc/passwd", &Identity::generate())
            .unwrap_err();
        assert!(matches!(err, ArchiveError::Missing { .. }));
    }

    #[test]
    fn escrowed_secret_has_a_random_name_and_only_custodians_recover_it() {
        let dir = tempfile::tempdir().unwrap();
        let custodian = Identity::generate();
        let archive = Archive::new(dir.path().to_owned(), vec![custodian.to_public()]);
        let so_pin = Secret::new(b"83920174".to_vec());
        let a = archive.escrow(&so_pin).unwrap();
        let b = archive.escrow(&so_pin).unwrap();
        assert_ne!(a, b, "names must not depend on the secret");
        assert!(!a.contains(&sha256_hex(b"83920174")));
        let raw = std::fs::read(dir.path().join(&a)).unwrap();
        assert!(!raw.windows(8).any(|w| w == b"83920174"));
        assert_eq!(
            archive.recover(&a, &custodian).unwrap().expose(),
            b"83920174"
        );
        assert!(archive.recover(&a, &Identity::generate()).is_err());
    }

    #[test]
    fn identity_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let id = Identity::generate();
        let path = dir.path().join("c.key");
        std::fs::write(
            &path,
            format!("# custodian\n{}\n", id.to_string().expose_secret()),
        )
        .unwrap();
        let back = read_identity(&path).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
    }
}
