#!/usr/bin/env bash
# Index-advisor benchmark (issue #18): dbaudit vs pg_qualstats 2 (`pg_qualstats_index_advisor()`)
# vs supabase index_advisor 0.2.0 (`index_advisor(query)`), in one run on one throwaway
# PostgreSQL cluster, on the same workload: the 41 cases of bench/advisors/cases.py, each
# statement run 30-100 times with varying literals. Prints, per advisor, cases right / missed /
# wrong, number and HypoPG-estimated size of the indexes it recommends, and the workload's
# planned cost with its set (calls x EXPLAIN cost, the set created as hypothetical indexes);
# then a table per case. Also written to $OUT/advisors.md and $OUT/advisors.json.
# How cases are scored: bench/README.md ("Index advisors").
#
# Usage: bench/advisors.sh                 (DBAUDIT=path/to/dbaudit to measure another build;
#                                           default: cargo build, target/debug/dbaudit)
#        OUT=dir (default target/advisors-bench)
# Needs: PostgreSQL 15 server binaries, pg_stat_statements, hypopg (postgresql-15-hypopg),
# pg_qualstats (installed with apt-get here when missing: needs root or sudo, as .ci/run),
# postgres_fdw (optional: the foreign-table case is left out, and said so, without it),
# python3, curl. Takes about 2 minutes on 2 shared cores (schema + workload ~1.5 min, the
# advisors and the evaluation seconds), plus `cargo build` when DBAUDIT is not set.
#
# index_advisor is pure SQL (it needs hypopg). Its file is downloaded at a pinned commit into
# target/ci-tools/ (never committed) and checked against its SHA-256; without network, put
# the file there yourself or set INDEX_ADVISOR_SQL=path (same checksum), else the run goes on
# without it and says so. Its schema-quoting bug is patched at run time: it builds
#   format('... create index on %I.%I(%I) ...', pc.relnamespace::regnamespace::text, ...)
# but regnamespace::text is already quoted when needed, so %I quotes "Sales" a second time
# ("""Sales""") and hypopg_create_index fails: every table of a mixed-case schema gets an
# error instead of advice. The sed turns that first %I into %s (the regnamespace text as is).
set -euo pipefail
cd "$(dirname "$0")/.."

ia_commit=ddb9b4ed17692ef8dbf049fad806426a851a3079   # supabase/index_advisor, 2024-04-14, v0.2.0
ia_sha256=ea346405c9c414af83be934011de27bd45185793563c8f4817cc61b2f49620d8
out=${OUT:-target/advisors-bench}

log() { printf '[advisors %s] %s\n' "$(date +%T)" "$*" >&2; }

# --- tools -------------------------------------------------------------------------
if [ ! -f /usr/share/postgresql/15/extension/pg_qualstats.control ]; then
  log "installing postgresql-15-pg-qualstats"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-pg-qualstats >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-pg-qualstats >/dev/null
  fi
fi

mkdir -p target/ci-tools "$out"
ia_file=${INDEX_ADVISOR_SQL:-target/ci-tools/index_advisor-$ia_commit.sql}
if [ ! -f "$ia_file" ]; then
  log "downloading index_advisor--0.2.0.sql at $ia_commit"
  curl -fsSL -m 30 -o "$ia_file.part" \
    "https://raw.githubusercontent.com/supabase/index_advisor/$ia_commit/index_advisor--0.2.0.sql" \
    && mv "$ia_file.part" "$ia_file" || { rm -f "$ia_file.part"; log "download failed"; }
fi
ia_patched=""
if [ -f "$ia_file" ]; then
  if [ "$(sha256sum <"$ia_file" | cut -d' ' -f1)" = "$ia_sha256" ]; then
    ia_patched=target/ci-tools/index_advisor-$ia_commit.patched.sql
    sed 's/create index on %I\.%I(%I)/create index on %s.%I(%I)/' "$ia_file" >"$ia_patched"
    grep -q 'create index on %s\.%I(%I)' "$ia_patched" \
      || { echo "the index_advisor schema-quoting patch did not apply" >&2; exit 2; }
  else
    log "$ia_file does not have the pinned SHA-256: index_advisor is left out"
  fi
else
  log "index_advisor's SQL file is not available (no network?): it is left out of this run"
fi

if [ -z "${DBAUDIT:-}" ]; then
  log "building dbaudit (cargo build)"
  nice -n 10 cargo build --quiet
  DBAUDIT=$PWD/target/debug/dbaudit
fi
[ -x "$DBAUDIT" ] || { echo "DBAUDIT=$DBAUDIT is not an executable" >&2; exit 2; }

# --- throwaway cluster (bench/pg_throwaway.sh) ----------------------------------------
. bench/pg_throwaway.sh
log "starting a throwaway cluster"
# pg_qualstats at its best for its advisor: every execution sampled, one entry per qual
# (with track_constants on, each of the 2,000+ distinct literals takes an entry and the
# default pg_qualstats.max of 1,000 evicts quals before the advisor reads them; a larger
# max does not fit in the shared memory of a small container).
pg_throwaway_start dbaudit-advisors "shared_preload_libraries = 'pg_stat_statements, pg_qualstats'
pg_qualstats.sample_rate = 1
pg_qualstats.track_constants = off
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off"
log "cluster in $pgdir (PostgreSQL binaries: $pgbin), port $port"
export PGCONNECT_TIMEOUT=10 PYTHONDONTWRITEBYTECODE=1
python3 bench/advisors/run.py --psql "$psql_bin" --port "$port" --dbaudit "$DBAUDIT" \
  --out "$out" --index-advisor-sql "$ia_patched"
log "written: $out/advisors.md, $out/advisors.json"
