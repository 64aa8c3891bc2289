//! The JavaScript / TypeScript catalogue, as data: which calls reach the database (SQL
//! drivers, mssql / tedious requests, pg-promise, Prisma, Sequelize-style models, TypeORM,
//! knex, tagged SQL templates), which receivers and modules are not SQL, the iteration
//! callbacks and helpers, connection creations, checkouts and releases, and the handle types.
//! The recognisers (`super`) only read these tables.

use crate::app::ir::DbCall;

/// SQL drivers' statement methods (`pg` `pool.query` / `client.query`, `mysql2`
/// `connection.query` / `pool.execute`, `sequelize.query`, TypeORM `dataSource.query` /
/// `queryRunner.query`, drizzle `db.execute`). A call is one only when the receiver is a
/// database handle (see `DRIVER_RECEIVER_WORDS`) and the first argument can be SQL (a string,
/// template, concatenation, variable, call, or a `{ text }` / `{ sql }` query config; never an
/// object without those keys, which is Apollo's `client.query({ query })` or DynamoDB's
/// `docClient.query(params)`). The kind is refined from the SQL text when it is literal.
pub(super) const DRIVER_METHODS: &[(&str, DbCall)] =
    &[("query", DbCall::Query), ("execute", DbCall::Query)];

/// Words of the receiver's last name (`pool` in `this.pool.query`, `getPool` in
/// `getPool().query`; camelCase / snake_case split, lowercased) that make it a database
/// handle. Names assigned from a driver constructor / factory, or typed as a driver type, are
/// handles whatever their name (see `HANDLE_TYPES` and `Extractor::handle_of_value`).
pub(super) const DRIVER_RECEIVER_WORDS: &[&str] = &[
    "pool",
    "client",
    "db",
    "database",
    "pg",
    "postgres",
    "conn",
    "con",
    "connection",
    "tx",
    "trx",
    "transaction",
    "sql",
    "mysql",
    "mssql",
    "knex",
    "sequelize",
];
/// Whole lowercased receiver names (or suffixes) that are handles.
pub(super) const DRIVER_RECEIVER_SUFFIXES: &[&str] =
    &["datasource", "queryrunner", "entitymanager"];

/// Receiver words that rule a handle out even when a hint word is present
/// (`apolloClient`, `httpClient`, `redisClient`, `docClient`, `esClient`...).
pub(super) const NOT_SQL_RECEIVER_WORDS: &[&str] = &[
    "apollo",
    "graphql",
    "gql",
    "urql",
    "relay",
    "http",
    "https",
    "api",
    "rest",
    "rpc",
    "grpc",
    "trpc",
    "redis",
    "elastic",
    "elasticsearch",
    "es",
    "search",
    "mongo",
    "mongodb",
    "dynamo",
    "dynamodb",
    "doc",
    "document",
    "s3",
    "cache",
    "firestore",
    "firebase",
    "supabase",
    "ws",
    "socket",
    "auth",
    "oauth",
    "stripe",
    "slack",
    "github",
    "influx",
    "algolia",
    "cosmos",
    "kafka",
    "amqp",
    "mqtt",
    "ldap",
    "soap",
    "sanity",
    "contentful",
    "aws",
    "sqs",
    "sns",
    "axios",
];

/// Modules of non-SQL clients with a `query` / `execute` method (GraphQL clients, DynamoDB,
/// Elasticsearch...): in a file importing one of them and no SQL module (`SQL_MODULES`), a
/// driver call needs a receiver assigned from / typed as a driver handle; its name is not enough.
pub(super) const NOT_SQL_MODULES: &[&str] = &[
    "@apollo/client",
    "apollo-client",
    "apollo-boost",
    "urql",
    "@urql/core",
    "graphql-request",
    "graphql-tag",
    "relay-runtime",
    "react-relay",
    "@elastic/elasticsearch",
    "aws-sdk",
    "@aws-sdk/lib-dynamodb",
    "@aws-sdk/client-dynamodb",
    "mongodb",
    "firebase",
    "firebase-admin",
    "@google-cloud/firestore",
    "@supabase/supabase-js",
    "ioredis",
    "redis",
    "cassandra-driver",
];
pub(super) const SQL_MODULES: &[&str] = &[
    "pg",
    "pg-pool",
    "pg-promise",
    "postgres",
    "@vercel/postgres",
    "@neondatabase/serverless",
    "mysql",
    "mysql2",
    "mysql2/promise",
    "mariadb",
    "promise-mysql",
    "mssql",
    "tedious",
    "knex",
    "sequelize",
    "sequelize-typescript",
    "typeorm",
    "@prisma/client",
    "drizzle-orm",
    "kysely",
    "better-sqlite3",
    "sqlite3",
    "sqlite",
    "oracledb",
    "slonik",
];

/// Tagged templates that are not SQL: a `db.query(gql`...`)` is not a database call.
pub(super) const NOT_SQL_TAGS: &[&str] = &[
    "gql", "graphql", "aql", "cypher", "css", "html", "md", "styled",
];

/// `mssql` requests: `request.query(...)` / `request.execute(proc)` / `request.batch(...)` where
/// the receiver was assigned from `pool.request()` / `new sql.Request(...)`, is a
/// `pool.request()....query(...)` chain (a member call `request()`, so supertest's
/// `request(app).get(...).query(...)` is not one), or is named `request` / `req...` in a file
/// importing `mssql`.
pub(super) const MSSQL_REQUEST_METHODS: &[(&str, DbCall)] = &[
    ("query", DbCall::Query),
    ("execute", DbCall::Query),
    ("batch", DbCall::Query),
    ("bulk", DbCall::Execute),
];

/// `tedious`: `connection.execSql(request)` and friends, on a handle receiver, in a file
/// importing `tedious`.
pub(super) const TEDIOUS_METHODS: &[(&str, DbCall)] = &[
    ("execSql", DbCall::Query),
    ("execSqlBatch", DbCall::Query),
    ("callProcedure", DbCall::Query),
];

/// `pg-promise`: `db.any(...)`, `t.none(...)`..., on a handle receiver (or `t` / `task`), in a
/// file importing `pg-promise`.
pub(super) const PG_PROMISE_METHODS: &[(&str, DbCall)] = &[
    ("any", DbCall::Query),
    ("many", DbCall::Query),
    ("manyOrNone", DbCall::Query),
    ("one", DbCall::Query),
    ("oneOrNone", DbCall::Query),
    ("none", DbCall::Execute),
    ("result", DbCall::Query),
    ("multi", DbCall::Query),
    ("multiResult", DbCall::Query),
    ("func", DbCall::Query),
    ("proc", DbCall::Query),
];
pub(super) const PG_PROMISE_EXTRA_RECEIVERS: &[&str] = &["t", "task"];

/// Prisma model delegates: `prisma.<model>.<method>(...)` where the name before the model is
/// a Prisma client (`prisma`, `this.prisma`, `prismaService`, `db`, `tx`, `ctx.prisma`, or a
/// name assigned from `new PrismaClient()` / typed `PrismaClient`) and the model name starts
/// lowercase (Prisma's delegates do; `db.User.create` is Sequelize).
pub(super) const PRISMA_MODEL_METHODS: &[(&str, DbCall)] = &[
    ("findMany", DbCall::Query),
    ("findUnique", DbCall::Query),
    ("findFirst", DbCall::Query),
    ("findUniqueOrThrow", DbCall::Query),
    ("findFirstOrThrow", DbCall::Query),
    ("count", DbCall::Query),
    ("aggregate", DbCall::Query),
    ("groupBy", DbCall::Query),
    ("create", DbCall::Execute),
    ("createMany", DbCall::Execute),
    ("createManyAndReturn", DbCall::Execute),
    ("update", DbCall::Execute),
    ("updateMany", DbCall::Execute),
    ("updateManyAndReturn", DbCall::Execute),
    ("upsert", DbCall::Execute),
    ("delete", DbCall::Execute),
    ("deleteMany", DbCall::Execute),
];
/// Prisma raw SQL on the client itself: `prisma.$queryRaw`...``, `prisma.$executeRawUnsafe(sql)`.
pub(super) const PRISMA_RAW_METHODS: &[(&str, DbCall)] = &[
    ("$queryRaw", DbCall::Query),
    ("$queryRawUnsafe", DbCall::Query),
    ("$executeRaw", DbCall::Execute),
    ("$executeRawUnsafe", DbCall::Execute),
];
/// Properties of a Prisma module object that hold the client itself: `const { client } =
/// prisma;` and `prisma.client.<model>.<method>(...)` (a module exporting the client beside
/// its helpers).
pub(super) const PRISMA_CLIENT_PROPERTIES: &[&str] = &["client"];
/// Names (exact, lowercased) that are a Prisma client besides those containing `prisma`.
pub(super) const PRISMA_CLIENT_NAMES: &[&str] = &["db", "tx", "database"];

/// Sequelize (and other active-record ORMs') model statics: `User.findAll(...)`. The receiver
/// must be a model: a capitalised identifier that is not a JavaScript / framework global
/// (`BUILTIN_GLOBALS`), or `models.User` / `db.User` / `this.User` / `this.userModel`. The
/// bool marks names distinctive enough to accept on any capitalised receiver; the others
/// (`create`, `update`, `count`...) also need evidence that the identifier is a model: defined
/// in the file (`sequelize.define`, `class X extends Model`, `const { User } = db.models`), or
/// imported from a path naming models / entities / schemas / db, or imported in a file that
/// imports an ORM (`ORM_MODULES`). Never with a function literal first argument (`xs.find(fn)`).
pub(super) const MODEL_METHODS: &[(&str, DbCall, bool)] = &[
    ("findAll", DbCall::Query, true),
    ("findOne", DbCall::Query, true),
    ("findByPk", DbCall::Query, true),
    ("findAndCountAll", DbCall::Query, true),
    ("bulkCreate", DbCall::Execute, true),
    ("findOrCreate", DbCall::Execute, true),
    ("findCreateFind", DbCall::Execute, true),
    ("count", DbCall::Query, false),
    ("max", DbCall::Query, false),
    ("min", DbCall::Query, false),
    ("sum", DbCall::Query, false),
    ("create", DbCall::Execute, false),
    ("update", DbCall::Execute, false),
    ("destroy", DbCall::Execute, false),
    ("upsert", DbCall::Execute, false),
    ("increment", DbCall::Execute, false),
    ("decrement", DbCall::Execute, false),
    ("truncate", DbCall::Execute, false),
    ("restore", DbCall::Execute, false),
    // TypeORM BaseEntity / Mongoose statics, same evidence as the non-distinctive ones.
    ("find", DbCall::Query, false),
    ("findBy", DbCall::Query, false),
    ("findOneBy", DbCall::Query, false),
    ("findById", DbCall::Query, false),
];
/// Containers whose capitalised members are models: `models.User`, `db.User`.
pub(super) const MODEL_CONTAINERS: &[&str] = &["models", "model", "db", "database", "sequelize"];
/// Modules whose import makes a capitalised receiver with a model method a model.
pub(super) const ORM_MODULES: &[&str] = &[
    "sequelize",
    "sequelize-typescript",
    "typeorm",
    "mongoose",
    "objection",
    "bookshelf",
    "waterline",
    "@mikro-orm/core",
];
/// Import paths (substrings, lowercased) that hold models.
pub(super) const MODEL_PATH_HINTS: &[&str] = &["model", "entit", "schema", "/db", "database"];
/// Capitalised globals and framework namespaces that are never models.
pub(super) const BUILTIN_GLOBALS: &[&str] = &[
    "Object",
    "Array",
    "Math",
    "JSON",
    "Promise",
    "Date",
    "Number",
    "String",
    "Boolean",
    "Reflect",
    "Proxy",
    "Symbol",
    "Intl",
    "Buffer",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "Error",
    "RegExp",
    "BigInt",
    "Atomics",
    "URL",
    "URLSearchParams",
    "React",
    "ReactDOM",
    "Vue",
    "Ember",
    "Backbone",
    "Immutable",
    "Observable",
    "Rx",
    "Vuex",
    "Redux",
    "Sentry",
    "Stripe",
    "Logger",
    "Console",
    "Crypto",
    "Axios",
    "Joi",
    "Yup",
    "Ajv",
    "Moment",
    "DateTime",
    "Duration",
    "Chart",
    "Highcharts",
    "THREE",
    "Phaser",
    "Cypress",
    "Sinon",
    "Electron",
    "StyleSheet",
    "Animated",
    "Dimensions",
    "Platform",
    "Linking",
    "Alert",
    "AsyncStorage",
    "Notification",
    "Storage",
    "Cache",
    "Store",
    "Vitest",
    "Jest",
    "Sequelize",
    "Prisma",
    "DataTypes",
    "Op",
    "Schema",
];

/// TypeORM repositories: `userRepository.find(...)`, `getRepository(User).findOneBy(...)`,
/// `dataSource.getRepository(User).save(...)`, `this.usersRepo.delete(...)`: the receiver's last
/// name has a `repo` / `repository` word, ends with a repository factory call
/// (`TYPEORM_REPOSITORY_FACTORIES`), or was typed `Repository<T>` / assigned from one.
/// Managers (`manager`, `entityManager`, `em`, typed `EntityManager`) take the same methods.
pub(super) const TYPEORM_REPOSITORY_METHODS: &[(&str, DbCall)] = &[
    ("find", DbCall::Query),
    ("findOne", DbCall::Query),
    ("findOneBy", DbCall::Query),
    ("findBy", DbCall::Query),
    ("findAndCount", DbCall::Query),
    ("findAndCountBy", DbCall::Query),
    ("findOneOrFail", DbCall::Query),
    ("findOneByOrFail", DbCall::Query),
    ("findByIds", DbCall::Query),
    ("count", DbCall::Query),
    ("countBy", DbCall::Query),
    ("exist", DbCall::Query),
    ("exists", DbCall::Query),
    ("existsBy", DbCall::Query),
    ("sum", DbCall::Query),
    ("average", DbCall::Query),
    ("minimum", DbCall::Query),
    ("maximum", DbCall::Query),
    ("query", DbCall::Query),
    ("save", DbCall::Execute),
    ("insert", DbCall::Execute),
    ("update", DbCall::Execute),
    ("upsert", DbCall::Execute),
    ("delete", DbCall::Execute),
    ("remove", DbCall::Execute),
    ("softDelete", DbCall::Execute),
    ("softRemove", DbCall::Execute),
    ("restore", DbCall::Execute),
    ("increment", DbCall::Execute),
    ("decrement", DbCall::Execute),
    ("clear", DbCall::Execute),
];
pub(super) const TYPEORM_REPOSITORY_WORDS: &[&str] = &["repo", "repository"];
pub(super) const TYPEORM_REPOSITORY_FACTORIES: &[&str] = &[
    "getRepository",
    "getCustomRepository",
    "getTreeRepository",
    "getMongoRepository",
    "withRepository",
];
/// Manager receivers (exact, lowercased; also any name ending in `entitymanager`).
pub(super) const TYPEORM_MANAGER_NAMES: &[&str] = &["manager", "entitymanager", "em"];
/// TypeORM query builder terminals: `...createQueryBuilder('u')....getMany()`. Writes when the
/// chain holds `TYPEORM_QB_WRITES`.
pub(super) const TYPEORM_QB_TERMINALS: &[&str] = &[
    "getMany",
    "getOne",
    "getOneOrFail",
    "getRawMany",
    "getRawOne",
    "getManyAndCount",
    "getCount",
    "getExists",
    "execute",
    "stream",
];
pub(super) const TYPEORM_QB_WRITES: &[&str] =
    &["insert", "update", "delete", "softDelete", "restore"];

/// knex / drizzle query builders: a chain rooted in `knex('users')` / `db('users')` /
/// `trx('users')` (or a name assigned from `knex(config)` / `drizzle(...)`), or in
/// `knex.select(...)` / `knex.from(...)` / `knex.raw(...)`... (`KNEX_ROOT_METHODS`), is a
/// statement only when materialised: its outermost call is awaited, or ends with a
/// materialising method (`KNEX_MATERIALISERS`) and is not the argument of another call (a
/// subquery). Only that outermost call is marked. Writes when the chain holds `KNEX_WRITES`.
pub(super) const KNEX_ROOT_NAMES: &[&str] = &["knex", "db", "trx"];
pub(super) const KNEX_ROOT_METHODS: &[&str] = &[
    "select",
    "from",
    "raw",
    "table",
    "with",
    "withSchema",
    "insert",
    "update",
    "delete",
    "del",
    "selectDistinct",
];
/// Root methods accepted on `knex` / `trx` / knex handles only, not on a plain `db` (Dexie's
/// `db.table('friends')`, a wrapper's `db.with(...)`).
pub(super) const KNEX_ONLY_ROOT_METHODS: &[&str] = &["table", "with", "withSchema", "del"];
pub(super) const KNEX_MATERIALISERS: &[&str] = &[
    "first", "then", "select", "pluck", "count", "insert", "update", "del", "delete",
];
pub(super) const KNEX_WRITES: &[&str] = &[
    "insert",
    "update",
    "del",
    "delete",
    "truncate",
    "increment",
    "decrement",
    "upsert",
    "merge",
];

/// `postgres` (postgres.js) and `@vercel/postgres`: the tag runs the statement,
/// `sql`SELECT ...``, and `sql.unsafe(text)`. Only for a tag imported from / created by these.
pub(super) const SQL_TAG_MODULES: &[&str] = &["postgres", "@vercel/postgres"];

/// Loop callbacks: `xs.forEach(cb)`, `xs.map(cb)`, ...: (method, index of the parameter holding
/// the element). The callback must be the first argument and a function literal.
/// `Promise.all(xs.map(cb))` / `Promise.allSettled(...)` make the kind `Promise.all(map) callback`
/// Promise methods whose first callback receives the promise's resolved value: a loop in
/// `getPosts().then((res) => res.rows.forEach(...))` walks `getPosts()`'s rows.
pub(super) const RESOLVED_VALUE_CALLBACKS: &[&str] = &["then"];
/// (concurrent, still one round trip per element).
pub(super) const LOOP_CALLBACK_METHODS: &[(&str, usize)] = &[
    ("forEach", 0),
    ("map", 0),
    ("flatMap", 0),
    ("reduce", 1),
    ("reduceRight", 1),
];
pub(super) const PROMISE_COMBINATORS: &[&str] = &["all", "allSettled"];
/// Static iteration helpers: `Promise.map(xs, cb)` (bluebird), `async.eachSeries(xs, cb)`,
/// `_.forEach(xs, cb)`: the source is the first argument, the callback a later function literal.
pub(super) const ITERATION_HELPERS: &[(&str, &[&str])] = &[
    ("Promise", &["map", "mapSeries", "each"]),
    ("Bluebird", &["map", "mapSeries", "each"]),
    (
        "async",
        &[
            "each",
            "eachSeries",
            "eachLimit",
            "eachOf",
            "eachOfSeries",
            "forEach",
            "forEachSeries",
            "map",
            "mapSeries",
            "mapLimit",
        ],
    ),
    ("_", &["forEach", "each", "map", "flatMap"]),
    ("lodash", &["forEach", "each", "map", "flatMap"]),
];

/// Database drivers, the modules that provide them, and the qualifier names
/// (`new pg.Client`, `new sql.ConnectionPool`, `mysql.createPool`) that identify them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Driver {
    Pg,
    Mssql,
    Tedious,
    Mysql,
}
pub(super) const DRIVER_MODULES: &[(Driver, &[&str], &[&str])] = &[
    (
        Driver::Pg,
        &[
            "pg",
            "pg-pool",
            "@neondatabase/serverless",
            "@vercel/postgres",
        ],
        &["pg"],
    ),
    (
        Driver::Mssql,
        &["mssql", "mssql/msnodesqlv8"],
        &["sql", "mssql"],
    ),
    (Driver::Tedious, &["tedious"], &["tedious"]),
    (
        Driver::Mysql,
        &[
            "mysql",
            "mysql2",
            "mysql2/promise",
            "mariadb",
            "promise-mysql",
        ],
        &["mysql", "mysql2", "mariadb"],
    ),
];

/// Connection and pool creations: (constructor or factory, `new`?, driver, ConnectionSite api,
/// PerCallConnection api). A creation counts when the name is qualified by the driver
/// (`new pg.Client`, `new sql.ConnectionPool`, `mysql.createConnection`) or the file imports the
/// driver. ConnectionSites are connections that must be closed; PerCallConnections are pools or
/// physical connections created inside a function (not at module level) whose result does not
/// escape it (not returned, stored in `this.x` / a module-level variable, exported or passed on:
/// that is a lazily created shared pool). `sql.connect(config)` of node-mssql reuses a global
/// pool and is neither.
pub(super) type Creation = (
    &'static str,
    bool,
    Driver,
    Option<&'static str>,
    Option<&'static str>,
);
/// Creations that hold no connection until their `.connect()` (pg's `new Client(config)`):
/// one whose variable is never connected nor queried is never opened, nothing to release.
pub(super) const OPENED_BY_CONNECT: &[&str] = &["new Client (pg)"];
pub(super) const CONNECTION_CREATIONS: &[Creation] = &[
    ("Client", true, Driver::Pg, Some("new Client (pg)"), None),
    ("Pool", true, Driver::Pg, None, Some("new Pool (pg)")),
    (
        "ConnectionPool",
        true,
        Driver::Mssql,
        Some("new sql.ConnectionPool (mssql)"),
        Some("new sql.ConnectionPool (mssql)"),
    ),
    (
        "Connection",
        true,
        Driver::Tedious,
        Some("new Connection (tedious)"),
        Some("new Connection (tedious)"),
    ),
    (
        "createConnection",
        false,
        Driver::Mysql,
        Some("mysql.createConnection"),
        None,
    ),
    (
        "createPool",
        false,
        Driver::Mysql,
        None,
        Some("mysql.createPool"),
    ),
];
/// Pool checkouts that must be released: `await pool.connect()` (pg; the receiver is a pool
/// handle or pool-named, in a file not using mssql / mysql, whose pools `connect()` themselves),
/// `await pool.getConnection()` (mysql2 / mariadb).
pub(super) const CHECKOUTS: &[(&str, &str)] = &[
    ("connect", "pool.connect()"),
    ("getConnection", "pool.getConnection()"),
];
/// Calls on the connection variable that release it.
pub(super) const CLOSE_METHODS: &[&str] = &[
    "release",
    "end",
    "close",
    "destroy",
    "disconnect",
    "$disconnect",
];
/// Calls that release the connection passed as argument: `pool.releaseConnection(conn)`.
pub(super) const RELEASE_BY_ARGUMENT: &[&str] = &["releaseConnection"];

/// What a name was assigned from or typed as: a database handle of some family.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Handle {
    PgPool,
    PgClient,
    MssqlPool,
    MssqlRequest,
    MysqlPool,
    MysqlConn,
    Tedious,
    Knex,
    Prisma,
    Sequelize,
    DataSource,
    Repository,
    Manager,
    SqlTag,
}
/// TypeScript types that make a variable / parameter / field a handle (`Pool`, `Client` and
/// `Connection` only with the driver imported).
pub(super) const HANDLE_TYPES: &[(&str, Handle)] = &[
    ("PoolClient", Handle::PgClient),
    ("ClientBase", Handle::PgClient),
    ("PoolConnection", Handle::MysqlConn),
    ("ConnectionPool", Handle::MssqlPool),
    ("Repository", Handle::Repository),
    ("TreeRepository", Handle::Repository),
    ("MongoRepository", Handle::Repository),
    ("EntityManager", Handle::Manager),
    ("DataSource", Handle::DataSource),
    ("PrismaClient", Handle::Prisma),
    ("PrismaService", Handle::Prisma),
    ("Knex", Handle::Knex),
    ("Sequelize", Handle::Sequelize),
];
