//! C#: ADO.NET, Dapper and Entity Framework call sites, loops (including LINQ and
//! `List.ForEach` callbacks), connection lifetime (`using`, `using var`, `await using`,
//! `finally`) and blocking on database tasks (`.Result`, `.Wait()`,
//! `.GetAwaiter().GetResult()`). The front end lowers the tree to the typed IR
//! (`lower`; connections in `resources`, strings in `strings`), with its catalogue as data
//! (`catalogue`); the core (`app::core`) makes the facts.

pub mod catalogue;
pub mod lower;
mod resources;
mod strings;
#[cfg(test)]
mod tests;

use crate::app::ir::typed::{LanguageFrontEnd, Unit};
use crate::app::ir::{AppFile, Language};

/// The C# front end.
pub struct CSharp;

impl LanguageFrontEnd for CSharp {
    fn language(&self) -> Language {
        Language::CSharp
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["cs"]
    }

    fn grammar(&self) -> tree_sitter::Language {
        tree_sitter_c_sharp::LANGUAGE.into()
    }

    fn is_test_file(&self, path: &str) -> bool {
        crate::source::test_code::is_test_path(std::path::Path::new(path))
    }

    fn is_library_type(&self, name: &str) -> bool {
        catalogue::LIBRARY_TYPES.contains(&name)
    }

    fn is_untyped(&self, name: &str) -> bool {
        catalogue::UNTYPED.contains(&name)
    }

    fn lower(&self, path: &str, text: &str) -> Unit {
        lower::lower(path, text)
    }
}

/// The facts of one C# file: lowered, then analysed by the core.
pub fn extract(path: &str, text: &str) -> AppFile {
    crate::app::core::extract(&CSharp, path, text)
}
