//! SQL text written for hostile names: every statement dbaudit generates (`engine/`)
//! quotes each name so that it parses as exactly one statement naming exactly that object,
//! and, on a throwaway cluster, every runnable fix text of a live finding and every
//! statement of `indexes.sql` does what it says on a copy of the database.

use dbaudit::engine::{mssql, postgres};
use pg_query::NodeEnum;

use crate::{dbaudit, pg_cluster, HOSTILE_NAMES};

fn one_statement(sql: &str) -> NodeEnum {
    let parsed = pg_query::parse(sql, pg_query::ParserOptions::DEFAULT)
        .unwrap_or_else(|e| panic!("{sql:?} does not parse: {e}"));
    let stmts = &parsed.protobuf.stmts;
    assert_eq!(stmts.len(), 1, "{sql:?} is not one statement");
    stmts[0]
        .stmt
        .as_ref()
        .and_then(|s| s.node.clone())
        .unwrap_or_else(|| panic!("{sql:?}: an empty statement"))
}

#[test]
fn quote_ident_keeps_every_hostile_name_whole() {
    for name in HOSTILE_NAMES
        .iter()
        .chain(&["order", "user", "group", "select"])
    {
        let sql = format!("SELECT 1 AS {}", postgres::quote_ident(name));
        let NodeEnum::SelectStmt(select) = one_statement(&sql) else {
            panic!("{sql:?} is not a SELECT");
        };
        let Some(NodeEnum::ResTarget(target)) = select.target_list[0].node.as_ref() else {
            panic!("{sql:?}: no target");
        };
        assert_eq!(&target.name, name, "{sql:?}");
    }
    let longest = HOSTILE_NAMES.iter().map(|n| n.len()).max().unwrap_or(0);
    assert_eq!(
        longest,
        postgres::MAX_IDENTIFIER_BYTES,
        "a 63-byte name is probed"
    );
}

#[test]
fn every_generated_postgres_statement_is_one_statement_naming_exactly_the_hostile_names() {
    for name in HOSTILE_NAMES {
        let name = name.to_string();
        let cols = vec![name.clone(), "order".to_string()];
        let include = vec![name.clone()];
        let cases: Vec<(String, Vec<&str>)> = vec![
            (
                postgres::create_index_concurrently(&name, &name, &name, &cols, &include),
                vec![&name, &name, &name, &name, "order", &name],
            ),
            (
                postgres::hypothetical_create_index(&name, &name, &cols, &[], &Default::default()),
                vec![&name, &name, &name, "order"],
            ),
            // The shapes (issue 18): a function key, a DESC key, a partial condition.
            (
                postgres::hypothetical_create_index(
                    &name,
                    &name,
                    &cols,
                    &include,
                    &::dbaudit::model::recommendation::IndexShape {
                        descending: vec!["order".to_string()],
                        functions: vec![::dbaudit::model::recommendation::KeyFunction {
                            column: name.clone(),
                            function: "lower".to_string(),
                        }],
                        predicate: Some(::dbaudit::model::recommendation::PartialPredicate::new(
                            &name,
                            ::dbaudit::model::recommendation::PartialCondition::IsNotNull,
                        )),
                    },
                ),
                vec![&name, &name, &name, "order", &name, &name],
            ),
            (
                postgres::drop_index_concurrently(&name, &name, false),
                vec![&name, &name],
            ),
            (
                postgres::reindex_index_concurrently(&name, &name),
                vec![&name, &name],
            ),
            (postgres::vacuum_analyze(&name, &name), vec![&name, &name]),
        ];
        let create = &cases[0].0;
        let NodeEnum::IndexStmt(index) = one_statement(create) else {
            panic!("{create:?} is not CREATE INDEX");
        };
        let included: Vec<String> = index
            .index_including_params
            .iter()
            .filter_map(|n| match n.node.as_ref() {
                Some(NodeEnum::IndexElem(e)) => Some(e.name.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(included, std::slice::from_ref(&name), "{create:?}");
        for (sql, expected) in cases {
            // Each name appears in the parse tree as a whole string value, as often as
            // the statement names it.
            let tree = format!("{:?}", one_statement(&sql));
            for name in &expected {
                let count = expected.iter().filter(|n| *n == name).count();
                assert_eq!(
                    tree.matches(&format!("{name:?}")).count(),
                    count,
                    "{sql:?}: {name:?} in {tree}"
                );
            }
        }
    }
}

/// T-SQL outside brackets and strings: brackets balanced, and no statement break (`;`
/// before the end, `GO`, a comment, a newline) outside them.
fn tsql_outside_quotes(sql: &str) -> String {
    let mut outside = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let close = match c {
            '[' => ']',
            '\'' => '\'',
            _ => {
                outside.push(c);
                continue;
            }
        };
        outside.push('?');
        let mut closed = false;
        while let Some(d) = chars.next() {
            if d == close {
                if chars.peek() == Some(&close) {
                    chars.next();
                    continue;
                }
                closed = true;
                break;
            }
        }
        assert!(closed, "{sql:?}: a bracket or string never closes");
    }
    outside
}

#[test]
fn sql_server_text_for_hostile_names_has_balanced_brackets_and_one_statement() {
    for name in HOSTILE_NAMES.iter().chain(&["a]b", "]]", "[x"]) {
        let name = name.to_string();
        let cols = vec![name.clone()];
        for sql in [
            mssql::create_index(&name, &name, &name, &cols, &cols, true),
            mssql::create_requested_index(&name, &name, &cols, &cols),
            mssql::drop_index(&name, &name, &name),
            mssql::update_statistics(&name, &name, &name),
            format!(
                "{} {}",
                mssql::use_database(&name),
                mssql::grant("VIEW DEFINITION", &name)
            ),
            mssql::create_user_for_login(&name),
            format!("SELECT {}", mssql::literal(&name)),
        ] {
            let outside = tsql_outside_quotes(&sql);
            let body = outside.strip_suffix(';').unwrap_or(&outside);
            // `USE [db]; GRANT …;` is two statements by design.
            let body = body.replacen("USE ?; ", "", 1);
            assert!(!body.contains(';'), "{sql:?}: a statement break");
            assert!(!body.contains("--") && !body.contains("/*"), "{sql:?}");
            assert!(!body.contains('\n') && !body.contains('\r'), "{sql:?}");
            assert!(!body.contains(']') && !body.contains('['), "{sql:?}");
        }
        assert_eq!(
            mssql::quote_ident(&name).len(),
            name.len() + 2 + name.matches(']').count()
        );
    }
}

/// The statement at the first unquoted occurrence of `keyword` in `text`, up to and
/// including the first `;` outside double quotes and strings (PostgreSQL syntax).
fn statement_at<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let start = text.find(keyword)?;
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    for i in start..bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b';' => return Some(&text[start..=i]),
            None => {}
        }
    }
    None
}

fn psql_ok(pg: &pg_cluster::PgCluster, db: &str, sql: &str) -> String {
    pg.psql(db, sql)
}

fn exists(pg: &pg_cluster::PgCluster, db: &str, schema: &str, name: &str) -> bool {
    let sql = format!(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {}",
        postgres::literal(schema),
        postgres::literal(name)
    );
    pg.psql(db, &sql).trim() == "1"
}

/// Every relation outside the system schemas as `schema.name:relkind`, hex-encoded on
/// the wire (names may hold newlines).
fn relations(pg: &pg_cluster::PgCluster, db: &str) -> Vec<String> {
    let mut out: Vec<String> = pg
        .psql(
            db,
            "SELECT encode(convert_to(n.nspname || '.' || c.relname || ':' || c.relkind::text, 'UTF8'), 'hex') \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
        )
        .lines()
        .filter(|l| !l.is_empty())
        .map(|hex| {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .collect();
    out.sort();
    out
}

fn drop_copy(pg: &pg_cluster::PgCluster, db: &str) {
    psql_ok(pg, "postgres", &format!("DROP DATABASE {db}"));
}

fn copy_of(pg: &pg_cluster::PgCluster, n: usize) -> String {
    let name = format!("copy{n}");
    psql_ok(
        pg,
        "postgres",
        &format!("CREATE DATABASE {name} TEMPLATE app"),
    );
    name
}

#[test]
fn fix_texts_and_indexes_sql_do_what_they_say_on_a_copy() {
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    pg.create_database("app");
    let mut setup = String::from(
        "CREATE EXTENSION pg_stat_statements;\n\
         DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg') \
         THEN CREATE EXTENSION hypopg; END IF; END $$;\n\
         CREATE TABLE public.victim (id int); INSERT INTO public.victim VALUES (1);\n\
         CREATE TABLE public.parent (id int PRIMARY KEY); INSERT INTO public.parent SELECT generate_series(1, 10);\n\
         CREATE SCHEMA ix; CREATE SCHEMA bad;\n",
    );
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        let q = postgres::quote_ident(name);
        let table = postgres::qualified("public", name);
        // A table named `name` whose column `name` references parent, unindexed, and
        // is filtered by a hot statement (a missing-index candidate).
        setup.push_str(&format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, {q} int REFERENCES public.parent (id), pad text);\n\
             INSERT INTO {table} SELECT g, 1 + g % 10, repeat('x', 50) FROM generate_series(1, 5000) g;\n"
        ));
        // An index named `name`: unused, and covered by a wider one (a duplicate).
        setup.push_str(&format!(
            "CREATE TABLE ix.t{i} (id int, {q} int, v int);\n\
             INSERT INTO ix.t{i} SELECT g, g, g FROM generate_series(1, 2000) g;\n\
             CREATE INDEX {q} ON ix.t{i} ({q});\n\
             CREATE INDEX t{i}_wide ON ix.t{i} ({q}, v);\n"
        ));
        // An invalid index named `name`: a unique build on duplicated data.
        setup.push_str(&format!(
            "CREATE TABLE bad.t{i} (k int); INSERT INTO bad.t{i} VALUES (1), (1), (2);\n"
        ));
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let setup_file = dir.path().join("setup.sql");
    std::fs::write(&setup_file, &setup).expect("the setup file is written");
    pg.psql_file("app", &setup_file);
    // Each build fails on the duplicate and leaves its index invalid.
    let mut invalid = String::from("\\set ON_ERROR_STOP off\n");
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        invalid.push_str(&format!(
            "CREATE UNIQUE INDEX CONCURRENTLY {} ON bad.t{i} (k);\n",
            postgres::quote_ident(name)
        ));
    }
    let invalid_file = dir.path().join("invalid.sql");
    std::fs::write(&invalid_file, invalid).expect("the file is written");
    pg.psql_file("app", &invalid_file);
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        assert!(
            exists(&pg, "app", "bad", name),
            "invalid index {name:?} left behind"
        );
        let table = postgres::qualified("public", name);
        let column = postgres::quote_ident(name);
        let mut hot = String::new();
        for k in 0..60 {
            hot.push_str(&format!(
                "SELECT id FROM {table} WHERE {column} = {};\n",
                k % 10 + 1
            ));
        }
        let hot_file = dir.path().join(format!("hot{i}.sql"));
        std::fs::write(&hot_file, hot).expect("the workload file is written");
        pg.psql_file("app", &hot_file);
    }
    pg.psql("app", "VACUUM ANALYZE");

    let config = dir.path().join("dbaudit.toml");
    std::fs::write(
        &config,
        "[thresholds]\nunused_index_min_bytes = 0\nunused_index_min_stats_days = 0\nforeign_key_min_rows = 100\nmissing_index_min_rows = 1000\nmissing_index_min_calls = 10\n",
    )
    .expect("the config file is written");
    let out_dir = dir.path().join("audit");
    let out = dbaudit(&[
        "audit",
        "--db",
        &pg.url("postgres", None, "app"),
        "--out",
        out_dir.to_str().expect("a UTF-8 path"),
        "--config",
        config.to_str().expect("a UTF-8 path"),
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out_dir.join("report.json")).expect("report.json is written"),
    )
    .expect("report.json is JSON");
    let findings = report["findings"].as_array().expect("findings");
    let fix_of = |rule: &str, object: &str| -> String {
        findings
            .iter()
            .find(|f| f["rule"] == rule && f["location"]["object"] == object)
            .and_then(|f| f["recommendation"].as_str())
            .unwrap_or_else(|| panic!("no {rule} finding for {object:?}"))
            .to_string()
    };

    let before = relations(&pg, "app");
    let mut copies = 0usize;
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        // invalid-index: DROP removes exactly the invalid index; REINDEX after the
        // duplicates are fixed makes it valid.
        let fix = fix_of("invalid-index", &format!("bad.{name}"));
        let drop = statement_at(&fix, "DROP INDEX CONCURRENTLY").expect("a DROP statement");
        one_statement(drop);
        copies += 1;
        let db = copy_of(&pg, copies);
        psql_ok(&pg, &db, drop);
        assert!(!exists(&pg, &db, "bad", name), "{drop:?} drops {name:?}");
        let expected: Vec<String> = before
            .iter()
            .filter(|r| **r != format!("bad.{name}:i"))
            .cloned()
            .collect();
        assert_eq!(
            relations(&pg, &db),
            expected,
            "{drop:?} changes nothing else"
        );
        drop_copy(&pg, &db);
        let reindex = statement_at(&fix, "REINDEX INDEX CONCURRENTLY").expect("a REINDEX");
        one_statement(reindex);
        copies += 1;
        let db = copy_of(&pg, copies);
        psql_ok(&pg, &db, &format!("DELETE FROM bad.t{i} WHERE k = 1"));
        psql_ok(&pg, &db, reindex);
        let valid = pg.psql(
            &db,
            &format!(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = {}::regclass",
                postgres::literal(&postgres::qualified("bad", name))
            ),
        );
        assert_eq!(valid.trim(), "t", "{reindex:?} rebuilds {name:?}");
        assert_eq!(
            relations(&pg, &db),
            before,
            "{reindex:?} changes nothing else"
        );
        drop_copy(&pg, &db);

        // unused-index and duplicate-index: each DROP removes exactly `ix.name`.
        for rule in ["unused-index", "duplicate-index"] {
            let fix = fix_of(rule, &format!("ix.{name}"));
            let drop = statement_at(&fix, "DROP INDEX CONCURRENTLY").expect("a DROP");
            one_statement(drop);
            copies += 1;
            let db = copy_of(&pg, copies);
            psql_ok(&pg, &db, drop);
            assert!(
                !exists(&pg, &db, "ix", name),
                "{rule}: {drop:?} drops {name:?}"
            );
            assert!(exists(&pg, &db, "ix", &format!("t{i}_wide")), "{drop:?}");
            assert_eq!(relations(&pg, &db).len(), before.len() - 1, "{drop:?}");
            drop_copy(&pg, &db);
        }

        // unindexed-foreign-key: the index it creates leads with the FK column.
        // (When an index recommendation already leads with the FK column, the fix points at
        // it instead, and indexes.sql's statements are run below.)
        let fix = fix_of("unindexed-foreign-key", &format!("public.{name}"));
        let Some(create) = statement_at(&fix, "CREATE INDEX CONCURRENTLY") else {
            assert!(
                fix.contains("Covered by index recommendation #"),
                "neither a CREATE nor a pointer to the covering recommendation: {fix:?}"
            );
            continue;
        };
        one_statement(create);
        copies += 1;
        let db = copy_of(&pg, copies);
        psql_ok(&pg, &db, create);
        let first_key = pg.psql(
            &db,
            &format!(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
                 WHERE i.indrelid = {}::regclass AND NOT i.indisprimary",
                postgres::literal(&postgres::qualified("public", name))
            ),
        );
        assert_eq!(first_key.trim_end_matches('\n'), *name, "{create:?}");
        assert_eq!(relations(&pg, &db).len(), before.len() + 1, "{create:?}");
        drop_copy(&pg, &db);
    }

    // indexes.sql: every statement, one by one, on a copy.
    let indexes_sql =
        std::fs::read_to_string(out_dir.join("indexes.sql")).expect("indexes.sql is written");
    let parsed = pg_query::split_with_parser(&indexes_sql)
        .unwrap_or_else(|e| panic!("indexes.sql does not parse: {e}\n{indexes_sql}"));
    let statements: Vec<&str> = parsed
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    assert!(
        !statements.is_empty(),
        "indexes.sql recommends indexes for the hostile tables:\n{indexes_sql}\n{:#}\n{:#}",
        report["dropped_candidates"],
        report["not_checked"]
    );
    copies += 1;
    let db = copy_of(&pg, copies);
    for statement in &statements {
        let node = one_statement(statement);
        assert!(
            matches!(node, NodeEnum::IndexStmt(_) | NodeEnum::DropStmt(_)),
            "{statement:?}"
        );
        psql_ok(&pg, &db, statement);
    }
    let created = statements
        .iter()
        .filter(|s| matches!(one_statement(s), NodeEnum::IndexStmt(_)))
        .count();
    let dropped = statements.len() - created;
    assert_eq!(
        relations(&pg, &db).len(),
        before.len() + created - dropped,
        "indexes.sql creates and drops exactly what it says:\n{indexes_sql}"
    );
    assert!(exists(&pg, &db, "public", "victim"));
    check_keywords_against_the_server(&pg);
}

/// Every keyword the live server says cannot stand bare is quoted by `quote_ident`, and
/// for the hostile names ours agrees with the server's `quote_ident`.
fn check_keywords_against_the_server(pg: &pg_cluster::PgCluster) {
    let words = pg.psql(
        "app",
        "SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'",
    );
    let words: Vec<&str> = words
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    assert!(words.len() > 50, "pg_get_keywords() answered: {words:?}");
    for word in words {
        assert_eq!(postgres::quote_ident(word), format!("\"{word}\""), "{word}");
    }
    for name in HOSTILE_NAMES.iter().filter(|n| !n.contains('\n')) {
        let server = pg.psql(
            "app",
            &format!("SELECT quote_ident({})", postgres::literal(name)),
        );
        assert_eq!(
            server.trim_end_matches('\n'),
            postgres::quote_ident(name),
            "{name:?}"
        );
    }
}
