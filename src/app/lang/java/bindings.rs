//! Names in scope for the front end's own recognisers (database roles, connections, SQL
//! carriers, cache fields): each class's fields and each method's parameters, locals,
//! resources, loop and lambda variables in one flat scope per method, with the declared
//! type and the value first given.

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn fields_of(&self, members: &[Node<'a>]) -> HashMap<String, VarInfo<'a>> {
        let mut fields = HashMap::new();
        for &m in members {
            if matches!(m.kind_name(), "field_declaration" | "constant_declaration") {
                self.declaration_into(m, &mut fields);
            }
        }
        fields
    }

    pub(super) fn declaration_into(&self, decl: Node<'a>, into: &mut HashMap<String, VarInfo<'a>>) {
        let ty = decl.field("type").and_then(|t| simple_type(self.t(t)));
        let mut cursor = decl.walk();
        for d in decl.children_by_field_name("declarator", &mut cursor) {
            if let Some(n) = d.field("name") {
                let value = d.field("value").filter(|v| v.kind_name() != "null_literal");
                into.entry(self.t(n).to_string()).or_insert(VarInfo {
                    ty: ty.clone(),
                    value,
                });
            }
        }
    }

    pub(super) fn params_into(&self, params: Node<'a>, into: &mut HashMap<String, VarInfo<'a>>) {
        for p in named_children(params) {
            match p.kind_name() {
                "formal_parameter" => {
                    if let Some(n) = p.field("name") {
                        let ty = p.field("type").and_then(|t| simple_type(self.t(t)));
                        into.entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "spread_parameter" => {
                    for c in named_children(p) {
                        if c.kind_name() == "variable_declarator" {
                            if let Some(n) = c.field("name") {
                                into.entry(self.t(n).to_string()).or_insert(VarInfo {
                                    ty: None,
                                    value: None,
                                });
                            }
                        }
                    }
                }
                "identifier" => {
                    into.entry(self.t(p).to_string()).or_insert(VarInfo {
                        ty: None,
                        value: None,
                    });
                }
                _ => {}
            }
        }
    }

    /// Parameters, locals, resources, loop and lambda variables of a method (not of nested
    /// classes), with their declared types and initialisers.
    pub(super) fn prescan(&self, method: Node<'a>) -> HashMap<String, VarInfo<'a>> {
        let mut locals: HashMap<String, VarInfo<'a>> = HashMap::new();
        let mut assigned: Vec<(String, Node<'a>)> = Vec::new();
        if let Some(p) = method.field("parameters") {
            self.params_into(p, &mut locals);
        }
        let mut stack: Vec<Node<'a>> = method.field("body").into_iter().collect();
        while let Some(node) = stack.pop() {
            match node.kind_name() {
                "class_body"
                | "class_declaration"
                | "interface_declaration"
                | "enum_declaration"
                | "record_declaration" => continue,
                "local_variable_declaration" => self.declaration_into(node, &mut locals),
                "resource" => {
                    if let Some(n) = node.field("name") {
                        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                        let value = node.field("value");
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value });
                    }
                }
                "enhanced_for_statement" => {
                    if let Some(n) = node.field("name") {
                        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "lambda_expression" => {
                    if let Some(p) = node.field("parameters") {
                        if p.kind_name() == "identifier" {
                            locals.entry(self.t(p).to_string()).or_insert(VarInfo {
                                ty: None,
                                value: None,
                            });
                        } else {
                            self.params_into(p, &mut locals);
                        }
                    }
                }
                "catch_formal_parameter" => {
                    if let Some(n) = node.field("name") {
                        let ty = Some("Exception".to_string());
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "assignment_expression" => {
                    if let (Some(l), Some(r)) = (node.field("left"), node.field("right")) {
                        if l.kind_name() == "identifier" && r.kind_name() != "null_literal" {
                            assigned.push((self.t(l).to_string(), r));
                        }
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            for c in node.named_children(&mut cursor) {
                stack.push(c);
            }
        }
        assigned.sort_by_key(|(_, n)| n.start_byte());
        for (name, value) in assigned {
            if let Some(info) = locals.get_mut(&name) {
                if info.value.is_none() {
                    info.value = Some(value);
                }
            }
        }
        locals
    }

    pub(super) fn lookup(&self, name: &str) -> Option<&VarInfo<'a>> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Class(m) | Frame::Function(m) => m.get(name),
        })
    }

    pub(super) fn lookup_field(&self, name: &str) -> Option<&VarInfo<'a>> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Class(m) => m.get(name),
            Frame::Function(_) => None,
        })
    }

    /// Whether `name` is a local (parameter / variable) rather than a field.
    pub(super) fn is_local(&self, name: &str) -> bool {
        for f in self.frames.iter().rev() {
            match f {
                Frame::Function(m) if m.contains_key(name) => return true,
                Frame::Class(m) if m.contains_key(name) => return false,
                _ => {}
            }
        }
        false
    }
}
