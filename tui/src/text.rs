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

/// The subscriber agreement (Pasal 14(5)) in `lang`: the exact text the receipt names by its
/// SHA-256.
pub fn agreement(lang: Lang) -> kustodi::receipt::Agreement {
    kustodi::receipt::Agreement::v1(match lang {
        Lang::Id => kustodi::receipt::Lang::Id,
        Lang::En => kustodi::receipt::Lang::En,
    })
}

/// The agreement's Markdown laid out for the terminal: headings and list items start their own
/// line, paragraphs are joined and wrapped to `width`, blank lines kept between blocks. Every
/// word of the text is on some line (the desk shows all of it).
pub fn agreement_lines(lang: Lang, width: usize) -> Vec<String> {
    let text = agreement(lang).text;
    let mut blocks: Vec<Option<String>> = vec![];
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            if !matches!(blocks.last(), Some(None) | None) {
                blocks.push(None);
            }
            continue;
        }
        let starts_item = line.starts_with('#')
            || line.starts_with("- ")
            || line
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        match blocks.last_mut() {
            Some(Some(cur)) if !starts_item && !cur.starts_with('#') => {
                cur.push(' ');
                cur.push_str(line);
            }
            _ => blocks.push(Some(line.to_owned())),
        }
    }
    let mut out = vec![];
    for b in blocks {
        match b {
            None => out.push(String::new()),
            Some(b) => {
                let b = b.trim_start_matches('#').trim();
                out.extend(crate::view::wrap(b, width, usize::MAX));
            }
        }
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
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

    #[test]
    fn the_agreement_is_laid_out_whole_in_both_languages_at_any_width() {
        for lang in [kustodi::i18n::Lang::Id, kustodi::i18n::Lang::En] {
            let source: Vec<&str> = super::agreement(lang)
                .text
                .split_whitespace()
                .filter(|w| !w.starts_with('#'))
                .collect();
            for width in [38, 78, 118] {
                let lines = super::agreement_lines(lang, width);
                let shown: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
                assert_eq!(shown, source, "{lang:?} at {width}");
                assert!(
                    lines
                        .iter()
                        .all(|l| unicode_width::UnicodeWidthStr::width(l.as_str()) <= width)
                );
            }
        }
    }
}
