//! The path to the national CA (BSrE), which has no API: the CSR leaves the station as a file
//! with a human request sheet, the officer uploads it to the BSrE portal, and the certificate
//! that comes back (PEM, DER or PKCS#7 certs-only) is imported and matched to the request by its
//! public key.

use std::fs;
use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use x509_cert::Certificate;

use super::{
    CaError, CaRecords, CaRequest, CertificateAuthority, Revocation, RevocationReason, Submission,
    serial_hex,
};
use crate::certcheck::sha256_hex;
use crate::csr::{VerifiedCsr, csr_to_pem, parse_and_verify_csr};

/// A certificate imported from the CA, matched to its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The end-entity certificate for the request's key, DER.
    pub certificate_der: Vec<u8>,
    /// The other certificates in the file (the CA chain), in file order, DER.
    pub chain_der: Vec<Vec<u8>>,
}

/// The offline CA: an outbox folder of requests.
#[derive(Debug, Clone)]
pub struct OfflineCa {
    name: String,
    display: String,
    outbox: PathBuf,
}

fn outbox_err(path: &Path, e: impl std::fmt::Display) -> CaError {
    CaError::Outbox {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// `AB:CD:…`, the way OpenSSL and the BSrE portal show fingerprints.
fn colon_hex(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(":")
}

fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl OfflineCa {
    /// An offline CA called `display` (e.g. `BSrE`) writing requests into `outbox`.
    pub fn new(display: &str, outbox: impl Into<PathBuf>) -> Self {
        Self {
            name: format!("offline:{display}"),
            display: display.to_owned(),
            outbox: outbox.into(),
        }
    }

    pub fn outbox(&self) -> &Path {
        &self.outbox
    }

    /// The CSR file of a ticket.
    pub fn csr_path(&self, ticket: &str) -> PathBuf {
        self.outbox.join(format!("{}.csr.pem", safe_id(ticket)))
    }

    /// The request sheet of a ticket.
    pub fn sheet_path(&self, ticket: &str) -> PathBuf {
        self.outbox.join(format!("{}.txt", safe_id(ticket)))
    }

    fn instructions(&self, csr_file: &str) -> String {
        let ca = &self.display;
        format!(
            "Langkah-langkah (Bahasa Indonesia):\n\
             1. Salin berkas {csr_file} ke media yang diizinkan.\n\
             2. Masuk ke portal {ca} dengan akun Operator Pendaftaran (OP).\n\
             3. Unggah CSR, lalu cocokkan sidik jari SHA-256 yang ditampilkan portal dengan lembar ini.\n\
             4. Setelah {ca} menerbitkan sertifikat, unduh sertifikatnya (PEM, DER atau PKCS#7 .p7b/.p7c).\n\
             5. Impor berkas itu di Kustodi dengan tiket ini; Kustodi memeriksanya sebelum ditulis ke token.\n\
             \n\
             Steps (English):\n\
             1. Copy the file {csr_file} to approved media.\n\
             2. Sign in to the {ca} portal with the Registration Authority (OP) account.\n\
             3. Upload the CSR and compare the SHA-256 fingerprint the portal shows with this sheet.\n\
             4. When {ca} has issued the certificate, download it (PEM, DER or PKCS#7 .p7b/.p7c).\n\
             5. Import that file in Kustodi with this ticket; Kustodi checks it before writing it to the token.\n"
        )
    }

    fn sheet(&self, ticket: &str, request: &CaRequest<'_>, csr: &VerifiedCsr) -> String {
        let t = request.template;
        let subject = t
            .subject
            .iter()
            .map(|(a, v)| format!("{a}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sans: Vec<String> = t
            .san_email
            .iter()
            .map(|e| format!("email:{e}"))
            .chain(t.san_dns.iter().map(|d| format!("DNS:{d}")))
            .collect();
        let sans = if sans.is_empty() {
            "-".to_owned()
        } else {
            sans.join(", ")
        };
        let join = |s: &std::collections::BTreeSet<String>| {
            if s.is_empty() {
                "-".to_owned()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        let csr_file = format!("{}.csr.pem", safe_id(ticket));
        format!(
            "PERMINTAAN SERTIFIKAT ELEKTRONIK / CERTIFICATE REQUEST ({ca})\n\
             ===========================================================\n\
             Tiket / Ticket:                          {ticket}\n\
             Nomor permohonan / Request id:           {id}\n\
             Pemohon / Applicant:                     {applicant}\n\
             Jenis sertifikat / Kind:                 {kind}\n\
             Subjek / Subject:                        {subject}\n\
             Nama alternatif / Subject alt. names:    {sans}\n\
             Penggunaan kunci / Key usage:            {ku}\n\
             Penggunaan kunci lanjutan / Ext. usage:  {eku}\n\
             Masa berlaku / Validity:                 {days} hari / days\n\
             Algoritma kunci / Key algorithm:         {alg}\n\
             Berkas CSR / CSR file:                   {csr_file}\n\
             Sidik jari CSR / CSR fingerprint (SHA-256):\n    {fp}\n\
             Sidik jari kunci publik / Public key fingerprint (SHA-256):\n    {kfp}\n\
             \n{steps}",
            ca = self.display,
            id = request.request_id,
            applicant = request.applicant,
            kind = request.kind,
            ku = join(&t.key_usage),
            eku = join(&t.extended_key_usage),
            days = t.validity_days,
            alg = csr.key_algorithm,
            fp = colon_hex(&sha256_hex(&csr.der)),
            kfp = colon_hex(&sha256_hex(&csr.spki_der)),
            steps = self.instructions(&csr_file),
        )
    }

    /// Imports what the CA returned for `ticket`: the certificate whose public key is the one
    /// in the ticket's CSR, and the rest of the file as its chain.
    pub fn import(&self, ticket: &str, bytes: &[u8]) -> Result<Imported, CaError> {
        let path = self.csr_path(ticket);
        let csr_pem = fs::read(&path).map_err(|_| CaError::UnknownTicket {
            ticket: ticket.to_owned(),
        })?;
        let csr = parse_and_verify_csr(&csr_pem)?;
        import_certificates(bytes, &csr.spki_der)
    }
}

impl CertificateAuthority for OfflineCa {
    fn name(&self) -> &str {
        &self.name
    }

    /// Writes `<ticket>.csr.pem` and the request sheet `<ticket>.txt` into the outbox.
    fn submit(
        &mut self,
        _records: &mut dyn CaRecords,
        request: &CaRequest<'_>,
    ) -> Result<Submission, CaError> {
        let csr = parse_and_verify_csr(request.csr_der)?;
        let algorithm = csr.key_algorithm.profile_name();
        if !request.template.algorithms.contains(&algorithm) {
            return Err(CaError::KeyAlgorithmNotAllowed {
                found: csr.key_algorithm,
                allowed: request.template.algorithms.clone(),
            });
        }
        let ticket = format!(
            "{}-{}",
            safe_id(request.request_id),
            &sha256_hex(&csr.der)[..8]
        );
        fs::create_dir_all(&self.outbox).map_err(|e| outbox_err(&self.outbox, e))?;
        let csr_path = self.csr_path(&ticket);
        fs::write(&csr_path, csr_to_pem(&csr.der)?).map_err(|e| outbox_err(&csr_path, e))?;
        let sheet_path = self.sheet_path(&ticket);
        fs::write(&sheet_path, self.sheet(&ticket, request, &csr))
            .map_err(|e| outbox_err(&sheet_path, e))?;
        let csr_file = format!("{}.csr.pem", safe_id(&ticket));
        Ok(Submission::Pending {
            instructions: self.instructions(&csr_file),
            ticket,
        })
    }

    /// BSrE revokes through its portal: writes a revocation sheet into the outbox.
    fn revoke(
        &mut self,
        records: &mut dyn CaRecords,
        serial: &[u8],
        reason: RevocationReason,
    ) -> Result<Revocation, CaError> {
        let serial = serial_hex(serial);
        let ticket = format!("revoke-{serial}");
        let ca = &self.display;
        let instructions = format!(
            "Ajukan pencabutan sertifikat bernomor seri {serial} (alasan: {reason}) melalui portal \
             {ca}, lalu catat nomor tiket {ca} di Kustodi.\n\
             Request revocation of the certificate with serial {serial} (reason: {reason}) in the \
             {ca} portal, then record the {ca} ticket number in Kustodi.\n"
        );
        fs::create_dir_all(&self.outbox).map_err(|e| outbox_err(&self.outbox, e))?;
        let path = self.outbox.join(format!("{ticket}.txt"));
        let sheet = format!(
            "PENCABUTAN SERTIFIKAT / CERTIFICATE REVOCATION ({ca})\n\
             Nomor seri / Serial:  {serial}\n\
             Alasan / Reason:      {reason} ({code})\n\
             Waktu / Time:         {now}\n\n{instructions}",
            code = reason.code(),
            now = records.now(),
        );
        fs::write(&path, sheet).map_err(|e| outbox_err(&path, e))?;
        Ok(Revocation::Requested {
            ticket,
            instructions,
        })
    }
}

/// Every certificate in `bytes`: PEM (any number of `CERTIFICATE` and `PKCS7`/`CMS` blocks),
/// DER certificate, or DER PKCS#7 certs-only (`.p7b`/`.p7c`).
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CaError> {
    let unreadable = |reason: String| CaError::ImportUnreadable { reason };
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.contains("-----BEGIN "));
    let mut out = Vec::new();
    if let Some(text) = text {
        let mut rest = text;
        while let Some(start) = rest.find("-----BEGIN ") {
            let block = &rest[start..];
            let label_end = block[11..]
                .find("-----")
                .ok_or_else(|| unreadable("unterminated PEM header".into()))?;
            let label = &block[11..11 + label_end];
            let end_marker = format!("-----END {label}-----");
            let end = block
                .find(&end_marker)
                .ok_or_else(|| unreadable(format!("no {end_marker} line")))?
                + end_marker.len();
            let (_, der) = der::pem::decode_vec(&block.as_bytes()[..end])
                .map_err(|e| unreadable(format!("PEM block {label}: {e}")))?;
            match label {
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => out.push(der),
                "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA" => out.extend(pkcs7_certificates(&der)?),
                _ => {} // keys, CRLs, requests: not ours to import
            }
            rest = &block[end..];
        }
    } else if Certificate::from_der(bytes).is_ok() {
        out.push(bytes.to_vec());
    } else {
        out.extend(pkcs7_certificates(bytes)?);
    }
    for (i, der) in out.iter().enumerate() {
        Certificate::from_der(der)
            .map_err(|e| unreadable(format!("certificate {} in the file: {e}", i + 1)))?;
    }
    if out.is_empty() {
        return Err(unreadable("the file contains no certificate".into()));
    }
    Ok(out)
}

/// Picks, among the certificates in `bytes`, the one for `expected_spki_der`; the others are
/// its chain.
pub fn import_certificates(bytes: &[u8], expected_spki_der: &[u8]) -> Result<Imported, CaError> {
    let certs = read_certificates(bytes)?;
    let count = certs.len();
    let position = certs.iter().position(|der| {
        Certificate::from_der(der)
            .ok()
            .and_then(|c| c.tbs_certificate().subject_public_key_info().to_der().ok())
            .is_some_and(|spki| spki == expected_spki_der)
    });
    let Some(position) = position else {
        return Err(CaError::ImportNoMatchingCertificate { count });
    };
    let mut chain_der = certs;
    let certificate_der = chain_der.remove(position);
    Ok(Imported {
        certificate_der,
        chain_der,
    })
}

/// DER of id-signedData (1.2.840.113549.1.7.2).
const SIGNED_DATA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// One definite-length DER TLV: (tag, whole TLV, value, rest).
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // multi-byte tags do not occur here
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None; // indefinite (BER) or absurd length
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((tag, &input[..header + len], &rest[..len], &rest[len..]))
}

/// The certificates of a DER PKCS#7 / CMS SignedData (certs-only or not).
pub fn pkcs7_certificates(der: &[u8]) -> Result<Vec<Vec<u8>>, CaError> {
    let bad = |what: &str| CaError::ImportUnreadable {
        reason: format!("not a PEM/DER certificate or DER PKCS#7 SignedData ({what})"),
    };
    let (tag, _, content_info, _) = tlv(der).ok_or_else(|| bad("no ContentInfo"))?;
    if tag != 0x30 {
        return Err(bad("no ContentInfo"));
    }
    let (tag, _, oid, rest) = tlv(content_info).ok_or_else(|| bad("no content type"))?;
    if tag != 0x06 || oid != SIGNED_DATA_OID {
        return Err(bad("content type is not signedData"));
    }
    let (tag, _, explicit, _) = tlv(rest).ok_or_else(|| bad("no content"))?;
    if tag != 0xa0 {
        return Err(bad("no content"));
    }
    let (tag, _, signed_data, _) = tlv(explicit).ok_or_else(|| bad("no SignedData"))?;
    if tag != 0x30 {
        return Err(bad("no SignedData"));
    }
    let mut rest = signed_data;
    // version, digestAlgorithms, encapContentInfo
    for expected in [0x02, 0x31, 0x30] {
        let (tag, _, _, r) = tlv(rest).ok_or_else(|| bad("truncated SignedData"))?;
        if tag != expected {
            return Err(bad("malformed SignedData"));
        }
        rest = r;
    }
    let mut certs = Vec::new();
    if let Some((0xa0, _, mut set, _)) = tlv(rest) {
        while !set.is_empty() {
            let (tag, whole, _, r) = tlv(set).ok_or_else(|| bad("malformed certificate set"))?;
            if tag == 0x30 {
                certs.push(whole.to_vec());
            }
            set = r;
        }
    }
    Ok(certs)
}

fn der_tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(value);
    out
}

/// A PKCS#7 certs-only bundle (`.p7b`), DER, like `openssl crl2pkcs7 -nocrl` makes.
pub fn pkcs7_certs_only(certs: &[Vec<u8>]) -> Vec<u8> {
    let data_oid = der_tlv(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    let mut body = der_tlv(0x02, &[0x01]);
    body.extend(der_tlv(0x31, &[]));
    body.extend(der_tlv(0x30, &data_oid));
    body.extend(der_tlv(0xa0, &certs.concat()));
    body.extend(der_tlv(0x31, &[]));
    let signed_data = der_tlv(0x30, &body);
    let mut ci = der_tlv(0x06, SIGNED_DATA_OID);
    ci.extend(der_tlv(0xa0, &signed_data));
    der_tlv(0x30, &ci)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::embedded::tests::{Records, T0, sandbox_ca};
    use crate::certcheck;
    use crate::csr::tests::{p256_key, template};
    use crate::csr::{build_csr, public_key_der};
    use der::EncodePem;
    use p256::ecdsa::DerSignature;

    struct Fixture {
        _dir: tempfile::TempDir,
        ca: OfflineCa,
        ticket: String,
        leaf: Vec<u8>,
        root: Vec<u8>,
        spki: Vec<u8>,
    }

    fn submitted() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut ca = OfflineCa::new("BSrE", dir.path().join("outbox"));
        let t = template("individual", &["signature", "email"], "p256");
        let key = p256_key();
        let csr = build_csr::<_, DerSignature>(&t, &key).unwrap();
        let mut records = Records::new();
        let request = CaRequest {
            request_id: "APP-000007",
            csr_der: &csr,
            template: &t,
            applicant: "Siti Rahmawati",
            kind: "individual",
        };
        let Submission::Pending {
            ticket,
            instructions,
        } = records.run(|r| ca.submit(r, &request)).unwrap()
        else {
            panic!("offline CA must answer Pending")
        };
        assert!(instructions.contains("Unggah CSR") && instructions.contains("Upload the CSR"));
        // Stand-in for BSrE: any CA signing the same CSR.
        let bsre = sandbox_ca();
        let leaf = records
            .run(|r| bsre.issue(r, &csr, &t, "APP-000007"))
            .unwrap();
        Fixture {
            _dir: dir,
            ca,
            ticket,
            leaf,
            root: bsre.certificate_der().to_vec(),
            spki: public_key_der(&key).unwrap(),
        }
    }

    #[test]
    fn submit_writes_the_csr_and_a_bilingual_request_sheet() {
        let f = submitted();
        assert!(f.ticket.starts_with("APP-000007-"));
        let pem = fs::read_to_string(f.ca.csr_path(&f.ticket)).unwrap();
        let csr = parse_and_verify_csr(pem.as_bytes()).unwrap();
        assert_eq!(csr.spki_der, f.spki);
        let sheet = fs::read_to_string(f.ca.sheet_path(&f.ticket)).unwrap();
        for needle in [
            "Tiket / Ticket:",
            "APP-000007",
            "Siti Rahmawati",
            "individual",
            "CN=Siti Rahmawati",
            "email:siti.rahmawati@bekasikab.go.id",
            "ECDSA P-256",
            &colon_hex(&sha256_hex(&csr.der)),
            "Langkah-langkah",
            "Steps (English)",
        ] {
            assert!(sheet.contains(needle), "sheet lacks {needle:?}:\n{sheet}");
        }
    }

    #[test]
    fn the_certificate_is_imported_from_pem_der_and_pkcs7_in_any_order() {
        let f = submitted();
        let pem = |der: &[u8]| {
            Certificate::from_der(der)
                .unwrap()
                .to_pem(der::pem::LineEnding::LF)
                .unwrap()
        };
        let expected = Imported {
            certificate_der: f.leaf.clone(),
            chain_der: vec![f.root.clone()],
        };
        let bundle = format!("{}{}", pem(&f.root), pem(&f.leaf));
        assert_eq!(f.ca.import(&f.ticket, bundle.as_bytes()).unwrap(), expected);
        let p7 = pkcs7_certs_only(&[f.root.clone(), f.leaf.clone()]);
        assert_eq!(f.ca.import(&f.ticket, &p7).unwrap(), expected);
        let p7_pem = der::pem::encode_string("PKCS7", der::pem::LineEnding::LF, &p7).unwrap();
        assert_eq!(f.ca.import(&f.ticket, p7_pem.as_bytes()).unwrap(), expected);
        let alone = f.ca.import(&f.ticket, &f.leaf).unwrap();
        assert_eq!(alone.certificate_der, f.leaf);
        assert!(alone.chain_der.is_empty());
        // And the imported certificate passes the check.
        certcheck::check(
            &expected.certificate_der,
            &expected.chain_der,
            std::slice::from_ref(&f.root),
            &f.spki,
            &template("individual", &["signature", "email"], "p256"),
            T0,
        )
        .unwrap();
    }

    #[test]
    fn a_file_without_the_requested_key_is_refused() {
        let f = submitted();
        let err = f.ca.import(&f.ticket, &f.root).unwrap_err();
        assert!(matches!(
            err,
            CaError::ImportNoMatchingCertificate { count: 1 }
        ));
        let err = f.ca.import(&f.ticket, b"hello").unwrap_err();
        assert!(matches!(err, CaError::ImportUnreadable { .. }));
        let err = f.ca.import("APP-999999-00000000", &f.leaf).unwrap_err();
        assert!(matches!(err, CaError::UnknownTicket { .. }));
    }

    #[test]
    fn an_offline_revocation_writes_a_sheet_for_the_portal() {
        let dir = tempfile::tempdir().unwrap();
        let mut ca = OfflineCa::new("BSrE", dir.path());
        let rev = Records::new()
            .run(|r| ca.revoke(r, &[0x00, 0x1f, 0x2e], RevocationReason::KeyCompromise))
            .unwrap();
        let Revocation::Requested { ticket, .. } = rev else {
            panic!("offline revocation must be a request")
        };
        assert_eq!(ticket, "revoke-1f2e");
        let sheet = fs::read_to_string(dir.path().join("revoke-1f2e.txt")).unwrap();
        assert!(sheet.contains("keyCompromise (1)"));
    }
}
