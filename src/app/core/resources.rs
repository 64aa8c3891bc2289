//! How a connection is released, from where it was created and what happens to it
//! afterwards (its events), the same for every language lowered to the typed IR:
//! - scoped (`using`, `using var`, `with`): released on every path;
//! - closed inside a `finally`: released on every path;
//! - returned, stored in a field, handed to a constructor that owns it, registered with a
//!   container, closed by a reader opened to close it: its owner changes;
//! - closed, and every close comes right after the open with no call or construction in
//!   between (nothing there can throw): released on every path;
//! - closed otherwise: released on the normal path only;
//! - never opened by the code, and every use a call that opens it and closes it again
//!   (Dapper's extension methods): released after each call, only Dispose is skipped;
//! - never opened, used, or handed on: it holds no pooled connection;
//! - else never released.
//!
//! A connection can also be opened by one helper and closed by another (`var command =
//! GetCommand(cs); …; CloseReader(command);`): `helper_held` finds those, in one file.

use crate::app::ir::typed::{
    Arg, CallId, FnId, FunctionKind, Receiver, Resource, ResourceEvent, ResourceEventKind,
    ResourceOrigin, ScopeKind, Unit,
};
use crate::app::ir::Disposal;

pub fn disposal(unit: &Unit, resource: &Resource) -> Disposal {
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
        ResourceOrigin::Other => return Disposal::Never,
        ResourceOrigin::Local => {}
    }
    let events = &resource.events;
    let closes: Vec<&ResourceEvent> = events
        .iter()
        .filter(|e| e.kind == ResourceEventKind::Close)
        .collect();
    if closes
        .iter()
        .any(|c| in_scope(unit, ScopeKind::Finally, c.at))
    {
        return Disposal::Guaranteed("closed in finally".into());
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
        return Disposal::NormalPathOnly("closed, but not in a finally".into());
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
        ResourceEventKind::StoreInField => Some("stored in a field".into()),
        ResourceEventKind::PassToConstructor { ty, owning: true } => {
            Some(format!("handed to new {ty}"))
        }
        ResourceEventKind::ClosedByReader => {
            Some("a reader opened with CommandBehavior.CloseConnection closes it".into())
        }
        _ => None,
    }
}

fn in_scope(unit: &Unit, kind: ScopeKind, at: usize) -> bool {
    unit.scopes
        .iter()
        .any(|s| s.kind == kind && s.span.0 <= at && at < s.span.1)
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

/// A connection a caller holds between two helpers of the file: one opens it and returns
/// it (or a command holding it), the other closes what it is handed, and the close is
/// not in a `finally`, with calls in between that can throw.
pub struct HelperHeld {
    pub function: Option<FnId>,
    pub variable: String,
    /// The call that opened it (`SqlHelper.GetCommand(cs, sql)`).
    pub opened_by: CallId,
    /// The call that closes it (`SqlHelper.CloseReader(command)`).
    pub closed_by: CallId,
}

/// The connections of the file opened by one helper and closed by another on the normal
/// path only (`HelperHeld`). Helpers are matched by name, argument count and, for a
/// static call (`SqlHelper.GetCommand`), class; every function a call can mean must open
/// (or close) for it to count.
pub fn helper_held(unit: &Unit) -> Vec<HelperHeld> {
    let opens: Vec<bool> = (0..unit.functions.len())
        .map(|f| {
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
        .collect();
    if !opens.contains(&true) || unit.param_closes.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for local in &unit.locals {
        let Some(opened_by) = local.init_call else {
            continue;
        };
        let Some(open_call) = unit.calls.get(opened_by) else {
            continue;
        };
        let openers = helpers_meant(unit, opened_by);
        if openers.is_empty() || !openers.iter().all(|&f| opens[f]) {
            continue;
        }
        let closes: Vec<CallId> = unit
            .calls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.function == local.function && c.span.0 >= open_call.span.1)
            .filter(|(ci, c)| {
                c.args.iter().enumerate().any(|(position, a)| {
                    let closers = helpers_meant(unit, *ci);
                    matches!(a, Arg::Name(n) if *n == local.name)
                        && !closers.is_empty()
                        && closers
                            .iter()
                            .all(|&g| unit.param_closes.contains(&(g, position)))
                })
            })
            .map(|(ci, _)| ci)
            .collect();
        let Some(&closed_by) = closes.first() else {
            continue;
        };
        let guarded = closes.iter().any(|&ci| {
            let at = unit.calls[ci].span.0;
            in_scope(unit, ScopeKind::Finally, at) || in_scope(unit, ScopeKind::Catch, at)
        });
        let close_at = unit.calls[closed_by].span.0;
        let between = |at: usize| open_call.span.1 <= at && at < close_at;
        let can_throw = unit.calls.iter().any(|c| between(c.span.0))
            || unit.creations.iter().any(|&at| between(at));
        if !guarded && can_throw {
            out.push(HelperHeld {
                function: local.function,
                variable: local.name.clone(),
                opened_by,
                closed_by,
            });
        }
    }
    out
}

/// The functions of the file a call can mean: same name and argument count, not a
/// lambda, and for a static call on a name (`SqlHelper.Close(...)`) a method of the class
/// of that name. Empty when the receiver is anything else.
fn helpers_meant(unit: &Unit, call: CallId) -> Vec<FnId> {
    let Some(call) = unit.calls.get(call) else {
        return Vec::new();
    };
    let class_named = |f: &crate::app::ir::typed::Function, name: &str| {
        f.class
            .and_then(|c| unit.classes.get(c))
            .is_some_and(|c| c.name == name)
    };
    unit.functions
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.kind != FunctionKind::Lambda
                && f.name == call.callee
                && f.params.len() == call.args.len()
                && match &call.receiver {
                    Receiver::None | Receiver::This => true,
                    Receiver::Name(name) => class_named(f, name),
                    _ => false,
                }
        })
        .map(|(i, _)| i)
        .collect()
}
