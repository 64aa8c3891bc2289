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
                    if let Some(target) = resolve_all_query(&definitions, &query_functions, call) {
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
        let target = resolve_all_query(&self.definitions, &self.query_functions, call)?;
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
    definitions: &Definitions,
    query_functions: &HashMap<(usize, usize), Why>,
    call: &Call,
) -> Option<(usize, usize)> {
    let defs = definitions.get(call.callee.as_str())?.get(&call.arity)?;
    if defs.iter().all(|d| query_functions.contains_key(d)) {
        defs.first().copied()
    } else {
        None
    }
}
