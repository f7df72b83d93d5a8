//! [`METHODS_TAKING_CALLS`] against the runtime's own metadata (V15): every runtime API method
//! whose inputs can contain a `RuntimeCall` (directly, in an extrinsic, in a block) must be
//! checked by `check_runtime_call_args` before `state_call` runs it on untrusted bytes, and every
//! listed method must exist and take one.

use std::collections::{BTreeSet, HashSet};

use aitbc_wire::decode::{check_runtime_call_args, METHODS_TAKING_CALLS};
use codec::Decode;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use scale_info::{PortableRegistry, TypeDef};

/// Whether a value of type `id` can contain a value of type `target`. Type parameters count: an
/// `UncheckedExtrinsic` is described as opaque bytes with its `Call` as a type parameter, and
/// it is decoded as that call.
fn can_contain(registry: &PortableRegistry, id: u32, target: u32, seen: &mut HashSet<u32>) -> bool {
    if id == target {
        return true;
    }
    if !seen.insert(id) {
        return false;
    }
    let Some(ty) = registry.resolve(id) else {
        panic!("type {id} is not in the registry");
    };
    let mut inner: Vec<u32> = ty
        .type_params
        .iter()
        .filter_map(|p| p.ty.map(|t| t.id))
        .collect();
    match &ty.type_def {
        TypeDef::Composite(c) => inner.extend(c.fields.iter().map(|f| f.ty.id)),
        TypeDef::Variant(v) => inner.extend(
            v.variants
                .iter()
                .flat_map(|var| var.fields.iter().map(|f| f.ty.id)),
        ),
        TypeDef::Sequence(s) => inner.push(s.type_param.id),
        TypeDef::Array(a) => inner.push(a.type_param.id),
        TypeDef::Tuple(t) => inner.extend(t.fields.iter().map(|f| f.id)),
        TypeDef::Compact(c) => inner.push(c.type_param.id),
        TypeDef::Primitive(_) | TypeDef::BitSequence(_) => {}
    }
    inner
        .into_iter()
        .any(|t| can_contain(registry, t, target, seen))
}

fn metadata_v15() -> frame_metadata::v15::RuntimeMetadataV15 {
    let opaque = aitbc_runtime::Runtime::metadata_at_version(15).expect("the runtime serves V15");
    let prefixed = RuntimeMetadataPrefixed::decode(&mut &opaque[..]).expect("metadata decodes");
    match prefixed.1 {
        RuntimeMetadata::V15(m) => m,
        _ => panic!("asked for V15"),
    }
}

#[test]
fn every_runtime_api_method_that_takes_a_call_is_depth_checked() {
    let metadata = metadata_v15();
    let call = metadata.outer_enums.call_enum_ty.id;
    let mut taking_calls = BTreeSet::new();
    let mut all = BTreeSet::new();
    for api in &metadata.apis {
        for method in &api.methods {
            let name = format!("{}_{}", api.name, method.name);
            if method
                .inputs
                .iter()
                .any(|input| can_contain(&metadata.types, input.ty.id, call, &mut HashSet::new()))
            {
                taking_calls.insert(name.clone());
            }
            all.insert(name);
        }
    }
    // Sanity: the walk finds the obvious ones.
    assert!(
        taking_calls.contains("BlockBuilder_apply_extrinsic"),
        "{taking_calls:?}"
    );
    assert!(
        taking_calls.contains("Core_execute_block"),
        "{taking_calls:?}"
    );
    let listed: BTreeSet<String> = METHODS_TAKING_CALLS.iter().map(|m| m.to_string()).collect();
    let unchecked: Vec<_> = taking_calls.difference(&listed).collect();
    assert!(
        unchecked.is_empty(),
        "runtime API methods that take a call but are not decoded with the depth limit by \
         check_runtime_call_args (add them there and to METHODS_TAKING_CALLS): {unchecked:?}"
    );
    let stale: Vec<_> = listed.difference(&taking_calls).collect();
    assert!(
        stale.is_empty(),
        "METHODS_TAKING_CALLS names methods the runtime does not have or that take no call: \
         {stale:?}"
    );
    for method in METHODS_TAKING_CALLS {
        assert!(all.contains(*method));
        // Each listed method is really checked: empty arguments cannot decode.
        assert!(
            check_runtime_call_args(method, &[]).is_err(),
            "{method} is listed but not checked"
        );
    }
}
