//! Live collectors: read-only sessions that read a server's statistics into a
//! `Snapshot`. Every query they run lives in `queries/<engine>/*.sql`.

pub mod connection;
pub mod libpq_files;
pub mod mssql;
pub mod mssql_connection;
pub mod plan_session;
pub mod postgres;
pub mod tls;

pub use crate::engine::queries::{
    postgres_query, required_major_version, required_object, MSSQL_QUERIES, POSTGRES_QUERIES,
};
