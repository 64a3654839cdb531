//! The subscriber agreement (*perjanjian pemilik sertifikat*) shown and accepted at issuance,
//! Pasal 14(5). The texts live in `docs/agreements/` and are embedded byte for byte; the
//! receipt names the text by the SHA-256 of those exact UTF-8 bytes.

use sha2::{Digest, Sha256};

/// Language of a text: Bahasa Indonesia is primary (the binding text), English a translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    /// `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Parses `id` / `en`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// One version of the subscriber agreement in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    pub version: &'static str,
    pub lang: Lang,
    pub text: &'static str,
}

const V1_ID: &str = include_str!("../../docs/agreements/subscriber-agreement-v1.id.md");
const V1_EN: &str = include_str!("../../docs/agreements/subscriber-agreement-v1.en.md");

impl Agreement {
    /// The current agreement (v1) in `lang`.
    pub fn v1(lang: Lang) -> Self {
        let text = match lang {
            Lang::Id => V1_ID,
            Lang::En => V1_EN,
        };
        Agreement {
            version: "v1",
            lang,
            text,
        }
    }

    /// Every text the station knows, to look one up by the receipt's `agreement` block.
    pub fn all() -> [Agreement; 2] {
        [Agreement::v1(Lang::Id), Agreement::v1(Lang::En)]
    }

    /// The known text with this version, language and hash, if any.
    pub fn find(version: &str, lang: &str, sha256: &str) -> Option<Agreement> {
        Agreement::all()
            .into_iter()
            .find(|a| a.version == version && a.lang.code() == lang && a.sha256() == sha256)
    }

    /// [`agreement_hash`] of this text.
    pub fn sha256(&self) -> String {
        agreement_hash(self.text)
    }
}

/// Lowercase hex SHA-256 of the exact UTF-8 bytes of `text` (no normalisation of any kind).
pub fn agreement_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
