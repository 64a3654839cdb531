//! Loads and checks firmware profiles (`firmware-profiles/*.toml`, schema in
//! `firmware-profiles/README.md`).
//!
//! Every error names the file, the key (`advisories[1].action`, `recognition.rules[0].atr`) and
//! what is wrong, and a check reports every error it finds rather than the first. The binary
//! carries an embedded copy of the repository's profiles ([`embedded_profiles`]) so it works
//! without the folder; [`check_dir`] is what `kustodi profiles check` runs.

use std::path::Path;
use std::str::FromStr;

use toml::{Table, Value};

use crate::domain::firmware::{
    AdminSecret, Advisory, AdvisoryAction, Algorithm, AlgorithmSelector, AlgorithmSupport,
    AtrError, AtrPattern, Attestation, AttestationKind, FactoryDefault, FirmwareEncoding,
    Interfaces, ManagementKeyAlgorithm, Message, PinCharset, PinPolicy, PinRules, Pkcs11Modules,
    Profile, ProfileSet, ProfileSetError, RangeError, Recognition, RecognitionRule, SecretKind,
    TextPattern, VersionRange,
};

/// The schema version this loader understands.
pub const SCHEMA_VERSION: i64 = 1;

/// The repository's profiles, compiled into the binary.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "feitian-epass2003.toml",
        include_str!("../../firmware-profiles/feitian-epass2003.toml"),
    ),
    (
        "generic-piv.toml",
        include_str!("../../firmware-profiles/generic-piv.toml"),
    ),
    (
        "generic-pkcs11.toml",
        include_str!("../../firmware-profiles/generic-pkcs11.toml"),
    ),
    (
        "nitrokey-3.toml",
        include_str!("../../firmware-profiles/nitrokey-3.toml"),
    ),
    (
        "safenet-etoken-5110.toml",
        include_str!("../../firmware-profiles/safenet-etoken-5110.toml"),
    ),
    (
        "softhsm2.toml",
        include_str!("../../firmware-profiles/softhsm2.toml"),
    ),
    (
        "yubikey-4.toml",
        include_str!("../../firmware-profiles/yubikey-4.toml"),
    ),
    (
        "yubikey-5-fips.toml",
        include_str!("../../firmware-profiles/yubikey-5-fips.toml"),
    ),
    (
        "yubikey-5.toml",
        include_str!("../../firmware-profiles/yubikey-5.toml"),
    ),
];

/// One problem in one profile file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {key}: {problem}")]
pub struct ProfileError {
    /// File name (or path) of the profile.
    pub file: String,
    /// Dotted key path (`advisories[0].action`), `line N` for syntax errors, or `(file)`.
    pub key: String,
    pub problem: Problem,
}

/// What is wrong at a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("cannot read: {0}")]
    Unreadable(String),
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("unknown key; allowed here: {allowed}")]
    UnknownKey { allowed: String },
    #[error("required key is missing")]
    Missing,
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("unknown value {value:?}; expected one of: {expected}")]
    UnknownValue { value: String, expected: String },
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error(transparent)]
    Atr(#[from] AtrError),
    #[error("must not be empty")]
    Empty,
    #[error("{0}")]
    Invalid(String),
}

/// One line of `kustodi profiles check` output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProfileSummary {
    pub file: String,
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub priority: i32,
    pub generic: bool,
    pub fallback: bool,
    pub advisories: Vec<String>,
}

impl ProfileSummary {
    fn of(file: &str, p: &Profile) -> Self {
        Self {
            file: file.to_owned(),
            id: p.id.clone(),
            name: p.name.clone(),
            vendor: p.vendor.clone(),
            priority: p.recognition.priority,
            generic: p.recognition.generic,
            fallback: p.recognition.fallback,
            advisories: p.advisories.iter().map(|a| a.id.clone()).collect(),
        }
    }
}

/// Reads and validates every `*.toml` in `dir`, including the checks across files (ids equal
/// file names, unique, exactly one fallback). Reports every error found.
pub fn check_dir(dir: &Path) -> Result<Vec<ProfileSummary>, Vec<ProfileError>> {
    let sources = read_dir_sources(dir)?;
    check_sources(&sources).map(|(_, summaries)| summaries)
}

/// Loads the profiles of `dir` for matching.
pub fn load_dir(dir: &Path) -> Result<ProfileSet, Vec<ProfileError>> {
    let sources = read_dir_sources(dir)?;
    check_sources(&sources).map(|(set, _)| set)
}

/// The profiles compiled into the binary.
pub fn embedded_profiles() -> Result<ProfileSet, Vec<ProfileError>> {
    let sources: Vec<(String, String)> = EMBEDDED
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect();
    check_sources(&sources).map(|(set, _)| set)
}

fn read_dir_sources(dir: &Path) -> Result<Vec<(String, String)>, Vec<ProfileError>> {
    let unreadable = |file: String, e: std::io::Error| ProfileError {
        file,
        key: "(file)".to_owned(),
        problem: Problem::Unreadable(e.to_string()),
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| vec![unreadable(dir.display().to_string(), e)])?;
    let mut paths = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
                    paths.push(path);
                }
            }
            Err(e) => errors.push(unreadable(dir.display().to_string(), e)),
        }
    }
    paths.sort();
    let mut sources = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.push((name, text)),
            Err(e) => errors.push(unreadable(name, e)),
        }
    }
    if sources.is_empty() && errors.is_empty() {
        errors.push(ProfileError {
            file: dir.display().to_string(),
            key: "(file)".to_owned(),
            problem: Problem::Invalid("no *.toml profile in this directory".to_owned()),
        });
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

/// Validates named profile texts (file name, TOML) as one set.
pub fn check_sources(
    sources: &[(String, String)],
) -> Result<(ProfileSet, Vec<ProfileSummary>), Vec<ProfileError>> {
    let mut errors = Vec::new();
    let mut profiles = Vec::new();
    let mut summaries = Vec::new();
    for (file, text) in sources {
        match parse_profile(file, text) {
            Ok(profile) => {
                let stem = file.strip_suffix(".toml").unwrap_or(file);
                if profile.id != stem {
                    errors.push(ProfileError {
                        file: file.clone(),
                        key: "id".to_owned(),
                        problem: Problem::Invalid(format!(
                            "id {:?} must equal the file name without .toml ({stem:?})",
                            profile.id
                        )),
                    });
                }
                summaries.push(ProfileSummary::of(file, &profile));
                profiles.push(profile);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let set = ProfileSet::new(profiles).map_err(|e| {
        let (file, key) = match &e {
            ProfileSetError::NoFallback => ("(all profiles)".to_owned(), "recognition.fallback"),
            ProfileSetError::SeveralFallbacks { ids } => (ids.join(", "), "recognition.fallback"),
            ProfileSetError::DuplicateId { id } => (id.clone(), "id"),
        };
        vec![ProfileError {
            file,
            key: key.to_owned(),
            problem: Problem::Invalid(e.to_string()),
        }]
    })?;
    Ok((set, summaries))
}

/// Parses and validates one profile file.
pub fn parse_profile(file: &str, text: &str) -> Result<Profile, Vec<ProfileError>> {
    let mut ctx = Ctx {
        file: file.to_owned(),
        errors: Vec::new(),
    };
    let table: Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let key = e.span().map_or_else(
                || "(file)".to_owned(),
                |span| format!("line {}", text[..span.start].matches('\n').count() + 1),
            );
            return Err(vec![ProfileError {
                file: file.to_owned(),
                key,
                problem: Problem::Syntax(e.message().trim().to_owned()),
            }]);
        }
    };
    let profile = profile_from(&mut ctx, Obj::root(&table));
    match profile {
        Some(p) if ctx.errors.is_empty() => Ok(p),
        _ => Err(ctx.errors),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading tables with key paths
// ---------------------------------------------------------------------------------------------

struct Ctx {
    file: String,
    errors: Vec<ProfileError>,
}

impl Ctx {
    fn err(&mut self, key: String, problem: Problem) {
        self.errors.push(ProfileError {
            file: self.file.clone(),
            key,
            problem,
        });
    }
}

#[derive(Clone, Copy)]
struct Obj<'a> {
    table: &'a Table,
    path: &'a str,
}

/// Owned path storage for nested objects (paths of array elements are built at run time).
struct Nested<'a> {
    table: &'a Table,
    path: String,
}

impl<'a> Nested<'a> {
    fn obj(&self) -> Obj<'_> {
        Obj {
            table: self.table,
            path: &self.path,
        }
    }
}

fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Obj<'a> {
    fn root(table: &'a Table) -> Self {
        Self { table, path: "" }
    }

    fn at(&self, key: &str) -> String {
        key_path(self.path, key)
    }

    fn allow(&self, ctx: &mut Ctx, allowed: &[&str]) {
        for key in self.table.keys() {
            if !allowed.contains(&key.as_str()) {
                ctx.err(
                    self.at(key),
                    Problem::UnknownKey {
                        allowed: allowed.join(", "),
                    },
                );
            }
        }
    }

    fn get(&self, ctx: &mut Ctx, key: &str, required: bool) -> Option<&'a Value> {
        let value = self.table.get(key);
        if value.is_none() && required {
            ctx.err(self.at(key), Problem::Missing);
        }
        value
    }

    fn wrong(&self, ctx: &mut Ctx, key: &str, expected: &'static str, found: &Value) {
        ctx.err(
            self.at(key),
            Problem::WrongType {
                expected,
                found: found.type_str(),
            },
        );
    }

    fn string(&self, ctx: &mut Ctx, key: &str, required: bool) -> Option<String> {
        match self.get(ctx, key, required)? {
            Value::String(s) if s.trim().is_empty() => {
                ctx.err(self.at(key), Problem::Empty);
                None
            }
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong(ctx, key, "a string", other);
                None
            }
        }
    }

    fn boolean(&self, ctx: &mut Ctx, key: &str) -> Option<bool> {
        match self.get(ctx, key, false)? {
            Value::Boolean(b) => Some(*b),
            other => {
                self.wrong(ctx, key, "true or false", other);
                None
            }
        }
    }

    fn integer(&self, ctx: &mut Ctx, key: &str, required: bool) -> Option<i64> {
        match self.get(ctx, key, required)? {
            Value::Integer(i) => Some(*i),
            other => {
                self.wrong(ctx, key, "an integer", other);
                None
            }
        }
    }

    /// An array of non-empty strings; `required` also requires it to be non-empty.
    fn strings(&self, ctx: &mut Ctx, key: &str, required: bool) -> Option<Vec<String>> {
        let items = match self.get(ctx, key, required)? {
            Value::Array(items) => items,
            other => {
                self.wrong(ctx, key, "an array of strings", other);
                return None;
            }
        };
        if required && items.is_empty() {
            ctx.err(self.at(key), Problem::Empty);
            return None;
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
                Value::String(_) => ctx.err(format!("{}[{i}]", self.at(key)), Problem::Empty),
                other => ctx.err(
                    format!("{}[{i}]", self.at(key)),
                    Problem::WrongType {
                        expected: "a string",
                        found: other.type_str(),
                    },
                ),
            }
        }
        Some(out)
    }

    fn table(&self, ctx: &mut Ctx, key: &str, required: bool) -> Option<Nested<'a>> {
        match self.get(ctx, key, required)? {
            Value::Table(t) => Some(Nested {
                table: t,
                path: self.at(key),
            }),
            other => {
                self.wrong(ctx, key, "a table", other);
                None
            }
        }
    }

    fn tables(&self, ctx: &mut Ctx, key: &str, required: bool) -> Vec<Nested<'a>> {
        let Some(value) = self.get(ctx, key, required) else {
            return Vec::new();
        };
        let Value::Array(items) = value else {
            self.wrong(ctx, key, "an array of tables ([[...]])", value);
            return Vec::new();
        };
        if required && items.is_empty() {
            ctx.err(self.at(key), Problem::Empty);
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", self.at(key));
            match item {
                Value::Table(t) => out.push(Nested { table: t, path }),
                other => ctx.err(
                    path,
                    Problem::WrongType {
                        expected: "a table",
                        found: other.type_str(),
                    },
                ),
            }
        }
        out
    }

    /// A string that must be one of `names` and parses into `T`.
    fn choice<T: FromStr>(
        &self,
        ctx: &mut Ctx,
        key: &str,
        required: bool,
        names: &[&str],
    ) -> Option<T> {
        let s = self.string(ctx, key, required)?;
        let parsed = s.parse::<T>().ok();
        if parsed.is_none() {
            ctx.err(
                self.at(key),
                Problem::UnknownValue {
                    value: s,
                    expected: names.join(", "),
                },
            );
        }
        parsed
    }

    /// A version range string; missing means every version (`"*"`).
    fn range(&self, ctx: &mut Ctx, key: &str) -> Option<VersionRange> {
        if !self.table.contains_key(key) {
            return Some(VersionRange::ANY);
        }
        let s = self.string(ctx, key, false)?;
        s.parse::<VersionRange>()
            .map_err(|e| ctx.err(self.at(key), Problem::Range(e)))
            .ok()
    }
}

fn algorithm_names() -> String {
    Algorithm::ALL
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// The schema
// ---------------------------------------------------------------------------------------------

const TOP_KEYS: &[&str] = &[
    "schema_version",
    "id",
    "name",
    "vendor",
    "notes",
    "sources",
    "recognition",
    "interfaces",
    "algorithms",
    "pin",
    "attestation",
    "admin_secrets",
    "advisories",
];

fn profile_from(ctx: &mut Ctx, root: Obj<'_>) -> Option<Profile> {
    root.allow(ctx, TOP_KEYS);
    if let Some(version) = root.integer(ctx, "schema_version", true)
        && version != SCHEMA_VERSION
    {
        ctx.err(
            "schema_version".to_owned(),
            Problem::Invalid(format!(
                "this Kustodi reads schema_version {SCHEMA_VERSION}, not {version}"
            )),
        );
    }
    let id = root.string(ctx, "id", true);
    if let Some(id) = &id
        && !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        ctx.err(
            "id".to_owned(),
            Problem::Invalid(format!(
                "id {id:?} may contain only lowercase letters, digits and '-'"
            )),
        );
    }
    let name = root.string(ctx, "name", true);
    let vendor = root.string(ctx, "vendor", true);
    let notes = root.string(ctx, "notes", false);
    let sources = root.strings(ctx, "sources", false).unwrap_or_default();
    let recognition = root
        .table(ctx, "recognition", true)
        .and_then(|t| recognition_from(ctx, t.obj()));
    let interfaces = root
        .table(ctx, "interfaces", true)
        .and_then(|t| interfaces_from(ctx, t.obj()));
    let algorithms = algorithms_from(ctx, root);
    let pin = root
        .table(ctx, "pin", true)
        .and_then(|t| pin_from(ctx, t.obj()));
    let attestation = match root.table(ctx, "attestation", false) {
        Some(t) => attestation_from(ctx, t.obj()),
        None => Some(Attestation {
            kind: AttestationKind::None,
            firmware: VersionRange::ANY,
        }),
    };
    let admin_secrets = root
        .tables(ctx, "admin_secrets", false)
        .iter()
        .filter_map(|t| admin_secret_from(ctx, t.obj()))
        .collect();
    let advisories = advisories_from(ctx, root);
    Some(Profile {
        id: id?,
        name: name?,
        vendor: vendor?,
        notes,
        sources,
        recognition: recognition?,
        interfaces: interfaces?,
        algorithms,
        pin: pin?,
        attestation: attestation?,
        admin_secrets,
        advisories,
    })
}

fn recognition_from(ctx: &mut Ctx, t: Obj<'_>) -> Option<Recognition> {
    t.allow(ctx, &["priority", "generic", "fallback", "rules"]);
    let priority = match t.integer(ctx, "priority", true) {
        Some(p) => match i32::try_from(p) {
            Ok(p) => Some(p),
            Err(_) => {
                ctx.err(
                    t.at("priority"),
                    Problem::Invalid(format!("priority {p} is out of range")),
                );
                None
            }
        },
        None => None,
    };
    let generic = t.boolean(ctx, "generic").unwrap_or(false);
    let fallback = t.boolean(ctx, "fallback").unwrap_or(false);
    let rule_tables = t.tables(ctx, "rules", !fallback);
    let rules: Vec<RecognitionRule> = rule_tables
        .iter()
        .filter_map(|r| rule_from(ctx, r.obj()))
        .collect();
    if fallback && !generic {
        ctx.err(
            t.at("generic"),
            Problem::Invalid("a fallback profile must also be `generic = true`".to_owned()),
        );
    }
    Some(Recognition {
        priority: priority?,
        generic,
        fallback,
        rules,
    })
}

fn rule_from(ctx: &mut Ctx, t: Obj<'_>) -> Option<RecognitionRule> {
    t.allow(
        ctx,
        &[
            "manufacturer",
            "model",
            "label",
            "reader",
            "atr",
            "atr_mask",
            "firmware",
            "pkcs11_firmware",
        ],
    );
    let pattern =
        |ctx: &mut Ctx, key: &str| t.string(ctx, key, false).map(|s| TextPattern::new(&s));
    let manufacturer = pattern(ctx, "manufacturer");
    let model = pattern(ctx, "model");
    let label = pattern(ctx, "label");
    let reader = pattern(ctx, "reader");
    let atr_value = t.string(ctx, "atr", false);
    let atr_mask = t.string(ctx, "atr_mask", false);
    let atr = match (&atr_value, &atr_mask) {
        (Some(value), mask) => AtrPattern::parse(value, mask.as_deref())
            .map_err(|e| {
                let key = match e {
                    AtrError::NotHex {
                        what: "ATR mask", ..
                    } => "atr_mask",
                    _ => "atr",
                };
                ctx.err(t.at(key), Problem::Atr(e));
            })
            .ok(),
        (None, Some(_)) => {
            ctx.err(
                t.at("atr_mask"),
                Problem::Invalid("atr_mask without atr".to_owned()),
            );
            None
        }
        (None, None) => None,
    };
    let firmware = if t.table.contains_key("firmware") {
        Some(t.range(ctx, "firmware")?)
    } else {
        None
    };
    let pkcs11_firmware = if t.table.contains_key("pkcs11_firmware") {
        t.choice(ctx, "pkcs11_firmware", false, FirmwareEncoding::NAMES)?
    } else {
        FirmwareEncoding::default()
    };
    let rule = RecognitionRule {
        manufacturer,
        model,
        label,
        reader,
        atr,
        firmware,
        pkcs11_firmware,
    };
    if rule.identity_patterns() == 0 && atr_value.is_none() {
        ctx.err(
            t.path.to_owned(),
            Problem::Invalid(
                "a rule needs at least one of manufacturer, model, label, reader, atr".to_owned(),
            ),
        );
    }
    Some(rule)
}

fn interfaces_from(ctx: &mut Ctx, t: Obj<'_>) -> Option<Interfaces> {
    t.allow(ctx, &["pkcs11", "piv"]);
    let pkcs11 = t.table(ctx, "pkcs11", false).map(|m| {
        let m = m.obj();
        m.allow(ctx, &["linux", "windows", "macos"]);
        let modules = Pkcs11Modules {
            linux: m.strings(ctx, "linux", false).unwrap_or_default(),
            windows: m.strings(ctx, "windows", false).unwrap_or_default(),
            macos: m.strings(ctx, "macos", false).unwrap_or_default(),
        };
        if modules.linux.is_empty() && modules.windows.is_empty() && modules.macos.is_empty() {
            ctx.err(m.path.to_owned(), Problem::Empty);
        }
        modules
    });
    let piv = t.boolean(ctx, "piv").unwrap_or(false);
    if pkcs11.is_none() && !piv {
        ctx.err(
            t.path.to_owned(),
            Problem::Invalid("needs a pkcs11 module table or `piv = true`".to_owned()),
        );
    }
    Some(Interfaces { pkcs11, piv })
}

fn algorithms_from(ctx: &mut Ctx, root: Obj<'_>) -> Vec<AlgorithmSupport> {
    let mut out = Vec::new();
    for block in root.tables(ctx, "algorithms", true) {
        let b = block.obj();
        b.allow(ctx, &["firmware", "supported"]);
        let firmware = b.range(ctx, "firmware");
        let names = b.strings(ctx, "supported", true).unwrap_or_default();
        let mut supported = Vec::new();
        for (i, name) in names.iter().enumerate() {
            match name.parse::<Algorithm>() {
                Ok(a) => supported.push(a),
                Err(_) => ctx.err(
                    format!("{}[{i}]", b.at("supported")),
                    Problem::UnknownValue {
                        value: name.clone(),
                        expected: algorithm_names(),
                    },
                ),
            }
        }
        if let Some(firmware) = firmware {
            out.push(AlgorithmSupport {
                firmware,
                supported,
            });
        }
    }
    out
}

fn pin_policy_from(ctx: &mut Ctx, t: Obj<'_>) -> Option<PinPolicy> {
    t.allow(ctx, &["min_length", "max_length", "charset"]);
    let min = t.integer(ctx, "min_length", true);
    let max = t.integer(ctx, "max_length", true);
    let charset = t.choice::<PinCharset>(ctx, "charset", true, PinCharset::NAMES);
    let (min, max) = (min?, max?);
    if !(1..=255).contains(&min) || !(1..=255).contains(&max) || min > max {
        ctx.err(
            t.path.to_owned(),
            Problem::Invalid(format!(
                "need 1 <= min_length <= max_length <= 255, found {min}..{max}"
            )),
        );
        return None;
    }
    Some(PinPolicy {
        min_length: u32::try_from(min).ok()?,
        max_length: u32::try_from(max).ok()?,
        charset: charset?,
    })
}

fn pin_from(ctx: &mut Ctx, t: Obj<'_>) -> Option<PinRules> {
    t.allow(
        ctx,
        &[
            "user",
            "puk",
            "so_pin",
            "pinpad_digits_only",
            "factory_defaults",
        ],
    );
    let user = t
        .table(ctx, "user", true)
        .and_then(|p| pin_policy_from(ctx, p.obj()));
    let puk = t
        .table(ctx, "puk", false)
        .and_then(|p| pin_policy_from(ctx, p.obj()));
    let so_pin = t
        .table(ctx, "so_pin", false)
        .and_then(|p| pin_policy_from(ctx, p.obj()));
    let pinpad_digits_only = t.boolean(ctx, "pinpad_digits_only").unwrap_or(false);
    let mut factory_defaults = Vec::new();
    for d in t.tables(ctx, "factory_defaults", false) {
        let d = d.obj();
        d.allow(ctx, &["secret", "name", "public_value"]);
        let secret = d.choice::<SecretKind>(ctx, "secret", true, SecretKind::NAMES);
        let name = d.string(ctx, "name", true);
        let public_value = d.string(ctx, "public_value", false);
        if let (Some(secret), Some(name)) = (secret, name) {
            factory_defaults.push(FactoryDefault {
                secret,
                name,
                public_value,
            });
        }
    }
    Some(PinRules {
        user: user?,
        puk,
        so_pin,
        pinpad_digits_only,
        factory_defaults,
    })
}

fn attestation_from(ctx: &mut Ctx, t: Obj<'_>) -> Option<Attestation> {
    t.allow(ctx, &["kind", "firmware"]);
    let kind = t.choice::<AttestationKind>(ctx, "kind", true, AttestationKind::NAMES);
    let firmware = t.range(ctx, "firmware");
    Some(Attestation {
        kind: kind?,
        firmware: firmware?,
    })
}

fn admin_secret_from(ctx: &mut Ctx, t: Obj<'_>) -> Option<AdminSecret> {
    t.allow(ctx, &["kind", "algorithms", "firmware"]);
    const KINDS: &[&str] = &["so_pin", "puk", "management_key"];
    let kind = t.choice::<SecretKind>(ctx, "kind", true, KINDS);
    if kind == Some(SecretKind::UserPin) {
        ctx.err(
            t.at("kind"),
            Problem::UnknownValue {
                value: "user_pin".to_owned(),
                expected: KINDS.join(", "),
            },
        );
        return None;
    }
    let firmware = t.range(ctx, "firmware");
    let mut algorithms = Vec::new();
    let is_key = kind == Some(SecretKind::ManagementKey);
    match (is_key, t.table.contains_key("algorithms")) {
        (true, _) => {
            for (i, name) in t
                .strings(ctx, "algorithms", true)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                match name.parse::<ManagementKeyAlgorithm>() {
                    Ok(a) => algorithms.push(a),
                    Err(()) => ctx.err(
                        format!("{}[{i}]", t.at("algorithms")),
                        Problem::UnknownValue {
                            value: name.clone(),
                            expected: ManagementKeyAlgorithm::NAMES.join(", "),
                        },
                    ),
                }
            }
        }
        (false, true) => ctx.err(
            t.at("algorithms"),
            Problem::Invalid("only a management_key has algorithms".to_owned()),
        ),
        (false, false) => {}
    }
    Some(AdminSecret {
        kind: kind?,
        algorithms,
        firmware: firmware?,
    })
}

fn advisories_from(ctx: &mut Ctx, root: Obj<'_>) -> Vec<Advisory> {
    let mut out: Vec<Advisory> = Vec::new();
    for a in root.tables(ctx, "advisories", false) {
        let a = a.obj();
        a.allow(
            ctx,
            &[
                "id",
                "aliases",
                "title",
                "url",
                "firmware",
                "action",
                "algorithms",
                "message",
            ],
        );
        let id = a.string(ctx, "id", true);
        let aliases = a.strings(ctx, "aliases", false).unwrap_or_default();
        let title = a.string(ctx, "title", true);
        let url = a.string(ctx, "url", true);
        if let Some(url) = &url
            && !url.starts_with("https://")
        {
            ctx.err(
                a.at("url"),
                Problem::Invalid(format!("url {url:?} must start with https://")),
            );
        }
        let mut affected = Vec::new();
        for (i, text) in a
            .strings(ctx, "firmware", true)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            match text.parse::<VersionRange>() {
                Ok(r) => affected.push(r),
                Err(e) => ctx.err(format!("{}[{i}]", a.at("firmware")), Problem::Range(e)),
            }
        }
        let action = a.choice::<AdvisoryAction>(ctx, "action", true, AdvisoryAction::NAMES);
        let mut algorithms = Vec::new();
        for (i, name) in a
            .strings(ctx, "algorithms", true)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            match name.parse::<AlgorithmSelector>() {
                Ok(s) => algorithms.push(s),
                Err(_) => ctx.err(
                    format!("{}[{i}]", a.at("algorithms")),
                    Problem::UnknownValue {
                        value: name.clone(),
                        expected: format!("rsa, ecdsa, eddsa, {}", algorithm_names()),
                    },
                ),
            }
        }
        let message = a.table(ctx, "message", true).and_then(|m| {
            let m = m.obj();
            m.allow(ctx, &["id", "en"]);
            let id = m.string(ctx, "id", true);
            let en = m.string(ctx, "en", true);
            Some(Message { id: id?, en: en? })
        });
        if let Some(id) = &id
            && out.iter().any(|o| &o.id == id)
        {
            ctx.err(
                a.at("id"),
                Problem::Invalid(format!("advisory {id:?} appears twice")),
            );
        }
        if let (Some(id), Some(title), Some(url), Some(action), Some(message)) =
            (id, title, url, action, message)
            && !affected.is_empty()
            && !algorithms.is_empty()
        {
            out.push(Advisory {
                id,
                aliases,
                title,
                url,
                affected,
                action,
                algorithms,
                message,
            });
        }
    }
    out
}
