//! End-to-end tests of mulu serve (being written).
