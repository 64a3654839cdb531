//! Trussed runtime for the virtual card: RAM storage, an RNG seeded per run, and the backends
//! `piv-authenticator` 0.7 needs (auth for PIN/PUK, staging for chunked/HPKE/wrap-key-to-file,
//! the software RSA backend, and trussed's core backend).
//!
//! `trussed::virt::with_platform` seeds its RNG with a constant, which would give every virtual
//! card (and every run) the same "random" keys; this module builds its own platform around the
//! public pieces of `trussed::virt` so each card gets fresh keys unless a seed is given.

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng as _;
use trussed::{
    backend::{Backend as _, BackendId},
    pipe::TrussedChannel,
    serde_extensions::{ExtensionDispatch, ExtensionId, ExtensionImpl},
    service::ServiceResources,
    types::Context,
    virt::{Runner, Store, StoreConfig, UserInterface},
    Platform,
};
use trussed_auth::AuthExtension;
use trussed_auth_backend::{AuthBackend, AuthContext, FilesystemLayout};
use trussed_chunked::ChunkedExtension;
use trussed_core::{
    api::{reply, request, Reply, Request},
    types::Location,
    Error,
};
use trussed_hpke::HpkeExtension;
use trussed_rsa_alloc::SoftwareRsa;
use trussed_staging::{StagingBackend, StagingContext};
use trussed_wrap_key_to_file::WrapKeyToFileExtension;

/// The trussed client handed to the PIV application.
pub type CardClient<'a> = trussed::virt::Client<'a, CardDispatch>;

/// Custom backends, tried in this order before trussed's core backend.
#[derive(Debug, Clone, Copy)]
pub enum CardBackend {
    Staging,
    Auth,
    Rsa,
}

const BACKENDS: &[BackendId<CardBackend>] = &[
    BackendId::Custom(CardBackend::Staging),
    BackendId::Custom(CardBackend::Auth),
    BackendId::Custom(CardBackend::Rsa),
    BackendId::Core,
];

/// Serde extensions the PIV application calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardExtension {
    Auth = 0,
    Chunked = 1,
    Hpke = 2,
    WrapKeyToFile = 3,
}

impl From<CardExtension> for u8 {
    fn from(ext: CardExtension) -> u8 {
        ext as u8
    }
}

impl TryFrom<u8> for CardExtension {
    type Error = Error;
    fn try_from(id: u8) -> Result<Self, Error> {
        [Self::Auth, Self::Chunked, Self::Hpke, Self::WrapKeyToFile]
            .into_iter()
            .find(|ext| *ext as u8 == id)
            .ok_or(Error::RequestNotAvailable)
    }
}

impl ExtensionId<AuthExtension> for CardDispatch {
    type Id = CardExtension;
    const ID: CardExtension = CardExtension::Auth;
}
impl ExtensionId<ChunkedExtension> for CardDispatch {
    type Id = CardExtension;
    const ID: CardExtension = CardExtension::Chunked;
}
impl ExtensionId<HpkeExtension> for CardDispatch {
    type Id = CardExtension;
    const ID: CardExtension = CardExtension::Hpke;
}
impl ExtensionId<WrapKeyToFileExtension> for CardDispatch {
    type Id = CardExtension;
    const ID: CardExtension = CardExtension::WrapKeyToFile;
}

#[derive(Debug)]
pub struct CardDispatch {
    auth: AuthBackend,
    staging: StagingBackend,
}

impl CardDispatch {
    fn new() -> Self {
        Self {
            auth: AuthBackend::new(Location::Internal, FilesystemLayout::V0),
            staging: StagingBackend::new(),
        }
    }
}

#[derive(Default)]
pub struct CardDispatchContext {
    auth: AuthContext,
    staging: StagingContext,
}

impl ExtensionDispatch for CardDispatch {
    type BackendId = CardBackend;
    type Context = CardDispatchContext;
    type ExtensionId = CardExtension;

    fn core_request<P: Platform>(
        &mut self,
        backend: &CardBackend,
        ctx: &mut Context<CardDispatchContext>,
        request: &Request,
        resources: &mut ServiceResources<P>,
    ) -> Result<Reply, Error> {
        let core = &mut ctx.core;
        match backend {
            CardBackend::Staging => {
                self.staging
                    .request(core, &mut ctx.backends.staging, request, resources)
            }
            CardBackend::Auth => self
                .auth
                .request(core, &mut ctx.backends.auth, request, resources),
            CardBackend::Rsa => SoftwareRsa.request(core, &mut (), request, resources),
        }
    }

    fn extension_request<P: Platform>(
        &mut self,
        backend: &CardBackend,
        extension: &CardExtension,
        ctx: &mut Context<CardDispatchContext>,
        request: &request::SerdeExtension,
        resources: &mut ServiceResources<P>,
    ) -> Result<reply::SerdeExtension, Error> {
        let core = &mut ctx.core;
        let staging_ctx = &mut ctx.backends.staging;
        let staging = &mut self.staging;
        match (backend, extension) {
            (CardBackend::Auth, CardExtension::Auth) => self
                .auth
                .extension_request_serialized(core, &mut ctx.backends.auth, request, resources),
            (CardBackend::Staging, CardExtension::Chunked) => {
                ExtensionImpl::<ChunkedExtension>::extension_request_serialized(
                    staging, core, staging_ctx, request, resources,
                )
            }
            (CardBackend::Staging, CardExtension::Hpke) => {
                ExtensionImpl::<HpkeExtension>::extension_request_serialized(
                    staging, core, staging_ctx, request, resources,
                )
            }
            (CardBackend::Staging, CardExtension::WrapKeyToFile) => {
                ExtensionImpl::<WrapKeyToFileExtension>::extension_request_serialized(
                    staging, core, staging_ctx, request, resources,
                )
            }
            _ => Err(Error::RequestNotAvailable),
        }
    }
}

/// Trussed platform: RAM store, our own RNG, the virt user interface (presence always given).
struct CardPlatform<'a> {
    rng: ChaCha8Rng,
    store: Store<'a>,
    ui: UserInterface,
}

impl<'a> trussed::platform::Platform for CardPlatform<'a> {
    type R = ChaCha8Rng;
    type S = Store<'a>;
    type UI = UserInterface;

    fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }
    fn store(&self) -> Store<'a> {
        self.store
    }
    fn user_interface(&mut self) -> &mut UserInterface {
        &mut self.ui
    }
}

/// Runs `f` with a trussed client backed by a fresh RAM store (a factory-new card).
pub fn with_card_client<R>(seed: [u8; 32], f: impl FnOnce(CardClient<'_>) -> R) -> R {
    let mut store = StoreConfig::ram();
    store.with_store(|store| {
        let platform = CardPlatform {
            rng: ChaCha8Rng::from_seed(seed),
            store,
            ui: UserInterface::new(),
        };
        let channel = TrussedChannel::new();
        let (requester, responder) = channel
            .split()
            .expect("a fresh trussed channel splits once");
        let mut runner = Runner::new();
        runner.add_endpoint(responder, "piv", BACKENDS);
        let client = CardClient::new(requester, runner.syscall(), None);
        runner.run(platform, CardDispatch::new(), || f(client))
    })
}

/// A clonable handle on the one trussed client, so the PIV application can be rebuilt on a
/// card reset (piv-authenticator 0.7 never clears its volatile security state: `deselect` is a
/// no-op and management-key authentication has no logout; a real card forgets both on reset).
/// Requests go through the same channel; the wrapper's future polls that channel again.
#[derive(Clone)]
pub struct SharedClient<'a>(std::rc::Rc<std::cell::RefCell<CardClient<'a>>>);

impl<'a> SharedClient<'a> {
    pub fn new(client: CardClient<'a>) -> Self {
        SharedClient(std::rc::Rc::new(std::cell::RefCell::new(client)))
    }
}

impl trussed_core::PollClient for SharedClient<'_> {
    fn request<Rq: trussed_core::api::RequestVariant>(
        &mut self,
        req: Rq,
    ) -> trussed_core::ClientResult<'_, Rq::Reply, Self> {
        self.0.borrow_mut().request(req).map(drop)?;
        Ok(trussed_core::FutureResult::new(self))
    }

    fn poll(&mut self) -> core::task::Poll<Result<Reply, Error>> {
        self.0.borrow_mut().poll()
    }

    fn interrupt(&self) -> Option<&'static trussed_core::InterruptFlag> {
        self.0.borrow().interrupt()
    }
}

impl trussed_core::CryptoClient for SharedClient<'_> {}
impl trussed_core::FilesystemClient for SharedClient<'_> {}
impl trussed_core::mechanisms::Tdes for SharedClient<'_> {}

macro_rules! shared_extension {
    ($($ext:ty => $id:expr),* $(,)?) => {$(
        impl trussed_core::serde_extensions::ExtensionClient<$ext> for SharedClient<'_> {
            fn id() -> u8 {
                $id.into()
            }
        }
    )*};
}

shared_extension! {
    AuthExtension => CardExtension::Auth,
    ChunkedExtension => CardExtension::Chunked,
    HpkeExtension => CardExtension::Hpke,
    WrapKeyToFileExtension => CardExtension::WrapKeyToFile,
}
