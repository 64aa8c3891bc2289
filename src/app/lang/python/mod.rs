//! Python: DB-API drivers (psycopg2, psycopg 3, pyodbc, pymssql, sqlite3, mysqlclient,
//! PyMySQL, asyncpg), SQLAlchemy (sessions, connections, engines, `session.query(...)`
//! chains, Flask-SQLAlchemy `Model.query`), the Django ORM (managers, QuerySet
//! evaluation, related managers in loops) and pandas `read_sql`; loops (`for`,
//! `async for`, `while`, comprehensions, `map` / `filter` lambdas); connection lifetimes
//! (`with`, `closing`, `finally`); pools and engines created per call; SQL and
//! connection-string literals (f-strings, implicit concatenation, `+`, `%`, `.format`).
//!
//! Heuristics, precision first:
//! - A method is a database call only when the method AND the receiver make it one. The
//!   receiver's kind (cursor / connection / session / engine / pool) comes first from
//!   what the variable was assigned in the same function (`cur = conn.cursor()`,
//!   `conn = psycopg2.connect(...)`, `with Session() as s`, `db: Session = Depends(...)`),
//!   then, for `self.x`, from any method of the same class, then from module-level
//!   assignments, and only then from its name (`RECEIVER_NAMES`). A variable assigned
//!   from an HTTP / cloud session (`requests.Session()`, `aiohttp.ClientSession()`) or
//!   imported from such a module (`from flask import session`) is never a database
//!   receiver. One-letter names (`c`, `s`) count only when assigned from `.cursor()` /
//!   a session factory.
//! - ORM chains are read structurally: Django `Model.objects.<builders>.<evaluator>()`,
//!   SQLAlchemy `session.query(...).<builders>.<materialiser>()`, Flask-SQLAlchemy
//!   `Model.query.<builders>.<materialiser>()`. Lazy chains (`Model.objects.filter(...)`,
//!   `session.query(User)`) are database calls only where they are evaluated: as the
//!   iteration source of a loop or comprehension (the chain's call is marked), wrapped in
//!   `list()` / `len()` / `tuple()` / `set()` / `sorted()` / `bool()` (the wrapper call is
//!   marked), or assigned to a variable that a loop later iterates (the assigned call is
//!   marked). One evaluation marks one call.
//! - `fetchone` / `fetchall` / `fetchmany` on a cursor (or on the cursor returned by
//!   `conn.execute(...)`) are `DbCall::Query` with db_api `DB-API fetch`: they read rows of
//!   a statement already executed, and the rules decide whether they are a round trip.
//! - `commit()` on a connection or session, and `flush()` / `refresh()` on a session,
//!   are round trips and are catalogued (`... commit`), so a commit per row shows.
//! - `execute` is a Query unless its SQL (literal, variable assigned a literal, or a
//!   SQLAlchemy `insert()` / `update()` / `delete()` construct) is a write without
//!   `RETURNING`.
//! - Django related managers (`order.items.count()`) count only on a loop variable, in a
//!   file importing `django` or in a loop over a QuerySet; custom managers
//!   (`Order.active...`) only with a QuerySet builder after them; `obj.save()` only on the
//!   loop variable of a loop over a QuerySet.
//! - Connection sites are the driver `connect` functions of `DRIVER_CONNECT` (through
//!   import aliases), `engine.connect()` / `.begin()` / `.raw_connection()` and pool
//!   checkouts. `with psycopg2.connect(...) as conn` counts as Guaranteed, as the brief
//!   asks, although psycopg2's / sqlite3's / pyodbc's `with` only ends the transaction.
//! - SQL arguments are followed through a variable or module constant assigned a literal,
//!   `self.X` class constants, `text(...)`, `sql.SQL(...)`, `dedent(...)`. Docstrings are
//!   never literals; `EXEC` / `CALL` prose is kept only at a database call.

pub mod catalogue;
mod types;

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::common::KindExt;

use super::common::FieldExt;

use super::common::{looks_like_sql, masked_credentials, record_errors, Source};
use crate::app::ir::typed::{LanguageFrontEnd, Unit};
use crate::app::ir::{
    AppFile, Assignment, Call, Comment, ConnectionSite, DbCall, Disposal, Function, Language, Loop,
    PerCallConnection, Pos, ReceiverType, StringLit,
};

// =====================================================================================
// The catalogue: Python database call sites, in one place.
// =====================================================================================

/// What a receiver expression holds, as far as the catalogue can tell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Recv {
    Cursor,
    Connection,
    Session,
    Engine,
    Pool,
}

impl Recv {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Where a call's SQL text is: nowhere, or the first positional argument (or one of
/// `SQL_KEYWORDS`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SqlArg {
    None,
    First,
}

/// Methods that reach the database on a receiver of the given kind:
/// (receiver kind, method, what it does, db_api, SQL argument).
/// `execute`-like methods (`VERB_SENSITIVE`) are refined to Execute when their SQL is a
/// write. asyncpg's `fetch` / `fetchrow` / `fetchval` share the connection / pool rows.
const RECEIVER_METHODS: &[(Recv, &str, DbCall, &str, SqlArg)] = &[
    // DB-API cursors (psycopg2, psycopg 3, pyodbc, pymssql, sqlite3, mysqlclient, PyMySQL).
    (
        Recv::Cursor,
        "execute",
        DbCall::Query,
        "DB-API cursor.execute",
        SqlArg::First,
    ),
    (
        Recv::Cursor,
        "executemany",
        DbCall::Execute,
        "DB-API cursor.executemany",
        SqlArg::First,
    ),
    (
        Recv::Cursor,
        "executescript",
        DbCall::Execute,
        "sqlite3 cursor.executescript",
        SqlArg::First,
    ),
    (
        Recv::Cursor,
        "callproc",
        DbCall::Query,
        "DB-API cursor.callproc",
        SqlArg::None,
    ),
    (
        Recv::Cursor,
        "fetchone",
        DbCall::Query,
        "DB-API fetch",
        SqlArg::None,
    ),
    (
        Recv::Cursor,
        "fetchall",
        DbCall::Query,
        "DB-API fetch",
        SqlArg::None,
    ),
    (
        Recv::Cursor,
        "fetchmany",
        DbCall::Query,
        "DB-API fetch",
        SqlArg::None,
    ),
    (
        Recv::Cursor,
        "copy_expert",
        DbCall::Execute,
        "psycopg2 cursor.copy_expert",
        SqlArg::First,
    ),
    (
        Recv::Cursor,
        "copy_from",
        DbCall::Execute,
        "psycopg2 cursor.copy_from",
        SqlArg::None,
    ),
    (
        Recv::Cursor,
        "copy_to",
        DbCall::Execute,
        "psycopg2 cursor.copy_to",
        SqlArg::None,
    ),
    (
        Recv::Cursor,
        "copy",
        DbCall::Execute,
        "psycopg cursor.copy",
        SqlArg::First,
    ),
    // Connections: sqlite3 / psycopg 3 `conn.execute`, asyncpg, SQLAlchemy Connection.
    (
        Recv::Connection,
        "execute",
        DbCall::Query,
        "DB-API connection.execute",
        SqlArg::First,
    ),
    (
        Recv::Connection,
        "executemany",
        DbCall::Execute,
        "DB-API connection.executemany",
        SqlArg::First,
    ),
    (
        Recv::Connection,
        "executescript",
        DbCall::Execute,
        "sqlite3 connection.executescript",
        SqlArg::First,
    ),
    (
        Recv::Connection,
        "exec_driver_sql",
        DbCall::Query,
        "SQLAlchemy connection.exec_driver_sql",
        SqlArg::First,
    ),
    (
        Recv::Connection,
        "fetch",
        DbCall::Query,
        "asyncpg connection.fetch",
        SqlArg::First,
    ),
    (
        Recv::Connection,
        "fetchrow",
        DbCall::Query,
        "asyncpg connection.fetchrow",
        SqlArg::First,
    ),
    (
        Recv::Connection,
        "fetchval",
        DbCall::Query,
        "asyncpg connection.fetchval",
        SqlArg::First,
    ),
    (
        Recv::Connection,
        "copy_records_to_table",
        DbCall::Execute,
        "asyncpg copy_records_to_table",
        SqlArg::None,
    ),
    (
        Recv::Connection,
        "commit",
        DbCall::Execute,
        "DB-API connection.commit",
        SqlArg::None,
    ),
    // SQLAlchemy sessions (and FastAPI / Flask `db` sessions).
    (
        Recv::Session,
        "execute",
        DbCall::Query,
        "SQLAlchemy session.execute",
        SqlArg::First,
    ),
    (
        Recv::Session,
        "scalars",
        DbCall::Query,
        "SQLAlchemy session.scalars",
        SqlArg::First,
    ),
    (
        Recv::Session,
        "scalar",
        DbCall::Query,
        "SQLAlchemy session.scalar",
        SqlArg::First,
    ),
    (
        Recv::Session,
        "exec",
        DbCall::Query,
        "SQLModel session.exec",
        SqlArg::First,
    ),
    // `session.get(Model, id)`: only with a capitalised model first and two arguments.
    (
        Recv::Session,
        "get",
        DbCall::Query,
        "SQLAlchemy session.get",
        SqlArg::None,
    ),
    (
        Recv::Session,
        "refresh",
        DbCall::Query,
        "SQLAlchemy session.refresh",
        SqlArg::None,
    ),
    (
        Recv::Session,
        "commit",
        DbCall::Execute,
        "SQLAlchemy session.commit",
        SqlArg::None,
    ),
    (
        Recv::Session,
        "flush",
        DbCall::Execute,
        "SQLAlchemy session.flush",
        SqlArg::None,
    ),
    // SQLAlchemy 1.x engines.
    (
        Recv::Engine,
        "execute",
        DbCall::Query,
        "SQLAlchemy engine.execute",
        SqlArg::First,
    ),
    // asyncpg pools.
    (
        Recv::Pool,
        "fetch",
        DbCall::Query,
        "asyncpg pool.fetch",
        SqlArg::First,
    ),
    (
        Recv::Pool,
        "fetchrow",
        DbCall::Query,
        "asyncpg pool.fetchrow",
        SqlArg::First,
    ),
    (
        Recv::Pool,
        "fetchval",
        DbCall::Query,
        "asyncpg pool.fetchval",
        SqlArg::First,
    ),
    (
        Recv::Pool,
        "execute",
        DbCall::Query,
        "asyncpg pool.execute",
        SqlArg::First,
    ),
    (
        Recv::Pool,
        "executemany",
        DbCall::Execute,
        "asyncpg pool.executemany",
        SqlArg::First,
    ),
];

/// Methods whose Query / Execute depends on the SQL verb.
const VERB_SENSITIVE: &[&str] = &["execute", "exec_driver_sql", "exec"];

/// Keyword names of the SQL argument (`cursor.execute(operation=...)`, `query=`...).
const SQL_KEYWORDS: &[&str] = &["sql", "query", "statement", "operation", "stmt"];

/// How a receiver name (last segment, lower-cased, leading `_` stripped) suggests its kind.
#[derive(Clone, Copy)]
enum Pat {
    Exact(&'static str),
    Suffix(&'static str),
    Contains(&'static str),
}

/// Receiver names: `cur` / `cursor` / `cr` (Odoo) are cursors, `conn` / `cnxn` / `db` are
/// connections, `session` / `db_session` / `db` are SQLAlchemy sessions, `engine`,
/// `pool`. `c` and `s` are not here: only their assignment makes them a cursor / session.
const RECEIVER_NAMES: &[(Recv, Pat)] = &[
    (Recv::Cursor, Pat::Exact("cur")),
    (Recv::Cursor, Pat::Exact("curs")),
    (Recv::Cursor, Pat::Exact("cr")),
    (Recv::Cursor, Pat::Contains("cursor")),
    (Recv::Cursor, Pat::Suffix("_cur")),
    (Recv::Connection, Pat::Exact("con")),
    (Recv::Connection, Pat::Exact("cnx")),
    (Recv::Connection, Pat::Exact("cnxn")),
    (Recv::Connection, Pat::Exact("db")),
    (Recv::Connection, Pat::Suffix("conn")),
    (Recv::Connection, Pat::Suffix("connection")),
    (Recv::Connection, Pat::Suffix("_con")),
    (Recv::Session, Pat::Suffix("session")),
    (Recv::Session, Pat::Exact("sess")),
    (Recv::Session, Pat::Exact("db")),
    (Recv::Session, Pat::Suffix("_sess")),
    (Recv::Engine, Pat::Suffix("engine")),
    (Recv::Pool, Pat::Suffix("pool")),
];

/// Dotted receivers that look like a database session by name but are not
/// (Django's `request.session` is a dict-like store).
const NON_DB_RECEIVER_SUFFIXES: &[&str] = &["request.session"];

/// Modules whose sessions / clients are not databases: a variable assigned from them
/// (`requests.Session()`, `aiohttp.ClientSession()`) or a name imported from them
/// (`from flask import session`) is never a database receiver.
const NON_DB_MODULES: &[&str] = &[
    "requests",
    "aiohttp",
    "httpx",
    "urllib3",
    "boto3",
    "botocore",
    "aioboto3",
    "flask",
    "tensorflow",
    "tf",
    "onnxruntime",
    "ort",
    "keras",
    "grpc",
    "selenium",
    "paramiko",
];

/// Constructors of sessions that are not databases.
const NON_DB_CALLEES: &[&str] = &[
    "ClientSession",
    "InferenceSession",
    "AsyncClient",
    "SparkSession",
];

/// Driver `connect` functions: (resolved dotted path, driver). The path is matched after
/// import aliases (`import psycopg2 as pg`, `from sqlite3 import connect`).
const DRIVER_CONNECT: &[(&str, &str)] = &[
    ("psycopg2.connect", "psycopg2"),
    ("psycopg.connect", "psycopg"),
    ("psycopg.Connection.connect", "psycopg"),
    ("psycopg.AsyncConnection.connect", "psycopg"),
    ("pyodbc.connect", "pyodbc"),
    ("pymssql.connect", "pymssql"),
    ("mysql.connector.connect", "mysql.connector"),
    ("MySQLdb.connect", "MySQLdb"),
    ("pymysql.connect", "pymysql"),
    ("sqlite3.connect", "sqlite3"),
    ("sqlite3.dbapi2.connect", "sqlite3"),
    ("asyncpg.connect", "asyncpg"),
    ("aiosqlite.connect", "aiosqlite"),
    ("aiomysql.connect", "aiomysql"),
    ("aiopg.connect", "aiopg"),
    ("cx_Oracle.connect", "cx_Oracle"),
    ("oracledb.connect", "oracledb"),
    ("mariadb.connect", "mariadb"),
];

/// SQLAlchemy engine methods that open a connection (receiver: an engine).
const ENGINE_CONNECT_METHODS: &[&str] = &["connect", "raw_connection", "begin"];

/// Pool checkouts (receiver: a pool): psycopg2 `getconn`, asyncpg / aiomysql `acquire`,
/// psycopg_pool `connection()`.
const POOL_CHECKOUT_METHODS: &[&str] = &["getconn", "acquire", "connection"];

/// Methods that close a connection variable (`conn.close()`).
const CLOSE_METHODS: &[&str] = &["close", "aclose"];

/// Functions / methods that release a connection passed to them (`pool.putconn(conn)`).
const RELEASE_FUNCTIONS: &[&str] = &["putconn", "release"];

/// Functions that look at a connection without taking it over.
const NON_OWNING_FUNCTIONS: &[&str] = &[
    "isinstance",
    "issubclass",
    "print",
    "repr",
    "str",
    "id",
    "type",
    "hasattr",
    "getattr",
    "bool",
    "len",
];

/// Pools and engines (each with its own pool): (resolved dotted path, match on the last
/// segment alone when the name is not imported, label, kind of the value).
const POOL_CONSTRUCTORS: &[(&str, bool, &str, Recv)] = &[
    (
        "sqlalchemy.create_engine",
        true,
        "SQLAlchemy engine (with its own connection pool)",
        Recv::Engine,
    ),
    (
        "sqlalchemy.engine.create_engine",
        true,
        "SQLAlchemy engine (with its own connection pool)",
        Recv::Engine,
    ),
    (
        "sqlalchemy.ext.asyncio.create_async_engine",
        true,
        "SQLAlchemy async engine (with its own connection pool)",
        Recv::Engine,
    ),
    (
        "sqlalchemy.engine_from_config",
        true,
        "SQLAlchemy engine (with its own connection pool)",
        Recv::Engine,
    ),
    (
        "psycopg2.pool.SimpleConnectionPool",
        true,
        "psycopg2 connection pool",
        Recv::Pool,
    ),
    (
        "psycopg2.pool.ThreadedConnectionPool",
        true,
        "psycopg2 connection pool",
        Recv::Pool,
    ),
    (
        "psycopg2.pool.PersistentConnectionPool",
        true,
        "psycopg2 connection pool",
        Recv::Pool,
    ),
    (
        "psycopg_pool.ConnectionPool",
        false,
        "psycopg_pool connection pool",
        Recv::Pool,
    ),
    (
        "psycopg_pool.AsyncConnectionPool",
        false,
        "psycopg_pool connection pool",
        Recv::Pool,
    ),
    (
        "asyncpg.create_pool",
        false,
        "asyncpg connection pool",
        Recv::Pool,
    ),
    (
        "aiomysql.create_pool",
        false,
        "aiomysql connection pool",
        Recv::Pool,
    ),
    (
        "aiopg.create_pool",
        false,
        "aiopg connection pool",
        Recv::Pool,
    ),
    (
        "mysql.connector.pooling.MySQLConnectionPool",
        true,
        "mysql.connector connection pool",
        Recv::Pool,
    ),
    (
        "sqlalchemy.pool.QueuePool",
        false,
        "SQLAlchemy QueuePool",
        Recv::Pool,
    ),
];

/// Functions where creating a pool / engine is start-up, not per call (lower-cased
/// names: exact, then prefixes). Conservative: also skipped are functions decorated with
/// `SETUP_DECORATORS`, test files, run-once files (migrations, Alembic `env.py`, Django
/// management commands, `scripts/`, `manage.py`), and pools stored on an attribute / in
/// a container / in a `global`, or returned / yielded (factories).
const SETUP_FUNCTIONS: &[&str] = &[
    "__init__",
    "__new__",
    "__enter__",
    "__aenter__",
    "__post_init__",
    "main",
    "lifespan",
    "run",
    "cli",
    "get_engine",
    "get_pool",
    "startup",
    "on_startup",
    "create_app",
    "make_app",
    "app_factory",
    "run_migrations_online",
    "run_migrations_offline",
];
const SETUP_FUNCTION_PREFIXES: &[&str] = &[
    "init",
    "_init",
    "setup",
    "set_up",
    "_setup",
    "configure",
    "_configure",
    "create_app",
    "make_app",
    "create_engine",
    "make_engine",
    "build_engine",
    "get_engine",
    "_get_engine",
    "create_pool",
    "make_pool",
    "get_pool",
    "_get_pool",
    "init_pool",
    "startup",
    "on_startup",
    "test",
];
const SETUP_DECORATORS: &[&str] = &[
    "cache",
    "fixture",
    "on_event",
    "before_first_request",
    "before_serving",
    "on_startup",
    "lifespan",
    "singleton",
];

/// Django managers (`Model.objects`).
const DJANGO_MANAGERS: &[&str] = &["objects", "_default_manager", "_base_manager"];

/// QuerySet methods that return another lazy QuerySet.
const DJANGO_LAZY: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "order_by",
    "values",
    "values_list",
    "select_related",
    "prefetch_related",
    "annotate",
    "alias",
    "only",
    "defer",
    "distinct",
    "none",
    "using",
    "select_for_update",
    "reverse",
    "extra",
    "dates",
    "datetimes",
    "union",
    "intersection",
    "difference",
    "raw",
    "iterator",
];

/// QuerySet / manager methods that run a statement.
const DJANGO_EVAL: &[(&str, DbCall)] = &[
    ("get", DbCall::Query),
    ("first", DbCall::Query),
    ("last", DbCall::Query),
    ("count", DbCall::Query),
    ("exists", DbCall::Query),
    ("aggregate", DbCall::Query),
    ("get_or_create", DbCall::Query),
    ("update_or_create", DbCall::Query),
    ("in_bulk", DbCall::Query),
    ("earliest", DbCall::Query),
    ("latest", DbCall::Query),
    ("contains", DbCall::Query),
    ("explain", DbCall::Query),
    ("create", DbCall::Execute),
    ("update", DbCall::Execute),
    ("delete", DbCall::Execute),
    ("bulk_create", DbCall::Execute),
    ("bulk_update", DbCall::Execute),
    ("aget", DbCall::Query),
    ("afirst", DbCall::Query),
    ("alast", DbCall::Query),
    ("acount", DbCall::Query),
    ("aexists", DbCall::Query),
    ("aaggregate", DbCall::Query),
    ("aget_or_create", DbCall::Query),
    ("aupdate_or_create", DbCall::Query),
    ("ain_bulk", DbCall::Query),
    ("aearliest", DbCall::Query),
    ("alatest", DbCall::Query),
    ("acreate", DbCall::Execute),
    ("aupdate", DbCall::Execute),
    ("adelete", DbCall::Execute),
    ("abulk_create", DbCall::Execute),
    ("abulk_update", DbCall::Execute),
];

/// Related-manager reads on a loop variable (`order.items.all()`, `.count()`): the
/// classic Django N+1. Attribute access (`order.customer.name`) is not a call and is
/// not reported. `count` only without arguments, `get` only with keyword arguments.
const DJANGO_RELATED_READS: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "count",
    "exists",
    "first",
    "last",
    "get",
    "aggregate",
    "order_by",
    "select_related",
    "prefetch_related",
    "annotate",
    "latest",
    "earliest",
    "only",
    "defer",
    "distinct",
];

/// Model-instance writes on the loop variable of a loop over a QuerySet.
const DJANGO_INSTANCE_WRITES: &[&str] = &["save", "delete", "refresh_from_db"];

/// SQLAlchemy `Query` materialisers (also Flask-SQLAlchemy's `*_or_404` / `paginate`).
const SQLA_MATERIALISERS: &[(&str, DbCall)] = &[
    ("all", DbCall::Query),
    ("first", DbCall::Query),
    ("one", DbCall::Query),
    ("one_or_none", DbCall::Query),
    ("scalar", DbCall::Query),
    ("count", DbCall::Query),
    ("get", DbCall::Query),
    ("value", DbCall::Query),
    ("delete", DbCall::Execute),
    ("update", DbCall::Execute),
    ("paginate", DbCall::Query),
    ("first_or_404", DbCall::Query),
    ("get_or_404", DbCall::Query),
    ("one_or_404", DbCall::Query),
];

/// Functions that evaluate a lazy QuerySet / Query passed to them.
const EVAL_WRAPPERS: &[&str] = &["list", "tuple", "set", "frozenset", "sorted", "len", "bool"];

/// Wrappers unwrapped to find a loop's iteration source.
const ITER_WRAPPERS: &[&str] = &[
    "list",
    "tuple",
    "set",
    "frozenset",
    "sorted",
    "reversed",
    "enumerate",
    "iter",
];

/// Calls that wrap SQL text (`text("...")`, `sql.SQL("...")`, `dedent("""...""")`).
const SQL_WRAPPERS: &[&str] = &["text", "SQL", "dedent", "literal_column"];

/// SQLAlchemy statement constructs passed to `execute`: what they do.
const SQLA_STATEMENTS: &[(&str, DbCall)] = &[
    ("select", DbCall::Query),
    ("insert", DbCall::Execute),
    ("update", DbCall::Execute),
    ("delete", DbCall::Execute),
];

/// Functions reaching the database by their resolved path: (path, match the last segment
/// alone when not imported, what it does, db_api, SQL argument).
const FUNCTIONS: &[(&str, bool, DbCall, &str, SqlArg)] = &[
    (
        "pandas.read_sql",
        false,
        DbCall::Query,
        "pandas read_sql",
        SqlArg::First,
    ),
    (
        "pandas.read_sql_query",
        false,
        DbCall::Query,
        "pandas read_sql_query",
        SqlArg::First,
    ),
    (
        "pandas.read_sql_table",
        false,
        DbCall::Query,
        "pandas read_sql_table",
        SqlArg::None,
    ),
    (
        "django.shortcuts.get_object_or_404",
        true,
        DbCall::Query,
        "Django get_object_or_404",
        SqlArg::None,
    ),
    (
        "django.shortcuts.get_list_or_404",
        true,
        DbCall::Query,
        "Django get_list_or_404",
        SqlArg::None,
    ),
];

/// Iteration callbacks: `map(lambda x: ..., xs)`, `filter(lambda x: ..., xs)`,
/// `executor.map(lambda x: ..., xs)`.
const LOOP_CALLBACKS: &[(&str, &str)] = &[("map", "map callback"), ("filter", "filter callback")];

// =====================================================================================
// Extraction
// =====================================================================================

use super::common::{IdMap, IdSet};

/// Nodes deeper than this are not visited (pathological nesting).
const MAX_DEPTH: usize = 1000;

pub fn extract(path: &str, text: &str) -> AppFile {
    let mut file = AppFile::new(path, Language::Python);
    let Some((tree, _kind_names)) =
        super::common::parse_tree(&mut file, text, &tree_sitter_python::LANGUAGE.into())
    else {
        return file;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    record_errors(&mut file, &source, root);
    let mut x = Extractor::new(&source, root, file);
    x.run();
    // Receiver types: the file's types lowered to the typed IR, read by the core.
    let unit = x.typed_unit();
    let typing = crate::app::core::types::Typing::new(&Python, &unit);
    for (call, typed) in x.file.calls.iter_mut().zip(&unit.calls) {
        call.receiver_type = typing.receiver_type(typed);
    }
    x.file.classes = crate::app::core::class_facts(&unit);
    x.file
}

/// Python's front end on the typed IR, for its types: `lower` gives the classes, functions,
/// locals, imports and call receivers (`types`), which the core types (module scope);
/// the other facts are extracted by this adapter (`extract`).
pub struct Python;

impl LanguageFrontEnd for Python {
    fn language(&self) -> Language {
        Language::Python
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["py"]
    }

    fn grammar(&self) -> tree_sitter::Language {
        tree_sitter_python::LANGUAGE.into()
    }

    fn is_test_file(&self, path: &str) -> bool {
        is_test_file(path)
    }

    fn is_library_type(&self, name: &str) -> bool {
        catalogue::LIBRARY_TYPES.contains(&name)
    }

    fn is_untyped(&self, name: &str) -> bool {
        catalogue::UNTYPED.contains(&name)
    }

    fn has_module_scope(&self) -> bool {
        true
    }

    fn lower(&self, path: &str, text: &str) -> Unit {
        let mut file = AppFile::new(path, Language::Python);
        let Some((tree, _kind_names)) =
            super::common::parse_tree(&mut file, text, &tree_sitter_python::LANGUAGE.into())
        else {
            let mut unit = Unit::new(path, Language::Python);
            unit.error_share = file.error_share;
            unit.not_parsed = file.not_parsed;
            return unit;
        };
        let source = Source::new(text);
        let root = tree.root_node();
        record_errors(&mut file, &source, root);
        let (error_share, error_regions) = (file.error_share, file.error_regions.clone());
        let mut x = Extractor::new(&source, root, file);
        x.run();
        let mut unit = x.typed_unit();
        unit.error_share = error_share;
        unit.error_regions = error_regions;
        unit
    }
}

/// What a variable was bound to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BindKind {
    /// Receiver kinds (bit set of `Recv`).
    Recv(u8),
    /// An HTTP / cloud session or client: never a database receiver.
    NonDb,
    /// A lazy QuerySet / Query: the call (index in `calls`).
    Lazy(usize),
    /// A string candidate (index in `candidates`).
    Str(usize),
    Other,
}

struct Binding {
    scope: Option<usize>,
    /// Where the binding takes effect (end of the statement / `with` item).
    pos: usize,
    /// The value node (None for annotated parameters).
    value: Option<usize>,
    /// Kind from a parameter annotation.
    annotated: Option<BindKind>,
    kind: BindKind,
}

/// A string expression worth building (the outermost of a concatenation).
struct Candidate {
    text: String,
    segments: Vec<(usize, Pos)>,
    start: Pos,
    function: Option<usize>,
    at_db_call: bool,
}

/// What a function does with a connection variable.
#[derive(Default)]
struct Uses {
    guaranteed: Option<String>,
    normal: Option<String>,
    escapes: Vec<String>,
}

/// One step of a member chain: `.name` or `.name(...)`.
struct Elem<'a> {
    name: String,
    call: Option<Node<'a>>,
}

struct Chain<'a> {
    root: Option<String>,
    root_is_call: bool,
    elems: Vec<Elem<'a>>,
}

/// How an ORM chain behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ChainClass {
    /// Builds a query without running it (family: `Django`, `SQLAlchemy`, ...).
    Lazy(&'static str),
    /// Runs it.
    Eval(DbCall, String),
}

struct Extractor<'a> {
    src: &'a Source<'a>,
    nodes: Vec<Node<'a>>,
    parent: Vec<Option<usize>>,
    /// Node kinds, cached (`Node::kind` is an FFI call).
    kinds: Vec<&'static str>,
    index: IdMap<usize>,
    file: AppFile,
    fn_of: Vec<Option<usize>>,
    fn_node: Vec<usize>,
    call_node: Vec<usize>,
    call_of: IdMap<usize>,
    loop_of: IdMap<usize>,
    loop_node: Vec<usize>,
    /// Wrapper calls (`list(...)`) unwrapped to reach a loop's source.
    source_wrappers: IdSet,
    imports: HashMap<String, String>,
    uses_django: bool,
    bindings: Vec<Binding>,
    bindings_by_key: HashMap<String, Vec<usize>>,
    candidates: Vec<Candidate>,
    cand_of: IdMap<usize>,
    chain_class: Vec<Option<ChainClass>>,
    /// SQL argument candidate of each call.
    sql_cand: IdMap<usize>,
    /// Resolved dotted paths of callees, by node id.
    paths: std::cell::RefCell<IdMap<Option<String>>>,
    /// Line starts (byte offsets), and which lines are ASCII (computed on demand): on
    /// an ASCII line a byte column is the character column, so positions on very long
    /// lines do not cost a character count each.
    line_starts: Vec<usize>,
    ascii_lines: std::cell::RefCell<IdMap<bool>>,
    /// `call_value` results by node id (receiver analysis recurses through chains).
    values: std::cell::RefCell<IdMap<Option<u8>>>,
}

fn is_capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().any(|c| c.is_ascii_lowercase())
}

fn name_kinds(name: &str) -> u8 {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    let mut kinds = 0;
    for (recv, pat) in RECEIVER_NAMES {
        let hit = match pat {
            Pat::Exact(s) => lower == *s,
            Pat::Suffix(s) => lower.ends_with(s),
            Pat::Contains(s) => lower.contains(s),
        };
        if hit {
            kinds |= recv.bit();
        }
    }
    kinds
}

/// Kinds suggested by a factory function's name: `get_db()`, `get_connection()`,
/// `create_connection()`, `get_cursor()`.
fn factory_name_kinds(name: &str) -> u8 {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    for prefix in [
        "get_", "create_", "new_", "open_", "make_", "acquire_", "connect_",
    ] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return name_kinds(rest);
        }
    }
    0
}

fn sql_verb_call(text: &str) -> Option<DbCall> {
    let upper = text
        .trim_start()
        .trim_start_matches('(')
        .to_ascii_uppercase();
    let first = upper
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    match first {
        "SELECT" | "WITH" | "SHOW" | "EXPLAIN" | "VALUES" | "PRAGMA" | "TABLE" | "DESCRIBE" => {
            Some(DbCall::Query)
        }
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "UPSERT" | "REPLACE" => {
            if upper.contains("RETURNING") || upper.contains("OUTPUT ") {
                Some(DbCall::Query)
            } else {
                Some(DbCall::Execute)
            }
        }
        "CREATE" | "DROP" | "ALTER" | "TRUNCATE" | "GRANT" | "REVOKE" | "COMMENT" | "SET"
        | "BEGIN" | "COMMIT" | "ROLLBACK" | "LOCK" | "VACUUM" | "ANALYZE" | "REFRESH" | "COPY"
        | "CLUSTER" | "REINDEX" => Some(DbCall::Execute),
        _ => None,
    }
}

/// `looks_like_sql` accepts any short text starting with `EXEC` / `EXECUTE` / `CALL`; in
/// Python such literals away from a database call are prose or Python (`"exec code in
/// ns"`, `"call gc.collect() first"`), so they are kept only when they reach a database
/// call.
fn is_procedure_call_prose(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(first.as_str(), "EXEC" | "EXECUTE" | "CALL")
}

/// Files that run once per invocation, not per request: migrations, management
/// commands, scripts.
fn is_run_once_file(path: &str) -> bool {
    let normalised = format!("/{}", path.replace('\\', "/"));
    [
        "/migrations/",
        "/alembic/",
        "/management/commands/",
        "/scripts/",
    ]
    .iter()
    .any(|d| normalised.contains(d))
        || normalised.ends_with("/manage.py")
}

fn is_test_file(path: &str) -> bool {
    let normalised = path.replace('\\', "/");
    let name = normalised.rsplit('/').next().unwrap_or("");
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || normalised.contains("/tests/")
        || normalised.contains("/test/")
        || normalised.starts_with("tests/")
        || normalised.starts_with("test/")
}

impl<'a> Extractor<'a> {
    fn new(src: &'a Source<'a>, root: Node<'a>, file: AppFile) -> Extractor<'a> {
        let count = root.descendant_count().min(1 << 24);
        let mut nodes = Vec::with_capacity(count);
        let mut parent = Vec::with_capacity(count);
        let mut kinds = Vec::with_capacity(count);
        let mut index = IdMap::with_capacity_and_hasher(count, Default::default());
        // Anonymous nodes (punctuation, keywords) are read through their parents only.
        super::common::visit_preorder_where(root, MAX_DEPTH, true, |node, parent_index| {
            index.insert(node.id(), nodes.len());
            nodes.push(node);
            kinds.push(node.kind_name());
            parent.push(parent_index);
        });
        let n = nodes.len();
        Extractor {
            src,
            nodes,
            parent,
            kinds,
            index,
            file,
            fn_of: vec![None; n],
            fn_node: Vec::new(),
            call_node: Vec::new(),
            call_of: IdMap::default(),
            loop_of: IdMap::default(),
            loop_node: Vec::new(),
            source_wrappers: IdSet::default(),
            imports: HashMap::new(),
            uses_django: false,
            bindings: Vec::new(),
            bindings_by_key: HashMap::new(),
            candidates: Vec::new(),
            cand_of: IdMap::default(),
            chain_class: Vec::new(),
            sql_cand: IdMap::default(),
            paths: std::cell::RefCell::new(IdMap::default()),
            values: std::cell::RefCell::new(IdMap::default()),
            line_starts: std::iter::once(0)
                .chain(src.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            ascii_lines: std::cell::RefCell::new(IdMap::default()),
        }
    }

    fn run(&mut self) {
        self.comments_and_imports();
        self.functions();
        self.calls();
        self.loops();
        self.call_loops();
        self.strings();
        self.bindings();
        self.assignments();
        self.chain_class = (0..self.call_node.len())
            .map(|ci| self.classify_chain(self.nodes[self.call_node[ci]]))
            .collect();
        self.db_calls();
        self.lazy_evaluations();
        self.loop_variable_calls();
        self.sql_arguments();
        self.emit_strings();
        self.connections();
        self.per_call_connections();
    }

    // ---- small tree helpers ----

    fn idx(&self, node: Node<'a>) -> Option<usize> {
        self.index.get(&node.id()).copied()
    }

    fn up(&self, i: usize) -> Option<usize> {
        self.parent.get(i).copied().flatten()
    }

    fn kind(&self, i: usize) -> &'static str {
        self.kinds[i]
    }

    fn text(&self, node: Node<'a>) -> &'a str {
        self.src.text(node)
    }

    fn line_is_ascii(&self, row: usize) -> bool {
        if let Some(&a) = self.ascii_lines.borrow().get(&row) {
            return a;
        }
        let start = self
            .line_starts
            .get(row)
            .copied()
            .unwrap_or(self.src.text.len());
        let end = self
            .line_starts
            .get(row + 1)
            .copied()
            .unwrap_or(self.src.text.len());
        let ascii = self
            .src
            .text
            .get(start..end)
            .is_some_and(|line| line.is_ascii());
        self.ascii_lines.borrow_mut().insert(row, ascii);
        ascii
    }

    /// `Source::pos`, in constant time on ASCII lines.
    fn pos(&self, point: tree_sitter::Point) -> Pos {
        match self.line_starts.get(point.row) {
            Some(&start) if self.line_is_ascii(point.row) => Pos {
                line: point.row as u32 + 1,
                column: point.column.min(self.src.text.len() - start) as u32 + 1,
            },
            _ => self.src.pos(point),
        }
    }

    fn start(&self, node: Node<'a>) -> Pos {
        self.pos(node.start_position())
    }

    fn end(&self, node: Node<'a>) -> Pos {
        self.pos(node.end_position())
    }

    /// `Source::pos_of_byte`, in constant time on ASCII lines.
    fn pos_of_byte(&self, byte: usize) -> Pos {
        let row = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        match self.line_starts.get(row) {
            Some(&start) if self.line_is_ascii(row) => Pos {
                line: row as u32 + 1,
                column: (byte.min(self.src.text.len()) - start.min(byte)) as u32 + 1,
            },
            _ => self.src.pos_of_byte(byte),
        }
    }

    /// The node's text on one line (`one_line`), shortened to `max` characters.
    fn short(&self, node: Node<'a>, max: usize) -> String {
        crate::model::finding::one_line(self.text(node), max)
    }

    fn field(node: Node<'a>, name: &str) -> Option<Node<'a>> {
        node.field(name)
    }

    fn field_text(&self, node: Node<'a>, name: &str) -> String {
        Self::field(node, name)
            .map(|n| self.text(n).to_string())
            .unwrap_or_default()
    }

    /// Whether `child` is the `field` child of `parent`.
    fn is_field(&self, parent: usize, field: &str, child: usize) -> bool {
        Self::field(self.nodes[parent], field).is_some_and(|f| f.id() == self.nodes[child].id())
    }

    fn named_children(node: Node<'a>) -> Vec<Node<'a>> {
        super::tree::named_children(node)
    }

    fn inner(node: Node<'a>) -> Option<Node<'a>> {
        Self::named_children(node).into_iter().next()
    }

    /// Strips parentheses and `await`.
    fn unwrap(node: Node<'a>) -> Node<'a> {
        let mut n = node;
        for _ in 0..64 {
            match n.kind_name() {
                "parenthesized_expression" | "await" => match Self::inner(n) {
                    Some(i) => n = i,
                    None => break,
                },
                _ => break,
            }
        }
        n
    }

    /// Climbs from node index `i` through parentheses and `await`.
    fn climb(&self, i: usize) -> usize {
        let mut e = i;
        while let Some(p) = self.up(e) {
            if matches!(self.kind(p), "parenthesized_expression" | "await") {
                e = p;
            } else {
                break;
            }
        }
        e
    }

    fn positional_args(call: Node<'a>) -> Vec<Node<'a>> {
        let Some(args) = Self::field(call, "arguments") else {
            return Vec::new();
        };
        if args.kind_name() != "argument_list" {
            return Vec::new();
        }
        Self::named_children(args)
            .into_iter()
            .filter(|a| {
                !matches!(
                    a.kind_name(),
                    "keyword_argument" | "list_splat" | "dictionary_splat"
                )
            })
            .collect()
    }

    fn keyword_arg(&self, call: Node<'a>, names: &[&str]) -> Option<Node<'a>> {
        let args = Self::field(call, "arguments")?;
        Self::named_children(args).into_iter().find_map(|a| {
            if a.kind_name() == "keyword_argument"
                && names.contains(&self.field_text(a, "name").as_str())
            {
                Self::field(a, "value")
            } else {
                None
            }
        })
    }

    fn callee_name(&self, call: Node<'a>) -> String {
        match Self::field(call, "function") {
            Some(f) if f.kind_name() == "attribute" => self.field_text(f, "attribute"),
            Some(f) if f.kind_name() == "identifier" => self.text(f).to_string(),
            Some(f) => self.short(f, 60),
            None => String::new(),
        }
    }

    /// `a.b.c` as text when the expression is identifiers joined by dots.
    fn dotted(&self, node: Node<'a>) -> Option<String> {
        let mut parts = Vec::new();
        let mut n = node;
        for _ in 0..64 {
            match n.kind_name() {
                "identifier" => {
                    parts.push(self.text(n).to_string());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                "attribute" => {
                    parts.push(self.field_text(n, "attribute"));
                    n = Self::field(n, "object")?;
                }
                _ => return None,
            }
        }
        None
    }

    /// The dotted path of a callee with its first segment resolved through the imports.
    fn resolve_path(&self, node: Node<'a>) -> Option<String> {
        if let Some(p) = self.paths.borrow().get(&node.id()) {
            return p.clone();
        }
        let p = self.resolve_path_uncached(node);
        self.paths.borrow_mut().insert(node.id(), p.clone());
        p
    }

    fn resolve_path_uncached(&self, node: Node<'a>) -> Option<String> {
        let dotted = self.dotted(node)?;
        let (first, rest) = match dotted.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (dotted.as_str(), None),
        };
        let base = self
            .imports
            .get(first)
            .cloned()
            .unwrap_or_else(|| first.to_string());
        Some(match rest {
            Some(r) => format!("{base}.{r}"),
            None => base,
        })
    }

    fn is_imported(&self, name: &str) -> bool {
        self.imports.contains_key(name)
    }

    /// A callee's resolved dotted path, and its bare name when it is not imported.
    fn callee_path(&self, func: Node<'a>) -> Option<(String, Option<&'a str>)> {
        if !matches!(func.kind_name(), "identifier" | "attribute") {
            return None;
        }
        let resolved = self.resolve_path(func)?;
        let bare = (func.kind_name() == "identifier" && !self.is_imported(self.text(func)))
            .then(|| self.text(func));
        Some((resolved, bare))
    }

    /// Matches a callee path against a table entry: exactly, or by its last segment when
    /// `tail_ok` and the callee is a bare name that is not imported.
    fn path_is(callee: &(String, Option<&str>), path: &str, tail_ok: bool) -> bool {
        callee.0 == path
            || (tail_ok
                && callee
                    .1
                    .is_some_and(|bare| path.rsplit('.').next() == Some(bare)))
    }

    fn chain_of(&self, expr: Node<'a>) -> Chain<'a> {
        let mut elems = Vec::new();
        let mut root = None;
        let mut root_is_call = false;
        let mut e = Some(expr);
        let mut steps = 0;
        while let Some(n) = e {
            steps += 1;
            if steps > 256 {
                break;
            }
            e = None;
            match n.kind_name() {
                "attribute" => {
                    elems.push(Elem {
                        name: self.field_text(n, "attribute"),
                        call: None,
                    });
                    e = Self::field(n, "object");
                }
                "call" => {
                    let Some(f) = Self::field(n, "function") else {
                        break;
                    };
                    match f.kind_name() {
                        "attribute" => {
                            elems.push(Elem {
                                name: self.field_text(f, "attribute"),
                                call: Some(n),
                            });
                            e = Self::field(f, "object");
                        }
                        "identifier" => {
                            root = Some(self.text(f).to_string());
                            root_is_call = true;
                        }
                        _ => e = Some(f),
                    }
                }
                "subscript" => e = Self::field(n, "value"),
                "parenthesized_expression" | "await" => e = Self::inner(n),
                "identifier" => root = Some(self.text(n).to_string()),
                _ => {}
            }
        }
        elems.reverse();
        Chain {
            root,
            root_is_call,
            elems,
        }
    }

    // ---- comments, imports ----

    fn comments_and_imports(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            match self.kinds[i] {
                "comment" => self.file.comments.push(Comment {
                    line: node.start_position().row as u32 + 1,
                    text: self.text(node).to_string(),
                }),
                "import_statement" => {
                    for name in Self::named_children(node) {
                        match name.kind_name() {
                            "dotted_name" => {
                                let full = self.text(name).split_whitespace().collect::<String>();
                                let first = full.split('.').next().unwrap_or("").to_string();
                                if full.starts_with("django") {
                                    self.uses_django = true;
                                }
                                self.imports.insert(first.clone(), first);
                            }
                            "aliased_import" => {
                                let full = self
                                    .field_text(name, "name")
                                    .split_whitespace()
                                    .collect::<String>();
                                if full.starts_with("django") {
                                    self.uses_django = true;
                                }
                                self.imports.insert(self.field_text(name, "alias"), full);
                            }
                            _ => {}
                        }
                    }
                }
                "import_from_statement" => {
                    let module = Self::field(node, "module_name")
                        .map(|m| self.text(m).split_whitespace().collect::<String>())
                        .unwrap_or_default();
                    if module.starts_with("django") {
                        self.uses_django = true;
                    }
                    for (imported, alias) in self.imported_names(node) {
                        if !alias.is_empty() {
                            self.imports.insert(alias, format!("{module}.{imported}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // ---- functions ----

    fn functions(&mut self) {
        let mut body_fn: HashMap<usize, usize> = HashMap::new();
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            if self.kinds[i] != "function_definition" {
                continue;
            }
            let class = self.class_of_function(i);
            let mut arity = 0usize;
            if let Some(params) = Self::field(node, "parameters") {
                for (k, p) in Self::named_children(params).into_iter().enumerate() {
                    let splat = matches!(
                        p.kind_name(),
                        "list_splat_pattern" | "dictionary_splat_pattern"
                    ) || (p.kind_name() == "typed_parameter"
                        && Self::named_children(p).first().is_some_and(|c| {
                            matches!(
                                c.kind_name(),
                                "list_splat_pattern" | "dictionary_splat_pattern"
                            )
                        }));
                    if splat
                        || matches!(p.kind_name(), "positional_separator" | "keyword_separator")
                    {
                        continue;
                    }
                    let name = match p.kind_name() {
                        "identifier" => self.text(p).to_string(),
                        "default_parameter" | "typed_default_parameter" => {
                            self.field_text(p, "name")
                        }
                        "typed_parameter" => Self::named_children(p)
                            .first()
                            .map(|c| self.text(*c).to_string())
                            .unwrap_or_default(),
                        _ => String::new(),
                    };
                    if k == 0 && class.is_some() && (name == "self" || name == "cls") {
                        continue;
                    }
                    arity += 1;
                }
            }
            let body = Self::field(node, "body");
            let fi = self.file.functions.len();
            if let Some(b) = body.and_then(|b| self.idx(b)) {
                body_fn.insert(b, fi);
            }
            let is_async = node.child(0).is_some_and(|c| c.kind_name() == "async");
            self.file.functions.push(Function {
                name: self.field_text(node, "name"),
                arity,
                class,
                start: self.start(node),
                end: self.end(node),
                body: body
                    .map(|b| (b.start_byte(), b.end_byte()))
                    .unwrap_or((node.end_byte(), node.end_byte())),
                is_async,
                is_abstract: false,
            });
            self.fn_node.push(i);
        }
        for i in 0..self.nodes.len() {
            self.fn_of[i] = match body_fn.get(&i) {
                Some(&f) => Some(f),
                None => self.up(i).and_then(|p| self.fn_of[p]),
            };
        }
    }

    fn class_of_function(&self, i: usize) -> Option<String> {
        let mut p = self.up(i)?;
        if self.kind(p) == "decorated_definition" {
            p = self.up(p)?;
        }
        if self.kind(p) == "block" {
            p = self.up(p)?;
        }
        (self.kind(p) == "class_definition").then(|| self.field_text(self.nodes[p], "name"))
    }

    // ---- calls ----

    fn calls(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            if self.kinds[i] != "call" {
                continue;
            }
            let func = Self::field(node, "function");
            let receiver = func
                .filter(|f| f.kind_name() == "attribute")
                .and_then(|f| Self::field(f, "object"));
            let (receiver_root, chain) = match receiver {
                Some(r) => {
                    let c = self.chain_of(r);
                    let mut names: Vec<String> = c.root.iter().cloned().collect();
                    names.extend(c.elems.into_iter().map(|e| e.name));
                    (c.root, names)
                }
                None => (None, Vec::new()),
            };
            let arity = match Self::field(node, "arguments") {
                Some(a) if a.kind_name() == "argument_list" => Self::named_children(a).len(),
                Some(_) => 1,
                None => 0,
            };
            let awaited = self.up(i).is_some_and(|p| match self.kind(p) {
                "await" => true,
                // `yield from f()`
                "yield" => self.nodes[p]
                    .child(1)
                    .is_some_and(|c| c.kind_name() == "from"),
                _ => false,
            });
            let ci = self.file.calls.len();
            self.call_of.insert(i, ci);
            self.call_node.push(i);
            self.file.calls.push(Call {
                function: self.fn_of[i],
                callee: self.callee_name(node),
                receiver: receiver.map(|r| self.short(r, 200)),
                receiver_root,
                chain,
                receiver_type: ReceiverType::Untyped,
                arity,
                start: self.start(node),
                end: self.end(node),
                start_byte: node.start_byte(),
                end_byte: node.end_byte(),
                loops: Vec::new(),
                db: None,
                db_api: None,
                awaited,
                blocked_by: None,
                sql_argument: None,
                text: self.short(node, 120),
            });
        }
    }

    // ---- loops ----

    fn identifiers_in(node: Node<'a>, out: &mut Vec<Node<'a>>) {
        let mut stack = vec![node];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > 2000 {
                break;
            }
            if n.kind_name() == "identifier" {
                out.push(n);
                continue;
            }
            let mut c = n.walk();
            let children: Vec<Node<'a>> = n.named_children(&mut c).collect();
            for ch in children.into_iter().rev() {
                stack.push(ch);
            }
        }
    }

    fn variables_of(&self, nodes: &[Node<'a>]) -> Vec<String> {
        let mut ids = Vec::new();
        for n in nodes {
            Self::identifiers_in(*n, &mut ids);
        }
        let mut out: Vec<String> = Vec::new();
        for id in ids {
            let t = self.text(id).to_string();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// The loop's iteration source after unwrapping `await`, parentheses, `list(...)`,
    /// `enumerate(...)`, `sorted(...)` and `d.items()` / `.keys()` / `.values()` on a
    /// variable.
    fn unwrap_source(&mut self, expr: Node<'a>) -> Node<'a> {
        let mut e = Self::unwrap(expr);
        for _ in 0..16 {
            if e.kind_name() != "call" {
                break;
            }
            let Some(func) = Self::field(e, "function") else {
                break;
            };
            let args = Self::positional_args(e);
            if func.kind_name() == "identifier" && ITER_WRAPPERS.contains(&self.text(func)) {
                if let Some(first) = args.first() {
                    if let Some(i) = self.idx(e) {
                        self.source_wrappers.insert(i);
                    }
                    e = Self::unwrap(*first);
                    continue;
                }
                break;
            }
            if func.kind_name() == "attribute" && args.is_empty() {
                let method = self.field_text(func, "attribute");
                if matches!(method.as_str(), "items" | "keys" | "values") {
                    if let Some(obj) = Self::field(func, "object") {
                        let plain = obj.kind_name() == "identifier"
                            || (obj.kind_name() == "attribute"
                                && Self::field(obj, "object")
                                    .is_some_and(|o| matches!(self.text(o), "self" | "cls")));
                        if plain {
                            e = obj;
                            continue;
                        }
                    }
                }
            }
            break;
        }
        e
    }

    fn push_loop(
        &mut self,
        node: usize,
        kind: &str,
        source: Option<Node<'a>>,
        variables: Vec<String>,
        span_node: Node<'a>,
    ) {
        let (source_text, source_call, source_var) = match source {
            Some(s) => {
                let text = Some(self.short(s, 120));
                let u = self.unwrap_source(s);
                let call = (u.kind_name() == "call")
                    .then(|| self.idx(u).and_then(|i| self.call_of.get(&i).copied()))
                    .flatten();
                let var = match u.kind_name() {
                    "identifier" => Some(self.text(u).to_string()),
                    "attribute"
                        if Self::field(u, "object")
                            .is_some_and(|o| matches!(self.text(o), "self" | "cls")) =>
                    {
                        self.dotted(u)
                    }
                    _ => None,
                };
                (text, call, var)
            }
            None => (None, None, None),
        };
        let li = self.file.loops.len();
        self.loop_of.insert(node, li);
        self.loop_node.push(node);
        self.file.loops.push(Loop {
            function: self.fn_of[node],
            kind: kind.to_string(),
            start: self.start(span_node),
            end: self.end(span_node),
            span: (span_node.start_byte(), span_node.end_byte()),
            source_text,
            source_call,
            source_var,
            variables,
        });
    }

    fn loops(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            match self.kinds[i] {
                "for_statement" => {
                    let kind = if node.child(0).is_some_and(|c| c.kind_name() == "async") {
                        "async for"
                    } else {
                        "for"
                    };
                    let vars = Self::field(node, "left")
                        .map(|l| self.variables_of(&[l]))
                        .unwrap_or_default();
                    let source =
                        Self::field(node, "right").filter(|r| r.kind_name() != "expression_list");
                    self.push_loop(i, kind, source, vars, node);
                }
                "while_statement" => {
                    let li = self.file.loops.len();
                    self.push_loop(i, "while", None, Vec::new(), node);
                    self.file.loops[li].source_text =
                        Self::field(node, "condition").map(|c| self.short(c, 120));
                }
                "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
                | "generator_expression" => {
                    let clauses: Vec<Node<'a>> = Self::named_children(node)
                        .into_iter()
                        .filter(|c| c.kind_name() == "for_in_clause")
                        .collect();
                    let lefts: Vec<Node<'a>> = clauses
                        .iter()
                        .filter_map(|c| Self::field(*c, "left"))
                        .collect();
                    let vars = self.variables_of(&lefts);
                    let source = clauses.first().and_then(|c| Self::field(*c, "right"));
                    self.push_loop(i, "comprehension", source, vars, node);
                }
                "call" => {
                    let Some(func) = Self::field(node, "function") else {
                        continue;
                    };
                    let name = match func.kind_name() {
                        "identifier" => self.text(func).to_string(),
                        "attribute" => self.field_text(func, "attribute"),
                        _ => continue,
                    };
                    let Some(&(_, kind)) = LOOP_CALLBACKS.iter().find(|(n, _)| *n == name) else {
                        continue;
                    };
                    if func.kind_name() == "attribute" && name != "map" {
                        continue;
                    }
                    let args = Self::positional_args(node);
                    let Some(lambda) = args
                        .first()
                        .map(|a| Self::unwrap(*a))
                        .filter(|a| a.kind_name() == "lambda")
                    else {
                        continue;
                    };
                    let Some(li) = self.idx(lambda) else {
                        continue;
                    };
                    let vars = Self::field(lambda, "parameters")
                        .map(|p| self.variables_of(&[p]))
                        .unwrap_or_default();
                    self.push_loop(li, kind, args.get(1).copied(), vars, lambda);
                }
                _ => {}
            }
        }
    }

    fn is_first_for_clause(&self, clause: usize) -> bool {
        let Some(comp) = self.up(clause) else {
            return false;
        };
        Self::named_children(self.nodes[comp])
            .into_iter()
            .find(|c| c.kind_name() == "for_in_clause")
            .is_some_and(|c| c.id() == self.nodes[clause].id())
    }

    /// Enclosing loops of the same function, outermost first.
    fn loops_around(&self, i: usize) -> Vec<usize> {
        let mut loops = Vec::new();
        let mut child = i;
        let mut skip_comprehension = None;
        while let Some(p) = self.up(child) {
            match self.kind(p) {
                "function_definition" | "class_definition" if self.is_field(p, "body", child) => {
                    break
                }
                // A lambda is its own context unless it is an iteration callback.
                "lambda" if self.is_field(p, "body", child) => match self.loop_of.get(&p) {
                    Some(&l) => loops.push(l),
                    None => break,
                },
                // `for x in SOURCE: BODY else: ...`: only the body runs per item.
                "for_statement" if self.is_field(p, "body", child) => {
                    loops.extend(self.loop_of.get(&p).copied())
                }
                "while_statement"
                    if self.is_field(p, "body", child) || self.is_field(p, "condition", child) =>
                {
                    loops.extend(self.loop_of.get(&p).copied())
                }
                // The first iterable of a comprehension is evaluated once, outside it.
                "for_in_clause"
                    if self.is_field(p, "right", child) && self.is_first_for_clause(p) =>
                {
                    skip_comprehension = self.up(p);
                }
                "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
                | "generator_expression" => {
                    if skip_comprehension != Some(p) {
                        if let Some(&l) = self.loop_of.get(&p) {
                            loops.push(l);
                        }
                    }
                    skip_comprehension = None;
                }
                _ => {}
            }
            child = p;
        }
        loops.reverse();
        loops
    }

    fn call_loops(&mut self) {
        for ci in 0..self.call_node.len() {
            let loops = self.loops_around(self.call_node[ci]);
            self.file.calls[ci].loops = loops;
        }
    }

    // ---- strings ----

    /// Flattens a `+` chain into its operands (left to right), iteratively.
    fn plus_operands(&self, node: Node<'a>, visited: &mut HashSet<usize>) -> Vec<Node<'a>> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if out.len() > 2000 {
                break;
            }
            let is_plus = n.kind_name() == "binary_operator"
                && Self::field(n, "operator").is_some_and(|o| o.kind_name() == "+");
            if is_plus {
                visited.insert(n.id());
                if let Some(r) = Self::field(n, "right") {
                    stack.push(r);
                }
                if let Some(l) = Self::field(n, "left") {
                    stack.push(l);
                }
            } else {
                out.push(n);
            }
        }
        out
    }

    fn is_stringish(&self, node: Node<'a>, depth: usize, visited: &mut HashSet<usize>) -> bool {
        if depth > 40 {
            return false;
        }
        match node.kind_name() {
            "string" | "concatenated_string" => true,
            "parenthesized_expression" => {
                Self::inner(node).is_some_and(|i| self.is_stringish(i, depth + 1, visited))
            }
            "binary_operator" => match Self::field(node, "operator").map(|o| o.kind_name()) {
                Some("+") => self
                    .plus_operands(node, visited)
                    .into_iter()
                    .any(|o| self.is_stringish(o, depth + 1, visited)),
                Some("%") => self.is_percent_format(node, depth, visited),
                _ => false,
            },
            "call" => self
                .format_object(node)
                .is_some_and(|o| self.is_stringish(o, depth + 1, visited)),
            _ => false,
        }
    }

    fn is_percent_format(
        &self,
        node: Node<'a>,
        depth: usize,
        visited: &mut HashSet<usize>,
    ) -> bool {
        Self::field(node, "operator").is_some_and(|o| o.kind_name() == "%")
            && Self::field(node, "left").is_some_and(|l| self.is_stringish(l, depth + 1, visited))
    }

    /// `X` of `X.format(...)`.
    fn format_object(&self, call: Node<'a>) -> Option<Node<'a>> {
        let f = Self::field(call, "function")?;
        (f.kind_name() == "attribute" && self.field_text(f, "attribute") == "format")
            .then(|| Self::field(f, "object"))
            .flatten()
    }

    /// Literal runs (byte ranges) and holes of a string expression, in order.
    fn string_parts(&self, node: Node<'a>, depth: usize, parts: &mut Vec<Option<(usize, usize)>>) {
        if depth > 40 {
            parts.push(None);
            return;
        }
        let mut visited = HashSet::new();
        match node.kind_name() {
            "string" => {
                let children = {
                    let mut c = node.walk();
                    node.children(&mut c).collect::<Vec<_>>()
                };
                let start = children
                    .iter()
                    .find(|c| c.kind_name() == "string_start")
                    .map(|c| c.end_byte())
                    .unwrap_or(node.start_byte());
                let end = children
                    .iter()
                    .rev()
                    .find(|c| c.kind_name() == "string_end" && !c.is_missing())
                    .map(|c| c.start_byte())
                    .unwrap_or(node.end_byte())
                    .max(start);
                let mut cur = start;
                for c in children.iter().filter(|c| c.kind_name() == "interpolation") {
                    if c.start_byte() >= cur && c.end_byte() <= end {
                        parts.push(Some((cur, c.start_byte())));
                        parts.push(None);
                        cur = c.end_byte();
                    }
                }
                parts.push(Some((cur, end)));
            }
            "concatenated_string" => {
                for s in Self::named_children(node) {
                    if s.kind_name() == "string" {
                        self.string_parts(s, depth + 1, parts);
                    }
                }
            }
            "parenthesized_expression" => match Self::inner(node) {
                Some(i) if self.is_stringish(i, 0, &mut visited) => {
                    self.string_parts(i, depth + 1, parts)
                }
                _ => parts.push(None),
            },
            "binary_operator" => match Self::field(node, "operator").map(|o| o.kind_name()) {
                Some("+") => {
                    for o in self.plus_operands(node, &mut visited) {
                        if self.is_stringish(o, 0, &mut visited) {
                            self.string_parts(o, depth + 1, parts);
                        } else {
                            parts.push(None);
                        }
                    }
                }
                // `"... %s" % args`: the literal as written, placeholders kept.
                Some("%") => match Self::field(node, "left") {
                    Some(l) => self.string_parts(l, depth + 1, parts),
                    None => parts.push(None),
                },
                _ => parts.push(None),
            },
            "call" => match self.format_object(node) {
                // `"...{}".format(...)`: the literal as written.
                Some(o) => self.string_parts(o, depth + 1, parts),
                None => parts.push(None),
            },
            _ => parts.push(None),
        }
    }

    fn is_docstring(&self, i: usize) -> bool {
        self.up(i).is_some_and(|p| {
            self.kind(p) == "expression_statement" && Self::named_children(self.nodes[p]).len() == 1
        })
    }

    fn strings(&mut self) {
        let mut consumed_end = 0usize;
        let mut visited: HashSet<usize> = HashSet::new();
        for i in 0..self.nodes.len() {
            if !matches!(
                self.kinds[i],
                "string"
                    | "concatenated_string"
                    | "binary_operator"
                    | "call"
                    | "parenthesized_expression"
            ) {
                continue;
            }
            let node = self.nodes[i];
            if node.start_byte() < consumed_end {
                continue;
            }
            if visited.contains(&node.id()) {
                continue;
            }
            if !self.is_stringish(node, 0, &mut visited) {
                continue;
            }
            consumed_end = node.end_byte();
            if self.is_docstring(i) {
                continue;
            }
            let mut parts = Vec::new();
            self.string_parts(node, 0, &mut parts);
            let mut text = String::new();
            let mut segments = Vec::new();
            let mut last_hole = false;
            for part in parts {
                match part {
                    Some((a, b)) => {
                        let Some(slice) = self.src.text.get(a..b) else {
                            continue;
                        };
                        if slice.is_empty() {
                            continue;
                        }
                        segments.push((text.len(), self.pos_of_byte(a)));
                        text.push_str(slice);
                        last_hole = false;
                    }
                    None => {
                        if !last_hole {
                            text.push_str("$1");
                            last_hole = true;
                        }
                    }
                }
            }
            let ci = self.candidates.len();
            self.cand_of.insert(i, ci);
            // `("..." "...")`: the parenthesised string is the same candidate.
            let inner = Self::unwrap(node);
            if let Some(k) = self.idx(inner) {
                self.cand_of.insert(k, ci);
            }
            self.candidates.push(Candidate {
                text,
                segments,
                start: self.start(node),
                function: self.fn_of[i],
                at_db_call: false,
            });
        }
    }

    // ---- bindings (what variables hold) ----

    fn binding_key(&self, node: Node<'a>) -> Option<String> {
        match node.kind_name() {
            "identifier" => Some(self.text(node).to_string()),
            "attribute" => self.dotted(node),
            _ => None,
        }
    }

    fn add_binding(
        &mut self,
        key: String,
        scope: Option<usize>,
        pos: usize,
        value: Option<usize>,
        annotated: Option<BindKind>,
    ) {
        let bi = self.bindings.len();
        self.bindings_by_key.entry(key).or_default().push(bi);
        self.bindings.push(Binding {
            scope,
            pos,
            value,
            annotated,
            kind: BindKind::Other,
        });
    }

    /// The target of `with X as target` for the with item holding `value` (index).
    fn with_target(&self, item: usize) -> Option<Node<'a>> {
        let value = Self::field(self.nodes[item], "value")?;
        if value.kind_name() != "as_pattern" {
            return None;
        }
        let alias = Self::field(value, "alias")?;
        Self::inner(alias).filter(|t| matches!(t.kind_name(), "identifier" | "attribute"))
    }

    fn annotation_kind(&self, annotation: &str) -> Option<BindKind> {
        if NON_DB_CALLEES.iter().any(|n| annotation.contains(n))
            || annotation.contains("requests.")
            || annotation.contains("aiohttp.")
        {
            return Some(BindKind::NonDb);
        }
        let kinds = [
            ("Cursor", Recv::Cursor),
            ("cursor", Recv::Cursor),
            ("Session", Recv::Session),
            ("Connection", Recv::Connection),
            ("connection", Recv::Connection),
            ("Engine", Recv::Engine),
            ("Pool", Recv::Pool),
        ];
        kinds
            .iter()
            .find(|(n, _)| annotation.contains(n))
            .map(|(_, r)| BindKind::Recv(r.bit()))
    }

    fn bindings(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            match self.kinds[i] {
                "assignment" => {
                    let (Some(left), Some(mut right)) =
                        (Self::field(node, "left"), Self::field(node, "right"))
                    else {
                        continue;
                    };
                    for _ in 0..16 {
                        if right.kind_name() != "assignment" {
                            break;
                        }
                        match Self::field(right, "right") {
                            Some(r) => right = r,
                            None => break,
                        }
                    }
                    if let (Some(key), Some(v)) = (self.binding_key(left), self.idx(right)) {
                        self.add_binding(key, self.fn_of[i], node.end_byte(), Some(v), None);
                    }
                }
                "named_expression" => {
                    if let (Some(name), Some(value)) =
                        (Self::field(node, "name"), Self::field(node, "value"))
                    {
                        if let Some(v) = self.idx(value) {
                            self.add_binding(
                                self.text(name).to_string(),
                                self.fn_of[i],
                                node.end_byte(),
                                Some(v),
                                None,
                            );
                        }
                    }
                }
                "with_item" => {
                    let Some(target) = self.with_target(i) else {
                        continue;
                    };
                    let value = Self::field(node, "value")
                        .and_then(Self::inner)
                        .and_then(|v| self.idx(v));
                    if let (Some(key), Some(v)) = (self.binding_key(target), value) {
                        self.add_binding(key, self.fn_of[i], node.end_byte(), Some(v), None);
                    }
                }
                "typed_parameter" | "typed_default_parameter" => {
                    let name = if node.kind_name() == "typed_parameter" {
                        Self::named_children(node)
                            .into_iter()
                            .next()
                            .filter(|n| n.kind_name() == "identifier")
                    } else {
                        Self::field(node, "name")
                    };
                    let (Some(name), Some(ty)) = (name, Self::field(node, "type")) else {
                        continue;
                    };
                    let Some(kind) = self.annotation_kind(self.text(ty)) else {
                        continue;
                    };
                    // The parameter belongs to the function whose `parameters` hold it.
                    let Some(func) = self
                        .up(i)
                        .and_then(|p| self.up(p))
                        .filter(|f| self.kind(*f) == "function_definition")
                    else {
                        continue;
                    };
                    let Some(fi) = self.fn_node.iter().position(|&n| n == func) else {
                        continue;
                    };
                    let pos = Self::field(self.nodes[func], "body")
                        .map(|b| b.start_byte())
                        .unwrap_or(node.end_byte());
                    self.add_binding(self.text(name).to_string(), Some(fi), pos, None, Some(kind));
                }
                _ => {}
            }
        }
        let mut order: Vec<usize> = (0..self.bindings.len()).collect();
        order.sort_by_key(|&b| self.bindings[b].pos);
        // Two rounds: the second sees module-level and class-wide bindings made later in the file.
        for _ in 0..2 {
            self.values.borrow_mut().clear();
            for &b in &order {
                let kind = match (self.bindings[b].annotated, self.bindings[b].value) {
                    (Some(k), _) => k,
                    (None, Some(v)) => self.classify_value(v, self.bindings[b].scope),
                    (None, None) => BindKind::Other,
                };
                self.bindings[b].kind = kind;
            }
        }
        self.values.borrow_mut().clear();
    }

    /// The binding of `key` visible at byte `at` in `scope`: the latest one before `at` in
    /// the same function, then (for `self.x`) one in a method of the same class, then a
    /// module-level one.
    fn lookup(&self, key: &str, scope: Option<usize>, at: usize) -> Option<&Binding> {
        let list = self.bindings_by_key.get(key)?;
        let same = list
            .iter()
            .map(|&b| &self.bindings[b])
            .filter(|b| b.scope == scope && b.pos <= at)
            .max_by_key(|b| b.pos);
        if same.is_some() {
            return same;
        }
        if key.starts_with("self.") || key.starts_with("cls.") {
            let class = scope.and_then(|f| self.file.functions[f].class.clone());
            if class.is_some() {
                let found = list.iter().map(|&b| &self.bindings[b]).rfind(|b| {
                    b.scope
                        .is_some_and(|f| self.file.functions[f].class == class)
                        && b.kind != BindKind::Other
                });
                if found.is_some() {
                    return found;
                }
            }
        }
        if scope.is_some() {
            let module: Vec<&Binding> = list
                .iter()
                .map(|&b| &self.bindings[b])
                .filter(|b| b.scope.is_none())
                .collect();
            return module
                .iter()
                .rev()
                .find(|b| b.kind != BindKind::Other)
                .or(module.last())
                .copied();
        }
        None
    }

    fn classify_value(&self, v: usize, scope: Option<usize>) -> BindKind {
        let node = Self::unwrap(self.nodes[v]);
        let Some(i) = self.idx(node) else {
            return BindKind::Other;
        };
        if let Some(&c) = self.cand_of.get(&i) {
            return BindKind::Str(c);
        }
        match node.kind_name() {
            "call" => {
                if let Some(c) = self.sql_wrapped_candidate(node) {
                    return BindKind::Str(c);
                }
                match self.call_value(node, scope, 0) {
                    Some(0) => return BindKind::NonDb,
                    Some(k) => return BindKind::Recv(k),
                    None => {}
                }
                let chain = self.classify_chain(node);
                if let (Some(ChainClass::Lazy(_)), Some(&ci)) = (chain, self.call_of.get(&i)) {
                    return BindKind::Lazy(ci);
                }
                BindKind::Other
            }
            "identifier" | "attribute" => {
                let Some(key) = self.dotted(node) else {
                    return BindKind::Other;
                };
                if Self::non_db_receiver(&key) {
                    return BindKind::NonDb;
                }
                match self.lookup(&key, scope, node.start_byte()) {
                    Some(b) => b.kind,
                    None => BindKind::Other,
                }
            }
            _ => BindKind::Other,
        }
    }

    /// `text("...")` / `sql.SQL("...")` / `dedent("""...""")`: the inner candidate.
    fn sql_wrapped_candidate(&self, call: Node<'a>) -> Option<usize> {
        let name = self.callee_name(call);
        if !SQL_WRAPPERS.contains(&name.as_str()) {
            return None;
        }
        let first = Self::unwrap(*Self::positional_args(call).first()?);
        self.idx(first).and_then(|i| self.cand_of.get(&i).copied())
    }

    fn non_db_receiver(key: &str) -> bool {
        NON_DB_RECEIVER_SUFFIXES
            .iter()
            .any(|s| key == *s || key.ends_with(&format!(".{s}")))
    }

    fn module_of_name_is_non_db(&self, name: &str) -> bool {
        self.imports
            .get(name)
            .is_some_and(|m| NON_DB_MODULES.contains(&m.split('.').next().unwrap_or("")))
    }

    /// What the value of a call holds: Some(kinds) (Some(0): explicitly not a database
    /// object), or None when the call says nothing.
    fn call_value(&self, call: Node<'a>, scope: Option<usize>, depth: usize) -> Option<u8> {
        if depth > 16 {
            return None;
        }
        if let Some(v) = self.values.borrow().get(&call.id()) {
            return *v;
        }
        let v = self.call_value_uncached(call, scope, depth);
        self.values.borrow_mut().insert(call.id(), v);
        v
    }

    fn call_value_uncached(
        &self,
        call: Node<'a>,
        scope: Option<usize>,
        depth: usize,
    ) -> Option<u8> {
        let func = Self::field(call, "function")?;
        let name = self.callee_name(call);
        if let Some(path) = self.resolve_path(func) {
            if NON_DB_MODULES.contains(&path.split('.').next().unwrap_or("")) {
                return Some(0);
            }
        }
        if NON_DB_CALLEES.contains(&name.as_str()) {
            return Some(0);
        }
        if name == "cursor" {
            return Some(Recv::Cursor.bit());
        }
        if self.connection_api(call, scope, depth + 1).is_some() {
            return Some(Recv::Connection.bit());
        }
        // `x.connect(...)` of any driver: a connection (a connection site only for the
        // drivers of `DRIVER_CONNECT`).
        if name == "connect" {
            return Some(Recv::Connection.bit());
        }
        if let Some((_, kind)) = self.pool_constructor(func) {
            return Some(kind.bit());
        }
        let callee_text = if func.kind_name() == "call" {
            self.short(func, 80)
        } else {
            name.clone()
        };
        if callee_text.to_ascii_lowercase().contains("session") {
            return Some(Recv::Session.bit());
        }
        if VERB_SENSITIVE.contains(&name.as_str()) && func.kind_name() == "attribute" {
            if let Some(obj) = Self::field(func, "object") {
                let k = self.receiver_kinds(obj, scope, call.start_byte(), depth + 1);
                if k & (Recv::Cursor.bit() | Recv::Connection.bit()) != 0 {
                    return Some(Recv::Cursor.bit());
                }
            }
        }
        let k = factory_name_kinds(&name);
        (k != 0).then_some(k)
    }

    /// The kinds a receiver expression may hold.
    fn receiver_kinds(&self, expr: Node<'a>, scope: Option<usize>, at: usize, depth: usize) -> u8 {
        let e = Self::unwrap(expr);
        match e.kind_name() {
            "identifier" | "attribute" => {
                if let Some(key) = self.dotted(e) {
                    if Self::non_db_receiver(&key) {
                        return 0;
                    }
                    if let Some(b) = self.lookup(&key, scope, at) {
                        match b.kind {
                            BindKind::Recv(k) => return k,
                            BindKind::NonDb => return 0,
                            _ => {}
                        }
                    }
                    if e.kind_name() == "identifier" && self.module_of_name_is_non_db(&key) {
                        return 0;
                    }
                }
                let name = if e.kind_name() == "identifier" {
                    self.text(e).to_string()
                } else {
                    self.field_text(e, "attribute")
                };
                name_kinds(&name)
            }
            "call" => self.call_value(e, scope, depth + 1).unwrap_or(0),
            _ => 0,
        }
    }

    // ---- assignments ----

    fn assignments(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            let (target, value) = match self.kinds[i] {
                "assignment" => (Self::field(node, "left"), Self::field(node, "right")),
                "named_expression" => (Self::field(node, "name"), Self::field(node, "value")),
                "with_item" => (
                    self.with_target(i),
                    Self::field(node, "value").and_then(Self::inner),
                ),
                _ => continue,
            };
            let (Some(target), Some(value)) = (target, value) else {
                continue;
            };
            let Some(variable) = self.binding_key(target) else {
                continue;
            };
            let value = Self::unwrap(value);
            if value.kind_name() != "call" {
                continue;
            }
            let Some(&ci) = self.idx(value).and_then(|v| self.call_of.get(&v)) else {
                continue;
            };
            self.file.assignments.push(Assignment {
                function: self.fn_of[i],
                variable,
                call: ci,
                start: self.start(node),
            });
        }
    }

    // ---- ORM chains ----

    fn model_before(&self, chain: &Chain<'a>, k: usize) -> bool {
        if k == 0 {
            return match &chain.root {
                Some(r) if chain.root_is_call => {
                    matches!(r.as_str(), "get_user_model" | "get_model")
                }
                Some(r) => is_capitalised(r) || r == "cls",
                None => false,
            };
        }
        let prev = &chain.elems[k - 1];
        match prev.call {
            None => is_capitalised(&prev.name) || prev.name == "model",
            Some(_) => matches!(prev.name.as_str(), "get_model" | "get_user_model"),
        }
    }

    fn django_tail(tail: &[Elem<'a>], family: &'static str) -> Option<ChainClass> {
        let (last, middle) = tail.split_last()?;
        if tail.iter().any(|e| e.call.is_none())
            || middle
                .iter()
                .any(|e| !DJANGO_LAZY.contains(&e.name.as_str()))
        {
            return None;
        }
        if DJANGO_LAZY.contains(&last.name.as_str()) {
            return Some(ChainClass::Lazy(family));
        }
        DJANGO_EVAL
            .iter()
            .find(|(m, _)| *m == last.name)
            .map(|(m, db)| ChainClass::Eval(*db, format!("{family} {m}()")))
    }

    fn sqla_tail(
        tail: &[Elem<'a>],
        family: &'static str,
        lazy_when_single: bool,
    ) -> Option<ChainClass> {
        let (last, middle) = tail.split_last()?;
        if tail.iter().any(|e| e.call.is_none()) {
            return None;
        }
        let is_materialiser = |name: &str| SQLA_MATERIALISERS.iter().any(|(m, _)| *m == name);
        if middle.iter().any(|e| is_materialiser(&e.name)) {
            return None;
        }
        if lazy_when_single && middle.is_empty() {
            return Some(ChainClass::Lazy(family));
        }
        match SQLA_MATERIALISERS.iter().find(|(m, _)| *m == last.name) {
            Some((m, db)) => Some(ChainClass::Eval(*db, format!("{family} Query.{m}()"))),
            None => Some(ChainClass::Lazy(family)),
        }
    }

    fn classify_chain(&self, call: Node<'a>) -> Option<ChainClass> {
        if call.kind_name() != "call" {
            return None;
        }
        let chain = self.chain_of(call);
        if chain.elems.last().and_then(|e| e.call).map(|c| c.id()) != Some(call.id()) {
            return None;
        }
        let scope = self.idx(call).and_then(|i| self.fn_of[i]);
        for k in 0..chain.elems.len() {
            let e = &chain.elems[k];
            // Django: Model.objects...
            if e.call.is_none()
                && DJANGO_MANAGERS.contains(&e.name.as_str())
                && self.model_before(&chain, k)
            {
                return Self::django_tail(&chain.elems[k + 1..], "Django");
            }
            // Django custom manager: Model.active.filter(...)...
            if e.call.is_none()
                && self.uses_django
                && e.name != "query"
                && e.name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
                && self.model_before(&chain, k)
                && chain
                    .elems
                    .get(k + 1)
                    .is_some_and(|n| n.call.is_some() && DJANGO_LAZY.contains(&n.name.as_str()))
            {
                return Self::django_tail(&chain.elems[k + 1..], "Django");
            }
            // Flask-SQLAlchemy: Model.query...
            if e.call.is_none()
                && e.name == "query"
                && self.model_before(&chain, k)
                && !self.uses_django
            {
                return Self::sqla_tail(&chain.elems[k + 1..], "Flask-SQLAlchemy", false);
            }
            // SQLAlchemy: session.query(...)...
            if e.name == "query" {
                if let Some(qcall) = e.call {
                    let obj = Self::field(qcall, "function").and_then(|f| Self::field(f, "object"));
                    if let Some(obj) = obj {
                        if self.receiver_kinds(obj, scope, qcall.start_byte(), 0)
                            & Recv::Session.bit()
                            != 0
                        {
                            return Self::sqla_tail(&chain.elems[k..], "SQLAlchemy", true);
                        }
                    }
                }
            }
        }
        None
    }

    // ---- database calls ----

    fn is_model_arg(&self, call: Node<'a>) -> bool {
        let args = Self::positional_args(call);
        args.len() >= 2
            && match args[0].kind_name() {
                "identifier" => is_capitalised(self.text(args[0])),
                "attribute" => is_capitalised(&self.field_text(args[0], "attribute")),
                _ => false,
            }
    }

    fn sqla_statement_arg(&self, call: Node<'a>) -> Option<(&'static str, Option<DbCall>)> {
        let first = Self::unwrap(*Self::positional_args(call).first()?);
        if first.kind_name() != "call" {
            return None;
        }
        // The construct may be chained: select(User).where(...).
        let chain = self.chain_of(first);
        let root = chain.root.as_deref().filter(|_| chain.root_is_call)?;
        let base = |n: &str| n.rsplit('.').next().unwrap_or(n).to_string();
        if root == "text" {
            return Some(("text", None));
        }
        SQLA_STATEMENTS
            .iter()
            .find(|(n, _)| *n == base(root))
            .map(|(n, db)| (*n, Some(*db)))
    }

    fn classify_call(&self, ci: usize) -> Option<(DbCall, String, SqlArg)> {
        let i = self.call_node[ci];
        let node = self.nodes[i];
        let scope = self.fn_of[i];
        let func = Self::field(node, "function")?;
        if let Some(ChainClass::Eval(db, api)) = &self.chain_class[ci] {
            return Some((*db, api.clone(), SqlArg::None));
        }
        if let Some(callee) = self.callee_path(func) {
            for &(path, tail_ok, db, api, sql) in FUNCTIONS {
                if Self::path_is(&callee, path, tail_ok) {
                    return Some((db, api.to_string(), sql));
                }
            }
        }
        if func.kind_name() != "attribute" {
            return None;
        }
        let method = self.field_text(func, "attribute");
        let obj = Self::field(func, "object")?;
        if method == "to_sql"
            && (Self::positional_args(node).len() >= 2
                || self.keyword_arg(node, &["con"]).is_some())
        {
            return Some((
                DbCall::Execute,
                "pandas DataFrame.to_sql".into(),
                SqlArg::None,
            ));
        }
        if !RECEIVER_METHODS.iter().any(|(_, m, ..)| *m == method) {
            return None;
        }
        let kinds = self.receiver_kinds(obj, scope, node.start_byte(), 0);
        for &(recv, m, db, api, sql) in RECEIVER_METHODS {
            if m != method || kinds & recv.bit() == 0 {
                continue;
            }
            if recv == Recv::Session && m == "get" && !self.is_model_arg(node) {
                continue;
            }
            let mut api = api.to_string();
            if recv == Recv::Connection && self.sqla_statement_arg(node).is_some() {
                api = format!("SQLAlchemy connection.{m}");
            }
            return Some((db, api, sql));
        }
        None
    }

    fn db_calls(&mut self) {
        for ci in 0..self.call_node.len() {
            if let Some((db, api, _)) = self.classify_call(ci) {
                self.file.calls[ci].db = Some(db);
                self.file.calls[ci].db_api = Some(api);
            }
        }
    }

    fn mark(&mut self, ci: usize, db: DbCall, api: String) {
        let call = &mut self.file.calls[ci];
        if call.db.is_none() {
            call.db = Some(db);
            call.db_api = Some(api);
        }
    }

    fn lazy_family(&self, ci: usize) -> Option<&'static str> {
        match &self.chain_class[ci] {
            Some(ChainClass::Lazy(f)) => Some(f),
            _ => None,
        }
    }

    /// Lazy QuerySets / Queries evaluated by a loop, a comprehension or a wrapper.
    fn lazy_evaluations(&mut self) {
        for li in 0..self.file.loops.len() {
            let lp = &self.file.loops[li];
            if let Some(sc) = lp.source_call {
                if let Some(family) = self.lazy_family(sc) {
                    self.mark(
                        sc,
                        DbCall::Query,
                        format!("{family} query iterated by a loop"),
                    );
                }
            } else if let Some(var) = lp.source_var.clone() {
                let at = lp.span.0;
                let scope = lp.function;
                if let Some(BindKind::Lazy(bc)) = self.lookup(&var, scope, at).map(|b| b.kind) {
                    if let Some(family) = self.lazy_family(bc) {
                        self.mark(
                            bc,
                            DbCall::Query,
                            format!("{family} query iterated by a loop (as `{var}`)"),
                        );
                    }
                }
            }
        }
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            if self.source_wrappers.contains(&i) || self.file.calls[ci].db.is_some() {
                continue;
            }
            let node = self.nodes[i];
            let Some(func) =
                Self::field(node, "function").filter(|f| f.kind_name() == "identifier")
            else {
                continue;
            };
            let name = self.text(func);
            if !EVAL_WRAPPERS.contains(&name) {
                continue;
            }
            let Some(arg) = Self::positional_args(node)
                .first()
                .map(|a| Self::unwrap(*a))
            else {
                continue;
            };
            let family = match arg.kind_name() {
                "call" => self
                    .idx(arg)
                    .and_then(|a| self.call_of.get(&a))
                    .and_then(|&ac| self.lazy_family(ac)),
                "identifier" => match self
                    .lookup(self.text(arg), self.fn_of[i], node.start_byte())
                    .map(|b| b.kind)
                {
                    Some(BindKind::Lazy(bc)) => self.lazy_family(bc),
                    _ => None,
                },
                _ => None,
            };
            if let Some(family) = family {
                self.mark(
                    ci,
                    DbCall::Query,
                    format!("{family} query evaluated by {name}()"),
                );
            }
        }
    }

    /// Whether loop `li` iterates a Django QuerySet (directly or through a variable).
    fn loop_over_django(&self, li: usize) -> bool {
        let lp = &self.file.loops[li];
        let family = match (lp.source_call, &lp.source_var) {
            (Some(sc), _) => match &self.chain_class[sc] {
                Some(ChainClass::Lazy(f)) => Some(*f),
                Some(ChainClass::Eval(_, api)) if api.starts_with("Django") => Some("Django"),
                _ => None,
            },
            (None, Some(var)) => match self.lookup(var, lp.function, lp.span.0).map(|b| b.kind) {
                Some(BindKind::Lazy(bc)) => self.lazy_family(bc),
                _ => None,
            },
            _ => None,
        };
        family == Some("Django")
    }

    /// Django related managers and instance writes on a loop variable.
    fn loop_variable_calls(&mut self) {
        for ci in 0..self.call_node.len() {
            if self.file.calls[ci].db.is_some() || self.file.calls[ci].loops.is_empty() {
                continue;
            }
            let i = self.call_node[ci];
            let node = self.nodes[i];
            let chain = self.chain_of(node);
            let Some(root) = chain.root.clone().filter(|_| !chain.root_is_call) else {
                continue;
            };
            let Some(li) = self.file.calls[ci]
                .loops
                .iter()
                .rev()
                .copied()
                .find(|&l| self.file.loops[l].variables.contains(&root))
            else {
                continue;
            };
            let positional = Self::positional_args(node).len();
            // `order.save()` in a loop over a QuerySet.
            if chain.elems.len() == 1
                && DJANGO_INSTANCE_WRITES.contains(&chain.elems[0].name.as_str())
                && positional == 0
                && self.loop_over_django(li)
            {
                let m = chain.elems[0].name.clone();
                self.mark(ci, DbCall::Execute, format!("Django Model.{m}() per row"));
                continue;
            }
            // `order.items.all()` / `.count()` / `.filter(...).first()`.
            if chain.elems.len() < 2
                || chain.elems[0].call.is_some()
                || chain.elems[1..].iter().any(|e| e.call.is_none())
            {
                continue;
            }
            if !(self.uses_django || self.loop_over_django(li)) {
                continue;
            }
            let first = chain.elems[1].name.as_str();
            let last = chain.elems.last().map(|e| e.name.as_str()).unwrap_or("");
            let reads_ok = DJANGO_RELATED_READS.contains(&first)
                && chain.elems[1..chain.elems.len() - 1]
                    .iter()
                    .all(|e| DJANGO_LAZY.contains(&e.name.as_str()))
                && (DJANGO_RELATED_READS.contains(&last) || DJANGO_LAZY.contains(&last));
            let args_ok = match last {
                "count" | "exists" | "all" | "first" | "last" => positional == 0,
                "get" => positional == 0,
                _ => true,
            };
            // Only the outermost call of the chain.
            let outermost = !self.up(i).is_some_and(|p| {
                self.kind(p) == "attribute" && self.up(p).is_some_and(|g| self.kind(g) == "call")
            });
            if reads_ok && args_ok && outermost {
                self.mark(
                    ci,
                    DbCall::Query,
                    format!("Django related manager {}.{last}()", chain.elems[0].name),
                );
            }
        }
    }

    // ---- SQL arguments ----

    /// The string candidate holding a call's SQL argument.
    fn sql_candidate(&self, expr: Node<'a>, scope: Option<usize>, at: usize) -> Option<usize> {
        let mut e = Self::unwrap(expr);
        for _ in 0..8 {
            if let Some(&c) = self.idx(e).and_then(|i| self.cand_of.get(&i)) {
                return Some(c);
            }
            match e.kind_name() {
                "call" => {
                    let name = self.callee_name(e);
                    if SQL_WRAPPERS.contains(&name.as_str()) {
                        e = Self::unwrap(*Self::positional_args(e).first()?);
                    } else if let Some(obj) = self.format_object(e) {
                        e = Self::unwrap(obj);
                    } else {
                        return None;
                    }
                }
                "identifier" | "attribute" => {
                    let key = self.dotted(e)?;
                    if let Some(BindKind::Str(c)) = self.lookup(&key, scope, at).map(|b| b.kind) {
                        return Some(c);
                    }
                    // `self.SQL` / `cls.SQL`: a constant of the class body.
                    let attr = key
                        .strip_prefix("self.")
                        .or_else(|| key.strip_prefix("cls."))?;
                    return self.class_constant(attr, scope);
                }
                _ => return None,
            }
        }
        None
    }

    /// A string constant assigned in the body of the class of function `scope`.
    fn class_constant(&self, name: &str, scope: Option<usize>) -> Option<usize> {
        let f = scope?;
        let mut p = self.up(self.fn_node[f]);
        while let Some(i) = p {
            if self.kinds[i] == "class_definition" {
                break;
            }
            if self.kinds[i] == "function_definition" {
                return None;
            }
            p = self.up(i);
        }
        let class = self.nodes[p?];
        self.bindings_by_key
            .get(name)?
            .iter()
            .map(|&b| &self.bindings[b])
            .filter(|b| {
                b.scope.is_none() && b.pos > class.start_byte() && b.pos <= class.end_byte()
            })
            .find_map(|b| match b.kind {
                BindKind::Str(c) => Some(c),
                _ => None,
            })
    }

    fn sql_arguments(&mut self) {
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let node = self.nodes[i];
            let is_raw = self.file.calls[ci].callee == "raw"
                && matches!(&self.chain_class[ci], Some(ChainClass::Lazy("Django")));
            let sql = if is_raw {
                SqlArg::First
            } else if self.file.calls[ci].db.is_some() {
                self.classify_call(ci)
                    .map(|(_, _, s)| s)
                    .unwrap_or(SqlArg::None)
            } else {
                SqlArg::None
            };
            if sql == SqlArg::None {
                continue;
            }
            let arg = Self::positional_args(node)
                .first()
                .copied()
                .or_else(|| self.keyword_arg(node, SQL_KEYWORDS));
            let Some(arg) = arg else {
                continue;
            };
            let cand = self.sql_candidate(arg, self.fn_of[i], node.start_byte());
            if let Some(c) = cand {
                self.candidates[c].at_db_call = true;
                self.sql_cand.insert(ci, c);
            }
            // Query / Execute from the verb.
            let callee = self.file.calls[ci].callee.clone();
            if VERB_SENSITIVE.contains(&callee.as_str()) && self.file.calls[ci].db.is_some() {
                let verb = match self.sqla_statement_arg(node) {
                    Some((_, Some(db))) => Some(db),
                    _ => cand.and_then(|c| sql_verb_call(&self.candidates[c].text)),
                };
                if let Some(db) = verb {
                    self.file.calls[ci].db = Some(db);
                }
            }
        }
    }

    fn emit_strings(&mut self) {
        let mut string_of: HashMap<usize, usize> = HashMap::new();
        for (c, cand) in self.candidates.iter().enumerate() {
            if cand.at_db_call
                || (looks_like_sql(&cand.text) && !is_procedure_call_prose(&cand.text))
                || masked_credentials(&cand.text).is_some()
            {
                string_of.insert(c, self.file.strings.len());
                self.file.strings.push(StringLit {
                    function: cand.function,
                    text: cand.text.clone(),
                    segments: cand.segments.clone(),
                    start: cand.start,
                    at_db_call: cand.at_db_call,
                });
            }
        }
        for (&ci, &c) in &self.sql_cand {
            if let Some(&s) = string_of.get(&c) {
                self.file.calls[ci].sql_argument = Some(s);
            }
        }
    }

    // ---- connections ----

    fn pool_constructor(&self, func: Node<'a>) -> Option<(&'static str, Recv)> {
        let callee = self.callee_path(func)?;
        POOL_CONSTRUCTORS
            .iter()
            .find(|(path, tail_ok, ..)| Self::path_is(&callee, path, *tail_ok))
            .map(|(_, _, label, kind)| (*label, *kind))
    }

    /// What a call opens, when it opens a connection.
    fn connection_api(&self, call: Node<'a>, scope: Option<usize>, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        let func = Self::field(call, "function")?;
        if let Some(callee) = self.callee_path(func) {
            if let Some((path, _)) = DRIVER_CONNECT
                .iter()
                .find(|(p, _)| Self::path_is(&callee, p, false))
            {
                return Some(path.to_string());
            }
        }
        if func.kind_name() != "attribute" {
            return None;
        }
        let method = self.field_text(func, "attribute");
        let obj = Self::field(func, "object")?;
        let engine_method = ENGINE_CONNECT_METHODS.contains(&method.as_str());
        let pool_method = POOL_CHECKOUT_METHODS.contains(&method.as_str());
        if !engine_method && !pool_method {
            return None;
        }
        let kinds = self.receiver_kinds(obj, scope, call.start_byte(), depth + 1);
        if engine_method && kinds & Recv::Engine.bit() != 0 {
            return Some(format!("SQLAlchemy engine.{method}()"));
        }
        if pool_method && kinds & Recv::Pool.bit() != 0 {
            return Some(format!("pool.{method}()"));
        }
        None
    }

    fn in_with_item(&self, i: usize) -> Option<usize> {
        let e = self.climb(i);
        let p = self.up(e)?;
        match self.kind(p) {
            "with_item" => Some(p),
            "as_pattern" => self.up(p).filter(|w| self.kind(*w) == "with_item"),
            _ => None,
        }
    }

    fn connections(&mut self) {
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let node = self.nodes[i];
            let scope = self.fn_of[i];
            let Some(api) = self.connection_api(node, scope, 0) else {
                continue;
            };
            let (variable, disposal) = self.disposal_of(i, scope);
            self.file.connections.push(ConnectionSite {
                function: scope,
                variable,
                api,
                start: self.start(node),
                end: self.end(node),
                disposal,
                text: self.short(node, 120),
            });
        }
    }

    fn disposal_of(&self, i: usize, scope: Option<usize>) -> (Option<String>, Disposal) {
        if let Some(item) = self.in_with_item(i) {
            let var = self.with_target(item).and_then(|t| self.binding_key(t));
            return (var, Disposal::Guaranteed("with".into()));
        }
        let mut e = self.climb(i);
        let mut in_container = false;
        while let Some(p) = self.up(e) {
            if matches!(
                self.kind(p),
                "list" | "tuple" | "set" | "dictionary" | "pair" | "expression_list"
            ) {
                in_container = true;
                e = p;
            } else {
                break;
            }
        }
        let Some(p) = self.up(e) else {
            return (None, Disposal::Never);
        };
        let end = self.nodes[i].end_byte();
        match self.kind(p) {
            "argument_list" | "keyword_argument" => {
                let args = if self.kind(p) == "keyword_argument" {
                    self.up(p)
                } else {
                    Some(p)
                };
                let Some(f) = args
                    .and_then(|a| self.up(a))
                    .filter(|f| self.kind(*f) == "call")
                else {
                    return (None, Disposal::Never);
                };
                let callee = self.callee_name(self.nodes[f]);
                match callee.as_str() {
                    "closing" | "aclosing" => match self.in_with_item(f) {
                        Some(item) => {
                            let var = self.with_target(item).and_then(|t| self.binding_key(t));
                            (var, Disposal::Guaranteed(format!("with {callee}(...)")))
                        }
                        None => (None, Disposal::Escapes(format!("passed to {callee}()"))),
                    },
                    "enter_context" | "enter_async_context" => (
                        None,
                        Disposal::Guaranteed("registered with ExitStack.enter_context".into()),
                    ),
                    _ => (None, Disposal::Escapes(format!("passed to {callee}()"))),
                }
            }
            "return_statement" => (None, Disposal::Escapes("returned to the caller".into())),
            "yield" => (None, Disposal::Escapes("yielded to the caller".into())),
            "lambda" => (None, Disposal::Escapes("returned by a lambda".into())),
            _ if in_container => (None, Disposal::Escapes("stored in a container".into())),
            "assignment" if self.is_field(p, "right", e) => {
                let Some(left) = Self::field(self.nodes[p], "left") else {
                    return (None, Disposal::Never);
                };
                match left.kind_name() {
                    "identifier" => {
                        let var = self.text(left).to_string();
                        let d = self.variable_disposal(&var, scope, end, None);
                        (Some(var), d)
                    }
                    "attribute" => {
                        let var = self
                            .dotted(left)
                            .unwrap_or_else(|| self.text(left).to_string());
                        let d = self.variable_disposal(
                            &var,
                            scope,
                            end,
                            Some(format!("stored in {var}")),
                        );
                        (Some(var), d)
                    }
                    "subscript" => (None, Disposal::Escapes("stored in a container".into())),
                    _ => (None, Disposal::Never),
                }
            }
            "named_expression" => {
                let var = self.field_text(self.nodes[p], "name");
                let d = self.variable_disposal(&var, scope, end, None);
                (Some(var), d)
            }
            _ => (None, Disposal::Never),
        }
    }

    fn has_finally_ancestor(&self, i: usize) -> bool {
        let mut child = i;
        while let Some(p) = self.up(child) {
            match self.kind(p) {
                "finally_clause" => return true,
                "function_definition" | "class_definition" | "lambda" => return false,
                _ => {}
            }
            child = p;
        }
        false
    }

    fn declared_global(&self, var: &str, scope: Option<usize>) -> bool {
        let Some(f) = scope else {
            return false;
        };
        let node = self.nodes[self.fn_node[f]];
        let (lo, hi) = (node.start_byte(), node.end_byte());
        let start = self.fn_node[f];
        (start..self.nodes.len())
            .take_while(|&j| self.nodes[j].start_byte() < hi)
            .filter(|&j| self.nodes[j].start_byte() >= lo)
            .any(|j| {
                matches!(self.kind(j), "global_statement" | "nonlocal_statement")
                    && Self::named_children(self.nodes[j])
                        .iter()
                        .any(|n| self.text(*n) == var)
            })
    }

    /// How a connection held in `var` is released in its scope after `from` (byte).
    fn variable_disposal(
        &self,
        var: &str,
        scope: Option<usize>,
        from: usize,
        stored: Option<String>,
    ) -> Disposal {
        let uses = self.variable_uses(var, scope, from);
        if let Some(g) = uses.guaranteed {
            Disposal::Guaranteed(g)
        } else if let Some(n) = uses.normal {
            Disposal::NormalPathOnly(n)
        } else if let Some(e) = uses.escapes.into_iter().next().or(stored) {
            Disposal::Escapes(e)
        } else if scope.is_none() {
            Disposal::Escapes("assigned at module level".into())
        } else {
            Disposal::Never
        }
    }

    /// What happens to `var` in its scope after `from` (byte): closes / releases (in a
    /// `finally` or `with`, or not), and the ways it changes owner, in source order.
    fn variable_uses(&self, var: &str, scope: Option<usize>, from: usize) -> Uses {
        let mut uses = Uses::default();
        let (lo, hi) = match scope {
            Some(f) => self.file.functions[f].body,
            None => (0, self.src.text.len()),
        };
        let is_attr = var.contains('.');
        let wanted = if is_attr { "attribute" } else { "identifier" };
        let first = scope.map(|f| self.fn_node[f]).unwrap_or(0);
        for j in first..self.nodes.len() {
            if self.kinds[j] != wanted {
                continue;
            }
            let n = self.nodes[j];
            if n.start_byte() >= hi {
                break;
            }
            if n.start_byte() < from.max(lo) {
                continue;
            }
            if scope.is_none() && self.fn_of[j].is_some() {
                continue;
            }
            let matches = if is_attr {
                n.kind_name() == "attribute" && self.dotted(n).as_deref() == Some(var)
            } else {
                n.kind_name() == "identifier"
                    && self.text(n) == var
                    && !self.up(j).is_some_and(|p| {
                        (self.kind(p) == "attribute" && self.is_field(p, "attribute", j))
                            || (self.kind(p) == "keyword_argument" && self.is_field(p, "name", j))
                    })
            };
            if !matches {
                continue;
            }
            // Rebinding / the assignment itself.
            if self
                .up(j)
                .is_some_and(|p| self.kind(p) == "assignment" && self.is_field(p, "left", j))
            {
                continue;
            }
            let mut e = j;
            let mut in_container = false;
            while let Some(p) = self.up(e) {
                match self.kind(p) {
                    "parenthesized_expression"
                    | "await"
                    | "conditional_expression"
                    | "boolean_operator" => e = p,
                    "list" | "tuple" | "set" | "dictionary" | "pair" | "expression_list"
                    | "list_splat" => {
                        in_container = true;
                        e = p;
                    }
                    _ => break,
                }
            }
            let Some(p) = self.up(e) else {
                continue;
            };
            match self.kind(p) {
                "attribute" if self.is_field(p, "object", e) => {
                    let method = self.field_text(self.nodes[p], "attribute");
                    if CLOSE_METHODS.contains(&method.as_str()) {
                        if let Some(call) = self.up(p).filter(|c| self.kind(*c) == "call") {
                            let text = self.short(self.nodes[call], 60);
                            if self.has_finally_ancestor(call) {
                                uses.guaranteed
                                    .get_or_insert(format!("closed in finally (`{text}`)"));
                            } else {
                                uses.normal.get_or_insert(format!(
                                    "closed (`{text}`), but not in a finally"
                                ));
                            }
                        }
                    }
                }
                "argument_list" | "keyword_argument" => {
                    let args = if self.kind(p) == "keyword_argument" {
                        self.up(p)
                    } else {
                        Some(p)
                    };
                    let Some(f) = args
                        .and_then(|a| self.up(a))
                        .filter(|f| self.kind(*f) == "call")
                    else {
                        continue;
                    };
                    let callee = self.callee_name(self.nodes[f]);
                    if RELEASE_FUNCTIONS.contains(&callee.as_str()) {
                        let text = self.short(self.nodes[f], 60);
                        if self.has_finally_ancestor(f) {
                            uses.guaranteed
                                .get_or_insert(format!("released in finally (`{text}`)"));
                        } else {
                            uses.normal.get_or_insert(format!(
                                "released (`{text}`), but not in a finally"
                            ));
                        }
                    } else if matches!(callee.as_str(), "closing" | "aclosing")
                        && self.in_with_item(f).is_some()
                    {
                        uses.guaranteed.get_or_insert(format!("with {callee}(...)"));
                    } else if matches!(callee.as_str(), "enter_context" | "enter_async_context") {
                        uses.guaranteed
                            .get_or_insert("registered with ExitStack.enter_context".into());
                    } else if !NON_OWNING_FUNCTIONS.contains(&callee.as_str()) {
                        uses.escapes.push(format!("passed to {callee}()"));
                    }
                }
                "with_item" | "as_pattern" if !in_container && self.in_with_item(e).is_some() => {
                    uses.guaranteed.get_or_insert("with".into());
                }
                "return_statement" => uses.escapes.push("returned to the caller".into()),
                "yield" => uses.escapes.push("yielded to the caller".into()),
                "lambda" => uses.escapes.push("returned by a lambda".into()),
                "assignment" if self.is_field(p, "right", e) => {
                    let left = Self::field(self.nodes[p], "left");
                    match left.map(|l| l.kind_name()) {
                        Some("attribute") => {
                            let l = left.map(|l| self.short(l, 60)).unwrap_or_default();
                            uses.escapes.push(format!("stored in {l}"));
                        }
                        Some("subscript") => uses.escapes.push("stored in a container".into()),
                        _ if in_container => uses.escapes.push("stored in a container".into()),
                        _ => {}
                    }
                }
                _ if in_container => uses.escapes.push("stored in a container".into()),
                _ => {}
            }
        }
        if !is_attr && self.declared_global(var, scope) {
            uses.escapes.push("stored in a global variable".into());
        }
        uses
    }

    // ---- per-call pools / engines ----

    fn decorators_of(&self, f: usize) -> Vec<String> {
        let node = self.fn_node[f];
        let Some(p) = self
            .up(node)
            .filter(|p| self.kind(*p) == "decorated_definition")
        else {
            return Vec::new();
        };
        Self::named_children(self.nodes[p])
            .into_iter()
            .filter(|d| d.kind_name() == "decorator")
            .map(|d| self.text(d).to_ascii_lowercase())
            .collect()
    }

    fn is_setup_function(&self, f: usize) -> bool {
        let name = self.file.functions[f].name.to_ascii_lowercase();
        SETUP_FUNCTIONS.contains(&name.as_str())
            || SETUP_FUNCTION_PREFIXES.iter().any(|p| name.starts_with(p))
            || self
                .decorators_of(f)
                .iter()
                .any(|d| SETUP_DECORATORS.iter().any(|s| d.contains(s)))
    }

    fn per_call_connections(&mut self) {
        if is_test_file(&self.file.path) || is_run_once_file(&self.file.path) {
            return;
        }
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let Some(f) = self.fn_of[i] else {
                continue;
            };
            let node = self.nodes[i];
            let Some(func) = Self::field(node, "function") else {
                continue;
            };
            let Some((label, _)) = self.pool_constructor(func) else {
                continue;
            };
            if self.is_setup_function(f) {
                continue;
            }
            // Stored, cached, global or returned: created once / owned elsewhere.
            let e = self.climb(i);
            let Some(p) = self.up(e) else {
                continue;
            };
            let kept = match self.kind(p) {
                "return_statement" | "yield" | "lambda" => true,
                "assignment" if self.is_field(p, "right", e) => {
                    match Self::field(self.nodes[p], "left") {
                        // Kept when it outlives the call: returned (a factory), stored, global.
                        Some(l) if l.kind_name() == "identifier" => {
                            let var = self.text(l).to_string();
                            self.variable_uses(&var, Some(f), node.end_byte())
                                .escapes
                                .iter()
                                .any(|why| !why.starts_with("passed to "))
                        }
                        _ => true,
                    }
                }
                _ => false,
            };
            if kept {
                continue;
            }
            self.file.per_call_connections.push(PerCallConnection {
                function: f,
                api: label.to_string(),
                start: self.start(node),
                text: self.short(node, 120),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(code: &str) -> AppFile {
        extract("app/service.py", code)
    }

    /// The call whose text is `text_start` exactly, else the first one starting with it.
    fn find<'f>(f: &'f AppFile, text_start: &str) -> &'f Call {
        &f.calls[idx(f, text_start)]
    }

    fn idx(f: &AppFile, text_start: &str) -> usize {
        f.calls
            .iter()
            .position(|c| c.text == text_start)
            .or_else(|| f.calls.iter().position(|c| c.text.starts_with(text_start)))
            .unwrap_or_else(|| {
                panic!(
                    "no call starting with {text_start:?} in {:#?}",
                    f.calls.iter().map(|c| &c.text).collect::<Vec<_>>()
                )
            })
    }

    fn db(f: &AppFile, text_start: &str) -> Option<DbCall> {
        find(f, text_start).db
    }

    fn api(f: &AppFile, text_start: &str) -> String {
        find(f, text_start).db_api.clone().unwrap_or_default()
    }

    fn disposal(f: &AppFile, function: &str) -> Disposal {
        let fi = f
            .functions
            .iter()
            .position(|x| x.name == function)
            .unwrap_or_else(|| panic!("no function {function}"));
        let site = f
            .connections
            .iter()
            .find(|c| c.function == Some(fi))
            .unwrap_or_else(|| panic!("no connection in {function}: {:#?}", f.connections));
        site.disposal.clone()
    }

    #[test]
    fn dbapi_cursors_and_connections() {
        let f = facts(
            r#"
import psycopg2
import sqlite3

def load(user_id):
    with psycopg2.connect(DSN) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name FROM users WHERE id = %s", (user_id,))
            row = cur.fetchone()
            cur.executemany("INSERT INTO log (uid) VALUES (%s)", [(user_id,)])
    return row

def lite(path):
    c = sqlite3.connect(path).cursor()
    c.execute("UPDATE t SET a = 1")
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT a FROM t").fetchall()
    conn.commit()
    conn.close()

def not_db(c, runner, obj):
    c.execute("SELECT a FROM t")
    runner.execute(task)
    obj.fetchall()

def param_cursor(cursor):
    cursor.callproc("refresh_stats")
"#,
        );
        assert_eq!(db(&f, "cur.execute("), Some(DbCall::Query));
        assert_eq!(api(&f, "cur.execute("), "DB-API cursor.execute");
        assert_eq!(db(&f, "cur.fetchone()"), Some(DbCall::Query));
        assert_eq!(api(&f, "cur.fetchone()"), "DB-API fetch");
        assert_eq!(db(&f, "cur.executemany("), Some(DbCall::Execute));
        // `c` is a cursor because it was assigned from `.cursor()`; UPDATE is an Execute.
        assert_eq!(db(&f, "c.execute(\"UPDATE"), Some(DbCall::Execute));
        assert_eq!(
            api(&f, "conn.execute(\"SELECT a FROM t\")"),
            "DB-API connection.execute"
        );
        assert_eq!(
            db(&f, "conn.execute(\"SELECT a FROM t\").fetchall()"),
            Some(DbCall::Query)
        );
        assert_eq!(
            api(&f, "conn.execute(\"SELECT a FROM t\").fetchall()"),
            "DB-API fetch"
        );
        assert_eq!(db(&f, "conn.commit()"), Some(DbCall::Execute));
        assert_eq!(db(&f, "conn.close()"), None);
        // A parameter `c` is not a cursor by name alone; arbitrary receivers are not either.
        let not_db = f.functions.iter().position(|x| x.name == "not_db").unwrap();
        assert!(f
            .calls
            .iter()
            .filter(|c| c.function == Some(not_db))
            .all(|c| c.db.is_none()));
        assert_eq!(db(&f, "cursor.callproc("), Some(DbCall::Query));
        // SQL arguments are linked and marked.
        let exec = find(&f, "cur.execute(");
        let s = &f.strings[exec.sql_argument.expect("sql argument")];
        assert_eq!(s.text, "SELECT id, name FROM users WHERE id = %s");
        assert!(s.at_db_call);
        assert_eq!(f.error_share, 0.0);
    }

    #[test]
    fn receiver_kinds_from_bindings_and_names() {
        let f = facts(
            r#"
import requests
from flask import session
from sqlalchemy.orm import Session

class Repo:
    def __init__(self, dsn):
        self.cur = make()
        self._conn = psycopg2.connect(dsn)

    def find(self, x):
        self._conn.execute("SELECT 1 FROM t")
        self.env.cr.execute("SELECT id FROM res_partner")

def http():
    session = requests.Session()
    session.get(User, 1)
    other = requests.session()
    other.execute("x")

def flask_view():
    return session.get("user_id")

def fastapi(db: Session = Depends(get_db)):
    return db.get(User, 1)

def via_factory():
    db = get_db()
    db.execute("SELECT * FROM users")
    link = vendor_driver.connect(dsn)
    link.execute("SELECT 1 FROM t")
    other_link = connect_db()
    other_link.commit()
    s = Session()
    s.commit()
"#,
        );
        assert_eq!(api(&f, "self._conn.execute("), "DB-API connection.execute");
        assert_eq!(api(&f, "self.env.cr.execute("), "DB-API cursor.execute");
        assert_eq!(db(&f, "session.get(User, 1)"), None);
        assert_eq!(db(&f, "other.execute("), None);
        assert_eq!(db(&f, "session.get(\"user_id\")"), None);
        assert_eq!(api(&f, "db.get(User, 1)"), "SQLAlchemy session.get");
        assert_eq!(db(&f, "db.execute("), Some(DbCall::Query));
        assert_eq!(api(&f, "s.commit()"), "SQLAlchemy session.commit");
        assert_eq!(api(&f, "link.execute("), "DB-API connection.execute");
        assert_eq!(api(&f, "other_link.commit()"), "DB-API connection.commit");
        // An unknown driver's connect() is not a connection site (precision first).
        assert!(f
            .connections
            .iter()
            .all(|c| !c.text.starts_with("vendor_driver")));
    }

    #[test]
    fn sqlalchemy_sessions_queries_and_connections() {
        let f = facts(
            r#"
from sqlalchemy import select, text, insert

def users(session, engine):
    active = session.query(User).filter(User.active == True).order_by(User.id).all()
    first = session.query(User).filter_by(id=1).first()
    n = self.session.query(Order).count()
    rows = session.execute(select(User).where(User.id == 1)).scalars().all()
    one = session.scalars(select(User)).first()
    session.execute(insert(User).values(name="a"))
    with engine.connect() as conn:
        conn.execute(text("SELECT id FROM users WHERE name = :name"), {"name": "a"})
    q = session.query(User)
    return active, first, n, rows, one, q

async def in_async(async_session):
    result = await async_session.execute(select(User))
    return result.scalars().all()

def flask_models():
    u = User.query.filter_by(name="x").first()
    all_users = User.query.all()
    return u, all_users
"#,
        );
        assert_eq!(
            api(
                &f,
                "session.query(User).filter(User.active == True).order_by(User.id).all()"
            ),
            "SQLAlchemy Query.all()"
        );
        // The intermediate calls are not database calls.
        assert_eq!(
            db(
                &f,
                "session.query(User).filter(User.active == True).order_by(User.id)"
            ),
            None
        );
        assert_eq!(
            db(&f, "session.query(User).filter_by(id=1).first()"),
            Some(DbCall::Query)
        );
        assert_eq!(
            db(&f, "self.session.query(Order).count()"),
            Some(DbCall::Query)
        );
        assert_eq!(
            api(&f, "session.execute(select(User).where(User.id == 1))"),
            "SQLAlchemy session.execute"
        );
        // `.scalars().all()` on a Result is not another round trip.
        assert_eq!(
            db(
                &f,
                "session.execute(select(User).where(User.id == 1)).scalars().all()"
            ),
            None
        );
        assert_eq!(
            db(
                &f,
                "session.execute(select(User).where(User.id == 1)).scalars()"
            ),
            None
        );
        assert_eq!(
            api(&f, "session.scalars(select(User))"),
            "SQLAlchemy session.scalars"
        );
        assert_eq!(db(&f, "session.scalars(select(User)).first()"), None);
        assert_eq!(
            db(&f, "session.execute(insert(User)"),
            Some(DbCall::Execute)
        );
        let c = find(&f, "conn.execute(text(");
        assert_eq!(c.db_api.as_deref(), Some("SQLAlchemy connection.execute"));
        let s = &f.strings[c.sql_argument.expect("text() SQL")];
        assert_eq!(s.text, "SELECT id FROM users WHERE name = :name");
        // A Query never evaluated is not a database call.
        assert_eq!(db(&f, "session.query(User)"), None);
        let awaited = find(&f, "async_session.execute(");
        assert!(awaited.awaited);
        assert_eq!(awaited.db, Some(DbCall::Query));
        assert_eq!(
            api(&f, "User.query.filter_by(name=\"x\").first()"),
            "Flask-SQLAlchemy Query.first()"
        );
        assert_eq!(db(&f, "User.query.all()"), Some(DbCall::Query));
        // engine.connect() in `with` is a guaranteed-disposed connection.
        assert_eq!(f.connections.len(), 1);
        assert_eq!(f.connections[0].api, "SQLAlchemy engine.connect()");
        assert_eq!(f.connections[0].variable.as_deref(), Some("conn"));
        assert_eq!(
            f.connections[0].disposal,
            Disposal::Guaranteed("with".into())
        );
    }

    #[test]
    fn django_managers_evaluation_and_related_managers() {
        let f = facts(
            r#"
from django.shortcuts import render
from .models import Order, Item

def view(request):
    order = Order.objects.get(pk=1)
    n = Order.objects.filter(paid=True).count()
    lazy = Order.objects.filter(paid=False)
    Item.objects.create(order=order)
    Order.objects.filter(pk=1).update(paid=True)
    for o in Order.objects.select_related("customer").all():
        print(o.customer.name)
        o.items.count()
        o.items.filter(sku="x").first()
        o.save()
    everything = list(Order.objects.all())
    size = len(Order.objects.exclude(paid=True))
    pending = Order.objects.filter(status="pending")
    for p in pending:
        p.items.all()
    names = [i.name for i in Item.objects.filter(order=order)]
    active = Order.active.filter(x=1).count()
    obj = get_object_or_404(Order, pk=2)
    return render(request, "x.html", {"lazy": lazy})
"#,
        );
        assert_eq!(api(&f, "Order.objects.get(pk=1)"), "Django get()");
        assert_eq!(
            db(&f, "Order.objects.filter(paid=True).count()"),
            Some(DbCall::Query)
        );
        assert_eq!(db(&f, "Order.objects.filter(paid=True)"), None);
        // Lazy and never evaluated here.
        assert_eq!(db(&f, "Order.objects.filter(paid=False)"), None);
        assert_eq!(db(&f, "Item.objects.create("), Some(DbCall::Execute));
        assert_eq!(
            db(&f, "Order.objects.filter(pk=1).update("),
            Some(DbCall::Execute)
        );
        // The loop source QuerySet is evaluated by the loop.
        let source = idx(&f, "Order.objects.select_related(\"customer\").all()");
        let lp = f
            .loops
            .iter()
            .find(|l| l.source_call == Some(source))
            .expect("loop over queryset");
        assert_eq!(f.calls[source].db, Some(DbCall::Query));
        assert!(f.calls[source].loops.is_empty());
        assert_eq!(lp.variables, vec!["o".to_string()]);
        // Related managers on the loop variable: the classic N+1.
        assert_eq!(
            api(&f, "o.items.count()"),
            "Django related manager items.count()"
        );
        assert_eq!(
            db(&f, "o.items.filter(sku=\"x\").first()"),
            Some(DbCall::Query)
        );
        assert_eq!(db(&f, "o.items.filter(sku=\"x\")"), None);
        assert_eq!(db(&f, "o.save()"), Some(DbCall::Execute));
        assert_eq!(db(&f, "print(o.customer.name)"), None);
        // Wrappers evaluate: the wrapper is the call.
        assert_eq!(db(&f, "list(Order.objects.all())"), Some(DbCall::Query));
        assert_eq!(db(&f, "Order.objects.all()"), None);
        assert_eq!(db(&f, "len(Order.objects.exclude("), Some(DbCall::Query));
        // A variable iterated later: the assigned call is the query.
        assert_eq!(
            db(&f, "Order.objects.filter(status=\"pending\")"),
            Some(DbCall::Query)
        );
        assert_eq!(db(&f, "p.items.all()"), Some(DbCall::Query));
        let pending_loop = f
            .loops
            .iter()
            .find(|l| l.source_var.as_deref() == Some("pending"))
            .expect("loop over pending");
        assert_eq!(pending_loop.kind, "for");
        // Comprehension source.
        assert_eq!(
            db(&f, "Item.objects.filter(order=order)"),
            Some(DbCall::Query)
        );
        assert_eq!(
            db(&f, "Order.active.filter(x=1).count()"),
            Some(DbCall::Query)
        );
        assert_eq!(api(&f, "get_object_or_404("), "Django get_object_or_404");
        assert_eq!(db(&f, "render("), None);
    }

    #[test]
    fn loops_sources_and_membership() {
        let f = facts(
            r#"
async def handler(ids, repo):
    for i, row in enumerate(list(repo.fetch_rows())):
        repo.touch(row)
    else:
        repo.done()
    async for item in repo.stream():
        await repo.save(item)
    for k, v in self.cache.items():
        use(k)
    while repo.has_more():
        repo.next_page()
    squares = [repo.get(x) for x in repo.all_ids() if repo.ok(x) for y in repo.children(x)]
    gen = sum(repo.size(x) for x in ids)
    names = list(map(lambda u: repo.name(u), repo.users()))
    for x in ids:
        def inner():
            repo.inside_def()
        cb = lambda: repo.inside_lambda()
        for y in repo.per(x):
            repo.deep(y)
"#,
        );
        let l = |start: &str| f.calls[idx(&f, start)].loops.clone();
        let for1 = f
            .loops
            .iter()
            .position(|x| x.source_call == Some(idx(&f, "repo.fetch_rows()")))
            .expect("for over enumerate(list(...))");
        assert_eq!(f.loops[for1].kind, "for");
        assert_eq!(
            f.loops[for1].variables,
            vec!["i".to_string(), "row".to_string()]
        );
        assert_eq!(
            f.loops[for1].source_text.as_deref(),
            Some("enumerate(list(repo.fetch_rows()))")
        );
        assert!(l("repo.fetch_rows()").is_empty());
        assert_eq!(l("repo.touch(row)"), vec![for1]);
        assert!(l("repo.done()").is_empty(), "for-else runs once");
        let async_for = f.loops.iter().position(|x| x.kind == "async for").unwrap();
        assert_eq!(l("repo.save(item)"), vec![async_for]);
        assert!(find(&f, "repo.save(item)").awaited);
        let items = f
            .loops
            .iter()
            .find(|x| x.source_var.as_deref() == Some("self.cache"))
            .expect("items() unwrapped");
        assert_eq!(items.variables, vec!["k".to_string(), "v".to_string()]);
        let w = f.loops.iter().position(|x| x.kind == "while").unwrap();
        assert_eq!(
            l("repo.has_more()"),
            vec![w],
            "a while condition runs per iteration"
        );
        assert_eq!(l("repo.next_page()"), vec![w]);
        let comp = f
            .loops
            .iter()
            .position(|x| {
                x.kind == "comprehension" && x.source_call == Some(idx(&f, "repo.all_ids()"))
            })
            .unwrap();
        assert!(
            l("repo.all_ids()").is_empty(),
            "the first iterable is evaluated once"
        );
        assert_eq!(l("repo.get(x)"), vec![comp]);
        assert_eq!(l("repo.ok(x)"), vec![comp]);
        assert_eq!(
            l("repo.children(x)"),
            vec![comp],
            "later iterables run per item"
        );
        assert_eq!(
            f.loops[comp].variables,
            vec!["x".to_string(), "y".to_string()]
        );
        let genexp = f
            .loops
            .iter()
            .position(|x| x.source_var.as_deref() == Some("ids") && x.kind == "comprehension")
            .unwrap();
        assert_eq!(l("repo.size(x)"), vec![genexp]);
        let map = f
            .loops
            .iter()
            .position(|x| x.kind == "map callback")
            .unwrap();
        assert_eq!(f.loops[map].source_call, Some(idx(&f, "repo.users()")));
        assert_eq!(f.loops[map].variables, vec!["u".to_string()]);
        assert_eq!(l("repo.name(u)"), vec![map]);
        assert!(l("repo.users()").is_empty());
        let outer = f
            .loops
            .iter()
            .position(|x| x.source_var.as_deref() == Some("ids") && x.kind == "for")
            .unwrap();
        assert!(
            l("repo.inside_def()").is_empty(),
            "a nested def is its own context"
        );
        assert!(
            l("repo.inside_lambda()").is_empty(),
            "a plain lambda is its own context"
        );
        assert_eq!(l("repo.per(x)"), vec![outer]);
        let inner = f
            .loops
            .iter()
            .position(|x| x.source_call == Some(idx(&f, "repo.per(x)")))
            .unwrap();
        assert_eq!(l("repo.deep(y)"), vec![outer, inner]);
        let inner_fn = f.functions.iter().position(|x| x.name == "inner").unwrap();
        assert_eq!(find(&f, "repo.inside_def()").function, Some(inner_fn));
    }

    #[test]
    fn loop_over_query_then_query_per_item() {
        let f = facts(
            r#"
def report(conn):
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers")
    customers = cur.fetchall()
    for (cid,) in customers:
        cur.execute("SELECT total FROM orders WHERE customer_id = %s", (cid,))
        total = cur.fetchone()
"#,
        );
        let lp = f
            .loops
            .iter()
            .find(|l| l.source_var.as_deref() == Some("customers"))
            .expect("loop");
        let li = f
            .loops
            .iter()
            .position(|l| l.source_var.as_deref() == Some("customers"))
            .unwrap();
        let assignment = f
            .assignments
            .iter()
            .find(|a| a.variable == "customers" && a.start < lp.start)
            .expect("assignment");
        assert_eq!(
            f.calls[assignment.call].db_api.as_deref(),
            Some("DB-API fetch")
        );
        assert_eq!(find(&f, "cur.execute(\"SELECT total").loops, vec![li]);
        assert_eq!(find(&f, "cur.fetchone()").loops, vec![li]);
        assert_eq!(
            find(&f, "cur.fetchone()").db_api.as_deref(),
            Some("DB-API fetch")
        );
    }

    #[test]
    fn assignments_take_the_outermost_call() {
        let f = facts(
            r#"
async def a(session):
    users = session.query(User).all()
    row = await conn.fetchrow("SELECT 1 FROM t")
    count: int = repo.count()
    self.items = repo.items()
    if (n := repo.total()) > 1:
        pass
    with pool.acquire() as c:
        pass
    x, y = pair()
    z = 1
"#,
        );
        let var = |v: &str| {
            let a = f
                .assignments
                .iter()
                .find(|a| a.variable == v)
                .unwrap_or_else(|| panic!("no assignment {v}"));
            f.calls[a.call].text.clone()
        };
        assert_eq!(var("users"), "session.query(User).all()");
        assert_eq!(var("row"), "conn.fetchrow(\"SELECT 1 FROM t\")");
        assert_eq!(var("count"), "repo.count()");
        assert_eq!(var("self.items"), "repo.items()");
        assert_eq!(var("n"), "repo.total()");
        assert_eq!(var("c"), "pool.acquire()");
        assert!(f
            .assignments
            .iter()
            .all(|a| a.variable != "x" && a.variable != "z"));
        assert_eq!(
            f.assignments
                .iter()
                .find(|a| a.variable == "users")
                .unwrap()
                .start,
            Pos { line: 3, column: 5 }
        );
        assert_eq!(api(&f, "conn.fetchrow("), "asyncpg connection.fetchrow");
    }

    #[test]
    fn disposal_outcomes() {
        let f = facts(
            r#"
import psycopg2
import pyodbc as odbc
from contextlib import closing
from sqlite3 import connect

def with_block():
    with psycopg2.connect(DSN) as conn:
        conn.cursor().execute("SELECT 1 FROM t")

def with_closing():
    with closing(connect("db.sqlite")) as conn:
        pass

def in_finally():
    conn = odbc.connect(CS)
    try:
        conn.cursor().execute("SELECT 1 FROM t")
    finally:
        conn.close()

def normal_path():
    conn = psycopg2.connect(DSN)
    cur = conn.cursor()
    cur.execute("UPDATE payments SET status = %s WHERE id = %s", (s, pid))
    conn.commit()
    conn.close()

def never():
    conn = psycopg2.connect(DSN)
    return conn.cursor().execute("SELECT 1 FROM t")

def returned():
    conn = psycopg2.connect(DSN)
    return conn

def returned_directly():
    return psycopg2.connect(DSN)

def stored(self):
    self.conn = psycopg2.connect(DSN)

def passed():
    conn = psycopg2.connect(DSN)
    return Repository(conn)

def pooled(pool):
    conn = pool.getconn()
    try:
        work(conn)
    finally:
        pool.putconn(conn)

async def pooled_async(pool):
    async with pool.acquire() as conn:
        await conn.fetch("SELECT 1 FROM t")

def later_with():
    conn = psycopg2.connect(DSN)
    with closing(conn):
        pass

@contextmanager
def cm():
    conn = psycopg2.connect(DSN)
    try:
        yield conn
    finally:
        conn.close()

conn = psycopg2.connect(DSN)
"#,
        );
        assert_eq!(
            disposal(&f, "with_block"),
            Disposal::Guaranteed("with".into())
        );
        assert!(
            matches!(disposal(&f, "with_closing"), Disposal::Guaranteed(d) if d.contains("closing"))
        );
        assert!(
            matches!(disposal(&f, "in_finally"), Disposal::Guaranteed(d) if d.contains("finally"))
        );
        assert!(
            matches!(disposal(&f, "normal_path"), Disposal::NormalPathOnly(d) if d.contains("conn.close()"))
        );
        assert_eq!(disposal(&f, "never"), Disposal::Never);
        assert!(matches!(disposal(&f, "returned"), Disposal::Escapes(d) if d.contains("returned")));
        assert!(
            matches!(disposal(&f, "returned_directly"), Disposal::Escapes(d) if d.contains("returned"))
        );
        assert!(matches!(disposal(&f, "stored"), Disposal::Escapes(d) if d.contains("self.conn")));
        assert!(matches!(disposal(&f, "passed"), Disposal::Escapes(d) if d.contains("Repository")));
        assert!(matches!(disposal(&f, "pooled"), Disposal::Guaranteed(d) if d.contains("putconn")));
        assert_eq!(
            disposal(&f, "pooled_async"),
            Disposal::Guaranteed("with".into())
        );
        assert!(matches!(
            disposal(&f, "later_with"),
            Disposal::Guaranteed(_)
        ));
        assert!(matches!(disposal(&f, "cm"), Disposal::Guaranteed(_)));
        let module = f
            .connections
            .iter()
            .find(|c| c.function.is_none())
            .expect("module-level connection");
        assert!(matches!(&module.disposal, Disposal::Escapes(d) if d.contains("module")));
        // Aliased imports resolve: `odbc.connect` is pyodbc, bare `connect` is sqlite3.
        assert!(f.connections.iter().any(|c| c.api == "pyodbc.connect"));
        assert!(f.connections.iter().any(|c| c.api == "sqlite3.connect"));
        let normal = f
            .functions
            .iter()
            .position(|x| x.name == "normal_path")
            .unwrap();
        let site = f
            .connections
            .iter()
            .find(|c| c.function == Some(normal))
            .unwrap();
        assert_eq!(site.variable.as_deref(), Some("conn"));
        assert_eq!(
            site.start,
            Pos {
                line: 23,
                column: 12
            }
        );
        assert_eq!(site.text, "psycopg2.connect(DSN)");
    }

    #[test]
    fn pools_and_engines_per_call() {
        let f = facts(
            r#"
from functools import lru_cache
from sqlalchemy import create_engine
from psycopg2 import pool
import redis

engine = create_engine(URL)

def get_users():
    eng = create_engine(URL)
    Session = sessionmaker(bind=eng)
    return Session().query(User).all()

def handler():
    p = pool.SimpleConnectionPool(1, 5, DSN)
    conn = p.getconn()
    return conn

def create_app():
    app.engine = create_engine(URL)

@lru_cache
def cached_engine():
    return create_engine(URL)

def factory():
    e = create_engine(URL)
    return e

_engine = None
def lazy():
    global _engine
    _engine = create_engine(URL)
    return _engine.connect()

class Repo:
    def __init__(self):
        self.engine = create_engine(URL)

def redis_pool():
    return redis.ConnectionPool()

def other():
    rp = redis.ConnectionPool()
    rp.get_connection("x")
"#,
        );
        let names: Vec<&str> = f
            .per_call_connections
            .iter()
            .map(|p| f.functions[p.function].name.as_str())
            .collect();
        assert_eq!(names, vec!["get_users", "handler"]);
        assert!(f.per_call_connections[0].api.contains("SQLAlchemy engine"));
        assert_eq!(f.per_call_connections[0].text, "create_engine(URL)");
        assert!(f.per_call_connections[1].api.contains("psycopg2"));
        // The pool checkout is a connection site; returned.
        let checkout = f
            .connections
            .iter()
            .find(|c| c.api == "pool.getconn()")
            .expect("getconn site");
        assert!(matches!(checkout.disposal, Disposal::Escapes(_)));
        // Test files are never reported.
        let t = extract(
            "tests/test_repo.py",
            "def test_x():\n    e = create_engine(URL)\n    e.connect()\n",
        );
        assert!(t.per_call_connections.is_empty());
    }

    #[test]
    fn strings_segments_and_sql_arguments() {
        let code = "def q(cur, table, uid, name):\n    cur.execute(f\"SELECT * FROM {table} WHERE id = {uid}\")\n    sql = (\"SELECT a, b \"\n           \"FROM t WHERE x = %s\")\n    cur.execute(sql, (1,))\n    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"' AND active = 1\")\n    cur.execute(\"DELETE FROM t WHERE id = %s\" % uid)\n    cur.execute(\"SELECT {} FROM t\".format(col))\n    cur.execute(\"\"\"\n        SELECT id\n        FROM users\n    \"\"\")\n    label = \"Select an option\"\n    key = \"user_id\"\n    \"\"\"SELECT * FROM docstring_like\"\"\"\n";
        let f = facts(code);
        let sql = |start: &str| {
            let c = find(&f, start);
            f.strings[c
                .sql_argument
                .unwrap_or_else(|| panic!("no sql argument on {start}"))]
            .clone()
        };
        let fs = sql("cur.execute(f\"");
        assert_eq!(fs.text, "SELECT * FROM $1 WHERE id = $1");
        assert_eq!(
            fs.start,
            Pos {
                line: 2,
                column: 17
            }
        );
        assert_eq!(
            fs.segments[0],
            (
                0,
                Pos {
                    line: 2,
                    column: 19
                }
            )
        );
        // " WHERE id = " starts after `{table}`.
        assert_eq!(
            fs.position_of(fs.text.find(" WHERE").unwrap()),
            Pos {
                line: 2,
                column: 40
            }
        );
        let implicit = sql("cur.execute(sql");
        assert_eq!(implicit.text, "SELECT a, b FROM t WHERE x = %s");
        assert!(implicit.at_db_call);
        assert_eq!(
            implicit.position_of(implicit.text.find("FROM").unwrap()),
            Pos {
                line: 4,
                column: 13
            }
        );
        let plus = sql("cur.execute(\"SELECT * FROM users");
        assert_eq!(
            plus.text,
            "SELECT * FROM users WHERE name = '$1' AND active = 1"
        );
        assert_eq!(
            plus.position_of(plus.text.find("' AND").unwrap()),
            Pos {
                line: 6,
                column: 64
            }
        );
        let percent = sql("cur.execute(\"DELETE");
        assert_eq!(percent.text, "DELETE FROM t WHERE id = %s");
        assert_eq!(find(&f, "cur.execute(\"DELETE").db, Some(DbCall::Execute));
        assert_eq!(sql("cur.execute(\"SELECT {}").text, "SELECT {} FROM t");
        let triple = sql("cur.execute(\"\"\"");
        assert_eq!(
            triple.position_of(triple.text.find("FROM").unwrap()),
            Pos {
                line: 11,
                column: 9
            }
        );
        assert!(f
            .strings
            .iter()
            .all(|s| s.text != "user_id" && !s.text.contains("docstring_like")));
        // "Select an option" is neither SQL nor a credential (looks_like_sql wants FROM).
        assert!(f.strings.iter().all(|s| s.text != "Select an option"));
        assert!(f.strings.iter().all(|s| s.function == Some(0)));
    }

    #[test]
    fn credentials_and_sql_looking_literals() {
        let f = facts(
            r#"
DATABASE_URL = "postgresql://app:s3cret@db:5432/app"
SAFE_URL = "postgresql://app@db/app"
REPORT = "SELECT id FROM reports WHERE owner = %s"

def conn():
    return pyodbc.connect("Driver={ODBC Driver 18};Server=db;Database=app;UID=sa;PWD=Hunter2;")
"#,
        );
        let url = f
            .strings
            .iter()
            .find(|s| s.text.starts_with("postgresql://app:"))
            .expect("credential literal");
        assert!(!url.at_db_call);
        assert_eq!(url.function, None);
        assert!(f
            .strings
            .iter()
            .all(|s| s.text != "postgresql://app@db/app"));
        assert!(f
            .strings
            .iter()
            .any(|s| s.text.starts_with("SELECT id FROM reports") && !s.at_db_call));
        assert!(f.strings.iter().any(|s| s.text.contains("PWD=Hunter2")));
    }

    #[test]
    fn functions_classes_and_comments() {
        let code = r#"
# dbaudit:ignore n-plus-one
class UserRepository(Base):
    def get(self, user_id, *args, **kwargs):  # trailing
        return self.session.get(User, user_id)

    @staticmethod
    def build(a, b=1, *, c):
        def helper(x):
            return x
        return helper

async def fetch_all(pool: asyncpg.Pool, limit: int = 10):
    return await pool.fetch("SELECT * FROM t LIMIT $1", limit)
"#;
        let f = facts(code);
        let get = &f.functions[0];
        assert_eq!(
            (get.name.as_str(), get.arity, get.class.as_deref()),
            ("get", 1, Some("UserRepository"))
        );
        let build = f.functions.iter().find(|x| x.name == "build").unwrap();
        assert_eq!(
            (build.arity, build.class.as_deref()),
            (3, Some("UserRepository"))
        );
        let helper = f.functions.iter().find(|x| x.name == "helper").unwrap();
        assert_eq!(helper.class, None);
        let fetch = f.functions.iter().find(|x| x.name == "fetch_all").unwrap();
        assert!(fetch.is_async && fetch.arity == 2 && fetch.class.is_none());
        assert_eq!(fetch.start.line, 13);
        assert!(code[fetch.body.0..fetch.body.1].starts_with("return await pool.fetch("));
        assert_eq!(f.comments.len(), 2);
        assert_eq!(f.comments[0].line, 2);
        assert_eq!(f.comments[0].text, "# dbaudit:ignore n-plus-one");
        assert_eq!(api(&f, "self.session.get("), "SQLAlchemy session.get");
        assert_eq!(api(&f, "pool.fetch("), "asyncpg pool.fetch");
        assert_eq!(
            find(&f, "pool.fetch(").function,
            f.functions.iter().position(|x| x.name == "fetch_all")
        );
        let c = find(&f, "self.session.get(");
        assert_eq!(c.receiver.as_deref(), Some("self.session"));
        assert_eq!(c.receiver_root.as_deref(), Some("self"));
        assert_eq!(c.chain, vec!["self".to_string(), "session".to_string()]);
        assert_eq!(c.arity, 2);
    }

    #[test]
    fn chains_receivers_and_pandas() {
        let f = facts(
            r#"
import pandas as pd

def load(engine, conn):
    df = pd.read_sql("SELECT * FROM sales", conn)
    df.to_sql("sales_copy", engine, if_exists="append")
    x = _context.Users.where(active).to_list()
"#,
        );
        let c = find(&f, "_context.Users.where(active).to_list()");
        assert_eq!(c.callee, "to_list");
        assert_eq!(
            c.chain,
            vec![
                "_context".to_string(),
                "Users".to_string(),
                "where".to_string()
            ]
        );
        assert_eq!(c.receiver.as_deref(), Some("_context.Users.where(active)"));
        assert_eq!(api(&f, "pd.read_sql("), "pandas read_sql");
        assert!(find(&f, "pd.read_sql(").sql_argument.is_some());
        assert_eq!(db(&f, "df.to_sql("), Some(DbCall::Execute));
    }

    #[test]
    fn more_catalogue_cases() {
        let f = facts(
            r#"
from sqlmodel import Session, select
from sqlalchemy import text

def sqlmodel_route(session: Session):
    users = session.exec(select(User)).all()
    session.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": "x"})
    session.execute(text("UPDATE t SET a = 1 RETURNING id"))
    return users

def django_session(request):
    request.session.flush()
    s = request.session
    s.flush()

def threads(executor, ids, db_pool):
    results = list(executor.map(lambda i: fetch_one(i), ids))
    rows = yield from db_pool.fetch("SELECT 1 FROM t")
    while (row := cur.fetchone()) is not None:
        handle(row)
"#,
        );
        assert_eq!(
            api(&f, "session.exec(select(User))"),
            "SQLModel session.exec"
        );
        assert_eq!(db(&f, "session.exec(select(User)).all()"), None);
        assert_eq!(
            db(&f, "session.execute(text(\"INSERT"),
            Some(DbCall::Execute)
        );
        assert_eq!(
            db(&f, "session.execute(text(\"UPDATE"),
            Some(DbCall::Query),
            "RETURNING reads rows"
        );
        assert_eq!(db(&f, "request.session.flush()"), None);
        assert_eq!(db(&f, "s.flush()"), None);
        let map = f
            .loops
            .iter()
            .position(|l| l.kind == "map callback")
            .expect("executor.map callback");
        assert_eq!(f.loops[map].source_var.as_deref(), Some("ids"));
        assert_eq!(find(&f, "fetch_one(i)").loops, vec![map]);
        let pooled = find(&f, "db_pool.fetch(");
        assert!(pooled.awaited, "yield from counts as awaited");
        assert_eq!(pooled.db_api.as_deref(), Some("asyncpg pool.fetch"));
        let w = f.loops.iter().find(|l| l.kind == "while").unwrap();
        assert_eq!(
            w.source_text.as_deref(),
            Some("(row := cur.fetchone()) is not None")
        );
        assert_eq!(w.source_call, None);
        assert!(!find(&f, "cur.fetchone()").loops.is_empty());
        // Migrations and other run-once files never report per-call engines.
        let alembic = extract(
            "app/alembic/env.py",
            "def run_online():\n    connectable = engine_from_config(cfg)\n    with connectable.connect() as c:\n        pass\n",
        );
        assert!(alembic.per_call_connections.is_empty());
        assert_eq!(alembic.connections.len(), 1);
        assert_eq!(
            alembic.connections[0].disposal,
            Disposal::Guaranteed("with".into())
        );
    }

    #[test]
    fn positions_and_shortening_match_source() {
        let code = "x = 1\ns = ('é', \"SELECT ü FROM t WHERE a = \" + v)\n\tcur.execute(  'SELECT  *\n   FROM t' )\n";
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(code, None).unwrap();
        let source = Source::new(code);
        let x = Extractor::new(
            &source,
            tree.root_node(),
            AppFile::new("x.py", Language::Python),
        );
        for &n in &x.nodes {
            assert_eq!(x.start(n), source.start(n));
            assert_eq!(x.end(n), source.end(n));
            for max in [0, 3, 10, 120] {
                assert_eq!(x.short(n, max), source.short(n, max));
            }
        }
        for byte in 0..=code.len() {
            if code.is_char_boundary(byte) {
                assert_eq!(x.pos_of_byte(byte), source.pos_of_byte(byte), "byte {byte}");
            }
        }
        let f = facts(code);
        let s = f
            .strings
            .iter()
            .find(|s| s.text.starts_with("SELECT ü"))
            .unwrap();
        assert_eq!(s.text, "SELECT ü FROM t WHERE a = $1");
        assert_eq!(
            s.start,
            Pos {
                line: 2,
                column: 11
            }
        );
        assert_eq!(
            s.position_of(s.text.find("FROM").unwrap()),
            Pos {
                line: 2,
                column: 21
            }
        );
    }

    #[test]
    fn class_constants_and_procedure_prose() {
        let f = facts(
            r#"
class History:
    _GET_ALL = "SELECT * FROM records ORDER BY id"

    def all(self):
        return self._connection.execute(self._GET_ALL).fetchall()

    def proc(self, cur):
        cur.execute("CALL refresh_stats()")

HELP = "execute the given command in a shell"
"#,
        );
        let c = find(&f, "self._connection.execute(self._GET_ALL)");
        let s = &f.strings[c.sql_argument.expect("class constant")];
        assert_eq!(s.text, "SELECT * FROM records ORDER BY id");
        assert!(s.at_db_call);
        assert!(f
            .strings
            .iter()
            .any(|s| s.text == "CALL refresh_stats()" && s.at_db_call));
        assert!(f
            .strings
            .iter()
            .all(|s| !s.text.starts_with("execute the given")));
    }

    #[test]
    fn syntax_errors_keep_the_sound_parts() {
        let f = facts(
            r#"
def broken(x):
    x = = 1
    return x +

def fine(cur):
    cur.execute("SELECT id FROM users")
    for r in cur.fetchall():
        print(r)
"#,
        );
        assert!(f.error_share > 0.0);
        assert!(!f.error_regions.is_empty());
        assert_eq!(db(&f, "cur.execute("), Some(DbCall::Query));
        assert!(f
            .loops
            .iter()
            .any(|l| l.source_call == Some(idx(&f, "cur.fetchall()"))));
    }

    #[test]
    fn garbage_and_deep_nesting_do_not_panic() {
        let bytes: Vec<u8> = (0..4000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let _ = extract("x.py", &text);
        let _ = extract("x.py", &"(".repeat(5000));
        let _ = extract(
            "x.py",
            &format!("x = {}1{}", "[".repeat(3000), "]".repeat(3000)),
        );
        let long_plus = format!(
            "q = \"SELECT a FROM t WHERE \" {}\n",
            "+ x + \" AND b \" ".repeat(3000)
        );
        let f = extract("x.py", &long_plus);
        assert_eq!(f.strings.len(), 1);
        let _ = extract("x.py", &"f(".repeat(3000));
        // Long chains of calls on calls (receiver analysis recurses on receivers).
        let _ = extract(
            "x.py",
            &format!("def f():\n    x = engine{}\n", ".connect()".repeat(20000)),
        );
        let _ = extract(
            "x.py",
            &format!(
                "def f():\n    x = conn{}\n",
                ".execute('SELECT a FROM t')".repeat(20000)
            ),
        );
        let _ = extract(
            "x.py",
            &format!(
                "def f():\n    x = session{}.all()\n",
                ".query(User)".repeat(20000)
            ),
        );
        let _ = extract(
            "x.py",
            &format!("x = Model.objects{}\n", ".filter(a=1)".repeat(20000)),
        );
        let _ = extract(
            "x.py",
            "def f(:\n  with with as as:\n  for in in:\n\"\"\"unterminated",
        );
        let _ = extract("x.py", "f\"{\" '\\");
        let _ = extract("x.py", "");
        let _ = extract("x.py", "\u{feff}é = 'ü' + \"SELECT ü FROM t\"");
    }
}
