//! The regulation's rules as pure code: no I/O, no hardware, network or storage crates.

pub mod profile;
