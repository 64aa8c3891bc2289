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
    /// Each function's class or module name, normalised, as calls' receivers are compared with it.
    owners: Vec<Vec<String>>,
}

/// Function name -> arity -> (file, function) definitions.
type Definitions = HashMap<String, HashMap<usize, Vec<(usize, usize)>>>;

#[derive(Debug, Clone)]
enum Why {
    Direct { call: usize },
    Calls { target: (usize, usize) },
}

/// A call of a function of the repository, waiting for all the definitions it can mean to
/// become query methods.
struct PendingCall {
    caller: (usize, usize),
    /// The call's place among its file's calls.
    order: usize,
    first_candidate: (usize, usize),
    /// Candidates not yet known to be query methods.
    remaining: usize,
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
        let owners: Vec<Vec<String>> = files
            .iter()
            .map(|file| file.functions.iter().map(|f| owner(file, f)).collect())
            .collect();
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
        // Fixed point, in rounds: callers of query methods are query methods. Each call
        // counts down the definitions it can mean that are not query methods yet; a round
        // adds the functions whose first call (in file order) reached zero in the round
        // before, naming that call's first definition as the reason.
        let mut pending: Vec<PendingCall> = Vec::new();
        let mut watchers: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        let mut ready: Vec<usize> = Vec::new();
        for (fi, file) in files.iter().enumerate() {
            // The calls rules read, and the edges `compact` made of the others.
            let calls = file.calls.iter().enumerate().filter_map(|(ci, call)| {
                let order = file.call_order.get(ci).map_or(ci, |&o| o as usize);
                let receiver = call.chain.last().map(String::as_str);
                let f = call.function.filter(|_| call.db.is_none())?;
                Some((f, order, call.callee.as_str(), call.arity, receiver))
            });
            let edges = file.edges.iter().map(|e| {
                let receiver = e.receiver.as_deref();
                (
                    e.function as usize,
                    e.order as usize,
                    &*e.callee,
                    e.arity as usize,
                    receiver,
                )
            });
            for (f, order, callee, arity, receiver) in calls.chain(edges) {
                if query_functions.contains_key(&(fi, f)) {
                    continue;
                }
                let candidates = candidates(&definitions, &owners, callee, arity, receiver);
                let Some(&first_candidate) = candidates.first() else {
                    continue;
                };
                let id = pending.len();
                let mut remaining = 0;
                for candidate in candidates {
                    if !query_functions.contains_key(&candidate) {
                        remaining += 1;
                        watchers.entry(candidate).or_default().push(id);
                    }
                }
                if remaining == 0 {
                    ready.push(id);
                }
                pending.push(PendingCall {
                    caller: (fi, f),
                    order,
                    first_candidate,
                    remaining,
                });
            }
        }
        while !ready.is_empty() {
            // File order, then call order: the first ready call of a function is its reason.
            ready.sort_unstable_by_key(|&id| (pending[id].caller.0, pending[id].order));
            let mut added = Vec::new();
            for &id in &ready {
                let p = &pending[id];
                if p.first_candidate == p.caller || query_functions.contains_key(&p.caller) {
                    continue;
                }
                query_functions.insert(
                    p.caller,
                    Why::Calls {
                        target: p.first_candidate,
                    },
                );
                added.push(p.caller);
            }
            ready.clear();
            for function in added {
                for &id in watchers.get(&function).map(Vec::as_slice).unwrap_or(&[]) {
                    let p = &mut pending[id];
                    p.remaining -= 1;
                    if p.remaining == 0 && !query_functions.contains_key(&p.caller) {
                        ready.push(id);
                    }
                }
            }
        }
        Repo {
            files,
            query_functions,
            definitions,
            owners,
        }
    }

    /// Whether (and how) a call reaches the database.
    pub fn reach(&self, call: &Call) -> Option<Reach> {
        if call.db.is_some() {
            return Some(Reach::Direct(
                call.db_api.clone().unwrap_or_else(|| call.callee.clone()),
            ));
        }
        let receiver = call.chain.last().map(String::as_str);
        let candidates = candidates(
            &self.definitions,
            &self.owners,
            &call.callee,
            call.arity,
            receiver,
        );
        let all_query = !candidates.is_empty()
            && candidates
                .iter()
                .all(|d| self.query_functions.contains_key(d));
        let target = *candidates.first().filter(|_| all_query)?;
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

/// The definitions a call can mean: same name and arity, and a plausible receiver.
fn candidates(
    definitions: &Definitions,
    owners: &[Vec<String>],
    callee: &str,
    arity: usize,
    receiver: Option<&str>,
) -> Vec<(usize, usize)> {
    let Some(defs) = definitions
        .get(callee)
        .and_then(|by_arity| by_arity.get(&arity))
    else {
        return Vec::new();
    };
    // Only the definitions the receiver can plausibly mean: `_providerRepository.GetProvider`
    // means a method of ProviderRepository, `userRepo.findById` a function of userRepo.js;
    // `Paths.get(...)` or `pattern.exec(...)` mean none of the repository's functions.
    let receiver = receiver.map(normalise);
    defs.iter()
        .copied()
        .filter(|&(fi, f)| plausible_target(receiver.as_deref(), &owners[fi][f]))
        .collect()
}

/// Whether a call's (normalised) receiver can refer to the definition's (normalised)
/// class or module.
fn plausible_target(receiver: Option<&str>, owner: &str) -> bool {
    let Some(receiver) = receiver else {
        return true;
    };
    if matches!(receiver, "this" | "self" | "base" | "super" | "cls") {
        return true;
    }
    !owner.is_empty()
        && !receiver.is_empty()
        && (owner.contains(receiver) || receiver.contains(owner))
}

/// The class of a method (without an interface's `I`), or the module of a module-level
/// function (`userRepo.findById` names userRepo.js), normalised.
fn owner(file: &AppFile, function: &super::ir::Function) -> String {
    match &function.class {
        Some(class) if !class.is_empty() => normalise(class.trim_start_matches(|c: char| {
            c == 'I' && class.len() > 1 && class[1..].starts_with(char::is_uppercase)
        })),
        _ => {
            let stem = std::path::Path::new(&file.path)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("");
            normalise(stem)
        }
    }
}

/// `_providerRepository` -> `providerrepository`; `user-repo` -> `userrepo`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::rules::{AppFinding, ALL};

    /// Every rule's findings on `files`, as comparable text.
    fn findings(files: &[AppFile]) -> Vec<String> {
        let repo = Repo::new(files);
        let mut found: Vec<AppFinding> = Vec::new();
        for rule in ALL {
            (rule.check)(&repo, &mut found);
        }
        found
            .iter()
            .map(|f| {
                let related: Vec<&str> = f.raw.related.iter().map(|r| r.text.as_str()).collect();
                format!(
                    "{} {}:{}:{} {} {:?}",
                    f.raw.rule.name,
                    files[f.file].path,
                    f.raw.line,
                    f.raw.column,
                    f.raw.message,
                    related
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

    /// `compact` turns the calls no rule reads into edges: the rules must find exactly
    /// what they find on the full facts, reasons and chains included, on every fixture.
    #[test]
    fn compacted_facts_give_the_same_findings_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/app");
        let mut dirs = Vec::new();
        for language in std::fs::read_dir(&root).expect("fixtures/app exists") {
            let language = language.expect("readable fixtures").path();
            for case in std::fs::read_dir(&language).expect("readable fixtures") {
                dirs.push(case.expect("readable fixtures").path());
            }
        }
        dirs.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/app"));
        let mut compared = 0;
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            let full = extract_dir(dir);
            let mut compacted = full.clone();
            for file in &mut compacted {
                file.compact();
            }
            let expected = findings(&full);
            assert_eq!(findings(&compacted), expected, "{}", dir.display());
            compared += expected.len();
        }
        assert!(
            compared > 20,
            "the fixtures produce findings to compare ({compared})"
        );
    }

    /// A query method reached only through calls outside loops (edges after `compact`)
    /// still makes the loop's call an n-plus-one, with the whole chain as its reason.
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
        let mut files = vec![
            crate::app::extract("ProviderRepository.cs", repository).expect("C#"),
            crate::app::extract("AppointmentService.cs", service).expect("C#"),
        ];
        let expected = findings(&files);
        for file in &mut files {
            file.compact();
        }
        assert!(
            !files[0].edges.is_empty(),
            "calls outside loops became edges"
        );
        let found = findings(&files);
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
