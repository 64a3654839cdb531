//! Certificate applications: the form, its validation and the application state machine.
//!
//! Pure domain code: no files, no network, no clock. `today` is always an argument. The
//! service layer reads the form file, calls [`ApplicationForm::from_json`] and [`validate`],
//! then checks the document files named by [`ApplicationForm::document_files`] and reports
//! what it finds with the `document.file_*` problems ([`Problem::document_file_missing`], ...).
//!
//! The format is described in `docs/formats/application.md`.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::identity::{analyze_nik, analyze_nip, consistency};
use super::problem::Problem;

// ---------------------------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------------------------

/// Kind of electronic certificate (Pasal 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// For a person (ASN or official) acting as themselves.
    Individual,
    /// For the holder of a position (jabatan), e.g. the head of a department.
    Position,
    /// For an electronic system (server, application) of the regency.
    System,
}

impl CertificateKind {
    pub const ALL: [CertificateKind; 3] = [Self::Individual, Self::Position, Self::System];

    /// The JSON spelling, also the value of the `kind` message argument.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Position => "position",
            Self::System => "system",
        }
    }

    /// Documents the application must carry (Pasal 11).
    pub fn required_documents(self) -> &'static [DocumentKind] {
        use DocumentKind::*;
        match self {
            Self::Individual | Self::System => &[CoverLetter, Recommendation, KtpScan],
            Self::Position => &[
                CoverLetter,
                Recommendation,
                KtpScan,
                AppointmentDecree,
                DelegationLetter,
            ],
        }
    }

    /// Certificate uses allowed for this kind (Pasal 8(5)).
    ///
    /// - `tls_server` only for systems: a server certificate names hosts, not people.
    /// - `email` only for people: it puts the person's address in the certificate.
    /// - `signature` and `document` for systems too: an application may seal the documents
    ///   it produces (e.g. an electronic letter service signing its PDFs).
    pub fn allowed_uses(self) -> &'static [CertUse] {
        use CertUse::*;
        match self {
            Self::Individual | Self::Position => &[Signature, Email, Document, TlsClient],
            Self::System => &[TlsServer, TlsClient, Signature, Document],
        }
    }
}

/// Category of the applicant (Pasal 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantCategory {
    /// Bupati.
    Regent,
    /// Wakil Bupati.
    ViceRegent,
    /// Aparatur Sipil Negara (has a NIP).
    Asn,
    /// Anyone else entitled by the regulation (no NIP required).
    Other,
}

/// What the certificate may be used for (Pasal 8(5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertUse {
    Signature,
    Email,
    Document,
    TlsServer,
    TlsClient,
}

impl CertUse {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signature => "signature",
            Self::Email => "email",
            Self::Document => "document",
            Self::TlsServer => "tls_server",
            Self::TlsClient => "tls_client",
        }
    }
}

/// Supporting documents (Pasal 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Surat pengantar from the head of the department.
    CoverLetter,
    /// Surat rekomendasi from the applicant's superior.
    Recommendation,
    /// Scan of the e-KTP.
    KtpScan,
    /// SK pengangkatan dalam jabatan (position certificates).
    AppointmentDecree,
    /// Surat kuasa/pendelegasian (position certificates).
    DelegationLetter,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 5] = [
        Self::CoverLetter,
        Self::Recommendation,
        Self::KtpScan,
        Self::AppointmentDecree,
        Self::DelegationLetter,
    ];

    /// The JSON key under `documents`, also the value of the `document` message argument.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CoverLetter => "cover_letter",
            Self::Recommendation => "recommendation",
            Self::KtpScan => "ktp_scan",
            Self::AppointmentDecree => "appointment_decree",
            Self::DelegationLetter => "delegation_letter",
        }
    }

    /// JSON path of the document, e.g. `documents.cover_letter`.
    pub fn field(self) -> String {
        format!("documents.{}", self.as_str())
    }

    /// JSON path of the document's file, e.g. `documents.ktp_scan.file`; use it as the field
    /// of the `document.file_*` problems.
    pub fn file_field(self) -> String {
        format!("documents.{}.file", self.as_str())
    }

    /// Letters carry a number and a date; the KTP scan is only a file.
    pub fn is_letter(self) -> bool {
        !matches!(self, Self::KtpScan)
    }
}

// ---------------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------------

/// An application as submitted (the JSON file). Strings are kept as strings, even the NIK
/// and NIP: [`validate`] reports what is wrong with them, so that one bad field does not hide
/// the others behind a parse error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationForm {
    pub kind: CertificateKind,
    pub applicant: Applicant,
    /// Only for kind `system`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemInfo>,
    #[serde(default)]
    pub uses: Vec<CertUse>,
    #[serde(default)]
    pub documents: Documents,
}

/// The person applying (for a system: the person responsible for it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    #[serde(default)]
    pub name: Option<String>,
    /// 16 digits. Personal data.
    #[serde(default)]
    pub nik: Option<String>,
    /// 18 digits; required for category `asn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nip: Option<String>,
    pub category: ApplicantCategory,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    /// Required for kind `position`, not allowed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_title: Option<String>,
}

impl fmt::Debug for Applicant {
    // The NIK and NIP are personal data: keep them out of logs and panic messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("Applicant")
            .field("name", &self.name)
            .field("nik", &redact(&self.nik))
            .field("nip", &redact(&self.nip))
            .field("category", &self.category)
            .field("email", &self.email)
            .field("department", &self.department)
            .field("position_title", &self.position_title)
            .finish()
    }
}

/// The electronic system a `system` certificate is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemInfo {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub dns_names: Vec<String>,
}

/// A letter or decree: number, date (`YYYY-MM-DD`) and the scanned file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
}

/// A scan without number and date (the e-KTP).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scan {
    #[serde(default)]
    pub file: Option<String>,
}

/// The supporting documents. File paths are relative to the folder of the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Documents {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_letter: Option<Letter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Letter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ktp_scan: Option<Scan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_decree: Option<Letter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_letter: Option<Letter>,
}

/// A present document, seen uniformly.
struct DocView<'a> {
    letter: Option<&'a Letter>,
    file: Option<&'a str>,
}

impl Documents {
    fn view(&self, kind: DocumentKind) -> Option<DocView<'_>> {
        match kind {
            DocumentKind::KtpScan => self.ktp_scan.as_ref().map(|s| DocView {
                letter: None,
                file: s.file.as_deref(),
            }),
            other => self.letter(other).map(|l| DocView {
                letter: Some(l),
                file: l.file.as_deref(),
            }),
        }
    }

    fn letter(&self, kind: DocumentKind) -> Option<&Letter> {
        match kind {
            DocumentKind::CoverLetter => self.cover_letter.as_ref(),
            DocumentKind::Recommendation => self.recommendation.as_ref(),
            DocumentKind::AppointmentDecree => self.appointment_decree.as_ref(),
            DocumentKind::DelegationLetter => self.delegation_letter.as_ref(),
            DocumentKind::KtpScan => None,
        }
    }
}

/// Why an application file could not be read as a form at all.
///
/// `line` and `column` are 1-based positions in the file; `detail` is serde's own English
/// wording, kept for the technically minded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the application form is empty")]
    Empty,
    #[error("the application form is not UTF-8 text (first bad byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("line {line}, column {column}: not valid JSON: {detail}")]
    Syntax {
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("line {line}, column {column}: the form ends too early: {detail}")]
    Truncated {
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("line {line}, column {column}: unknown key `{key}`")]
    UnknownKey {
        line: usize,
        column: usize,
        key: String,
        detail: String,
    },
    #[error("line {line}, column {column}: missing key `{key}`")]
    MissingKey {
        line: usize,
        column: usize,
        key: String,
        detail: String,
    },
    #[error("line {line}, column {column}: key `{key}` appears twice")]
    DuplicateKey {
        line: usize,
        column: usize,
        key: String,
        detail: String,
    },
    #[error("line {line}, column {column}: unknown value `{value}`")]
    UnknownValue {
        line: usize,
        column: usize,
        value: String,
        detail: String,
    },
    #[error("line {line}, column {column}: wrong type of value: {detail}")]
    WrongType {
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("line {line}, column {column}: invalid value: {detail}")]
    Invalid {
        line: usize,
        column: usize,
        detail: String,
    },
}

impl FormError {
    /// Every Fluent message id of this enum, in variant order.
    pub const MESSAGE_IDS: &'static [&'static str] = &[
        "form-error-empty",
        "form-error-not_utf8",
        "form-error-syntax",
        "form-error-truncated",
        "form-error-unknown_key",
        "form-error-missing_key",
        "form-error-duplicate_key",
        "form-error-unknown_value",
        "form-error-wrong_type",
        "form-error-invalid",
    ];

    /// The Fluent message id, e.g. `form-error-unknown_key`.
    pub fn message_id(&self) -> &'static str {
        let i = match self {
            Self::Empty => 0,
            Self::NotUtf8 { .. } => 1,
            Self::Syntax { .. } => 2,
            Self::Truncated { .. } => 3,
            Self::UnknownKey { .. } => 4,
            Self::MissingKey { .. } => 5,
            Self::DuplicateKey { .. } => 6,
            Self::UnknownValue { .. } => 7,
            Self::WrongType { .. } => 8,
            Self::Invalid { .. } => 9,
        };
        Self::MESSAGE_IDS[i]
    }

    /// The Fluent arguments of the message.
    pub fn message_args(&self) -> BTreeMap<&'static str, String> {
        let mut args = BTreeMap::new();
        let mut pos = |line: &usize, column: &usize, detail: &String| {
            args.insert("line", line.to_string());
            args.insert("column", column.to_string());
            args.insert("detail", detail.clone());
        };
        match self {
            Self::Empty => {}
            Self::NotUtf8 { offset } => {
                args.insert("offset", offset.to_string());
            }
            Self::Syntax {
                line,
                column,
                detail,
            }
            | Self::Truncated {
                line,
                column,
                detail,
            }
            | Self::WrongType {
                line,
                column,
                detail,
            }
            | Self::Invalid {
                line,
                column,
                detail,
            } => pos(line, column, detail),
            Self::UnknownKey {
                line,
                column,
                key,
                detail,
            }
            | Self::MissingKey {
                line,
                column,
                key,
                detail,
            }
            | Self::DuplicateKey {
                line,
                column,
                key,
                detail,
            } => {
                pos(line, column, detail);
                args.insert("key", key.clone());
            }
            Self::UnknownValue {
                line,
                column,
                value,
                detail,
            } => {
                pos(line, column, detail);
                args.insert("value", value.clone());
            }
        }
        args
    }

    fn from_serde(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        // serde_json appends " at line L column C"; the position is kept separately.
        let suffix = format!(" at line {line} column {column}");
        let detail = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        let quoted = || {
            detail
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_default()
        };
        match e.classify() {
            Category::Eof => Self::Truncated {
                line,
                column,
                detail,
            },
            Category::Syntax | Category::Io => Self::Syntax {
                line,
                column,
                detail,
            },
            Category::Data => {
                if detail.starts_with("unknown field") {
                    Self::UnknownKey {
                        line,
                        column,
                        key: quoted(),
                        detail,
                    }
                } else if detail.starts_with("missing field") {
                    Self::MissingKey {
                        line,
                        column,
                        key: quoted(),
                        detail,
                    }
                } else if detail.starts_with("duplicate field") {
                    Self::DuplicateKey {
                        line,
                        column,
                        key: quoted(),
                        detail,
                    }
                } else if detail.starts_with("unknown variant") {
                    Self::UnknownValue {
                        line,
                        column,
                        value: quoted(),
                        detail,
                    }
                } else if detail.starts_with("invalid type") {
                    Self::WrongType {
                        line,
                        column,
                        detail,
                    }
                } else {
                    Self::Invalid {
                        line,
                        column,
                        detail,
                    }
                }
            }
        }
    }
}

impl ApplicationForm {
    /// Parses the JSON form. A leading UTF-8 byte-order mark (as written by some Windows
    /// editors) is ignored. Unknown keys, wrong types, missing `kind`/`category` and unknown
    /// enum values are errors; everything else is left to [`validate`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, FormError> {
        let text = std::str::from_utf8(bytes).map_err(|e| FormError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let Some(start) = text.find(|c: char| !c.is_whitespace()) else {
            return Err(FormError::Empty);
        };
        // serde's derived structs also accept a JSON array of the field values in order;
        // a form is an object with named keys, so anything else at the top is refused.
        if !text[start..].starts_with('{') {
            let before = &text[..start];
            return Err(FormError::WrongType {
                line: before.matches('\n').count() + 1,
                column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
                detail: "expected a JSON object `{ ... }` at the top level".to_owned(),
            });
        }
        serde_json::from_str(text).map_err(|e| FormError::from_serde(&e))
    }

    /// Every document file named in the form, in [`DocumentKind::ALL`] order, for the service
    /// layer to check and hash. Blank paths are left out (they are a validation problem).
    pub fn document_files(&self) -> Vec<(DocumentKind, &str)> {
        DocumentKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let file = self.documents.view(kind)?.file?;
                (!file.trim().is_empty()).then_some((kind, file))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Local rules of the registration authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationPolicy {
    /// Official domains: e-mail addresses and DNS names must be one of them or under one.
    pub official_domains: Vec<String>,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        Self {
            official_domains: vec!["bekasikab.go.id".to_owned()],
        }
    }
}

impl ValidationPolicy {
    /// True if `name` is an official domain or a subdomain of one, case-insensitively.
    /// Label boundaries are respected: `evilbekasikab.go.id` and `bekasikab.go.id.evil.com`
    /// do not match `bekasikab.go.id`.
    pub fn is_official(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.official_domains.iter().any(|d| {
            let d = d.trim().trim_matches('.').to_ascii_lowercase();
            !d.is_empty()
                && (name == d
                    || name
                        .strip_suffix(d.as_str())
                        .is_some_and(|rest| rest.ends_with('.')))
        })
    }
}

/// Maximum length of the applicant's name: the X.520 upper bound of a certificate's common
/// name (RFC 5280 `ub-common-name` = 64).
pub const MAX_NAME_CHARS: usize = 64;
/// Maximum length of department, position title and system name.
pub const MAX_TEXT_CHARS: usize = 128;
/// Maximum length of a letter number.
pub const MAX_LETTER_NUMBER_CHARS: usize = 100;
/// Maximum length of a DNS name (RFC 1035/1123).
pub const MAX_DNS_NAME: usize = 253;
/// Maximum length of a DNS label.
pub const MAX_DNS_LABEL: usize = 63;
/// Maximum length of an e-mail address (RFC 5321 path limit minus the angle brackets).
pub const MAX_EMAIL: usize = 254;

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Checks a free-text field: present, not too long, no control characters.
fn check_text(
    problems: &mut Vec<Problem>,
    field: &str,
    value: &Option<String>,
    max: usize,
    codes: [&'static str; 3],
) -> bool {
    let [missing, too_long, control] = codes;
    let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) else {
        problems.push(Problem::new(field, missing));
        return false;
    };
    let mut ok = true;
    let len = v.trim().chars().count();
    if len > max {
        problems.push(
            Problem::new(field, too_long)
                .with("length", len)
                .with("max", max),
        );
        ok = false;
    }
    if v.chars().any(char::is_control) {
        problems.push(Problem::new(field, control));
        ok = false;
    }
    ok
}

/// Checks a DNS name (RFC 1123 host name syntax, no wildcard). Returns true if valid.
fn check_dns_name(problems: &mut Vec<Problem>, field: &str, name: &str) -> bool {
    if name.is_empty() {
        problems.push(Problem::new(field, "dns.empty"));
        return false;
    }
    let before = problems.len();
    let len = name.chars().count();
    if len > MAX_DNS_NAME {
        problems.push(
            Problem::new(field, "dns.too_long")
                .with("length", len)
                .with("max", MAX_DNS_NAME),
        );
    }
    if name.contains('*') {
        problems.push(Problem::new(field, "dns.wildcard").with("name", name));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        problems.push(Problem::new(field, "dns.label_empty").with("name", name));
    }
    for label in labels.iter().filter(|l| !l.is_empty() && !l.contains('*')) {
        let label_len = label.chars().count();
        if label_len > MAX_DNS_LABEL {
            problems.push(
                Problem::new(field, "dns.label_too_long")
                    .with("label", label)
                    .with("length", label_len)
                    .with("max", MAX_DNS_LABEL),
            );
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            problems.push(Problem::new(field, "dns.label_invalid_chars").with("label", label));
        } else if label.starts_with('-') || label.ends_with('-') {
            problems.push(Problem::new(field, "dns.label_hyphen_edge").with("label", label));
        }
    }
    if let Some(tld) = labels.last()
        && !tld.is_empty()
        && tld.bytes().all(|b| b.is_ascii_digit())
    {
        problems.push(Problem::new(field, "dns.numeric_tld").with("name", name));
    }
    problems.len() == before
}

/// RFC 5322 `atext` (dot-atom characters besides the dot).
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

/// Syntax of an e-mail address as it may go into a certificate (RFC 5280 rfc822Name is
/// ASCII): `local@domain`, local part a dot-atom of at most 64 characters, domain a valid
/// host name with at least two labels. Quoted local parts and IP literals are refused.
/// Returns the domain if valid.
fn email_domain(address: &str) -> Option<&str> {
    if address.len() > MAX_EMAIL || !address.is_ascii() {
        return None;
    }
    let (local, domain) = address.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext));
    let mut scratch = Vec::new();
    let domain_ok = domain.contains('.') && check_dns_name(&mut scratch, "", domain);
    (local_ok && domain_ok).then_some(domain)
}

/// Parses a strict `YYYY-MM-DD` date.
fn parse_iso_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let year: i32 = s[0..4].parse().ok()?;
    let month: u8 = s[5..7].parse().ok()?;
    let day: u8 = s[8..10].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// True if a document path would leave the application folder: absolute (`/x`, `\x`,
/// `C:...`), or with a `..` component (`/` and `\` both count as separators).
pub fn path_escapes_folder(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic())
        || path.split(['/', '\\']).any(|c| c == "..")
}

/// Validates a parsed form against the regulation and the local policy. Returns every
/// problem found (empty = valid), in the order of the form's fields.
pub fn validate(form: &ApplicationForm, policy: &ValidationPolicy, today: Date) -> Vec<Problem> {
    let mut problems = Vec::new();
    validate_applicant(&mut problems, form, policy, today);
    validate_system(&mut problems, form, policy);
    validate_uses(&mut problems, form);
    validate_documents(&mut problems, form, today);
    problems
}

fn validate_applicant(
    problems: &mut Vec<Problem>,
    form: &ApplicationForm,
    policy: &ValidationPolicy,
    today: Date,
) {
    let a = &form.applicant;

    // Name.
    if check_text(
        problems,
        "applicant.name",
        &a.name,
        MAX_NAME_CHARS,
        ["name.missing", "name.too_long", "name.control_chars"],
    ) && !a
        .name
        .as_deref()
        .unwrap_or("")
        .chars()
        .any(char::is_alphabetic)
    {
        problems.push(Problem::new("applicant.name", "name.no_letter"));
    }

    // NIK, NIP and their consistency.
    let (nik_facts, nik_problems) =
        analyze_nik("applicant.nik", a.nik.as_deref().unwrap_or(""), today);
    problems.extend(nik_problems);
    let nip = a.nip.as_deref().filter(|s| !s.is_empty());
    match nip {
        None if a.category == ApplicantCategory::Asn => {
            problems.push(Problem::new("applicant.nip", "nip.missing"));
        }
        None => {}
        Some(nip) => {
            let (nip_facts, nip_problems) = analyze_nip("applicant.nip", nip, today);
            problems.extend(nip_problems);
            problems.extend(consistency("applicant.nip", nik_facts, nip_facts));
        }
    }

    // E-mail.
    match a.email.as_deref().filter(|s| !s.trim().is_empty()) {
        None => problems.push(Problem::new("applicant.email", "email.missing")),
        Some(email) => match email_domain(email) {
            None => {
                problems.push(Problem::new("applicant.email", "email.invalid").with("email", email))
            }
            Some(domain) if !policy.is_official(domain) => problems.push(
                Problem::new("applicant.email", "email.domain_not_official")
                    .with("domain", domain)
                    .with("official", policy.official_domains.join(", ")),
            ),
            Some(_) => {}
        },
    }

    // Department.
    check_text(
        problems,
        "applicant.department",
        &a.department,
        MAX_TEXT_CHARS,
        [
            "department.missing",
            "department.too_long",
            "department.control_chars",
        ],
    );

    // Position title.
    if form.kind == CertificateKind::Position {
        check_text(
            problems,
            "applicant.position_title",
            &a.position_title,
            MAX_TEXT_CHARS,
            [
                "position_title.missing",
                "position_title.too_long",
                "position_title.control_chars",
            ],
        );
    } else if !blank(&a.position_title) {
        problems.push(
            Problem::new("applicant.position_title", "position_title.not_applicable")
                .with("kind", form.kind.as_str()),
        );
    }
}

fn validate_system(problems: &mut Vec<Problem>, form: &ApplicationForm, policy: &ValidationPolicy) {
    let system = match (&form.system, form.kind) {
        (None, CertificateKind::System) => {
            problems.push(Problem::new("system", "system.missing"));
            return;
        }
        (None, _) => return,
        (Some(_), kind) if kind != CertificateKind::System => {
            problems
                .push(Problem::new("system", "system.not_applicable").with("kind", kind.as_str()));
            return;
        }
        (Some(system), _) => system,
    };
    check_text(
        problems,
        "system.name",
        &system.name,
        MAX_TEXT_CHARS,
        [
            "system.name_missing",
            "system.name_too_long",
            "system.name_control_chars",
        ],
    );
    if system.dns_names.is_empty() {
        problems.push(Problem::new("system.dns_names", "system.dns_names_missing"));
    }
    let mut seen = HashSet::new();
    for (i, name) in system.dns_names.iter().enumerate() {
        let field = format!("system.dns_names[{i}]");
        if !check_dns_name(problems, &field, name) {
            continue;
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            problems.push(Problem::new(&field, "dns.duplicate").with("name", name));
        } else if !policy.is_official(name) {
            problems.push(
                Problem::new(&field, "dns.not_official")
                    .with("name", name)
                    .with("official", policy.official_domains.join(", ")),
            );
        }
    }
}

fn validate_uses(problems: &mut Vec<Problem>, form: &ApplicationForm) {
    if form.uses.is_empty() {
        problems.push(Problem::new("uses", "uses.empty").with("kind", form.kind.as_str()));
        return;
    }
    let allowed = form.kind.allowed_uses();
    let mut seen = HashSet::new();
    for (i, u) in form.uses.iter().enumerate() {
        let field = format!("uses[{i}]");
        if !seen.insert(*u) {
            problems.push(Problem::new(field, "uses.duplicate").with("use", u.as_str()));
        } else if !allowed.contains(u) {
            problems.push(
                Problem::new(field, "uses.not_allowed")
                    .with("use", u.as_str())
                    .with("kind", form.kind.as_str()),
            );
        }
    }
}

fn validate_documents(problems: &mut Vec<Problem>, form: &ApplicationForm, today: Date) {
    let required = form.kind.required_documents();
    for kind in DocumentKind::ALL {
        let view = form.documents.view(kind);
        let needed = required.contains(&kind);
        let Some(doc) = view else {
            if needed {
                problems.push(
                    Problem::new(kind.field(), "document.missing").with("document", kind.as_str()),
                );
            }
            continue;
        };
        if !needed {
            problems.push(
                Problem::new(kind.field(), "document.not_applicable")
                    .with("document", kind.as_str())
                    .with("kind", form.kind.as_str()),
            );
            continue;
        }
        let base = kind.field();
        if let Some(letter) = doc.letter {
            match letter
                .number
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                None => problems.push(
                    Problem::new(format!("{base}.number"), "document.number_missing")
                        .with("document", kind.as_str()),
                ),
                Some(n)
                    if n.chars().count() > MAX_LETTER_NUMBER_CHARS
                        || n.chars().any(char::is_control) =>
                {
                    problems.push(
                        Problem::new(format!("{base}.number"), "document.number_too_long")
                            .with("document", kind.as_str())
                            .with("max", MAX_LETTER_NUMBER_CHARS),
                    )
                }
                Some(_) => {}
            }
            let date_field = format!("{base}.date");
            match letter.date.as_deref().filter(|d| !d.trim().is_empty()) {
                None => problems.push(
                    Problem::new(date_field, "document.date_missing")
                        .with("document", kind.as_str()),
                ),
                Some(d) => match parse_iso_date(d) {
                    None => problems.push(
                        Problem::new(date_field, "document.date_invalid")
                            .with("document", kind.as_str())
                            .with("date", d),
                    ),
                    Some(date) if date > today => problems.push(
                        Problem::new(date_field, "document.date_in_future")
                            .with("document", kind.as_str())
                            .with("date", d)
                            .with("today", today),
                    ),
                    Some(_) => {}
                },
            }
        }
        let file_field = kind.file_field();
        match doc.file.filter(|f| !f.trim().is_empty()) {
            None => problems.push(
                Problem::new(file_field, "document.file_required").with("document", kind.as_str()),
            ),
            Some(path) if path_escapes_folder(path) => {
                problems.push(Problem::document_file_outside(file_field, path));
            }
            Some(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State machine (Pasal 12)
// ---------------------------------------------------------------------------------------------

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Submitted,
    Approved,
    Rejected,
    Issued,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 5] = [
        Self::Submitted,
        Self::Approved,
        Self::Rejected,
        Self::Issued,
        Self::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Issued => "issued",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// No transition leaves a terminal status.
    pub fn is_terminal(self) -> bool {
        !ALLOWED_TRANSITIONS.iter().any(|(from, _)| *from == self)
    }
}

impl fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every allowed status change, as data. Anything not listed is refused.
///
/// An applicant may withdraw until the certificate is issued; only a submitted application
/// is decided; only an approved one is issued.
pub const ALLOWED_TRANSITIONS: &[(ApplicationStatus, ApplicationStatus)] = {
    use ApplicationStatus::*;
    &[
        (Submitted, Approved),
        (Submitted, Rejected),
        (Submitted, Withdrawn),
        (Approved, Issued),
        (Approved, Withdrawn),
    ]
};

/// The verification officer's decision on a submitted application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case", deny_unknown_fields)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

/// Bounds of a rejection reason, counted in characters after trimming.
pub const MIN_REASON_CHARS: usize = 5;
pub const MAX_REASON_CHARS: usize = 2000;

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("an application cannot go from `{from}` to `{to}`")]
    NotAllowed {
        from: ApplicationStatus,
        to: ApplicationStatus,
    },
    #[error("a rejection needs a reason")]
    ReasonMissing,
    #[error("the rejection reason has {length} characters, at least {min} are needed")]
    ReasonTooShort { length: usize, min: usize },
    #[error("the rejection reason has {length} characters, at most {max} are allowed")]
    ReasonTooLong { length: usize, max: usize },
    #[error("the rejection reason contains control characters")]
    ReasonControlChars,
}

impl TransitionError {
    /// Every Fluent message id of this enum, in variant order.
    pub const MESSAGE_IDS: &'static [&'static str] = &[
        "transition-error-not_allowed",
        "transition-error-reason_missing",
        "transition-error-reason_too_short",
        "transition-error-reason_too_long",
        "transition-error-reason_control_chars",
    ];

    pub fn message_id(&self) -> &'static str {
        Self::MESSAGE_IDS[match self {
            Self::NotAllowed { .. } => 0,
            Self::ReasonMissing => 1,
            Self::ReasonTooShort { .. } => 2,
            Self::ReasonTooLong { .. } => 3,
            Self::ReasonControlChars => 4,
        }]
    }

    pub fn message_args(&self) -> BTreeMap<&'static str, String> {
        let mut args = BTreeMap::new();
        match self {
            Self::NotAllowed { from, to } => {
                args.insert("from", from.as_str().to_owned());
                args.insert("to", to.as_str().to_owned());
            }
            Self::ReasonTooShort { length, min } => {
                args.insert("length", length.to_string());
                args.insert("min", min.to_string());
            }
            Self::ReasonTooLong { length, max } => {
                args.insert("length", length.to_string());
                args.insert("max", max.to_string());
            }
            Self::ReasonMissing | Self::ReasonControlChars => {}
        }
        args
    }
}

/// Checks a status change against [`ALLOWED_TRANSITIONS`].
pub fn transition(
    from: ApplicationStatus,
    to: ApplicationStatus,
) -> Result<ApplicationStatus, TransitionError> {
    if ALLOWED_TRANSITIONS.contains(&(from, to)) {
        Ok(to)
    } else {
        Err(TransitionError::NotAllowed { from, to })
    }
}

/// Checks a rejection reason and returns it trimmed. Line breaks and tabs are allowed.
pub fn check_rejection_reason(reason: &str) -> Result<&str, TransitionError> {
    let reason = reason.trim();
    let length = reason.chars().count();
    if length == 0 {
        return Err(TransitionError::ReasonMissing);
    }
    if reason
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TransitionError::ReasonControlChars);
    }
    if length < MIN_REASON_CHARS {
        return Err(TransitionError::ReasonTooShort {
            length,
            min: MIN_REASON_CHARS,
        });
    }
    if length > MAX_REASON_CHARS {
        return Err(TransitionError::ReasonTooLong {
            length,
            max: MAX_REASON_CHARS,
        });
    }
    Ok(reason)
}

/// Applies a decision. Only a `Submitted` application can be decided; a rejection needs a
/// reason (see [`check_rejection_reason`]; store the trimmed reason it returns).
pub fn decide(
    current: ApplicationStatus,
    d: &Decision,
) -> Result<ApplicationStatus, TransitionError> {
    match d {
        Decision::Approve => transition(current, ApplicationStatus::Approved),
        Decision::Reject { reason } => {
            let to = transition(current, ApplicationStatus::Rejected)?;
            check_rejection_reason(reason)?;
            Ok(to)
        }
    }
}

/// `Approved → Issued`, once the certificate is on the token.
pub fn mark_issued(current: ApplicationStatus) -> Result<ApplicationStatus, TransitionError> {
    transition(current, ApplicationStatus::Issued)
}

/// The applicant withdraws (from `Submitted` or `Approved`).
pub fn withdraw(current: ApplicationStatus) -> Result<ApplicationStatus, TransitionError> {
    transition(current, ApplicationStatus::Withdrawn)
}
