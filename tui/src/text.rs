//! Texts of the desk: every string comes from the Fluent catalogues (`desk.ftl` and the
//! shared `cli.ftl`/`application.ftl`), in Bahasa Indonesia or English.

use kustodi::domain::problem::Problem;
use kustodi::errors::UserError;
use kustodi::i18n::{Lang, Messages};

/// Both catalogues, built once (a language switch only changes which one is read).
#[derive(Debug)]
pub struct Texts {
    id: Messages,
    en: Messages,
}

impl Default for Texts {
    fn default() -> Self {
        Self::new()
    }
}

impl Texts {
    pub fn new() -> Self {
        Self {
            id: Messages::new(Lang::Id),
            en: Messages::new(Lang::En),
        }
    }

    pub fn of(&self, lang: Lang) -> &Messages {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

/// A message kept by id and arguments, translated when drawn (so F2 re-translates it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub id: String,
    pub args: Vec<(String, String)>,
}

impl Text {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            args: vec![],
        }
    }

    #[must_use]
    pub fn arg(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.args.push((name.into(), value.to_string()));
        self
    }

    pub fn render(&self, msg: &Messages) -> String {
        let args: Vec<(&str, &str)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        msg.text(&self.id, &args)
    }
}

/// The message of a [`UserError`] as a [`Text`].
pub fn error_text(e: &UserError) -> Text {
    Text {
        id: e.message.to_owned(),
        args: e
            .args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}

/// The hint of a [`UserError`]: the desk's own wording (`desk-<hint id>`) when the shared
/// hint names a CLI command, else the shared hint.
pub fn hint_text(e: &UserError, msg: &Messages) -> Option<String> {
    let hint = e.hint?;
    let args = e.str_args();
    let desk = format!("desk-{hint}");
    if msg.has(&desk) {
        Some(msg.text(&desk, &args))
    } else {
        Some(msg.text(hint, &args))
    }
}

/// A problem as a [`Text`] (its message id and arguments).
pub fn problem_text(p: &Problem) -> Text {
    Text {
        id: p.message_id(),
        args: p
            .args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}
