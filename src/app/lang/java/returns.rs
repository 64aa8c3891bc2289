//! Java return types: each method's declared return type is recorded
//! (`AppFile::method_returns`), and a receiver that is itself a call
//! (`Factory.instance().newOrderDao().total(u)`) is typed as the chain of methods called
//! from the class it starts on (`ReceiverType::Returned`), which the cross-file resolution
//! follows through those declared return types (`resolve::Hierarchy::settle`).

use tree_sitter::Node;

use super::{is_class_name, simple_type, Extractor};
use crate::app::ir::MethodReturn;
use crate::app::lang::common::FieldExt;

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
            self.unit.method_returns.push(MethodReturn {
                class: class.clone(),
                method: method.to_string(),
                returns,
            });
        }
    }
}
