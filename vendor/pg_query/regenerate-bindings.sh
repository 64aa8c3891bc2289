#!/usr/bin/env bash
# Regenerates vendor/pg_query/bindings.rs, the Rust declarations of libpg_query's C API
# (libpg_query/pg_query.h), which upstream's build.rs made with bindgen on every build.
#
# When: after re-vendoring pg_query (a pg_query upgrade: see VENDORED.md), or to build for
# a target whose C ABI differs from x86_64 / aarch64 Linux (LP64: a 32-bit or Windows
# target). Not needed for an ordinary build: the committed bindings.rs is used as is.
#
# Needs: the Rust toolchain and libclang (Debian: `apt-get install libclang-dev`), plus
# crates.io (or a cargo registry cache holding bindgen 0.66.1) for bindgen itself.
#
# How: a throwaway cargo project (in a temporary directory, deleted afterwards) runs the
# same bindgen call upstream's build.rs ran: bindgen 0.66.1, default options, on pg_query.h.
#
# Usage: vendor/pg_query/regenerate-bindings.sh            (writes bindings.rs)
#        vendor/pg_query/regenerate-bindings.sh --check    (exit 1 if bindings.rs differs)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
header="$here/libpg_query/pg_query.h"
out="$here/bindings.rs"
check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*/libclang*.so* >/dev/null 2>&1 \
  && [ -z "${LIBCLANG_PATH:-}" ]; then
  echo "regenerate-bindings: libclang not found; install libclang-dev (or set LIBCLANG_PATH)" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/pg_query-bindgen.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cat > "$work/Cargo.toml" <<'EOF'
[package]
name = "pg_query_bindgen"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
bindgen = "=0.66.1"

[workspace]
EOF
cat > "$work/src/main.rs" <<'EOF'
// The call upstream's build.rs made (pg_query 18.1.0), with the header and output as arguments.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (header, output) = (&args[1], &args[2]);
    bindgen::Builder::default()
        .header(header.as_str())
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on {header}: {e}"))
        .write_to_file(output)
        .unwrap_or_else(|e| panic!("cannot write {output}: {e}"));
}
EOF

generated="$work/bindings.rs"
(cd "$work" && cargo run --quiet --release -- "$header" "$generated")

if $check; then
  if cmp -s "$generated" "$out"; then
    echo "regenerate-bindings: $out is up to date"
  else
    diff -u "$out" "$generated" | head -40 >&2 || true
    echo "regenerate-bindings: $out differs from a fresh bindgen run" >&2
    exit 1
  fi
else
  cp "$generated" "$out"
  echo "regenerate-bindings: wrote $out ($(wc -c < "$out") bytes)"
fi
