//! Placeholder: the java adapter is being written.

use crate::app::ir::{AppFile, Language};

pub fn extract(path: &str, _text: &str) -> AppFile {
    AppFile::new(path, Language::Java)
}
