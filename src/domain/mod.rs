//! Pure domain rules: no I/O.

pub mod application;
pub mod identity;
pub mod problem;

#[cfg(test)]
mod tests_application;
#[cfg(test)]
mod tests_i18n;
