//! Runtime APIs. Under `std`, `impl_runtime_apis!` also generates `api::dispatch`, which the node
//! calls natively with the method name (`Core_initialize_block`, ...) and SCALE-encoded arguments.

use alloc::vec::Vec;
use frame_support::{
    genesis_builder_helper::{build_state, get_preset},
    weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
    traits::{Block as BlockT, NumberFor},
    transaction_validity::{TransactionSource, TransactionValidity},
    ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;

use super::{
    AccountId, Aura, Balance, Block, Executive, Grandpa, InherentDataExt, Nonce, Runtime,
    RuntimeCall, RuntimeGenesisConfig, SessionKeys, System, TransactionPayment, VERSION,
};

impl_runtime_apis! {
    impl aitbc_agents_runtime_api::AgentsApi<Block, AccountId, Balance, crate::BlockNumber> for Runtime {
        fn agent(id: aitbc_primitives::AgentId) -> Option<pallet_aitbc_agents::queries::AgentView<AccountId, Balance, crate::BlockNumber>> {
            crate::Agents::agent_view(id)
        }

        fn agents(
            owner: Option<AccountId>,
            from: aitbc_primitives::AgentId,
            limit: u32,
        ) -> Vec<pallet_aitbc_agents::queries::AgentView<AccountId, Balance, crate::BlockNumber>> {
            crate::Agents::agents_from(owner, from, limit)
        }

        fn version(
            id: aitbc_primitives::AgentId,
            version: aitbc_primitives::AgentVersion,
        ) -> Option<pallet_aitbc_agents::VersionRecord<Balance, crate::BlockNumber>> {
            pallet_aitbc_agents::Versions::<Runtime>::get(id, version)
        }

        fn run(job: aitbc_primitives::JobId) -> Option<pallet_aitbc_agents::queries::RunView<AccountId, Balance, crate::BlockNumber>> {
            crate::Agents::run_view(job)
        }

        fn approved_tools() -> Vec<aitbc_primitives::ToolId> {
            crate::Agents::approved_tools()
        }

        fn stream_endpoint(who: AccountId) -> Option<aitbc_primitives::StreamEndpoint> {
            pallet_aitbc_agents::StreamEndpoints::<Runtime>::get(who)
        }
    }

    impl aitbc_jobs_runtime_api::RedundancyApi<Block, AccountId, Balance, crate::BlockNumber> for Runtime {
        fn round(job: aitbc_primitives::JobId) -> Option<aitbc_primitives::Round<AccountId, Balance, crate::BlockNumber>> {
            crate::Jobs::round(job)
        }

        fn round_output(job: aitbc_primitives::JobId, hash: sp_core::H256) -> Option<aitbc_primitives::ResultBytes> {
            crate::Jobs::round_output(job, hash)
        }

        fn referee_duties(referee: AccountId) -> alloc::vec::Vec<aitbc_primitives::JobId> {
            crate::Jobs::referee_duties(&referee)
        }

        fn receipt_participants(
            receipt: aitbc_primitives::ReceiptId,
        ) -> Option<aitbc_primitives::ReceiptParticipants<AccountId, Balance>> {
            pallet_aitbc_receipts::Participants::<Runtime>::get(receipt)
        }
    }

    impl aitbc_swarms_runtime_api::SwarmsApi<Block, AccountId, Balance, crate::BlockNumber> for Runtime {
        fn pools(start: u32, limit: u32) -> Vec<pallet_aitbc_swarms::PoolSummary> {
            crate::Swarms::pools(start, limit)
        }

        fn members(
            task_type: pallet_aitbc_swarms::TaskType,
        ) -> Vec<pallet_aitbc_swarms::Member<AccountId, crate::BlockNumber>> {
            crate::Swarms::members(&task_type)
        }

        fn memberships(
            miner: AccountId,
        ) -> Vec<(pallet_aitbc_swarms::TaskType, pallet_aitbc_swarms::Member<AccountId, crate::BlockNumber>)> {
            crate::Swarms::memberships(&miner)
        }

        fn task(
            id: pallet_aitbc_swarms::TaskId,
        ) -> Option<pallet_aitbc_swarms::Task<AccountId, Balance, crate::BlockNumber>> {
            crate::Swarms::task(id)
        }

        fn task_input(id: pallet_aitbc_swarms::TaskId) -> Option<pallet_aitbc_swarms::TaskInput> {
            crate::Swarms::task_input(id)
        }

        fn rules(owner: AccountId) -> pallet_aitbc_swarms::SwarmRules<Balance, crate::BlockNumber> {
            crate::Swarms::rules(&owner)
        }

        fn tasks_by_owner(
            owner: AccountId,
            from: pallet_aitbc_swarms::TaskId,
            limit: u32,
        ) -> Vec<(pallet_aitbc_swarms::TaskId, pallet_aitbc_swarms::Task<AccountId, Balance, crate::BlockNumber>)> {
            crate::Swarms::tasks_by_owner(&owner, from, limit)
        }

        fn progress(
            id: pallet_aitbc_swarms::TaskId,
        ) -> Option<pallet_aitbc_swarms::TaskProgress<AccountId, Balance, crate::BlockNumber>> {
            crate::Swarms::progress(id)
        }

        fn consensus(id: pallet_aitbc_swarms::TaskId) -> Option<pallet_aitbc_swarms::Consensus<Balance>> {
            crate::Swarms::consensus(id)
        }
    }

    impl aitbc_jobs_runtime_api::ActivityApi<Block> for Runtime {
        fn activity(since_hour: u32) -> (u32, Vec<aitbc_primitives::ActivityBucket>) {
            (crate::Jobs::current_hour(), crate::Jobs::activity(since_hour))
        }
    }

    impl aitbc_jobs_runtime_api::MarketApi<Block, AccountId, Balance, crate::BlockNumber> for Runtime {
        fn job(id: aitbc_primitives::JobId) -> Option<aitbc_primitives::Job<AccountId, Balance, crate::BlockNumber>> {
            crate::Jobs::job(id)
        }

        fn job_result(id: aitbc_primitives::JobId) -> Option<aitbc_primitives::JobResult> {
            crate::Jobs::job_result(id)
        }

        fn jobs_by_owner(
            owner: AccountId,
            from: aitbc_primitives::JobId,
            limit: u32,
        ) -> Vec<aitbc_primitives::Job<AccountId, Balance, crate::BlockNumber>> {
            crate::Jobs::jobs_by_owner(&owner, from, limit)
        }

        fn jobs_by_miner(
            miner: AccountId,
            from: aitbc_primitives::JobId,
            limit: u32,
        ) -> Vec<aitbc_primitives::Job<AccountId, Balance, crate::BlockNumber>> {
            crate::Jobs::jobs_by_miner(&miner, from, limit)
        }

        fn jobs_by_status(
            status: aitbc_primitives::JobStatus,
            from: aitbc_primitives::JobId,
            limit: u32,
        ) -> Vec<aitbc_primitives::Job<AccountId, Balance, crate::BlockNumber>> {
            crate::Jobs::jobs_by_status(status, from, limit)
        }

        fn receipt(id: aitbc_primitives::ReceiptId) -> Option<aitbc_primitives::Receipt<AccountId, Balance, crate::BlockNumber>> {
            crate::Receipts::receipt(id)
        }

        fn receipts_by_job(job: aitbc_primitives::JobId) -> Vec<aitbc_primitives::Receipt<AccountId, Balance, crate::BlockNumber>> {
            crate::Receipts::receipts_by_job(job)
        }

        fn receipts_by_miner(
            miner: AccountId,
            from: aitbc_primitives::ReceiptId,
            limit: u32,
        ) -> Vec<aitbc_primitives::Receipt<AccountId, Balance, crate::BlockNumber>> {
            crate::Receipts::receipts_by_miner(&miner, from, limit)
        }

        fn miner(who: AccountId) -> Option<aitbc_primitives::MinerInfo<AccountId, Balance, crate::BlockNumber>> {
            crate::Miners::miner_info(&who)
        }

        fn miners(start: u32, limit: u32) -> Vec<aitbc_primitives::MinerInfo<AccountId, Balance, crate::BlockNumber>> {
            crate::Miners::list_miners(start, limit)
        }
    }

    impl aitbc_marketplace_runtime_api::MarketplaceApi<Block, AccountId, Balance, crate::BlockNumber> for Runtime {
        fn listing(id: aitbc_primitives::ListingId) -> Option<aitbc_primitives::Listing<AccountId, Balance, crate::BlockNumber>> {
            crate::Marketplace::listing(id)
        }

        fn listings(from: aitbc_primitives::ListingId, limit: u32) -> Vec<aitbc_primitives::Listing<AccountId, Balance, crate::BlockNumber>> {
            crate::Marketplace::listings(from, limit)
        }

        fn offers(
            gpu_model: aitbc_primitives::GpuModel,
            from: aitbc_primitives::ListingId,
            limit: u32,
        ) -> Vec<aitbc_primitives::Offer<AccountId, Balance, crate::BlockNumber>> {
            crate::Marketplace::listings_by_model(&gpu_model, from, limit)
                .into_iter()
                .map(|listing| {
                    let reputation = crate::Miners::miner_info(&listing.provider).map(|m| m.score);
                    aitbc_primitives::Offer { listing, reputation }
                })
                .collect()
        }

        fn listings_by_provider(provider: AccountId) -> Vec<aitbc_primitives::Listing<AccountId, Balance, crate::BlockNumber>> {
            crate::Marketplace::listings_by_provider(&provider)
        }

        fn booking(id: aitbc_primitives::BookingId) -> Option<aitbc_primitives::Booking<AccountId, Balance, crate::BlockNumber>> {
            crate::Marketplace::booking(id)
        }

        fn bookings_of(
            who: AccountId,
            from: aitbc_primitives::BookingId,
            limit: u32,
        ) -> Vec<aitbc_primitives::Booking<AccountId, Balance, crate::BlockNumber>> {
            crate::Marketplace::bookings_of(&who, from, limit)
        }

        fn pricing(gpu_model: aitbc_primitives::GpuModel) -> Option<aitbc_primitives::PriceStats<Balance>> {
            crate::Marketplace::price_stats(&gpu_model)
        }
    }

    impl aitbc_dao_runtime_api::DaoApi<Block, AccountId, Balance, crate::BlockNumber> for Runtime {
        fn proposal(id: aitbc_primitives::ProposalId) -> Option<aitbc_primitives::ProposalInfo<AccountId, Balance, crate::BlockNumber>> {
            crate::Dao::proposal_info(id)
        }

        fn proposals(from: aitbc_primitives::ProposalId, limit: u32) -> Vec<aitbc_primitives::ProposalInfo<AccountId, Balance, crate::BlockNumber>> {
            crate::Dao::proposals(from, limit)
        }

        fn open_proposals() -> Vec<aitbc_primitives::ProposalInfo<AccountId, Balance, crate::BlockNumber>> {
            crate::Dao::open_proposals()
        }

        fn vote_of(id: aitbc_primitives::ProposalId, who: AccountId) -> Option<(aitbc_primitives::VoteChoice, Balance)> {
            crate::Dao::vote_of(id, &who).map(|v| (v.choice, v.amount))
        }
    }

    impl sp_api::Core<Block> for Runtime {
        fn version() -> RuntimeVersion {
            VERSION
        }

        fn execute_block(block: <Block as BlockT>::LazyBlock) {
            Executive::execute_block(block);
        }

        fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
            Executive::initialize_block(header)
        }
    }

    impl sp_api::Metadata<Block> for Runtime {
        fn metadata() -> OpaqueMetadata {
            OpaqueMetadata::new(Runtime::metadata().into())
        }

        fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
            Runtime::metadata_at_version(version)
        }

        fn metadata_versions() -> Vec<u32> {
            Runtime::metadata_versions()
        }
    }

    impl sp_block_builder::BlockBuilder<Block> for Runtime {
        fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
            Executive::apply_extrinsic(extrinsic)
        }

        fn finalize_block() -> <Block as BlockT>::Header {
            Executive::finalize_block()
        }

        fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
            data.create_extrinsics()
        }

        fn check_inherents(
            block: <Block as BlockT>::LazyBlock,
            data: sp_inherents::InherentData,
        ) -> sp_inherents::CheckInherentsResult {
            data.check_extrinsics(&block)
        }
    }

    impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
        fn validate_transaction(
            source: TransactionSource,
            tx: <Block as BlockT>::Extrinsic,
            block_hash: <Block as BlockT>::Hash,
        ) -> TransactionValidity {
            Executive::validate_transaction(source, tx, block_hash)
        }
    }

    impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
        fn offchain_worker(header: &<Block as BlockT>::Header) {
            Executive::offchain_worker(header)
        }
    }

    impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
        fn slot_duration() -> sp_consensus_aura::SlotDuration {
            sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
        }

        fn authorities() -> Vec<AuraId> {
            pallet_aura::Authorities::<Runtime>::get().into_inner()
        }
    }

    impl sp_session::SessionKeys<Block> for Runtime {
        fn generate_session_keys(owner: Vec<u8>, seed: Option<Vec<u8>>) -> sp_session::OpaqueGeneratedSessionKeys {
            SessionKeys::generate(&owner, seed).into()
        }

        fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
            SessionKeys::decode_into_raw_public_keys(&encoded)
        }
    }

    impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
        fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
            Grandpa::grandpa_authorities()
        }

        fn current_set_id() -> sp_consensus_grandpa::SetId {
            Grandpa::current_set_id()
        }

        fn submit_report_equivocation_unsigned_extrinsic(
            _equivocation_proof: sp_consensus_grandpa::EquivocationProof<
                <Block as BlockT>::Hash,
                NumberFor<Block>,
            >,
            _key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
        ) -> Option<()> {
            None
        }

        fn generate_key_ownership_proof(
            _set_id: sp_consensus_grandpa::SetId,
            _authority_id: GrandpaId,
        ) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
            // Equivocation reporting needs a session pallet; this PoA chain has none.
            None
        }
    }

    impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
        fn account_nonce(account: AccountId) -> Nonce {
            System::account_nonce(account)
        }
    }

    impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
        fn query_info(
            uxt: <Block as BlockT>::Extrinsic,
            len: u32,
        ) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
            TransactionPayment::query_info(uxt, len)
        }
        fn query_fee_details(
            uxt: <Block as BlockT>::Extrinsic,
            len: u32,
        ) -> pallet_transaction_payment::FeeDetails<Balance> {
            TransactionPayment::query_fee_details(uxt, len)
        }
        fn query_weight_to_fee(weight: Weight) -> Balance {
            TransactionPayment::weight_to_fee(weight)
        }
        fn query_length_to_fee(length: u32) -> Balance {
            TransactionPayment::length_to_fee(length)
        }
    }

    impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
        for Runtime
    {
        fn query_call_info(
            call: RuntimeCall,
            len: u32,
        ) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
            TransactionPayment::query_call_info(call, len)
        }
        fn query_call_fee_details(
            call: RuntimeCall,
            len: u32,
        ) -> pallet_transaction_payment::FeeDetails<Balance> {
            TransactionPayment::query_call_fee_details(call, len)
        }
        fn query_weight_to_fee(weight: Weight) -> Balance {
            TransactionPayment::weight_to_fee(weight)
        }
        fn query_length_to_fee(length: u32) -> Balance {
            TransactionPayment::length_to_fee(length)
        }
    }

    impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
        fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
            build_state::<RuntimeGenesisConfig>(config)
        }

        fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
            get_preset::<RuntimeGenesisConfig>(id, crate::genesis::get_preset)
        }

        fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
            crate::genesis::preset_names()
        }
    }
}
