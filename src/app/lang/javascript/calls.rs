//! Which call reaches the database, read from the catalogue: SQL driver handles, mssql and
//! tedious requests, pg-promise, Prisma, model classes, TypeORM repositories and query
//! builders, knex chains, tagged SQL templates.

use tree_sitter::Node;

use super::catalogue::*;
use super::{
    call_function, is_capitalised, is_function, lookup, strip_quotes, unwrap_await, unwrap_expr,
    words, CallInfo, DbMatch, Extractor,
};
use crate::app::ir::DbCall;
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::named_children;

impl<'s, 't> Extractor<'s, 't> {
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
    pub(super) fn classify(&self, node: Node<'t>, info: &CallInfo<'t>) -> Option<DbMatch<'t>> {
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
                // `prisma.client.<model>`: the client a Prisma module object holds.
                let held_client = PRISMA_CLIENT_PROPERTIES.contains(&client.as_str())
                    && info.chain.len() >= 3
                    && self.is_prisma_client(&info.chain[info.chain.len() - 3]);
                if receiver_is_member
                    && !is_capitalised(model)
                    && !model.starts_with('$')
                    && (self.is_prisma_client(client) || held_client)
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
        // A global's name the file imports or defines is the file's own (`import {
        // Notification } from "@server/models"`), not the browser's.
        let shadowed = self.bindings.contains_key(last.as_str()) || self.models.contains(last);
        if BUILTIN_GLOBALS.contains(&last.as_str()) && !shadowed {
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
}
