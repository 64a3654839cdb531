//! RFC 7512 PKCS#11 URIs: parse, format, match.
//!
//! Tokens and objects are addressed by what they are (label, serial, manufacturer, model, id,
//! object label, type), never by slot number: slot ids are assigned by the module and change
//! between processes (SoftHSM2 even renumbers a slot when its token is initialised).
//!
//! Supported path attributes: `token`, `manufacturer`, `model`, `serial`, `id`, `object`,
//! `type`, `library-manufacturer`, `library-description`, `library-version`,
//! `slot-description`, `slot-manufacturer`, `slot-id`. Query attributes: `module-name`,
//! `module-path`. A `pin-value` is refused (PINs never travel in URIs here); `pin-source` is
//! kept but ignored. Unknown attributes are kept, and a URI carrying one matches nothing
//! (RFC 7512 §3.3: an unrecognised attribute must not be ignored when matching).

use std::fmt;

use crate::ports::token::TokenError;

/// PKCS#11 object class in a URI (`type=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    Public,
    Private,
    Cert,
    SecretKey,
    Data,
}

impl ObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Cert => "cert",
            Self::SecretKey => "secret-key",
            Self::Data => "data",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "public" => Self::Public,
            "private" => Self::Private,
            "cert" => Self::Cert,
            "secret-key" => Self::SecretKey,
            "data" => Self::Data,
            _ => return None,
        })
    }
}

/// A parsed PKCS#11 URI. Absent attributes match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    pub token: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub id: Option<Vec<u8>>,
    pub object: Option<String>,
    pub object_type: Option<ObjectType>,
    pub library_manufacturer: Option<String>,
    pub library_description: Option<String>,
    pub library_version: Option<String>,
    pub slot_description: Option<String>,
    pub slot_manufacturer: Option<String>,
    pub slot_id: Option<u64>,
    pub module_name: Option<String>,
    pub module_path: Option<String>,
    /// Attributes this implementation does not know (name, decoded value): never matches.
    pub unknown: Vec<(String, String)>,
}

/// The identity fields of a token, as compared against a URI.
#[derive(Debug, Clone, Copy)]
pub struct TokenFields<'a> {
    pub label: &'a str,
    pub manufacturer: &'a str,
    pub model: &'a str,
    pub serial: &'a str,
}

/// The identity fields of an object, as compared against a URI.
#[derive(Debug, Clone, Copy)]
pub struct ObjectFields<'a> {
    pub id: Option<&'a [u8]>,
    pub label: Option<&'a str>,
    pub object_type: Option<ObjectType>,
}

impl Pkcs11Uri {
    /// A URI naming a token by all four identity fields.
    pub fn for_token(t: TokenFields<'_>) -> Self {
        Self {
            token: Some(t.label.to_owned()),
            manufacturer: Some(t.manufacturer.to_owned()),
            model: Some(t.model.to_owned()),
            serial: Some(t.serial.to_owned()),
            ..Self::default()
        }
    }

    /// Only the token part of this URI (object attributes dropped).
    pub fn token_part(&self) -> Self {
        Self {
            id: None,
            object: None,
            object_type: None,
            ..self.clone()
        }
    }

    /// This URI with object attributes set.
    pub fn with_object(
        &self,
        id: Option<&[u8]>,
        label: Option<&str>,
        object_type: Option<ObjectType>,
    ) -> Self {
        Self {
            id: id.map(<[u8]>::to_vec),
            object: label.map(str::to_owned),
            object_type,
            ..self.token_part()
        }
    }

    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let bad = |reason: String| TokenError::InvalidUri {
            uri: text.to_owned(),
            reason,
        };
        let rest = text
            .strip_prefix("pkcs11:")
            .ok_or_else(|| bad("does not start with \"pkcs11:\"".into()))?;
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let mut uri = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for part in path.split(';').filter(|p| !p.is_empty()) {
            let (name, raw) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("attribute {part:?} has no '='")))?;
            if seen.iter().any(|s| s == name) {
                return Err(bad(format!("attribute {name} appears twice")));
            }
            seen.push(name.to_owned());
            let bytes = percent_decode(raw).map_err(&bad)?;
            if name == "id" {
                uri.id = Some(bytes);
                continue;
            }
            let value = String::from_utf8(bytes)
                .map_err(|_| bad(format!("attribute {name} is not UTF-8")))?;
            match name {
                "token" => uri.token = Some(value),
                "manufacturer" => uri.manufacturer = Some(value),
                "model" => uri.model = Some(value),
                "serial" => uri.serial = Some(value),
                "object" => uri.object = Some(value),
                "type" => {
                    uri.object_type = Some(
                        ObjectType::parse(&value)
                            .ok_or_else(|| bad(format!("unknown object type {value:?}")))?,
                    )
                }
                "library-manufacturer" => uri.library_manufacturer = Some(value),
                "library-description" => uri.library_description = Some(value),
                "library-version" => uri.library_version = Some(value),
                "slot-description" => uri.slot_description = Some(value),
                "slot-manufacturer" => uri.slot_manufacturer = Some(value),
                "slot-id" => {
                    uri.slot_id = Some(
                        value
                            .parse()
                            .map_err(|_| bad(format!("slot-id {value:?} is not a number")))?,
                    )
                }
                _ => uri.unknown.push((name.to_owned(), value)),
            }
        }
        for part in query.into_iter().flat_map(|q| q.split('&')) {
            if part.is_empty() {
                continue;
            }
            let (name, raw) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("query attribute {part:?} has no '='")))?;
            let value = String::from_utf8(percent_decode(raw).map_err(&bad)?)
                .map_err(|_| bad(format!("query attribute {name} is not UTF-8")))?;
            match name {
                "module-name" => uri.module_name = Some(value),
                "module-path" => uri.module_path = Some(value),
                "pin-value" => {
                    return Err(bad("PINs are not accepted inside URIs (pin-value)".into()));
                }
                "pin-source" => {}
                _ => uri.unknown.push((name.to_owned(), value)),
            }
        }
        Ok(uri)
    }

    /// Does this URI select a token with these fields? (object attributes are ignored)
    pub fn matches_token(&self, t: TokenFields<'_>) -> bool {
        self.unknown.is_empty()
            && eq_opt(&self.token, t.label)
            && eq_opt(&self.manufacturer, t.manufacturer)
            && eq_opt(&self.model, t.model)
            && eq_opt(&self.serial, t.serial)
    }

    /// Does this URI select an object with these fields? (token attributes are ignored)
    pub fn matches_object(&self, o: ObjectFields<'_>) -> bool {
        self.unknown.is_empty()
            && self.id.as_deref().is_none_or(|want| o.id == Some(want))
            && self
                .object
                .as_deref()
                .is_none_or(|want| o.label == Some(want))
            && self
                .object_type
                .is_none_or(|want| o.object_type == Some(want))
    }

    /// Does the URI carry any object attribute?
    pub fn names_object(&self) -> bool {
        self.id.is_some() || self.object.is_some() || self.object_type.is_some()
    }
}

fn eq_opt(want: &Option<String>, have: &str) -> bool {
    want.as_deref().is_none_or(|w| w == have)
}

impl fmt::Display for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut attrs: Vec<(&str, String)> = Vec::new();
        let mut push = |name: &'static str, v: &Option<String>| {
            if let Some(v) = v {
                attrs.push((name, percent_encode(v.as_bytes(), Escape::Path)));
            }
        };
        push("token", &self.token);
        push("manufacturer", &self.manufacturer);
        push("model", &self.model);
        push("serial", &self.serial);
        push("library-manufacturer", &self.library_manufacturer);
        push("library-description", &self.library_description);
        push("library-version", &self.library_version);
        push("slot-description", &self.slot_description);
        push("slot-manufacturer", &self.slot_manufacturer);
        if let Some(slot) = self.slot_id {
            attrs.push(("slot-id", slot.to_string()));
        }
        if let Some(id) = &self.id {
            attrs.push(("id", percent_encode(id, Escape::All)));
        }
        if let Some(object) = &self.object {
            attrs.push(("object", percent_encode(object.as_bytes(), Escape::Path)));
        }
        if let Some(t) = self.object_type {
            attrs.push(("type", t.as_str().to_owned()));
        }
        f.write_str("pkcs11:")?;
        for (i, (name, value)) in attrs.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{name}={value}")?;
        }
        for (name, value) in &self.unknown {
            write!(
                f,
                ";{name}={}",
                percent_encode(value.as_bytes(), Escape::Path)
            )?;
        }
        let mut query: Vec<(&str, &String)> = Vec::new();
        if let Some(v) = &self.module_name {
            query.push(("module-name", v));
        }
        if let Some(v) = &self.module_path {
            query.push(("module-path", v));
        }
        for (i, (name, value)) in query.iter().enumerate() {
            let sep = if i == 0 { "?" } else { "&" };
            write!(
                f,
                "{sep}{name}={}",
                percent_encode(value.as_bytes(), Escape::Query)
            )?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Pkcs11Uri {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Which characters may stay literal when percent-encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Path attribute values: RFC 3986 unreserved plus `:[]@!$'()*+,` (RFC 7512 pk11-pchar).
    Path,
    /// Query attribute values: as [`Escape::Path`] plus `/?|` (pk11-qchar).
    Query,
    /// Every byte escaped (used for `id`, which is binary).
    All,
}

/// Percent-encodes `bytes` (upper-case hex).
pub fn percent_encode(bytes: &[u8], mode: Escape) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        let path_ok = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b':'
                    | b'['
                    | b']'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
            );
        let literal = match mode {
            Escape::All => false,
            Escape::Path => path_ok,
            Escape::Query => path_ok || matches!(b, b'/' | b'?' | b'|'),
        };
        if literal {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (case-insensitive hex); other bytes are taken as they are.
pub fn percent_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape at byte {i}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOFTHSM: TokenFields<'static> = TokenFields {
        label: "Kustodi station",
        manufacturer: "SoftHSM project",
        model: "SoftHSM v2",
        serial: "b124255b0146cd5a",
    };

    #[test]
    fn parses_the_rfc_example_with_percent_escapes() {
        let uri = Pkcs11Uri::parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91",
        )
        .unwrap();
        assert_eq!(uri.token.as_deref(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(uri.manufacturer.as_deref(), Some("Snake Oil, Inc."));
        assert_eq!(uri.model.as_deref(), Some("1.0"));
        assert_eq!(uri.object.as_deref(), Some("my-certificate"));
        assert_eq!(uri.object_type, Some(ObjectType::Cert));
        assert_eq!(
            uri.id.as_deref(),
            Some(&[0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91][..])
        );
    }

    #[test]
    fn formats_in_canonical_order_and_round_trips() {
        let uri = Pkcs11Uri::for_token(SOFTHSM).with_object(
            Some(&[0x01, 0xab]),
            Some("kartu; 100%"),
            Some(ObjectType::Private),
        );
        let text = uri.to_string();
        assert_eq!(
            text,
            "pkcs11:token=Kustodi%20station;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=b124255b0146cd5a;id=%01%AB;object=kartu%3B%20100%25;type=private"
        );
        assert_eq!(Pkcs11Uri::parse(&text).unwrap(), uri);
    }

    #[test]
    fn non_ascii_labels_round_trip_as_utf8_escapes() {
        let uri = Pkcs11Uri {
            token: Some("Dinas Kependudukan – Bekasi".into()),
            ..Default::default()
        };
        let text = uri.to_string();
        assert!(text.contains("%E2%80%93"));
        assert_eq!(Pkcs11Uri::parse(&text).unwrap(), uri);
    }

    #[test]
    fn lowercase_escapes_and_query_attributes_parse() {
        let uri = Pkcs11Uri::parse(
            "pkcs11:serial=abc;id=%0a?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/x",
        )
        .unwrap();
        assert_eq!(uri.id.as_deref(), Some(&[0x0a][..]));
        assert_eq!(
            uri.module_path.as_deref(),
            Some("/usr/lib/softhsm/libsofthsm2.so")
        );
        assert!(
            uri.to_string()
                .ends_with("?module-path=/usr/lib/softhsm/libsofthsm2.so")
        );
    }

    #[test]
    fn refuses_pin_values_bad_escapes_duplicates_and_other_schemes() {
        for bad in [
            "pkcs11:token=a?pin-value=1234",
            "pkcs11:token=%zz",
            "pkcs11:token=a%2",
            "pkcs11:token=a;token=b",
            "pkcs11:token",
            "pkcs11:type=spaceship",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(Pkcs11Uri::parse(bad), Err(TokenError::InvalidUri { .. })),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn an_empty_uri_matches_every_token_and_attributes_narrow_it() {
        assert!(Pkcs11Uri::parse("pkcs11:").unwrap().matches_token(SOFTHSM));
        assert!(
            Pkcs11Uri::parse("pkcs11:serial=b124255b0146cd5a")
                .unwrap()
                .matches_token(SOFTHSM)
        );
        assert!(
            !Pkcs11Uri::parse("pkcs11:token=Kustodi%20station;serial=other")
                .unwrap()
                .matches_token(SOFTHSM)
        );
        assert!(
            !Pkcs11Uri::parse("pkcs11:token=Kustodi")
                .unwrap()
                .matches_token(SOFTHSM),
            "labels match exactly, not by prefix"
        );
    }

    #[test]
    fn unknown_attributes_match_nothing() {
        let uri = Pkcs11Uri::parse("pkcs11:token=Kustodi%20station;x-vendor=1").unwrap();
        assert!(!uri.matches_token(SOFTHSM));
    }

    #[test]
    fn objects_match_by_id_label_and_type() {
        let uri = Pkcs11Uri::parse("pkcs11:id=%01;type=cert").unwrap();
        let cert = ObjectFields {
            id: Some(&[1]),
            label: Some("x"),
            object_type: Some(ObjectType::Cert),
        };
        assert!(uri.matches_object(cert));
        assert!(!uri.matches_object(ObjectFields {
            object_type: Some(ObjectType::Private),
            ..cert
        }));
        assert!(!uri.matches_object(ObjectFields {
            id: Some(&[2]),
            ..cert
        }));
        assert!(uri.names_object());
        assert!(!uri.token_part().names_object());
    }
}
