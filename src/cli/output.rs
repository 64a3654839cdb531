//! How the CLI speaks: text in the user's language on a terminal, or JSON with `--json`.

use kustodi::i18n::{Lang, Messages};
use serde_json::Value;

pub use kustodi::errors::{Exit, UserError as CliError};

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
            emit(text.as_ref());
        }
    }

    /// Prints a message (text mode only).
    pub fn say(&self, id: &str, args: &[(&str, &str)]) {
        self.line(self.t(id, args));
    }

    /// Prints a JSON value (JSON mode only).
    pub fn json(&self, value: &Value) {
        if self.json {
            emit(&serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into()));
        }
    }

    /// Reports an error: text on stderr, or a JSON object on stdout with `--json`.
    pub fn error(&self, e: &CliError) {
        let message = e.message_text(&self.msg);
        let hint = e.hint_text(&self.msg);
        if self.json {
            let details: serde_json::Map<String, Value> = e
                .args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
                .collect();
            let mut obj = serde_json::json!({
                "error": { "code": e.code, "message_id": e.message, "message": message,
                           "hint": hint, "details": details }
            });
            if let Some(data) = &e.data
                && let (Some(o), Some(d)) = (obj.as_object_mut(), data.as_object())
            {
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

/// Writes a line to standard output. A reader that went away (`kustodi token list | head`)
/// is not an error of ours: the rest of the output is dropped instead of panicking like
/// `println!` does on a broken pipe.
fn emit(line: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}
