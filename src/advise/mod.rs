//! The index advisor: DDL per dialect and planner verification (HypoPG).

pub mod ddl;
pub mod hypopg;
