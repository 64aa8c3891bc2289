// Vendored by dbaudit (see VENDORED.md): compiles libpg_query with the C compiler and uses
// the committed bindings.rs instead of running bindgen (which needs libclang) on every
// build. Protobuf code is not regenerated either (src/protobuf.rs is committed upstream).
// Regenerate bindings.rs with regenerate-bindings.sh after an upgrade.

use std::env;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let lib_dir = manifest_dir.join("libpg_query");
    let target = env::var("TARGET")?;

    println!("cargo:rerun-if-changed=libpg_query");
    println!("cargo:rerun-if-changed=bindings.rs");
    println!("cargo:rustc-link-search=native={}", out_dir.display());
    println!("cargo:rustc-link-lib=static=pg_query");

    // bindings.rs was generated on x86_64 Linux: valid for the LP64 C ABI (64-bit Linux
    // and macOS), not for 32-bit or Windows targets.
    let pointer_width = env::var("CARGO_CFG_TARGET_POINTER_WIDTH").unwrap_or_default();
    if pointer_width != "64" || target.contains("windows") {
        println!(
            "cargo:warning=pg_query's committed bindings.rs was generated for 64-bit Linux; run vendor/pg_query/regenerate-bindings.sh on {target}"
        );
    }

    // Compile the C library in place (upstream copied it to OUT_DIR first; cc writes its
    // objects to OUT_DIR either way).
    let mut build = cc::Build::new();
    build
        .files(c_files(&lib_dir.join("src"))?)
        .files(c_files(&lib_dir.join("src/postgres"))?)
        .file(lib_dir.join("vendor/xxhash/xxhash.c"))
        .file(lib_dir.join("vendor/upb/upb.c"))
        .file(lib_dir.join("vendor/upb/third_party/utf8_range/utf8_range.c"))
        .file(lib_dir.join("protobuf/pg_query.upb_minitable.c"))
        .include(&lib_dir)
        .include(lib_dir.join("vendor"))
        .include(lib_dir.join("vendor/upb"))
        .include(lib_dir.join("vendor/upb/third_party/utf8_range"))
        .include(lib_dir.join("src/postgres/include"))
        .include(lib_dir.join("src/include"))
        .warnings(false); // Avoid unnecessary warnings, as they are already considered as part of libpg_query development
    if env::var("PROFILE")? == "debug" || env::var("DEBUG")? == "1" {
        build.define("USE_ASSERT_CHECKING", None);
    }
    if !target.contains("msvc") {
        // Required by upb, matching libpg_query's own CFLAGS
        build.flag("-fno-strict-aliasing").flag("-fwrapv");
    }
    if target.contains("windows") {
        build.include(lib_dir.join("src/postgres/include/port/win32"));
        if target.contains("msvc") {
            build.include(lib_dir.join("src/postgres/include/port/win32_msvc"));
        }
    }
    build.compile("pg_query");

    // src/bindings.rs includes $OUT_DIR/bindings.rs (unchanged upstream code).
    let bindings = std::fs::read(manifest_dir.join("bindings.rs"))?;
    let out_bindings = out_dir.join("bindings.rs");
    if std::fs::read(&out_bindings).ok().as_deref() != Some(bindings.as_slice()) {
        std::fs::write(&out_bindings, bindings)?;
    }
    Ok(())
}

/// The `.c` files directly in `dir`, sorted (the set upstream's `dir/*.c` glob compiled).
fn c_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "c") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
