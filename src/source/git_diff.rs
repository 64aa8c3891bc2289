//! The lines changed since a git revision, for `--diff-base REV`: what a pull request
//! touches. Read from `git diff --unified=0 BASE`, BASE being the merge base of REV and
//! HEAD (the working tree against it, staged or not), whose hunk headers give the new
//! side's changed lines, plus untracked files (not ignored), which count as changed as a
//! whole: they are new code too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Changed lines per file, by path relative to the repository root (forward slashes).
#[derive(Debug)]
pub struct ChangedLines {
    /// The repository root, canonical.
    root: PathBuf,
    /// The directory finding paths are relative to (where dbaudit runs).
    cwd: PathBuf,
    files: HashMap<String, Change>,
}

#[derive(Debug, PartialEq)]
enum Change {
    /// A new, untracked file.
    Whole,
    /// Inclusive 1-based line ranges of the new side.
    Lines(Vec<(u32, u32)>),
}

impl ChangedLines {
    /// Reads the changes of the repository containing `cwd` since `rev`.
    pub fn since(rev: &str, cwd: &Path) -> Result<ChangedLines> {
        if rev.starts_with('-') {
            bail!("--diff-base takes a revision (a branch, tag or commit such as origin/main), not `{rev}`");
        }
        let top = git(cwd, &["rev-parse", "--show-toplevel"]).with_context(|| {
            format!(
                "--diff-base needs a git repository, and `{}` is not inside one: run dbaudit in your repository's checkout, or leave --diff-base out to report every finding",
                cwd.display()
            )
        })?;
        let root = PathBuf::from(top.trim_end_matches(['\n', '\r']));
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot resolve the repository root `{}`", root.display()))?;
        let cwd = cwd
            .canonicalize()
            .with_context(|| format!("cannot resolve the directory `{}`", cwd.display()))?;
        git(&root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .with_context(|| {
                format!(
                    "unknown revision `{rev}` for --diff-base: fetch it first (e.g. `git fetch origin main` and `--diff-base origin/main`; in GitHub Actions, check out with `fetch-depth: 0`)"
                )
            })?;
        // Against the merge base, as a pull request's diff is: lines that changed on the
        // base branch since the branch point are not this branch's changes. Without a
        // common ancestor (unrelated histories), against REV itself.
        let base = git(&root, &["merge-base", rev, "HEAD"])
            .map(|out| out.trim().to_string())
            .unwrap_or_else(|_| rev.to_string());
        let diff = git(
            &root,
            &[
                "-c",
                "core.quotePath=false",
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                &base,
                "--",
            ],
        )
        .with_context(|| format!("`git diff {base}` failed"))?;
        let mut files: HashMap<String, Change> = parse_diff(&diff)
            .into_iter()
            .map(|(path, lines)| (path, Change::Lines(lines)))
            .collect();
        let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])
            .context("`git ls-files --others` failed")?;
        for path in untracked.split('\0').filter(|p| !p.is_empty()) {
            files.insert(path.to_string(), Change::Whole);
        }
        Ok(ChangedLines { root, cwd, files })
    }

    /// Whether any line of `start..=end` of `file` (a path as dbaudit prints it: relative
    /// to the current directory, or absolute) changed.
    pub fn touches(&self, file: &str, start: u32, end: u32) -> bool {
        let Some(path) = self.repo_relative(file) else {
            return false;
        };
        match self.files.get(&path) {
            Some(Change::Whole) => true,
            Some(Change::Lines(ranges)) => ranges
                .iter()
                .any(|(from, to)| *from <= end.max(start) && start <= *to),
            None => false,
        }
    }

    fn repo_relative(&self, file: &str) -> Option<String> {
        let path = Path::new(file);
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        };
        // The file was just scanned, so it exists; canonical paths compare through `..`
        // and symbolic links in the directories above it.
        let canonical = absolute.canonicalize().ok()?;
        let relative = canonical.strip_prefix(&self.root).ok()?;
        Some(relative.to_string_lossy().replace('\\', "/"))
    }
}

/// Runs git, returning its standard output; a failure carries git's own message.
fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git: --diff-base needs git on the PATH")?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
        bail!(
            "git {} exited with {}{}",
            args.first().copied().unwrap_or(""),
            output.status,
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            }
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The new side's changed line ranges per file of a `--unified=0` diff. Deleted files
/// (`+++ /dev/null`) and pure deletions (`+c,0`) contribute no lines.
fn parse_diff(diff: &str) -> HashMap<String, Vec<(u32, u32)>> {
    let mut files: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(target) = line.strip_prefix("+++ ") {
            // git ends a name that contains a space with a tab.
            let target = unquote(target.strip_suffix('\t').unwrap_or(target));
            current = target.strip_prefix("b/").map(str::to_string);
            if let Some(path) = &current {
                files.entry(path.clone()).or_default();
            }
        } else if line.starts_with("@@ ") {
            let (Some(path), Some(range)) = (&current, new_side_range(line)) else {
                continue;
            };
            if let Some(lines) = files.get_mut(path) {
                lines.push(range);
            }
        }
    }
    files
}

/// `@@ -a,b +c,d @@` → `(c, c + d - 1)`; `d` defaults to 1, and 0 means no new lines.
fn new_side_range(header: &str) -> Option<(u32, u32)> {
    let new_side = header.split(' ').find_map(|part| part.strip_prefix('+'))?;
    let (start, count) = match new_side.split_once(',') {
        Some((start, count)) => (start.parse::<u32>().ok()?, count.parse::<u32>().ok()?),
        None => (new_side.parse::<u32>().ok()?, 1),
    };
    (count > 0).then(|| (start, start + count - 1))
}

/// Undoes git's C-style quoting of unusual paths (`"a\tb\303\251.sql"`).
fn unquote(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(0x07),
            Some(b'b') => bytes.push(0x08),
            Some(b'f') => bytes.push(0x0c),
            Some(b'v') => bytes.push(0x0b),
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    match chars.peek() {
                        Some(o @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(o - b'0');
                            chars.next();
                        }
                        _ => break,
                    }
                }
                bytes.push((value & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_new_side_ranges() {
        let diff = "diff --git a/db/a.sql b/db/a.sql\n--- a/db/a.sql\n+++ b/db/a.sql\n@@ -3 +3 @@\n-x\n+y\n@@ -10,0 +11,2 @@\n+a\n+b\n@@ -20,2 +21,0 @@\n-c\n-d\ndiff --git a/gone.sql b/gone.sql\n--- a/gone.sql\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let files = parse_diff(diff);
        assert_eq!(files.get("db/a.sql"), Some(&vec![(3, 3), (11, 12)]));
        assert!(!files.contains_key("gone.sql"));
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        assert_eq!(unquote("\"b/a\\tb \\303\\251.sql\""), "b/a\tb é.sql");
        assert_eq!(unquote("b/plain name.sql"), "b/plain name.sql");
    }
}
