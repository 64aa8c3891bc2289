//! Which calls reach the database: a receiver's kind (a JDBC statement, a JPA entity
//! manager, a Hibernate session, a `JdbcTemplate`, a Spring Data repository, ...) from its
//! declared type, the call it was given by, or, undeclared, its name (`catalogue`); and
//! how a call runs the lambdas it is given (per element, per row, synchronously).

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn weaken(&self, kind: Kind) -> Kind {
        if kind == Kind::Session && !self.hibernate {
            Kind::SessionByName
        } else {
            kind
        }
    }

    pub(super) fn kind_of_type(&self, ty: &str) -> Option<Kind> {
        if let Some((_, k)) = TYPE_KINDS.iter().find(|(t, _)| *t == ty) {
            return Some(self.weaken(*k));
        }
        if REPOSITORY_TYPE_SUFFIXES.iter().any(|s| ty.ends_with(s)) {
            return Some(Kind::Repository);
        }
        None
    }

    pub(super) fn kind_of_name(&self, name: &str) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        NAME_KINDS
            .iter()
            .find(|(h, _)| name_matches(h, name, &lower))
            .map(|(_, k)| self.weaken(*k))
    }

    pub(super) fn kind_of_info(
        &self,
        name: &str,
        info: Option<&VarInfo<'a>>,
        depth: usize,
    ) -> Option<Kind> {
        let Some(info) = info else {
            return self.kind_of_name(name);
        };
        if let Some(k) = info.ty.as_deref().and_then(|t| self.kind_of_type(t)) {
            return Some(k);
        }
        if let Some(k) = info.value.and_then(|v| self.kind_of_expr(v, depth + 1)) {
            return Some(k);
        }
        if info.ty.is_some() {
            return None; // declared with an unrelated type
        }
        self.kind_of_name(name)
    }

    pub(super) fn kind_of_expr(&self, node: Node<'a>, depth: usize) -> Option<Kind> {
        if depth > 24 {
            return None;
        }
        match node.kind_name() {
            "identifier" => {
                let name = self.t(node);
                let info = self.lookup(name);
                if info.is_none() && is_class_name(name) {
                    // A static call on a class (`ForumRepository.getForum(id)`): the name
                    // hints are for instances (a Spring Data repository is injected).
                    return None;
                }
                self.kind_of_info(name, info, depth)
            }
            "field_access" => {
                let field = self.t(node.field("field")?);
                if node.field("object")?.kind_name() == "this" {
                    self.kind_of_info(field, self.lookup_field(field), depth)
                } else {
                    self.kind_of_name(field)
                }
            }
            "parenthesized_expression" => {
                self.kind_of_expr(*named_children(node).first()?, depth + 1)
            }
            "cast_expression" => {
                let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                ty.and_then(|t| self.kind_of_type(&t)).or_else(|| {
                    node.field("value")
                        .and_then(|v| self.kind_of_expr(v, depth + 1))
                })
            }
            "object_creation_expression" => {
                let ty = node.field("type").and_then(|t| simple_type(self.t(t)))?;
                self.kind_of_type(&ty)
            }
            "method_invocation" => {
                let name = self.t(node.field("name")?);
                let object = node.field("object");
                let recv = object.and_then(|o| self.kind_of_expr(o, depth + 1));
                if recv.is_some_and(|k| db_entry(k, name).is_some()) {
                    return None;
                }
                ORIGINS
                    .iter()
                    .find(|(r, m, _)| {
                        recv_matches(*r, recv, object.is_none()) && method_matches(m, name)
                    })
                    .map(|(r, _, k)| {
                        if matches!(r, Recv::Bare) && self.hibernate {
                            Kind::Session
                        } else {
                            *k
                        }
                    })
            }
            _ => None,
        }
    }

    pub(super) fn classify(
        &self,
        name: &str,
        object: Option<Node<'a>>,
    ) -> Option<&'static DbMethod> {
        let kind = self.kind_of_expr(object?, 0)?;
        db_entry(kind, name)
    }

    pub(super) fn is_carrier(&self, name: &str, object: Option<Node<'a>>) -> bool {
        if !SQL_CARRIERS.iter().any(|(_, m)| *m == name) {
            return false;
        }
        let recv = object.and_then(|o| self.kind_of_expr(o, 0));
        SQL_CARRIERS
            .iter()
            .any(|(r, m)| *m == name && recv_matches(*r, recv, object.is_none()))
    }

    pub(super) fn callback_mode(
        &self,
        name: &str,
        object: Option<Node<'a>>,
        entry: Option<&'static DbMethod>,
    ) -> Mode {
        let Some(object) = object else {
            return Mode::Plain;
        };
        if ALWAYS_LOOP_CALLBACKS.contains(&name)
            || (STREAM_LOOP_CALLBACKS.contains(&name) && self.is_stream(object))
        {
            return Mode::Loop(name.to_string());
        }
        if entry.is_some_and(|e| e.kind == Kind::JdbcTemplate && e.method == "query") {
            return Mode::Rows;
        }
        if SYNC_CALLBACKS.contains(&name) {
            return Mode::Sync;
        }
        if name == "execute" {
            let root = self
                .chain_of(Some(object))
                .1
                .unwrap_or_default()
                .to_ascii_lowercase();
            let typed = matches!(object.kind_name(), "identifier")
                && self.lookup(self.t(object)).and_then(|i| i.ty.as_deref())
                    == Some("TransactionTemplate");
            if typed || SYNC_EXECUTE_RECEIVER_HINTS.iter().any(|h| root.contains(h)) {
                return Mode::Sync;
            }
        }
        Mode::Plain
    }

    pub(super) fn is_stream(&self, object: Node<'a>) -> bool {
        let mut cur = Some(object);
        let mut steps = 0;
        while let Some(n) = cur {
            steps += 1;
            if steps > 10_000 {
                return false;
            }
            cur = None;
            match n.kind_name() {
                "method_invocation" => {
                    let name = n.field("name").map(|x| self.t(x)).unwrap_or("");
                    if STREAM_MARKERS.contains(&name) {
                        return true;
                    }
                    cur = n.field("object");
                }
                "identifier" => {
                    let name = self.t(n);
                    if STREAM_TYPES.contains(&name) {
                        return true;
                    }
                    return self
                        .lookup(name)
                        .and_then(|i| i.ty.as_deref())
                        .is_some_and(|t| STREAM_TYPES.contains(&t));
                }
                "parenthesized_expression" | "cast_expression" => {
                    cur = Some(unwrap_expr(n)).filter(|u| u.id() != n.id())
                }
                _ => {}
            }
        }
        false
    }
}
