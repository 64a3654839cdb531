//! Certificate profiles per kind (Pasal 7) and use (Pasal 8(5)), kept as data.
//!
//! The OP reviews `certificate-profiles/default.toml`; this module parses it, checks it, and
//! turns an application's facts into a [`CertificateTemplate`]: the subject, key usage,
//! extended key usage, subject alternative names, validity and allowed key algorithms that the
//! CSR builder and the CA apply.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The profiles shipped with the station.
pub const DEFAULT_PROFILES: &str = include_str!("../../certificate-profiles/default.toml");

/// Subject attributes a profile may use.
pub const SUBJECT_ATTRIBUTES: &[&str] = &["C", "ST", "L", "O", "OU", "title", "CN", "serialNumber"];
/// Key usage bits (RFC 5280 names).
pub const KEY_USAGES: &[&str] = &[
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
];
/// Extended key usages a profile may ask for.
pub const EXTENDED_KEY_USAGES: &[&str] = &["serverAuth", "clientAuth", "emailProtection"];
/// Key algorithms a profile may allow.
pub const ALGORITHMS: &[&str] = &["p256", "p384", "rsa2048", "rsa3072", "rsa4096"];
/// Placeholders a subject value may contain.
pub const PLACEHOLDERS: &[&str] = &["name", "department", "position_title", "system_name", "nip"];

/// A problem in the profile file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("certificate profiles do not parse: {0}")]
    Syntax(String),
    #[error("unsupported profile file version {0} (expected 1)")]
    Version(u32),
    #[error("{at}: unknown {what} `{value}`")]
    Unknown {
        at: String,
        what: &'static str,
        value: String,
    },
    #[error("{at}: {reason}")]
    Invalid { at: String, reason: String },
    #[error("no profile for {what} `{name}`")]
    Missing { what: &'static str, name: String },
    #[error("{field} is needed by the profile but the application has none")]
    MissingFact { field: &'static str },
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    version: u32,
    kind: BTreeMap<String, KindProfile>,
    #[serde(rename = "use")]
    uses: BTreeMap<String, UseProfile>,
}

/// What a certificate kind puts into its certificates.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KindProfile {
    pub title_id: String,
    pub title_en: String,
    pub subject: Vec<(String, String)>,
    pub subject_serial: SubjectSerial,
    pub validity_days: u32,
    pub algorithms: Vec<String>,
}

/// What goes into the subject's serialNumber attribute.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SubjectSerial {
    /// The applicant's NIP, when they have one.
    Nip,
    /// Nothing.
    None,
}

/// What a certificate use adds.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UseProfile {
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub san: Vec<SanSource>,
}

/// Where a subject alternative name comes from.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SanSource {
    Email,
    Dns,
}

/// The checked profile set.
#[derive(Debug, Clone, PartialEq)]
pub struct Profiles {
    kinds: BTreeMap<String, KindProfile>,
    uses: BTreeMap<String, UseProfile>,
}

/// The facts of an application that a profile needs (filled in by the service layer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectFacts {
    /// Certificate kind as named in the application (`individual`, `position`, `system`).
    pub kind: String,
    /// Uses as named in the application (`signature`, `email`, …).
    pub uses: Vec<String>,
    pub name: String,
    pub department: String,
    pub position_title: Option<String>,
    pub system_name: Option<String>,
    pub nip: Option<String>,
    pub email: Option<String>,
    pub dns_names: Vec<String>,
}

/// The content a certificate for one application must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateTemplate {
    /// Relative distinguished names, in order (attribute, value).
    pub subject: Vec<(String, String)>,
    pub key_usage: BTreeSet<String>,
    pub extended_key_usage: BTreeSet<String>,
    pub san_email: Vec<String>,
    pub san_dns: Vec<String>,
    pub validity_days: u32,
    pub algorithms: Vec<String>,
}

fn check_in(
    at: &str,
    what: &'static str,
    value: &str,
    allowed: &[&str],
) -> Result<(), ProfileError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ProfileError::Unknown {
            at: at.to_owned(),
            what,
            value: value.to_owned(),
        })
    }
}

fn placeholders(value: &str) -> Vec<&str> {
    value
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(p, _)| p))
        .collect()
}

impl Profiles {
    /// Parses and checks a profile file; every kind and use the domain knows must be present.
    pub fn parse(text: &str, kinds: &[&str], uses: &[&str]) -> Result<Profiles, ProfileError> {
        let file: ProfileFile =
            toml::from_str(text).map_err(|e| ProfileError::Syntax(e.to_string()))?;
        if file.version != 1 {
            return Err(ProfileError::Version(file.version));
        }
        for (name, k) in &file.kind {
            let at = format!("kind.{name}");
            if !kinds.contains(&name.as_str()) {
                return Err(ProfileError::Unknown {
                    at,
                    what: "certificate kind",
                    value: name.clone(),
                });
            }
            if k.subject.is_empty() || !k.subject.iter().any(|(a, _)| a == "CN") {
                return Err(ProfileError::Invalid {
                    at,
                    reason: "the subject needs a CN".into(),
                });
            }
            for (attr, value) in &k.subject {
                check_in(&at, "subject attribute", attr, SUBJECT_ATTRIBUTES)?;
                for p in placeholders(value) {
                    check_in(&at, "placeholder", p, PLACEHOLDERS)?;
                }
            }
            if !(1..=3650).contains(&k.validity_days) {
                return Err(ProfileError::Invalid {
                    at,
                    reason: format!("validity_days {} is not within 1..=3650", k.validity_days),
                });
            }
            if k.algorithms.is_empty() {
                return Err(ProfileError::Invalid {
                    at,
                    reason: "no key algorithm is allowed".into(),
                });
            }
            for a in &k.algorithms {
                check_in(&at, "algorithm", a, ALGORITHMS)?;
            }
        }
        for (name, u) in &file.uses {
            let at = format!("use.{name}");
            if !uses.contains(&name.as_str()) {
                return Err(ProfileError::Unknown {
                    at,
                    what: "certificate use",
                    value: name.clone(),
                });
            }
            if u.key_usage.is_empty() {
                return Err(ProfileError::Invalid {
                    at,
                    reason: "no key usage".into(),
                });
            }
            for ku in &u.key_usage {
                check_in(&at, "key usage", ku, KEY_USAGES)?;
            }
            for eku in &u.extended_key_usage {
                check_in(&at, "extended key usage", eku, EXTENDED_KEY_USAGES)?;
            }
        }
        for k in kinds {
            if !file.kind.contains_key(*k) {
                return Err(ProfileError::Missing {
                    what: "certificate kind",
                    name: (*k).to_owned(),
                });
            }
        }
        for u in uses {
            if !file.uses.contains_key(*u) {
                return Err(ProfileError::Missing {
                    what: "certificate use",
                    name: (*u).to_owned(),
                });
            }
        }
        Ok(Profiles {
            kinds: file.kind,
            uses: file.uses,
        })
    }

    pub fn kind(&self, name: &str) -> Option<&KindProfile> {
        self.kinds.get(name)
    }

    /// The certificate content for an application, for a key of `algorithm`.
    pub fn template(
        &self,
        facts: &SubjectFacts,
        algorithm: &str,
    ) -> Result<CertificateTemplate, ProfileError> {
        let kind = self
            .kinds
            .get(&facts.kind)
            .ok_or_else(|| ProfileError::Missing {
                what: "certificate kind",
                name: facts.kind.clone(),
            })?;
        if !kind.algorithms.iter().any(|a| a == algorithm) {
            return Err(ProfileError::Invalid {
                at: format!("kind.{}", facts.kind),
                reason: format!("key algorithm {algorithm} is not allowed"),
            });
        }
        let mut subject = Vec::with_capacity(kind.subject.len() + 1);
        for (attr, pattern) in &kind.subject {
            subject.push((attr.clone(), fill(pattern, facts)?));
        }
        if kind.subject_serial == SubjectSerial::Nip
            && let Some(nip) = facts.nip.as_deref().filter(|n| !n.is_empty())
        {
            subject.push(("serialNumber".to_owned(), format!("NIP:{nip}")));
        }
        let ec = algorithm.starts_with('p');
        let mut key_usage = BTreeSet::new();
        let mut extended_key_usage = BTreeSet::new();
        let mut sans = BTreeSet::new();
        for u in &facts.uses {
            let profile = self.uses.get(u).ok_or_else(|| ProfileError::Missing {
                what: "certificate use",
                name: u.clone(),
            })?;
            for ku in &profile.key_usage {
                let ku = match ku.as_str() {
                    "keyEncipherment" | "dataEncipherment" if ec => "keyAgreement",
                    other => other,
                };
                key_usage.insert(ku.to_owned());
            }
            extended_key_usage.extend(profile.extended_key_usage.iter().cloned());
            sans.extend(profile.san.iter().copied());
        }
        let san_email = if sans.contains(&SanSource::Email) {
            vec![
                facts
                    .email
                    .clone()
                    .ok_or(ProfileError::MissingFact { field: "email" })?,
            ]
        } else {
            vec![]
        };
        let san_dns = if sans.contains(&SanSource::Dns) {
            if facts.dns_names.is_empty() {
                return Err(ProfileError::MissingFact {
                    field: "system.dns_names",
                });
            }
            facts.dns_names.clone()
        } else {
            vec![]
        };
        Ok(CertificateTemplate {
            subject,
            key_usage,
            extended_key_usage,
            san_email,
            san_dns,
            validity_days: kind.validity_days,
            algorithms: kind.algorithms.clone(),
        })
    }
}

fn fill(pattern: &str, facts: &SubjectFacts) -> Result<String, ProfileError> {
    let mut out = pattern.to_owned();
    for p in placeholders(pattern) {
        let (field, value): (&'static str, Option<&str>) = match p {
            "name" => ("applicant.name", Some(facts.name.as_str())),
            "department" => ("applicant.department", Some(facts.department.as_str())),
            "position_title" => ("applicant.position_title", facts.position_title.as_deref()),
            "system_name" => ("system.name", facts.system_name.as_deref()),
            "nip" => ("applicant.nip", facts.nip.as_deref()),
            _ => unreachable!("placeholders are checked when the profiles are parsed"),
        };
        let value = value
            .filter(|v| !v.trim().is_empty())
            .ok_or(ProfileError::MissingFact { field })?;
        out = out.replace(&format!("{{{p}}}"), value.trim());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: &[&str] = &["individual", "position", "system"];
    const USES: &[&str] = &["signature", "email", "document", "tls_server", "tls_client"];

    fn profiles() -> Profiles {
        Profiles::parse(DEFAULT_PROFILES, KINDS, USES).unwrap()
    }

    fn asn(kind: &str, uses: &[&str]) -> SubjectFacts {
        SubjectFacts {
            kind: kind.into(),
            uses: uses.iter().map(|u| u.to_string()).collect(),
            name: "Siti Rahmawati".into(),
            department: "Dinas Komunikasi, Informatika, Persandian dan Statistik".into(),
            position_title: Some("Kepala Bidang Persandian".into()),
            system_name: None,
            nip: Some("198503152010012001".into()),
            email: Some("siti.rahmawati@bekasikab.go.id".into()),
            dns_names: vec![],
        }
    }

    #[test]
    fn shipped_profiles_are_valid() {
        profiles();
    }

    #[test]
    fn individual_signature_and_email_profile() {
        let t = profiles()
            .template(&asn("individual", &["signature", "email"]), "p256")
            .unwrap();
        assert_eq!(
            t.subject,
            vec![
                ("C".into(), "ID".into()),
                ("O".into(), "Pemerintah Kabupaten Bekasi".into()),
                (
                    "OU".into(),
                    "Dinas Komunikasi, Informatika, Persandian dan Statistik".into()
                ),
                ("CN".into(), "Siti Rahmawati".into()),
                ("serialNumber".into(), "NIP:198503152010012001".into()),
            ]
        );
        let ku: Vec<_> = t.key_usage.iter().map(String::as_str).collect();
        assert_eq!(ku, ["digitalSignature", "keyAgreement", "nonRepudiation"]);
        assert_eq!(t.extended_key_usage.len(), 1);
        assert_eq!(t.san_email, ["siti.rahmawati@bekasikab.go.id"]);
        assert!(t.san_dns.is_empty());
        assert_eq!(t.validity_days, 730);
    }

    #[test]
    fn rsa_keys_keep_key_encipherment_for_document_protection() {
        let t = profiles()
            .template(&asn("individual", &["document"]), "rsa2048")
            .unwrap();
        let ku: Vec<_> = t.key_usage.iter().map(String::as_str).collect();
        assert_eq!(ku, ["dataEncipherment", "keyEncipherment"]);
    }

    #[test]
    fn position_certificates_carry_the_title() {
        let t = profiles()
            .template(&asn("position", &["signature"]), "p256")
            .unwrap();
        assert!(
            t.subject
                .contains(&("title".into(), "Kepala Bidang Persandian".into()))
        );
    }

    #[test]
    fn system_certificates_carry_dns_names_and_no_personal_serial() {
        let mut facts = asn("system", &["tls_server"]);
        facts.system_name = Some("SRIKANDI Kabupaten Bekasi".into());
        facts.dns_names = vec!["srikandi.bekasikab.go.id".into()];
        let t = profiles().template(&facts, "p256").unwrap();
        assert_eq!(t.san_dns, ["srikandi.bekasikab.go.id"]);
        assert!(!t.subject.iter().any(|(a, _)| a == "serialNumber"));
        assert!(t.extended_key_usage.contains("serverAuth"));
        assert_eq!(t.validity_days, 397);
    }

    #[test]
    fn a_missing_fact_is_named() {
        let mut facts = asn("position", &["signature"]);
        facts.position_title = None;
        assert_eq!(
            profiles().template(&facts, "p256").unwrap_err(),
            ProfileError::MissingFact {
                field: "applicant.position_title"
            }
        );
    }

    #[test]
    fn an_algorithm_outside_the_profile_is_refused() {
        let err = profiles()
            .template(&asn("individual", &["signature"]), "rsa1024")
            .unwrap_err();
        assert!(matches!(err, ProfileError::Invalid { .. }));
    }

    #[test]
    fn profile_errors_name_the_place() {
        let bad = DEFAULT_PROFILES.replace("\"nonRepudiation\"", "\"nonRepudation\"");
        let err = Profiles::parse(&bad, KINDS, USES).unwrap_err();
        assert_eq!(
            err,
            ProfileError::Unknown {
                at: "use.signature".into(),
                what: "key usage",
                value: "nonRepudation".into()
            }
        );
        let bad = DEFAULT_PROFILES.replace("{department}", "{departement}");
        assert!(matches!(
            Profiles::parse(&bad, KINDS, USES),
            Err(ProfileError::Unknown {
                what: "placeholder",
                ..
            })
        ));
        assert_eq!(
            Profiles::parse(
                DEFAULT_PROFILES,
                &["individual", "position", "system", "x"],
                USES
            )
            .unwrap_err(),
            ProfileError::Missing {
                what: "certificate kind",
                name: "x".into()
            }
        );
    }
}
