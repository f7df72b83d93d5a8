//! Storage migrations of the swarms pallet. The pallet is at its first layout (storage
//! version 0); a later layout adds its step here, versioned, with a test that runs it.
