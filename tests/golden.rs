//! Golden outputs of the bundled demo. Reviewed by hand: a change here is a change in
//! what users see; accept it with `cargo insta review` only after reading the diff.

use std::process::Command;

fn demo(format: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_dbaudit"))
        .args([
            "scan",
            "--format",
            format,
            "--fail-on",
            "none",
            "fixtures/demo",
        ])
        // The text report fits COLUMNS when set; the golden output is the unfitted one.
        .env_remove("COLUMNS")
        .output()
        .expect("the dbaudit binary runs");
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn demo_json_report() {
    insta::assert_snapshot!("demo_report_json", demo("json"));
}

#[test]
fn demo_markdown_report() {
    insta::assert_snapshot!("demo_report_md", demo("markdown"));
}

#[test]
fn demo_text_report() {
    insta::assert_snapshot!("demo_report_text", demo("text"));
}
