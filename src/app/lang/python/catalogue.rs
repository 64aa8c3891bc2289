//! Python's type catalogue, as data: the standard library's and `typing`'s types (a
//! receiver of such a type never means the repository's code: `items.append(x)`,
//! `CLASSES.get(k)`), and the annotations that say nothing of a value's class. The
//! database call sites are still listed at the top of the adapter (`super`).

use crate::app::ir::DbCall;

/// What a receiver expression holds, as far as the catalogue can tell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Recv {
    Cursor,
    Connection,
    Session,
    Engine,
    Pool,
}

impl Recv {
    pub(super) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The database calls that leave their rows on the cursor they ran on (DB-API: the
/// cursor is iterable), so that `cur.execute(sql); for row in cur:` walks that query's rows.
pub(super) const ROWS_ON_CURSOR: &[&str] = &["DB-API cursor.execute", "DB-API cursor.callproc"];

/// Where a call's SQL text is: nowhere, or the first positional argument (or one of
/// `SQL_KEYWORDS`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum SqlArg {
    None,
    First,
}

/// Methods that reach the database on a receiver of the given kind:
/// (receiver kind, method, what it does, db_api, SQL argument).
/// `execute`-like methods (`VERB_SENSITIVE`) are refined to Execute when their SQL is a
/// write. asyncpg's `fetch` / `fetchrow` / `fetchval` share the connection / pool rows.
pub(super) const RECEIVER_METHODS: &[(Recv, &str, DbCall, &str, SqlArg)] = &[
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
pub(super) const VERB_SENSITIVE: &[&str] = &["execute", "exec_driver_sql", "exec"];

/// Keyword names of the SQL argument (`cursor.execute(operation=...)`, `query=`...).
pub(super) const SQL_KEYWORDS: &[&str] = &["sql", "query", "statement", "operation", "stmt"];

/// How a receiver name (last segment, lower-cased, leading `_` stripped) suggests its kind.
#[derive(Clone, Copy)]
pub(super) enum Pat {
    Exact(&'static str),
    Suffix(&'static str),
    Contains(&'static str),
}

/// Receiver names: `cur` / `cursor` / `cr` (Odoo) are cursors, `conn` / `cnxn` / `db` are
/// connections, `session` / `db_session` / `db` are SQLAlchemy sessions, `engine`,
/// `pool`. `c` and `s` are not here: only their assignment makes them a cursor / session.
pub(super) const RECEIVER_NAMES: &[(Recv, Pat)] = &[
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
pub(super) const NON_DB_RECEIVER_SUFFIXES: &[&str] = &["request.session"];

/// Modules whose sessions / clients are not databases: a variable assigned from them
/// (`requests.Session()`, `aiohttp.ClientSession()`) or a name imported from them
/// (`from flask import session`) is never a database receiver.
pub(super) const NON_DB_MODULES: &[&str] = &[
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
pub(super) const NON_DB_CALLEES: &[&str] = &[
    "ClientSession",
    "InferenceSession",
    "AsyncClient",
    "SparkSession",
];

/// Driver `connect` functions: (resolved dotted path, driver). The path is matched after
/// import aliases (`import psycopg2 as pg`, `from sqlite3 import connect`).
pub(super) const DRIVER_CONNECT: &[(&str, &str)] = &[
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

/// Drivers of `DRIVER_CONNECT` whose database runs inside the process (a SQLite file): a
/// connection holds no server session or pool slot.
pub(super) const IN_PROCESS_DRIVERS: &[&str] = &["sqlite3", "aiosqlite"];

/// SQLAlchemy engine methods that open a connection (receiver: an engine).
pub(super) const ENGINE_CONNECT_METHODS: &[&str] = &["connect", "raw_connection", "begin"];

/// Pool checkouts (receiver: a pool): psycopg2 `getconn`, asyncpg / aiomysql `acquire`,
/// psycopg_pool `connection()`.
pub(super) const POOL_CHECKOUT_METHODS: &[&str] = &["getconn", "acquire", "connection"];

/// Methods that close a connection variable (`conn.close()`).
pub(super) const CLOSE_METHODS: &[&str] = &["close", "aclose"];

/// Functions / methods that release a connection passed to them (`pool.putconn(conn)`).
pub(super) const RELEASE_FUNCTIONS: &[&str] = &["putconn", "release"];

/// Functions that look at a connection without taking it over.
pub(super) const NON_OWNING_FUNCTIONS: &[&str] = &[
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
pub(super) const POOL_CONSTRUCTORS: &[(&str, bool, &str, Recv)] = &[
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
pub(super) const SETUP_FUNCTIONS: &[&str] = &[
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
pub(super) const SETUP_FUNCTION_PREFIXES: &[&str] = &[
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
pub(super) const SETUP_DECORATORS: &[&str] = &[
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
pub(super) const DJANGO_MANAGERS: &[&str] = &["objects", "_default_manager", "_base_manager"];

/// QuerySet methods that return another lazy QuerySet.
pub(super) const DJANGO_LAZY: &[&str] = &[
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
pub(super) const DJANGO_EVAL: &[(&str, DbCall)] = &[
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
pub(super) const DJANGO_RELATED_READS: &[&str] = &[
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
pub(super) const DJANGO_INSTANCE_WRITES: &[&str] = &["save", "delete", "refresh_from_db"];

/// SQLAlchemy `Query` materialisers (also Flask-SQLAlchemy's `*_or_404` / `paginate`).
pub(super) const SQLA_MATERIALISERS: &[(&str, DbCall)] = &[
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
pub(super) const EVAL_WRAPPERS: &[&str] =
    &["list", "tuple", "set", "frozenset", "sorted", "len", "bool"];

/// Wrappers unwrapped to find a loop's iteration source.
pub(super) const ITER_WRAPPERS: &[&str] = &[
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
pub(super) const SQL_WRAPPERS: &[&str] = &["text", "SQL", "dedent", "literal_column"];

/// SQLAlchemy statement constructs passed to `execute`: what they do.
pub(super) const SQLA_STATEMENTS: &[(&str, DbCall)] = &[
    ("select", DbCall::Query),
    ("insert", DbCall::Execute),
    ("update", DbCall::Execute),
    ("delete", DbCall::Execute),
];

/// Functions reaching the database by their resolved path: (path, match the last segment
/// alone when not imported, what it does, db_api, SQL argument).
pub(super) const FUNCTIONS: &[(&str, bool, DbCall, &str, SqlArg)] = &[
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

/// Query loaders: `queries = aiosql.from_path("sql", "asyncpg")` makes every method of
/// `queries` a named statement run on the connection handed first
/// (`queries.get_tags(conn, post_id=1)`).
pub(super) const QUERY_LOADERS: &[&str] = &["aiosql.from_path", "aiosql.from_str"];

/// Methods that look after a connection handed to them rather than run a statement on it:
/// an imported object's method called with a connection first is a loaded query
/// (`QUERY_LOADERS`) unless it is one of these.
pub(super) const CONNECTION_UPKEEP: &[&str] = &[
    "close", "release", "commit", "rollback", "putconn", "cursor", "closing", "register",
];

/// Iteration callbacks: `map(lambda x: ..., xs)`, `filter(lambda x: ..., xs)`,
/// `executor.map(lambda x: ..., xs)`.
pub(super) const LOOP_CALLBACKS: &[&str] = &["map", "filter"];

/// Builtins, `collections`, `typing` and other standard-library types.
pub const LIBRARY_TYPES: &[&str] = &[
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "str",
    "bytes",
    "bytearray",
    "int",
    "float",
    "bool",
    "complex",
    "range",
    "List",
    "Dict",
    "Set",
    "FrozenSet",
    "Tuple",
    "Sequence",
    "MutableSequence",
    "Iterable",
    "Iterator",
    "Generator",
    "AsyncIterator",
    "AsyncGenerator",
    "Mapping",
    "MutableMapping",
    "Collection",
    "DefaultDict",
    "Deque",
    "defaultdict",
    "OrderedDict",
    "Counter",
    "deque",
    "ChainMap",
    "datetime",
    "date",
    "time",
    "timedelta",
    "Decimal",
    "UUID",
    "Path",
    "PurePath",
    "StringIO",
    "BytesIO",
    "Logger",
    "Thread",
    "Lock",
    "RLock",
    "Event",
    "Condition",
    "Queue",
    "Pattern",
    "Match",
    "ArgumentParser",
    "Namespace",
];

/// Annotations that say nothing of the value's class.
pub const UNTYPED: &[&str] = &["Any", "object", "None", "Self", "T"];
