//! Every pallet's `integrity_test` against the real runtime's configuration: among them the jobs
//! pallet's check that its worst per-block work (expiries, prunes, deadlines of single and
//! redundant jobs, assignment attempts over every candidate) stays under a quarter of a block,
//! and the swarms pallet's that its work queue's (ends recorded, jobs submitted, reduce
//! prompts built) stays under a tenth.

mod common;

#[test]
fn every_pallet_passes_its_integrity_test() {
    common::preset_ext(aitbc_runtime::genesis::DEV).execute_with(|| {
        <aitbc_runtime::AllPalletsWithSystem as frame_support::traits::IntegrityTest>::integrity_test();
    });
}
