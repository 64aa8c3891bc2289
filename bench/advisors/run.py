"""The advisor benchmark's driver: called by bench/advisors.sh on a running throwaway cluster.

Builds the schema of cases.py, runs the workload, asks each advisor, then plans every case
statement with each advisor's recommended set created as HypoPG hypothetical indexes and
scores the cases (right / missed / wrong). Writes advisors.md and advisors.json to --out.
Needs psql (subprocess) and the extensions pg_stat_statements, pg_qualstats and hypopg.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as C  # noqa: E402

SEP = "\x1f"  # field separator of psql -A output: never in a plan, a name or a DDL here
TOLERANCE = 1.10  # "right" when within 10% of the expected index's plan cost


def log(msg):
    print(f"[advisors {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Pg:
    def __init__(self, psql, port):
        self.psql, self.port = psql, port

    def run(self, db, sql, check=True):
        """Runs a script in one session; returns its rows (psql -At), split on SEP."""
        p = subprocess.run(
            [self.psql, "-X", "-q", "-At", "-F", SEP, "-v", f"ON_ERROR_STOP={1 if check else 0}",
             "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db],
            input=sql, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise SystemExit(f"psql failed on {db}: {p.stderr.strip()[:2000]}")
        return [line.split(SEP) for line in p.stdout.splitlines() if line], p.stderr


def lit(sql_text):
    return C.s(sql_text)


def render(case, k):
    """The case statement with the literals of call k."""
    return case[2].format(*case[3](k))


def parameterised(case):
    """The statement as pg_stat_statements shows it: literals are $1, $2, ..."""
    n = len(case[3](1))
    return case[2].format(*[f"${i + 1}" for i in range(n)])


DDL_RE = re.compile(r"^CREATE (?:UNIQUE )?INDEX ON (?P<rel>.+?) USING \w+ \((?P<keys>.*?)\)"
                    r"(?: INCLUDE \((?P<incl>.*?)\))?(?: WHERE (?P<pred>.*))?$")


def leading_key(keys):
    depth, out = 0, ""
    for ch in keys:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            break
        out += ch
    return out.strip()


RAW_DDL_RE = re.compile(r"(?is)\bON\s+(?:ONLY\s+)?(?P<rel>[^\s(]+)\s*(?:USING\s+\w+\s*)?\((?P<keys>.*?)\)")

# The tables of each case, with their partitions (filled in by main() from pg_inherits).
TABLES = {}


def belongs(defn, case, raw=False):
    """Whether an index definition is about this case: on one of its tables (or their
    partitions), its leading key mentions one of its columns. `defn` is canonical
    (hypopg_get_indexdef) unless `raw` (an advisor's DDL that HypoPG refused)."""
    m = (RAW_DDL_RE.search if raw else DDL_RE.match)(defn or "")
    if not m:
        return False
    rel = m.group("rel")
    if raw and "." not in rel:
        rel = "public." + rel
    if rel not in TABLES.get(case[0], case[4]):
        return False
    lead = leading_key(m.group("keys"))
    return any(re.search(r"(?<![\w\"])" + re.escape(c) + r"(?![\w\"])", lead) or lead == c
               for c in case[5])


def create_statements(ddl):
    """The CREATE INDEX statements of an advisor's DDL (dbaudit may add comments, DROPs)."""
    out = []
    for part in (ddl or "").split(";"):
        lines = [ln for ln in part.splitlines() if not ln.strip().startswith("--")]
        stmt = " ".join(" ".join(lines).split())
        if re.match(r"(?i)^create\s+(unique\s+)?index\b", stmt):
            out.append(stmt)
    return out


EVAL_FUNCS = r"""
CREATE SCHEMA advbench_eval;
CREATE FUNCTION advbench_eval.hypo(ddl text, OUT oid oid, OUT def text, OUT size bigint, OUT err text)
LANGUAGE plpgsql AS $f$
BEGIN
  SELECT h.indexrelid INTO oid FROM hypopg_create_index(ddl) h;
  def := hypopg_get_indexdef(oid);
  BEGIN size := hypopg_relation_size(oid); EXCEPTION WHEN others THEN size := NULL; END;
EXCEPTION WHEN others THEN err := SQLERRM;
END $f$;
CREATE FUNCTION advbench_eval.plan(q text, OUT plan text, OUT err text) LANGUAGE plpgsql AS $f$
DECLARE j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  plan := j::jsonb::text;
EXCEPTION WHEN others THEN err := SQLERRM;
END $f$;
"""


def evaluate(pg, db, ddls, cases, calls):
    """Creates the DDLs as hypothetical indexes in one session and plans every case
    statement (its first literals). Returns the indexes and the per-case costs."""
    sql = ["SELECT hypopg_reset();"]
    for i, d in enumerate(ddls):
        sql.append(f"SELECT 'IDX', {i}, h.oid, h.def, h.size, h.err FROM advbench_eval.hypo({lit(d)}) h;")
    for c in cases:
        sql.append(f"SELECT 'PLAN', {lit(c[0])}, p.plan, p.err FROM advbench_eval.plan({lit(render(c, 1))}) p;")
    rows, _ = pg.run(db, "\n".join(sql))
    indexes, plans = [], {}
    for r in rows:
        if r[0] == "IDX":
            indexes.append({"ddl": ddls[int(r[1])], "oid": r[2], "def": r[3] or None,
                            "size": int(r[4]) if r[4] else None, "error": r[5] or None})
        elif r[0] == "PLAN":
            cost, used = None, []
            if r[2]:
                plan = json.loads(r[2])
                cost = plan[0]["Plan"]["Total Cost"]
                used = sorted(set(re.findall(r'"Index Name": "<(\d+)>', r[2])))
            plans[r[1]] = {"cost": cost, "hypothetical_used": used, "error": r[3] or None}
    for ix in indexes:
        ix["used_by"] = [cid for cid, p in plans.items() if ix["oid"] and ix["oid"] in p["hypothetical_used"]]
    total = sum(calls[c[0]] * (plans[c[0]]["cost"] or 0) for c in cases)
    return {"indexes": indexes, "plans": plans, "workload_cost": total}


def score(case, advisor_eval, expected_eval, baseline_eval):
    cid, expect = case[0], case[6]
    mine = [ix for ix in advisor_eval["indexes"] if ix["def"] and belongs(ix["def"], case)]
    invalid = [ix for ix in advisor_eval["indexes"] if not ix["def"] and belongs(ix["ddl"], case, raw=True)]
    cost = advisor_eval["plans"][cid]["cost"]
    base = baseline_eval["plans"][cid]["cost"]
    want = expected_eval["plans"][cid]["cost"]
    row = {"case": cid, "recommended": [ix["def"] for ix in mine] + [ix["ddl"] for ix in invalid],
           "invalid": [f"{ix['ddl']}: {ix['error']}" for ix in invalid], "cost": cost,
           "cost_expected": want, "cost_baseline": base, "helps": False}
    if not expect:
        row["verdict"] = "wrong" if mine or invalid else "right"
        row["why"] = ("recommended where none is expected: " + case[7]) if mine or invalid else "correct none"
        return row
    canon = set(expected_eval["canonical"][cid])
    if any(ix["def"] in canon for ix in mine):
        row["verdict"], row["why"] = "right", "exact"
    elif cost is not None and want is not None and cost <= want * TOLERANCE:
        row["verdict"] = "right"
        row["why"] = f"plan cost {cost:.1f} within 10% of the expected index's {want:.1f}"
    elif not mine and not invalid:
        row["verdict"], row["why"] = "missed", "no recommendation for it"
    else:
        row["verdict"] = "wrong"
        row["helps"] = cost is not None and base is not None and cost < base * 0.9
        row["why"] = (f"plan cost {cost:.1f} vs {want:.1f} with the expected index (no new index: {base:.1f})"
                      + "".join(f"; not valid DDL: {e}" for e in row["invalid"]))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--psql", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--dbaudit", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--index-advisor-sql", default="")
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pg = Pg(args.psql, args.port)
    db = "advbench"
    notes = []

    # --- schema ------------------------------------------------------------------------
    pg.run("postgres", f"CREATE DATABASE {db};")
    pg.run(db, "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pg_qualstats; CREATE EXTENSION hypopg;")
    have_ia = bool(args.index_advisor_sql)
    if have_ia:
        with open(args.index_advisor_sql) as f:
            pg.run(db, f.read())
    else:
        notes.append("index_advisor not run: its SQL file was not available (see bench/README.md)")
    fdw, _ = pg.run(db, "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgres_fdw';")
    cases = list(C.CASES)
    if fdw[0][0] == "1":
        pg.run("postgres", "CREATE DATABASE advbench_remote;")
        pg.run("advbench_remote", C.FOREIGN_REMOTE)
        pg.run(db, C.FOREIGN_LOCAL.replace("{port}", str(args.port)))
    else:
        cases = [c for c in cases if c[0] != "foreign"]
        notes.append("postgres_fdw is not available: the foreign-table case was left out")
    log(f"building the schema ({C.ROWS:,} rows per normal table)")
    t0 = time.time()
    pg.run(db, C.SETUP + "\nVACUUM ANALYZE;")
    parts, _ = pg.run(db, """
      SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname),
             quote_ident(cn.nspname) || '.' || quote_ident(c.relname)
        FROM pg_inherits i
        JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace;""")
    for c in cases:
        TABLES[c[0]] = list(c[4]) + [child for parent, child in parts if parent in c[4]]
    if fdw[0][0] == "1":
        pg.run(db, "ANALYZE remote_stock;")

    # --- workload ----------------------------------------------------------------------
    rng = random.Random(args.seed)
    calls = {c[0]: rng.randint(30, 100) for c in cases}
    pg.run(db, "SELECT pg_stat_statements_reset(); SELECT pg_qualstats_reset();")
    script = []
    for c in cases:
        for k in range(1, calls[c[0]] + 1):
            script.append(render(c, k) + ";")
    log(f"running the workload: {len(cases)} cases, {sum(calls.values())} statements")
    pg.run(db, "\n".join(script))
    t_workload = time.time()

    # --- the advisors ------------------------------------------------------------------
    advisors = {}
    url = f"postgres://postgres@127.0.0.1:{args.port}/{db}?sslmode=disable"
    log(f"dbaudit audit --db ({args.dbaudit})")
    t = time.time()
    p = subprocess.run([args.dbaudit, "audit", "--db", url, "--out", os.path.join(args.out, "dbaudit"),
                        "--quiet", "--fail-on", "none"], capture_output=True, text=True)
    ddls, note = [], None
    try:
        report = json.load(open(os.path.join(args.out, "dbaudit", "report.json")))
        for r in report.get("recommendations") or []:
            ddls.extend(create_statements(r.get("ddl")))
        note = f"{len(report.get('dropped_candidates') or [])} candidates not recommended (report.json)"
    except (OSError, ValueError) as e:
        note = f"no report.json ({e}); exit {p.returncode}: {p.stderr.strip()[:500]}"
    advisors["dbaudit"] = {"ddls": ddls, "seconds": round(time.time() - t, 2), "exit": p.returncode,
                           "note": note}

    log("pg_qualstats_index_advisor()")
    t = time.time()
    rows, _ = pg.run(db, "SELECT pg_qualstats_index_advisor(min_filter => 1000, min_selectivity => 30);")
    res = json.loads(rows[0][0])
    advisors["pg_qualstats"] = {"ddls": list(res.get("indexes") or []), "seconds": round(time.time() - t, 2),
                                "note": f"{len(res.get('unoptimised') or [])} quals it could not optimise"}

    if have_ia:
        log("index_advisor(query) for every case statement")
        t = time.time()
        sql = [f"SELECT {lit(c[0])}, array_to_json(r.index_statements), array_to_json(r.errors) "
               f"FROM index_advisor({lit(parameterised(c))}) r;" for c in cases]
        rows, _ = pg.run(db, "\n".join(sql))
        ddls, errors = [], {}
        for cid, stmts, errs in rows:
            for d in json.loads(stmts):
                if d not in ddls:
                    ddls.append(d)
            if json.loads(errs):
                errors[cid] = json.loads(errs)
        advisors["index_advisor"] = {"ddls": ddls, "seconds": round(time.time() - t, 2),
                                     "note": f"errors on {len(errors)} statements" if errors else "",
                                     "errors": errors}
    t_advisors = time.time()

    # --- evaluation --------------------------------------------------------------------
    log("planning every case with each recommended set (HypoPG)")
    pg.run(db, EVAL_FUNCS)
    baseline = evaluate(pg, db, [], cases, calls)
    expected_ddls = [c[6][0] for c in cases if c[6]]
    expected = evaluate(pg, db, expected_ddls, cases, calls)
    expected["canonical"] = {}
    for c in cases:
        alts = evaluate(pg, db, c[6], [], calls)["indexes"] if c[6] else []
        expected["canonical"][c[0]] = [ix["def"] for ix in alts if ix["def"]]
        bad = [ix for ix in alts if ix["error"]]
        if bad:
            notes.append(f"expected index of {c[0]} not creatable in HypoPG: {bad[0]['error']}")
    results = {}
    for name, adv in advisors.items():
        # The same statement twice (pg_qualstats returns some twice) is one index.
        unique = list(dict.fromkeys(adv["ddls"]))
        if len(unique) < len(adv["ddls"]):
            adv["note"] = (adv["note"] + "; " if adv["note"] else "") + \
                f"{len(adv['ddls']) - len(unique)} identical statements returned twice, counted once"
        adv["ddls"] = unique
        ev = evaluate(pg, db, adv["ddls"], cases, calls)
        rows = [score(c, ev, expected, baseline) for c in cases]
        tally = {v: sum(1 for r in rows if r["verdict"] == v) for v in ("right", "missed", "wrong")}
        tally["wrong_but_helps"] = sum(1 for r in rows if r["helps"])
        made = [ix for ix in ev["indexes"] if ix["def"]]
        results[name] = {
            **adv, **tally, "indexes": len(made),
            "index_bytes": sum(ix["size"] or 0 for ix in made),
            "not_creatable": [{"ddl": ix["ddl"], "error": ix["error"]} for ix in ev["indexes"] if not ix["def"]],
            "unused_by_any_case": [ix["def"] for ix in made if not ix["used_by"]],
            "workload_cost": ev["workload_cost"], "cases": rows, "index_list": ev["indexes"]}
    t_end = time.time()

    summary = {
        "cases": len(cases), "statements": sum(calls.values()), "calls": calls, "notes": notes,
        "baseline_workload_cost": baseline["workload_cost"],
        "expected_workload_cost": expected["workload_cost"],
        "expected_indexes": len(expected_ddls),
        "expected_index_bytes": sum(ix["size"] or 0 for ix in expected["indexes"]),
        "seconds": {"setup": round(t_workload - t0, 1), "advisors": round(t_advisors - t_workload, 1),
                    "evaluation": round(t_end - t_advisors, 1)},
        "advisors": results,
        "case_list": [{"id": c[0], "what": c[1], "statement": parameterised(c), "calls": calls[c[0]],
                       "expected": c[6], "why_none": c[7]} for c in cases],
    }
    with open(os.path.join(args.out, "advisors.json"), "w") as f:
        json.dump(summary, f, indent=1)
    md = markdown(summary, cases)
    with open(os.path.join(args.out, "advisors.md"), "w") as f:
        f.write(md)
    print(md)


def mb(n):
    return f"{n / 1048576:.1f} MB"


def markdown(sm, cases):
    exp_cost = sm["expected_workload_cost"]
    out = [f"# Index advisors on {sm['cases']} cases ({sm['statements']} statements)", "",
           "| advisor | right | missed | wrong (of which help) | indexes | size | unused by any case "
           "| workload cost | vs expected set |",
           "|---|---|---|---|---|---|---|---|---|",
           f"| (no new index) | | | | 0 | 0 | | {sm['baseline_workload_cost']:,.0f} | "
           f"{(sm['baseline_workload_cost'] / exp_cost - 1) * 100:+.0f}% |",
           f"| (expected set) | {sm['cases']} | 0 | 0 | {sm['expected_indexes']} | {mb(sm['expected_index_bytes'])} "
           f"| | {exp_cost:,.0f} | 0% |"]
    for name, r in sm["advisors"].items():
        out.append(f"| {name} | {r['right']} | {r['missed']} | {r['wrong']} ({r['wrong_but_helps']}) "
                   f"| {r['indexes']} | {mb(r['index_bytes'])} "
                   f"| {len(r['unused_by_any_case'])} | {r['workload_cost']:,.0f} | "
                   f"{(r['workload_cost'] / exp_cost - 1) * 100:+.0f}% |")
    out += ["", "Workload cost: the sum over cases of calls x EXPLAIN total cost (first literals), "
            "with the set created as HypoPG hypothetical indexes. Size: HypoPG's estimate. "
            "Wrong (of which help): wrong cases where the advisor's set still lowers the case's cost by "
            "10% or more (a different index than expected, not within 10% of its cost).", ""]
    names = list(sm["advisors"])
    out.append("| case | calls | expected | " + " | ".join(names) + " |")
    out.append("|---|---|---|" + "---|" * len(names))
    for i, c in enumerate(cases):
        exp = c[6][0].replace("CREATE INDEX ON ", "") if c[6] else "none"
        cells = []
        for n in names:
            r = sm["advisors"][n]["cases"][i]
            bad = {e.split(": ")[0] for e in r["invalid"]}
            recs = "; ".join(d.replace("CREATE INDEX ON ", "").replace(" USING btree", "")
                             + (" [not valid DDL]" if d in bad else "") for d in r["recommended"])
            cells.append(f"{r['verdict']}" + (f": {recs}" if recs else ""))
        out.append(f"| {c[0]} | {sm['calls'][c[0]]} | {exp} | " + " | ".join(cells) + " |")
    out.append("")
    for n in names:
        r = sm["advisors"][n]
        extra = [f"{n}: {r.get('note') or ''}".rstrip(": ")]
        if r["not_creatable"]:
            extra.append(f"  not creatable as hypothetical indexes: {r['not_creatable']}")
        if r["unused_by_any_case"]:
            extra.append(f"  recommended but no case plan uses it: {r['unused_by_any_case']}")
        out += ["- " + e for e in extra]
    out += ["- note: " + n for n in sm["notes"]]
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
