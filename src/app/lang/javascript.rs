//! Placeholder: the JavaScript / TypeScript adapter is being written.

use crate::app::ir::{AppFile, Language};

pub fn extract(path: &str, _text: &str, language: Language) -> AppFile {
    AppFile::new(path, language)
}
