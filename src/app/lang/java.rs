//! Java adapter: turns a tree-sitter-java tree into the language-neutral facts of
//! `AppFile`. The catalogue of database call sites, connection APIs and loop callbacks is
//! the block of tables right below; the extraction code after it only reads the tables.
//!
//! Receivers are typed from declarations in scope: class fields (of the enclosing classes),
//! method and lambda parameters, locals and try-with-resources resources (one flat scope per
//! method). A declared type decides; a `var` (or untyped lambda parameter) is typed from the
//! call it was initialised with / assigned from; only an undeclared name (an inherited field,
//! an untyped lambda parameter) falls back to name heuristics. A name explicitly declared with
//! an unrelated type never matches.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::common::KindExt;

use super::common::FieldExt;

use crate::app::ir::{
    AppFile, Assignment, Call, ClassFacts, Comment, ConnectionSite, DbCall, Disposal, Function,
    Language, Loop, PerCallConnection, ReceiverType, StringLit,
};
use crate::app::lang::common::{looks_like_sql, masked_credentials, record_errors, Source};

// ======================================================================================
// Catalogue
// ======================================================================================

/// What a receiver is, as far as the catalogue is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
const TYPE_KINDS: &[(&str, Kind)] = &[
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
const REPOSITORY_TYPE_SUFFIXES: &[&str] = &["Repository", "Repo", "RepositoryImpl"];

/// How an undeclared receiver name (lower-cased) suggests a kind.
enum NameHint {
    Exact(&'static str),
    Suffix(&'static str),
    Contains(&'static str),
    /// The name (original case) starts with this and the next character is upper-case or a
    /// digit: `psInsert`, `ps2`, `stmtUpdate`.
    CamelPrefix(&'static str),
}

/// Receiver names for undeclared receivers (inherited fields, untyped lambda parameters).
const NAME_KINDS: &[(NameHint, Kind)] = &[
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
enum Recv {
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
const ORIGINS: &[(Recv, &str, Kind)] = &[
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
struct DbMethod {
    kind: Kind,
    method: &'static str,
    op: DbCall,
    api: &'static str,
    sql_arg: bool,
}

const fn db(
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
const DB_METHODS: &[DbMethod] = &[
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
const NON_DB_METHODS: &[&str] = &[
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
const SQL_CARRIERS: &[(Recv, &str)] = &[
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
const STATIC_CONNECTIONS: &[(&str, &str, &str, bool)] = &[
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
const JDBC_CONNECTION_EVIDENCE: &[&str] = &["java.sql.Connection", "java.sql.*"];

/// Types of the JDK (collections, text, streams, boxes, time): a receiver declared with one
/// never means a method of the repository, even one of the same name and arity
/// (`List<Mail> list; list.add(m)` is not `PlayQueueService.add`).
const LIBRARY_TYPES: &[&str] = &[
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
const DATASOURCE_OPEN_METHODS: &[&str] = &["getConnection"];

/// Any other `x.getConnection()` / `getConnection()` (a project helper such as
/// `DBConnection.getConnection()`) counts only when its result goes into a variable declared
/// with one of these types.
const HELPER_CONNECTION_TYPES: &[&str] = &["Connection"];

/// `new T(..)` creating a connection pool: a ConnectionSite, and a PerCallConnection when
/// created inside an ordinary method.
const POOL_CONSTRUCTORS: &[&str] = &[
    "HikariDataSource",
    "BasicDataSource",
    "ComboPooledDataSource",
];

/// `Root.create()...build()` building a pool: PerCallConnection inside an ordinary method.
const POOL_BUILDERS: &[(&str, &str)] = &[("DataSourceBuilder", "build")];

/// Methods whose annotation makes them run once, or tests / test fixtures: creating a pool
/// or a physical connection there is not a per-call creation.
const ONCE_ANNOTATIONS: &[&str] = &[
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
const CLOSE_METHODS: &[&str] = &["close"];
/// `DataSourceUtils.releaseConnection(c, ds)`, `JdbcUtils.closeConnection(c)`,
/// `DbUtils.closeQuietly(c)`, a helper `close(c)`.
const RELEASE_FUNCTIONS: &[&str] = &[
    "releaseConnection",
    "doReleaseConnection",
    "closeConnection",
    "closeQuietly",
    "close",
    "freeConnection",
    "returnConnection",
];
/// Passing the connection to these stores it in a container (ownership moves).
const CONTAINER_METHODS: &[&str] = &[
    "add", "addAll", "put", "offer", "push", "set", "addLast", "addFirst",
];

/// Callbacks that are always loops: `xs.forEach(x -> ..)`, `map.forEach((k, v) -> ..)`.
const ALWAYS_LOOP_CALLBACKS: &[&str] = &["forEach", "forEachOrdered", "forEachRemaining"];
/// Callbacks that are loops on a stream (`xs.stream().map(..)`), not on an Optional.
const STREAM_LOOP_CALLBACKS: &[&str] = &[
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
const STREAM_MARKERS: &[&str] = &[
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
const STREAM_TYPES: &[&str] = &[
    "Stream",
    "IntStream",
    "LongStream",
    "DoubleStream",
    "Flux",
    "StreamSupport",
];
/// Wrappers unwrapped to find a loop's iteration source (`users.stream().filter(..)` → `users`).
/// Those in `SOURCE_WRAPPERS_NO_ARGS` only when called without arguments.
const SOURCE_WRAPPERS: &[&str] = &[
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
const SOURCE_WRAPPERS_NO_ARGS: &[&str] =
    &["entrySet", "keySet", "values", "iterator", "spliterator"];
/// Static wrappers whose first argument is the source: `Arrays.stream(a)`, `List.copyOf(xs)`.
const STATIC_SOURCE_WRAPPERS: &[(&str, &str)] = &[
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
const COPY_CONSTRUCTORS: &[&str] = &[
    "ArrayList",
    "LinkedList",
    "HashSet",
    "LinkedHashSet",
    "TreeSet",
    "ArrayDeque",
];

/// Synchronous, run-once callbacks: their lambda body stays in the enclosing loops
/// (`repo.findById(id).ifPresent(u -> ..)` inside a `for` still runs per iteration).
const SYNC_CALLBACKS: &[&str] = &[
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
const SYNC_EXECUTE_RECEIVER_HINTS: &[&str] = &["transactiontemplate", "txtemplate"];

/// Return types making a method asynchronous.
const ASYNC_RETURN_TYPES: &[&str] = &[
    "CompletableFuture",
    "CompletionStage",
    "ListenableFuture",
    "Mono",
    "Flux",
];

/// The placeholder for a non-literal part of a concatenated / formatted string (JDBC style).
const PLACEHOLDER: &str = "?";

const MAX_DEPTH: usize = 500;

// ======================================================================================
// Extraction
// ======================================================================================

pub fn extract(path: &str, text: &str) -> AppFile {
    let mut file = AppFile::new(path, Language::Java);
    let Some((tree, _kind_names)) =
        super::common::parse_tree(&mut file, text, &tree_sitter_java::LANGUAGE.into())
    else {
        return file;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    let mut ex = Extractor {
        src: &source,
        file,
        hibernate: text.contains("org.hibernate"),
        jdbc_connection: imports_jdbc_connection(text),
        frames: Vec::new(),
        class_names: Vec::new(),
        call_by_node: HashMap::new(),
        sql_arg_calls: HashSet::new(),
        carrier_str: HashMap::new(),
        str_by_node: HashMap::new(),
        consumed: HashSet::new(),
        string_vars: HashMap::new(),
    };
    ex.collect_comments(root);
    let mut ctx = Ctx::class_level(None);
    ex.walk(root, &mut ctx, 0);
    let mut file = ex.file;
    record_errors(&mut file, &source, root);
    file
}

#[derive(Debug, Clone)]
struct VarInfo<'a> {
    /// Simple type name; None for `var` / untyped lambda parameters.
    ty: Option<String>,
    /// Initialiser, or the first assignment when declared without one (or with `null`).
    value: Option<Node<'a>>,
}

enum Frame<'a> {
    Class(HashMap<String, VarInfo<'a>>),
    Function(HashMap<String, VarInfo<'a>>),
}

enum StrRef {
    Recorded(usize),
    Pending(Box<StringLit>),
}

#[derive(Clone)]
struct Ctx<'a> {
    function: Option<usize>,
    /// The code block uses of a connection are searched in (method body, static block).
    body: Option<Node<'a>>,
    loops: Vec<usize>,
    /// Creating a pool / physical connection here counts as per call.
    per_call_ok: bool,
}

impl<'a> Ctx<'a> {
    fn class_level(body: Option<Node<'a>>) -> Ctx<'a> {
        Ctx {
            function: None,
            body,
            loops: Vec::new(),
            per_call_ok: false,
        }
    }
}

#[derive(Clone, Copy)]
enum Piece {
    /// A byte range of the file, kept as written.
    Lit { start: usize, end: usize },
    /// Replacement text standing at a file byte (`%n` in a format string).
    Synth { text: &'static str, at: usize },
    /// A non-literal part.
    Hole,
}

enum Mode {
    Plain,
    Loop(String),
    Rows,
    Sync,
}

struct Extractor<'a> {
    src: &'a Source<'a>,
    file: AppFile,
    hibernate: bool,
    /// The file imports (or names) `java.sql.Connection`: only then is a variable declared
    /// `Connection` a database connection (XMPP, HTTP and project classes share the name).
    jdbc_connection: bool,
    frames: Vec<Frame<'a>>,
    class_names: Vec<String>,
    call_by_node: HashMap<usize, usize>,
    /// Node ids of calls whose first argument is SQL (db calls with `sql_arg`, carriers).
    sql_arg_calls: HashSet<usize>,
    /// Carrier call node id → its SQL string.
    carrier_str: HashMap<usize, usize>,
    /// String expression node id → recorded string.
    str_by_node: HashMap<usize, usize>,
    /// Literal / concatenation nodes already part of a recorded (or considered) expression.
    consumed: HashSet<usize>,
    /// (function, variable) → the string last assigned to it.
    string_vars: HashMap<(Option<usize>, String), StrRef>,
}

use super::tree::{is_comment, named_children};

fn children(node: Node) -> Vec<Node> {
    super::common::children_of(node, false)
}

fn args_of<'a>(call: Node<'a>) -> Vec<Node<'a>> {
    call.field("arguments")
        .map(named_children)
        .unwrap_or_default()
}

fn is_plus(node: Node) -> bool {
    node.kind_name() == "binary_expression"
        && node.field("operator").is_some_and(|o| o.kind_name() == "+")
}

/// `Foo<Bar>`, `java.util.List<X>`, `Foo[]`, `@NonNull Foo` → `Foo` / `List`.
fn simple_type(text: &str) -> Option<String> {
    let base = text.split('<').next().unwrap_or("");
    let base = base.trim().trim_end_matches("[]").trim();
    let base = base.split_whitespace().last().unwrap_or("");
    let base = base.rsplit('.').next().unwrap_or("").trim_end_matches("[]");
    if base.is_empty() || base == "var" {
        None
    } else {
        Some(base.to_string())
    }
}

fn method_matches(pattern: &str, name: &str) -> bool {
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

fn name_matches(hint: &NameHint, name: &str, lower: &str) -> bool {
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

fn db_entry(kind: Kind, method: &str) -> Option<&'static DbMethod> {
    if NON_DB_METHODS.contains(&method) {
        return None;
    }
    DB_METHODS
        .iter()
        .find(|e| e.kind == kind && method_matches(e.method, method))
}

fn recv_matches(recv: Recv, kind: Option<Kind>, bare: bool) -> bool {
    match recv {
        Recv::Any => true,
        Recv::Bare => bare,
        Recv::Of(k) => kind == Some(k),
    }
}

/// Climbs through parentheses, casts and ternary branches to the node whose parent uses
/// the value.
fn climb(node: Node) -> Node {
    let mut cur = node;
    while let Some(p) = cur.parent() {
        let through = match p.kind_name() {
            "parenthesized_expression" | "cast_expression" => true,
            "ternary_expression" => p.field("condition").is_none_or(|c| c.id() != cur.id()),
            _ => false,
        };
        if !through {
            break;
        }
        cur = p;
    }
    cur
}

/// Whether the file imports `java.sql.Connection` (or `java.sql.*`), outside comments.
fn imports_jdbc_connection(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("import ") && JDBC_CONNECTION_EVIDENCE.iter().any(|e| line.contains(e))
    })
}

/// A class's name (`ForumRepository`), not a constant's (`DATA_SOURCE`) nor a variable's.
fn is_class_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().any(|c| c.is_ascii_lowercase())
}

/// Whether no call, construction or `throw` stands between a connection's creation and a
/// close of it (the close's own receiver and arguments aside): nothing there can throw, so
/// the close runs on every path that opened it.
fn nothing_can_throw_between(creation: Node, close: Node, body: Node) -> bool {
    let (from, to) = (creation.end_byte(), close.start_byte());
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if n.end_byte() <= from || n.start_byte() >= to {
            continue;
        }
        if n.start_byte() >= from
            && matches!(
                n.kind_name(),
                "method_invocation"
                    | "object_creation_expression"
                    | "explicit_constructor_invocation"
                    | "throw_statement"
                    | "array_creation_expression"
            )
        {
            return false;
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
    true
}

/// Through parentheses and casts, downwards.
fn unwrap_expr(node: Node) -> Node {
    let mut cur = node;
    for _ in 0..64 {
        match cur.kind_name() {
            "parenthesized_expression" => match named_children(cur).first() {
                Some(inner) => cur = *inner,
                None => break,
            },
            "cast_expression" => match cur.field("value") {
                Some(v) => cur = v,
                None => break,
            },
            _ => break,
        }
    }
    cur
}

impl<'a> Extractor<'a> {
    fn t(&self, node: Node) -> &'a str {
        self.src.text(node)
    }

    fn collect_comments(&mut self, root: Node<'a>) {
        let mut stack = vec![root];
        let mut found = Vec::new();
        while let Some(node) = stack.pop() {
            if is_comment(node) {
                found.push(node);
                continue;
            }
            let mut cursor = node.walk();
            for c in node.children(&mut cursor) {
                stack.push(c);
            }
        }
        found.sort_by_key(|n| n.start_byte());
        for n in found {
            self.file.comments.push(Comment {
                line: self.src.start(n).line,
                text: self.t(n).to_string(),
            });
        }
    }

    // ---------------------------------------------------------------- walking

    fn walk(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.kind_name() {
            "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration" => self.visit_class(node, depth),
            "method_declaration"
            | "constructor_declaration"
            | "compact_constructor_declaration" => self.visit_method(node, depth),
            "field_declaration" | "constant_declaration" => {
                let mut c = Ctx::class_level(None);
                self.walk_children(node, &mut c, depth);
            }
            "static_initializer" => {
                let mut c = Ctx::class_level(
                    named_children(node)
                        .into_iter()
                        .find(|b| b.kind_name() == "block"),
                );
                self.walk_children(node, &mut c, depth);
            }
            "lambda_expression" => {
                // A lambda that is not a loop (or synchronous) callback: a new loop context.
                let saved = std::mem::take(&mut ctx.loops);
                self.walk_children(node, ctx, depth);
                ctx.loops = saved;
            }
            "enhanced_for_statement" => self.visit_foreach(node, ctx, depth),
            "for_statement" => self.visit_for(node, ctx, depth),
            "while_statement" | "do_statement" => self.visit_while(node, ctx, depth),
            "method_invocation" => self.visit_call(node, ctx, depth),
            "object_creation_expression" => self.visit_new(node, ctx, depth),
            "string_literal" => {
                if !self.consumed.contains(&node.id()) {
                    self.string_root(node, ctx);
                }
            }
            "binary_expression" => {
                if is_plus(node) && !self.consumed.contains(&node.id()) {
                    self.string_root(node, ctx);
                }
                self.walk_children(node, ctx, depth);
            }
            "variable_declarator" | "assignment_expression" | "resource" => {
                self.walk_children(node, ctx, depth);
                self.record_assignment(node, ctx);
            }
            _ => self.walk_children(node, ctx, depth),
        }
    }

    fn walk_children(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        super::common::for_each_child(node, false, |child| self.walk(child, ctx, depth + 1));
    }

    fn visit_class(&mut self, node: Node<'a>, depth: usize) {
        let name = node
            .field("name")
            .map(|n| self.t(n).to_string())
            .unwrap_or_default();
        let body = node.field("body");
        let members = body.map(Self::class_members).unwrap_or_default();
        let mut fields = self.fields_of(&members);
        if let Some(params) = node.field("parameters") {
            // record components
            self.params_into(params, &mut fields);
        }
        self.frames.push(Frame::Class(fields));
        if !name.is_empty() {
            let bases = self.bases_of(node);
            self.file.classes.push(ClassFacts {
                name: name.clone(),
                bases,
            });
        }
        self.class_names.push(name);
        let mut c = Ctx::class_level(None);
        for child in children(node) {
            if Some(child.id()) != body.map(|b| b.id()) {
                self.walk(child, &mut c, depth + 1);
            }
        }
        self.walk_members(&members, depth);
        self.class_names.pop();
        self.frames.pop();
    }

    /// The superclass and interfaces a class, enum, record or interface names (simple
    /// names, generics stripped).
    fn bases_of(&self, node: Node<'a>) -> Vec<String> {
        let mut out = Vec::new();
        for child in children(node) {
            if !matches!(
                child.kind_name(),
                "superclass" | "super_interfaces" | "extends_interfaces"
            ) {
                continue;
            }
            let mut stack = vec![child];
            while let Some(n) = stack.pop() {
                match n.kind_name() {
                    "type_identifier" | "scoped_type_identifier" | "generic_type" => {
                        if let Some(ty) = simple_type(self.t(n)) {
                            if !out.contains(&ty) {
                                out.push(ty);
                            }
                        }
                    }
                    _ => stack.extend(named_children(n).into_iter().rev()),
                }
            }
        }
        out
    }

    /// What a call's receiver is declared as: a library type (never the repository's
    /// code), a class (the methods of that class and of the classes around it in its
    /// hierarchy), or nothing stated (resolved by name as before). A capitalised name
    /// declared nowhere in scope is a class (a static call).
    fn receiver_type(&self, object: Option<Node<'a>>) -> ReceiverType {
        let Some(object) = object.map(unwrap_expr) else {
            return ReceiverType::Untyped;
        };
        let (name, info) = match object.kind_name() {
            // `(video ? videos : songs).add(f)`: the type both branches agree on.
            "ternary_expression" => {
                let consequence = self.receiver_type(object.field("consequence"));
                let alternative = self.receiver_type(object.field("alternative"));
                return if consequence == alternative {
                    consequence
                } else {
                    ReceiverType::Untyped
                };
            }
            "identifier" => {
                let name = self.t(object);
                (name, self.lookup(name))
            }
            "field_access"
                if object
                    .field("object")
                    .is_some_and(|o| o.kind_name() == "this") =>
            {
                let Some(field) = object.field("field").map(|f| self.t(f)) else {
                    return ReceiverType::Untyped;
                };
                (field, self.lookup_field(field))
            }
            _ => return ReceiverType::Untyped,
        };
        let declared = match info {
            Some(info) => info.ty.as_deref(),
            None if is_class_name(name) => Some(name),
            None => None,
        };
        match declared {
            // A type parameter (`T item`) says nothing of the class.
            Some(ty) if ty.len() == 1 => ReceiverType::Untyped,
            Some(ty) if LIBRARY_TYPES.contains(&ty) => ReceiverType::Library,
            Some(ty) => ReceiverType::Class(ty.to_string()),
            None => ReceiverType::Untyped,
        }
    }

    /// Members of a class / enum / interface body (enum body declarations flattened).
    fn class_members(body: Node<'a>) -> Vec<Node<'a>> {
        let mut out = Vec::new();
        for child in children(body) {
            if child.kind_name() == "enum_body_declarations" {
                out.extend(children(child));
            } else {
                out.push(child);
            }
        }
        out
    }

    /// Fields first (constants are used by methods declared before them), then the rest.
    fn walk_members(&mut self, members: &[Node<'a>], depth: usize) {
        for pass in 0..2 {
            for &m in members {
                let field = matches!(m.kind_name(), "field_declaration" | "constant_declaration");
                if field != (pass == 0) {
                    continue;
                }
                let mut c = Ctx::class_level(if m.kind_name() == "block" {
                    Some(m)
                } else {
                    None
                });
                self.walk(m, &mut c, depth + 1);
            }
        }
    }

    fn fields_of(&self, members: &[Node<'a>]) -> HashMap<String, VarInfo<'a>> {
        let mut fields = HashMap::new();
        for &m in members {
            if matches!(m.kind_name(), "field_declaration" | "constant_declaration") {
                self.declaration_into(m, &mut fields);
            }
        }
        fields
    }

    fn declaration_into(&self, decl: Node<'a>, into: &mut HashMap<String, VarInfo<'a>>) {
        let ty = decl.field("type").and_then(|t| simple_type(self.t(t)));
        let mut cursor = decl.walk();
        for d in decl.children_by_field_name("declarator", &mut cursor) {
            if let Some(n) = d.field("name") {
                let value = d.field("value").filter(|v| v.kind_name() != "null_literal");
                into.entry(self.t(n).to_string()).or_insert(VarInfo {
                    ty: ty.clone(),
                    value,
                });
            }
        }
    }

    fn params_into(&self, params: Node<'a>, into: &mut HashMap<String, VarInfo<'a>>) {
        for p in named_children(params) {
            match p.kind_name() {
                "formal_parameter" => {
                    if let Some(n) = p.field("name") {
                        let ty = p.field("type").and_then(|t| simple_type(self.t(t)));
                        into.entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "spread_parameter" => {
                    for c in named_children(p) {
                        if c.kind_name() == "variable_declarator" {
                            if let Some(n) = c.field("name") {
                                into.entry(self.t(n).to_string()).or_insert(VarInfo {
                                    ty: None,
                                    value: None,
                                });
                            }
                        }
                    }
                }
                "identifier" => {
                    into.entry(self.t(p).to_string()).or_insert(VarInfo {
                        ty: None,
                        value: None,
                    });
                }
                _ => {}
            }
        }
    }

    fn annotations(&self, node: Node<'a>) -> Vec<&'a str> {
        let mut out = Vec::new();
        for m in children(node) {
            if m.kind_name() != "modifiers" {
                continue;
            }
            for a in children(m) {
                if matches!(a.kind_name(), "marker_annotation" | "annotation") {
                    if let Some(n) = a.field("name") {
                        out.push(self.t(n).rsplit('.').next().unwrap_or(""));
                    }
                }
            }
        }
        out
    }

    fn visit_method(&mut self, node: Node<'a>, depth: usize) {
        let Some(body) = node.field("body") else {
            // Abstract / interface method: only its annotations (`@Query("select ..")`).
            let mut c = Ctx::class_level(None);
            self.walk_children(node, &mut c, depth);
            return;
        };
        let name = node.field("name").map(|n| self.t(n)).unwrap_or("");
        let annotations = self.annotations(node);
        let params = node.field("parameters");
        let arity = params
            .map(|p| {
                named_children(p)
                    .iter()
                    .filter(|c| matches!(c.kind_name(), "formal_parameter" | "spread_parameter"))
                    .count()
            })
            .unwrap_or(0);
        let return_type = node.field("type").and_then(|t| simple_type(self.t(t)));
        let is_async = annotations.contains(&"Async")
            || return_type
                .as_deref()
                .is_some_and(|t| ASYNC_RETURN_TYPES.contains(&t));
        let lower = name.to_ascii_lowercase();
        let per_call_ok = node.kind_name() == "method_declaration"
            && !annotations.iter().any(|a| ONCE_ANNOTATIONS.contains(a))
            && name != "main"
            && !lower.contains("datasource")
            && !lower.contains("pool");
        let index = self.file.functions.len();
        self.file.functions.push(Function {
            name: name.to_string(),
            arity,
            class: self.class_names.last().cloned(),
            start: self.src.start(node),
            end: self.src.end(node),
            body: (body.start_byte(), body.end_byte()),
            is_async,
            is_abstract: false,
        });
        let locals = self.prescan(node);
        self.frames.push(Frame::Function(locals));
        let mut c = Ctx {
            function: Some(index),
            body: Some(body),
            loops: Vec::new(),
            per_call_ok,
        };
        self.walk_children(node, &mut c, depth);
        self.frames.pop();
    }

    /// Parameters, locals, resources, loop and lambda variables of a method (not of nested
    /// classes), with their declared types and initialisers.
    fn prescan(&self, method: Node<'a>) -> HashMap<String, VarInfo<'a>> {
        let mut locals: HashMap<String, VarInfo<'a>> = HashMap::new();
        let mut assigned: Vec<(String, Node<'a>)> = Vec::new();
        if let Some(p) = method.field("parameters") {
            self.params_into(p, &mut locals);
        }
        let mut stack: Vec<Node<'a>> = method.field("body").into_iter().collect();
        while let Some(node) = stack.pop() {
            match node.kind_name() {
                "class_body"
                | "class_declaration"
                | "interface_declaration"
                | "enum_declaration"
                | "record_declaration" => continue,
                "local_variable_declaration" => self.declaration_into(node, &mut locals),
                "resource" => {
                    if let Some(n) = node.field("name") {
                        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                        let value = node.field("value");
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value });
                    }
                }
                "enhanced_for_statement" => {
                    if let Some(n) = node.field("name") {
                        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "lambda_expression" => {
                    if let Some(p) = node.field("parameters") {
                        if p.kind_name() == "identifier" {
                            locals.entry(self.t(p).to_string()).or_insert(VarInfo {
                                ty: None,
                                value: None,
                            });
                        } else {
                            self.params_into(p, &mut locals);
                        }
                    }
                }
                "catch_formal_parameter" => {
                    if let Some(n) = node.field("name") {
                        let ty = Some("Exception".to_string());
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "assignment_expression" => {
                    if let (Some(l), Some(r)) = (node.field("left"), node.field("right")) {
                        if l.kind_name() == "identifier" && r.kind_name() != "null_literal" {
                            assigned.push((self.t(l).to_string(), r));
                        }
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            for c in node.named_children(&mut cursor) {
                stack.push(c);
            }
        }
        assigned.sort_by_key(|(_, n)| n.start_byte());
        for (name, value) in assigned {
            if let Some(info) = locals.get_mut(&name) {
                if info.value.is_none() {
                    info.value = Some(value);
                }
            }
        }
        locals
    }

    // ---------------------------------------------------------------- scopes & kinds

    fn lookup(&self, name: &str) -> Option<&VarInfo<'a>> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Class(m) | Frame::Function(m) => m.get(name),
        })
    }

    fn lookup_field(&self, name: &str) -> Option<&VarInfo<'a>> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Class(m) => m.get(name),
            Frame::Function(_) => None,
        })
    }

    /// Whether `name` is a local (parameter / variable) rather than a field.
    fn is_local(&self, name: &str) -> bool {
        for f in self.frames.iter().rev() {
            match f {
                Frame::Function(m) if m.contains_key(name) => return true,
                Frame::Class(m) if m.contains_key(name) => return false,
                _ => {}
            }
        }
        false
    }

    fn weaken(&self, kind: Kind) -> Kind {
        if kind == Kind::Session && !self.hibernate {
            Kind::SessionByName
        } else {
            kind
        }
    }

    fn kind_of_type(&self, ty: &str) -> Option<Kind> {
        if let Some((_, k)) = TYPE_KINDS.iter().find(|(t, _)| *t == ty) {
            return Some(self.weaken(*k));
        }
        if REPOSITORY_TYPE_SUFFIXES.iter().any(|s| ty.ends_with(s)) {
            return Some(Kind::Repository);
        }
        None
    }

    fn kind_of_name(&self, name: &str) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        NAME_KINDS
            .iter()
            .find(|(h, _)| name_matches(h, name, &lower))
            .map(|(_, k)| self.weaken(*k))
    }

    fn kind_of_info(&self, name: &str, info: Option<&VarInfo<'a>>, depth: usize) -> Option<Kind> {
        let Some(info) = info else {
            return self.kind_of_name(name);
        };
        if let Some(k) = info.ty.as_deref().and_then(|t| self.kind_of_type(t)) {
            return Some(k);
        }
        if let Some(k) = info.value.and_then(|v| self.kind_of_expr(v, depth + 1)) {
            return Some(k);
        }
        if info.ty.is_some() {
            return None; // declared with an unrelated type
        }
        self.kind_of_name(name)
    }

    fn kind_of_expr(&self, node: Node<'a>, depth: usize) -> Option<Kind> {
        if depth > 24 {
            return None;
        }
        match node.kind_name() {
            "identifier" => {
                let name = self.t(node);
                let info = self.lookup(name);
                if info.is_none() && is_class_name(name) {
                    // A static call on a class (`ForumRepository.getForum(id)`): the name
                    // hints are for instances (a Spring Data repository is injected).
                    return None;
                }
                self.kind_of_info(name, info, depth)
            }
            "field_access" => {
                let field = self.t(node.field("field")?);
                if node.field("object")?.kind_name() == "this" {
                    self.kind_of_info(field, self.lookup_field(field), depth)
                } else {
                    self.kind_of_name(field)
                }
            }
            "parenthesized_expression" => {
                self.kind_of_expr(*named_children(node).first()?, depth + 1)
            }
            "cast_expression" => {
                let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                ty.and_then(|t| self.kind_of_type(&t)).or_else(|| {
                    node.field("value")
                        .and_then(|v| self.kind_of_expr(v, depth + 1))
                })
            }
            "object_creation_expression" => {
                let ty = node.field("type").and_then(|t| simple_type(self.t(t)))?;
                self.kind_of_type(&ty)
            }
            "method_invocation" => {
                let name = self.t(node.field("name")?);
                let object = node.field("object");
                let recv = object.and_then(|o| self.kind_of_expr(o, depth + 1));
                if recv.is_some_and(|k| db_entry(k, name).is_some()) {
                    return None;
                }
                ORIGINS
                    .iter()
                    .find(|(r, m, _)| {
                        recv_matches(*r, recv, object.is_none()) && method_matches(m, name)
                    })
                    .map(|(r, _, k)| {
                        if matches!(r, Recv::Bare) && self.hibernate {
                            Kind::Session
                        } else {
                            *k
                        }
                    })
            }
            _ => None,
        }
    }

    fn classify(&self, name: &str, object: Option<Node<'a>>) -> Option<&'static DbMethod> {
        let kind = self.kind_of_expr(object?, 0)?;
        db_entry(kind, name)
    }

    fn is_carrier(&self, name: &str, object: Option<Node<'a>>) -> bool {
        if !SQL_CARRIERS.iter().any(|(_, m)| *m == name) {
            return false;
        }
        let recv = object.and_then(|o| self.kind_of_expr(o, 0));
        SQL_CARRIERS
            .iter()
            .any(|(r, m)| *m == name && recv_matches(*r, recv, object.is_none()))
    }

    /// Receiver chain, outermost first, and its first identifier.
    fn chain_of(&self, object: Option<Node<'a>>) -> (Vec<String>, Option<String>) {
        let mut rev = Vec::new();
        let mut cur = object;
        let mut steps = 0;
        while let Some(n) = cur {
            steps += 1;
            if steps > 10_000 {
                break;
            }
            cur = None;
            match n.kind_name() {
                "identifier" => rev.push(self.t(n).to_string()),
                "field_access" => {
                    if let Some(f) = n.field("field") {
                        rev.push(self.t(f).to_string());
                    }
                    cur = n.field("object");
                }
                "method_invocation" => {
                    if let Some(f) = n.field("name") {
                        rev.push(self.t(f).to_string());
                    }
                    cur = n.field("object");
                }
                "parenthesized_expression" => cur = named_children(n).first().copied(),
                "cast_expression" => cur = n.field("value"),
                "array_access" => cur = n.field("array"),
                _ => {}
            }
        }
        rev.reverse();
        let root = rev.first().cloned();
        (rev, root)
    }

    // ---------------------------------------------------------------- calls

    fn push_call(
        &mut self,
        node: Node<'a>,
        name: &str,
        object: Option<Node<'a>>,
        arity: usize,
        ctx: &Ctx<'a>,
    ) -> usize {
        let (chain, root) = self.chain_of(object);
        let entry = self.classify(name, object);
        let idx = self.file.calls.len();
        self.file.calls.push(Call {
            function: ctx.function,
            callee: name.to_string(),
            receiver: object.map(|o| self.src.short(o, 200)),
            receiver_root: root,
            chain,
            receiver_type: self.receiver_type(object),
            arity,
            start: self.src.start(node),
            end: self.src.end(node),
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
            loops: ctx.loops.clone(),
            db: entry.map(|e| e.op),
            db_api: entry.map(|e| e.api.to_string()),
            awaited: false,
            blocked_by: None,
            sql_argument: None,
            text: self.src.short(node, 160),
        });
        self.call_by_node.insert(node.id(), idx);
        idx
    }

    fn visit_call(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let name = node.field("name").map(|n| self.t(n)).unwrap_or("");
        let object = node.field("object");
        let args = args_of(node);
        let idx = self.push_call(node, name, object, args.len(), ctx);
        let entry = self.classify(name, object);
        let carrier = self.is_carrier(name, object);
        if entry.is_some_and(|e| e.sql_arg) || carrier {
            self.sql_arg_calls.insert(node.id());
        }
        self.connection_call(node, name, object, ctx);
        self.format_call(node, name, object, &args, ctx);

        if let Some(o) = object {
            self.walk(o, ctx, depth + 1);
        }
        let mode = self.callback_mode(name, object, entry);
        let last = args.len().saturating_sub(1);
        for (i, &arg) in args.iter().enumerate() {
            let lambda = arg.kind_name() == "lambda_expression";
            let callback = lambda || arg.kind_name() == "method_reference";
            match &mode {
                Mode::Loop(kind) if callback => {
                    let source = object.map(|o| self.loop_source(o)).unwrap_or_default();
                    self.callback_loop(arg, kind.clone(), source, ctx, depth);
                }
                Mode::Rows if lambda && i == last && self.lambda_params(arg).len() == 2 => {
                    let source = (Some(self.src.short(node, 200)), Some(idx), None);
                    self.callback_loop(arg, "row callback".to_string(), source, ctx, depth);
                }
                Mode::Sync if lambda => self.walk_children(arg, ctx, depth + 1),
                _ => self.walk(arg, ctx, depth + 1),
            }
        }

        if let Some(e) = entry {
            self.link_sql(node, idx, e, object, ctx);
        }
        if carrier {
            if let Some(s) = self.first_arg_string(node, ctx) {
                self.carrier_str.insert(node.id(), s);
                if let Some(lit) = self.file.strings.get_mut(s) {
                    lit.at_db_call = true;
                }
            }
        }
    }

    fn callback_mode(
        &self,
        name: &str,
        object: Option<Node<'a>>,
        entry: Option<&'static DbMethod>,
    ) -> Mode {
        let Some(object) = object else {
            return Mode::Plain;
        };
        if ALWAYS_LOOP_CALLBACKS.contains(&name)
            || (STREAM_LOOP_CALLBACKS.contains(&name) && self.is_stream(object))
        {
            return Mode::Loop(format!("{name} callback"));
        }
        if entry.is_some_and(|e| e.kind == Kind::JdbcTemplate && e.method == "query") {
            return Mode::Rows;
        }
        if SYNC_CALLBACKS.contains(&name) {
            return Mode::Sync;
        }
        if name == "execute" {
            let root = self
                .chain_of(Some(object))
                .1
                .unwrap_or_default()
                .to_ascii_lowercase();
            let typed = matches!(object.kind_name(), "identifier")
                && self.lookup(self.t(object)).and_then(|i| i.ty.as_deref())
                    == Some("TransactionTemplate");
            if typed || SYNC_EXECUTE_RECEIVER_HINTS.iter().any(|h| root.contains(h)) {
                return Mode::Sync;
            }
        }
        Mode::Plain
    }

    fn is_stream(&self, object: Node<'a>) -> bool {
        let mut cur = Some(object);
        let mut steps = 0;
        while let Some(n) = cur {
            steps += 1;
            if steps > 10_000 {
                return false;
            }
            cur = None;
            match n.kind_name() {
                "method_invocation" => {
                    let name = n.field("name").map(|x| self.t(x)).unwrap_or("");
                    if STREAM_MARKERS.contains(&name) {
                        return true;
                    }
                    cur = n.field("object");
                }
                "identifier" => {
                    let name = self.t(n);
                    if STREAM_TYPES.contains(&name) {
                        return true;
                    }
                    return self
                        .lookup(name)
                        .and_then(|i| i.ty.as_deref())
                        .is_some_and(|t| STREAM_TYPES.contains(&t));
                }
                "parenthesized_expression" | "cast_expression" => {
                    cur = Some(unwrap_expr(n)).filter(|u| u.id() != n.id())
                }
                _ => {}
            }
        }
        false
    }

    fn lambda_params(&self, lambda: Node<'a>) -> Vec<String> {
        let Some(p) = lambda.field("parameters") else {
            return Vec::new();
        };
        if p.kind_name() == "identifier" {
            return vec![self.t(p).to_string()];
        }
        let mut out = Vec::new();
        for c in named_children(p) {
            match c.kind_name() {
                "identifier" => out.push(self.t(c).to_string()),
                "formal_parameter" => {
                    if let Some(n) = c.field("name") {
                        out.push(self.t(n).to_string());
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The iteration source of a loop over `expr`: (text, call index, variable).
    fn loop_source(&self, expr: Node<'a>) -> (Option<String>, Option<usize>, Option<String>) {
        let u = self.unwrap_source(expr);
        let text = Some(self.src.short(u, 200));
        match u.kind_name() {
            "method_invocation" => (text, self.call_by_node.get(&u.id()).copied(), None),
            "identifier" => (text, None, Some(self.t(u).to_string())),
            "field_access" if u.field("object").is_some_and(|o| o.kind_name() == "this") => {
                (text, None, u.field("field").map(|f| self.t(f).to_string()))
            }
            _ => (text, None, None),
        }
    }

    fn unwrap_source(&self, expr: Node<'a>) -> Node<'a> {
        let mut cur = expr;
        for _ in 0..256 {
            let next = match cur.kind_name() {
                "parenthesized_expression" | "cast_expression" => {
                    Some(unwrap_expr(cur)).filter(|u| u.id() != cur.id())
                }
                "method_invocation" => {
                    let name = cur.field("name").map(|n| self.t(n)).unwrap_or("");
                    let object = cur.field("object");
                    let args = args_of(cur);
                    let static_wrapper = object.is_some_and(|o| {
                        let o = self.t(o);
                        STATIC_SOURCE_WRAPPERS
                            .iter()
                            .any(|(c, m)| *c == o && *m == name)
                    });
                    if static_wrapper {
                        let first = args.first().copied();
                        // StreamSupport.stream(xs.spliterator(), false)
                        if args.len() == 1 || (name == "stream" && args.len() == 2) {
                            first
                        } else {
                            None
                        }
                    } else if SOURCE_WRAPPERS.contains(&name)
                        || (SOURCE_WRAPPERS_NO_ARGS.contains(&name) && args.is_empty())
                    {
                        object
                    } else {
                        None
                    }
                }
                "object_creation_expression" => {
                    let ty = cur.field("type").and_then(|t| simple_type(self.t(t)));
                    let args = args_of(cur);
                    if ty.is_some_and(|t| COPY_CONSTRUCTORS.contains(&t.as_str()))
                        && args.len() == 1
                        && !args[0].kind_name().ends_with("_literal")
                    {
                        Some(args[0])
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur
    }

    fn callback_loop(
        &mut self,
        callback: Node<'a>,
        kind: String,
        source: (Option<String>, Option<usize>, Option<String>),
        ctx: &mut Ctx<'a>,
        depth: usize,
    ) {
        let variables = if callback.kind_name() == "lambda_expression" {
            self.lambda_params(callback)
        } else {
            Vec::new()
        };
        let li = self.file.loops.len();
        self.file.loops.push(Loop {
            function: ctx.function,
            kind,
            start: self.src.start(callback),
            end: self.src.end(callback),
            span: (callback.start_byte(), callback.end_byte()),
            source_text: source.0,
            source_call: source.1,
            source_var: source.2,
            variables,
        });
        ctx.loops.push(li);
        if callback.kind_name() == "method_reference" {
            self.method_reference_call(callback, ctx);
        } else {
            self.walk_children(callback, ctx, depth + 1);
        }
        ctx.loops.pop();
    }

    /// `repo::findById` used as a loop callback: a call per element.
    fn method_reference_call(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        let parts = children(node);
        let Some(sep) = parts.iter().position(|c| c.kind_name() == "::") else {
            return;
        };
        let receiver = parts[..sep]
            .iter()
            .rev()
            .find(|c| c.is_named() && !is_comment(**c))
            .copied();
        let name = parts[sep + 1..]
            .iter()
            .find(|c| matches!(c.kind_name(), "identifier" | "new"))
            .map(|c| self.t(*c));
        let Some(name) = name else {
            return;
        };
        let receiver = receiver.filter(|r| !matches!(r.kind_name(), "this" | "super"));
        self.push_call(node, name, receiver, 1, ctx);
    }

    // ---------------------------------------------------------------- loops

    fn push_loop(
        &mut self,
        node: Node<'a>,
        kind: &str,
        source: (Option<String>, Option<usize>, Option<String>),
        variables: Vec<String>,
        ctx: &Ctx<'a>,
    ) -> usize {
        let li = self.file.loops.len();
        self.file.loops.push(Loop {
            function: ctx.function,
            kind: kind.to_string(),
            start: self.src.start(node),
            end: self.src.end(node),
            span: (node.start_byte(), node.end_byte()),
            source_text: source.0,
            source_call: source.1,
            source_var: source.2,
            variables,
        });
        li
    }

    fn visit_foreach(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let value = node.field("value");
        if let Some(v) = value {
            self.walk(v, ctx, depth + 1);
        }
        let source = value.map(|v| self.loop_source(v)).unwrap_or_default();
        let variables = node
            .field("name")
            .map(|n| vec![self.t(n).to_string()])
            .unwrap_or_default();
        let li = self.push_loop(node, "foreach", source, variables, ctx);
        ctx.loops.push(li);
        for child in children(node) {
            if Some(child.id()) != value.map(|v| v.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        ctx.loops.pop();
    }

    fn visit_for(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let mut init = Vec::new();
        let mut cursor = node.walk();
        for n in node.children_by_field_name("init", &mut cursor) {
            init.push(n);
        }
        let mut variables = Vec::new();
        for &n in &init {
            self.walk(n, ctx, depth + 1);
            match n.kind_name() {
                "local_variable_declaration" => {
                    let mut c = n.walk();
                    for d in n.children_by_field_name("declarator", &mut c) {
                        if let Some(name) = d.field("name") {
                            variables.push(self.t(name).to_string());
                        }
                    }
                }
                "assignment_expression" => {
                    if let Some(l) = n.field("left").filter(|l| l.kind_name() == "identifier") {
                        variables.push(self.t(l).to_string());
                    }
                }
                _ => {}
            }
        }
        // `i < xs.size()` / `i < arr.length`: the collection iterated by index.
        let source = node
            .field("condition")
            .and_then(|c| self.indexed_source(c))
            .unwrap_or_default();
        let li = self.push_loop(node, "for", source, variables, ctx);
        ctx.loops.push(li);
        let init_ids: Vec<usize> = init.iter().map(|n| n.id()).collect();
        for child in children(node) {
            if !init_ids.contains(&child.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        ctx.loops.pop();
    }

    fn indexed_source(
        &self,
        cond: Node<'a>,
    ) -> Option<(Option<String>, Option<usize>, Option<String>)> {
        if cond.kind_name() != "binary_expression" {
            return None;
        }
        let op = cond.field("operator")?.kind_name();
        if !matches!(op, "<" | "<=" | "!=") {
            return None;
        }
        let right = unwrap_expr(cond.field("right")?);
        let collection = match right.kind_name() {
            "method_invocation" => {
                let name = self.t(right.field("name")?);
                if name != "size" || !args_of(right).is_empty() {
                    return None;
                }
                right.field("object")?
            }
            "field_access" => {
                if self.t(right.field("field")?) != "length" {
                    return None;
                }
                right.field("object")?
            }
            _ => return None,
        };
        let name = match collection.kind_name() {
            "identifier" => self.t(collection),
            "field_access" if collection.field("object")?.kind_name() == "this" => {
                self.t(collection.field("field")?)
            }
            _ => return None,
        };
        Some((
            Some(self.src.short(collection, 200)),
            None,
            Some(name.to_string()),
        ))
    }

    fn visit_while(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        // `while (rs.next())` / `while (it.hasNext())`: iterating that variable.
        let source = node
            .field("condition")
            .map(unwrap_expr)
            .filter(|c| c.kind_name() == "method_invocation")
            .and_then(|c| {
                let name = self.t(c.field("name")?);
                let object = c.field("object")?;
                if matches!(name, "next" | "hasNext" | "hasMoreElements")
                    && object.kind_name() == "identifier"
                {
                    Some((
                        Some(self.t(object).to_string()),
                        None,
                        Some(self.t(object).to_string()),
                    ))
                } else {
                    None
                }
            })
            .unwrap_or_default();
        let kind = if node.kind_name() == "do_statement" {
            "do"
        } else {
            "while"
        };
        let li = self.push_loop(node, kind, source, Vec::new(), ctx);
        ctx.loops.push(li);
        self.walk_children(node, ctx, depth);
        ctx.loops.pop();
    }

    // ---------------------------------------------------------------- assignments

    fn record_assignment(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        let (name, value) = match node.kind_name() {
            "variable_declarator" | "resource" => (node.field("name"), node.field("value")),
            "assignment_expression" => {
                if node.field("operator").is_none_or(|o| o.kind_name() != "=") {
                    return;
                }
                let left = node.field("left");
                let left = left.and_then(|l| match l.kind_name() {
                    "identifier" => Some(l),
                    "field_access"
                        if l.field("object").is_some_and(|o| o.kind_name() == "this") =>
                    {
                        l.field("field")
                    }
                    _ => None,
                });
                (left, node.field("right"))
            }
            _ => return,
        };
        let (Some(name), Some(value)) = (name, value) else {
            return;
        };
        let value = unwrap_expr(value);
        if value.kind_name() != "method_invocation" {
            return;
        }
        if let Some(&call) = self.call_by_node.get(&value.id()) {
            self.file.assignments.push(Assignment {
                function: ctx.function,
                variable: self.t(name).to_string(),
                call,
                start: self.src.start(node),
            });
        }
    }

    // ---------------------------------------------------------------- connections

    fn visit_new(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
        if let Some(ty) = ty.as_deref().filter(|t| POOL_CONSTRUCTORS.contains(t)) {
            let api = format!("new {ty}");
            self.record_connection(node, &api, ctx, true, true);
        }
        let body = named_children(node)
            .into_iter()
            .find(|c| c.kind_name() == "class_body");
        for child in children(node) {
            if Some(child.id()) != body.map(|b| b.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        if let Some(body) = body {
            // Anonymous class: its methods are functions of their own.
            let members = Self::class_members(body);
            let fields = self.fields_of(&members);
            self.frames.push(Frame::Class(fields));
            let name = self.class_names.last().cloned().unwrap_or_default();
            self.class_names.push(name);
            self.walk_members(&members, depth + 1);
            self.class_names.pop();
            self.frames.pop();
        }
    }

    fn connection_call(
        &mut self,
        node: Node<'a>,
        name: &str,
        object: Option<Node<'a>>,
        ctx: &Ctx<'a>,
    ) {
        let Some(object) = object else {
            if DATASOURCE_OPEN_METHODS.contains(&name) && self.holder_is_connection(node) {
                self.record_helper_connection(node, name, ctx);
            }
            return;
        };
        let otext = self.t(object);
        for (class, method, api, per_call) in STATIC_CONNECTIONS {
            if name == *method && (otext == *class || otext.ends_with(&format!(".{class}"))) {
                self.record_connection(node, api, ctx, *per_call, true);
                return;
            }
        }
        if DATASOURCE_OPEN_METHODS.contains(&name)
            && self.kind_of_expr(object, 0) == Some(Kind::DataSource)
        {
            self.record_connection(node, &format!("DataSource.{name}"), ctx, false, true);
            return;
        }
        for (root, method) in POOL_BUILDERS {
            if name == *method && self.chain_of(Some(object)).1.as_deref() == Some(*root) {
                self.record_connection(node, &format!("{root}.{method}"), ctx, true, false);
                return;
            }
        }
        if DATASOURCE_OPEN_METHODS.contains(&name) && self.holder_is_connection(node) {
            let api = if object.kind_name() == "this" {
                name.to_string()
            } else {
                format!("{}.{name}", self.src.short(object, 60))
            };
            self.record_helper_connection(node, &api, ctx);
        }
    }

    /// A connection taken from a helper of the project: one it never releases is borrowed
    /// (the helper may lend a shared or request-scoped connection), not known to leak.
    fn record_helper_connection(&mut self, node: Node<'a>, api: &str, ctx: &Ctx<'a>) {
        let (variable, disposal, _) = self.disposal_of(node, ctx);
        let disposal = match disposal {
            Disposal::Never => Disposal::Borrowed(format!("{api}()")),
            other => other,
        };
        self.file.connections.push(ConnectionSite {
            function: ctx.function,
            variable,
            api: api.to_string(),
            start: self.src.start(node),
            end: self.src.end(node),
            disposal,
            text: self.src.short(node, 160),
        });
    }

    /// Whether the value of `node` goes into a variable declared `Connection`.
    fn holder_is_connection(&self, node: Node<'a>) -> bool {
        let cur = climb(node);
        let Some(p) = cur.parent() else {
            return false;
        };
        let ty = match p.kind_name() {
            "variable_declarator" => p
                .parent()
                .and_then(|d| d.field("type"))
                .and_then(|t| simple_type(self.t(t))),
            "resource" => p.field("type").and_then(|t| simple_type(self.t(t))),
            "assignment_expression" if p.field("right").is_some_and(|r| r.id() == cur.id()) => {
                match p.field("left") {
                    Some(l) if l.kind_name() == "identifier" => {
                        self.lookup(self.t(l)).and_then(|i| i.ty.clone())
                    }
                    Some(l) if l.kind_name() == "field_access" => l
                        .field("field")
                        .and_then(|f| self.lookup_field(self.t(f)))
                        .and_then(|i| i.ty.clone()),
                    _ => None,
                }
            }
            _ => None,
        };
        self.jdbc_connection && ty.is_some_and(|t| HELPER_CONNECTION_TYPES.contains(&t.as_str()))
    }

    fn record_connection(
        &mut self,
        node: Node<'a>,
        api: &str,
        ctx: &Ctx<'a>,
        per_call: bool,
        site: bool,
    ) {
        let (variable, disposal, in_field) = self.disposal_of(node, ctx);
        if site {
            self.file.connections.push(ConnectionSite {
                function: ctx.function,
                variable,
                api: api.to_string(),
                start: self.src.start(node),
                end: self.src.end(node),
                disposal,
                text: self.src.short(node, 160),
            });
        }
        if per_call && ctx.per_call_ok && !in_field {
            if let Some(function) = ctx.function {
                self.file.per_call_connections.push(PerCallConnection {
                    function,
                    api: api.to_string(),
                    start: self.src.start(node),
                    text: self.src.short(node, 160),
                });
            }
        }
    }

    fn callee_label(&self, call: Node<'a>) -> String {
        match call.kind_name() {
            "method_invocation" => call
                .field("name")
                .map(|n| self.t(n).to_string())
                .unwrap_or_default(),
            "object_creation_expression" => format!(
                "new {}",
                call.field("type")
                    .and_then(|t| simple_type(self.t(t)))
                    .unwrap_or_default()
            ),
            _ => String::new(),
        }
    }

    /// The variable holding a new connection, how it is released, and whether it is stored
    /// in a field.
    fn disposal_of(&self, node: Node<'a>, ctx: &Ctx<'a>) -> (Option<String>, Disposal, bool) {
        let cur = climb(node);
        let Some(parent) = cur.parent() else {
            return (None, Disposal::Never, false);
        };
        let escapes = |d: &str| Disposal::Escapes(d.to_string());
        match parent.kind_name() {
            "resource" => {
                let name = parent.field("name").map(|n| self.t(n).to_string());
                (
                    name,
                    Disposal::Guaranteed("try-with-resources".into()),
                    false,
                )
            }
            "variable_declarator" => {
                let Some(name) = parent.field("name").map(|n| self.t(n).to_string()) else {
                    return (None, Disposal::Never, false);
                };
                let decl = parent.parent();
                if decl.is_some_and(|d| {
                    matches!(d.kind_name(), "field_declaration" | "constant_declaration")
                }) {
                    let d = escapes(&format!("stored in field `{name}`"));
                    return (Some(name), d, true);
                }
                if decl.is_some_and(|d| self.annotations(d).contains(&"Cleanup")) {
                    return (Some(name), Disposal::Guaranteed("@Cleanup".into()), false);
                }
                let d = self.uses_disposal(&name, node, ctx);
                (Some(name), d, false)
            }
            "assignment_expression" => {
                let Some(left) = parent.field("left") else {
                    return (None, Disposal::Never, false);
                };
                match left.kind_name() {
                    "identifier" => {
                        let name = self.t(left).to_string();
                        if self.is_local(&name) {
                            let d = self.uses_disposal(&name, node, ctx);
                            (Some(name), d, false)
                        } else {
                            let d = escapes(&format!("stored in field `{name}`"));
                            (Some(name), d, true)
                        }
                    }
                    "field_access" => {
                        let name = left
                            .field("field")
                            .map(|f| self.t(f).to_string())
                            .unwrap_or_default();
                        let d = escapes(&format!("stored in field `{name}`"));
                        (Some(name), d, true)
                    }
                    _ => (None, escapes("stored in an array"), false),
                }
            }
            "return_statement" => (None, escapes("returned"), false),
            "argument_list" => {
                let label = parent
                    .parent()
                    .map(|g| self.callee_label(g))
                    .unwrap_or_default();
                (None, escapes(&format!("passed to `{label}`")), false)
            }
            "lambda_expression" => (None, escapes("returned from a lambda"), false),
            "array_initializer" => (None, escapes("stored in an array"), false),
            "yield_statement" => (None, escapes("yielded"), false),
            // Chained (`ds.getConnection().prepareStatement(..)`) or discarded: nothing closes it.
            "method_invocation" | "expression_statement" => (None, Disposal::Never, false),
            _ => (None, escapes("used in an expression"), false),
        }
    }

    /// Classifies what happens to local `name` after `creation` in the enclosing block.
    fn uses_disposal(&self, name: &str, creation: Node<'a>, ctx: &Ctx<'a>) -> Disposal {
        let Some(body) = ctx.body else {
            return Disposal::Never;
        };
        let after = creation.end_byte();
        let mut guaranteed: Option<String> = None;
        let mut strong: Option<String> = None;
        let mut normal: Option<String> = None;
        let mut right_after_open: Option<String> = None;
        let mut weak: Option<String> = None;
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            let mut cursor = n.walk();
            for c in n.children(&mut cursor) {
                stack.push(c);
            }
            if n.kind_name() != "identifier" || n.start_byte() < after || self.t(n) != name {
                continue;
            }
            let cur = climb(n);
            let Some(p) = cur.parent() else {
                continue;
            };
            let is = |field: &str| p.field(field).is_some_and(|f| f.id() == cur.id());
            let mut close_at: Option<Node<'a>> = None;
            match p.kind_name() {
                "method_invocation" if is("object") => {
                    let callee = p.field("name").map(|x| self.t(x)).unwrap_or("");
                    if CLOSE_METHODS.contains(&callee) {
                        close_at = Some(p);
                    }
                }
                "argument_list" => {
                    if let Some(g) = p.parent() {
                        let label = self.callee_label(g);
                        if g.kind_name() == "method_invocation"
                            && RELEASE_FUNCTIONS.contains(&label.as_str())
                        {
                            close_at = Some(g);
                        } else if g.kind_name() == "method_invocation"
                            && CONTAINER_METHODS.contains(&label.as_str())
                        {
                            strong.get_or_insert(format!("stored in a container via `{label}`"));
                        } else if g.kind_name() == "object_creation_expression" {
                            strong.get_or_insert(format!("passed to `{label}`"));
                        } else {
                            weak.get_or_insert(format!("passed to `{label}`"));
                        }
                    }
                }
                "return_statement" => {
                    strong.get_or_insert("returned".into());
                }
                "yield_statement" => {
                    strong.get_or_insert("yielded".into());
                }
                "array_initializer" => {
                    strong.get_or_insert("stored in an array".into());
                }
                "lambda_expression" if is("body") => {
                    strong.get_or_insert("returned from a lambda".into());
                }
                "assignment_expression" if is("right") => {
                    if let Some(l) = p.field("left") {
                        match l.kind_name() {
                            "identifier" if self.is_local(self.t(l)) => {
                                weak.get_or_insert(format!("aliased to `{}`", self.t(l)));
                            }
                            "identifier" | "field_access" => {
                                strong.get_or_insert(format!("stored in field `{}`", self.t(l)));
                            }
                            _ => {
                                strong.get_or_insert("stored in an array".into());
                            }
                        }
                    }
                }
                "variable_declarator" if is("value") => {
                    let alias = p.field("name").map(|x| self.t(x)).unwrap_or("");
                    weak.get_or_insert(format!("aliased to `{alias}`"));
                }
                "resource" => {
                    guaranteed.get_or_insert("try-with-resources".into());
                }
                _ => {}
            }
            if let Some(call) = close_at {
                let text = self.src.short(call, 80);
                if self.in_finally(call, creation, body) {
                    guaranteed.get_or_insert(format!("`{text}` in finally"));
                } else if nothing_can_throw_between(creation, call, body) {
                    right_after_open.get_or_insert(format!(
                        "`{text}` right after it is opened, with nothing in between that can throw"
                    ));
                } else {
                    normal.get_or_insert(format!("`{text}` outside finally"));
                }
            }
        }
        if let Some(d) = guaranteed {
            Disposal::Guaranteed(d)
        } else if let Some(d) = strong {
            Disposal::Escapes(d)
        } else if let Some(d) = normal {
            Disposal::NormalPathOnly(d)
        } else if let Some(d) = right_after_open {
            Disposal::Guaranteed(d)
        } else if let Some(d) = weak {
            Disposal::Escapes(d)
        } else {
            Disposal::Never
        }
    }

    /// In a `finally` of a try that contains or follows the creation.
    fn in_finally(&self, call: Node<'a>, creation: Node<'a>, body: Node<'a>) -> bool {
        let mut cur = call;
        while let Some(p) = cur.parent() {
            if p.id() == body.id() {
                break;
            }
            if p.kind_name() == "finally_clause" {
                if let Some(t) = p.parent() {
                    if t.end_byte() > creation.start_byte() {
                        return true;
                    }
                }
            }
            cur = p;
        }
        false
    }

    // ---------------------------------------------------------------- strings

    fn literal_piece(&self, node: Node<'a>) -> Piece {
        let (s, e) = (node.start_byte(), node.end_byte());
        let raw = self.src.text.get(s..e).unwrap_or("");
        let (open, close) = if raw.starts_with("\"\"\"") {
            (
                3,
                if raw.len() >= 6 && raw.ends_with("\"\"\"") {
                    3
                } else {
                    0
                },
            )
        } else {
            (
                raw.len().min(1),
                if raw.len() >= 2 && raw.ends_with('"') {
                    1
                } else {
                    0
                },
            )
        };
        let start = s + open;
        Piece::Lit {
            start,
            end: (e - close).max(start),
        }
    }

    /// The pieces of a string literal or a `+` concatenation holding one, and the nodes
    /// that are part of it.
    fn string_pieces(&self, node: Node<'a>) -> Option<(Vec<Piece>, Vec<usize>)> {
        match node.kind_name() {
            "string_literal" => Some((vec![self.literal_piece(node)], vec![node.id()])),
            "binary_expression" if is_plus(node) => {
                let mut operands = Vec::new();
                let mut ids = Vec::new();
                let mut stack = vec![node];
                while let Some(n) = stack.pop() {
                    if is_plus(n) {
                        ids.push(n.id());
                        if let Some(r) = n.field("right") {
                            stack.push(r);
                        }
                        if let Some(l) = n.field("left") {
                            stack.push(l);
                        }
                    } else {
                        operands.push(n);
                    }
                }
                if !operands.iter().any(|o| o.kind_name() == "string_literal") {
                    return None;
                }
                let mut pieces = Vec::new();
                for o in operands {
                    if o.kind_name() == "string_literal" {
                        ids.push(o.id());
                        pieces.push(self.literal_piece(o));
                    } else if !matches!(pieces.last(), Some(Piece::Hole)) {
                        pieces.push(Piece::Hole);
                    }
                }
                Some((pieces, ids))
            }
            _ => None,
        }
    }

    /// `%s` / `%d` / `%1$s` → placeholder, `%%` → `%`, `%n` → a space.
    fn printf_pieces(&self, pieces: Vec<Piece>) -> Vec<Piece> {
        let mut out = Vec::new();
        for p in pieces {
            let Piece::Lit { start, end } = p else {
                out.push(p);
                continue;
            };
            let raw = self.src.text.get(start..end).unwrap_or("");
            let b = raw.as_bytes();
            let (mut i, mut run) = (0, 0);
            while i < b.len() {
                if b[i] != b'%' {
                    i += 1;
                    continue;
                }
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'$') {
                    j += 1;
                }
                while j < b.len() && b"-#+ 0,(<".contains(&b[j]) {
                    j += 1;
                }
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j < b.len() && b[j] == b'.' {
                    j += 1;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                if j >= b.len() || !(b[j].is_ascii_alphabetic() || b[j] == b'%') {
                    i += 1;
                    continue;
                }
                let conv = b[j];
                let mut spec_end = if conv == b't' || conv == b'T' {
                    (j + 2).min(b.len())
                } else {
                    j + 1
                };
                while spec_end < b.len() && !raw.is_char_boundary(spec_end) {
                    spec_end += 1;
                }
                out.push(Piece::Lit {
                    start: start + run,
                    end: start + i,
                });
                match conv {
                    b'%' => out.push(Piece::Lit {
                        start: start + i,
                        end: start + i + 1,
                    }),
                    b'n' => out.push(Piece::Synth {
                        text: " ",
                        at: start + i,
                    }),
                    _ => out.push(Piece::Hole),
                }
                i = spec_end;
                run = spec_end;
            }
            out.push(Piece::Lit {
                start: start + run,
                end,
            });
        }
        out
    }

    /// `{0}` / `{1,number}` → placeholder.
    fn message_format_pieces(&self, pieces: Vec<Piece>) -> Vec<Piece> {
        let mut out = Vec::new();
        for p in pieces {
            let Piece::Lit { start, end } = p else {
                out.push(p);
                continue;
            };
            let raw = self.src.text.get(start..end).unwrap_or("");
            let b = raw.as_bytes();
            let (mut i, mut run) = (0, 0);
            while i < b.len() {
                if b[i] == b'{' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
                    if let Some(close) = raw[i..].find('}') {
                        out.push(Piece::Lit {
                            start: start + run,
                            end: start + i,
                        });
                        out.push(Piece::Hole);
                        i += close + 1;
                        run = i;
                        continue;
                    }
                }
                i += 1;
            }
            out.push(Piece::Lit {
                start: start + run,
                end,
            });
        }
        out
    }

    fn make_string(&self, expr: Node<'a>, pieces: &[Piece], function: Option<usize>) -> StringLit {
        let mut text = String::new();
        let mut segments = Vec::new();
        for p in pieces {
            match *p {
                Piece::Lit { start, end } => {
                    if end > start {
                        if let Some(s) = self.src.text.get(start..end) {
                            segments.push((text.len(), self.src.pos_of_byte(start)));
                            text.push_str(s);
                        }
                    }
                }
                Piece::Synth { text: t, at } => {
                    segments.push((text.len(), self.src.pos_of_byte(at)));
                    text.push_str(t);
                }
                Piece::Hole => text.push_str(PLACEHOLDER),
            }
        }
        StringLit {
            function,
            text,
            segments,
            start: self.src.start(expr),
            at_db_call: false,
        }
    }

    fn string_root(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        if let Some((pieces, ids)) = self.string_pieces(node) {
            self.consumed.extend(ids);
            self.consider_string(node, &pieces, ctx);
        }
    }

    /// `String.format(fmt, ..)`, `fmt.formatted(..)`, `MessageFormat.format(fmt, ..)`.
    fn format_call(
        &mut self,
        node: Node<'a>,
        name: &str,
        object: Option<Node<'a>>,
        args: &[Node<'a>],
        ctx: &Ctx<'a>,
    ) {
        let Some(object) = object else {
            return;
        };
        let otext = self.t(object);
        let (fmt, printf) = if name == "format" && matches!(otext, "String" | "java.lang.String") {
            match args
                .iter()
                .take(2)
                .copied()
                .find(|a| self.string_pieces(*a).is_some())
            {
                Some(a) => (a, true),
                None => return,
            }
        } else if name == "formatted" && self.string_pieces(object).is_some() {
            (object, true)
        } else if name == "format"
            && (otext == "MessageFormat" || otext.ends_with(".MessageFormat"))
        {
            match args.first() {
                Some(a) => (*a, false),
                None => return,
            }
        } else {
            return;
        };
        let Some((pieces, ids)) = self.string_pieces(fmt) else {
            return;
        };
        self.consumed.extend(ids);
        let pieces = if printf {
            self.printf_pieces(pieces)
        } else {
            self.message_format_pieces(pieces)
        };
        self.consider_string(node, &pieces, ctx);
    }

    fn consider_string(&mut self, expr: Node<'a>, pieces: &[Piece], ctx: &Ctx<'a>) {
        let mut lit = self.make_string(expr, pieces, ctx.function);
        let at_db = self.is_sql_arg(expr);
        lit.at_db_call = at_db;
        let interesting =
            at_db || looks_like_sql(&lit.text) || masked_credentials(&lit.text).is_some();
        let var = self.assigned_var(expr);
        if interesting {
            let idx = self.file.strings.len();
            self.file.strings.push(lit);
            self.str_by_node.insert(expr.id(), idx);
            if let Some(v) = var {
                self.string_vars
                    .insert((ctx.function, v), StrRef::Recorded(idx));
            }
        } else if let Some(v) = var {
            self.string_vars
                .insert((ctx.function, v), StrRef::Pending(Box::new(lit)));
        }
    }

    /// The variable a string expression is assigned to (`String sql = ..`, `sql = ..`,
    /// `this.sql = ..`).
    fn assigned_var(&self, expr: Node<'a>) -> Option<String> {
        let cur = climb(expr);
        let p = cur.parent()?;
        match p.kind_name() {
            "variable_declarator" if p.field("value").is_some_and(|v| v.id() == cur.id()) => {
                Some(self.t(p.field("name")?).to_string())
            }
            "assignment_expression" if p.field("right").is_some_and(|v| v.id() == cur.id()) => {
                if p.field("operator")?.kind_name() != "=" {
                    return None;
                }
                let l = p.field("left")?;
                match l.kind_name() {
                    "identifier" => Some(self.t(l).to_string()),
                    "field_access" if l.field("object")?.kind_name() == "this" => {
                        Some(self.t(l.field("field")?).to_string())
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `expr` is the first argument of a call taking SQL first.
    fn is_sql_arg(&self, expr: Node<'a>) -> bool {
        let mut cur = expr;
        while let Some(p) = cur.parent() {
            if matches!(
                p.kind_name(),
                "parenthesized_expression" | "cast_expression"
            ) {
                cur = p;
            } else {
                break;
            }
        }
        let Some(list) = cur.parent().filter(|p| p.kind_name() == "argument_list") else {
            return false;
        };
        if named_children(list).first().map(|f| f.id()) != Some(cur.id()) {
            return false;
        }
        list.parent()
            .is_some_and(|call| self.sql_arg_calls.contains(&call.id()))
    }

    /// The recorded string passed as the first argument of `call` (directly, or through a
    /// variable / constant holding it).
    fn first_arg_string(&mut self, call: Node<'a>, ctx: &Ctx<'a>) -> Option<usize> {
        let arg = unwrap_expr(*args_of(call).first()?);
        if let Some(&i) = self.str_by_node.get(&arg.id()) {
            return Some(i);
        }
        let name = match arg.kind_name() {
            "identifier" => self.t(arg),
            "field_access" if arg.field("object")?.kind_name() == "this" => {
                self.t(arg.field("field")?)
            }
            _ => return None,
        };
        for key in [(ctx.function, name.to_string()), (None, name.to_string())] {
            let Some(entry) = self.string_vars.get_mut(&key) else {
                continue;
            };
            match entry {
                StrRef::Recorded(i) => return Some(*i),
                StrRef::Pending(_) => {
                    let idx = self.file.strings.len();
                    let lit = std::mem::replace(entry, StrRef::Recorded(idx));
                    if let StrRef::Pending(lit) = lit {
                        self.file.strings.push(*lit);
                    }
                    return Some(idx);
                }
            }
        }
        None
    }

    /// SQL given to an earlier carrier along the receiver (`em.createQuery(q).getResultList()`,
    /// `ps = conn.prepareStatement(q); ps.executeQuery()`).
    fn carrier_string(&self, start: Node<'a>) -> Option<usize> {
        let mut cur = Some(start);
        let mut hops = 0;
        while let Some(n) = cur {
            hops += 1;
            if hops > 64 {
                return None;
            }
            cur = match n.kind_name() {
                "method_invocation" => {
                    if let Some(&s) = self.carrier_str.get(&n.id()) {
                        return Some(s);
                    }
                    n.field("object")
                }
                "identifier" => self.lookup(self.t(n)).and_then(|i| i.value),
                "field_access" if n.field("object").is_some_and(|o| o.kind_name() == "this") => {
                    let field = self.t(n.field("field")?);
                    self.lookup_field(field).and_then(|i| i.value)
                }
                "parenthesized_expression" | "cast_expression" => {
                    Some(unwrap_expr(n)).filter(|u| u.id() != n.id())
                }
                _ => None,
            };
        }
        None
    }

    fn link_sql(
        &mut self,
        node: Node<'a>,
        idx: usize,
        entry: &'static DbMethod,
        object: Option<Node<'a>>,
        ctx: &Ctx<'a>,
    ) {
        let mut s = None;
        if entry.sql_arg {
            s = self.first_arg_string(node, ctx);
        }
        if s.is_none() {
            s = object.and_then(|o| self.carrier_string(o));
        }
        let Some(s) = s else {
            return;
        };
        let Some(lit) = self.file.strings.get_mut(s) else {
            return;
        };
        lit.at_db_call = true;
        let reads = {
            let t = lit.text.trim_start().trim_start_matches('(').trim_start();
            let head: String = t.chars().take(6).collect::<String>().to_ascii_uppercase();
            head.starts_with("SELECT") || head.starts_with("WITH ")
        };
        if let Some(call) = self.file.calls.get_mut(idx) {
            call.sql_argument = Some(s);
            if entry.method == "execute"
                && matches!(entry.kind, Kind::Statement | Kind::JdbcTemplate)
                && reads
            {
                call.db = Some(DbCall::Query);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ir::Pos;

    fn x(src: &str) -> AppFile {
        extract("Test.java", src)
    }

    fn call<'f>(f: &'f AppFile, callee: &str) -> &'f Call {
        f.calls
            .iter()
            .find(|c| c.callee == callee)
            .unwrap_or_else(|| panic!("no call {callee}"))
    }

    fn db_calls(f: &AppFile) -> Vec<(&str, DbCall)> {
        f.calls
            .iter()
            .filter_map(|c| c.db.map(|d| (c.callee.as_str(), d)))
            .collect()
    }

    #[test]
    fn jdbc_statements_by_type_origin_and_name() {
        let f = x(r#"
class Dao {
    void a(Connection conn, Executor executor) throws SQLException {
        PreparedStatement p = conn.prepareStatement("SELECT id FROM users WHERE id = ?");
        ResultSet rs = p.executeQuery();
        var st = conn.createStatement();
        st.executeUpdate("UPDATE users SET active = 0");
        stmt.executeBatch();
        executor.execute(() -> {});
        CallableStatement c = conn.prepareCall("{call refresh()}");
        c.execute();
    }
}
"#);
        let q = call(&f, "executeQuery");
        assert_eq!(q.db, Some(DbCall::Query));
        assert_eq!(q.db_api.as_deref(), Some("JDBC executeQuery"));
        let sql = &f.strings[q.sql_argument.expect("prepared sql linked")];
        assert_eq!(sql.text, "SELECT id FROM users WHERE id = ?");
        assert!(sql.at_db_call);
        let u = call(&f, "executeUpdate");
        assert_eq!(u.db, Some(DbCall::Execute));
        assert_eq!(
            f.strings[u.sql_argument.unwrap()].text,
            "UPDATE users SET active = 0"
        );
        assert_eq!(call(&f, "executeBatch").db, Some(DbCall::Execute));
        // `executor.execute` is no db call; `c.execute()` on a CallableStatement is.
        let executes: Vec<_> = f.calls.iter().filter(|c| c.callee == "execute").collect();
        assert_eq!(executes.len(), 2);
        assert_eq!(executes[0].db, None);
        assert_eq!(executes[1].db, Some(DbCall::Execute));
        assert_eq!(
            f.strings[executes[1].sql_argument.unwrap()].text,
            "{call refresh()}"
        );
        // assignment of the chained call
        assert!(f
            .assignments
            .iter()
            .any(|a| a.variable == "rs" && f.calls[a.call].callee == "executeQuery"));
        assert!(f
            .assignments
            .iter()
            .any(|a| a.variable == "st" && f.calls[a.call].callee == "createStatement"));
    }

    #[test]
    fn typed_unrelated_receiver_is_not_db() {
        let f = x(r#"
class A {
    private final Runner stmt;
    void a() { stmt.executeQuery("SELECT a FROM b"); }
}
"#);
        assert!(db_calls(&f).is_empty());
    }

    #[test]
    fn statement_execute_refined_by_sql() {
        let f = x(r#"
class A {
    void a(Statement s) {
        s.execute("SELECT * FROM t");
        s.execute("DELETE FROM t");
    }
}
"#);
        assert_eq!(
            db_calls(&f),
            vec![("execute", DbCall::Query), ("execute", DbCall::Execute)]
        );
    }

    #[test]
    fn jdbc_template_fields_and_constants() {
        let f = x(r#"
@Repository
public class UserDao {
    public List<User> all() {
        return jdbcTemplate.query(FIND_ALL, (rs, n) -> map(rs));
    }
    public int rename(long id, String name) {
        return named.update("UPDATE users SET name = :name WHERE id = :id", params);
    }
    public void other() {
        restTemplate.query("x");
        this.jdbc.queryForObject("SELECT count(*) FROM users", Integer.class);
        getJdbcTemplate().batchUpdate("INSERT INTO t (a) VALUES (?)", rows);
    }
    private static final String FIND_ALL = "SELECT id, name FROM users";
    private final JdbcTemplate jdbcTemplate;
    private final NamedParameterJdbcTemplate named;
    private final RestTemplate restTemplate;
    private JdbcOperations jdbc;
}
"#);
        let q = call(&f, "query");
        assert_eq!(q.db, Some(DbCall::Query));
        assert_eq!(q.db_api.as_deref(), Some("JdbcTemplate query"));
        assert_eq!(
            f.strings[q.sql_argument.unwrap()].text,
            "SELECT id, name FROM users"
        );
        assert!(f.strings[q.sql_argument.unwrap()].at_db_call);
        assert_eq!(call(&f, "update").db, Some(DbCall::Execute));
        assert_eq!(call(&f, "queryForObject").db, Some(DbCall::Query));
        assert_eq!(
            call(&f, "queryForObject").receiver_root.as_deref(),
            Some("jdbc")
        );
        assert_eq!(call(&f, "batchUpdate").db, Some(DbCall::Execute));
        let rest = f
            .calls
            .iter()
            .filter(|c| c.callee == "query")
            .nth(1)
            .unwrap();
        assert_eq!(rest.receiver_root.as_deref(), Some("restTemplate"));
        assert_eq!(rest.db, None);
    }

    #[test]
    fn jpa_chains_and_query_variables() {
        let f = x(r#"
class Repo {
    @PersistenceContext private EntityManager em;
    List<User> active() {
        return em.createQuery("SELECT u FROM User u WHERE u.active = true", User.class)
            .setParameter("x", 1)
            .getResultList();
    }
    void write(User u) {
        em.persist(u);
        User found = entityManager.find(User.class, 1L);
        Query q = em.createNativeQuery("DELETE FROM users WHERE id = ?");
        q.setParameter(1, 2);
        q.executeUpdate();
        em.createQuery("x").setMaxResults(3);
    }
}
"#);
        let list = call(&f, "getResultList");
        assert_eq!(list.db, Some(DbCall::Query));
        assert_eq!(list.chain, vec!["em", "createQuery", "setParameter"]);
        assert_eq!(list.receiver_root.as_deref(), Some("em"));
        assert_eq!(
            f.strings[list.sql_argument.unwrap()].text,
            "SELECT u FROM User u WHERE u.active = true"
        );
        assert_eq!(call(&f, "persist").db, Some(DbCall::Execute));
        assert_eq!(call(&f, "find").db, Some(DbCall::Query));
        let upd = call(&f, "executeUpdate");
        assert_eq!(upd.db, Some(DbCall::Execute));
        assert_eq!(
            f.strings[upd.sql_argument.unwrap()].text,
            "DELETE FROM users WHERE id = ?"
        );
        // createQuery / setParameter / setMaxResults are not db calls themselves
        for c in [
            "createQuery",
            "setParameter",
            "setMaxResults",
            "createNativeQuery",
        ] {
            assert!(
                f.calls
                    .iter()
                    .filter(|k| k.callee == c)
                    .all(|k| k.db.is_none()),
                "{c}"
            );
        }
    }

    #[test]
    fn hibernate_session_needs_evidence() {
        let with = x(r#"
import org.hibernate.Session;
class A {
    void a(Session session) { session.save(x); session.get(User.class, 1); currentSession().createQuery("from User").list(); }
}
"#);
        assert_eq!(
            db_calls(&with),
            vec![
                ("save", DbCall::Execute),
                ("get", DbCall::Query),
                ("list", DbCall::Query)
            ]
        );
        let without = x(r#"
class A {
    void a(HttpSession session) { session.get("x"); }
    void b() { session.get("user"); session.save(x); session.createQuery("from User").list(); }
}
"#);
        assert_eq!(db_calls(&without), vec![("list", DbCall::Query)]);
    }

    #[test]
    fn spring_data_repositories() {
        let f = x(r#"
@Service
class UserService {
    private final UserRepository users;
    private final OrderRepo orderRepo;
    private final UserMapper mapper;
    void run(CrudRepository<Order, Long> orders) {
        users.findByEmail("a@b.c");
        orderRepo.save(o);
        orders.deleteById(1L);
        userRepository.existsById(2L);
        users.getClass();
        mapper.findSomething();
        users.findAll().forEach(u -> auditRepository.save(u));
    }
}
"#);
        let dbs = db_calls(&f);
        assert!(dbs.contains(&("findByEmail", DbCall::Query)));
        assert!(dbs.contains(&("save", DbCall::Execute)));
        assert!(dbs.contains(&("deleteById", DbCall::Execute)));
        assert!(dbs.contains(&("existsById", DbCall::Query)));
        assert!(dbs.contains(&("findAll", DbCall::Query)));
        assert!(!dbs
            .iter()
            .any(|(c, _)| *c == "getClass" || *c == "findSomething"));
        // a repository call never takes a SQL argument
        assert_eq!(call(&f, "findByEmail").sql_argument, None);
        assert!(f.strings.is_empty());
        // forEach over findAll: a loop whose source is the findAll call
        let save = f
            .calls
            .iter()
            .filter(|c| c.callee == "save")
            .nth(1)
            .unwrap();
        assert_eq!(save.loops.len(), 1);
        let l = &f.loops[save.loops[0]];
        assert_eq!(l.kind, "forEach callback");
        assert_eq!(f.calls[l.source_call.unwrap()].callee, "findAll");
        assert_eq!(l.variables, vec!["u"]);
    }

    #[test]
    fn jdbc_client_and_jooq() {
        let f = x(r#"
class A {
    private final JdbcClient jdbcClient;
    private final DSLContext dsl;
    void a() {
        jdbcClient.sql("SELECT * FROM users WHERE id = :id").param("id", 1).query(User.class).single();
        jdbcClient.sql("DELETE FROM users").update();
        dsl.selectFrom(USERS).where(USERS.ID.eq(1)).fetchOne();
        dsl.fetch("SELECT 1 FROM dual");
    }
}
"#);
        assert_eq!(
            db_calls(&f),
            vec![
                ("single", DbCall::Query),
                ("update", DbCall::Execute),
                ("fetchOne", DbCall::Query),
                ("fetch", DbCall::Query)
            ]
        );
        assert_eq!(
            f.strings[call(&f, "single").sql_argument.unwrap()].text,
            "SELECT * FROM users WHERE id = :id"
        );
        assert_eq!(
            f.strings[call(&f, "fetch").sql_argument.unwrap()].text,
            "SELECT 1 FROM dual"
        );
    }

    #[test]
    fn loops_and_sources() {
        let f = x(r#"
class A {
    void a(List<Long> ids, Map<String, User> byName) {
        for (User u : userRepository.findAll()) { userRepository.save(u); }
        for (Long id : ids) { repo.findById(id); }
        for (var e : byName.entrySet()) { repo.count(); }
        for (User u : this.cache) { }
        for (int i = 0; i < ids.size(); i++) { repo.findById(ids.get(i)); }
        while (rs.next()) { repo.count(); }
        do { repo.count(); } while (more());
        ids.stream().filter(i -> i > 0).map(id -> repo.findById(id)).collect(toList());
        IntStream.range(0, 10).forEach(i -> repo.count());
        repo.findById(1L).map(u -> repo.save(u));
    }
}
"#);
        let kinds: Vec<&str> = f.loops.iter().map(|l| l.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "foreach",
                "foreach",
                "foreach",
                "foreach",
                "for",
                "while",
                "do",
                "map callback",
                "forEach callback"
            ]
        );
        assert_eq!(f.calls[f.loops[0].source_call.unwrap()].callee, "findAll");
        assert!(f.calls[f.loops[0].source_call.unwrap()].loops.is_empty());
        assert_eq!(f.loops[0].variables, vec!["u"]);
        assert_eq!(f.loops[1].source_var.as_deref(), Some("ids"));
        assert_eq!(f.loops[2].source_var.as_deref(), Some("byName"));
        assert_eq!(f.loops[3].source_var.as_deref(), Some("cache"));
        assert_eq!(f.loops[4].source_var.as_deref(), Some("ids"));
        assert_eq!(f.loops[4].variables, vec!["i"]);
        assert_eq!(f.loops[5].source_var.as_deref(), Some("rs"));
        assert_eq!(f.loops[7].source_var.as_deref(), Some("ids"));
        assert_eq!(f.loops[7].variables, vec!["id"]);
        assert_eq!(f.calls[f.loops[8].source_call.unwrap()].callee, "range");
        // the save inside the first loop
        let save = call(&f, "save");
        assert_eq!(save.loops, vec![0]);
        assert_eq!(save.function, Some(0));
        // The filter lambda is not a loop; Optional.map is not a loop.
        let finds: Vec<&Call> = f.calls.iter().filter(|c| c.callee == "findById").collect();
        assert_eq!(finds[2].loops, vec![7]);
        let last_save = f.calls.iter().rfind(|c| c.callee == "save").unwrap();
        assert!(last_save.loops.is_empty());
        let counts: Vec<&Call> = f.calls.iter().filter(|c| c.callee == "count").collect();
        assert_eq!(counts[0].loops, vec![2]);
        assert_eq!(counts[1].loops, vec![5]);
        assert_eq!(counts[2].loops, vec![6]);
        assert_eq!(counts[3].loops, vec![8]);
    }

    #[test]
    fn nested_lambdas_and_callbacks() {
        let f = x(r#"
class A {
    void a(List<Long> ids) {
        for (Long id : ids) {
            executor.submit(() -> repo.deleteById(id));
            repo.findById(id).ifPresent(u -> repo.save(u));
            ids.forEach(repo::deleteById);
            new Thread(new Runnable() { public void run() { repo.count(); } }).start();
        }
        jdbcTemplate.query("SELECT id FROM t", (rs, n) -> repo.findById(rs.getLong(1)));
    }
}
"#);
        let deletes: Vec<&Call> = f
            .calls
            .iter()
            .filter(|c| c.callee == "deleteById")
            .collect();
        assert!(deletes[0].loops.is_empty(), "plain lambda: new context");
        assert_eq!(
            deletes[1].loops.len(),
            2,
            "method reference in forEach inside for"
        );
        assert_eq!(deletes[1].db, Some(DbCall::Execute));
        assert_eq!(f.loops[deletes[1].loops[1]].kind, "forEach callback");
        assert_eq!(
            call(&f, "save").loops,
            vec![0],
            "ifPresent runs in the loop"
        );
        let count = call(&f, "count");
        assert!(count.loops.is_empty());
        assert_eq!(f.functions[count.function.unwrap()].name, "run");
        assert_eq!(
            f.functions[count.function.unwrap()].class.as_deref(),
            Some("A")
        );
        // RowMapper lambda: a row loop fed by the query itself
        let finds: Vec<&Call> = f.calls.iter().filter(|c| c.callee == "findById").collect();
        let row_loop = &f.loops[*finds[1].loops.last().unwrap()];
        assert_eq!(row_loop.kind, "row callback");
        assert_eq!(f.calls[row_loop.source_call.unwrap()].callee, "query");
        assert_eq!(row_loop.variables, vec!["rs", "n"]);
    }

    #[test]
    fn functions_and_comments() {
        let f = x(r#"
// header
class A {
    A(int a) { }
    @Async
    public void run(String a, int... rest) { /* dbaudit:ignore n-plus-one */ }
    abstract void none();
    CompletableFuture<User> load() { return null; }
    static class B { void inner() {} }
}
"#);
        let names: Vec<(&str, usize, Option<&str>, bool)> = f
            .functions
            .iter()
            .map(|g| (g.name.as_str(), g.arity, g.class.as_deref(), g.is_async))
            .collect();
        assert_eq!(
            names,
            vec![
                ("A", 1, Some("A"), false),
                ("run", 2, Some("A"), true),
                ("load", 0, Some("A"), true),
                ("inner", 0, Some("B"), false)
            ]
        );
        assert_eq!(f.comments.len(), 2);
        assert_eq!(f.comments[0].line, 2);
        assert_eq!(f.comments[1].text, "/* dbaudit:ignore n-plus-one */");
        assert_eq!(f.comments[1].line, 6);
        let run = &f.functions[1];
        assert!(run.body.0 < run.body.1);
    }

    #[test]
    fn disposal_outcomes() {
        let f = x(r#"
class A {
    void twr() throws Exception {
        try (Connection c = dataSource.getConnection()) { c.createStatement(); }
    }
    void fin() throws Exception {
        Connection c = null;
        try { c = ds.getConnection(); work(c); } finally { if (c != null) c.close(); }
    }
    void normal() throws Exception {
        Connection c = DriverManager.getConnection(URL);
        c.createStatement().executeUpdate("DELETE FROM t");
        c.close();
    }
    Connection ret() throws Exception {
        Connection c = ds.getConnection();
        return c;
    }
    void field() throws Exception { this.conn = ds.getConnection(); }
    void passed() throws Exception { Connection c = ds.getConnection(); helper(c); }
    void never() throws Exception { Connection c = ds.getConnection(); c.prepareStatement("SELECT a FROM b"); }
    void chained() throws Exception { ds.getConnection().createStatement(); }
    void release() throws Exception {
        Connection c = DataSourceUtils.getConnection(ds);
        try { } finally { DataSourceUtils.releaseConnection(c, ds); }
    }
    void java9() throws Exception { Connection c = ds.getConnection(); try (c) { } }
    void ctor() throws Exception { Connection c = ds.getConnection(); new Wrapper(c); }
    void other(Executor ex) { ex.getConnection(); }
}
"#);
        let d: Vec<(Option<&str>, &Disposal)> = f
            .connections
            .iter()
            .map(|c| (c.variable.as_deref(), &c.disposal))
            .collect();
        assert_eq!(d.len(), 11, "{d:?}");
        assert!(matches!(d[0], (Some("c"), Disposal::Guaranteed(s)) if s == "try-with-resources"));
        assert!(matches!(d[1], (Some("c"), Disposal::Guaranteed(s)) if s.contains("finally")));
        assert!(matches!(d[2], (Some("c"), Disposal::NormalPathOnly(_))));
        assert!(matches!(d[3], (Some("c"), Disposal::Escapes(s)) if s == "returned"));
        assert!(matches!(d[4], (Some("conn"), Disposal::Escapes(s)) if s.contains("field")));
        assert!(matches!(d[5], (Some("c"), Disposal::Escapes(s)) if s.contains("helper")));
        assert!(matches!(d[6], (Some("c"), Disposal::Never)));
        assert!(matches!(d[7], (None, Disposal::Never)));
        assert!(matches!(d[8], (Some("c"), Disposal::Guaranteed(_))));
        assert_eq!(f.connections[8].api, "DataSourceUtils.getConnection");
        assert!(matches!(d[9], (Some("c"), Disposal::Guaranteed(_))));
        assert!(matches!(d[10], (Some("c"), Disposal::Escapes(s)) if s.contains("new Wrapper")));
        assert_eq!(f.connections[2].api, "DriverManager.getConnection");
        assert_eq!(f.connections[0].api, "DataSource.getConnection");
        assert_eq!(
            f.connections[0].start,
            Pos {
                line: 4,
                column: 29
            }
        );
    }

    #[test]
    fn per_call_connections() {
        let f = x(r#"
class A {
    private final HikariDataSource pool = new HikariDataSource(config);
    static { DataSource s = new BasicDataSource(); }
    @Bean
    public DataSource ds() { return new HikariDataSource(cfg); }
    public DataSource createReportingDataSource() { return new ComboPooledDataSource(); }
    public List<User> users() throws Exception {
        HikariDataSource ds = new HikariDataSource(cfg);
        try (Connection c = DriverManager.getConnection(URL, USER, PASS)) { }
        DataSource built = DataSourceBuilder.create().url(u).build();
        return null;
    }
    private DataSource lazy() { if (cached == null) { cached = new HikariDataSource(cfg); } return cached; }
    public static void main(String[] args) throws Exception { DriverManager.getConnection(URL); }
}
"#);
        let apis: Vec<(&str, &str)> = f
            .per_call_connections
            .iter()
            .map(|p| (f.functions[p.function].name.as_str(), p.api.as_str()))
            .collect();
        assert_eq!(
            apis,
            vec![
                ("users", "new HikariDataSource"),
                ("users", "DriverManager.getConnection"),
                ("users", "DataSourceBuilder.build")
            ]
        );
        // pools are connection sites too
        let field = &f.connections[0];
        assert_eq!(field.api, "new HikariDataSource");
        assert_eq!(field.function, None);
        assert!(matches!(&field.disposal, Disposal::Escapes(s) if s.contains("pool")));
        assert!(f.connections.iter().any(|c| c.api == "new HikariDataSource"
            && c.variable.as_deref() == Some("ds")
            && c.disposal == Disposal::Never));
    }

    #[test]
    fn strings_concat_format_and_positions() {
        let src = "class A {\n    void a(String name, long id) {\n        jdbc.query(\"SELECT * FROM users WHERE name = '\" + name + \"' AND id = \" + id, m);\n        String q = String.format(\"SELECT %s FROM orders WHERE id = %d%%\", cols, id);\n        String t = \"\"\"\n            SELECT a\n            FROM b\n            \"\"\";\n        String url = \"jdbc:postgresql://app:s3cret@db:5432/app\";\n        log.info(\"hello \" + name);\n    }\n}\n";
        let f = x(src);
        assert_eq!(
            f.strings.len(),
            4,
            "{:?}",
            f.strings.iter().map(|s| &s.text).collect::<Vec<_>>()
        );
        let s = &f.strings[0];
        assert_eq!(s.text, "SELECT * FROM users WHERE name = '?' AND id = ?");
        assert!(s.at_db_call);
        assert_eq!(call(&f, "query").sql_argument, Some(0));
        assert_eq!(
            s.start,
            Pos {
                line: 3,
                column: 20
            }
        );
        assert_eq!(
            s.segments[0],
            (
                0,
                Pos {
                    line: 3,
                    column: 21
                }
            )
        );
        // `AND` in the second literal maps back to its column
        let at = s.text.find("AND").unwrap();
        let line3 = src.lines().nth(2).unwrap();
        assert_eq!(
            s.position_of(at),
            Pos {
                line: 3,
                column: line3.find("AND").unwrap() as u32 + 1
            }
        );
        let fmt = &f.strings[1];
        assert_eq!(fmt.text, "SELECT ? FROM orders WHERE id = ?%");
        assert!(!fmt.at_db_call);
        let line4 = src.lines().nth(3).unwrap();
        let from = fmt.text.find("FROM").unwrap();
        assert_eq!(
            fmt.position_of(from),
            Pos {
                line: 4,
                column: line4.find("FROM").unwrap() as u32 + 1
            }
        );
        let tb = &f.strings[2];
        assert!(tb.text.contains("SELECT a"));
        let from = tb.text.find("FROM").unwrap();
        assert_eq!(
            tb.position_of(from),
            Pos {
                line: 7,
                column: 13
            }
        );
        assert_eq!(
            f.strings[3].text,
            "jdbc:postgresql://app:s3cret@db:5432/app"
        );
        assert!(!f.strings[3].at_db_call);
    }

    #[test]
    fn string_variables_linked_lazily() {
        let f = x(r#"
class A {
    void a(Connection conn) throws Exception {
        String sql = "{call sync_users(?)}";
        try (CallableStatement cs = conn.prepareCall(sql)) { cs.execute(); }
        String plain = "hello";
        String more = "SELECT a FROM b";
        jdbcTemplate.update(more);
    }
}
"#);
        assert_eq!(f.strings.len(), 2);
        let ex = call(&f, "execute");
        let s = &f.strings[ex.sql_argument.unwrap()];
        assert_eq!(s.text, "{call sync_users(?)}");
        assert!(s.at_db_call);
        assert_eq!(
            s.segments[0].1,
            Pos {
                line: 4,
                column: 23
            }
        );
        let up = call(&f, "update");
        assert_eq!(f.strings[up.sql_argument.unwrap()].text, "SELECT a FROM b");
    }

    #[test]
    fn annotation_sql_is_recorded() {
        let f = x(r#"
public interface UserRepository extends JpaRepository<User, Long> {
    @Query(value = "SELECT * FROM users WHERE email = ?1", nativeQuery = true)
    User byEmail(String email);
}
"#);
        assert_eq!(f.strings.len(), 1);
        assert_eq!(f.strings[0].function, None);
        assert!(f.functions.is_empty());
    }

    #[test]
    fn syntax_errors_keep_sound_parts() {
        let f = x(r#"
class A {
    void ok() { userRepository.findAll(); }
    void broken( { int = ; }
    void alsoOk(List<X> xs) { for (X a : xs) { em.persist(a); } }
}
"#);
        assert!(f.error_share > 0.0);
        assert!(!f.error_regions.is_empty());
        let dbs = db_calls(&f);
        assert!(dbs.contains(&("findAll", DbCall::Query)));
        assert!(dbs.contains(&("persist", DbCall::Execute)));
    }

    #[test]
    fn helpers_simple_jdbc_and_sync_callbacks() {
        let f = x(r#"
import java.sql.Connection;
class LegacyDao extends BaseDao {
    private final SimpleJdbcInsert insertOrder;
    private final TransactionTemplate transactionTemplate;
    List<Row> rows() throws Exception {
        Connection con = null;
        try {
            con = getConnection();
            PreparedStatement ps = con.prepareStatement("SELECT id FROM a");
            ResultSet rs = ps.executeQuery();
            while (rs.next()) {
                Statement inner = con.createStatement();
                inner.executeQuery("SELECT x FROM b WHERE a_id = " + rs.getLong(1));
            }
        } finally {
            freeConnection(con);
        }
        Connection other = DBConnection.getConnection();
        other.setAutoCommit(false);
        other.close();
        String name = helper.getConnection();
        @Cleanup Connection lombok = dataSource.getConnection();
        return null;
    }
    void save(List<Long> ids) {
        transactionTemplate.execute(status -> {
            for (Long id : ids) { insertOrder.execute(Map.of("id", id)); }
            return null;
        });
    }
}
"#);
        let conns: Vec<(&str, Option<&str>, &Disposal)> = f
            .connections
            .iter()
            .map(|c| (c.api.as_str(), c.variable.as_deref(), &c.disposal))
            .collect();
        assert_eq!(conns.len(), 3, "{conns:?}");
        assert!(
            matches!(conns[0], ("getConnection", Some("con"), Disposal::Guaranteed(d)) if d.contains("freeConnection"))
        );
        assert!(matches!(
            conns[1],
            (
                "DBConnection.getConnection",
                Some("other"),
                Disposal::NormalPathOnly(_)
            )
        ));
        assert!(
            matches!(conns[2], ("DataSource.getConnection", Some("lombok"), Disposal::Guaranteed(d)) if d == "@Cleanup")
        );
        assert!(f.per_call_connections.is_empty());
        let queries: Vec<&Call> = f
            .calls
            .iter()
            .filter(|c| c.callee == "executeQuery")
            .collect();
        assert!(queries[0].loops.is_empty());
        assert_eq!(queries[1].loops, vec![0]);
        assert_eq!(f.loops[0].source_var.as_deref(), Some("rs"));
        assert!(f.assignments.iter().any(|a| a.variable == "rs"
            && a.call
                == f.calls
                    .iter()
                    .position(|c| c.callee == "executeQuery")
                    .unwrap()));
        assert_eq!(
            f.strings[queries[1].sql_argument.unwrap()].text,
            "SELECT x FROM b WHERE a_id = ?"
        );
        let insert = f
            .calls
            .iter()
            .find(|c| c.callee == "execute" && c.receiver.as_deref() == Some("insertOrder"))
            .unwrap();
        assert_eq!(insert.db, Some(DbCall::Execute));
        assert_eq!(
            insert.loops.len(),
            1,
            "TransactionTemplate callback keeps the for loop"
        );
        let tx = f
            .calls
            .iter()
            .find(|c| c.receiver.as_deref() == Some("transactionTemplate"))
            .unwrap();
        assert_eq!(tx.db, None);
    }

    #[test]
    fn connection_type_needs_java_sql() {
        let xmpp = r#"
class Router {
    void route(Session session, Packet p) {
        Connection connection = session.getConnection();
        connection.deliver(p);
    }
}
"#;
        assert!(x(xmpp).connections.is_empty());
        let jdbc = format!("import java.sql.*;\n{xmpp}");
        let f = x(&jdbc);
        assert_eq!(f.connections.len(), 1);
        assert!(matches!(
            &f.connections[0].disposal,
            Disposal::Borrowed(helper) if helper == "session.getConnection()"
        ));
    }

    #[test]
    fn helper_connections_are_borrowed_and_pools_are_not() {
        let f = x(r#"
import java.sql.Connection;
import javax.sql.DataSource;
class Dao {
    private DataSource dataSource;
    void a() throws Exception {
        Connection c = ContextHolder.getConnection();
        c.prepareStatement("DELETE FROM t").executeUpdate();
    }
    void b() throws Exception {
        Connection c = dataSource.getConnection();
        c.prepareStatement("DELETE FROM t").executeUpdate();
    }
    void c() throws Exception {
        Connection c = Pool.getConnection();
        if (c != null) {
            Pool.releaseConnection(c);
        }
    }
}
"#);
        let disposals: Vec<&Disposal> = f.connections.iter().map(|c| &c.disposal).collect();
        assert_eq!(disposals.len(), 3, "{disposals:?}");
        assert!(
            matches!(disposals[0], Disposal::Borrowed(h) if h == "ContextHolder.getConnection()")
        );
        assert_eq!(disposals[1], &Disposal::Never);
        assert!(
            matches!(disposals[2], Disposal::Guaranteed(d) if d.contains("right after it is opened"))
        );
    }

    #[test]
    fn receivers_typed_from_declarations() {
        let f = x(r#"
class MailService extends BaseService implements Notifier, Audited<Mail> {
    private MailDao mailDao;
    void send(List<Mail> outbox, T item) {
        List<Mail> sent = new ArrayList<>();
        for (Mail m : outbox) {
            sent.add(m);
            (m.isDraft() ? sent : outbox).add(m);
            mailDao.add(m);
            item.add(m);
            MailCache.add(m);
            unknown.add(m);
        }
    }
}
interface MailDao extends Dao<Mail> {}
"#);
        let types: Vec<&ReceiverType> = f
            .calls
            .iter()
            .filter(|c| c.callee == "add")
            .map(|c| &c.receiver_type)
            .collect();
        assert_eq!(
            types,
            vec![
                &ReceiverType::Library,
                &ReceiverType::Library,
                &ReceiverType::Class("MailDao".into()),
                &ReceiverType::Untyped,
                &ReceiverType::Class("MailCache".into()),
                &ReceiverType::Untyped,
            ]
        );
        let classes: Vec<(&str, Vec<&str>)> = f
            .classes
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.bases.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            classes,
            vec![
                ("MailService", vec!["BaseService", "Notifier", "Audited"]),
                ("MailDao", vec!["Dao"]),
            ]
        );
    }

    #[test]
    fn static_calls_on_a_class_are_not_spring_data() {
        let f = x(r#"
class Moderation {
    private TopicRepository topicRepository;
    void approve(long id) {
        ForumRepository.getForum(id);
        topicRepository.findById(id);
    }
}
"#);
        assert_eq!(db_calls(&f), vec![("findById", DbCall::Query)]);
    }

    #[test]
    fn garbage_does_not_panic() {
        let inputs = [
            String::new(),
            "\u{0}\u{1}\u{fffd}ÿþ class { \" \"\"\" ( ) -> :: ".to_string(),
            "class A { void a() { x(\"".to_string(),
            "class A { String s = \"\"\"".to_string(),
            format!("class A {{ void a() {{ int x = {}1{}; }} }}", "(".repeat(5000), ")".repeat(5000)),
            format!("class A {{ void a() {{ s{}; }} }}", ".append(\"SELECT a FROM b\")".repeat(3000)),
            format!("class A {{ String s = {}\"x\"; }}", "\"a\" + ".repeat(5000)),
            format!("class A {{ void a() {{ {} }} }}", "for (X x : xs) { ".repeat(800)),
            "class A { void a() { String.format(\"%\"); String.format(\"%1$\"); \"%tY\".formatted(x); MessageFormat.format(\"{0\"); } }".to_string(),
            "é".repeat(100) + "class Ä { void ö() { jdbc.query(\"SELECT ü FROM ß\" + x); } }",
        ];
        for input in &inputs {
            let handle = {
                let input = input.clone();
                std::thread::Builder::new()
                    .stack_size(2 * 1024 * 1024)
                    .spawn(move || extract("G.java", &input))
                    .unwrap()
            };
            let f = handle.join().expect("no panic");
            assert!(f.error_share >= 0.0);
        }
    }
}
