//! Application-source rules on fixture repositories: `fixtures/app/<language>/<case>/` is
//! a small repository (several files, so that query methods resolve across files); every
//! expected finding is marked on its line with a comment `expect: <rule>[, <rule>]`. Each
//! `<rule>` case has its `<rule>_ok` twin of look-alikes that must stay silent.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dbaudit::config::Config;
use dbaudit::scan::{run, ScanOptions};

fn cases(language: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/app")
        .join(language);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

fn expected(case: &Path) -> BTreeSet<(String, u32, String)> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(case).unwrap().filter_map(|e| e.ok()) {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            // `expect-above:` marks the line before: a finding inside a multi-line string,
            // where no comment can stand.
            let (at, len, line_no) = match (line.find("expect-above:"), line.find("expect:")) {
                (Some(at), _) => (at, 13, i as u32),
                (None, Some(at)) => (at, 7, i as u32 + 1),
                _ => continue,
            };
            for rule in line[at + len..].split(',') {
                let rule = rule.trim().trim_end_matches("*/").trim();
                if !rule.is_empty() {
                    out.insert((name.clone(), line_no, rule.to_string()));
                }
            }
        }
    }
    out
}

/// Scans one directory as application code, every finding kept.
fn scan_dir(path: &Path) -> anyhow::Result<dbaudit::model::ScanReport> {
    let options = ScanOptions {
        paths: vec![path.to_path_buf()],
        dialect: None,
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: true,
        app: true,
    };
    run(&options, &Config::default())
}

/// The file name of a finding's location.
fn file_name(finding: &dbaudit::model::Finding) -> String {
    Path::new(finding.location.file.as_deref().unwrap_or(""))
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string()
}

fn check_language(language: &str) {
    let cases = cases(language);
    if cases.is_empty() {
        eprintln!("no fixtures for {language} yet");
        return;
    }
    let mut failures = Vec::new();
    for case in &cases {
        let report = match scan_dir(case) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: scan failed: {e:#}", case.display()));
                continue;
            }
        };
        let actual: BTreeSet<(String, u32, String)> = report
            .findings
            .iter()
            .map(|f| (file_name(f), f.location.line.unwrap_or(0), f.rule.clone()))
            .collect();
        let want = expected(case);
        let case_name = case.file_name().unwrap().to_string_lossy().to_string();
        for missing in want.difference(&actual) {
            failures.push(format!("{language}/{case_name}: missing {missing:?}"));
        }
        for extra in actual.difference(&want) {
            let message = report
                .findings
                .iter()
                .find(|f| f.location.line == Some(extra.1) && f.rule == extra.2)
                .map(|f| f.message.clone())
                .unwrap_or_default();
            failures.push(format!(
                "{language}/{case_name}: unexpected {extra:?}: {message}"
            ));
        }
        for finding in &report.findings {
            assert!(
                !finding.message.is_empty()
                    && !finding.recommendation.is_empty()
                    && !finding.fingerprint.is_empty()
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn csharp() {
    check_language("csharp");
}

#[test]
fn javascript() {
    check_language("javascript");
}

#[test]
fn typescript() {
    check_language("typescript");
}

#[test]
fn python() {
    check_language("python");
}

#[test]
fn java() {
    check_language("java");
}

/// `query-in-loop`'s confidence follows what the loop walks: in
/// `fixtures/app/<language>/query-in-loop-shapes/`, each finding's line says `shape:
/// <level>` (high: per element of a collection; low: polling, a fixed set, chunks; medium:
/// a condition loop, a call that uses no loop variable).
#[test]
fn query_in_loop_confidence_follows_what_the_loop_walks() {
    let mut failures = Vec::new();
    for language in ["csharp", "java", "python", "javascript"] {
        let case = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/app")
            .join(language)
            .join("query-in-loop-shapes");
        let mut want = BTreeSet::new();
        for entry in std::fs::read_dir(&case).unwrap().filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().to_string();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for (i, line) in text.lines().enumerate() {
                if let Some(at) = line.find("shape: ") {
                    let level: String = line[at + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic())
                        .collect();
                    want.insert((name.clone(), i as u32 + 1, level));
                }
            }
        }
        let report = scan_dir(&case).unwrap();
        let got: BTreeSet<(String, u32, String)> = report
            .findings
            .iter()
            .filter(|f| f.rule == "query-in-loop")
            .map(|f| {
                let level = f.confidence.level.as_str().to_string();
                (file_name(f), f.location.line.unwrap_or(0), level)
            })
            .collect();
        for missing in want.difference(&got) {
            failures.push(format!("{language}: expected {missing:?}"));
        }
        for extra in got.difference(&want) {
            failures.push(format!("{language}: got {extra:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Precision findings from real repositories, reduced to snippets.
#[test]
fn receivers_must_plausibly_mean_the_repository_function() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("db.js"),
        "function exec(sql) { return pool.query(sql); }\nmodule.exports = { exec };\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("parse.js"),
        "function scan(patterns, text) {\n  const out = [];\n  for (let i = 0; i < patterns.length; i++) {\n    out.push(patterns[i].exec(text));\n  }\n  return out;\n}\nasync function save(items) {\n  for (const item of items) {\n    await db.exec(item);\n  }\n}\nasync function tx(client) {\n  for (const x of [1, 2]) {\n    await client.query('BEGIN');\n  }\n}\n",
    )
    .unwrap();
    let options = ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        dialect: None,
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: true,
        app: true,
    };
    let report = run(&options, &Config::default()).unwrap();
    let lines: Vec<(u32, &str)> = report
        .findings
        .iter()
        .map(|f| (f.location.line.unwrap_or(0), f.rule.as_str()))
        .collect();
    // `patterns[i].exec` is a RegExp, not db.js's exec; `db.exec` is; BEGIN is session control.
    assert_eq!(lines, vec![(10, "query-in-loop")], "{lines:?}");
}

#[test]
fn nested_loops_over_queries_report_the_inner_call_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("forms.js"),
        "async function copy(pool) {\n  const { rows: forms } = await pool.query('SELECT id FROM forms');\n  for (const form of forms) {\n    const { rows: fields } = await pool.query('SELECT id FROM fields WHERE form_id = $1', [form.id]);\n    for (const field of fields) {\n      await pool.query('INSERT INTO field_copies (field_id) VALUES ($1)', [field.id]);\n    }\n  }\n}\n",
    )
    .unwrap();
    let options = ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        dialect: None,
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: true,
        app: true,
    };
    let report = run(&options, &Config::default()).unwrap();
    let lines: Vec<(u32, &str)> = report
        .findings
        .iter()
        .map(|f| (f.location.line.unwrap_or(0), f.rule.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![(4, "n-plus-one"), (6, "n-plus-one")],
        "{lines:?}"
    );
}

/// What a scan of `path` finds: (file below `fixtures/test-code/`, line, rule), and the
/// count of application files scanned and of those that were test code.
fn findings_and_test_files(
    path: PathBuf,
    test_code: dbaudit::config::TestCode,
) -> (BTreeSet<(String, u32, String)>, usize, usize) {
    let mut config = Config::default();
    config.scan.test_code = test_code;
    let options = ScanOptions {
        paths: vec![path],
        dialect: None,
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: true,
        app: true,
    };
    let report = run(&options, &config).expect("the fixture scans");
    let found = report
        .findings
        .iter()
        .map(|f| {
            let file = f.location.file.clone().unwrap_or_default();
            let file = file
                .split_once("fixtures/test-code/")
                .map_or(file.clone(), |(_, below)| below.to_string());
            (file, f.location.line.unwrap_or(0), f.rule.clone())
        })
        .collect();
    let summary = &report.summary;
    (found, summary.app_files_scanned, summary.app_test_files)
}

/// Test code (`tests/`, `*.spec.ts`, `Orders.UnitTests/`) gets the security rules only by
/// default, and is counted; `test_code = "all"` runs every rule on it.
#[test]
fn test_code_gets_the_security_rules_only() {
    use dbaudit::config::TestCode;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/test-code");
    let finding = |file: &str, line: u32, rule: &str| (file.to_string(), line, rule.to_string());
    let production_and_secret = BTreeSet::from([
        finding("orders.py", 4, "query-in-loop"),
        finding("tests/test_orders.py", 3, "hardcoded-credentials"),
    ]);
    let (found, app_files, test_files) = findings_and_test_files(root.clone(), TestCode::Security);
    assert_eq!(found, production_and_secret);
    assert_eq!((app_files, test_files), (4, 3));

    let (found, app_files, test_files) = findings_and_test_files(root.clone(), TestCode::All);
    let mut everything = production_and_secret.clone();
    everything.extend([
        finding("tests/test_orders.py", 9, "query-in-loop"),
        finding("web/orders.spec.ts", 7, "query-in-loop"),
        finding(
            "Orders.UnitTests/OrderQueriesTest.cs",
            7,
            "undisposed-connection",
        ),
    ]);
    assert_eq!(found, everything);
    assert_eq!((app_files, test_files), (4, 0));

    // One file named on the command line is scanned as code, whatever its name.
    let one = root.join("tests/test_orders.py");
    let (found, _, test_files) = findings_and_test_files(one, TestCode::Security);
    assert!(
        found.iter().any(|f| f.2 == "query-in-loop"),
        "the named file gets every rule: {found:?}"
    );
    assert_eq!(test_files, 0);
}

/// The reference for moving the languages onto one analysis core (issue #17): every
/// finding of every fixture case of one language, as `case/file:line:column rule
/// [confidence] message`, with the fixture root taken out of the messages. Each step of the
/// move shows in this snapshot's diff exactly which findings changed, and the commit says
/// why each change is intended.
fn reference(language: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/app")
        .join(language);
    let root_text = format!("{}/", root.display());
    let mut lines = Vec::new();
    for case in cases(language) {
        let options = ScanOptions {
            paths: vec![case.clone()],
            dialect: None,
            include: Vec::new(),
            exclude: Vec::new(),
            no_ignore: true,
            app: true,
        };
        let report = run(&options, &Config::default()).expect("the fixture scans");
        for f in &report.findings {
            let file = f.location.file.as_deref().unwrap_or("");
            let file = file.split_once(&root_text).map_or(file, |(_, below)| below);
            let mut confidence = format!("{:?}", f.confidence.level).to_lowercase();
            if !f.confidence.reasons.is_empty() {
                confidence = format!("{confidence}: {}", f.confidence.reasons.join("; "));
            }
            lines.push(format!(
                "{file}:{}:{} {} [{confidence}] {}",
                f.location.line.unwrap_or(0),
                f.location.column.unwrap_or(0),
                f.rule,
                f.message.replace(&root_text, "")
            ));
        }
    }
    lines.join("\n")
}

/// One snapshot per language (`reference_<language>`); the first language that differs
/// fails the test with its diff.
#[test]
fn reference_findings_of_every_language() {
    for language in ["csharp", "java", "javascript", "typescript", "python"] {
        insta::assert_snapshot!(format!("reference_{language}"), reference(language));
    }
}

/// Scans the files written into a temporary repository: (file name, line, rule,
/// confidence level) of every finding.
fn scan_files(files: &[(&str, &str)]) -> BTreeSet<(String, u32, String, String)> {
    scan_written(files)
        .findings
        .iter()
        .map(|f| {
            (
                file_name(f),
                f.location.line.unwrap_or(0),
                f.rule.clone(),
                f.confidence.level.as_str().to_string(),
            )
        })
        .collect()
}

/// Scans the files written into a temporary repository: the report.
fn scan_written(files: &[(&str, &str)]) -> dbaudit::model::ScanReport {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    scan_dir(dir.path()).unwrap()
}

fn has(
    found: &BTreeSet<(String, u32, String, String)>,
    file: &str,
    line: u32,
    rule: &str,
    level: &str,
) -> bool {
    found.contains(&(file.into(), line, rule.into(), level.into()))
}

/// One-off code (a module named for migrations, a dated backfill script, a Liquibase
/// custom change) runs once per installation: its loops and embedded statements are
/// medium; the same code in an ordinary module stays high.
#[test]
fn one_off_code_by_file_name_and_migration_interface_is_medium() {
    let loop_over_orders = "async function run(pool) {\n  const { rows } = await pool.query('SELECT id FROM orders');\n  for (const o of rows) {\n    await pool.query('SELECT sum(amount) FROM order_lines WHERE order_id = $1', [o.id]);\n  }\n}\nmodule.exports = { run };\n";
    let java_star = |class: &str, base: &str| {
        format!("import java.sql.*;\npublic class {class}{base} {{\n    public void execute(Connection connection) throws SQLException {{\n        Statement stmt = connection.createStatement();\n        ResultSet rs = stmt.executeQuery(\"SELECT * FROM cohort_member\");\n        rs.close();\n    }}\n}}\n")
    };
    let liquibase = java_star("FillMemberIds", " implements CustomTaskChange");
    let report = java_star("MemberReport", " implements Serializable");
    // The tables hold a large object, so the ordinary module's `SELECT *` is high.
    let found = scan_files(&[
        (
            "db/schema.sql",
            "CREATE TABLE orders (id int PRIMARY KEY, receipt bytea);\nCREATE TABLE cohort_member (id int PRIMARY KEY, photo BLOB);\n",
        ),
        ("scripts/20240101-backfill-totals.js", loop_over_orders),
        ("server/orders.js", loop_over_orders),
        ("core/migrations.py", "async def m002_copy_orders(db):\n    rows = await db.fetchall(\"SELECT * FROM orders\")\n    return rows\n"),
        ("core/crud.py", "async def get_orders(db):\n    rows = await db.fetchall(\"SELECT * FROM orders\")\n    return rows\n"),
        ("FillMemberIds.java", &liquibase),
        ("MemberReport.java", &report),
    ]);
    let want = [
        ("20240101-backfill-totals.js", 4, "n-plus-one", "medium"),
        ("orders.js", 4, "n-plus-one", "high"),
        ("migrations.py", 2, "select-star", "medium"),
        ("crud.py", 2, "select-star", "high"),
        ("FillMemberIds.java", 5, "select-star", "medium"),
        ("MemberReport.java", 5, "select-star", "high"),
    ];
    for (file, line, rule, level) in want {
        assert!(
            has(&found, file, line, rule, level),
            "expected {file}:{line} {rule} {level} in {found:?}"
        );
    }
}

/// A SQLite file opened in process holds no server session or pool slot: a connection
/// left open is medium; the same code on a server driver stays high.
#[test]
fn in_process_sqlite_connections_are_medium() {
    let found = scan_files(&[(
        "store.py",
        "import sqlite3\nimport psycopg2\n\ndef check_file(path):\n    conn = sqlite3.connect(path)\n    conn.execute(\"SELECT 1\")\n    return True\n\ndef count_orders(dsn):\n    conn = psycopg2.connect(dsn)\n    cur = conn.cursor()\n    cur.execute(\"SELECT count(*) FROM orders\")\n    return cur.fetchone()\n\ndef validate(path):\n    conn = sqlite3.connect(path)\n    conn.execute(\"SELECT version FROM meta\")\n    conn.close()\n    return True\n",
    )]);
    assert!(
        has(&found, "store.py", 5, "undisposed-connection", "medium"),
        "{found:?}"
    );
    assert!(
        has(&found, "store.py", 10, "undisposed-connection", "high"),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "store.py",
            16,
            "connection-leak-on-exception",
            "medium"
        ),
        "{found:?}"
    );
}

/// A callee's loop defined in another file is a related place in that file, in the JSON and
/// in SARIF's `relatedLocations`: a code-scanning viewer must not point at a line of the
/// caller's file that has nothing to do with it.
#[test]
fn a_callee_in_another_file_is_related_in_its_own_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/app/java/n-plus-one");
    let report = scan_dir(&dir).unwrap();
    let finding = report
        .findings
        .iter()
        .find(|f| {
            f.rule == "n-plus-one"
                && file_name(f) == "BadgeReport.java"
                && f.location.line == Some(17)
        })
        .expect("the call handing a query's rows to BadgeDao.printBadgeCounts is reported");
    let related = &finding.evidence.related;
    let in_callee: Vec<_> = related
        .iter()
        .filter(|r| r.text.contains("in the callee"))
        .collect();
    assert_eq!(in_callee.len(), 2, "{related:?}");
    for r in &in_callee {
        let file = r.file.as_deref().expect("the callee's file is named");
        assert!(file.ends_with("BadgeDao.java"), "{r:?}");
    }
    // The outer query is in the caller's own function: no file of its own.
    assert!(related
        .iter()
        .any(|r| r.text.starts_with("outer query") && r.file.is_none()));

    let mut sarif = Vec::new();
    dbaudit::report::sarif::write(&report, None, &mut sarif).unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&sarif).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == finding.code.as_str()
                && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 17
        })
        .expect("the finding is a SARIF result");
    let uris: Vec<&str> = result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris.len(), 3, "{uris:?}");
    assert!(uris[0].ends_with("BadgeReport.java"), "{uris:?}");
    assert!(
        uris[1..].iter().all(|u| u.ends_with("BadgeDao.java")),
        "{uris:?}"
    );
}

/// A per-item call whose query is reached only through a cache (a map the class fills
/// after a miss, a `Cache` field, a project class wrapping one, `@Cacheable`) runs the
/// query once per key: medium, with the cache named. Look-alikes stay high: a map the
/// class only reads (a table, not a cache), a cache read after the query, a project
/// class whose lookup reads no cache, the loop's item itself handed over as the key
/// (every item misses), a write after the lookup (it runs every time).
#[test]
fn n_plus_one_through_a_cache_is_medium() {
    let dao = "import java.util.List;\nimport org.springframework.jdbc.core.JdbcTemplate;\n\npublic class TariffDao {\n    private final JdbcTemplate jdbc;\n    public TariffDao(JdbcTemplate jdbc) { this.jdbc = jdbc; }\n    public List<Long> shipmentIds() {\n        return jdbc.queryForList(\"SELECT id FROM shipments\", Long.class);\n    }\n    public Integer rateFor(String zone) {\n        return jdbc.queryForObject(\"SELECT rate FROM tariffs WHERE zone = ?\", Integer.class, zone);\n    }\n    public List<String> zoneNames() {\n        return jdbc.queryForList(\"SELECT zone FROM tariffs\", String.class);\n    }\n    public void dropRate(String zone) {\n        jdbc.update(\"DELETE FROM tariffs WHERE zone = ?\", zone);\n    }\n}\n";
    let stores = "import java.util.ArrayList;\nimport java.util.List;\nimport com.github.benmanes.caffeine.cache.Cache;\n\npublic class ZoneStore {\n    private final Cache<String, Integer> zones;\n    public ZoneStore(Cache<String, Integer> zones) { this.zones = zones; }\n    Integer get(String zone) { return zones.getIfPresent(zone); }\n    void add(String zone, Integer rate) { zones.put(zone, rate); }\n}\n\nclass ZoneLog {\n    private final List<String> seen = new ArrayList<>();\n    Integer get(String zone) { return seen.indexOf(zone); }\n    void add(String zone, Integer rate) { seen.add(zone); }\n}\n";
    let service = "import java.util.HashMap;\nimport java.util.List;\nimport java.util.Map;\nimport java.util.concurrent.ConcurrentHashMap;\nimport org.springframework.cache.annotation.Cacheable;\n\npublic class TariffService {\n    private final TariffDao dao;\n    private final ZoneStore store;\n    private final ZoneLog log;\n    private final Map<String, Integer> ratesByZone = new ConcurrentHashMap<>();\n    private final Map<String, String> aliases = new HashMap<>();\n\n    public TariffService(TariffDao dao, ZoneStore store, ZoneLog log) {\n        this.dao = dao;\n        this.store = store;\n        this.log = log;\n    }\n\n    public Integer memoRate(String zone) {\n        Integer rate = ratesByZone.get(zone);\n        if (rate == null) {\n            rate = dao.rateFor(zone);\n            ratesByZone.put(zone, rate);\n        }\n        return rate;\n    }\n\n    public Integer aliasRate(String zone) {\n        String alias = aliases.get(zone);\n        return dao.rateFor(alias == null ? zone : alias);\n    }\n\n    public Integer lateRate(String zone) {\n        Integer rate = dao.rateFor(zone);\n        ratesByZone.put(zone, rate);\n        return ratesByZone.get(zone);\n    }\n\n    public Integer storedRate(String zone) {\n        Integer rate = store.get(zone);\n        if (rate == null) {\n            rate = dao.rateFor(zone);\n            store.add(zone, rate);\n        }\n        return rate;\n    }\n\n    public Integer loggedRate(String zone) {\n        Integer seen = log.get(zone);\n        Integer rate = dao.rateFor(zone);\n        log.add(zone, rate);\n        return rate;\n    }\n\n    @Cacheable(\"tariffs\")\n    public Integer publishedRate(String zone) {\n        return dao.rateFor(zone);\n    }\n\n    public void priceAll() {\n        for (Long id : dao.shipmentIds()) {\n            memoRate(\"z\" + id);\n            aliasRate(\"z\" + id);\n            lateRate(\"z\" + id);\n            storedRate(\"z\" + id);\n            loggedRate(\"z\" + id);\n            publishedRate(\"z\" + id);\n        }\n    }\n\n    public void forgetRate(String zone) {\n        Integer rate = ratesByZone.get(zone);\n        if (rate != null) {\n            ratesByZone.remove(zone);\n            dao.dropRate(zone);\n        }\n    }\n\n    public void warmAll() {\n        for (String zone : dao.zoneNames()) {\n            memoRate(zone);\n            forgetRate(\"z\" + zone);\n        }\n    }\n}\n";
    let found = scan_files(&[
        ("TariffDao.java", dao),
        ("ZoneStore.java", stores),
        ("TariffService.java", service),
    ]);
    let want = [
        (63, "medium"), // memoRate: a map filled after a miss
        (64, "high"),   // aliasRate: a map only read is a table
        (65, "high"),   // lateRate: the cache is read after the query
        (66, "medium"), // storedRate: a project class wrapping a Cache
        (67, "high"),   // loggedRate: a project class whose lookup reads no cache
        (68, "medium"), // publishedRate: @Cacheable
        (82, "high"),   // memoRate(zone) over zone names: each item is its own key
        (83, "medium"), // forgetRate: a write for the row (not the cache: it runs every time)
    ];
    for (line, level) in want {
        assert!(
            has(&found, "TariffService.java", line, "n-plus-one", level),
            "expected TariffService.java:{line} n-plus-one {level} in {found:?}"
        );
    }
    // The write after the lookup is not served by the cache: the only reason is the write.
    let report = scan_written(&[
        ("TariffDao.java", dao),
        ("ZoneStore.java", stores),
        ("TariffService.java", service),
    ]);
    let forget = report
        .findings
        .iter()
        .find(|f| f.rule == "n-plus-one" && f.location.line == Some(83))
        .expect("the finding at line 83");
    assert!(
        forget.confidence.reasons.len() == 1
            && forget.confidence.reasons[0].contains("writes")
            && !forget.confidence.reasons[0].contains("cache"),
        "{:?}",
        forget.confidence.reasons
    );
}

/// The repository rules know a class's bases too: a per-row lookup in a Liquibase custom
/// change (one-off upgrade code by the interface it implements) is medium; the same code
/// in an ordinary class stays high.
#[test]
fn n_plus_one_in_a_migration_interface_is_medium() {
    let java = |class: &str, base: &str| {
        format!("import java.sql.*;\n\npublic class {class} implements {base} {{\n    public void execute(Connection connection) throws SQLException {{\n        Statement stmt = connection.createStatement();\n        ResultSet rs = stmt.executeQuery(\"SELECT id FROM drug\");\n        while (rs.next()) {{\n            codeOf(connection, rs.getInt(1));\n        }}\n    }}\n\n    private String codeOf(Connection connection, int id) throws SQLException {{\n        PreparedStatement ps = connection.prepareStatement(\"SELECT code FROM drug_code WHERE drug_id = ?\");\n        ps.setInt(1, id);\n        ResultSet rs = ps.executeQuery();\n        return rs.next() ? rs.getString(1) : null;\n    }}\n}}\n")
    };
    let found = scan_files(&[
        (
            "FillDrugCodes.java",
            &java("FillDrugCodes", "CustomTaskChange"),
        ),
        (
            "DrugCodeReport.java",
            &java("DrugCodeReport", "Serializable"),
        ),
    ]);
    assert!(
        has(&found, "FillDrugCodes.java", 8, "n-plus-one", "medium"),
        "{found:?}"
    );
    assert!(
        has(&found, "DrugCodeReport.java", 8, "n-plus-one", "high"),
        "{found:?}"
    );
}

/// A `SELECT *` in application code is mapped into the application's own objects, which
/// may use every column: medium, except where a table it reads is declared (in a SQL file
/// or a `CREATE TABLE` string of the application, a blob type filled in at run time
/// included) with a large object column. Each language, with a look-alike over a table
/// without one (or not declared at all).
#[test]
fn embedded_select_star_is_high_only_over_a_declared_large_object_column() {
    let found = scan_files(&[
        (
            "db/schema.sql",
            "CREATE TABLE dbo.Invoices (Id int PRIMARY KEY, Number varchar(20), Scan varbinary(max) NOT NULL);\nCREATE TABLE dbo.Currencies (Code char(3) PRIMARY KEY, Name varchar(40));\nCREATE TABLE attachments (id int PRIMARY KEY, body CLOB);\nCREATE TABLE labels (id int PRIMARY KEY, caption varchar(4000));\n",
        ),
        (
            "InvoiceStore.cs",
            "using Dapper;\nusing System.Data.SqlClient;\npublic class InvoiceStore {\n    private readonly string cs;\n    public Invoice Find(int id) { using var c = new SqlConnection(cs); return c.QueryFirst<Invoice>(\"SELECT * FROM dbo.Invoices WHERE Id = @id\", new { id }); }\n    public Currency Rate(string code) { using var c = new SqlConnection(cs); return c.QueryFirst<Currency>(\"SELECT * FROM Currencies WHERE Code = @code\", new { code }); }\n}\n",
        ),
        (
            "Attachments.java",
            "import java.sql.*;\npublic class Attachments {\n    public void read(Connection connection) throws SQLException {\n        Statement stmt = connection.createStatement();\n        ResultSet a = stmt.executeQuery(\"SELECT * FROM attachments\");\n        ResultSet b = stmt.executeQuery(\"SELECT * FROM labels\");\n        a.close();\n        b.close();\n    }\n}\n",
        ),
        (
            "core/migrations.py",
            "async def m001_tables(db):\n    await db.execute(\n        f\"CREATE TABLE IF NOT EXISTS photos (id TEXT PRIMARY KEY, owner TEXT, image {db.blob} NOT NULL, taken {db.timestamp_now})\"\n    )\n    await db.execute(\"CREATE TABLE IF NOT EXISTS albums (id TEXT PRIMARY KEY, title TEXT)\")\n",
        ),
        (
            "core/crud.py",
            "async def get_photo(db, photo_id):\n    return await db.fetchone(\"SELECT * FROM photos WHERE id = :id\", {\"id\": photo_id})\n\n\nasync def get_album(db, album_id):\n    return await db.fetchone(\"SELECT * FROM albums WHERE id = :id\", {\"id\": album_id})\n\n\nasync def get_owner(db, owner_id):\n    return await db.fetchone(\"SELECT * FROM owners WHERE id = :id\", {\"id\": owner_id})\n",
        ),
        (
            "server/photos.js",
            "async function withAlbum(pool, id) {\n  return pool.query('SELECT * FROM photos p JOIN albums a ON a.id = p.album_id WHERE p.id = $1', [id]);\n}\nasync function album(pool, id) {\n  return pool.query('SELECT * FROM albums WHERE id = $1', [id]);\n}\nmodule.exports = { withAlbum, album };\n",
        ),
    ]);
    let want = [
        ("InvoiceStore.cs", 5, "high"),
        ("InvoiceStore.cs", 6, "medium"),
        ("Attachments.java", 5, "high"),
        ("Attachments.java", 6, "medium"),
        ("crud.py", 2, "high"),
        ("crud.py", 6, "medium"),
        ("crud.py", 10, "medium"),
        ("photos.js", 2, "high"),
        ("photos.js", 5, "medium"),
    ];
    for (file, line, level) in want {
        assert!(
            has(&found, file, line, "select-star", level),
            "expected {file}:{line} select-star {level} in {found:?}"
        );
    }
    // The DDL strings themselves are no finding, and a SQL file's star is judged as before.
    assert!(
        !found
            .iter()
            .any(|(file, _, rule, _)| file == "migrations.py" && rule == "select-star"),
        "{found:?}"
    );
}

/// The finding kept high says which declared column is the evidence.
#[test]
fn embedded_select_star_names_the_large_object_column() {
    let report = scan_written(&[
        (
            "schema.sql",
            "CREATE TABLE scans (id int PRIMARY KEY, page bytea);\n",
        ),
        (
            "scans.py",
            "def get_scan(cur, scan_id):\n    cur.execute(\"SELECT * FROM scans WHERE id = %s\", (scan_id,))\n    return cur.fetchone()\n",
        ),
    ]);
    let star = report
        .findings
        .iter()
        .find(|f| f.rule == "select-star")
        .expect("a select-star finding");
    assert_eq!(star.confidence.level.as_str(), "high");
    assert!(
        star.message.ends_with(
            "`scans` is declared with the large object column `page`, fetched on every row"
        ),
        "{}",
        star.message
    );
}

/// A SQL file's `SELECT *` in a procedure keeps its confidence whatever the tables
/// declare: the large-object evidence is for application code only.
#[test]
fn select_star_in_a_sql_file_is_not_judged_by_large_objects() {
    let found = scan_files(&[(
        "procs.sql",
        "CREATE TABLE dbo.Tags (Id int PRIMARY KEY, Label varchar(40));\nGO\nCREATE PROCEDURE dbo.Tags_Get @Id int AS\nSELECT * FROM dbo.Tags WHERE Id = @Id;\n",
    )]);
    assert!(
        has(&found, "procs.sql", 4, "select-star", "high"),
        "{found:?}"
    );
}

/// A loop over the child list of one object the function was given or loaded
/// (`encounter.getObs()`, `person.names`) is bounded by that object, not by a table:
/// query-in-loop is medium there. Look-alikes stay high: a DAO call's result, a list
/// passed in, the children of an outer loop's element.
#[test]
fn a_loop_over_one_objects_children_is_medium() {
    let java = r#"import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

public class VisitWriter {
    private final JdbcTemplate jdbcTemplate;
    private final VisitDao visitDao;

    public VisitWriter(JdbcTemplate jdbcTemplate, VisitDao visitDao) {
        this.jdbcTemplate = jdbcTemplate;
        this.visitDao = visitDao;
    }

    public void closeVisit(Visit visit) {
        for (Note note : visit.getNotes()) {
            jdbcTemplate.update("UPDATE note SET closed = 1 WHERE id = ?", note.getId());
        }
    }

    public void closeLoaded(Long visitId) {
        Visit loaded = visitDao.findVisit(visitId);
        for (Task task : loaded.getTasks()) {
            jdbcTemplate.update("UPDATE task SET closed = 1 WHERE id = ?", task.getId());
        }
    }

    public void closeAllNotes(Patient patient) {
        for (Note note : visitDao.getNotes(patient)) {
            jdbcTemplate.update("UPDATE note SET closed = 1 WHERE id = ?", note.getId());
        }
    }

    public void closeGiven(List<Note> notes) {
        for (Note note : notes) {
            jdbcTemplate.update("UPDATE note SET closed = 1 WHERE id = ?", note.getId());
        }
    }

    public void closeEach(List<Visit> visits) {
        for (Visit each : visits) {
            for (Note note : each.getNotes()) {
                jdbcTemplate.update("UPDATE note SET closed = 1 WHERE id = ?", note.getId());
            }
        }
    }
}
"#;
    let python = "def close_names(conn, person):\n    cur = conn.cursor()\n    for name in person.names:\n        cur.execute(\"UPDATE names SET closed = 1 WHERE id = %s\", (name.id,))\n\n\ndef close_given(conn, names):\n    cur = conn.cursor()\n    for name in names:\n        cur.execute(\"UPDATE names SET closed = 1 WHERE id = %s\", (name.id,))\n";
    let found = scan_files(&[("VisitWriter.java", java), ("people.py", python)]);
    let want = [
        ("VisitWriter.java", 15, "medium"),
        ("VisitWriter.java", 22, "medium"),
        ("VisitWriter.java", 28, "high"),
        ("VisitWriter.java", 34, "high"),
        ("VisitWriter.java", 41, "high"),
        ("people.py", 4, "medium"),
        ("people.py", 10, "high"),
    ];
    for (file, line, level) in want {
        assert!(
            has(&found, file, line, "query-in-loop", level),
            "expected {file}:{line} query-in-loop {level} in {found:?}"
        );
    }
    let found_report = scan_files(&[("VisitWriter.java", java)]);
    assert_eq!(
        found_report
            .iter()
            .filter(|f| f.2 == "query-in-loop")
            .count(),
        5,
        "{found_report:?}"
    );
}

/// `n-plus-one` at `high` needs the body to fetch something per row (issue #17, dev half):
/// a per-row write of the row itself (a method named for a write handed the loop's item,
/// or a statement that writes) is row-by-row processing, medium; so is a loop over a
/// configuration list and one in start-up code. The look-alikes stay high: a read per
/// row, a write that takes nothing of the row, the same loop in an ordinary function.
#[test]
fn n_plus_one_is_high_only_for_a_read_per_row_of_data() {
    let dao = r#"import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

public class InvoiceDao {
    private final JdbcTemplate jdbc;
    public InvoiceDao(JdbcTemplate jdbc) { this.jdbc = jdbc; }
    public List<Invoice> findOverdue() {
        return jdbc.query("SELECT id, customer_id FROM invoice WHERE due < now()", new InvoiceMapper());
    }
    public List<String> getEnabledSettingNames() {
        return jdbc.queryForList("SELECT name FROM app_setting WHERE enabled", String.class);
    }
    public Customer customerOf(Invoice invoice) {
        return jdbc.queryForObject("SELECT * FROM customer WHERE id = ?", new CustomerMapper(), invoice.getCustomerId());
    }
    public String valueOf(String name) {
        return jdbc.queryForObject("SELECT value FROM app_setting WHERE name = ?", String.class, name);
    }
    public void saveInvoice(Invoice invoice) {
        jdbc.update("UPDATE invoice SET state = ? WHERE id = ?", invoice.getState(), invoice.getId());
    }
    public void deleteReminders(Customer customer) {
        jdbc.update("DELETE FROM reminder WHERE customer_id = ?", customer.getId());
    }
}
"#;
    let service = r#"import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

public class InvoiceService {
    private final InvoiceDao dao;
    private final JdbcTemplate jdbc;
    public InvoiceService(InvoiceDao dao, JdbcTemplate jdbc) { this.dao = dao; this.jdbc = jdbc; }

    public void archiveOverdue() {
        for (Invoice invoice : dao.findOverdue()) {
            dao.saveInvoice(invoice);
            jdbc.update("UPDATE invoice SET archived = 1 WHERE id = ?", invoice.getId());
        }
    }

    public void remindOverdue(Customer customer) {
        for (Invoice invoice : dao.findOverdue()) {
            dao.customerOf(invoice);
            dao.deleteReminders(customer);
        }
    }

    public void onStartup() {
        for (Invoice invoice : dao.findOverdue()) {
            dao.customerOf(invoice);
        }
    }

    public void printSettings() {
        for (String name : dao.getEnabledSettingNames()) {
            dao.valueOf(name);
        }
    }
}
"#;
    let python = r#"from models import Upload, db


def delete_upload(upload_id):
    upload = Upload.query.filter_by(id=upload_id).first_or_404()
    db.session.delete(upload)
    db.session.commit()


def owner_of(upload_id):
    return Upload.query.filter_by(id=upload_id).first().owner


def purge_uploads():
    for upload in Upload.query.all():
        delete_upload(upload.id)


def upload_owners():
    for upload in Upload.query.all():
        owner_of(upload.id)


def mark_seen(conn):
    cur = conn.cursor()
    for (device_id,) in cur.execute("SELECT device_id FROM device").fetchall():
        cur.execute("UPDATE device SET seen = 1 WHERE device_id = ?", [device_id])
        cur.execute("SELECT name FROM owner WHERE device_id = ?", [device_id])
"#;
    let javascript = "async function closeAll(pool) {\n  const { rows } = await pool.query('SELECT id FROM orders');\n  for (const o of rows) {\n    await pool.query('UPDATE orders SET closed = true WHERE id = $1', [o.id]);\n    await pool.query('SELECT name FROM customer WHERE order_id = $1', [o.id]);\n  }\n}\nmodule.exports = { closeAll };\n";
    let found = scan_files(&[
        ("InvoiceDao.java", dao),
        ("InvoiceService.java", service),
        ("uploads.py", python),
        ("orders.js", javascript),
    ]);
    let want = [
        ("InvoiceService.java", 11, "medium"), // saveInvoice(invoice): writes the row
        ("InvoiceService.java", 12, "medium"), // UPDATE … WHERE id = the row's
        ("InvoiceService.java", 18, "high"),   // customerOf(invoice): a read per row
        ("InvoiceService.java", 19, "high"),   // deleteReminders(customer): not the row
        ("InvoiceService.java", 25, "medium"), // onStartup: start-up code
        ("InvoiceService.java", 31, "medium"), // a configuration list
        ("uploads.py", 16, "medium"),          // delete_upload(upload.id)
        ("uploads.py", 21, "high"),            // owner_of(upload.id)
        ("uploads.py", 27, "medium"),          // UPDATE per row
        ("uploads.py", 28, "high"),            // SELECT per row
        ("orders.js", 4, "medium"),            // UPDATE per row
        ("orders.js", 5, "high"),              // SELECT per row
    ];
    for (file, line, level) in want {
        assert!(
            has(&found, file, line, "n-plus-one", level),
            "expected {file}:{line} n-plus-one {level} in {found:?}"
        );
    }
}

/// A tree walked one query per node (the loop's own query again, or the function the loop
/// is in) is medium, a read per child stays high; an iterator loop that deletes the element
/// it takes off `next()` is medium (the element is a local of the body), one that deletes
/// by something else stays high; in a cursor loop, a value read off the row handed to a
/// write is medium, a write through an object the row loaded, given nothing of the row,
/// stays high (fixtures/app/java/n-plus-one/CategoryService.java).
#[test]
fn n_plus_one_tree_walks_and_iterator_writes_are_medium() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/app/java/n-plus-one");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let service = read("CategoryService.java");
    let dao = read("CategoryDao.java");
    let found = scan_files(&[
        ("CategoryService.java", &service),
        ("CategoryDao.java", &dao),
    ]);
    let want = [
        (14, "medium"), // collect(child, out) inside collect: recursion
        (20, "medium"), // dao.getChildren(child) over dao.getChildren(root)
        (21, "high"),   // dao.countProducts(child): a read per child
        (29, "medium"), // deleteCategory(item), item = items.next()
        (37, "high"),   // deleteDrafts(root): not the element
        (44, "medium"), // tidy(child): its chain ends in a DELETE of the child
        (45, "high"),   // tidy(root): not the element
        (58, "high"),   // dao.byId(rs.getLong(1)): a read per row
        (59, "medium"), // tidy(category): category read off the row, handed to a write
        (61, "high"),   // owner.deleteDrafts(root): a write through an object the row loaded
    ];
    for (line, level) in want {
        assert!(
            has(&found, "CategoryService.java", line, "n-plus-one", level),
            "expected CategoryService.java:{line} n-plus-one {level} in {found:?}"
        );
    }
}

/// `fixtures/app/README.md`'s matrix of issue #17's shapes × language: every cell names
/// fixture files that exist (`P:` a positive with at least one `expect:` line, `L:` a
/// look-alike), or says `n/a` / `gap` with its reason; every shape is covered somewhere.
#[test]
fn matrix_names_existing_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/app");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let (_, rest) = readme.split_once("<!-- matrix -->").unwrap();
    let (table, _) = rest.split_once("<!-- /matrix -->").unwrap();
    let languages = ["csharp", "java", "javascript", "typescript", "python"];
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in table.lines().filter(|l| l.starts_with("| ")).skip(1) {
        // The shape's own text may hold `|` only inside backticks; split after it.
        let cells: Vec<&str> = line.trim_matches('|').rsplitn(6, " | ").collect();
        if cells.len() != 6 {
            failures.push(format!("row without six cells: {line}"));
            continue;
        }
        rows += 1;
        let shape = cells[5].trim();
        let mut covered = false;
        for (language, cell) in languages.iter().zip(cells[..5].iter().rev()) {
            let cell = cell.trim();
            if let Some(reason) = cell
                .strip_prefix("n/a")
                .or_else(|| cell.strip_prefix("gap"))
            {
                if cell.starts_with("gap") && reason.trim_start_matches(':').trim().is_empty() {
                    failures.push(format!("{shape} / {language}: a gap without its reason"));
                }
                continue;
            }
            let mut positives = 0;
            let mut look_alikes = 0;
            for item in cell.split("<br>").map(str::trim) {
                let (kind, path) = match item.split_once(": ") {
                    Some((kind @ ("P" | "L"), path)) => (kind, path.trim()),
                    _ => {
                        failures.push(format!("{shape} / {language}: cannot read `{item}`"));
                        continue;
                    }
                };
                let file = root.join(language).join(path);
                let Ok(text) = std::fs::read_to_string(&file) else {
                    failures.push(format!("{shape} / {language}: no file {path}"));
                    continue;
                };
                if kind == "P" {
                    positives += 1;
                    if !text.contains("expect:") && !text.contains("expect-above:") {
                        failures.push(format!("{shape} / {language}: {path} marks no finding"));
                    }
                } else {
                    look_alikes += 1;
                }
            }
            if positives == 0 || look_alikes == 0 {
                failures.push(format!(
                    "{shape} / {language}: needs a positive and a look-alike"
                ));
            }
            covered = true;
        }
        if !covered {
            failures.push(format!("{shape}: covered in no language"));
        }
    }
    assert!(rows >= 16, "the matrix lists {rows} shapes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A per-row `INSERT` of a new row for each row a query read stays `n-plus-one` at `high`:
/// one `INSERT … SELECT` replaces the loop's round trips. An `UPDATE` of the row the loop is
/// on is row-by-row processing of what the query read: medium, with its reason.
#[test]
fn n_plus_one_insert_per_row_stays_high_an_update_of_the_row_is_medium() {
    let js = r#"const { Pool } = require('pg');
const pool = new Pool();

async function remindAll(ownerId) {
  const { rows } = await pool.query('SELECT id, owner_id FROM bookings WHERE owner_id = $1', [ownerId]);
  for (const row of rows) {
    await pool.query('INSERT INTO reminders (booking_id, kind) VALUES ($1, $2)', [row.id, 'mail']);
  }
}

async function markAll(ownerId) {
  const { rows } = await pool.query('SELECT id FROM bookings WHERE owner_id = $1', [ownerId]);
  for (const row of rows) {
    await pool.query('UPDATE bookings SET reminded = true WHERE id = $1', [row.id]);
  }
}

module.exports = { remindAll, markAll };
"#;
    let found = scan_files(&[("bookings.js", js)]);
    assert!(
        has(&found, "bookings.js", 7, "n-plus-one", "high"),
        "{found:?}"
    );
    assert!(
        has(&found, "bookings.js", 14, "n-plus-one", "medium"),
        "{found:?}"
    );
}
