//! One front end per language. C# is lowered to the typed IR (`csharp/`: its catalogue as
//! data, the lowering, tests) and analysed by the one core (`app::core`), and so is
//! Python (`python/`); Java (`java/`) and JavaScript / TypeScript (`javascript/`)
//! extract `AppFile` facts directly, each with its catalogue of database call sites as data
//! in one place. `tree` holds the tree helpers they all share.

pub mod common;
pub mod csharp;
pub mod java;
pub mod javascript;
pub mod python;
pub mod tree;
