#!/usr/bin/env bash
# Speed against SQLFluff's Rust parser (issue #16: the SQL scan stays >= 100x faster).
#
# Parses the same .sql files with `sqlfluff parse` (SQLFluff 4.5.0 with its Rust parser,
# sqlfluffrs, which `use_rust_parser = auto` picks; the log line "Using Rust parser" is
# checked) and scans them with `dbaudit scan --sql-only`, one thread each (SQLFluff's parse
# runs in one process; RAYON_NUM_THREADS=1 for dbaudit), and compares CPU time (user +
# system), which holds on a shared, noisy machine where wall time does not.
#
# Corpora: the demo's SQL (fixtures/demo/database, T-SQL and PostgreSQL), and each SQL
# repository of bench/accuracy/manifest.toml (extracted from its mirror at its pinned commit
# with `git archive`, .sql files only; never committed). A corpus SQLFluff takes longer than
# SQLFLUFF_TIMEOUT seconds on (default 300) is cut off there, and its ratio is printed as a
# lower bound (">=").
#
# Usage: [DBAUDIT=target/release/dbaudit] [MIRRORS=/work/.mirror] [ONLY=name] bench/sqlfluff.sh
# SQLFluff is installed once into target/ci-tools/sqlfluff (a venv; needs python3 and PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=target/ci-tools/sqlfluff
version=4.5.0
timeout_s=${SQLFLUFF_TIMEOUT:-300}
mirrors=${MIRRORS:-/work/.mirror}
if [ ! -x "$venv/bin/sqlfluff" ] || ! "$venv/bin/sqlfluff" version 2>/dev/null | grep -qx "$version"; then
  echo "installing sqlfluff[rs]==$version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "sqlfluff[rs]==$version" "sqlfluffrs==$version"
fi
if [ -z "${DBAUDIT:-}" ]; then
  cargo build --release --quiet
  DBAUDIT=target/release/dbaudit
fi
dbaudit=$(realpath "$DBAUDIT")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# SQLFluff skips files over 20 kB by default (large_file_skip_byte_limit); both tools must
# read every file, so the limit is lifted. Files it cannot parse still cost what they cost.
printf '[sqlfluff]\nlarge_file_skip_byte_limit = 0\n' >"$work/sqlfluff.cfg"
# The Rust parser is picked silently; its log line needs -vvv, whose logging would slow the
# timed runs, so it is checked once here on the demo.
"$venv/bin/sqlfluff" parse --dialect tsql --templater raw -f none -vvv \
  fixtures/demo/database/procedures >"$work/check.log" 2>&1 || true
if ! grep -q "Using Rust parser" "$work/check.log"; then
  echo "SQLFluff $version does not use its Rust parser here (is sqlfluffrs installed in $venv?)" >&2
  exit 2
fi

cpu() { # seconds of user + system time of a command, from /usr/bin/time
  tail -1 "$1" | awk '{print $1 + $2}'
}

# measure NAME DIALECT DIR: one line of the table.
measure() {
  local name=$1 dialect=$2 dir=$3 bytes files
  files=$(find "$dir" -type f -name '*.sql' | wc -l)
  [ "$files" -gt 0 ] || return 0
  bytes=$(find "$dir" -type f -name '*.sql' -printf '%s\n' | awk '{s+=$1} END {print s}')
  local fluff_dialect=$dialect
  [ "$dialect" = tsql ] || fluff_dialect=postgres
  local bound="" rc=0
  /usr/bin/time -f '%U %S' -o "$work/fluff.time" \
    timeout "$timeout_s" "$root/$venv/bin/sqlfluff" parse --dialect "$fluff_dialect" \
    --templater raw -f none --config "$work/sqlfluff.cfg" "$dir" >"$work/fluff.log" 2>&1 || rc=$?
  if [ "$rc" = 124 ]; then
    bound=">="
  fi
  # A small corpus is scanned several times and the CPU time divided: one scan of the demo
  # takes less than /usr/bin/time's 10 ms resolution.
  local runs=1
  [ "$bytes" -gt 1000000 ] || runs=20
  (cd "$dir" && RAYON_NUM_THREADS=1 /usr/bin/time -f '%U %S' -o "$work/dbaudit.time" \
    sh -c 'i=0; while [ "$i" -lt "$1" ]; do "$2" scan --sql-only --no-progress --format json --fail-on none -o "$3" . || exit 2; i=$((i + 1)); done' \
    scan "$runs" "$dbaudit" "$work/out.json")
  python3 - "$name" "$files" "$bytes" "$(cpu "$work/fluff.time")" "$(cpu "$work/dbaudit.time")" "$bound" "$runs" <<'PY'
import sys
name, files, size, fluff, ours, bound, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], int(sys.argv[7])
ours = max(ours, 0.01) / runs  # /usr/bin/time's resolution is 10 ms
print(f"| {name} | {files} | {size/1e6:.2f} | {bound}{fluff:.2f} | {ours:.3f} | {bound}{fluff/ours:.0f}x |")
PY
}

echo "| corpus | .sql files | MB | SQLFluff $version Rust parser, CPU s | dbaudit scan, CPU s | ratio |"
echo "|---|---|---|---|---|---|"
if [ -z "${ONLY:-}" ] || [ "$ONLY" = demo ]; then
  measure "demo (T-SQL)" tsql fixtures/demo/database/procedures
  measure "demo (PostgreSQL)" postgres fixtures/demo/database/postgres
fi
python3 - bench/accuracy/manifest.toml <<'PY' >"$work/repos"
import sys, tomllib
for r in tomllib.load(open(sys.argv[1], "rb"))["repo"]:
    if r.get("dialect") in ("tsql", "postgres"):  # the SQL repositories, not the application ones
        # tab-separated; the paths (which may hold spaces) joined by the unit separator
        print(r["name"], r["commit"], r["dialect"], "\x1f".join(r.get("paths", ["."])), sep="\t")
PY
while IFS=$'\t' read -r name commit dialect pathlist; do
  IFS=$'\x1f' read -r -a paths <<<"$pathlist"
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then continue; fi
  mirror="$mirrors/${name/\//+}/repo"
  [ -d "$mirror" ] || mirror="$mirrors/${name/\//+}"
  if ! git -C "$mirror" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "| $name | skipped: no mirror with $commit under $mirrors | | | | |"
    continue
  fi
  dest="$work/${name/\//+}"
  mkdir -p "$dest"
  # The .sql files under the manifest's paths only (a mirror may lack the blobs of large
  # binary files); several archives when xargs splits the list, hence tar -i.
  git -C "$mirror" ls-tree -r -z --name-only "$commit" -- "${paths[@]}" | grep -z -i '\.sql$' |
    xargs -0 -r git -C "$mirror" archive "$commit" -- | tar -x -i -C "$dest"
  measure "$name" "$dialect" "$dest" </dev/null
  rm -rf "$dest"
done <"$work/repos"
