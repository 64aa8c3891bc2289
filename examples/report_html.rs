//! Renders a Markdown file as GitHub shows it, for `docs/report-preview.sh`: CommonMark
//! with GFM tables (pulldown-cmark), headings with GitHub's anchors, and a style sheet
//! with GitHub's measures (fonts, spacing, and tables that scroll rather than wrap when
//! too wide), so that a headless browser's screenshot shows what a reader would see.
//!
//! `cargo run --example report_html -- report.md > report.html`

use std::process::ExitCode;

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

const STYLE: &str = r#"
body { margin: 0; background: #ffffff; }
.markdown-body { box-sizing: border-box; max-width: 1000px; margin: 0 auto; padding: 32px;
  font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  font-size: 16px; line-height: 1.5; color: #1f2328; overflow-wrap: break-word; }
h1, h2, h3, h4 { margin: 24px 0 16px; font-weight: 600; line-height: 1.25; }
h1 { font-size: 2em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
h2 { font-size: 1.5em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
h3 { font-size: 1.25em; }
p, ul, ol, table, pre, blockquote { margin-top: 0; margin-bottom: 16px; }
ul, ol { padding-left: 2em; }
li + li { margin-top: .25em; }
a { color: #0969da; text-decoration: none; }
table { display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
th { font-weight: 600; }
tr:nth-child(2n) { background: #f6f8fa; }
code { padding: .2em .4em; font-size: 85%; white-space: break-spaces; border-radius: 6px;
  background: rgba(129, 139, 152, .12);
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; border-radius: 6px;
  background: #f6f8fa; }
pre code { padding: 0; font-size: 100%; white-space: pre; background: transparent; }
blockquote { margin-left: 0; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
"#;

/// GitHub's anchor of a heading: lower case, spaces as `-`, other punctuation dropped.
fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c.to_lowercase().next().unwrap_or(c)),
            _ => None,
        })
        .collect()
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: report_html FILE.md > FILE.html");
        return ExitCode::from(2);
    };
    let markdown = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut events: Vec<Event> = Parser::new_ext(&markdown, options).collect();
    // Headings get GitHub's anchors, so the report's own links work.
    let mut start = None;
    let mut text = String::new();
    for i in 0..events.len() {
        match &events[i] {
            Event::Start(Tag::Heading { .. }) => {
                start = Some(i);
                text.clear();
            }
            Event::Text(t) | Event::Code(t) if start.is_some() => text.push_str(t),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(Event::Start(Tag::Heading { id, .. })) =
                    start.take().and_then(|s| events.get_mut(s))
                {
                    *id = Some(CowStr::from(slug(&text)));
                }
            }
            _ => {}
        }
    }
    let mut body = String::new();
    html::push_html(&mut body, events.into_iter());
    print!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>dbaudit report preview</title><style>{STYLE}</style></head>\n<body><article class=\"markdown-body\">\n{body}</article></body></html>\n"
    );
    ExitCode::SUCCESS
}
