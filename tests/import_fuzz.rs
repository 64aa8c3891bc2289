//! Property tests for what dbaudit reads from files other people write: the PostgreSQL
//! CSV snapshot (`snapshot::read`), the SQL Server export directory
//! (`snapshot::mssql::read_export_dir`) and `dbaudit.toml` (`Config::parse`). Mutated
//! input never panics; every error names the file (and, for a bad cell, its row and
//! column); a non-finite number is never accepted; and the secret scrubber survives any
//! text. Plus the probes of the issue as plain tests.

use std::path::{Path, PathBuf};

use dbaudit::config::Config;
use dbaudit::model::secrets::scrub_secrets;
use dbaudit::snapshot::mssql::read_export_dir;
use proptest::prelude::*;

const PG_SNAPSHOT: &str = "fixtures/demo/snapshot";
const MSSQL_EXPORT: &str = "fixtures/mssql/psyter_export";
const HOSTILE_EXPORT: &str = "fixtures/mssql/hostile_names_export";

/// Cell values that stress number parsing and quoting.
const HOSTILE_CELLS: &[&str] = &[
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-1",
    "-0.5",
    "1e400",
    "-1e400",
    "1.5",
    "2",
    "101",
    "9223372036854775808",
    "",
    "NULL",
    "true",
    "0x10",
    "\"",
    "'",
    "a,b",
    "line\nbreak",
    "\u{0}",
    "\u{1b}[31m",
    "CREATE ROLE r PASSWORD 'S3cr3t'",
    "2026-13-45 99:99:99",
];

/// A copy of a fixture directory in a fresh temporary directory.
fn copy_dir(from: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

/// Rewrites a CSV file with its data rows in an order drawn from `seed` (the header
/// first; quoted fields, line breaks in them included, kept whole).
fn shuffle_rows(path: &Path, seed: u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let mut state = seed | 1;
    for i in (1..rows.len()).rev() {
        // xorshift64: enough to draw an order.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        rows.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    std::fs::write(path, writer.into_inner().unwrap()).unwrap();
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

/// Replaces one cell (chosen by `row_pick`, `column_pick`) of a CSV file, keeping its
/// structure (the csv writer quotes the value). Returns (1-based data row, the line the
/// row starts on, column name), or None when the file has no data rows.
fn replace_cell(
    path: &Path,
    row_pick: usize,
    column_pick: usize,
    value: &str,
) -> Option<(usize, usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    if rows.is_empty() || headers.is_empty() {
        return None;
    }
    let row = row_pick % rows.len();
    let column = column_pick % headers.len();
    rows[row][column] = value.to_string();
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(&headers).unwrap();
    for r in &rows {
        writer.write_record(r).unwrap();
    }
    writer.flush().unwrap();
    drop(writer);
    // The line the record starts on (texts with newlines span several).
    let written = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::Reader::from_reader(written.as_bytes());
    let line = reader
        .records()
        .nth(row)
        .and_then(|r| r.ok())
        .and_then(|r| r.position().map(|p| p.line()))
        .unwrap_or(0) as usize;
    Some((row + 1, line, headers[column].trim().to_string()))
}

/// The 1-based line of the first NUL byte of a file.
fn first_nul_line(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    1 + bytes[..end].iter().filter(|&&b| b == b'\n').count()
}

/// Applies byte edits (position, byte; a byte of 0 deletes) to a file.
fn mutate_bytes(path: &Path, edits: &[(usize, u8)]) {
    let mut bytes = std::fs::read(path).unwrap();
    for &(at, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let at = at % bytes.len();
        match byte {
            0 => {
                bytes.remove(at);
            }
            b if b % 2 == 0 => bytes.insert(at, b),
            b => bytes[at] = b,
        }
    }
    std::fs::write(path, bytes).unwrap();
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().to_string()
}

/// The file of an error: SQL Server errors name the query's export `<name>.csv`, the
/// PostgreSQL ones the path.
fn assert_names(error: &str, file: &str, also: &[&str]) {
    assert!(error.contains(file), "the error names {file}: {error}");
    for part in also {
        assert!(error.contains(part), "the error names {part:?}: {error}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96)
    ))]

    #[test]
    fn a_bad_cell_in_a_postgres_snapshot_is_named_by_file_line_and_column(
        file_pick in any::<usize>(),
        row_pick in any::<usize>(),
        column_pick in any::<usize>(),
        value in prop::sample::select(HOSTILE_CELLS),
    ) {
        let dir = copy_dir(PG_SNAPSHOT);
        let files = csv_files(dir.path());
        let path = &files[file_pick % files.len()];
        let Some((_, line, column)) = replace_cell(path, row_pick, column_pick, value) else {
            return Ok(());
        };
        match dbaudit::snapshot::read(dir.path()) {
            Ok(snapshot) => {
                // Whatever was accepted is finite.
                for s in &snapshot.statements {
                    prop_assert!(s.total_time_ms.is_finite() && s.mean_time_ms.is_finite());
                    prop_assert!(!s.query.contains("S3cr3t"));
                }
                for c in &snapshot.column_stats {
                    prop_assert!((0.0..=1.0).contains(&c.null_frac));
                }
            }
            Err(error) => {
                let error = format!("{error:#}");
                let line = format!("line {line}");
                if value.contains('\0') {
                    // The file is not text: the line of its first NUL byte is named (a
                    // record with a multi-line text spans several lines), the column
                    // cannot be.
                    let nul_line = format!("line {}", first_nul_line(path));
                    assert_names(&error, &file_name(path), &[&nul_line]);
                } else {
                    assert_names(&error, &file_name(path), &[&line, &format!("`{column}`")]);
                }
            }
        }
    }

    #[test]
    fn mutated_bytes_in_a_postgres_snapshot_never_panic(
        file_pick in any::<usize>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..12),
    ) {
        let dir = copy_dir(PG_SNAPSHOT);
        let mut files = csv_files(dir.path());
        files.push(dir.path().join("manifest.json"));
        let path = &files[file_pick % files.len()];
        mutate_bytes(path, &edits);
        if let Err(error) = dbaudit::snapshot::read(dir.path()) {
            assert_names(&format!("{error:#}"), &file_name(path), &[]);
        }
    }

    #[test]
    fn a_bad_cell_in_a_sql_server_export_is_named_by_file_row_and_column(
        file_pick in any::<usize>(),
        row_pick in any::<usize>(),
        column_pick in any::<usize>(),
        value in prop::sample::select(HOSTILE_CELLS),
    ) {
        let dir = copy_dir(MSSQL_EXPORT);
        let files = csv_files(dir.path());
        let path = &files[file_pick % files.len()];
        let Some((row, line, column)) = replace_cell(path, row_pick, column_pick, value) else {
            return Ok(());
        };
        match read_export_dir(dir.path()) {
            Ok(snapshot) => {
                for s in &snapshot.statements {
                    prop_assert!(s.total_time_ms.is_finite() && s.total_time_ms >= 0.0);
                    prop_assert!(s.calls >= 0);
                    prop_assert!(!s.query.contains("S3cr3t"));
                }
                for m in &snapshot.missing_indexes {
                    prop_assert!((0.0..=100.0).contains(&m.avg_user_impact));
                }
            }
            Err(error) => {
                let error = format!("{error:#}");
                if value.contains('\0') {
                    // The file is not text: its line is named, not a row of a result.
                    assert_names(&error, &file_name(path), &[&format!("line {line}")]);
                } else if value.contains('\n') {
                    assert_names(&error, &file_name(path), &[]);
                } else {
                    assert_names(&error, &file_name(path), &[&format!("row {row}"), &format!("`{column}`")]);
                }
            }
        }
    }

    /// Foreign keys and statistics come one row per column: the rows' order (an export
    /// sorted by hand) changes nothing that is imported, names with `, `, a control
    /// character or a line break included.
    #[test]
    fn the_row_order_of_a_sql_server_export_changes_nothing(
        seed in any::<u64>(),
    ) {
        let reference = read_export_dir(Path::new(HOSTILE_EXPORT)).unwrap();
        let dir = copy_dir(HOSTILE_EXPORT);
        for file in ["foreign_keys.csv", "statistics.csv"] {
            shuffle_rows(&dir.path().join(file), seed);
        }
        let shuffled = read_export_dir(dir.path()).unwrap();
        let by_name = |mut keys: Vec<dbaudit::model::snapshot::ForeignKey>| {
            keys.sort_by(|a, b| a.name.cmp(&b.name));
            keys
        };
        prop_assert_eq!(by_name(shuffled.foreign_keys), by_name(reference.foreign_keys));
        let mut statistics = shuffled.statistics;
        let mut expected = reference.statistics;
        statistics.sort_by(|a, b| a.name.cmp(&b.name));
        expected.sort_by(|a, b| a.name.cmp(&b.name));
        prop_assert_eq!(statistics, expected);
    }

    #[test]
    fn mutated_bytes_in_a_sql_server_export_never_panic(
        file_pick in any::<usize>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..12),
    ) {
        let dir = copy_dir(MSSQL_EXPORT);
        let files = csv_files(dir.path());
        let path = &files[file_pick % files.len()];
        mutate_bytes(path, &edits);
        if let Err(error) = read_export_dir(dir.path()) {
            assert_names(&format!("{error:#}"), &file_name(path), &[]);
        }
    }

    #[test]
    fn configured_numbers_are_finite_and_errors_name_file_and_key(
        table in prop::sample::select(&["thresholds", "score", "advisor"][..]),
        key in prop::sample::select(&[
            "slow_query_ms", "slow_query_calls", "cache_hit_ratio_min", "vacuum_dead_ratio",
            "scan_heavy_index_use_pct", "hypopg_min_saving", "young_stats_seconds",
            "missing_index_max_columns", "decay", "unverified_saving", "static_saving",
            "write_penalty_weight", "max_new_indexes_per_table", "no_such_key",
        ][..]),
        value in prop::sample::select(&[
            "nan", "+nan", "-nan", "inf", "-inf", "-1", "-0.5", "0", "0.5", "1", "1.5", "100",
            "101", "1e308", "9223372036854775807", "\"x\"", "true", "[]", "{}",
        ][..]),
    ) {
        let text = format!("[{table}]\n{key} = {value}\n");
        match Config::parse(&text, Path::new("fuzz/dbaudit.toml")) {
            Ok(config) => {
                // Nothing non-finite is ever accepted.
                let thresholds = serde_json::to_value(&config.thresholds).unwrap();
                for (k, v) in thresholds.as_object().unwrap() {
                    prop_assert!(v.as_f64().is_some_and(f64::is_finite), "{k} = {v}");
                }
                prop_assert!(config.score.decay.is_finite());
                prop_assert!(config.advisor.unverified_saving.is_finite());
                prop_assert!(config.advisor.static_saving.is_finite());
                prop_assert!(config.advisor.write_penalty_weight.is_finite());
                prop_assert!(!value.contains("nan") && !value.contains("inf"), "{text}");
            }
            Err(error) => {
                let error = format!("{error:#}");
                prop_assert!(error.contains("fuzz/dbaudit.toml"), "{error}");
                prop_assert!(error.contains(key), "the key is named: {error}");
            }
        }
    }

    #[test]
    fn arbitrary_config_text_never_panics(text in "(\\PC|\n|\\[|\\]|=|nan|inf|-){0,200}") {
        if let Err(error) = Config::parse(&text, Path::new("fuzz/dbaudit.toml")) {
            let error = format!("{error:#}");
            prop_assert!(error.contains("fuzz/dbaudit.toml"), "{}", error);
        }
    }

    #[test]
    fn the_scrubber_never_panics_and_masks_what_follows_password(
        text in "(\\PC|\n|'|''|\"|\\$\\$|\\$t\\$|E'|N'|\\[|\\]|--|/\\*|\\*/|\\\\|PASSWORD |IDENTIFIED BY |pgp_sym_encrypt\\(|password=|://u:p@){0,120}",
    ) {
        let scrubbed = scrub_secrets(&text);
        // Idempotent: scrubbing again finds nothing new.
        prop_assert_eq!(scrub_secrets(&scrubbed).into_owned(), scrubbed.clone().into_owned());
        let planted = format!("{text}; CREATE ROLE r PASSWORD 'S3cr3tValue'");
        // After a statement end outside any literal or comment the secret is found; the
        // planted text may sit inside an unterminated literal or comment of `text`, which
        // then hides it from the lexer as it would from the server: only check when the
        // text is balanced enough to end there.
        if !text.contains(['\'', '"', '[', '$', '-', '/', '\\']) {
            prop_assert!(!scrub_secrets(&planted).contains("S3cr3tValue"), "{planted}");
        }
    }
}

#[test]
fn nan_inf_and_negative_cells_in_a_sql_server_export_are_errors() {
    for (file, column, value) in [
        ("query_stats.csv", "total_elapsed_time_us", "NaN"),
        ("query_stats.csv", "execution_count", "-5"),
        ("missing_indexes.csv", "avg_user_impact", "150"),
        ("missing_indexes.csv", "avg_total_user_cost", "inf"),
        ("tables.csv", "row_count", "-1"),
        ("sessions.csv", "sessions", "-3"),
        ("sessions.csv", "oldest_state_seconds", "NaN"),
        ("query_stats.csv", "max_elapsed_time_us", "inf"),
    ] {
        let dir = copy_dir(MSSQL_EXPORT);
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let headers: Vec<String> = text
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let at = headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(column))
            .unwrap();
        let (row, _, named) = replace_cell(&path, 0, at, value).unwrap();
        assert_eq!(named.to_ascii_lowercase(), column);
        let error = format!("{:#}", read_export_dir(dir.path()).unwrap_err());
        assert_names(&error, file, &[&format!("row {row}"), column]);
    }
}

#[test]
fn an_empty_sql_server_export_is_a_note_like_a_missing_one() {
    let dir = copy_dir(MSSQL_EXPORT);
    std::fs::write(dir.path().join("tables.csv"), "").unwrap();
    let snapshot = read_export_dir(dir.path()).unwrap();
    assert!(snapshot.tables.is_empty());
    assert!(
        snapshot
            .manifest
            .notes
            .iter()
            .any(|n| n.check == "tables" && n.message.contains("tables.csv is empty")),
        "{:?}",
        snapshot.manifest.notes
    );
}

#[test]
fn secrets_in_sql_server_exports_are_masked() {
    let dir = copy_dir(MSSQL_EXPORT);
    let path = dir.path().join("query_stats.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let headers: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let at = headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim() == "statement_text")
        .unwrap();
    replace_cell(
        &path,
        0,
        at,
        "CREATE LOGIN app WITH PASSWORD = N'S3cr3t-login', CHECK_POLICY = OFF",
    )
    .unwrap();
    let snapshot = read_export_dir(dir.path()).unwrap();
    let texts: Vec<&str> = snapshot
        .statements
        .iter()
        .map(|s| s.query.as_str())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("CREATE LOGIN app WITH PASSWORD = '*****'")),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.contains("S3cr3t")), "{texts:?}");
}
