//! The language-neutral facts of one application source file, extracted from its
//! tree-sitter tree by a language adapter (`app/lang/*`). The rules and the cross-file
//! resolution read only these facts, so that every language gets every rule.
//!
//! Past 1,000 lines (about 1,230 of declarations, then tests): every fact a rule reads,
//! with the doc comment that says what it means, kept in one file so that a front end's
//! author sees in one place everything the core must fill; split by concept it would
//! scatter one contract over many files.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

pub mod typed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    CSharp,
    JavaScript,
    TypeScript,
    Python,
    Java,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::CSharp => "csharp",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Python => "python",
            Language::Java => "java",
        }
    }

    /// The language of a file, from its extension.
    pub fn of_path(path: &std::path::Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "cs" => Language::CSharp,
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" | "tsx" => Language::TypeScript,
            "py" => Language::Python,
            "java" => Language::Java,
            _ => return None,
        })
    }

    /// The SQL dialect embedded SQL most likely uses in this language's ecosystem
    /// (refined per call site by the driver: `pg` is PostgreSQL, `SqlClient` T-SQL).
    pub fn default_sql_dialect(self) -> crate::sql::SqlDialect {
        match self {
            Language::CSharp | Language::Java => crate::sql::SqlDialect::Tsql,
            _ => crate::sql::SqlDialect::Postgres,
        }
    }
}

/// A position in the source file: 1-based line and column (characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A function, method, constructor, lambda-free top-level code block.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    pub name: String,
    /// Parameter count.
    pub arity: usize,
    /// Enclosing class / struct / module name, when there is one.
    pub class: Option<String>,
    pub start: Pos,
    pub end: Pos,
    /// Byte range of the body in the file.
    pub body: (usize, usize),
    pub is_async: bool,
    /// No body (an interface or abstract method): it runs nothing of its own, and a call
    /// on a typed receiver means an implementation, never it. Only typed front ends set it.
    pub is_abstract: bool,
}

/// A class of the file and the classes and interfaces it derives from, as the typed
/// resolution reads them (only typed front ends record them).
#[derive(Debug, Clone, Serialize)]
pub struct ClassFacts {
    pub name: String,
    pub bases: Vec<String>,
}

/// What the receiver of a call is known to be, from the types the source states
/// (`app::core` computes it for the languages lowered to the typed IR).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ReceiverType {
    /// The language's adapter states no types (it still extracts facts directly): calls
    /// resolve by name and arity, as they always have.
    #[default]
    Untyped,
    /// A typed front end could not tell the receiver's type: resolved by name and arity,
    /// and a finding that rests on it says so in its confidence.
    Unknown,
    /// A library type (`List`, `Dictionary`, `StringBuilder`): never the repository's code.
    Library,
    /// An instance of this class or of one deriving from it (`this`, a declared,
    /// constructed, field or parameter type), or the class itself for a static call.
    Class(String),
    /// `super.m()` / `base.M()` / `super().m()` written in this class: the method as the
    /// nearest class it derives from defines it, never its own (or a subclass's) override,
    /// which is the caller itself.
    Base(String),
    /// A function of a module, not a method (languages with module scope: a bare call of a
    /// function the file defines or imports, `module.f()` on an imported module): of the
    /// module named (its file's stem, or the package of an `__init__.py`), or of any module
    /// when the source does not say which (a star import), a guess by name.
    Module(Option<String>),
    /// What a chain of calls returns, starting on an instance of `class` (or the class
    /// itself, for a static call): `Factory.instance().newOrderDao()` is
    /// `{ class: Factory, methods: [instance, newOrderDao] }`. The cross-file resolution
    /// follows each method's declared return type (`MethodReturn`); where one is not
    /// known, the receiver is unknown.
    Returned { class: String, methods: Vec<String> },
}

/// What a database call site does, according to the language's catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbCall {
    /// Runs a statement and returns rows (`ExecuteReader`, `query`, `findMany`, `fetchall`).
    Query,
    /// Runs a statement for its effect (`ExecuteNonQuery`, `executemany`, `save`).
    Execute,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    /// Index of the enclosing function in `AppFile::functions` (None: top-level code).
    pub function: Option<usize>,
    /// The called method or function name (last member), e.g. `ExecuteReader`.
    pub callee: String,
    /// The receiver expression's text, e.g. `_context.Users.Where(u => u.Active)`.
    pub receiver: Option<String>,
    /// The receiver chain's first identifier, e.g. `_context`, `cursor`, `prisma`.
    pub receiver_root: Option<String>,
    /// Member names along the receiver chain, outermost first (`["_context", "Users", "Where"]`).
    pub chain: Vec<String>,
    /// The receiver's type, when the language's front end is typed.
    pub receiver_type: ReceiverType,
    /// Argument count.
    pub arity: usize,
    pub start: Pos,
    pub end: Pos,
    pub start_byte: usize,
    pub end_byte: usize,
    /// Enclosing loops (indices in `AppFile::loops`), outermost first, same function.
    pub loops: Vec<usize>,
    /// Set by the catalogue when this call reaches the database itself.
    pub db: Option<DbCall>,
    /// Which catalogue entry matched, for evidence (`ADO.NET ExecuteReader`, `pg query`).
    pub db_api: Option<String>,
    /// `await f()` / `yield from` / Python `await`.
    pub awaited: bool,
    /// Blocking on the call's task in C#: `.Result`, `.Wait()`, `.GetAwaiter().GetResult()`.
    pub blocked_by: Option<String>,
    /// Index in `AppFile::strings` of a string argument holding SQL, if any.
    pub sql_argument: Option<usize>,
    /// The call's own text, shortened, for evidence.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Loop {
    pub function: Option<usize>,
    /// `foreach`, `for`, `for...of`, `while`, `forEach callback`, `Select callback`,
    /// `map callback`, `comprehension`, `stream`.
    pub kind: String,
    pub start: Pos,
    pub end: Pos,
    /// Byte range of the loop (header and body).
    pub span: (usize, usize),
    /// The iteration source expression's text (`users`, `repo.GetAll()`).
    pub source_text: Option<String>,
    /// Index in `AppFile::calls` of the iteration source when it is a call (awaited or not).
    pub source_call: Option<usize>,
    /// The iteration source when it is a plain variable.
    pub source_var: Option<String>,
    /// The loop variable names, when known.
    pub variables: Vec<String>,
    /// The iteration source is (a member of) a parameter of the loop's function: a
    /// collection the caller passes in (`loop_shape::origin`). Set by the front ends that
    /// know their functions' parameters.
    #[serde(default)]
    pub source_param: bool,
    /// Index in `AppFile::calls` of the query whose rows the loop walks when its source
    /// is not that call itself: a cursor iterated after its `execute(...)`
    /// (`cur.execute(sql); for row in cur:`), a promise callback's parameter
    /// (`getPosts().then(res => res.rows.forEach(...))`). Recorded by the front end, which
    /// knows its library; read as the loop's source by the loop rules.
    #[serde(default)]
    pub rows_of: Option<usize>,
}

/// `var x = call(...)` / `const x = await call(...)` / `x = call(...)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assignment {
    pub function: Option<usize>,
    pub variable: String,
    pub call: usize,
    pub start: Pos,
}

/// A local a function takes from a call and later hands to another call (`var command =
/// Sql.GetCommand(cs); …; Sql.CloseReader(command);`): a connection held between two
/// helpers when the first opens and returns one and the second closes that parameter,
/// which the resolution decides across files (`connection-leak-on-exception`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandOver {
    pub function: Option<usize>,
    pub variable: String,
    /// Index in `AppFile::calls` of the call the local takes its value from.
    pub from: usize,
    /// Index in `AppFile::calls` of the call it is handed to, at argument `position`.
    pub to: usize,
    pub position: usize,
    /// The call it is handed to stands in a `finally` or `catch`.
    pub guarded: bool,
    /// A call or construction stands between the two: something there can throw.
    pub can_throw: bool,
}

/// How a created or opened connection is released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "detail")]
pub enum Disposal {
    /// `using`, `using var`, `await using`, try-with-resources, `with`, closed in `finally`,
    /// released in a `finally`.
    Guaranteed(String),
    /// Closed / disposed / released only on the normal path.
    NormalPathOnly(String),
    /// Ownership moves elsewhere: returned, stored in a field, passed to a constructor,
    /// registered with a container, `CommandBehavior.CloseConnection`.
    Escapes(String),
    /// Never closed, disposed or released in the function.
    Never,
    /// Taken from a helper of the project (`Db.getConnection()`) and never released in the
    /// function: whether the helper hands out a fresh connection the caller owns, or lends
    /// one its owner releases (shared by the application, request- or thread-scoped), is
    /// not visible from the calling file. The words name the helper.
    Borrowed(String),
    /// Created and never opened, used or handed on (`new SqlConnection(cs).DataSource`):
    /// it holds no pooled connection, so there is nothing to leak.
    NeverOpened,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionSite {
    pub function: Option<usize>,
    /// The variable holding it, when assigned.
    pub variable: Option<String>,
    /// What creates it: `new SqlConnection`, `psycopg2.connect`, `pool.connect()`.
    pub api: String,
    pub start: Pos,
    pub end: Pos,
    pub disposal: Disposal,
    pub text: String,
    /// An in-process database (SQLite, by the language's catalogue): opening it holds no
    /// server session and no pool slot, only a file handle until the object is collected.
    pub in_process: bool,
}

/// A connection or pool created inside a function, where the ecosystem has a pool.
#[derive(Debug, Clone, Serialize)]
pub struct PerCallConnection {
    pub function: usize,
    pub api: String,
    pub start: Pos,
    pub text: String,
}

/// A string literal (or a concatenation with literal parts) worth a look: it reaches a
/// database call, looks like SQL, or looks like a connection string.
#[derive(Debug, Clone, Serialize)]
pub struct StringLit {
    pub function: Option<usize>,
    /// The text with non-literal parts replaced by a parameter placeholder.
    pub text: String,
    /// Where each run of `text` starts in the file: (offset in `text`, position).
    pub segments: Vec<(usize, Pos)>,
    pub start: Pos,
    /// Passed to a database call (not just SQL-looking).
    pub at_db_call: bool,
}

impl StringLit {
    /// The file position of a byte offset into `text`, following the segments.
    pub fn position_of(&self, offset: usize) -> Pos {
        let runs: Vec<(usize, (u32, u32))> = self
            .segments
            .iter()
            .map(|(at, pos)| (*at, (pos.line, pos.column)))
            .collect();
        let (line, column) = crate::source::lines::position_in_runs(
            &self.text,
            &runs,
            (self.start.line, self.start.column),
            offset,
        );
        Pos { line, column }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comment {
    pub line: u32,
    pub text: String,
}

/// Everything the rules need to know about one file.
#[derive(Debug, Clone, Serialize)]
pub struct AppFile {
    pub path: String,
    pub language: Language,
    pub functions: Vec<Function>,
    pub classes: Vec<ClassFacts>,
    pub calls: Vec<Call>,
    pub loops: Vec<Loop>,
    pub assignments: Vec<Assignment>,
    pub connections: Vec<ConnectionSite>,
    pub per_call_connections: Vec<PerCallConnection>,
    pub strings: Vec<StringLit>,
    pub comments: Vec<Comment>,
    /// Share of the tree's nodes that are ERROR or MISSING nodes.
    pub error_share: f64,
    /// Positions of the first error nodes (for not-understood diagnostics).
    pub error_regions: Vec<(Pos, Pos)>,
    /// Why the file could not be parsed at all (the scan reports it as not scanned).
    pub not_parsed: Option<String>,
    /// (loop, parameter position) for the loops that walk a parameter of their own
    /// function (`Loop::source_param`), when the front end knows the position (counted
    /// as call arguments are: no `self`, no receiver). A caller's argument at that position
    /// is what the loop walks.
    pub loop_parameters: Vec<(usize, usize)>,
    /// The declared return types of the file's methods (bodiless ones too), for typing a
    /// receiver that is itself a call (`ReceiverType::Returned`). Only front ends that
    /// read return types record them (Java).
    pub method_returns: Vec<MethodReturn>,
    /// The in-process database the file's queries go to, when its imports name one
    /// (`Microsoft.Data.Sqlite`) and no server's client (`lang::common::embedded_database`):
    /// a statement there costs no network round trip.
    pub embedded_database: Option<String>,
    /// Functions that open a connection and hand it back to their caller (itself or inside
    /// a command), and (function, parameter position) of the functions that close the
    /// connection a parameter holds: the helpers `hand_overs` are judged against.
    pub opens_for_caller: Vec<usize>,
    pub param_closes: Vec<(usize, usize)>,
    pub hand_overs: Vec<HandOver>,
    /// Where a function reads a cache (`cache.get(key)` on a field the front end's
    /// catalogue calls a cache, `@Cacheable`): a query it runs after that read is made
    /// once per key, not once per call. Only front ends that read field types record them
    /// (Java).
    pub cache_reads: Vec<CacheRead>,
}

/// A function's read of a cache (`AppFile::cache_reads`).
#[derive(Debug, Clone, Serialize)]
pub struct CacheRead {
    /// Index in `AppFile::functions`.
    pub function: usize,
    /// The call that reads it (index in `AppFile::calls`); `None` when the framework caches
    /// the whole method (`@Cacheable`).
    pub call: Option<usize>,
    /// The field read (`folderCache`), or the annotation (`@Cacheable`).
    pub field: String,
    /// The field is an object of a class of the project (`RoomStore rooms`), looked up
    /// (`rooms.get(name)`) and filled (`rooms.add(room)`) by this class: a cache only when
    /// the method called (class, method, arity) reads one itself.
    pub through: Option<(String, String, usize)>,
}

/// A method's declared return type: `KarmaDAO newKarmaDAO()` in class `DataAccessDriver`.
#[derive(Debug, Clone, Serialize)]
pub struct MethodReturn {
    pub class: String,
    pub method: String,
    /// The type's simple name (`KarmaDAO`, `List` for `List<User>`).
    pub returns: String,
}

/// A name of the repository's index (function, class, owner, callee, receiver, database
/// API), by its number in `Names`.
pub type Name = u32;

/// No name (a function without a class, a call without a receiver).
pub const NO_NAME: Name = Name::MAX;

/// The names of the repository's index, each stored once (the same few thousand names
/// recur across thousands of files), shared by the worker threads.
#[derive(Default)]
pub struct Names {
    table: Mutex<NameTable>,
}

/// Names and their numbers.
#[derive(Default)]
pub struct NameTable {
    ids: HashMap<Arc<str>, Name>,
    names: Vec<Arc<str>>,
}

impl NameTable {
    fn intern(&mut self, name: &str) -> Name {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as Name;
        let shared: Arc<str> = Arc::from(name);
        self.names.push(shared.clone());
        self.ids.insert(shared, id);
        id
    }

    /// The name of a number (`""` for `NO_NAME`).
    pub fn get(&self, id: Name) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    /// The number of a name, if the index has it.
    pub fn id(&self, name: &str) -> Option<Name> {
        self.ids.get(name).copied()
    }
}

impl Names {
    /// The table (a worker that panicked while holding it left it whole: `intern` adds a
    /// name in one step).
    fn lock(&self) -> MutexGuard<'_, NameTable> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The table, once the workers are done with it (it leaves this one empty).
    pub fn take(&self) -> NameTable {
        std::mem::take(&mut *self.lock())
    }
}

/// One file's view of `Names`: each distinct name of the file takes the shared table's
/// lock once.
struct FileNames<'a> {
    shared: &'a Names,
    local: HashMap<String, Name>,
}

impl FileNames<'_> {
    fn id(&mut self, name: &str) -> Name {
        if let Some(&id) = self.local.get(name) {
            return id;
        }
        let id = self.shared.lock().intern(name);
        self.local.insert(name.to_string(), id);
        id
    }

    fn id_of(&mut self, name: Option<&str>) -> Name {
        name.map_or(NO_NAME, |n| self.id(n))
    }

    fn type_key(&mut self, ty: &ReceiverType) -> TypeKey {
        match ty {
            ReceiverType::Untyped => TypeKey::Untyped,
            ReceiverType::Unknown => TypeKey::Unknown,
            ReceiverType::Library => TypeKey::Library,
            ReceiverType::Class(class) => TypeKey::Class(self.id(class)),
            ReceiverType::Base(class) => TypeKey::Base(self.id(class)),
            ReceiverType::Module(module) => TypeKey::Module(
                module
                    .as_deref()
                    .map_or(NO_NAME, |m| self.id(&super::resolve::normalise(m))),
            ),
            ReceiverType::Returned { class, methods } => TypeKey::Returned {
                class: self.id(class),
                chain: self.id(&methods.join(".")),
            },
        }
    }
}

/// A call of a function of the repository's (not a database call), as the cross-file
/// resolution of query methods reads it. Stored on disk between the per-file pass and the
/// resolution (`crate::app::store`): a repository has several times more of these than
/// functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// Index of the calling function in `FileIndex::functions`.
    pub function: u32,
    /// The call's index among all the file's calls (resolution picks the first call in
    /// file order as a function's reason).
    pub order: u32,
    pub arity: u32,
    pub callee: Name,
    /// The receiver chain's last member (`_providerRepository`), as `Call::chain.last()`.
    pub receiver: Name,
    pub receiver_type: TypeKey,
}

/// `ReceiverType` with the class as a number of `Names`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TypeKey {
    Untyped,
    Unknown,
    Library,
    Class(Name),
    /// `ReceiverType::Base`: the class the call is written in.
    Base(Name),
    /// The module's normalised name, `NO_NAME` for any module.
    Module(Name),
    /// `ReceiverType::Returned`: the methods' names joined by `.` as one name.
    Returned {
        class: Name,
        chain: Name,
    },
}

impl TypeKey {
    /// Whether resolving a call of this receiver is a guess by name and arity.
    pub fn is_guess(self) -> bool {
        matches!(self, TypeKey::Unknown | TypeKey::Module(NO_NAME))
    }
}

/// A class of the repository and what it derives from, for the typed resolution.
#[derive(Debug, Clone)]
pub struct IndexedClass {
    pub name: Name,
    pub bases: Box<[Name]>,
}

/// A function as the resolution matches calls with it and findings name it.
#[derive(Debug, Clone, Copy)]
pub struct IndexedFunction {
    pub name: Name,
    pub class: Name,
    pub arity: u32,
    pub line: u32,
    /// The class (without an interface's `I`) or module the function belongs to,
    /// normalised as call receivers are (`crate::app::resolve::owner`).
    pub owner: Name,
    /// No body: an interface or abstract method (typed front ends only).
    pub is_abstract: bool,
    /// The function reads a cache itself: a `CacheRead` of its file not made through a
    /// project class (a typed read its front end records, or a lookup on a receiver named
    /// for a cache, `resolve::cache_receiver`): a query further down may run only on a miss.
    pub reads_cache: bool,
}

/// A function's first database call: why it is a query method.
#[derive(Debug, Clone, Copy)]
pub struct DirectCall {
    pub function: u32,
    /// The catalogue entry (`ADO.NET ExecuteReader`), or the callee's name.
    pub api: Name,
    pub line: u32,
    /// The call's index among the file's calls (as `Edge::order`).
    pub order: u32,
    /// It reads rows (`DbCall::Query`), rather than running a statement for its effect.
    pub reads: bool,
}

/// A function's read of a cache (`ir::CacheRead`) as the resolution keeps it.
#[derive(Debug, Clone, Copy)]
pub struct IndexedCacheRead {
    /// Index of the function in `FileIndex::functions`.
    pub function: u32,
    /// The reading call's index among the file's calls (as `Edge::order`); `None` for a
    /// method cached whole (`@Cacheable`).
    pub order: Option<u32>,
    pub field: Name,
    /// `CacheRead::through`: the class (`NO_NAME` for a cache read directly), the method
    /// called and its arity.
    pub through_class: Name,
    pub through_method: Name,
    pub through_arity: u32,
}

/// What the cross-file resolution needs of one file in memory: its functions and their
/// first database calls. This is all a scan keeps in memory of a file until the end: a
/// few numbers per function. Its calls between functions (`Edge`s) and its `RuleFacts`
/// wait on disk.
#[derive(Debug, Clone)]
pub struct FileIndex {
    pub path: Box<str>,
    pub language: Language,
    pub functions: Box<[IndexedFunction]>,
    pub direct: Box<[DirectCall]>,
    /// Classes with their bases (typed front ends only).
    pub classes: Box<[IndexedClass]>,
    /// The calls inside loops over a parameter of their function, by function: what a
    /// caller passing a query's rows to that function runs per row (`n-plus-one` with the
    /// loop in the callee).
    pub param_loop_calls: Box<[ParamLoopCall]>,
    /// (class, method, declared return type) of the file's methods
    /// (`AppFile::method_returns`).
    pub returns: Box<[(Name, Name, Name)]>,
    /// As `AppFile::embedded_database`.
    pub embedded_database: Option<Box<str>>,
    /// As `AppFile::opens_for_caller` and `AppFile::param_closes`.
    pub opens_for_caller: Box<[u32]>,
    pub param_closes: Box<[(u32, u32)]>,
    /// The functions' cache reads (`AppFile::cache_reads`).
    pub cache_reads: Box<[IndexedCacheRead]>,
}

/// A call inside a loop that walks a parameter of its function (`Loop::source_param`),
/// kept in the index so that a call site in another file can tell that the function runs
/// it once per item of what it is passed.
#[derive(Debug, Clone)]
pub struct ParamLoopCall {
    /// Index of the function in `FileIndex::functions`.
    pub function: u32,
    pub loop_line: u32,
    pub loop_column: u32,
    /// The position of the parameter the loop walks, when the front end records it
    /// (`AppFile::loop_parameters`), and its name (a keyword argument names it).
    pub parameter: Option<u32>,
    pub parameter_name: Name,
    /// The loop's kind and source (`foreach`, `list`), for evidence.
    pub loop_text: Box<str>,
    pub callee: Name,
    pub arity: u32,
    /// As `Edge::receiver`.
    pub receiver: Name,
    pub receiver_type: TypeKey,
    /// The catalogue entry when the call is a database call itself.
    pub db_api: Option<Name>,
    pub line: u32,
    pub text: Box<str>,
}

/// A file as the cross-file pass takes it: its index, its calls between functions (one
/// per function, callee, arity and receiver), and the facts the repository rules read,
/// when they can find anything in it.
#[derive(Debug, Clone)]
pub struct SplitFile {
    pub index: FileIndex,
    pub edges: Vec<Edge>,
    pub facts: Option<RuleFacts>,
}

/// What the repository rules (`n-plus-one`, `query-in-loop`, `sync-over-async`) read of
/// one file besides its index: the loops, the calls in them or feeding them, the blocked
/// calls, and the suppression comments. Stored on disk between the per-file pass and the
/// rules (`crate::app::store`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleFacts {
    pub calls: Vec<Call>,
    pub loops: Vec<Loop>,
    pub assignments: Vec<Assignment>,
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub hand_overs: Vec<HandOver>,
}

impl RuleFacts {
    /// Only what the repository rules read: the calls in loops, feeding loops or blocked,
    /// the assignments that can be a loop's source, and the suppression comments.
    fn pruned(self) -> RuleFacts {
        // Only an assignment to a variable some loop of the same function iterates can be
        // a loop's source, or to the object whose children it walks (`loaded` of
        // `loaded.getTasks()`, `loop_shape::children_of_one_object`); only a comment
        // holding `dbaudit:ignore` can suppress a finding.
        let loop_variables: HashSet<(Option<usize>, &str)> = self
            .loops
            .iter()
            .flat_map(|l| {
                let owner = l
                    .source_text
                    .as_deref()
                    .and_then(crate::app::loop_shape::source_root);
                [l.source_var.as_deref(), owner]
                    .into_iter()
                    .flatten()
                    .map(move |v| (l.function, v))
            })
            .collect();
        let comments: Vec<Comment> = self
            .comments
            .into_iter()
            .filter(|c| c.text.contains(crate::suppress::SUPPRESSION_MARKER))
            .collect();
        let sites = query_argument_sites(&self.calls, &self.assignments);
        let passed: HashSet<(Option<usize>, &str)> = sites
            .iter()
            .flat_map(|&(c, _)| {
                let call = &self.calls[c];
                call.argument_texts()
                    .into_iter()
                    .map(move |a| (call.function, strip_await(keyword_argument(a).1)))
            })
            .collect();
        // A local taken from a loop source's `next()` holds an iterator loop's element
        // (`loop_shape::iterator_elements`).
        let takes_next = |a: &Assignment| {
            self.calls.get(a.call).is_some_and(|c| {
                crate::app::loop_shape::takes_next(c)
                    && c.chain
                        .last()
                        .is_some_and(|v| loop_variables.contains(&(a.function, v.as_str())))
            })
        };
        // A local assigned in a loop from a call there may hold a value of the loop's row
        // (`loop_shape::read_off_element`).
        let in_loop = |a: &Assignment| self.calls.get(a.call).is_some_and(|c| !c.loops.is_empty());
        let mut assignments: Vec<Assignment> = self
            .assignments
            .into_iter()
            .filter(|a| {
                loop_variables.contains(&(a.function, a.variable.as_str()))
                    || passed.contains(&(a.function, a.variable.as_str()))
                    || takes_next(a)
                    || in_loop(a)
            })
            .collect();
        let mut keep = vec![false; self.calls.len()];
        let loop_sources = self
            .loops
            .iter()
            .flat_map(|l| [l.source_call, l.rows_of])
            .flatten();
        let site_calls = sites
            .iter()
            .flat_map(|&(c, inner)| [Some(c), inner])
            .flatten();
        let hand_over_calls = self.hand_overs.iter().flat_map(|h| [h.from, h.to]);
        for c in loop_sources
            .chain(assignments.iter().map(|a| a.call))
            .chain(site_calls)
            .chain(hand_over_calls)
        {
            if let Some(k) = keep.get_mut(c) {
                *k = true;
            }
        }
        let mut calls = Vec::new();
        let mut new_index = vec![usize::MAX; self.calls.len()];
        for (old, (mut call, keep)) in self.calls.into_iter().zip(keep).enumerate() {
            if keep || !call.loops.is_empty() || call.blocked_by.is_some() {
                // The rules read the chain, never the receiver's text or root.
                call.receiver = None;
                call.receiver_root = None;
                new_index[old] = calls.len();
                calls.push(call);
            }
        }
        let mut loops = self.loops;
        for l in &mut loops {
            l.source_call = l.source_call.and_then(|c| new_index.get(c).copied());
            l.rows_of = l.rows_of.and_then(|c| new_index.get(c).copied());
        }
        for a in &mut assignments {
            a.call = new_index.get(a.call).copied().unwrap_or(usize::MAX);
        }
        let mut hand_overs = self.hand_overs;
        for h in &mut hand_overs {
            h.from = new_index.get(h.from).copied().unwrap_or(usize::MAX);
            h.to = new_index.get(h.to).copied().unwrap_or(usize::MAX);
        }
        RuleFacts {
            calls,
            loops,
            assignments,
            comments,
            hand_overs,
        }
    }
}

impl AppFile {
    /// Splits what the cross-file pass needs of a file (once the file rules and the
    /// embedded SQL have run on it) into its index, its edges, and the facts the
    /// repository rules read, when they can find anything in it (it has loops or blocked
    /// calls). Calls no rule reads are dropped, and calls between functions become edges,
    /// one per function, callee, arity and receiver.
    pub fn split(self, names: &Names) -> SplitFile {
        self.split_pruning(names, true)
    }

    /// `split`, keeping every call, assignment and comment and every repeated edge when
    /// `prune` is false: the reference the pruning is tested against.
    pub(crate) fn split_pruning(mut self, shared: &Names, prune: bool) -> SplitFile {
        self.capture_outer_assignments();
        let mut names = FileNames {
            shared,
            local: HashMap::new(),
        };
        // One notion of a cache read for every rule: the front end's typed reads
        // (`cache_reads`: Java) and, in every language, a lookup on a receiver named for
        // a cache (`resolve::cache_receiver`), each kept with the reading call's order.
        let mut cache_reads = self.cache_reads.clone();
        for (order, call) in self.calls.iter().enumerate() {
            let (Some(function), Some(receiver)) =
                (call.function, super::resolve::cache_receiver(call))
            else {
                continue;
            };
            if !cache_reads
                .iter()
                .any(|r| r.function == function && r.call == Some(order))
            {
                cache_reads.push(CacheRead {
                    function,
                    call: Some(order),
                    field: receiver.to_string(),
                    through: None,
                });
            }
        }
        let mut reads_cache = vec![false; self.functions.len()];
        for r in cache_reads.iter().filter(|r| r.through.is_none()) {
            if let Some(flag) = reads_cache.get_mut(r.function) {
                *flag = true;
            }
        }
        let functions: Vec<IndexedFunction> = self
            .functions
            .iter()
            .zip(reads_cache)
            .map(|(f, reads_cache)| IndexedFunction {
                name: names.id(&f.name),
                class: names.id_of(f.class.as_deref()),
                arity: f.arity as u32,
                line: f.start.line,
                owner: names.id(&super::resolve::owner(&self.path, f.class.as_deref())),
                is_abstract: f.is_abstract,
                reads_cache,
            })
            .collect();
        let mut direct = Vec::new();
        let mut has_direct = vec![false; functions.len()];
        let mut edges = Vec::new();
        let mut seen_edges: HashSet<(u32, Name, u32, Name, TypeKey)> = HashSet::new();
        for (order, call) in self.calls.iter().enumerate() {
            // Top-level code is no function: its calls make nothing a query method.
            let Some(function) = call.function else {
                continue;
            };
            if call.db.is_some() {
                if let Some(seen) = has_direct.get_mut(function).filter(|seen| !**seen) {
                    *seen = true;
                    let api = call.db_api.as_deref().unwrap_or(&call.callee);
                    direct.push(DirectCall {
                        function: function as u32,
                        api: names.id(api),
                        line: call.start.line,
                        order: order as u32,
                        reads: call.db == Some(DbCall::Query),
                    });
                }
                continue;
            }
            let edge = Edge {
                function: function as u32,
                order: order as u32,
                arity: call.arity as u32,
                callee: names.id(&call.callee),
                receiver: names.id_of(call.chain.last().map(String::as_str)),
                receiver_type: names.type_key(&call.receiver_type),
            };
            let key = (
                edge.function,
                edge.callee,
                edge.arity,
                edge.receiver,
                edge.receiver_type,
            );
            if !prune || seen_edges.insert(key) {
                edges.push(edge);
            }
        }
        let mut param_loop_calls = Vec::new();
        for (li, lp) in self.loops.iter().enumerate() {
            // The parameter's own elements, not a member of one (`room.getOccupants()`
            // walks what one row holds, not the rows the caller passes).
            // A cursor parameter walked after an `execute` on it walks that query's rows.
            let walks_parameter = lp.source_param
                && lp.rows_of.is_none()
                && lp
                    .source_text
                    .as_deref()
                    .is_some_and(crate::app::loop_shape::is_bare_collection);
            let Some(function) = lp.function.filter(|_| walks_parameter) else {
                continue;
            };
            let parameter = self
                .loop_parameters
                .iter()
                .find(|&&(l, _)| l == li)
                .map(|&(_, position)| position as u32);
            let parameter_name = lp
                .source_text
                .as_deref()
                .and_then(crate::app::loop_shape::source_root)
                .map(|root| names.id(root));
            for (ci, call) in self.calls.iter().enumerate() {
                // A DB-API fetch reads the rows of a statement already run: no round trip.
                let follow_up = call.db_api.as_deref() == Some("DB-API fetch");
                if !call.loops.contains(&li) || lp.source_call == Some(ci) || follow_up {
                    continue;
                }
                param_loop_calls.push(ParamLoopCall {
                    function: function as u32,
                    loop_line: lp.start.line,
                    loop_column: lp.start.column,
                    parameter,
                    parameter_name: parameter_name.unwrap_or(NO_NAME),
                    loop_text: format!(
                        "{} over `{}`",
                        lp.kind,
                        lp.source_text.as_deref().unwrap_or("")
                    )
                    .into(),
                    callee: names.id(&call.callee),
                    arity: call.arity as u32,
                    receiver: names.id_of(call.chain.last().map(String::as_str)),
                    receiver_type: names.type_key(&call.receiver_type),
                    db_api: call
                        .db
                        .map(|_| names.id(call.db_api.as_deref().unwrap_or(&call.callee))),
                    line: call.start.line,
                    text: call.text.as_str().into(),
                });
            }
        }
        let classes: Vec<IndexedClass> = self
            .classes
            .iter()
            .map(|c| IndexedClass {
                name: names.id(&c.name),
                bases: c.bases.iter().map(|b| names.id(b)).collect(),
            })
            .collect();
        let index = FileIndex {
            path: self.path.into(),
            language: self.language,
            functions: functions.into(),
            direct: direct.into(),
            classes: classes.into(),
            param_loop_calls: param_loop_calls.into(),
            returns: self
                .method_returns
                .iter()
                .map(|r| {
                    (
                        names.id(&r.class),
                        names.id(&r.method),
                        names.id(&r.returns),
                    )
                })
                .collect(),
            embedded_database: self.embedded_database.as_deref().map(Into::into),
            opens_for_caller: self.opens_for_caller.iter().map(|&f| f as u32).collect(),
            param_closes: self
                .param_closes
                .iter()
                .map(|&(f, p)| (f as u32, p as u32))
                .collect(),
            cache_reads: cache_reads
                .iter()
                .map(|r| {
                    let (class, method, arity) = match &r.through {
                        Some((class, method, arity)) => {
                            (names.id(class), names.id(method), *arity as u32)
                        }
                        None => (NO_NAME, NO_NAME, 0),
                    };
                    IndexedCacheRead {
                        function: r.function as u32,
                        order: r.call.map(|c| c as u32),
                        field: names.id(&r.field),
                        through_class: class,
                        through_method: method,
                        through_arity: arity,
                    }
                })
                .collect(),
        };
        let read_by_rules = !self.loops.is_empty()
            || !self.hand_overs.is_empty()
            || self.calls.iter().any(|c| c.blocked_by.is_some())
            || !query_argument_sites(&self.calls, &self.assignments).is_empty();
        let facts = RuleFacts {
            calls: self.calls,
            loops: self.loops,
            assignments: self.assignments,
            comments: self.comments,
            hand_overs: self.hand_overs,
        };
        let facts = match (prune, read_by_rules) {
            (false, _) => Some(facts),
            (true, false) => None,
            (true, true) => Some(facts.pruned()),
        };
        SplitFile {
            index,
            edges,
            facts,
        }
    }

    /// A loop in a callback walks a variable of the function it is written in (`recipients
    /// = await find(); transaction(async () => { for (r of recipients) … })`): the closure
    /// sees that function's assignment, so it is recorded in the callback too (the last
    /// one before the loop in the function directly around the callback), unless the
    /// callback assigns the variable itself or the loop walks one of its parameters. Done
    /// while the functions' bodies are known (the index keeps no body ranges).
    fn capture_outer_assignments(&mut self) {
        let mut captured = Vec::new();
        for lp in &self.loops {
            let (Some(function), Some(variable)) = (lp.function, lp.source_var.as_deref()) else {
                continue;
            };
            let Some(inner) = self.functions.get(function) else {
                continue;
            };
            let assigned_in = |f: usize| {
                self.assignments
                    .iter()
                    .filter(|a| {
                        a.function == Some(f) && a.variable == variable && a.start < lp.start
                    })
                    .max_by_key(|a| a.start)
            };
            if lp.source_param || assigned_in(function).is_some() {
                continue;
            }
            let outer = self
                .functions
                .iter()
                .enumerate()
                .filter(|(i, f)| {
                    *i != function
                        && f.body != inner.body
                        && f.body.0 <= inner.body.0
                        && inner.body.1 <= f.body.1
                })
                .min_by_key(|(_, f)| f.body.1 - f.body.0)
                .map(|(i, _)| i);
            if let Some(assignment) = outer.and_then(assigned_in) {
                captured.push(Assignment {
                    function: Some(function),
                    ..assignment.clone()
                });
            }
        }
        self.assignments.extend(captured);
    }

    /// The facts the repository rules read, as the file they came from: the functions
    /// are known by name, class, arity and line only.
    pub fn for_repository_rules(index: &FileIndex, facts: RuleFacts, names: &NameTable) -> AppFile {
        let functions = index
            .functions
            .iter()
            .map(|f| Function {
                name: names.get(f.name).to_string(),
                arity: f.arity as usize,
                class: (f.class != NO_NAME).then(|| names.get(f.class).to_string()),
                start: Pos {
                    line: f.line,
                    column: 0,
                },
                end: Pos::default(),
                body: (0, 0),
                is_async: false,
                is_abstract: f.is_abstract,
            })
            .collect();
        let mut file = AppFile::new(&index.path, index.language);
        file.functions = functions;
        // The classes with their bases: one-off code is also known by the interface its
        // class implements (`rules::one_off_code`, a Liquibase `CustomTaskChange`).
        file.classes = index
            .classes
            .iter()
            .map(|c| ClassFacts {
                name: names.get(c.name).to_string(),
                bases: c.bases.iter().map(|&b| names.get(b).to_string()).collect(),
            })
            .collect();
        file.calls = facts.calls;
        file.loops = facts.loops;
        file.assignments = facts.assignments;
        file.comments = facts.comments;
        file.embedded_database = index.embedded_database.as_deref().map(str::to_string);
        file.hand_overs = facts.hand_overs;
        file
    }

    pub fn new(path: &str, language: Language) -> AppFile {
        AppFile {
            path: path.to_string(),
            language,
            functions: Vec::new(),
            classes: Vec::new(),
            calls: Vec::new(),
            loops: Vec::new(),
            assignments: Vec::new(),
            connections: Vec::new(),
            per_call_connections: Vec::new(),
            strings: Vec::new(),
            comments: Vec::new(),
            error_share: 0.0,
            error_regions: Vec::new(),
            not_parsed: None,
            loop_parameters: Vec::new(),
            method_returns: Vec::new(),
            embedded_database: None,
            opens_for_caller: Vec::new(),
            param_closes: Vec::new(),
            hand_overs: Vec::new(),
            cache_reads: Vec::new(),
        }
    }
}

impl Call {
    /// The top-level argument texts of the call, read from its text (`load(a, f(b, c))` →
    /// `a`, `f(b, c)`); a cut text (`…`) gives the arguments it still holds. Brackets in
    /// strings are not told apart: a string argument is never a query's rows anyway.
    pub fn argument_texts(&self) -> Vec<&str> {
        let Some(open) = self.text.find('(') else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut start = open + 1;
        for (i, c) in self.text.char_indices().skip_while(|&(i, _)| i <= open) {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => {
                    out.push(self.text[start..i].trim());
                    return out.into_iter().filter(|a| !a.is_empty()).collect();
                }
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(self.text[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(self.text[start..].trim_end_matches('…').trim());
        out.into_iter().filter(|a| !a.is_empty()).collect()
    }
}

/// `await f()` → `f()`: an argument as the call it holds is written.
pub fn strip_await(argument: &str) -> &str {
    argument
        .strip_prefix("await ")
        .map_or(argument, str::trim_start)
}

/// The calls of functions that may pass a query's rows to a function of the repository:
/// a call with an argument that is itself a call (`loadDetails(findAll())`, with that
/// inner call's index) or a variable assigned from a call in the same function
/// (`loadDetails(list)`, no inner index). Whether the inner call queries and the callee
/// loops over its parameter is for the resolution to tell; this only keeps the facts.
pub fn query_argument_sites(
    calls: &[Call],
    assignments: &[Assignment],
) -> Vec<(usize, Option<usize>)> {
    let assigned: HashSet<(Option<usize>, &str)> = assignments
        .iter()
        .map(|a| (a.function, a.variable.as_str()))
        .collect();
    // Calls nested in another call's byte range, found by one sweep in start order.
    let mut order: Vec<usize> = (0..calls.len()).collect();
    order.sort_by_key(|&c| (calls[c].start_byte, std::cmp::Reverse(calls[c].end_byte)));
    let mut open: Vec<usize> = Vec::new();
    let mut sites = Vec::new();
    let candidate = |c: &Call| c.function.is_some() && c.db.is_none() && c.arity >= 1;
    for &ci in &order {
        let call = &calls[ci];
        while open.last().is_some_and(|&o| {
            calls[o].end_byte < call.end_byte || calls[o].end_byte <= call.start_byte
        }) {
            open.pop();
        }
        if let Some(&outer) = open.last() {
            let outer_call = &calls[outer];
            let is_argument = candidate(outer_call)
                && outer_call.function == call.function
                && outer_call
                    .argument_texts()
                    .iter()
                    .any(|a| strip_await(keyword_argument(a).1) == call.text);
            if is_argument {
                sites.push((outer, Some(ci)));
            }
        }
        open.push(ci);
    }
    for (ci, call) in calls.iter().enumerate() {
        if candidate(call)
            && call
                .argument_texts()
                .iter()
                .any(|a| assigned.contains(&(call.function, strip_await(keyword_argument(a).1))))
        {
            sites.push((ci, None));
        }
    }
    sites
}

/// `rows=article_rows` (Python) or `rows: articleRows` (C#) → the keyword and the value;
/// a positional argument has no keyword.
pub fn keyword_argument(argument: &str) -> (Option<&str>, &str) {
    if let Some(at) = argument.find(['=', ':']) {
        let name = argument[..at].trim();
        let value = &argument[at + 1..];
        let is_name = !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        // Not `a == b`, `Type::method`.
        if is_name && !value.starts_with(['=', ':']) {
            return (Some(name), value.trim());
        }
    }
    (None, argument)
}

#[cfg(test)]
impl Call {
    /// A call of no function, in the first loop, for tests of the facts read off calls.
    pub(crate) fn for_test(callee: &str, text: &str, arity: usize) -> Call {
        Call {
            function: None,
            callee: callee.into(),
            receiver: None,
            receiver_root: None,
            chain: Vec::new(),
            receiver_type: ReceiverType::Untyped,
            arity,
            start: Pos::default(),
            end: Pos::default(),
            start_byte: 0,
            end_byte: 0,
            loops: vec![0],
            db: None,
            db_api: None,
            awaited: false,
            blocked_by: None,
            sql_argument: None,
            text: text.into(),
        }
    }
}

#[cfg(test)]
mod argument_tests {
    use super::*;

    fn call(text: &str) -> Call {
        Call::for_test("", text, 1)
    }

    #[test]
    fn arguments_and_keywords_are_read_from_the_call_text() {
        assert_eq!(
            call("load(a, f(b, c), [1, 2])").argument_texts(),
            ["a", "f(b, c)", "[1, 2]"]
        );
        assert_eq!(call("repo.x.load()").argument_texts(), Vec::<&str>::new());
        assert_eq!(
            call("load(rows, other…").argument_texts(),
            ["rows", "other"]
        );
        assert_eq!(
            keyword_argument("rows=article_rows"),
            (Some("rows"), "article_rows")
        );
        assert_eq!(keyword_argument("rows: All()"), (Some("rows"), "All()"));
        for positional in [
            "a == b",
            "Type::method",
            "\"k=v\"",
            "lambda r: r.id",
            "x <= y",
        ] {
            assert_eq!(
                keyword_argument(positional),
                (None, positional),
                "{positional}"
            );
        }
        assert_eq!(strip_await("await  rows()"), "rows()");
    }
}
