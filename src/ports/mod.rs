//! Ports: the traits through which the use cases reach the outside world.
//!
//! The domain (`crate::domain`) knows none of these; the service layer wires domain rules to
//! ports, and each adapter (`crate::store`, `crate::token`, …) implements one port for one
//! technology.

pub mod clock;
pub mod signer;
pub mod token;
pub mod witness;

pub use clock::{Clock, SystemClock};
pub use signer::{CheckpointSigner, SignError};
pub use witness::CheckpointWitness;
