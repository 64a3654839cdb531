//! The Kustodi service desk: a keyboard-only terminal UI on ratatui, Elm-style.
//!
//! - [`model::Model`]: all state, plain data.
//! - [`msg::Msg`]: what happens (keys, ticks, resize, replies of the worker).
//! - [`update::update`]: `(&mut Model, Msg) -> Vec<Effect>`, pure (no I/O).
//! - [`view::view`]: `(&Model, &mut Frame)`, pure rendering.
//! - [`worker`]: the effect runner, on its own thread, owns the [`kustodi::service::Station`]
//!   (SQLite connections are not `Sync`) and answers each [`msg::Effect`] with a
//!   [`msg::Reply`].
//! - [`app`]: the loop that ties them to a real terminal ([`terminal`] restores it on every
//!   exit path, panics included).
#![forbid(unsafe_code)]

pub mod app;
pub mod model;
pub mod msg;
pub mod terminal;
pub mod text;
pub mod update;
pub mod view;
pub mod worker;

pub use model::Model;
pub use msg::{Effect, Msg, Reply};
pub use update::update;
pub use view::view;
