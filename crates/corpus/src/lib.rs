//! Test corpus generator (being built).
