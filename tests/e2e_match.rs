//! End-to-end tests of mulu match (being written).
