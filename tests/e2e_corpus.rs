//! End-to-end tests of mulu corpus (being written).
