pub mod firmware;
pub mod roca;
