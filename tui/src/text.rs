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

    /// Like [`Text::render`], with every path-like argument longer than `max` columns shortened
    /// to its last components (`…/applications/x.json`), for the few lines of the notice area:
    /// a long checkout path must not push the file name, or the rest of the message, out of it.
    pub fn render_compact(&self, msg: &Messages, max: usize) -> String {
        let short: Vec<(String, String)> = self
            .args
            .iter()
            .map(|(k, v)| (k.clone(), shorten_path(v, max)))
            .collect();
        let args: Vec<(&str, &str)> = short
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        msg.text(&self.id, &args)
    }
}

/// `path` itself when it fits in `max` columns or is not a path; else `…/` and as many of its
/// last components as fit (at least the file name).
pub fn shorten_path(path: &str, max: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if path.width() <= max || !path.contains('/') {
        return path.to_owned();
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let mut kept: Vec<&str> = vec![];
    let mut width = 2; // "…/"
    for part in parts.iter().rev() {
        let add = part.width() + usize::from(!kept.is_empty());
        if !kept.is_empty() && width + add > max {
            break;
        }
        kept.push(part);
        width += add;
    }
    kept.reverse();
    format!("…/{}", kept.join("/"))
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

#[cfg(test)]
mod tests {
    use super::shorten_path;

    #[test]
    fn a_short_path_or_plain_text_is_left_alone() {
        assert_eq!(shorten_path("/a/b.json", 40), "/a/b.json");
        assert_eq!(shorten_path(&"x".repeat(80), 10), "x".repeat(80));
    }

    #[test]
    fn a_long_path_keeps_its_last_components_within_the_width() {
        let p = "/check/work/main/tui/../tests/data/applications/no-such-file.json";
        assert_eq!(shorten_path(p, 40), "…/data/applications/no-such-file.json");
        assert_eq!(
            shorten_path(p, 10),
            "…/no-such-file.json",
            "the file name always"
        );
    }
}
