//! Helpers every language adapter shares: positions, node text, error accounting, and
//! the heuristics for SQL-looking and credential-looking strings.

use tree_sitter::{Node, Point};

use crate::app::ir::{AppFile, Pos};
use crate::source::LineIndex;

/// A file's text with its line index, to turn tree-sitter's byte columns into
/// character columns.
pub struct Source<'a> {
    pub text: &'a str,
    lines: LineIndex,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str) -> Source<'a> {
        Source {
            text,
            lines: LineIndex::new(text),
        }
    }

    /// 1-based line and character column of a tree-sitter point.
    pub fn pos(&self, point: Point) -> Pos {
        let start = self.lines.line_start(self.text, point.row as u32 + 1);
        self.pos_of_byte(start + point.column)
    }

    /// 1-based position of a byte offset.
    pub fn pos_of_byte(&self, byte: usize) -> Pos {
        let (line, column) = self.lines.position(self.text, byte);
        Pos { line, column }
    }

    pub fn text(&self, node: Node) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// Node text on one line, shortened for evidence.
    pub fn short(&self, node: Node, max: usize) -> String {
        crate::model::finding::one_line(self.text(node), max)
    }

    pub fn start(&self, node: Node) -> Pos {
        self.pos(node.start_position())
    }

    pub fn end(&self, node: Node) -> Pos {
        self.pos(node.end_position())
    }
}

/// `node.field("name")`: `child_by_field_name` with the field id looked up once per
/// grammar and name (tree-sitter compares the name with every field name on each call,
/// about a tenth of the extraction time).
pub trait FieldExt<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

type FieldIds = std::collections::HashMap<
    (usize, usize),
    std::collections::HashMap<Box<str>, Option<std::num::NonZeroU16>, FastHash>,
    FastHash,
>;

impl<'t> FieldExt<'t> for Node<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>> {
        use std::cell::RefCell;
        /// Recent lookups by the name's address and length (callers pass literals, so
        /// one name is one address): a hit costs no hashing of the name.
        type Recent = [(usize, usize, (usize, usize), Option<std::num::NonZeroU16>); 64];
        thread_local! {
            static IDS: RefCell<FieldIds> = RefCell::new(FieldIds::default());
            static RECENT: RefCell<Recent> = const { RefCell::new([(0, 0, (0, 0), None); 64]) };
        }
        let language = self.language();
        // A grammar is identified by its sizes (distinct for the grammars dbaudit uses).
        let grammar = (language.node_kind_count(), language.field_count());
        let address = name.as_ptr() as usize;
        let slot = (address >> 3) % 64;
        let recent = RECENT.with(|recent| {
            let recent = recent.borrow();
            let (a, len, g, id) = recent[slot];
            (a == address && len == name.len() && g == grammar).then_some(id)
        });
        let id = match recent {
            Some(id) => id,
            None => {
                let id = IDS.with(|ids| {
                    let mut ids = ids.borrow_mut();
                    let per_grammar = ids.entry(grammar).or_default();
                    match per_grammar.get(name) {
                        Some(id) => *id,
                        None => {
                            let id = language.field_id_for_name(name);
                            per_grammar.insert(name.into(), id);
                            id
                        }
                    }
                });
                RECENT
                    .with(|recent| recent.borrow_mut()[slot] = (address, name.len(), grammar, id));
                id
            }
        };
        self.child_by_field_id(id?.get())
    }
}

thread_local! {
    /// Stack size this thread was started with, when its starter declared it.
    static THREAD_STACK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Declares that the current thread was started with `bytes` of stack (the scan's worker
/// pool does, in its start handler), so that recursive walks may run on it directly.
pub fn declare_thread_stack(bytes: usize) {
    THREAD_STACK.with(|stack| stack.set(bytes));
}

/// The stack size declared by `declare_thread_stack` for this thread (0 when undeclared).
pub fn declared_thread_stack() -> usize {
    THREAD_STACK.with(|stack| stack.get())
}

/// How long a file's parse may take: tree-sitter parses 5-10 MB/s, but its error recovery
/// can take minutes on a few hundred bytes of pathological syntax (seen with the TSX
/// grammar on fuzzed input); past this budget the parse stops and the file is reported as
/// not scanned instead of stalling the scan.
pub fn parse_budget(bytes: usize) -> std::time::Duration {
    // 5 s, and 10 ms per KB (10 s per MB, 50-100 times a normal parse; debug builds are
    // about 20 times slower than release ones).
    std::time::Duration::from_secs(5) + std::time::Duration::from_millis(bytes as u64 / 100)
}

/// Parses a file with a grammar; a grammar or parser failure marks the whole file as
/// not understood (`error_share` 1.0) and gives None, and a parse past `parse_budget` also
/// says why in `not_parsed`. The `KindNames` returned with the tree serve `kind_name` on
/// this thread while the file is extracted.
pub fn parse_tree(
    file: &mut AppFile,
    text: &str,
    language: &tree_sitter::Language,
) -> Option<(tree_sitter::Tree, KindNames)> {
    parse_tree_within(file, text, language, parse_budget(text.len()))
}

/// `parse_tree` with a given time budget.
fn parse_tree_within(
    file: &mut AppFile,
    text: &str,
    language: &tree_sitter::Language,
    budget: std::time::Duration,
) -> Option<(tree_sitter::Tree, KindNames)> {
    // One parser per thread, reused across files: a parser keeps its stacks and lexer
    // buffers, which a new parser would allocate again for every file.
    thread_local! {
        static PARSER: std::cell::RefCell<tree_sitter::Parser> =
            std::cell::RefCell::new(tree_sitter::Parser::new());
    }
    let started = std::time::Instant::now();
    let mut over_budget = false;
    let tree = PARSER.with(|parser| {
        let mut parser = parser.try_borrow_mut().ok()?;
        parser.set_language(language).ok()?;
        // Called every few hundred parser operations; `true` stops the parse.
        let mut stop = |_: &tree_sitter::ParseState| {
            over_budget = started.elapsed() > budget;
            over_budget
        };
        let bytes = text.as_bytes();
        let mut read = |offset: usize, _: tree_sitter::Point| bytes.get(offset..).unwrap_or(&[]);
        let tree = crate::timing::measure("tree-sitter parse", text.len(), || {
            parser.parse_with_options(
                &mut read,
                None,
                Some(tree_sitter::ParseOptions::new().progress_callback(&mut stop)),
            )
        });
        if tree.is_none() {
            // A parse that stopped part-way keeps state for a resumption that never comes.
            parser.reset();
        }
        tree
    });
    match tree {
        Some(tree) => Some((tree, KindNames::enter(language))),
        None => {
            file.error_share = 1.0;
            if over_budget {
                file.not_parsed = Some(format!(
                    "not scanned: the parser gave up after {:.0} s on this file's syntax (its grammar's error recovery, on {} bytes); the rest of the scan is complete",
                    budget.as_secs_f64(),
                    text.len()
                ));
            }
            None
        }
    }
}

thread_local! {
    /// Node kind names by kind id, for the grammar of the file extracted on this thread.
    static KIND_NAMES: std::cell::RefCell<Vec<Option<&'static str>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// While alive, `kind_name` reads kind names from a table of one grammar instead of
/// `Node::kind`, which measures and validates the C string of the name on every call
/// (7% of all instructions of an application scan). Only nodes of that grammar may be
/// asked on this thread while it lives.
pub struct KindNames(());

impl KindNames {
    fn enter(language: &tree_sitter::Language) -> KindNames {
        KIND_NAMES.with(|names| {
            if let Ok(mut names) = names.try_borrow_mut() {
                names.clear();
                names.extend((0..language.node_kind_count()).map(|id| {
                    u16::try_from(id)
                        .ok()
                        .and_then(|id| language.node_kind_for_id(id))
                }));
            }
        });
        KindNames(())
    }
}

impl Drop for KindNames {
    fn drop(&mut self) {
        KIND_NAMES.with(|names| {
            if let Ok(mut names) = names.try_borrow_mut() {
                names.clear();
            }
        });
    }
}

/// `node.kind_name()`: `Node::kind`, from the table of the current `KindNames`.
pub trait KindExt {
    fn kind_name(&self) -> &'static str;
}

impl KindExt for Node<'_> {
    fn kind_name(&self) -> &'static str {
        // `kind_id` is the public symbol, which has the name of the node's own symbol;
        // ERROR (65535) and anything outside the table take the slow path.
        let id = usize::from(self.kind_id());
        KIND_NAMES
            .with(|names| names.try_borrow().ok()?.get(id).copied().flatten())
            .unwrap_or_else(|| self.kind())
    }
}

/// Nodes with at most this many children are read by index: `Node::child(i)` is O(i),
/// but a cursor step costs hundreds of instructions and a cursor an allocation.
const CHILDREN_BY_INDEX: usize = 8;

/// Calls `visit` on each child of `node` in order (only the named ones when
/// `named_only`), without collecting them in a `Vec`.
pub fn for_each_child<'t>(node: Node<'t>, named_only: bool, mut visit: impl FnMut(Node<'t>)) {
    let count = if named_only {
        node.named_child_count()
    } else {
        node.child_count()
    };
    if count == 0 {
        return;
    }
    if count <= CHILDREN_BY_INDEX {
        for i in 0..count {
            let child = if named_only {
                node.named_child(i)
            } else {
                node.child(i)
            };
            if let Some(child) = child {
                visit(child);
            }
        }
        return;
    }
    let mut cursor = node.walk();
    if !cursor.goto_first_child() {
        return;
    }
    loop {
        let child = cursor.node();
        if !named_only || child.is_named() {
            visit(child);
        }
        if !cursor.goto_next_sibling() {
            break;
        }
    }
}

/// The children of `node` (only the named ones when `named_only`), in order.
pub fn children_of(node: Node, named_only: bool) -> Vec<Node> {
    let mut children = Vec::new();
    for_each_child(node, named_only, |child| children.push(child));
    children
}

/// Visits every node under `root` (itself included) in document order, with the
/// document-order index of its parent; no deeper than `max_depth` levels.
pub fn visit_preorder<'t>(
    root: Node<'t>,
    max_depth: usize,
    visit: impl FnMut(Node<'t>, Option<usize>),
) {
    visit_preorder_where(root, max_depth, false, visit)
}

/// `visit_preorder`, optionally over named nodes only: anonymous ones (punctuation,
/// keywords) take no index, and a node's parent is then its nearest named ancestor.
pub fn visit_preorder_where<'t>(
    root: Node<'t>,
    max_depth: usize,
    named_only: bool,
    mut visit: impl FnMut(Node<'t>, Option<usize>),
) {
    // A tree cursor moves to a first child, sibling or parent in constant time, where
    // `Node::child(i)` walks the parent's children from the first one.
    let mut cursor = root.walk();
    // For each level above the cursor: the index its children take as their parent's.
    let mut ancestors: Vec<Option<usize>> = Vec::new();
    let mut index = 0;
    loop {
        let node = cursor.node();
        let parent = ancestors.last().copied().flatten();
        let own = if named_only && !node.is_named() {
            parent
        } else {
            visit(node, parent);
            index += 1;
            Some(index - 1)
        };
        if ancestors.len() < max_depth && cursor.goto_first_child() {
            ancestors.push(own);
            continue;
        }
        // The next sibling of the node or of its nearest ancestor that has one.
        while !cursor.goto_next_sibling() {
            if ancestors.pop().is_none() || !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Every named node under `root` (itself included) in document order, and the parent of
/// each (but `root`) by node id: its nearest named ancestor.
pub fn preorder_named(root: Node) -> (Vec<Node>, IdMap<Node>) {
    let count = root.descendant_count();
    let mut nodes: Vec<Node> = Vec::with_capacity(count);
    let mut parents = IdMap::with_capacity_and_hasher(count, FastHash::default());
    visit_preorder_where(root, usize::MAX, true, |node, parent| {
        if let Some(parent) = parent.and_then(|p| nodes.get(p)) {
            parents.insert(node.id(), *parent);
        }
        nodes.push(node);
    });
    (nodes, parents)
}

/// A cheap hasher for node ids, indices and field names (SipHash is slow for 100k+
/// lookups; these keys are not chosen by an adversary).
#[derive(Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // From the zero state this is `n * K`: a single id hashes as it always did.
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type FastHash = std::hash::BuildHasherDefault<IdHasher>;
pub type IdMap<V> = std::collections::HashMap<usize, V, FastHash>;
pub type IdSet = std::collections::HashSet<usize, FastHash>;

/// Counts ERROR / MISSING nodes and records where the first ones are.
pub fn record_errors(file: &mut AppFile, source: &Source, root: Node) {
    // A tree without errors needs no walk (most files).
    if !root.has_error() {
        file.error_share = 0.0;
        return;
    }
    let mut total = 0usize;
    let mut errors = 0usize;
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        total += 1;
        if node.is_error() || node.is_missing() {
            errors += 1;
            if file.error_regions.len() < 50 {
                file.error_regions
                    .push((source.start(node), source.end(node)));
            }
            continue;
        }
        if node.has_error() || node.child_count() > 0 {
            for child in node.children(&mut cursor) {
                stack.push(child);
            }
        }
    }
    file.error_share = if total == 0 {
        0.0
    } else {
        errors as f64 / total as f64
    };
}

/// Text that plainly holds a SQL statement: a statement keyword first, and the clause
/// that statement needs (`SELECT ... FROM`, `INSERT INTO`, `UPDATE ... SET`, `DELETE FROM`).
pub fn looks_like_sql(text: &str) -> bool {
    let trimmed = text.trim_start().trim_start_matches('(');
    let upper: String = trimmed
        .chars()
        .take(4000)
        .collect::<String>()
        .to_ascii_uppercase();
    let first = upper.split_whitespace().next().unwrap_or("");
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    // Prose such as "Select an option from the list" has the keywords but not SQL's shape:
    // an all-caps or all-lowercase keyword with SQL punctuation or clauses.
    let raw_first = trimmed.split_whitespace().next().unwrap_or("");
    let keyword_case =
        raw_first == raw_first.to_ascii_uppercase() || raw_first == raw_first.to_ascii_lowercase();
    let punctuation = trimmed.contains(['*', '=', ',', '(', '@', '$', '?', ';']);
    let clauses = [
        "WHERE", "JOIN", "ORDER", "GROUP", "VALUES", "SET", "INTO", "TOP", "LIMIT", "DISTINCT",
    ]
    .iter()
    .any(|c| has(c));
    if !(keyword_case && (punctuation || clauses || raw_first == raw_first.to_ascii_uppercase())) {
        return false;
    }
    match first {
        "SELECT" => has("FROM"),
        "WITH" => has("AS") && has("SELECT"),
        "INSERT" => has("INTO"),
        "UPDATE" => has("SET"),
        "DELETE" => has("FROM"),
        "MERGE" => has("USING"),
        "EXEC" | "EXECUTE" | "CALL" => words.len() >= 2 && words.len() < 40,
        _ => false,
    }
}

/// A connection string or URL with an inline password: returns the text with the secret
/// masked, or None.
pub fn masked_credentials(text: &str) -> Option<String> {
    // Fast path: most texts mention neither a password key nor a URL scheme.
    let bytes = text.as_bytes();
    let mentions = bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"pwd"))
        || bytes
            .windows(8)
            .any(|w| w.eq_ignore_ascii_case(b"password"))
        || text.contains("://");
    if !mentions || is_help_text(text) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    for key in ["password=", "pwd=", "password =", "pwd ="] {
        if let Some(at) = lower.find(key) {
            let value_start = at + key.len();
            let rest = &text[value_start..];
            let value_len = rest.find(';').unwrap_or(rest.len());
            let value = rest[..value_len]
                .trim()
                .trim_matches(|c| c == '\'' || c == '"');
            // `Password=;`, `Password={0}`, `Password=$(PASSWORD)`: no literal secret.
            let placeholder = placeholder_secret(value);
            let looks_like_connection = [
                "server=",
                "data source=",
                "host=",
                "database=",
                "initial catalog=",
                "user id=",
                "uid=",
                "user=",
            ]
            .iter()
            .any(|k| lower.contains(k));
            if !placeholder && looks_like_connection {
                return Some(format!(
                    "{}*****{}",
                    &text[..value_start],
                    &text[value_start + value_len..]
                ));
            }
        }
    }
    for scheme in [
        "postgres://",
        "postgresql://",
        "mysql://",
        "mssql://",
        "sqlserver://",
        "mongodb://",
        "mongodb+srv://",
        "redis://",
        "jdbc:postgresql://",
        "jdbc:mysql://",
    ] {
        if let Some(at) = lower.find(scheme) {
            let rest_start = at + scheme.len();
            let rest = &text[rest_start..];
            let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
            let authority = &rest[..authority_end];
            if let Some(at_sign) = authority.rfind('@') {
                let userinfo = &authority[..at_sign];
                if let Some(colon) = userinfo.find(':') {
                    let secret = &userinfo[colon + 1..];
                    let placeholder = placeholder_secret(secret);
                    if !placeholder {
                        let secret_start = rest_start + colon + 1;
                        return Some(format!(
                            "{}*****{}",
                            &text[..secret_start],
                            &text[secret_start + secret.len()..]
                        ));
                    }
                }
            }
        }
    }
    None
}

/// A password value that is not a secret: empty, a parameter or variable (`{0}`, `${PW}`,
/// `$(PW)`, `$1`, `%s`, `%(pw)s`, `?`, `@p`, `<password>`, `[password]`), masked already
/// (`***`), or a word of documentation (`your_password`, `password`, `changeme`, `xxx`,
/// `pass`, `example`).
fn placeholder_secret(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let same_char = value.chars().next().is_some_and(|first| {
        value.chars().all(|c| c == first) && matches!(first, 'x' | 'X' | '*' | '.' | '#' | '?')
    });
    let enclosed = |open: char, close: char| value.starts_with(open) && value.ends_with(close);
    value.is_empty()
        || value.starts_with('{')
        || value.starts_with("${")
        || value.starts_with("$(")
        || (value.starts_with('$') && value[1..].starts_with(|c: char| c.is_ascii_digit()))
        || value.starts_with('%')
        || enclosed('<', '>')
        || enclosed('[', ']')
        || value == "?"
        || value == "@p"
        || value.contains("***")
        || same_char
        || [
            "password",
            "passwd",
            "your",
            "changeme",
            "change_me",
            "change-me",
            "placeholder",
            "example",
            "xxx",
        ]
        .iter()
        .any(|word| lower.contains(word))
        || ["pass", "pwd", "pw", "..."].contains(&lower.as_str())
}

/// Documentation rather than configuration: HTML markup (`Password=<i>password</i>`) or
/// prose of many lines (a command's help text listing an example connection URL).
fn is_help_text(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["<i>", "<b>", "<br", "</", "<code>", "<p>", "<li>", "<em>"]
        .iter()
        .any(|tag| lower.contains(tag))
        || text.lines().filter(|l| !l.trim().is_empty()).count() > 6
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parse past its budget stops, and says so; the same file within its budget parses,
    /// on the same thread's parser (left clean by the stopped parse).
    #[test]
    fn a_parse_past_its_budget_stops_and_says_why() {
        let text =
            "function f(ids) { for (const id of ids) { pool.query('SELECT 1'); } }\n".repeat(50);
        let grammar: tree_sitter::Language = tree_sitter_javascript::LANGUAGE.into();
        let mut file = AppFile::new("a.js", crate::app::ir::Language::JavaScript);
        let parsed = parse_tree_within(&mut file, &text, &grammar, std::time::Duration::ZERO);
        assert!(parsed.is_none());
        let reason = file.not_parsed.as_deref().unwrap_or_default();
        assert!(
            reason.starts_with("not scanned: the parser gave up after 0 s"),
            "{reason}"
        );
        let mut file = AppFile::new("a.js", crate::app::ir::Language::JavaScript);
        assert!(parse_tree(&mut file, &text, &grammar).is_some());
        assert_eq!(file.not_parsed, None);
        assert!(parse_budget(1_000_000) >= std::time::Duration::from_secs(15));
    }

    #[test]
    fn sql_detection() {
        assert!(looks_like_sql("SELECT * FROM Users WHERE Id = @id"));
        assert!(looks_like_sql("  insert into t (a) values ($1)"));
        assert!(!looks_like_sql("Select an option from the list"));
        assert!(!looks_like_sql("select"));
        assert!(!looks_like_sql("Update your profile"));
    }

    #[test]
    fn credentials_are_masked() {
        assert_eq!(
            masked_credentials("Server=db;Database=app;User Id=sa;Password=Hunter2;").as_deref(),
            Some("Server=db;Database=app;User Id=sa;Password=*****;")
        );
        assert_eq!(
            masked_credentials("postgres://app:s3cret@db:5432/app").as_deref(),
            Some("postgres://app:*****@db:5432/app")
        );
        assert!(masked_credentials("Server=db;Password={0};").is_none());
        assert!(masked_credentials("postgres://app@db/app").is_none());
        assert!(masked_credentials("Enter your password=").is_none());
    }

    #[test]
    fn placeholders_and_help_text_are_not_credentials() {
        for text in [
            "Server=db;User Id=sa;Password=your_password;",
            "Server=db;User Id=sa;Password=<password>;",
            "Server=db;User Id=sa;Password=<i>password</i>;",
            "Server=db;User Id=sa;Password=changeme;",
            "Server=db;User Id=sa;Password=xxxx;",
            "Server=db;User Id=sa;Password=***;",
            "Server=db;User Id=sa;Password=%s;",
            "Server=db;User Id=sa;Password=${DB_PASSWORD};",
            "host=db user=app password=",
            "postgres://user:pass@localhost/db",
            "postgres://app:your-password@db/app",
            "postgres://app:<password>@db/app",
            "Usage: tool [options]\n  --host <host>\n  --user <user>\n  --password <pw>\n  --db <name>\n\nExamples:\n  tool --url postgres://app:hunter2@localhost/db\n",
        ] {
            assert!(masked_credentials(text).is_none(), "{text}");
        }
        assert!(masked_credentials("Server=db;User Id=sa;Password=Tr0ub4dor&3;").is_some());
        assert!(masked_credentials("postgresql://app:Tr0ub4dor@db:5432/app").is_some());
    }
}
