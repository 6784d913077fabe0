//! Version diff: keyed comparison of two catalogue versions (being built).
