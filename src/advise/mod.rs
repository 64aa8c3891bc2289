//! The index advisor: candidates from every source (`candidate`), merged, checked
//! against the existing indexes, ranked by net benefit and named (`plan`), rendered as
//! DDL by each engine's module (`crate::engine`); and planner verification with HypoPG
//! (`hypopg`), which plans a statement only as its own role or, when it names nothing but
//! PostgreSQL's own code (`foreign_code`), as the auditor; and the recommended set
//! planned as a whole (`workload_set`), both run in the collector's session as `Verifier`
//! (`verifier`), through the session `collect` lends (`collect::plan_session`).

pub mod candidate;
pub mod foreign_code;
pub mod hypopg;
pub mod plan;
pub mod verifier;
pub mod workload_set;

pub use verifier::Verifier;

/// `[advisor]` in dbaudit.toml; it lives in `model` (the audit report echoes it).
pub use crate::model::settings::AdvisorConfig;
