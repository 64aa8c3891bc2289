//! What a loop of an application file walks, and whether a call in it works on the
//! loop's element: language-neutral facts over `ir::Loop` and `ir::Call`, computed once
//! for every language (those lowered to the typed IR and those still on an adapter), for
//! the loop rules to weigh a per-iteration query.
//!
//! Why: a query per pass is a problem a developer should batch only when the loop walks
//! a collection that grows with use (rows, ids, a request's list) and the query is per
//! element. Polling and retry loops, loops over a fixed handful (a literal list, an enum's
//! values, a constant), loops over chunks (already batched) and condition loops with no
//! collection are the false shapes the benchmark's dev half shows
//! (`bench/accuracy/README.md`, second reader on `query-in-loop`).
//!
//! Past 1,000 lines with its unit tests (about a third of it): every loop-shape fact the
//! loop rules weigh is kept here, one place for all languages.

use super::ir::{Call, Language, Loop};

/// What a loop walks, as far as the facts tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Iterates {
    /// A collection or a counter the facts cannot size: the default, nothing to say.
    Collection,
    /// A fixed set written in the code: a literal list or tuple, an enum's values, a
    /// constant (`ALL_CAPS`), a `range` of literal bounds. The text is the source.
    FixedSet(String),
    /// Chunks of a collection (`Chunk(n)`, `chunked`, `partition`, `splice(0, n)`): the
    /// work is batched already. The text names what shows it.
    Chunks(String),
    /// The loop waits on every pass (`Thread.sleep`, `Task.Delay`, `time.sleep`, a
    /// condition's `wait`, `setTimeout`): polling or retrying. The text is the wait call.
    Waits(String),
    /// A `while` / `do` loop with no collection: its condition is a flag, a counter or
    /// `true` (polling, retry, paging, reading a stream), and it takes no element off a
    /// collection (`shift`, `pop`, `Dequeue`).
    Condition,
}

/// Calls that wait for time or a signal: a loop holding one polls or retries.
const WAIT_CALLS: &[&str] = &[
    "sleep",
    "Sleep",
    "usleep",
    "Delay",
    "delay",
    "wait",
    "WaitOne",
    "WaitAsync",
    "WaitForNextTickAsync",
    "setTimeout",
    "parkNanos",
];

/// Calls that take the next element off a collection: a condition loop holding one
/// drains that collection, one element per pass (`while (q.length) { x = q.shift(); … }`).
const DRAIN_CALLS: &[&str] = &[
    "shift",
    "pop",
    "popleft",
    "Dequeue",
    "TryDequeue",
    "removeFirst",
];

/// Calls that cut a collection into chunks inside a loop's body.
const CHUNK_CALLS: &[&str] = &["splice", "Chunk", "chunk", "partition", "Partition"];

/// Words in a loop's source that mean it walks chunks of a collection.
const CHUNK_SOURCES: &[&str] = &[
    "Chunk(",
    "chunk(",
    "chunks(",
    "chunked(",
    "batched(",
    "partition(",
    "Partition(",
];

/// Enum values and fixed-collection factories, as a loop's source starts (or holds).
const FIXED_SOURCES: &[&str] = &[
    "Enum.GetValues",
    "Enum.GetNames",
    "Arrays.asList(",
    "List.of(",
    "Set.of(",
    "Stream.of(",
    "EnumSet.allOf(",
    "EnumSet.of(",
    "ImmutableList.of(",
];

/// What `lp` walks; `calls_in_loop` are the file's calls inside it (any depth).
pub fn iterates<'a>(
    lp: &Loop,
    calls_in_loop: impl IntoIterator<Item = &'a Call>,
    language: Language,
) -> Iterates {
    let mut chunk_call = None;
    let mut drains = false;
    for call in calls_in_loop {
        let callee = call.callee.as_str();
        let waits = WAIT_CALLS.contains(&callee)
            // C#'s `task.Wait()` blocks on a task (maybe the query itself); a wait with a
            // timeout or a monitor (`Monitor.Wait(o)`) is a wait.
            || (callee == "Wait" && call.arity >= 1);
        if waits {
            return Iterates::Waits(call.text.clone());
        }
        if chunk_call.is_none() && CHUNK_CALLS.contains(&callee) {
            chunk_call = Some(call.text.clone());
        }
        drains |= DRAIN_CALLS.contains(&callee);
    }
    // A `while` / `do` loop walks a collection only when the front end saw one in its
    // condition (`while (reader.Read())`, `while (it.hasNext())`); the source text of the
    // others is their condition.
    let condition_loop = (lp.kind.starts_with("while") || lp.kind.starts_with("do"))
        && lp.source_call.is_none()
        && lp.source_var.is_none();
    if condition_loop {
        return match (chunk_call, drains) {
            (Some(call), _) => Iterates::Chunks(call),
            (None, true) => Iterates::Collection,
            (None, false) => Iterates::Condition,
        };
    }
    if let Some(source) = lp.source_text.as_deref().map(str::trim) {
        if CHUNK_SOURCES.iter().any(|c| source.contains(c)) {
            return Iterates::Chunks(source.to_string());
        }
        if is_fixed_set(source, language) {
            return Iterates::FixedSet(source.to_string());
        }
    }
    if let Some(call) = chunk_call {
        return Iterates::Chunks(call);
    }
    Iterates::Collection
}

/// A source written out in the code: a literal list / tuple / set / array, an enum's
/// values (`Kind.values()`; a bare type outside C#), a constant name, a `range` of literals.
fn is_fixed_set(source: &str, language: Language) -> bool {
    let source = source.strip_prefix("await ").unwrap_or(source).trim();
    if FIXED_SOURCES.iter().any(|f| source.starts_with(f)) {
        return true;
    }
    // `[a, b]`, `(a, b)`, `{a, b}`, `new[] { … }`, `new string[] { … }`, `new List<T> { … }`;
    // not a comprehension (`[x for x in rows]`) nor a spread of variables (`[...rows]`).
    let literal = match source.chars().next() {
        Some('[' | '{') => whole_group(source).is_some(),
        // A tuple, not a parenthesised expression (`((T) node).Items()`, `(await f()).x`).
        Some('(') => whole_group(source).is_some_and(has_top_level_comma),
        _ => {
            (source.starts_with("new ") || source.starts_with("new["))
                && source.ends_with('}')
                && source.contains('{')
        }
    };
    if literal && !source.contains(" for ") && !source.contains("...") {
        return true;
    }
    // `Status.values()` (a Java enum), `Color` / `Object.values(COLORS)`: a capitalised
    // type's values or an ALL_CAPS constant.
    if let Some(receiver) = source.strip_suffix(".values()") {
        return is_type_name(receiver);
    }
    // A bare type as the source: a Python `Enum` class, or a Java enum whose `values()`
    // the adapter unwrapped. (A capitalised name in C# is as often a property.)
    if language != Language::CSharp && !source.contains('.') && is_type_name(source) {
        return true;
    }
    let inner = ["Object.values(", "Object.keys(", "Object.entries("]
        .iter()
        .find_map(|f| source.strip_prefix(f)?.strip_suffix(')'))
        .unwrap_or(source);
    if is_constant_name(inner) {
        return true;
    }
    if let Some(args) = source
        .strip_prefix("range(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return args
            .split(',')
            .all(|a| !a.trim().is_empty() && a.trim().chars().all(|c| c.is_ascii_digit()));
    }
    false
}

/// The inside of `text` when its first bracket closes at its very end (`[a, b]`, not
/// `[a].concat(b)`); brackets inside strings are not told apart (a list of literals that
/// holds one is rare, and then it is not taken for a fixed set).
fn whole_group(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return (i + c.len_utf8() == text.len()).then(|| &text[1..i]);
                }
            }
            _ => {}
        }
    }
    None
}

fn has_top_level_comma(text: &str) -> bool {
    let mut depth = 0i32;
    text.chars().any(|c| {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        c == ',' && depth == 0
    })
}

/// `Status`, `OrderState.Kind`: a dotted path whose last part is capitalised and holds a
/// lower-case letter (a type, not a constant and not a variable).
fn is_type_name(text: &str) -> bool {
    let last = text.rsplit('.').next().unwrap_or(text);
    is_path(text)
        && last.starts_with(|c: char| c.is_ascii_uppercase())
        && last.chars().any(|c| c.is_ascii_lowercase())
}

/// `SETTINGS_KEYS`, `Config.ALL_TYPES`: a dotted path whose last part is upper case (with
/// digits or underscores), two characters or more.
fn is_constant_name(text: &str) -> bool {
    let last = text.rsplit('.').next().unwrap_or(text);
    is_path(text)
        && last.len() >= 2
        && last.starts_with(|c: char| c.is_ascii_uppercase())
        && last
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// Where the collection a loop walks comes from, as far as the facts tell: the positive
/// evidence that the loop's size grows with the data (`query-in-loop` keeps its default
/// confidence only with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The result of a call (a data-access, service or ORM call): directly, or through a
    /// variable assigned from it before the loop. The text is the call.
    Returned(String),
    /// A parameter of the function, or a member of one: a collection the caller passes in.
    Parameter(String),
    /// What a request, a form, a folder or a script hands over (request parameters,
    /// files of a directory, statements split out of a script, a form-backing `command`'s
    /// or a `parser`'s values), directly or through a helper given it as an argument: a
    /// handful of items a user sent, not rows that grow with use. The text shows it.
    Input(String),
    /// A configuration list: what a settings or configuration object returns (the music
    /// folders, the players, the providers set up). A handful an administrator set up,
    /// not rows that grow with use. The text is the call.
    Configuration(String),
    /// The children of one object the function was given or loaded
    /// (`encounter.getObs()`, `person.names`; `children_of_one_object`): as many as that
    /// object holds, not rows of a table. The text is the source.
    ChildrenOf(String),
    /// Nothing the facts trace: a field, a local filled by hand, a member of a local, a
    /// counting loop over no named collection. The text is the source, if any.
    Unknown(Option<String>),
}

/// Calls whose result is input rather than data: request / form parameters, the files of
/// a folder, the lines or statements of a text, the elements of a message.
const INPUT_CALLS: &[&str] = &[
    "getParameterValues",
    "getParameterNames",
    "getParameterMap",
    "getIntParameters",
    "getLongParameters",
    "getStringParameters",
    "getBooleanParameters",
    "getlist",
    "listFiles",
    "listdir",
    "iterdir",
    "glob",
    "readdir",
    "readdirSync",
    "GetFiles",
    "EnumerateFiles",
    "GetDirectories",
    "readLines",
    "readlines",
    "splitlines",
    "split",
    "Split",
    "elementIterator",
];

/// Receivers whose values are a request's or a form's (a form-backing or CQRS `command`),
/// or what a `parser` took out of a text handed over.
const INPUT_ROOTS: &[&str] = &[
    "request", "req", "Request", "form", "Form", "args", "argv", "command", "parser",
];

/// Whether an argument's text reads input itself: `FileUtil.listFiles(dir)`,
/// `request.getParameter("ids")` passed to a helper that filters or parses it.
fn reads_input(argument: &str) -> bool {
    let argument = argument.trim();
    let calls_input = INPUT_CALLS.iter().chain(&["getParameter"]).any(|name| {
        argument.starts_with(&format!("{name}(")) || argument.contains(&format!(".{name}("))
    });
    calls_input || source_root(argument).is_some_and(|r| INPUT_ROOTS.contains(&r))
}

/// Where `lp`'s collection comes from; `feeding` is the call it walks (its source call,
/// or the call its source variable was last assigned from before the loop).
pub fn origin(lp: &Loop, feeding: Option<&Call>) -> Origin {
    if let Some(call) = feeding {
        let input_root = call
            .receiver_root
            .as_deref()
            .or_else(|| source_root(&call.text))
            .is_some_and(|r| INPUT_ROOTS.contains(&r));
        // `getRequiredIntParameters(request, "id")`: a helper reading the request.
        let request_argument = call
            .text
            .split_once('(')
            .and_then(|(_, args)| args.split([',', ')']).next())
            .is_some_and(|first| INPUT_ROOTS.contains(&first.trim()));
        let input = INPUT_CALLS.contains(&call.callee.as_str())
            || call.callee.contains("Parameter")
            || input_root
            || request_argument
            || call.argument_texts().into_iter().any(reads_input)
            || names_statements(&call.callee);
        if input {
            return Origin::Input(call.text.clone());
        }
        if lp.source_text.as_deref().is_some_and(names_statements) {
            return Origin::Input(lp.source_text.clone().unwrap_or_default());
        }
        if reads_configuration(call) {
            return Origin::Configuration(call.text.clone());
        }
        return Origin::Returned(call.text.clone());
    }
    let source = lp.source_text.as_deref().map(str::trim);
    if let Some(source) = source {
        // Before the parameter test: `req.body.ids` is rooted at the handler's parameter.
        let from_request = source_root(source).is_some_and(|r| INPUT_ROOTS.contains(&r));
        if from_request || names_statements(source) {
            return Origin::Input(source.to_string());
        }
    }
    if lp.source_param {
        return Origin::Parameter(lp.source_text.clone().unwrap_or_default());
    }
    Origin::Unknown(source.map(str::to_string))
}

/// Words in a receiver's or a call's name that mean configuration: `settingsService`,
/// `config`, `_configuration`, `preferences`, `getAllGlobalProperties`,
/// `getSystemProperties`.
const CONFIGURATION_WORDS: &[&str] = &[
    "setting",
    "config",
    "preference",
    "globalpropert",
    "systempropert",
];

/// Whether a receiver's name (`settingsService`) or a call's name
/// (`getAttributeTypesFromGlobalProperties`) says it holds or returns configuration (not a
/// repository or DAO of settings rows: `userSettingsRepository` reads data).
fn names_configuration(receiver: &str) -> bool {
    let lower = receiver.to_ascii_lowercase();
    CONFIGURATION_WORDS.iter().any(|w| lower.contains(w))
        && !lower.contains("repositor")
        && !lower.contains("dao")
}

/// Whether a call returns configuration: its receiver (`settingsService.getAllMusicFolders()`)
/// or its own name (`dao.getAllGlobalProperties()`) says so (`names_configuration`).
pub fn reads_configuration(call: &Call) -> bool {
    let receiver = call
        .receiver_root
        .as_deref()
        .or_else(|| source_root(&call.text));
    // `ConfigureAwait(false)` ends an awaited chain in C#: it configures the await, and
    // the collection is what the call before it returns.
    receiver.is_some_and(names_configuration)
        || (call.callee != "ConfigureAwait" && names_configuration(&call.callee))
}

/// A name that says it holds the statements of a script (`statements`, `sqlScript`,
/// `ddlQueries`, `getMigrations`): an installer or upgrade running them one by one.
/// Whole words only: `_prescriptions` holds "script" but names prescriptions.
fn names_statements(text: &str) -> bool {
    name_words(text).iter().any(|w| {
        matches!(
            w.as_str(),
            "statements" | "script" | "scripts" | "queries" | "sqls" | "ddl" | "migrations"
        )
    })
}

/// Folder names and words of a class or function name that mark one-off code: an upgrade,
/// a migration, a bug fix applied once, an installer, a seed.
const ONE_OFF_FOLDERS: &[&str] = &[
    "migration",
    "migrations",
    "upgrade",
    "upgrades",
    "bugfix",
    "install",
    "installer",
    "seed",
    "seeds",
];
const ONE_OFF_WORDS: &[&str] = &["migrat", "upgrade", "install", "bugfix", "seed", "backfill"];

/// Words that start like a one-off word but name business data or a state: a loan's
/// `Installment`, the `installed` plugins a page lists, a `Seedling`.
const ONE_OFF_LOOK_ALIKES: &[&str] = &[
    "installment",
    "installments",
    "installed",
    "seedling",
    "seedlings",
];

/// Whether one word of a name (lower case) says one-off code: it starts with a one-off stem
/// (`migration`, `upgrader`, `seeding`) and is not a look-alike (`installment`).
fn is_one_off_word(word: &str) -> bool {
    ONE_OFF_WORDS.iter().any(|stem| word.starts_with(stem)) && !ONE_OFF_LOOK_ALIKES.contains(&word)
}

/// The words of an identifier or file stem, lower case: split at `_`, `-`, `.` and other
/// punctuation and at case changes, digits kept with their word (`BlowfishMigrationServlet`
/// → blowfish, migration, servlet; `DBPool` → db, pool; `user_repo2` → user, repo2). The one
/// splitter the front ends and the loop facts share.
pub fn name_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Interfaces of migration frameworks whose implementations are one-off code whatever
/// their name: Liquibase's custom changes (`implements CustomTaskChange`). Flyway's
/// `BaseJavaMigration` / `JavaMigration` and EF's or FluentMigrator's `Migration` already
/// say so by their name.
const ONE_OFF_BASES: &[&str] = &["CustomTaskChange", "CustomSqlChange", "CustomChange"];

/// Whether a loop stands in one-off code, which runs once per installation or version
/// rather than per request: a file directly in a `migrations` / `upgrade` / `bugfix` /
/// `install` / `seed` folder, or one whose folder name starts with such a word
/// (`migrations-sqlite`; only its own folder: the path may run above the scanned root), a
/// file, class or function whose name says so (`migrations.py`,
/// `20210716-backfill-revisions.ts`, `BlowfishMigrationServlet`, `upgradeSchema`). The
/// text says which.
pub fn one_off_code(path: &str, class: Option<&str>, function: Option<&str>) -> Option<String> {
    let mut parts = path.rsplit(['/', '\\']);
    let file = parts.next().unwrap_or("");
    let folder = parts.next().unwrap_or("");
    let folder_lower = folder.to_ascii_lowercase();
    let folder_word = folder_lower.split(['-', '_', '.']).next().unwrap_or("");
    if ONE_OFF_FOLDERS.contains(&folder_lower.as_str()) || ONE_OFF_FOLDERS.contains(&folder_word) {
        return Some(format!("{folder}/"));
    }
    let says_one_off = |name: &str| name_words(name).iter().any(|w| is_one_off_word(w));
    if let Some(name) = [class, function]
        .into_iter()
        .flatten()
        .find(|n| says_one_off(n))
    {
        return Some(name.to_string());
    }
    let stem = file.split('.').next().unwrap_or("");
    says_one_off(stem).then(|| file.to_string())
}

/// Whether a class is one-off code by what it implements: a migration framework's
/// interface (`ONE_OFF_BASES`) or a base whose name says migration / upgrade / install.
/// The text names the base.
pub fn one_off_base(bases: &[String]) -> Option<String> {
    bases
        .iter()
        .find(|base| {
            ONE_OFF_BASES.contains(&base.as_str())
                || name_words(base).iter().any(|w| is_one_off_word(w))
        })
        .map(|base| format!("implements {base}"))
}

/// Words in a function's name that mean recovery or start-up code: `RecoverJobs`,
/// `ClusterRecover`, `RecoverStaleAcquiredTriggers`, `onStartup`. (Not a class's: a
/// `PasswordRecoveryController` serves requests.)
const RECOVERY_WORDS: &[&str] = &["recover", "startup"];

/// The function name that says a function is recovery code (after a crash, a failover,
/// at start-up): it walks what was left behind, once, not per request.
pub fn recovery_code(function: &str) -> bool {
    let lower = function.to_ascii_lowercase();
    RECOVERY_WORDS.iter().any(|w| lower.contains(w))
}

/// `int[]`, `long[]`, `String[]`, `string[]`, `Integer[]`: an array of ids or strings, the
/// shape a form's ticked items or a request's values arrive in; a parameter of that type
/// is no evidence that the loop walks rows.
pub fn is_scalar_array(type_text: &str) -> bool {
    let compact: String = type_text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.strip_suffix("[]").is_some_and(|element| {
        matches!(
            element,
            "int" | "long" | "short" | "Integer" | "Long" | "String" | "string" | "Guid"
        )
    })
}

/// The variable an iteration source starts from (`order` of `order.items`, `ids` of
/// `ids!`); `None` for a member of `this` / `self` (a field), a call or a literal. The
/// front ends test it against their functions' parameters.
pub fn source_root(text: &str) -> Option<&str> {
    let text = text.trim();
    let text = text.strip_prefix("await ").unwrap_or(text).trim_start();
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(text.len());
    let root = &text[..end];
    let rest = &text[end..];
    let valid = root.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '$')
        && !matches!(root, "this" | "self" | "base" | "super" | "new")
        && !rest.trim_start().starts_with('(');
    valid.then_some(root)
}

/// Words in a receiver's name that mean it queries (a repository, a DAO, a service, a
/// session or context): its getters run statements, they do not hand over children held
/// in memory.
const QUERY_RECEIVER_WORDS: &[&str] = &[
    "dao", "repo", "service", "session", "context", "db", "database", "query", "mapper", "manager",
    "client", "cursor", "conn", "store", "template",
];

/// Words in an owner's name that mean it holds results or a list rather than being one
/// object: `searchResult`, `folderContent`, `page`, `response`, `playQueue`.
const CONTAINER_WORDS: &[&str] = &[
    "result",
    "content",
    "page",
    "response",
    "search",
    "data",
    "list",
    "queue",
    "batch",
    "collection",
    "set",
    "map",
    "array",
    "rows",
];

/// The object and its child list when a loop walks the children of one object the
/// function was given or loaded (`encounter.getObs()`, `person.names`, `order.Lines`):
/// a getter with no arguments (`get…()`) or a field of a variable `owner` that is a
/// parameter or a local of the function, not a variable of a loop around this one, and
/// not a query object by its name or type (`dao.getObs()` queries). Their number is that
/// object's (tens), not a table's. `owner_is_local` says whether `owner` is a parameter
/// or a local assigned before the loop; `outer_variables` are the variables of the loops
/// around this one; `receiver_type` is the owner's class when a typed front end knows it.
/// Returns the source text.
pub fn children_of_one_object<'s>(
    source: &'s str,
    owner_is_local: bool,
    outer_variables: &[&str],
    receiver_type: Option<&str>,
) -> Option<&'s str> {
    let source = source.trim();
    let owner = source_root(source)?;
    let member = source[owner.len()..].strip_prefix('.')?;
    let plain_getter = member
        .strip_prefix("get")
        .and_then(|m| m.strip_suffix("()"))
        .is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        });
    let field = !member.is_empty()
        && member.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && member.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !ELEMENT_WALKS
            .iter()
            .any(|w| w.trim_end_matches("()") == member);
    let queries = |name: &str| {
        let lower = name.to_ascii_lowercase();
        QUERY_RECEIVER_WORDS.iter().any(|w| lower.contains(w))
    };
    // A list of keys sent in (`dto.notificationIds`, `request.getIds()`): the batch a
    // `WHERE id IN (…)` is for, not children an object holds.
    let keys = {
        let lower = member.trim_end_matches("()").to_ascii_lowercase();
        lower.ends_with("ids") || lower.ends_with("keys")
    };
    let sent_in = {
        let lower = owner.to_ascii_lowercase();
        [
            "dto", "request", "req", "body", "payload", "input", "params", "args", "form",
        ]
        .iter()
        .any(|w| lower.contains(w))
    };
    // A container of results or a plural name (`result.getMediaFiles()`,
    // `albums.getMediaFiles()`, `playQueue.getFiles()`): a page of rows or a list, not
    // one object's children.
    let container = {
        let lower = owner.to_ascii_lowercase();
        CONTAINER_WORDS.iter().any(|w| lower.contains(w))
            || (lower.ends_with('s') && !lower.ends_with("ss") && !lower.ends_with("us"))
    };
    let ok = (plain_getter || field)
        && !container
        && !keys
        && !sent_in
        && owner_is_local
        && !outer_variables.contains(&owner)
        && !queries(owner)
        && !receiver_type.is_some_and(queries);
    ok.then_some(source)
}

/// Whether a call's name says it loads one object by its key or name: `findById`,
/// `getEncounterByUuid`, `findOne`, `get`, `load`, or a lookup verb and a singular noun
/// with nothing after it (`getPatient`, `findVisit`); not `getPatients`, `findAll`,
/// `getVisitList`, `findByStatus`, `getPage`.
pub fn loads_one_object(callee: &str) -> bool {
    if matches!(
        callee,
        "get" | "find" | "load" | "findOne" | "getOne" | "Find" | "Get"
    ) || ["ById", "ByUuid", "ByKey", "ByName"]
        .iter()
        .any(|key| callee.ends_with(key))
    {
        return true;
    }
    let noun = [
        "get", "find", "load", "fetch", "Get", "Find", "Load", "Fetch",
    ]
    .iter()
    .find_map(|verb| callee.strip_prefix(verb));
    noun.is_some_and(|noun| {
        noun.starts_with(|c: char| c.is_ascii_uppercase())
            && noun.chars().all(|c| c.is_ascii_alphanumeric())
            && !noun.ends_with('s')
            && ![
                "All",
                "List",
                "Page",
                "By",
                "Count",
                "Ids",
                "Set",
                "Map",
                "Collection",
                "Rows",
                "Result",
                "Content",
                "Queue",
                "Search",
                "Data",
                "Response",
            ]
            .iter()
            .any(|w| noun.contains(w))
    })
}

/// Calls that walk a collection's own elements (`users.iterator()`, `rows.stream()`).
const ELEMENT_WALKS: &[&str] = &[
    "iterator()",
    "stream()",
    "values()",
    "items()",
    "entrySet()",
    "keySet()",
    "asList()",
    "toList()",
    "ToList()",
];

/// A source that is a variable itself, or its elements through an iteration adaptor
/// (`users`, `await rows`, `users.iterator()`), not a member of it (`room.occupants`).
pub fn is_bare_collection(text: &str) -> bool {
    let text = text.trim();
    let text = text.strip_prefix("await ").unwrap_or(text).trim_start();
    let Some(root) = source_root(text) else {
        return false;
    };
    let rest = text[root.len()..].trim();
    rest.is_empty()
        || rest
            .strip_prefix('.')
            .is_some_and(|adaptor| ELEMENT_WALKS.contains(&adaptor))
}

/// Whether `call` mentions a variable of the loops around it (`loops`: their variables'
/// texts): `Some(true)` it works on an element, `Some(false)` it names none of them,
/// `None` the facts cannot tell (no loop variable known, a loop with no source, or the
/// call's text was cut).
pub fn uses_element<'a>(
    call: &Call,
    loops: impl IntoIterator<Item = &'a Loop>,
    language: Language,
) -> Option<bool> {
    let loops: Vec<&Loop> = loops.into_iter().collect();
    // A counting or iterator loop (`for (i = 0; i < ids.length; …)`, `for (Iterator it =
    // …; it.hasNext();)`) reaches its element through a local of the body (`ids[i]`,
    // `x = (T) it.next()`), which the facts do not follow. Its kind is `for` in the
    // C-family languages, whose element loops are `foreach` / `for...of`; Python's `for`
    // walks elements.
    let counting =
        |lp: &Loop| lp.source_text.is_none() || (lp.kind == "for" && language != Language::Python);
    if loops.iter().any(|lp| counting(lp)) {
        return None;
    }
    let variables: Vec<&str> = loops
        .iter()
        .flat_map(|lp| lp.variables.iter())
        .flat_map(|v| identifiers(v))
        .filter(|v| !matches!(*v, "var" | "let" | "const" | "final" | "auto" | "_"))
        .collect();
    if variables.is_empty() {
        return None;
    }
    let mentioned = identifiers(&call.text).any(|i| variables.contains(&i));
    if mentioned {
        return Some(true);
    }
    if call.text.ends_with('…') {
        return None;
    }
    Some(false)
}

/// Calls that take a loop's next element off an iterator or cursor the loop's condition
/// reads (`while (it.hasNext()) { Item item = it.next(); … }`).
const NEXT_CALLS: &[&str] = &["next", "nextElement"];

/// Whether a call takes the next element off an iterator (`it.next()`).
pub fn takes_next(call: &Call) -> bool {
    NEXT_CALLS.contains(&call.callee.as_str()) && call.arity == 0
}

/// The names a `while` / `do` loop over an iterator or a cursor holds its element in,
/// where the front end records none (`Loop::variables` empty): the source variable itself
/// (`rs` in `while (rs.next())`: `rs.getLong(1)` reads the current row) and the locals
/// assigned in the loop from its `next()` (`item = items.next()`). Empty for other loops.
pub fn iterator_elements<'a>(
    lp: &'a Loop,
    calls: &'a [Call],
    assignments: &'a [super::ir::Assignment],
) -> Vec<&'a str> {
    let condition_loop = lp.kind.starts_with("while") || lp.kind.starts_with("do");
    let Some(source) = lp
        .source_var
        .as_deref()
        .filter(|_| condition_loop && lp.variables.is_empty())
    else {
        return Vec::new();
    };
    let mut out = vec![source];
    for a in assignments {
        let inside = a.function == lp.function && lp.start <= a.start && a.start <= lp.end;
        let from_next = calls
            .get(a.call)
            .is_some_and(|c| takes_next(c) && c.chain.last().map(String::as_str) == Some(source));
        if inside && from_next {
            out.push(a.variable.as_str());
        }
    }
    out
}

/// The locals a loop's body reads off its element: assigned inside `lp`, before `before`,
/// from a call whose text names one of `elements` (`key = rs.getString(1)`,
/// `jid = JID.parse(rs.getString("jid"))`, `id = item.getId()`). One hop: a value of the
/// row, not an object loaded by it (that one is still named by the caller's test on
/// arguments only).
pub fn read_off_element<'a>(
    lp: &Loop,
    before: super::ir::Pos,
    elements: &[&str],
    calls: &[Call],
    assignments: &'a [super::ir::Assignment],
) -> Vec<&'a str> {
    assignments
        .iter()
        .filter(|a| a.function == lp.function && lp.start <= a.start && a.start < before)
        .filter(|a| calls.get(a.call).is_some_and(|c| names_any(c, elements)))
        .map(|a| a.variable.as_str())
        .collect()
}

/// The identifiers a loop's `variables` declare (`const { id, name }`, `(k, v)`), keywords
/// and `_` left out.
pub fn variable_names(lp: &Loop) -> Vec<&str> {
    lp.variables
        .iter()
        .flat_map(|v| identifiers(v))
        .filter(|v| !matches!(*v, "var" | "let" | "const" | "final" | "auto" | "_"))
        .collect()
}

/// Whether one of a call's arguments names one of `names` (as a whole identifier).
pub fn argument_names_any(call: &Call, names: &[&str]) -> bool {
    call.argument_texts()
        .into_iter()
        .any(|a| identifiers(a).any(|i| names.contains(&i)))
}

/// Whether a call's text names one of `names` (as a whole identifier).
pub fn names_any(call: &Call, names: &[&str]) -> bool {
    identifiers(&call.text).any(|i| names.contains(&i))
}

/// The identifiers of a piece of code, in order (no keywords removed).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| w.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '$'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ir::Pos;

    fn lp(kind: &str, source: Option<&str>, variables: &[&str]) -> Loop {
        Loop {
            function: None,
            kind: kind.into(),
            start: Pos::default(),
            end: Pos::default(),
            span: (0, 0),
            source_text: source.map(str::to_string),
            source_call: None,
            source_var: source.map(str::to_string),
            variables: variables.iter().map(|v| v.to_string()).collect(),
            source_param: false,
            rows_of: None,
        }
    }

    fn call(callee: &str, text: &str, arity: usize) -> Call {
        Call::for_test(callee, text, arity)
    }

    #[test]
    fn statements_are_named_by_whole_words() {
        for name in [
            "statements",
            "sqlScript",
            "DDLQueries",
            "ddl_queries",
            "getMigrations",
            "upgrade_scripts",
        ] {
            assert!(names_statements(name), "{name}");
        }
        for name in [
            "_prescriptions",
            "descriptions",
            "subscriptions",
            "transcript",
        ] {
            assert!(!names_statements(name), "{name}");
        }
    }

    #[test]
    fn recovery_code_is_named_so_by_its_function() {
        for name in [
            "RecoverJobs",
            "ClusterRecover",
            "recover_stale_locks",
            "onStartup",
            "on_startup",
        ] {
            assert!(recovery_code(name), "{name}");
        }
        for name in [
            "DiscoverJobs",
            "DeleteJobs",
            "cover",
            "startPlayback",
            "upStart",
        ] {
            assert!(!recovery_code(name), "{name}");
        }
    }

    #[test]
    fn fixed_sets_are_literals_enums_constants_and_literal_ranges() {
        for source in [
            "new[] { \"a\", \"b\" }",
            "new string[] { A, B }",
            "[\"users\", \"posts\"]",
            "(self.a, self.b)",
            "Enum.GetValues(typeof(Kind))",
            "Arrays.asList(\"x\", \"y\")",
            "Status.values()",
            "SETTINGS_KEYS",
            "Config.ALL_TYPES",
            "Object.keys(DEFAULTS)",
            "range(3)",
            "range(1, 10)",
        ] {
            assert!(
                matches!(
                    iterates(&lp("foreach", Some(source), &["x"]), [], Language::Java),
                    Iterates::FixedSet(_)
                ),
                "{source}"
            );
        }
        for source in [
            "users",
            "[u for u in users]",
            "[...a, ...b]",
            "map.values()",
            "range(len(rows))",
            "range(n)",
            "Users",
            "repo.GetAll()",
            "((CollectionNode) node).getAssociationTrusted()",
            "(await db.GetMissingAsync(a, b)).ConfigureAwait(false)",
            "[a, b].concat(rows)",
        ] {
            assert_eq!(
                iterates(&lp("foreach", Some(source), &["x"]), [], Language::CSharp),
                Iterates::Collection,
                "{source}"
            );
        }
    }

    #[test]
    fn a_bare_type_is_an_enum_outside_csharp() {
        // Python `for s in Status`, Java `Status.values()` unwrapped by its adapter; a
        // capitalised C# name is as often a property.
        let status = lp("for", Some("Status"), &["s"]);
        assert!(matches!(
            iterates(&status, [], Language::Python),
            Iterates::FixedSet(_)
        ));
        assert_eq!(
            iterates(&status, [], Language::CSharp),
            Iterates::Collection
        );
    }

    #[test]
    fn waits_chunks_and_condition_loops() {
        let sleep = call("sleep", "Thread.sleep(1000)", 1);
        assert!(matches!(
            iterates(&lp("while", None, &[]), [&sleep], Language::Java),
            Iterates::Waits(_)
        ));
        // `task.Wait()` blocks on a task: not a wait for time.
        let blocked = call("Wait", "SaveAsync(x).Wait()", 0);
        assert_eq!(
            iterates(
                &lp("foreach", Some("items"), &["x"]),
                [&blocked],
                Language::Java
            ),
            Iterates::Collection
        );
        assert!(matches!(
            iterates(
                &lp("foreach", Some("ids.Chunk(500)"), &["c"]),
                [],
                Language::Java
            ),
            Iterates::Chunks(_)
        ));
        let splice = call("splice", "names.splice(0, 100)", 2);
        assert!(matches!(
            iterates(&lp("while", None, &[]), [&splice], Language::Java),
            Iterates::Chunks(_)
        ));
        assert_eq!(
            iterates(&lp("while", None, &[]), [], Language::Java),
            Iterates::Condition
        );
        let shift = call("shift", "queue.shift()", 0);
        assert_eq!(
            iterates(&lp("while", None, &[]), [&shift], Language::Java),
            Iterates::Collection
        );
        // Python's `while` keeps its condition as the source text.
        let mut endless = lp("while", None, &[]);
        endless.source_text = Some("True".into());
        assert_eq!(iterates(&endless, [], Language::Java), Iterates::Condition);
        assert_eq!(
            iterates(&lp("while", Some("reader"), &[]), [], Language::Java),
            Iterates::Collection
        );
    }

    #[test]
    fn origin_needs_a_call_result_or_a_parameter() {
        // A call's result, or a variable assigned from one: data.
        let overdue = call("findOverdue", "invoices.findOverdue()", 0);
        let each = lp("foreach", Some("overdue"), &["invoice"]);
        assert!(matches!(origin(&each, Some(&overdue)), Origin::Returned(_)));
        // The caller's collection.
        let mut passed = lp("foreach", Some("orders"), &["order"]);
        passed.source_param = true;
        assert!(matches!(origin(&passed, None), Origin::Parameter(_)));
        // A request's values, even through the handler's parameter.
        let mut body = lp("for...of", Some("req.body.ids"), &["id"]);
        body.source_param = true;
        assert!(matches!(origin(&body, None), Origin::Input(_)));
        for (callee, text) in [
            ("getParameterValues", "request.getParameterValues(\"id\")"),
            (
                "getRequiredIntParameters",
                "getRequiredIntParameters(request, \"id\")",
            ),
            ("getlist", "request.form.getlist(\"id\")"),
            ("listFiles", "folder.listFiles()"),
            ("Split", "script.Split(';')"),
            (
                "filterMediaFiles",
                "filterMediaFiles(FileUtil.listFiles(dir))",
            ),
            (
                "parseInts",
                "StringUtil.parseInts(request.getParameter(\"id\"))",
            ),
            ("getItems", "command.getItems()"),
            ("getMessages", "parser.getMessages()"),
        ] {
            let c = call(callee, text, 1);
            assert!(
                matches!(origin(&each, Some(&c)), Origin::Input(_)),
                "{text}"
            );
        }
        // A script's statements by name; a field, a counter: nothing known.
        let statements = lp("for", Some("statements"), &["it"]);
        assert!(matches!(origin(&statements, None), Origin::Input(_)));
        let field = lp("foreach", Some("_regions"), &["r"]);
        assert_eq!(
            origin(&field, None),
            Origin::Unknown(Some("_regions".into()))
        );
        let counter = lp("for", None, &["i"]);
        assert_eq!(origin(&counter, None), Origin::Unknown(None));
        // A configuration object's list; a service of another name returns data.
        let mut folders = call(
            "getAllMusicFolders",
            "settingsService.getAllMusicFolders()",
            0,
        );
        folders.receiver_root = Some("settingsService".into());
        assert!(matches!(
            origin(&each, Some(&folders)),
            Origin::Configuration(_)
        ));
        let mut albums = call("getAlbums", "albumService.getAlbums()", 0);
        albums.receiver_root = Some("albumService".into());
        assert!(matches!(origin(&each, Some(&albums)), Origin::Returned(_)));
        // A helper given data, not input.
        let page = call("toPage", "toPage(repo.findAll(), 20)", 2);
        assert!(matches!(origin(&each, Some(&page)), Origin::Returned(_)));
        let mut rows = call("findAll", "userSettingsRepository.findAll()", 0);
        rows.receiver_root = Some("userSettingsRepository".into());
        assert!(matches!(origin(&each, Some(&rows)), Origin::Returned(_)));
    }

    #[test]
    fn one_off_code_by_folder_or_name() {
        assert!(one_off_code("server/db/migrations/2.5.1.js", None, Some("up")).is_some());
        assert!(one_off_code("src/database/bugfix/OF33.java", Some("OF33"), None).is_some());
        assert!(one_off_code(
            "src/admin/Tools.java",
            Some("BlowfishMigrationServlet"),
            None
        )
        .is_some());
        assert!(one_off_code("app/db.py", None, Some("upgrade_schema")).is_some());
        // Only the file's own folder: a checkout under `install/` is not one-off code.
        assert_eq!(
            one_off_code(
                "/home/me/install/app/src/Orders.java",
                Some("Orders"),
                Some("list")
            ),
            None
        );
        assert_eq!(
            one_off_code("src/OrderService.cs", Some("OrderService"), Some("Archive")),
            None
        );
    }

    #[test]
    fn one_off_words_are_whole_words() {
        assert_eq!(
            name_words("XMLMigrator_v2-upgradeSchema"),
            vec!["xml", "migrator", "v2", "upgrade", "schema"]
        );
        assert!(one_off_code("src/Setup.java", Some("PluginInstaller"), None).is_some());
        assert!(one_off_code("db/seed_users.py", None, Some("main")).is_some());
        // A loan's installments and the installed plugins are business data, not an installer.
        assert_eq!(
            one_off_code(
                "src/loan/LoanService.java",
                Some("LoanService"),
                Some("recalculateInstallments")
            ),
            None
        );
        assert_eq!(
            one_off_code(
                "src/Plugins.java",
                Some("Plugins"),
                Some("listInstalledPlugins")
            ),
            None
        );
        assert_eq!(
            one_off_code("src/LoanInstallmentRepository.java", None, None),
            None
        );
    }

    #[test]
    fn one_off_code_by_file_name_folder_word_and_base() {
        // A module named for migrations, a dated backfill script, a dialect's migration folder.
        assert_eq!(
            one_off_code("app/core/migrations.py", None, Some("m004_add_index")),
            Some("migrations.py".into())
        );
        assert!(one_off_code(
            "server/scripts/20210716000000-backfill-revisions.ts",
            None,
            Some("main")
        )
        .is_some());
        assert!(one_off_code("server/db/migrations-sqlite/2.5.1.js", None, Some("up")).is_some());
        // Look-alikes: ordinary modules and folders whose name only contains a word.
        assert_eq!(
            one_off_code("app/core/payments.py", None, Some("list_payments")),
            None
        );
        assert_eq!(
            one_off_code("server/seedling/Orders.java", Some("Orders"), None),
            None
        );
        assert_eq!(
            one_off_code("app/crud/users.py", None, Some("get_user")),
            None
        );
        // Liquibase's custom change interface, whatever the class is called.
        assert_eq!(
            one_off_base(&["CustomTaskChange".to_string()]),
            Some("implements CustomTaskChange".into())
        );
        assert!(one_off_base(&["BaseJavaMigration".to_string()]).is_some());
        assert_eq!(
            one_off_base(&["Serializable".to_string(), "Runnable".to_string()]),
            None
        );
    }

    #[test]
    fn bare_collections_are_the_variable_or_its_elements() {
        for text in ["users", "await rows", "users.iterator()", "rows.items()"] {
            assert!(is_bare_collection(text), "{text}");
        }
        for text in [
            "room.getOccupants()",
            "order.items",
            "self.rows",
            "load(ids)",
            "users.subList(0, 3)",
        ] {
            assert!(!is_bare_collection(text), "{text}");
        }
    }

    #[test]
    fn children_of_one_object_are_a_plain_getter_or_field_of_it() {
        for source in ["encounter.getObs()", "person.names", "order.Lines"] {
            assert_eq!(
                children_of_one_object(source, true, &[], None),
                Some(source),
                "{source}"
            );
        }
        // Look-alikes: a query with arguments, a DAO's getter, the list itself, an outer
        // loop's element, a result or plural container, keys sent in, a field of `this`,
        // an owner that is neither a parameter nor a local loaded by key, a query type.
        for (source, local, outer) in [
            ("dao.getObs(patient)", true, &[][..]),
            ("obsDao.getAll()", true, &[]),
            ("observations", true, &[]),
            ("each.getNotes()", true, &["each"][..]),
            ("result.getMediaFiles()", true, &[]),
            ("albums.getMediaFiles()", true, &[]),
            ("dto.notificationIds", true, &[]),
            ("visit.getNoteIds()", true, &[]),
            ("this.children", true, &[]),
            ("visit.getNotes()", false, &[]),
            ("visit.iterator()", true, &[]),
        ] {
            assert_eq!(
                children_of_one_object(source, local, outer, None),
                None,
                "{source}"
            );
        }
        assert_eq!(
            children_of_one_object("holder.getRows()", true, &[], Some("OrderRepository")),
            None
        );
    }

    #[test]
    fn single_object_loads_by_name() {
        for callee in [
            "findById",
            "getEncounterByUuid",
            "getPatient",
            "findVisit",
            "get",
        ] {
            assert!(loads_one_object(callee), "{callee}");
        }
        for callee in [
            "findAll",
            "getPatients",
            "getVisitList",
            "findByStatus",
            "search",
            "getMusicFolderContent",
            "getPlayQueue",
        ] {
            assert!(!loads_one_object(callee), "{callee}");
        }
    }

    #[test]
    fn source_roots_and_scalar_arrays() {
        assert_eq!(source_root("order.items"), Some("order"));
        assert_eq!(source_root("ids!"), Some("ids"));
        assert_eq!(source_root("await rows"), Some("rows"));
        assert_eq!(source_root("this.items"), None);
        assert_eq!(source_root("self.items"), None);
        assert_eq!(source_root("load(ids)"), None);
        assert_eq!(source_root("[1, 2]"), None);
        assert!(is_scalar_array("int[]"));
        assert!(is_scalar_array("String []"));
        assert!(!is_scalar_array("Order[]"));
        assert!(!is_scalar_array("List<Long>"));
    }

    #[test]
    fn element_use_reads_the_loop_variables() {
        let each = lp("foreach", Some("users"), &["user"]);
        let per_element = call("Find", "repo.Find(user.Id)", 1);
        let same_every_time = call("Flush", "db.Flush()", 0);
        assert_eq!(
            uses_element(&per_element, [&each], Language::CSharp),
            Some(true)
        );
        assert_eq!(
            uses_element(&same_every_time, [&each], Language::CSharp),
            Some(false)
        );
        // A tuple of variables, a destructuring pattern.
        let pairs = lp("for", Some("enumerate(rows)"), &["i, row"]);
        assert_eq!(
            uses_element(&call("get", "db.get(row)", 1), [&pairs], Language::Python),
            Some(true)
        );
        // No variable known, or a cut text: cannot tell.
        let counter = lp("for", None, &["it"]);
        assert_eq!(
            uses_element(&same_every_time, [&counter], Language::Java),
            None
        );
        // `for (int i = 0; i < ids.length; i++)`: the element is `ids[i]` or a local of it.
        let indexed = lp("for", Some("ids"), &["i"]);
        assert_eq!(
            uses_element(&same_every_time, [&indexed], Language::Java),
            None
        );
        let python_for = lp("for", Some("ids"), &["i"]);
        assert_eq!(
            uses_element(&same_every_time, [&python_for], Language::Python),
            Some(false)
        );
        let cut = call("Run", "repo.Run(a, b, c…", 3);
        assert_eq!(uses_element(&cut, [&each], Language::CSharp), None);
    }
}
