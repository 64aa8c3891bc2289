//! PostgreSQL SQL text: `quote_ident` semantics (reserved words included), qualified
//! names, string literals, and the DDL of every recommendation and fix.

use crate::model::recommendation::{Action, IndexRecommendation, IndexShape, PartialCondition};

/// PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// The keywords that cannot stand bare as a column name: every keyword that is not
/// `UNRESERVED_KEYWORD` (reserved, column-name and type/function-name keywords) in
/// PostgreSQL 18's `kwlist.h`. The newest list holds the older ones' (`system_user` came
/// in 16, `json_*` in 16-17, `merge_action` in 17; none became unreserved since 13), and
/// quoting a word an older server would take bare is harmless; tests/hostile/sql_text.rs
/// checks it against the live server's `pg_get_keywords()`. Sorted, for the binary search.
const NON_UNRESERVED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// An identifier as PostgreSQL's `quote_ident` writes it: bare only when it is lower-case
/// ASCII letters, digits and `_`, does not start with a digit and is not a keyword that
/// needs quoting; otherwise in double quotes with `"` doubled.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && NON_UNRESERVED_KEYWORDS.binary_search(&name).is_err() {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `schema.name`, each part quoted.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// A string literal: `'` doubled. dbaudit's sessions keep `standard_conforming_strings`
/// on (the default since 9.1), so a backslash is an ordinary character and `E''` is never
/// needed.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn column_list(columns: &[String]) -> String {
    super::name_list(columns, quote_ident)
}

/// The immutable built-in functions (`pg_proc.provolatile = 'i'` for their text and
/// numeric forms) an expression index may be built on. Written `pg_catalog.f(…)` in the
/// DDL, so a function of the same name in another schema (anyone's code) is never the
/// one indexed; the planner then uses the index only where the statement calls the same
/// function, which HypoPG checks before anything is recommended.
pub const INDEXABLE_FUNCTIONS: &[&str] =
    &["abs", "btrim", "lower", "ltrim", "md5", "rtrim", "upper"];

/// The allow-listed spelling of a function named in a statement (case-insensitive), or
/// `None`: nothing else is ever indexed.
pub fn indexable_function(name: &str) -> Option<&'static str> {
    INDEXABLE_FUNCTIONS
        .iter()
        .copied()
        .find(|f| f.eq_ignore_ascii_case(name))
}

/// One key element: the quoted column, through its allow-listed function when the shape
/// says so, `DESC` when it is stored descending.
fn key_element(column: &str, shape: &IndexShape) -> String {
    let mut element = match shape.function_of(column).and_then(indexable_function) {
        Some(function) => format!("(pg_catalog.{function}({}))", quote_ident(column)),
        None => quote_ident(column),
    };
    if shape.descending.iter().any(|d| d == column) {
        element.push_str(" DESC");
    }
    element
}

/// The key list of an index with its shape: `(a, (pg_catalog.lower(b)), c DESC)`.
fn key_list(key: &[String], shape: &IndexShape) -> String {
    key.iter()
        .map(|c| key_element(c, shape))
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` INCLUDE (…)` and ` WHERE …` of an index, or nothing.
fn index_tail(include: &[String], shape: &IndexShape) -> String {
    let mut tail = String::new();
    if !include.is_empty() {
        tail.push_str(&format!(" INCLUDE ({})", column_list(include)));
    }
    if let Some(p) = &shape.predicate {
        let column = quote_ident(&p.column);
        tail.push_str(&match p.condition {
            PartialCondition::IsNull => format!(" WHERE {column} IS NULL"),
            PartialCondition::IsNotNull => format!(" WHERE {column} IS NOT NULL"),
            PartialCondition::IsTrue => format!(" WHERE {column}"),
            PartialCondition::IsFalse => format!(" WHERE NOT {column}"),
        });
    }
    tail
}

/// `CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON schema.table (key) [INCLUDE (...)];`
/// (the index lands in the table's schema). CONCURRENTLY builds without blocking writes
/// and cannot run inside a transaction block.
pub fn create_index_concurrently(
    name: &str,
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
) -> String {
    create_shaped_index_concurrently(name, schema, table, key, include, &IndexShape::default())
}

/// [`create_index_concurrently`] with a shape: DESC keys, function keys, a partial
/// condition.
pub fn create_shaped_index_concurrently(
    name: &str,
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
    shape: &IndexShape,
) -> String {
    let head = format!(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {}",
        quote_ident(name)
    );
    format!(
        "{};",
        index_statement(&head, schema, table, key, include, shape)
    )
}

/// `head ON schema.table (key) [INCLUDE (…)] [WHERE …]`: the one writer of an index's
/// definition, for the DDL and for HypoPG.
fn index_statement(
    head: &str,
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
    shape: &IndexShape,
) -> String {
    format!(
        "{head} ON {} ({}){}",
        qualified(schema, table),
        key_list(key, shape),
        index_tail(include, shape)
    )
}

/// What the index statement on a partitioned table says before it, in SQL comments
/// (no name in it: a name could end the comment).
pub const PARTITIONED_NOTE: &str =
    "-- A partitioned table: PostgreSQL refuses CREATE INDEX CONCURRENTLY on it. This statement\n\
-- builds the index on every partition and blocks writes to them until it is done: run it in a\n\
-- quiet window. To build without blocking writes instead: CREATE INDEX ... ON ONLY the table\n\
-- (instant, invalid until complete), CREATE INDEX CONCURRENTLY on each partition, then\n\
-- ALTER INDEX (the parent's) ATTACH PARTITION (each partition's): the index becomes valid\n\
-- when every partition has one.\n";

/// The index for a table: [`create_index_concurrently`], or on a partitioned table
/// (where PostgreSQL refuses CONCURRENTLY) a plain `CREATE INDEX IF NOT EXISTS`, which
/// reaches every partition, after [`PARTITIONED_NOTE`].
pub fn create_index_for(
    name: &str,
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
    shape: &IndexShape,
    partitioned: bool,
) -> String {
    let concurrent = create_shaped_index_concurrently(name, schema, table, key, include, shape);
    if partitioned {
        format!(
            "{PARTITIONED_NOTE}{}",
            concurrent.replacen("CREATE INDEX CONCURRENTLY ", "CREATE INDEX ", 1)
        )
    } else {
        concurrent
    }
}

/// The statement given to `hypopg_create_index`: `CREATE INDEX ON schema.table (key)`
/// with the shape and INCLUDE columns, no name and no terminator (HypoPG names it and
/// takes one statement).
pub fn hypothetical_create_index(
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
    shape: &IndexShape,
) -> String {
    index_statement("CREATE INDEX", schema, table, key, include, shape)
}

/// `DROP INDEX CONCURRENTLY [IF EXISTS] schema.name;`
pub fn drop_index_concurrently(schema: &str, name: &str, if_exists: bool) -> String {
    format!(
        "DROP INDEX CONCURRENTLY {}{};",
        if if_exists { "IF EXISTS " } else { "" },
        qualified(schema, name)
    )
}

/// `REINDEX INDEX CONCURRENTLY schema.name;` (PostgreSQL 12 and later).
pub fn reindex_index_concurrently(schema: &str, name: &str) -> String {
    format!("REINDEX INDEX CONCURRENTLY {};", qualified(schema, name))
}

/// `SET LOCAL ROLE role`: verification plans a statement as the role that ran it.
pub fn set_local_role(role: &str) -> String {
    format!("SET LOCAL ROLE {}", quote_ident(role))
}

/// `VACUUM (ANALYZE) schema.table;`
pub fn vacuum_analyze(schema: &str, table: &str) -> String {
    format!("VACUUM (ANALYZE) {};", qualified(schema, table))
}

/// A recommendation as DDL: the new index, then (when it widens one) the old index
/// dropped, both without blocking writes.
/// A recommendation's statements; `partitioned`: on a partitioned table, whose indexes
/// PostgreSQL builds and drops only without CONCURRENTLY.
pub fn recommendation_ddl(rec: &IndexRecommendation, partitioned: bool) -> String {
    let mut ddl = create_index_for(
        &rec.name,
        &rec.schema,
        &rec.table,
        &rec.key_columns,
        &rec.include_columns,
        &rec.shape,
        partitioned,
    );
    if let Action::Widen { replaces, .. } = &rec.action {
        ddl.push('\n');
        let drop = drop_index_concurrently(&rec.schema, replaces, true);
        if partitioned {
            ddl.push_str(&drop.replacen("DROP INDEX CONCURRENTLY ", "DROP INDEX ", 1));
        } else {
            ddl.push_str(&drop);
        }
    }
    ddl
}

/// Whether `definition` (an index definition read from a snapshot, normally
/// `pg_get_indexdef` output) is exactly one `CREATE INDEX` statement, so that it can be
/// repeated in a fix text. A snapshot is a file anyone can edit.
pub fn is_single_create_index(definition: &str) -> bool {
    use pg_query::NodeEnum;
    let Ok(parsed) = pg_query::parse(definition, pg_query::ParserOptions::DEFAULT) else {
        return false;
    };
    let stmts = &parsed.protobuf.stmts;
    stmts.len() == 1
        && matches!(
            stmts[0].stmt.as_ref().and_then(|s| s.node.as_ref()),
            Some(NodeEnum::IndexStmt(_))
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_the_binary_search() {
        assert!(NON_UNRESERVED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(NON_UNRESERVED_KEYWORDS.len(), 164);
    }

    #[test]
    fn quote_ident_follows_postgres() {
        assert_eq!(quote_ident("orders"), "orders");
        assert_eq!(quote_ident("_x1"), "_x1");
        assert_eq!(quote_ident("1x"), "\"1x\"");
        assert_eq!(quote_ident(""), "\"\"");
        assert_eq!(quote_ident("MixedCase"), "\"MixedCase\"");
        assert_eq!(quote_ident("quote\"inside"), "\"quote\"\"inside\"");
        for word in [
            "order",
            "user",
            "group",
            "select",
            "between",
            "authorization",
            "int",
        ] {
            assert_eq!(quote_ident(word), format!("\"{word}\""));
        }
        // Unreserved keywords stand bare, as in PostgreSQL's quote_ident.
        for word in ["name", "status", "type", "key", "data"] {
            assert_eq!(quote_ident(word), word);
        }
        assert_eq!(qualified("public", "user"), "public.\"user\"");
        assert_eq!(literal("it's \\ here"), "'it''s \\ here'");
    }

    #[test]
    fn create_index_quotes_every_name() {
        assert_eq!(
            create_index_concurrently(
                "ix_appointments_client_id_start_date",
                "public",
                "appointments",
                &["client_id".into(), "start_date".into()],
                &[]
            ),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_appointments_client_id_start_date ON public.appointments (client_id, start_date);"
        );
        let ddl = create_index_concurrently(
            "ix",
            "Sales",
            "Order Lines",
            &["order".into()],
            &["Qty".into()],
        );
        assert!(
            ddl.ends_with("ON \"Sales\".\"Order Lines\" (\"order\") INCLUDE (\"Qty\");"),
            "{ddl}"
        );
    }

    #[test]
    fn shapes_are_written_with_quoted_names_and_allow_listed_functions() {
        use crate::model::recommendation::{KeyFunction, PartialPredicate};
        let shape = IndexShape {
            descending: vec!["Created At".into()],
            functions: vec![KeyFunction {
                column: "order".into(),
                function: "LOWER".into(),
            }],
            predicate: Some(PartialPredicate::new(
                "deleted_at",
                PartialCondition::IsNull,
            )),
        };
        assert_eq!(
            hypothetical_create_index(
                "public",
                "t",
                &["order".into(), "Created At".into()],
                &["id".into()],
                &shape
            ),
            "CREATE INDEX ON public.t ((pg_catalog.lower(\"order\")), \"Created At\" DESC) INCLUDE (id) WHERE deleted_at IS NULL"
        );
        // A function outside the allow-list is never written: the column stays plain.
        let user_code = IndexShape {
            functions: vec![KeyFunction {
                column: "email".into(),
                function: "evil); DROP TABLE t; --".into(),
            }],
            predicate: Some(PartialPredicate::new("Done", PartialCondition::IsFalse)),
            ..Default::default()
        };
        assert_eq!(
            create_shaped_index_concurrently(
                "ix",
                "public",
                "t",
                &["email".into()],
                &[],
                &user_code
            ),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON public.t (email) WHERE NOT \"Done\";"
        );
        assert_eq!(indexable_function("Upper"), Some("upper"));
        assert_eq!(indexable_function("my_lower"), None);
    }

    #[test]
    fn only_one_create_index_is_repeated() {
        assert!(is_single_create_index(
            "CREATE UNIQUE INDEX inv ON public.t USING btree (k)"
        ));
        assert!(!is_single_create_index(
            "CREATE INDEX inv ON public.t (k); DROP TABLE public.victim"
        ));
        assert!(!is_single_create_index("DROP TABLE public.victim"));
        assert!(!is_single_create_index("CREATE INDEX ("));
    }

    #[test]
    fn a_partitioned_table_gets_no_concurrently_and_says_why() {
        let rec = IndexRecommendation {
            rank: 1,
            schema: "public".into(),
            table: "measurements".into(),
            name: "ix_measurements_order_v".into(),
            key_columns: vec!["order".into(), "v".into()],
            include_columns: vec![],
            shape: IndexShape::default(),
            action: Action::Widen {
                replaces: "ix_measurements_order".into(),
                replaced_key: vec!["order".into()],
                replaced_include: vec![],
            },
            advice: Default::default(),
            benefit: 1.0,
            write_penalty: 0.0,
            net_benefit: 1.0,
            benefit_unit: "ms per day".into(),
            basis: crate::model::recommendation::BenefitBasis::Static,
            explanation: String::new(),
            served: vec![],
            absorbed: vec![],
            overlaps: vec![],
            table_rows: 1,
            ddl: String::new(),
            resolves: vec![],
        };
        let ddl = recommendation_ddl(&rec, true);
        let statements: Vec<&str> = ddl.lines().filter(|l| !l.starts_with("--")).collect();
        assert_eq!(
            statements,
            [
                "CREATE INDEX IF NOT EXISTS ix_measurements_order_v ON public.measurements (\"order\", v);",
                "DROP INDEX IF EXISTS public.ix_measurements_order;"
            ]
        );
        assert!(ddl.starts_with(PARTITIONED_NOTE));
        assert!(recommendation_ddl(&rec, false)
            .starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_measurements_order_v"));
    }
}
