//! ACME (RFC 8555) CA connector: `system` (server) certificates from a CA that speaks ACME.
//!
//! The station sends the **token-signed CSR** (from [`crate::csr::build_csr`]) to the ACME
//! server: new account (or the same account again, since the account key decides which one),
//! new order for the template's DNS names, every authorization's challenge triggered, finalize
//! with the CSR, bounded polling, certificate chain downloaded. The result is
//! [`Submission::Issued`]; the certificate is recorded through [`CaRecords`] like the embedded
//! CA's, and the enrol use case still runs [`crate::certcheck::check`] on it.
//!
//! Challenges: the station triggers each pending authorization's challenge (`http-01`, else
//! `dns-01`, else `tls-alpn-01`) but does not serve it. That fits ACME servers that validate
//! by policy (an internal CA that has pre-validated the Pemkab's domains, or a test server with
//! validation switched off); a public CA needs the answer published by the web server's admins.
//!
//! The account key (ECDSA P-256, PKCS#8) is a station secret: held in [`Secret`] (wiped on
//! drop, never printed), never logged, and only handed to the ACME client to sign requests.
//!
//! The CA port is synchronous; each call runs the ACME exchange on a private single-threaded
//! Tokio runtime, bounded as a whole by [`AcmeSettings::timeout`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use der::{Decode, Encode};
use instant_acme::{
    Account, AccountBuilder, AuthorizationStatus, ChallengeType, Identifier, NewAccount, NewOrder,
    OrderStatus, RetryPolicy,
};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use x509_cert::Certificate;

use super::{
    CaError, CaRecords, CaRequest, CertificateAuthority, IssuedRecord, Revocation,
    RevocationReason, RevokedRecord, Submission, serial_hex,
};
use crate::certcheck::to_offset;
use crate::csr::parse_and_verify_csr;
use crate::secret::Secret;

/// Why an ACME exchange failed. Every variant names what the officer or admin can act on;
/// [`AcmeError::Unreachable`] and [`AcmeError::Timeout`] are worth retrying later (the enrol
/// session stays at its `ca` step and `kustodi enroll --resume` tries again).
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("the ACME server {url} cannot be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the ACME directory {url} is not usable: {reason}")]
    Directory { url: String, reason: String },
    #[error("the TLS trust anchor {path} for the ACME server cannot be used: {reason}")]
    TlsRoot { path: PathBuf, reason: String },
    #[error("the ACME account could not be created or found on {url}: {reason}")]
    Account { url: String, reason: String },
    #[error("the ACME account key is not a usable P-256 PKCS#8 key")]
    AccountKey,
    #[error("the template has no DNS name; an ACME CA issues only for DNS names")]
    NoDnsNames,
    #[error("the authorization for {identifier} is {status}")]
    Authorization { identifier: String, status: String },
    #[error("the ACME order is {status}: {detail}")]
    Order { status: String, detail: String },
    #[error("the ACME server refused the request: {detail}")]
    Refused { detail: String },
    #[error("the ACME server did not finish within {seconds} s (order {status}); retry later")]
    Timeout { seconds: u64, status: String },
    #[error("the certificate chain from the ACME server cannot be used: {reason}")]
    Chain { reason: String },
    #[error("the I/O runtime for the ACME client could not start: {reason}")]
    Runtime { reason: String },
}

/// How to reach the ACME server.
#[derive(Debug, Clone)]
pub struct AcmeSettings {
    /// The directory URL (`https://…/directory`); instant-acme speaks https only.
    pub directory_url: String,
    /// PEM file with the root that the server's **TLS** certificate chains to; `None` uses
    /// the operating system's trust store.
    pub tls_root: Option<PathBuf>,
    /// Account contact URLs (`mailto:…`); some servers (acme2certifier) require one.
    pub contact: Vec<String>,
    /// Upper bound for the whole exchange of one submission (order, polling, download).
    pub timeout: Duration,
}

impl AcmeSettings {
    pub fn new(directory_url: impl Into<String>) -> Self {
        Self {
            directory_url: directory_url.into(),
            tls_root: None,
            contact: Vec::new(),
            timeout: Duration::from_secs(90),
        }
    }
}

/// An ACME account: its URL on the server and its key (ECDSA P-256, PKCS#8 DER). The key is
/// a station secret: [`Secret`] wipes it on drop and never prints it.
#[derive(Debug, Clone)]
pub struct AcmeAccount {
    pub url: String,
    pub key_pkcs8: Secret,
}

/// The ACME CA adapter.
#[derive(Debug)]
pub struct AcmeCa {
    name: String,
    settings: AcmeSettings,
    account: Option<AcmeAccount>,
}

impl AcmeCa {
    /// A connector that registers a new account (with the configured contacts) on first use.
    pub fn new(settings: AcmeSettings) -> Self {
        Self {
            name: format!("acme:{}", settings.directory_url),
            settings,
            account: None,
        }
    }

    /// A connector that uses an account registered before (kept by the caller, encrypted).
    pub fn with_account(settings: AcmeSettings, account: AcmeAccount) -> Self {
        Self {
            account: Some(account),
            ..Self::new(settings)
        }
    }

    /// The account in use, once registered: for the caller that keeps it between runs.
    pub fn account(&self) -> Option<&AcmeAccount> {
        self.account.as_ref()
    }

    fn runtime(&self) -> Result<tokio::runtime::Runtime, AcmeError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AcmeError::Runtime {
                reason: e.to_string(),
            })
    }

    fn builder(&self) -> Result<AccountBuilder, AcmeError> {
        match &self.settings.tls_root {
            Some(path) => {
                check_tls_root(path)?;
                Account::builder_with_root(path).map_err(|e| AcmeError::TlsRoot {
                    path: path.clone(),
                    reason: chain_text(&e),
                })
            }
            None => Account::builder().map_err(|e| AcmeError::Unreachable {
                url: self.settings.directory_url.clone(),
                reason: chain_text(&e),
            }),
        }
    }

    /// The kept account, or a new one (returned so that the caller keeps it).
    async fn open_account(&self) -> Result<(Account, Option<AcmeAccount>), AcmeError> {
        let url = self.settings.directory_url.clone();
        let builder = self.builder()?;
        let failed = |e: instant_acme::Error| match e {
            instant_acme::Error::Json(j) => AcmeError::Directory {
                url: url.clone(),
                reason: format!("not an ACME directory ({j})"),
            },
            instant_acme::Error::Api(p) => AcmeError::Account {
                url: url.clone(),
                reason: p.to_string(),
            },
            other => classify(&url, other),
        };
        if let Some(kept) = &self.account {
            let key = PrivatePkcs8KeyDer::from(kept.key_pkcs8.expose());
            let account = builder
                .from_parts(kept.url.clone(), key, url.clone())
                .await
                .map_err(failed)?;
            return Ok((account, None));
        }
        let contact: Vec<&str> = self.settings.contact.iter().map(String::as_str).collect();
        let (account, credentials) = builder
            .create(
                &NewAccount {
                    contact: &contact,
                    terms_of_service_agreed: true,
                    only_return_existing: false,
                },
                url.clone(),
                None,
            )
            .await
            .map_err(failed)?;
        let kept = AcmeAccount {
            url: account.id().to_owned(),
            key_pkcs8: Secret::new(credentials.private_key().secret_pkcs8_der().to_vec()),
        };
        Ok((account, Some(kept)))
    }

    async fn issue(
        &self,
        account: &Account,
        csr_der: &[u8],
        names: &[String],
    ) -> Result<String, AcmeError> {
        let url = self.settings.directory_url.clone();
        let identifiers: Vec<Identifier> = names.iter().cloned().map(Identifier::Dns).collect();
        let mut order = account
            .new_order(&NewOrder::new(&identifiers))
            .await
            .map_err(|e| classify(&url, e))?;

        // Trigger each pending authorization's challenge.
        let mut authorizations = order.authorizations();
        while let Some(next) = authorizations.next().await {
            let mut authz = next.map_err(|e| classify(&url, e))?;
            let identifier = authz.identifier().to_string();
            match authz.status {
                AuthorizationStatus::Valid => continue,
                AuthorizationStatus::Pending => {}
                other => {
                    return Err(AcmeError::Authorization {
                        identifier,
                        status: format!("{other:?}").to_lowercase(),
                    });
                }
            }
            let kind = [
                ChallengeType::Http01,
                ChallengeType::Dns01,
                ChallengeType::TlsAlpn01,
            ]
            .into_iter()
            .find(|t| authz.challenges.iter().any(|c| &c.r#type == t))
            .ok_or_else(|| AcmeError::Authorization {
                identifier: identifier.clone(),
                status: "pending with no http-01, dns-01 or tls-alpn-01 challenge".into(),
            })?;
            let mut challenge = authz.challenge(kind).ok_or(AcmeError::Authorization {
                identifier,
                status: "pending without the announced challenge".into(),
            })?;
            challenge.set_ready().await.map_err(|e| classify(&url, e))?;
        }

        let retry = RetryPolicy::new()
            .initial_delay(Duration::from_millis(200))
            .backoff(1.5)
            .timeout(self.settings.timeout);
        let timeout = |status: &str| AcmeError::Timeout {
            seconds: self.settings.timeout.as_secs(),
            status: status.to_owned(),
        };
        let status = match order.poll_ready(&retry).await {
            Ok(s) => s,
            Err(instant_acme::Error::Timeout(_)) => {
                return Err(timeout(&status_name(order.state().status)));
            }
            Err(instant_acme::Error::Api(p)) => {
                return Err(AcmeError::Order {
                    status: status_name(order.state().status),
                    detail: p.to_string(),
                });
            }
            Err(e) => return Err(classify(&url, e)),
        };
        if status != OrderStatus::Ready {
            let detail = order
                .state()
                .error
                .as_ref()
                .map_or_else(|| "an authorization failed".into(), ToString::to_string);
            return Err(AcmeError::Order {
                status: status_name(status),
                detail,
            });
        }

        order.finalize_csr(csr_der).await.map_err(|e| match e {
            instant_acme::Error::Api(p) => AcmeError::Refused {
                detail: p.to_string(),
            },
            other => classify(&url, other),
        })?;
        match order.poll_certificate(&retry).await {
            Ok(pem) => Ok(pem),
            Err(instant_acme::Error::Timeout(_)) => {
                Err(timeout(&status_name(order.state().status)))
            }
            Err(instant_acme::Error::Api(p)) => Err(AcmeError::Order {
                status: status_name(order.state().status),
                detail: p.to_string(),
            }),
            Err(instant_acme::Error::Str(s)) => Err(AcmeError::Order {
                status: status_name(order.state().status),
                detail: s.to_owned(),
            }),
            Err(e) => Err(classify(&url, e)),
        }
    }

    /// Runs `work` with the account on one runtime, bounded by the settings' timeout (plus a
    /// margin); a newly registered account is kept even if `work` fails.
    fn run_with_account<T>(
        &mut self,
        work: impl AsyncFnOnce(&Self, &Account) -> Result<T, AcmeError>,
    ) -> Result<T, AcmeError> {
        let limit = self.settings.timeout + Duration::from_secs(15);
        let runtime = self.runtime()?;
        let this = &*self;
        let (new_account, result) = runtime.block_on(async {
            let run = async {
                let (account, new_account) = match this.open_account().await {
                    Ok(a) => a,
                    Err(e) => return (None, Err(e)),
                };
                let result = work(this, &account).await;
                (new_account, result)
            };
            tokio::time::timeout(limit, run).await.unwrap_or_else(|_| {
                (
                    None,
                    Err(AcmeError::Timeout {
                        seconds: limit.as_secs(),
                        status: "unknown".into(),
                    }),
                )
            })
        });
        if let Some(a) = new_account {
            self.account = Some(a);
        }
        result
    }
}

fn status_name(s: OrderStatus) -> String {
    format!("{s:?}").to_lowercase()
}

/// The error and its sources, `: `-joined (hyper's top-level text alone says little).
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Transport failures are `Unreachable` (retry later); an API problem is a refusal.
fn classify(url: &str, e: instant_acme::Error) -> AcmeError {
    match e {
        instant_acme::Error::Api(p) => AcmeError::Refused {
            detail: p.to_string(),
        },
        instant_acme::Error::Json(j) => AcmeError::Refused {
            detail: format!("unreadable answer: {j}"),
        },
        instant_acme::Error::InvalidUri(u) => AcmeError::Directory {
            url: url.to_owned(),
            reason: format!("invalid URL: {u}"),
        },
        other => AcmeError::Unreachable {
            url: url.to_owned(),
            reason: chain_text(&other),
        },
    }
}

fn check_tls_root(path: &Path) -> Result<(), AcmeError> {
    let bytes = std::fs::read(path).map_err(|e| AcmeError::TlsRoot {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if !String::from_utf8_lossy(&bytes).contains("-----BEGIN CERTIFICATE-----") {
        return Err(AcmeError::TlsRoot {
            path: path.to_owned(),
            reason: "no PEM CERTIFICATE block".into(),
        });
    }
    Ok(())
}

fn acme_reason(r: RevocationReason) -> instant_acme::RevocationReason {
    use instant_acme::RevocationReason as A;
    match r {
        RevocationReason::Unspecified => A::Unspecified,
        RevocationReason::KeyCompromise => A::KeyCompromise,
        RevocationReason::CaCompromise => A::CaCompromise,
        RevocationReason::AffiliationChanged => A::AffiliationChanged,
        RevocationReason::Superseded => A::Superseded,
        RevocationReason::CessationOfOperation => A::CessationOfOperation,
        RevocationReason::CertificateHold => A::CertificateHold,
        RevocationReason::PrivilegeWithdrawn => A::PrivilegeWithdrawn,
    }
}

impl CertificateAuthority for AcmeCa {
    fn name(&self) -> &str {
        &self.name
    }

    fn submit(
        &mut self,
        records: &mut dyn CaRecords,
        request: &CaRequest<'_>,
    ) -> Result<Submission, CaError> {
        let csr = parse_and_verify_csr(request.csr_der)?;
        let names = request.template.san_dns.clone();
        if names.is_empty() {
            return Err(AcmeError::NoDnsNames.into());
        }
        let csr_der = request.csr_der;
        let pem = self.run_with_account(async |this: &Self, account: &Account| {
            this.issue(account, csr_der, &names).await
        })?;
        let imported =
            super::offline::import_certificates(pem.as_bytes(), &csr.spki_der).map_err(|e| {
                AcmeError::Chain {
                    reason: e.to_string(),
                }
            })?;
        let cert =
            Certificate::from_der(&imported.certificate_der).map_err(|e| AcmeError::Chain {
                reason: e.to_string(),
            })?;
        let tbs = cert.tbs_certificate();
        let serial = serial_hex(tbs.serial_number().as_bytes());
        records.record_issued(&IssuedRecord {
            ca: self.name.clone(),
            serial_hex: serial,
            subject: tbs.subject().to_string(),
            not_before: to_offset(tbs.validity().not_before),
            not_after: to_offset(tbs.validity().not_after),
            request_id: request.request_id.to_owned(),
            der: imported.certificate_der.clone(),
        })?;
        Ok(Submission::Issued {
            certificate_der: imported.certificate_der,
            chain_der: imported.chain_der,
        })
    }

    fn revoke(
        &mut self,
        records: &mut dyn CaRecords,
        serial: &[u8],
        reason: RevocationReason,
    ) -> Result<Revocation, CaError> {
        let serial_hex = serial_hex(serial);
        let issued =
            records
                .issued(&self.name, &serial_hex)?
                .ok_or_else(|| CaError::NotIssuedHere {
                    ca: self.name.clone(),
                    serial_hex: serial_hex.clone(),
                })?;
        if let Some(r) = records
            .revocations(&self.name)?
            .into_iter()
            .find(|r| r.serial_hex == serial_hex)
        {
            return Err(CaError::AlreadyRevoked {
                serial_hex,
                reason: r.reason,
                revoked_at: r.revoked_at,
            });
        }
        let url = self.settings.directory_url.clone();
        let der = issued.der;
        self.run_with_account(async |_: &Self, account: &Account| {
            let certificate = CertificateDer::from(der.as_slice());
            account
                .revoke(&instant_acme::RevocationRequest {
                    certificate: &certificate,
                    reason: Some(acme_reason(reason)),
                })
                .await
                .map_err(|e| classify(&url, e))
        })?;
        let revoked_at = records.now();
        records.record_revocation(
            &self.name,
            &RevokedRecord {
                serial_hex: serial_hex.clone(),
                reason,
                revoked_at,
            },
        )?;
        Ok(Revocation::Done {
            serial_hex,
            reason,
            revoked_at,
        })
    }
}

/// The SPKI (DER) of a certificate, to compare with the CSR's.
pub fn certificate_spki_der(der: &[u8]) -> Option<Vec<u8>> {
    Certificate::from_der(der)
        .ok()?
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_account_key_is_not_printed() {
        let account = AcmeAccount {
            url: "https://127.0.0.1:1/acct/1".into(),
            key_pkcs8: Secret::new(vec![0x30, 0x81, 0x87, 0x02, 0x01]),
        };
        let ca = AcmeCa::with_account(AcmeSettings::new("https://127.0.0.1:1/dir"), account);
        let shown = format!("{ca:?}");
        assert!(shown.contains("Secret(***)"), "{shown}");
        assert!(!shown.contains("0x81") && !shown.contains("129"), "{shown}");
        assert_eq!(ca.name(), "acme:https://127.0.0.1:1/dir");
    }
}
