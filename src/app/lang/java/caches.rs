//! Java cache reads (`AppFile::cache_reads`): a method that looks a key up in a field
//! holding a cache (a `Cache` type, or a `Map` the same class also fills: cache-aside),
//! in a field of a project class the same class both looks up and fills (a cache only if
//! that class's method reads one, which the cross-file resolution checks), or that a
//! framework caches whole (`@Cacheable`). Calls on fields are collected during the walk
//! and judged once the file is read, when every fill of each field is known.

use tree_sitter::Node;

use super::catalogue::{
    is_cache_type, CACHE_FILLS, CACHE_LOOKUPS, CACHING_ANNOTATIONS, LIBRARY_TYPES, MAP_TYPES,
};
use super::{is_class_name, unwrap_expr, Ctx, Extractor};
use crate::app::ir::CacheRead;
use crate::app::lang::common::{FieldExt, KindExt};

/// A call on a field of the enclosing class (`folderCache.get(user)`).
#[derive(Debug, Clone)]
pub(super) struct FieldCall {
    class: String,
    field: String,
    /// The field's declared type (simple name).
    ty: String,
    function: usize,
    call: usize,
    callee: String,
    arity: usize,
}

impl<'a> Extractor<'a> {
    /// Remembers call `call` (`name` on `object`, `arity` arguments) when its receiver is
    /// a typed field of the enclosing class, not a local or parameter of that name.
    pub(super) fn record_field_call(
        &mut self,
        call: usize,
        name: &str,
        object: Option<Node<'a>>,
        arity: usize,
        ctx: &Ctx<'a>,
    ) {
        let (Some(function), Some(object)) = (ctx.function, object.map(unwrap_expr)) else {
            return;
        };
        let field = match object.kind_name() {
            "identifier" => {
                let field = self.t(object);
                if self.is_local(field) {
                    return;
                }
                field
            }
            "field_access"
                if object
                    .field("object")
                    .is_some_and(|o| o.kind_name() == "this") =>
            {
                match object.field("field") {
                    Some(f) => self.t(f),
                    None => return,
                }
            }
            _ => return,
        };
        let Some(ty) = self.lookup_field(field).and_then(|info| info.ty.clone()) else {
            return;
        };
        let Some(class) = self.class_names.last().filter(|c| !c.is_empty()).cloned() else {
            return;
        };
        self.field_calls.push(FieldCall {
            class,
            field: field.to_string(),
            ty,
            function,
            call,
            callee: name.to_string(),
            arity,
        });
    }

    /// A method a framework caches whole (`@Cacheable`).
    pub(super) fn record_cached_method(&mut self, annotations: &[&str], function: usize) {
        if let Some(annotation) = annotations.iter().find(|a| CACHING_ANNOTATIONS.contains(a)) {
            self.unit.cache_reads.push(CacheRead {
                function,
                call: None,
                field: format!("@{annotation}"),
                through: None,
            });
        }
    }

    /// Turns the lookups on fields into cache reads, once every fill is known.
    pub(super) fn finish_cache_reads(&mut self) {
        let filled = |class: &str, field: &str| {
            self.field_calls.iter().any(|c| {
                c.class == class && c.field == field && CACHE_FILLS.contains(&c.callee.as_str())
            })
        };
        let mut reads = Vec::new();
        for c in &self.field_calls {
            if !CACHE_LOOKUPS.contains(&c.callee.as_str()) {
                continue;
            }
            let ty = c.ty.as_str();
            // A cache by its type, or a map the class fills after a miss: read directly.
            let direct =
                is_cache_type(ty) || (MAP_TYPES.contains(&ty) && filled(&c.class, &c.field));
            let project_class = is_class_name(ty) && ty.len() > 1 && !LIBRARY_TYPES.contains(&ty);
            let through = if direct {
                None
            } else if project_class && filled(&c.class, &c.field) {
                Some((ty.to_string(), c.callee.clone(), c.arity))
            } else {
                continue;
            };
            reads.push(CacheRead {
                function: c.function,
                call: Some(c.call),
                field: c.field.clone(),
                through,
            });
        }
        self.unit.cache_reads.extend(reads);
    }
}
