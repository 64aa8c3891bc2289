//! Query methods across the repository: a function that runs a database call, directly
//! or through other such functions, is itself a query method. Calls are resolved by name
//! and arity, as far as static analysis without types allows: a call counts only when
//! every function of the repository with that name and arity is a query method.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::ir::{Call, FileIndex};

/// How a call reaches the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The call is itself a catalogued database call (`ADO.NET ExecuteReader`).
    Direct(String),
    /// The call resolves to query methods of the repository; the first one is named
    /// (file, function).
    Method { function: (usize, usize) },
}

pub struct Repo<'a> {
    pub files: &'a [FileIndex],
    /// (file, function) -> why it is a query method.
    query_functions: HashMap<(usize, usize), Why>,
    definitions: Definitions,
}

/// Function name -> arity -> (file, function) definitions.
type Definitions = HashMap<Arc<str>, HashMap<u32, Vec<(usize, usize)>>>;

#[derive(Debug, Clone)]
enum Why {
    Direct { api: Arc<str>, line: u32 },
    Calls { target: (usize, usize) },
}

/// A call of a function of the repository, waiting for all the definitions it can mean to
/// become query methods.
struct PendingCall {
    caller: (usize, usize),
    /// The call's place among its file's calls.
    order: u32,
    first_candidate: (usize, usize),
    /// Candidates not yet known to be query methods.
    remaining: usize,
}

impl<'a> Repo<'a> {
    pub fn new(files: &'a [FileIndex]) -> Repo<'a> {
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
            for direct in &file.direct {
                query_functions.insert(
                    (fi, direct.function as usize),
                    Why::Direct {
                        api: direct.api.clone(),
                        line: direct.line,
                    },
                );
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
            for edge in &file.edges {
                let caller = (fi, edge.function as usize);
                if query_functions.contains_key(&caller) {
                    continue;
                }
                let candidates = candidates(
                    &definitions,
                    files,
                    &edge.callee,
                    edge.arity,
                    edge.receiver.as_deref(),
                );
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
                    caller,
                    order: edge.order,
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
            self.files,
            &call.callee,
            call.arity as u32,
            receiver,
        );
        let all_query = !candidates.is_empty()
            && candidates
                .iter()
                .all(|d| self.query_functions.contains_key(d));
        let target = *candidates.first().filter(|_| all_query)?;
        Some(Reach::Method { function: target })
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
                function.name, file.path, function.line
            ));
            match self.query_functions.get(&current) {
                Some(Why::Direct { api, line }) => {
                    parts.push(format!("{api} ({}:{line})", file.path));
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
    files: &[FileIndex],
    callee: &str,
    arity: u32,
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
        .filter(|&(fi, f)| plausible_target(receiver.as_deref(), &files[fi].functions[f].owner))
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
pub fn owner(path: &str, class: Option<&str>) -> String {
    match class {
        Some(class) if !class.is_empty() => normalise(class.trim_start_matches(|c: char| {
            c == 'I' && class.len() > 1 && class[1..].starts_with(char::is_uppercase)
        })),
        _ => {
            let stem = std::path::Path::new(path)
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
    use crate::app::ir::AppFile;
    use crate::app::rules::{Check, ALL};

    /// Every rule's findings on `files`, as comparable text: the file rules on the full
    /// facts, the repository rules on the index and rule facts `split` leaves (pruned or
    /// not).
    fn findings(files: &[AppFile], prune: bool) -> Vec<String> {
        let mut found = Vec::new();
        let mut indexes = Vec::new();
        let mut rule_facts = Vec::new();
        for file in files {
            for rule in ALL {
                if let Check::File(check) = rule.check {
                    let mut raw = Vec::new();
                    check(file, &mut raw);
                    found.extend(raw.into_iter().map(|r| (file.path.clone(), r)));
                }
            }
            let (index, facts) = file.clone().split_pruning(prune);
            indexes.push(index);
            rule_facts.push(facts);
        }
        let repo = Repo::new(&indexes);
        for (index, facts) in indexes.iter().zip(rule_facts) {
            let Some(facts) = facts else { continue };
            let file = AppFile::for_repository_rules(index, facts);
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
                    "{} {}:{}:{} {:?} {} {:?}",
                    f.rule.name, path, f.line, f.column, f.object, f.message, related
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
        let (index, facts) = files[0].clone().split();
        assert!(
            !index.edges.is_empty() && facts.is_none(),
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
