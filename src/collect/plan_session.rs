//! The collector's read-only session, lent to work that runs in it after the checks: the
//! advisor's HypoPG verification plans statements there (hypothetical indexes are local
//! to the session). `collect` never names that work: the caller, which sits above both,
//! hands it in as a `SessionWork` (CollectOptions), and the work sees only `PlanSession`,
//! whose operations use plain types, so the advisor neither imports the PostgreSQL driver
//! nor the connection.
//!
//! Every statement a `PlanSession` sends starts with the `/* dbaudit */` marker. Values
//! that come from the audited database (role names, index definitions, names to look up)
//! travel as parameters of `query`, never spliced into the text.

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, SimpleQueryMessage};

use super::connection::explain;
use super::postgres::marked;
use crate::model::progress::Progress;
use crate::model::snapshot::Snapshot;

/// A statement the server refused, or a broken connection.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionError {
    /// The SQLSTATE (`42501`, `57014`, ...), when the server answered with one.
    pub code: Option<String>,
    /// The server's message (and hint), or the I/O cause; never a password.
    pub message: String,
}

/// A parameter of `PlanSession::query`.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Text(&'a str),
    TextArray(&'a [String]),
}

/// One value of a result row, by the column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    /// A type the session does not convert: its name, so that reading it says so.
    Other(String),
}

/// One result row: its columns by name, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlainRow {
    pub cells: Vec<(String, Cell)>,
}

impl PlainRow {
    fn cell(&self, column: &str) -> Result<&Cell, String> {
        self.cells
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, cell)| cell)
            .ok_or_else(|| format!("no column `{column}`"))
    }

    /// A text column (NULL is `None`).
    pub fn text(&self, column: &str) -> Result<Option<String>, String> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Text(text) => Ok(Some(text.clone())),
            other => Err(format!("column `{column}` is not text: {other:?}")),
        }
    }

    /// A boolean column (NULL is `None`).
    pub fn boolean(&self, column: &str) -> Result<Option<bool>, String> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Bool(value) => Ok(Some(*value)),
            other => Err(format!("column `{column}` is not boolean: {other:?}")),
        }
    }

    /// An integer column (NULL is `None`).
    pub fn int(&self, column: &str) -> Result<Option<i64>, String> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Int(value) => Ok(Some(*value)),
            other => Err(format!("column `{column}` is not an integer: {other:?}")),
        }
    }
}

/// What work in the collector's session may do: send a statement, read EXPLAIN's text,
/// run a parameterised query. Implemented by the collector; faked in tests.
pub trait PlanSession {
    /// Sends one statement without parameters (simple protocol) and ignores its rows:
    /// `BEGIN READ ONLY`, `SET LOCAL ...`, `PREPARE`, `DEALLOCATE`, `ROLLBACK`, ...
    fn execute(&self, sql: &str) -> Result<(), SessionError>;

    /// Runs one statement without parameters (simple protocol) and returns the text of
    /// each row's first column, concatenated: EXPLAIN's output.
    fn explain(&self, sql: &str) -> Result<String, SessionError>;

    /// Runs one query with parameters (extended protocol: the values never become SQL
    /// text) and returns its rows.
    fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<PlainRow>, SessionError>;
}

/// Work run in the collector's session once the checks are read, before the connection
/// closes: it may add to the snapshot (its verifications, its notes in
/// `snapshot.manifest.notes`). It reports failures as notes; it does not fail the
/// collection.
pub trait SessionWork: Send + Sync {
    fn run(&self, session: &dyn PlanSession, snapshot: &mut Snapshot, progress: &dyn Progress);
}

/// The collector's connection as a `PlanSession`: each call runs to completion on the
/// collector's runtime (never from inside another `block_on`).
pub(super) struct PgSession<'a> {
    pub(super) runtime: &'a tokio::runtime::Runtime,
    pub(super) client: &'a Client,
}

fn session_error(error: &tokio_postgres::Error) -> SessionError {
    SessionError {
        code: error.code().map(|c| c.code().to_string()),
        message: explain(error),
    }
}

impl PlanSession for PgSession<'_> {
    fn execute(&self, sql: &str) -> Result<(), SessionError> {
        self.runtime
            .block_on(self.client.simple_query(&marked(sql)))
            .map(|_| ())
            .map_err(|e| session_error(&e))
    }

    fn explain(&self, sql: &str) -> Result<String, SessionError> {
        let messages = self
            .runtime
            .block_on(self.client.simple_query(&marked(sql)))
            .map_err(|e| session_error(&e))?;
        let mut text = String::new();
        for message in messages {
            if let SimpleQueryMessage::Row(row) = message {
                text.push_str(row.get(0).unwrap_or(""));
            }
        }
        Ok(text)
    }

    fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<PlainRow>, SessionError> {
        let values: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| match p {
                Param::Text(text) => text as &(dyn ToSql + Sync),
                Param::TextArray(list) => list as &(dyn ToSql + Sync),
            })
            .collect();
        let rows = self
            .runtime
            .block_on(self.client.query(&marked(sql), &values))
            .map_err(|e| session_error(&e))?;
        Ok(rows.iter().map(plain_row).collect())
    }
}

fn plain_row(row: &tokio_postgres::Row) -> PlainRow {
    let cells = row
        .columns()
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let ty = column.type_();
            let cell = match *ty {
                Type::BOOL => row
                    .try_get::<_, Option<bool>>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Bool)),
                Type::INT8 => row
                    .try_get::<_, Option<i64>>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Int)),
                Type::INT4 => row
                    .try_get::<_, Option<i32>>(i)
                    .map(|v| v.map_or(Cell::Null, |v| Cell::Int(v.into()))),
                Type::INT2 => row
                    .try_get::<_, Option<i16>>(i)
                    .map(|v| v.map_or(Cell::Null, |v| Cell::Int(v.into()))),
                Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => row
                    .try_get::<_, Option<String>>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Text)),
                _ => Ok(Cell::Other(ty.name().to_string())),
            }
            .unwrap_or_else(|e| Cell::Other(format!("{}: {e}", ty.name())));
            (column.name().to_string(), cell)
        })
        .collect();
    PlainRow { cells }
}
