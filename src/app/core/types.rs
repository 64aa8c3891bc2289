//! The type of a call's receiver, from what the source states: `this` / `base` and
//! unqualified calls are the enclosing class; a name is the latest local declared or
//! constructed before the call in its function (or in the functions around a lambda), else
//! a parameter, else a field or property of the class; a capitalised name that is none of
//! these is a class (a static call). A library type (the front end's catalogue) never means
//! the repository's code. Anything else is unknown, and resolves by name.
//!
//! In a language with module scope (Python) an unqualified call is a function of the
//! module, not a method: one the file defines (its own module), one it imports (that
//! module), else a builtin or a callable value (none of the repository's code), unless a
//! star import may have brought it (any module's, by name). A name no local, parameter or
//! field of the function explains is then a module-level variable of the file, or an
//! imported module (its functions) or class.

use std::collections::{HashMap, HashSet};

use crate::app::ir::typed::{
    Call, Field, FnId, Import, LanguageFrontEnd, Local, Receiver, TypeName, Unit,
};
use crate::app::ir::ReceiverType;

pub struct Typing<'u> {
    front_end: &'u dyn LanguageFrontEnd,
    unit: &'u Unit,
    /// The locals of each (function, name), in file order.
    locals: HashMap<(FnId, &'u str), Vec<&'u Local>>,
    /// Module-level variables by name, in file order (languages with module scope).
    globals: HashMap<&'u str, Vec<&'u Local>>,
    /// Names of the functions that are no method (module-level or nested).
    free_functions: HashSet<&'u str>,
    /// Each class's fields by name, the first of a name (a generated class may declare
    /// thousands).
    fields: HashMap<(usize, &'u str), &'u Field>,
}

impl<'u> Typing<'u> {
    pub fn new(front_end: &'u dyn LanguageFrontEnd, unit: &'u Unit) -> Typing<'u> {
        let mut locals: HashMap<(FnId, &'u str), Vec<&'u Local>> = HashMap::new();
        let mut globals: HashMap<&'u str, Vec<&'u Local>> = HashMap::new();
        for local in &unit.locals {
            match local.function {
                Some(function) => locals
                    .entry((function, local.name.as_str()))
                    .or_default()
                    .push(local),
                None if front_end.has_module_scope() => {
                    globals.entry(local.name.as_str()).or_default().push(local)
                }
                None => {}
            }
        }
        let free_functions = unit
            .functions
            .iter()
            .filter(|f| f.class.is_none())
            .map(|f| f.name.as_str())
            .collect();
        let mut fields = HashMap::new();
        for (class, c) in unit.classes.iter().enumerate() {
            for field in &c.fields {
                fields.entry((class, field.name.as_str())).or_insert(field);
            }
        }
        Typing {
            front_end,
            unit,
            locals,
            globals,
            free_functions,
            fields,
        }
    }

    pub fn receiver_type(&self, call: &Call) -> ReceiverType {
        self.type_of(call, &call.receiver)
    }

    fn type_of(&self, call: &Call, receiver: &Receiver) -> ReceiverType {
        match receiver {
            Receiver::None if self.front_end.has_module_scope() => self.module_function(call),
            Receiver::None if !self.front_end.types_unqualified_calls() => ReceiverType::Untyped,
            Receiver::Field(name) => self.field_type(call, name),
            Receiver::None | Receiver::This => self.enclosing_class(call),
            // `base.M()` / `super.m()` / `super().m()`: the method as a base class defines it.
            Receiver::Base => match self.enclosing_class(call) {
                ReceiverType::Class(class) => ReceiverType::Base(class),
                other => other,
            },
            Receiver::Name(name) => self.name_type(call, name),
            Receiver::CallResult { start, methods } => self.call_result(call, start, methods),
            Receiver::Conditional(branches) => {
                let mut types = branches.iter().map(|b| self.type_of(call, b));
                let first = types.next().unwrap_or(ReceiverType::Unknown);
                if types.all(|t| t == first) {
                    first
                } else {
                    ReceiverType::Unknown
                }
            }
            Receiver::Expression => ReceiverType::Unknown,
        }
    }

    fn enclosing_class(&self, call: &Call) -> ReceiverType {
        self.class_of(call).map_or(ReceiverType::Unknown, |class| {
            ReceiverType::Class(class.to_string())
        })
    }

    /// What methods called in turn return, from the class the chain starts on (the
    /// enclosing class for a bare first call): the cross-file resolution follows their
    /// declared return types. A chain that starts on a library type, on something unknown
    /// or is longer than a few calls is unknown.
    fn call_result(&self, call: &Call, start: &Receiver, methods: &[String]) -> ReceiverType {
        const MAX_CHAIN: usize = 8;
        if methods.is_empty() || methods.len() > MAX_CHAIN {
            return ReceiverType::Unknown;
        }
        let start = match start {
            Receiver::None => self.enclosing_class(call),
            start => self.type_of(call, start),
        };
        match start {
            ReceiverType::Class(class) | ReceiverType::Base(class) => ReceiverType::Returned {
                class,
                methods: methods.to_vec(),
            },
            _ => ReceiverType::Unknown,
        }
    }

    /// The class a call's function (or the function around a lambda) belongs to; for a
    /// call outside any function, the class it is written in, where the front end says.
    fn class_of(&self, call: &Call) -> Option<&'u str> {
        // A function written in a method (a Python closure using `self`) is the method's.
        let class = match call.function {
            None => call.class?,
            function => self
                .scopes(function)
                .into_iter()
                .find_map(|f| self.unit.functions.get(f)?.class)?,
        };
        let class = self.unit.classes.get(class)?;
        (!class.name.is_empty()).then_some(class.name.as_str())
    }

    /// The functions a call can see the locals and parameters of: its own, then the ones
    /// it is written in.
    fn scopes(&self, function: Option<FnId>) -> Vec<FnId> {
        let mut out = Vec::new();
        let mut current = function;
        while let Some(f) = current {
            if out.contains(&f) || out.len() > 32 {
                break;
            }
            out.push(f);
            current = self.unit.functions.get(f).and_then(|f| f.parent);
        }
        out
    }

    fn name_type(&self, call: &Call, name: &str) -> ReceiverType {
        let scopes = self.scopes(call.function);
        // The latest local of that name before the call, in the innermost function that
        // has one.
        for &f in &scopes {
            let local = self
                .locals
                .get(&(f, name))
                .into_iter()
                .flatten()
                .filter(|l| l.at < call.span.0)
                .max_by_key(|l| l.at);
            if let Some(local) = local {
                // A declared type holds for every later assignment; `var x = new T()` is T.
                let declared = local
                    .declared
                    .as_ref()
                    .filter(|t| !self.front_end.is_untyped(&t.name));
                return self.of(declared.or(local.constructed.as_ref()));
            }
            let params = self.unit.functions.get(f).map(|f| f.params.as_slice());
            if let Some(param) = params.unwrap_or(&[]).iter().find(|p| p.name == name) {
                return self.of(param.ty.as_ref());
            }
        }
        if self.front_end.has_module_scope() {
            // A module-level variable: bound before any function of the module runs (at
            // module level itself, before the call).
            let global = self
                .globals
                .get(name)
                .into_iter()
                .flatten()
                .filter(|l| call.function.is_some() || l.at < call.span.0)
                .max_by_key(|l| l.at);
            if let Some(global) = global {
                return self.of(global.declared.as_ref().or(global.constructed.as_ref()));
            }
            if let Some(import) = self.import(name) {
                let last = import.path.last().map(String::as_str).unwrap_or(name);
                return if is_class_name(last) {
                    self.class_type(last)
                } else if last.chars().any(|c| c.is_lowercase()) {
                    // `import psycopg2`, `from app.db import queries`: a module.
                    ReceiverType::Module(Some(last.to_string()))
                } else {
                    // An imported constant (`CLASSES`): a value of unknown type.
                    ReceiverType::Unknown
                };
            }
            if is_class_name(name) {
                return self.class_type(name);
            }
            return ReceiverType::Unknown;
        }
        if let Some(ty) = self.field(call, name) {
            return ty;
        }
        if self.front_end.is_class_name(name) {
            return self.class_type(name);
        }
        ReceiverType::Unknown
    }

    /// The type of a field of the class a call's function belongs to (or, outside any
    /// function, the call's class), or of a class that one is written in, if one has that
    /// field.
    fn field(&self, call: &Call, name: &str) -> Option<ReceiverType> {
        let mut class = match call.function {
            None => call.class,
            Some(f) => self.unit.functions.get(f).and_then(|f| f.class),
        };
        // Bounded: classes nest a few deep; a cycle would be a front-end bug.
        for _ in 0..32 {
            let index = class?;
            if let Some(field) = self.fields.get(&(index, name)) {
                return Some(self.of(field.ty.as_ref()));
            }
            class = self.unit.classes.get(index)?.outer;
        }
        None
    }

    fn field_type(&self, call: &Call, name: &str) -> ReceiverType {
        self.field(call, name).unwrap_or(ReceiverType::Unknown)
    }

    fn import(&self, name: &str) -> Option<&'u Import> {
        self.unit.imports.iter().rev().find(|i| i.name == name)
    }

    /// An unqualified call in a language with module scope.
    fn module_function(&self, call: &Call) -> ReceiverType {
        if self.free_functions.contains(call.callee.as_str()) {
            let own = crate::app::resolve::owner(&self.unit.path, None);
            return ReceiverType::Module(Some(own));
        }
        if let Some(import) = self.import(&call.callee) {
            // `from a.b import f`: a function of module `b`; `from . import f`: of the
            // package, which the path does not name.
            let module = match import.path.as_slice() {
                [.., module, _] if import.is_member => Some(module.clone()),
                _ => None,
            };
            return ReceiverType::Module(module);
        }
        if self.unit.star_import && !is_class_name(&call.callee) {
            return ReceiverType::Module(None);
        }
        // A builtin (`len`, `dict`), a class being constructed, or a callable value.
        ReceiverType::Library
    }

    /// A stated type as a receiver type (`var`, `dynamic`, `object`: unknown).
    fn of(&self, ty: Option<&TypeName>) -> ReceiverType {
        match ty {
            Some(ty) if !self.front_end.is_untyped(&ty.name) => self.class_type(&ty.name),
            _ => ReceiverType::Unknown,
        }
    }

    fn class_type(&self, name: &str) -> ReceiverType {
        if self.front_end.is_library_type(name) {
            ReceiverType::Library
        } else {
            ReceiverType::Class(name.to_string())
        }
    }
}

/// `User`, `UserRepository`: capitalised with a lower-case letter (not a constant).
pub fn is_class_name(name: &str) -> bool {
    name.starts_with(char::is_uppercase) && name.chars().any(|c| c.is_lowercase())
}
