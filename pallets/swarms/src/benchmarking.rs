//! Benchmarks for `pallet-aitbc-swarms` (frame-benchmarking v2).
