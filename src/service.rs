//! Use cases: the regulation's rules (domain) applied through the ports. No UI, no printing.
//!
//! The CLI and the desk both call these functions; neither has a second code path.

use std::path::{Path, PathBuf};

use serde_json::json;
use time::OffsetDateTime;

use crate::archive::{self, Archive, ArchiveError};
use crate::domain::application::{
    self, ApplicationForm, ApplicationStatus, CertUse, CertificateKind, Decision, DocumentKind,
    FormError, TransitionError, ValidationPolicy,
};
use crate::domain::ledger::{CheckpointFile, Event, VerifyReport};
use crate::domain::problem::Problem;
use crate::domain::profile::{CertificateTemplate, ProfileError, Profiles, SubjectFacts};
use crate::domain::witness::{RollbackError, WitnessStanding};
use crate::home::{Config, Home, HomeError};
use crate::ports::{CheckpointSigner, Clock, SignError};
use crate::store::{
    ApplicationFilter, ApplicationQuery, ApplicationRow, ApplicationSummary, DocumentRow,
    NewApplication, NewDocument, SqliteStore, StoreError,
};

/// Largest application form accepted (a form is a few kilobytes).
pub const MAX_FORM_BYTES: u64 = 1024 * 1024;
/// Largest supporting document accepted (a scanned letter).
pub const MAX_DOCUMENT_BYTES: u64 = 20 * 1024 * 1024;

/// Why a use case could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Home(#[from] HomeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} has {size} bytes, more than the {limit} allowed")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("the application form cannot be read: {0}")]
    Form(FormError),
    #[error("the application has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("application {id} has no {kind} document")]
    NoSuchDocument { id: String, kind: String },
    #[error("stored application {id} is unreadable: {reason}")]
    CorruptRecord { id: String, reason: String },
}

/// Opens the station key when a command needs to sign (read-only commands never ask the
/// token for its PIN).
pub type SignerFactory<'a> = Box<dyn Fn() -> Result<Box<dyn CheckpointSigner>, SignError> + 'a>;

/// What `ledger verify` learnt from the station token's checkpoint, when it is not a
/// rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheckpoint {
    /// The database extends (or equals) the token's checkpoint.
    Standing(WitnessStanding),
    /// The token holds no checkpoint yet (set up before the station wrote one): warning.
    Missing,
    /// The station key's adapter keeps no checkpoint: warning.
    Unsupported,
    /// The station token could not be opened (no PIN, token missing): warning.
    Unavailable { reason: String },
}

/// One open station: home, config, store, clock and (on demand) the station key.
pub struct Station<'a> {
    home: Home,
    config: Config,
    store: SqliteStore,
    clock: Box<dyn Clock + 'a>,
    signer_factory: SignerFactory<'a>,
    signer: Option<Box<dyn CheckpointSigner>>,
    profiles: Profiles,
}

impl std::fmt::Debug for Station<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

/// The result of checking a form: the form (if it parsed) and every problem.
#[derive(Debug)]
pub struct Checked {
    pub form: Option<ApplicationForm>,
    pub problems: Vec<Problem>,
    /// The raw form bytes (hashed into the ledger on submission).
    pub raw: Vec<u8>,
}

/// An application with its documents.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub row: ApplicationRow,
    pub documents: Vec<DocumentRow>,
}

/// The names of every certificate kind and use (for the profile check).
pub fn kind_names() -> Vec<&'static str> {
    [
        CertificateKind::Individual,
        CertificateKind::Position,
        CertificateKind::System,
    ]
    .into_iter()
    .map(CertificateKind::as_str)
    .collect()
}

pub fn use_names() -> Vec<&'static str> {
    [
        CertUse::Signature,
        CertUse::Email,
        CertUse::Document,
        CertUse::TlsServer,
        CertUse::TlsClient,
    ]
    .into_iter()
    .map(CertUse::as_str)
    .collect()
}

/// The certificate profiles of a home (`HOME/certificate-profiles.toml` if the OP put one
/// there, else the shipped defaults).
pub fn load_profiles(home: &Home) -> Result<Profiles, ServiceError> {
    let path = home.root().join("certificate-profiles.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::domain::profile::DEFAULT_PROFILES.to_owned()
        }
        Err(source) => return Err(ServiceError::Read { path, source }),
    };
    Ok(Profiles::parse(&text, &kind_names(), &use_names())?)
}

/// Reads a file of at most `limit` bytes, named by the officer (a form, a checkpoint). It must
/// be a regular file (checked on the opened handle; opened non-blocking, so a FIFO cannot hang).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ServiceError> {
    use crate::docfile::FileError;
    let read_err = |source| ServiceError::Read {
        path: path.to_owned(),
        source,
    };
    crate::docfile::read_regular(path, limit).map_err(|e| match e {
        FileError::TooLarge { size, limit } => ServiceError::TooLarge {
            path: path.to_owned(),
            size,
            limit,
        },
        FileError::Missing => read_err(std::io::ErrorKind::NotFound.into()),
        FileError::Io(source) => read_err(source),
        other => read_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            other.to_string(),
        )),
    })
}

/// A document file named by a form, read and checked (or the problem with it).
struct DocFile {
    kind: DocumentKind,
    original: String,
    bytes: Vec<u8>,
}

fn read_documents(form: &ApplicationForm, base: &Path) -> (Vec<DocFile>, Vec<Problem>) {
    let mut files = vec![];
    let mut problems = vec![];
    for (kind, rel) in form.document_files() {
        let field = kind.file_field();
        if application::path_escapes_folder(rel) {
            // `application::validate` already reports it (document.file_outside); never read it.
            continue;
        }
        // Read once, without following links, only a regular file inside the folder: these
        // bytes are the ones hashed and archived.
        use crate::docfile::FileError;
        match crate::docfile::read_in_folder(base, rel, MAX_DOCUMENT_BYTES) {
            Ok(bytes) => files.push(DocFile {
                kind,
                original: rel.to_owned(),
                bytes,
            }),
            Err(FileError::TooLarge { .. }) => problems.push(Problem::document_file_too_large(
                field,
                rel,
                &format!("{} MiB", MAX_DOCUMENT_BYTES / (1024 * 1024)),
            )),
            Err(FileError::Missing) => problems.push(Problem::document_file_missing(field, rel)),
            Err(FileError::Outside) => problems.push(Problem::document_file_outside(field, rel)),
            Err(FileError::Symlink) => problems.push(Problem::document_file_symlink(field, rel)),
            Err(FileError::NotRegular) => {
                problems.push(Problem::document_file_not_regular(field, rel))
            }
            Err(FileError::Io(_)) => problems.push(Problem::document_file_unreadable(field, rel)),
        }
    }
    (files, problems)
}

impl<'a> Station<'a> {
    /// Opens an initialised home.
    pub fn open(
        home: Home,
        clock: Box<dyn Clock + 'a>,
        signer_factory: SignerFactory<'a>,
    ) -> Result<Self, ServiceError> {
        let config = home.load_config()?;
        let store = SqliteStore::open(home.db_path())?;
        let profiles = load_profiles(&home)?;
        Ok(Self {
            home,
            config,
            store,
            clock,
            signer_factory,
            signer: None,
            profiles,
        })
    }

    pub fn home(&self) -> &Home {
        &self.home
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn policy(&self) -> ValidationPolicy {
        ValidationPolicy {
            official_domains: self.config.policy.official_domains.clone(),
        }
    }

    fn archive(&self) -> Result<Archive, ServiceError> {
        let recipients = archive::parse_recipients(&self.config.custodians.recipients)?;
        Ok(Archive::new(self.home.archive_dir(), recipients))
    }

    fn ensure_signer(&mut self) -> Result<(), ServiceError> {
        if self.signer.is_none() {
            self.signer = Some((self.signer_factory)()?);
        }
        Ok(())
    }

    /// Runs `f` in one unit of work sealed by the station key.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&mut crate::store::UnitOfWork<'_>) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        self.ensure_signer()?;
        let signer = self.signer.as_deref().expect("signer opened above");
        self.store.unit_of_work(signer, self.clock.as_ref(), f)
    }

    /// As [`Station::write`], for a use case with its own error type (enrolment, CA steps).
    pub fn write_as<T, E>(
        &mut self,
        f: impl FnOnce(&mut crate::store::UnitOfWork<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<ServiceError> + From<StoreError>,
    {
        self.ensure_signer()?;
        let signer = self.signer.as_deref().expect("signer opened above");
        self.store.unit_of_work(signer, self.clock.as_ref(), f)
    }

    /// Validates an application file (and the documents it names). Changes nothing.
    pub fn check_application(&self, path: &Path) -> Result<Checked, ServiceError> {
        let raw = read_limited(path, MAX_FORM_BYTES)?;
        let form = ApplicationForm::from_json(&raw).map_err(ServiceError::Form)?;
        let mut problems = application::validate(&form, &self.policy(), self.now().date());
        let base = path.parent().unwrap_or(Path::new("."));
        let (_, doc_problems) = read_documents(&form, base);
        problems.extend(doc_problems);
        Ok(Checked {
            form: Some(form),
            problems,
            raw,
        })
    }

    /// Validates, archives the documents encrypted and records the application; returns its
    /// id. An invalid application is refused with every problem and nothing is recorded.
    pub fn submit_application(&mut self, path: &Path, actor: &str) -> Result<String, ServiceError> {
        let raw = read_limited(path, MAX_FORM_BYTES)?;
        let form = ApplicationForm::from_json(&raw).map_err(ServiceError::Form)?;
        let mut problems = application::validate(&form, &self.policy(), self.now().date());
        let base = path.parent().unwrap_or(Path::new("."));
        let (files, doc_problems) = read_documents(&form, base);
        problems.extend(doc_problems);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        // Encrypt first: the archive holds only ciphertext, so a file left by a crash before
        // the commit below reveals nothing and is simply unreferenced.
        let archive = self.archive()?;
        let mut stored = Vec::with_capacity(files.len());
        for f in &files {
            stored.push((f, archive.put(&f.bytes)?));
        }
        let form_json = serde_json::to_string(&form).map_err(|e| ServiceError::CorruptRecord {
            id: "-".into(),
            reason: e.to_string(),
        })?;
        let form_sha256 = archive::sha256_hex(form_json.as_bytes());
        let kind = form.kind.as_str();
        let name = form.applicant.name.clone().unwrap_or_default();
        let department = form.applicant.department.clone().unwrap_or_default();
        self.write(|tx| {
            let id = tx.insert_application(&NewApplication {
                kind: kind.to_owned(),
                status: ApplicationStatus::Submitted.as_str().to_owned(),
                applicant_name: name.trim().to_owned(),
                department: department.trim().to_owned(),
                form_json,
                submitted_by: actor.to_owned(),
            })?;
            let mut docs = vec![];
            for (f, a) in &stored {
                tx.insert_document(&NewDocument {
                    application_id: id.clone(),
                    kind: f.kind.as_str().to_owned(),
                    sha256: a.sha256.clone(),
                    size: a.size,
                    archive_name: a.name.clone(),
                    original_name: f.original.clone(),
                })?;
                docs.push(json!({"kind": f.kind.as_str(), "sha256": a.sha256, "size": a.size}));
            }
            tx.append_event(
                "application.submitted",
                &id,
                actor,
                json!({"kind": kind, "form_sha256": form_sha256, "documents": docs}),
            )?;
            Ok(id)
        })
    }

    /// Approves or rejects a submitted application (Pasal 12).
    pub fn decide(
        &mut self,
        id: &str,
        decision: &Decision,
        actor: &str,
    ) -> Result<ApplicationStatus, ServiceError> {
        self.write(|tx| {
            let row = tx.get_application(id)?;
            let current = parse_status(&row)?;
            let next = application::decide(current, decision)?;
            let reason = match decision {
                Decision::Reject { reason } => Some(reason.trim().to_owned()),
                Decision::Approve => None,
            };
            tx.set_application_decision(id, next.as_str(), actor, reason.as_deref())?;
            let (kind, data) = match &reason {
                Some(r) => (
                    "application.rejected",
                    json!({"from": current.as_str(), "reason": r}),
                ),
                None => ("application.approved", json!({"from": current.as_str()})),
            };
            tx.append_event(kind, id, actor, data)?;
            Ok(next)
        })
    }

    pub fn application(&self, id: &str) -> Result<ApplicationView, ServiceError> {
        let row = self.store.get_application(id)?;
        let documents = self.store.documents_of(id)?;
        Ok(ApplicationView { row, documents })
    }

    pub fn applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<Vec<ApplicationRow>, ServiceError> {
        Ok(self.store.list_applications(filter)?)
    }

    /// One page of the application queue (status and search filter, oldest first).
    pub fn application_summaries(
        &self,
        query: &ApplicationQuery,
    ) -> Result<Vec<ApplicationSummary>, ServiceError> {
        Ok(self.store.application_summaries(query)?)
    }

    /// How many applications match `query` (limit and offset ignored).
    pub fn count_applications(&self, query: &ApplicationQuery) -> Result<u64, ServiceError> {
        Ok(self.store.count_applications(query)?)
    }

    /// The number of applications in each status.
    pub fn application_counts(&self) -> Result<Vec<(String, u64)>, ServiceError> {
        Ok(self.store.application_counts()?)
    }

    /// The stored form of an application.
    pub fn form_of(&self, row: &ApplicationRow) -> Result<ApplicationForm, ServiceError> {
        ApplicationForm::from_json(row.form_json.as_bytes()).map_err(|e| {
            ServiceError::CorruptRecord {
                id: row.id.clone(),
                reason: e.to_string(),
            }
        })
    }

    /// What the certificate of an application will contain, for a key of `algorithm`.
    pub fn certificate_template(
        &self,
        id: &str,
        algorithm: &str,
    ) -> Result<CertificateTemplate, ServiceError> {
        let row = self.store.get_application(id)?;
        let form = self.form_of(&row)?;
        Ok(self.profiles.template(&subject_facts(&form), algorithm)?)
    }

    /// Decrypts an archived document with a custodian identity and writes it to `out`. The
    /// access is recorded in the ledger in the same transaction: if recording fails, the file
    /// is removed again.
    pub fn read_document(
        &mut self,
        id: &str,
        kind: &str,
        identity: &Path,
        out: &Path,
        actor: &str,
    ) -> Result<DocumentRow, ServiceError> {
        let doc = self
            .store
            .documents_of(id)?
            .into_iter()
            .find(|d| d.kind == kind)
            .ok_or_else(|| ServiceError::NoSuchDocument {
                id: id.to_owned(),
                kind: kind.to_owned(),
            })?;
        let identity = archive::read_identity(identity)?;
        let plain = self.archive()?.get(&doc.archive_name, &identity)?;
        let recipient = identity.to_public().to_string();
        let result = self.write(|tx| {
            tx.append_event(
                "document.read",
                id,
                actor,
                json!({"kind": doc.kind, "sha256": doc.sha256, "custodian": recipient}),
            )?;
            crate::home::write_file(out, plain.expose(), true).map_err(|e| match e {
                HomeError::Io { path, source } => ServiceError::Write { path, source },
                other => other.into(),
            })?;
            Ok(())
        });
        if result.is_err() {
            let _ = std::fs::remove_file(out);
        }
        result.map(|()| doc)
    }

    pub fn verify_ledger(&self) -> Result<VerifyReport, ServiceError> {
        Ok(self.store.verify_ledger(None)?)
    }

    /// The ledger's chain and checkpoints, then every record table against it (issue 16); the
    /// record step's report comes second.
    pub fn verify_ledger_and_records(
        &self,
    ) -> Result<(VerifyReport, crate::store::RecordsReport), ServiceError> {
        Ok(self.store.verify_ledger_and_records(None)?)
    }

    /// The record step alone (after a verification against an exported checkpoint).
    pub fn verify_records(&self) -> Result<crate::store::RecordsReport, ServiceError> {
        Ok(self.store.verify_ledger_and_records(None)?.1)
    }

    /// Compares the database with the checkpoint the station token keeps
    /// (`docs/formats/ledger.md` §3.2). A database older or shorter than the token is
    /// `Err(Store(Rollback))`; a token without the object (a station set up before it) or a
    /// station token that cannot be opened is a warning ([`TokenCheckpoint`]).
    pub fn check_token_checkpoint(&mut self) -> Result<TokenCheckpoint, ServiceError> {
        if let Err(e) = self.ensure_signer() {
            return Ok(TokenCheckpoint::Unavailable {
                reason: e.to_string(),
            });
        }
        let signer = self.signer.as_deref().expect("signer opened above");
        let Some(witness) = signer.witness() else {
            return Ok(TokenCheckpoint::Unsupported);
        };
        let key_id = signer.key_id();
        if !self
            .store
            .station_keys()?
            .iter()
            .any(|k| k.key_id == key_id)
        {
            return Err(StoreError::from(RollbackError::BadTokenCheckpoint {
                reason: format!("the token's key {key_id} is not a station key of this ledger"),
            })
            .into());
        }
        let Some(value) = witness.read_latest()? else {
            return Ok(TokenCheckpoint::Missing);
        };
        let standing = self
            .store
            .witness_standing(&value, &signer.public_key_spki_der())?;
        Ok(TokenCheckpoint::Standing(standing))
    }

    pub fn verify_against(&self, file: &Path) -> Result<VerifyReport, ServiceError> {
        let text = read_limited(file, 64 * 1024)?;
        let text = String::from_utf8_lossy(&text);
        let cp = CheckpointFile::from_json(&text).map_err(StoreError::from)?;
        Ok(self.store.verify_against(&cp)?)
    }

    pub fn export_checkpoint(&self, out: &Path) -> Result<CheckpointFile, ServiceError> {
        let cp = self.store.export_checkpoint()?;
        crate::home::write_file(out, cp.to_json().as_bytes(), false).map_err(|e| match e {
            HomeError::Io { path, source } => ServiceError::Write { path, source },
            other => other.into(),
        })?;
        Ok(cp)
    }

    pub fn events(&self, from: u64, limit: u64) -> Result<Vec<Event>, ServiceError> {
        Ok(self.store.events(from..from.saturating_add(limit))?)
    }
}

fn parse_status(row: &ApplicationRow) -> Result<ApplicationStatus, ServiceError> {
    ApplicationStatus::ALL
        .into_iter()
        .find(|s| s.as_str() == row.status)
        .ok_or_else(|| ServiceError::CorruptRecord {
            id: row.id.clone(),
            reason: format!("unknown status {}", row.status),
        })
}

/// The facts a certificate profile needs from a form.
pub fn subject_facts(form: &ApplicationForm) -> SubjectFacts {
    let a = &form.applicant;
    let trim = |o: &Option<String>| o.as_deref().map(str::trim).map(str::to_owned);
    SubjectFacts {
        kind: form.kind.as_str().to_owned(),
        uses: form.uses.iter().map(|u| u.as_str().to_owned()).collect(),
        name: trim(&a.name).unwrap_or_default(),
        department: trim(&a.department).unwrap_or_default(),
        position_title: trim(&a.position_title),
        system_name: form.system.as_ref().and_then(|s| trim(&s.name)),
        nip: trim(&a.nip),
        email: trim(&a.email).map(|e| e.to_lowercase()),
        dns_names: form
            .system
            .as_ref()
            .map(|s| {
                s.dns_names
                    .iter()
                    .map(|d| d.trim().to_lowercase())
                    .collect()
            })
            .unwrap_or_default(),
    }
}
