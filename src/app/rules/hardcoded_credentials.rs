//! `hardcoded-credentials`: a connection string literal holding a password.

use super::finding;
use crate::app::ir::AppFile;
use crate::app::lang::common::masked_credentials;
use crate::declare_rule;
use crate::model::{Category, ConfidenceLevel, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A string literal in application source that is a connection string or URL with an
    /// inline password: `Server=...;User Id=sa;Password=...`, `postgres://user:secret@host`,
    /// `jdbc:mysql://...`. Placeholders (`Password={0}`, `${DB_PASSWORD}`, `%(pw)s`,
    /// `<password>`, `your_password`, `changeme`, `xxx`, `***`, an empty value) and
    /// documentation (HTML markup such as `Password=<i>password</i>`, a command's help text
    /// of many lines with an example URL) are not reported. The secret is masked in every
    /// output.
    ///
    /// ## Why it matters
    /// The password is in the repository's history for everyone with read access, in every
    /// clone and backup, and cannot be rotated without a code change; it is usually the same
    /// in every environment.
    ///
    /// ## Example
    /// ```csharp
    /// const string ConnectionString = "Server=db;Database=Psyter;User Id=app;Password=*****;";
    /// ```
    ///
    /// ## How to fix
    /// Read the connection string from configuration or a secret store (environment
    /// variables, Azure Key Vault, AWS Secrets Manager, user secrets), rotate the exposed
    /// password, and prefer integrated / managed-identity authentication.
    pub static HARDCODED_CREDENTIALS = {
        name: "hardcoded-credentials",
        code: "APP007",
        category: Category::Security,
        default_severity: Severity::High,
        summary: "A connection string literal with a password",
    };
}

pub fn check(file: &AppFile, out: &mut Vec<RawFinding>) {
    for literal in &file.strings {
        let Some(masked) = masked_credentials(&literal.text) else {
            continue;
        };
        let shown: String = masked.chars().take(160).collect();
        // At the literal's first character (for a concatenation, its first literal).
        let at = literal
            .segments
            .first()
            .map_or(literal.start, |(_, pos)| *pos);
        let mut raw = finding(
                &HARDCODED_CREDENTIALS,
                file,
                literal.function,
                at,
                at.line,
                format!("connection string with an inline password: `{shown}`"),
                shown,
                Vec::new(),
                "Read it from configuration or a secret store, rotate the exposed password, prefer integrated or managed-identity authentication".into(),
            );
        if looks_like_placeholder(masked_value(&literal.text, &masked)) {
            raw.confidence.lower(
                ConfidenceLevel::Low,
                "the password looks like a placeholder or an example (`changeme`, `<password>`, `xxxx`), not a real secret",
            );
        }
        out.push(raw);
    }
}

/// The part of `text` that `masked` replaced with `*****`: what is left between their
/// common beginning and end.
fn masked_value<'t>(text: &'t str, masked: &str) -> &'t str {
    let prefix: usize = text
        .char_indices()
        .zip(masked.chars())
        .take_while(|((_, a), b)| a == b)
        .map(|((_, a), _)| a.len_utf8())
        .sum();
    let suffix: usize = text[prefix..]
        .chars()
        .rev()
        .zip(masked[prefix.min(masked.len())..].chars().rev())
        .take_while(|(a, b)| a == b && *b != '*')
        .map(|(a, _)| a.len_utf8())
        .sum();
    &text[prefix..text.len() - suffix]
}

/// A password that documentation or a sample would hold rather than a real one: a
/// well-known example word, `<...>` / `[...]`, or one character repeated (`xxxx`).
fn looks_like_placeholder(value: &str) -> bool {
    let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
    if value.starts_with('<') && value.ends_with('>')
        || value.starts_with('[') && value.ends_with(']')
    {
        return true;
    }
    let word: String = value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        if word.len() >= 3 && chars.all(|c| c == first) {
            return true;
        }
    }
    matches!(
        word.as_str(),
        "changeme"
            | "changeit"
            | "changethis"
            | "secret"
            | "example"
            | "sample"
            | "dummy"
            | "placeholder"
            | "redacted"
            | "yourpassword"
            | "mypassword"
            | "enterpasswordhere"
            | "passwordhere"
            | "pass"
            | "passwd"
            | "pwd"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_masked_value_is_found_and_placeholders_are_told_apart() {
        // A placeholder is no credential at all (`masked_credentials` skips it); a value it
        // still masks but that reads like an example is lowered to low confidence.
        assert_eq!(
            masked_credentials("Server=db;User Id=app;Password=changeme;Database=x"),
            None
        );
        let text = "Server=db;User Id=app;Password=K7#pq2Lm;Database=x";
        let masked = masked_credentials(text).expect("a password");
        assert_eq!(masked_value(text, &masked), "K7#pq2Lm");
        assert!(looks_like_placeholder("changeme"));
        assert!(looks_like_placeholder("<your-password>"));
        assert!(looks_like_placeholder("xxxxxx"));
        assert!(looks_like_placeholder("Your_Password"));
        assert!(!looks_like_placeholder("Tr0ub4dor&3"));
        assert!(!looks_like_placeholder("s3cr3t-prod-2024"));
        let url = "postgres://app:hunter2@db/app";
        let masked = masked_credentials(url).expect("a password");
        assert_eq!(masked_value(url, &masked), "hunter2");
    }
}
