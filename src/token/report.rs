//! Glue between what a token says about itself and the firmware profiles: [`TokenInfo`] (and
//! the PC/SC reader it sits in) → [`TokenReport`] → matched [`Profile`] → a [`Verdict`] for
//! every algorithm the profile knows.
//!
//! This is what `kustodi token list` shows and what key generation will consult.

use crate::domain::firmware::{
    Algorithm, CkVersion, FirmwareVersion, MatchWarning, Profile, ProfileSet, TokenReport, Verdict,
    evaluate,
};
use crate::ports::token::TokenInfo;
use crate::token::readers::ReaderStatus;

/// `TokenInfo` + optional reader → the report the profiles are matched against.
///
/// `slot_description` is the PKCS#11 slot description (OpenSC puts the reader name there); the
/// reader, when known, supplies the name and the ATR.
pub fn token_report(
    info: &TokenInfo,
    slot_description: Option<&str>,
    reader: Option<&ReaderStatus>,
) -> TokenReport {
    let text = |s: &str| {
        let t = s.trim_matches(|c| c == ' ' || c == '\0');
        (!t.is_empty()).then(|| t.to_owned())
    };
    TokenReport {
        manufacturer: text(&info.manufacturer),
        model: text(&info.model),
        label: text(&info.label),
        reader: reader
            .map(|r| r.name.clone())
            .or_else(|| slot_description.and_then(text)),
        atr: reader.and_then(|r| r.atr.clone()),
        pkcs11_firmware: parse_ck_version(&info.firmware_version),
        piv_version: None,
    }
}

/// `"2.6"` → `CkVersion { 2, 6 }`.
pub fn parse_ck_version(text: &str) -> Option<CkVersion> {
    let (major, minor) = text.trim().split_once('.')?;
    Some(CkVersion {
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
    })
}

/// The verdict for one algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmVerdict {
    pub algorithm: Algorithm,
    pub verdict: Verdict,
}

/// What the station thinks of a token: its profile, firmware, warnings and verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAssessment<'a> {
    pub profile: &'a Profile,
    pub firmware: Option<FirmwareVersion>,
    pub warnings: Vec<MatchWarning>,
    /// One per algorithm the profile lists (any firmware), in [`Algorithm::ALL`] order.
    pub verdicts: Vec<AlgorithmVerdict>,
}

impl TokenAssessment<'_> {
    /// Whether the model is unknown (the fallback profile was used).
    pub fn unknown_model(&self) -> bool {
        self.warnings
            .iter()
            .any(|w| matches!(w, MatchWarning::UnknownModel { .. }))
    }
}

/// Every algorithm some firmware of the profile supports.
pub fn listed_algorithms(profile: &Profile) -> Vec<Algorithm> {
    Algorithm::ALL
        .into_iter()
        .filter(|a| profile.algorithms.iter().any(|b| b.supported.contains(a)))
        .collect()
}

/// Matches the report and evaluates every algorithm the matched profile lists.
pub fn assess<'a>(profiles: &'a ProfileSet, report: &TokenReport) -> TokenAssessment<'a> {
    let matched = profiles.match_token(report);
    let verdicts = listed_algorithms(matched.profile)
        .into_iter()
        .map(|algorithm| AlgorithmVerdict {
            algorithm,
            verdict: evaluate(matched.profile, matched.firmware, algorithm),
        })
        .collect();
    TokenAssessment {
        profile: matched.profile,
        firmware: matched.firmware,
        warnings: matched.warnings,
        verdicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::token::TokenFlags;
    use crate::token::profiles::embedded_profiles;

    fn info(manufacturer: &str, model: &str, firmware: &str) -> TokenInfo {
        TokenInfo {
            uri: "pkcs11:token=T".into(),
            label: "T".into(),
            manufacturer: manufacturer.into(),
            model: model.into(),
            serial: "1".into(),
            hardware_version: "0.0".into(),
            firmware_version: firmware.into(),
            flags: TokenFlags::default(),
            min_pin_len: 4,
            max_pin_len: 8,
            mechanisms: vec![],
        }
    }

    #[test]
    fn softhsm_matches_its_profile_and_every_algorithm_warns_software_token() {
        let set = embedded_profiles().unwrap();
        let report = token_report(&info("SoftHSM project", "SoftHSM v2", "2.6"), None, None);
        let a = assess(&set, &report);
        assert_eq!(a.profile.id, "softhsm2");
        assert_eq!(a.firmware, Some("2.6.0".parse().unwrap()));
        assert!(!a.unknown_model());
        assert!(a.verdicts.iter().any(|v| v.algorithm == Algorithm::Ed25519));
        for v in &a.verdicts {
            assert!(
                v.verdict.advisory_ids().contains(&"KUSTODI-SOFTWARE-TOKEN"),
                "{v:?}"
            );
        }
    }

    #[test]
    fn opensc_piv_emulation_matches_generic_piv_with_a_generic_model_warning() {
        let set = embedded_profiles().unwrap();
        let report = token_report(
            &info("piv_II", "PKCS#15 emulated", "0.0"),
            Some("Some Reader 00 00"),
            None,
        );
        assert_eq!(report.reader.as_deref(), Some("Some Reader 00 00"));
        let a = assess(&set, &report);
        assert_eq!(a.profile.id, "generic-piv");
        assert_eq!(a.firmware, None);
        assert!(
            a.warnings
                .iter()
                .any(|w| matches!(w, MatchWarning::GenericModel { .. }))
        );
        let algs: Vec<_> = a.verdicts.iter().map(|v| v.algorithm).collect();
        assert_eq!(algs, [Algorithm::Rsa2048, Algorithm::P256, Algorithm::P384]);
        assert!(a.verdicts.iter().all(|v| v.verdict == Verdict::Allowed));
    }

    #[test]
    fn an_unknown_model_gets_the_fallback_profile_and_says_so() {
        let set = embedded_profiles().unwrap();
        let a = assess(
            &set,
            &token_report(&info("Acme", "Widget", "1.0"), None, None),
        );
        assert_eq!(a.profile.id, set.fallback().id);
        assert!(a.unknown_model());
    }

    #[test]
    fn ck_versions_parse_or_are_absent() {
        assert_eq!(
            parse_ck_version("5.43"),
            Some(CkVersion {
                major: 5,
                minor: 43
            })
        );
        assert_eq!(parse_ck_version("x"), None);
        assert_eq!(parse_ck_version("300.1"), None);
    }
}
