//! The type of a call's receiver, from what the source states: `this` / `base` and
//! unqualified calls are the enclosing class; a name is the latest local declared or
//! constructed before the call in its function (or in the functions around a lambda), else
//! a parameter, else a field or property of the class; a capitalised name that is none of
//! these is a class (a static call). A library type (the front end's catalogue) never means
//! the repository's code. Anything else is unknown, and resolves by name.

use std::collections::HashMap;

use crate::app::ir::typed::{Call, FnId, LanguageFrontEnd, Local, Receiver, TypeName, Unit};
use crate::app::ir::ReceiverType;

pub struct Typing<'u> {
    front_end: &'u dyn LanguageFrontEnd,
    unit: &'u Unit,
    /// The locals of each (function, name), in file order.
    locals: HashMap<(FnId, &'u str), Vec<&'u Local>>,
}

impl<'u> Typing<'u> {
    pub fn new(front_end: &'u dyn LanguageFrontEnd, unit: &'u Unit) -> Typing<'u> {
        let mut locals: HashMap<(FnId, &'u str), Vec<&'u Local>> = HashMap::new();
        for local in &unit.locals {
            if let Some(function) = local.function {
                locals
                    .entry((function, local.name.as_str()))
                    .or_default()
                    .push(local);
            }
        }
        Typing {
            front_end,
            unit,
            locals,
        }
    }

    pub fn receiver_type(&self, call: &Call) -> ReceiverType {
        match &call.receiver {
            Receiver::None | Receiver::This | Receiver::Base => self
                .class_of(call.function)
                .map_or(ReceiverType::Unknown, |class| {
                    ReceiverType::Class(class.to_string())
                }),
            Receiver::Name(name) => self.name_type(call, name),
            Receiver::Expression => ReceiverType::Unknown,
        }
    }

    /// The class a function (or the function around a lambda) belongs to.
    fn class_of(&self, function: Option<FnId>) -> Option<&'u str> {
        let f = self.unit.functions.get(function?)?;
        let class = self.unit.classes.get(f.class?)?;
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
        let class = call
            .function
            .and_then(|f| self.unit.functions.get(f))
            .and_then(|f| f.class)
            .and_then(|c| self.unit.classes.get(c));
        if let Some(field) = class.and_then(|c| c.fields.iter().find(|f| f.name == name)) {
            return self.of(field.ty.as_ref());
        }
        if name.starts_with(char::is_uppercase) {
            return self.class_type(name);
        }
        ReceiverType::Unknown
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
