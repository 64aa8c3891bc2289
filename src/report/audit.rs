//! The audit's outputs: `report.md` (minijinja, `templates/audit.md.j2`), `report.json`,
//! `indexes.sql`, and the short terminal summary.

use anyhow::{Context, Result};
use minijinja::Value;
use tabled::{settings::Style, Table, Tabled};

use super::escape::{md_code, md_text, terminal};
use crate::advise::plan::served_text;
use crate::engine::mssql::ONLINE_NOTE as MSSQL_ONLINE_NOTE;
use crate::model::audit::AuditReport;
use crate::model::recommendation::{Action, AdviceLevel, BenefitBasis, IndexRecommendation};
use crate::model::{Category, Finding, Severity};

const TEMPLATE: &str = include_str!("../../templates/audit.md.j2");

pub fn markdown(report: &AuditReport) -> Result<String> {
    let mut env = super::escape::markdown_environment();
    env.add_filter("num", num);
    env.add_filter("days", |seconds: f64| {
        crate::model::snapshot::days_text(seconds / 86_400.0)
    });
    env.add_filter("engine", |e: String| match e.as_str() {
        "mssql" => "SQL Server".to_string(),
        "postgresql" => "PostgreSQL".to_string(),
        _ => e,
    });
    env.add_filter("title_of", |c: String| {
        Category::ALL
            .iter()
            .find(|x| x.as_str() == c)
            .map(|x| x.title().to_string())
            .unwrap_or(c)
    });
    env.add_filter("where", |location: Value| {
        Value::from_safe_string(place(&location, false))
    });
    env.add_filter("evidence", |evidence: Value| {
        Value::from_safe_string(evidence_text(&evidence))
    });
    env.add_filter("served", |r: Value| -> String {
        serde_json::to_value(&r)
            .ok()
            .and_then(|v| serde_json::from_value::<IndexRecommendation>(v).ok())
            .map(|r| served_text(&r.served))
            .unwrap_or_default()
    });
    env.add_template("audit.md", TEMPLATE)
        .context("the bundled audit template is invalid")?;
    let template = env.get_template("audit.md")?;
    let text = template
        .render(minijinja::context! {
            report => report,
            areas => areas(report),
            fix_first => fix_first(report),
        })
        .context("could not render the Markdown report")?;
    // Blank-line runs left by skipped template blocks, folded.
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Whole numbers with thousands separators; two decimals under 10.
fn num(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.abs() < 10.0 && value.fract() != 0.0 {
        return format!("{value:.2}");
    }
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if rounded < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Each category's findings, for the report's "Findings by area": one summary row per
/// rule (how many, the severity and place of its most severe finding; the findings come
/// most severe first) and the findings themselves.
fn areas(report: &AuditReport) -> Vec<Value> {
    report
        .score
        .categories
        .iter()
        .map(|c| {
            let findings: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| f.category == c.category)
                .collect();
            let mut rules: Vec<(&str, Severity, usize, String)> = Vec::new();
            for f in &findings {
                match rules.iter_mut().find(|r| r.0 == f.rule) {
                    Some(rule) => rule.2 += 1,
                    None => rules.push((
                        &f.rule,
                        f.severity,
                        1,
                        place(&Value::from_serialize(&f.location), true),
                    )),
                }
            }
            let rules: Vec<Value> = rules
                .into_iter()
                .map(|(rule, severity, count, worst)| {
                    minijinja::context! {
                        rule, severity => severity.as_str(), count,
                        worst => Value::from_safe_string(worst),
                    }
                })
                .collect();
            minijinja::context! {
                title => c.category.title(), assessed => c.assessed, score => c.score,
                grade => c.grade, basis => c.basis, rules, findings,
                partial => c.assessment == crate::score::Assessment::Partial, gaps => c.gaps,
            }
        })
        .collect()
}

/// The findings that cost the most points (five at most), with their place and fix.
fn fix_first(report: &AuditReport) -> Vec<Value> {
    report
        .score
        .costliest
        .iter()
        .take(5)
        .map(|cost| {
            let finding = report
                .findings
                .iter()
                .find(|f| f.fingerprint == cost.fingerprint);
            let place = finding
                .map(|f| format!("at {}", place(&Value::from_serialize(&f.location), false)))
                .unwrap_or_default();
            minijinja::context! {
                rule => cost.rule, severity => cost.severity.as_str(), points => cost.points,
                place => Value::from_safe_string(place),
                fix => finding.map_or(cost.message.as_str(), |f| f.recommendation.as_str()),
            }
        })
        .collect()
}

/// Where a finding is, as Markdown (for a table cell when `in_table`): `file:line` and
/// the object, each a code span.
fn place(location: &Value, in_table: bool) -> String {
    let get = |key: &str| {
        location
            .get_attr(key)
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_none())
            .map(|v| v.to_string())
    };
    let place = match (get("file"), get("line")) {
        (Some(file), Some(line)) => md_code(&format!("{file}:{line}"), in_table),
        (Some(file), None) => md_code(&file, in_table),
        _ => String::new(),
    };
    match (place.is_empty(), get("object")) {
        (true, Some(object)) => md_code(&object, in_table),
        (false, Some(object)) => format!("{place} in {}", md_code(&object, in_table)),
        _ => place,
    }
}

/// A finding's evidence, as Markdown: its metrics, else its snippet (one line, a code
/// span); empty when it has neither.
fn evidence_text(evidence: &Value) -> String {
    let mut parts = Vec::new();
    if let Ok(metrics) = evidence.get_attr("metrics") {
        if let Ok(keys) = metrics.try_iter() {
            for key in keys {
                if let Ok(value) = metrics.get_item(&key) {
                    let number = f64::try_from(value.clone())
                        .map(num)
                        .unwrap_or_else(|_| value.to_string());
                    parts.push(format!("{key} {number}"));
                }
            }
        }
    }
    if parts.is_empty() {
        if let Ok(snippet) = evidence.get_attr("snippet") {
            if !snippet.is_undefined() && !snippet.is_none() {
                let text = crate::model::finding::one_line(&snippet.to_string(), 80);
                return md_code(&text, false);
            }
        }
    }
    md_text(&parts.join(", "))
}

/// `indexes.sql`: every recommendation, best first, each after a comment with its rank,
/// benefit, what it serves and replaces, and whether the planner verified it.
pub fn indexes_sql(report: &AuditReport) -> String {
    let ctx = &report.context;
    // Names and texts inside `--` comments go through `comment` (one line): a newline in
    // a name would otherwise end the comment and turn the rest of the name into SQL.
    let mut out = format!(
        "-- {}\n\
         -- Ranked by net benefit. Review each statement before running it: dbaudit ran none.\n",
        comment(&format!(
            "{} {}: index recommendations for {} ({} {}), collected {}.",
            report.tool.name,
            report.tool.version,
            ctx.database.as_deref().unwrap_or("(no database)"),
            ctx.engine.as_deref().unwrap_or("-"),
            ctx.server_version.as_deref().unwrap_or(""),
            ctx.collected_at.as_deref().unwrap_or("-"),
        ))
    );
    let mssql = ctx.engine.as_deref() == Some("mssql");
    if mssql {
        out.push_str(&format!("-- {MSSQL_ONLINE_NOTE}\n"));
    } else {
        out.push_str("-- CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block: run the statements one by one.\n");
    }
    if report.recommendations.is_empty() {
        out.push_str("\n-- No index recommendations.\n");
        for d in &report.dropped_candidates {
            out.push_str(&format!(
                "-- {}\n",
                comment(&format!(
                    "considered {}.{} ({}): {}",
                    d.schema,
                    d.table,
                    d.key_columns.join(", "),
                    d.reason
                ))
            ));
        }
        return out;
    }
    for r in &report.recommendations {
        out.push('\n');
        out.push_str(&format!(
            "-- {}\n",
            comment(&format!("#{} {}", r.rank, r.identity()))
        ));
        out.push_str(&format!(
            "--    benefit: {}; write penalty {:.1}% -> net {} {}\n",
            comment(&r.explanation),
            r.write_penalty * 100.0,
            num(r.net_benefit),
            r.benefit_unit
        ));
        out.push_str(&format!(
            "--    serves: {}\n",
            comment(&served_text(&r.served))
        ));
        out.push_str(&format!(
            "--    replaces: {}\n",
            comment(&match &r.action {
                Action::Widen {
                    replaces,
                    replaced_key,
                    ..
                } => comment(&format!("{replaces} ({})", replaced_key.join(", "))),
                Action::Create => "nothing (new index)".to_string(),
            })
        ));
        out.push_str(&format!(
            "--    verified: {}\n",
            match &r.basis {
                BenefitBasis::Verified {
                    cost_before,
                    cost_after,
                    ..
                } => format!("yes, HypoPG plan cost {cost_before:.0} -> {cost_after:.0}"),
                BenefitBasis::EngineEstimate =>
                    "no (the engine's missing-index estimate)".to_string(),
                BenefitBasis::Unverified { reason } => format!("no ({})", comment(reason)),
                BenefitBasis::Static => "no (from the source's predicates)".to_string(),
            }
        ));
        if r.advice == AdviceLevel::Consider {
            // No measured benefit: shown for review, not to be run as it stands.
            out.push_str("--    consider: no measurable benefit, so the statement is commented out; uncomment it only if the workload it serves matters\n");
            for line in r.ddl.lines() {
                out.push_str("-- ");
                out.push_str(line);
                out.push('\n');
            }
        } else {
            out.push_str(&r.ddl);
            out.push('\n');
        }
    }
    out
}

/// Text inside a `--` comment: one line (white space folded), so a name with a line
/// break cannot end the comment and put the rest of itself into the SQL.
fn comment(text: &str) -> String {
    crate::model::finding::one_line(text, 400)
}

#[derive(Tabled)]
struct CategoryRow {
    category: String,
    score: String,
    grade: String,
    findings: usize,
}

#[derive(Tabled)]
struct FindingRow {
    severity: String,
    rule: String,
    points: String,
    finding: String,
}

#[derive(Tabled)]
struct RecommendationRow {
    #[tabled(rename = "#")]
    rank: usize,
    table: String,
    key: String,
    action: String,
    net: String,
}

/// The summary printed after an audit, fitted to `width` columns when given; names and
/// messages from the input go through `escape::terminal`.
/// The workload-wide evaluation in one line of the terminal summary.
fn workload_line(w: &crate::model::recommendation::WorkloadEvaluation) -> String {
    let change = if w.cost_before > 0.0 {
        format!(
            " ({:+.1}%)",
            (w.cost_after - w.cost_before) / w.cost_before * 100.0
        )
    } else {
        String::new()
    };
    let mut line = format!(
        "Workload planned cost {} -> {} with the recommended set{change}, {} statement(s) planned",
        num(w.cost_before),
        num(w.cost_after),
        w.statements_planned
    );
    if !w.dropped.is_empty() {
        line.push_str(&format!(
            "; {} dropped as unused once the others exist",
            w.dropped.len()
        ));
    }
    if !w.worse.is_empty() {
        line.push_str(&format!("; {} statement(s) planned worse", w.worse.len()));
    }
    line.push('\n');
    line
}

pub fn terminal_summary(report: &AuditReport, width: Option<usize>) -> String {
    use super::width::{fit_table, wrap_lines};
    let mut out = String::new();
    match (&report.score.grade, report.score.overall) {
        (Some(grade), Some(overall)) => out.push_str(&format!(
            "Overall: {grade} ({overall}/100){}\n",
            report
                .score
                .coverage_label()
                .map(|l| format!(" — {l}"))
                .unwrap_or_default()
        )),
        _ => out.push_str("Overall: not assessed\n"),
    }
    let rows: Vec<CategoryRow> = report
        .score
        .categories
        .iter()
        .map(|c| CategoryRow {
            category: c.category.title().to_string(),
            score: c
                .score
                .map(|s| s.to_string())
                .unwrap_or_else(|| "–".to_string()),
            grade: match (&c.grade, c.assessment) {
                (Some(g), crate::score::Assessment::Partial) => format!("{g} (partial)"),
                (Some(g), _) => g.clone(),
                (None, _) => "not assessed".to_string(),
            },
            findings: c.findings,
        })
        .collect();
    let mut table = Table::new(rows);
    table.with(Style::rounded());
    fit_table(&mut table, width);
    out.push_str(&table.to_string());
    out.push('\n');
    if !report.score.costliest.is_empty() {
        out.push_str("\nTop findings (points of the overall score they cost):\n");
        let rows: Vec<FindingRow> = report
            .score
            .costliest
            .iter()
            .take(5)
            .map(|c| FindingRow {
                severity: c.severity.to_string(),
                rule: c.rule.clone(),
                points: format!("{:.1}", c.points),
                finding: terminal(&crate::model::finding::one_line(&c.message, 90)).into_owned(),
            })
            .collect();
        let mut table = Table::new(rows);
        table.with(Style::rounded());
        fit_table(&mut table, width);
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if !report.recommendations.is_empty() {
        out.push_str("\nTop index recommendations:\n");
        let rows: Vec<RecommendationRow> = report
            .recommendations
            .iter()
            .take(5)
            .map(|r| RecommendationRow {
                rank: r.rank,
                table: terminal(&format!("{}.{}", r.schema, r.table)).into_owned(),
                key: terminal(&format!(
                    "{}{}",
                    r.shape.key_text(&r.key_columns),
                    r.shape.predicate_text()
                ))
                .into_owned(),
                action: match &r.action {
                    Action::Widen { replaces, .. } if r.advice == AdviceLevel::Consider => {
                        format!("consider widening {}", terminal(replaces))
                    }
                    Action::Widen { replaces, .. } => format!("widen {}", terminal(replaces)),
                    Action::Create if r.advice == AdviceLevel::Consider => "consider".to_string(),
                    Action::Create => "create".to_string(),
                },
                net: format!("{} {}", num(r.net_benefit), r.benefit_unit),
            })
            .collect();
        let mut table = Table::new(rows);
        table.with(Style::rounded());
        fit_table(&mut table, width);
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if let Some(w) = &report.workload_evaluation {
        out.push_str(&workload_line(w));
    }
    out.push_str(&format!(
        "\n{} findings ({} critical, {} high), {} index recommendation(s), {} item(s) not checked\n",
        report.summary.findings,
        report.summary.by_severity.get("critical").copied().unwrap_or(0),
        report.summary.by_severity.get("high").copied().unwrap_or(0),
        report.recommendations.len(),
        report.not_checked.len()
    ));
    if report.summary.below_min_confidence > 0 {
        out.push_str(&format!(
            "{} lower-confidence finding(s) (below {}) neither listed nor scored: --min-confidence low lists and scores them\n",
            report.summary.below_min_confidence, report.summary.min_confidence
        ));
    }
    // The tables already fit: this wraps the other lines.
    wrap_lines(&out, width, 4)
}

#[cfg(test)]
mod tests {
    use super::{num, workload_line};

    #[test]
    fn the_workload_evaluation_is_one_line() {
        let mut w = crate::model::recommendation::WorkloadEvaluation {
            statements_planned: 3,
            statements_not_planned: 0,
            cost_before: 43_400.0,
            cost_after: 713.0,
            indexes: 2,
            dropped: vec!["ix_db_y".into()],
            worse: vec![],
            caveats: vec![],
        };
        assert_eq!(
            workload_line(&w),
            "Workload planned cost 43,400 -> 713 with the recommended set (-98.4%), 3 statement(s) planned; 1 dropped as unused once the others exist\n"
        );
        w.cost_before = 0.0;
        w.dropped.clear();
        assert_eq!(
            workload_line(&w),
            "Workload planned cost 0 -> 713 with the recommended set, 3 statement(s) planned\n"
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(1234567.4), "1,234,567");
        assert_eq!(num(999.0), "999");
        assert_eq!(num(2.345), "2.35");
        assert_eq!(num(-4200.0), "-4,200");
        assert_eq!(num(0.0), "0");
    }
}
