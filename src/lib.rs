//! Kustodi: hardware-token provisioning and key-custody station.
//!
//! Layers: [`domain`] (pure rules of the regulation, no I/O), [`ports`] (traits for side
//! effects), adapters ([`archive`], [`home`], [`store`], [`token`]), use cases ([`service`])
//! and the CLI in `main.rs`. [`errors`] and [`station_key`] are shared by the CLI and the desk.
#![forbid(unsafe_code)]

pub mod archive;
pub mod bench;
pub mod ca;
pub mod certcheck;
pub mod csr;
pub mod docfile;
pub mod domain;
pub mod enroll;
pub mod errors;
pub mod home;
pub mod i18n;
pub mod lifecycle;
pub mod piv_provision;
pub mod ports;
pub mod receipt;
pub mod reports;
pub mod secret;
pub mod service;
pub mod station_key;
pub mod store;
pub mod token;
