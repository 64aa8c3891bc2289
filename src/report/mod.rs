//! Renderers of a scan report: text (terminal), JSON (the contract), Markdown.

pub mod json;
pub mod markdown;
pub mod text;
