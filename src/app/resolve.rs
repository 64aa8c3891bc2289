//! Query methods across the repository: a function that runs a database call, directly
//! or through other such functions, is itself a query method. A call counts only when
//! every function of the repository it can mean is a query method. What it can mean: for
//! a receiver whose type the typed core knows (`ReceiverType::Class`), the methods of that
//! name and arity in that class, the classes deriving from it (an interface's
//! implementations) and the classes it derives from (inherited methods), bodiless
//! declarations left out; a receiver that is a chain of calls (`ReceiverType::Returned`)
//! is the class its last method is declared to return, when every step's return type is
//! known; for a library type, nothing; for an unknown type (and for the
//! languages not yet lowered to the typed IR), every function of that name and arity whose
//! owner the receiver's name plausibly means — a guess, which the typed languages' findings
//! show in their confidence.
//!
//! Past 1,000 lines (about 1,030 of code, then tests): one fixpoint over one class
//! hierarchy (candidates by receiver type, inheritance both ways, return-type chains,
//! bound delegates, cache reads along the chain); its parts share the index and the
//! hierarchy and are read together when a call resolves wrongly.

use super::ir::{
    AppFile, Call, Edge, FileIndex, Name, NameTable, ParamLoopCall, ReceiverType, TypeKey, NO_NAME,
};
use anyhow::Result;
use std::collections::{HashMap, HashSet};

/// A function of the repository: (file, function) indices into the `FileIndex`es.
pub type FunctionRef = (u32, u32);

/// How a call reaches the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The call is itself a catalogued database call (`ADO.NET ExecuteReader`).
    Direct(String),
    /// The call resolves to query methods of the repository; the first one is named.
    /// `by_name`: nothing but the callee's name and argument count chose the query method,
    /// for this call or a call along the chain to the database. From a typed language: the
    /// receiver's type was unknown. From a language not yet lowered to the typed IR: no
    /// receiver (or `this` / `self`) narrowed it and none of the candidates is in the
    /// caller's own class or module, so a library function of that name would be taken
    /// for it.
    Method {
        function: FunctionRef,
        by_name: bool,
    },
}

impl Reach {
    /// Whether the resolution behind it guessed by name.
    pub fn by_name(&self) -> bool {
        matches!(self, Reach::Method { by_name: true, .. })
    }
}

/// Each class of the repository and what it derives from (the union over files that
/// declare a class of that name).
#[derive(Default)]
struct Hierarchy {
    bases: HashMap<Name, Vec<Name>>,
    /// The inverse of `bases`: the classes that name each class as a base.
    children: HashMap<Name, Vec<Name>>,
    /// (class, method) -> the method's declared return type; `NO_NAME` where the
    /// declarations of that name (overloads, several classes of one name) disagree.
    returns: HashMap<(Name, Name), Name>,
}

impl Hierarchy {
    fn new(files: &[FileIndex]) -> Hierarchy {
        let mut returns: HashMap<(Name, Name), Name> = HashMap::new();
        for &(class, method, ty) in files.iter().flat_map(|f| f.returns.iter()) {
            returns
                .entry((class, method))
                .and_modify(|known| {
                    if *known != ty {
                        *known = NO_NAME;
                    }
                })
                .or_insert(ty);
        }
        let mut bases: HashMap<Name, Vec<Name>> = HashMap::new();
        for class in files.iter().flat_map(|f| f.classes.iter()) {
            let entry = bases.entry(class.name).or_default();
            for &base in class.bases.iter() {
                if base != class.name && !entry.contains(&base) {
                    entry.push(base);
                }
            }
        }
        let mut children: HashMap<Name, Vec<Name>> = HashMap::new();
        for (&class, class_bases) in &bases {
            for &base in class_bases {
                children.entry(base).or_default().push(class);
            }
        }
        Hierarchy {
            bases,
            children,
            returns,
        }
    }

    /// The declared return type of `method` called on `class`: the class's own
    /// declaration, else the nearest one among the classes it derives from (an inherited
    /// or abstract method). Bounded, as `derives`.
    fn return_type(&self, class: Name, method: Name) -> Option<Name> {
        let mut queue = std::collections::VecDeque::from([class]);
        let mut seen = HashSet::new();
        while let Some(current) = queue.pop_front() {
            if !seen.insert(current) || seen.len() > 64 {
                continue;
            }
            if let Some(&ty) = self.returns.get(&(current, method)) {
                return (ty != NO_NAME).then_some(ty);
            }
            queue.extend(self.bases.get(&current).into_iter().flatten().copied());
        }
        None
    }

    /// A receiver type with a call chain (`TypeKey::Returned`) as the class the chain's
    /// last method is declared to return, following each method's declared return type
    /// from the starting class; unknown (resolved by name, a guess) where a step's return
    /// type is not known. Any other type as it is.
    fn settle(&self, names: &NameTable, ty: TypeKey) -> TypeKey {
        let TypeKey::Returned { class, chain } = ty else {
            return ty;
        };
        let mut current = class;
        for method in names.get(chain).split('.') {
            let step = names
                .id(method)
                .and_then(|method| self.return_type(current, method));
            match step {
                Some(ty) => current = ty,
                None => return TypeKey::Unknown,
            }
        }
        TypeKey::Class(current)
    }

    /// The first non-empty answer of `defines` on the classes `class` derives from, nearest
    /// first (breadth-first, bounded as `derives`); `class` itself is not asked.
    fn nearest_in_bases(
        &self,
        class: Name,
        defines: impl Fn(Name) -> Vec<FunctionRef>,
    ) -> Vec<FunctionRef> {
        let mut level: Vec<Name> = self.bases.get(&class).cloned().unwrap_or_default();
        let mut seen = HashSet::from([class]);
        while !level.is_empty() && seen.len() <= 64 {
            let mut found = Vec::new();
            let mut next = Vec::new();
            for base in level {
                if !seen.insert(base) {
                    continue;
                }
                found.extend(defines(base));
                next.extend(self.bases.get(&base).into_iter().flatten().copied());
            }
            if !found.is_empty() {
                return found;
            }
            level = next;
        }
        Vec::new()
    }

    /// Whether a class deriving from `class` inherits `ancestor`'s methods: an interface's
    /// implementation that takes the method from its own base class
    /// (`CipherRepository : Repository<Cipher, Guid>, ICipherRepository`, the call typed
    /// `ICipherRepository`, the method written once in `Repository`). Bounded as `derives`.
    fn inherited_below(&self, class: Name, ancestor: Name) -> bool {
        let mut stack = vec![class];
        let mut seen = HashSet::new();
        while let Some(current) = stack.pop() {
            if !seen.insert(current) || seen.len() > 256 {
                continue;
            }
            for &child in self.children.get(&current).into_iter().flatten() {
                if self.derives(child, ancestor) {
                    return true;
                }
                stack.push(child);
            }
        }
        false
    }

    fn is_class(&self, name: Name) -> bool {
        self.bases.contains_key(&name)
    }

    /// Whether `class` derives from `ancestor`, directly or not (bounded: a cycle in
    /// broken code ends the search).
    fn derives(&self, class: Name, ancestor: Name) -> bool {
        let mut stack = vec![class];
        let mut seen = HashSet::new();
        while let Some(current) = stack.pop() {
            if !seen.insert(current) || seen.len() > 64 {
                continue;
            }
            for &base in self.bases.get(&current).into_iter().flatten() {
                if base == ancestor {
                    return true;
                }
                stack.push(base);
            }
        }
        false
    }
}

pub struct Repo<'a> {
    pub files: &'a [FileIndex],
    names: &'a NameTable,
    /// Why each query method is one.
    query_functions: HashMap<FunctionRef, Why>,
    /// Functions that read a cache through a lookup of the repository's own that reads
    /// one (`CallGroup::wraps_cache`): the first such call's order and its receiver; those
    /// that read one directly have it in their file's `cache_reads`.
    cache_readers: HashMap<FunctionRef, (u32, Name)>,
    definitions: Definitions,
    hierarchy: Hierarchy,
    /// How many edges the resolution read.
    pub edge_count: usize,
}

/// (function name, arity) -> definitions.
type Definitions = HashMap<(Name, u32), Vec<FunctionRef>>;

#[derive(Debug, Clone)]
enum Why {
    /// `order`: the call's index among its file's calls (as `Edge::order`); `reads`: it
    /// reads rows (`DirectCall::reads`).
    Direct {
        api: Name,
        line: u32,
        order: u32,
        reads: bool,
    },
    Calls {
        target: FunctionRef,
        by_name: bool,
        order: u32,
    },
}

impl Why {
    /// The index of the call that makes the function a query method.
    fn order(&self) -> u32 {
        match self {
            Why::Direct { order, .. } | Why::Calls { order, .. } => *order,
        }
    }
}

/// A call of a function of the repository, waiting for its group's definitions to become
/// query methods.
struct PendingCall {
    caller: FunctionRef,
    /// The call's place among its file's calls.
    order: u32,
    group: u32,
}

/// Methods that read a keyed store without computing anything (`get`, `TryGetValue`,
/// `getIfPresent`, `containsKey`).
const CACHE_READS: &[&str] = &[
    "get",
    "Get",
    "getIfPresent",
    "containsKey",
    "ContainsKey",
    "TryGetValue",
    "GetValueOrDefault",
    "TryGet",
];

/// The receiver of a read of a cache: a `CACHE_READS` method on a receiver whose name
/// says cache (`listsCache.get(key)`, `this.cache.get(id)`, `_cache.TryGetValue(key, out
/// v)`). A function holding one answers from memory first; what it queries below runs on
/// a miss. The index keeps each as a `CacheRead`, beside the typed ones a front end records.
pub fn cache_receiver(call: &Call) -> Option<&str> {
    let receiver = call
        .chain
        .last()
        .or(call.receiver_root.as_ref())
        .map(String::as_str)
        .unwrap_or("");
    (CACHE_READS.contains(&call.callee.as_str()) && receiver.to_ascii_lowercase().contains("cache"))
        .then_some(receiver)
}

/// The calls of one callee, arity and receiver, which can mean the same definitions.
struct CallGroup {
    first_candidate: FunctionRef,
    /// Resolved by name from a typed language.
    by_name: bool,
    /// Candidates not yet known to be query methods.
    remaining: u32,
    /// A cache read through the repository's own wrapper: the callee is a lookup
    /// (`CACHE_READS`) and every candidate reads a cache (`roomManager.get(name)` over a
    /// class whose `get` reads its cache): the lookup's receiver (or name).
    wraps_cache: Option<Name>,
}

/// The values of `key` in a table of (key, value) pairs sorted by key.
fn values_of<K: Ord + Copy, V: Copy>(table: &[(K, V)], key: K) -> impl Iterator<Item = V> + '_ {
    let first = table.partition_point(|(k, _)| *k < key);
    table[first..]
        .iter()
        .take_while(move |(k, _)| *k == key)
        .map(|&(_, v)| v)
}

impl<'a> Repo<'a> {
    /// Resolves the query methods of `files`, reading each file's edges once, in file
    /// order, from `edges_of` (the file's index in `files`): only the calls that can mean
    /// a function of the repository are kept.
    pub fn new(
        files: &'a [FileIndex],
        names: &'a NameTable,
        mut edges_of: impl FnMut(usize) -> Result<Vec<Edge>>,
    ) -> Result<Repo<'a>> {
        let hierarchy = Hierarchy::new(files);
        let mut definitions: Definitions = HashMap::new();
        let mut query_functions: HashMap<FunctionRef, Why> = HashMap::new();
        for (fi, file) in (0u32..).zip(files) {
            for (f, function) in (0u32..).zip(&file.functions) {
                definitions
                    .entry((function.name, function.arity))
                    .or_default()
                    .push((fi, f));
            }
            for direct in &file.direct {
                query_functions.insert(
                    (fi, direct.function),
                    Why::Direct {
                        api: direct.api,
                        line: direct.line,
                        order: direct.order,
                        reads: direct.reads,
                    },
                );
            }
        }
        // Fixed point, in rounds: callers of query methods are query methods. Calls that
        // can mean the same definitions (same callee, arity and receiver) form a group,
        // which counts down its definitions that are not query methods yet; a round adds
        // the functions whose first call (in file order) had its group reach zero in the
        // round before, naming the group's first definition as the reason.
        let mut pending: Vec<PendingCall> = Vec::new();
        let mut groups: Vec<CallGroup> = Vec::new();
        let mut group_of: HashMap<(Name, u32, Name, TypeKey), Option<u32>> = HashMap::new();
        // (candidate, group) pairs, sorted by candidate once all are known: a flat table
        // rather than a list per function, and one entry per group, not per call, for memory.
        let mut watchers: Vec<(FunctionRef, u32)> = Vec::new();
        let mut edge_count = 0;
        for fi in 0..files.len() {
            let edges = edges_of(fi)?;
            edge_count += edges.len();
            let fi = fi as u32;
            for edge in &edges {
                let caller = (fi, edge.function);
                // A query method's other calls make it nothing more, except a lookup that
                // may read a cache (`CallGroup::wraps_cache`).
                if query_functions.contains_key(&caller)
                    && !CACHE_READS.contains(&names.get(edge.callee))
                {
                    continue;
                }
                // Most calls are of libraries: no function of the repository has their
                // name and arity, and they are not remembered.
                if !definitions.contains_key(&(edge.callee, edge.arity)) {
                    continue;
                }
                let receiver_type = hierarchy.settle(names, edge.receiver_type);
                let key = (edge.callee, edge.arity, edge.receiver, receiver_type);
                let group = *group_of.entry(key).or_insert_with(|| {
                    let receiver = (edge.receiver != NO_NAME).then(|| names.get(edge.receiver));
                    let candidates = candidates(
                        &Lookup {
                            definitions: &definitions,
                            files,
                            names,
                            hierarchy: &hierarchy,
                        },
                        edge.callee,
                        edge.arity,
                        receiver,
                        receiver_type,
                    );
                    let &first_candidate = candidates.first()?;
                    let wraps_cache = (CACHE_READS.contains(&names.get(edge.callee))
                        && candidates
                            .iter()
                            .all(|&(fi, f)| files[fi as usize].functions[f as usize].reads_cache))
                    .then_some(if edge.receiver != NO_NAME {
                        edge.receiver
                    } else {
                        edge.callee
                    });
                    let id = groups.len() as u32;
                    let mut remaining = 0;
                    for candidate in candidates {
                        if !query_functions.contains_key(&candidate) {
                            remaining += 1;
                            watchers.push((candidate, id));
                        }
                    }
                    groups.push(CallGroup {
                        first_candidate,
                        by_name: receiver_type.is_guess(),
                        remaining,
                        wraps_cache,
                    });
                    Some(id)
                });
                let Some(group) = group else {
                    continue;
                };
                pending.push(PendingCall {
                    caller,
                    order: edge.order,
                    group,
                });
            }
        }
        drop(group_of);
        let mut cache_readers: HashMap<FunctionRef, (u32, Name)> = HashMap::new();
        for p in &pending {
            if let Some(lookup) = groups[p.group as usize].wraps_cache {
                let first = cache_readers.entry(p.caller).or_insert((p.order, lookup));
                if p.order < first.0 {
                    *first = (p.order, lookup);
                }
            }
        }
        watchers.sort_unstable();
        // Each group's calls, by group (a flat table again).
        let mut members: Vec<(u32, usize)> = pending
            .iter()
            .enumerate()
            .map(|(id, p)| (p.group, id))
            .collect();
        members.sort_unstable();
        let mut ready: Vec<usize> = (0..pending.len())
            .filter(|&id| groups[pending[id].group as usize].remaining == 0)
            .collect();
        while !ready.is_empty() {
            // File order, then call order: the first ready call of a function is its reason.
            ready.sort_unstable_by_key(|&id| (pending[id].caller.0, pending[id].order));
            let mut added = Vec::new();
            for &id in &ready {
                let p = &pending[id];
                let group = &groups[p.group as usize];
                let target = group.first_candidate;
                if target == p.caller || query_functions.contains_key(&p.caller) {
                    continue;
                }
                query_functions.insert(
                    p.caller,
                    Why::Calls {
                        target,
                        by_name: group.by_name,
                        order: p.order,
                    },
                );
                added.push(p.caller);
            }
            ready.clear();
            for function in added {
                for group in values_of(&watchers, function) {
                    let g = &mut groups[group as usize];
                    g.remaining -= 1;
                    if g.remaining == 0 {
                        ready.extend(
                            values_of(&members, group)
                                .filter(|&id| !query_functions.contains_key(&pending[id].caller)),
                        );
                    }
                }
            }
        }
        Ok(Repo {
            files,
            names,
            query_functions,
            cache_readers,
            definitions,
            hierarchy,
            edge_count,
        })
    }

    /// Whether (and how) a call of `file` reaches the database.
    pub fn reach(&self, file: &AppFile, call: &Call) -> Option<Reach> {
        if call.db.is_some() {
            return Some(Reach::Direct(
                call.db_api.clone().unwrap_or_else(|| call.callee.clone()),
            ));
        }
        let (callee, ty) = self.key_of(call)?;
        let receiver = call.chain.last().map(String::as_str);
        self.reach_key(
            &caller_owner(file, call),
            callee,
            call.arity as u32,
            receiver,
            ty,
        )
    }

    /// The callee's name and the receiver's type as the index numbers them; `None` when
    /// the index lacks either (no function or class of the repository).
    fn key_of(&self, call: &Call) -> Option<(Name, TypeKey)> {
        // A name the index lacks is no function of the repository.
        let callee = self.names.id(&call.callee)?;
        let ty = match &call.receiver_type {
            ReceiverType::Untyped => TypeKey::Untyped,
            ReceiverType::Unknown => TypeKey::Unknown,
            ReceiverType::Library => TypeKey::Library,
            // A class the index lacks is no class of the repository.
            ReceiverType::Class(class) => TypeKey::Class(self.names.id(class)?),
            ReceiverType::Base(class) => TypeKey::Base(self.names.id(class)?),
            // Nor is a module it lacks a module of the repository.
            ReceiverType::Module(None) => TypeKey::Module(NO_NAME),
            ReceiverType::Module(Some(module)) => {
                TypeKey::Module(self.names.id(&normalise(module))?)
            }
            // A chain starting on a class the index lacks: its return types are unknown.
            ReceiverType::Returned { class, methods } => {
                match (self.names.id(class), self.names.id(&methods.join("."))) {
                    (Some(class), Some(chain)) => self
                        .hierarchy
                        .settle(self.names, TypeKey::Returned { class, chain }),
                    _ => TypeKey::Unknown,
                }
            }
        };
        Some((callee, ty))
    }

    fn targets(
        &self,
        callee: Name,
        arity: u32,
        receiver: Option<&str>,
        ty: TypeKey,
    ) -> Vec<FunctionRef> {
        candidates(
            &Lookup {
                definitions: &self.definitions,
                files: self.files,
                names: self.names,
                hierarchy: &self.hierarchy,
            },
            callee,
            arity,
            receiver,
            ty,
        )
    }

    /// Whether the call itself was matched by name alone: from a typed language, its
    /// receiver's type was unknown; from an untyped one, no receiver narrowed it and none
    /// of the candidates is in the caller's own class or module (`caller_owner`).
    fn guessed(
        &self,
        ty: TypeKey,
        receiver: Option<&str>,
        candidates: &[FunctionRef],
        caller_owner: &str,
    ) -> bool {
        if ty != TypeKey::Untyped {
            return ty.is_guess();
        }
        let narrowed_by_receiver = receiver.is_some_and(|r| !is_self(&normalise(r)));
        // A bare or `this.` call means the caller's own class (or module) when it has a
        // function of that name; only when none does is the match a guess.
        !narrowed_by_receiver
            && !candidates.iter().any(|&(fi, f)| {
                self.names
                    .get(self.files[fi as usize].functions[f as usize].owner)
                    == caller_owner
            })
    }

    /// `reach` for a call known by its index numbers, made in a function of `caller_owner`.
    fn reach_key(
        &self,
        caller_owner: &str,
        callee: Name,
        arity: u32,
        receiver: Option<&str>,
        ty: TypeKey,
    ) -> Option<Reach> {
        let candidates = self.targets(callee, arity, receiver, ty);
        let all_query = !candidates.is_empty()
            && candidates
                .iter()
                .all(|d| self.query_functions.contains_key(d));
        let target = *candidates.first().filter(|_| all_query)?;
        let by_name = self.guessed(ty, receiver, &candidates, caller_owner)
            || (ty != TypeKey::Untyped && self.rests_on_names(target));
        Some(Reach::Method {
            function: target,
            by_name,
        })
    }

    /// When every function of the repository `call` can mean loops over a parameter and
    /// runs a query per item (`ir::ParamLoopCall`): the first one's loop and query, and
    /// whether the call was matched to them by name alone.
    /// `walks` tells whether the loop walks what the call passes (by the parameter's
    /// position or name).
    pub fn param_loop_query(
        &self,
        file: &AppFile,
        call: &Call,
        walks: &dyn Fn(&ParamLoopCall) -> bool,
    ) -> Option<ParamLoopQuery<'a>> {
        if call.db.is_some() {
            return None;
        }
        let (callee, ty) = self.key_of(call)?;
        let receiver = call.chain.last().map(String::as_str);
        let candidates = self.targets(callee, call.arity as u32, receiver, ty);
        let by_name = self.guessed(ty, receiver, &candidates, &caller_owner(file, call));
        let mut first = None;
        for &(fi, f) in &candidates {
            let index = &self.files[fi as usize];
            let owner = self.names.get(index.functions[f as usize].owner);
            let found = index
                .param_loop_calls
                .iter()
                .filter(|p| p.function == f && walks(p))
                .find_map(|p| {
                    let reach = match p.db_api {
                        Some(api) => Reach::Direct(self.names.get(api).to_string()),
                        None => {
                            let receiver =
                                (p.receiver != NO_NAME).then(|| self.names.get(p.receiver));
                            let ty = self.hierarchy.settle(self.names, p.receiver_type);
                            self.reach_key(owner, p.callee, p.arity, receiver, ty)?
                        }
                    };
                    Some((p, reach))
                });
            let (inner, reach) = found?;
            first.get_or_insert(ParamLoopQuery {
                function: (fi, f),
                path: &index.path,
                inner,
                reach,
                by_name,
            });
        }
        first
    }

    /// Whether every function of the repository `call` can mean passes `test` (its file's
    /// index and its number there), and there is one: `Some(by_name)`, whether the call was
    /// matched by name alone; `None` otherwise (`connection-leak-on-exception`'s helpers).
    pub fn every_target(
        &self,
        file: &AppFile,
        call: &Call,
        test: &dyn Fn(&FileIndex, u32) -> bool,
    ) -> Option<bool> {
        if call.db.is_some() {
            return None;
        }
        let (callee, ty) = self.key_of(call)?;
        let receiver = call.chain.last().map(String::as_str);
        let candidates = self.targets(callee, call.arity as u32, receiver, ty);
        let all = !candidates.is_empty()
            && candidates
                .iter()
                .all(|&(fi, f)| test(&self.files[fi as usize], f));
        all.then(|| self.guessed(ty, receiver, &candidates, &caller_owner(file, call)))
    }

    /// Whether a query method is one through a call resolved by name from a typed
    /// language, anywhere along its chain.
    fn rests_on_names(&self, start: FunctionRef) -> bool {
        let mut current = start;
        let mut seen = HashSet::new();
        while seen.insert(current) {
            match self.query_functions.get(&current) {
                Some(Why::Calls {
                    target, by_name, ..
                }) => {
                    if *by_name {
                        return true;
                    }
                    current = *target;
                }
                _ => return false,
            }
        }
        false
    }

    /// `GetProvider (ProviderRepository.cs:12) → Dapper QueryFirstOrDefault (ProviderRepository.cs:15)`.
    pub fn chain(&self, start: FunctionRef) -> String {
        let mut parts = Vec::new();
        let mut current = start;
        let mut seen = HashSet::new();
        while seen.insert(current) && parts.len() < 6 {
            let file = &self.files[current.0 as usize];
            let function = &file.functions[current.1 as usize];
            let owner = if function.class == NO_NAME {
                String::new()
            } else {
                format!("{}.", self.names.get(function.class))
            };
            parts.push(format!(
                "{owner}{} ({}:{})",
                self.names.get(function.name),
                file.path,
                function.line
            ));
            match self.query_functions.get(&current) {
                Some(Why::Direct { api, line, .. }) => {
                    parts.push(format!("{} ({}:{line})", self.names.get(*api), file.path));
                    break;
                }
                Some(Why::Calls { target, .. }) => current = *target,
                None => break,
            }
        }
        parts.join(" → ")
    }

    /// The in-process database (`AppFile::embedded_database`) of the file holding the
    /// catalogued call that `reach` ends at: `file`'s own for a direct call, else the file
    /// of the last function of the chain.
    pub fn embedded_database<'f>(&'f self, file: &'f AppFile, reach: &Reach) -> Option<&'f str> {
        let Reach::Method { function, .. } = reach else {
            return file.embedded_database.as_deref();
        };
        let mut current = *function;
        let mut seen = HashSet::new();
        while seen.insert(current) {
            match self.query_functions.get(&current) {
                Some(Why::Calls { target, .. }) => current = *target,
                Some(Why::Direct { .. }) => {
                    return self.files[current.0 as usize].embedded_database.as_deref();
                }
                None => return None,
            }
        }
        None
    }

    /// The catalogued call a chain to the database ends at, when it writes rather than
    /// reads rows (`DirectCall::reads` false: `executeUpdate`, `persist`): the call's
    /// catalogue entry. The chain is the one the resolution found first (each function's
    /// first call that reaches the database), as `chain` shows it.
    pub fn chain_ends_in_write(&self, reach: &Reach) -> Option<&str> {
        let Reach::Method { function, .. } = reach else {
            return None;
        };
        let mut current = *function;
        let mut seen = HashSet::new();
        while seen.insert(current) && seen.len() <= 16 {
            match self.query_functions.get(&current)? {
                Why::Calls { target, .. } => current = *target,
                Why::Direct { reads: true, .. } => return None,
                Why::Direct { api, .. } => return Some(self.names.get(*api)),
            }
        }
        None
    }

    /// The first function along the chain from `reach` to the database that reads a cache
    /// before its query (`ir::CacheRead`), when the chain ends in a read of rows (a write
    /// after a lookup, `item = items.get(k); delete(item)`, runs every time): the
    /// function's name as `chain` shows it and the cache's field (or annotation). A call
    /// through it runs the query once per key, not once per call. `skip_first`: the
    /// function `reach` names does not count (the caller hands it the loop's item, its
    /// own key, which misses for every item).
    pub fn cached_on_chain(&self, reach: &Reach, skip_first: bool) -> Option<(String, String)> {
        let Reach::Method { function, .. } = reach else {
            return None;
        };
        let mut chain = Vec::new();
        let mut current = *function;
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(current) || seen.len() > 16 {
                return None;
            }
            let why = self.query_functions.get(&current)?;
            chain.push((current, why.order()));
            match why {
                Why::Calls { target, .. } => current = *target,
                Why::Direct { reads, .. } if *reads => break,
                Why::Direct { .. } => return None,
            }
        }
        chain
            .into_iter()
            .skip(usize::from(skip_first))
            .find_map(|(function, order)| {
                let field = self.cache_read_before(function, Some(order)).or_else(|| {
                    self.cache_readers
                        .get(&function)
                        .filter(|(read, _)| *read < order)
                        .map(|&(_, lookup)| lookup)
                })?;
                let file = &self.files[function.0 as usize];
                let f = &file.functions[function.1 as usize];
                let name = if f.class == NO_NAME {
                    self.names.get(f.name).to_string()
                } else {
                    format!("{}.{}", self.names.get(f.class), self.names.get(f.name))
                };
                Some((name, self.names.get(field).to_string()))
            })
    }

    /// The field of a cache `function` reads before the call at `before` (any of its
    /// reads when `before` is `None`). A read through an object of a project class
    /// (`rooms.get(name)`) counts when every method it can mean reads a cache itself.
    fn cache_read_before(&self, function: FunctionRef, before: Option<u32>) -> Option<Name> {
        let file = &self.files[function.0 as usize];
        file.cache_reads
            .iter()
            .filter(|r| r.function == function.1)
            .filter(|r| match (r.order, before) {
                (Some(read), Some(query)) => read < query,
                _ => true,
            })
            .find(|r| {
                if r.through_class == NO_NAME {
                    return true;
                }
                // One step through the project class only: its method must read a cache
                // directly.
                let targets = self.targets(
                    r.through_method,
                    r.through_arity,
                    None,
                    TypeKey::Class(r.through_class),
                );
                !targets.is_empty()
                    && targets.iter().all(|&(fi, f)| {
                        self.files[fi as usize]
                            .cache_reads
                            .iter()
                            .any(|t| t.function == f && t.through_class == NO_NAME)
                    })
            })
            .map(|r| r.field)
    }

    /// The text of a name of the index.
    pub fn name(&self, id: Name) -> &str {
        self.names.get(id)
    }

    pub fn query_method_count(&self) -> usize {
        self.query_functions.len()
    }
}

/// A function a call passes a collection to, which loops over its parameter and runs a
/// query per item (`Repo::param_loop_query`).
pub struct ParamLoopQuery<'a> {
    pub function: FunctionRef,
    /// The function's file.
    pub path: &'a str,
    /// The query call in its loop.
    pub inner: &'a ParamLoopCall,
    /// How that call reaches the database.
    pub reach: Reach,
    /// The call site was matched to the function by name and argument count alone.
    pub by_name: bool,
}

/// The normalised class or module of the function a call is made in.
fn caller_owner(file: &AppFile, call: &Call) -> String {
    let class = call
        .function
        .and_then(|f| file.functions.get(f))
        .and_then(|f| f.class.as_deref());
    owner(&file.path, class)
}

/// What `candidates` looks definitions up in.
struct Lookup<'l> {
    definitions: &'l Definitions,
    files: &'l [FileIndex],
    names: &'l NameTable,
    hierarchy: &'l Hierarchy,
}

/// The definitions a call can mean: same name and arity, and a receiver that can be an
/// instance of the definition's class (by its type when known, else by its name).
fn candidates(
    lookup: &Lookup,
    callee: Name,
    arity: u32,
    receiver: Option<&str>,
    ty: TypeKey,
) -> Vec<FunctionRef> {
    let Lookup {
        definitions,
        files,
        names,
        hierarchy,
    } = lookup;
    let Some(defs) = definitions.get(&(callee, arity)) else {
        return Vec::new();
    };
    match ty {
        TypeKey::Library => return Vec::new(),
        TypeKey::Class(class) => {
            // A type that is no class of the repository is a library's.
            if !hierarchy.is_class(class) {
                return Vec::new();
            }
            return defs
                .iter()
                .copied()
                .filter(|&(fi, f)| {
                    let def = &files[fi as usize].functions[f as usize];
                    !def.is_abstract
                        && def.class != NO_NAME
                        && (def.class == class
                            || hierarchy.derives(def.class, class)
                            || hierarchy.derives(class, def.class)
                            || hierarchy.inherited_below(class, def.class))
                })
                .collect();
        }
        TypeKey::Base(class) => {
            // `super.m()`: the definitions of the nearest classes `class` derives from that
            // define `m` (its own override is the caller); none when its bases are not the
            // repository's.
            return hierarchy.nearest_in_bases(class, |base| {
                defs.iter()
                    .copied()
                    .filter(|&(fi, f)| {
                        let def = &files[fi as usize].functions[f as usize];
                        !def.is_abstract && def.class == base
                    })
                    .collect()
            });
        }
        TypeKey::Module(module) => {
            // A module's functions, not methods: of that module (its owner is its
            // normalised file stem), or of any when the source does not say which.
            return defs
                .iter()
                .copied()
                .filter(|&(fi, f)| {
                    let def = &files[fi as usize].functions[f as usize];
                    def.class == NO_NAME && (module == NO_NAME || def.owner == module)
                })
                .collect();
        }
        // Settled before (`Hierarchy::settle`); unsettled, a guess by name.
        TypeKey::Untyped | TypeKey::Unknown | TypeKey::Returned { .. } => {}
    }
    // Only the definitions the receiver can plausibly mean: `_providerRepository.GetProvider`
    // means a method of ProviderRepository, `userRepo.findById` a function of userRepo.js;
    // `Paths.get(...)` or `pattern.exec(...)` mean none of the repository's functions.
    let receiver = receiver.map(normalise);
    defs.iter()
        .copied()
        .filter(|&(fi, f)| {
            plausible_target(
                receiver.as_deref(),
                names.get(files[fi as usize].functions[f as usize].owner),
            )
        })
        .collect()
}

/// Whether a call's (normalised) receiver can refer to the definition's (normalised)
/// class or module.
fn plausible_target(receiver: Option<&str>, owner: &str) -> bool {
    let Some(receiver) = receiver else {
        return true;
    };
    if is_self(receiver) {
        return true;
    }
    !owner.is_empty()
        && !receiver.is_empty()
        && (owner.contains(receiver) || receiver.contains(owner))
}

/// A receiver that names the caller's own object or class.
fn is_self(receiver: &str) -> bool {
    matches!(receiver, "this" | "self" | "base" | "super" | "cls")
}

/// The class of a method (without an interface's `I`), or the module of a module-level
/// function (`userRepo.findById` names userRepo.js), normalised.
pub fn owner(path: &str, class: Option<&str>) -> String {
    match class {
        Some(class) if !class.is_empty() => normalise(class.trim_start_matches(|c: char| {
            c == 'I' && class.len() > 1 && class[1..].starts_with(char::is_uppercase)
        })),
        _ => {
            let path = std::path::Path::new(path);
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            // A package's `__init__.py` is the module named by its directory.
            let stem = match stem {
                "__init__" => path
                    .parent()
                    .and_then(|p| p.file_name())
                    .and_then(|s| s.to_str())
                    .unwrap_or(stem),
                _ => stem,
            };
            normalise(stem)
        }
    }
}

/// `_providerRepository` -> `providerrepository`; `user-repo` -> `userrepo`.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ir::AppFile;
    use crate::app::rules::{Check, ALL};

    /// Every rule's findings on `files`, as comparable text: the file rules on the full
    /// facts, the repository rules on the index and rule facts `split` leaves (pruned or
    /// not).
    fn findings(files: &[AppFile], prune: bool) -> Vec<String> {
        let mut found = Vec::new();
        let names = crate::app::ir::Names::default();
        let mut indexes = Vec::new();
        let mut edges = Vec::new();
        let mut rule_facts = Vec::new();
        for file in files {
            for rule in ALL {
                if let Check::File(check) = rule.check {
                    let mut raw = Vec::new();
                    check(file, &mut raw);
                    found.extend(raw.into_iter().map(|r| (file.path.clone(), r)));
                }
            }
            let split = file.clone().split_pruning(&names, prune);
            indexes.push(split.index);
            edges.push(split.edges);
            rule_facts.push(split.facts);
        }
        let names = names.take();
        let repo =
            Repo::new(&indexes, &names, |fi| Ok(edges[fi].clone())).expect("edges in memory");
        for (index, facts) in indexes.iter().zip(rule_facts) {
            let Some(facts) = facts else { continue };
            let file = AppFile::for_repository_rules(index, facts, &names);
            for rule in ALL {
                if let Check::Repository(check) = rule.check {
                    let mut raw = Vec::new();
                    check(&repo, &file, &mut raw);
                    found.extend(raw.into_iter().map(|r| (file.path.clone(), r)));
                }
            }
        }
        found
            .iter()
            .map(|(path, f)| {
                let related: Vec<&str> = f.related.iter().map(|r| r.text.as_str()).collect();
                format!(
                    "{} {}:{}:{} {:?} {} {:?} {:?}",
                    f.rule.name, path, f.line, f.column, f.object, f.message, related, f.confidence
                )
            })
            .collect()
    }

    fn extract_dir(dir: &std::path::Path) -> Vec<AppFile> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                crate::app::extract(&p.to_string_lossy(), &text)
            })
            .collect()
    }

    /// `split` drops the calls no rule reads and merges repeated edges: the rules must find
    /// exactly what they find on the full facts, reasons and chains included, on every
    /// fixture.
    #[test]
    fn pruned_facts_give_the_same_findings_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/app");
        let mut dirs = Vec::new();
        for language in std::fs::read_dir(&root).expect("fixtures/app exists") {
            let language = language.expect("readable fixtures").path();
            // `fixtures/app/README.md` (the shapes × language matrix) is no language.
            if !language.is_dir() {
                continue;
            }
            for case in std::fs::read_dir(&language).expect("readable fixtures") {
                dirs.push(case.expect("readable fixtures").path());
            }
        }
        dirs.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/app"));
        let mut compared = 0;
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            let files = extract_dir(dir);
            let expected = findings(&files, false);
            assert_eq!(findings(&files, true), expected, "{}", dir.display());
            compared += expected.len();
        }
        assert!(
            compared > 20,
            "the fixtures produce findings to compare ({compared})"
        );
    }

    /// A receiver that is a call (`Stores.instance().ledger()`) is the type its last
    /// method is declared to return, through an abstract factory method and an interface's
    /// implementation: the N+1 is certain. Where overloads of a step disagree on their
    /// return type, the receiver is unknown and nothing is certain.
    #[test]
    fn call_results_resolve_by_declared_return_types() {
        let stores = r#"
import org.springframework.jdbc.core.JdbcTemplate;
abstract class Stores {
    static Stores instance() { return null; }
    abstract Ledger ledger();
    Ledger named(String name) { return null; }
    Cache named(int id) { return null; }
}
interface Ledger { long balance(long id); }
class JdbcLedger implements Ledger {
    private JdbcTemplate jdbcTemplate;
    public long balance(long id) {
        return jdbcTemplate.queryForObject("SELECT sum(points) FROM ledger WHERE id = ?", Long.class, id);
    }
}
class Cache { public long balance(long id) { return 0; } }
"#;
        let report = r#"
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
class Report {
    private JdbcTemplate jdbcTemplate;
    void typed() {
        List<Long> ids = jdbcTemplate.queryForList("SELECT id FROM members", Long.class);
        for (Long id : ids) { Stores.instance().ledger().balance(id); }
    }
    void overloaded() {
        List<Long> ids = jdbcTemplate.queryForList("SELECT id FROM members", Long.class);
        for (Long id : ids) { Stores.instance().named("a").balance(id); }
    }
}
"#;
        let files = vec![
            crate::app::extract("Stores.java", stores).expect("Java"),
            crate::app::extract("Report.java", report).expect("Java"),
        ];
        let found = findings(&files, true);
        let n_plus_one: Vec<&String> = found
            .iter()
            .filter(|f| f.starts_with("n-plus-one Report.java"))
            .collect();
        assert!(
            n_plus_one
                .iter()
                .any(|f| f.contains("ledger().balance(id)") && f.contains("level: High")),
            "{found:#?}"
        );
        assert!(
            !n_plus_one
                .iter()
                .any(|f| f.contains("named(") && f.contains("level: High")),
            "{found:#?}"
        );
    }

    /// A query method reached only through calls outside loops (edges only, after
    /// `split`) still makes the loop's call an n-plus-one, with the whole chain as its
    /// reason.
    #[test]
    fn query_methods_resolve_through_edges() {
        let repository = r#"
public class ProviderRepository {
    private readonly IDbConnection _db;
    public Provider Load(int id) { return _db.QueryFirst<Provider>("SELECT Id FROM Providers WHERE Id = @id", new { id }); }
    public Provider GetProvider(int id) { Log(id); return Load(id); }
    private void Log(int id) { }
}"#;
        let service = r#"
public class AppointmentService {
    public void Run() {
        var appointments = _context.Appointments.ToList();
        foreach (var a in appointments) { _providerRepository.GetProvider(a.ProviderId); }
    }
}"#;
        let files = vec![
            crate::app::extract("ProviderRepository.cs", repository).expect("C#"),
            crate::app::extract("AppointmentService.cs", service).expect("C#"),
        ];
        let split = files[0].clone().split(&crate::app::ir::Names::default());
        assert!(
            !split.edges.is_empty() && split.facts.is_none(),
            "calls outside loops became edges, and the repository keeps no rule facts"
        );
        let expected = findings(&files, false);
        let found = findings(&files, true);
        assert_eq!(found, expected);
        assert!(
            found.iter().any(|f| f.starts_with("n-plus-one")
                && f.contains("GetProvider")
                && f.contains("Load")
                && f.contains("QueryFirst")),
            "{found:#?}"
        );
    }
}

#[cfg(test)]
mod cache_tests {
    use super::cache_receiver;
    fn reads_cache(call: &Call) -> bool {
        cache_receiver(call).is_some()
    }
    use crate::app::ir::Call;

    fn call(callee: &str, chain: &[&str]) -> Call {
        let mut call = Call::for_test(callee, "", 1);
        call.chain = chain.iter().map(|c| c.to_string()).collect();
        call.receiver_root = chain.first().map(|c| c.to_string());
        call
    }

    #[test]
    fn a_cache_read_is_a_lookup_on_a_receiver_named_for_a_cache() {
        assert!(reads_cache(&call("get", &["listsCache"])));
        assert!(reads_cache(&call("get", &["this", "cache"])));
        assert!(reads_cache(&call("TryGetValue", &["_memoryCache"])));
        // A lookup in a map that is no cache, a write to a cache, a bare call.
        assert!(!reads_cache(&call("get", &["reserved"])));
        assert!(!reads_cache(&call("put", &["priceCache"])));
        assert!(!reads_cache(&call("get", &[])));
    }
}
