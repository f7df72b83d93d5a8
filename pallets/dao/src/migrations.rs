//! Storage migrations of the DAO pallet.
//!
//! Version 0 (the pallet's `STORAGE_VERSION`) is its first layout; nothing has changed since.
//! When the layout changes, the step goes here as a `VersionedMigration` from the stored version
//! to the new one (as in the jobs pallet's `migrations::v1`, with a test that writes the old
//! layout, runs the step and checks the new one), the pallet's `STORAGE_VERSION` goes up, and the
//! runtime lists the step in its `Migrations` (`runtime/src/lib.rs`).
