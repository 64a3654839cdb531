//! `kustodi bench enroll`: N enrolments through Kustodi and the same token work done the manual
//! way (pkcs11-tool + OpenSSL with the libp11 engine), on the sandbox home, in one run.
//!
//! Both sides start from a stock token and end with a certificate on it. Not timed on either
//! side: submitting/approving the application and adding the stock token. Kustodi's time also
//! covers what the manual way does not do (journal, ledger, certificate check, signed receipt).
//! The officer PIN is read from standard input (one line).

use std::io::BufRead;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use kustodi::domain::application::Decision;
use kustodi::enroll::{self, Context, Officer};
use kustodi::secret::Pin;
use kustodi::token::Pkcs11Provider;
use kustodi::token::softhsm::{SOFTHSM_MODULE_PATH, init_blank_token};
use serde_json::{Value, json};

use super::args::Cli;
use super::enroll::enrol_error;
use super::output::{CliError, Out};
use super::sandbox::SANDBOX_FACTORY_SO_PIN;
use super::{actor, open_station};
use kustodi::errors::from_service;
use kustodi::station_key::load_module;

const APPLICANT_PIN: &str = "246810";

fn failed(what: impl std::fmt::Display) -> CliError {
    CliError::failed("bench.failed", "err-enrol-file")
        .arg("path", "bench")
        .arg("reason", what)
        .hint("hint-io")
}

fn sh(cmd: &mut Command) -> Result<(), CliError> {
    let out = cmd.output().map_err(failed)?;
    if !out.status.success() {
        return Err(failed(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

fn p11(args: &[&str]) -> Command {
    let mut c = Command::new("pkcs11-tool");
    c.args(["--module", SOFTHSM_MODULE_PATH]).args(args);
    c
}

/// The manual way for one token: initialise, PINs, key pair, CSR through the libp11 engine,
/// `openssl x509 -req` with a CA key file, certificate written to the token.
fn manual_once(dir: &Path, label: &str, ec: bool, n: u32) -> Result<(), CliError> {
    let so = SANDBOX_FACTORY_SO_PIN;
    let new_label = format!("{label}-M{n}");
    sh(&mut p11(&[
        "--token-label",
        label,
        "--init-token",
        "--label",
        &new_label,
        "--so-pin",
        so,
    ]))?;
    sh(&mut p11(&[
        "--token-label",
        &new_label,
        "--init-pin",
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        so,
        "--new-pin",
        APPLICANT_PIN,
    ]))?;
    sh(&mut p11(&[
        "--token-label",
        &new_label,
        "--change-pin",
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        so,
        "--new-pin",
        "Manual-So-Pin-1234",
    ]))?;
    let key_type = if ec { "EC:prime256v1" } else { "rsa:2048" };
    sh(&mut p11(&[
        "--token-label",
        &new_label,
        "--keypairgen",
        "--key-type",
        key_type,
        "--id",
        "01",
        "--label",
        "k",
        "--login",
        "--pin",
        APPLICANT_PIN,
    ]))?;
    let csr = dir.join(format!("m{n}.csr"));
    let cert = dir.join(format!("m{n}.pem"));
    let der = dir.join(format!("m{n}.der"));
    let key = format!("pkcs11:token={new_label};object=k;type=private;pin-value={APPLICANT_PIN}");
    sh(Command::new("openssl")
        .env("PKCS11_MODULE_PATH", SOFTHSM_MODULE_PATH)
        .args([
            "req",
            "-new",
            "-engine",
            "pkcs11",
            "-keyform",
            "engine",
            "-key",
            &key,
            "-subj",
            "/C=ID/O=Pemerintah Kabupaten Bekasi/CN=Manual Test",
            "-addext",
            "keyUsage=critical,digitalSignature,nonRepudiation",
            "-out",
        ])
        .arg(&csr))?;
    sh(Command::new("openssl")
        .current_dir(dir)
        .args([
            "x509",
            "-req",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-days",
            "730",
            "-copy_extensions",
            "copyall",
            "-in",
        ])
        .arg(&csr)
        .arg("-out")
        .arg(&cert))?;
    sh(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&cert)
        .arg("-out")
        .arg(&der))?;
    sh(p11(&["--token-label", &new_label, "--write-object"])
        .arg(&der)
        .args([
            "--type",
            "cert",
            "--id",
            "01",
            "--label",
            "k",
            "--login",
            "--pin",
            APPLICANT_PIN,
        ]))
}

pub fn run(cli: &Cli, out: &Out, count: u32, algorithm: &str) -> Result<Value, CliError> {
    let ec = match algorithm {
        "p256" => true,
        "rsa2048" => false,
        other => return Err(failed(format!("algorithm {other}: use p256 or rsa2048"))),
    };
    let mut station = open_station(cli)?;
    if !station.config().station.sandbox {
        return Err(failed("bench enroll runs on a sandbox home only"));
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(failed)?;
    let officer_pin = Pin::from_string(line.trim().to_owned());
    let module =
        load_module(station.home(), station.config()).map_err(|e| enrol_error(e.into()))?;
    let provider = Pkcs11Provider::new(vec![module.clone()]);
    let factory = Pin::new(SANDBOX_FACTORY_SO_PIN.to_owned());
    let applicant = Pin::new(APPLICANT_PIN.to_owned());
    let example = station.home().root().join("examples/individual.json");
    let officer_cfg = station.config().officer.clone().unwrap_or_default();
    let officer_uri = officer_cfg.default_token.clone().unwrap_or_default();
    let anchors = enroll::trust_anchors(station.home(), station.config()).map_err(enrol_error)?;
    let who = actor(cli);

    // Labels unique to this run (a home may be benchmarked more than once).
    let run: String = hex::encode(rand::random::<[u8; 3]>());
    let mut kustodi = Duration::ZERO;
    for i in 0..count {
        let id = station
            .submit_application(&example, &who)
            .map_err(from_service)?;
        station
            .decide(&id, &Decision::Approve, &who)
            .map_err(from_service)?;
        let uri = init_blank_token(&module, &format!("BK-{run}-{i}"), &factory)
            .map_err(|e| enrol_error(e.into()))?;
        let t0 = Instant::now();
        let officer = Officer::sign_in(
            &provider,
            &officer_uri,
            &officer_cfg.key_label,
            &officer_pin,
            &anchors,
            station.now(),
        )
        .map_err(enrol_error)?;
        let ctx = Context {
            provider: &provider,
            officer: &officer,
            applicant_pin: &applicant,
            factory_so_pin: Some(&factory),
            progress: None,
        };
        enroll::enroll(
            &mut station,
            &ctx,
            &id,
            &uri,
            algorithm,
            kustodi::receipt::Lang::Id,
            // The benchmark enrols its own synthetic applications from a script.
            &enroll::Evidence::new(
                &kustodi::receipt::Agreement::v1(kustodi::receipt::Lang::Id).sha256(),
                enroll::EvidenceHow::Flag,
            ),
        )
        .map_err(enrol_error)?;
        kustodi += t0.elapsed();
    }

    let dir = tempfile::tempdir_in(station.home().root()).map_err(failed)?;
    sh(Command::new("openssl").current_dir(dir.path()).args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=Manual CA",
        "-days",
        "30",
    ]))?;
    let mut manual = Duration::ZERO;
    for i in 0..count {
        let label = format!("BM-{run}-{i}");
        init_blank_token(&module, &label, &factory).map_err(|e| enrol_error(e.into()))?;
        let t0 = Instant::now();
        manual_once(dir.path(), &label, ec, i)?;
        manual += t0.elapsed();
    }
    let n = f64::from(count.max(1));
    let (k, m) = (kustodi.as_secs_f64() / n, manual.as_secs_f64() / n);
    let ratio = if m > 0.0 { k / m } else { 0.0 };
    out.say(
        "bench-enroll-result",
        &[
            ("count", &count.to_string()),
            ("algorithm", algorithm),
            ("kustodi", &format!("{k:.3}")),
            ("manual", &format!("{m:.3}")),
            ("ratio", &format!("{ratio:.2}")),
        ],
    );
    Ok(
        json!({"count": count, "algorithm": algorithm, "kustodi_s_per_enrolment": k,
              "manual_s_per_enrolment": m, "ratio": ratio}),
    )
}
