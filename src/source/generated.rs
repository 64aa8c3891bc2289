//! Application files that are not hand-written source: minified or bundled JavaScript
//! (`*.min.js`, `*.bundle.js`) and any file with a line no person writes (thousands of
//! characters: a minifier's or generator's output, a vendored library pasted in one line).
//! Their "SQL" and "loops" are a library's internals, and tree-sitter spends most of a scan
//! on them, so they are not analysed; the scan lists each in `summary.skipped` with the
//! reason, never silently.

use std::path::Path;

/// File names of minified or bundled JavaScript, compared case-insensitively.
const GENERATED_SUFFIXES: &[&str] = &[
    ".min.js",
    ".min.mjs",
    ".min.cjs",
    "-min.js",
    ".bundle.js",
    ".chunk.js",
    ".min.ts",
];

/// A line longer than this (characters) is not written by hand.
const LONGEST_HAND_WRITTEN_LINE: usize = 5_000;

/// Why the application file `name` with `text` is skipped as generated, or None.
pub fn generated_reason(name: &str, text: &str) -> Option<String> {
    let file_name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(suffix) = GENERATED_SUFFIXES.iter().find(|s| file_name.ends_with(*s)) {
        return Some(format!(
            "not scanned: generated code (a `{suffix}` file is minified or bundled, not hand-written); scan its source instead"
        ));
    }
    let (number, longest) = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.len()))
        .max_by_key(|(_, len)| *len)?;
    // Bytes first (cheap); characters only for a candidate.
    if longest > LONGEST_HAND_WRITTEN_LINE {
        let chars = text
            .lines()
            .nth(number - 1)
            .map_or(0, |l| l.chars().count());
        if chars > LONGEST_HAND_WRITTEN_LINE {
            return Some(format!(
                "not scanned: generated or minified code (line {number} is {chars} characters long; hand-written source has no line over {LONGEST_HAND_WRITTEN_LINE}); scan its source instead"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minified_files_are_generated() {
        assert!(generated_reason("web/echarts.min.js", "var a=1;").is_some());
        assert!(generated_reason("dist/app.bundle.js", "").is_some());
        let long = format!("function f(){{{}}}\n", "a();".repeat(2_000));
        let reason = generated_reason("lib/vendor.js", &long).unwrap_or_default();
        assert!(reason.contains("line 1 is 8014 characters"), "{reason}");
        let normal = "function f() {\n  return db.query('SELECT 1');\n}\n";
        assert!(generated_reason("src/app.js", normal).is_none());
        assert!(generated_reason("src/Repo.cs", "").is_none());
    }
}
