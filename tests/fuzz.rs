//! Property tests: no input, however malformed, makes the decoder, the batch splitter,
//! the structure parsers or the rules panic.

use dbaudit::config::Config;
use dbaudit::scan::scan_text;
use dbaudit::source::decode;
use dbaudit::sql::batch::split_batches;
use dbaudit::sql::SqlDialect;
use proptest::prelude::*;

/// Fragments that stress the parsers: keywords that open and close blocks, unbalanced
/// brackets and quotes, dollar quotes, GO lines, placeholders, comments.
const FRAGMENTS: &[&str] = &[
    "CREATE",
    "OR",
    "ALTER",
    "REPLACE",
    "PROCEDURE",
    "PROC",
    "FUNCTION",
    "TRIGGER",
    "VIEW",
    "AS",
    "BEGIN",
    "END",
    "TRY",
    "CATCH",
    "IF",
    "ELSE",
    "WHILE",
    "CASE",
    "WHEN",
    "THEN",
    "SELECT",
    "*",
    "FROM",
    "WHERE",
    "JOIN",
    "ON",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "MERGE",
    "USING",
    "EXEC",
    "DECLARE",
    "CURSOR",
    "FOR",
    "OPEN",
    "FETCH",
    "NEXT",
    "CLOSE",
    "LOOP",
    "FOREACH",
    "IN",
    "EXISTS",
    "LIKE",
    "'%x'",
    "N'y'",
    "'",
    "\"",
    "[",
    "]",
    "(",
    ")",
    ",",
    ";",
    ".",
    "=",
    "<",
    ">",
    "+",
    "||",
    "::",
    "$$",
    "$fn$",
    "$1",
    "@x",
    "@@FETCH_STATUS",
    "#tmp",
    "{databaseOwner}",
    "{",
    "}",
    "/*",
    "*/",
    "--",
    "\n",
    "\nGO\n",
    "\nGO 5\n",
    "LANGUAGE",
    "plpgsql",
    "sql",
    "DO",
    "RETURNS",
    "TABLE",
    "RETURN",
    "QUERY",
    "WITH",
    "cte",
    "YEAR(",
    "ISNULL(",
    "a.b",
    "t",
    "x",
    "1",
    "..",
    "<<lbl>>",
    "ATOMIC",
    "EXCEPTION",
    "ELSIF",
    "REVERSE",
    "ARRAY",
    "TOP",
    "(5)",
    "ORDER",
    "BY",
    "GROUP",
    "UNION",
];

fn sqlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..200).prop_map(|parts| parts.join(" "))
}

fn scan_both(text: &str) {
    let config = Config::default();
    for dialect in [None, Some(SqlDialect::Tsql), Some(SqlDialect::Postgres)] {
        // Errors are allowed (none are expected); panics are not.
        let _ = scan_text("fuzz.sql", text, dialect, &config);
    }
}

/// Application-source fragments: every adapter must survive them.
const APP_FRAGMENTS: &[&str] = &[
    "class",
    "C",
    "{",
    "}",
    "(",
    ")",
    ";",
    "void",
    "M",
    "def",
    "f",
    ":",
    "\n",
    "    ",
    "for",
    "foreach",
    "in",
    "of",
    "while",
    "var",
    "x",
    "=",
    "await",
    "async",
    "using",
    "with",
    "as",
    "try",
    "finally",
    "catch",
    "return",
    "new",
    "SqlConnection",
    "conn",
    ".",
    "Open",
    "ExecuteReader",
    "query",
    "execute",
    "cursor",
    "forEach",
    "map",
    "=>",
    "lambda",
    "\"SELECT * FROM t WHERE a = \"",
    "+",
    "`SELECT ${x} FROM t`",
    "f\"SELECT {x} FROM t\"",
    "'",
    "\"",
    "\"\"\"",
    "/*",
    "*/",
    "//",
    "#",
    "@",
    "[",
    "]",
    "<",
    ">",
    ",",
    "public",
    "static",
    "import",
    "from",
    "require(\"pg\")",
    "Pool",
];

fn appish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(APP_FRAGMENTS), 0..200)
        .prop_map(|parts| parts.join(" "))
}

fn scan_app(text: &str) {
    let config = Config::default();
    for name in ["f.cs", "f.js", "f.ts", "f.tsx", "f.py", "f.java"] {
        let _ = scan_text(name, text, None, &config);
    }
}

proptest! {
    // PROPTEST_CASES raises the count for a longer local fuzzing session.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(600)
    ))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(decoded) = decode(&bytes) {
            scan_both(&decoded.text);
        }
    }

    #[test]
    fn sql_fragments_never_panic(text in sqlish()) {
        scan_both(&text);
    }

    #[test]
    fn application_fragments_never_panic(text in appish()) {
        scan_app(&text);
    }

    #[test]
    fn arbitrary_bytes_in_application_files_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
        if let Ok(decoded) = decode(&bytes) {
            scan_app(&decoded.text);
        }
    }

    #[test]
    fn batches_are_ordered_and_inside_the_text(text in "(\\PC|\n|GO\n|/\\*|\\*/|'){0,300}") {
        let batches = split_batches(&text);
        let mut previous_end = 0;
        for batch in batches {
            prop_assert!(batch.start >= previous_end);
            prop_assert!(batch.start <= batch.end && batch.end <= text.len());
            prop_assert!(text.is_char_boundary(batch.start) && text.is_char_boundary(batch.end));
            previous_end = batch.end;
        }
    }
}

/// Deeply nested application source, scanned by the binary: the walks run on the scan's
/// worker threads (JavaScript directly, no thread of its own) and must stay within their
/// stacks, in debug builds too.
#[test]
fn ten_thousand_deep_nesting_on_the_worker_pool() {
    let n = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let open = |s: &str| s.repeat(n);
    let files = [
        (
            "a.js",
            format!(
                "const x = {}1{};\nfunction f() {{ return {}db.query('SELECT 1 FROM t'){}; }}\n",
                open("["),
                open("]"),
                open("("),
                open(")")
            ),
        ),
        (
            "b.ts",
            format!(
                "let y = {}x{};\n{}db.query('SELECT * FROM t'){}\n",
                open("f("),
                open(")"),
                open("if (a) {"),
                open("}")
            ),
        ),
        (
            "c.js",
            format!("x = a{}{};\n", open(".b(c => c"), open(")")),
        ),
        (
            "d.cs",
            format!(
                "class A {{ void M() {{ var x = {}1{}; }} }}",
                open("("),
                open(")")
            ),
        ),
        (
            "e.java",
            format!(
                "class A {{ void m() {{ int x = {}1{}; }} }}",
                open("("),
                open(")")
            ),
        ),
        ("f.py", format!("x = {}1{}\n", open("["), open("]"))),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbaudit"))
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
