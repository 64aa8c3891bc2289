//! One adapter per language: tree-sitter tree -> `AppFile` facts, with the language's
//! catalogue of database call sites kept in one place per language.

pub mod common;
pub mod csharp;
pub mod java;
pub mod javascript;
pub mod python;
