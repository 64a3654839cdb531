//! The ACME connector against real ACME servers on 127.0.0.1: Debian's `pebble` and PyPI's
//! `acme2certifier` (openssl CA handler). A `system` certificate is requested with a CSR
//! signed by a (software) key, as the token signs it in production; the certificate must hold
//! the CSR's key and the template's DNS names and verify with `openssl verify` against the
//! server's issuing root.

#[path = "support/acme.rs"]
mod acme_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use der::{Decode, Encode, EncodePem};
use kustodi::ca::acme::{AcmeCa, AcmeError, AcmeSettings};
use kustodi::ca::{
    CaError, CaRecords, CaRequest, CertificateAuthority, Revocation, RevocationReason, Submission,
};
use kustodi::certcheck;
use kustodi::csr::{build_csr, public_key_der};
use kustodi::domain::profile::{CertificateTemplate, DEFAULT_PROFILES, Profiles, SubjectFacts};
use kustodi::ports::{CheckpointSigner, SignError, SystemClock};
use kustodi::store::SqliteStore;
use p256::ecdsa::{DerSignature, SigningKey};
use signature::Signer as _;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use acme_support::AcmeServer;

struct StationKey(SigningKey);

impl CheckpointSigner for StationKey {
    fn key_id(&self) -> String {
        certcheck::sha256_hex(&self.public_key_spki_der())
    }
    fn public_key_spki_der(&self) -> Vec<u8> {
        public_key_der(&self.0).unwrap()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig: DerSignature = self.0.sign(message);
        Ok(sig.to_bytes().to_vec())
    }
}

fn p256_key() -> SigningKey {
    loop {
        if let Ok(k) = SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
            return k;
        }
    }
}

/// A station store to record what the CA issues.
struct Station {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    key: StationKey,
}

impl Station {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("kustodi.sqlite")).unwrap();
        Station {
            _dir: dir,
            store,
            key: StationKey(p256_key()),
        }
    }

    fn with_records<T>(
        &mut self,
        f: impl FnOnce(&mut dyn CaRecords) -> Result<T, CaError>,
    ) -> Result<T, CaError> {
        self.store.unit_of_work(&self.key, &SystemClock, |tx| f(tx))
    }
}

/// A `system` certificate template (TLS server) for two names under the Pemkab domain.
fn system_template() -> CertificateTemplate {
    let profiles = Profiles::parse(
        DEFAULT_PROFILES,
        &["individual", "position", "system"],
        &["signature", "email", "document", "tls_server", "tls_client"],
    )
    .unwrap();
    let facts = SubjectFacts {
        kind: "system".into(),
        uses: vec!["tls_server".into()],
        name: "Siti Rahmawati".into(),
        department: "Dinas Komunikasi, Informatika, Persandian dan Statistik".into(),
        position_title: None,
        // acme2certifier wants the CN to be a DNS name of the order.
        system_name: Some("srikandi.bekasikab.go.id".into()),
        nip: None,
        email: None,
        dns_names: vec![
            "srikandi.bekasikab.go.id".into(),
            "www.srikandi.bekasikab.go.id".into(),
        ],
    };
    profiles.template(&facts, "p256").unwrap()
}

fn settings(server: &AcmeServer) -> AcmeSettings {
    let mut s = AcmeSettings::new(server.directory_url.clone());
    s.tls_root = Some(server.tls_root.clone());
    s.timeout = Duration::from_secs(60);
    s.contact = vec!["mailto:diskominfo@bekasikab.go.id".into()];
    s
}

fn dns_names(cert: &Certificate) -> Vec<String> {
    let ext = cert
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == kustodi::csr::oid::SUBJECT_ALT_NAME)
        .expect("a subjectAltName");
    let san = SubjectAltName::from_der(ext.extn_value.as_bytes()).unwrap();
    let mut names: Vec<String> = san
        .0
        .iter()
        .filter_map(|n| match n {
            GeneralName::DnsName(d) => Some(d.to_string()),
            _ => None,
        })
        .collect();
    names.sort();
    names
}

fn pem(der: &[u8]) -> String {
    Certificate::from_der(der)
        .unwrap()
        .to_pem(der::pem::LineEnding::LF)
        .unwrap()
}

/// `openssl verify` of the leaf against `root`, with the chain as untrusted intermediates.
fn openssl_verify(dir: &Path, root: &Path, leaf: &[u8], chain: &[Vec<u8>]) -> String {
    std::fs::write(dir.join("leaf.pem"), pem(leaf)).unwrap();
    let mut cmd = Command::new("openssl");
    cmd.arg("verify").arg("-CAfile").arg(root);
    if !chain.is_empty() {
        let text: String = chain.iter().map(|c| pem(c)).collect();
        std::fs::write(dir.join("chain.pem"), text).unwrap();
        cmd.arg("-untrusted").arg(dir.join("chain.pem"));
    }
    let out = cmd.arg(dir.join("leaf.pem")).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl verify failed: {text}");
    text
}

struct Issued {
    certificate: Certificate,
    der: Vec<u8>,
    chain: Vec<Vec<u8>>,
    spki: Vec<u8>,
    template: CertificateTemplate,
}

/// Requests a `system` certificate from `server` with a fresh software key's CSR.
fn issue(server: &AcmeServer, ca: &mut AcmeCa, station: &mut Station) -> Issued {
    let template = system_template();
    let key = p256_key();
    let csr = build_csr::<_, DerSignature>(&template, &key).unwrap();
    let spki = public_key_der(&key).unwrap();
    let request = CaRequest {
        request_id: "APP-000001",
        csr_der: &csr,
        template: &template,
        applicant: "Siti Rahmawati",
        kind: "system",
    };
    let started = Instant::now();
    let submission = station
        .with_records(|tx| ca.submit(tx, &request))
        .unwrap_or_else(|e| {
            panic!(
                "ACME issuance failed: {e}\nserver log:\n{}",
                server.log_text()
            )
        });
    eprintln!("issued by {} in {:?}", ca.name(), started.elapsed());
    let Submission::Issued {
        certificate_der,
        chain_der,
    } = submission
    else {
        panic!("an ACME CA issues at once");
    };
    Issued {
        certificate: Certificate::from_der(&certificate_der).unwrap(),
        der: certificate_der,
        chain: chain_der,
        spki,
        template,
    }
}

fn assert_key_and_names(issued: &Issued) {
    assert_eq!(
        issued
            .certificate
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap(),
        issued.spki,
        "the certificate must hold the CSR's (token's) public key"
    );
    let mut expected = issued.template.san_dns.clone();
    expected.sort();
    assert_eq!(dns_names(&issued.certificate), expected);
}

#[test]
fn pebble_issues_a_system_certificate_for_the_csr_key_and_dns_names() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = acme_support::start_pebble(dir.path()) else {
        return;
    };
    let mut station = Station::new();
    let mut ca = AcmeCa::new(settings(&server));
    let issued = issue(&server, &mut ca, &mut station);
    assert_key_and_names(&issued);
    assert!(!issued.chain.is_empty(), "pebble sends its intermediate");
    let text = openssl_verify(dir.path(), &server.issuer_root, &issued.der, &issued.chain);
    assert!(text.contains("OK"), "{text}");

    // Recorded like any issued certificate, and revocable through the same account key.
    let serial = issued
        .certificate
        .tbs_certificate()
        .serial_number()
        .as_bytes()
        .to_vec();
    let serial_hex = kustodi::ca::serial_hex(&serial);
    let name = ca.name().to_owned();
    let recorded = station
        .with_records(|tx| Ok(tx.issued(&name, &serial_hex)?))
        .unwrap()
        .expect("the issued certificate is recorded");
    assert_eq!(recorded.request_id, "APP-000001");
    assert_eq!(recorded.der, issued.der);
    let revocation = station
        .with_records(|tx| ca.revoke(tx, &serial, RevocationReason::Superseded))
        .unwrap_or_else(|e| panic!("revocation failed: {e}\n{}", server.log_text()));
    assert!(matches!(
        revocation,
        Revocation::Done {
            reason: RevocationReason::Superseded,
            ..
        }
    ));
}

#[test]
fn a_kept_account_key_orders_again_on_the_same_server() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = acme_support::start_pebble(dir.path()) else {
        return;
    };
    let mut station = Station::new();
    let mut first = AcmeCa::new(settings(&server));
    issue(&server, &mut first, &mut station);
    let kept = first.account().expect("the account is registered").clone();
    assert!(kept.url.starts_with("https://127.0.0.1:"), "{}", kept.url);
    let mut again = AcmeCa::with_account(settings(&server), kept);
    let issued = issue(&server, &mut again, &mut station);
    assert_key_and_names(&issued);
}

#[test]
fn acme2certifier_issues_with_its_own_ca_and_keeps_the_subject() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = acme_support::start_acme2certifier(dir.path()) else {
        return;
    };
    let mut station = Station::new();
    let mut ca = AcmeCa::new(settings(&server));
    let issued = issue(&server, &mut ca, &mut station);
    assert_key_and_names(&issued);
    let text = openssl_verify(dir.path(), &server.issuer_root, &issued.der, &issued.chain);
    assert!(text.contains("OK"), "{text}");
    let subject = issued.certificate.tbs_certificate().subject().to_string();
    assert!(
        subject.contains("CN=srikandi.bekasikab.go.id"),
        "the subject of the CSR is kept: {subject}"
    );
}

#[test]
fn an_unreachable_directory_is_an_unreachable_error() {
    let port = acme_support::free_port();
    let mut ca = AcmeCa::new(AcmeSettings {
        timeout: Duration::from_secs(5),
        ..AcmeSettings::new(format!("https://127.0.0.1:{port}/dir"))
    });
    let template = system_template();
    let key = p256_key();
    let csr = build_csr::<_, DerSignature>(&template, &key).unwrap();
    let mut station = Station::new();
    let started = Instant::now();
    let err = station
        .with_records(|tx| {
            ca.submit(
                tx,
                &CaRequest {
                    request_id: "APP-000002",
                    csr_der: &csr,
                    template: &template,
                    applicant: "Siti Rahmawati",
                    kind: "system",
                },
            )
        })
        .unwrap_err();
    assert!(
        matches!(&err, CaError::Acme(AcmeError::Unreachable { url, .. }) if url.contains(&port.to_string())),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_template_without_dns_names_is_refused_before_any_request() {
    let mut template = system_template();
    template.san_dns.clear();
    let key = p256_key();
    let csr = build_csr::<_, DerSignature>(&template, &key).unwrap();
    let mut ca = AcmeCa::new(AcmeSettings::new("https://127.0.0.1:1/dir"));
    let mut station = Station::new();
    let err = station
        .with_records(|tx| {
            ca.submit(
                tx,
                &CaRequest {
                    request_id: "APP-000003",
                    csr_der: &csr,
                    template: &template,
                    applicant: "Siti Rahmawati",
                    kind: "system",
                },
            )
        })
        .unwrap_err();
    assert!(
        matches!(err, CaError::Acme(AcmeError::NoDnsNames)),
        "{err:?}"
    );
}
