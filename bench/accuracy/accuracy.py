#!/usr/bin/env python3
"""Accuracy benchmark for dbaudit: SQL rules (issue #16 item 4) and application rules (issue #17 item 5).

Scans the public repositories of manifest.toml at their fixed commits (SQL repositories with
--sql-only, application repositories, `scan = "app"`, with every rule), joins the findings with
the hand-written verdicts of labels.csv, and prints precision per rule, dialect and half, plus
recall on the real problems of misses.csv that dbaudit did not report when they were written.

Usage (from the repository root; python3 >= 3.11, standard library only):
    python3 bench/accuracy/accuracy.py split            # check the dev/check split
    python3 bench/accuracy/accuracy.py run              # scan every repo, print the tables
    python3 bench/accuracy/accuracy.py report           # print the tables from the last scan
    python3 bench/accuracy/accuracy.py sample --per 8   # unlabelled findings to read next
    python3 bench/accuracy/accuracy.py agreement        # labels.csv against labels-second-reader.csv

Environment:
    MIRRORS  directory holding the mirrors, one per repo as <owner>+<name>/repo (a bare git
             directory, or a checkout with .git inside)   [default /work/.mirror]
    DBAUDIT  the dbaudit binary to measure                 [default target/release/dbaudit]
    OUT      where scan results are cached                 [default /tmp/dbaudit-accuracy]

Nothing fetched is written inside this repository: each repo is `git archive`d into a
temporary directory that is removed after its scan.
"""

import argparse
import csv
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERDICTS = ("true", "false", "debatable")
NEAR_LINES = 2  # a labelled miss counts as found when a finding of its rule is this close


def load_manifest():
    with open(HERE / "manifest.toml", "rb") as fh:
        return tomllib.load(fh)


def split_seed(manifest, repo):
    """A repository's split seed: its own `split_seed` (a batch added after others were
    measured gets its own, so the halves already measured never move), else the manifest's."""
    return repo.get("split_seed", manifest["split_seed"])


def expected_split(manifest):
    """The split rule written in manifest.toml: per seed and dialect, order by
    sha256(seed:repo), alternate dev, check, ... starting with dev."""
    halves = {}
    groups = sorted({(split_seed(manifest, r), r["dialect"]) for r in manifest["repo"]})
    for seed, dialect in groups:
        repos = [
            r["name"] for r in manifest["repo"] if r["dialect"] == dialect and split_seed(manifest, r) == seed
        ]
        repos.sort(key=lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest())
        for i, name in enumerate(repos):
            halves[name] = "dev" if i % 2 == 0 else "check"
    return halves


def cmd_split(manifest):
    want = expected_split(manifest)
    bad = [r["name"] for r in manifest["repo"] if want[r["name"]] != r["half"]]
    for r in manifest["repo"]:
        print(f'{r["half"]:6} {r["dialect"]:9} {r["name"]}')
    if bad:
        print("manifest half disagrees with the split rule for: " + ", ".join(bad), file=sys.stderr)
        return 2
    return 0


def git_dir(mirrors, name):
    base = Path(mirrors) / name.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def scan_kind(repo):
    """`sql` (stored-procedure repositories, the default) or `app` (application repositories)."""
    return repo.get("scan", "sql")


_HELP_CACHE = {}


def scan_flags(repo, dbaudit):
    """How a user scans this kind of repository: SQL repositories with --sql-only; application
    repositories with every rule. Both with every confidence level when the binary can filter
    on confidence (the flag may not exist in older binaries, so it is detected from --help):
    `report --min-confidence` then shows what a user sees at each level."""
    if dbaudit not in _HELP_CACHE:
        helptext = subprocess.run([dbaudit, "scan", "--help"], capture_output=True, text=True, check=False)
        _HELP_CACHE[dbaudit] = helptext.stdout
    levels = ["--min-confidence", "low"] if "--min-confidence" in _HELP_CACHE[dbaudit] else []
    if scan_kind(repo) == "sql":
        return ["--sql-only", *levels]
    return levels


def scan_repo(repo, mirrors, dbaudit, out):
    gdir = git_dir(mirrors, repo["name"])
    if not gdir.is_dir():
        raise SystemExit(
            f'mirror of {repo["name"]} not found at {gdir}: fetch it (github:{repo["name"]}) '
            "or set MIRRORS"
        )
    with tempfile.TemporaryDirectory(prefix="dbaudit-acc-") as tmp:
        archive = subprocess.run(
            ["git", f"--git-dir={gdir}", "archive", "--format=tar", repo["commit"], "--", *repo["paths"]],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            raise SystemExit(f'git archive failed for {repo["name"]}: {archive.stderr.decode(errors="replace")}')
        tar_path = Path(tmp) / "src.tar"
        tar_path.write_bytes(archive.stdout)
        src = Path(tmp) / "src"
        src.mkdir()
        with tarfile.open(tar_path) as tar:
            tar.extractall(src, filter="data")
        scan = subprocess.run(
            [dbaudit, "scan", *scan_flags(repo, dbaudit), "--format", "json", "--fail-on", "none", "."],
            cwd=src,
            capture_output=True,
            check=False,
        )
    result = {"repo": repo["name"], "exit_code": scan.returncode, "stderr": scan.stderr.decode(errors="replace")}
    try:
        result["report"] = json.loads(scan.stdout)
    except json.JSONDecodeError:
        result["report"] = None
    (out / (repo["name"].replace("/", "+") + ".json")).write_text(json.dumps(result))
    return result


def cmd_scan(manifest, env):
    out = Path(env["OUT"])
    out.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([env["DBAUDIT"], "--version"], capture_output=True, text=True, check=False)
    digest = hashlib.sha256(Path(env["DBAUDIT"]).read_bytes()).hexdigest()
    (out / "dbaudit-version.txt").write_text(f"{version.stdout.strip()} (binary sha256 {digest})\n")
    for repo in manifest["repo"]:
        started = time.monotonic()
        res = scan_repo(repo, env["MIRRORS"], env["DBAUDIT"], out)
        elapsed = time.monotonic() - started
        rep = res["report"]
        if rep is None:
            print(f'{repo["name"]}: dbaudit exit {res["exit_code"]}, no JSON: {res["stderr"][:300]}', file=sys.stderr)
            continue
        s = rep["summary"]
        print(
            f'{repo["name"]:40} exit={res["exit_code"]} files={s["files_scanned"]} '
            f'objects={s["objects"]} findings={s["findings"]} '
            f'not_understood_regions={s["regions_not_understood"]} seconds={elapsed:.1f}',
            file=sys.stderr,
        )


LANGUAGE_OF_EXTENSION = {
    ".cs": "csharp",
    ".java": "java",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "javascript",
    ".tsx": "javascript",
    ".mts": "javascript",
    ".cts": "javascript",
    ".py": "python",
    ".sql": "sql",
}


def language_of(repo, file):
    """The row a finding is counted in: a SQL repository's dialect; for an application
    repository the language of the file itself (a .sql migration in a Java repository is
    counted as sql, not java), so the table is per rule x language, not per repository."""
    if scan_kind(repo) == "sql":
        return repo["dialect"]
    ext = os.path.splitext(file)[1].lower()
    return LANGUAGE_OF_EXTENSION.get(ext, ext.lstrip(".") or "other")


def selected(manifest, kind, batch=None):
    """The repositories of one kind (`sql`, `app`) or all of them; with `batch`, only those
    split under that seed (a batch added later carries its own `split_seed`)."""
    return [
        r
        for r in manifest["repo"]
        if (kind == "all" or scan_kind(r) == kind) and (batch is None or split_seed(manifest, r) == batch)
    ]


def load_findings(manifest, out):
    findings = []
    for repo in manifest["repo"]:
        path = Path(out) / (repo["name"].replace("/", "+") + ".json")
        if not path.exists():
            raise SystemExit(f"no scan result {path}: run `accuracy.py run` (or `scan`) first")
        rep = json.loads(path.read_text())["report"] or {"findings": []}
        for f in rep["findings"]:
            loc = f["location"]
            findings.append(
                {
                    "repo": repo["name"],
                    "dialect": language_of(repo, loc["file"]),
                    "kind": scan_kind(repo),
                    "half": repo["half"],
                    "file": loc["file"],
                    "line": int(loc["line"]),
                    "rule": f["rule"],
                    "severity": f["severity"],
                    "message": f["message"],
                    "confidence": (f.get("confidence") or {}).get("level", "high"),
                }
            )
    return findings


def read_csv(name):
    path = HERE / name
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return [row for row in csv.DictReader(fh)]


def load_label_rows(name):
    """One reader's labels: (repo, file, line, rule) -> (verdict, why). Refuses a malformed
    row (wrong field count, unknown verdict, non-numeric line) or a key given twice, naming
    the file and line, rather than guessing."""
    labels = {}
    for n, row in enumerate(read_csv(name), start=2):
        if None in row or None in row.values():
            raise SystemExit(f"{name} line {n}: expected 6 fields (quote a `why` that holds a comma)")
        if row["verdict"] not in VERDICTS:
            raise SystemExit(f"{name} line {n}: verdict must be one of {VERDICTS}, got {row['verdict']!r}")
        try:
            line = int(row["line"])
        except ValueError:
            raise SystemExit(f"{name} line {n}: line must be a number, got {row['line']!r}") from None
        key = (row["repo"], row["file"], line, row["rule"])
        if key in labels:
            raise SystemExit(f"{name} line {n}: a second label for {','.join(str(x) for x in key)} (one row per key)")
        labels[key] = (row["verdict"], row["why"])
    return labels


def load_labels():
    return {key: verdict for key, (verdict, _why) in load_label_rows("labels.csv").items()}


def pct(num, den):
    return f"{100.0 * num / den:.0f}%" if den else "-"


CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}


def cmd_report(manifest, env, min_confidence="low"):
    """Tables for the findings at or above `min_confidence`: `high` is what `dbaudit scan`
    shows by default, `low` every finding."""
    findings = [
        f
        for f in load_findings(manifest, env["OUT"])
        if CONFIDENCE_RANK.get(f["confidence"], 2) >= CONFIDENCE_RANK[min_confidence]
    ]
    labels = load_labels()
    known = {(f["repo"], f["file"], f["line"], f["rule"]) for f in findings}
    in_scope = {r["name"] for r in manifest["repo"]}
    labels = {k: v for k, v in labels.items() if k[0] in in_scope}
    stale = [k for k in labels if k not in known]
    groups = defaultdict(lambda: defaultdict(int))
    for f in findings:
        key = (f["rule"], f["dialect"], f["half"])
        g = groups[key]
        g["findings"] += 1
        verdict = labels.get((f["repo"], f["file"], f["line"], f["rule"]))
        if verdict:
            g["labelled"] += 1
            g[verdict] += 1
        else:
            g["unlabelled"] += 1
    version = (Path(env["OUT"]) / "dbaudit-version.txt")
    print(f"dbaudit: {version.read_text().strip() if version.exists() else '?'}")
    print(f"findings at confidence >= {min_confidence}" + (" (what `dbaudit scan` shows by default)" if min_confidence == "high" else ""))
    print()
    print("| rule | language | half | findings | labelled | true | false | debatable | precision | unlabelled |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    totals = defaultdict(lambda: defaultdict(int))
    for key in sorted(groups):
        g = groups[key]
        for k, v in g.items():
            totals[key[2]][k] += v
        print(
            f"| {key[0]} | {key[1]} | {key[2]} | {g['findings']} | {g['labelled']} | {g['true']} | "
            f"{g['false']} | {g['debatable']} | {pct(g['true'], g['true'] + g['false'])} | {g['unlabelled']} |"
        )
    for half in ("dev", "check"):
        g = totals[half]
        print(
            f"| **all** | all | {half} | {g['findings']} | {g['labelled']} | {g['true']} | {g['false']} | "
            f"{g['debatable']} | {pct(g['true'], g['true'] + g['false'])} | {g['unlabelled']} |"
        )
    print()
    halves = {r["name"]: r["half"] for r in manifest["repo"]}
    repos = {r["name"]: r for r in manifest["repo"]}
    misses = [m for m in read_csv("misses.csv") if m["repo"] in in_scope]
    recall = defaultdict(lambda: [0, 0])
    for m in misses:
        line = int(m["line"])
        hit = any(
            f["repo"] == m["repo"] and f["file"] == m["file"] and f["rule"] == m["rule"] and abs(f["line"] - line) <= NEAR_LINES
            for f in findings
        )
        repo = repos.get(m["repo"])
        key = (m["rule"], language_of(repo, m["file"]) if repo else "?", halves.get(m["repo"], "?"))
        recall[key][0] += hit
        recall[key][1] += 1
    print(f"Recall on labelled misses (found = a finding of that rule in that file within ±{NEAR_LINES} lines):")
    print()
    print("| rule | language | half | misses | found | recall |")
    print("|---|---|---|---|---|---|")
    for key in sorted(recall):
        found, total = recall[key]
        print(f"| {key[0]} | {key[1]} | {key[2]} | {total} | {found} | {pct(found, total)} |")
    print()
    print("True labels still reported (a rule change must keep these; issue #16 asks >= 90% on dev):")
    print()
    print("| half | true labels | still reported |")
    print("|---|---|---|")
    for half in ("dev", "check"):
        trues = [k for k, v in labels.items() if v == "true" and halves.get(k[0]) == half]
        kept = [k for k in trues if k in known]
        print(f"| {half} | {len(trues)} | {len(kept)} ({pct(len(kept), len(trues))}) |")
    if stale:
        print()
        print(f"{len(stale)} label(s) match no finding of this scan (rule fixed, line moved, or typo):")
        for k in sorted(stale):
            print("  " + ",".join(str(x) for x in k))
    return 0


def cmd_sample(manifest, env, per, seed, repo_filter):
    """Unlabelled findings to read next: up to `per` per (repo, rule), chosen with a fixed seed."""
    findings = load_findings(manifest, env["OUT"])
    labels = load_labels()
    by_group = defaultdict(list)
    for f in findings:
        if repo_filter and f["repo"] != repo_filter:
            continue
        by_group[(f["repo"], f["rule"])].append(f)
    for key in sorted(by_group):
        group = sorted(by_group[key], key=lambda f: (f["file"], f["line"]))
        rng = random.Random(f"{seed}:{key[0]}:{key[1]}")
        chosen = rng.sample(group, min(per, len(group)))
        for f in sorted(chosen, key=lambda f: (f["file"], f["line"])):
            if (f["repo"], f["file"], f["line"], f["rule"]) in labels:
                continue
            print(f'{f["repo"]}\t{f["file"]}\t{f["line"]}\t{f["rule"]}\t{" ".join(f["message"].split())[:200]}')
    return 0


SECOND_READER = "labels-second-reader.csv"


def cohen_kappa(pairs):
    """Cohen's kappa of two readers over the three verdicts; None when it is undefined
    (no pairs, or both readers gave one and the same verdict to every key, so chance
    agreement is already 1).

    >>> cohen_kappa([("true", "true"), ("false", "false"), ("false", "true"), ("debatable", "debatable")])
    0.6363636363636364
    >>> cohen_kappa([("false", "false"), ("false", "false")]) is None
    True
    >>> cohen_kappa([("true", "false"), ("false", "true")])
    -1.0
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    chance = sum(
        (sum(a == v for a, _ in pairs) / n) * (sum(b == v for _, b in pairs) / n) for v in VERDICTS
    )
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def precision_of(verdicts):
    """`true / (true + false)` as "pct (true/judged)"; debatable ones are left out.

    >>> precision_of(["true", "false", "false", "debatable"])
    '33% (1/3)'
    >>> precision_of(["debatable"])
    '- (0/0)'
    """
    t = sum(v == "true" for v in verdicts)
    f = sum(v == "false" for v in verdicts)
    return f"{pct(t, t + f)} ({t}/{t + f})"


def agreed_verdicts(pairs):
    """Each key's verdict for the "agreed" precision: the shared verdict where both readers
    said the same, `debatable` where they disagree (a disagreement is never settled by the
    people tuning the rules).

    >>> agreed_verdicts([("true", "true"), ("true", "false"), ("false", "false")])
    ['true', 'debatable', 'false']
    """
    return [a if a == b else "debatable" for a, b in pairs]


def agreement_rows(pairs_by_group):
    """Table rows: group key, count, agreement %, kappa, precision by reader 1, by reader 2,
    and on the keys both agree on.

    >>> agreement_rows({("r", "tsql", "check"): [("true", "true"), ("false", "true")]})
    [(('r', 'tsql', 'check'), 2, '50%', '0.00', '50% (1/2)', '100% (2/2)', '100% (1/1)')]
    """
    rows = []
    for key in sorted(pairs_by_group):
        pairs = pairs_by_group[key]
        kappa = cohen_kappa(pairs)
        rows.append(
            (
                key,
                len(pairs),
                pct(sum(a == b for a, b in pairs), len(pairs)),
                "-" if kappa is None else f"{kappa:.2f}",
                precision_of([a for a, _ in pairs]),
                precision_of([b for _, b in pairs]),
                precision_of(agreed_verdicts(pairs)),
            )
        )
    return rows


def one_line(text):
    """A `why` as one Markdown table cell: whitespace collapsed, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def cmd_agreement(manifest):
    """labels.csv (reader one) against labels-second-reader.csv (reader two, who judged
    without seeing reader one's verdicts), over the keys both judged, per rule x dialect
    (or language) x half of the selected repositories."""
    for name in ("labels.csv", SECOND_READER):
        if not (HERE / name).exists():
            raise SystemExit(f"{HERE / name} not found: agreement needs both readers' label files")
    first = load_label_rows("labels.csv")
    second = load_label_rows(SECOND_READER)
    repos = {r["name"]: r for r in manifest["repo"]}
    outside = sorted(k for k in second if k[0] not in repos)
    second = {k: v for k, v in second.items() if k[0] in repos}
    first = {k: v for k, v in first.items() if k[0] in repos}
    both = sorted(k for k in second if k in first)
    only_second = sorted(k for k in second if k not in first)
    print(f"reader one: labels.csv, {len(first)} keys in the selected repositories")
    print(f"reader two: {SECOND_READER}, {len(second)} keys in the selected repositories")
    print(f"judged by both: {len(both)}")
    if outside:
        print(f"{len(outside)} key(s) of {SECOND_READER} are outside the selected repositories (another --kind?), not counted")
    print()
    groups = defaultdict(list)
    totals = defaultdict(list)
    for k in both:
        repo = repos[k[0]]
        pair = (first[k][0], second[k][0])
        groups[(k[3], language_of(repo, k[1]), repo["half"])].append(pair)
        totals[("**all**", "all", repo["half"])].append(pair)
    print("| rule | language | half | judged by both | agreement | kappa | precision, reader 1 | precision, reader 2 | precision, agreed |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, n, agree, kappa, p1, p2, pa in agreement_rows(groups) + agreement_rows(totals):
        print(f"| {key[0]} | {key[1]} | {key[2]} | {n} | {agree} | {kappa} | {p1} | {p2} | {pa} |")
    print()
    print("precision = true / (true + false), debatable left out; agreed: keys where the readers disagree count")
    print("as debatable; kappa: Cohen's, over true / false / debatable (- when undefined: every key got one and")
    print("the same verdict from both readers).")
    if both:
        print()
        print("Verdicts (rows: reader one; columns: reader two):")
        print()
        print("| reader 1 \\ reader 2 | " + " | ".join(VERDICTS) + " |")
        print("|---|" + "---|" * len(VERDICTS))
        for a in VERDICTS:
            cells = [sum(first[k][0] == a and second[k][0] == b for k in both) for b in VERDICTS]
            print(f"| {a} | " + " | ".join(str(c) for c in cells) + " |")
    disagreements = [k for k in both if first[k][0] != second[k][0]]
    print()
    print(f"Disagreements: {len(disagreements)}")
    if disagreements:
        print()
        print("| key | verdict 1 | verdict 2 | why 1 | why 2 |")
        print("|---|---|---|---|---|")
        for k in disagreements:
            key = f"{k[0]} `{k[1]}:{k[2]}` {k[3]}"
            print(f"| {one_line(key)} | {first[k][0]} | {second[k][0]} | {one_line(first[k][1])} | {one_line(second[k][1])} |")
    if only_second:
        print()
        print(f"{len(only_second)} key(s) judged by reader two only (no row in labels.csv), not in the tables:")
        for k in only_second:
            print("  " + ",".join(str(x) for x in k))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["split", "scan", "report", "run", "sample", "agreement"])
    parser.add_argument("--per", type=int, default=8, help="sample: findings per repo and rule")
    parser.add_argument("--seed", default="labels-2026-12-07", help="sample: random seed")
    parser.add_argument("--repo", default=None, help="sample: only this repo")
    parser.add_argument(
        "--min-confidence",
        choices=["low", "medium", "high"],
        default="low",
        help="report: count only findings at or above this confidence (high = dbaudit's default output)",
    )
    parser.add_argument(
        "--kind",
        choices=["all", "sql", "app"],
        default="all",
        help="scan / report / sample / agreement only the SQL repositories or only the application ones",
    )
    parser.add_argument(
        "--batch",
        default=None,
        metavar="SPLIT_SEED",
        help="scan / report / sample only the repositories split under this seed (one batch)",
    )
    args = parser.parse_args()
    env = {
        "MIRRORS": os.environ.get("MIRRORS", "/work/.mirror"),
        "DBAUDIT": os.environ.get("DBAUDIT", "target/release/dbaudit"),
        "OUT": os.environ.get("OUT", "/tmp/dbaudit-accuracy"),
    }
    manifest = load_manifest()
    if args.command == "split":
        return cmd_split(manifest)
    if cmd_split_quiet(manifest):
        return 2
    manifest = dict(manifest, repo=selected(manifest, args.kind, args.batch))
    if args.command in ("scan", "run"):
        cmd_scan(manifest, env)
    if args.command in ("report", "run"):
        return cmd_report(manifest, env, args.min_confidence)
    if args.command == "sample":
        return cmd_sample(manifest, env, args.per, args.seed, args.repo)
    if args.command == "agreement":
        return cmd_agreement(manifest)
    return 0


def cmd_split_quiet(manifest):
    want = expected_split(manifest)
    bad = [r["name"] for r in manifest["repo"] if want[r["name"]] != r["half"]]
    if bad:
        print("manifest half disagrees with the split rule for: " + ", ".join(bad), file=sys.stderr)
    return bool(bad)


if __name__ == "__main__":
    sys.exit(main())
