//! Where a function reads a cache (`AppFile::cache_reads`), from the typed IR and the
//! front end's cache catalogue (`LanguageFrontEnd::caches`), the same for every language
//! that lists one: a lookup on a field of the function's class (or a class it is written
//! in) whose declared type is a cache, or a map the same class also fills (cache-aside);
//! a lookup on a field of a project class the same class both looks up and fills (a cache
//! only if that class's method reads one, which the cross-file resolution checks); a
//! function a framework caches whole (`@Cacheable`). A query run after such a read runs
//! once per key, not once per call.

use std::collections::{HashMap, HashSet};

use crate::app::ir::typed::{Call, Field, LanguageFrontEnd, Receiver, Unit};
use crate::app::ir::CacheRead;

/// A call on a typed field of the calling function's class (`folderCache.get(user)`).
struct FieldCall<'u> {
    class: &'u str,
    field: &'u str,
    ty: &'u str,
    function: usize,
    call: usize,
    callee: &'u str,
    arity: usize,
}

/// The cache reads of a unit: functions cached whole first, in function order, then the
/// lookups, in call order. Functions and calls are numbered as in the unit.
pub fn reads(front_end: &dyn LanguageFrontEnd, unit: &Unit) -> Vec<CacheRead> {
    let Some(catalogue) = front_end.caches() else {
        return Vec::new();
    };
    let mut out: Vec<CacheRead> = Vec::new();
    for (function, f) in unit.functions.iter().enumerate() {
        if let Some(annotation) = f
            .annotations
            .iter()
            .find(|a| catalogue.annotations.contains(&a.as_str()))
        {
            out.push(CacheRead {
                function,
                call: None,
                field: format!("@{annotation}"),
                through: None,
            });
        }
    }
    let scope = Scope {
        declared: unit
            .locals
            .iter()
            .filter(|l| l.is_declaration)
            .filter_map(|l| Some((l.function?, l.name.as_str())))
            .collect(),
        fields: unit
            .classes
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.fields
                    .iter()
                    .rev()
                    .map(move |f| ((i, f.name.as_str()), f))
            })
            .collect(),
    };
    let field_calls: Vec<FieldCall> = unit
        .calls
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            catalogue.lookups.contains(&c.callee.as_str())
                || catalogue.fills.contains(&c.callee.as_str())
        })
        .filter_map(|(call, c)| field_call(unit, &scope, call, c))
        .collect();
    let filled = |class: &str, field: &str| {
        field_calls
            .iter()
            .any(|c| c.class == class && c.field == field && catalogue.fills.contains(&c.callee))
    };
    for c in &field_calls {
        if !catalogue.lookups.contains(&c.callee) {
            continue;
        }
        // A cache by its type, or a map the class fills after a miss: read directly.
        let direct = (catalogue.is_cache_type)(c.ty)
            || (catalogue.maps.contains(&c.ty) && filled(c.class, c.field));
        let project_class = front_end.is_class_name(c.ty)
            && c.ty.chars().count() > 1
            && !front_end.is_library_type(c.ty);
        let through = if direct {
            None
        } else if project_class && filled(c.class, c.field) {
            Some((c.ty.to_string(), c.callee.to_string(), c.arity))
        } else {
            continue;
        };
        out.push(CacheRead {
            function: c.function,
            call: Some(c.call),
            field: c.field.to_string(),
            through,
        });
    }
    out
}

/// The names each function declares and each class's fields (the first of a name), once:
/// a file may hold thousands of calls and fields.
struct Scope<'u> {
    declared: HashSet<(usize, &'u str)>,
    fields: HashMap<(usize, &'u str), &'u Field>,
}

/// Call `call` when it is made in a function on a field of that function's class (or of
/// a class it is written in) with a declared type: `this.x.get(k)`, or `x.get(k)` where no
/// local or parameter in scope is named `x`.
fn field_call<'u>(
    unit: &'u Unit,
    scope: &Scope<'u>,
    call: usize,
    c: &'u Call,
) -> Option<FieldCall<'u>> {
    let function = c.function?;
    let field = match &c.receiver {
        Receiver::Field(name) => name.as_str(),
        Receiver::Name(name) if !is_local(unit, &scope.declared, c, name) => name.as_str(),
        _ => return None,
    };
    let own = unit.functions.get(function)?.class?;
    let mut class = Some(own);
    // Bounded: classes nest a few deep; a cycle would be a front-end bug.
    for _ in 0..32 {
        let index = class?;
        if let Some(declared) = scope.fields.get(&(index, field)) {
            let ty = declared.ty.as_ref()?;
            let class = unit.classes.get(own)?.name.as_str();
            return (!class.is_empty()).then_some(FieldCall {
                class,
                field,
                ty: &ty.name,
                function,
                call,
                callee: &c.callee,
                arity: c.args.len(),
            });
        }
        class = unit.classes.get(index)?.outer;
    }
    None
}

/// Whether a name is declared as a local or parameter of the call's function or of the
/// ones it is written in (anywhere in them: a field of that name is shadowed there); an
/// assignment to it (`cache = load()`) declares nothing.
fn is_local(unit: &Unit, declared: &HashSet<(usize, &str)>, call: &Call, name: &str) -> bool {
    let mut function = call.function;
    for _ in 0..32 {
        let Some(f) = function else {
            return false;
        };
        let Some(func) = unit.functions.get(f) else {
            return false;
        };
        if declared.contains(&(f, name)) || func.params.iter().any(|p| p.name == name) {
            return true;
        }
        function = func.parent;
    }
    false
}
