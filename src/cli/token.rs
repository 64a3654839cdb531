//! `kustodi token list`: every token visible through the PKCS#11 modules, matched against the
//! firmware profiles with a verdict per algorithm, and the PC/SC readers.
//!
//! A module that cannot be loaded, or a missing pcscd, is reported and the rest still listed.
//! Text output fits 80 columns.

use std::path::{Path, PathBuf};

use kustodi::domain::firmware::{MatchWarning, Refusal, Verdict};
use kustodi::home::{Config, Home, HomeError};
use kustodi::ports::token::{TokenInfo, TokenProvider};
use kustodi::token::pkcs11::{Pkcs11Module, Pkcs11Provider};
use kustodi::token::profiles::embedded_profiles;
use kustodi::token::readers::{ReaderError, ReaderStatus, list_readers};
use kustodi::token::report::{TokenAssessment, assess, token_report};
use kustodi::token::softhsm;
use serde_json::{Value, json};

use kustodi::enroll::{EnrolError, init_stock_token};

use super::args::{Cli, TokenCmd, TokenInit, TokenList};
use super::enroll::{PinReader, enrol_error, factory_so_pin, provider};
use super::errors::from_service;
use super::output::{CliError, Exit, Out};

/// Where Debian installs OpenSC's PKCS#11 module.
pub const OPENSC_MODULE_PATH: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// Width of text output.
const WIDTH: usize = 80;

pub fn run(cli: &Cli, out: &Out, cmd: &TokenCmd) -> Result<Exit, CliError> {
    match cmd {
        TokenCmd::List(args) => list(cli, out, args),
        TokenCmd::Init(args) => init(cli, out, args),
        other => super::lifecycle::token(cli, out, other),
    }
}

/// `kustodi token init`: a stock token initialised for a holder (see
/// [`kustodi::enroll::init_stock_token`]). PINs are read here and never stored or printed.
fn init(cli: &Cli, out: &Out, args: &TokenInit) -> Result<Exit, CliError> {
    let mut station = super::open_station(cli)?;
    // The SO PIN line comes first on stdin, then the holder's PIN.
    let so_reader = PinReader {
        stdin: args.so_pin_stdin,
    };
    let so_pin = match (args.so_pin_stdin, factory_so_pin(station.config())) {
        (false, Some(factory)) => factory,
        (true, _) => so_reader.line()?,
        (false, None) => so_reader.prompt(out, "token-init-prompt-so-pin")?,
    };
    let holder_pin = PinReader {
        stdin: args.pin_stdin,
    }
    .new_applicant_pin(out)?;
    let provider = provider(&station)?;
    let done = init_stock_token(
        &mut station,
        &provider,
        &args.uri,
        &args.label,
        &so_pin,
        &holder_pin,
        &super::actor(cli),
    )
    .map_err(|e| match e {
        EnrolError::TokenNotStock { serial, state } => {
            CliError::refused("token.not_stock", "err-token-init-not-stock")
                .arg("serial", serial)
                .arg("state", state)
                .hint("hint-token-init-not-stock")
        }
        other => enrol_error(other),
    })?;
    out.json(
        &json!({"uri": done.uri, "label": done.label, "serial": done.serial,
                     "state": "initialised"}),
    );
    if done.registered {
        out.say("token-init-registered", &[("serial", &done.serial)]);
    }
    out.say(
        "token-init-done",
        &[
            ("serial", &done.serial),
            ("label", &done.label),
            ("escrow", &done.so_pin_escrow),
        ],
    );
    out.line(&done.uri);
    Ok(Exit::Ok)
}

/// The modules to look in: config `[tokens] modules`, or by default the station key's module
/// and OpenSC's if installed; then every `--module`. Without a station home, only the defaults
/// that need no home (OpenSC) and `--module`.
pub fn module_paths(config: Option<&Config>, extra: &[PathBuf]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = match config {
        Some(c) if !c.tokens.modules.is_empty() => c.tokens.modules.clone(),
        _ => {
            let mut d: Vec<PathBuf> = config
                .map(|c| c.station_key.module.clone())
                .into_iter()
                .collect();
            if Path::new(OPENSC_MODULE_PATH).is_file() {
                d.push(OPENSC_MODULE_PATH.into());
            }
            d
        }
    };
    for p in extra {
        paths.push(p.clone());
    }
    let mut seen = Vec::new();
    paths.retain(|p| {
        let new = !seen.contains(p);
        seen.push(p.clone());
        new
    });
    paths
}

fn load_module(home: &Home, config: Option<&Config>, path: &Path) -> Result<Pkcs11Module, String> {
    let softhsm_conf = config
        .filter(|c| c.station_key.module == path)
        .and_then(|c| c.station_key.softhsm_conf.as_ref());
    match softhsm_conf {
        Some(conf) => softhsm::load_softhsm(path, home.resolve(conf)),
        None => Pkcs11Module::load(path),
    }
    .map_err(|e| e.to_string())
}

/// One listed token.
struct Listed<'a> {
    module: PathBuf,
    info: TokenInfo,
    slot_description: Option<String>,
    reader: Option<ReaderStatus>,
    station: bool,
    assessment: TokenAssessment<'a>,
}

fn list(cli: &Cli, out: &Out, args: &TokenList) -> Result<Exit, CliError> {
    let home = Home::locate(cli.home.clone()).map_err(|e| from_service(e.into()))?;
    let config = match home.load_config() {
        Ok(c) => Some(c),
        Err(HomeError::NotInitialised { .. }) => None,
        Err(e) => return Err(from_service(e.into())),
    };
    let profiles = embedded_profiles().map_err(|errors| {
        CliError::failed("profiles.invalid", "err-token").arg(
            "reason",
            errors
                .iter()
                .map(|e| format!("{} {}: {}", e.file, e.key, e.problem))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let readers = list_readers();
    let reader_list: &[ReaderStatus] = readers.as_deref().unwrap_or(&[]);

    let paths = module_paths(config.as_ref(), &args.modules);
    let mut modules_json = Vec::new();
    let mut failures: Vec<(PathBuf, String)> = Vec::new();
    let mut listed: Vec<Listed<'_>> = Vec::new();
    for path in &paths {
        let result = load_module(&home, config.as_ref(), path).and_then(|module| {
            let tokens = Pkcs11Provider::new(vec![module.clone()])
                .list_tokens()
                .map_err(|e| e.to_string())?;
            let slots = module.token_slot_descriptions().unwrap_or_default();
            Ok((module, tokens, slots))
        });
        match result {
            Ok((module, tokens, slots)) => {
                let library = module.library_info().ok();
                modules_json.push(json!({
                    "path": path, "loaded": true, "error": null, "tokens": tokens.len(),
                    "library": library.map(|(m, d, v)| json!({
                        "manufacturer": m, "description": d, "version": v})),
                }));
                for info in tokens {
                    let slot_description = slots
                        .iter()
                        .find(|(uri, _)| *uri == info.uri)
                        .map(|(_, d)| d.clone())
                        .filter(|d| !d.is_empty());
                    let reader = slot_description
                        .as_deref()
                        .and_then(|d| reader_list.iter().find(|r| r.name == d))
                        .cloned();
                    let report = token_report(&info, slot_description.as_deref(), reader.as_ref());
                    let station = config.as_ref().is_some_and(|c| {
                        c.station_key.module == *path
                            && info.flags.initialized
                            && info.label == c.station_key.token_label
                    });
                    listed.push(Listed {
                        module: path.clone(),
                        assessment: assess(&profiles, &report),
                        info,
                        slot_description,
                        reader,
                        station,
                    });
                }
            }
            Err(reason) => {
                modules_json.push(json!({
                    "path": path, "loaded": false, "error": reason, "tokens": 0,
                }));
                failures.push((path.clone(), reason));
            }
        }
    }

    let (readers_json, reader_note) = match &readers {
        Ok(list) => (
            json!({"available": true, "note": null, "readers": list.iter().map(|r| json!({
                "name": r.name, "card_present": r.card_present,
                "atr": r.atr.as_ref().map(|a| atr_hex(a)),
            })).collect::<Vec<_>>()}),
            None,
        ),
        Err(ReaderError::ServiceUnavailable) => {
            let note = out.t("token-pcscd-absent", &[]);
            (
                json!({"available": false, "note": note, "code": "pcscd_unavailable", "readers": []}),
                Some(note),
            )
        }
        Err(e) => {
            let note = out.t("token-readers-failed", &[("reason", &e.to_string())]);
            (
                json!({"available": false, "note": note, "code": "pcsc_failed", "readers": []}),
                Some(note),
            )
        }
    };

    if out.json {
        out.json(&json!({
            "modules": modules_json,
            "tokens": listed.iter().map(|l| token_json(out, l)).collect::<Vec<_>>(),
            "readers": readers_json,
        }));
        return Ok(Exit::Ok);
    }

    for (path, reason) in &failures {
        para(
            out,
            "! ",
            &out.t(
                "token-module-failed",
                &[("path", &path.display().to_string()), ("reason", reason)],
            ),
        );
    }
    if paths.is_empty() {
        para(out, "! ", &out.t("token-modules-none", &[]));
    }
    if listed.is_empty() {
        out.say("token-list-empty", &[]);
    }
    for (i, l) in listed.iter().enumerate() {
        if i > 0 || !failures.is_empty() {
            out.line("");
        }
        token_text(out, i + 1, l);
    }
    out.line("");
    match (&readers, reader_note) {
        (_, Some(note)) => para(out, "! ", &note),
        (Ok(list), None) if list.is_empty() => out.say("token-readers-none", &[]),
        (Ok(list), None) => {
            out.say("token-readers-heading", &[]);
            for r in list {
                let state = if r.card_present {
                    out.t("token-reader-card", &[])
                } else {
                    out.t("token-reader-empty", &[])
                };
                para(out, "  ", &format!("{}: {state}", r.name));
                if let Some(atr) = &r.atr {
                    para(out, "    ", &format!("ATR {}", atr_hex(atr)));
                }
            }
        }
        (Err(_), None) => {}
    }
    out.say(
        "token-summary",
        &[
            ("count", &listed.len().to_string()),
            ("modules", &(paths.len() - failures.len()).to_string()),
        ],
    );
    Ok(Exit::Ok)
}

fn atr_hex(atr: &[u8]) -> String {
    atr.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Flag words in the user's language.
fn flag_texts(out: &Out, info: &TokenInfo) -> Vec<String> {
    let f = &info.flags;
    let mut v = vec![if f.initialized {
        out.t("token-flag-initialised", &[])
    } else {
        out.t("token-flag-not-initialised", &[])
    }];
    if !f.initialized {
        // A blank token's PIN flags mean nothing (SoftHSM2's free slot reports odd ones).
        return v;
    }
    v.push(if f.user_pin_initialized {
        out.t("token-flag-user-pin-set", &[])
    } else {
        out.t("token-flag-user-pin-not-set", &[])
    });
    for (on, id) in [
        (f.user_pin_locked, "token-flag-pin-locked"),
        (
            f.user_pin_final_try && !f.user_pin_locked,
            "token-flag-pin-final-try",
        ),
        (
            f.user_pin_count_low && !f.user_pin_final_try && !f.user_pin_locked,
            "token-flag-pin-count-low",
        ),
        (f.user_pin_to_be_changed, "token-flag-pin-to-be-changed"),
        (f.so_pin_locked, "token-flag-so-pin-locked"),
        (
            f.so_pin_final_try && !f.so_pin_locked,
            "token-flag-so-pin-final-try",
        ),
        (
            f.so_pin_count_low && !f.so_pin_final_try && !f.so_pin_locked,
            "token-flag-so-pin-count-low",
        ),
        (f.protected_authentication_path, "token-flag-pinpad"),
        (f.write_protected, "token-flag-write-protected"),
    ] {
        if on {
            v.push(out.t(id, &[]));
        }
    }
    v
}

fn warning_json(out: &Out, w: &MatchWarning) -> Value {
    let (code, message) = warning_text(out, w);
    json!({"code": code, "message": message})
}

fn warning_text(out: &Out, w: &MatchWarning) -> (&'static str, String) {
    match w {
        MatchWarning::UnknownModel { reported } => (
            "unknown_model",
            out.t("token-warning-unknown-model", &[("reported", reported)]),
        ),
        MatchWarning::GenericModel { profile_id } => (
            "generic_model",
            out.t("token-warning-generic-model", &[("profile", profile_id)]),
        ),
        MatchWarning::FirmwareUnknown { profile_id } => (
            "firmware_unknown",
            out.t("token-warning-firmware-unknown", &[("profile", profile_id)]),
        ),
    }
}

fn advisory_message(out: &Out, m: &kustodi::domain::firmware::Message) -> String {
    match out.msg.lang() {
        kustodi::i18n::Lang::Id => m.id.clone(),
        kustodi::i18n::Lang::En => m.en.clone(),
    }
}

fn refusal_text(out: &Out, r: &Refusal) -> String {
    match r {
        Refusal::Advisory(hit) => {
            format!(
                "{}: {}",
                hit.id(),
                advisory_message(out, &hit.advisory.message)
            )
        }
        Refusal::AlgorithmNotSupported { firmware, .. } => {
            let fw =
                firmware.map_or_else(|| out.t("token-firmware-unknown", &[]), |v| v.to_string());
            out.t("token-refused-unsupported", &[("firmware", &fw)])
        }
    }
}

fn verdict_code(v: &Verdict) -> &'static str {
    match v {
        Verdict::Allowed => "allowed",
        Verdict::AllowedWithWarnings(_) => "warn",
        Verdict::Refused(_) => "refused",
    }
}

fn token_json(out: &Out, l: &Listed<'_>) -> Value {
    let i = &l.info;
    let f = &i.flags;
    let a = &l.assessment;
    json!({
        "uri": i.uri, "label": i.label, "manufacturer": i.manufacturer, "model": i.model,
        "serial": i.serial, "hardware_version": i.hardware_version,
        "firmware_version": i.firmware_version, "module": l.module,
        "slot_description": l.slot_description,
        "reader": l.reader.as_ref().map(|r| json!({
            "name": r.name, "atr": r.atr.as_ref().map(|x| atr_hex(x))})),
        "station_token": l.station,
        "flags": {
            "initialized": f.initialized, "login_required": f.login_required,
            "user_pin_initialized": f.user_pin_initialized,
            "user_pin_count_low": f.user_pin_count_low,
            "user_pin_final_try": f.user_pin_final_try, "user_pin_locked": f.user_pin_locked,
            "user_pin_to_be_changed": f.user_pin_to_be_changed,
            "so_pin_count_low": f.so_pin_count_low, "so_pin_final_try": f.so_pin_final_try,
            "so_pin_locked": f.so_pin_locked,
            "protected_authentication_path": f.protected_authentication_path,
            "write_protected": f.write_protected, "rng": f.rng,
        },
        "pin_length": {"min": i.min_pin_len, "max": i.max_pin_len},
        "mechanisms": i.mechanisms,
        "profile": {
            "id": a.profile.id, "name": a.profile.name,
            "generic": a.profile.recognition.generic,
            "fallback": a.profile.recognition.fallback,
            "firmware": a.firmware.map(|v| v.to_string()),
        },
        "unknown_model": a.unknown_model(),
        "warnings": a.warnings.iter().map(|w| warning_json(out, w)).collect::<Vec<_>>(),
        "verdicts": a.verdicts.iter().map(|v| json!({
            "algorithm": v.algorithm.as_str(),
            "verdict": verdict_code(&v.verdict),
            "advisories": v.verdict.advisory_ids(),
            "reasons": match &v.verdict {
                Verdict::Refused(rs) => rs.iter().map(|r| refusal_text(out, r)).collect(),
                Verdict::AllowedWithWarnings(hits) => hits
                    .iter()
                    .map(|h| format!("{}: {}", h.id(), advisory_message(out, &h.advisory.message)))
                    .collect(),
                Verdict::Allowed => Vec::new(),
            },
        })).collect::<Vec<_>>(),
    })
}

fn token_text(out: &Out, n: usize, l: &Listed<'_>) {
    let i = &l.info;
    let a = &l.assessment;
    let label = if i.label.trim().is_empty() {
        out.t("token-no-label", &[])
    } else {
        i.label.trim().to_owned()
    };
    let mut heading = out.t("token-heading", &[("n", &n.to_string()), ("label", &label)]);
    if l.station {
        heading = format!("{heading} — {}", out.t("token-station", &[]));
    }
    para(out, "", &heading);
    let firmware = a
        .firmware
        .map(|v| {
            out.t(
                "token-profile-firmware",
                &[
                    ("name", &a.profile.name),
                    ("id", &a.profile.id),
                    ("firmware", &v.to_string()),
                ],
            )
        })
        .unwrap_or_else(|| {
            out.t(
                "token-profile-value",
                &[("name", &a.profile.name), ("id", &a.profile.id)],
            )
        });
    let mut fields: Vec<(&str, String, bool)> = vec![
        (
            "token-field-maker",
            format!("{} / {}", i.manufacturer.trim(), i.model.trim()),
            false,
        ),
        ("token-field-serial", i.serial.trim().to_owned(), false),
        (
            "token-field-firmware",
            format!("{} / {}", i.firmware_version, i.hardware_version),
            false,
        ),
        ("token-field-uri", i.uri.clone(), true),
        ("token-field-module", l.module.display().to_string(), true),
    ];
    if let Some(d) = &l.slot_description {
        fields.push(("token-field-reader", d.clone(), false));
    }
    fields.push(("token-field-state", flag_texts(out, i).join(", "), false));
    fields.push((
        "token-field-pin",
        out.t(
            "token-pin-range",
            &[
                ("min", &i.min_pin_len.to_string()),
                ("max", &i.max_pin_len.to_string()),
            ],
        ),
        false,
    ));
    fields.push(("token-field-profile", firmware, false));
    let labels: Vec<String> = fields
        .iter()
        .map(|(id, _, _)| out.t(id, &[]))
        .chain([out.t("token-field-keygen", &[])])
        .collect();
    let w = labels.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    for ((_, value, uri), label) in fields.iter().zip(&labels) {
        field(out, label, w, value, *uri);
    }
    let verdicts: Vec<String> = a
        .verdicts
        .iter()
        .map(|v| {
            let text = match &v.verdict {
                Verdict::Allowed => out.t("token-verdict-allowed", &[]),
                Verdict::AllowedWithWarnings(_) => out.t(
                    "token-verdict-warn",
                    &[("ids", &v.verdict.advisory_ids().join(", "))],
                ),
                Verdict::Refused(rs) => {
                    let reasons: Vec<String> = rs
                        .iter()
                        .map(|r| match r {
                            Refusal::Advisory(hit) => hit.id().to_owned(),
                            other => refusal_text(out, other),
                        })
                        .collect();
                    out.t("token-verdict-refused", &[("reason", &reasons.join("; "))])
                }
            };
            format!("{:<8} {text}", v.algorithm.as_str())
        })
        .collect();
    let keygen = labels.last().cloned().unwrap_or_default();
    for (k, v) in verdicts.iter().enumerate() {
        let label = if k == 0 { keygen.as_str() } else { "" };
        field(out, label, w, v, false);
    }
    // Advisory texts once each, then matching warnings.
    let mut seen: Vec<&str> = Vec::new();
    for v in &a.verdicts {
        let hits: Vec<&kustodi::domain::firmware::AdvisoryHit> = match &v.verdict {
            Verdict::AllowedWithWarnings(h) => h.iter().collect(),
            Verdict::Refused(rs) => rs
                .iter()
                .filter_map(|r| match r {
                    Refusal::Advisory(h) => Some(h),
                    Refusal::AlgorithmNotSupported { .. } => None,
                })
                .collect(),
            Verdict::Allowed => Vec::new(),
        };
        for h in hits {
            if !seen.contains(&h.id()) {
                seen.push(h.id());
                para(
                    out,
                    "    ! ",
                    &format!("{}: {}", h.id(), advisory_message(out, &h.advisory.message)),
                );
            }
        }
    }
    for w in &a.warnings {
        para(out, "    ! ", &warning_text(out, w).1);
    }
}

/// `    label : value`, the value wrapped under itself.
fn field(out: &Out, label: &str, width: usize, value: &str, uri: bool) {
    let pad = width.saturating_sub(label.chars().count());
    let sep = if label.is_empty() { "  " } else { ": " };
    let first = format!("  {label}{}{sep}", " ".repeat(pad));
    let indent = " ".repeat(first.chars().count());
    let avail = WIDTH.saturating_sub(indent.len()).max(20);
    for (k, line) in wrap(value, avail, uri).iter().enumerate() {
        if k == 0 {
            out.line(format!("{first}{line}"));
        } else {
            out.line(format!("{indent}{line}"));
        }
    }
}

/// A paragraph with a first-line prefix, continuation lines indented to match.
fn para(out: &Out, prefix: &str, text: &str) {
    let indent = " ".repeat(prefix.chars().count());
    let avail = WIDTH.saturating_sub(indent.len()).max(20);
    for (k, line) in wrap(text, avail, false).iter().enumerate() {
        out.line(format!("{}{line}", if k == 0 { prefix } else { &indent }));
    }
}

/// Wraps `text` to `width` characters: at spaces, or for URIs/paths after `;` and `/`; a piece
/// longer than the width is cut.
pub fn wrap(text: &str, width: usize, uri: bool) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if c == ' ' || (uri && (c == ';' || c == '/')) {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if line.chars().count() + piece.trim_end().chars().count() > width && !line.is_empty() {
            lines.push(line.trim_end().to_owned());
            line = String::new();
        }
        let mut piece = piece;
        while line.is_empty() && piece.trim_end().chars().count() > width {
            let head: String = piece.chars().take(width).collect();
            piece = piece.chars().skip(width).collect();
            lines.push(head);
        }
        line.push_str(&piece);
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let uri = "pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial=3f1c0a5e2b7d9c41;token=kustodi-station";
        let lines = wrap(uri, 50, true);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 50), "{lines:?}");
        assert_eq!(lines.concat(), uri);
        let long = "x".repeat(130);
        assert!(
            wrap(&long, 40, false)
                .iter()
                .all(|l| l.chars().count() <= 40)
        );
        assert_eq!(wrap("", 10, false), [""]);
    }
}
