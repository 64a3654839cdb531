//! Printable page of a receipt: plain text, at most 80 columns, for A4 in a monospaced font.

use time::{OffsetDateTime, UtcOffset};

use super::agreement::Lang;
use super::body::ReceiptBody;

/// Width of the page in characters.
pub const PAGE_WIDTH: usize = 80;
/// Column where values start (after indent, label and " : ").
const LABEL_WIDTH: usize = 25;

/// `abcd1234…` → `abcd 1234 …`: hex in blocks of four, as read aloud or compared by eye.
pub fn group_hex(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn tr(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

/// Wraps `text` to `width` characters at spaces (hard breaks inside longer words).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let need = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if need <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // a word longer than the line: cut it
            let head: String = word.chars().take(width).collect();
            let tail: String = word.chars().skip(width).collect();
            lines.push(head);
            word = tail;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

struct Page {
    out: String,
}

impl Page {
    fn line(&mut self, s: &str) {
        self.out.push_str(s.trim_end());
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn rule(&mut self, c: char) {
        self.line(&c.to_string().repeat(PAGE_WIDTH));
    }

    fn centred(&mut self, s: &str) {
        for l in wrap(s, PAGE_WIDTH) {
            let pad = (PAGE_WIDTH - l.chars().count()) / 2;
            self.line(&format!("{}{l}", " ".repeat(pad)));
        }
    }

    fn heading(&mut self, s: &str) {
        self.blank();
        self.line(s);
    }

    fn field(&mut self, label: &str, value: &str) {
        let prefix = format!("  {label}");
        let pad = (LABEL_WIDTH - 3).saturating_sub(prefix.chars().count());
        let first = format!("{prefix}{} : ", " ".repeat(pad));
        let indent = " ".repeat(first.chars().count());
        let width = PAGE_WIDTH - first.chars().count();
        for (i, l) in wrap(value, width).into_iter().enumerate() {
            if i == 0 {
                self.line(&format!("{first}{l}"));
            } else {
                self.line(&format!("{indent}{l}"));
            }
        }
    }

    /// A SHA-256 in 4-hex blocks, eight blocks a line.
    fn hash(&mut self, label: &str, hex: &str) {
        let grouped = group_hex(hex);
        let mut lines = grouped
            .as_bytes()
            .chunks(40)
            .map(|c| String::from_utf8_lossy(c).trim().to_owned());
        self.field(label, &lines.next().unwrap_or_default());
        for l in lines {
            self.line(&format!("{}{l}", " ".repeat(LABEL_WIDTH)));
        }
    }

    fn text(&mut self, s: &str, indent: usize) {
        for l in wrap(s, PAGE_WIDTH - indent) {
            self.line(&format!("{}{l}", " ".repeat(indent)));
        }
    }
}

fn when(t: OffsetDateTime) -> String {
    let utc = t.to_offset(UtcOffset::UTC);
    let wib = UtcOffset::from_hms(7, 0, 0)
        .map(|o| t.to_offset(o))
        .unwrap_or(utc);
    let f = |t: OffsetDateTime| {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    format!("{} WIB ({} UTC)", f(wib), f(utc))
}

fn attestation(lang: Lang, result: &str) -> String {
    let word = match result {
        "verified" => tr(lang, "terverifikasi", "verified"),
        "not_available" => tr(lang, "tidak tersedia", "not available"),
        "not_supported" => tr(lang, "tidak didukung token", "not supported by the token"),
        "failed" => tr(lang, "GAGAL", "FAILED"),
        other => return other.to_owned(),
    };
    format!("{word} ({result})")
}

/// The page handed to the applicant: every body field, the receipt's fingerprint
/// (`receipt_sha256`, lowercase hex SHA-256 of the DER), how to verify it, and signature lines.
/// Indonesian by default; English when `lang` is [`Lang::En`] (a translation: the Indonesian
/// agreement text is the binding one).
pub fn render_text(body: &ReceiptBody, receipt_sha256: &str, lang: Lang) -> String {
    let mut p = Page { out: String::new() };
    let file = format!("{}.p7s", body.receipt_id);
    p.rule('=');
    p.centred("BUKTI TANDA TERIMA SERTIFIKAT ELEKTRONIK");
    if lang == Lang::En {
        p.centred("ELECTRONIC CERTIFICATE RECEIPT");
    }
    p.centred(tr(
        lang,
        "Otoritas Pendaftaran (OP) Pemerintah Kabupaten Bekasi",
        "Registration Authority (OP) of the Bekasi Regency Government",
    ));
    p.rule('=');
    p.field(
        tr(lang, "Nomor tanda terima", "Receipt number"),
        &body.receipt_id,
    );
    p.field(
        tr(lang, "Nomor permohonan", "Application number"),
        &body.application_id,
    );
    p.field(tr(lang, "Jenis sertifikat", "Certificate kind"), &body.kind);
    p.field(
        tr(lang, "Waktu penerbitan", "Issued at"),
        &when(body.issued_at),
    );
    p.field(tr(lang, "Loket", "Desk"), &body.desk);
    p.field(tr(lang, "Format", "Format"), &body.format);

    p.heading(tr(lang, "PEMILIK SERTIFIKAT", "CERTIFICATE HOLDER"));
    p.field(tr(lang, "Nama", "Name"), &body.applicant.name);
    p.field("NIP", body.applicant.nip.as_deref().unwrap_or("-"));
    p.field(
        tr(lang, "Perangkat daerah", "Department"),
        &body.applicant.department,
    );
    p.hash(
        tr(lang, "Pengikat NIK", "NIK binding"),
        &body.applicant.nik_sha256,
    );

    p.heading(tr(lang, "TOKEN", "TOKEN"));
    p.field(tr(lang, "Nomor seri", "Serial number"), &body.token.serial);
    p.field(tr(lang, "Model", "Model"), &body.token.model);
    p.field(
        tr(lang, "Pabrikan", "Manufacturer"),
        &body.token.manufacturer,
    );
    p.field(tr(lang, "Firmware", "Firmware"), &body.token.firmware);

    p.heading(tr(
        lang,
        "KUNCI PRIVAT (DI DALAM TOKEN)",
        "PRIVATE KEY (ON THE TOKEN)",
    ));
    p.field(tr(lang, "Algoritme", "Algorithm"), &body.key.algorithm);
    p.hash(
        tr(lang, "SHA-256 kunci publik", "Public key SHA-256"),
        &body.key.spki_sha256,
    );
    p.field(
        tr(lang, "Atestasi", "Attestation"),
        &attestation(lang, &body.attestation.result),
    );
    if !body.attestation.detail.is_empty() {
        p.field(tr(lang, "Keterangan", "Detail"), &body.attestation.detail);
    }

    p.heading(tr(lang, "SERTIFIKAT ELEKTRONIK", "ELECTRONIC CERTIFICATE"));
    p.field(
        tr(lang, "Nomor seri", "Serial number"),
        &body.certificate.serial,
    );
    p.hash("SHA-256", &body.certificate.sha256);
    p.field(
        tr(lang, "Berlaku mulai", "Valid from"),
        &when(body.certificate.not_before),
    );
    p.field(
        tr(lang, "Berlaku sampai", "Valid until"),
        &when(body.certificate.not_after),
    );
    p.field(tr(lang, "Penerbit", "Issuer"), &body.certificate.issuer);
    p.field(
        tr(lang, "Otoritas (CA)", "Authority (CA)"),
        &format!("{} ({})", body.ca.name, body.ca.kind),
    );

    p.heading(tr(
        lang,
        "PERJANJIAN PEMILIK SERTIFIKAT",
        "SUBSCRIBER AGREEMENT",
    ));
    p.field(
        tr(lang, "Versi / bahasa", "Version / language"),
        &format!("{} / {}", body.agreement.version, body.agreement.lang),
    );
    p.hash("SHA-256", &body.agreement.sha256);

    if let Some(ic) = &body.identity_check {
        p.heading(tr(lang, "PEMERIKSAAN ULANG IDENTITAS", "IDENTITY RE-CHECK"));
        p.field(
            tr(lang, "Peristiwa buku besar", "Ledger event"),
            &format!("#{}", ic.seq),
        );
        p.field(tr(lang, "Waktu", "Time"), &when(ic.time));
        p.field(tr(lang, "Diperiksa oleh", "Checked by"), &ic.officer);
    }

    p.heading(tr(lang, "PETUGAS OP", "OP OFFICER"));
    p.field(tr(lang, "Nama", "Name"), &body.officer.name);
    p.field(
        tr(lang, "Identitas petugas", "Officer ID"),
        &body.officer.id,
    );
    p.hash(
        tr(lang, "SHA-256 sertifikat", "Certificate SHA-256"),
        &body.officer.certificate_sha256,
    );

    p.heading(tr(
        lang,
        "SIDIK JARI TANDA TERIMA ELEKTRONIK (SHA-256)",
        "FINGERPRINT OF THE ELECTRONIC RECEIPT (SHA-256)",
    ));
    for chunk in group_hex(receipt_sha256).as_bytes().chunks(40) {
        p.line(&format!("    {}", String::from_utf8_lossy(chunk).trim()));
    }

    p.heading(tr(lang, "CARA MEMERIKSA", "HOW TO VERIFY"));
    p.text(
        &match lang {
            Lang::Id => format!(
                "Tanda terima elektronik ({file}) ditandatangani oleh petugas OP dan oleh \
                 pemilik dengan kunci di dalam token. Periksa dengan OpenSSL dan sertifikat CA:"
            ),
            Lang::En => format!(
                "The electronic receipt ({file}) is signed by the OP officer and by the holder \
                 with the key on the token. Verify it with OpenSSL and the CA certificate:"
            ),
        },
        2,
    );
    p.line(&format!("    sha256sum {file}"));
    p.line(&format!(
        "    openssl cms -verify -binary -inform DER -in {file} \\"
    ));
    p.line("        -CAfile ca.pem -out receipt.json");
    p.text(
        tr(
            lang,
            "Sidik jari harus sama dengan di atas, OpenSSL harus menulis \"Verification \
             successful\", dan receipt.json harus memuat data di halaman ini.",
            "The fingerprint must equal the one above, OpenSSL must print \"Verification \
             successful\", and receipt.json must hold the data on this page.",
        ),
        2,
    );

    p.heading(tr(lang, "PERNYATAAN", "STATEMENT"));
    p.text(
        tr(
            lang,
            "Pemilik menyatakan telah menerima sertifikat elektronik dan token di atas, telah \
             membaca dan menyetujui Perjanjian Pemilik Sertifikat versi di atas (Pasal 14 ayat \
             (5)), dan akan menjaga kerahasiaan kunci privat serta kata sandinya.",
            "The holder declares having received the electronic certificate and token above, \
             having read and accepted the Subscriber Agreement of the version above (Pasal 14(5)), \
             and will keep the private key and its passphrase secret.",
        ),
        2,
    );
    p.blank();
    p.line(&format!(
        "  {:<38}{}",
        tr(lang, "Pemilik sertifikat,", "Certificate holder,"),
        tr(lang, "Petugas OP,", "OP officer,")
    ));
    p.blank();
    p.blank();
    p.blank();
    p.line(&format!("  {:<38}{}", "_".repeat(30), "_".repeat(30)));
    let name = |s: &str| wrap(s, 36);
    let (a, o) = (name(&body.applicant.name), name(&body.officer.name));
    for i in 0..a.len().max(o.len()) {
        let l = a.get(i).map(String::as_str).unwrap_or("");
        let r = o.get(i).map(String::as_str).unwrap_or("");
        p.line(&format!("  {l:<38}{r}"));
    }
    p.rule('-');
    p.out
}
