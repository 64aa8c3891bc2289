//! Renderers of a scan report: text (terminal), JSON (the contract), Markdown, and the CI
//! formats: SARIF (code scanning), GitHub workflow commands, GitLab Code Quality.

pub mod audit;
pub mod diff;
pub mod escape;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod markdown;
pub mod progress;
pub mod sarif;
pub mod text;
pub mod width;
