//! Helpers shared by the cross-crate tests: fixture loading and token signing.
