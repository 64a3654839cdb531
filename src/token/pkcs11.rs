//! The PKCS#11 adapter of the token port (`cryptoki` 0.12).
//!
//! * Modules are loaded by path ([`Pkcs11Module::load`]) or wrapped from an already initialised
//!   context ([`Pkcs11Module::from_context`]: `C_Initialize` may run only once per process).
//! * Tokens and objects are found by RFC 7512 URI ([`Pkcs11Uri`]), never by slot number.
//! * Key pairs are generated on the token with `CKA_SENSITIVE`, `!CKA_EXTRACTABLE`,
//!   `CKA_PRIVATE`, `CKA_TOKEN` and a shared random `CKA_ID`; `CKA_LOCAL`,
//!   `CKA_NEVER_EXTRACTABLE` and `CKA_ALWAYS_SENSITIVE` are then read back and the key is
//!   deleted and refused if any does not hold (or is not reported).
//! * Signing hashes on the host and uses `CKM_ECDSA` (DER-encoding r‖s) or
//!   `CKM_SHA256_RSA_PKCS` / `CKM_SHA384_RSA_PKCS` (`CKM_RSA_PKCS` + DigestInfo when prehashed).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode};
use rand::Rng;
use sha2::Digest;

use super::uri::{ObjectFields, ObjectType, Pkcs11Uri, TokenFields};
use crate::ports::token::{
    CertificateObject, HashAlgorithm, KeyAlgorithm, KeyHandleRef, KeySafety, SignInput, TokenError,
    TokenFlags, TokenInfo, TokenProvider, TokenSession,
};
use crate::secret::Pin;

/// `CKA_APPLICATION` prefix of the data objects this adapter writes, before their generation.
const DATA_GENERATION_PREFIX: &str = "kustodi-gen:";

/// Length of the random `CKA_ID` given to new key pairs.
pub const KEY_ID_LEN: usize = 16;

/// DER of the named-curve OIDs used as `CKA_EC_PARAMS`.
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384_PARAMS: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// `DigestInfo` prefixes for PKCS#1 v1.5 signatures over a host-computed digest.
const SHA256_DIGEST_INFO: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const SHA384_DIGEST_INFO: &[u8] = &[
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];

/// Serialises `C_InitToken` calls in this process: two threads initialising "the free slot"
/// at once would both pick the same one.
static INIT_TOKEN_LOCK: Mutex<()> = Mutex::new(());

/// A loaded and initialised PKCS#11 module.
#[derive(Debug, Clone)]
pub struct Pkcs11Module {
    path: PathBuf,
    ctx: Pkcs11,
}

impl Pkcs11Module {
    /// Loads the module at `path` and calls `C_Initialize` (OS locking). A module is
    /// initialised once per process (a second `C_Initialize` fails): later calls for the same
    /// path return the module already loaded (it is cheap to clone).
    ///
    /// SoftHSM2 reads `SOFTHSM2_CONF` from the environment at this point; see
    /// [`crate::token::softhsm::load_softhsm`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, TokenError> {
        static LOADED: Mutex<Vec<Pkcs11Module>> = Mutex::new(Vec::new());
        let path = path.as_ref();
        let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = loaded.iter().find(|m| m.path == path) {
            return Ok(m.clone());
        }
        let module = Self::initialise(path)?;
        loaded.push(module.clone());
        Ok(module)
    }

    fn initialise(path: &Path) -> Result<Self, TokenError> {
        let load_err = |reason: String| TokenError::ModuleLoad {
            path: path.display().to_string(),
            reason,
        };
        let ctx = Pkcs11::new(path).map_err(|e| load_err(e.to_string()))?;
        ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .map_err(|e| load_err(e.to_string()))?;
        Ok(Self::from_context(path, ctx))
    }

    /// Wraps a context that the caller already initialised.
    pub fn from_context(path: impl AsRef<Path>, ctx: Pkcs11) -> Self {
        Self {
            path: path.as_ref().to_owned(),
            ctx,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn context(&self) -> &Pkcs11 {
        &self.ctx
    }

    /// `(manufacturer, description, version)` from `C_GetInfo`.
    pub fn library_info(&self) -> Result<(String, String, String), TokenError> {
        let info = self.ctx.get_library_info().map_err(|e| map_ck(e, None))?;
        Ok((
            info.manufacturer_id().to_owned(),
            info.library_description().to_owned(),
            info.library_version().to_string(),
        ))
    }

    fn name_matches(&self, uri: &Pkcs11Uri) -> bool {
        let path_ok = uri
            .module_path
            .as_deref()
            .is_none_or(|p| Path::new(p) == self.path);
        let name_ok = uri.module_name.as_deref().is_none_or(|want| {
            let stem = self.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            stem == want || stem.strip_prefix("lib") == Some(want)
        });
        let lib_ok = if uri.library_manufacturer.is_some()
            || uri.library_description.is_some()
            || uri.library_version.is_some()
        {
            match self.library_info() {
                Ok((m, d, v)) => {
                    uri.library_manufacturer.as_deref().is_none_or(|w| w == m)
                        && uri.library_description.as_deref().is_none_or(|w| w == d)
                        && uri.library_version.as_deref().is_none_or(|w| w == v)
                }
                Err(_) => false,
            }
        } else {
            true
        };
        path_ok && name_ok && lib_ok
    }

    /// Slots that currently hold a token, with their token info and URI.
    fn tokens(&self) -> Result<Vec<(Slot, cryptoki::slot::TokenInfo, Pkcs11Uri)>, TokenError> {
        let slots = self
            .ctx
            .get_slots_with_token()
            .map_err(|e| map_ck(e, None))?;
        let mut out = Vec::new();
        for slot in slots {
            // A token pulled out between the two calls is simply skipped.
            if let Ok(info) = self.ctx.get_token_info(slot) {
                let uri = Pkcs11Uri::for_token(fields(&info));
                out.push((slot, info, uri));
            }
        }
        Ok(out)
    }

    /// Each present token's URI with its slot description (OpenSC: the PC/SC reader name),
    /// to link a token to its reader.
    pub fn token_slot_descriptions(&self) -> Result<Vec<(String, String)>, TokenError> {
        Ok(self
            .tokens()?
            .into_iter()
            .map(|(slot, _, uri)| {
                let description = self
                    .ctx
                    .get_slot_info(slot)
                    .map(|si| si.slot_description().trim_end().to_owned())
                    .unwrap_or_default();
                (uri.to_string(), description)
            })
            .collect())
    }

    fn slot_matches(&self, slot: Slot, uri: &Pkcs11Uri) -> bool {
        if uri.slot_id.is_some_and(|id| id != slot.id()) {
            return false;
        }
        if uri.slot_description.is_none() && uri.slot_manufacturer.is_none() {
            return true;
        }
        match self.ctx.get_slot_info(slot) {
            Ok(si) => {
                uri.slot_description
                    .as_deref()
                    .is_none_or(|w| w == si.slot_description())
                    && uri
                        .slot_manufacturer
                        .as_deref()
                        .is_none_or(|w| w == si.manufacturer_id())
            }
            Err(_) => false,
        }
    }
}

fn fields(info: &cryptoki::slot::TokenInfo) -> TokenFields<'_> {
    TokenFields {
        label: info.label(),
        manufacturer: info.manufacturer_id(),
        model: info.model(),
        serial: info.serial_number(),
    }
}

/// A token found by URI: its module, current slot and info.
#[derive(Debug, Clone)]
struct Located {
    module: Pkcs11Module,
    slot: Slot,
    info: cryptoki::slot::TokenInfo,
    uri: Pkcs11Uri,
}

/// The PKCS#11 implementation of [`TokenProvider`] over one or more modules.
#[derive(Debug, Clone, Default)]
pub struct Pkcs11Provider {
    modules: Vec<Pkcs11Module>,
}

impl Pkcs11Provider {
    pub fn new(modules: Vec<Pkcs11Module>) -> Self {
        Self { modules }
    }

    /// Loads each module by path (see [`Pkcs11Module::load`]).
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Self, TokenError> {
        let modules = paths
            .iter()
            .map(Pkcs11Module::load)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { modules })
    }

    pub fn modules(&self) -> &[Pkcs11Module] {
        &self.modules
    }

    fn locate(&self, token_uri: &str) -> Result<Located, TokenError> {
        let uri = Pkcs11Uri::parse(token_uri)?;
        let mut found = Vec::new();
        for module in self.modules.iter().filter(|m| m.name_matches(&uri)) {
            for (slot, info, tok_uri) in module.tokens()? {
                if uri.matches_token(fields(&info)) && module.slot_matches(slot, &uri) {
                    found.push(Located {
                        module: module.clone(),
                        slot,
                        info,
                        uri: tok_uri,
                    });
                }
            }
        }
        match found.len() {
            0 => Err(TokenError::TokenNotFound {
                uri: token_uri.to_owned(),
            }),
            1 => Ok(found.remove(0)),
            count => Err(TokenError::TokenAmbiguous {
                uri: token_uri.to_owned(),
                count,
            }),
        }
    }

    /// Opens a read-write session on the token matching `token_uri` (concrete type).
    pub fn open_pkcs11_session(&self, token_uri: &str) -> Result<Pkcs11Session, TokenError> {
        let located = self.locate(token_uri)?;
        Pkcs11Session::open(located)
    }

    /// Initialises the first uninitialised token of the first module that has one (SoftHSM2
    /// always keeps one free slot) with `label` and `so_pin`. Returns the new token's URI.
    pub fn init_free_token(&self, label: &str, so_pin: &Pin) -> Result<String, TokenError> {
        let _guard = INIT_TOKEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        self.refuse_existing_label(label)?;
        for module in &self.modules {
            let free = module
                .tokens()?
                .into_iter()
                .find(|(_, info, _)| !info.token_initialized());
            if let Some((slot, info, uri)) = free {
                let located = Located {
                    module: module.clone(),
                    slot,
                    info,
                    uri,
                };
                return init_located(&located, so_pin, label);
            }
        }
        Err(TokenError::NoFreeSlot)
    }

    fn refuse_existing_label(&self, label: &str) -> Result<(), TokenError> {
        for module in &self.modules {
            if module
                .tokens()?
                .iter()
                .any(|(_, info, _)| info.token_initialized() && info.label() == label)
            {
                return Err(TokenError::TokenAlreadyExists {
                    label: label.to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// `C_InitToken` on a located token, then finds it again (SoftHSM2 moves it to a new slot id).
fn init_located(located: &Located, so_pin: &Pin, label: &str) -> Result<String, TokenError> {
    let ctx = located.module.context();
    let before: Vec<String> = located
        .module
        .tokens()?
        .iter()
        .filter(|(_, i, _)| i.token_initialized())
        .map(|(_, i, _)| i.serial_number().to_owned())
        .collect();
    let was_initialized = located.info.token_initialized();
    let old_serial = located.info.serial_number().to_owned();
    let auth = AuthPin::from(so_pin.expose());
    ctx.init_token(located.slot, &auth, label)
        .map_err(|e| map_pin_error(e, ctx, located.slot, UserType::So))?;
    let candidates: Vec<Pkcs11Uri> = located
        .module
        .tokens()?
        .into_iter()
        .filter(|(_, i, _)| i.token_initialized() && i.label() == label)
        .filter(|(_, i, _)| {
            if was_initialized {
                i.serial_number() == old_serial
            } else {
                !before.iter().any(|s| s == i.serial_number())
            }
        })
        .map(|(_, _, uri)| uri)
        .collect();
    match candidates.as_slice() {
        [uri] => Ok(uri.to_string()),
        _ => Err(TokenError::TokenNotFound {
            uri: Pkcs11Uri {
                token: Some(label.to_owned()),
                ..Default::default()
            }
            .to_string(),
        }),
    }
}

fn token_info_of(located: &Located) -> Result<TokenInfo, TokenError> {
    let info = &located.info;
    let mechanisms = located
        .module
        .context()
        .get_mechanism_list(located.slot)
        .map_err(|e| map_ck(e, None))?
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(TokenInfo {
        uri: located.uri.to_string(),
        label: info.label().to_owned(),
        manufacturer: info.manufacturer_id().to_owned(),
        model: info.model().to_owned(),
        serial: info.serial_number().to_owned(),
        hardware_version: info.hardware_version().to_string(),
        firmware_version: info.firmware_version().to_string(),
        flags: flags_of(info),
        min_pin_len: info.min_pin_length(),
        max_pin_len: info.max_pin_length(),
        mechanisms,
    })
}

fn flags_of(info: &cryptoki::slot::TokenInfo) -> TokenFlags {
    TokenFlags {
        initialized: info.token_initialized(),
        login_required: info.login_required(),
        user_pin_initialized: info.user_pin_initialized(),
        user_pin_count_low: info.user_pin_count_low(),
        user_pin_final_try: info.user_pin_final_try(),
        user_pin_locked: info.user_pin_locked(),
        user_pin_to_be_changed: info.user_pin_to_be_changed(),
        so_pin_count_low: info.so_pin_count_low(),
        so_pin_final_try: info.so_pin_final_try(),
        so_pin_locked: info.so_pin_locked(),
        protected_authentication_path: info.protected_authentication_path(),
        write_protected: info.write_protected(),
        rng: info.rng(),
    }
}

impl TokenProvider for Pkcs11Provider {
    fn list_tokens(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let mut out = Vec::new();
        for module in &self.modules {
            for (slot, info, uri) in module.tokens()? {
                out.push(token_info_of(&Located {
                    module: module.clone(),
                    slot,
                    info,
                    uri,
                })?);
            }
        }
        Ok(out)
    }

    fn token_info(&self, token_uri: &str) -> Result<TokenInfo, TokenError> {
        token_info_of(&self.locate(token_uri)?)
    }

    fn init_token(&self, token_uri: &str, so_pin: &Pin, label: &str) -> Result<String, TokenError> {
        let _guard = INIT_TOKEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let located = self.locate(token_uri)?;
        if !located.info.token_initialized() || located.info.label() != label {
            self.refuse_existing_label(label)?;
        }
        init_located(&located, so_pin, label)
    }

    fn change_so_pin(&self, token_uri: &str, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        let s = self.open_pkcs11_session(token_uri)?;
        s.login_as(UserType::So, old)?;
        let result = s.set_pin(UserType::So, old, new);
        let _ = s.session.logout();
        result
    }

    fn init_user_pin(
        &self,
        token_uri: &str,
        so_pin: &Pin,
        user_pin: &Pin,
    ) -> Result<(), TokenError> {
        let s = self.open_pkcs11_session(token_uri)?;
        s.login_as(UserType::So, so_pin)?;
        let result = s
            .session
            .init_pin(&AuthPin::from(user_pin.expose()))
            .map_err(|e| s.pin_error(e, UserType::User));
        let _ = s.session.logout();
        result
    }

    fn change_user_pin(&self, token_uri: &str, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        // In a R/W public session C_SetPIN changes the user PIN after checking the old one.
        let s = self.open_pkcs11_session(token_uri)?;
        s.set_pin(UserType::User, old, new)
    }

    fn open_session(&self, token_uri: &str) -> Result<Box<dyn TokenSession>, TokenError> {
        Ok(Box::new(self.open_pkcs11_session(token_uri)?))
    }
}

/// A read-write session on one token.
#[derive(Debug)]
pub struct Pkcs11Session {
    ctx: Pkcs11,
    slot: Slot,
    session: Session,
    uri: Pkcs11Uri,
    uri_text: String,
}

impl Pkcs11Session {
    fn open(located: Located) -> Result<Self, TokenError> {
        let ctx = located.module.context().clone();
        let session = ctx
            .open_rw_session(located.slot)
            .map_err(|e| map_ck(e, None))?;
        Ok(Self {
            ctx,
            slot: located.slot,
            session,
            uri_text: located.uri.to_string(),
            uri: located.uri,
        })
    }

    /// The token's current info (flags change after PIN failures).
    pub fn token_info(&self) -> Result<TokenInfo, TokenError> {
        let info = self
            .ctx
            .get_token_info(self.slot)
            .map_err(|e| map_ck(e, None))?;
        let uri = Pkcs11Uri::for_token(fields(&info));
        token_info_of(&Located {
            module: Pkcs11Module::from_context("", self.ctx.clone()),
            slot: self.slot,
            info,
            uri,
        })
    }

    /// Logs in as the security officer.
    pub fn login_so(&self, so_pin: &Pin) -> Result<(), TokenError> {
        self.login_as(UserType::So, so_pin)
    }

    fn login_as(&self, user: UserType, pin: &Pin) -> Result<(), TokenError> {
        let auth = AuthPin::from(pin.expose());
        match self.session.login(user, Some(&auth)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
            Err(e) => Err(self.pin_error(e, user)),
        }
    }

    fn set_pin(&self, user: UserType, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        self.session
            .set_pin(&AuthPin::from(old.expose()), &AuthPin::from(new.expose()))
            .map_err(|e| self.pin_error(e, user))
    }

    fn pin_error(&self, e: CkError, user: UserType) -> TokenError {
        map_pin_error(e, &self.ctx, self.slot, user)
    }

    fn objects(&self, template: &[Attribute]) -> Result<Vec<ObjectHandle>, TokenError> {
        self.session
            .find_objects(template)
            .map_err(|e| map_ck(e, None))
    }

    fn one_object(
        &self,
        class: ObjectClass,
        id: &[u8],
        what: ObjectType,
    ) -> Result<ObjectHandle, TokenError> {
        let found = self.objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])?;
        match found.as_slice() {
            [h] => Ok(*h),
            _ => Err(TokenError::ObjectNotFound {
                uri: self.uri.with_object(Some(id), None, Some(what)).to_string(),
            }),
        }
    }

    /// The value of the private token data object (`CKO_DATA`) labelled `label`, or `None`
    /// if there is none. Needs a logged-in session. If a stop between the two steps of
    /// [`Pkcs11Session::write_data_object`] left more than one, the newest generation wins.
    pub fn read_data_object(&self, label: &str) -> Result<Option<Vec<u8>>, TokenError> {
        let Some((_, handle)) = self.data_objects(label)?.pop() else {
            return Ok(None);
        };
        let attrs = self
            .session
            .get_attributes(handle, &[AttributeType::Value])
            .map_err(|e| map_ck(e, None))?;
        Ok(attrs.into_iter().find_map(|a| match a {
            Attribute::Value(v) => Some(v),
            _ => None,
        }))
    }

    /// Replaces the value of the private token data object labelled `label`.
    ///
    /// SoftHSM2 (like the standard's table for data objects) does not let `CKA_VALUE` be
    /// changed once the object exists, so the value is replaced by a new object: created
    /// first (`CKA_TOKEN`, `CKA_PRIVATE`, its generation one above the highest found, kept in
    /// `CKA_APPLICATION` as `kustodi-gen:N`), then the older ones are destroyed. A stop in
    /// between leaves both; reading takes the newest.
    pub fn write_data_object(&self, label: &str, value: &[u8]) -> Result<(), TokenError> {
        let old = self.data_objects(label)?;
        let generation = old.last().map_or(1, |(g, _)| g.saturating_add(1));
        self.session
            .create_object(&[
                Attribute::Class(ObjectClass::DATA),
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Application(
                    format!("{DATA_GENERATION_PREFIX}{generation}").into_bytes(),
                ),
                Attribute::Value(value.to_vec()),
            ])
            .map_err(|e| map_ck(e, None))?;
        for (_, handle) in old {
            self.session
                .destroy_object(handle)
                .map_err(|e| map_ck(e, None))?;
        }
        Ok(())
    }

    /// The data objects labelled `label` with their generation, oldest first.
    fn data_objects(&self, label: &str) -> Result<Vec<(u64, ObjectHandle)>, TokenError> {
        let found = self.objects(&[
            Attribute::Class(ObjectClass::DATA),
            Attribute::Token(true),
            Attribute::Label(label.as_bytes().to_vec()),
        ])?;
        let mut out = Vec::with_capacity(found.len());
        for handle in found {
            let attrs = self
                .session
                .get_attributes(handle, &[AttributeType::Application])
                .map_err(|e| map_ck(e, None))?;
            let generation = attrs
                .into_iter()
                .find_map(|a| match a {
                    Attribute::Application(v) => String::from_utf8(v).ok(),
                    _ => None,
                })
                .and_then(|a| a.strip_prefix(DATA_GENERATION_PREFIX)?.parse().ok())
                .unwrap_or(0);
            out.push((generation, handle));
        }
        out.sort_by_key(|(g, _)| *g);
        Ok(out)
    }

    fn private_key(&self, key: &KeyHandleRef) -> Result<ObjectHandle, TokenError> {
        self.one_object(ObjectClass::PRIVATE_KEY, &key.id, ObjectType::Private)
    }

    fn safety_of(&self, handle: ObjectHandle) -> Result<KeySafety, TokenError> {
        let attrs = self
            .session
            .get_attributes(
                handle,
                &[
                    AttributeType::Local,
                    AttributeType::NeverExtractable,
                    AttributeType::AlwaysSensitive,
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::Private,
                    AttributeType::Token,
                ],
            )
            .map_err(|e| map_ck(e, None))?;
        // An attribute the token does not report stays at its unsafe default: `extractable`
        // starts true so that silence about it is a refusal too.
        let mut s = KeySafety {
            extractable: true,
            ..KeySafety::default()
        };
        for a in attrs {
            match a {
                Attribute::Local(v) => s.local = v,
                Attribute::NeverExtractable(v) => s.never_extractable = v,
                Attribute::AlwaysSensitive(v) => s.always_sensitive = v,
                Attribute::Sensitive(v) => s.sensitive = v,
                Attribute::Extractable(v) => s.extractable = v,
                Attribute::Private(v) => s.private = v,
                Attribute::Token(v) => s.token = v,
                _ => {}
            }
        }
        Ok(s)
    }

    fn supports(&self, mechanism: MechanismType) -> Result<bool, TokenError> {
        Ok(self
            .ctx
            .get_mechanism_list(self.slot)
            .map_err(|e| map_ck(e, None))?
            .contains(&mechanism))
    }

    fn destroy_all(&self, handles: &[ObjectHandle]) -> usize {
        handles
            .iter()
            .filter(|h| self.session.destroy_object(**h).is_ok())
            .count()
    }

    fn algorithm_of(&self, handle: ObjectHandle) -> Result<KeyAlgorithm, TokenError> {
        let attrs = self
            .session
            .get_attributes(
                handle,
                &[
                    AttributeType::KeyType,
                    AttributeType::EcParams,
                    AttributeType::Modulus,
                ],
            )
            .map_err(|e| map_ck(e, None))?;
        let mut key_type = None;
        let mut params = None;
        let mut modulus_len = 0;
        for a in attrs {
            match a {
                Attribute::KeyType(k) => key_type = Some(k),
                Attribute::EcParams(p) => params = Some(p),
                Attribute::Modulus(m) => {
                    modulus_len = m.iter().skip_while(|b| **b == 0).count();
                }
                _ => {}
            }
        }
        match key_type {
            Some(k) if k == KeyType::EC => match params.as_deref() {
                Some(P256_PARAMS) => Ok(KeyAlgorithm::P256),
                Some(P384_PARAMS) => Ok(KeyAlgorithm::P384),
                _ => Err(TokenError::Encoding("unsupported EC curve".into())),
            },
            Some(k) if k == KeyType::RSA => match modulus_len * 8 {
                2048 => Ok(KeyAlgorithm::Rsa2048),
                3072 => Ok(KeyAlgorithm::Rsa3072),
                bits => Err(TokenError::Encoding(format!("unsupported RSA size {bits}"))),
            },
            _ => Err(TokenError::Encoding("unsupported key type".into())),
        }
    }
}

impl TokenSession for Pkcs11Session {
    fn token_uri(&self) -> &str {
        &self.uri_text
    }

    fn login(&self, pin: &Pin) -> Result<(), TokenError> {
        self.login_as(UserType::User, pin)
    }

    fn logout(&self) -> Result<(), TokenError> {
        match self.session.logout() {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserNotLoggedIn, _)) => Ok(()),
            Err(e) => Err(map_ck(e, None)),
        }
    }

    fn generate_key_pair(
        &self,
        algorithm: KeyAlgorithm,
        label: &str,
    ) -> Result<KeyHandleRef, TokenError> {
        let (mechanism, mech_type, mut public) = match algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => {
                let bits: u64 = if algorithm == KeyAlgorithm::Rsa2048 {
                    2048
                } else {
                    3072
                };
                (
                    Mechanism::RsaPkcsKeyPairGen,
                    MechanismType::RSA_PKCS_KEY_PAIR_GEN,
                    vec![
                        Attribute::ModulusBits(bits.into()),
                        Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
                    ],
                )
            }
            KeyAlgorithm::P256 | KeyAlgorithm::P384 => (
                Mechanism::EccKeyPairGen,
                MechanismType::ECC_KEY_PAIR_GEN,
                vec![Attribute::EcParams(
                    if algorithm == KeyAlgorithm::P256 {
                        P256_PARAMS
                    } else {
                        P384_PARAMS
                    }
                    .to_vec(),
                )],
            ),
        };
        if !self.supports(mech_type)? {
            return Err(TokenError::MechanismUnsupported {
                mechanism: mech_type.to_string(),
            });
        }
        let mut id = vec![0u8; KEY_ID_LEN];
        rand::rng().fill_bytes(&mut id);
        public.extend([
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::Id(id.clone()),
            Attribute::Label(label.as_bytes().to_vec()),
        ]);
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Id(id.clone()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let (pub_h, priv_h) = self
            .session
            .generate_key_pair(&mechanism, &public, &private)
            .map_err(|e| map_ck(e, Some(mech_type)))?;
        match self.safety_of(priv_h) {
            Ok(safety) if safety.is_safe() => Ok(KeyHandleRef {
                token_uri: self.uri_text.clone(),
                id,
                label: label.to_owned(),
                algorithm,
            }),
            outcome => {
                self.destroy_all(&[priv_h, pub_h]);
                Err(match outcome {
                    Ok(safety) => TokenError::KeyNotSafe {
                        attribute: safety.first_violation().unwrap_or("unknown"),
                    },
                    Err(e) => e,
                })
            }
        }
    }

    fn find_key(&self, object_uri: &str) -> Result<KeyHandleRef, TokenError> {
        let uri = Pkcs11Uri::parse(object_uri)?;
        let not_found = || TokenError::ObjectNotFound {
            uri: object_uri.to_owned(),
        };
        let info = self
            .ctx
            .get_token_info(self.slot)
            .map_err(|e| map_ck(e, None))?;
        if !uri.matches_token(fields(&info)) {
            return Err(not_found());
        }
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        if let Some(id) = &uri.id {
            template.push(Attribute::Id(id.clone()));
        }
        if let Some(label) = &uri.object {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        let found = self.objects(&template)?;
        let [handle] = found.as_slice() else {
            return Err(not_found());
        };
        let attrs = self
            .session
            .get_attributes(*handle, &[AttributeType::Id, AttributeType::Label])
            .map_err(|e| map_ck(e, None))?;
        let (mut id, mut label) = (Vec::new(), String::new());
        for a in attrs {
            match a {
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                _ => {}
            }
        }
        Ok(KeyHandleRef {
            token_uri: self.uri_text.clone(),
            id,
            label,
            algorithm: self.algorithm_of(*handle)?,
        })
    }

    fn public_key_spki_der(&self, key: &KeyHandleRef) -> Result<Vec<u8>, TokenError> {
        let handle = self.one_object(ObjectClass::PUBLIC_KEY, &key.id, ObjectType::Public)?;
        if key.algorithm.is_ec() {
            let attrs = self
                .session
                .get_attributes(handle, &[AttributeType::EcParams, AttributeType::EcPoint])
                .map_err(|e| map_ck(e, None))?;
            let (mut params, mut point) = (None, None);
            for a in attrs {
                match a {
                    Attribute::EcParams(v) => params = Some(v),
                    Attribute::EcPoint(v) => point = Some(v),
                    _ => {}
                }
            }
            let (Some(params), Some(point)) = (params, point) else {
                return Err(TokenError::Encoding(
                    "EC public key without params/point".into(),
                ));
            };
            let coord = if key.algorithm == KeyAlgorithm::P256 {
                32
            } else {
                48
            };
            ec_spki(&params, &unwrap_ec_point(&point, coord)?)
        } else {
            let attrs = self
                .session
                .get_attributes(
                    handle,
                    &[AttributeType::Modulus, AttributeType::PublicExponent],
                )
                .map_err(|e| map_ck(e, None))?;
            let (mut n, mut e) = (None, None);
            for a in attrs {
                match a {
                    Attribute::Modulus(v) => n = Some(v),
                    Attribute::PublicExponent(v) => e = Some(v),
                    _ => {}
                }
            }
            let (Some(n), Some(e)) = (n, e) else {
                return Err(TokenError::Encoding("RSA public key without n/e".into()));
            };
            rsa_spki(&n, &e)
        }
    }

    fn sign(
        &self,
        key: &KeyHandleRef,
        hash: HashAlgorithm,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, TokenError> {
        let digest = match input {
            SignInput::Message(m) => host_hash(hash, m),
            SignInput::Prehashed(d) if d.len() == hash.output_len() => d.to_vec(),
            SignInput::Prehashed(d) => {
                return Err(TokenError::Encoding(format!(
                    "digest of {} bytes for {hash:?}",
                    d.len()
                )));
            }
        };
        let handle = self.private_key(key)?;
        if key.algorithm.is_ec() {
            let raw = self
                .session
                .sign(&Mechanism::Ecdsa, handle, &digest)
                .map_err(|e| map_ck(e, Some(MechanismType::ECDSA)))?;
            ecdsa_raw_to_der(&raw)
        } else {
            let (mech, mech_type, prefix) = match hash {
                HashAlgorithm::Sha256 => (
                    Mechanism::Sha256RsaPkcs,
                    MechanismType::SHA256_RSA_PKCS,
                    SHA256_DIGEST_INFO,
                ),
                HashAlgorithm::Sha384 => (
                    Mechanism::Sha384RsaPkcs,
                    MechanismType::SHA384_RSA_PKCS,
                    SHA384_DIGEST_INFO,
                ),
            };
            match input {
                SignInput::Message(m) if self.supports(mech_type)? => self
                    .session
                    .sign(&mech, handle, m)
                    .map_err(|e| map_ck(e, Some(mech_type))),
                _ => {
                    let mut info = prefix.to_vec();
                    info.extend_from_slice(&digest);
                    self.session
                        .sign(&Mechanism::RsaPkcs, handle, &info)
                        .map_err(|e| map_ck(e, Some(MechanismType::RSA_PKCS)))
                }
            }
        }
    }

    fn key_safety(&self, key: &KeyHandleRef) -> Result<KeySafety, TokenError> {
        self.safety_of(self.private_key(key)?)
    }

    fn write_certificate(
        &self,
        key: &KeyHandleRef,
        cert: &CertificateObject,
    ) -> Result<String, TokenError> {
        let template = [
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Id(key.id.clone()),
            Attribute::Label(key.label.as_bytes().to_vec()),
            Attribute::Subject(cert.subject_der.clone()),
            Attribute::Issuer(cert.issuer_der.clone()),
            Attribute::SerialNumber(cert.serial_der.clone()),
            Attribute::Value(cert.der.clone()),
        ];
        self.session
            .create_object(&template)
            .map_err(|e| map_ck(e, None))?;
        Ok(self
            .uri
            .with_object(Some(&key.id), Some(&key.label), Some(ObjectType::Cert))
            .to_string())
    }

    fn find_certificate(&self, object_uri: &str) -> Result<Option<Vec<u8>>, TokenError> {
        let uri = Pkcs11Uri::parse(object_uri)?;
        if uri.object_type.is_some_and(|t| t != ObjectType::Cert) {
            return Ok(None);
        }
        let info = self
            .ctx
            .get_token_info(self.slot)
            .map_err(|e| map_ck(e, None))?;
        if !uri.matches_token(fields(&info)) {
            return Ok(None);
        }
        let mut template = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
        if let Some(id) = &uri.id {
            template.push(Attribute::Id(id.clone()));
        }
        if let Some(label) = &uri.object {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        for handle in self.objects(&template)? {
            let attrs = self
                .session
                .get_attributes(
                    handle,
                    &[
                        AttributeType::Id,
                        AttributeType::Label,
                        AttributeType::Value,
                    ],
                )
                .map_err(|e| map_ck(e, None))?;
            let (mut id, mut label, mut value) = (None, None, None);
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = Some(v),
                    Attribute::Label(v) => label = Some(String::from_utf8_lossy(&v).into_owned()),
                    Attribute::Value(v) => value = Some(v),
                    _ => {}
                }
            }
            if uri.matches_object(ObjectFields {
                id: id.as_deref(),
                label: label.as_deref(),
                object_type: Some(ObjectType::Cert),
            }) {
                return Ok(value);
            }
        }
        Ok(None)
    }

    fn delete_key_pair(&self, key: &KeyHandleRef) -> Result<usize, TokenError> {
        let handles = self.objects(&[Attribute::Id(key.id.clone())])?;
        let destroyed = self.destroy_all(&handles);
        if destroyed < handles.len() {
            return Err(TokenError::Backend {
                function: "C_DestroyObject".into(),
                code: format!(
                    "{} of {} objects not destroyed",
                    handles.len() - destroyed,
                    handles.len()
                ),
            });
        }
        Ok(destroyed)
    }
}

/// Hashes on the host.
pub fn host_hash(hash: HashAlgorithm, message: &[u8]) -> Vec<u8> {
    match hash {
        HashAlgorithm::Sha256 => sha2::Sha256::digest(message).to_vec(),
        HashAlgorithm::Sha384 => sha2::Sha384::digest(message).to_vec(),
    }
}

/// `CKM_ECDSA` returns r‖s (each the curve size); X.509, CMS and our ledger want the DER
/// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
pub fn ecdsa_raw_to_der(raw: &[u8]) -> Result<Vec<u8>, TokenError> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(TokenError::Encoding(format!(
            "ECDSA signature of {} bytes",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let enc = |e: der::Error| TokenError::Encoding(e.to_string());
    vec![UintRef::new(r).map_err(enc)?, UintRef::new(s).map_err(enc)?]
        .to_der()
        .map_err(enc)
}

/// `CKA_EC_POINT` should be a DER OCTET STRING around the uncompressed point (SoftHSM2, OpenSC);
/// a few modules return the bare point. Both are accepted.
fn unwrap_ec_point(point: &[u8], coord_len: usize) -> Result<Vec<u8>, TokenError> {
    let bare_len = 1 + 2 * coord_len;
    if point.len() == bare_len && point[0] == 0x04 {
        return Ok(point.to_vec());
    }
    let inner = der::asn1::OctetString::from_der(point)
        .map_err(|e| TokenError::Encoding(format!("CKA_EC_POINT: {e}")))?;
    let inner = inner.as_bytes();
    if inner.len() == bare_len && inner[0] == 0x04 {
        Ok(inner.to_vec())
    } else {
        Err(TokenError::Encoding(
            "CKA_EC_POINT is not an uncompressed point".into(),
        ))
    }
}

fn ec_spki(params: &[u8], point: &[u8]) -> Result<Vec<u8>, TokenError> {
    let enc = |e: der::Error| TokenError::Encoding(e.to_string());
    let curve = der::Any::from_der(params).map_err(enc)?;
    spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: OID_EC_PUBLIC_KEY,
            parameters: Some(curve),
        },
        subject_public_key: der::asn1::BitString::from_bytes(point).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

fn rsa_spki(modulus: &[u8], exponent: &[u8]) -> Result<Vec<u8>, TokenError> {
    let enc = |e: der::Error| TokenError::Encoding(e.to_string());
    let rsa_public_key = vec![
        UintRef::new(modulus).map_err(enc)?,
        UintRef::new(exponent).map_err(enc)?,
    ]
    .to_der()
    .map_err(enc)?;
    spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: OID_RSA_ENCRYPTION,
            parameters: Some(der::asn1::Null.into()),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&rsa_public_key).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

/// What a wrong PIN means, given the token flags read right after the failure. PKCS#11 only
/// tells "few tries left" (`COUNT_LOW`), "one try left" (`FINAL_TRY`) or "locked" (`LOCKED`);
/// an exact count is never invented.
pub fn pin_failure_from_flags(low: bool, final_try: bool, locked: bool) -> TokenError {
    if locked {
        TokenError::PinLocked
    } else {
        TokenError::PinIncorrect {
            retries_left: final_try.then_some(1),
            low,
            final_try,
        }
    }
}

/// Maps a PIN-related failure, reading the token flags right after it to report what the token
/// says about the tries left.
fn map_pin_error(e: CkError, ctx: &Pkcs11, slot: Slot, user: UserType) -> TokenError {
    match e {
        CkError::Pkcs11(RvError::PinIncorrect, _) => {
            let Ok(info) = ctx.get_token_info(slot) else {
                return TokenError::PinIncorrect {
                    retries_left: None,
                    low: false,
                    final_try: false,
                };
            };
            let (low, final_try, locked) = match user {
                UserType::So => (
                    info.so_pin_count_low(),
                    info.so_pin_final_try(),
                    info.so_pin_locked(),
                ),
                _ => (
                    info.user_pin_count_low(),
                    info.user_pin_final_try(),
                    info.user_pin_locked(),
                ),
            };
            pin_failure_from_flags(low, final_try, locked)
        }
        CkError::Pkcs11(RvError::PinLenRange, _) => match ctx.get_token_info(slot) {
            Ok(info) => TokenError::PinLength {
                min: info.min_pin_length(),
                max: info.max_pin_length(),
            },
            Err(_) => TokenError::PinInvalid,
        },
        other => map_ck(other, None),
    }
}

/// Maps a cryptoki error to the port's error.
fn map_ck(e: CkError, mechanism: Option<MechanismType>) -> TokenError {
    match e {
        CkError::Pkcs11(rv, function) => match rv {
            RvError::PinLocked => TokenError::PinLocked,
            RvError::PinIncorrect => TokenError::PinIncorrect {
                retries_left: None,
                low: false,
                final_try: false,
            },
            RvError::PinInvalid => TokenError::PinInvalid,
            RvError::UserNotLoggedIn => TokenError::NotLoggedIn,
            RvError::UserPinNotInitialized => TokenError::UserPinNotInitialized,
            RvError::TokenNotRecognized => TokenError::TokenNotInitialized,
            RvError::TokenWriteProtected => TokenError::WriteProtected,
            RvError::TokenNotPresent
            | RvError::DeviceRemoved
            | RvError::SessionHandleInvalid
            | RvError::SessionClosed => TokenError::Removed,
            RvError::MechanismInvalid | RvError::MechanismParamInvalid => {
                TokenError::MechanismUnsupported {
                    mechanism: mechanism.map_or_else(|| "this mechanism".into(), |m| m.to_string()),
                }
            }
            other => backend(function, format!("{other:?}")),
        },
        other => TokenError::Backend {
            function: "cryptoki".into(),
            code: other.to_string(),
        },
    }
}

fn backend(function: Function, code: String) -> TokenError {
    TokenError::Backend {
        function: function.to_string(),
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_flag_after_a_wrong_pin_is_pin_locked() {
        assert!(matches!(
            pin_failure_from_flags(true, true, true),
            TokenError::PinLocked
        ));
    }

    #[test]
    fn final_try_means_one_retry_left_and_count_low_gives_no_number() {
        assert!(matches!(
            pin_failure_from_flags(true, true, false),
            TokenError::PinIncorrect {
                retries_left: Some(1),
                low: true,
                final_try: true
            }
        ));
        assert!(matches!(
            pin_failure_from_flags(true, false, false),
            TokenError::PinIncorrect {
                retries_left: None,
                low: true,
                final_try: false
            }
        ));
    }

    #[test]
    fn ecdsa_raw_signatures_become_der_sequences() {
        let mut raw = [0u8; 64];
        raw[0] = 0x80; // r needs a leading zero byte in DER
        raw[63] = 0x01;
        let der = ecdsa_raw_to_der(&raw).unwrap();
        let sig = p256::ecdsa::Signature::from_der(&der).unwrap();
        assert_eq!(sig.to_bytes().as_slice(), &raw[..]);
        assert!(ecdsa_raw_to_der(&raw[..63]).is_err());
    }

    #[test]
    fn ec_points_are_accepted_bare_or_wrapped_in_an_octet_string() {
        let mut bare = vec![0x04];
        bare.extend([7u8; 64]);
        let wrapped = der::asn1::OctetString::new(bare.clone())
            .unwrap()
            .to_der()
            .unwrap();
        assert_eq!(unwrap_ec_point(&bare, 32).unwrap(), bare);
        assert_eq!(unwrap_ec_point(&wrapped, 32).unwrap(), bare);
        assert!(unwrap_ec_point(&[0x02; 33], 32).is_err());
    }
}
