//! The pre-pass: comments, imports and `require`s, what a name is bound to (a database
//! handle by its declared type or its value, a model class), and `const NAME = <string>`
//! declarations, read once before the walk.

use tree_sitter::Node;

use super::catalogue::*;
use super::{
    call_function, children, is_capitalised, is_function, strip_quotes, unwrap_await, unwrap_expr,
    words, Extractor,
};
use crate::app::ir::Comment;
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::named_children;

impl<'s, 't> Extractor<'s, 't> {
    pub(super) fn prepass(&mut self) {
        // Named nodes only: anonymous tokens' parents, rarely asked, come from `Node::parent`.
        let (nodes, parents) = crate::app::lang::common::preorder_named(self.root);
        self.parents = parents;
        for &node in &nodes {
            match node.kind_name() {
                "comment" | "html_comment" => {
                    let line = self.src.start(node).line;
                    self.unit.comments.push(Comment {
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
                        // const { client } = prisma: the client the module object holds.
                        let from_prisma = value
                            .filter(|v| unwrap_expr(*v).kind_name() == "identifier")
                            .and_then(|v| self.last_name(v))
                            .is_some_and(|l| l.to_ascii_lowercase().contains("prisma"));
                        if from_prisma {
                            for local in self.pattern_names(name) {
                                if PRISMA_CLIENT_PROPERTIES.contains(&local.as_str()) {
                                    self.handles.insert(local, Handle::Prisma);
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

    pub(super) fn imports_any(&self, modules: &[&str]) -> bool {
        modules.iter().any(|m| self.modules.contains(*m))
    }

    pub(super) fn driver_imported(&self, driver: Driver) -> bool {
        DRIVER_MODULES
            .iter()
            .any(|(d, modules, _)| *d == driver && self.imports_any(modules))
    }

    /// Whether `name` (a qualifier such as `pg` or `sql`, or a bare constructor / factory
    /// name) identifies the driver.
    /// A name bound by an import is the driver's when imported from its module; an unbound
    /// one when it is one of the driver's usual qualifiers (`pg`, `sql`, `mysql`).
    pub(super) fn name_is_driver(&self, name: &str, driver: Driver) -> bool {
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
    pub(super) fn creation_is_driver(
        &self,
        qualifier: Option<Node>,
        name: &str,
        driver: Driver,
    ) -> bool {
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
}
