//! Renderers of a scan report: text (terminal), JSON (the contract), Markdown.

pub mod audit;
pub mod diff;
pub mod json;
pub mod markdown;
pub mod progress;
pub mod text;
