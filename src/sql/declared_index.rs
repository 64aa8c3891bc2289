//! The indexes a scanned file declares, by table and key column: `CREATE [UNIQUE]
//! [CLUSTERED | NONCLUSTERED] INDEX … ON t [USING m] (keys) [INCLUDE (…)]`, `PRIMARY KEY`
//! and `UNIQUE` constraints in `CREATE TABLE` (column-level or table-level, T-SQL inline
//! `INDEX ix (…)` too) and in `ALTER TABLE … ADD [CONSTRAINT c] PRIMARY KEY | UNIQUE (…)`.
//!
//! Why: wrapping a column in an expression costs only where an index could otherwise be
//! used for it (`non-sargable-predicate`). Each file contributes its declarations during
//! the scan; after every file, the scan keeps a finding high only when one of them has the
//! column as a key. Names only are kept (no statement text), capped at `MAX_ENTRIES`
//! entries, expressions at `MAX_EXPRESSION_LEN` bytes.
//! The catalogue also keeps, per table, a column `CREATE TABLE` declares as a large
//! object (`BLOB`, `CLOB`, `bytea`, `varbinary(max)`, `image`, or a type filled in at run
//! time whose name says blob / binary, as the embedded-SQL bridge reads it): the evidence
//! that a `SELECT *` in application code reads a wide column the code may never use
//! (`IndexCheck::LargeObject`). Application strings contribute only these, not indexes.
//! INCLUDE columns are not keys and are left out; columnstore, XML, spatial and full-text
//! indexes are not seekable B-tree keys and are left out too. Which key columns can start
//! a seek is kept apart: a B-tree index seeks on its first key column (the later ones only
//! behind equalities on those before), a GiST / GIN / BRIN / SP-GiST index on any of its
//! columns. A later B-tree key counts where the same clause compares every key column
//! before it with `=` (`WHERE srvid = @s AND upper(coalesce_range) < @t` on a key
//! `(srvid, coalesce_range)`).

use std::collections::{HashMap, HashSet};

use super::lex::{Tok, TokKind};
use super::query::read_name;
use super::unit::SqlUnit;

/// Entries kept per scan (names only): far above any real schema, a bound on hostile input.
pub const MAX_ENTRIES: usize = 200_000;

/// Longest expression key kept (bytes): real index expressions are short, and a hostile
/// file must not fill the catalogue with megabytes of text.
pub const MAX_EXPRESSION_LEN: usize = 512;

/// Declared index keys: (table, column) and (table, expression), normalised by
/// [`table_key`] and [`expression_key`].
#[derive(Debug, Default, Clone)]
pub struct IndexCatalogue {
    columns: HashSet<(String, String)>,
    /// The key columns an index can seek on by themselves: a B-tree's first key, any
    /// key of a GiST / GIN / BRIN / SP-GiST index (a subset of `columns`).
    leading: HashSet<(String, String)>,
    /// B-tree indexes of two or more keys, by table: their key columns in order (an
    /// expression key as an empty name), for a seek behind equalities on the first ones.
    composite: HashMap<String, Vec<Vec<String>>>,
    expressions: HashSet<(String, String)>,
    /// Tables declared with a large binary column: table key → the first such column.
    large_objects: HashMap<String, String>,
}

impl IndexCatalogue {
    /// The indexes `unit`'s file declares (its tokens, literal bodies included).
    pub fn of_unit(unit: &SqlUnit) -> IndexCatalogue {
        let mut catalogue = IndexCatalogue::default();
        let toks = &unit.tokens;
        for (i, tok) in toks.iter().enumerate() {
            if tok.is_kw("CREATE") {
                catalogue.read_create(toks, i + 1);
            } else if tok.is_kw("ALTER") && toks.get(i + 1).is_some_and(|t| t.is_kw("TABLE")) {
                catalogue.read_alter_table(toks, i + 2);
            }
        }
        catalogue
    }

    /// Only the large binary columns `unit`'s file declares (SQL embedded in application
    /// code: its indexes are not read, so the SQL rules' index evidence stays the SQL
    /// files').
    pub fn large_objects_of_unit(unit: &SqlUnit) -> IndexCatalogue {
        IndexCatalogue {
            large_objects: IndexCatalogue::of_unit(unit).large_objects,
            ..IndexCatalogue::default()
        }
    }

    /// The first column `table` (a [`table_key`]) is declared with as a large binary
    /// object.
    pub fn large_object_column(&self, table: &str) -> Option<&str> {
        self.large_objects.get(table).map(String::as_str)
    }

    /// `self` and `other` together (bounded by `MAX_ENTRIES`).
    pub fn merge(mut self, other: IndexCatalogue) -> IndexCatalogue {
        for (table, column) in other.large_objects {
            if self.len() >= MAX_ENTRIES {
                break;
            }
            self.large_objects.entry(table).or_insert(column);
        }
        for entry in other.columns {
            if self.len() >= MAX_ENTRIES {
                break;
            }
            if other.leading.contains(&entry) {
                self.leading.insert(entry.clone());
            }
            self.columns.insert(entry);
        }
        for entry in other.expressions {
            if self.len() >= MAX_ENTRIES {
                break;
            }
            self.expressions.insert(entry);
        }
        for (table, indexes) in other.composite {
            for keys in indexes {
                if self.len() >= MAX_ENTRIES {
                    break;
                }
                self.composite.entry(table.clone()).or_default().push(keys);
            }
        }
        self
    }

    /// Adds a key column of an index known from elsewhere (the audited database's
    /// snapshot): `table` schema-qualified or not, as [`table_key`] reads it. Counted as
    /// one an index can seek on by itself: the snapshot does not say the index's method,
    /// and a GiST index seeks on any of its columns.
    pub fn add_key_column(&mut self, table: &str, column: &str) {
        if self.len() < MAX_ENTRIES && !table.is_empty() && !column.is_empty() {
            let entry = (table_key(table), column.to_ascii_lowercase());
            self.leading.insert(entry.clone());
            self.columns.insert(entry);
        }
    }

    pub fn len(&self) -> usize {
        self.columns.len()
            + self.expressions.len()
            + self.composite.values().map(Vec::len).sum::<usize>()
            + self.large_objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether an index on `table` (a [`table_key`]) has `column` among its key columns.
    pub fn has_key_column(&self, table: &str, column: &str) -> bool {
        self.columns
            .contains(&(table.to_string(), column.to_ascii_lowercase()))
    }

    /// Whether an index on `table` can seek on `column` by itself: its first key column
    /// (B-tree), or any key column of a GiST / GIN / BRIN / SP-GiST index.
    pub fn has_leading_column(&self, table: &str, column: &str) -> bool {
        self.leading
            .contains(&(table.to_string(), column.to_ascii_lowercase()))
    }

    /// Whether a B-tree index on `table` can seek on `column` behind equalities on the
    /// key columns before it: every key column before `column` is in `equal` (lower-case
    /// names of columns the same clause compares with `=`).
    pub fn seeks_behind_equalities(&self, table: &str, column: &str, equal: &[String]) -> bool {
        let column = column.to_ascii_lowercase();
        self.composite.get(table).is_some_and(|indexes| {
            indexes.iter().any(|keys| {
                keys.iter().position(|k| *k == column).is_some_and(|at| {
                    at > 0
                        && keys[..at]
                            .iter()
                            .all(|k| !k.is_empty() && equal.contains(k))
                })
            })
        })
    }

    /// Whether an index on `table` has the expression `expression` (an
    /// [`expression_key`]) as a key.
    pub fn has_expression(&self, table: &str, expression: &str) -> bool {
        self.expressions
            .contains(&(table.to_string(), expression.to_string()))
    }

    /// One key of an index; `seeks_alone`: the index can seek on this key by itself.
    fn add(&mut self, table: &str, key: &[Tok], seeks_alone: bool) {
        if self.len() >= MAX_ENTRIES || table.is_empty() {
            return;
        }
        match key_column(key) {
            Some(column) => {
                let entry = (table.to_string(), column.to_ascii_lowercase());
                if seeks_alone {
                    self.leading.insert(entry.clone());
                }
                self.columns.insert(entry);
            }
            None => {
                let expression = expression_key(key);
                if !expression.is_empty() && expression.len() <= MAX_EXPRESSION_LEN {
                    self.expressions.insert((table.to_string(), expression));
                }
            }
        }
    }

    /// Each key of the list in the parentheses that open at `open`; `any_key_seeks`: the
    /// index method seeks on any of its columns (GiST, GIN, BRIN, SP-GiST), not only on
    /// the first (B-tree).
    fn add_keys(&mut self, table: &str, toks: &[Tok], open: usize, any_key_seeks: bool) {
        if let Some(keys) = parenthesised(toks, open) {
            let keys = split_top_level(&toks[keys]);
            for (position, key) in keys.iter().enumerate() {
                self.add(table, key, position == 0 || any_key_seeks);
            }
            if keys.len() >= 2 && !any_key_seeks && !table.is_empty() && self.len() < MAX_ENTRIES {
                let names = keys
                    .iter()
                    .map(|k| {
                        key_column(k)
                            .map(str::to_ascii_lowercase)
                            .unwrap_or_default()
                    })
                    .collect();
                self.composite
                    .entry(table.to_string())
                    .or_default()
                    .push(names);
            }
        }
    }

    /// After `CREATE`: an index or a table.
    fn read_create(&mut self, toks: &[Tok], mut j: usize) {
        if toks.get(j).is_some_and(|t| t.is_kw("UNIQUE")) {
            j += 1;
        }
        if toks
            .get(j)
            .is_some_and(|t| t.is_any_kw(&["CLUSTERED", "NONCLUSTERED"]))
        {
            j += 1;
        }
        match toks.get(j) {
            Some(t) if t.is_kw("INDEX") => self.read_create_index(toks, j + 1),
            Some(t) if t.is_kw("TABLE") => self.read_create_table(toks, j + 1),
            _ => {}
        }
    }

    /// After `CREATE … INDEX`: `[CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] t [USING m] (keys)`.
    fn read_create_index(&mut self, toks: &[Tok], j: usize) {
        let Some(on) = toks[j.min(toks.len())..]
            .iter()
            .take(12)
            .position(|t| t.is_kw("ON"))
            .map(|o| j + o)
        else {
            return;
        };
        let mut k = on + 1;
        if toks.get(k).is_some_and(|t| t.is_kw("ONLY")) {
            k += 1;
        }
        let (name, mut k) = read_name(toks, k, toks.len().min(k + 8));
        let table = table_key(&name);
        let mut any_key_seeks = false;
        if toks.get(k).is_some_and(|t| t.is_kw("USING")) {
            any_key_seeks = toks
                .get(k + 1)
                .is_some_and(|m| m.is_any_kw(&["GIST", "GIN", "BRIN", "SPGIST"]));
            k += 2;
        }
        self.add_keys(&table, toks, k, any_key_seeks);
    }

    /// After `CREATE TABLE`: `[IF NOT EXISTS] t ( elements )`.
    fn read_create_table(&mut self, toks: &[Tok], mut j: usize) {
        if toks.get(j).is_some_and(|t| t.is_kw("IF")) {
            j += 3;
        }
        let (name, k) = read_name(toks, j, toks.len().min(j + 8));
        let table = table_key(&name);
        let Some(body) = parenthesised(toks, k) else {
            return;
        };
        for element in split_top_level(&toks[body]) {
            self.read_table_element(&table, element);
        }
    }

    /// One element of `CREATE TABLE ( … )`: a constraint, an inline index or a column.
    fn read_table_element(&mut self, table: &str, element: &[Tok]) {
        let Some(first) = element.first() else {
            return;
        };
        if first.is_kw("CONSTRAINT") || first.is_any_kw(&["PRIMARY", "UNIQUE"]) {
            self.read_constraint(table, element);
        } else if first.is_kw("INDEX") {
            // T-SQL inline `INDEX ix [UNIQUE] [CLUSTERED | NONCLUSTERED] (cols)`.
            let columnstore = element.iter().any(|t| t.is_kw("COLUMNSTORE"));
            let open = element.iter().position(|t| t.is_punct("("));
            if let (false, Some(open)) = (columnstore, open) {
                self.add_keys(table, element, open, false);
            }
        } else if first.is_identifier_like()
            && !first.is_any_kw(&["FOREIGN", "CHECK", "EXCLUDE", "LIKE", "PERIOD"])
        {
            // `id int NOT NULL PRIMARY KEY`, `email text UNIQUE`: a key on the column.
            let keyed = element
                .windows(2)
                .any(|w| (w[0].is_kw("PRIMARY") && w[1].is_kw("KEY")) || w[1].is_kw("UNIQUE"));
            if keyed {
                self.add(table, &element[..1], true);
            }
            if is_large_object_type(&element[1..])
                && !table.is_empty()
                && self.len() < MAX_ENTRIES
                && !self.large_objects.contains_key(table)
            {
                let column = first.text.trim_matches(['[', ']', '"']).to_string();
                self.large_objects.insert(table.to_string(), column);
            }
        }
    }

    /// `[CONSTRAINT c] PRIMARY KEY | UNIQUE [CLUSTERED | NONCLUSTERED] (cols)`.
    fn read_constraint(&mut self, table: &str, element: &[Tok]) {
        let Some(kind) = element
            .iter()
            .position(|t| t.is_any_kw(&["PRIMARY", "UNIQUE"]))
        else {
            return;
        };
        // `CONSTRAINT c FOREIGN KEY …`, `CHECK (…)`: not an index.
        if element[..kind]
            .iter()
            .any(|t| t.is_any_kw(&["FOREIGN", "CHECK", "EXCLUDE"]))
        {
            return;
        }
        let Some(open) = element[kind..]
            .iter()
            .take(5)
            .position(|t| t.is_punct("("))
            .map(|o| kind + o)
        else {
            return;
        };
        self.add_keys(table, element, open, false);
    }

    /// After `ALTER TABLE`: `[ONLY] [IF EXISTS] t [WITH CHECK | NOCHECK] ADD [CONSTRAINT c]
    /// PRIMARY KEY | UNIQUE …`.
    fn read_alter_table(&mut self, toks: &[Tok], mut j: usize) {
        if toks.get(j).is_some_and(|t| t.is_kw("IF")) {
            j += 2;
        }
        if toks.get(j).is_some_and(|t| t.is_kw("ONLY")) {
            j += 1;
        }
        let (name, mut k) = read_name(toks, j, toks.len().min(j + 8));
        let table = table_key(&name);
        if toks.get(k).is_some_and(|t| t.is_kw("WITH")) {
            k += 2;
        }
        if !toks.get(k).is_some_and(|t| t.is_kw("ADD")) {
            return;
        }
        let start = k + 1;
        let end = toks[start.min(toks.len())..]
            .iter()
            .take(64)
            .position(|t| t.is_punct(";") || t.is_kw("GO"))
            .map_or(toks.len().min(start + 64), |o| start + o);
        if start < end {
            self.read_constraint(&table, &toks[start..end]);
        }
    }
}

/// What a finding needs of the catalogue: the table (its [`table_key`] and its name as
/// written) and the wrapped columns and expression, or that the table is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexCheck {
    Table {
        table: String,
        shown: String,
        columns: Vec<String>,
        expression: String,
        /// Columns of the table the same clause compares with `=` (lower-case): a
        /// composite index can seek on a later key behind them.
        equal: Vec<String>,
    },
    UnknownTable,
    /// A `SELECT *` in application code (`select-star`), over these tables (their
    /// [`table_key`]s): high only where one of them is declared with a large binary
    /// column, else a guess.
    LargeObject {
        tables: Vec<String>,
    },
}

/// What the catalogue says of a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexVerdict {
    /// An index has a wrapped column as a key: the expression defeats it.
    Keep,
    /// An index on exactly the expression: the comparison can seek, nothing to report.
    Drop,
    /// No index evidence: the finding is a guess, with this reason.
    Lower(String),
    /// The evidence holds, and the message says what it is (added to the finding's).
    KeepWith(String),
}

impl IndexCheck {
    pub fn verdict(&self, catalogue: &IndexCatalogue) -> IndexVerdict {
        match self {
            IndexCheck::UnknownTable => IndexVerdict::Lower(
                "the column's table could not be told, so no declared index was looked for; the expression costs only if one exists".to_string(),
            ),
            IndexCheck::LargeObject { tables } => {
                if let Some((table, column)) = tables
                    .iter()
                    .find_map(|t| Some((t, catalogue.large_object_column(t)?)))
                {
                    IndexVerdict::KeepWith(format!(
                        "`{table}` is declared with the large object column `{column}`, fetched on every row"
                    ))
                } else {
                    IndexVerdict::Lower(STAR_MAPPED_WHOLE.to_string())
                }
            }
            IndexCheck::Table {
                table,
                shown,
                columns,
                expression,
                equal,
            } => {
                if catalogue.has_expression(table, expression) {
                    IndexVerdict::Drop
                } else if columns.iter().any(|c| {
                    catalogue.has_leading_column(table, c)
                        || catalogue.seeks_behind_equalities(table, c, equal)
                }) {
                    IndexVerdict::Keep
                } else if let Some(column) =
                    columns.iter().find(|c| catalogue.has_key_column(table, c))
                {
                    IndexVerdict::Lower(format!(
                        "`{column}` is a key of an index on {shown} but not its first: the index seeks on it only behind equalities on the key columns before it"
                    ))
                } else {
                    IndexVerdict::Lower(no_index_reason(shown, columns))
                }
            }
        }
    }
}

/// Why an embedded `SELECT *` without evidence is medium.
pub const STAR_MAPPED_WHOLE: &str = "the application maps the whole row into its own object; whether it uses every column is not known (no table the star reads is declared in the scanned files with a BLOB, CLOB, bytea, varbinary(max) or image column)";

const NO_INDEX_HEAD: &str = "no index on ";
const NO_INDEX_TAIL: &str =
    ") is declared in the scanned files; the expression costs only if one exists";

/// Why a finding is lowered when no index has a wrapped column as a key: the table as the
/// statement names it (`shown`) and the columns. `dbaudit audit` reads the table back
/// ([`no_index_reason_table`]) to tie the workload's evidence to the finding.
pub fn no_index_reason(shown: &str, columns: &[String]) -> String {
    format!(
        "{NO_INDEX_HEAD}{shown}({}{NO_INDEX_TAIL}",
        columns.join(", ")
    )
}

/// The table of a reason written by [`no_index_reason`], as the statement names it; `None`
/// for any other reason, and when a `(` in the table's or a column's name leaves two
/// readings (the table is then not known, never guessed).
pub fn no_index_reason_table(reason: &str) -> Option<&str> {
    let inner = reason
        .strip_prefix(NO_INDEX_HEAD)?
        .strip_suffix(NO_INDEX_TAIL)?;
    let (table, columns) = inner.split_once('(')?;
    (!table.is_empty() && !columns.contains('(')).then_some(table)
}

/// A table's name as the catalogue keys it: parts lower-cased (T-SQL names and unquoted
/// PostgreSQL identifiers are case-insensitive; a quoted mixed-case PostgreSQL name is
/// taken as the same table, a rare confusion towards keeping a finding), a database
/// part dropped, and the default schema (`dbo`, `public`) dropped, so `dbo.Orders`,
/// `[dbo].[Orders]` and `Orders` are one table.
pub fn table_key(name: &str) -> String {
    let parts: Vec<String> = name
        .split('.')
        .filter(|p| !p.is_empty())
        .map(str::to_lowercase)
        .collect();
    let parts = &parts[parts.len().saturating_sub(2)..];
    match parts {
        [schema, table] if schema == "dbo" || schema == "public" => table.clone(),
        _ => parts.join("."),
    }
}

/// An expression as the catalogue keys it: its tokens lower-cased and spaced, the
/// qualifiers of its columns (`u.`) and one pair of outer parentheses dropped, so
/// `lower(u.email)` in a query and `(lower(email))` in `CREATE INDEX` are one key.
pub fn expression_key(toks: &[Tok]) -> String {
    let mut toks = toks;
    while toks.len() >= 2
        && toks[0].is_punct("(")
        && toks[toks.len() - 1].is_punct(")")
        && parenthesised(toks, 0).is_some_and(|r| r.end == toks.len() - 1)
    {
        toks = &toks[1..toks.len() - 1];
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let tok = &toks[i];
        let qualifier = tok.is_identifier_like()
            && toks.get(i + 1).is_some_and(|t| t.is_punct("."))
            && toks.get(i + 2).is_some_and(Tok::is_identifier_like);
        if qualifier {
            i += 2;
            continue;
        }
        parts.push(match tok.kind {
            TokKind::Str => format!("'{}'", tok.text),
            _ => tok.text.to_lowercase(),
        });
        i += 1;
    }
    parts.join(" ")
}

/// A key that is a plain column (`col`, `[col] ASC`, `col DESC NULLS LAST`, `col
/// text_pattern_ops`, `col COLLATE "C"`): its name. None for an expression.
fn key_column(key: &[Tok]) -> Option<&str> {
    let first = key.first()?;
    let plain = first.is_identifier_like()
        && key
            .get(1)
            .is_none_or(|t| t.kind == TokKind::Word || t.kind == TokKind::QuotedIdent);
    plain.then_some(first.text.as_str())
}

/// A column type that stores a large object: `BLOB` / `LONGBLOB` / `MEDIUMBLOB`, `CLOB` /
/// `NCLOB`, `bytea`, `image`, `varbinary(max)`, `BINARY LARGE OBJECT`, or the identifier the
/// embedded-SQL bridge writes for a type filled in at run time whose name says so
/// (`{db.blob}`: [`RUN_TIME_BLOB_TYPE`]). `text` / `nvarchar(max)` are not: most of them hold short strings.
fn is_large_object_type(ty: &[Tok]) -> bool {
    let Some(first) = ty.first() else {
        return false;
    };
    let name = first.text.trim_matches(['[', ']', '"']);
    let word = |i: usize, w: &str| ty.get(i).is_some_and(|t| t.is_kw(w));
    [
        "BLOB",
        "LONGBLOB",
        "MEDIUMBLOB",
        "BYTEA",
        "IMAGE",
        "CLOB",
        "NCLOB",
        RUN_TIME_BLOB_TYPE,
    ]
    .iter()
    .any(|t| name.eq_ignore_ascii_case(t))
        || (name.eq_ignore_ascii_case("VARBINARY")
            && ty.get(1).is_some_and(|t| t.is_punct("("))
            && word(2, "MAX"))
        || (name.eq_ignore_ascii_case("BINARY") && word(1, "LARGE") && word(2, "OBJECT"))
}

/// The type name the embedded-SQL bridge gives a column type filled in at run time whose
/// expression names a binary type (`data {db.blob} NOT NULL`).
pub const RUN_TIME_BLOB_TYPE: &str = "run_time_blob_type";

/// The token range inside the parentheses that open at `open` (None if `open` is not
/// `(` or they do not close).
fn parenthesised(toks: &[Tok], open: usize) -> Option<std::ops::Range<usize>> {
    if !toks.get(open)?.is_punct("(") {
        return None;
    }
    let mut depth = 0usize;
    for (i, tok) in toks.iter().enumerate().skip(open) {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                return Some(open + 1..i);
            }
        }
    }
    None
}

/// `toks` split at its top-level commas (empty parts left out).
pub(crate) fn split_top_level(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, tok) in toks.iter().enumerate() {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && tok.is_punct(",") {
            parts.push(&toks[start..i]);
            start = i + 1;
        }
    }
    parts.push(&toks[start..]);
    parts.retain(|p| !p.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{parse, SqlDialect};

    fn catalogue(text: &str, dialect: SqlDialect) -> IndexCatalogue {
        IndexCatalogue::of_unit(&parse(text, dialect))
    }

    #[test]
    fn large_object_columns_by_table_and_the_star_verdict() {
        let c = catalogue(
            "CREATE TABLE [dbo].[Files] ([Id] int PRIMARY KEY, [Name] nvarchar(max), [Content] varbinary(max));\n\
             CREATE TABLE dbo.Notes (Id int, Body nvarchar(max), Hash varbinary(32), Photo image);\n\
             CREATE TABLE docs (id int, body text, raw BINARY LARGE OBJECT);\n\
             CREATE TABLE plain (id int, body text, hash varbinary(64));",
            SqlDialect::Tsql,
        );
        assert_eq!(c.large_object_column("files"), Some("Content"));
        assert_eq!(c.large_object_column("notes"), Some("Photo"));
        assert_eq!(c.large_object_column("docs"), Some("raw"));
        // `text`, `nvarchar(max)` and a sized `varbinary` are not large objects here.
        assert_eq!(c.large_object_column("plain"), None);
        let pg = catalogue(
            "CREATE TABLE IF NOT EXISTS public.assets (id text, data bytea NOT NULL);",
            SqlDialect::Postgres,
        );
        assert_eq!(pg.large_object_column("assets"), Some("data"));
        let all = c.merge(pg);
        let star = |tables: &[&str]| {
            IndexCheck::LargeObject {
                tables: tables.iter().map(|t| t.to_string()).collect(),
            }
            .verdict(&all)
        };
        assert_eq!(
            star(&["plain", "assets"]),
            IndexVerdict::KeepWith(
                "`assets` is declared with the large object column `data`, fetched on every row"
                    .to_string()
            )
        );
        assert_eq!(
            star(&["plain"]),
            IndexVerdict::Lower(STAR_MAPPED_WHOLE.to_string())
        );
        assert_eq!(
            star(&[]),
            IndexVerdict::Lower(STAR_MAPPED_WHOLE.to_string())
        );
        // Application strings add no index, only their large objects.
        let app = IndexCatalogue::large_objects_of_unit(&parse(
            "CREATE TABLE t (id int PRIMARY KEY, b bytea); CREATE INDEX ix ON t (id)",
            SqlDialect::Postgres,
        ));
        assert_eq!(app.len(), 1);
        assert!(!app.has_key_column("t", "id"));
    }

    #[test]
    fn the_table_of_a_no_index_reason_is_read_back_only_when_unambiguous() {
        let cols = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let reason = no_index_reason("app.subscribers", &cols(&["email"]));
        assert_eq!(
            reason,
            "no index on app.subscribers(email) is declared in the scanned files; the expression costs only if one exists"
        );
        assert_eq!(no_index_reason_table(&reason), Some("app.subscribers"));
        let two = no_index_reason("t)x", &cols(&["a)", "b"]));
        assert_eq!(no_index_reason_table(&two), Some("t)x"));
        // A `(` in a name: two readings, so no table.
        for (table, columns) in [("users(email", cols(&["email"])), ("users", cols(&["f(x"]))] {
            assert_eq!(
                no_index_reason_table(&no_index_reason(table, &columns)),
                None
            );
        }
        assert_eq!(
            no_index_reason_table("the column's table could not be told, so no declared index was looked for; the expression costs only if one exists"),
            None
        );
    }

    #[test]
    fn tsql_declarations() {
        let c = catalogue(
            "CREATE TABLE [dbo].[Snap] ([snapshot_time] datetime2 NOT NULL, [Host] nvarchar(50) UNIQUE, [Note] nvarchar(max), [Other] int,\n CONSTRAINT [PK_Snap] PRIMARY KEY CLUSTERED ([snapshot_time] ASC, [Host]), INDEX ix_other NONCLUSTERED (Other))\nGO\nCREATE NONCLUSTERED INDEX IX_Orders ON Sales.Orders (CustomerId DESC) INCLUDE (Total)\nGO\nALTER TABLE dbo.Items WITH CHECK ADD CONSTRAINT PK_Items PRIMARY KEY NONCLUSTERED (ItemCode)\nGO\nCREATE NONCLUSTERED COLUMNSTORE INDEX cs ON dbo.Facts (Amount)\nGO\n",
            SqlDialect::Tsql,
        );
        for (table, column) in [
            ("snap", "snapshot_time"),
            ("snap", "host"),
            ("snap", "other"),
            ("sales.orders", "customerid"),
            ("items", "itemcode"),
        ] {
            assert!(c.has_key_column(table, column), "{table}({column}): {c:?}");
        }
        for (table, column) in [
            ("snap", "note"),
            ("sales.orders", "total"),
            ("facts", "amount"),
        ] {
            assert!(!c.has_key_column(table, column), "{table}({column})");
        }
    }

    #[test]
    fn postgres_declarations() {
        let c = catalogue(
            "CREATE TABLE public.users (id serial PRIMARY KEY, email text NOT NULL, created timestamptz, UNIQUE (created));\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON ONLY users USING btree ((lower(email)));\nCREATE INDEX ON powa.archive USING gist (srvid, coalesce_range);\nALTER TABLE ONLY public.t ADD CONSTRAINT t_pk PRIMARY KEY (a, b);\n",
            SqlDialect::Postgres,
        );
        assert!(c.has_key_column("users", "id"));
        assert!(c.has_key_column("users", "created"));
        assert!(!c.has_key_column("users", "email"));
        assert!(c.has_expression("users", "lower ( email )"));
        assert!(c.has_key_column("powa.archive", "coalesce_range"));
        assert!(c.has_key_column("t", "b"));
    }

    #[test]
    fn which_keys_an_index_seeks_on_alone() {
        let c = catalogue(
            "CREATE UNIQUE NONCLUSTERED INDEX IX_Client ON dbo.Client (Name ASC, Major DESC, Minor)\nGO\nCREATE TABLE dbo.Visit (Day date NOT NULL, Hour int NOT NULL, CONSTRAINT PK_Visit PRIMARY KEY (Day, Hour))\nGO\n",
            SqlDialect::Tsql,
        );
        assert!(c.has_leading_column("client", "name"));
        assert!(c.has_key_column("client", "major") && !c.has_leading_column("client", "major"));
        assert!(!c.has_leading_column("client", "minor"));
        assert!(c.has_leading_column("visit", "day") && !c.has_leading_column("visit", "hour"));
        let pg = catalogue(
            "CREATE INDEX ON archive USING gist (srvid, coalesce_range);\nCREATE INDEX ON archive USING btree (srvid, ts);\n",
            SqlDialect::Postgres,
        );
        assert!(pg.has_leading_column("archive", "coalesce_range"));
        assert!(!pg.has_leading_column("archive", "ts"));
        let verdict = IndexCheck::Table {
            table: "client".into(),
            shown: "dbo.Client".into(),
            columns: vec!["Major".into()],
            expression: "cast ( major as int )".into(),
            equal: Vec::new(),
        }
        .verdict(&c);
        assert!(
            matches!(&verdict, IndexVerdict::Lower(why) if why.contains("not its first")),
            "{verdict:?}"
        );
        // Behind an equality on the key column before it, the index seeks on it.
        assert!(c.seeks_behind_equalities("client", "major", &["name".to_string()]));
        assert!(!c.seeks_behind_equalities("client", "minor", &["name".to_string()]));
        assert!(c.seeks_behind_equalities("visit", "hour", &["day".to_string()]));
    }

    #[test]
    fn names_and_expressions_normalise() {
        assert_eq!(table_key("dbo.Orders"), "orders");
        assert_eq!(table_key("Shop.dbo.Orders"), "orders");
        assert_eq!(table_key("Sales.Orders"), "sales.orders");
        let unit = parse("SELECT 1 FROM u WHERE LOWER(u.Email) = 1", SqlDialect::Tsql);
        let at = unit
            .tokens
            .iter()
            .position(|t| t.is_kw("LOWER"))
            .unwrap_or(0);
        assert_eq!(expression_key(&unit.tokens[at..at + 6]), "lower ( email )");
    }

    #[test]
    fn hostile_declarations_do_not_panic() {
        for text in [
            "CREATE INDEX",
            "CREATE INDEX ix ON",
            "CREATE INDEX ix ON t (",
            "CREATE TABLE t (",
            "ALTER TABLE",
            "ALTER TABLE t ADD",
            "ALTER TABLE t ADD PRIMARY KEY (",
            "CREATE UNIQUE CLUSTERED",
            "CREATE TABLE IF",
        ] {
            let _ = catalogue(text, SqlDialect::Tsql);
            let _ = catalogue(text, SqlDialect::Postgres);
        }
        let long = format!("CREATE INDEX ix ON t (({}));", vec!["a"; 1000].join(" + "));
        assert!(catalogue(&long, SqlDialect::Postgres).is_empty());
    }
}
