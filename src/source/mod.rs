//! Finding and reading source files: the gitignore-aware walk and the decoding of
//! real-world encodings (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252).

pub mod decode;
pub mod generated;
pub mod git_diff;
pub mod lines;
pub mod test_code;
pub mod walk;

pub use decode::{decode, Decoded, Encoding, Undecodable};
pub use lines::LineIndex;
pub use walk::{walk, FileSet, WalkOptions};
