//! Engine-neutral types shared by every part of dbaudit: the contract between
//! scanning, analysis, advice, scoring and rendering (see docs/ARCHITECTURE.md).

pub mod audit;
pub mod finding;
pub mod object;
pub mod progress;
pub mod recommendation;
pub mod report;
pub mod score;
pub mod secrets;
pub mod settings;
pub mod snapshot;

pub use finding::{
    Category, Confidence, ConfidenceLevel, Diagnostic, DiagnosticKind, Evidence, Finding, Location,
    RelatedLocation, Severity,
};
pub use object::{ObjectFact, ObjectKind, PredicateFact, PredicateUse};
pub use report::{ScanReport, ScanSummary, SkippedFile, SCHEMA_VERSION};
