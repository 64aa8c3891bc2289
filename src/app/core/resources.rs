//! How a connection is released, from where it was created and what happens to it
//! afterwards (its events), the same for every language lowered to the typed IR:
//! - scoped (`using`, `using var`, `with`), or put in such a scope later (`with conn:`,
//!   `with closing(conn)`): released on every path;
//! - closed inside a `finally`: released on every path;
//! - closed in a `try` block and in a `catch` after it that takes every exception:
//!   released on every path;
//! - returned, stored in a field, handed to a constructor that owns it or to a call that
//!   may keep it (`HandedTo`), registered with a container, closed by a reader opened to
//!   close it: its owner changes;
//! - closed, and every close comes right after the open with no call or construction in
//!   between (nothing there can throw): released on every path;
//! - closed otherwise: released on the normal path only;
//! - else handed where it may be kept (`MaybeKept`: Java's method argument or alias):
//!   its owner may change;
//! - never opened by the code, and every use a call that opens it and closes it again
//!   (Dapper's extension methods): released after each call, only Dispose is skipped;
//! - never opened, used, or handed on: it holds no pooled connection;
//! - else never released, or, when taken from a helper of the project that may lend a
//!   shared connection (`Resource::lender`), borrowed.
//!
//! A connection can also be opened by one helper and closed by another (`var command =
//! GetCommand(cs); …; CloseReader(command);`): `opens_for_caller`, `Unit::param_closes`
//! and `hand_overs` are the facts the resolution judges that by, across files.

use crate::app::ir::typed::{
    Arg, CallRole, FnId, Resource, ResourceEvent, ResourceEventKind, ResourceOrigin, ScopeKind,
    Unit,
};
use crate::app::ir::{Disposal, HandOver};

pub fn disposal(unit: &Unit, resource: &Resource) -> Disposal {
    match (decide(unit, resource), &resource.lender) {
        (Disposal::Never, Some(lender)) => Disposal::Borrowed(lender.clone()),
        (disposal, _) => disposal,
    }
}

fn decide(unit: &Unit, resource: &Resource) -> Disposal {
    match &resource.origin {
        ResourceOrigin::Scoped(words) => return Disposal::Guaranteed(words.clone()),
        ResourceOrigin::Field => return Disposal::Escapes("stored in a field".into()),
        ResourceOrigin::Returned => return Disposal::Escapes("returned to the caller".into()),
        ResourceOrigin::Argument {
            owner: Some(owner),
            owning: true,
        } => return Disposal::Escapes(format!("handed to new {owner}")),
        ResourceOrigin::Argument { .. } => return Disposal::Escapes("passed to a method".into()),
        ResourceOrigin::Registered => {
            return Disposal::Escapes("registered with a container".into())
        }
        ResourceOrigin::Escaped(words) => return Disposal::Escapes(words.clone()),
        ResourceOrigin::Other => return Disposal::Never,
        ResourceOrigin::Local => {}
    }
    let events = &resource.events;
    let closes: Vec<&ResourceEvent> = events
        .iter()
        .filter(|e| e.kind == ResourceEventKind::Close)
        .collect();
    if let Some(close) = closes
        .iter()
        .find(|c| in_scope(unit, ScopeKind::Finally, c.at))
    {
        return Disposal::Guaranteed(match &close.text {
            Some(text) => format!("closed in finally (`{text}`)"),
            None => "closed in finally".into(),
        });
    }
    if closed_in_try_and_catch_all(unit, &closes) {
        return Disposal::Guaranteed(
            "closed in a try block and in the catch after it, which takes every exception".into(),
        );
    }
    if let Some(words) = events.iter().find_map(|e| match &e.kind {
        ResourceEventKind::Scoped(words) => Some(words),
        _ => None,
    }) {
        return Disposal::Guaranteed(words.clone());
    }
    if let Some(reason) = events.iter().find_map(escape) {
        return Disposal::Escapes(reason);
    }
    if let Some(callee) = only_self_opening_calls(events) {
        return Disposal::Guaranteed(format!(
            "never opened here, and every use is a call that opens a closed connection and closes it again before it returns (`{callee}`, as Dapper does); only Dispose is skipped"
        ));
    }
    if !closes.is_empty() {
        if closes.iter().all(|c| right_after_open(unit, events, c)) {
            return Disposal::Guaranteed(
                "closed right after it is opened, with nothing in between that can throw".into(),
            );
        }
        return Disposal::NormalPathOnly(match closes.first().and_then(|c| c.text.as_deref()) {
            Some(text) => format!("closed (`{text}`), but not in a finally"),
            None => "closed, but not in a finally".into(),
        });
    }
    if let Some(words) = events.iter().find_map(|e| match &e.kind {
        ResourceEventKind::MaybeKept(words) => Some(words),
        _ => None,
    }) {
        return Disposal::Escapes(words.clone());
    }
    let touched = events.iter().any(|e| {
        matches!(
            e.kind,
            ResourceEventKind::Open
                | ResourceEventKind::Use
                | ResourceEventKind::SelfOpeningCall { .. }
                | ResourceEventKind::PassToCall { .. }
                | ResourceEventKind::PassToConstructor { .. }
        )
    });
    if touched {
        Disposal::Never
    } else {
        Disposal::NeverOpened
    }
}

/// The first callee when the connection is never opened by the code and every event but a
/// close is a call that opens it and closes it again: the pooled connection goes back
/// after each, also when one throws, so a close outside a `finally` loses nothing.
fn only_self_opening_calls(events: &[ResourceEvent]) -> Option<&str> {
    let mut first = None;
    for event in events {
        match &event.kind {
            ResourceEventKind::SelfOpeningCall { callee } => {
                first.get_or_insert(callee.as_str());
            }
            ResourceEventKind::Close => {}
            _ => return None,
        }
    }
    first
}

/// Where an event hands the connection to another owner.
fn escape(event: &ResourceEvent) -> Option<String> {
    match &event.kind {
        ResourceEventKind::Return => Some("returned to the caller".into()),
        ResourceEventKind::ReturnedInside { holder } => {
            Some(format!("returned to the caller inside `{holder}`"))
        }
        ResourceEventKind::StoreInField => Some(match &event.text {
            Some(field) => format!("stored in {field}"),
            None => "stored in a field".into(),
        }),
        ResourceEventKind::PassToConstructor { ty, owning: true } => {
            Some(format!("handed to new {ty}"))
        }
        ResourceEventKind::ClosedByReader => {
            Some("a reader opened with CommandBehavior.CloseConnection closes it".into())
        }
        ResourceEventKind::HandedTo { callee } => Some(format!("passed to {callee}()")),
        ResourceEventKind::Escapes(words) => Some(words.clone()),
        _ => None,
    }
}

fn in_scope(unit: &Unit, kind: ScopeKind, at: usize) -> bool {
    unit.scopes
        .iter()
        .any(|s| s.kind == kind && s.span.0 <= at && at < s.span.1)
}

/// Whether one close stands in a catch-all `catch` and another in the `try` block that
/// catch guards (the `Try` scope ending last before the catch starts): the normal path
/// closes in the block, an exception there in the catch.
fn closed_in_try_and_catch_all(unit: &Unit, closes: &[&ResourceEvent]) -> bool {
    let within = |span: (usize, usize), at: usize| span.0 <= at && at < span.1;
    unit.scopes
        .iter()
        .filter(|s| s.kind == ScopeKind::CatchAll)
        .filter(|catch| closes.iter().any(|c| within(catch.span, c.at)))
        .any(|catch| {
            let guarded = unit
                .scopes
                .iter()
                .filter(|s| s.kind == ScopeKind::Try && s.span.1 <= catch.span.0)
                .max_by_key(|s| s.span.1);
            guarded.is_some_and(|block| closes.iter().any(|c| within(block.span, c.at)))
        })
}

/// Whether a close follows an open of the same connection with no call or construction in
/// between: nothing between them can throw.
fn right_after_open(unit: &Unit, events: &[ResourceEvent], close: &ResourceEvent) -> bool {
    let Some(open) = events
        .iter()
        .filter(|e| e.kind == ResourceEventKind::Open && e.end <= close.at)
        .max_by_key(|e| e.end)
    else {
        return false;
    };
    let between = |at: usize| open.end <= at && at < close.at;
    !unit.calls.iter().any(|c| between(c.span.0)) && !unit.creations.iter().any(|&at| between(at))
}

/// The functions of the unit that open a connection and hand it back to their caller,
/// returned as it is or inside a command it was given to.
pub fn opens_for_caller(unit: &Unit) -> Vec<FnId> {
    (0..unit.functions.len())
        .filter(|&f| {
            unit.resources.iter().any(|r| {
                r.function == Some(f)
                    && r.events.iter().any(|e| e.kind == ResourceEventKind::Open)
                    && r.events.iter().any(|e| {
                        matches!(
                            e.kind,
                            ResourceEventKind::Return | ResourceEventKind::ReturnedInside { .. }
                        )
                    })
            })
        })
        .collect()
}

/// Every local taken from a plain call and later handed, by name, to another plain call
/// of the same function (`var command = Sql.GetCommand(cs); …; Sql.CloseReader(command)`):
/// the resolution tells which of them open and close a connection. The function is the
/// unit's (`FnId`), calls are numbered as in the unit.
pub fn hand_overs(unit: &Unit) -> Vec<HandOver> {
    let mut out = Vec::new();
    if unit.locals.iter().all(|l| l.init_call.is_none()) {
        return out;
    }
    // The points that can throw, in order: a count in a range says whether any stands there.
    let mut throw_points: Vec<usize> = unit.calls.iter().map(|c| c.span.0).collect();
    throw_points.extend(&unit.creations);
    throw_points.sort_unstable();
    let any_between = |from: usize, to: usize| {
        throw_points.partition_point(|&x| x < to) > throw_points.partition_point(|&x| x < from)
    };
    // The calls of each function that take a plain name as an argument.
    let mut by_function: std::collections::HashMap<Option<FnId>, Vec<usize>> =
        std::collections::HashMap::new();
    for (ci, call) in unit.calls.iter().enumerate() {
        if call.role == CallRole::Plain && call.args.iter().any(|a| matches!(a, Arg::Name(_))) {
            by_function.entry(call.function).or_default().push(ci);
        }
    }
    for local in &unit.locals {
        let Some(from) = local.init_call else {
            continue;
        };
        let Some(open_call) = unit.calls.get(from).filter(|c| c.role == CallRole::Plain) else {
            continue;
        };
        for &to in by_function.get(&local.function).into_iter().flatten() {
            let call = &unit.calls[to];
            if call.span.0 < open_call.span.1 {
                continue;
            }
            let Some(position) = call
                .args
                .iter()
                .position(|a| matches!(a, Arg::Name(n) if *n == local.name))
            else {
                continue;
            };
            let at = call.span.0;
            out.push(HandOver {
                function: local.function,
                variable: local.name.clone(),
                from,
                to,
                position,
                guarded: in_scope(unit, ScopeKind::Finally, at)
                    || in_scope(unit, ScopeKind::Catch, at)
                    || in_scope(unit, ScopeKind::CatchAll, at),
                can_throw: any_between(open_call.span.1, at),
            });
        }
    }
    out
}
