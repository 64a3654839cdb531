//! The certificate pipeline against real OpenSSL as an independent verifier: CSRs, issued
//! certificates and CRLs from Kustodi must satisfy `openssl`, and certificates made by an
//! OpenSSL CA must come back through the offline import and the certificate check.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use der::{Decode, Encode, EncodePem};
use kustodi::ca::embedded::{EmbeddedCa, SANDBOX_CA_SUBJECT};
use kustodi::ca::offline::OfflineCa;
use kustodi::ca::{CaError, CaRequest, CertificateAuthority, RevocationReason, Submission};
use kustodi::certcheck::{self, CheckError};
use kustodi::csr::{build_csr, csr_to_pem, public_key_der};
use kustodi::domain::profile::{CertificateTemplate, DEFAULT_PROFILES, Profiles, SubjectFacts};
use kustodi::ports::{CheckpointSigner, Clock, SignError, SystemClock};
use kustodi::store::SqliteStore;
use p256::ecdsa::{DerSignature, SigningKey};
use signature::Signer as _;
use time::{Duration, OffsetDateTime};
use x509_cert::Certificate;

const KINDS: &[&str] = &["individual", "position", "system"];
const USES: &[&str] = &["signature", "email", "document", "tls_server", "tls_client"];

/// The station key that would seal ledger checkpoints (the CA records write no events, so it
/// signs nothing here, but a unit of work needs one).
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

struct Station {
    dir: tempfile::TempDir,
    store: SqliteStore,
    station_key: StationKey,
}

impl Station {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("kustodi.sqlite")).unwrap();
        Station {
            dir,
            store,
            station_key: StationKey(p256_key()),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Runs a CA operation in a unit of work, on `clock`.
    fn with_records<T>(
        &mut self,
        clock: &dyn Clock,
        f: impl FnOnce(&mut dyn kustodi::ca::CaRecords) -> Result<T, CaError>,
    ) -> Result<T, CaError> {
        self.store
            .unit_of_work(&self.station_key, clock, |tx| f(tx))
    }

    fn openssl(&self, args: &[&str]) -> Output {
        Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl is installed")
    }

    fn openssl_ok(&self, args: &[&str]) -> String {
        let out = self.openssl(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
        text
    }

    /// A software CA made with OpenSSL (stand-in for BSrE): root.key + `<name>.pem`.
    fn openssl_ca(&self, name: &str, cn: &str) {
        self.openssl_ok(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-subj",
            &format!("/C=ID/O=Balai Sertifikasi Elektronik/CN={cn}"),
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn pem_cert(der: &[u8]) -> String {
    Certificate::from_der(der)
        .unwrap()
        .to_pem(der::pem::LineEnding::LF)
        .unwrap()
}

fn pem_to_der(pem: &[u8]) -> Vec<u8> {
    Certificate::load_pem_chain(pem).unwrap()[0]
        .to_der()
        .unwrap()
}

fn profiles() -> Profiles {
    Profiles::parse(DEFAULT_PROFILES, KINDS, USES).unwrap()
}

fn facts(kind: &str, uses: &[&str]) -> SubjectFacts {
    SubjectFacts {
        kind: kind.into(),
        uses: uses.iter().map(|u| u.to_string()).collect(),
        name: "Siti Rahmawati".into(),
        department: "Dinas Komunikasi, Informatika, Persandian dan Statistik".into(),
        position_title: Some("Kepala Bidang Persandian".into()),
        system_name: Some("SRIKANDI Kabupaten Bekasi".into()),
        nip: Some("198503152010012001".into()),
        email: Some("siti.rahmawati@bekasikab.go.id".into()),
        dns_names: vec![
            "srikandi.bekasikab.go.id".into(),
            "www.srikandi.bekasikab.go.id".into(),
        ],
    }
}

fn template(kind: &str, uses: &[&str], algorithm: &str) -> CertificateTemplate {
    profiles().template(&facts(kind, uses), algorithm).unwrap()
}

/// OpenSSL's display names of key usages and EKUs.
fn openssl_name(name: &str) -> &'static str {
    match name {
        "digitalSignature" => "Digital Signature",
        "nonRepudiation" => "Non Repudiation",
        "keyEncipherment" => "Key Encipherment",
        "dataEncipherment" => "Data Encipherment",
        "keyAgreement" => "Key Agreement",
        "serverAuth" => "TLS Web Server Authentication",
        "clientAuth" => "TLS Web Client Authentication",
        "emailProtection" => "E-mail Protection",
        other => panic!("no OpenSSL name for {other}"),
    }
}

/// One CSR signed by a key of `algorithm` (the token in production), with its public key.
fn csr_for(template: &CertificateTemplate, algorithm: &str) -> (Vec<u8>, Vec<u8>) {
    match algorithm {
        "p256" => {
            let key = p256_key();
            (
                build_csr::<_, DerSignature>(template, &key).unwrap(),
                public_key_der(&key).unwrap(),
            )
        }
        "p384" => {
            let key = p384::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 48]>()).unwrap();
            (
                build_csr::<_, p384::ecdsa::DerSignature>(template, &key).unwrap(),
                public_key_der(&key).unwrap(),
            )
        }
        "rsa2048" => {
            let key =
                rsa::pkcs1v15::SigningKey::<sha2::Sha256>::random(&mut rand::rng(), 2048).unwrap();
            (
                build_csr::<_, rsa::pkcs1v15::Signature>(template, &key).unwrap(),
                public_key_der(&key).unwrap(),
            )
        }
        other => panic!("{other}"),
    }
}

fn sandbox_ca() -> EmbeddedCa<SigningKey, DerSignature> {
    EmbeddedCa::create_root(
        p256_key(),
        SANDBOX_CA_SUBJECT,
        OffsetDateTime::now_utc() - Duration::hours(1),
        3650,
    )
    .unwrap()
}

#[test]
fn every_kind_passes_openssl_from_csr_to_issued_certificate() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("individual", &["signature", "email"], "p256"),
        ("position", &["signature", "document"], "p384"),
        ("system", &["tls_server", "tls_client"], "rsa2048"),
    ];
    let mut st = Station::new();
    let mut ca = sandbox_ca();
    let root = st.write("root.pem", ca.certificate_pem());
    for (kind, uses, algorithm) in cases {
        let t = template(kind, uses, algorithm);
        let (csr, spki) = csr_for(&t, algorithm);
        let csr_path = st.write(&format!("{kind}.csr.pem"), csr_to_pem(&csr).unwrap());
        let out = st.openssl_ok(&["req", "-in", s(&csr_path), "-verify", "-noout"]);
        assert!(
            out.contains("verify OK") || out.contains("self-signature ok"),
            "{out}"
        );

        let request = CaRequest {
            request_id: "APP-000001",
            csr_der: &csr,
            template: &t,
            applicant: "Siti Rahmawati",
            kind,
        };
        let Submission::Issued {
            certificate_der,
            chain_der,
        } = st
            .with_records(&SystemClock, |r| ca.submit(r, &request))
            .unwrap()
        else {
            panic!("the embedded CA issues at once");
        };
        assert_eq!(chain_der, [ca.certificate_der().to_vec()]);
        let leaf = st.write(&format!("{kind}.pem"), pem_cert(&certificate_der));
        let out = st.openssl_ok(&["verify", "-CAfile", s(&root), s(&leaf)]);
        assert!(out.contains(": OK"), "{out}");

        let text = st.openssl_ok(&[
            "x509",
            "-in",
            s(&leaf),
            "-noout",
            "-subject",
            "-ext",
            "keyUsage,extendedKeyUsage,subjectAltName,basicConstraints",
        ]);
        assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
        for ku in &t.key_usage {
            assert!(
                text.contains(openssl_name(ku)),
                "{kind}: no {ku} in\n{text}"
            );
        }
        for (ku, _) in [("keyCertSign", ()), ("cRLSign", ())] {
            assert!(!text.contains(ku), "{text}");
        }
        for eku in &t.extended_key_usage {
            assert!(
                text.contains(openssl_name(eku)),
                "{kind}: no {eku} in\n{text}"
            );
        }
        assert_eq!(
            text.contains("Extended Key Usage"),
            !t.extended_key_usage.is_empty()
        );
        for email in &t.san_email {
            assert!(text.contains(&format!("email:{email}")), "{text}");
        }
        for dns in &t.san_dns {
            assert!(text.contains(&format!("DNS:{dns}")), "{text}");
        }
        assert!(text.contains("CA:FALSE"), "{text}");
        assert!(text.contains("CN = Siti Rahmawati") || text.contains("CN = SRIKANDI"));

        certcheck::check(
            &certificate_der,
            &chain_der,
            &[ca.certificate_der().to_vec()],
            &spki,
            &t,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    }
}

#[test]
fn the_crl_lists_the_revoked_serial_and_openssl_refuses_the_revoked_certificate() {
    let mut st = Station::new();
    let mut ca = sandbox_ca().with_crl_url("http://pki.bekasikab.go.id/sandbox.crl");
    let root = st.write("root.pem", ca.certificate_pem());
    let t = template("individual", &["signature"], "p256");
    let issue = |st: &mut Station| {
        let (csr, _) = csr_for(&t, "p256");
        st.with_records(&SystemClock, |r| ca.issue(r, &csr, &t, "APP-000002"))
            .unwrap()
    };
    let kept = issue(&mut st);
    let revoked = issue(&mut st);
    let serial = Certificate::from_der(&revoked)
        .unwrap()
        .tbs_certificate()
        .serial_number()
        .as_bytes()
        .to_vec();
    st.with_records(&SystemClock, |r| {
        ca.revoke(r, &serial, RevocationReason::KeyCompromise)
    })
    .unwrap();
    let crl = st
        .with_records(&SystemClock, |r| ca.crl(r, Duration::days(7)))
        .unwrap();
    let crl_pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &crl).unwrap();
    let crl_path = st.write("sandbox.crl.pem", crl_pem);

    let text = st.openssl_ok(&["crl", "-in", s(&crl_path), "-text", "-noout"]);
    assert!(
        text.contains(&hex::encode_upper(&serial)),
        "serial {} not listed:\n{text}",
        hex::encode_upper(&serial)
    );
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains("X509v3 CRL Number"), "{text}");
    assert!(text.contains("Version 2"), "{text}");
    assert!(text.contains("Next Update"), "{text}");
    st.openssl_ok(&["crl", "-in", s(&crl_path), "-CAfile", s(&root), "-noout"]);

    let revoked_path = st.write("revoked.pem", pem_cert(&revoked));
    let kept_path = st.write("kept.pem", pem_cert(&kept));
    let out = st.openssl(&[
        "verify",
        "-crl_check",
        "-CRLfile",
        s(&crl_path),
        "-CAfile",
        s(&root),
        s(&revoked_path),
    ]);
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a revoked certificate verified:\n{text}"
    );
    assert!(text.contains("certificate revoked"), "{text}");
    st.openssl_ok(&[
        "verify",
        "-crl_check",
        "-CRLfile",
        s(&crl_path),
        "-CAfile",
        s(&root),
        s(&kept_path),
    ]);
    let cdp = st.openssl_ok(&[
        "x509",
        "-in",
        s(&kept_path),
        "-noout",
        "-ext",
        "crlDistributionPoints",
    ]);
    assert!(
        cdp.contains("URI:http://pki.bekasikab.go.id/sandbox.crl"),
        "{cdp}"
    );
}

#[test]
fn the_offline_round_trip_through_an_openssl_ca_imports_pem_der_and_pkcs7() {
    let mut st = Station::new();
    st.openssl_ca("bsre", "BSrE Test CA");
    let mut offline = OfflineCa::new("BSrE", st.path("outbox"));
    let t = template("individual", &["signature", "email"], "p256");
    let (csr, spki) = csr_for(&t, "p256");
    let request = CaRequest {
        request_id: "APP-000003",
        csr_der: &csr,
        template: &t,
        applicant: "Siti Rahmawati",
        kind: "individual",
    };
    let Submission::Pending { ticket, .. } = st
        .with_records(&SystemClock, |r| offline.submit(r, &request))
        .unwrap()
    else {
        panic!("the offline CA answers Pending");
    };
    let csr_path = offline.csr_path(&ticket);
    let sheet = std::fs::read_to_string(offline.sheet_path(&ticket)).unwrap();
    assert!(sheet.contains("APP-000003") && sheet.contains("BSrE"));

    // Outside the station: the CA signs the CSR as it is.
    st.openssl_ok(&[
        "x509",
        "-req",
        "-in",
        s(&csr_path),
        "-CA",
        "bsre.pem",
        "-CAkey",
        "bsre.key",
        "-copy_extensions",
        "copyall",
        "-days",
        "30",
        "-out",
        "issued.pem",
    ]);
    st.openssl_ok(&[
        "x509",
        "-in",
        "issued.pem",
        "-outform",
        "DER",
        "-out",
        "issued.der",
    ]);
    st.openssl_ok(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "bsre.pem",
        "-certfile",
        "issued.pem",
        "-out",
        "issued.p7b",
    ]);
    st.openssl_ok(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "issued.pem",
        "-certfile",
        "bsre.pem",
        "-outform",
        "DER",
        "-out",
        "issued.p7c",
    ]);
    let anchor = pem_to_der(&std::fs::read(st.path("bsre.pem")).unwrap());
    for (file, chain_len) in [
        ("issued.pem", 0),
        ("issued.der", 0),
        ("issued.p7b", 1),
        ("issued.p7c", 1),
    ] {
        let bytes = std::fs::read(st.path(file)).unwrap();
        let imported = offline.import(&ticket, &bytes).unwrap();
        assert_eq!(imported.chain_der.len(), chain_len, "{file}");
        let checked = certcheck::check(
            &imported.certificate_der,
            &imported.chain_der,
            std::slice::from_ref(&anchor),
            &spki,
            &t,
            OffsetDateTime::now_utc(),
        )
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(checked.issuer.contains("CN=BSrE Test CA"));
    }
}

#[test]
fn certificates_that_do_not_fit_are_refused_with_the_right_check_error() {
    let st = Station::new();
    st.openssl_ca("bsre", "BSrE Test CA");
    st.openssl_ca("other", "Some Other CA");
    let anchor = pem_to_der(&std::fs::read(st.path("bsre.pem")).unwrap());
    let t = template("individual", &["signature"], "p256");
    let (csr, spki) = csr_for(&t, "p256");
    st.write("req.csr.pem", csr_to_pem(&csr).unwrap());
    let sign = |ca: &str, out: &str, extra: &[&str]| {
        let key = ca.replace(".pem", ".key");
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            "req.csr.pem",
            "-CA",
            ca,
            "-CAkey",
            &key,
            "-out",
            out,
        ];
        args.extend_from_slice(extra);
        st.openssl_ok(&args);
        pem_to_der(&std::fs::read(st.path(out)).unwrap())
    };
    // Checked "now", i.e. after OpenSSL issued the certificate: OpenSSL truncates notBefore
    // to the second, so a time taken before signing could fall before it (flaky).
    let check = |der: &[u8], expected_spki: &[u8]| {
        certcheck::check(
            der,
            &[],
            std::slice::from_ref(&anchor),
            expected_spki,
            &t,
            OffsetDateTime::now_utc(),
        )
    };
    let now = OffsetDateTime::now_utc();

    // The right certificate passes: the refusals below are about one thing each.
    let good = sign(
        "bsre.pem",
        "good.pem",
        &["-copy_extensions", "copyall", "-days", "30"],
    );
    check(&good, &spki).unwrap();

    // A certificate for another key (another request's CSR).
    let (_, other_spki) = csr_for(&t, "p256");
    assert!(matches!(
        check(&good, &other_spki),
        Err(CheckError::PublicKeyMismatch { .. })
    ));

    // Expired: issued with a validity that ended yesterday.
    let expired = sign(
        "bsre.pem",
        "expired.pem",
        &["-copy_extensions", "copyall", "-days", "-1"],
    );
    assert!(matches!(
        check(&expired, &spki),
        Err(CheckError::Expired { not_after }) if not_after < now
    ));

    // Chained to another CA.
    let foreign = sign(
        "other.pem",
        "foreign.pem",
        &["-copy_extensions", "copyall", "-days", "30"],
    );
    assert_eq!(
        check(&foreign, &spki).unwrap_err(),
        CheckError::UntrustedIssuer {
            issuer: "CN=Some Other CA,O=Balai Sertifikasi Elektronik,C=ID".into()
        }
    );

    // Wrong key usage: the CA replaced the requested extensions with its own.
    st.write(
        "wrong-ku.ext",
        "keyUsage=critical,digitalSignature,keyEncipherment\n",
    );
    let wrong_ku = sign(
        "bsre.pem",
        "wrong-ku.pem",
        &["-extfile", "wrong-ku.ext", "-days", "30"],
    );
    match check(&wrong_ku, &spki).unwrap_err() {
        CheckError::KeyUsageDiffers { expected, found } => {
            assert_eq!(expected, t.key_usage);
            assert!(found.contains("keyEncipherment"));
            assert!(!found.contains("nonRepudiation"));
        }
        other => panic!("expected KeyUsageDiffers, got {other:?}"),
    }
}
