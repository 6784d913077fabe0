//! End-to-end tests of mulu diff (being written).
