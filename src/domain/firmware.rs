//! Firmware profiles of token models: the schema types, model matching and advisory evaluation.
//!
//! Pure code: no I/O. Every quirk of a token model (how it names itself, which algorithms a
//! firmware range supports, which published advisories affect it) is data, loaded from
//! `firmware-profiles/*.toml` by [`crate::token::profiles`]; nothing here knows a model by name.
//!
//! The flow is:
//! 1. the token adapter fills a [`TokenReport`] with what the token says about itself;
//! 2. [`ProfileSet::match_token`] picks the best [`Profile`] (highest `priority`, then the most
//!    specific rule; no match gives the fallback profile and [`MatchWarning::UnknownModel`]) and
//!    resolves the firmware version the way the matching rule says the module reports it;
//! 3. [`evaluate`] decides, for an on-chip key generation of one [`Algorithm`], whether the station
//!    may go ahead: [`Verdict::Allowed`], [`Verdict::AllowedWithWarnings`] or [`Verdict::Refused`].

use std::fmt;
use std::str::FromStr;

// ---------------------------------------------------------------------------------------------
// Versions and ranges
// ---------------------------------------------------------------------------------------------

/// A firmware version `major.minor.patch`, compared numerically component by component
/// (`4.3.4 < 4.3.5`, `5.4.3 < 5.7.0`, `4.10.0 > 4.9.9`). A missing patch reads as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FirmwareVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl FirmwareVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for FirmwareVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a version string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("version {text:?} must be `major.minor` or `major.minor.patch`")]
    Shape { text: String },
    #[error(
        "version {text:?}: component {component:?} is not a decimal number without sign or leading zero"
    )]
    Component { text: String, component: String },
}

impl FromStr for FirmwareVersion {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(VersionError::Shape {
                text: text.to_owned(),
            });
        }
        let mut numbers = [0u32; 3];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            let well_formed = !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit())
                && !(part.len() > 1 && part.starts_with('0'));
            *slot = well_formed
                .then(|| part.parse::<u32>().ok())
                .flatten()
                .ok_or_else(|| VersionError::Component {
                    text: text.to_owned(),
                    component: (*part).to_owned(),
                })?;
        }
        Ok(Self::new(numbers[0], numbers[1], numbers[2]))
    }
}

/// One end of a [`VersionRange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Inclusive(FirmwareVersion),
    Exclusive(FirmwareVersion),
}

/// A set of firmware versions between an optional lower and an optional upper bound.
///
/// Written as comma-separated comparisons: `">=4.2.6, <=4.3.4"`, `"<5.7.0"`, `"=4.4.2"`, or `"*"`
/// for every version. Each side may be bounded once; an empty range is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRange {
    lower: Option<Bound>,
    upper: Option<Bound>,
}

/// Why a version range was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("version range is empty text (write \"*\" for every version)")]
    Blank,
    #[error("version range term {term:?} must start with one of >=, >, <=, <, =")]
    Operator { term: String },
    #[error("version range term {term:?}: {source}")]
    Version { term: String, source: VersionError },
    #[error("version range {text:?} bounds the {side} side twice")]
    DuplicateBound { text: String, side: &'static str },
    #[error("version range {text:?} contains no version (lower bound above upper bound)")]
    Empty { text: String },
}

impl VersionRange {
    /// Every version.
    pub const ANY: Self = Self {
        lower: None,
        upper: None,
    };

    /// `[from, through]`, both inclusive.
    pub fn inclusive(from: FirmwareVersion, through: FirmwareVersion) -> Self {
        Self {
            lower: Some(Bound::Inclusive(from)),
            upper: Some(Bound::Inclusive(through)),
        }
    }

    /// Whether `version` lies in the range.
    pub fn contains(&self, version: FirmwareVersion) -> bool {
        let above = match self.lower {
            None => true,
            Some(Bound::Inclusive(v)) => version >= v,
            Some(Bound::Exclusive(v)) => version > v,
        };
        let below = match self.upper {
            None => true,
            Some(Bound::Inclusive(v)) => version <= v,
            Some(Bound::Exclusive(v)) => version < v,
        };
        above && below
    }

    /// True for `"*"`: the range does not depend on the firmware at all.
    pub fn is_unbounded(&self) -> bool {
        self.lower.is_none() && self.upper.is_none()
    }

    fn is_empty(&self) -> bool {
        match (self.lower, self.upper) {
            (Some(lo), Some(hi)) => {
                let (l, l_incl) = match lo {
                    Bound::Inclusive(v) => (v, true),
                    Bound::Exclusive(v) => (v, false),
                };
                let (h, h_incl) = match hi {
                    Bound::Inclusive(v) => (v, true),
                    Bound::Exclusive(v) => (v, false),
                };
                l > h || (l == h && !(l_incl && h_incl))
            }
            _ => false,
        }
    }
}

impl FromStr for VersionRange {
    type Err = RangeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(RangeError::Blank);
        }
        if trimmed == "*" {
            return Ok(Self::ANY);
        }
        let mut range = Self::ANY;
        for raw_term in trimmed.split(',') {
            let term = raw_term.trim();
            let (op, rest) = [">=", "<=", ">", "<", "="]
                .iter()
                .find_map(|op| term.strip_prefix(op).map(|rest| (*op, rest.trim())))
                .ok_or_else(|| RangeError::Operator {
                    term: term.to_owned(),
                })?;
            let version: FirmwareVersion = rest.parse().map_err(|source| RangeError::Version {
                term: term.to_owned(),
                source,
            })?;
            let (lower, upper) = match op {
                ">=" => (Some(Bound::Inclusive(version)), None),
                ">" => (Some(Bound::Exclusive(version)), None),
                "<=" => (None, Some(Bound::Inclusive(version))),
                "<" => (None, Some(Bound::Exclusive(version))),
                _ => (
                    Some(Bound::Inclusive(version)),
                    Some(Bound::Inclusive(version)),
                ),
            };
            for (new, slot, side) in [
                (lower, &mut range.lower, "lower"),
                (upper, &mut range.upper, "upper"),
            ] {
                if let Some(bound) = new {
                    if slot.is_some() {
                        return Err(RangeError::DuplicateBound {
                            text: text.to_owned(),
                            side,
                        });
                    }
                    *slot = Some(bound);
                }
            }
        }
        if range.is_empty() {
            return Err(RangeError::Empty {
                text: text.to_owned(),
            });
        }
        Ok(range)
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unbounded() {
            return f.write_str("*");
        }
        if let (Some(Bound::Inclusive(l)), Some(Bound::Inclusive(h))) = (self.lower, self.upper)
            && l == h
        {
            return write!(f, "={l}");
        }
        let mut parts = Vec::new();
        match self.lower {
            Some(Bound::Inclusive(v)) => parts.push(format!(">={v}")),
            Some(Bound::Exclusive(v)) => parts.push(format!(">{v}")),
            None => {}
        }
        match self.upper {
            Some(Bound::Inclusive(v)) => parts.push(format!("<={v}")),
            Some(Bound::Exclusive(v)) => parts.push(format!("<{v}")),
            None => {}
        }
        f.write_str(&parts.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// Algorithms
// ---------------------------------------------------------------------------------------------

/// A key type the station may ask a token to generate on chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    Rsa1024,
    Rsa2048,
    Rsa3072,
    Rsa4096,
    P256,
    P384,
    P521,
    Ed25519,
    X25519,
}

/// A family of algorithms, for advisories that concern a whole family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlgorithmFamily {
    /// Every RSA key size.
    Rsa,
    /// Every NIST curve (P-256, P-384, P-521), used for ECDSA.
    Ecdsa,
    /// Ed25519.
    Eddsa,
}

impl Algorithm {
    pub const ALL: [Algorithm; 9] = [
        Algorithm::Rsa1024,
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
        Algorithm::P256,
        Algorithm::P384,
        Algorithm::P521,
        Algorithm::Ed25519,
        Algorithm::X25519,
    ];

    /// The name used in profile files.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rsa1024 => "rsa1024",
            Algorithm::Rsa2048 => "rsa2048",
            Algorithm::Rsa3072 => "rsa3072",
            Algorithm::Rsa4096 => "rsa4096",
            Algorithm::P256 => "p256",
            Algorithm::P384 => "p384",
            Algorithm::P521 => "p521",
            Algorithm::Ed25519 => "ed25519",
            Algorithm::X25519 => "x25519",
        }
    }

    /// The family, if the algorithm belongs to one.
    pub fn family(self) -> Option<AlgorithmFamily> {
        match self {
            Algorithm::Rsa1024 | Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
                Some(AlgorithmFamily::Rsa)
            }
            Algorithm::P256 | Algorithm::P384 | Algorithm::P521 => Some(AlgorithmFamily::Ecdsa),
            Algorithm::Ed25519 => Some(AlgorithmFamily::Eddsa),
            Algorithm::X25519 => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown algorithm name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown algorithm {0:?}")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAlgorithm(s.to_owned()))
    }
}

/// What an advisory's `algorithms` entry names: one algorithm or a whole family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlgorithmSelector {
    Exact(Algorithm),
    Family(AlgorithmFamily),
}

impl AlgorithmSelector {
    pub fn matches(self, algorithm: Algorithm) -> bool {
        match self {
            AlgorithmSelector::Exact(a) => a == algorithm,
            AlgorithmSelector::Family(f) => algorithm.family() == Some(f),
        }
    }
}

impl FromStr for AlgorithmSelector {
    type Err = UnknownAlgorithm;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rsa" => Ok(Self::Family(AlgorithmFamily::Rsa)),
            "ecdsa" => Ok(Self::Family(AlgorithmFamily::Ecdsa)),
            "eddsa" => Ok(Self::Family(AlgorithmFamily::Eddsa)),
            other => other.parse().map(Self::Exact),
        }
    }
}

impl fmt::Display for AlgorithmSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlgorithmSelector::Exact(a) => a.fmt(f),
            AlgorithmSelector::Family(AlgorithmFamily::Rsa) => f.write_str("rsa"),
            AlgorithmSelector::Family(AlgorithmFamily::Ecdsa) => f.write_str("ecdsa"),
            AlgorithmSelector::Family(AlgorithmFamily::Eddsa) => f.write_str("eddsa"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Recognition
// ---------------------------------------------------------------------------------------------

/// A glob over a text the token reports: `*` any run of characters, `?` one character.
/// Comparison ignores ASCII case and the space/NUL padding of `CK_TOKEN_INFO` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPattern(String);

impl TextPattern {
    pub fn new(pattern: &str) -> Self {
        Self(pattern.trim().to_ascii_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, text: &str) -> bool {
        let text = text
            .trim_matches(|c: char| c == ' ' || c == '\0')
            .to_ascii_lowercase();
        glob(
            &self.0.chars().collect::<Vec<_>>(),
            &text.chars().collect::<Vec<_>>(),
        )
    }
}

fn glob(pattern: &[char], text: &[char]) -> bool {
    // Iterative matcher with single-star backtracking: linear in practice, no recursion.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// An ATR pattern: the card's ATR matches when it has the same length and agrees with `value`
/// on every bit set in `mask`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtrPattern {
    value: Vec<u8>,
    mask: Vec<u8>,
}

/// Why an ATR pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtrError {
    #[error(
        "{what} {text:?} is not hex bytes (pairs of hex digits, optionally separated by ':' or ' ')"
    )]
    NotHex { what: &'static str, text: String },
    #[error("ATR value has {value} bytes but its mask has {mask}")]
    LengthMismatch { value: usize, mask: usize },
}

impl AtrPattern {
    /// `value` and optional `mask` as hex (`"3B:F8:13"`, `"3bf813"`); no mask means all bits.
    pub fn parse(value: &str, mask: Option<&str>) -> Result<Self, AtrError> {
        let value_bytes = parse_hex("ATR value", value)?;
        let mask_bytes = match mask {
            Some(m) => parse_hex("ATR mask", m)?,
            None => vec![0xff; value_bytes.len()],
        };
        if value_bytes.len() != mask_bytes.len() {
            return Err(AtrError::LengthMismatch {
                value: value_bytes.len(),
                mask: mask_bytes.len(),
            });
        }
        Ok(Self {
            value: value_bytes,
            mask: mask_bytes,
        })
    }

    pub fn matches(&self, atr: &[u8]) -> bool {
        atr.len() == self.value.len()
            && atr
                .iter()
                .zip(&self.value)
                .zip(&self.mask)
                .all(|((a, v), m)| a & m == v & m)
    }
}

fn parse_hex(what: &'static str, text: &str) -> Result<Vec<u8>, AtrError> {
    let compact: String = text
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    match hex::decode(&compact) {
        Ok(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(AtrError::NotHex {
            what,
            text: text.to_owned(),
        }),
    }
}

/// How the PKCS#11 module of a rule reports the firmware in `CK_TOKEN_INFO.firmwareVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirmwareEncoding {
    /// `major.minor` as is; patch reads as 0 (SoftHSM `2.6` is 2.6.0).
    #[default]
    CkVersion,
    /// The minor byte packs minor and patch as `minor * 10 + patch` (Yubico's YKCS11 reports
    /// firmware 5.4.3 as `5.43`).
    CkVersionPackedPatch,
    /// The module does not report the token firmware (OpenSC's PIV emulation reports `0.0`);
    /// only a PIV version read from the card counts.
    NotReported,
}

impl FirmwareEncoding {
    pub const NAMES: &'static [&'static str] =
        &["ck-version", "ck-version-packed-patch", "not-reported"];
}

impl FromStr for FirmwareEncoding {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ck-version" => Ok(Self::CkVersion),
            "ck-version-packed-patch" => Ok(Self::CkVersionPackedPatch),
            "not-reported" => Ok(Self::NotReported),
            _ => Err(()),
        }
    }
}

/// One way of recognising the model: every pattern the rule sets must match what the token
/// reported (a field the token did not report does not match).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecognitionRule {
    pub manufacturer: Option<TextPattern>,
    pub model: Option<TextPattern>,
    pub label: Option<TextPattern>,
    pub reader: Option<TextPattern>,
    pub atr: Option<AtrPattern>,
    /// The firmware (or PIV applet version) must lie in this range.
    pub firmware: Option<VersionRange>,
    pub pkcs11_firmware: FirmwareEncoding,
}

impl RecognitionRule {
    /// Number of identity patterns (the rule is useless without one).
    pub fn identity_patterns(&self) -> usize {
        [
            self.manufacturer.is_some(),
            self.model.is_some(),
            self.label.is_some(),
            self.reader.is_some(),
            self.atr.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// The firmware version as this rule's module reports it.
    pub fn resolve_firmware(&self, report: &TokenReport) -> Option<FirmwareVersion> {
        if let Some(v) = report.piv_version {
            return Some(v);
        }
        let ck = report.pkcs11_firmware?;
        match self.pkcs11_firmware {
            FirmwareEncoding::CkVersion => {
                Some(FirmwareVersion::new(ck.major.into(), ck.minor.into(), 0))
            }
            FirmwareEncoding::CkVersionPackedPatch => Some(FirmwareVersion::new(
                ck.major.into(),
                u32::from(ck.minor / 10),
                u32::from(ck.minor % 10),
            )),
            FirmwareEncoding::NotReported => None,
        }
    }

    /// `Some(specificity)` when the rule matches the report.
    fn score(&self, report: &TokenReport) -> Option<usize> {
        let text = |pattern: &Option<TextPattern>, value: &Option<String>| match pattern {
            None => Some(0),
            Some(p) => value.as_deref().filter(|v| p.matches(v)).map(|_| 1),
        };
        let atr = match &self.atr {
            None => 0,
            Some(p) => report.atr.as_deref().filter(|a| p.matches(a)).map(|_| 1)?,
        };
        let firmware = match &self.firmware {
            None => 0,
            Some(range) => self
                .resolve_firmware(report)
                .filter(|v| range.contains(*v))
                .map(|_| 1)?,
        };
        Some(
            text(&self.manufacturer, &report.manufacturer)?
                + text(&self.model, &report.model)?
                + text(&self.label, &report.label)?
                + text(&self.reader, &report.reader)?
                + atr
                + firmware,
        )
    }
}

/// How a profile is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recognition {
    /// Higher wins among matching profiles.
    pub priority: i32,
    /// The profile describes a class of tokens (generic PIV, generic PKCS#11), not one model:
    /// matching it still warns that the model is unknown.
    pub generic: bool,
    /// The profile used when nothing matches. Exactly one profile of a set is the fallback.
    pub fallback: bool,
    /// Alternatives: the profile matches when any rule matches.
    pub rules: Vec<RecognitionRule>,
}

// ---------------------------------------------------------------------------------------------
// The rest of the profile
// ---------------------------------------------------------------------------------------------

/// PKCS#11 module paths per operating system, tried in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pkcs11Modules {
    pub linux: Vec<String>,
    pub windows: Vec<String>,
    pub macos: Vec<String>,
}

/// How the station talks to the token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interfaces {
    pub pkcs11: Option<Pkcs11Modules>,
    /// The token has a PIV application reachable over PC/SC.
    pub piv: bool,
}

/// Algorithms a firmware range can generate on chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmSupport {
    pub firmware: VersionRange,
    pub supported: Vec<Algorithm>,
}

/// Which characters a PIN may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCharset {
    Digits,
    Alnum,
    Any,
}

impl PinCharset {
    pub const NAMES: &'static [&'static str] = &["digits", "alnum", "any"];
}

impl FromStr for PinCharset {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "digits" => Ok(Self::Digits),
            "alnum" => Ok(Self::Alnum),
            "any" => Ok(Self::Any),
            _ => Err(()),
        }
    }
}

/// Length and charset rules of one PIN-like secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPolicy {
    pub min_length: u32,
    pub max_length: u32,
    pub charset: PinCharset,
}

/// Why a PIN breaks its policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinViolation {
    #[error("the PIN has {length} characters; this token needs {min} to {max}")]
    Length { length: usize, min: u32, max: u32 },
    #[error("the PIN may only contain {allowed}")]
    Charset { allowed: &'static str },
}

impl PinPolicy {
    /// Checks a candidate PIN against the policy (and the PIN-pad digit rule when entered on a
    /// PIN pad).
    pub fn check(&self, pin: &str, on_pinpad_digits_only: bool) -> Result<(), PinViolation> {
        let length = pin.chars().count();
        if length < self.min_length as usize || length > self.max_length as usize {
            return Err(PinViolation::Length {
                length,
                min: self.min_length,
                max: self.max_length,
            });
        }
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if on_pinpad_digits_only && !digits(pin) {
            return Err(PinViolation::Charset {
                allowed: "digits (PIN pad)",
            });
        }
        match self.charset {
            PinCharset::Digits if !digits(pin) => Err(PinViolation::Charset { allowed: "digits" }),
            PinCharset::Alnum if !pin.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Err(PinViolation::Charset {
                    allowed: "letters and digits",
                })
            }
            _ => Ok(()),
        }
    }
}

/// The secrets a token has besides the user PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    UserPin,
    Puk,
    SoPin,
    ManagementKey,
}

impl SecretKind {
    pub const NAMES: &'static [&'static str] = &["user_pin", "puk", "so_pin", "management_key"];
}

impl FromStr for SecretKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user_pin" => Ok(Self::UserPin),
            "puk" => Ok(Self::Puk),
            "so_pin" => Ok(Self::SoPin),
            "management_key" => Ok(Self::ManagementKey),
            _ => Err(()),
        }
    }
}

/// A factory default the token ships with. `public_value` is set only for defaults the vendor
/// publishes (PIV's 123456 / 12345678), so the station can detect an unchanged default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactoryDefault {
    pub secret: SecretKind,
    pub name: String,
    pub public_value: Option<String>,
}

/// PIN rules of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRules {
    pub user: PinPolicy,
    pub puk: Option<PinPolicy>,
    pub so_pin: Option<PinPolicy>,
    /// On a PIN-pad reader only digits can be entered.
    pub pinpad_digits_only: bool,
    pub factory_defaults: Vec<FactoryDefault>,
}

impl PinRules {
    /// Whether `value` is the published factory default of `secret` (an unchanged default).
    pub fn is_factory_default(&self, secret: SecretKind, value: &str) -> bool {
        self.factory_defaults
            .iter()
            .any(|d| d.secret == secret && d.public_value.as_deref() == Some(value))
    }
}

/// Attestation of on-chip key generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationKind {
    None,
    YubicoPiv,
}

impl AttestationKind {
    pub const NAMES: &'static [&'static str] = &["none", "yubico-piv"];
}

impl FromStr for AttestationKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "yubico-piv" => Ok(Self::YubicoPiv),
            _ => Err(()),
        }
    }
}

/// Attestation and the firmware range that has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attestation {
    pub kind: AttestationKind,
    pub firmware: VersionRange,
}

/// Algorithm of a PIV management key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagementKeyAlgorithm {
    TripleDes,
    Aes128,
    Aes192,
    Aes256,
}

impl ManagementKeyAlgorithm {
    pub const NAMES: &'static [&'static str] = &["3des", "aes128", "aes192", "aes256"];
}

impl FromStr for ManagementKeyAlgorithm {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "3des" => Ok(Self::TripleDes),
            "aes128" => Ok(Self::Aes128),
            "aes192" => Ok(Self::Aes192),
            "aes256" => Ok(Self::Aes256),
            _ => Err(()),
        }
    }
}

/// An administrative secret of the model (`so_pin`, `puk`, `management_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSecret {
    pub kind: SecretKind,
    /// Management keys only.
    pub algorithms: Vec<ManagementKeyAlgorithm>,
    pub firmware: VersionRange,
}

/// What the station does when an advisory applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvisoryAction {
    Refuse,
    Warn,
}

impl AdvisoryAction {
    pub const NAMES: &'static [&'static str] = &["refuse", "warn"];
}

impl FromStr for AdvisoryAction {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "refuse" => Ok(Self::Refuse),
            "warn" => Ok(Self::Warn),
            _ => Err(()),
        }
    }
}

/// Advisory text for the operator, in Indonesian and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub en: String,
}

/// A published security advisory affecting on-chip key generation on some firmware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub title: String,
    pub url: String,
    /// Affected firmware: the advisory applies when the firmware lies in any range.
    pub affected: Vec<VersionRange>,
    pub action: AdvisoryAction,
    pub algorithms: Vec<AlgorithmSelector>,
    pub message: Message,
}

impl Advisory {
    pub fn concerns(&self, algorithm: Algorithm) -> bool {
        self.algorithms.iter().any(|s| s.matches(algorithm))
    }

    pub fn affects(&self, firmware: FirmwareVersion) -> bool {
        self.affected.iter().any(|r| r.contains(firmware))
    }

    fn depends_on_firmware(&self) -> bool {
        self.affected.iter().any(|r| !r.is_unbounded())
    }
}

/// Everything the station knows about one token model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub notes: Option<String>,
    pub sources: Vec<String>,
    pub recognition: Recognition,
    pub interfaces: Interfaces,
    pub algorithms: Vec<AlgorithmSupport>,
    pub pin: PinRules,
    pub attestation: Attestation,
    pub admin_secrets: Vec<AdminSecret>,
    pub advisories: Vec<Advisory>,
}

impl Profile {
    /// Algorithms the firmware can generate. With unknown firmware only blocks valid for every
    /// firmware (`"*"`) count: the station does not assume a newer firmware than it can prove.
    pub fn supported_algorithms(&self, firmware: Option<FirmwareVersion>) -> Vec<Algorithm> {
        let mut out: Vec<Algorithm> = self
            .algorithms
            .iter()
            .filter(|block| match firmware {
                Some(v) => block.firmware.contains(v),
                None => block.firmware.is_unbounded(),
            })
            .flat_map(|block| block.supported.iter().copied())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether anything in the profile depends on knowing the firmware.
    pub fn depends_on_firmware(&self) -> bool {
        self.algorithms.iter().any(|b| !b.firmware.is_unbounded())
            || self.advisories.iter().any(Advisory::depends_on_firmware)
            || self
                .admin_secrets
                .iter()
                .any(|s| !s.firmware.is_unbounded())
    }
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/// A PKCS#11 `CK_VERSION` as the module reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CkVersion {
    pub major: u8,
    pub minor: u8,
}

/// What a token says about itself: PKCS#11 `CK_TOKEN_INFO` fields and/or PC/SC data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenReport {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub label: Option<String>,
    /// PC/SC reader name, or the PKCS#11 slot description (OpenSC uses the reader name).
    pub reader: Option<String>,
    pub atr: Option<Vec<u8>>,
    pub pkcs11_firmware: Option<CkVersion>,
    /// Version reported by the PIV application (YubiKey: the firmware version).
    pub piv_version: Option<FirmwareVersion>,
}

impl TokenReport {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("manufacturer", &self.manufacturer),
            ("model", &self.model),
            ("label", &self.label),
            ("reader", &self.reader),
        ] {
            if let Some(v) = value {
                parts.push(format!(
                    "{name} {:?}",
                    v.trim_matches(|c| c == ' ' || c == '\0')
                ));
            }
        }
        if let Some(atr) = &self.atr {
            parts.push(format!("ATR {}", hex::encode_upper(atr)));
        }
        if parts.is_empty() {
            "nothing reported".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A reason for caution found while matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchWarning {
    /// No specific profile matched: the token gets the fallback (generic) profile.
    UnknownModel { reported: String },
    /// Only a generic profile (e.g. generic PIV) matched: the exact model is unknown.
    GenericModel { profile_id: String },
    /// The firmware could not be determined; firmware-dependent advisories apply conservatively.
    FirmwareUnknown { profile_id: String },
}

impl fmt::Display for MatchWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchWarning::UnknownModel { reported } => {
                write!(
                    f,
                    "unknown token model ({reported}); using the generic profile"
                )
            }
            MatchWarning::GenericModel { profile_id } => write!(
                f,
                "token model recognised only by the generic profile {profile_id}"
            ),
            MatchWarning::FirmwareUnknown { profile_id } => write!(
                f,
                "firmware version of the {profile_id} token is unknown; advisories apply as if affected"
            ),
        }
    }
}

/// The chosen profile, the firmware as resolved by the matching rule, and warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileMatch<'a> {
    pub profile: &'a Profile,
    pub firmware: Option<FirmwareVersion>,
    pub warnings: Vec<MatchWarning>,
}

/// Why a set of profiles cannot be used for matching.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileSetError {
    #[error("no profile is marked `fallback = true`; unknown tokens would have no profile")]
    NoFallback,
    #[error("more than one fallback profile: {ids:?}")]
    SeveralFallbacks { ids: Vec<String> },
    #[error("profile id {id:?} is used more than once")]
    DuplicateId { id: String },
}

/// A validated set of profiles with exactly one fallback.
#[derive(Debug, Clone)]
pub struct ProfileSet {
    profiles: Vec<Profile>,
    fallback: usize,
}

impl ProfileSet {
    pub fn new(profiles: Vec<Profile>) -> Result<Self, ProfileSetError> {
        let mut ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(ProfileSetError::DuplicateId {
                id: w[0].to_owned(),
            });
        }
        let fallbacks: Vec<usize> = profiles
            .iter()
            .enumerate()
            .filter(|(_, p)| p.recognition.fallback)
            .map(|(i, _)| i)
            .collect();
        match fallbacks.as_slice() {
            [] => Err(ProfileSetError::NoFallback),
            [one] => Ok(Self {
                fallback: *one,
                profiles,
            }),
            many => Err(ProfileSetError::SeveralFallbacks {
                ids: many.iter().map(|i| profiles[*i].id.clone()).collect(),
            }),
        }
    }

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    pub fn fallback(&self) -> &Profile {
        &self.profiles[self.fallback]
    }

    /// Picks the best profile for `report`: the highest `priority` among matching profiles, then
    /// the most specific matching rule (most patterns), then a specific profile over a generic
    /// one, then the smallest id (so the choice never depends on file order).
    pub fn match_token(&self, report: &TokenReport) -> ProfileMatch<'_> {
        let best = self
            .profiles
            .iter()
            .flat_map(|profile| {
                profile.recognition.rules.iter().filter_map(move |rule| {
                    rule.score(report)
                        .filter(|_| rule.identity_patterns() > 0)
                        .map(|specificity| (profile, rule, specificity))
                })
            })
            .max_by(|(pa, _, sa), (pb, _, sb)| {
                (pa.recognition.priority, *sa, !pa.recognition.generic)
                    .cmp(&(pb.recognition.priority, *sb, !pb.recognition.generic))
                    .then_with(|| pb.id.cmp(&pa.id))
            });
        let mut warnings = Vec::new();
        let (profile, firmware) = match best {
            Some((profile, rule, _)) => {
                if profile.recognition.generic {
                    warnings.push(MatchWarning::GenericModel {
                        profile_id: profile.id.clone(),
                    });
                }
                (profile, rule.resolve_firmware(report))
            }
            None => {
                warnings.push(MatchWarning::UnknownModel {
                    reported: report.describe(),
                });
                let fallback = self.fallback();
                (
                    fallback,
                    RecognitionRule::default().resolve_firmware(report),
                )
            }
        };
        if firmware.is_none() && profile.depends_on_firmware() {
            warnings.push(MatchWarning::FirmwareUnknown {
                profile_id: profile.id.clone(),
            });
        }
        ProfileMatch {
            profile,
            firmware,
            warnings,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Advisory evaluation
// ---------------------------------------------------------------------------------------------

/// An advisory that applies to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryHit {
    pub advisory: Advisory,
    /// The firmware it was evaluated for; `None` when unknown (then it applies conservatively).
    pub firmware: Option<FirmwareVersion>,
}

impl AdvisoryHit {
    pub fn id(&self) -> &str {
        &self.advisory.id
    }
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("advisory {}: {}", .0.advisory.id, .0.advisory.message.en)]
    Advisory(AdvisoryHit),
    #[error("{algorithm} is not supported by this firmware ({}); supported: {}",
        firmware.map_or_else(|| "unknown".to_owned(), |v| v.to_string()),
        list(supported))]
    AlgorithmNotSupported {
        algorithm: Algorithm,
        firmware: Option<FirmwareVersion>,
        supported: Vec<Algorithm>,
    },
}

fn list(algorithms: &[Algorithm]) -> String {
    if algorithms.is_empty() {
        "none".to_owned()
    } else {
        algorithms
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether the station may generate a key of the requested algorithm on the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    AllowedWithWarnings(Vec<AdvisoryHit>),
    Refused(Vec<Refusal>),
}

impl Verdict {
    pub fn is_refused(&self) -> bool {
        matches!(self, Verdict::Refused(_))
    }

    /// Ids of the advisories behind the verdict (refusing or warning).
    pub fn advisory_ids(&self) -> Vec<&str> {
        match self {
            Verdict::Allowed => Vec::new(),
            Verdict::AllowedWithWarnings(hits) => hits.iter().map(AdvisoryHit::id).collect(),
            Verdict::Refused(reasons) => reasons
                .iter()
                .filter_map(|r| match r {
                    Refusal::Advisory(hit) => Some(hit.id()),
                    Refusal::AlgorithmNotSupported { .. } => None,
                })
                .collect(),
        }
    }
}

/// Decides whether on-chip generation of `requested` may go ahead on a token of `profile` with
/// `firmware` (`None` when it could not be determined).
///
/// * An algorithm the firmware does not support is refused
///   ([`Refusal::AlgorithmNotSupported`]).
/// * Each advisory concerning the algorithm and affecting the firmware refuses or warns, as its
///   `action` says. With unknown firmware every advisory concerning the algorithm applies: the
///   station cannot prove the token is outside the affected range.
pub fn evaluate(
    profile: &Profile,
    firmware: Option<FirmwareVersion>,
    requested: Algorithm,
) -> Verdict {
    let mut refusals = Vec::new();
    let mut warnings = Vec::new();
    let supported = profile.supported_algorithms(firmware);
    if !supported.contains(&requested) {
        refusals.push(Refusal::AlgorithmNotSupported {
            algorithm: requested,
            firmware,
            supported,
        });
    }
    for advisory in &profile.advisories {
        let applies = advisory.concerns(requested)
            && firmware.is_none_or(|v| advisory.affects(v))
            && !advisory.affected.is_empty();
        if !applies {
            continue;
        }
        let hit = AdvisoryHit {
            advisory: advisory.clone(),
            firmware,
        };
        match advisory.action {
            AdvisoryAction::Refuse => refusals.push(Refusal::Advisory(hit)),
            AdvisoryAction::Warn => warnings.push(hit),
        }
    }
    if !refusals.is_empty() {
        Verdict::Refused(refusals)
    } else if !warnings.is_empty() {
        Verdict::AllowedWithWarnings(warnings)
    } else {
        Verdict::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> FirmwareVersion {
        s.parse().unwrap()
    }

    #[test]
    fn versions_compare_numerically_and_missing_patch_is_zero() {
        assert!(v("4.3.4") < v("4.3.5"));
        assert!(v("5.4.3") < v("5.7.0"));
        assert!(v("4.9.9") < v("4.10.0"));
        assert_eq!(v("5.7"), v("5.7.0"));
    }

    #[test]
    fn malformed_versions_are_rejected() {
        for bad in [
            "", "4", "4.3.4.1", "4.x", "v4.3", "4..3", "04.3", "4.3.-1", "+4.3", " 4.3",
        ] {
            assert!(bad.parse::<FirmwareVersion>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn version_ranges_honour_inclusive_and_exclusive_bounds() {
        let r: VersionRange = ">=4.2.6, <=4.3.4".parse().unwrap();
        assert!(!r.contains(v("4.2.5")));
        assert!(r.contains(v("4.2.6")));
        assert!(r.contains(v("4.3.4")));
        assert!(!r.contains(v("4.3.5")));
        let r: VersionRange = ">4.2.6, <4.3.4".parse().unwrap();
        assert!(!r.contains(v("4.2.6")) && !r.contains(v("4.3.4")) && r.contains(v("4.3.0")));
        let r: VersionRange = "=4.4.2".parse().unwrap();
        assert!(r.contains(v("4.4.2")) && !r.contains(v("4.4.3")));
        assert!(VersionRange::ANY.contains(v("0.0.0")));
        assert_eq!(r.to_string(), "=4.4.2");
        assert_eq!(
            ">=4.2.6,<=4.3.4"
                .parse::<VersionRange>()
                .unwrap()
                .to_string(),
            ">=4.2.6, <=4.3.4"
        );
    }

    #[test]
    fn bad_version_ranges_say_what_is_wrong() {
        assert!(matches!("".parse::<VersionRange>(), Err(RangeError::Blank)));
        assert!(matches!(
            "4.3.4".parse::<VersionRange>(),
            Err(RangeError::Operator { .. })
        ));
        assert!(matches!(
            "=>4.3.4".parse::<VersionRange>(),
            Err(RangeError::Version { .. })
        ));
        assert!(matches!(
            ">=4.0, >4.1".parse::<VersionRange>(),
            Err(RangeError::DuplicateBound { side: "lower", .. })
        ));
        assert!(matches!(
            ">=4.3.5, <=4.3.4".parse::<VersionRange>(),
            Err(RangeError::Empty { .. })
        ));
        assert!(matches!(
            ">=4.3.4, <4.3.4".parse::<VersionRange>(),
            Err(RangeError::Empty { .. })
        ));
    }

    #[test]
    fn text_patterns_are_case_insensitive_globs_ignoring_padding() {
        let p = TextPattern::new("Yubico*YK?");
        assert!(p.matches("yubico (www.yubico.com) yk5     "));
        assert!(p.matches("Yubico (www.yubico.com) YK4\0\0"));
        assert!(!p.matches("Yubico YK55"));
        assert!(TextPattern::new("*").matches(""));
        assert!(TextPattern::new("a*b*c").matches("aXXbYYc"));
        assert!(!TextPattern::new("a*b*c").matches("aXXbYY"));
    }

    #[test]
    fn atr_patterns_compare_under_the_mask() {
        let p = AtrPattern::parse("3B:F8:13:00", Some("FF:FF:00:FF")).unwrap();
        assert!(p.matches(&[0x3b, 0xf8, 0x99, 0x00]));
        assert!(!p.matches(&[0x3b, 0xf9, 0x13, 0x00]));
        assert!(!p.matches(&[0x3b, 0xf8, 0x13]));
        assert!(matches!(
            AtrPattern::parse("3B:F8", Some("FF")),
            Err(AtrError::LengthMismatch { value: 2, mask: 1 })
        ));
        assert!(AtrPattern::parse("3G", None).is_err());
    }

    #[test]
    fn packed_patch_firmware_encoding_decodes_yubico_minor_byte() {
        let rule = RecognitionRule {
            pkcs11_firmware: FirmwareEncoding::CkVersionPackedPatch,
            ..RecognitionRule::default()
        };
        let report = TokenReport {
            pkcs11_firmware: Some(CkVersion {
                major: 5,
                minor: 43,
            }),
            ..TokenReport::default()
        };
        assert_eq!(rule.resolve_firmware(&report), Some(v("5.4.3")));
        let piv = TokenReport {
            piv_version: Some(v("5.7.1")),
            ..report
        };
        assert_eq!(rule.resolve_firmware(&piv), Some(v("5.7.1")));
    }

    #[test]
    fn pin_policy_checks_length_charset_and_pinpad_digits() {
        let policy = PinPolicy {
            min_length: 6,
            max_length: 8,
            charset: PinCharset::Any,
        };
        assert!(policy.check("abc123", false).is_ok());
        assert!(matches!(
            policy.check("12345", false),
            Err(PinViolation::Length { length: 5, .. })
        ));
        assert!(matches!(
            policy.check("abc123", true),
            Err(PinViolation::Charset { .. })
        ));
        let digits = PinPolicy {
            charset: PinCharset::Digits,
            ..policy
        };
        assert!(digits.check("12a456", false).is_err());
    }
}
