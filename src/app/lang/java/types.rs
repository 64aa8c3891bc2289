//! What the Java front end states of types for the IR: classes (bases, typed fields, the
//! class they are written in), parameters with their declared types, locals (declared,
//! resources, loop variables, caught exceptions, lambda parameters, assignments) and what
//! each call is called on (`Receiver`); the core (`core::types`) types the receivers.

use super::*;

impl<'a> Extractor<'a> {
    /// Records a class of the unit (and makes it the innermost one being walked).
    pub(super) fn push_class(
        &mut self,
        name: String,
        bases: Vec<String>,
        fields: Vec<Field>,
        node: Node<'a>,
        anonymous: bool,
    ) {
        self.unit.classes.push(Class {
            name,
            bases,
            fields,
            is_interface: node.kind_name() == "interface_declaration",
            start: self.src.start(node),
            outer: self.class_indices.last().copied(),
            anonymous,
        });
        self.class_indices.push(self.unit.classes.len() - 1);
    }

    /// The fields of a class body with their declared types, in the order written (the
    /// first of a name is the one seen).
    pub(super) fn typed_fields(&self, members: &[Node<'a>]) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for &m in members {
            if !matches!(m.kind_name(), "field_declaration" | "constant_declaration") {
                continue;
            }
            let ty = m.field("type").and_then(|t| self.type_name(t));
            let mut cursor = m.walk();
            for d in m.children_by_field_name("declarator", &mut cursor) {
                if let Some(n) = d.field("name") {
                    let name = self.t(n);
                    if seen.insert(name) {
                        out.push(Field {
                            name: name.to_string(),
                            ty: ty.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    /// A declared type as the IR names it (`List<Mail>` -> `List`; `var`: none).
    pub(super) fn type_name(&self, node: Node<'a>) -> Option<TypeName> {
        simple_type(self.t(node)).map(|name| TypeName {
            name,
            arguments: Vec::new(),
        })
    }

    /// The parameters of a method, constructor, record or lambda with their declared
    /// types (a spread parameter's is not said: `String... names` is an array).
    pub(super) fn params(&self, list: Node<'a>) -> Vec<Param> {
        let mut out = Vec::new();
        for p in named_children(list) {
            match p.kind_name() {
                "formal_parameter" => {
                    let Some(n) = p.field("name") else {
                        continue;
                    };
                    let ty_text = p.field("type").map(|t| self.t(t)).unwrap_or("");
                    out.push(Param {
                        name: self.t(n).to_string(),
                        ty: p.field("type").and_then(|t| self.type_name(t)),
                        is_scalar_array: crate::app::loop_shape::is_scalar_array(ty_text),
                        destructured: Vec::new(),
                    });
                }
                "spread_parameter" => {
                    let name = named_children(p)
                        .into_iter()
                        .find(|c| c.kind_name() == "variable_declarator")
                        .and_then(|d| d.field("name"))
                        .map(|n| self.t(n).to_string())
                        .unwrap_or_default();
                    let ty_text = p.field("type").map(|t| self.t(t)).unwrap_or("");
                    out.push(Param {
                        name,
                        ty: None,
                        is_scalar_array: crate::app::loop_shape::is_scalar_array(&format!(
                            "{ty_text}[]"
                        )),
                        destructured: Vec::new(),
                    });
                }
                "identifier" => out.push(Param {
                    name: self.t(p).to_string(),
                    ty: None,
                    is_scalar_array: false,
                    destructured: Vec::new(),
                }),
                _ => {}
            }
        }
        out
    }

    /// The superclass and interfaces a class, enum, record or interface names (simple
    /// names, generics stripped).
    pub(super) fn bases_of(&self, node: Node<'a>) -> Vec<String> {
        let mut out = Vec::new();
        for child in children(node) {
            if !matches!(
                child.kind_name(),
                "superclass" | "super_interfaces" | "extends_interfaces"
            ) {
                continue;
            }
            let mut stack = vec![child];
            while let Some(n) = stack.pop() {
                match n.kind_name() {
                    "type_identifier" | "scoped_type_identifier" | "generic_type" => {
                        if let Some(ty) = simple_type(self.t(n)) {
                            if !out.contains(&ty) {
                                out.push(ty);
                            }
                        }
                    }
                    _ => stack.extend(named_children(n).into_iter().rev()),
                }
            }
        }
        out
    }

    /// What a call is called on, as the source writes it (parentheses and casts
    /// removed); the core types it.
    pub(super) fn receiver_of(&self, object: Option<Node<'a>>, depth: usize) -> Receiver {
        let Some(object) = object.map(unwrap_expr) else {
            return Receiver::None;
        };
        if depth > 32 {
            return Receiver::Expression;
        }
        match object.kind_name() {
            // `(video ? videos : songs).add(f)`: the type both branches agree on.
            "ternary_expression" => Receiver::Conditional(
                ["consequence", "alternative"]
                    .iter()
                    .map(|b| match object.field(b) {
                        Some(branch) => self.receiver_of(Some(branch), depth + 1),
                        None => Receiver::Expression,
                    })
                    .collect(),
            ),
            "this" => Receiver::This,
            "super" => Receiver::Base,
            "identifier" => Receiver::Name(self.t(object).to_string()),
            // `Factory.instance().newOrderDao()`: the methods called in turn, from the
            // receiver the chain starts on. Walked without recursion (a chain thousands of
            // calls long is hostile input) and given up past a few calls.
            "method_invocation" => {
                const MAX_CHAIN: usize = 8;
                let mut methods = Vec::new();
                let mut current = object;
                loop {
                    if methods.len() == MAX_CHAIN {
                        return Receiver::Expression;
                    }
                    let Some(method) = current.field("name") else {
                        return Receiver::Expression;
                    };
                    methods.push(self.t(method).to_string());
                    match current.field("object").map(unwrap_expr) {
                        Some(inner) if inner.kind_name() == "method_invocation" => current = inner,
                        start => {
                            methods.reverse();
                            return Receiver::CallResult {
                                start: Box::new(self.receiver_of(start, depth + 1)),
                                methods,
                            };
                        }
                    }
                }
            }
            "field_access"
                if object
                    .field("object")
                    .is_some_and(|o| o.kind_name() == "this") =>
            {
                match object.field("field") {
                    Some(field) => Receiver::Field(self.t(field).to_string()),
                    None => Receiver::Expression,
                }
            }
            _ => Receiver::Expression,
        }
    }

    /// A local declared (`Foo x = ..`, a try-with-resources resource) or a variable or
    /// field assigned (`x = ..`, `this.x = ..`): its declared type (for an assignment, the
    /// one the name is declared with in scope) and the call it takes its value from.
    pub(super) fn record_local(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        let (name, value, declared) = match node.kind_name() {
            "variable_declarator" => {
                let declared = node
                    .parent()
                    .filter(|d| {
                        matches!(
                            d.kind_name(),
                            "local_variable_declaration"
                                | "field_declaration"
                                | "constant_declaration"
                        )
                    })
                    .and_then(|d| d.field("type"))
                    .and_then(|t| self.type_name(t));
                (node.field("name"), node.field("value"), declared)
            }
            "resource" => (
                node.field("name"),
                node.field("value"),
                node.field("type").and_then(|t| self.type_name(t)),
            ),
            "assignment_expression" => {
                if node.field("operator").is_none_or(|o| o.kind_name() != "=") {
                    return;
                }
                let left = match node.field("left") {
                    Some(l) if l.kind_name() == "identifier" => Some(l),
                    Some(l)
                        if l.kind_name() == "field_access"
                            && l.field("object").is_some_and(|o| o.kind_name() == "this") =>
                    {
                        l.field("field")
                    }
                    _ => return,
                };
                // The type the name has in the method (`this.x = ..` too: a later `x.m()`
                // means what the name is declared as there).
                let info = left.and_then(|l| self.lookup(self.t(l)));
                let declared = info.and_then(|i| i.ty.clone()).map(|name| TypeName {
                    name,
                    arguments: Vec::new(),
                });
                (left, node.field("right"), declared)
            }
            _ => return,
        };
        let Some(name) = name else {
            return;
        };
        let init_call = value
            .map(unwrap_expr)
            .filter(|v| v.kind_name() == "method_invocation")
            .and_then(|v| self.call_by_node.get(&v.id()).copied());
        // A field declared without a call: its type is the class's (`Class::fields`).
        if ctx.function.is_none() && init_call.is_none() {
            return;
        }
        // An assignment that takes no call's value changes no type.
        if node.kind_name() == "assignment_expression" && init_call.is_none() {
            return;
        }
        self.unit.locals.push(Local {
            function: ctx.function,
            name: self.t(name).to_string(),
            declared,
            constructed: None,
            init_call,
            is_declaration: node.kind_name() != "assignment_expression",
            start: self.src.start(node),
            // It takes effect once its value is computed.
            at: node.end_byte(),
        });
    }

    /// A local a statement or lambda declares with no value of its own (a loop variable, a
    /// caught exception, a lambda's parameter).
    pub(super) fn push_local(&mut self, name: Node<'a>, declared: Option<String>, ctx: &Ctx<'a>) {
        if ctx.function.is_none() {
            return;
        }
        self.unit.locals.push(Local {
            function: ctx.function,
            name: self.t(name).to_string(),
            declared: declared.map(|name| TypeName {
                name,
                arguments: Vec::new(),
            }),
            constructed: None,
            init_call: None,
            is_declaration: true,
            start: self.src.start(name),
            at: name.start_byte(),
        });
    }

    /// A lambda's parameters are locals of the method it is written in (Java lambdas are
    /// not functions of their own in the IR: their calls and loops are their method's).
    pub(super) fn lambda_locals(&mut self, lambda: Node<'a>, ctx: &Ctx<'a>) {
        let Some(list) = lambda.field("parameters") else {
            return;
        };
        let params = if list.kind_name() == "identifier" {
            vec![Param {
                name: self.t(list).to_string(),
                ty: None,
                is_scalar_array: false,
                destructured: Vec::new(),
            }]
        } else {
            self.params(list)
        };
        if ctx.function.is_none() {
            return;
        }
        for p in params {
            self.unit.locals.push(Local {
                function: ctx.function,
                name: p.name,
                declared: p.ty,
                constructed: None,
                init_call: None,
                is_declaration: true,
                start: self.src.start(list),
                at: list.start_byte(),
            });
        }
    }
}
