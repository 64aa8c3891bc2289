//! The gitignore-aware parallel walk over the paths given to `scan`.

use anyhow::{bail, Context, Result};
use globset::{GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Default file names scanned as SQL (matched case-insensitively on the file name).
pub const DEFAULT_SQL_GLOBS: &[&str] = &["*.sql"];

/// Default application source files (C#, JavaScript / TypeScript, Python, Java).
pub const DEFAULT_APP_GLOBS: &[&str] = &[
    "*.cs", "*.js", "*.jsx", "*.mjs", "*.cjs", "*.ts", "*.tsx", "*.mts", "*.cts", "*.py", "*.java",
];

/// Generated or vendored application files never worth reading. Minified and bundled
/// files are not here: `source::generated` recognises them by name and by content and the
/// scan lists them as skipped, with the reason.
pub const DEFAULT_APP_EXCLUDES: &[&str] = &[
    "*.d.ts",
    "node_modules/**",
    "**/node_modules/**",
    "**/vendor/**",
    "**/wwwroot/lib/**",
    "**/jquery*.js",
    "**/bootstrap*.js",
];

/// Which files a walk keeps: the default SQL set plus configured globs, minus excludes.
pub struct FileSet {
    include: GlobSet,
    exclude: GlobSet,
}

impl FileSet {
    /// `include` globs add to the default set and match the file name (`*.SqlDataProvider`)
    /// or, when they contain a `/`, the path. `exclude` globs match the path relative to
    /// the scanned root, or the file name.
    pub fn new(extra_include: &[String], exclude: &[String], with_app: bool) -> Result<FileSet> {
        let app: &[&str] = if with_app { DEFAULT_APP_GLOBS } else { &[] };
        let include_patterns = DEFAULT_SQL_GLOBS
            .iter()
            .chain(app)
            .map(|s| s.to_string())
            .chain(extra_include.iter().cloned());
        let excludes = DEFAULT_APP_EXCLUDES
            .iter()
            .filter(|_| with_app)
            .map(|s| s.to_string())
            .chain(exclude.iter().cloned());
        Ok(FileSet {
            include: build_globs(include_patterns, "include")?,
            exclude: build_globs(excludes, "exclude")?,
        })
    }

    fn matches(set: &GlobSet, relative: &Path) -> bool {
        set.is_match(relative) || relative.file_name().is_some_and(|name| set.is_match(name))
    }

    pub fn is_included(&self, relative: &Path) -> bool {
        Self::matches(&self.include, relative) && !self.is_excluded(relative)
    }

    pub fn is_excluded(&self, relative: &Path) -> bool {
        Self::matches(&self.exclude, relative)
    }
}

fn build_globs(patterns: impl Iterator<Item = String>, what: &str) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(&pattern)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .with_context(|| format!("invalid {what} glob `{pattern}`"))?;
        builder.add(glob);
    }
    builder
        .build()
        .with_context(|| format!("could not compile the {what} globs"))
}

pub struct WalkOptions<'a> {
    pub files: &'a FileSet,
    /// Also read files that .gitignore / .ignore exclude, and hidden files.
    pub no_ignore: bool,
}

/// A file the walk found, or a path it could not enter.
pub enum WalkEntry {
    File(PathBuf),
    Unreadable { path: PathBuf, reason: String },
}

/// What a walk found, and how many matching files .gitignore / .ignore / hidden-file
/// rules kept out (counted, so that nothing is left out without a word).
pub struct Walked {
    pub entries: Vec<WalkEntry>,
    pub ignored: usize,
}

/// Walks files and directories. Explicitly named files are always kept (unless
/// excluded); directories are walked in parallel and filtered by the file set. The
/// result is sorted so that output order does not depend on thread scheduling.
pub fn walk(paths: &[PathBuf], options: &WalkOptions) -> Result<Walked> {
    let mut entries = Vec::new();
    let mut ignored = 0usize;
    for path in paths {
        let metadata = std::fs::metadata(path).with_context(|| {
            format!(
                "cannot read `{}`: check the path exists and is readable",
                path.display()
            )
        })?;
        if metadata.is_file() {
            if !options.files.is_excluded(path) {
                entries.push(WalkEntry::File(path.clone()));
            }
            continue;
        }
        if !metadata.is_dir() {
            bail!("`{}` is neither a file nor a directory", path.display());
        }
        let found = Mutex::new(Vec::new());
        let mut builder = ignore::WalkBuilder::new(path);
        builder
            .standard_filters(!options.no_ignore)
            .follow_links(false);
        builder.build_parallel().run(|| {
            let found = &found;
            Box::new(move |result| {
                let entry = match result {
                    Ok(entry) => entry,
                    Err(error) => {
                        let path = error_path(&error).unwrap_or_else(|| path.clone());
                        push(
                            found,
                            WalkEntry::Unreadable {
                                path,
                                reason: error.to_string(),
                            },
                        );
                        return ignore::WalkState::Continue;
                    }
                };
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    let relative = entry.path().strip_prefix(path).unwrap_or(entry.path());
                    if options.files.is_included(relative) {
                        push(found, WalkEntry::File(entry.into_path()));
                    }
                }
                ignore::WalkState::Continue
            })
        });
        let found = found
            .into_inner()
            .unwrap_or_else(|poison| poison.into_inner());
        if !options.no_ignore {
            let kept = found
                .iter()
                .filter(|e| matches!(e, WalkEntry::File(_)))
                .count();
            ignored += count_matching(path, options.files).saturating_sub(kept);
        }
        entries.extend(found);
    }
    entries.sort_by(|a, b| entry_path(a).cmp(entry_path(b)));
    entries.dedup_by(|a, b| entry_path(a) == entry_path(b));
    Ok(Walked { entries, ignored })
}

/// Matching files under `root` with no ignore rules applied (`.git` itself skipped).
fn count_matching(root: &Path, files: &FileSet) -> usize {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git");
    builder
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| files.is_included(e.path().strip_prefix(root).unwrap_or(e.path())))
        .count()
}

fn push(found: &Mutex<Vec<WalkEntry>>, entry: WalkEntry) {
    let mut guard = found.lock().unwrap_or_else(|poison| poison.into_inner());
    guard.push(entry);
}

fn entry_path(entry: &WalkEntry) -> &Path {
    match entry {
        WalkEntry::File(path) => path,
        WalkEntry::Unreadable { path, .. } => path,
    }
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}
