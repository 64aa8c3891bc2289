//! Connection APIs and pools that open connections, and the helpers that release them.

/// Static calls opening a physical connection: (class, method, api, per-call candidate).
pub(in crate::app::lang::java) const STATIC_CONNECTIONS: &[(&str, &str, &str, bool)] = &[
    (
        "DriverManager",
        "getConnection",
        "DriverManager.getConnection",
        true,
    ),
    (
        "DataSourceUtils",
        "getConnection",
        "DataSourceUtils.getConnection",
        false,
    ),
];

/// Text showing that `Connection` in a file is `java.sql.Connection`: its import or the
/// package's wildcard import.
pub(in crate::app::lang::java) const JDBC_CONNECTION_EVIDENCE: &[&str] =
    &["java.sql.Connection", "java.sql.*"];

/// `x.getConnection()` on a DataSource-kind receiver opens (borrows) a connection.
pub(in crate::app::lang::java) const DATASOURCE_OPEN_METHODS: &[&str] = &["getConnection"];

/// Any other `x.getConnection()` / `getConnection()` (a project helper such as
/// `DBConnection.getConnection()`) counts only when its result goes into a variable declared
/// with one of these types.
pub(in crate::app::lang::java) const HELPER_CONNECTION_TYPES: &[&str] = &["Connection"];

/// `new T(..)` creating a connection pool: a ConnectionSite, and a PerCallConnection when
/// created inside an ordinary method.
pub(in crate::app::lang::java) const POOL_CONSTRUCTORS: &[&str] = &[
    "HikariDataSource",
    "BasicDataSource",
    "ComboPooledDataSource",
];

/// `Root.create()...build()` building a pool: PerCallConnection inside an ordinary method.
pub(in crate::app::lang::java) const POOL_BUILDERS: &[(&str, &str)] =
    &[("DataSourceBuilder", "build")];

/// Methods whose annotation makes them run once, or tests / test fixtures: creating a pool
/// or a physical connection there is not a per-call creation.
pub(in crate::app::lang::java) const ONCE_ANNOTATIONS: &[&str] = &[
    "Bean",
    "Produces",
    "PostConstruct",
    "BeforeAll",
    "BeforeClass",
    "Test",
    "ParameterizedTest",
    "RepeatedTest",
    "TestFactory",
    "BeforeEach",
    "Before",
    "AfterEach",
    "After",
    "AfterAll",
    "AfterClass",
];

/// `c.close()`.
pub(in crate::app::lang::java) const CLOSE_METHODS: &[&str] = &["close"];
/// `DataSourceUtils.releaseConnection(c, ds)`, `JdbcUtils.closeConnection(c)`,
/// `DbUtils.closeQuietly(c)`, a helper `close(c)`.
pub(in crate::app::lang::java) const RELEASE_FUNCTIONS: &[&str] = &[
    "releaseConnection",
    "doReleaseConnection",
    "closeConnection",
    "closeQuietly",
    "close",
    "freeConnection",
    "returnConnection",
];
/// Passing the connection to these stores it in a container (ownership moves).
pub(in crate::app::lang::java) const CONTAINER_METHODS: &[&str] = &[
    "add", "addAll", "put", "offer", "push", "set", "addLast", "addFirst",
];
