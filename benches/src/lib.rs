//! Shared code for the benchmarks in `benches/verify.rs`, the allocation test in
//! `tests/allocations.rs` and the callgrind driver in `src/bin/verify_loop.rs`.
//!
//! `BENCHMARKS.md` at the repository root has the commands and the latest results.

pub mod fixtures;
pub mod peers;
