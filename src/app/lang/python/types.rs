//! Python's types, lowered to the typed IR (`app::ir::typed`) so that the one core
//! (`app::core::types`) gives each call's receiver its type: the fields methods assign
//! (`self.x = T(...)`, `x: T`), annotated parameters, locals and module-level variables
//! with their annotated or constructed type (`x: T = ...`, `x = T(...)`, `x = []` is a
//! `list`, `x = make()` the type `make` of the same file declares it returns) and the call
//! they take their value from, loop, `:=` and `with` variables, imports, and each call's
//! receiver (`self`, `super()`, `self.x`, a name, an expression).

use tree_sitter::Node;

use super::Extractor;
use crate::app::ir::typed::{
    Field, Function, Import, Local, MethodBinding, Param, Receiver, TypeName, Unit,
};
use crate::app::ir::Language;
use crate::app::lang::common::{FieldExt, KindExt};

/// Literals and displays, and the library type they make.
const LITERAL_TYPES: &[(&str, &str)] = &[
    ("list", "list"),
    ("list_comprehension", "list"),
    ("dictionary", "dict"),
    ("dictionary_comprehension", "dict"),
    ("set", "set"),
    ("set_comprehension", "set"),
    ("tuple", "tuple"),
    ("string", "str"),
    ("concatenated_string", "str"),
    ("integer", "int"),
    ("float", "float"),
    ("true", "bool"),
    ("false", "bool"),
];

impl<'a> Extractor<'a> {
    /// The file's locals, module-level variables, fields and imports, lowered once the
    /// functions, classes and calls are (`functions`, `calls`) and the assignments from a
    /// call are known (`assignments`): each such assignment is the local's `init_call`.
    pub(super) fn types(&mut self) {
        let assigned: std::collections::HashMap<usize, (String, usize)> = self
            .assigned
            .drain(..)
            .map(|(node, variable, call)| (node, (variable, call)))
            .collect();
        let mut unit = std::mem::replace(&mut self.unit, Unit::new("", Language::Python));
        for i in 0..self.nodes.len() {
            let from_call = assigned.get(&i);
            let locals_before = unit.locals.len();
            match self.kind(i) {
                "assignment" => self.assignment(i, &mut unit),
                "for_statement" | "for_in_clause" => {
                    if let Some(left) = Self::field(self.nodes[i], "left") {
                        self.untyped_locals(left, i, &mut unit);
                    }
                }
                "named_expression" => {
                    // `(row := cur.fetchone())`: a local, typed by its value.
                    let name = Self::field(self.nodes[i], "name");
                    if let Some(name) = name.filter(|n| n.kind_name() == "identifier") {
                        let constructed = Self::field(self.nodes[i], "value")
                            .and_then(|v| self.constructed(v, i, &unit.functions));
                        unit.locals.push(Local {
                            function: self.fn_of[i],
                            name: self.text(name).to_string(),
                            declared: None,
                            constructed,
                            init_call: None,
                            is_declaration: true,
                            start: self.start(self.nodes[i]),
                            at: self.nodes[i].end_byte(),
                        });
                    }
                }
                "with_item" => {
                    let Some(value) = Self::field(self.nodes[i], "value") else {
                        continue;
                    };
                    // `with T(...) as x`: `value` is the `as_pattern`.
                    if value.kind_name() == "as_pattern" {
                        let target = value.field("alias").and_then(|a| match a.kind_name() {
                            "identifier" => Some(a),
                            _ => Self::named_children(a).into_iter().next(),
                        });
                        let source = Self::named_children(value).into_iter().next();
                        if let (Some(target), Some(source)) = (target, source) {
                            if target.kind_name() == "identifier" {
                                unit.locals.push(Local {
                                    function: self.fn_of[i],
                                    name: self.text(target).to_string(),
                                    declared: None,
                                    constructed: self.constructed(source, i, &unit.functions),
                                    init_call: None,
                                    is_declaration: true,
                                    // The item is where it is assigned.
                                    start: self.start(self.nodes[i]),
                                    at: self.nodes[i].end_byte(),
                                });
                            }
                        }
                    }
                }
                "import_statement" | "import_from_statement" => self.import(i, &mut unit),
                _ => {}
            }
            let Some((variable, call)) = from_call else {
                continue;
            };
            // The local this statement bound, or (`self.x = f()`, `with f() as self.x`) a
            // variable of its own, which no receiver names.
            let bound = unit.locals[locals_before..]
                .iter_mut()
                .find(|l| l.name == *variable);
            match bound {
                Some(local) => local.init_call = Some(*call),
                // A class attribute (`objects = Manager()`) is no variable of the code
                // around it.
                None if self.class_body_of(i).is_some() => {}
                None => unit.locals.push(Local {
                    function: self.fn_of[i],
                    name: variable.clone(),
                    declared: None,
                    constructed: None,
                    init_call: Some(*call),
                    is_declaration: false,
                    start: self.start(self.nodes[i]),
                    at: self.nodes[i].end_byte(),
                }),
            }
        }
        self.unit = unit;
    }

    /// The class whose body defines the function at node `i`.
    pub(super) fn class_node_of_function(&self, i: usize) -> Option<usize> {
        let mut p = self.up(i)?;
        if self.kind(p) == "decorated_definition" {
            p = self.up(p)?;
        }
        if self.kind(p) == "block" {
            p = self.up(p)?;
        }
        (self.kind(p) == "class_definition").then_some(p)
    }

    /// Parameters with their annotations; a method's `self` / `cls` is not one.
    pub(super) fn params(&self, function: Node<'a>, is_method: bool) -> Vec<Param> {
        let mut out = Vec::new();
        let Some(params) = Self::field(function, "parameters") else {
            return out;
        };
        for (k, p) in Self::named_children(params).into_iter().enumerate() {
            let (name, ty) = match p.kind_name() {
                "identifier" => (self.text(p).to_string(), None),
                "default_parameter" => (self.field_text(p, "name"), None),
                "typed_default_parameter" => (
                    self.field_text(p, "name"),
                    Self::field(p, "type").and_then(|t| self.type_name(t)),
                ),
                "typed_parameter" => {
                    let first = Self::named_children(p).into_iter().next();
                    match first {
                        Some(n) if n.kind_name() == "identifier" => (
                            self.text(n).to_string(),
                            Self::field(p, "type").and_then(|t| self.type_name(t)),
                        ),
                        // `*args: T`, `**kwargs: T`: not counted in the arity.
                        _ => continue,
                    }
                }
                "list_splat_pattern"
                | "dictionary_splat_pattern"
                | "positional_separator"
                | "keyword_separator"
                | "comment" => continue,
                // A tuple parameter (Python 2) or a part the parser did not understand:
                // a parameter all the same, for the arity.
                _ => (self.text(p).to_string(), None),
            };
            if k == 0 && is_method && (name == "self" || name == "cls") {
                continue;
            }
            out.push(Param {
                name,
                ty,
                destructured: Vec::new(),
                is_scalar_array: false,
            });
        }
        out
    }

    /// `x = ...`, `x: T = ...`, `x: T`, `a, b = ...`, `self.x = ...` (a field).
    fn assignment(&self, i: usize, unit: &mut Unit) {
        let node = self.nodes[i];
        let Some(left) = Self::field(node, "left") else {
            return;
        };
        let declared = Self::field(node, "type").and_then(|t| self.type_name(t));
        let right = Self::field(node, "right");
        if let Some(value) = right.filter(|r| r.kind_name() == "attribute") {
            self.method_binding(i, left, value, unit);
        }
        let constructed = right.and_then(|r| self.constructed(r, i, &unit.functions));
        match left.kind_name() {
            "identifier" => {
                let name = self.text(left).to_string();
                // In a class body: a field (class attribute or annotated instance field).
                if let Some(class) = self
                    .class_body_of(i)
                    .and_then(|c| self.class_of_node.get(&c))
                {
                    if let Some(c) = unit.classes.get_mut(*class) {
                        c.fields.push(Field {
                            name,
                            ty: declared.or(constructed),
                        });
                    }
                    return;
                }
                unit.locals.push(Local {
                    function: self.fn_of[i],
                    name,
                    declared,
                    constructed,
                    init_call: None,
                    is_declaration: true,
                    start: self.start(left),
                    at: node.end_byte(),
                });
            }
            "attribute" => {
                // `self.x = ...` in a method: a field of the method's class.
                let object = Self::field(left, "object");
                if !object.is_some_and(|o| o.kind_name() == "identifier" && self.text(o) == "self")
                {
                    return;
                }
                let Some(function) = self.fn_of[i] else {
                    return;
                };
                let class = self
                    .class_node_of_function(self.fn_node[function])
                    .and_then(|c| self.class_of_node.get(&c).copied());
                let name = self.field_text(left, "attribute");
                // `self.repo = repo` from an annotated parameter (`repo: Repo`): its type.
                let from_param = right
                    .map(Self::unwrap)
                    .filter(|r| r.kind_name() == "identifier")
                    .and_then(|r| {
                        let f = unit.functions.get(function)?;
                        f.params.iter().find(|p| p.name == self.text(r))?.ty.clone()
                    });
                let ty = declared.or(constructed).or(from_param);
                if let Some(c) = class.and_then(|c| unit.classes.get_mut(c)) {
                    match c.fields.iter_mut().find(|f| f.name == name) {
                        // Assigned twice with different types: unknown.
                        Some(field) if field.ty != ty => field.ty = None,
                        Some(_) => {}
                        None => c.fields.push(Field { name, ty }),
                    }
                }
            }
            _ => self.untyped_locals(left, i, unit),
        }
    }

    /// `lookup = self.prescriptions.drug` (a local) or `self.drug_of = repo.drug` (a field)
    /// in a function: a bound method, whose calls (`lookup(id)`, `self.drug_of(id)`) call
    /// that method (`Unit::method_bindings`; the core types its receiver where it is bound).
    fn method_binding(&self, i: usize, left: Node<'a>, value: Node<'a>, unit: &mut Unit) {
        let Some(function) = self.fn_of[i] else {
            return;
        };
        let (name, field) = match left.kind_name() {
            "identifier" => (self.text(left).to_string(), false),
            "attribute"
                if Self::field(left, "object")
                    .is_some_and(|o| o.kind_name() == "identifier" && self.text(o) == "self") =>
            {
                (self.field_text(left, "attribute"), true)
            }
            _ => return,
        };
        let Some(object) = Self::field(value, "object").map(Self::unwrap) else {
            return;
        };
        let chain = self.chain_of(object);
        let mut names: Vec<String> = chain.root.into_iter().collect();
        names.extend(chain.elems.into_iter().map(|e| e.name));
        unit.method_bindings.push(MethodBinding {
            function: Some(function),
            name,
            field,
            method: self.field_text(value, "attribute"),
            receiver: self.object_receiver(object),
            receiver_text: Some(self.short(object, 200)),
            chain: names,
            at: value.start_byte(),
        });
    }

    /// The class whose body holds the statement at node `i` directly (not in a method).
    fn class_body_of(&self, i: usize) -> Option<usize> {
        let statement = self.up(i)?;
        if self.kind(statement) != "expression_statement" {
            return None;
        }
        let block = self.up(statement)?;
        let class = self.up(block)?;
        (self.kind(block) == "block" && self.kind(class) == "class_definition").then_some(class)
    }

    /// Names bound by a pattern (`a, b`, `(i, row)`) with no type the source states.
    fn untyped_locals(&self, pattern: Node<'a>, i: usize, unit: &mut Unit) {
        let mut names = Vec::new();
        Self::identifiers_in(pattern, &mut names);
        for name in names {
            // `for x.y in ...`, `a[i] = ...`: only plain names are variables.
            if name.parent().is_some_and(|p| {
                matches!(
                    p.kind_name(),
                    "attribute" | "subscript" | "keyword_argument"
                )
            }) {
                continue;
            }
            unit.locals.push(Local {
                function: self.fn_of[i],
                name: self.text(name).to_string(),
                declared: None,
                constructed: None,
                init_call: None,
                is_declaration: true,
                start: self.start(name),
                at: self.nodes[i].start_byte(),
            });
        }
    }

    /// The type a value is built as: a class called (`T(...)`, `models.T(...)`), a
    /// library constructor (`dict()`, `defaultdict(list)`), a literal or display, or what
    /// a factory of the file declares it returns (`make_store()`, `self.store()`, with
    /// `-> T`). `at` is the node the value is assigned at.
    fn constructed(&self, value: Node<'a>, at: usize, functions: &[Function]) -> Option<TypeName> {
        self.built(value)
            .or_else(|| self.returned(value, at, functions))
    }

    /// The declared return type of the file's function a call means: a bare call of a
    /// module-level function, or `self.m()` of a method of the caller's class; every
    /// function of that name there must declare the same type.
    fn returned(&self, value: Node<'a>, at: usize, functions: &[Function]) -> Option<TypeName> {
        let value = Self::unwrap(value);
        if value.kind_name() != "call" {
            return None;
        }
        let function = Self::field(value, "function")?;
        let (name, class) = match function.kind_name() {
            "identifier" => (self.text(function).to_string(), None),
            "attribute" => {
                let object = Self::field(function, "object")?;
                if object.kind_name() != "identifier"
                    || !matches!(self.text(object), "self" | "cls")
                {
                    return None;
                }
                let caller = functions.get(self.fn_of[at]?)?;
                (self.field_text(function, "attribute"), Some(caller.class?))
            }
            _ => return None,
        };
        let mut matching = functions
            .iter()
            .filter(|f| f.name == name && f.class == class);
        let first = matching.next()?.returns.clone()?;
        matching
            .all(|f| f.returns.as_ref() == Some(&first))
            .then_some(first)
    }

    /// A class, library constructor, literal or display.
    fn built(&self, value: Node<'a>) -> Option<TypeName> {
        let value = Self::unwrap(value);
        let kind = value.kind_name();
        if let Some((_, ty)) = LITERAL_TYPES.iter().find(|(k, _)| *k == kind) {
            return Some(TypeName {
                name: ty.to_string(),
                arguments: Vec::new(),
            });
        }
        if kind != "call" {
            return None;
        }
        let function = Self::field(value, "function")?;
        let name = match function.kind_name() {
            "identifier" => self.text(function),
            "attribute" => Self::field(function, "attribute").map(|a| self.text(a))?,
            _ => return None,
        };
        let is_class = name.starts_with(char::is_uppercase) && name.chars().any(char::is_lowercase);
        (is_class || super::catalogue::LIBRARY_TYPES.contains(&name)).then(|| TypeName {
            name: name.to_string(),
            arguments: Vec::new(),
        })
    }

    /// A type annotation as a type name: `T`, `a.b.T`, `"T"`, `Optional[T]`, `T | None`,
    /// `List[T]` (a `List` of `T`); a union of several types says nothing.
    pub(super) fn type_name(&self, node: Node<'a>) -> Option<TypeName> {
        let text: String = self
            .text(node)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
            .collect();
        parse_type(&text)
    }

    fn import(&self, i: usize, unit: &mut Unit) {
        let node = self.nodes[i];
        let segments = |text: &str| -> Vec<String> {
            text.split('.')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        if self.kind(i) == "import_statement" {
            for name in Self::named_children(node) {
                let (path, alias) = match name.kind_name() {
                    "dotted_name" => {
                        let path = segments(self.text(name));
                        // `import a.b` binds `a`.
                        let first = path.first().cloned().unwrap_or_default();
                        (vec![first.clone()], first)
                    }
                    "aliased_import" => (
                        segments(&self.field_text(name, "name")),
                        self.field_text(name, "alias"),
                    ),
                    _ => continue,
                };
                unit.imports.push(Import {
                    name: alias,
                    path,
                    is_member: false,
                });
            }
            return;
        }
        let module = Self::field(node, "module_name")
            .map(|m| segments(self.text(m)))
            .unwrap_or_default();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind_name() == "wildcard_import" {
                unit.star_import = true;
            }
        }
        for (imported, alias) in self.imported_names(node) {
            let mut path = module.clone();
            path.extend(segments(&imported));
            unit.imports.push(Import {
                name: alias,
                path,
                is_member: true,
            });
        }
    }

    /// The (imported, bound) names of a `from m import a, b as c`.
    pub(super) fn imported_names(&self, node: Node<'a>) -> Vec<(String, String)> {
        let mut cursor = node.walk();
        let names: Vec<Node<'a>> = node.children_by_field_name("name", &mut cursor).collect();
        names
            .into_iter()
            .map(|name| match name.kind_name() {
                "aliased_import" => (
                    self.field_text(name, "name"),
                    self.field_text(name, "alias"),
                ),
                _ => (self.text(name).to_string(), self.text(name).to_string()),
            })
            .collect()
    }

    /// What a call is called on.
    pub(super) fn receiver(&self, call: Node<'a>) -> Receiver {
        let Some(function) = Self::field(call, "function") else {
            return Receiver::Expression;
        };
        if function.kind_name() == "identifier" {
            return Receiver::None;
        }
        if function.kind_name() != "attribute" {
            return Receiver::Expression;
        }
        let Some(object) = Self::field(function, "object").map(Self::unwrap) else {
            return Receiver::Expression;
        };
        self.object_receiver(object)
    }

    /// The receiver a member of `object` is called on (`self`, `super()`, `self.x`, a name).
    fn object_receiver(&self, object: Node<'a>) -> Receiver {
        let is_self =
            |n: Node<'a>| n.kind_name() == "identifier" && matches!(self.text(n), "self" | "cls");
        match object.kind_name() {
            _ if is_self(object) => Receiver::This,
            "identifier" => Receiver::Name(self.text(object).to_string()),
            "call" => {
                let is_super = Self::field(object, "function")
                    .is_some_and(|f| f.kind_name() == "identifier" && self.text(f) == "super");
                if is_super {
                    Receiver::Base
                } else {
                    Receiver::Expression
                }
            }
            "attribute" if Self::field(object, "object").is_some_and(is_self) => {
                Receiver::Field(self.field_text(object, "attribute"))
            }
            _ => Receiver::Expression,
        }
    }
}

/// `Optional[a.User]` -> `User`; `List[User]` -> `List` of `User`; `User | None` -> `User`;
/// `int | str` -> none.
fn parse_type(text: &str) -> Option<TypeName> {
    let parts: Vec<&str> = text
        .split('|')
        .filter(|p| !p.is_empty() && *p != "None")
        .collect();
    let [single] = parts.as_slice() else {
        return None;
    };
    let (head, arguments) = match single.split_once('[') {
        Some((head, rest)) => (head, rest.strip_suffix(']').unwrap_or(rest)),
        None => (*single, ""),
    };
    let head = head.rsplit('.').next().unwrap_or(head);
    if head == "Optional" {
        return parse_type(arguments);
    }
    if head.is_empty() || head == "Union" || !head.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    Some(TypeName {
        name: head.to_string(),
        arguments: split_arguments(arguments)
            .into_iter()
            .filter_map(|a| parse_type(a).map(|t| t.name))
            .collect(),
    })
}

/// The top-level, comma-separated arguments of a generic (`Dict[str, List[int]]`).
fn split_arguments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_type;
    use crate::app::ir::ReceiverType;

    /// The receiver type of the first call whose text starts with `start`.
    fn receiver_type(code: &str, start: &str) -> ReceiverType {
        let file = super::super::extract("app/services/digest.py", code);
        let call = file
            .calls
            .iter()
            .find(|c| c.text.starts_with(start))
            .unwrap_or_else(|| panic!("no call {start}"));
        call.receiver_type.clone()
    }

    #[test]
    fn receivers_are_typed_by_what_the_source_states() {
        let code = r#"
import psycopg2
from app.db import queries
from app.repositories.mail import MailStore, subject_of
from app.models import ARCHIVE

KINDS = {}

def helper(x):
    return x

def make_store(conn) -> MailStore:
    return MailStore(conn)

class Digest(Base):
    labels: set = set()

    def __init__(self, conn, store: MailStore):
        self.conn = conn
        self.store = store
        self.pending = []
        self.archive = MailStore(conn)

    def run(self, ids, repo: "Optional[MailStore]" = None):
        items = []
        seen = set()
        local_store = MailStore(self.conn)
        items.append(1)
        seen.add(2)
        KINDS.get(3)
        self.pending.append(4)
        self.archive.sender_of(5)
        self.load(6)
        super().load(7)
        local_store.sender_of(8)
        repo.sender_of(9)
        subject_of(10)
        helper(11)
        len(ids)
        queries.unread(12)
        psycopg2.connect(13)
        MailStore.create(14)
        ids.get(15)
        ARCHIVE.get(16)
        for item in ids:
            item.save(17)
        self.labels.add(18)
        made = make_store(self.conn)
        made.sender_of(19)
        kept = self.archive_store()
        kept.sender_of(20)
        other = helper(self.conn)
        other.sender_of(21)

    def archive_store(self) -> "MailStore":
        def again():
            return self.reload(22)
        return again()
"#;
        let class = |name: &str| ReceiverType::Class(name.to_string());
        let module = |name: &str| ReceiverType::Module(Some(name.to_string()));
        assert_eq!(receiver_type(code, "items.append"), ReceiverType::Library);
        assert_eq!(receiver_type(code, "seen.add"), ReceiverType::Library);
        assert_eq!(receiver_type(code, "KINDS.get"), ReceiverType::Library);
        assert_eq!(
            receiver_type(code, "self.pending.append"),
            ReceiverType::Library
        );
        assert_eq!(
            receiver_type(code, "self.labels.add"),
            ReceiverType::Library
        );
        assert_eq!(
            receiver_type(code, "self.archive.sender_of"),
            class("MailStore")
        );
        assert_eq!(receiver_type(code, "self.load"), class("Digest"));
        assert_eq!(
            receiver_type(code, "super().load"),
            ReceiverType::Base("Digest".to_string())
        );
        assert_eq!(
            receiver_type(code, "local_store.sender_of"),
            class("MailStore")
        );
        assert_eq!(receiver_type(code, "repo.sender_of"), class("MailStore"));
        assert_eq!(receiver_type(code, "subject_of"), module("mail"));
        assert_eq!(receiver_type(code, "helper"), module("digest"));
        assert_eq!(receiver_type(code, "len"), ReceiverType::Library);
        assert_eq!(receiver_type(code, "queries.unread"), module("queries"));
        assert_eq!(receiver_type(code, "psycopg2.connect"), module("psycopg2"));
        assert_eq!(receiver_type(code, "MailStore.create"), class("MailStore"));
        // Unknown: a parameter without annotation, an imported constant, a loop variable.
        assert_eq!(receiver_type(code, "ids.get"), ReceiverType::Unknown);
        assert_eq!(receiver_type(code, "ARCHIVE.get"), ReceiverType::Unknown);
        assert_eq!(receiver_type(code, "item.save"), ReceiverType::Unknown);
        // A factory of the file that declares its return type.
        assert_eq!(receiver_type(code, "made.sender_of"), class("MailStore"));
        assert_eq!(receiver_type(code, "kept.sender_of"), class("MailStore"));
        assert_eq!(
            receiver_type(code, "other.sender_of"),
            ReceiverType::Unknown
        );
        // `self` in a function written in a method is the method's.
        assert_eq!(receiver_type(code, "self.reload"), class("Digest"));
        let file = super::super::extract("app/services/digest.py", code);
        assert_eq!(file.classes.len(), 1);
        assert_eq!(file.classes[0].bases, vec!["Base".to_string()]);
    }

    #[test]
    fn a_star_import_makes_bare_calls_a_guess() {
        let code = "from app.helpers import *\n\ndef run():\n    lookup(1)\n    len([])\n";
        assert_eq!(receiver_type(code, "lookup"), ReceiverType::Module(None));
        assert_eq!(receiver_type(code, "len"), ReceiverType::Module(None));
    }

    #[test]
    fn annotations_name_their_type() {
        let name = |t: &str| parse_type(t).map(|t| t.name);
        assert_eq!(name("User"), Some("User".into()));
        assert_eq!(name("models.User"), Some("User".into()));
        assert_eq!(name("Optional[User]"), Some("User".into()));
        assert_eq!(name("User|None"), Some("User".into()));
        assert_eq!(name("int|str"), None);
        assert_eq!(name("Union[int,str]"), None);
        let list = parse_type("List[User]").expect("a type");
        assert_eq!(
            (list.name.as_str(), list.arguments),
            ("List", vec!["User".into()])
        );
        assert_eq!(
            parse_type("Dict[str,List[int]]").map(|t| t.arguments),
            Some(vec!["str".into(), "List".into()])
        );
    }
}
