//! The one analysis core over the typed IR (issue #17), written once for every language a
//! front end lowers: it turns a `typed::Unit` into the facts the rules and the cross-file
//! resolution read (`ir::AppFile`). Lambdas' calls belong to the function that holds them;
//! each call's receiver gets its type (`types`); each connection's events decide how it is
//! released (`resources`); the front end's cache catalogue says where a function reads a
//! cache (`caches`); loops carry their typed kind and source.

pub mod caches;
pub mod resources;
pub mod types;

use super::ir::typed::{
    self, CallRole, FunctionKind, IterSource, LanguageFrontEnd, LoopKind, MethodBinding, Receiver,
    Unit,
};
use super::ir::{
    AppFile, Assignment, Call, ClassFacts, ConnectionSite, Function, Loop, PerCallConnection,
    ReceiverType,
};

/// Parses, lowers and analyses one file with its front end.
pub fn extract(front_end: &dyn LanguageFrontEnd, path: &str, text: &str) -> AppFile {
    facts(front_end, front_end.lower(path, text))
}

/// The facts of a lowered file.
pub fn facts(front_end: &dyn LanguageFrontEnd, unit: Unit) -> AppFile {
    let mut file = AppFile::new(&unit.path, unit.language);
    // The functions the index knows: lambdas are not, their calls are their holder's.
    let mut index_of = vec![None; unit.functions.len()];
    for (i, f) in unit.functions.iter().enumerate() {
        if f.kind == FunctionKind::Lambda {
            continue;
        }
        index_of[i] = Some(file.functions.len());
        file.functions.push(Function {
            name: f.name.clone(),
            arity: f.params.len(),
            class: f
                .class
                .and_then(|c| unit.classes.get(c))
                .map(|c| c.name.clone()),
            start: f.start,
            end: f.end,
            body: f.body,
            is_async: f.is_async,
            is_abstract: f.is_abstract,
        });
    }
    let holder = |function: Option<usize>| -> Option<usize> {
        let mut current = function?;
        for _ in 0..unit.functions.len() {
            if let Some(index) = index_of.get(current).copied().flatten() {
                return Some(index);
            }
            current = unit.functions.get(current)?.parent?;
        }
        None
    };
    // The class hierarchy serves typed resolution only.
    if front_end.types_receivers() {
        file.classes = class_facts(&unit);
    }
    // Receivers are typed only where the front end lowers types.
    let typing = front_end
        .types_receivers()
        .then(|| types::Typing::new(front_end, &unit));
    let receiver_type = |call: &typed::Call| match &typing {
        Some(typing) => typing.receiver_type(call),
        None => ReceiverType::Untyped,
    };
    for call in &unit.calls {
        let (db, db_api) = match &call.role {
            CallRole::Database { kind, api } => (Some(*kind), Some(api.clone())),
            CallRole::Plain => (None, None),
        };
        // `load(id)` where `load` is bound to `repo.Get`: a call of `repo.Get`.
        let bound = bound_method(&unit, call);
        let (callee, receiver, chain, receiver_type) = match bound {
            Some(b) => {
                let at_binding = typed::Call {
                    function: b.function,
                    receiver: b.receiver.clone(),
                    span: (b.at, b.at),
                    ..call.clone()
                };
                (
                    b.method.clone(),
                    b.receiver_text.clone(),
                    b.chain.clone(),
                    receiver_type(&at_binding),
                )
            }
            None => (
                call.callee.clone(),
                call.receiver_text.clone(),
                call.chain.clone(),
                receiver_type(call),
            ),
        };
        file.calls.push(Call {
            function: holder(call.function),
            callee,
            receiver,
            receiver_root: chain.first().cloned(),
            chain,
            receiver_type,
            arity: call.args.len(),
            start: call.start,
            end: call.end,
            start_byte: call.span.0,
            end_byte: call.span.1,
            loops: call.loops.clone(),
            db,
            db_api,
            awaited: call.awaited,
            blocked_by: call.blocked_by.clone(),
            sql_argument: call.sql_argument,
            text: call.text.clone(),
        });
    }
    for lp in &unit.loops {
        let word = front_end.loop_word(lp.kind).unwrap_or(match lp.kind {
            LoopKind::ForEach => "foreach",
            LoopKind::For => "for",
            LoopKind::While => "while",
            LoopKind::DoWhile => "do",
            LoopKind::Callback => "callback",
            LoopKind::Comprehension => "comprehension",
            LoopKind::Keys => "keys",
        });
        let kind = match (lp.kind, &lp.method) {
            (LoopKind::Callback, Some(method)) => format!("{method} {word}"),
            _ if lp.is_async => match front_end.async_loop_word(lp.kind) {
                Some(words) => words.to_string(),
                None => format!("async {word}"),
            },
            _ => word.to_string(),
        };
        let (source_call, source_var) = match &lp.source {
            IterSource::Call(call) => (Some(*call), None),
            IterSource::Name(name) => (None, Some(name.clone())),
            IterSource::Other | IterSource::None => (None, None),
        };
        // A source rooted at a parameter of the loop's function or of one around it (a
        // lambda's holder): the caller's collection.
        // The position is kept only for a parameter of the loop's own function (not of a
        // lambda's holder), counted as a call's arguments are.
        // A loop that walks no collection (`while n > 0`) has no source, whatever its
        // condition's text.
        let mut position = None;
        let source_param =
            (lp.source != IterSource::None)
                .then_some(lp.source_text.as_deref())
                .flatten()
                .and_then(crate::app::loop_shape::source_root)
                .is_some_and(|root| {
                    let mut function = lp.function;
                    // Bounded: lambdas nest a few deep; a cycle would be a front-end bug.
                    for depth in 0..64 {
                        let Some(f) = function.and_then(|f| unit.functions.get(f)) else {
                            return false;
                        };
                        if let Some(at) = f.params.iter().position(|p| {
                            p.name == root || p.destructured.iter().any(|n| n == root)
                        }) {
                            if f.params[at].is_scalar_array {
                                return false;
                            }
                            let own = depth == 0
                                && holder(lp.function)
                                    == index_of
                                        .get(lp.function.unwrap_or(usize::MAX))
                                        .copied()
                                        .flatten();
                            position = own.then_some(at);
                            return true;
                        }
                        function = f.parent;
                    }
                    false
                });
        if let Some(at) = position {
            file.loop_parameters.push((file.loops.len(), at));
        }
        file.loops.push(Loop {
            function: holder(lp.function),
            kind,
            start: lp.start,
            end: lp.end,
            span: lp.span,
            source_text: lp.source_text.clone(),
            source_call,
            source_var,
            variables: lp.variables.clone(),
            source_param,
            rows_of: lp.rows_of,
        });
    }
    for local in &unit.locals {
        if let Some(call) = local.init_call {
            file.assignments.push(Assignment {
                function: holder(local.function),
                variable: local.name.clone(),
                call,
                start: local.start,
            });
        }
    }
    for resource in &unit.resources {
        file.connections.push(ConnectionSite {
            function: holder(resource.function),
            variable: resource.variable.clone(),
            api: resource.api.clone(),
            start: resource.start,
            end: resource.end,
            disposal: resources::disposal(&unit, resource),
            text: resource.text.clone(),
            in_process: resource.in_process,
        });
    }
    file.opens_for_caller = resources::opens_for_caller(&unit)
        .into_iter()
        .filter_map(|f| index_of.get(f).copied().flatten())
        .collect();
    file.param_closes = unit
        .param_closes
        .iter()
        .filter_map(|&(f, position)| Some((index_of.get(f).copied().flatten()?, position)))
        .collect();
    // Calls are numbered as in the unit (one `Call` each, in order).
    for mut hand_over in resources::hand_overs(&unit) {
        hand_over.function = holder(hand_over.function);
        file.hand_overs.push(hand_over);
    }
    file.method_returns = unit.method_returns.clone();
    // Calls are numbered as in the unit; functions through their holder.
    file.cache_reads = caches::reads(front_end, &unit)
        .into_iter()
        .filter_map(|read| {
            Some(crate::app::ir::CacheRead {
                function: holder(Some(read.function))?,
                ..read
            })
        })
        .collect();
    for per_call in &unit.per_call {
        if let Some(function) = holder(Some(per_call.function)) {
            file.per_call_connections.push(PerCallConnection {
                function,
                api: per_call.api.clone(),
                start: per_call.start,
                text: per_call.text.clone(),
            });
        }
    }
    file.strings = unit
        .strings
        .into_iter()
        .map(|mut s| {
            s.function = holder(s.function);
            s
        })
        .collect();
    file.comments = unit.comments;
    file.error_share = unit.error_share;
    file.error_regions = unit.error_regions;
    file.not_parsed = unit.not_parsed;
    file
}

/// The method a call of a delegate or function field calls (`load(id)` after `load =
/// repo.Get`): the latest binding of a local of that name before the call in its function
/// or one around it, else a field of that name bound anywhere in the call's class.
fn bound_method<'u>(unit: &'u Unit, call: &typed::Call) -> Option<&'u MethodBinding> {
    if unit.method_bindings.is_empty() || !matches!(call.receiver, Receiver::None | Receiver::This)
    {
        return None;
    }
    let mut scopes = Vec::new();
    let mut current = call.function;
    while let Some(f) = current.filter(|f| !scopes.contains(f) && scopes.len() < 32) {
        scopes.push(f);
        current = unit.functions.get(f).and_then(|f| f.parent);
    }
    let named = |b: &&MethodBinding| b.name == call.callee;
    let local = unit
        .method_bindings
        .iter()
        .filter(named)
        .filter(|b| !b.field && b.at < call.span.0)
        .filter(|b| b.function.is_some_and(|f| scopes.contains(&f)))
        .max_by_key(|b| b.at);
    if local.is_some() {
        return local;
    }
    let class_of = |f: Option<usize>| f.and_then(|f| unit.functions.get(f)).and_then(|f| f.class);
    let class = scopes.iter().find_map(|&f| class_of(Some(f)))?;
    let mut fields = unit
        .method_bindings
        .iter()
        .filter(named)
        .filter(|b| b.field && class_of(b.function) == Some(class));
    let first = fields.next()?;
    // Bound to two different methods: which one a call means is not known.
    fields
        .all(|b| b.method == first.method && b.receiver_text == first.receiver_text)
        .then_some(first)
}

/// The classes of a unit as the typed resolution reads them: names and bases.
pub fn class_facts(unit: &Unit) -> Vec<ClassFacts> {
    unit.classes
        .iter()
        .filter(|c| !c.anonymous)
        .map(|c| ClassFacts {
            name: c.name.clone(),
            bases: c.bases.clone(),
        })
        .collect()
}
