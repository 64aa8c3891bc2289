//! Running the `dbaudit` binary in the CLI tests and reading what it printed.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs dbaudit in `cwd` (the crate root without one), with no colour or GitHub
/// settings inherited from the environment the tests run in.
pub fn dbaudit(args: &[&str], cwd: Option<&Path>) -> Output {
    dbaudit_with_env(args, cwd, &[])
}

pub fn dbaudit_with_env(args: &[&str], cwd: Option<&Path>, env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dbaudit"));
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (key, value) in env {
        command.env(key, value);
    }
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    command.output().expect("the dbaudit binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("valid JSON on stdout ({e}): {}", stderr(output)))
}

/// Asserts an error exit (2) whose message contains `needle`.
pub fn assert_error(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(
        stderr(output).contains(needle),
        "the error should say `{needle}`: {}",
        stderr(output)
    );
}

/// Copies into `dir` two files of `fixtures/app/javascript/n-plus-one` whose two
/// n-plus-one findings (severity high) rest on calls matched to the repository's query
/// methods by name and argument count only: confidence medium, left out by default.
pub fn copy_lower_confidence_fixture(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/app/javascript/n-plus-one");
    for name in ["payoutService.js", "billingRepository.js"] {
        std::fs::copy(from.join(name), dir.join(name)).expect("the fixture copies");
    }
}
