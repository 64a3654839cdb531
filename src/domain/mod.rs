//! Pure domain rules: no I/O.

pub mod identity;
pub mod problem;
