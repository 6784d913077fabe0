//! End-to-end tests live in tests/*.rs; they run the real `mulu` binary.
