//! The C# catalogue, as data: which calls reach the database (ADO.NET, Dapper, Entity
//! Framework), which types are connections and which only use one, which methods run a
//! lambda per element, which types are the base library's (a receiver of such a type never
//! means the repository's code), and how a connection is opened and closed.

use crate::app::ir::DbCall;

/// ADO.NET command methods: distinctive enough to match on any receiver.
pub const ADO_NET: &[(&str, DbCall)] = &[
    ("ExecuteReader", DbCall::Query),
    ("ExecuteReaderAsync", DbCall::Query),
    ("ExecuteScalar", DbCall::Query),
    ("ExecuteScalarAsync", DbCall::Query),
    ("ExecuteXmlReader", DbCall::Query),
    ("ExecuteXmlReaderAsync", DbCall::Query),
    ("ExecuteNonQuery", DbCall::Execute),
    ("ExecuteNonQueryAsync", DbCall::Execute),
];

/// Dapper extension methods on a connection (the receiver must look like one).
pub const DAPPER: &[(&str, DbCall)] = &[
    ("Query", DbCall::Query),
    ("QueryAsync", DbCall::Query),
    ("QueryFirst", DbCall::Query),
    ("QueryFirstAsync", DbCall::Query),
    ("QueryFirstOrDefault", DbCall::Query),
    ("QueryFirstOrDefaultAsync", DbCall::Query),
    ("QuerySingle", DbCall::Query),
    ("QuerySingleAsync", DbCall::Query),
    ("QuerySingleOrDefault", DbCall::Query),
    ("QuerySingleOrDefaultAsync", DbCall::Query),
    ("QueryMultiple", DbCall::Query),
    ("QueryMultipleAsync", DbCall::Query),
    ("Execute", DbCall::Execute),
    ("ExecuteAsync", DbCall::Execute),
];

/// Entity Framework materialisers: a database call only on a chain rooted at a context.
pub const EF_MATERIALISERS: &[(&str, DbCall)] = &[
    ("ToList", DbCall::Query),
    ("ToListAsync", DbCall::Query),
    ("ToArray", DbCall::Query),
    ("ToArrayAsync", DbCall::Query),
    ("ToDictionary", DbCall::Query),
    ("ToDictionaryAsync", DbCall::Query),
    ("First", DbCall::Query),
    ("FirstAsync", DbCall::Query),
    ("FirstOrDefault", DbCall::Query),
    ("FirstOrDefaultAsync", DbCall::Query),
    ("Single", DbCall::Query),
    ("SingleAsync", DbCall::Query),
    ("SingleOrDefault", DbCall::Query),
    ("SingleOrDefaultAsync", DbCall::Query),
    ("Last", DbCall::Query),
    ("LastOrDefault", DbCall::Query),
    ("Find", DbCall::Query),
    ("FindAsync", DbCall::Query),
    ("Count", DbCall::Query),
    ("CountAsync", DbCall::Query),
    ("LongCount", DbCall::Query),
    ("LongCountAsync", DbCall::Query),
    ("Any", DbCall::Query),
    ("AnyAsync", DbCall::Query),
    ("All", DbCall::Query),
    ("AllAsync", DbCall::Query),
    ("Sum", DbCall::Query),
    ("SumAsync", DbCall::Query),
    ("Max", DbCall::Query),
    ("MaxAsync", DbCall::Query),
    ("Min", DbCall::Query),
    ("MinAsync", DbCall::Query),
    ("Average", DbCall::Query),
    ("AverageAsync", DbCall::Query),
    ("Load", DbCall::Query),
    ("LoadAsync", DbCall::Query),
    ("ExecuteUpdate", DbCall::Execute),
    ("ExecuteUpdateAsync", DbCall::Execute),
    ("ExecuteDelete", DbCall::Execute),
    ("ExecuteDeleteAsync", DbCall::Execute),
    ("SaveChanges", DbCall::Execute),
    ("SaveChangesAsync", DbCall::Execute),
    ("ExecuteSqlRaw", DbCall::Execute),
    ("ExecuteSqlRawAsync", DbCall::Execute),
    ("ExecuteSqlInterpolated", DbCall::Execute),
    ("ExecuteSqlInterpolatedAsync", DbCall::Execute),
];

/// `using` directives of Entity Framework Core: in a file holding one, its async
/// materialisers (`EF_CORE_ASYNC`) are database calls on any receiver, also on a `DbSet`
/// that a call or delegate hands back (`GetDbSet(dbContext).FindAsync(id)`), which
/// `classify` cannot trace to a context.
pub const EF_CORE_IMPORTS: &[&str] = &["using Microsoft.EntityFrameworkCore"];

/// EF Core's async materialisers (`EntityFrameworkQueryableExtensions`, `DbSet.FindAsync`):
/// System.Linq has no async operators, so in a file importing EF Core these run the query.
pub const EF_CORE_ASYNC: &[&str] = &[
    "ToListAsync",
    "ToArrayAsync",
    "ToDictionaryAsync",
    "FirstAsync",
    "FirstOrDefaultAsync",
    "SingleAsync",
    "SingleOrDefaultAsync",
    "LastAsync",
    "LastOrDefaultAsync",
    "FindAsync",
    "CountAsync",
    "LongCountAsync",
    "AnyAsync",
    "AllAsync",
    "SumAsync",
    "MaxAsync",
    "MinAsync",
    "AverageAsync",
    "ContainsAsync",
    "LoadAsync",
    "ExecuteUpdateAsync",
    "ExecuteDeleteAsync",
];

/// Connection types whose creation must be disposed.
pub const CONNECTION_TYPES: &[&str] = &[
    "SqlConnection",
    "NpgsqlConnection",
    "MySqlConnection",
    "OracleConnection",
    "SqliteConnection",
    "SQLiteConnection",
    "OdbcConnection",
    "OleDbConnection",
];

/// Constructors that use a connection without owning it.
pub const NON_OWNING: &[&str] = &[
    "Command",
    "DataAdapter",
    "CommandBuilder",
    "BulkCopy",
    "Transaction",
];

/// Receivers that look like a connection (for Dapper).
pub fn looks_like_connection(name: &str) -> bool {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    lower.contains("conn")
        || lower == "db"
        || lower == "cn"
        || lower == "sql"
        || lower.ends_with("connection")
        || lower == "database"
}

/// Roots that look like an EF DbContext.
pub fn looks_like_context(name: &str) -> bool {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    lower.contains("context")
        || lower == "ctx"
        || lower == "db"
        || lower == "dbctx"
        || lower.ends_with("dbcontext")
        || lower == "database"
}

/// LINQ / List methods whose lambda runs per element in memory.
pub const ITERATION_CALLBACKS: &[&str] = &[
    "ForEach",
    "Select",
    "SelectMany",
    "Aggregate",
    "ToDictionary",
    "ToLookup",
];

pub fn classify(
    callee: &str,
    root: Option<&str>,
    chain: &[String],
    ef_core: bool,
) -> (Option<DbCall>, Option<String>) {
    if let Some((_, kind)) = ADO_NET.iter().find(|(m, _)| *m == callee) {
        return (Some(*kind), Some(format!("ADO.NET {callee}")));
    }
    if callee == "Fill" {
        let receiver = chain
            .last()
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default();
        if receiver.contains("adapter") || receiver == "da" || receiver == "sda" {
            return (Some(DbCall::Query), Some("ADO.NET DataAdapter.Fill".into()));
        }
    }
    let receiver_name = chain.last().map(String::as_str).or(root);
    if let Some((_, kind)) = DAPPER.iter().find(|(m, _)| *m == callee) {
        if receiver_name.is_some_and(looks_like_connection) {
            return (Some(*kind), Some(format!("Dapper {callee}")));
        }
    }
    if let Some((_, kind)) = EF_MATERIALISERS.iter().find(|(m, _)| *m == callee) {
        let rooted_at_context = root.is_some_and(looks_like_context);
        // A DbSet after the context (`_context.Users...`), or the context itself for
        // SaveChanges / ExecuteSql* / Set<T>().
        let dbset = chain
            .get(1)
            .is_some_and(|s| s.chars().next().is_some_and(char::is_uppercase));
        let on_context = matches!(callee, "SaveChanges" | "SaveChangesAsync")
            || callee.starts_with("ExecuteSql");
        if rooted_at_context && (dbset || on_context || chain.iter().any(|c| c == "Set")) {
            return (Some(*kind), Some(format!("Entity Framework {callee}")));
        }
        if ef_core && root.is_some() && EF_CORE_ASYNC.contains(&callee) {
            return (Some(*kind), Some(format!("Entity Framework Core {callee}")));
        }
    }
    (None, None)
}

/// Methods that open a connection.
pub const OPEN_METHODS: &[&str] = &["Open", "OpenAsync"];

/// Delegate types: a local of one assigned a method group (`Func<int, Order> load =
/// repo.Get`) calls that method when called.
pub const DELEGATE_TYPES: &[&str] = &["Func", "Action", "Predicate", "Converter", "Comparison"];

/// Methods that close or dispose a connection.
pub const CLOSE_METHODS: &[&str] = &["Close", "Dispose", "CloseAsync", "DisposeAsync"];

/// Dapper's extension methods that open a closed connection and close it again before
/// they return. Not `QueryMultiple` / `ExecuteReader` (the grid or reader they return keeps
/// it open until disposed), nor an unbuffered `Query(..., buffered: false)` (open until
/// its rows are read to the end).
pub const SELF_OPENING_METHODS: &[&str] = &[
    "Query",
    "QueryAsync",
    "QueryFirst",
    "QueryFirstAsync",
    "QueryFirstOrDefault",
    "QueryFirstOrDefaultAsync",
    "QuerySingle",
    "QuerySingleAsync",
    "QuerySingleOrDefault",
    "QuerySingleOrDefaultAsync",
    "Execute",
    "ExecuteAsync",
    "ExecuteScalar",
    "ExecuteScalarAsync",
];

/// Dependency-injection registrations: a connection created in their factory is the
/// container's.
pub const CONTAINER_REGISTRATIONS: &[&str] = &[
    "AddTransient",
    "AddScoped",
    "AddSingleton",
    "Register",
    "RegisterType",
    "RegisterInstance",
    "Bind",
    "TryAdd",
];

/// Types of the base class library (and their interfaces): collections, text, tasks,
/// primitives. A receiver of one of these types never means a method of the repository,
/// even when the repository has a method of the same name and arity (`list.Add(x)`).
pub const LIBRARY_TYPES: &[&str] = &[
    "List",
    "IList",
    "IReadOnlyList",
    "Dictionary",
    "IDictionary",
    "IReadOnlyDictionary",
    "ConcurrentDictionary",
    "SortedDictionary",
    "SortedList",
    "HashSet",
    "ISet",
    "SortedSet",
    "Queue",
    "ConcurrentQueue",
    "Stack",
    "ConcurrentBag",
    "LinkedList",
    "Collection",
    "ObservableCollection",
    "ICollection",
    "IReadOnlyCollection",
    "IEnumerable",
    "IQueryable",
    "Array",
    "ArrayList",
    "Hashtable",
    "StringBuilder",
    "String",
    "string",
    "Task",
    "ValueTask",
    "Lazy",
    "Span",
    "Memory",
    "Stream",
    "MemoryStream",
    "StreamReader",
    "StreamWriter",
    "TextWriter",
    "TextReader",
    "HttpClient",
    "Regex",
    "Random",
    "Guid",
    "DateTime",
    "TimeSpan",
    "int",
    "long",
    "short",
    "byte",
    "bool",
    "double",
    "float",
    "decimal",
    "char",
    "Int32",
    "Int64",
    "Boolean",
    "Double",
    "Decimal",
    "Console",
    "Math",
    "Convert",
    "Enumerable",
    "Path",
    "File",
    "Directory",
    "Environment",
    "JsonSerializer",
];

/// Declared types that say nothing of the value's class.
pub const UNTYPED: &[&str] = &["var", "dynamic", "object", "Object"];

/// `using` directives of in-process database providers, with the name a finding gives:
/// a file importing one (and no `SERVER_CLIENT_IMPORTS`) runs its statements in the
/// process, with no network round trip (`lang::embedded_database`).
pub const EMBEDDED_DATABASE_IMPORTS: &[(&str, &str)] = &[
    (
        "using Microsoft.Data.Sqlite",
        "SQLite (Microsoft.Data.Sqlite)",
    ),
    ("using System.Data.SQLite", "SQLite (System.Data.SQLite)"),
];

/// `using` directives of database servers' clients: a file holding one may send its
/// statements over the network, whatever else it imports.
pub const SERVER_CLIENT_IMPORTS: &[&str] = &[
    "using System.Data.SqlClient",
    "using Microsoft.Data.SqlClient",
    "using Npgsql",
    "using MySql.Data",
    "using MySqlConnector",
    "using Oracle.ManagedDataAccess",
];
