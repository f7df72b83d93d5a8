//! Storage migrations of the validator-set pallet.
//!
//! Version 0 (the pallet's [`crate::Pallet`] `STORAGE_VERSION`) is its first layout: no storage
//! of its own. When the layout changes, the step goes here as a `VersionedMigration` from the
//! stored version to the new one (as in the jobs pallet's `migrations::v1`), the pallet's
//! `STORAGE_VERSION` goes up, and the runtime lists the step in its `Migrations`.
