#!/usr/bin/env bash
# Live-audit benchmark (not a timed test): starts a throwaway PostgreSQL cluster, builds a
# database with 2,000 tables, 6,000 indexes (PK + 2 secondary per table), some foreign
# keys, and 6,000 distinct statements in pg_stat_statements (3 shapes per table, 12 calls
# each), then times `dbaudit collect` (with and without HypoPG verification),
# `dbaudit analyze --snapshot`, `dbaudit audit --snapshot` (what the audit adds to collection:
# goal under 2 s) and `dbaudit analyze --db` (end to end), and prints the
# figures against the targets: end to end under 10 s and under 200 MB peak memory.
#
# Usage: bench/pg_collect.sh [TABLES]     (default 2000; progress goes to stderr)
# Needs PostgreSQL server binaries (pg_config --bindir or /usr/lib/postgresql/*/bin),
# pg_stat_statements, optionally hypopg, python3 and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."

tables=${1:-2000}
big_every=33          # every 33rd table gets 20,000 rows (index candidates, HypoPG)
big_rows=20000
calls=12              # executions per statement (dbaudit's candidate threshold is 10)
target_secs=10
target_mb=200

log() { printf '[pg_collect %s] %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
t_start=$(now)

log "building the release binary"
cargo build --release --quiet
bin=$PWD/target/release/dbaudit

# --- throwaway cluster (bench/pg_throwaway.sh) --------------------------------------
[ -x /usr/bin/time ] || { echo "/usr/bin/time is required (apt-get install time)" >&2; exit 1; }
. bench/pg_throwaway.sh
log "starting a throwaway cluster"
pg_throwaway_start dbaudit-pgbench "shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.max = $(( tables * 3 + 100 > 10000 ? tables * 3 + 100 : 10000 ))
track_functions = all
fsync = off
synchronous_commit = off
full_page_writes = off
max_locks_per_transaction = 1024
shared_buffers = 256MB
max_wal_size = 4GB
autovacuum = off"
log "cluster in $pgdir (PostgreSQL binaries: $pgbin), port $port"

export PGCONNECT_TIMEOUT=10
psql_q() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql_q -d postgres -c "CREATE DATABASE bench"
url="postgres://postgres@127.0.0.1:$port/bench?sslmode=disable"
have_hypopg=$(psql_q -d bench -Atc "SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'")

# --- schema and data ---------------------------------------------------------------
t_setup=$(now)
log "creating $tables tables, 3 indexes each, foreign keys, rows (one psql session)"
python3 - "$tables" "$big_every" "$big_rows" "$have_hypopg" >"$work/setup.sql" <<'PY'
import sys
tables, big_every, big_rows, hypopg = (int(a) for a in sys.argv[1:5])
out = sys.stdout.write
out("CREATE EXTENSION pg_stat_statements;\n")
if hypopg:
    out("CREATE EXTENSION hypopg;\n")
chunk = 250
for start in range(1, tables + 1, chunk):
    out("BEGIN;\n")
    for n in range(start, min(start + chunk, tables + 1)):
        t = f"t{n:04d}"
        rows = big_rows if n % big_every == 0 else 50 + (n * 37) % 151
        out(f"CREATE TABLE {t} (id bigserial PRIMARY KEY, a int NOT NULL, b int NOT NULL, "
            f"c int NOT NULL, d text, created timestamptz NOT NULL DEFAULT now());\n")
        out(f"INSERT INTO {t} (a, b, c, d, created) SELECT g % 997, (g * 7) % 1000, g % 50 + 1, "
            f"md5(g::text), now() - g * interval '1 minute' FROM generate_series(1, {rows}) g;\n")
        out(f"CREATE INDEX {t}_a ON {t} (a);\n")
        out(f"CREATE INDEX {t}_created ON {t} (created);\n")
        # Every 4th table references the previous one (c is 1..50, every table has
        # at least 50 rows); c is not indexed: unindexed foreign keys.
        if n % 4 == 0:
            out(f"ALTER TABLE {t} ADD CONSTRAINT {t}_c_fk FOREIGN KEY (c) "
                f"REFERENCES t{n - 1:04d} (id);\n")
    out("COMMIT;\n")
out("ANALYZE;\n")
PY
psql_q -d bench -f "$work/setup.sql" >/dev/null
t_schema=$(now)

# --- workload ----------------------------------------------------------------------
log "running the workload: 3 statement shapes per table, $calls calls each"
python3 - "$tables" "$calls" >"$work/workload.sql" <<'PY'
import sys
tables, calls = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout.write
# Statements run by PL/pgSQL EXECUTE are nested: track them all, in this session only.
out("SET pg_stat_statements.track = 'all';\nSELECT pg_stat_statements_reset();\n")
chunk = 250
for start in range(1, tables + 1, chunk):
    end = min(start + chunk - 1, tables)
    out(f"""DO $$
DECLARE t text; k int;
BEGIN
  FOR i IN {start}..{end} LOOP
    t := format('t%s', lpad(i::text, 4, '0'));
    FOR k IN 1..{calls} LOOP
      EXECUTE format('SELECT id, d FROM %I WHERE a = $1', t) USING k;
      EXECUTE format('SELECT id, a FROM %I WHERE b = $1 ORDER BY c', t) USING k * 7;
      EXECUTE format('UPDATE %I SET d = $1 WHERE id = $2', t) USING md5(k::text), k;
    END LOOP;
  END LOOP;
END $$;
""")
PY
psql_q -d bench -f "$work/workload.sql" >/dev/null
t_workload=$(now)

read -r n_tables n_indexes n_fks n_statements n_executed <<<"$(psql_q -d bench -At -F ' ' -c "
  SELECT (SELECT count(*) FROM pg_stat_user_tables),
         (SELECT count(*) FROM pg_stat_user_indexes),
         (SELECT count(*) FROM pg_constraint WHERE contype = 'f'),
         (SELECT count(*) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
           WHERE d.datname = 'bench'),
         (SELECT count(*) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
           WHERE d.datname = 'bench' AND calls >= $calls)")"
log "built: $n_tables tables, $n_indexes indexes, $n_fks foreign keys, $n_statements statements ($n_executed with >= $calls calls)"
if [ "$n_statements" -lt 5000 ]; then
  echo "only $n_statements distinct statements in pg_stat_statements (need 5,000)" >&2
  exit 1
fi

# --- timed runs --------------------------------------------------------------------
results=$work/results.tsv
: >"$results"
timed() { # label json-or-dash command...
  local label=$1 json=$2; shift 2
  local rc=0
  log "timing: $label"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "$label failed (exit $rc):" >&2; cat "$work/stderr" >&2
  fi
  read -r secs kb < <(tail -n 1 "$work/time")
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$secs" "$kb" "$rc" "$json" >>"$results"
}
verify_label="collect (HypoPG verification)"
[ "$have_hypopg" = 1 ] || verify_label="collect (hypopg absent: unverified)"
timed "$verify_label" - "$bin" collect --db "$url" --out "$work/snap"
timed "collect --no-verify" - "$bin" collect --db "$url" --out "$work/snap-noverify" --no-verify
timed "analyze --snapshot" "$work/snapshot.json" \
  "$bin" analyze --snapshot "$work/snap" -f json -o "$work/snapshot.json" --fail-on none
timed "audit --snapshot" - \
  "$bin" audit --snapshot "$work/snap" --out "$work/audit" --quiet
timed "analyze --db (end to end)" "$work/live.json" \
  "$bin" analyze --db "$url" -f json -o "$work/live.json" --fail-on none
timed "analyze --db --statement-limit 100000" "$work/live-all.json" \
  "$bin" analyze --db "$url" -f json -o "$work/live-all.json" --fail-on none --statement-limit 100000

t_end=$(now)
python3 - "$results" "$work/snap" "$n_tables" "$n_indexes" "$n_fks" "$n_statements" \
  "$target_secs" "$target_mb" "$t_start" "$t_setup" "$t_schema" "$t_workload" "$t_end" <<'PY'
import csv, json, os, sys
(results, snap, n_tables, n_indexes, n_fks, n_statements, target_secs, target_mb,
 t_start, t_setup, t_schema, t_workload, t_end) = sys.argv[1:]
target_secs, target_mb = float(target_secs), float(target_mb)
rows = list(csv.reader(open(results), delimiter="\t"))

def count_rows(name):
    try:
        with open(os.path.join(snap, name), newline="") as f:
            return sum(1 for _ in csv.reader(f)) - 1
    except OSError:
        return None

print()
print("dbaudit live-audit benchmark (PostgreSQL)")
print(f"  tables                 {int(n_tables):>7,}")
print(f"  indexes (incl. PKs)    {int(n_indexes):>7,}")
print(f"  foreign keys           {int(n_fks):>7,}")
print(f"  distinct statements    {int(n_statements):>7,}  (pg_stat_statements, this database)")
snap_statements = count_rows("statements.csv")
if snap_statements is not None:
    print(f"  statements in snapshot {snap_statements:>7,}  (--statement-limit default)")
print(f"  setup: cluster+build {float(t_setup)-float(t_start):.1f} s, schema+data "
      f"{float(t_schema)-float(t_setup):.1f} s, workload {float(t_workload)-float(t_schema):.1f} s")
print()
print(f"  {'step':<36} {'wall s':>7} {'peak MB':>8}  {'exit':>4}  findings  candidates (verified)")
failed = False
for label, secs, kb, rc, out in rows:
    secs, mb = float(secs), int(kb) / 1024
    extra = ""
    if out != "-" and os.path.exists(out):
        report = json.load(open(out))
        cands = report.get("index_candidates") or []
        verified = sum(1 for c in cands if (c.get("verdict") or {}).get("status") == "verified")
        extra = f"{len(report.get('findings') or []):>8}  {len(cands):>10} ({verified})"
    print(f"  {label:<36} {secs:>7.2f} {mb:>8.1f}  {rc:>4}  {extra}")
    failed |= rc != "0"
by = {r[0]: r for r in rows}
print()
checks = []
e2e = by.get("analyze --db (end to end)")
if e2e:
    checks.append((f"end to end (analyze --db) < {target_secs:g} s", float(e2e[1]), float(e2e[1]) < target_secs, "s"))
coll = next((r for r in rows if r[0].startswith("collect (")), None)
snap_r = by.get("analyze --snapshot")
if coll and snap_r:
    total = float(coll[1]) + float(snap_r[1])
    checks.append((f"collect + analyze --snapshot < {target_secs:g} s", total, total < target_secs, "s"))
audit_r = by.get("audit --snapshot")
if audit_r:
    # The audit reads the saved snapshot: everything it adds to collection.
    checks.append(("audit adds < 2 s to collection", float(audit_r[1]), float(audit_r[1]) < 2.0, "s"))
peak = max(int(r[2]) for r in rows) / 1024
checks.append((f"peak RSS of every step < {target_mb:g} MB", peak, peak < target_mb, "MB"))
for name, value, ok, unit in checks:
    print(f"  {'PASS' if ok else 'FAIL'}  {name:<40} {value:.2f} {unit}")
    failed |= not ok
if e2e and os.path.exists(e2e[4]):
    report = json.load(open(e2e[4]))
    by_rule = {}
    for f in report.get("findings") or []:
        by_rule[f.get("rule")] = by_rule.get(f.get("rule"), 0) + 1
    print("  findings by rule (end to end): " +
          ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))
    s = report.get("summary") or {}
    print(f"  summary (end to end): {s.get('tables')} tables, {s.get('indexes')} indexes, "
          f"{s.get('statements')} statements, {s.get('findings')} findings, "
          f"{s.get('index_candidates')} candidates, by severity {s.get('by_severity')}")
    for n in report.get("notes") or []:
        print(f"  note: {n.get('check')}: {n.get('message')}")
sys.exit(1 if failed else 0)
PY
