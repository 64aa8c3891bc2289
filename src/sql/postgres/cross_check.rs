//! pg_query's PL/pgSQL compiler as a syntax cross-check of each body (`check_plpgsql`).

use crate::source::LineIndex;
use crate::sql::lex::Tok;
use crate::sql::unit::SqlUnit;

/// Runs the real PostgreSQL parser over a PL/pgSQL function or DO block and records
/// a body it rejects. Known false rejections of the bundled parser are not reported.
pub(super) fn check_with_postgres_parser(
    text: &str,
    lines: &LineIndex,
    statement: &[Tok],
    body: &Tok,
    unit: &mut SqlUnit,
) {
    let (Some(first), Some(last)) = (statement.first(), statement.last()) else {
        return;
    };
    let start = lines.offset(text, first.line, first.col);
    let end = lines.offset(text, last.end_line, last.end_col);
    let Some(source) = text.get(start..end.max(start)) else {
        return;
    };
    keep_freed_c_memory();
    // Only the answer is used: `check_plpgsql` does not parse the JSON `parse_plpgsql` builds.
    if let Err(pg_query::Error::Parse(message)) = pg_query::check_plpgsql(source) {
        let known_false = message.contains("Not implemented")
            || message.contains("VARIADIC")
            || message.contains("is not a known variable")
            || message.contains("RETURN QUERY")
            || message.contains("missing \"FROM or IN\"");
        if !known_false {
            unit.not_understood_at(
                body.line,
                body.col,
                body.end_line,
                format!("PostgreSQL rejects this PL/pgSQL body ({message}); it was analysed as far as it could be read"),
            );
        }
    }
}

/// Keeps the memory pg_query's C code frees for its next call. Each check allocates its
/// memory contexts with the C library's malloc and frees them on return; by default glibc
/// hands blocks of 128 KB or more back to the kernel (mmap / munmap) and trims the heap's
/// free top, so the next body's check touched new pages again, which the kernel zeroes
/// first: a quarter of a PL/pgSQL scan's page faults. With these two thresholds raised
/// once, freed blocks stay in the heap and are reused; the heap's size is then the
/// largest check's, as before it was at its peak. The Rust side's allocator (mimalloc)
/// is not glibc's, and is unaffected.
fn keep_freed_c_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets two of glibc's allocation parameters; 32 MiB is
            // the largest mmap threshold glibc accepts on 64-bit targets. A refusal
            // (return 0) leaves the defaults, which are correct, only slower.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 * 1024 * 1024);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 64 * 1024 * 1024);
            }
        });
    }
}
