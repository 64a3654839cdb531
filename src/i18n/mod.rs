//! Messages in Bahasa Indonesia (default) and English, through Project Fluent.
//!
//! Every text a person reads comes from the `.ftl` files under `src/i18n/locales/{id,en}/`,
//! compiled into the binary. A message id that is missing in the chosen language falls back
//! to Indonesian and then to the id itself (tests check that both catalogues are complete).

use std::borrow::Cow;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The languages of the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// `id`/`en` (also `id_ID.UTF-8`, `en_US.UTF-8`, `in`): anything else is `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        let base = text
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match base.as_str() {
            "id" | "in" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// From `LC_ALL`, `LC_MESSAGES`, `LANG` values in that order of precedence, Indonesian
    /// when none names a language we speak (`C`, `POSIX`, unset).
    pub fn from_env_values(values: &[Option<String>]) -> Lang {
        values
            .iter()
            .flatten()
            .filter(|v| !v.is_empty())
            .find_map(|v| Lang::parse(v))
            .unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

/// One catalogue file in both languages.
struct Catalogue {
    name: &'static str,
    id: &'static str,
    en: &'static str,
}

macro_rules! catalogue {
    ($name:literal) => {
        Catalogue {
            name: $name,
            id: include_str!(concat!("locales/id/", $name, ".ftl")),
            en: include_str!(concat!("locales/en/", $name, ".ftl")),
        }
    };
}

const CATALOGUES: &[Catalogue] = &[
    catalogue!("cli"),
    catalogue!("application"),
    catalogue!("desk"),
    catalogue!("enroll"),
    catalogue!("report"),
    catalogue!("token"),
    catalogue!("lifecycle"),
];

/// The message catalogue of one language (with Indonesian behind it as fallback).
pub struct Messages {
    lang: Lang,
    primary: FluentBundle<FluentResource>,
    fallback: Option<FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("lang", &self.lang)
            .finish()
    }
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let langid: LanguageIdentifier = lang.code().parse().expect("static language id");
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Terminals and JSON consumers do not want Unicode bidi isolation marks around arguments.
    bundle.set_use_isolating(false);
    for cat in CATALOGUES {
        let source = match lang {
            Lang::Id => cat.id,
            Lang::En => cat.en,
        };
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errors)| {
            panic!(
                "{}.ftl ({}) does not parse: {errors:?}",
                cat.name,
                lang.code()
            )
        });
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("{}.ftl: duplicate ids: {errors:?}", cat.name));
    }
    bundle
}

/// An argument for a message.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

impl Messages {
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            primary: bundle(lang),
            fallback: (lang != Lang::Id).then(|| bundle(Lang::Id)),
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether `id` exists in this language's catalogue (not counting the fallback).
    pub fn has(&self, id: &str) -> bool {
        self.primary.has_message(id)
    }

    /// The message `id` with `args`; the id itself if no catalogue has it.
    pub fn get(&self, id: &str, args: &[Arg<'_>]) -> String {
        let mut fargs = FluentArgs::new();
        for (name, value) in args {
            fargs.set(*name, value.clone());
        }
        for bundle in std::iter::once(&self.primary).chain(self.fallback.as_ref()) {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = vec![];
                let text: Cow<'_, str> = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
                return text.into_owned();
            }
        }
        id.to_owned()
    }

    /// The message `id` with string arguments.
    pub fn text(&self, id: &str, args: &[(&str, &str)]) -> String {
        let args: Vec<Arg<'_>> = args
            .iter()
            .map(|(k, v)| (*k, FluentValue::from(*v)))
            .collect();
        self.get(id, &args)
    }
}

/// All message ids of a catalogue source (for completeness tests).
pub fn message_ids(source: &str) -> Vec<String> {
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

/// Every catalogue as (name, Indonesian source, English source).
pub fn catalogues() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    CATALOGUES.iter().map(|c| (c.name, c.id, c.en))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn language_comes_from_lang_values_with_indonesian_fallback() {
        assert_eq!(Lang::from_env_values(&[None, None, None]), Lang::Id);
        assert_eq!(
            Lang::from_env_values(&[None, None, Some("C.UTF-8".into())]),
            Lang::Id
        );
        assert_eq!(
            Lang::from_env_values(&[None, None, Some("en_US.UTF-8".into())]),
            Lang::En
        );
        assert_eq!(
            Lang::from_env_values(&[Some("id_ID.UTF-8".into()), None, Some("en_US".into())]),
            Lang::Id
        );
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        for (name, id, en) in catalogues() {
            let id_ids: BTreeSet<_> = message_ids(id).into_iter().collect();
            let en_ids: BTreeSet<_> = message_ids(en).into_iter().collect();
            let only_id: Vec<_> = id_ids.difference(&en_ids).collect();
            let only_en: Vec<_> = en_ids.difference(&id_ids).collect();
            assert!(
                only_id.is_empty() && only_en.is_empty(),
                "{name}.ftl: only in id: {only_id:?}; only in en: {only_en:?}"
            );
        }
    }

    #[test]
    fn catalogues_parse_without_errors() {
        for (name, id, en) in catalogues() {
            for (lang, src) in [("id", id), ("en", en)] {
                assert!(
                    FluentResource::try_new(src.to_owned()).is_ok(),
                    "{name}.ftl ({lang}) has syntax errors"
                );
            }
        }
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let m = Messages::new(Lang::En);
        let text = m.text("app-submitted", &[("id", "APP-000001")]);
        assert!(text.contains("APP-000001"), "{text}");
        assert!(!text.contains('\u{2068}'));
    }

    #[test]
    fn unknown_ids_come_back_as_the_id() {
        assert_eq!(
            Messages::new(Lang::Id).text("no-such-id", &[]),
            "no-such-id"
        );
    }
}
