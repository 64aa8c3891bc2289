//! The `dbaudit` binary: parse the command line, run, map errors to exit code 2.

use clap::Parser;
use std::ffi::c_void;

/// mimalloc for Rust's allocations: the application-source scan allocates and frees many small
/// objects from several worker threads, where glibc's malloc spends noticeably more. Built
/// without transparent huge pages (Cargo.toml: libmimalloc-sys `no_thp`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// tree-sitter's C library allocates through its own hooks (libc by default); these route it to
// the same mimalloc. Like tree-sitter's defaults, they abort rather than return NULL.
unsafe extern "C" fn ts_malloc(size: usize) -> *mut c_void {
    let p = libmimalloc_sys::mi_malloc(size);
    if p.is_null() && size > 0 {
        std::process::abort();
    }
    p
}
unsafe extern "C" fn ts_calloc(count: usize, size: usize) -> *mut c_void {
    let Some(bytes) = count.checked_mul(size) else {
        std::process::abort();
    };
    let p = libmimalloc_sys::mi_zalloc(bytes);
    if p.is_null() && bytes > 0 {
        std::process::abort();
    }
    p
}
unsafe extern "C" fn ts_realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    let p = libmimalloc_sys::mi_realloc(ptr, size);
    if p.is_null() && size > 0 {
        std::process::abort();
    }
    p
}
unsafe extern "C" fn ts_free(ptr: *mut c_void) {
    libmimalloc_sys::mi_free(ptr)
}

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_t` of the bundled mimalloc 3;
/// the crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Keep freed memory for reuse instead of returning it to the OS after a second: every file's
    // parse tree and facts are freed and allocated again, and the kernel zeroes each page it
    // hands back (3-6% of a scan's time). The price is the workers' high-water mark staying
    // resident: 40-70 MiB more peak on a 50 MB repository, set by its largest files, not its
    // size. `MIMALLOC_PURGE_DELAY=250` trades that back (README, "Memory").
    // SAFETY: called before any other thread exists; `-1` means "never purge". A value set in
    // the environment (`MIMALLOC_PURGE_DELAY`) still wins.
    unsafe {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        }
    }
    // SAFETY: first thing in main, before any thread starts and before tree-sitter allocates
    // anything, so no object allocated by the previous allocator is ever freed by this one
    // (grammars' external scanners allocate and free with their own malloc, consistently).
    unsafe {
        tree_sitter::set_allocator(
            Some(ts_malloc),
            Some(ts_calloc),
            Some(ts_realloc),
            Some(ts_free),
        );
    }
    let cli = dbaudit::cli::Cli::parse();
    match dbaudit::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("dbaudit: error: {error:#}");
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
    /// A mimalloc upgrade that renumbers its options would silently set another one.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads an option; mimalloc initialises it from its default (1000 ms).
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(
                delay, 1000,
                "mi_option_purge_delay's default in mimalloc 3 is 1000 ms"
            );
        }
    }
}
