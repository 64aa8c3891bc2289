//! Java return types: each method's declared return type is recorded
//! (`AppFile::method_returns`), and a receiver that is itself a call
//! (`Factory.instance().newOrderDao().total(u)`) is typed as the chain of methods called
//! from the class it starts on (`ReceiverType::Returned`), which the cross-file resolution
//! follows through those declared return types (`resolve::Hierarchy::settle`).

use tree_sitter::Node;

use super::{is_class_name, simple_type, unwrap_expr, Extractor};
use crate::app::ir::{MethodReturn, ReceiverType};
use crate::app::lang::common::{FieldExt, KindExt};

impl<'a> Extractor<'a> {
    /// A method's declared return type, when it names a class (not `void`, a primitive
    /// or a type parameter): what a call of it hands to a call on its result
    /// (`ReceiverType::Returned`).
    pub(super) fn record_return_type(&mut self, node: Node<'a>) {
        let Some(class) = self.class_names.last().filter(|c| !c.is_empty()) else {
            return;
        };
        let Some(method) = node.field("name").map(|n| self.t(n)) else {
            return;
        };
        let returns = node.field("type").and_then(|t| simple_type(self.t(t)));
        if let Some(returns) = returns.filter(|t| is_class_name(t)) {
            self.file.method_returns.push(MethodReturn {
                class: class.clone(),
                method: method.to_string(),
                returns,
            });
        }
    }

    /// The type of a call's result as a chain of declared return types from the class
    /// the chain starts on (`ReceiverType::Returned`): `Factory.instance().newOrderDao()`
    /// is `newOrderDao` of what `instance` of `Factory` returns; a bare first call is a
    /// method of the enclosing class. Walked without recursion (a chain thousands of
    /// calls long is hostile input) and given up past a few calls.
    pub(super) fn returned_type(&self, call: Node<'a>) -> ReceiverType {
        const MAX_CHAIN: usize = 8;
        let mut methods = Vec::new();
        let mut current = call;
        loop {
            if methods.len() == MAX_CHAIN {
                return ReceiverType::Unknown;
            }
            let Some(method) = current.field("name") else {
                return ReceiverType::Unknown;
            };
            methods.push(self.t(method).to_string());
            match current.field("object").map(unwrap_expr) {
                Some(inner) if inner.kind_name() == "method_invocation" => current = inner,
                start => {
                    let start = match start {
                        None => self
                            .class_names
                            .last()
                            .filter(|c| !c.is_empty())
                            .map_or(ReceiverType::Unknown, |c| ReceiverType::Class(c.clone())),
                        start => self.receiver_type(start),
                    };
                    let (ReceiverType::Class(class) | ReceiverType::Base(class)) = start else {
                        // A library type's methods return what the source does not say.
                        return ReceiverType::Unknown;
                    };
                    methods.reverse();
                    return ReceiverType::Returned { class, methods };
                }
            }
        }
    }
}
