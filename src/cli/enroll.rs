//! `kustodi enroll`, `session`, `ca`, `certificate`, `receipt` and `bench enroll`.

use std::io::BufRead;
use std::path::Path;

use der::{Decode, EncodePem};
use kustodi::enroll::{self, Context, EnrolError, Evidence, EvidenceHow, Officer, Outcome};
use kustodi::home::{Config, HomeError, write_file};
use kustodi::i18n::Lang;
use kustodi::secret::Pin;
use kustodi::service::{ServiceError, Station};
use kustodi::token::Pkcs11Provider;
use serde_json::{Value, json};

use super::args::*;
use super::output::{CliError, Exit, Out};
use super::sandbox::SANDBOX_FACTORY_SO_PIN;
use super::{actor, open_station};
pub use kustodi::errors::enrol_error;
use kustodi::errors::from_service;
use kustodi::station_key::load_module;

fn pin_input_error(e: impl std::fmt::Display) -> CliError {
    CliError::failed("enrol.pin_input", "err-enrol-pin-input")
        .arg("reason", e)
        .hint("hint-enrol-pin-input")
}

/// PINs read once per run: stdin lines, or TTY prompts.
pub(crate) struct PinReader {
    pub(crate) stdin: bool,
}

impl PinReader {
    pub(super) fn line(&self) -> Result<Pin, CliError> {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(pin_input_error)?;
        let text = line.trim_end_matches(['\n', '\r']).to_owned();
        if text.is_empty() {
            return Err(pin_input_error("empty line"));
        }
        Ok(Pin::from_string(text))
    }

    pub(super) fn prompt(&self, out: &Out, id: &str) -> Result<Pin, CliError> {
        rpassword::prompt_password(format!("{} ", out.t(id, &[])))
            .map(Pin::from_string)
            .map_err(pin_input_error)
    }

    /// The applicant's new PIN: twice on a terminal (asked again on a mismatch), once on stdin.
    pub(super) fn new_applicant_pin(&self, out: &Out) -> Result<Pin, CliError> {
        if self.stdin {
            return self.line();
        }
        for _ in 0..3 {
            let first = self.prompt(out, "enroll-prompt-applicant-pin")?;
            let second = self.prompt(out, "enroll-prompt-applicant-pin-again")?;
            if first.expose() == second.expose() {
                return Ok(first);
            }
            eprintln!("{}", out.t("enroll-pin-mismatch-retry", &[]));
        }
        Err(enrol_error(EnrolError::PinMismatch))
    }

    pub(super) fn applicant_pin(&self, out: &Out) -> Result<Pin, CliError> {
        if self.stdin {
            self.line()
        } else {
            self.prompt(out, "enroll-prompt-applicant-pin-once")
        }
    }

    pub(super) fn officer_pin(&self, out: &Out) -> Result<Pin, CliError> {
        if self.stdin {
            self.line()
        } else {
            self.prompt(out, "enroll-prompt-officer-pin")
        }
    }
}

pub(super) fn provider(station: &Station<'_>) -> Result<Pkcs11Provider, CliError> {
    let module = load_module(station.home(), station.config())
        .map_err(|e| enrol_error(EnrolError::Token(e)))?;
    Ok(Pkcs11Provider::new(vec![module]))
}

pub(super) fn officer_token(
    station: &Station<'_>,
    pins: &PinArgs,
) -> Result<(String, String), CliError> {
    let cfg = station.config().officer.clone().unwrap_or_default();
    let key_label = if cfg.key_label.is_empty() {
        "officer-signing".to_owned()
    } else {
        cfg.key_label
    };
    pins.officer_token
        .clone()
        .or(cfg.default_token)
        .map(|t| (t, key_label))
        .ok_or_else(|| enrol_error(EnrolError::NoOfficerToken))
}

pub(super) fn sign_in(
    station: &Station<'_>,
    provider: &Pkcs11Provider,
    pins: &PinArgs,
    pin: &Pin,
) -> Result<Officer, CliError> {
    let (uri, key_label) = officer_token(station, pins)?;
    let anchors = enroll::trust_anchors(station.home(), station.config()).map_err(enrol_error)?;
    Officer::sign_in(provider, &uri, &key_label, pin, &anchors, station.now()).map_err(enrol_error)
}

pub(super) fn factory_so_pin(config: &Config) -> Option<Pin> {
    config
        .station
        .sandbox
        .then(|| Pin::new(SANDBOX_FACTORY_SO_PIN.to_owned()))
}

pub(super) fn receipt_lang(out: &Out) -> kustodi::receipt::Lang {
    match out.msg.lang() {
        Lang::Id => kustodi::receipt::Lang::Id,
        Lang::En => kustodi::receipt::Lang::En,
    }
}

pub(super) fn report(out: &Out, outcome: &Outcome) -> Exit {
    match outcome {
        Outcome::Done(s) => {
            out.json(
                &json!({"status": "done", "session": s.session, "application": s.application_id,
                "receipt_id": s.receipt_id, "receipt_sha256": s.receipt_sha256,
                "certificate_serial": s.certificate_serial, "token_serial": s.token_serial,
                "token_label": s.token_label, "advisories": s.advisories}),
            );
            for a in &s.advisories {
                out.say("enroll-warning", &[("advisory", a)]);
            }
            out.say(
                "enroll-done",
                &[
                    ("session", &s.session),
                    ("serial", &s.certificate_serial),
                    ("token", &s.token_serial),
                    ("receipt", &s.receipt_id),
                    ("id", &s.application_id),
                ],
            );
        }
        Outcome::Parked {
            session,
            ticket,
            csr_file,
            instructions,
        } => {
            out.json(
                &json!({"status": "parked", "session": session, "ticket": ticket,
                "csr_file": csr_file, "instructions": instructions}),
            );
            out.say(
                "enroll-parked",
                &[
                    ("session", session),
                    ("csr", &csr_file.display().to_string()),
                    ("ticket", ticket),
                ],
            );
            out.line(instructions);
            out.say("enroll-parked-next", &[("session", session)]);
        }
    }
    Exit::Ok
}

/// `kustodi agreement show`: the current text in the message language, with its SHA-256.
pub fn agreement_show(out: &Out) -> Result<Exit, CliError> {
    let a = kustodi::receipt::Agreement::v1(receipt_lang(out));
    let sha = a.sha256();
    out.json(
        &json!({"version": a.version, "lang": a.lang.code(), "sha256": sha,
        "text": a.text}),
    );
    if !out.json {
        out.say(
            "enroll-agreement-title",
            &[
                ("version", a.version),
                ("lang", a.lang.code()),
                ("sha256", &sha),
            ],
        );
        out.line(a.text.trim_end());
    }
    Ok(Exit::Ok)
}

/// Reads one y/n answer from the terminal (after the question on stderr).
fn confirm(out: &Out, id: &str, args: &[(&str, &str)]) -> Result<bool, CliError> {
    eprint!("{} ", out.t(id, args));
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(pin_input_error)?;
    Ok(matches!(
        line.trim().to_lowercase().as_str(),
        "y" | "ya" | "yes"
    ))
}

/// The in-person evidence of an issuance or renewal of `application_id`: the flags a script
/// gave, and on a terminal (PINs not on stdin) what is missing asked: the agreement shown in
/// the message language and accepted, the identity re-check confirmed. Refused (before
/// anything is recorded) when one is missing or the agreement hash is not a known text.
pub(super) fn evidence(
    station: &Station<'_>,
    out: &Out,
    args: &EvidenceArgs,
    pin_stdin: bool,
    application_id: &str,
) -> Result<Evidence, CliError> {
    use std::io::IsTerminal;
    let terminal = !pin_stdin && std::io::stdin().is_terminal();
    let mut ev = Evidence {
        identity_checked: args.identity_checked.then_some(EvidenceHow::Flag),
        agreement_accepted: args
            .agreement_accepted
            .clone()
            .map(|sha| (sha, EvidenceHow::Flag)),
    };
    if terminal && ev.agreement_accepted.is_none() {
        let a = kustodi::receipt::Agreement::v1(receipt_lang(out));
        let sha = a.sha256();
        eprintln!(
            "{}\n\n{}\n",
            out.t(
                "enroll-agreement-title",
                &[
                    ("version", a.version),
                    ("lang", a.lang.code()),
                    ("sha256", &sha)
                ],
            ),
            a.text.trim_end()
        );
        if confirm(out, "enroll-confirm-agreement", &[])? {
            ev.agreement_accepted = Some((sha, EvidenceHow::Terminal));
        }
    }
    if terminal && ev.identity_checked.is_none() {
        let documents = station
            .store()
            .documents_of(application_id)
            .map_err(|e| from_service(e.into()))?
            .iter()
            .map(|d| d.kind.clone())
            .collect::<Vec<_>>()
            .join(", ");
        if confirm(
            out,
            "enroll-confirm-identity",
            &[("id", application_id), ("documents", &documents)],
        )? {
            ev.identity_checked = Some(EvidenceHow::Terminal);
        }
    }
    ev.check().map_err(enrol_error)?;
    Ok(ev)
}

pub fn enroll(cli: &Cli, out: &Out, args: &EnrollArgs) -> Result<Exit, CliError> {
    let mut station = open_station(cli)?;
    let reader = PinReader {
        stdin: args.pins.pin_stdin,
    };
    let evidence = evidence(
        &station,
        out,
        &args.evidence,
        args.pins.pin_stdin,
        &args.application_id,
    )?;
    let applicant_pin = reader.new_applicant_pin(out)?;
    let officer_pin = reader.officer_pin(out)?;
    let provider = provider(&station)?;
    let officer = sign_in(&station, &provider, &args.pins, &officer_pin)?;
    let factory = factory_so_pin(station.config());
    let ctx = Context {
        provider: &provider,
        officer: &officer,
        applicant_pin: &applicant_pin,
        factory_so_pin: factory.as_ref(),
        progress: None,
    };
    let outcome = enroll::enroll(
        &mut station,
        &ctx,
        &args.application_id,
        &args.token,
        &args.algorithm,
        receipt_lang(out),
        &evidence,
    )
    .map_err(enrol_error)?;
    Ok(report(out, &outcome))
}

fn session_json(s: &kustodi::store::enrolment::SessionRow) -> Value {
    let data = enroll::session_data(s).ok();
    json!({"id": s.id, "application": s.application_id, "token_serial": s.token_serial,
        "step": s.step, "phase": s.phase, "status": s.status,
        "started_at": s.started_at.to_string(), "updated_at": s.updated_at.to_string(),
        "certificate_serial": data.as_ref().and_then(|d| d.certificate_serial.clone()),
        "receipt_id": data.as_ref().and_then(|d| d.receipt_id.clone()),
        "ticket": data.as_ref().and_then(|d| d.ticket.clone())})
}

pub fn session(cli: &Cli, out: &Out, cmd: &SessionCmd) -> Result<Exit, CliError> {
    match cmd {
        SessionCmd::List { status } => {
            let station = open_station(cli)?;
            let rows = station
                .store()
                .enrol_sessions(status.as_deref())
                .map_err(|e| from_service(e.into()))?;
            if out.json {
                out.json(&Value::Array(rows.iter().map(session_json).collect()));
            } else if rows.is_empty() {
                out.say("session-list-empty", &[]);
            } else {
                out.line(format!(
                    "{:<11} {:<11} {:<9} {:<20} {:<8} {}",
                    "ID", "APP", "STATUS", "STEP", "PHASE", "TOKEN"
                ));
                for s in &rows {
                    out.line(format!(
                        "{:<11} {:<11} {:<9} {:<20} {:<8} {}",
                        s.id, s.application_id, s.status, s.step, s.phase, s.token_serial
                    ));
                }
            }
            Ok(Exit::Ok)
        }
        SessionCmd::Resume { id, pins } => {
            let mut station = open_station(cli)?;
            let reader = PinReader {
                stdin: pins.pin_stdin,
            };
            let applicant_pin = reader.applicant_pin(out)?;
            let officer_pin = reader.officer_pin(out)?;
            let provider = provider(&station)?;
            let officer = sign_in(&station, &provider, pins, &officer_pin)?;
            let factory = factory_so_pin(station.config());
            let ctx = Context {
                provider: &provider,
                officer: &officer,
                applicant_pin: &applicant_pin,
                factory_so_pin: factory.as_ref(),
                progress: None,
            };
            let outcome = enroll::resume(&mut station, &ctx, id).map_err(enrol_error)?;
            Ok(report(out, &outcome))
        }
        SessionCmd::Abort { id, pin_stdin } => {
            let mut station = open_station(cli)?;
            let row = station
                .store()
                .enrol_session(id)
                .map_err(|e| from_service(e.into()))?;
            let needs_pin = enroll::session_data(&row)
                .map_err(enrol_error)?
                .key_label
                .is_some();
            let reader = PinReader { stdin: *pin_stdin };
            let pin = if needs_pin {
                Some(reader.applicant_pin(out)?)
            } else {
                None
            };
            let provider = provider(&station)?;
            let factory = factory_so_pin(station.config());
            let done = enroll::abort(
                &mut station,
                &provider,
                id,
                pin.as_ref(),
                factory.as_ref(),
                &actor(cli),
            )
            .map_err(enrol_error)?;
            out.json(
                &json!({"session": done.session, "objects_deleted": done.objects_deleted,
                "token_state": done.token_state, "revoked": done.revoked}),
            );
            out.say(
                "session-aborted",
                &[
                    ("session", &done.session),
                    ("objects", &done.objects_deleted.to_string()),
                    ("state", &done.token_state),
                ],
            );
            if let Some(serial) = &done.revoked {
                out.say("session-aborted-revoked", &[("serial", serial)]);
            }
            Ok(Exit::Ok)
        }
        SessionCmd::Csr { id, out: path } => {
            let station = open_station(cli)?;
            let row = station
                .store()
                .enrol_session(id)
                .map_err(|e| from_service(e.into()))?;
            let pem = enroll::session_csr_pem(&row)
                .map_err(enrol_error)?
                .ok_or_else(|| {
                    enrol_error(EnrolError::SessionState {
                        id: id.clone(),
                        status: row.status.clone(),
                        what: "no CSR was made yet",
                    })
                })?;
            write(path, pem.as_bytes())?;
            out.json(&json!({"session": id, "out": path}));
            out.say(
                "session-csr-written",
                &[("session", id), ("path", &path.display().to_string())],
            );
            Ok(Exit::Ok)
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_file(path, bytes, false).map_err(|e| match e {
        HomeError::Io { path, source } => from_service(ServiceError::Write { path, source }),
        other => from_service(other.into()),
    })
}

fn cert_pem(der: &[u8]) -> Result<String, CliError> {
    x509_cert::Certificate::from_der(der)
        .and_then(|c| c.to_pem(der::pem::LineEnding::LF))
        .map_err(|e| {
            from_service(ServiceError::CorruptRecord {
                id: "certificate".into(),
                reason: e.to_string(),
            })
        })
}

pub fn ca(cli: &Cli, out: &Out, cmd: &CaCmd) -> Result<Exit, CliError> {
    let CaCmd::Cert { out: path } = cmd else {
        unreachable!("ca crl is handled in cli::lifecycle");
    };
    let station = open_station(cli)?;
    let ca = station
        .config()
        .ca
        .clone()
        .ok_or_else(|| enrol_error(EnrolError::NoCa))?;
    let file = station.home().resolve(
        ca.certificate
            .as_deref()
            .ok_or_else(|| enrol_error(EnrolError::NoCa))?,
    );
    let bytes = std::fs::read(&file).map_err(|e| {
        enrol_error(EnrolError::File {
            path: file.clone(),
            reason: e.to_string(),
        })
    })?;
    let ders = kustodi::ca::offline::read_certificates(&bytes)
        .map_err(|e| enrol_error(EnrolError::Ca(e)))?;
    let pem = cert_pem(&ders[0])?;
    write(path, pem.as_bytes())?;
    out.json(&json!({"out": path, "sha256": enroll::sha256(&ders[0])}));
    out.say("ca-cert-written", &[("path", &path.display().to_string())]);
    Ok(Exit::Ok)
}

pub fn certificate(cli: &Cli, out: &Out, cmd: &CertificateCmd) -> Result<Exit, CliError> {
    match cmd {
        CertificateCmd::Export { serial, out: path } => {
            let station = open_station(cli)?;
            let row = station
                .store()
                .holder_certificate(serial)
                .map_err(|e| from_service(e.into()))?;
            write(path, cert_pem(&row.der)?.as_bytes())?;
            out.json(&json!({"serial": row.serial, "sha256": row.sha256,
                "application": row.application_id, "token_serial": row.token_serial, "out": path}));
            out.say(
                "cert-exported",
                &[
                    ("serial", &row.serial),
                    ("path", &path.display().to_string()),
                ],
            );
            Ok(Exit::Ok)
        }
        CertificateCmd::Import {
            file,
            session,
            pins,
        } => {
            let mut station = open_station(cli)?;
            let reader = PinReader {
                stdin: pins.pin_stdin,
            };
            let applicant_pin = reader.applicant_pin(out)?;
            let officer_pin = reader.officer_pin(out)?;
            let provider = provider(&station)?;
            let officer = sign_in(&station, &provider, pins, &officer_pin)?;
            let ctx = Context {
                provider: &provider,
                officer: &officer,
                applicant_pin: &applicant_pin,
                factory_so_pin: None,
                progress: None,
            };
            let outcome = enroll::import_certificate(&mut station, &ctx, file, session.as_deref())
                .map_err(enrol_error)?;
            Ok(report(out, &outcome))
        }
    }
}

pub fn receipt(cli: &Cli, out: &Out, cmd: &ReceiptCmd) -> Result<Exit, CliError> {
    let station = open_station(cli)?;
    match cmd {
        ReceiptCmd::Export {
            id,
            out: path,
            text,
        } => {
            let row = station
                .store()
                .receipt(id)
                .map_err(|e| from_service(e.into()))?;
            if *text {
                let verified =
                    enroll::verify_receipt_file(&station, &row.der).map_err(enrol_error)?;
                let page =
                    kustodi::receipt::render_text(&verified.body, &row.sha256, receipt_lang(out));
                write(path, page.as_bytes())?;
            } else {
                write(path, &row.der)?;
            }
            out.json(&json!({"id": row.id, "sha256": row.sha256, "out": path}));
            out.say(
                "receipt-exported",
                &[("id", &row.id), ("path", &path.display().to_string())],
            );
            Ok(Exit::Ok)
        }
        ReceiptCmd::Verify { file } => {
            let der = kustodi::service::read_limited(file, 1024 * 1024).map_err(from_service)?;
            let v = enroll::verify_receipt_file(&station, &der).map_err(enrol_error)?;
            out.json(&json!({"valid": true, "receipt_id": v.body.receipt_id,
                "application": v.body.application_id, "sha256": v.receipt_sha256,
                "officer": v.body.officer.id, "applicant": v.body.applicant.name,
                "certificate_serial": v.body.certificate.serial}));
            out.say(
                "receipt-verify-ok",
                &[
                    ("id", &v.body.receipt_id),
                    ("officer", &v.body.officer.name),
                    ("applicant", &v.body.applicant.name),
                    ("sha256", &v.receipt_sha256),
                ],
            );
            Ok(Exit::Ok)
        }
    }
}

/// `kustodi bench enroll`: see `src/cli/enroll_bench.rs` and `docs/enrolment.md`.
pub fn bench(cli: &Cli, out: &Out, count: u32, algorithm: &str) -> Result<Exit, CliError> {
    let figures = super::enroll_bench::run(cli, out, count, algorithm)?;
    out.json(&figures);
    Ok(Exit::Ok)
}
