//! dbaudit: a database performance auditor for SQL Server and PostgreSQL.
//!
//! The library holds the whole pipeline (see docs/ARCHITECTURE.md); `main.rs` is a thin
//! command-line front end.

pub mod advise;
pub mod analyze;
pub mod app;
pub mod audit;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod config;
pub mod engine;
pub mod model;
pub mod report;
pub mod rules;
pub mod scan;
pub mod score;
pub mod snapshot;
pub mod source;
pub mod sql;
pub mod suppress;
pub mod timing;
