//! How the CLI speaks: text in the user's language on a terminal, or JSON with `--json`.

use kustodi::i18n::{Lang, Messages};
use serde_json::Value;

/// Process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Ok = 0,
    /// A refusal: invalid application, refused transition, failed verification.
    Refused = 1,
    /// A usage, configuration or I/O error.
    Failed = 2,
}

/// An error the CLI reports: what went wrong and what to do, by message id.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    /// Stable code for scripts (`--json`), e.g. `application.not_found`.
    pub code: &'static str,
    /// Message id in the Fluent catalogue.
    pub message: &'static str,
    /// Message id of the hint (what to do next).
    pub hint: Option<&'static str>,
    pub args: Vec<(&'static str, String)>,
    /// Extra structured data for `--json` (e.g. the problems of an application).
    pub data: Option<Value>,
}

impl CliError {
    pub fn new(exit: Exit, code: &'static str, message: &'static str) -> Self {
        Self {
            exit,
            code,
            message,
            hint: None,
            args: vec![],
            data: None,
        }
    }
    pub fn refused(code: &'static str, message: &'static str) -> Self {
        Self::new(Exit::Refused, code, message)
    }
    pub fn failed(code: &'static str, message: &'static str) -> Self {
        Self::new(Exit::Failed, code, message)
    }
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// The printer of one CLI run.
#[derive(Debug)]
pub struct Out {
    pub json: bool,
    pub msg: Messages,
}

impl Out {
    pub fn new(json: bool, lang: Lang) -> Self {
        Self {
            json,
            msg: Messages::new(lang),
        }
    }

    /// A message in the user's language.
    pub fn t(&self, id: &str, args: &[(&str, &str)]) -> String {
        self.msg.text(id, args)
    }

    /// Prints a line of text (text mode only).
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json {
            println!("{}", text.as_ref());
        }
    }

    /// Prints a message (text mode only).
    pub fn say(&self, id: &str, args: &[(&str, &str)]) {
        self.line(self.t(id, args));
    }

    /// Prints a JSON value (JSON mode only).
    pub fn json(&self, value: &Value) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
            );
        }
    }

    /// Reports an error: text on stderr, or a JSON object on stdout with `--json`.
    pub fn error(&self, e: &CliError) {
        let args: Vec<(&str, &str)> = e.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let message = self.t(e.message, &args);
        let hint = e.hint.map(|h| self.t(h, &args));
        if self.json {
            let details: serde_json::Map<String, Value> = e
                .args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
                .collect();
            let mut obj = serde_json::json!({
                "error": { "code": e.code, "message": message, "hint": hint, "details": details }
            });
            if let (Some(o), Some(d)) = (
                obj.as_object_mut(),
                e.data.as_ref().and_then(Value::as_object),
            ) {
                for (k, v) in d {
                    o.insert(k.clone(), v.clone());
                }
            }
            self.json(&obj);
        } else {
            eprintln!("{}: {message}", self.t("label-error", &[]));
            if let Some(hint) = hint {
                eprintln!("{}: {hint}", self.t("label-hint", &[]));
            }
        }
    }
}
