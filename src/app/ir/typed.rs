//! The typed, language-neutral IR of one source file (issue #17): what a language's front
//! end (`app/lang/<language>/`, behind `LanguageFrontEnd`) lowers its tree-sitter tree to,
//! and what the one analysis core (`app/core/`) reads. It holds what the source states and
//! nothing the core decides: classes with their bases and typed fields; functions (methods,
//! constructors, local functions, lambdas) with typed parameters and where a lambda is
//! bound; locals with their declared or constructed type; calls with their receiver and
//! arguments; loops with their kind and iteration source; `try` / `catch` / `finally` /
//! `using` scopes; and each resource (a connection) with its events (opened, closed,
//! returned, stored in a field, passed on). The core turns it into the facts the rules read
//! (`ir::AppFile`): receiver types, query-method resolution keys, loop membership and how
//! each connection is released.
//!
//! Which languages are lowered to it and which still extract `AppFile` facts directly is
//! said in docs/ARCHITECTURE.md.

use super::{Comment, DbCall, Language, MethodReturn, Pos, StringLit};

/// Index of a function in `Unit::functions`.
pub type FnId = usize;
/// Index of a call in `Unit::calls`.
pub type CallId = usize;
/// Index of a loop in `Unit::loops`.
pub type LoopId = usize;

/// A language's front end: which files it reads and how it lowers one to the IR.
pub trait LanguageFrontEnd: Sync {
    fn language(&self) -> Language;
    /// File extensions, lower case, without the dot.
    fn extensions(&self) -> &'static [&'static str];
    fn grammar(&self) -> tree_sitter::Language;
    /// Whether a path (below the scanned root) is test code by this ecosystem's
    /// conventions (`source::test_code` holds them).
    fn is_test_file(&self, path: &str) -> bool;
    /// Whether a type is the language's library's (`List`, `StringBuilder`, `dict`): a
    /// receiver of that type never means the repository's code.
    fn is_library_type(&self, name: &str) -> bool;
    /// Whether a declared type says nothing of the value's class (`var`, `dynamic`).
    fn is_untyped(&self, name: &str) -> bool;
    /// Whether the language has module scope (Python): an unqualified call means a
    /// function the file defines or imports, never a method of the enclosing class, and a
    /// module-level variable is seen by every function of the file.
    fn has_module_scope(&self) -> bool {
        false
    }
    /// How the language words a loop kind in evidence, when not as the core does
    /// (`foreach`, `for`, `while`, `do`, `comprehension`): Python's for-each is `for`.
    fn loop_word(&self, _kind: LoopKind) -> Option<&'static str> {
        None
    }
    /// How the language words an asynchronous loop of a kind (`for await...of`), when not
    /// as the core does (`async ` and the loop's word).
    fn async_loop_word(&self, _kind: LoopKind) -> Option<&'static str> {
        None
    }
    /// Whether the front end lowers what the core types receivers by (declared and
    /// constructed types, fields, classes). When not (JavaScript, whose source states no
    /// types the front end reads), every call's receiver is `ReceiverType::Untyped` and
    /// resolves by name and arity, and the file records no class facts.
    fn types_receivers(&self) -> bool {
        true
    }
    /// Whether an unqualified call (`load(id)`) is known to mean a method of the enclosing
    /// class or its bases. Not in Java, where it may also mean a method of an outer class
    /// (from an inner or anonymous class) or a static import: such a call is resolved by
    /// name, as before (`ReceiverType::Untyped`).
    fn types_unqualified_calls(&self) -> bool {
        true
    }
    /// Whether a name no local, parameter or field explains names a class (a static call,
    /// `Repo.get()`): capitalised by default; Java also wants a lower-case letter
    /// (`DATA_SOURCE` is an inherited constant, `T` a type parameter).
    fn is_class_name(&self, name: &str) -> bool {
        name.starts_with(char::is_uppercase)
    }
    /// What the language's libraries say of caches (`core::caches`), if the front end
    /// lists them.
    fn caches(&self) -> Option<&'static CacheCatalogue> {
        None
    }
    /// Parses and lowers one file. A file that cannot be parsed gives a unit with its
    /// `not_parsed` reason and error share set, never a panic.
    fn lower(&self, path: &str, text: &str) -> Unit;
}

/// Caches as a front end's catalogue lists them, for `core::caches`: which field types
/// hold one, which methods look a key up or fill one, and which annotations make a
/// framework cache a whole function.
pub struct CacheCatalogue {
    /// A type that is a cache by what it is (`LoadingCache`, a project's `RoomCache`).
    pub is_cache_type: fn(&str) -> bool,
    /// Maps a class can keep as a cache: one when the same class also fills the field.
    pub maps: &'static [&'static str],
    pub lookups: &'static [&'static str],
    pub fills: &'static [&'static str],
    /// Annotations (`Cacheable`) that serve a function's result from a cache.
    pub annotations: &'static [&'static str],
}

/// A type named by the source: its last segment without generic arguments
/// (`System.Collections.Generic.List<Mail>` -> `List`). Generic arguments are kept apart,
/// for element types.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeName {
    pub name: String,
    pub arguments: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: Option<TypeName>,
}

/// A class, struct, record or interface.
#[derive(Debug, Clone)]
pub struct Class {
    pub name: String,
    /// Base class and interfaces as written (last segment, no generics).
    pub bases: Vec<String>,
    /// Fields and properties with their declared types.
    pub fields: Vec<Field>,
    pub is_interface: bool,
    pub start: Pos,
    /// The class it is written in (a nested, inner, local or anonymous class): its fields
    /// are seen too, after the class's own.
    pub outer: Option<usize>,
    /// An anonymous class (`new Runnable() { ... }`): named as the class around it, whose
    /// `this` its methods' calls are typed as, and no class of the hierarchy itself.
    pub anonymous: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Method,
    Constructor,
    LocalFunction,
    /// A lambda, arrow function or anonymous method: its calls belong to the function that
    /// holds it (for resolution and findings), and it runs when whatever it is bound to
    /// runs it.
    Lambda,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: Option<TypeName>,
    /// The names a destructuring parameter binds (`({ user, ids }) => …`), `name` the first
    /// of them; empty for a plain parameter.
    pub destructured: Vec<String>,
    /// An array of numbers or strings (`int[] ids`, `String... names`): a loop over it
    /// walks keys, not the caller's rows, and is no parameter source.
    pub is_scalar_array: bool,
}

/// Where a lambda is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LambdaBinding {
    /// An argument of a call: `xs.ForEach(x => ...)`, `q.Select(...)`, `p.then(...)`.
    /// `per_element`: the callee runs it once per element of its receiver (a loop).
    Argument {
        call: Option<CallId>,
        method: String,
        per_element: bool,
    },
    /// Assigned to a variable, field, delegate or event.
    Assigned(String),
    /// Anywhere else (returned, in an initializer, ...).
    Other,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub kind: FunctionKind,
    pub name: String,
    /// Index in `Unit::classes` of the enclosing class.
    pub class: Option<usize>,
    /// The function this one is written in (lambdas and local functions).
    pub parent: Option<FnId>,
    pub params: Vec<Param>,
    /// The declared return type, when the language states it.
    pub returns: Option<TypeName>,
    pub start: Pos,
    pub end: Pos,
    /// Byte range of the body.
    pub body: (usize, usize),
    pub is_async: bool,
    /// No body: an interface or abstract method, which runs nothing of its own.
    pub is_abstract: bool,
    pub binding: Option<LambdaBinding>,
    /// Its annotations, decorators or attributes, last segment of the name (`Cacheable`,
    /// `Async`), where the front end records them.
    pub annotations: Vec<String>,
}

/// A local variable with its type: declared (`List<Mail> list`), or the type it is
/// constructed as (`var repo = new MailRepository()`), and the call it is assigned from.
#[derive(Debug, Clone)]
pub struct Local {
    pub function: Option<FnId>,
    pub name: String,
    pub declared: Option<TypeName>,
    pub constructed: Option<TypeName>,
    /// The call whose value it takes (`var xs = repo.GetAll()`), awaits and casts removed.
    pub init_call: Option<CallId>,
    /// It declares the name in its function (a declaration, a loop or lambda variable, a
    /// language's binding assignment), not an assignment to a name declared elsewhere (a
    /// field, `this.x = ..`).
    pub is_declaration: bool,
    /// Where it is declared or assigned.
    pub start: Pos,
    pub at: usize,
}

/// A delegate or function value bound to a method group: `Func<int, Order> load =
/// repo.Get;` (a local), `_load = repo.Get;` in a constructor (a field). A call of that
/// name (`load(id)`, `_load(id)`) calls the method.
#[derive(Debug, Clone)]
pub struct MethodBinding {
    /// The function the binding is written in: the receiver's type is read there.
    pub function: Option<FnId>,
    /// The local or field it is bound to, `this.` removed.
    pub name: String,
    /// A field of the class (every method of the class sees it), else a local of `function`.
    pub field: bool,
    pub method: String,
    pub receiver: Receiver,
    pub receiver_text: Option<String>,
    pub chain: Vec<String>,
    /// Byte offset of the binding.
    pub at: usize,
}

/// A name an import binds: `import a.b as m` binds `m` to module `b`; `from a.b import c`
/// binds `c` (a module, class or function) to `["a", "b", "c"]`.
#[derive(Debug, Clone)]
pub struct Import {
    pub name: String,
    /// The imported path's segments, relative-import dots removed.
    pub path: Vec<String>,
    /// `import x` binds a module; `from m import x` a member of module `m`.
    pub is_member: bool,
}

/// What a call is called on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receiver {
    /// An unqualified call: `Load(id)` (this class, a local function, a static import).
    None,
    /// `this.M()` / `self.m()`.
    This,
    /// `base.M()` / `super.m()`.
    Base,
    /// A name: a local, parameter, field, or a class for a static call (`Repo.Get()`),
    /// `this.` removed.
    Name(String),
    /// A field of this object, `self.x.m()`, where the language keeps `this.` (a bare name
    /// is never a field in Python).
    Field(String),
    /// The result of methods called in turn on `start` (`Factory.instance().newOrderDao()`
    /// is `instance`, `newOrderDao` on `Factory`; a bare first call, `dao().find()`, starts
    /// on `None`, the enclosing class): typed through the methods' declared return types
    /// (`Unit::method_returns`) by the cross-file resolution.
    CallResult {
        start: Box<Receiver>,
        methods: Vec<String>,
    },
    /// A conditional expression (`(video ? videos : songs).add(f)`): the type its branches
    /// agree on.
    Conditional(Vec<Receiver>),
    /// Any other expression: a member chain (`_context.Users.Where(...)`), a call's
    /// result the front end does not follow, an indexer (`patterns[i]`).
    Expression,
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A string (or concatenation) recorded in `Unit::strings`.
    Str(usize),
    /// A plain name.
    Name(String),
    Lambda(FnId),
    Call(CallId),
    /// `new T(...)`.
    New(String),
    Other,
}

/// What a call is, by the language's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallRole {
    /// Reaches the database itself (`ExecuteReader`, Dapper `Query`, EF `ToList`); `api`
    /// names the catalogue entry for evidence.
    Database { kind: DbCall, api: String },
    /// Anything else: a call of the repository's own code or of a library.
    Plain,
}

#[derive(Debug, Clone)]
pub struct Call {
    /// The innermost function it is written in (a lambda's calls are the lambda's).
    pub function: Option<FnId>,
    /// Index in `Unit::classes` of the class it is written in, where the front end says
    /// (Java): what `this`, a field or an unqualified name mean in a call outside any
    /// function (a field's initializer, a static block).
    pub class: Option<usize>,
    pub callee: String,
    pub receiver: Receiver,
    /// The receiver expression's text, shortened.
    pub receiver_text: Option<String>,
    /// Member names along the receiver chain, outermost first, `this` removed.
    pub chain: Vec<String>,
    pub args: Vec<Arg>,
    pub role: CallRole,
    /// Enclosing loops, outermost first, up to the innermost function boundary that is
    /// not a per-element callback.
    pub loops: Vec<LoopId>,
    pub start: Pos,
    pub end: Pos,
    pub span: (usize, usize),
    pub awaited: bool,
    /// Blocking on the call's task (`.Result`, `.Wait()`, `.GetAwaiter().GetResult()`).
    pub blocked_by: Option<String>,
    /// Index in `Unit::strings` of the SQL argument, if any.
    pub sql_argument: Option<usize>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    ForEach,
    For,
    While,
    DoWhile,
    /// A lambda a per-element method runs (`ForEach`, `Select`, `forEach`, `map`).
    Callback,
    /// A comprehension or generator expression (`[f(x) for x in xs]`): its first source
    /// is evaluated once, outside it.
    Comprehension,
    /// A loop over the keys (property names) of an object: JavaScript's `for...in`.
    Keys,
}

/// What a loop iterates over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IterSource {
    /// A call's result (`foreach (var x in repo.GetAll())`).
    Call(CallId),
    /// A variable or member (`foreach (var x in xs)`, `while (reader.Read())`).
    Name(String),
    /// An expression the core does not follow.
    Other,
    /// A counting loop (`for (i = 0; ...)`, `while (flag)`).
    None,
}

#[derive(Debug, Clone)]
pub struct Loop {
    pub function: Option<FnId>,
    pub kind: LoopKind,
    /// The per-element method of a callback loop (`ForEach`, `Select`).
    pub method: Option<String>,
    /// Written as an asynchronous loop where the language words it so (`async for`).
    pub is_async: bool,
    pub source: IterSource,
    /// The iteration source's text, shortened, for evidence.
    pub source_text: Option<String>,
    pub variables: Vec<String>,
    pub start: Pos,
    pub end: Pos,
    pub span: (usize, usize),
    /// The query whose rows the loop walks when its source is a variable that holds them
    /// after a call on it (`cur.execute(sql); for row in cur:`): that call.
    pub rows_of: Option<CallId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// The guarded block of a `try` statement (without its handlers).
    Try,
    Catch,
    /// A `catch` that takes every exception (JavaScript's `catch`), right after the `Try`
    /// block it guards.
    CatchAll,
    Finally,
    /// `using (...) { }`, `with`, try-with-resources: disposes what it holds on every path.
    Using,
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub kind: ScopeKind,
    pub span: (usize, usize),
}

/// How a resource came to be, from where its creation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceOrigin {
    /// Held by a scope that disposes it on every path (`using`, `using var`, `with`):
    /// the words say which.
    Scoped(String),
    /// Assigned to a local variable, whose events decide.
    Local,
    /// Stored in a field or a static.
    Field,
    /// Returned as it is created.
    Returned,
    /// Created as an argument: of a constructor (`owner`, and whether it owns what it is
    /// given), or of a method call.
    Argument { owner: Option<String>, owning: bool },
    /// Registered with a dependency-injection container, which owns it.
    Registered,
    /// Handed on, as it is created, to an owner the front end words itself (Java: `stored
    /// in an array`, `yielded`, `used in an expression`).
    Escaped(String),
    /// Anywhere else (a discarded expression).
    Other,
}

/// Something done to a resource held in a local variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceEventKind {
    Open,
    /// Closed, disposed or released.
    Close,
    Return,
    StoreInField,
    /// Passed to a constructor: `owning` unless the type only uses it (a command, an
    /// adapter, a transaction).
    PassToConstructor {
        ty: String,
        owning: bool,
    },
    /// Passed to a method.
    PassToCall {
        callee: String,
    },
    /// A reader opened with `CommandBehavior.CloseConnection` closes it.
    ClosedByReader,
    /// A call that opens the connection itself when it is closed and closes it again
    /// before it returns (Dapper's `conn.QueryAsync(...)`): the pooled connection goes back
    /// with nothing else done.
    SelfOpeningCall {
        callee: String,
    },
    /// Any other call on it (`conn.BeginTransaction()`).
    Use,
    /// Put, after its creation, in a scope that releases it on every path (`with conn:`,
    /// `with closing(conn)`, `stack.enter_context(conn)`): the words say which.
    Scoped(String),
    /// Passed to a call that may keep or close it, in a language whose helpers commonly
    /// take over a connection they are given (Python: `register(conn)`); the front end's
    /// catalogue leaves out the calls that only look at it (`isinstance`, `print`). Its
    /// owner changes.
    HandedTo {
        callee: String,
    },
    /// Handed to an object that only uses it (a command), and that object is returned
    /// (`return new SqlCommand(sql, connection)`): the caller holds the connection now.
    ReturnedInside {
        holder: String,
    },
    /// Handed to another owner in a way the front end words itself (Java: `returned`,
    /// `stored in field `x``, `passed to `new Wrapper``): an escape, like a return.
    Escapes(String),
    /// Handed where it may be kept or may only be looked at (Java: passed to a method,
    /// aliased to another local): an escape only when nothing closes it, so it ranks below
    /// a close.
    MaybeKept(String),
}

#[derive(Debug, Clone)]
pub struct ResourceEvent {
    pub kind: ResourceEventKind,
    /// Byte offset where it happens.
    pub at: usize,
    pub end: usize,
    /// Words for evidence, where the front end keeps them: a close's call text (`closed
    /// (`conn.close()`), but not in a finally`), the field a store names (`self.conn`).
    pub text: Option<String>,
}

/// A connection created in the file.
#[derive(Debug, Clone)]
pub struct Resource {
    pub function: Option<FnId>,
    /// What creates it (`new SqlConnection`).
    pub api: String,
    pub variable: Option<String>,
    pub origin: ResourceOrigin,
    pub events: Vec<ResourceEvent>,
    pub start: Pos,
    pub end: Pos,
    pub span: (usize, usize),
    pub text: String,
    /// An in-process database (SQLite): no server session or pool slot is held.
    pub in_process: bool,
    /// The helper of the project it was taken from (`Db.getConnection()`), when the front
    /// end cannot tell whether that helper hands out a fresh connection or lends a shared
    /// one: never released, it is borrowed (`Disposal::Borrowed`), not known to leak.
    pub lender: Option<String>,
}

/// A connection or pool created per call where the ecosystem has a pool.
#[derive(Debug, Clone)]
pub struct PerCall {
    pub function: FnId,
    pub api: String,
    pub start: Pos,
    pub text: String,
}

/// One lowered file.
#[derive(Debug, Clone)]
pub struct Unit {
    pub path: String,
    pub language: Language,
    pub classes: Vec<Class>,
    pub functions: Vec<Function>,
    pub locals: Vec<Local>,
    /// Delegates and function fields bound to a method (`MethodBinding`).
    pub method_bindings: Vec<MethodBinding>,
    /// Names bound by imports (languages with module scope).
    pub imports: Vec<Import>,
    /// Whether a star import (`from m import *`) brings names the file does not list.
    pub star_import: bool,
    pub calls: Vec<Call>,
    pub loops: Vec<Loop>,
    pub scopes: Vec<Scope>,
    pub resources: Vec<Resource>,
    /// Functions that close the connection a parameter holds or carries
    /// (`command.Connection.Close()` in `CloseReader(SqlCommand command)`): (function,
    /// parameter position). A caller handing them a connection counts that as its close.
    pub param_closes: Vec<(FnId, usize)>,
    pub per_call: Vec<PerCall>,
    /// Methods' declared return types that name a class, bodiless methods too (the
    /// front ends that read them: Java), for `Receiver::CallResult`.
    pub method_returns: Vec<MethodReturn>,
    /// Byte offsets of object creations (`new T(...)`) and other points that can throw
    /// besides the calls (Java: `throw`, `this(...)`); a front end may list calls here too.
    pub creations: Vec<usize>,
    pub strings: Vec<StringLit>,
    pub comments: Vec<Comment>,
    pub error_share: f64,
    pub error_regions: Vec<(Pos, Pos)>,
    pub not_parsed: Option<String>,
}

impl Unit {
    pub fn new(path: &str, language: Language) -> Unit {
        Unit {
            path: path.to_string(),
            language,
            classes: Vec::new(),
            functions: Vec::new(),
            locals: Vec::new(),
            method_bindings: Vec::new(),
            imports: Vec::new(),
            star_import: false,
            calls: Vec::new(),
            loops: Vec::new(),
            scopes: Vec::new(),
            resources: Vec::new(),
            param_closes: Vec::new(),
            per_call: Vec::new(),
            method_returns: Vec::new(),
            creations: Vec::new(),
            strings: Vec::new(),
            comments: Vec::new(),
            error_share: 0.0,
            error_regions: Vec::new(),
            not_parsed: None,
        }
    }
}
