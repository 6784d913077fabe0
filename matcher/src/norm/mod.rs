//! Normalisers, one module per concern. Each is pure and total: bad input
//! gives an empty or None result, never a panic.

pub mod form;
pub mod keys;
pub mod manufacturer;
pub mod name;
pub mod pinyin;
pub mod spec;
pub mod text;
