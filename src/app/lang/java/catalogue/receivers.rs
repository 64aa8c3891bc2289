//! What a receiver is: its kind by declared type, name or origin call; the JDK's library types.

/// What a receiver is, as far as the catalogue is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::app::lang::java) enum Kind {
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
pub(in crate::app::lang::java) const TYPE_KINDS: &[(&str, Kind)] = &[
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
pub(in crate::app::lang::java) const REPOSITORY_TYPE_SUFFIXES: &[&str] =
    &["Repository", "Repo", "RepositoryImpl"];

/// How an undeclared receiver name (lower-cased) suggests a kind.
pub(in crate::app::lang::java) enum NameHint {
    Exact(&'static str),
    Suffix(&'static str),
    Contains(&'static str),
    /// The name (original case) starts with this and the next character is upper-case or a
    /// digit: `psInsert`, `ps2`, `stmtUpdate`.
    CamelPrefix(&'static str),
}

/// Receiver names for undeclared receivers (inherited fields, untyped lambda parameters).
pub(in crate::app::lang::java) const NAME_KINDS: &[(NameHint, Kind)] = &[
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
pub(in crate::app::lang::java) enum Recv {
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
pub(in crate::app::lang::java) const ORIGINS: &[(Recv, &str, Kind)] = &[
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

/// Types of the JDK (collections, text, streams, boxes, time): a receiver declared with one
/// never means a method of the repository, even one of the same name and arity
/// (`List<Mail> list; list.add(m)` is not `PlayQueueService.add`).
pub(in crate::app::lang::java) const LIBRARY_TYPES: &[&str] = &[
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
