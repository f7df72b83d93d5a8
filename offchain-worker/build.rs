//! Link settings for the `torch` feature (nothing happens without it).
//!
//! - `-Wl,--no-as-needed -ltorch`: tch calls nothing in libtorch_cuda directly, so with rustc's
//!   default `--as-needed` the linker drops it and CUDA reads as unavailable. With the wheel's
//!   libtorch.so (which needs libtorch_cuda.so) kept as a dependency, CUDA registers itself; with
//!   the CPU layout of scripts/fetch-libtorch.sh, libtorch.so is libtorch_cpu.so and this is a
//!   no-op.
//! - an rpath to `$LIBTORCH/lib`, so binaries and tests find libtorch without LD_LIBRARY_PATH.
//!
//! (`byteorder` is a build-dependency only to pin its features; see Cargo.toml.)

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_TORCH").is_none() {
        return;
    }
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
    println!("cargo:rustc-link-arg=-ltorch");
    if let Some(dir) = std::env::var_os("LIBTORCH") {
        let lib = std::path::Path::new(&dir).join("lib");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
