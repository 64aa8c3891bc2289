//! Where each file's calls between functions (`Edge`s) and the repository rules' facts wait
//! between the per-file pass and the cross-file pass: an anonymous temporary file, so that
//! a scan's memory is bounded by the files being parsed and a few numbers per function
//! (`FileIndex`), not by the size of the repository. Where no temporary file can be made
//! or written (a read-only or full temporary directory), they stay in memory instead:
//! nothing is lost, the scan only uses more memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What the worker threads hand over to the cross-file pass: the names of the index, and
/// the facts each file stored.
pub struct FactStore {
    pub names: super::ir::Names,
    /// The temporary file (deleted by the OS when closed) and its length.
    disk: Option<Mutex<(File, u64)>>,
}

/// Where one stored value is.
pub enum Stored<T> {
    Disk {
        offset: u64,
        len: u64,
        of: PhantomData<fn() -> T>,
    },
    Memory(Box<T>),
}

impl FactStore {
    /// A store on a temporary file in the system's temporary directory (`TMPDIR`), or in
    /// memory when none can be made.
    pub fn temporary() -> FactStore {
        FactStore {
            names: Default::default(),
            disk: tempfile::tempfile().ok().map(|file| Mutex::new((file, 0))),
        }
    }

    /// A store that keeps everything in memory (single-file scans, tests).
    pub fn in_memory() -> FactStore {
        FactStore {
            names: Default::default(),
            disk: None,
        }
    }

    /// Whether facts go to disk.
    pub fn is_on_disk(&self) -> bool {
        self.disk.is_some()
    }

    /// How many bytes of facts are on disk.
    pub fn bytes_on_disk(&self) -> u64 {
        self.disk
            .as_ref()
            .and_then(|disk| disk.lock().ok().map(|guard| guard.1))
            .unwrap_or(0)
    }

    pub fn put<T: Serialize>(&self, value: T) -> Stored<T> {
        let Some(disk) = &self.disk else {
            return Stored::Memory(Box::new(value));
        };
        let Ok(bytes) = postcard::to_stdvec(&value) else {
            return Stored::Memory(Box::new(value));
        };
        let Ok(mut guard) = disk.lock() else {
            return Stored::Memory(Box::new(value));
        };
        let (file, end) = &mut *guard;
        let offset = *end;
        // Appends at the end; on a failed or partial write, the next write starts at the
        // same offset again, and this value stays in memory.
        let written = file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| file.write_all(&bytes));
        if written.is_err() {
            return Stored::Memory(Box::new(value));
        }
        let len = bytes.len() as u64;
        *end += len;
        Stored::Disk {
            offset,
            len,
            of: PhantomData,
        }
    }

    /// A stored value back (`path`: the file it is of, for the error message).
    pub fn take<T: DeserializeOwned>(&self, stored: Stored<T>, path: &str) -> Result<T> {
        let (offset, len) = match stored {
            Stored::Memory(value) => return Ok(*value),
            Stored::Disk { offset, len, .. } => (offset, len),
        };
        let what = || {
            format!(
                "could not read back the facts of {path} from the scan's temporary file; check the temporary directory (TMPDIR) and run the scan again"
            )
        };
        let disk = self.disk.as_ref().with_context(what)?;
        let mut bytes = vec![0; usize::try_from(len).with_context(what)?];
        {
            let mut guard = disk
                .lock()
                .map_err(|_| anyhow::anyhow!("a worker thread failed"))
                .with_context(what)?;
            let (file, _) = &mut *guard;
            file.seek(SeekFrom::Start(offset)).with_context(what)?;
            file.read_exact(&mut bytes).with_context(what)?;
        }
        postcard::from_bytes(&bytes).with_context(what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ir::{Comment, Edge, Loop, Pos, RuleFacts};

    fn facts(n: u32) -> RuleFacts {
        RuleFacts {
            loops: vec![Loop {
                function: Some(n as usize),
                kind: "foreach".into(),
                start: Pos { line: n, column: 1 },
                end: Pos {
                    line: n + 1,
                    column: 2,
                },
                span: (0, 10),
                source_text: Some(format!("users{n}")),
                source_call: None,
                source_var: Some("users".into()),
                variables: vec!["u".into()],
                source_param: false,
                rows_of: None,
            }],
            comments: vec![Comment {
                line: n,
                text: "// dbaudit:ignore n-plus-one".into(),
            }],
            ..RuleFacts::default()
        }
    }

    /// Facts come back as they went in, whichever order they are read in, on disk and in
    /// memory.
    #[test]
    fn facts_come_back_as_stored() {
        for store in [FactStore::temporary(), FactStore::in_memory()] {
            let stored: Vec<Stored<RuleFacts>> = (1..=3).map(|n| store.put(facts(n))).collect();
            let mut back = Vec::new();
            for (n, s) in stored.into_iter().enumerate().rev() {
                back.push((n, store.take(s, "a.cs").expect("read back")));
            }
            for (n, f) in back {
                let expected = facts(n as u32 + 1);
                assert_eq!(f.loops[0].source_text, expected.loops[0].source_text);
                assert_eq!(f.loops[0].start, expected.loops[0].start);
                assert_eq!(f.comments[0].text, expected.comments[0].text);
            }
            let edges = vec![Edge {
                function: 1,
                order: 7,
                arity: 2,
                callee: 40_000,
                receiver: crate::app::ir::NO_NAME,
                receiver_type: crate::app::ir::TypeKey::Class(12),
            }];
            let stored = store.put(edges.clone());
            assert_eq!(store.take(stored, "a.cs").expect("read back"), edges);
        }
        assert!(
            FactStore::temporary().is_on_disk(),
            "the temporary directory is writable here"
        );
    }
}
