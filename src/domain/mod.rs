//! The regulation's rules as pure code: no I/O, no hardware, network or storage crates.

pub mod application;
pub mod audit;
pub mod firmware;
pub mod identity;
pub mod incident;
pub mod inventory;
pub mod ledger;
pub mod pin_strength;
pub mod problem;
pub mod profile;
pub mod record;
pub mod report;
pub mod revocation;
pub mod roca;
pub mod witness;

#[cfg(test)]
mod tests_application;
#[cfg(test)]
mod tests_i18n;
