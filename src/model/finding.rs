//! Findings (what a rule reports) and diagnostics (what dbaudit could not read or
//! understand). Both serialise with stable kebab-case names: JSON consumers rely on them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// How much a finding matters. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scored area a finding belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Indexing,
    QueryPatterns,
    RuntimeHotspots,
    ConnectionManagement,
    Security,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: &'static [Category] = &[
        Category::Indexing,
        Category::QueryPatterns,
        Category::RuntimeHotspots,
        Category::ConnectionManagement,
        Category::Security,
    ];

    /// As a heading: `Query patterns`.
    pub fn title(self) -> &'static str {
        match self {
            Category::Indexing => "Indexing",
            Category::QueryPatterns => "Query patterns",
            Category::RuntimeHotspots => "Runtime hotspots",
            Category::ConnectionManagement => "Connection management",
            Category::Security => "Security",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Indexing => "indexing",
            Category::QueryPatterns => "query-patterns",
            Category::RuntimeHotspots => "runtime-hotspots",
            Category::ConnectionManagement => "connection-management",
            Category::Security => "security",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding is: a file position (1-based line and column) and the enclosing
/// object (`dbo.Appointment_GetByClientId`), or a database object for live findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

impl Location {
    pub fn in_file(file: &str, line: u32, column: u32) -> Location {
        Location {
            file: Some(file.to_string()),
            line: Some(line),
            column: Some(column),
            end_line: None,
            object: None,
        }
    }
}

/// Another place that explains a finding (the per-row statements of a loop, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RelatedLocation {
    /// The file of this place when it is not the finding's own (the loop of a callee
    /// defined in another file); absent means the finding's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub line: u32,
    pub column: u32,
    pub text: String,
}

/// How sure a rule is that a finding is worth fixing. Ordered `Low < Medium < High`.
///
/// A rule lowers it when it had to guess: the table's kind is unknown, a call was
/// resolved by name alone, the loop body runs dynamic SQL. Default output and
/// `--fail-on` count only findings at or above `--min-confidence` (default `high`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ConfidenceLevel {
    Low,
    Medium,
    #[default]
    High,
}

impl ConfidenceLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfidenceLevel::Low => "low",
            ConfidenceLevel::Medium => "medium",
            ConfidenceLevel::High => "high",
        }
    }

    pub fn parse(text: &str) -> Option<ConfidenceLevel> {
        match text.trim().to_ascii_lowercase().as_str() {
            "low" => Some(ConfidenceLevel::Low),
            "medium" => Some(ConfidenceLevel::Medium),
            "high" => Some(ConfidenceLevel::High),
            _ => None,
        }
    }
}

impl fmt::Display for ConfidenceLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding's confidence and, when below `high`, the reasons that lowered it
/// ("unknown table kind", "call resolved by name only", ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Confidence {
    pub level: ConfidenceLevel,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

impl Confidence {
    pub fn high() -> Confidence {
        Confidence::default()
    }

    /// Lowers the confidence to at most `level`, recording why.
    pub fn lower(&mut self, level: ConfidenceLevel, reason: impl Into<String>) {
        self.level = self.level.min(level);
        let reason = reason.into();
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }

    /// `self` lowered to at most `level` for `reason`.
    pub fn lowered(mut self, level: ConfidenceLevel, reason: impl Into<String>) -> Confidence {
        self.lower(level, reason);
        self
    }
}

/// What triggered a finding: a code excerpt, related places, or measured numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedLocation>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
}

/// One problem found by one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Stable kebab-case rule name, e.g. `select-star`.
    pub rule: String,
    /// Stable short id, e.g. `SQL001`.
    pub code: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    pub evidence: Evidence,
    pub recommendation: String,
    /// How sure the rule is; live checks read measured numbers and are `high`.
    #[serde(default)]
    pub confidence: Confidence,
    /// Stable across line moves: rule + file + object + normalised snippet (+ occurrence).
    pub fingerprint: String,
}

impl Finding {
    /// Computes the line-independent fingerprint from the rule, file, enclosing object
    /// and the whitespace- and case-normalised snippet. `occurrence` separates identical
    /// snippets in the same object (0 for the first).
    pub fn compute_fingerprint(&self, occurrence: usize) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.rule.as_bytes());
        hasher.update([0]);
        hasher.update(self.location.file.as_deref().unwrap_or("").as_bytes());
        hasher.update([0]);
        hasher.update(self.location.object.as_deref().unwrap_or("").as_bytes());
        hasher.update([0]);
        hasher.update(normalise_snippet(self.evidence.snippet.as_deref().unwrap_or("")).as_bytes());
        hasher.update([0]);
        hasher.update(occurrence.to_string().as_bytes());
        let digest = hasher.finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Text on one line for messages and evidence: white-space runs folded to one space,
/// shortened to `max` characters with `…`. Reads only as much of `text` as it needs.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            pending_space = count > 0;
            continue;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(ch);
        count += 1;
        if count > max {
            let cut: String = out.chars().take(max).collect();
            return format!("{cut}…");
        }
    }
    out
}

/// Lower-cases and folds white space so that re-indentation keeps a fingerprint.
pub fn normalise_snippet(snippet: &str) -> String {
    snippet
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The kinds of things dbaudit tells about its own reading of the input.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// A region of a file the structure parser could not make sense of; the rest of the
    /// file was still analysed.
    NotUnderstood,
    /// A file that was not analysed at all (binary, undecodable, too large, unreadable).
    SkippedFile,
    /// A file decoded with the Windows-1252 fallback because it was not valid UTF-8.
    EncodingFallback,
}

/// A message about dbaudit's reading of the input, never about the code's quality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
}
