//! Tests of the PostgreSQL structure reader: headers, bodies in place, the cross-check.

use super::*;
use crate::sql::unit::LoopKind;

#[test]
fn returned_row_types() {
    let cases = [
        (
            "CREATE FUNCTION f() RETURNS SETOF app.orders LANGUAGE sql AS $$ SELECT 1 $$;",
            Some("app.orders"),
        ),
        (
            "CREATE FUNCTION f(a int) RETURNS orders AS $$ SELECT 1 $$ LANGUAGE sql;",
            Some("orders"),
        ),
        (
            "CREATE FUNCTION f() RETURNS TABLE (LIKE orders) AS $$ SELECT 1 $$ LANGUAGE sql;",
            Some("orders"),
        ),
        (
            "CREATE FUNCTION f() RETURNS TABLE (id int) AS $$ SELECT 1 $$ LANGUAGE sql;",
            None,
        ),
        (
            "CREATE FUNCTION f() RETURNS int[] AS $$ SELECT 1 $$ LANGUAGE sql;",
            None,
        ),
        (
            "CREATE FUNCTION f() RETURNS varchar(10) AS $$ SELECT 1 $$ LANGUAGE sql;",
            None,
        ),
    ];
    for (text, expected) in cases {
        let unit = parse(text);
        assert_eq!(
            unit.objects[0].returns_rows_of.as_deref(),
            expected,
            "{text}"
        );
    }
}

#[test]
fn function_body_positions_point_into_the_file() {
    let text = "\n\nCREATE OR REPLACE FUNCTION public.notify(p_provider integer)\nRETURNS void LANGUAGE plpgsql AS $$\nDECLARE r record;\nBEGIN\n  FOR r IN SELECT * FROM appointments a WHERE a.provider_id = p_provider LOOP\n    INSERT INTO notifications(user_id) VALUES (r.client_id);\n  END LOOP;\nEND;\n$$;\n";
    let unit = parse(text);
    assert_eq!(unit.objects.len(), 1);
    assert_eq!(unit.objects[0].name, "public.notify");
    assert_eq!(unit.objects[0].line, 3);
    assert!(unit.objects[0]
        .variables
        .contains(&"p_provider".to_string()));
    assert!(unit.objects[0].variables.contains(&"r".to_string()));
    assert_eq!(unit.loops.len(), 1);
    assert_eq!(unit.loops[0].kind, LoopKind::ForQuery);
    assert_eq!(unit.loops[0].line, 7);
    let insert = unit
        .statements
        .iter()
        .find(|s| s.kind == StmtKind::Insert)
        .unwrap();
    assert_eq!(unit.tokens[insert.range.start].line, 8);
    assert_eq!(unit.tokens[insert.range.start].col, 5);
    assert_eq!(insert.loops, vec![0]);
    assert!(unit.not_understood.is_empty(), "{:?}", unit.not_understood);
}

#[test]
fn do_blocks_and_sql_functions() {
    let text = "DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1; SELECT 2';";
    let unit = parse(text);
    assert_eq!(unit.objects.len(), 2);
    assert_eq!(unit.objects[0].kind, ObjectKind::AnonymousBlock);
    assert_eq!(unit.objects[1].language.as_deref(), Some("sql"));
    assert_eq!(
        unit.statements
            .iter()
            .filter(|s| s.object == Some(1))
            .count(),
        2
    );
}

#[test]
fn rejected_bodies_are_reported_not_dropped() {
    let text = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SELEC 1; END $$;";
    let unit = parse(text);
    assert_eq!(unit.objects.len(), 1);
    assert_eq!(unit.not_understood.len(), 1);
}

#[test]
fn the_postgresql_cross_check_reports_its_rejections_only() {
    let rejects = |text: &str| {
        parse(text)
            .not_understood
            .iter()
            .filter(|r| {
                r.message
                    .starts_with("PostgreSQL rejects this PL/pgSQL body")
            })
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
    };
    // Valid bodies, a trigger function among them (pg_query's JSON of one is malformed;
    // only PostgreSQL's answer counts).
    for valid in [
        "DO $$ BEGIN PERFORM 1; END $$;",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$$;",
    ] {
        assert!(rejects(valid).is_empty(), "{valid}: {:?}", rejects(valid));
    }
    let rejected = rejects("DO $$ BEGIN PERFORM 1 END $$;");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(rejected[0].contains("syntax error"), "{rejected:?}");
}
