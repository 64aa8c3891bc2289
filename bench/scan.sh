#!/usr/bin/env bash
# Scan benchmark: generates a 50 MB mixed T-SQL / PL/pgSQL corpus of 200 KB files, one
# corpus with a single 20 MB file, and 50 MB of C# / JS / TS / Python / Java source, scans each with the release build and prints
# throughput and peak memory. Memory should follow the largest file, not the corpus.
# With SCALING=1, also scans application source of 25, 50 and 100 MB (100 KB files): peak
# RSS there grows with the findings (the report) and the index kept for the cross-file pass
# (about 24 bytes per function and 150 per file), not with trees; and each DIR given is also
# scanned as 2 and 4 hard-linked copies (same largest file, 2x and 4x the repository), with
# all rules on and with every rule off (the index alone), which prints how peak memory grows
# with the repository rather than with its largest file.
# Any DIR given after TOTAL_MB is scanned as well, with the time per phase and per language
# (DBAUDIT_TIMINGS): point it at public repositories fetched for the purpose (never
# committed), the measure of real application code; the generated corpus is the dense worst
# case (a database call, a loop and a finding every few lines).
# Usage: [SCALING=1] bench/scan.sh [TOTAL_MB] [DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
total_mb=${1:-50}
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
bin=target/release/dbaudit

measure() { # name dir
  local name=$1 dir=$2
  local bytes start end rss
  bytes=$(du -sb "$dir" | cut -f1)
  start=$(date +%s.%N)
  # shellcheck disable=SC2086 # EXTRA_ARGS: more options, split on spaces
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" scan "$dir" --format json --fail-on none -o "$work/out.json" ${EXTRA_ARGS:-}
  end=$(date +%s.%N)
  rss=$(cat "$work/rss")
  python3 - "$name" "$bytes" "$start" "$end" "$rss" "$work/out.json" <<'PY'
import json, sys
name, size, start, end, rss, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
secs = end - start
s = json.load(open(out))["summary"]
size = s["bytes_scanned"]  # what was read as source, not the directory's other files
print(f"{name}: {size/1e6:.1f} MB in {secs:.2f} s = {size/1e6/secs:.1f} MB/s, peak RSS {rss/1024:.1f} MiB, "
      f"{s['files_scanned']} files, {s['objects']} objects, {s['findings']} findings, "
      f"{s['regions_not_understood']} regions not understood")
PY
}

python3 bench/gen_corpus.py "$work/many" "$total_mb" 200 >/dev/null
measure "corpus of 200 KB files" "$work/many"
python3 bench/gen_corpus.py "$work/one" 20 20480 >/dev/null
measure "one 20 MB file" "$work/one"
python3 bench/gen_app_corpus.py "$work/app" "$total_mb" 100 >/dev/null
measure "application source, 100 KB files" "$work/app"
if [ "${SCALING:-0}" = 1 ]; then
  for mb in 25 50 100; do
    rm -rf "$work/scale"
    python3 bench/gen_app_corpus.py "$work/scale" "$mb" 100 >/dev/null
    measure "application source, $mb MB" "$work/scale"
  done
fi
# Every rule off: what stays is the index of the cross-file pass.
# shellcheck disable=SC2016 # awk's own $3
"$bin" rules | awk -F '│' 'NF > 3 { gsub(/ /, "", $3); if ($3 ~ /^[a-z-]+$/ && $3 != "name") printf "%s\"%s\"", (n++ ? ", " : ""), $3 }
  BEGIN { printf "[rules]\ndisable = [" } END { print "]" }' >"$work/no-rules.toml"
for dir in "$@"; do
  measure "$dir" "$dir"
  DBAUDIT_TIMINGS=1 "$bin" scan "$dir" --format json --fail-on none -o "$work/out.json" 2>&1 | sed 's/^dbaudit: timing: /  /'
  if [ "${SCALING:-0}" = 1 ]; then
    for copies in 1 2 4; do
      rm -rf "$work/copies" && mkdir "$work/copies"
      for i in $(seq "$copies"); do
        cp -al "$dir" "$work/copies/$i" 2>/dev/null || cp -a "$dir" "$work/copies/$i"
      done
      measure "$dir x$copies, all rules" "$work/copies"
      EXTRA_ARGS="--config $work/no-rules.toml" measure "$dir x$copies, every rule off" "$work/copies"
    done
    rm -rf "$work/copies"
  fi
done
echo "cores: $(nproc)"
