//! C#: ADO.NET, Dapper and Entity Framework call sites, loops (including LINQ and
//! `List.ForEach` callbacks), connection lifetime (`using`, `using var`, `await using`,
//! `finally`) and blocking on database tasks (`.Result`, `.Wait()`,
//! `.GetAwaiter().GetResult()`).

use std::collections::HashMap;

use tree_sitter::Node;

use super::common::KindExt;

use super::common::FieldExt;

use super::common::{looks_like_sql, masked_credentials, record_errors, Source};
use crate::app::ir::*;

// ---- The catalogue: C# database call sites, in one place. ----

/// ADO.NET command methods: distinctive enough to match on any receiver.
const ADO_NET: &[(&str, DbCall)] = &[
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
const DAPPER: &[(&str, DbCall)] = &[
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
const EF_MATERIALISERS: &[(&str, DbCall)] = &[
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

/// Connection types whose creation must be disposed.
const CONNECTION_TYPES: &[&str] = &[
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
const NON_OWNING: &[&str] = &[
    "Command",
    "DataAdapter",
    "CommandBuilder",
    "BulkCopy",
    "Transaction",
];

/// Receivers that look like a connection (for Dapper).
fn looks_like_connection(name: &str) -> bool {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    lower.contains("conn")
        || lower == "db"
        || lower == "cn"
        || lower == "sql"
        || lower.ends_with("connection")
        || lower == "database"
}

/// Roots that look like an EF DbContext.
fn looks_like_context(name: &str) -> bool {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    lower.contains("context")
        || lower == "ctx"
        || lower == "db"
        || lower == "dbctx"
        || lower.ends_with("dbcontext")
        || lower == "database"
}

/// LINQ / List methods whose lambda runs per element in memory.
const ITERATION_CALLBACKS: &[&str] = &[
    "ForEach",
    "Select",
    "SelectMany",
    "Aggregate",
    "ToDictionary",
    "ToLookup",
];

pub fn extract(path: &str, text: &str) -> AppFile {
    let mut file = AppFile::new(path, Language::CSharp);
    let Some((tree, _kind_names)) =
        super::common::parse_tree(&mut file, text, &tree_sitter_c_sharp::LANGUAGE.into())
    else {
        return file;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    record_errors(&mut file, &source, root);
    let mut walker = Walker {
        source: &source,
        file: &mut file,
        call_of_node: HashMap::new(),
        classes: Vec::new(),
        parents: Vec::new(),
    };
    walker.walk(root, &Ctx::default(), 0);
    walker.connection_lifetimes(root);
    file
}

#[derive(Clone, Default)]
struct Ctx {
    function: Option<usize>,
    loops: Vec<usize>,
}

struct Walker<'a, 'f> {
    source: &'a Source<'a>,
    file: &'f mut AppFile,
    call_of_node: HashMap<usize, usize>,
    classes: Vec<String>,
    /// Nodes whose children `walk_children` is walking, innermost last: the likely parent of
    /// the node being walked (`parent_of` checks it; `Node::parent` searches down from the
    /// root).
    parents: Vec<Node<'a>>,
}

const MAX_DEPTH: usize = 400;

impl<'a> Walker<'a, '_> {
    fn walk(&mut self, node: Node<'a>, ctx: &Ctx, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.kind_name() {
            "comment" => {
                self.file.comments.push(Comment {
                    line: node.start_position().row as u32 + 1,
                    text: self.source.text(node).to_string(),
                });
                return;
            }
            "class_declaration"
            | "struct_declaration"
            | "record_declaration"
            | "interface_declaration" => {
                let name = node
                    .field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default();
                self.classes.push(name);
                self.walk_children(node, ctx, depth);
                self.classes.pop();
                return;
            }
            "method_declaration"
            | "constructor_declaration"
            | "local_function_statement"
            | "operator_declaration"
            | "destructor_declaration" => {
                let inner = self.function(node);
                self.walk_children(node, &inner, depth);
                return;
            }
            "foreach_statement" => {
                // The source is evaluated once, before the loop.
                let right = node.field("right");
                if let Some(r) = right {
                    self.walk(r, ctx, depth + 1);
                }
                let variables = node
                    .field("left")
                    .map(|l| vec![self.source.text(l).to_string()])
                    .unwrap_or_default();
                let index = self.push_loop(node, ctx, "foreach", right, variables);
                let mut inner = ctx.clone();
                inner.loops.push(index);
                let mut cursor = node.walk();
                for child in node.children(&mut cursor) {
                    if Some(child) != right && child.is_named() {
                        self.walk(child, &inner, depth + 1);
                    }
                }
                return;
            }
            "for_statement" | "while_statement" | "do_statement" => {
                let kind = node.kind_name().trim_end_matches("_statement");
                // `while (reader.Read())`: the loop walks the rows of `reader`.
                let source = node
                    .field("condition")
                    .and_then(|c| self.read_loop_source(c));
                let index = self.file.loops.len();
                self.file.loops.push(Loop {
                    function: ctx.function,
                    kind: kind.to_string(),
                    start: self.source.start(node),
                    end: self.source.end(node),
                    span: (node.start_byte(), node.end_byte()),
                    source_text: source.clone(),
                    source_call: None,
                    source_var: source,
                    variables: Vec::new(),
                });
                let mut inner = ctx.clone();
                inner.loops.push(index);
                self.walk_children(node, &inner, depth);
                return;
            }
            "lambda_expression" | "anonymous_method_expression" => {
                // A lambda passed to a per-element method is a loop body; any other lambda
                // is its own context (it does not run once per outer iteration).
                if let Some((invocation, method)) = self.callback_of(node) {
                    let receiver = invocation
                        .field("function")
                        .and_then(|f| f.field("expression"));
                    if !receiver.is_some_and(|r| self.is_queryable(r)) {
                        let index = self.push_loop(
                            node,
                            ctx,
                            &format!("{method} callback"),
                            receiver,
                            self.lambda_parameters(node),
                        );
                        let mut inner = ctx.clone();
                        inner.loops.push(index);
                        self.walk_children(node, &inner, depth);
                        return;
                    }
                }
                let inner = Ctx {
                    function: ctx.function,
                    loops: Vec::new(),
                };
                self.walk_children(node, &inner, depth);
                return;
            }
            "invocation_expression" => {
                self.call(node, ctx, depth);
                return;
            }
            "object_creation_expression" => {
                self.creation(node, ctx);
            }
            "variable_declarator" => {
                self.walk_children(node, ctx, depth);
                self.assignment_from(node.field("name"), last_named_child(node), ctx);
                return;
            }
            "assignment_expression" => {
                self.walk_children(node, ctx, depth);
                let left = node.field("left");
                let right = node.field("right");
                self.assignment_from(left, right, ctx);
                // cmd.CommandText = "SELECT ...": SQL that will reach the database.
                if let (Some(l), Some(r)) = (left, right) {
                    if self.source.text(l).ends_with("CommandText") {
                        self.string_lit(r, ctx, true);
                    }
                }
                return;
            }
            "string_literal"
            | "verbatim_string_literal"
            | "raw_string_literal"
            | "interpolated_string_expression" => {
                self.string_lit(node, ctx, false);
                return;
            }
            // A concatenation is recorded whole; its non-literal parts are still walked.
            "binary_expression" if self.is_string_concat(node) => {
                self.string_lit(node, ctx, false);
            }
            _ => {}
        }
        self.walk_children(node, ctx, depth);
    }

    fn walk_children(&mut self, node: Node<'a>, ctx: &Ctx, depth: usize) {
        self.parents.push(node);
        super::common::for_each_child(node, true, |child| self.walk(child, ctx, depth + 1));
        self.parents.pop();
    }

    /// `node.parent()`, from the walk's parent stack when its innermost entry is the parent.
    fn parent_of(&self, node: Node<'a>) -> Option<Node<'a>> {
        if let Some(&candidate) = self.parents.last() {
            if candidate.start_byte() <= node.start_byte()
                && node.end_byte() <= candidate.end_byte()
            {
                let mut cursor = candidate.walk();
                if candidate.children(&mut cursor).any(|child| child == node) {
                    return Some(candidate);
                }
            }
        }
        node.parent()
    }

    fn function(&mut self, node: Node<'a>) -> Ctx {
        let name = node
            .field("name")
            .map(|n| self.source.text(n).to_string())
            .unwrap_or_else(|| self.classes.last().cloned().unwrap_or_default());
        let arity = node
            .field("parameters")
            .map(|p| {
                let mut c = p.walk();
                let n = p
                    .named_children(&mut c)
                    .filter(|n| n.kind_name() == "parameter")
                    .count();
                n
            })
            .unwrap_or(0);
        let is_async = {
            let mut c = node.walk();
            let found = node
                .children(&mut c)
                .any(|n| n.kind_name() == "modifier" && self.source.text(n) == "async");
            found
        };
        let body = node.field("body").unwrap_or(node);
        self.file.functions.push(Function {
            name,
            arity,
            class: self.classes.last().cloned(),
            start: self.source.start(node),
            end: self.source.end(node),
            body: (body.start_byte(), body.end_byte()),
            is_async,
        });
        Ctx {
            function: Some(self.file.functions.len() - 1),
            loops: Vec::new(),
        }
    }

    fn push_loop(
        &mut self,
        node: Node<'a>,
        ctx: &Ctx,
        kind: &str,
        source: Option<Node<'a>>,
        variables: Vec<String>,
    ) -> usize {
        let source = source.map(|s| unwrap_expression(s));
        let source_call = source.and_then(|s| self.call_of_node.get(&s.id()).copied());
        let source_var = source
            .filter(|s| {
                matches!(s.kind_name(), "identifier" | "member_access_expression")
                    && source_call.is_none()
            })
            .map(|s| self.source.text(s).trim_start_matches("this.").to_string());
        self.file.loops.push(Loop {
            function: ctx.function,
            kind: kind.to_string(),
            start: self.source.start(node),
            end: self.source.end(node),
            span: (node.start_byte(), node.end_byte()),
            source_text: source.map(|s| self.source.short(s, 120)),
            source_call,
            source_var,
            variables,
        });
        self.file.loops.len() - 1
    }

    /// `reader.Read()` / `await reader.ReadAsync()` in a loop condition: `reader`.
    fn read_loop_source(&self, condition: Node<'a>) -> Option<String> {
        let call = unwrap_expression(condition);
        if call.kind_name() != "invocation_expression" {
            return None;
        }
        let function = call.field("function")?;
        if function.kind_name() != "member_access_expression" {
            return None;
        }
        let name = self.source.text(function.field("name")?);
        if name == "Read" || name == "ReadAsync" {
            let receiver = function.field("expression")?;
            return Some(self.source.text(receiver).to_string());
        }
        None
    }

    /// The invocation and method name when `lambda` is an argument of a per-element method.
    fn callback_of(&self, lambda: Node<'a>) -> Option<(Node<'a>, String)> {
        let argument = lambda.parent().filter(|p| p.kind_name() == "argument")?;
        let invocation = argument
            .parent()?
            .parent()
            .filter(|p| p.kind_name() == "invocation_expression")?;
        let function = invocation.field("function")?;
        let name = match function.kind_name() {
            "member_access_expression" => self.source.text(function.field("name")?).to_string(),
            "identifier" => self.source.text(function).to_string(),
            _ => return None,
        };
        let name = name.split('<').next().unwrap_or("").to_string();
        let is_parallel = self.source.text(function).starts_with("Parallel.");
        (ITERATION_CALLBACKS.contains(&name.as_str()) || is_parallel).then_some((invocation, name))
    }

    fn lambda_parameters(&self, lambda: Node<'a>) -> Vec<String> {
        lambda
            .field("parameters")
            .map(|p| {
                vec![self
                    .source
                    .text(p)
                    .trim_matches(|c| c == '(' || c == ')')
                    .to_string()]
            })
            .unwrap_or_default()
    }

    /// A LINQ chain rooted at an EF context is translated to SQL, not run per element.
    fn is_queryable(&self, receiver: Node<'a>) -> bool {
        let (root, chain) = self.chain(receiver);
        root.is_some_and(|r| looks_like_context(&r)) && chain.len() >= 2
    }

    /// The first identifier and the member names of a receiver chain.
    fn chain(&self, node: Node<'a>) -> (Option<String>, Vec<String>) {
        let mut names = Vec::new();
        let mut current = node;
        for _ in 0..64 {
            match current.kind_name() {
                "member_access_expression" => {
                    if let Some(name) = current.field("name") {
                        names.push(
                            self.source
                                .text(name)
                                .split('<')
                                .next()
                                .unwrap_or("")
                                .to_string(),
                        );
                    }
                    match current.field("expression") {
                        Some(e) => current = e,
                        None => break,
                    }
                }
                "invocation_expression" => match current.field("function") {
                    Some(f) => current = f,
                    None => break,
                },
                "conditional_access_expression"
                | "parenthesized_expression"
                | "await_expression" => match current.named_child(0) {
                    Some(c) => current = c,
                    None => break,
                },
                "identifier" | "this_expression" | "this" => {
                    names.push(self.source.text(current).to_string());
                    break;
                }
                "generic_name" => {
                    names.push(
                        self.source
                            .text(current)
                            .split('<')
                            .next()
                            .unwrap_or("")
                            .to_string(),
                    );
                    break;
                }
                _ => break,
            }
        }
        names.reverse();
        if names.first().is_some_and(|n| n == "this") {
            names.remove(0);
        }
        (names.first().cloned(), names)
    }

    fn call(&mut self, node: Node<'a>, ctx: &Ctx, depth: usize) {
        let function = node.field("function");
        let (callee, receiver) = match function {
            Some(f) if f.kind_name() == "member_access_expression" => (
                f.field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default(),
                f.field("expression"),
            ),
            Some(f) if f.kind_name() == "member_binding_expression" => (
                f.field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default(),
                self.parent_of(node).and_then(|p| p.field("expression")),
            ),
            Some(f) => (self.source.text(f).to_string(), None),
            None => (String::new(), None),
        };
        let callee = callee.split('<').next().unwrap_or("").trim().to_string();
        let arguments = node.field("arguments");
        let arity = arguments
            .map(|a| {
                let mut c = a.walk();
                let n = a
                    .named_children(&mut c)
                    .filter(|n| n.kind_name() == "argument")
                    .count();
                n
            })
            .unwrap_or(0);
        let (receiver_root, chain) = receiver
            .map(|r| self.chain(r))
            .unwrap_or((None, Vec::new()));
        let (db, db_api) = classify(&callee, receiver_root.as_deref(), &chain);
        let parent = self.parent_of(node);
        let awaited = parent.is_some_and(|p| p.kind_name() == "await_expression");
        let blocked_by = self.blocking(node);
        let index = self.file.calls.len();
        self.file.calls.push(Call {
            function: ctx.function,
            callee,
            receiver: receiver.map(|r| self.source.short(r, 120)),
            receiver_root,
            chain,
            arity,
            start: self.source.start(node),
            end: self.source.end(node),
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
            loops: ctx.loops.clone(),
            db,
            db_api,
            awaited,
            blocked_by,
            sql_argument: None,
            text: self.source.short(node, 120),
        });
        self.call_of_node.insert(node.id(), index);
        // Receiver chain and arguments (lambdas inside are handled by `walk`).
        if let Some(f) = function {
            self.walk(f, ctx, depth + 1);
        }
        if let Some(args) = arguments {
            let first_string = {
                let mut c = args.walk();
                let first = args
                    .named_children(&mut c)
                    .find(|a| a.kind_name() == "argument")
                    .and_then(|a| a.named_child(a.named_child_count().saturating_sub(1)));
                first
            };
            if db.is_some() {
                if let Some(s) = first_string.filter(|s| self.is_stringish(*s)) {
                    let before = self.file.strings.len();
                    self.string_lit(s, ctx, true);
                    if self.file.strings.len() > before {
                        self.file.calls[index].sql_argument = Some(before);
                    }
                    // Walk the rest of the arguments, not this string again.
                    let mut c = args.walk();
                    let rest: Vec<Node<'a>> = args.named_children(&mut c).collect();
                    for a in rest {
                        if !a.byte_range().contains(&s.start_byte()) {
                            self.walk(a, ctx, depth + 1);
                        }
                    }
                    return;
                }
            }
            self.walk(args, ctx, depth + 1);
        }
    }

    /// `.Result`, `.Wait()`, `.GetAwaiter().GetResult()` applied to this call.
    fn blocking(&self, call: Node<'a>) -> Option<String> {
        let parent = self.parent_of(call)?;
        if parent.kind_name() != "member_access_expression" {
            return None;
        }
        let name = self.source.text(parent.field("name")?);
        match name {
            "Result" => Some(".Result".into()),
            "Wait" => Some(".Wait()".into()),
            "GetAwaiter" => {
                let invocation = parent
                    .parent()
                    .filter(|p| p.kind_name() == "invocation_expression")?;
                let outer = invocation
                    .parent()
                    .filter(|p| p.kind_name() == "member_access_expression")?;
                (self.source.text(outer.field("name")?) == "GetResult")
                    .then(|| ".GetAwaiter().GetResult()".into())
            }
            _ => None,
        }
    }

    fn creation(&mut self, node: Node<'a>, ctx: &Ctx) {
        let type_name = node
            .field("type")
            .map(|t| {
                self.source
                    .text(t)
                    .rsplit('.')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default();
        if CONNECTION_TYPES.contains(&type_name.as_str()) {
            self.file.connections.push(ConnectionSite {
                function: ctx.function,
                variable: None,
                api: format!("new {type_name}"),
                start: self.source.start(node),
                end: self.source.end(node),
                disposal: Disposal::Never,
                text: self.source.short(node, 120),
            });
        }
        // new SqlCommand("SELECT ...", conn): the command will run this SQL.
        if type_name.ends_with("Command") {
            if let Some(first) = node
                .field("arguments")
                .and_then(|a| a.named_child(0))
                .and_then(|a| a.named_child(a.named_child_count().saturating_sub(1)))
            {
                if self.is_stringish(first) {
                    self.string_lit(first, ctx, true);
                }
            }
        }
    }

    fn assignment_from(&mut self, left: Option<Node<'a>>, right: Option<Node<'a>>, ctx: &Ctx) {
        let (Some(left), Some(right)) = (left, right) else {
            return;
        };
        let value = unwrap_expression(right);
        let value = if value.kind_name() == "equals_value_clause" {
            value.named_child(0).map(unwrap_expression).unwrap_or(value)
        } else {
            value
        };
        if let Some(&call) = self.call_of_node.get(&value.id()) {
            self.file.assignments.push(Assignment {
                function: ctx.function,
                variable: self
                    .source
                    .text(left)
                    .trim_start_matches("this.")
                    .to_string(),
                call,
                start: self.source.start(left),
            });
        }
    }

    fn is_stringish(&self, node: Node<'a>) -> bool {
        matches!(
            node.kind_name(),
            "string_literal"
                | "verbatim_string_literal"
                | "raw_string_literal"
                | "interpolated_string_expression"
        ) || (node.kind_name() == "binary_expression" && self.is_string_concat(node))
    }

    fn is_string_concat(&self, node: Node<'a>) -> bool {
        node.field("operator")
            .is_some_and(|o| self.source.text(o) == "+")
            && [node.field("left"), node.field("right")]
                .iter()
                .flatten()
                .any(|n| self.is_stringish(*n))
    }

    /// Records a string (or concatenation) when it is SQL or a connection string.
    fn string_lit(&mut self, node: Node<'a>, ctx: &Ctx, at_db_call: bool) {
        if self
            .file
            .strings
            .iter()
            .any(|s| s.start == self.source.start(node))
        {
            return;
        }
        let mut text = String::new();
        let mut segments = Vec::new();
        self.collect_string(node, &mut text, &mut segments, 0);
        if text.is_empty() {
            return;
        }
        let interesting =
            at_db_call || looks_like_sql(&text) || masked_credentials(&text).is_some();
        if interesting {
            self.file.strings.push(StringLit {
                function: ctx.function,
                text,
                segments,
                start: self.source.start(node),
                at_db_call,
            });
        }
    }

    fn collect_string(
        &self,
        node: Node<'a>,
        text: &mut String,
        segments: &mut Vec<(usize, Pos)>,
        depth: usize,
    ) {
        if depth > 200 {
            return;
        }
        match node.kind_name() {
            "binary_expression" => {
                for side in [node.field("left"), node.field("right")]
                    .into_iter()
                    .flatten()
                {
                    self.collect_string(side, text, segments, depth + 1);
                }
            }
            "string_literal"
            | "verbatim_string_literal"
            | "raw_string_literal"
            | "interpolated_string_expression" => {
                let mut cursor = node.walk();
                let parts: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                if parts.is_empty() {
                    // Verbatim / raw literals: the content is the literal minus its quotes.
                    let raw = self.source.text(node);
                    let open = raw.find('"').map_or(0, |i| i + 1);
                    let open = open + raw[open..].chars().take_while(|c| *c == '"').count();
                    let quote_run = raw[..open].chars().filter(|c| *c == '"').count();
                    let close = raw.len().saturating_sub(quote_run).max(open);
                    segments.push((
                        text.len(),
                        self.source.pos_of_byte(node.start_byte() + open),
                    ));
                    text.push_str(&raw[open..close]);
                }
                for part in parts {
                    match part.kind_name() {
                        "string_literal_content"
                        | "string_content"
                        | "verbatim_string_literal_content"
                        | "raw_string_content"
                        | "escape_sequence" => {
                            segments.push((text.len(), self.source.start(part)));
                            text.push_str(self.source.text(part));
                        }
                        "interpolation" => text.push_str("@p"),
                        _ => {}
                    }
                }
            }
            _ => text.push_str("@p"),
        }
    }

    /// Decides how each connection created in a function is released.
    fn connection_lifetimes(&mut self, root: Node<'a>) {
        for i in 0..self.file.connections.len() {
            let start = self.file.connections[i].start;
            let Some(node) = find_creation(root, self.source, start) else {
                continue;
            };
            let (variable, disposal) = self.disposal_of(node);
            self.file.connections[i].variable = variable;
            self.file.connections[i].disposal = disposal;
        }
    }

    fn disposal_of(&self, creation: Node<'a>) -> (Option<String>, Disposal) {
        let mut parent = creation.parent();
        while let Some(p) = parent {
            if !matches!(
                p.kind_name(),
                "parenthesized_expression" | "cast_expression" | "equals_value_clause"
            ) {
                break;
            }
            parent = p.parent();
        }
        let Some(parent) = parent else {
            return (None, Disposal::Never);
        };
        // `services.AddTransient<IDbConnection>(_ => new SqlConnection(cs))`: the container
        // owns it.
        if self.registered_with_container(creation) {
            return (
                None,
                Disposal::Escapes("registered with a container".into()),
            );
        }
        match parent.kind_name() {
            "return_statement" | "arrow_expression_clause" => {
                return (None, Disposal::Escapes("returned to the caller".into()))
            }
            "argument" => {
                let owner = parent.parent().and_then(|l| l.parent());
                if let Some(o) = owner.filter(|o| o.kind_name() == "object_creation_expression") {
                    let type_name = o.field("type").map(|t| self.source.text(t)).unwrap_or("");
                    if !NON_OWNING.iter().any(|n| type_name.ends_with(n)) {
                        return (
                            None,
                            Disposal::Escapes(format!("handed to new {type_name}")),
                        );
                    }
                }
                return (None, Disposal::Escapes("passed to a method".into()));
            }
            "using_statement" => return (None, Disposal::Guaranteed("using".into())),
            "assignment_expression" => {
                let left = parent
                    .field("left")
                    .map(|l| self.source.text(l))
                    .unwrap_or("");
                if left.starts_with("this.")
                    || left.starts_with('_')
                    || left.chars().next().is_some_and(|c| c.is_uppercase())
                {
                    return (None, Disposal::Escapes("stored in a field".into()));
                }
                return self.variable_disposal(parent, left.to_string());
            }
            "variable_declarator" => {
                let name = parent
                    .field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default();
                // using (var c = new ...) / using var c = ... / await using var c = ...
                let mut up = parent.parent();
                while let Some(u) = up {
                    match u.kind_name() {
                        "variable_declaration" => up = u.parent(),
                        "using_statement" => {
                            return (Some(name), Disposal::Guaranteed("using".into()))
                        }
                        "local_declaration_statement" => {
                            let mut c = u.walk();
                            let has_using = u.children(&mut c).any(|k| {
                                k.kind_name() == "using" || self.source.text(k) == "using"
                            });
                            if has_using {
                                return (
                                    Some(name),
                                    Disposal::Guaranteed("using declaration".into()),
                                );
                            }
                            break;
                        }
                        "field_declaration" => {
                            return (Some(name), Disposal::Escapes("stored in a field".into()))
                        }
                        _ => break,
                    }
                }
                return self.variable_disposal(parent, name);
            }
            _ => {}
        }
        (None, Disposal::Never)
    }

    fn registered_with_container(&self, creation: Node<'a>) -> bool {
        let mut current = creation.parent();
        for _ in 0..8 {
            let Some(node) = current else {
                return false;
            };
            if node.kind_name() == "invocation_expression" {
                let name = node
                    .field("function")
                    .and_then(|f| f.field("name").or(Some(f)))
                    .map(|n| self.source.text(n))
                    .unwrap_or("");
                let name = name.split('<').next().unwrap_or("");
                return [
                    "AddTransient",
                    "AddScoped",
                    "AddSingleton",
                    "Register",
                    "RegisterType",
                    "RegisterInstance",
                    "Bind",
                    "TryAdd",
                ]
                .iter()
                .any(|m| name.ends_with(m));
            }
            current = node.parent();
        }
        false
    }

    /// Follows a connection variable through its function body.
    fn variable_disposal(&self, declaration: Node<'a>, name: String) -> (Option<String>, Disposal) {
        let Some(body) = enclosing_body(declaration) else {
            return (Some(name), Disposal::Never);
        };
        let mut closed_in_finally = false;
        let mut closed = false;
        let mut escapes: Option<String> = None;
        let mut stack = vec![body];
        while let Some(node) = stack.pop() {
            if node.start_byte() < declaration.start_byte()
                && node.end_byte() <= declaration.start_byte()
            {
                continue;
            }
            match node.kind_name() {
                "invocation_expression" => {
                    let function = node.field("function");
                    let target = function
                        .and_then(|f| f.field("expression"))
                        .map(|e| self.source.text(e));
                    let method = function
                        .and_then(|f| f.field("name"))
                        .map(|n| self.source.text(n))
                        .unwrap_or("");
                    if target == Some(name.as_str())
                        && matches!(method, "Close" | "Dispose" | "CloseAsync" | "DisposeAsync")
                    {
                        closed = true;
                        if has_ancestor(node, "finally_clause", body) {
                            closed_in_finally = true;
                        }
                    }
                    if self
                        .source
                        .text(node)
                        .contains("CommandBehavior.CloseConnection")
                    {
                        escapes = Some(
                            "a reader opened with CommandBehavior.CloseConnection closes it".into(),
                        );
                    }
                }
                "return_statement" | "yield_statement"
                    if node
                        .named_child(0)
                        .is_some_and(|e| self.source.text(e) == name) =>
                {
                    escapes = Some("returned to the caller".into());
                }
                "assignment_expression" => {
                    let right = node.field("right").map(|r| self.source.text(r));
                    let left = node
                        .field("left")
                        .map(|l| self.source.text(l))
                        .unwrap_or("");
                    if right == Some(name.as_str())
                        && (left.starts_with("this.")
                            || left.starts_with('_')
                            || left.contains('.'))
                    {
                        escapes = Some("stored in a field".into());
                    }
                }
                "object_creation_expression" => {
                    let type_name = node
                        .field("type")
                        .map(|t| self.source.text(t))
                        .unwrap_or("");
                    let passes = node.field("arguments").is_some_and(|a| {
                        let mut c = a.walk();
                        let found = a
                            .named_children(&mut c)
                            .any(|arg| self.source.text(arg) == name);
                        found
                    });
                    if passes && !NON_OWNING.iter().any(|n| type_name.ends_with(n)) {
                        escapes = Some(format!("handed to new {type_name}"));
                    }
                }
                _ => {}
            }
            let mut c = node.walk();
            for child in node.named_children(&mut c) {
                stack.push(child);
            }
        }
        let disposal = if closed_in_finally {
            Disposal::Guaranteed("closed in finally".into())
        } else if let Some(reason) = escapes {
            Disposal::Escapes(reason)
        } else if closed {
            Disposal::NormalPathOnly("closed, but not in a finally".into())
        } else {
            Disposal::Never
        };
        (Some(name), disposal)
    }
}

fn classify(
    callee: &str,
    root: Option<&str>,
    chain: &[String],
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
    }
    (None, None)
}

/// Strips `await`, parentheses and casts around an expression.
fn unwrap_expression(node: Node) -> Node {
    let mut current = node;
    for _ in 0..16 {
        match current.kind_name() {
            "await_expression"
            | "parenthesized_expression"
            | "cast_expression"
            | "equals_value_clause" => {
                match current.named_child(current.named_child_count().saturating_sub(1)) {
                    Some(c) => current = c,
                    None => break,
                }
            }
            _ => break,
        }
    }
    current
}

fn last_named_child(node: Node) -> Option<Node> {
    node.named_child(node.named_child_count().checked_sub(1)?)
}

fn enclosing_body(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(n) = current {
        if matches!(
            n.kind_name(),
            "method_declaration"
                | "constructor_declaration"
                | "local_function_statement"
                | "lambda_expression"
                | "accessor_declaration"
        ) {
            return n.field("body").or(Some(n));
        }
        current = n.parent();
    }
    None
}

fn has_ancestor(node: Node, kind: &str, stop: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.kind_name() == kind {
            return true;
        }
        if n.id() == stop.id() {
            return false;
        }
        current = n.parent();
    }
    false
}

fn find_creation<'a>(root: Node<'a>, source: &Source, start: Pos) -> Option<Node<'a>> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind_name() == "object_creation_expression" && source.start(node) == start {
            return Some(node);
        }
        let (s, e) = (source.start(node), source.end(node));
        if s <= start && start <= e {
            let mut c = node.walk();
            for child in node.named_children(&mut c) {
                stack.push(child);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(code: &str) -> AppFile {
        extract("T.cs", code)
    }

    #[test]
    fn catalogue_loops_and_assignments() {
        let f = facts(
            r#"
class Repo {
    public List<Appointment> GetForClient(int id) {
        var appointments = _context.Appointments.Where(a => a.ClientId == id).ToList();
        foreach (var a in appointments) {
            var p = _providerRepository.GetProvider(a.ProviderId);
            var n = connection.QueryFirstOrDefault<Note>("SELECT * FROM Notes WHERE Id = @id", new { id = a.Id });
        }
        var names = people.Select(x => x.Name).ToList();
        return appointments;
    }
}"#,
        );
        assert_eq!(f.functions.len(), 1);
        assert_eq!(f.functions[0].name, "GetForClient");
        assert_eq!(f.functions[0].arity, 1);
        let to_list = f
            .calls
            .iter()
            .position(|c| c.callee == "ToList" && c.db.is_some())
            .expect("EF ToList");
        assert_eq!(
            f.assignments
                .iter()
                .find(|a| a.variable == "appointments")
                .map(|a| a.call),
            Some(to_list)
        );
        let foreach = f.loops.iter().position(|l| l.kind == "foreach").unwrap();
        assert_eq!(f.loops[foreach].source_var.as_deref(), Some("appointments"));
        let dapper = f
            .calls
            .iter()
            .find(|c| c.callee == "QueryFirstOrDefault")
            .unwrap();
        assert_eq!(dapper.db, Some(DbCall::Query));
        assert_eq!(dapper.loops, vec![foreach]);
        let sql = &f.strings[dapper.sql_argument.unwrap()];
        assert_eq!(sql.text, "SELECT * FROM Notes WHERE Id = @id");
        assert_eq!(sql.position_of(7).line, 7);
        let get = f.calls.iter().find(|c| c.callee == "GetProvider").unwrap();
        assert_eq!(get.db, None);
        assert_eq!(get.loops, vec![foreach]);
        // `people.Select(...)` is an in-memory callback loop; `people.ToList()` is not a db call.
        assert!(f.loops.iter().any(|l| l.kind == "Select callback"));
        assert!(f.calls.iter().filter(|c| c.callee == "ToList").all(|c| c
            .receiver_root
            .as_deref()
            == Some("_context")
            || c.db.is_none()));
    }

    #[test]
    fn linq_on_a_context_is_not_a_loop() {
        let f = facts("class R { void M() { var x = _context.Users.Select(u => u.Orders.Count()).ToList(); } }");
        assert!(f.loops.is_empty(), "{:?}", f.loops);
    }

    #[test]
    fn reader_loops_and_ado_net() {
        let f = facts(
            r#"
class R {
    void M() {
        using (var connection = new SqlConnection(cs)) {
            var cmd = new SqlCommand("SELECT Id FROM Users", connection);
            connection.Open();
            using (var reader = cmd.ExecuteReader()) {
                while (reader.Read()) {
                    Load(reader.GetInt32(0));
                }
            }
        }
    }
}"#,
        );
        let exec = f
            .calls
            .iter()
            .position(|c| c.callee == "ExecuteReader")
            .unwrap();
        assert_eq!(f.calls[exec].db, Some(DbCall::Query));
        let w = f.loops.iter().find(|l| l.kind == "while").unwrap();
        assert_eq!(w.source_var.as_deref(), Some("reader"));
        assert!(f
            .assignments
            .iter()
            .any(|a| a.variable == "reader" && a.call == exec));
        assert_eq!(f.connections.len(), 1);
        assert_eq!(
            f.connections[0].disposal,
            Disposal::Guaranteed("using".into())
        );
        assert!(f
            .strings
            .iter()
            .any(|s| s.text == "SELECT Id FROM Users" && s.at_db_call));
    }

    #[test]
    fn disposal_outcomes() {
        let f = facts(
            r#"
class R {
    SqlConnection _shared;
    void UsingVar() { using var c = new SqlConnection(cs); c.Open(); }
    void Finally() { var c = new SqlConnection(cs); try { c.Open(); } finally { c.Close(); } }
    void NormalOnly() { var c = new SqlConnection(cs); c.Open(); Work(c); c.Close(); }
    void Never() { var c = new NpgsqlConnection(cs); c.Open(); }
    SqlConnection Returned() { var c = new SqlConnection(cs); c.Open(); return c; }
    void Field() { _shared = new SqlConnection(cs); }
    void Reader() { var c = new SqlConnection(cs); c.Open(); var cmd = new SqlCommand("x", c); var r = cmd.ExecuteReader(CommandBehavior.CloseConnection); }
}"#,
        );
        let by_function = |name: &str| {
            let index = f.functions.iter().position(|fun| fun.name == name).unwrap();
            f.connections
                .iter()
                .find(|c| c.function == Some(index))
                .unwrap()
                .disposal
                .clone()
        };
        assert!(matches!(by_function("UsingVar"), Disposal::Guaranteed(_)));
        assert!(matches!(by_function("Finally"), Disposal::Guaranteed(_)));
        assert!(matches!(
            by_function("NormalOnly"),
            Disposal::NormalPathOnly(_)
        ));
        assert_eq!(by_function("Never"), Disposal::Never);
        assert!(matches!(by_function("Returned"), Disposal::Escapes(_)));
        assert!(matches!(by_function("Field"), Disposal::Escapes(_)));
        assert!(matches!(by_function("Reader"), Disposal::Escapes(_)));
    }

    #[test]
    fn blocking_on_database_tasks() {
        let f = facts("class R { void M() { var a = cmd.ExecuteReaderAsync().Result; _context.Users.ToListAsync().Wait(); var b = conn.QueryAsync<int>(\"SELECT 1 FROM T\").GetAwaiter().GetResult(); } }");
        let blocked: Vec<_> = f
            .calls
            .iter()
            .filter_map(|c| c.blocked_by.clone().map(|b| (c.callee.clone(), b)))
            .collect();
        assert!(
            blocked.contains(&("ExecuteReaderAsync".into(), ".Result".into())),
            "{blocked:?}"
        );
        assert!(blocked.contains(&("ToListAsync".into(), ".Wait()".into())));
        assert!(blocked.contains(&("QueryAsync".into(), ".GetAwaiter().GetResult()".into())));
    }

    #[test]
    fn concatenation_and_verbatim_strings() {
        let f = facts("class R { void M(int id) {\n var sql = \"SELECT * FROM Users \" +\n   \"WHERE Id = \" + id;\n var v = @\"SELECT Name\nFROM Providers\"; } }");
        let concat = f
            .strings
            .iter()
            .find(|s| s.text.starts_with("SELECT * FROM Users"))
            .unwrap();
        assert_eq!(concat.text, "SELECT * FROM Users WHERE Id = @p");
        assert_eq!(concat.position_of(20).line, 3);
        let verbatim = f
            .strings
            .iter()
            .find(|s| s.text.starts_with("SELECT Name"))
            .unwrap();
        assert_eq!(verbatim.position_of(12).line, 5);
    }

    #[test]
    fn broken_code_and_garbage_do_not_panic() {
        let f = facts("class R { void M() { foreach (var x in repo.GetAll() { x.Save(); } ");
        assert!(f.error_share > 0.0);
        let _ = facts("\u{0}\u{1}}}}{{{((((;;;\"\"\"@@@");
        let deep = format!(
            "class R {{ void M() {{ var x = {}1{}; }} }}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        let _ = facts(&deep);
    }
}
