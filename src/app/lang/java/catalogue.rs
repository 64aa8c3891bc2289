//! The Java catalogue, as data: what a receiver is (JDBC statement and connection,
//! DataSource, Spring JdbcTemplate / JdbcClient / SimpleJdbc, JPA EntityManager and queries,
//! Hibernate Session, Spring Data repositories, jOOQ) by its declared type, its name or the
//! call it came from; which methods of each reach the database; connection APIs, pools and
//! release helpers; loop callbacks and iteration sources; the JDK's library types. The
//! extraction (`super`) only reads these tables.

use crate::app::ir::DbCall;

/// What a receiver is, as far as the catalogue is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `java.sql.Statement` / `PreparedStatement` / `CallableStatement`.
    Statement,
    /// `java.sql.Connection`.
    Connection,
    /// `javax.sql.DataSource` and the pools implementing it.
    DataSource,
    /// Spring `JdbcTemplate` / `NamedParameterJdbcTemplate` / their `*Operations` interfaces.
    JdbcTemplate,
    /// Spring 6.1 `JdbcClient`.
    JdbcClient,
    /// Spring `SimpleJdbcInsert` / `SimpleJdbcCall`.
    SimpleJdbc,
    /// `jdbcClient.sql(...)` and the specs chained from it (`.param(..)`, `.query(User.class)`).
    JdbcClientSpec,
    /// JPA `EntityManager`.
    EntityManager,
    /// Hibernate `Session` / `StatelessSession`, with evidence it is Hibernate (the file imports
    /// `org.hibernate`, or it came from `sessionFactory.getCurrentSession()/openSession()`).
    Session,
    /// Named or typed `session` without Hibernate evidence (could be an HTTP / mail / websocket
    /// session): only the JPA-specific methods count.
    SessionByName,
    /// JPA `Query` / `TypedQuery` / Hibernate `Query` / `NativeQuery` / `Criteria`.
    JpaQuery,
    /// Spring Data repository.
    Repository,
    /// jOOQ `DSLContext`.
    Jooq,
    /// A jOOQ query being built from a `DSLContext` (`dsl.selectFrom(T).where(..)`).
    JooqQuery,
}

/// Declared types (simple name, generics and package stripped) → kind.
pub(super) const TYPE_KINDS: &[(&str, Kind)] = &[
    ("Statement", Kind::Statement),
    ("PreparedStatement", Kind::Statement),
    ("CallableStatement", Kind::Statement),
    ("Connection", Kind::Connection),
    ("DataSource", Kind::DataSource),
    ("HikariDataSource", Kind::DataSource),
    ("BasicDataSource", Kind::DataSource),
    ("ComboPooledDataSource", Kind::DataSource),
    ("DriverManagerDataSource", Kind::DataSource),
    ("SingleConnectionDataSource", Kind::DataSource),
    ("PGSimpleDataSource", Kind::DataSource),
    ("MysqlDataSource", Kind::DataSource),
    ("SQLServerDataSource", Kind::DataSource),
    ("OracleDataSource", Kind::DataSource),
    ("JdbcTemplate", Kind::JdbcTemplate),
    ("NamedParameterJdbcTemplate", Kind::JdbcTemplate),
    ("JdbcOperations", Kind::JdbcTemplate),
    ("NamedParameterJdbcOperations", Kind::JdbcTemplate),
    ("SimpleJdbcTemplate", Kind::JdbcTemplate),
    ("JdbcClient", Kind::JdbcClient),
    ("SimpleJdbcInsert", Kind::SimpleJdbc),
    ("SimpleJdbcCall", Kind::SimpleJdbc),
    ("SimpleJdbcInsertOperations", Kind::SimpleJdbc),
    ("SimpleJdbcCallOperations", Kind::SimpleJdbc),
    ("EntityManager", Kind::EntityManager),
    // Downgraded to SessionByName when the file does not import org.hibernate.
    ("Session", Kind::Session),
    ("StatelessSession", Kind::Session),
    ("Query", Kind::JpaQuery),
    ("TypedQuery", Kind::JpaQuery),
    ("NativeQuery", Kind::JpaQuery),
    ("StoredProcedureQuery", Kind::JpaQuery),
    ("SelectionQuery", Kind::JpaQuery),
    ("MutationQuery", Kind::JpaQuery),
    ("SQLQuery", Kind::JpaQuery),
    ("Criteria", Kind::JpaQuery),
    ("DSLContext", Kind::Jooq),
];

/// Declared types ending with one of these are Spring Data repositories
/// (`UserRepository`, `JpaRepository<User, Long>`, `OrderRepo`).
pub(super) const REPOSITORY_TYPE_SUFFIXES: &[&str] = &["Repository", "Repo", "RepositoryImpl"];

/// How an undeclared receiver name (lower-cased) suggests a kind.
pub(super) enum NameHint {
    Exact(&'static str),
    Suffix(&'static str),
    Contains(&'static str),
    /// The name (original case) starts with this and the next character is upper-case or a
    /// digit: `psInsert`, `ps2`, `stmtUpdate`.
    CamelPrefix(&'static str),
}

/// Receiver names for undeclared receivers (inherited fields, untyped lambda parameters).
pub(super) const NAME_KINDS: &[(NameHint, Kind)] = &[
    (NameHint::Exact("stmt"), Kind::Statement),
    (NameHint::Exact("ps"), Kind::Statement),
    (NameHint::Exact("pst"), Kind::Statement),
    (NameHint::Exact("cs"), Kind::Statement),
    (NameHint::Exact("cstmt"), Kind::Statement),
    (NameHint::Suffix("stmt"), Kind::Statement),
    (NameHint::Suffix("statement"), Kind::Statement),
    (NameHint::CamelPrefix("ps"), Kind::Statement),
    (NameHint::CamelPrefix("pst"), Kind::Statement),
    (NameHint::CamelPrefix("stmt"), Kind::Statement),
    (NameHint::Contains("jdbctemplate"), Kind::JdbcTemplate),
    (NameHint::Contains("jdbcoperations"), Kind::JdbcTemplate),
    (NameHint::Exact("template"), Kind::JdbcTemplate),
    (NameHint::Suffix("jdbc"), Kind::JdbcTemplate),
    (NameHint::Contains("jdbcclient"), Kind::JdbcClient),
    (NameHint::Exact("em"), Kind::EntityManager),
    (NameHint::Contains("entitymanager"), Kind::EntityManager),
    // Downgraded to SessionByName when the file does not import org.hibernate.
    (NameHint::Exact("session"), Kind::Session),
    (NameHint::Exact("currentsession"), Kind::Session),
    (NameHint::Contains("hibernatesession"), Kind::Session),
    (NameHint::Suffix("repository"), Kind::Repository),
    (NameHint::Suffix("repo"), Kind::Repository),
    (NameHint::Exact("ds"), Kind::DataSource),
    (NameHint::Contains("datasource"), Kind::DataSource),
    (NameHint::Suffix("pool"), Kind::DataSource),
    (NameHint::Exact("dsl"), Kind::Jooq),
    (NameHint::Contains("dslcontext"), Kind::Jooq),
];

/// Which receiver an origin / carrier entry needs.
#[derive(Clone, Copy)]
pub(super) enum Recv {
    /// Any receiver, or none.
    Any,
    /// No receiver: a method of this class or a superclass (`getSession()`).
    Bare,
    Of(Kind),
}

/// Calls whose result has a known kind: `conn.prepareStatement(..)` is a Statement,
/// `em.createQuery(..)` a JPA query, `jdbcClient.sql(..)` a JdbcClient spec. A method ending
/// with `*` is a prefix (followed by an upper-case letter or the end); `*` alone is any method.
/// A call the catalogue counts as a database call never yields a kind (its result is data).
pub(super) const ORIGINS: &[(Recv, &str, Kind)] = &[
    (Recv::Any, "prepareStatement", Kind::Statement),
    (Recv::Any, "createStatement", Kind::Statement),
    (Recv::Any, "prepareCall", Kind::Statement),
    (
        Recv::Of(Kind::DataSource),
        "getConnection",
        Kind::Connection,
    ),
    (Recv::Any, "getDataSource", Kind::DataSource),
    (Recv::Any, "getJdbcTemplate", Kind::JdbcTemplate),
    (
        Recv::Any,
        "getNamedParameterJdbcTemplate",
        Kind::JdbcTemplate,
    ),
    (Recv::Any, "getJdbcOperations", Kind::JdbcTemplate),
    (Recv::Any, "getEntityManager", Kind::EntityManager),
    (Recv::Any, "createEntityManager", Kind::EntityManager),
    (Recv::Any, "getCurrentSession", Kind::Session),
    (Recv::Any, "openSession", Kind::Session),
    (Recv::Any, "openStatelessSession", Kind::Session),
    // Bare helpers of Hibernate DAO base classes; downgraded without an org.hibernate import.
    (Recv::Bare, "currentSession", Kind::SessionByName),
    (Recv::Bare, "getSession", Kind::SessionByName),
    (Recv::Of(Kind::EntityManager), "createQuery", Kind::JpaQuery),
    (
        Recv::Of(Kind::EntityManager),
        "createNativeQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::EntityManager),
        "createNamedQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::EntityManager),
        "createStoredProcedureQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::EntityManager),
        "createNamedStoredProcedureQuery",
        Kind::JpaQuery,
    ),
    (Recv::Of(Kind::Session), "createQuery", Kind::JpaQuery),
    (Recv::Of(Kind::Session), "createNativeQuery", Kind::JpaQuery),
    (Recv::Of(Kind::Session), "createNamedQuery", Kind::JpaQuery),
    (Recv::Of(Kind::Session), "getNamedQuery", Kind::JpaQuery),
    (Recv::Of(Kind::Session), "createSQLQuery", Kind::JpaQuery),
    (Recv::Of(Kind::Session), "createCriteria", Kind::JpaQuery),
    (
        Recv::Of(Kind::Session),
        "createSelectionQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::Session),
        "createMutationQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::Session),
        "createNativeMutationQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::Session),
        "createStoredProcedureQuery",
        Kind::JpaQuery,
    ),
    (Recv::Of(Kind::SessionByName), "createQuery", Kind::JpaQuery),
    (
        Recv::Of(Kind::SessionByName),
        "createNativeQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::SessionByName),
        "createNamedQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::SessionByName),
        "createSQLQuery",
        Kind::JpaQuery,
    ),
    (
        Recv::Of(Kind::SessionByName),
        "createCriteria",
        Kind::JpaQuery,
    ),
    (Recv::Of(Kind::JpaQuery), "set*", Kind::JpaQuery),
    (Recv::Of(Kind::JpaQuery), "add*", Kind::JpaQuery),
    (Recv::Of(Kind::JpaQuery), "unwrap", Kind::JpaQuery),
    (
        Recv::Of(Kind::JpaQuery),
        "registerStoredProcedureParameter",
        Kind::JpaQuery,
    ),
    (Recv::Of(Kind::JdbcClient), "sql", Kind::JdbcClientSpec),
    (
        Recv::Of(Kind::JdbcClientSpec),
        "param*",
        Kind::JdbcClientSpec,
    ),
    (
        Recv::Of(Kind::JdbcClientSpec),
        "query",
        Kind::JdbcClientSpec,
    ),
    (
        Recv::Of(Kind::JdbcClientSpec),
        "withFetchSize",
        Kind::JdbcClientSpec,
    ),
    (
        Recv::Of(Kind::JdbcClientSpec),
        "withMaxRows",
        Kind::JdbcClientSpec,
    ),
    (
        Recv::Of(Kind::JdbcClientSpec),
        "withQueryTimeout",
        Kind::JdbcClientSpec,
    ),
    (Recv::Of(Kind::Jooq), "select*", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "insertInto", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "update", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "deleteFrom", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "delete", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "mergeInto", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "with", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "resultQuery", Kind::JooqQuery),
    (Recv::Of(Kind::Jooq), "query", Kind::JooqQuery),
    (Recv::Of(Kind::JooqQuery), "*", Kind::JooqQuery),
];

/// One database call: on a receiver of `kind`, `method` (`*` suffix = prefix) does `op`.
/// `sql_arg`: the first argument is the SQL text (a literal, concatenation, `String.format`,
/// or a variable / constant holding one).
pub(super) struct DbMethod {
    pub(super) kind: Kind,
    pub(super) method: &'static str,
    pub(super) op: DbCall,
    pub(super) api: &'static str,
    pub(super) sql_arg: bool,
}

pub(super) const fn db(
    kind: Kind,
    method: &'static str,
    op: DbCall,
    api: &'static str,
    sql_arg: bool,
) -> DbMethod {
    DbMethod {
        kind,
        method,
        op,
        api,
        sql_arg,
    }
}

use DbCall::{Execute as W, Query as R};

/// The database calls. Reads are `Query`, writes `Execute`; JDBC / JdbcTemplate `execute`
/// is `Execute` unless its SQL (when known) is a `SELECT` / `WITH`.
pub(super) const DB_METHODS: &[DbMethod] = &[
    // JDBC
    db(
        Kind::Statement,
        "executeQuery",
        R,
        "JDBC executeQuery",
        true,
    ),
    db(Kind::Statement, "execute", W, "JDBC execute", true),
    db(
        Kind::Statement,
        "executeUpdate",
        W,
        "JDBC executeUpdate",
        true,
    ),
    db(
        Kind::Statement,
        "executeLargeUpdate",
        W,
        "JDBC executeLargeUpdate",
        true,
    ),
    db(
        Kind::Statement,
        "executeBatch",
        W,
        "JDBC executeBatch",
        false,
    ),
    db(
        Kind::Statement,
        "executeLargeBatch",
        W,
        "JDBC executeLargeBatch",
        false,
    ),
    // Spring JdbcTemplate / NamedParameterJdbcTemplate
    db(Kind::JdbcTemplate, "query", R, "JdbcTemplate query", true),
    db(
        Kind::JdbcTemplate,
        "queryForObject",
        R,
        "JdbcTemplate queryForObject",
        true,
    ),
    db(
        Kind::JdbcTemplate,
        "queryForList",
        R,
        "JdbcTemplate queryForList",
        true,
    ),
    db(
        Kind::JdbcTemplate,
        "queryForMap",
        R,
        "JdbcTemplate queryForMap",
        true,
    ),
    db(
        Kind::JdbcTemplate,
        "queryForRowSet",
        R,
        "JdbcTemplate queryForRowSet",
        true,
    ),
    db(
        Kind::JdbcTemplate,
        "queryForStream",
        R,
        "JdbcTemplate queryForStream",
        true,
    ),
    db(
        Kind::JdbcTemplate,
        "queryForInt",
        R,
        "JdbcTemplate queryForInt",
        true,
    ),
    db(
        Kind::JdbcTemplate,
        "queryForLong",
        R,
        "JdbcTemplate queryForLong",
        true,
    ),
    db(Kind::JdbcTemplate, "update", W, "JdbcTemplate update", true),
    db(
        Kind::JdbcTemplate,
        "batchUpdate",
        W,
        "JdbcTemplate batchUpdate",
        true,
    ),
    db(
        Kind::JdbcTemplate,
        "execute",
        W,
        "JdbcTemplate execute",
        true,
    ),
    db(Kind::JdbcTemplate, "call", W, "JdbcTemplate call", false),
    // Spring SimpleJdbcInsert / SimpleJdbcCall
    db(Kind::SimpleJdbc, "execute", W, "SimpleJdbc execute", false),
    db(
        Kind::SimpleJdbc,
        "executeAndReturnKey",
        W,
        "SimpleJdbc executeAndReturnKey",
        false,
    ),
    db(
        Kind::SimpleJdbc,
        "executeAndReturnKeyHolder",
        W,
        "SimpleJdbc executeAndReturnKeyHolder",
        false,
    ),
    db(
        Kind::SimpleJdbc,
        "executeBatch",
        W,
        "SimpleJdbc executeBatch",
        false,
    ),
    db(
        Kind::SimpleJdbc,
        "executeFunction",
        R,
        "SimpleJdbc executeFunction",
        false,
    ),
    db(
        Kind::SimpleJdbc,
        "executeObject",
        R,
        "SimpleJdbc executeObject",
        false,
    ),
    // Spring JdbcClient: `jdbcClient.sql("..").param(..).query(User.class).list()`
    db(Kind::JdbcClientSpec, "list", R, "JdbcClient list", false),
    db(Kind::JdbcClientSpec, "set", R, "JdbcClient set", false),
    db(
        Kind::JdbcClientSpec,
        "single",
        R,
        "JdbcClient single",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "optional",
        R,
        "JdbcClient optional",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "stream",
        R,
        "JdbcClient stream",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "listOfRows",
        R,
        "JdbcClient listOfRows",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "singleRow",
        R,
        "JdbcClient singleRow",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "singleValue",
        R,
        "JdbcClient singleValue",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "singleColumn",
        R,
        "JdbcClient singleColumn",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "rowSet",
        R,
        "JdbcClient rowSet",
        false,
    ),
    db(
        Kind::JdbcClientSpec,
        "update",
        W,
        "JdbcClient update",
        false,
    ),
    // JPA EntityManager
    db(Kind::EntityManager, "find", R, "JPA find", false),
    db(
        Kind::EntityManager,
        "getReference",
        R,
        "JPA getReference",
        false,
    ),
    db(Kind::EntityManager, "refresh", R, "JPA refresh", false),
    db(Kind::EntityManager, "persist", W, "JPA persist", false),
    db(Kind::EntityManager, "merge", W, "JPA merge", false),
    db(Kind::EntityManager, "remove", W, "JPA remove", false),
    db(Kind::EntityManager, "flush", W, "JPA flush", false),
    // Hibernate Session (with Hibernate evidence)
    db(Kind::Session, "find", R, "Hibernate find", false),
    db(Kind::Session, "get", R, "Hibernate get", false),
    db(Kind::Session, "load", R, "Hibernate load", false),
    db(
        Kind::Session,
        "getReference",
        R,
        "Hibernate getReference",
        false,
    ),
    db(Kind::Session, "refresh", R, "Hibernate refresh", false),
    db(Kind::Session, "persist", W, "Hibernate persist", false),
    db(Kind::Session, "merge", W, "Hibernate merge", false),
    db(Kind::Session, "remove", W, "Hibernate remove", false),
    db(Kind::Session, "save", W, "Hibernate save", false),
    db(
        Kind::Session,
        "saveOrUpdate",
        W,
        "Hibernate saveOrUpdate",
        false,
    ),
    db(Kind::Session, "update", W, "Hibernate update", false),
    db(Kind::Session, "delete", W, "Hibernate delete", false),
    db(Kind::Session, "insert", W, "Hibernate insert", false),
    db(Kind::Session, "upsert", W, "Hibernate upsert", false),
    db(Kind::Session, "flush", W, "Hibernate flush", false),
    // `session` without Hibernate evidence: JPA-only methods.
    db(Kind::SessionByName, "find", R, "Hibernate find", false),
    db(
        Kind::SessionByName,
        "getReference",
        R,
        "Hibernate getReference",
        false,
    ),
    db(
        Kind::SessionByName,
        "persist",
        W,
        "Hibernate persist",
        false,
    ),
    db(Kind::SessionByName, "merge", W, "Hibernate merge", false),
    db(
        Kind::SessionByName,
        "saveOrUpdate",
        W,
        "Hibernate saveOrUpdate",
        false,
    ),
    // JPA / Hibernate queries, materialised
    db(
        Kind::JpaQuery,
        "getResultList",
        R,
        "JPA getResultList",
        false,
    ),
    db(
        Kind::JpaQuery,
        "getSingleResult",
        R,
        "JPA getSingleResult",
        false,
    ),
    db(
        Kind::JpaQuery,
        "getSingleResultOrNull",
        R,
        "JPA getSingleResultOrNull",
        false,
    ),
    db(
        Kind::JpaQuery,
        "getResultStream",
        R,
        "JPA getResultStream",
        false,
    ),
    db(Kind::JpaQuery, "list", R, "Hibernate list", false),
    db(
        Kind::JpaQuery,
        "uniqueResult",
        R,
        "Hibernate uniqueResult",
        false,
    ),
    db(
        Kind::JpaQuery,
        "uniqueResultOptional",
        R,
        "Hibernate uniqueResultOptional",
        false,
    ),
    db(Kind::JpaQuery, "stream", R, "Hibernate stream", false),
    db(Kind::JpaQuery, "scroll", R, "Hibernate scroll", false),
    db(Kind::JpaQuery, "iterate", R, "Hibernate iterate", false),
    db(
        Kind::JpaQuery,
        "executeUpdate",
        W,
        "JPA executeUpdate",
        false,
    ),
    db(Kind::JpaQuery, "execute", W, "JPA execute", false),
    // Spring Data repositories (derived and CRUD methods)
    db(
        Kind::Repository,
        "find*",
        R,
        "Spring Data repository",
        false,
    ),
    db(Kind::Repository, "get*", R, "Spring Data repository", false),
    db(
        Kind::Repository,
        "read*",
        R,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "query*",
        R,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "search*",
        R,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "stream*",
        R,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "count*",
        R,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "exists*",
        R,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "save*",
        W,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "delete*",
        W,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "remove*",
        W,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "insert*",
        W,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "update*",
        W,
        "Spring Data repository",
        false,
    ),
    db(
        Kind::Repository,
        "flush",
        W,
        "Spring Data repository",
        false,
    ),
    // jOOQ
    db(Kind::Jooq, "fetch*", R, "jOOQ fetch", true),
    db(Kind::Jooq, "execute", W, "jOOQ execute", true),
    db(Kind::JooqQuery, "fetch*", R, "jOOQ fetch", false),
    db(Kind::JooqQuery, "execute", W, "jOOQ execute", false),
];

/// Never database calls, whatever the receiver (`repo.getClass()`).
pub(super) const NON_DB_METHODS: &[&str] = &[
    "getClass",
    "hashCode",
    "equals",
    "toString",
    "wait",
    "notify",
    "notifyAll",
];

/// Calls whose first argument is SQL / JPQL that a later call on the result runs
/// (`conn.prepareStatement(sql)` … `ps.executeQuery()`). The string is linked to that call.
pub(super) const SQL_CARRIERS: &[(Recv, &str)] = &[
    (Recv::Any, "prepareStatement"),
    (Recv::Any, "prepareCall"),
    (Recv::Of(Kind::Statement), "addBatch"),
    (Recv::Of(Kind::EntityManager), "createQuery"),
    (Recv::Of(Kind::EntityManager), "createNativeQuery"),
    (Recv::Of(Kind::Session), "createQuery"),
    (Recv::Of(Kind::Session), "createNativeQuery"),
    (Recv::Of(Kind::Session), "createSQLQuery"),
    (Recv::Of(Kind::Session), "createSelectionQuery"),
    (Recv::Of(Kind::Session), "createMutationQuery"),
    (Recv::Of(Kind::Session), "createNativeMutationQuery"),
    (Recv::Of(Kind::SessionByName), "createQuery"),
    (Recv::Of(Kind::SessionByName), "createNativeQuery"),
    (Recv::Of(Kind::SessionByName), "createSQLQuery"),
    (Recv::Of(Kind::JdbcClient), "sql"),
    (Recv::Of(Kind::Jooq), "resultQuery"),
    (Recv::Of(Kind::Jooq), "query"),
];

/// Static calls opening a physical connection: (class, method, api, per-call candidate).
pub(super) const STATIC_CONNECTIONS: &[(&str, &str, &str, bool)] = &[
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
pub(super) const JDBC_CONNECTION_EVIDENCE: &[&str] = &["java.sql.Connection", "java.sql.*"];

/// Types of the JDK (collections, text, streams, boxes, time): a receiver declared with one
/// never means a method of the repository, even one of the same name and arity
/// (`List<Mail> list; list.add(m)` is not `PlayQueueService.add`).
pub(super) const LIBRARY_TYPES: &[&str] = &[
    "List",
    "ArrayList",
    "LinkedList",
    "Vector",
    "Stack",
    "Map",
    "HashMap",
    "LinkedHashMap",
    "TreeMap",
    "SortedMap",
    "NavigableMap",
    "ConcurrentMap",
    "ConcurrentHashMap",
    "Hashtable",
    "Properties",
    "Set",
    "HashSet",
    "LinkedHashSet",
    "TreeSet",
    "SortedSet",
    "EnumSet",
    "EnumMap",
    "Collection",
    "Iterable",
    "Iterator",
    "ListIterator",
    "Enumeration",
    "Queue",
    "Deque",
    "ArrayDeque",
    "PriorityQueue",
    "BlockingQueue",
    "LinkedBlockingQueue",
    "CopyOnWriteArrayList",
    "Optional",
    "Stream",
    "IntStream",
    "LongStream",
    "String",
    "StringBuilder",
    "StringBuffer",
    "CharSequence",
    "Object",
    "Integer",
    "Long",
    "Short",
    "Byte",
    "Boolean",
    "Double",
    "Float",
    "Character",
    "BigDecimal",
    "BigInteger",
    "Number",
    "int",
    "long",
    "short",
    "byte",
    "boolean",
    "double",
    "float",
    "char",
    "Date",
    "Calendar",
    "LocalDate",
    "LocalDateTime",
    "Instant",
    "Duration",
    "UUID",
    "File",
    "Path",
    "InputStream",
    "OutputStream",
    "Reader",
    "Writer",
    "PrintWriter",
    "StringWriter",
    "Pattern",
    "Matcher",
    "Random",
    "Thread",
    "AtomicInteger",
    "AtomicLong",
    "AtomicBoolean",
    "AtomicReference",
    "Future",
    "CompletableFuture",
];

/// `x.getConnection()` on a DataSource-kind receiver opens (borrows) a connection.
pub(super) const DATASOURCE_OPEN_METHODS: &[&str] = &["getConnection"];

/// Any other `x.getConnection()` / `getConnection()` (a project helper such as
/// `DBConnection.getConnection()`) counts only when its result goes into a variable declared
/// with one of these types.
pub(super) const HELPER_CONNECTION_TYPES: &[&str] = &["Connection"];

/// `new T(..)` creating a connection pool: a ConnectionSite, and a PerCallConnection when
/// created inside an ordinary method.
pub(super) const POOL_CONSTRUCTORS: &[&str] = &[
    "HikariDataSource",
    "BasicDataSource",
    "ComboPooledDataSource",
];

/// `Root.create()...build()` building a pool: PerCallConnection inside an ordinary method.
pub(super) const POOL_BUILDERS: &[(&str, &str)] = &[("DataSourceBuilder", "build")];

/// Methods whose annotation makes them run once, or tests / test fixtures: creating a pool
/// or a physical connection there is not a per-call creation.
pub(super) const ONCE_ANNOTATIONS: &[&str] = &[
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
pub(super) const CLOSE_METHODS: &[&str] = &["close"];
/// `DataSourceUtils.releaseConnection(c, ds)`, `JdbcUtils.closeConnection(c)`,
/// `DbUtils.closeQuietly(c)`, a helper `close(c)`.
pub(super) const RELEASE_FUNCTIONS: &[&str] = &[
    "releaseConnection",
    "doReleaseConnection",
    "closeConnection",
    "closeQuietly",
    "close",
    "freeConnection",
    "returnConnection",
];
/// Passing the connection to these stores it in a container (ownership moves).
pub(super) const CONTAINER_METHODS: &[&str] = &[
    "add", "addAll", "put", "offer", "push", "set", "addLast", "addFirst",
];

/// Callbacks that are always loops: `xs.forEach(x -> ..)`, `map.forEach((k, v) -> ..)`.
pub(super) const ALWAYS_LOOP_CALLBACKS: &[&str] =
    &["forEach", "forEachOrdered", "forEachRemaining"];
/// Callbacks that are loops on a stream (`xs.stream().map(..)`), not on an Optional.
pub(super) const STREAM_LOOP_CALLBACKS: &[&str] = &[
    "map",
    "flatMap",
    "peek",
    "mapToObj",
    "mapToInt",
    "mapToLong",
    "mapToDouble",
    "flatMapToInt",
    "flatMapToLong",
    "flatMapToObj",
    "concatMap",
    "mapMulti",
];
/// A receiver chain holding one of these calls is a stream.
pub(super) const STREAM_MARKERS: &[&str] = &[
    "stream",
    "parallelStream",
    "range",
    "rangeClosed",
    "chars",
    "lines",
    "fromIterable",
    "fromArray",
    "fromStream",
];
/// A receiver rooted at / declared with one of these types is a stream.
pub(super) const STREAM_TYPES: &[&str] = &[
    "Stream",
    "IntStream",
    "LongStream",
    "DoubleStream",
    "Flux",
    "StreamSupport",
];
/// Wrappers unwrapped to find a loop's iteration source (`users.stream().filter(..)` → `users`).
/// Those in `SOURCE_WRAPPERS_NO_ARGS` only when called without arguments.
pub(super) const SOURCE_WRAPPERS: &[&str] = &[
    "stream",
    "parallelStream",
    "filter",
    "sorted",
    "distinct",
    "limit",
    "skip",
    "boxed",
    "parallel",
    "sequential",
    "unordered",
    "map",
    "mapToObj",
    "mapToInt",
    "mapToLong",
    "mapToDouble",
    "flatMap",
    "peek",
    "toList",
];
pub(super) const SOURCE_WRAPPERS_NO_ARGS: &[&str] =
    &["entrySet", "keySet", "values", "iterator", "spliterator"];
/// Static wrappers whose first argument is the source: `Arrays.stream(a)`, `List.copyOf(xs)`.
pub(super) const STATIC_SOURCE_WRAPPERS: &[(&str, &str)] = &[
    ("Arrays", "stream"),
    ("Arrays", "asList"),
    ("StreamSupport", "stream"),
    ("List", "copyOf"),
    ("Set", "copyOf"),
    ("Collections", "unmodifiableList"),
    ("Collections", "unmodifiableCollection"),
    ("Collections", "unmodifiableSet"),
    ("Flux", "fromIterable"),
];
/// `new ArrayList<>(xs)`: copies whose single argument is the source.
pub(super) const COPY_CONSTRUCTORS: &[&str] = &[
    "ArrayList",
    "LinkedList",
    "HashSet",
    "LinkedHashSet",
    "TreeSet",
    "ArrayDeque",
];

/// Synchronous, run-once callbacks: their lambda body stays in the enclosing loops
/// (`repo.findById(id).ifPresent(u -> ..)` inside a `for` still runs per iteration).
pub(super) const SYNC_CALLBACKS: &[&str] = &[
    "ifPresent",
    "ifPresentOrElse",
    "orElseGet",
    "orElseThrow",
    "computeIfAbsent",
    "computeIfPresent",
    "compute",
    "executeWithoutResult",
];
/// `transactionTemplate.execute(status -> ..)` runs its callback synchronously too.
pub(super) const SYNC_EXECUTE_RECEIVER_HINTS: &[&str] = &["transactiontemplate", "txtemplate"];

/// Return types making a method asynchronous.
pub(super) const ASYNC_RETURN_TYPES: &[&str] = &[
    "CompletableFuture",
    "CompletionStage",
    "ListenableFuture",
    "Mono",
    "Flux",
];

/// The placeholder for a non-literal part of a concatenated / formatted string (JDBC style).
pub(super) const PLACEHOLDER: &str = "?";

pub(super) const MAX_DEPTH: usize = 500;

pub(super) fn method_matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            name == prefix
                || (name.starts_with(prefix)
                    && name[prefix.len()..].starts_with(|c: char| {
                        c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'
                    }))
        }
        None => name == pattern,
    }
}

pub(super) fn name_matches(hint: &NameHint, name: &str, lower: &str) -> bool {
    match *hint {
        NameHint::Exact(w) => lower == w,
        NameHint::Suffix(w) => lower.ends_with(w),
        NameHint::Contains(w) => lower.contains(w),
        NameHint::CamelPrefix(w) => {
            name.len() > w.len()
                && name.starts_with(w)
                && name[w.len()..]
                    .starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
        }
    }
}

pub(super) fn db_entry(kind: Kind, method: &str) -> Option<&'static DbMethod> {
    if NON_DB_METHODS.contains(&method) {
        return None;
    }
    DB_METHODS
        .iter()
        .find(|e| e.kind == kind && method_matches(e.method, method))
}

pub(super) fn recv_matches(recv: Recv, kind: Option<Kind>, bare: bool) -> bool {
    match recv {
        Recv::Any => true,
        Recv::Bare => bare,
        Recv::Of(k) => kind == Some(k),
    }
}

/// Whether the file imports `java.sql.Connection` (or `java.sql.*`), outside comments.
pub(super) fn imports_jdbc_connection(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("import ") && JDBC_CONNECTION_EVIDENCE.iter().any(|e| line.contains(e))
    })
}
