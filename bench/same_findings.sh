#!/usr/bin/env bash
# Findings unchanged by a speed change: scans the demo's SQL and every SQL repository of
# bench/accuracy/manifest.toml (all batches; extracted from its mirror at its pinned commit
# with `git archive`, .sql files only, never committed) with two dbaudit builds, and compares
# their `scan --sql-only --format json` reports byte for byte, at the default confidence and
# with `--min-confidence low`. Prints one line per corpus; exits 1 if any report differs
# (the two reports are left in WORK for a diff), 2 on an error.
#
# Usage: [MIRRORS=/work/.mirror] [WORK=dir] bench/same_findings.sh BEFORE_BINARY AFTER_BINARY
# The corpora are extracted once into WORK (default: a temporary directory, removed at the
# end); give WORK to keep them between calls. A few seconds a call with release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# = 2 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
before=$(realpath "$1")
after=$(realpath "$2")
mirrors=${MIRRORS:-/work/.mirror}
if [ -n "${WORK:-}" ]; then
  work=$WORK
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
corpora=$work/corpora
if [ ! -d "$corpora" ]; then
  mkdir -p "$corpora.tmp"
  cp -r fixtures/demo/database/procedures "$corpora.tmp/demo-tsql"
  cp -r fixtures/demo/database/postgres "$corpora.tmp/demo-postgres"
  python3 - bench/accuracy/manifest.toml <<'PY' >"$work/repos"
import sys, tomllib
for r in tomllib.load(open(sys.argv[1], "rb"))["repo"]:
    if r.get("dialect") in ("tsql", "postgres"):  # the SQL repositories, not the application ones
        print(r["name"], r["commit"], "\x1f".join(r.get("paths", ["."])), sep="\t")
PY
  while IFS=$'\t' read -r name commit pathlist; do
    IFS=$'\x1f' read -r -a paths <<<"$pathlist"
    mirror="$mirrors/${name/\//+}/repo"
    [ -d "$mirror" ] || mirror="$mirrors/${name/\//+}"
    if ! git -C "$mirror" cat-file -e "$commit^{commit}" 2>/dev/null; then
      echo "$name: no mirror with $commit under $mirrors" >&2
      exit 2
    fi
    dest="$corpora.tmp/${name/\//+}"
    mkdir -p "$dest"
    git -C "$mirror" ls-tree -r -z --name-only "$commit" -- "${paths[@]}" | grep -z -i '\.sql$' |
      xargs -0 -r git -C "$mirror" archive "$commit" -- | tar -x -i -C "$dest"
  done <"$work/repos"
  mv "$corpora.tmp" "$corpora"
fi
differ=0
for dir in "$corpora"/*/; do
  name=$(basename "$dir")
  verdict=""
  for level in default low; do
    args=()
    [ "$level" = default ] || args=(--min-confidence "$level")
    for build in before after; do
      bin=$before
      [ "$build" = before ] || bin=$after
      rc=0
      (cd "$dir" && "$bin" scan --sql-only --no-progress --format json --fail-on none \
        "${args[@]}" -o "$work/$name.$level.$build.json" .) || rc=$?
      [ "$rc" = 0 ] || { echo "$name: the $build build exited with $rc" >&2; exit 2; }
    done
    if cmp -s "$work/$name.$level.before.json" "$work/$name.$level.after.json"; then
      verdict="$verdict $level: identical"
      rm -f "$work/$name.$level".*.json
    else
      verdict="$verdict $level: DIFFERENT ($work/$name.$level.{before,after}.json)"
      differ=1
    fi
  done
  echo "$name:$verdict"
done
exit "$differ"
