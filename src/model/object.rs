//! Facts about the database objects defined in scanned source: what the index advisor
//! joins with live index metadata.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    Procedure,
    Function,
    Trigger,
    View,
    /// A PostgreSQL `DO` block: anonymous, named after its file position.
    AnonymousBlock,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Procedure => "procedure",
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
            ObjectKind::View => "view",
            ObjectKind::AnonymousBlock => "anonymous-block",
        }
    }
}

/// How a predicate column is used: what kind of index access it could drive.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PredicateUse {
    /// `col = value` (a parameter, variable or literal).
    Equality,
    /// `a.col = b.col`: a join key.
    Join,
    In,
    Range,
    LikePrefix,
    OrderBy,
}

impl PredicateUse {
    /// How a column is used, in the words of the reports: `client_id =`, `start_date ORDER BY`.
    pub fn label(self, column: &str) -> String {
        match self {
            PredicateUse::Equality => format!("{column} ="),
            PredicateUse::Join => format!("{column} join key"),
            PredicateUse::In => format!("{column} IN"),
            PredicateUse::Range => format!("{column} range"),
            PredicateUse::LikePrefix => format!("{column} LIKE prefix"),
            PredicateUse::OrderBy => format!("{column} ORDER BY"),
        }
    }
}

/// One column of one table used in a predicate (WHERE / JOIN ... ON) or ORDER BY.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct PredicateFact {
    pub table: String,
    pub column: String,
    #[serde(rename = "use")]
    pub usage: PredicateUse,
    /// Line of the first occurrence.
    pub line: u32,
}

/// A procedure, function, trigger or view found in the scanned source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ObjectFact {
    pub kind: ObjectKind,
    /// Name as written, brackets and quotes removed, schema kept when written.
    pub name: String,
    /// `tsql` or `postgresql`.
    pub dialect: String,
    pub file: String,
    pub line: u32,
    pub end_line: u32,
    /// For PostgreSQL functions: `plpgsql`, `sql`, or another language (body not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    pub predicates: Vec<PredicateFact>,
}
