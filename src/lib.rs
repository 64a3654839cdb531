//! Kustodi: hardware-token provisioning and key-custody station.
//!
//! Layers: [`domain`] (pure rules of the regulation, no I/O), [`ports`] (traits for side
//! effects), adapters ([`store`], [`token`]), use cases ([`service`]) and the CLI in `main.rs`.
#![forbid(unsafe_code)]

pub mod domain;
pub mod ports;
pub mod secret;
pub mod token;
