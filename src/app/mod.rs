//! Application-source analysis (C#, JavaScript/TypeScript, Python, Java) on tree-sitter
//! trees: the C#, Python, JavaScript / TypeScript and Java front ends lower their trees to
//! the typed IR (`ir::typed`), which the one core (`core`) turns into the language-neutral
//! facts of `ir`, connections and their release included;
//! `resolve` finds the repository's query methods across files; `rules/` report on them;
//! `store` keeps the repository rules' facts on disk between the two passes.

pub mod core;
pub mod embedded_sql;
pub mod ir;
pub mod lang;
pub mod literal_text;
pub mod loop_shape;
pub mod resolve;
pub mod rules;
pub mod store;

use ir::{AppFile, Language};

/// Extracts the facts of one file (None when the extension is not an application
/// language dbaudit reads).
pub fn extract(path: &str, text: &str) -> Option<AppFile> {
    let language = Language::of_path(std::path::Path::new(path))?;
    let name = match language {
        Language::CSharp => "parse + extract csharp",
        Language::JavaScript => "parse + extract javascript",
        Language::TypeScript => "parse + extract typescript",
        Language::Python => "parse + extract python",
        Language::Java => "parse + extract java",
    };
    let mut file = crate::timing::measure(name, text.len(), || {
        if let Some(front_end) = front_end(language) {
            return core::extract(front_end, path, text);
        }
        match language {
            Language::CSharp => lang::csharp::extract(path, text),
            Language::JavaScript | Language::TypeScript => {
                lang::javascript::extract(path, text, language)
            }
            Language::Python => lang::python::extract(path, text),
            Language::Java => lang::java::extract(path, text),
        }
    });
    file.embedded_database = lang::embedded_database(language, text);
    Some(file)
}

/// The front end of a language lowered to the typed IR and analysed by `core` (C#,
/// JavaScript / TypeScript, Java; Python's `extract` takes the core itself).
pub fn front_end(language: Language) -> Option<&'static dyn ir::typed::LanguageFrontEnd> {
    match language {
        Language::CSharp => Some(&lang::csharp::CSharp),
        Language::JavaScript | Language::TypeScript => Some(lang::javascript::front_end(language)),
        Language::Java => Some(&lang::java::Java),
        Language::Python => None,
    }
}
