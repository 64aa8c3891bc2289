//! Query methods across the repository: a function that runs a database call, directly
//! or through other such functions, is itself a query method. Calls are resolved by name
//! and arity, as far as static analysis without types allows: a call counts only when
//! every function of the repository with that name and arity is a query method.

use std::collections::{HashMap, HashSet};

use super::ir::{AppFile, Call};

/// How a call reaches the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The call is itself a catalogued database call (`ADO.NET ExecuteReader`).
    Direct(String),
    /// The call resolves to query methods of the repository; the first one is named.
    Method {
        function: (usize, usize),
        path: String,
    },
}

pub struct Repo<'a> {
    pub files: &'a [AppFile],
    /// (file, function) -> why it is a query method.
    query_functions: HashMap<(usize, usize), Why>,
    definitions: Definitions,
}

/// Function name -> arity -> (file, function) definitions.
type Definitions = HashMap<String, HashMap<usize, Vec<(usize, usize)>>>;

#[derive(Debug, Clone)]
enum Why {
    Direct { call: usize },
    Calls { target: (usize, usize) },
}

impl<'a> Repo<'a> {
    pub fn new(files: &'a [AppFile]) -> Repo<'a> {
        let mut definitions: Definitions = HashMap::new();
        for (fi, file) in files.iter().enumerate() {
            for (f, function) in file.functions.iter().enumerate() {
                definitions
                    .entry(function.name.clone())
                    .or_default()
                    .entry(function.arity)
                    .or_default()
                    .push((fi, f));
            }
        }
        let mut query_functions: HashMap<(usize, usize), Why> = HashMap::new();
        for (fi, file) in files.iter().enumerate() {
            for (ci, call) in file.calls.iter().enumerate() {
                if let (Some(f), Some(_)) = (call.function, call.db) {
                    query_functions
                        .entry((fi, f))
                        .or_insert(Why::Direct { call: ci });
                }
            }
        }
        // Fixed point: callers of query methods are query methods.
        loop {
            let mut added = Vec::new();
            for (fi, file) in files.iter().enumerate() {
                for call in &file.calls {
                    let Some(f) = call.function else {
                        continue;
                    };
                    if query_functions.contains_key(&(fi, f)) || call.db.is_some() {
                        continue;
                    }
                    if let Some(target) =
                        resolve_all_query(files, &definitions, &query_functions, call)
                    {
                        if target != (fi, f) {
                            added.push(((fi, f), Why::Calls { target }));
                        }
                    }
                }
            }
            if added.is_empty() {
                break;
            }
            for (key, why) in added {
                query_functions.entry(key).or_insert(why);
            }
        }
        Repo {
            files,
            query_functions,
            definitions,
        }
    }

    /// Whether (and how) a call reaches the database.
    pub fn reach(&self, call: &Call) -> Option<Reach> {
        if call.db.is_some() {
            return Some(Reach::Direct(
                call.db_api.clone().unwrap_or_else(|| call.callee.clone()),
            ));
        }
        let target = resolve_all_query(self.files, &self.definitions, &self.query_functions, call)?;
        Some(Reach::Method {
            function: target,
            path: self.files[target.0].path.clone(),
        })
    }

    /// `GetProvider (ProviderRepository.cs:12) → Dapper QueryFirstOrDefault (ProviderRepository.cs:15)`.
    pub fn chain(&self, start: (usize, usize)) -> String {
        let mut parts = Vec::new();
        let mut current = start;
        let mut seen = HashSet::new();
        while seen.insert(current) && parts.len() < 6 {
            let file = &self.files[current.0];
            let function = &file.functions[current.1];
            let owner = function
                .class
                .as_deref()
                .map(|c| format!("{c}."))
                .unwrap_or_default();
            parts.push(format!(
                "{owner}{} ({}:{})",
                function.name, file.path, function.start.line
            ));
            match self.query_functions.get(&current) {
                Some(Why::Direct { call }) => {
                    let c = &file.calls[*call];
                    parts.push(format!(
                        "{} ({}:{})",
                        c.db_api.clone().unwrap_or_else(|| c.callee.clone()),
                        file.path,
                        c.start.line
                    ));
                    break;
                }
                Some(Why::Calls { target, .. }) => current = *target,
                None => break,
            }
        }
        parts.join(" → ")
    }

    pub fn query_method_count(&self) -> usize {
        self.query_functions.len()
    }
}

fn resolve_all_query(
    files: &[AppFile],
    definitions: &Definitions,
    query_functions: &HashMap<(usize, usize), Why>,
    call: &Call,
) -> Option<(usize, usize)> {
    let defs = definitions.get(call.callee.as_str())?.get(&call.arity)?;
    // Only the definitions the receiver can plausibly mean: `_providerRepository.GetProvider`
    // means a method of ProviderRepository, `userRepo.findById` a function of userRepo.js;
    // `Paths.get(...)` or `pattern.exec(...)` mean none of the repository's functions.
    let candidates: Vec<&(usize, usize)> = defs
        .iter()
        .filter(|d| plausible_target(files, call, **d))
        .collect();
    if !candidates.is_empty() && candidates.iter().all(|d| query_functions.contains_key(d)) {
        candidates.first().map(|d| **d)
    } else {
        None
    }
}

/// Whether a call's receiver can refer to the definition's class or module.
fn plausible_target(files: &[AppFile], call: &Call, (fi, f): (usize, usize)) -> bool {
    let function = &files[fi].functions[f];
    let receiver = match call.chain.last() {
        None => return true,
        Some(r) => normalise(r),
    };
    if matches!(
        receiver.as_str(),
        "this" | "self" | "base" | "super" | "cls"
    ) {
        return true;
    }
    let owner = match &function.class {
        Some(class) if !class.is_empty() => normalise(class.trim_start_matches(|c: char| {
            c == 'I' && class.len() > 1 && class[1..].starts_with(char::is_uppercase)
        })),
        // A module-level function: the receiver names its module (`userRepo.findById`).
        _ => {
            let stem = std::path::Path::new(&files[fi].path)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            normalise(&stem)
        }
    };
    !owner.is_empty()
        && !receiver.is_empty()
        && (owner.contains(&receiver) || receiver.contains(&owner))
}

/// `_providerRepository` -> `providerrepository`; `user-repo` -> `userrepo`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}
