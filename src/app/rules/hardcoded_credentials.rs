//! `hardcoded-credentials`: a connection string literal holding a password.

use super::finding;
use crate::app::ir::AppFile;
use crate::app::lang::common::masked_credentials;
use crate::declare_rule;
use crate::model::{Category, Severity};
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
        out.push(finding(
                &HARDCODED_CREDENTIALS,
                file,
                literal.function,
                at,
                at.line,
                format!("connection string with an inline password: `{shown}`"),
                shown,
                Vec::new(),
                "Read it from configuration or a secret store, rotate the exposed password, prefer integrated or managed-identity authentication".into(),
            ));
    }
}
