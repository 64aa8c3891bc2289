//! JavaScript / TypeScript adapter (`.js` `.jsx` `.mjs` `.cjs` with tree-sitter-javascript,
//! which handles JSX; `.ts` `.mts` `.cts` with tree-sitter-typescript; `.tsx` with its TSX
//! grammar): tree-sitter tree -> `AppFile` facts.
//!
//! The catalogue of database call sites, connection creations and iteration callbacks is
//! data (`catalogue`); the recognisers below only read those tables.

mod catalogue;

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::common::KindExt;

use super::common::{FieldExt, IdMap};

use crate::app::ir::{
    AppFile, Assignment, Call, Comment, ConnectionSite, DbCall, Disposal, Function, Language, Loop,
    PerCallConnection, Pos, ReceiverType, StringLit,
};
use crate::app::lang::common::{looks_like_sql, masked_credentials, record_errors, Source};
use catalogue::*;

/// Recursion cap of the walk (deeper subtrees are not read).
/// The walk needs `WALK_STACK` bytes of stack (a debug build uses about 4 KiB per level): it
/// runs directly on threads declared to have that much (the scan's worker pool, whose
/// thread-local parser is then reused), else on a thread of its own; if that thread cannot be
/// started it runs on the caller's thread with the cap at `FALLBACK_DEPTH`.
const MAX_DEPTH: usize = 500;
const WALK_STACK: usize = 16 << 20;
const FALLBACK_DEPTH: usize = 100;
/// Placeholder for non-literal parts of SQL text.
const PLACEHOLDER: &str = "$1";

pub fn extract(path: &str, text: &str, language: Language) -> AppFile {
    let outcome = if super::common::declared_thread_stack() >= WALK_STACK {
        Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || extract_with_depth(path, text, language, MAX_DEPTH),
        )))
    } else {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("dbaudit-js".into())
                .stack_size(WALK_STACK)
                .spawn_scoped(scope, || {
                    extract_with_depth(path, text, language, MAX_DEPTH)
                })
                .ok()
                .map(|handle| handle.join())
        })
    };
    match outcome {
        Some(Ok(file)) => file,
        // A panic in the walk (none is expected): report the file as not understood.
        Some(Err(_)) => {
            let mut file = AppFile::new(path, language);
            file.error_share = 1.0;
            file
        }
        None => extract_with_depth(path, text, language, FALLBACK_DEPTH),
    }
}

fn extract_with_depth(path: &str, text: &str, language: Language, max_depth: usize) -> AppFile {
    let mut file = AppFile::new(path, language);
    let lower = path.to_ascii_lowercase();
    let grammar: tree_sitter::Language = if lower.ends_with(".tsx") {
        tree_sitter_typescript::LANGUAGE_TSX.into()
    } else if lower.ends_with(".ts")
        || lower.ends_with(".mts")
        || lower.ends_with(".cts")
        || (language == Language::TypeScript
            && ![".js", ".jsx", ".mjs", ".cjs"]
                .iter()
                .any(|e| lower.ends_with(e)))
    {
        tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
    } else {
        tree_sitter_javascript::LANGUAGE.into()
    };
    let Some((tree, _kind_names)) = super::common::parse_tree(&mut file, text, &grammar) else {
        return file;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    let mut extractor = Extractor::new(&source, root, file);
    extractor.max_depth = max_depth;
    extractor.prepass();
    let top = Ctx {
        function: None,
        scope: root,
        loops: Vec::new(),
        class: None,
    };
    extractor.walk(root, &top, 0);
    let mut file = extractor.file;
    record_errors(&mut file, &source, root);
    file
}

#[derive(Clone)]
struct Ctx<'t> {
    function: Option<usize>,
    /// The enclosing function's node (the program at top level): the scope searched for
    /// releases, escapes and declarations.
    scope: Node<'t>,
    loops: Vec<usize>,
    class: Option<String>,
}

struct CallInfo<'t> {
    /// The function expression, without the TypeScript `await f<T>()` wrapping.
    func: Node<'t>,
    callee: String,
    receiver: Option<Node<'t>>,
    /// Names along the receiver chain (without `this`), outermost first.
    chain: Vec<String>,
    /// Names of member calls in the receiver chain (`request` in `pool.request().query`).
    member_calls: Vec<String>,
    /// The receiver chain's innermost call (`knex('users')` in `knex('users').where().first()`).
    deepest_call: Option<Node<'t>>,
    args: Vec<Node<'t>>,
    /// `tag`...``: the template is the only argument.
    template: Option<Node<'t>>,
    awaited: bool,
}

struct DbMatch<'t> {
    kind: DbCall,
    api: String,
    sql: Option<Node<'t>>,
    /// Refine the kind from the SQL text when it is literal.
    refine: bool,
}

struct Extractor<'s, 't> {
    src: &'s Source<'s>,
    root: Node<'t>,
    file: AppFile,
    modules: HashSet<String>,
    /// Local name -> module it was imported / required from.
    bindings: HashMap<String, String>,
    handles: HashMap<String, Handle>,
    /// Capitalised names defined as models in this file.
    models: HashSet<String>,
    /// `const NAME = <string expression>`: name -> (value node, at module level), in order.
    string_decls: HashMap<String, Vec<(Node<'t>, bool)>>,
    call_at: HashMap<(usize, usize), usize>,
    string_at: HashMap<(usize, usize), usize>,
    max_depth: usize,
    /// Node id -> parent, for every node (filled by the pre-pass).
    parents: IdMap<Node<'t>>,
}

fn range(node: Node) -> (usize, usize) {
    (node.start_byte(), node.end_byte())
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "function_expression"
            | "generator_function_declaration"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

use super::tree::named_children;

fn children(node: Node) -> Vec<Node> {
    super::common::children_of(node, false)
}

/// Without parentheses and TypeScript type wrappers (`as`, `!`, `satisfies`, `<T>x`).
fn unwrap_expr(mut node: Node) -> Node {
    for _ in 0..200 {
        let next = match node.kind_name() {
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => named_children(node).into_iter().next(),
            "type_assertion" => named_children(node).into_iter().last(),
            _ => None,
        };
        match next {
            Some(inner) => node = inner,
            None => return node,
        }
    }
    node
}

/// Without parentheses, type wrappers and `await`.
fn unwrap_await(mut node: Node) -> Node {
    for _ in 0..200 {
        node = unwrap_expr(node);
        if node.kind_name() == "await_expression" {
            match named_children(node).into_iter().next() {
                Some(inner) => node = inner,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

/// The function expression of a call, without TypeScript's `await f<T>()` misparse
/// (`call(function: await_expression(f))`), and whether that wrapping awaited it.
fn call_function(call: Node) -> Option<(Node, bool)> {
    let func = call.field("function")?;
    if func.kind_name() == "await_expression" {
        if let Some(inner) = named_children(func).into_iter().next() {
            return Some((inner, true));
        }
    }
    Some((func, false))
}

/// camelCase / snake_case words of a name, lowercased (`DBPool` -> `db`, `pool`).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn lookup(table: &[(&str, DbCall)], name: &str) -> Option<DbCall> {
    table.iter().find(|(m, _)| *m == name).map(|(_, k)| *k)
}

fn is_capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

/// The statement kind of SQL text: writes for INSERT / UPDATE / DELETE / MERGE / DDL.
fn sql_kind(text: &str) -> Option<DbCall> {
    let first: String = text
        .trim_start()
        .trim_start_matches('(')
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    match first.as_str() {
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "TRUNCATE" | "CREATE" | "ALTER" | "DROP"
        | "REPLACE" | "UPSERT" | "GRANT" | "REVOKE" => Some(DbCall::Execute),
        "SELECT" | "WITH" | "SHOW" | "EXPLAIN" | "VALUES" | "TABLE" => Some(DbCall::Query),
        _ => None,
    }
}

fn strip_quotes(text: &str) -> &str {
    let t = text.trim();
    if t.len() >= 2 && (t.starts_with('"') || t.starts_with('\'') || t.starts_with('`')) {
        t.get(1..t.len() - 1).unwrap_or(t)
    } else {
        t
    }
}

impl<'s, 't> Extractor<'s, 't> {
    /// The parent, from the map of the pre-pass (`Node::parent` searches down from the
    /// root, which costs more than the rest of the extraction on large files).
    fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        match self.parents.get(&node.id()) {
            Some(parent) => Some(*parent),
            None => node.parent(),
        }
    }

    /// The parent, skipping parentheses and type wrappers.
    fn logical_parent(&self, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        let mut child = node;
        let mut parent = self.parent(node)?;
        for _ in 0..200 {
            match parent.kind_name() {
                "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
                | "type_assertion" => {
                    child = parent;
                    parent = self.parent(parent)?;
                }
                _ => return Some((child, parent)),
            }
        }
        Some((child, parent))
    }
    fn new(src: &'s Source<'s>, root: Node<'t>, file: AppFile) -> Self {
        Extractor {
            src,
            root,
            file,
            modules: HashSet::new(),
            bindings: HashMap::new(),
            handles: HashMap::new(),
            models: HashSet::new(),
            string_decls: HashMap::new(),
            call_at: HashMap::new(),
            string_at: HashMap::new(),
            max_depth: MAX_DEPTH,
            parents: IdMap::default(),
        }
    }

    fn text(&self, node: Node) -> &'s str {
        self.src.text(node)
    }

    fn short(&self, node: Node, max: usize) -> String {
        self.src.short(node, max)
    }

    // ── Pre-pass: comments, imports, handles, models, string declarations ──────────────

    fn prepass(&mut self) {
        // Named nodes only: anonymous tokens' parents, rarely asked, come from `Node::parent`.
        let (nodes, parents) = super::common::preorder_named(self.root);
        self.parents = parents;
        for &node in &nodes {
            match node.kind_name() {
                "comment" | "html_comment" => {
                    let line = self.src.start(node).line;
                    self.file.comments.push(Comment {
                        line,
                        text: self.text(node).to_string(),
                    });
                }
                "import_statement" => self.import(node),
                "call_expression" => self.require(node),
                "class_declaration" | "class" | "abstract_class_declaration" => {
                    let heritage = children(node)
                        .into_iter()
                        .find(|c| c.kind_name() == "class_heritage");
                    if let (Some(name), Some(heritage)) = (node.field("name"), heritage) {
                        let h = self.text(heritage);
                        if h.contains("Model") || h.contains("BaseEntity") {
                            self.models.insert(self.text(name).to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        for &node in &nodes {
            match node.kind_name() {
                "variable_declarator" => {
                    let (Some(name), value) = (node.field("name"), node.field("value")) else {
                        continue;
                    };
                    if name.kind_name() == "object_pattern" {
                        // const { User, Post } = db / models / sequelize.models
                        let from_container = value
                            .and_then(|v| self.last_name(unwrap_await(v)))
                            .is_some_and(|l| {
                                let l = l.to_ascii_lowercase();
                                l == "models" || MODEL_CONTAINERS.contains(&l.as_str())
                            });
                        if from_container
                            && value
                                .is_some_and(|v| unwrap_await(v).kind_name() != "call_expression")
                        {
                            for model in self.pattern_names(name) {
                                if is_capitalised(&model) {
                                    self.models.insert(model);
                                }
                            }
                        }
                    }
                    if name.kind_name() != "identifier" {
                        continue;
                    }
                    let name_text = self.text(name).to_string();
                    if let Some(ty) = node.field("type") {
                        self.typed_handle(&name_text, ty);
                    }
                    if let Some(value) = value {
                        self.value_handle(&name_text, value);
                        let v = unwrap_expr(value);
                        if self.is_string_expr(v) {
                            let module_level = !self.has_function_ancestor(node);
                            self.string_decls
                                .entry(name_text.clone())
                                .or_default()
                                .push((v, module_level));
                        }
                        if let Some(model) = self.model_definition(v) {
                            if model {
                                self.models.insert(name_text);
                            }
                        }
                    }
                }
                "assignment_expression" => {
                    let (Some(left), Some(right)) = (node.field("left"), node.field("right"))
                    else {
                        continue;
                    };
                    let name = match left.kind_name() {
                        "identifier" => Some(self.text(left).to_string()),
                        "member_expression" => left
                            .field("property")
                            .map(|p| self.text(p).trim_start_matches('#').to_string()),
                        _ => None,
                    };
                    if let Some(name) = name {
                        self.value_handle(&name, right);
                    }
                }
                "required_parameter"
                | "optional_parameter"
                | "public_field_definition"
                | "field_definition" => {
                    let name = node
                        .field("pattern")
                        .or_else(|| node.field("name"))
                        .or_else(|| node.field("property"));
                    let Some(name) = name else { continue };
                    if !matches!(
                        name.kind_name(),
                        "identifier" | "property_identifier" | "private_property_identifier"
                    ) {
                        continue;
                    }
                    let name_text = self.text(name).trim_start_matches('#').to_string();
                    if let Some(ty) = node.field("type") {
                        self.typed_handle(&name_text, ty);
                    }
                    if let Some(value) = node.field("value") {
                        self.value_handle(&name_text, value);
                    }
                }
                _ => {}
            }
        }
    }

    fn has_function_ancestor(&self, node: Node) -> bool {
        let mut current = self.parent(node);
        while let Some(n) = current {
            if is_function(n.kind_name()) {
                return true;
            }
            current = self.parent(n);
        }
        false
    }

    fn import(&mut self, node: Node) {
        let Some(source) = node.field("source") else {
            return;
        };
        let module = strip_quotes(self.text(source)).to_string();
        for child in named_children(node) {
            if child.kind_name() != "import_clause" {
                continue;
            }
            for part in named_children(child) {
                match part.kind_name() {
                    "identifier" => {
                        self.bindings
                            .insert(self.text(part).to_string(), module.clone());
                    }
                    "namespace_import" => {
                        for id in named_children(part) {
                            if id.kind_name() == "identifier" {
                                self.bindings
                                    .insert(self.text(id).to_string(), module.clone());
                            }
                        }
                    }
                    "named_imports" => {
                        for spec in named_children(part) {
                            let local = spec.field("alias").or_else(|| spec.field("name"));
                            if let Some(local) = local {
                                self.bindings.insert(
                                    strip_quotes(self.text(local)).to_string(),
                                    module.clone(),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        self.modules.insert(module);
    }

    /// `require('m')` / `import('m')`: the module, and the names it binds.
    fn require(&mut self, node: Node) {
        let Some((func, _)) = call_function(node) else {
            return;
        };
        let fname = self.text(func);
        if fname != "require" && func.kind_name() != "import" {
            return;
        }
        let Some(args) = node.field("arguments") else {
            return;
        };
        let Some(first) = named_children(args).into_iter().next() else {
            return;
        };
        if first.kind_name() != "string" {
            return;
        }
        let module = strip_quotes(self.text(first)).to_string();
        // const x = require('m') / require('m').default / require('m')(config) / await import('m')
        let mut holder = node;
        for _ in 0..4 {
            let Some((child, parent)) = self.logical_parent(holder) else {
                break;
            };
            match parent.kind_name() {
                "member_expression" | "await_expression" => holder = parent,
                "call_expression" if parent.field("function") == Some(child) => holder = parent,
                "variable_declarator" => {
                    if let Some(name) = parent.field("name") {
                        for local in self.pattern_names(name) {
                            self.bindings.insert(local, module.clone());
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        self.modules.insert(module);
    }

    fn imports_any(&self, modules: &[&str]) -> bool {
        modules.iter().any(|m| self.modules.contains(*m))
    }

    fn driver_imported(&self, driver: Driver) -> bool {
        DRIVER_MODULES
            .iter()
            .any(|(d, modules, _)| *d == driver && self.imports_any(modules))
    }

    /// Whether `name` (a qualifier such as `pg` or `sql`, or a bare constructor / factory
    /// name) identifies the driver.
    /// A name bound by an import is the driver's when imported from its module; an unbound
    /// one when it is one of the driver's usual qualifiers (`pg`, `sql`, `mysql`).
    fn name_is_driver(&self, name: &str, driver: Driver) -> bool {
        DRIVER_MODULES.iter().any(|(d, modules, qualifiers)| {
            *d == driver
                && match self.bindings.get(name) {
                    Some(m) => modules.contains(&m.as_str()),
                    None => qualifiers.contains(&name),
                }
        })
    }

    /// A creation `new q.X(...)` / `q.X(...)` / `new X(...)` / `X(...)`: is it the driver's?
    /// Qualified: the qualifier is the driver's. Bare: the name is imported from the driver, or
    /// (not imported at all) the file imports the driver.
    fn creation_is_driver(&self, qualifier: Option<Node>, name: &str, driver: Driver) -> bool {
        match qualifier {
            Some(q) => {
                let q = unwrap_expr(q);
                let qname = match q.kind_name() {
                    "identifier" => self.text(q).to_string(),
                    "member_expression" => q
                        .field("property")
                        .map(|p| self.text(p).to_string())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                self.name_is_driver(&qname, driver)
            }
            None => match self.bindings.get(name) {
                Some(m) => DRIVER_MODULES
                    .iter()
                    .any(|(d, modules, _)| *d == driver && modules.contains(&m.as_str())),
                None => self.driver_imported(driver),
            },
        }
    }

    fn typed_handle(&mut self, name: &str, ty: Node) {
        let text = self.text(ty).trim_start_matches(':').trim();
        let base: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let base = base.rsplit('.').next().unwrap_or("").to_string();
        let handle = HANDLE_TYPES
            .iter()
            .find(|(t, _)| *t == base)
            .map(|(_, h)| *h)
            .or(match base.as_str() {
                "Pool" if self.driver_imported(Driver::Pg) => Some(Handle::PgPool),
                "Pool" if self.driver_imported(Driver::Mysql) => Some(Handle::MysqlPool),
                "Client" if self.driver_imported(Driver::Pg) => Some(Handle::PgClient),
                "Connection" if self.driver_imported(Driver::Mysql) => Some(Handle::MysqlConn),
                "Connection" if self.driver_imported(Driver::Tedious) => Some(Handle::Tedious),
                "Request" if self.driver_imported(Driver::Mssql) => Some(Handle::MssqlRequest),
                _ => None,
            });
        if let Some(handle) = handle {
            self.handles.insert(name.to_string(), handle);
        }
    }

    fn value_handle(&mut self, name: &str, value: Node) {
        if let Some(handle) = self.handle_of_value(value) {
            self.handles.insert(name.to_string(), handle);
        }
    }

    /// What a value makes its variable: `new Pool()`, `await pool.connect()`,
    /// `pool.request()`, `knex(config)`, `new PrismaClient()`, `getRepository(User)`...
    fn handle_of_value(&self, value: Node) -> Option<Handle> {
        let v = unwrap_await(value);
        match v.kind_name() {
            "new_expression" => {
                let ctor = v.field("constructor")?;
                let (qualifier, name) = self.split_name(ctor);
                match name.as_str() {
                    "Pool" if self.creation_is_driver(qualifier, &name, Driver::Pg) => {
                        Some(Handle::PgPool)
                    }
                    "Client" if self.creation_is_driver(qualifier, &name, Driver::Pg) => {
                        Some(Handle::PgClient)
                    }
                    "ConnectionPool" => Some(Handle::MssqlPool),
                    "Request" if self.creation_is_driver(qualifier, &name, Driver::Mssql) => {
                        Some(Handle::MssqlRequest)
                    }
                    "Connection" if self.creation_is_driver(qualifier, &name, Driver::Tedious) => {
                        Some(Handle::Tedious)
                    }
                    "PrismaClient" => Some(Handle::Prisma),
                    "Sequelize" => Some(Handle::Sequelize),
                    "DataSource" if self.imports_any(&["typeorm"]) => Some(Handle::DataSource),
                    _ => None,
                }
            }
            "call_expression" => {
                let (func, _) = call_function(v)?;
                let func = unwrap_expr(func);
                let (qualifier, name) = self.split_name(func);
                match name.as_str() {
                    "connect" => {
                        let q = qualifier?;
                        let q = unwrap_await(q);
                        if q.kind_name() == "new_expression" {
                            return self.handle_of_value(q);
                        }
                        let qname = self.last_name(q)?;
                        if self.name_is_driver(&qname, Driver::Mssql) {
                            return Some(Handle::MssqlPool);
                        }
                        match self.handles.get(&qname) {
                            Some(Handle::PgPool) => Some(Handle::PgClient),
                            Some(Handle::MssqlPool) => Some(Handle::MssqlPool),
                            _ if words(&qname).iter().any(|w| w == "pool") => {
                                Some(Handle::PgClient)
                            }
                            _ => None,
                        }
                    }
                    "getConnection" => Some(Handle::MysqlConn),
                    "request" if qualifier.is_some() => Some(Handle::MssqlRequest),
                    "createPool" if self.creation_is_driver(qualifier, &name, Driver::Mysql) => {
                        Some(Handle::MysqlPool)
                    }
                    "createConnection"
                        if self.creation_is_driver(qualifier, &name, Driver::Mysql) =>
                    {
                        Some(Handle::MysqlConn)
                    }
                    "knex" | "Knex" | "drizzle" if qualifier.is_none() => Some(Handle::Knex),
                    _ if TYPEORM_REPOSITORY_FACTORIES.contains(&name.as_str()) => {
                        Some(Handle::Repository)
                    }
                    _ if qualifier.is_none()
                        && self
                            .bindings
                            .get(&name)
                            .is_some_and(|m| SQL_TAG_MODULES.contains(&m.as_str())) =>
                    {
                        Some(Handle::SqlTag)
                    }
                    _ => {
                        // require('knex')(config)
                        if func.kind_name() == "call_expression"
                            && self.text(func).starts_with("require")
                            && self.text(func).contains("knex")
                        {
                            Some(Handle::Knex)
                        } else {
                            None
                        }
                    }
                }
            }
            _ => None,
        }
    }

    /// `sequelize.define(...)`, `mongoose.model(...)`, `class extends Model`: Some(true).
    fn model_definition(&self, value: Node) -> Option<bool> {
        let v = unwrap_await(value);
        match v.kind_name() {
            "call_expression" => {
                let (func, _) = call_function(v)?;
                let (qualifier, name) = self.split_name(func);
                Some(qualifier.is_some() && (name == "define" || name == "model"))
            }
            "class" => {
                let heritage = children(v)
                    .into_iter()
                    .find(|c| c.kind_name() == "class_heritage")?;
                let h = self.text(heritage);
                Some(h.contains("Model") || h.contains("BaseEntity"))
            }
            _ => None,
        }
    }

    /// `a.b.C` -> (Some(a.b), "C"); `C` -> (None, "C").
    fn split_name(&self, node: Node<'t>) -> (Option<Node<'t>>, String) {
        let node = unwrap_expr(node);
        match node.kind_name() {
            "member_expression" => {
                let name = node
                    .field("property")
                    .map(|p| self.text(p).to_string())
                    .unwrap_or_default();
                (node.field("object"), name)
            }
            "identifier" => (None, self.text(node).to_string()),
            _ => (None, String::new()),
        }
    }

    /// The last name of an expression: `pool`, `this.pool` -> `pool`, `getPool()` -> `getPool`.
    fn last_name(&self, node: Node) -> Option<String> {
        let (chain, _, _) = self.chain_of(node);
        chain.last().cloned()
    }

    /// Names along a receiver chain without `this`, outermost first; member call names; the
    /// innermost call.
    fn chain_of(&self, node: Node<'t>) -> (Vec<String>, Vec<String>, Option<Node<'t>>) {
        let mut names = Vec::new();
        let mut member_calls = Vec::new();
        let mut deepest = None;
        let mut n = node;
        for _ in 0..500 {
            match n.kind_name() {
                "identifier" | "property_identifier" | "private_property_identifier" => {
                    names.push(self.text(n).trim_start_matches('#').to_string());
                    break;
                }
                "member_expression" => {
                    if let Some(p) = n.field("property") {
                        names.push(self.text(p).trim_start_matches('#').to_string());
                    }
                    match n.field("object") {
                        Some(o) => n = o,
                        None => break,
                    }
                }
                "call_expression" => {
                    deepest = Some(n);
                    let Some((func, _)) = call_function(n) else {
                        break;
                    };
                    let func = unwrap_expr(func);
                    if func.kind_name() == "member_expression" {
                        if let Some(p) = func.field("property") {
                            member_calls.push(self.text(p).to_string());
                        }
                    }
                    n = func;
                }
                "subscript_expression" => match n.field("object") {
                    Some(o) => n = o,
                    None => break,
                },
                "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
                | "type_assertion" => {
                    let inner = unwrap_expr(n);
                    if inner == n {
                        break;
                    }
                    n = inner;
                }
                "await_expression" => match named_children(n).into_iter().next() {
                    Some(inner) => n = inner,
                    None => break,
                },
                "new_expression" => match n.field("constructor") {
                    Some(c) => n = c,
                    None => break,
                },
                _ => break,
            }
        }
        names.reverse();
        member_calls.reverse();
        (names, member_calls, deepest)
    }

    fn is_string_literal(node: Node) -> bool {
        matches!(node.kind_name(), "string" | "template_string")
    }

    /// Operands of a `+` chain (iteratively, left to right).
    fn plus_operands(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            let inner = unwrap_expr(n);
            if inner.kind_name() == "binary_expression"
                && inner.field("operator").is_some_and(|o| self.text(o) == "+")
            {
                if let (Some(l), Some(r)) = (inner.field("left"), inner.field("right")) {
                    stack.push(r);
                    stack.push(l);
                    continue;
                }
            }
            out.push(n);
        }
        out
    }

    /// A string, template, or `+` concatenation with a literal part.
    fn is_string_expr(&self, node: Node<'t>) -> bool {
        match node.kind_name() {
            "string" | "template_string" => true,
            "binary_expression" => self
                .plus_operands(node)
                .iter()
                .any(|o| Self::is_string_literal(unwrap_expr(*o))),
            _ => false,
        }
    }

    /// Text with non-literal parts as `$1`, and segments mapping literal runs to the file.
    fn build_string(&self, node: Node<'t>) -> Option<StringLit> {
        let operands = if node.kind_name() == "binary_expression" {
            self.plus_operands(node)
        } else {
            vec![node]
        };
        if !operands
            .iter()
            .any(|o| Self::is_string_literal(unwrap_expr(*o)))
        {
            return None;
        }
        let mut text = String::new();
        let mut segments = Vec::new();
        let mut last_placeholder = false;
        let run = |text: &mut String, segments: &mut Vec<(usize, Pos)>, from: usize, to: usize| {
            if to > from {
                if let Some(part) = self.src.text.get(from..to) {
                    segments.push((text.len(), self.src.pos_of_byte(from)));
                    text.push_str(part);
                }
            }
        };
        for op in operands {
            let op = unwrap_expr(op);
            match op.kind_name() {
                "string" => {
                    let (start, end) = range(op);
                    if end >= start + 2 {
                        run(&mut text, &mut segments, start + 1, end - 1);
                    }
                    last_placeholder = false;
                }
                "template_string" => {
                    let (start, end) = range(op);
                    let close = if end > start + 1 && self.src.text.get(end - 1..end) == Some("`") {
                        end - 1
                    } else {
                        end
                    };
                    let mut cursor = start + 1;
                    for child in children(op) {
                        if child.kind_name() == "template_substitution" {
                            run(&mut text, &mut segments, cursor, child.start_byte());
                            text.push_str(PLACEHOLDER);
                            cursor = child.end_byte();
                        }
                    }
                    run(&mut text, &mut segments, cursor, close);
                    last_placeholder = false;
                }
                _ => {
                    if !last_placeholder {
                        text.push_str(PLACEHOLDER);
                    }
                    last_placeholder = true;
                }
            }
        }
        Some(StringLit {
            function: None,
            text,
            segments,
            start: self.src.start(node),
            at_db_call: false,
        })
    }

    // ── Walk ───────────────────────────────────────────────────────────────────────────

    fn walk_children(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        // `walk` ignores anonymous nodes.
        super::common::for_each_child(node, true, |child| self.walk(child, ctx, depth + 1));
    }

    fn walk(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        if depth > self.max_depth || !node.is_named() {
            return;
        }
        match node.kind_name() {
            k if is_function(k) => self.function(node, ctx, depth),
            "class_declaration" | "class" | "abstract_class_declaration" => {
                let mut inner = ctx.clone();
                let name = node
                    .field("name")
                    .map(|n| self.text(n).to_string())
                    .or_else(|| {
                        let (_, parent) = self.logical_parent(node)?;
                        (parent.kind_name() == "variable_declarator")
                            .then(|| parent.field("name").map(|n| self.text(n).to_string()))
                            .flatten()
                    });
                if name.is_some() {
                    inner.class = name;
                }
                self.walk_children(node, &inner, depth);
            }
            "for_statement" => self.for_statement(node, ctx, depth),
            "for_in_statement" => self.for_in(node, ctx, depth),
            "while_statement" | "do_statement" => {
                let kind = if node.kind_name() == "while_statement" {
                    "while"
                } else {
                    "do...while"
                };
                let index = self.push_loop(node, ctx, kind, None, Vec::new());
                let mut inner = ctx.clone();
                inner.loops.push(index);
                self.walk_children(node, &inner, depth);
            }
            "call_expression" => self.call(node, ctx, depth),
            "new_expression" => {
                self.new_expression(node, ctx);
                self.walk_children(node, ctx, depth);
            }
            "string" => self.string_expr(node, ctx),
            "template_string" => {
                self.string_expr(node, ctx);
                self.walk_substitutions(node, ctx, depth);
            }
            "binary_expression" if self.is_string_expr(node) => {
                self.string_expr(node, ctx);
                for op in self.plus_operands(node) {
                    let inner = unwrap_expr(op);
                    if inner.kind_name() == "template_string" {
                        self.walk_substitutions(inner, ctx, depth);
                    } else if inner.kind_name() != "string" {
                        self.walk(op, ctx, depth + 1);
                    }
                }
            }
            "variable_declarator" => {
                let mut inner = ctx.clone();
                if let (Some(name), Some(value)) = (node.field("name"), node.field("value")) {
                    if unwrap_expr(value).kind_name() == "object"
                        && name.kind_name() == "identifier"
                    {
                        inner.class = Some(self.text(name).to_string());
                    }
                }
                self.walk_children(node, &inner, depth);
                self.assignment(node, ctx);
            }
            "assignment_expression" => {
                self.walk_children(node, ctx, depth);
                self.assignment(node, ctx);
            }
            "comment" | "html_comment" => {}
            _ => self.walk_children(node, ctx, depth),
        }
    }

    fn walk_substitutions(&mut self, template: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        for child in children(template) {
            if child.kind_name() == "template_substitution" {
                self.walk_children(child, ctx, depth + 1);
            }
        }
    }

    // ── Functions and loop callbacks ───────────────────────────────────────────────────

    fn function(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        if let Some((kind, source, param)) = self.loop_callback(node) {
            let (source_text, source_call, source_var) = self.loop_source(source);
            let variables = self
                .params(node)
                .get(param)
                .map(|p| self.pattern_names(*p))
                .unwrap_or_default();
            let index = self.file.loops.len();
            self.file.loops.push(Loop {
                function: ctx.function,
                kind,
                start: self.src.start(node),
                end: self.src.end(node),
                span: range(node),
                source_text,
                source_call,
                source_var,
                variables,
            });
            let mut inner = ctx.clone();
            inner.loops.push(index);
            self.walk_children(node, &inner, depth);
            return;
        }
        let index = self.file.functions.len();
        let body = node.field("body").map(range).unwrap_or_else(|| range(node));
        let arity = if node.field("parameter").is_some() {
            1
        } else {
            self.params(node).len()
        };
        self.file.functions.push(Function {
            name: self.function_name(node),
            arity,
            class: ctx.class.clone(),
            start: self.src.start(node),
            end: self.src.end(node),
            body,
            is_async: children(node).iter().any(|c| c.kind_name() == "async"),
            is_abstract: false,
        });
        let inner = Ctx {
            function: Some(index),
            scope: node,
            loops: Vec::new(),
            class: ctx.class.clone(),
        };
        self.walk_children(node, &inner, depth);
    }

    /// Parameters (patterns), without TypeScript's `this` parameter.
    fn params(&self, node: Node<'t>) -> Vec<Node<'t>> {
        if let Some(p) = node.field("parameter") {
            return vec![p];
        }
        let Some(params) = node.field("parameters") else {
            return Vec::new();
        };
        named_children(params)
            .into_iter()
            .filter(|p| p.field("pattern").is_none_or(|x| x.kind_name() != "this"))
            .collect()
    }

    /// Identifiers bound by a pattern (or TypeScript parameter).
    fn pattern_names(&self, pattern: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![pattern];
        let mut steps = 0;
        while let Some(p) = stack.pop() {
            steps += 1;
            if steps > 10_000 {
                break;
            }
            match p.kind_name() {
                "identifier" | "shorthand_property_identifier_pattern" => {
                    out.push(self.text(p).to_string())
                }
                "required_parameter" | "optional_parameter" => {
                    if let Some(x) = p.field("pattern").or_else(|| p.field("name")) {
                        stack.push(x);
                    }
                }
                "pair_pattern" => {
                    if let Some(v) = p.field("value") {
                        stack.push(v);
                    }
                }
                "assignment_pattern" | "object_assignment_pattern" => {
                    if let Some(l) = p.field("left") {
                        stack.push(l);
                    }
                }
                "object_pattern" | "array_pattern" | "rest_pattern" => {
                    for c in named_children(p).into_iter().rev() {
                        stack.push(c);
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn function_name(&self, node: Node) -> String {
        if let Some(name) = node.field("name") {
            return strip_quotes(self.text(name)).to_string();
        }
        let Some((child, parent)) = self.logical_parent(node) else {
            return "<anonymous>".into();
        };
        let named = |n: Option<Node>| {
            n.map(|n| {
                strip_quotes(self.text(n))
                    .trim_start_matches('#')
                    .to_string()
            })
        };
        let name = match parent.kind_name() {
            "variable_declarator" => named(
                parent
                    .field("name")
                    .filter(|n| n.kind_name() == "identifier"),
            ),
            "assignment_expression" if parent.field("right") == Some(child) => {
                let left = parent.field("left");
                match left.map(|l| l.kind_name()) {
                    Some("identifier") => named(left),
                    Some("member_expression") => {
                        let text = left.map(|l| self.text(l)).unwrap_or("");
                        if text == "module.exports" {
                            Some("default".to_string())
                        } else {
                            named(left.and_then(|l| l.field("property")))
                        }
                    }
                    _ => None,
                }
            }
            "pair" => named(parent.field("key")),
            "public_field_definition" | "field_definition" => {
                named(parent.field("name").or_else(|| parent.field("property")))
            }
            "export_statement" => Some("default".to_string()),
            "arguments" => {
                // const handler = asyncHandler(async (req, res) => ...): the wrapper's variable.
                let call = self
                    .parent(parent)
                    .filter(|c| c.kind_name() == "call_expression");
                let bare = call
                    .and_then(call_function)
                    .is_some_and(|(f, _)| f.kind_name() == "identifier");
                let first = named_children(parent).into_iter().next() == Some(child);
                let wrapped = match (call, bare && first) {
                    (Some(call), true) => match self.logical_parent(call) {
                        Some((_, decl)) if decl.kind_name() == "variable_declarator" => {
                            named(decl.field("name").filter(|n| n.kind_name() == "identifier"))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                // Otherwise `<router.get('/orders') callback>`: synthetic, never a callee.
                wrapped.or_else(|| {
                    let call = call?;
                    let (func, _) = call_function(call)?;
                    let mut label = self.short(func, 40);
                    if let Some(route) = named_children(parent)
                        .into_iter()
                        .next()
                        .filter(|a| a.kind_name() == "string")
                    {
                        label = format!("{label}({})", self.short(route, 40));
                    }
                    Some(format!("<{label} callback>"))
                })
            }
            _ => None,
        };
        name.filter(|n| !n.is_empty())
            .unwrap_or_else(|| "<anonymous>".into())
    }

    /// A function literal passed as an iteration callback: (kind, source expression, index of
    /// the element parameter).
    fn loop_callback(&self, node: Node<'t>) -> Option<(String, Node<'t>, usize)> {
        let args = self.parent(node)?;
        if args.kind_name() != "arguments" {
            return None;
        }
        let call = self.parent(args)?;
        if call.kind_name() != "call_expression" {
            return None;
        }
        let (func, _) = call_function(call)?;
        let func = unwrap_expr(func);
        if func.kind_name() != "member_expression" {
            return None;
        }
        let method = self.text(func.field("property")?);
        let object = func.field("object")?;
        let list = named_children(args);
        let position = list.iter().position(|a| *a == node)?;
        if position == 0 {
            if let Some((_, param)) = LOOP_CALLBACK_METHODS.iter().find(|(m, _)| *m == method) {
                let mut kind = format!("{method} callback");
                if method == "map" {
                    if let Some(combinator) = self.promise_combinator(call) {
                        kind = format!("Promise.{combinator}(map) callback");
                    }
                }
                return Some((kind, object, *param));
            }
        }
        let object_name = self.text(unwrap_expr(object));
        if position >= 1
            && ITERATION_HELPERS
                .iter()
                .any(|(r, ms)| *r == object_name && ms.contains(&method))
        {
            let source = *list.first()?;
            return Some((format!("{object_name}.{method} callback"), source, 0));
        }
        None
    }

    /// `Promise.all(<call>)`: "all".
    fn promise_combinator(&self, call: Node) -> Option<String> {
        let (_, args) = self.logical_parent(call)?;
        if args.kind_name() != "arguments" {
            return None;
        }
        let outer = self.parent(args)?;
        let (func, _) = call_function(outer)?;
        let (qualifier, name) = self.split_name(func);
        let q = qualifier?;
        (self.text(q) == "Promise" && PROMISE_COMBINATORS.contains(&name.as_str())).then_some(name)
    }

    /// Source text, call index and variable of an iteration source.
    fn loop_source(&self, expr: Node<'t>) -> (Option<String>, Option<usize>, Option<String>) {
        let text = Some(self.short(expr, 120));
        let mut e = unwrap_await(expr);
        for _ in 0..20 {
            let next = match e.kind_name() {
                "call_expression" => {
                    let Some((func, _)) = call_function(e) else {
                        break;
                    };
                    let (qualifier, name) = self.split_name(func);
                    let args = e.field("arguments").map(named_children).unwrap_or_default();
                    match (qualifier, name.as_str(), args.len()) {
                        (Some(q), "keys" | "values" | "entries", 1) if self.text(q) == "Object" => {
                            Some(args[0])
                        }
                        (Some(q), "from", 1) if self.text(q) == "Array" => Some(args[0]),
                        (Some(q), "keys" | "values" | "entries", 0) => Some(q),
                        _ => None,
                    }
                }
                "member_expression" => {
                    let prop = e.field("property").map(|p| self.text(p)).unwrap_or("");
                    if prop == "rows" || prop == "recordset" {
                        e.field("object")
                    } else {
                        None
                    }
                }
                "array" => {
                    let items = named_children(e);
                    match items.as_slice() {
                        [one] if one.kind_name() == "spread_element" => {
                            named_children(*one).into_iter().next()
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            match next {
                Some(n) => e = unwrap_await(n),
                None => break,
            }
        }
        match e.kind_name() {
            "call_expression" => (text, self.call_at.get(&range(e)).copied(), None),
            "identifier" => (text, None, Some(self.text(e).to_string())),
            "member_expression" => {
                let object = e.field("object");
                if object.is_some_and(|o| o.kind_name() == "this") {
                    let prop = e.field("property").map(|p| self.text(p)).unwrap_or("");
                    (text, None, Some(format!("this.{prop}")))
                } else {
                    (text, None, None)
                }
            }
            _ => (text, None, None),
        }
    }

    fn push_loop(
        &mut self,
        node: Node<'t>,
        ctx: &Ctx<'t>,
        kind: &str,
        source: Option<Node<'t>>,
        variables: Vec<String>,
    ) -> usize {
        let (source_text, source_call, source_var) = match source {
            Some(s) => self.loop_source(s),
            None => (None, None, None),
        };
        let index = self.file.loops.len();
        self.file.loops.push(Loop {
            function: ctx.function,
            kind: kind.to_string(),
            start: self.src.start(node),
            end: self.src.end(node),
            span: range(node),
            source_text,
            source_call,
            source_var,
            variables,
        });
        index
    }

    fn for_statement(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        let initializer = node.field("initializer");
        let mut variables = Vec::new();
        if let Some(init) = initializer {
            for decl in named_children(init) {
                if decl.kind_name() == "variable_declarator" {
                    if let Some(name) = decl.field("name") {
                        variables.extend(self.pattern_names(name));
                    }
                }
            }
            self.walk(init, ctx, depth + 1);
        }
        let index = self.push_loop(node, ctx, "for", None, variables);
        let mut inner = ctx.clone();
        inner.loops.push(index);
        for child in children(node) {
            if Some(child) != initializer {
                self.walk(child, &inner, depth + 1);
            }
        }
    }

    fn for_in(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        let right = node.field("right");
        if let Some(r) = right {
            self.walk(r, ctx, depth + 1);
        }
        let of = node.field("operator").is_some_and(|o| self.text(o) == "of");
        let awaited = children(node).iter().any(|c| c.kind_name() == "await");
        let kind = match (of, awaited) {
            (true, true) => "for await...of",
            (true, false) => "for...of",
            (false, _) => "for...in",
        };
        let variables = node
            .field("left")
            .map(|l| self.pattern_names(l))
            .unwrap_or_default();
        let index = self.push_loop(node, ctx, kind, right, variables);
        let mut inner = ctx.clone();
        inner.loops.push(index);
        for child in children(node) {
            if Some(child) != right {
                self.walk(child, &inner, depth + 1);
            }
        }
    }

    // ── Calls ──────────────────────────────────────────────────────────────────────────

    fn call_info(&self, node: Node<'t>) -> Option<CallInfo<'t>> {
        let (func, quirk_awaited) = call_function(node)?;
        let func = unwrap_expr(func);
        let callee = match func.kind_name() {
            "identifier" => self.text(func).to_string(),
            "member_expression" => func
                .field("property")
                .map(|p| self.text(p).to_string())
                .unwrap_or_default(),
            "import" => "import".to_string(),
            "super" => "super".to_string(),
            _ => self.short(func, 40),
        };
        let receiver = if func.kind_name() == "member_expression" {
            func.field("object")
        } else {
            None
        };
        let (chain, member_calls, deepest_call) = match receiver {
            Some(r) => self.chain_of(r),
            None => (Vec::new(), Vec::new(), None),
        };
        let arguments = node.field("arguments");
        let (args, template) = match arguments {
            Some(a) if a.kind_name() == "template_string" => (vec![a], Some(a)),
            Some(a) => (named_children(a), None),
            None => (Vec::new(), None),
        };
        let awaited = quirk_awaited
            || self
                .logical_parent(node)
                .is_some_and(|(_, p)| p.kind_name() == "await_expression");
        Some(CallInfo {
            func,
            callee,
            receiver,
            chain,
            member_calls,
            deepest_call,
            args,
            template,
            awaited,
        })
    }

    fn call(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        let Some(info) = self.call_info(node) else {
            self.walk_children(node, ctx, depth);
            return;
        };
        let index = self.file.calls.len();
        self.file.calls.push(Call {
            function: ctx.function,
            callee: info.callee.clone(),
            receiver: info.receiver.map(|r| self.short(r, 200)),
            receiver_root: info.chain.first().cloned(),
            receiver_type: ReceiverType::Untyped,
            chain: info.chain.clone(),
            arity: info.args.len(),
            start: self.src.start(node),
            end: self.src.end(node),
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
            loops: ctx.loops.clone(),
            db: None,
            db_api: None,
            awaited: info.awaited,
            blocked_by: None,
            sql_argument: None,
            text: self.short(node, 120),
        });
        self.call_at.insert(range(node), index);
        if let Some(m) = self.classify(node, &info) {
            let mut kind = m.kind;
            let sql = m.sql.and_then(|s| self.sql_argument(s, node, ctx));
            if let Some(s) = sql {
                if m.refine {
                    if let Some(k) = self.file.strings.get(s).and_then(|lit| sql_kind(&lit.text)) {
                        kind = k;
                    }
                }
            }
            let call = &mut self.file.calls[index];
            call.db = Some(kind);
            call.db_api = Some(m.api);
            call.sql_argument = sql;
        }
        self.call_connection(node, &info, ctx);
        self.walk_children(node, ctx, depth);
    }

    /// The string holding a db call's SQL: a literal / template / concatenation, a tagged
    /// template, a `{ text }` / `{ sql }` config, or a variable declared from one.
    fn sql_argument(&mut self, arg: Node<'t>, call: Node<'t>, ctx: &Ctx<'t>) -> Option<usize> {
        let a = unwrap_expr(arg);
        match a.kind_name() {
            "string" | "template_string" | "binary_expression" => {
                if !self.is_string_expr(a) {
                    return None;
                }
                self.push_sql_string(a, ctx.function)
            }
            "call_expression" => {
                let template = a
                    .field("arguments")
                    .filter(|t| t.kind_name() == "template_string")?;
                self.push_sql_string(template, ctx.function)
            }
            "object" => {
                let pair = named_children(a).into_iter().find(|p| {
                    p.kind_name() == "pair"
                        && p.field("key")
                            .is_some_and(|k| matches!(strip_quotes(self.text(k)), "text" | "sql"))
                })?;
                // One level only: `{ text: sql }`, never nested objects.
                let value = unwrap_expr(pair.field("value")?);
                if value.kind_name() == "object" {
                    return None;
                }
                self.sql_argument(value, call, ctx)
            }
            "identifier" => {
                let decls = self.string_decls.get(self.text(a))?;
                let scope = range(ctx.scope);
                // The latest declaration before the call in this function, else a module-level one.
                let local = decls.iter().rfind(|(v, module_level)| {
                    ctx.function.is_some()
                        && !module_level
                        && v.start_byte() >= scope.0
                        && v.end_byte() <= scope.1
                        && v.start_byte() < call.start_byte()
                });
                let &(value, module_level) =
                    local.or_else(|| decls.iter().rfind(|(_, module_level)| *module_level))?;
                self.push_sql_string(value, if module_level { None } else { ctx.function })
            }
            _ => None,
        }
    }

    fn push_sql_string(&mut self, node: Node<'t>, function: Option<usize>) -> Option<usize> {
        if let Some(&existing) = self.string_at.get(&range(node)) {
            if let Some(lit) = self.file.strings.get_mut(existing) {
                lit.at_db_call = true;
            }
            return Some(existing);
        }
        let mut lit = self.build_string(node)?;
        lit.function = function;
        lit.at_db_call = true;
        let index = self.file.strings.len();
        self.file.strings.push(lit);
        self.string_at.insert(range(node), index);
        Some(index)
    }

    fn string_expr(&mut self, node: Node<'t>, ctx: &Ctx<'t>) {
        if self.string_at.contains_key(&range(node)) {
            return;
        }
        let Some(mut lit) = self.build_string(node) else {
            return;
        };
        if looks_like_sql(&lit.text) || masked_credentials(&lit.text).is_some() {
            lit.function = ctx.function;
            self.string_at.insert(range(node), self.file.strings.len());
            self.file.strings.push(lit);
        }
    }

    /// Whether the receiver's last name (or a handle) makes it a SQL driver handle.
    fn driver_receiver(&self, info: &CallInfo) -> bool {
        let Some(last) = info.chain.last() else {
            return false;
        };
        if let Some(h) = self.handles.get(last) {
            if matches!(
                h,
                Handle::PgPool
                    | Handle::PgClient
                    | Handle::MssqlPool
                    | Handle::MysqlPool
                    | Handle::MysqlConn
                    | Handle::Sequelize
                    | Handle::DataSource
                    | Handle::Manager
                    | Handle::Tedious
            ) {
                return true;
            }
        }
        if self.imports_any(NOT_SQL_MODULES) && !self.imports_any(SQL_MODULES) {
            return false;
        }
        // getPool().query / (await pool.connect()).query: the call's own name, or its receiver's.
        if matches!(last.as_str(), "connect" | "getConnection") && info.chain.len() >= 2 {
            return self.receiver_name_is_handle(&info.chain[info.chain.len() - 2]);
        }
        self.receiver_name_is_handle(last)
    }

    fn receiver_name_is_handle(&self, name: &str) -> bool {
        let ws = words(name);
        if ws
            .iter()
            .any(|w| NOT_SQL_RECEIVER_WORDS.contains(&w.as_str()))
        {
            return false;
        }
        let lower = name.to_ascii_lowercase();
        ws.iter()
            .any(|w| DRIVER_RECEIVER_WORDS.contains(&w.as_str()))
            || DRIVER_RECEIVER_SUFFIXES.iter().any(|s| lower.ends_with(s))
    }

    /// The first argument can be SQL (not an Apollo / DynamoDB params object, a GraphQL tag...).
    fn sql_input(&self, info: &CallInfo) -> bool {
        let Some(first) = info.args.first() else {
            return false;
        };
        let a = unwrap_await(*first);
        match a.kind_name() {
            "string"
            | "template_string"
            | "binary_expression"
            | "identifier"
            | "member_expression"
            | "subscript_expression"
            | "ternary_expression" => true,
            "call_expression" => {
                let tagged = a
                    .field("arguments")
                    .is_some_and(|t| t.kind_name() == "template_string");
                if tagged {
                    let tag = call_function(a)
                        .map(|(f, _)| self.split_name(f).1)
                        .unwrap_or_default();
                    !NOT_SQL_TAGS.contains(&tag.as_str())
                } else {
                    true
                }
            }
            "object" => named_children(a).into_iter().any(|p| {
                p.kind_name() == "pair"
                    && p.field("key")
                        .is_some_and(|k| matches!(strip_quotes(self.text(k)), "text" | "sql"))
            }),
            _ => false,
        }
    }

    fn driver_label(&self, method: &str) -> String {
        let family = if self.driver_imported(Driver::Pg) {
            "pg"
        } else if self.imports_any(&["mysql2", "mysql2/promise"]) {
            "mysql2"
        } else if self.driver_imported(Driver::Mysql) {
            "mysql"
        } else if self.driver_imported(Driver::Mssql) {
            "mssql"
        } else if self.imports_any(&["sequelize", "sequelize-typescript"]) {
            "Sequelize"
        } else if self.imports_any(&["typeorm"]) {
            "TypeORM"
        } else {
            "sql driver"
        };
        format!("{family} {method}")
    }

    /// The catalogue's verdict on one call.
    fn classify(&self, node: Node<'t>, info: &CallInfo<'t>) -> Option<DbMatch<'t>> {
        let method = info.callee.as_str();
        let first = info.args.first().copied();
        let last = info.chain.last().map(String::as_str);
        // `xs.find(x => ...)`, `list.count(fn)`: array / collection methods, not ORM calls.
        let callback_first = first.is_some_and(|a| is_function(unwrap_expr(a).kind_name()));

        // postgres.js / @vercel/postgres: sql`...`, sql.unsafe(text).
        if info.receiver.is_none()
            && info.template.is_some()
            && info.func.kind_name() == "identifier"
            && self.is_sql_tag(method)
        {
            return Some(DbMatch {
                kind: DbCall::Query,
                api: "postgres.js sql``".into(),
                sql: info.template,
                refine: true,
            });
        }
        if method == "unsafe" && info.chain.len() == 1 && last.is_some_and(|l| self.is_sql_tag(l)) {
            return Some(DbMatch {
                kind: DbCall::Query,
                api: "postgres.js sql.unsafe".into(),
                sql: first,
                refine: true,
            });
        }

        // Prisma.
        if info.chain.len() >= 2 {
            let model = &info.chain[info.chain.len() - 1];
            let client = &info.chain[info.chain.len() - 2];
            if let (Some(kind), false) = (lookup(PRISMA_MODEL_METHODS, method), callback_first) {
                let receiver_is_member = info
                    .receiver
                    .is_some_and(|r| unwrap_expr(r).kind_name() == "member_expression");
                if receiver_is_member
                    && !is_capitalised(model)
                    && !model.starts_with('$')
                    && self.is_prisma_client(client)
                {
                    return Some(DbMatch {
                        kind,
                        api: format!("Prisma {method}"),
                        sql: None,
                        refine: false,
                    });
                }
            }
        }
        if let Some(kind) = lookup(PRISMA_RAW_METHODS, method) {
            if last.is_some_and(|l| self.is_prisma_client(l)) {
                let sql = info.template.or(first);
                return Some(DbMatch {
                    kind,
                    api: format!("Prisma {method}"),
                    sql,
                    refine: false,
                });
            }
        }

        // TypeORM query builder.
        if TYPEORM_QB_TERMINALS.contains(&method)
            && info.member_calls.iter().any(|m| m == "createQueryBuilder")
        {
            let write = info
                .member_calls
                .iter()
                .any(|m| TYPEORM_QB_WRITES.contains(&m.as_str()));
            let kind = if write {
                DbCall::Execute
            } else {
                DbCall::Query
            };
            return Some(DbMatch {
                kind,
                api: format!("TypeORM QueryBuilder {method}"),
                sql: None,
                refine: false,
            });
        }

        // TypeORM repositories and managers.
        if let (Some(kind), Some(last), false) = (
            lookup(TYPEORM_REPOSITORY_METHODS, method),
            last,
            callback_first,
        ) {
            let lower = last.to_ascii_lowercase();
            let handle = self.handles.get(last).copied();
            let repository = handle == Some(Handle::Repository)
                || TYPEORM_REPOSITORY_FACTORIES.contains(&last)
                || words(last)
                    .last()
                    .is_some_and(|w| TYPEORM_REPOSITORY_WORDS.contains(&w.as_str()));
            let manager = handle == Some(Handle::Manager)
                || TYPEORM_MANAGER_NAMES.contains(&lower.as_str())
                || lower.ends_with("entitymanager");
            if (repository || manager) && (method != "query" || self.sql_input(info)) {
                let family = if self.imports_any(&["typeorm"]) {
                    "TypeORM "
                } else {
                    ""
                };
                let what = if repository { "repository" } else { "manager" };
                let sql = if method == "query" { first } else { None };
                return Some(DbMatch {
                    kind,
                    api: format!("{family}{what} {method}"),
                    sql,
                    refine: method == "query",
                });
            }
        }

        // Sequelize / active-record models.
        if let (Some((_, kind, distinctive)), false) = (
            MODEL_METHODS.iter().find(|(m, _, _)| *m == method),
            callback_first,
        ) {
            if let Some(api) = self.model_receiver(info, *distinctive) {
                return Some(DbMatch {
                    kind: *kind,
                    api: format!("{api} {method}"),
                    sql: None,
                    refine: false,
                });
            }
        }

        // mssql requests and sql.query`...`.
        if let Some(kind) = lookup(MSSQL_REQUEST_METHODS, method) {
            if let Some(last) = last {
                let from_pool_request =
                    info.member_calls.iter().any(|m| m == "request") && info.chain.len() >= 2;
                let request_handle = self.handles.get(last) == Some(&Handle::MssqlRequest);
                let request_name = self.driver_imported(Driver::Mssql) && {
                    let ws = words(last);
                    ws.iter().any(|w| w == "request" || w == "req")
                };
                if (from_pool_request || request_handle || request_name) && !info.args.is_empty() {
                    let sql = info.template.or(first);
                    return Some(DbMatch {
                        kind,
                        api: format!("mssql request.{method}"),
                        sql,
                        refine: true,
                    });
                }
                if method == "query"
                    && info.chain.len() == 1
                    && (last == "mssql"
                        || (last == "sql" && self.driver_imported(Driver::Mssql))
                        || self.name_is_driver(last, Driver::Mssql)
                            && self.bindings.contains_key(last))
                {
                    let sql = info.template.or(first);
                    if sql.is_some() {
                        return Some(DbMatch {
                            kind,
                            api: "mssql sql.query".into(),
                            sql,
                            refine: true,
                        });
                    }
                }
            }
        }

        // tedious.
        if let Some(kind) = lookup(TEDIOUS_METHODS, method) {
            if self.driver_imported(Driver::Tedious)
                && last.is_some_and(|l| {
                    self.handles.get(l) == Some(&Handle::Tedious) || self.receiver_name_is_handle(l)
                })
            {
                return Some(DbMatch {
                    kind,
                    api: format!("tedious {method}"),
                    sql: None,
                    refine: false,
                });
            }
        }

        // pg-promise.
        if let Some(kind) = lookup(PG_PROMISE_METHODS, method) {
            if self.imports_any(&["pg-promise"])
                && last.is_some_and(|l| {
                    PG_PROMISE_EXTRA_RECEIVERS.contains(&l) || self.receiver_name_is_handle(l)
                })
                && self.sql_input(info)
            {
                return Some(DbMatch {
                    kind,
                    api: format!("pg-promise {method}"),
                    sql: first,
                    refine: kind == DbCall::Query,
                });
            }
        }

        // SQL drivers: pool.query / client.query / connection.execute / sequelize.query.
        if let Some(kind) = lookup(DRIVER_METHODS, method) {
            if self.driver_receiver(info) && self.sql_input(info) {
                let label = if last.is_some_and(|l| l.to_ascii_lowercase().contains("sequelize"))
                    || self.handles.get(last.unwrap_or("")) == Some(&Handle::Sequelize)
                {
                    format!("Sequelize {method}")
                } else {
                    self.driver_label(method)
                };
                let sql = info.template.or(first);
                return Some(DbMatch {
                    kind,
                    api: label,
                    sql,
                    refine: true,
                });
            }
        }

        // knex / drizzle builders.
        self.knex(node, info)
    }

    fn is_sql_tag(&self, name: &str) -> bool {
        self.handles.get(name) == Some(&Handle::SqlTag)
            || self
                .bindings
                .get(name)
                .is_some_and(|m| SQL_TAG_MODULES.contains(&m.as_str()))
    }

    fn is_prisma_client(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        lower.contains("prisma")
            || PRISMA_CLIENT_NAMES.contains(&lower.as_str())
            || self.handles.get(name) == Some(&Handle::Prisma)
    }

    /// The model receiver's label ("Sequelize", "TypeORM", "Mongoose", "ORM model"), if the
    /// receiver is a model.
    fn model_receiver(&self, info: &CallInfo, distinctive: bool) -> Option<String> {
        let receiver = unwrap_expr(info.receiver?);
        let last = info.chain.last()?;
        if BUILTIN_GLOBALS.contains(&last.as_str()) {
            return None;
        }
        let is_this_member = receiver.kind_name() == "member_expression"
            && receiver
                .field("object")
                .is_some_and(|o| o.kind_name() == "this");
        let plain = receiver.kind_name() == "identifier";
        let container = receiver.kind_name() == "member_expression"
            && info.chain.len() >= 2
            && MODEL_CONTAINERS.contains(
                &info.chain[info.chain.len() - 2]
                    .to_ascii_lowercase()
                    .as_str(),
            );
        let model_named = words(last).last().is_some_and(|w| w == "model")
            && (plain || is_this_member || container);
        let accepted = if model_named {
            true
        } else if !is_capitalised(last) {
            false
        } else if is_this_member || container {
            true
        } else if plain {
            distinctive
                || self.models.contains(last)
                || self.bindings.get(last).is_some_and(|m| {
                    let m = m.to_ascii_lowercase();
                    self.imports_any(ORM_MODULES) || MODEL_PATH_HINTS.iter().any(|h| m.contains(h))
                })
        } else {
            false
        };
        if !accepted {
            return None;
        }
        Some(
            if self.imports_any(&["sequelize", "sequelize-typescript"]) {
                "Sequelize"
            } else if self.imports_any(&["typeorm"]) {
                "TypeORM"
            } else if self.imports_any(&["mongoose"]) {
                "Mongoose"
            } else {
                "ORM model"
            }
            .to_string(),
        )
    }

    /// knex / drizzle: the materialised outermost call of a builder chain.
    fn knex(&self, node: Node<'t>, info: &CallInfo<'t>) -> Option<DbMatch<'t>> {
        // Only the outermost call of a chain.
        if let Some((child, parent)) = self.logical_parent(node) {
            if parent.kind_name() == "member_expression"
                && parent.field("object") == Some(child)
                && parent
                    .parent()
                    .is_some_and(|g| g.kind_name() == "call_expression")
            {
                return None;
            }
        }
        let root_call = info.deepest_call.unwrap_or(node);
        let (root_func, _) = call_function(root_call)?;
        let root_func = unwrap_expr(root_func);
        let is_root_name =
            |n: &str| KNEX_ROOT_NAMES.contains(&n) || self.handles.get(n) == Some(&Handle::Knex);
        let root_args = root_call.field("arguments").map(|a| {
            if a.kind_name() == "template_string" {
                1
            } else {
                named_children(a).len()
            }
        });
        let mut root_method = None;
        let rooted = match root_func.kind_name() {
            "identifier" => is_root_name(self.text(root_func)) && root_args.unwrap_or(0) >= 1,
            "member_expression" => {
                let object = unwrap_expr(root_func.field("object")?);
                let prop = self.text(root_func.field("property")?);
                if object.kind_name() == "this" {
                    is_root_name(prop) && root_args.unwrap_or(0) >= 1
                } else {
                    let object_name = match object.kind_name() {
                        "identifier" => Some(self.text(object)),
                        "member_expression"
                            if object
                                .field("object")
                                .is_some_and(|o| o.kind_name() == "this") =>
                        {
                            object.field("property").map(|p| self.text(p))
                        }
                        _ => None,
                    };
                    root_method = Some(prop);
                    let knex_proper = object_name
                        .is_some_and(|n| n != "db" || self.handles.get(n) == Some(&Handle::Knex));
                    object_name.is_some_and(is_root_name)
                        && KNEX_ROOT_METHODS.contains(&prop)
                        && (knex_proper || !KNEX_ONLY_ROOT_METHODS.contains(&prop))
                }
            }
            _ => false,
        };
        if !rooted {
            return None;
        }
        let method = info.callee.as_str();
        let materialised =
            info.awaited || (KNEX_MATERIALISERS.contains(&method) && !self.is_subquery(node));
        if !materialised {
            return None;
        }
        let mut names: Vec<&str> = info.member_calls.iter().map(String::as_str).collect();
        names.push(method);
        if let Some(m) = root_method {
            names.push(m);
        }
        let write = names.iter().any(|n| KNEX_WRITES.contains(n));
        let kind = if write {
            DbCall::Execute
        } else {
            DbCall::Query
        };
        let family = if self.imports_any(&["drizzle-orm"])
            || self.modules.iter().any(|m| m.starts_with("drizzle-orm/"))
        {
            "drizzle"
        } else {
            "knex"
        };
        let raw = root_method == Some("raw");
        let sql = if raw {
            root_call
                .field("arguments")
                .and_then(|a| named_children(a).into_iter().next())
        } else {
            None
        };
        Some(DbMatch {
            kind,
            api: format!("{family} {method}"),
            sql,
            refine: raw,
        })
    }

    /// A builder passed to another call (a subquery), except `Promise.all([...])`.
    fn is_subquery(&self, node: Node) -> bool {
        let mut current = node;
        for _ in 0..50 {
            let Some((_, parent)) = self.logical_parent(current) else {
                return false;
            };
            match parent.kind_name() {
                "array" | "spread_element" => current = parent,
                "arguments" => {
                    return !self
                        .parent(parent)
                        .is_some_and(|call| self.promise_call(call));
                }
                _ => return false,
            }
        }
        false
    }

    fn promise_call(&self, call: Node) -> bool {
        call_function(call).is_some_and(|(f, _)| {
            let (q, name) = self.split_name(f);
            q.is_some_and(|q| self.text(q) == "Promise")
                && matches!(name.as_str(), "all" | "allSettled" | "race" | "any")
        })
    }

    // ── Assignments ────────────────────────────────────────────────────────────────────

    fn assignment(&mut self, node: Node<'t>, ctx: &Ctx<'t>) {
        let (target, value) = if node.kind_name() == "variable_declarator" {
            (node.field("name"), node.field("value"))
        } else {
            (node.field("left"), node.field("right"))
        };
        let (Some(target), Some(value)) = (target, value) else {
            return;
        };
        let v = unwrap_await(value);
        if v.kind_name() != "call_expression" {
            return;
        }
        let Some(&call) = self.call_at.get(&range(v)) else {
            return;
        };
        let names = match target.kind_name() {
            "identifier" => vec![self.text(target).to_string()],
            "member_expression" => vec![self.short(target, 80)],
            _ => self.pattern_names(target),
        };
        let start = self.src.start(node);
        for variable in names {
            self.file.assignments.push(Assignment {
                function: ctx.function,
                variable,
                call,
                start,
            });
        }
    }

    // ── Connections ────────────────────────────────────────────────────────────────────

    fn new_expression(&mut self, node: Node<'t>, ctx: &Ctx<'t>) {
        let Some(ctor) = node.field("constructor") else {
            return;
        };
        let (qualifier, name) = self.split_name(ctor);
        for &(creation, is_new, driver, site_api, per_call_api) in CONNECTION_CREATIONS {
            if !is_new || creation != name {
                continue;
            }
            if self.creation_is_driver(qualifier, &name, driver) {
                self.connection(node, ctx, site_api, per_call_api, None);
            }
            return;
        }
    }

    fn call_connection(&mut self, node: Node<'t>, info: &CallInfo<'t>, ctx: &Ctx<'t>) {
        let method = info.callee.as_str();
        for &(creation, is_new, driver, site_api, per_call_api) in CONNECTION_CREATIONS {
            if is_new || creation != method {
                continue;
            }
            let (qualifier, _) = self.split_name(info.func);
            if self.creation_is_driver(qualifier, method, driver) {
                self.connection(node, ctx, site_api, per_call_api, None);
            }
            return;
        }
        let Some(&(_, api)) = CHECKOUTS.iter().find(|(m, _)| *m == method) else {
            return;
        };
        let Some(last) = info.chain.last() else {
            return;
        };
        if info.chain.len() != 1
            && info
                .receiver
                .is_some_and(|r| unwrap_expr(r).kind_name() != "member_expression")
        {
            return;
        }
        let handle = self.handles.get(last).copied();
        let pool_named = words(last).iter().any(|w| w == "pool");
        let ok = match method {
            "connect" => {
                handle == Some(Handle::PgPool)
                    || (pool_named
                        && !matches!(handle, Some(Handle::MssqlPool | Handle::MysqlPool))
                        && !self.driver_imported(Driver::Mssql)
                        && !self.driver_imported(Driver::Mysql))
            }
            _ => {
                handle == Some(Handle::MysqlPool)
                    || (pool_named && handle.is_none_or(|h| h == Handle::MysqlPool))
            }
        };
        if !ok {
            return;
        }
        // Callback style: pool.connect((err, client, done) => ...), pool.getConnection((err, conn) => ...).
        if let Some(cb) = info
            .args
            .iter()
            .copied()
            .find(|a| is_function(a.kind_name()))
        {
            let params = self.params(cb);
            let variable = params
                .get(1)
                .and_then(|p| self.pattern_names(*p).into_iter().next());
            let release = params
                .get(2)
                .and_then(|p| self.pattern_names(*p).into_iter().next());
            self.connection(node, ctx, Some(api), None, Some((cb, variable, release)));
            return;
        }
        // pool.connect().then(client => ...)
        if let Some((child, parent)) = self.logical_parent(node) {
            if parent.kind_name() == "member_expression" && parent.field("object") == Some(child) {
                let prop = parent.field("property").map(|p| self.text(p)).unwrap_or("");
                if let (true, Some(then_call)) = (
                    prop == "then",
                    self.parent(parent)
                        .filter(|g| g.kind_name() == "call_expression"),
                ) {
                    let cb = then_call.field("arguments").and_then(|a| {
                        named_children(a)
                            .into_iter()
                            .find(|x| is_function(x.kind_name()))
                    });
                    if let Some(cb) = cb {
                        let variable = self
                            .params(cb)
                            .first()
                            .and_then(|p| self.pattern_names(*p).into_iter().next());
                        self.connection(node, ctx, Some(api), None, Some((cb, variable, None)));
                        return;
                    }
                }
            }
        }
        self.connection(node, ctx, Some(api), None, None);
    }

    /// Records a creation: its variable, disposal, and (inside a function, not escaping) a
    /// per-call connection. `callback`: (callback scope, its connection parameter, its release
    /// parameter) for callback-style checkouts.
    fn connection(
        &mut self,
        node: Node<'t>,
        ctx: &Ctx<'t>,
        site_api: Option<&str>,
        per_call_api: Option<&str>,
        callback: Option<(Node<'t>, Option<String>, Option<String>)>,
    ) {
        let (variable, disposal) = match callback {
            Some((scope, variable, release)) => match &variable {
                Some(v) => (
                    variable.clone(),
                    self.uses_disposal(v, scope, scope.start_byte(), release.as_deref(), false),
                ),
                None => (None, Disposal::Never),
            },
            None => self.disposal(node, ctx),
        };
        if let Some(api) = site_api {
            self.file.connections.push(ConnectionSite {
                function: ctx.function,
                variable,
                api: api.to_string(),
                start: self.src.start(node),
                end: self.src.end(node),
                disposal: disposal.clone(),
                text: self.short(node, 120),
            });
        }
        if let (Some(api), Some(function)) = (per_call_api, ctx.function) {
            if !matches!(disposal, Disposal::Escapes(_)) {
                self.file.per_call_connections.push(PerCallConnection {
                    function,
                    api: api.to_string(),
                    start: self.src.start(node),
                    text: self.short(node, 120),
                });
            }
        }
    }

    /// Where a creation's result goes, and how it is released.
    fn disposal(&self, node: Node<'t>, ctx: &Ctx<'t>) -> (Option<String>, Disposal) {
        // Climb `await`, parentheses, `new X(...).connect()`, `pool || new Pool()`,
        // `cond ? new Pool() : other`.
        let mut holder = node;
        for _ in 0..10 {
            let Some((child, parent)) = self.logical_parent(holder) else {
                break;
            };
            match parent.kind_name() {
                "await_expression" => holder = parent,
                "binary_expression"
                    if parent
                        .field("operator")
                        .is_some_and(|o| matches!(self.text(o), "||" | "??")) =>
                {
                    holder = parent
                }
                "ternary_expression" if parent.field("condition") != Some(child) => holder = parent,
                "member_expression" if parent.field("object") == Some(child) => {
                    let prop = parent.field("property").map(|p| self.text(p)).unwrap_or("");
                    match self.parent(parent) {
                        Some(call)
                            if call.kind_name() == "call_expression" && prop == "connect" =>
                        {
                            holder = call
                        }
                        _ => break,
                    }
                }
                _ => break,
            }
        }
        let module_level = ctx.function.is_none();
        let Some((child, parent)) = self.logical_parent(holder) else {
            return (None, Disposal::Never);
        };
        let variable = match parent.kind_name() {
            "variable_declarator" if parent.field("value") == Some(child) => {
                let Some(name) = parent
                    .field("name")
                    .filter(|n| n.kind_name() == "identifier")
                else {
                    return (None, Disposal::Never);
                };
                let name = self.text(name).to_string();
                if let Some(decl) = self.parent(parent) {
                    if decl.kind_name() == "using_declaration" {
                        let kind = self.short(decl, 200);
                        let detail = if kind.starts_with("await") {
                            "await using"
                        } else {
                            "using"
                        };
                        return (Some(name), Disposal::Guaranteed(detail.into()));
                    }
                    if decl
                        .parent()
                        .is_some_and(|e| e.kind_name() == "export_statement")
                    {
                        return (Some(name), Disposal::Escapes("exported".into()));
                    }
                }
                name
            }
            "assignment_expression" | "augmented_assignment_expression"
                if parent.field("right") == Some(child) =>
            {
                let Some(left) = parent.field("left") else {
                    return (None, Disposal::Never);
                };
                match left.kind_name() {
                    "identifier" => {
                        let name = self.text(left).to_string();
                        if !module_level && !self.declared_in(&name, ctx.scope) {
                            let d =
                                self.uses_disposal(&name, ctx.scope, node.end_byte(), None, true);
                            return (Some(name.clone()), d);
                        }
                        name
                    }
                    _ => {
                        let text = self.short(left, 80);
                        return (
                            Some(text.clone()),
                            Disposal::Escapes(format!("stored in {text}")),
                        );
                    }
                }
            }
            "return_statement" => return (None, Disposal::Escapes("returned".into())),
            "arrow_function" => return (None, Disposal::Escapes("returned".into())),
            "arguments" => {
                let callee = parent
                    .parent()
                    .map(|c| self.callee_text(c))
                    .unwrap_or_default();
                return (None, Disposal::Escapes(format!("passed to {callee}()")));
            }
            "pair" | "array" | "spread_element" => {
                return (None, Disposal::Escapes("stored in an object".into()))
            }
            "yield_expression" => return (None, Disposal::Escapes("yielded".into())),
            _ => return (None, Disposal::Never),
        };
        let scope = if module_level { self.root } else { ctx.scope };
        let disposal = self.uses_disposal(&variable, scope, node.end_byte(), None, module_level);
        (Some(variable), disposal)
    }

    fn callee_text(&self, call: Node) -> String {
        match call.kind_name() {
            "call_expression" => call_function(call)
                .map(|(f, _)| self.short(f, 60))
                .unwrap_or_default(),
            "new_expression" => call
                .field("constructor")
                .map(|c| format!("new {}", self.short(c, 60)))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// `name` declared (variable, parameter) inside `scope`.
    fn declared_in(&self, name: &str, scope: Node<'t>) -> bool {
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            let declares = match n.kind_name() {
                "variable_declarator" => n
                    .field("name")
                    .is_some_and(|p| self.pattern_names(p).iter().any(|x| x == name)),
                "formal_parameters" => named_children(n)
                    .into_iter()
                    .any(|p| self.pattern_names(p).iter().any(|x| x == name)),
                "arrow_function" => n.field("parameter").is_some_and(|p| self.text(p) == name),
                _ => false,
            };
            if declares {
                return true;
            }
            for c in children(n) {
                stack.push(c);
            }
        }
        false
    }

    /// Classifies the uses of `variable` in `scope` after byte `from`: released in a finally
    /// (or a promise `.finally`) -> Guaranteed; escaping -> Escapes; released otherwise ->
    /// NormalPathOnly; else Never (Escapes for module-level variables: they live on).
    fn uses_disposal(
        &self,
        variable: &str,
        scope: Node<'t>,
        from: usize,
        release_param: Option<&str>,
        module_level: bool,
    ) -> Disposal {
        let mut guaranteed: Option<String> = None;
        let mut escapes: Option<String> = None;
        let mut normal: Option<String> = None;
        let mut normal_releases: Vec<Node<'t>> = Vec::new();
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            if n.end_byte() <= from {
                continue;
            }
            for c in children(n) {
                stack.push(c);
            }
            if n.start_byte() < from {
                continue;
            }
            let kind = n.kind_name();
            if kind == "shorthand_property_identifier" && self.text(n) == variable {
                escapes.get_or_insert_with(|| "stored in an object".into());
                continue;
            }
            if kind != "identifier" || self.text(n) != variable {
                continue;
            }
            let Some((child, parent)) = self.logical_parent(n) else {
                continue;
            };
            // A call of the release callback parameter: done().
            if release_param == Some(variable) {
                continue;
            }
            let mut release: Option<(Node, String)> = None;
            match parent.kind_name() {
                "member_expression" if parent.field("object") == Some(child) => {
                    let prop = parent.field("property").map(|p| self.text(p)).unwrap_or("");
                    if CLOSE_METHODS.contains(&prop) {
                        if let Some(call) = self
                            .parent(parent)
                            .filter(|c| c.kind_name() == "call_expression")
                        {
                            let verb = if prop == "release" {
                                "released"
                            } else {
                                "closed"
                            };
                            release = Some((call, format!("{verb} with {variable}.{prop}()")));
                        }
                    }
                }
                "arguments" => {
                    if let Some(call) = self.parent(parent) {
                        let callee = self.callee_text(call);
                        let last = callee.rsplit('.').next().unwrap_or("");
                        if CLOSE_METHODS.contains(&last) || RELEASE_BY_ARGUMENT.contains(&last) {
                            release = Some((call, format!("released with {callee}({variable})")));
                        } else if !callee.starts_with("console.") {
                            escapes.get_or_insert_with(|| format!("passed to {callee}()"));
                        }
                    }
                }
                "return_statement" => {
                    escapes.get_or_insert_with(|| "returned".into());
                }
                "arrow_function" if parent.field("body") == Some(child) => {
                    escapes.get_or_insert_with(|| "returned".into());
                }
                "yield_expression" => {
                    escapes.get_or_insert_with(|| "yielded".into());
                }
                "pair" | "array" | "spread_element" => {
                    escapes.get_or_insert_with(|| "stored in an object".into());
                }
                "assignment_expression" if parent.field("right") == Some(child) => {
                    if let Some(left) = parent.field("left") {
                        if left.kind_name() != "identifier"
                            || !self.declared_in(self.text(left), scope)
                        {
                            escapes.get_or_insert_with(|| {
                                format!("stored in {}", self.short(left, 60))
                            });
                        }
                    }
                }
                _ => {}
            }
            if let Some((call, detail)) = release {
                if self.in_finally(call, scope) {
                    guaranteed.get_or_insert_with(|| format!("{detail} in finally"));
                } else {
                    normal.get_or_insert(detail);
                    normal_releases.push(call);
                }
            }
        }
        // Released at the end of a try block and in its catch: every path releases.
        if guaranteed.is_none() && self.released_in_try_and_catch(&normal_releases, scope) {
            guaranteed = Some("released in both try and catch".into());
        }
        if let Some(param) = release_param {
            // Callback-style release: done() / release() called in the callback.
            let mut stack = vec![scope];
            while let Some(n) = stack.pop() {
                for c in children(n) {
                    stack.push(c);
                }
                if n.kind_name() == "call_expression"
                    && call_function(n).is_some_and(|(f, _)| {
                        f.kind_name() == "identifier" && self.text(f) == param
                    })
                {
                    if self.in_finally(n, scope) {
                        guaranteed
                            .get_or_insert_with(|| format!("released with {param}() in finally"));
                    } else {
                        normal.get_or_insert_with(|| format!("released with {param}()"));
                    }
                }
            }
        }
        if let Some(d) = guaranteed {
            Disposal::Guaranteed(d)
        } else if let Some(d) = escapes {
            Disposal::Escapes(d)
        } else if module_level {
            Disposal::Escapes(format!("module-level variable {variable}"))
        } else if let Some(d) = normal {
            Disposal::NormalPathOnly(format!("{d}, but not in a finally"))
        } else {
            Disposal::Never
        }
    }

    /// Some release sits in a `catch` clause whose `try` block also holds a release.
    fn released_in_try_and_catch(&self, releases: &[Node<'t>], scope: Node<'t>) -> bool {
        let ancestor_of_kind = |node: Node<'t>, kind: &str| -> Option<Node<'t>> {
            let mut current = self.parent(node);
            while let Some(n) = current {
                if n == scope || is_function(n.kind_name()) {
                    return None;
                }
                if n.kind_name() == kind {
                    return Some(n);
                }
                current = self.parent(n);
            }
            None
        };
        releases.iter().any(|&r| {
            let Some(catch) = ancestor_of_kind(r, "catch_clause") else {
                return false;
            };
            let Some(body) = self.parent(catch).and_then(|t| t.field("body")) else {
                return false;
            };
            releases.iter().any(|&other| {
                other.start_byte() >= body.start_byte() && other.end_byte() <= body.end_byte()
            })
        })
    }

    /// Inside a `finally` block, or a callback passed to `.finally(...)`, within `scope`.
    fn in_finally(&self, node: Node, scope: Node) -> bool {
        let mut current = self.parent(node);
        while let Some(n) = current {
            if n == scope {
                return false;
            }
            if n.kind_name() == "finally_clause" {
                return true;
            }
            if is_function(n.kind_name()) {
                if let Some((_, args)) = self.logical_parent(n) {
                    if args.kind_name() == "arguments" {
                        if let Some(call) = self.parent(args) {
                            if call_function(call)
                                .is_some_and(|(f, _)| self.split_name(f).1 == "finally")
                            {
                                return true;
                            }
                        }
                    }
                }
            }
            current = self.parent(n);
        }
        false
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_walk;
