//! The scoring model: a score from 0 to 100 per category and overall, with a letter
//! grade, and the coverage it was computed on.
//!
//! Per category: the findings of each rule, most severe first, cost their severity's
//! points with diminishing returns (the k-th finding of a rule costs `decay^(k−1)` of its
//! points), so one noisy rule cannot sink a category by count alone (a rule costs at most
//! `points / (1 − decay)`). The category's penalty P is the sum over its rules, and its
//! score is `100 × e^(−P/100)`: bounded, and monotone (a new finding never raises a
//! score).
//!
//! Overall: a check that did not run earns no points. Each category is assessed (its
//! input was complete), partially assessed (a check that feeds it failed, timed out or
//! left objects out: `Gaps`) or not assessed (no input). The overall is the weighted sum
//! of the *fully* assessed categories' scores over the weights of *all* categories, and
//! the coverage is the weighted share of fully assessed categories. So seeing less never
//! gives a better score (a category going from assessed to partial or not assessed
//! drops its term to 0; findings only lower the others), and below 100% coverage the
//! grade is marked partial. A partially assessed category still shows its own score, for
//! what was seen; a category deliberately out of scope gets weight 0 in
//! `[score.weights]` and counts in neither. See `FORMULA`.

use std::collections::BTreeMap;

use crate::model::{Category, Finding};

/// The score's data types live in `model` (the audit report holds them); they are
/// re-exported here, beside the code that computes them.
pub use crate::model::score::{Assessment, CategoryScore, PointsCost, Score};
/// `[score]` in dbaudit.toml; it lives in `model/settings.rs` with the other settings.
pub use crate::model::settings::ScoreConfig;

/// How the score is computed, in words, for the report.
pub const FORMULA: &str = "Each finding costs its severity's points (critical 30, high 15, medium 6, low 2, info 0); \
further findings of the same rule cost decay^(k−1) of that (decay 0.6), so one rule costs at most 2.5× its points. \
A category's score is 100 × e^(−penalty/100). A category is assessed when every check that feeds it ran on complete \
input, partially assessed when one failed, timed out or left objects out (see what was not checked), and not assessed \
without input. A check that did not run earns no points: the overall score is the weighted sum of the fully assessed \
categories' scores over the weights of all categories (weights 1 unless [score.weights] says otherwise), so seeing less \
never gives a better score. Coverage is the weighted share of fully assessed categories; below 100% the grade is marked \
partial. A category deliberately out of scope (a database audited without its source) can be given weight 0: it then \
counts in neither the score nor the coverage. Grades: A ≥ 93, A− ≥ 90, B+ ≥ 87, B ≥ 83, B− ≥ 80, C+ ≥ 77, \
C ≥ 73, C− ≥ 70, D+ ≥ 67, D ≥ 63, D− ≥ 60, F below 60.";

/// Which categories had input, and what it was (or why not).
pub type Assessed = BTreeMap<Category, Result<String, String>>;

/// What each category with input did not see: the checks that failed, timed out or left
/// objects out, with the reason. A category with gaps is partially assessed.
pub type Gaps = BTreeMap<Category, Vec<String>>;

pub fn score(
    findings: &[Finding],
    assessed: &Assessed,
    gaps: &Gaps,
    config: &ScoreConfig,
) -> Score {
    let mut categories = Vec::new();
    // (finding index, its penalty) per category, to share out the points lost.
    let mut shares: Vec<(usize, f64)> = Vec::new();
    // Sum of weight × score over the fully assessed categories; weights of all, and of
    // the categories with any input.
    let mut weighted = 0.0;
    let mut weights = 0.0;
    let mut full_weights = 0.0;
    let mut seen_weights = 0.0;
    let mut category_loss: BTreeMap<Category, (f64, f64)> = BTreeMap::new();
    for &category in Category::ALL {
        let in_category: Vec<usize> = (0..findings.len())
            .filter(|&i| findings[i].category == category)
            .collect();
        let weight = config.weight(category);
        match assessed.get(&category) {
            Some(Ok(basis)) => {
                let penalties = penalties(findings, &in_category, config);
                let penalty: f64 = penalties.iter().map(|(_, p)| p).sum();
                let value = 100.0 * (-penalty / 100.0).exp();
                let rounded = value.round().clamp(0.0, 100.0) as u32;
                let category_gaps = gaps.get(&category).cloned().unwrap_or_default();
                let complete = category_gaps.is_empty();
                if weight > 0.0 {
                    weights += weight;
                    seen_weights += weight;
                    if complete {
                        weighted += weight * value;
                        full_weights += weight;
                    }
                }
                if complete {
                    // Only what counts in the overall is shared out as points lost.
                    category_loss.insert(category, (100.0 - value, penalty));
                    shares.extend(penalties);
                }
                categories.push(CategoryScore {
                    category,
                    assessed: true,
                    assessment: if complete {
                        Assessment::Assessed
                    } else {
                        Assessment::Partial
                    },
                    gaps: category_gaps,
                    score: Some(rounded),
                    grade: Some(grade(rounded).to_string()),
                    weight,
                    findings: in_category.len(),
                    penalty: (penalty * 100.0).round() / 100.0,
                    basis: basis.clone(),
                });
            }
            other => {
                if weight > 0.0 {
                    weights += weight;
                }
                categories.push(CategoryScore {
                    category,
                    assessed: false,
                    assessment: Assessment::NotAssessed,
                    gaps: Vec::new(),
                    score: None,
                    grade: None,
                    weight,
                    findings: in_category.len(),
                    penalty: 0.0,
                    basis: match other {
                        Some(Err(reason)) => reason.clone(),
                        _ => "no input for this category".to_string(),
                    },
                })
            }
        }
    }
    // No overall when nothing that weighs was seen at all.
    let overall = (seen_weights > 0.0).then(|| {
        (weighted / weights.max(f64::MIN_POSITIVE))
            .round()
            .clamp(0.0, 100.0) as u32
    });
    let coverage = if weights > 0.0 {
        (100.0 * full_weights / weights).floor() as u32
    } else {
        0
    };
    let mut costliest: Vec<PointsCost> = shares
        .into_iter()
        .filter(|(_, p)| *p > 0.0)
        .filter_map(|(i, p)| {
            let f = &findings[i];
            let (lost, penalty) = category_loss.get(&f.category)?;
            let weight = config.weight(f.category);
            let points = lost * (p / penalty) * weight / weights.max(f64::MIN_POSITIVE);
            Some(PointsCost {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                category: f.category,
                severity: f.severity,
                message: f.message.clone(),
                points: (points * 100.0).round() / 100.0,
            })
        })
        .collect();
    costliest.sort_by(|a, b| {
        b.points
            .total_cmp(&a.points)
            .then(a.rule.cmp(&b.rule))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    costliest.truncate(10);
    Score {
        overall,
        grade: overall.map(|o| grade(o).to_string()),
        coverage,
        partial: coverage < 100,
        categories,
        costliest,
        formula: FORMULA.to_string(),
    }
}

impl Score {
    /// What to print beside the grade: "partial: 60% of the checks ran", or nothing at
    /// full coverage.
    pub fn coverage_label(&self) -> Option<String> {
        self.partial
            .then(|| format!("partial: {}% of the checks ran", self.coverage))
    }
}

/// Each finding's penalty: per rule, most severe first, with geometric decay.
fn penalties(findings: &[Finding], indices: &[usize], config: &ScoreConfig) -> Vec<(usize, f64)> {
    let mut by_rule: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in indices {
        by_rule
            .entry(findings[i].rule.as_str())
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for (_, mut list) in by_rule {
        list.sort_by(|&a, &b| {
            findings[b]
                .severity
                .cmp(&findings[a].severity)
                .then(findings[a].fingerprint.cmp(&findings[b].fingerprint))
        });
        let mut factor = 1.0;
        for i in list {
            out.push((i, config.points(findings[i].severity) * factor));
            factor *= config.decay;
        }
    }
    out
}

pub fn grade(score: u32) -> &'static str {
    match score {
        93.. => "A",
        90..=92 => "A-",
        87..=89 => "B+",
        83..=86 => "B",
        80..=82 => "B-",
        77..=79 => "C+",
        73..=76 => "C",
        70..=72 => "C-",
        67..=69 => "D+",
        63..=66 => "D",
        60..=62 => "D-",
        _ => "F",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Evidence, Location, Severity};
    use proptest::prelude::*;

    fn finding(rule: &str, category: Category, severity: Severity, n: usize) -> Finding {
        Finding {
            rule: rule.to_string(),
            code: "X".to_string(),
            category,
            severity,
            message: format!("{rule} {n}"),
            location: Location::in_file("f.sql", 1, 1),
            evidence: Evidence::default(),
            recommendation: String::new(),
            confidence: Default::default(),
            fingerprint: format!("{rule}-{n}"),
        }
    }

    fn all_assessed() -> Assessed {
        Category::ALL
            .iter()
            .map(|c| (*c, Ok("test".to_string())))
            .collect()
    }

    #[test]
    fn unassessed_categories_earn_nothing_and_mark_the_grade_partial() {
        let mut assessed = Assessed::new();
        assessed.insert(Category::Indexing, Ok("snapshot".into()));
        assessed.insert(Category::Security, Err("no application source".into()));
        let s = score(&[], &assessed, &Gaps::new(), &ScoreConfig::default());
        // One of five equally weighted categories seen, with no finding: 100 × 1/5.
        assert_eq!(s.overall, Some(20));
        assert_eq!(s.coverage, 20);
        assert!(s.partial);
        assert_eq!(
            s.coverage_label().as_deref(),
            Some("partial: 20% of the checks ran")
        );
        let security = s
            .categories
            .iter()
            .find(|c| c.category == Category::Security)
            .unwrap();
        assert!(!security.assessed);
        assert_eq!(security.assessment, Assessment::NotAssessed);
        assert_eq!(security.score, None);
        assert_eq!(security.basis, "no application source");
        let none = score(&[], &Assessed::new(), &Gaps::new(), &ScoreConfig::default());
        assert_eq!(none.overall, None);
        assert_eq!(none.grade, None);
        assert_eq!(none.coverage, 0);
        // Everything seen: 100, unmarked.
        let full = score(&[], &all_assessed(), &Gaps::new(), &ScoreConfig::default());
        assert_eq!(
            (full.overall, full.coverage, full.partial),
            (Some(100), 100, false)
        );
        assert_eq!(full.coverage_label(), None);
    }

    #[test]
    fn a_category_out_of_scope_by_weight_counts_in_neither_score_nor_coverage() {
        let mut config = ScoreConfig::default();
        for c in [
            Category::QueryPatterns,
            Category::ConnectionManagement,
            Category::Security,
        ] {
            config.weights.insert(c.as_str().to_string(), 0.0);
        }
        let mut assessed = all_assessed();
        for c in [
            Category::QueryPatterns,
            Category::ConnectionManagement,
            Category::Security,
        ] {
            assessed.insert(c, Err("no source".into()));
        }
        let s = score(&[], &assessed, &Gaps::new(), &config);
        assert_eq!((s.overall, s.coverage, s.partial), (Some(100), 100, false));
    }

    #[test]
    fn a_partial_category_shows_its_score_but_earns_nothing_in_the_overall() {
        let mut gaps = Gaps::new();
        gaps.insert(
            Category::Indexing,
            vec!["tables: 1 table(s) left out (locked)".to_string()],
        );
        let findings = vec![finding("a", Category::Indexing, Severity::High, 0)];
        let s = score(&findings, &all_assessed(), &gaps, &ScoreConfig::default());
        let indexing = s
            .categories
            .iter()
            .find(|c| c.category == Category::Indexing)
            .unwrap();
        assert_eq!(indexing.assessment, Assessment::Partial);
        assert!(indexing.assessed);
        assert_eq!(indexing.score, Some(86));
        assert_eq!(indexing.gaps.len(), 1);
        // Four of five categories at 100, the partial one at 0.
        assert_eq!((s.overall, s.coverage, s.partial), (Some(80), 80, true));
        // Its findings are not shared out as points of an overall they do not count in.
        assert!(s.costliest.is_empty());
        let full = score(
            &findings,
            &all_assessed(),
            &Gaps::new(),
            &ScoreConfig::default(),
        );
        assert!(full.overall > s.overall);
    }

    #[test]
    fn one_noisy_rule_cannot_zero_a_category() {
        let many: Vec<Finding> = (0..1000)
            .map(|n| finding("select-star", Category::QueryPatterns, Severity::High, n))
            .collect();
        let s = score(
            &many,
            &all_assessed(),
            &Gaps::new(),
            &ScoreConfig::default(),
        );
        let qp = s
            .categories
            .iter()
            .find(|c| c.category == Category::QueryPatterns)
            .unwrap();
        // At most 2.5 × 15 = 37.5 points of penalty: e^(-0.375) ≈ 69.
        assert_eq!(qp.score, Some(69));
        // Severity weighs: one critical costs more than one high.
        let critical = score(
            &[finding("a", Category::Indexing, Severity::Critical, 0)],
            &all_assessed(),
            &Gaps::new(),
            &ScoreConfig::default(),
        );
        let high = score(
            &[finding("a", Category::Indexing, Severity::High, 0)],
            &all_assessed(),
            &Gaps::new(),
            &ScoreConfig::default(),
        );
        assert!(critical.overall < high.overall);
    }

    #[test]
    fn grades_and_costliest() {
        assert_eq!(grade(100), "A");
        assert_eq!(grade(62), "D-");
        assert_eq!(grade(67), "D+");
        assert_eq!(grade(12), "F");
        let findings = vec![
            finding("a", Category::Indexing, Severity::High, 0),
            finding("b", Category::Indexing, Severity::Low, 1),
        ];
        let s = score(
            &findings,
            &all_assessed(),
            &Gaps::new(),
            &ScoreConfig::default(),
        );
        assert_eq!(s.costliest[0].rule, "a");
        let lost: f64 = s.costliest.iter().map(|c| c.points).sum();
        let overall_exact = 100.0 - lost;
        assert!((overall_exact - s.overall.unwrap() as f64).abs() < 1.0);
    }

    fn arb_finding() -> impl Strategy<Value = Finding> {
        (0usize..5, 0usize..5, 0usize..4, 0usize..1000).prop_map(|(r, c, s, n)| {
            let severity = [
                Severity::Critical,
                Severity::High,
                Severity::Medium,
                Severity::Low,
            ][s];
            finding(
                ["r0", "r1", "r2", "r3", "r4"][r],
                Category::ALL[c],
                severity,
                n,
            )
        })
    }

    proptest! {
        /// A new finding never raises a score, and scores stay in 0..=100.
        #[test]
        fn monotone_and_bounded(list in proptest::collection::vec(arb_finding(), 0..40), extra in arb_finding()) {
            let config = ScoreConfig::default();
            let before = score(&list, &all_assessed(), &Gaps::new(), &config);
            let mut more = list.clone();
            more.push(extra);
            let after = score(&more, &all_assessed(), &Gaps::new(), &config);
            prop_assert!(after.overall <= before.overall);
            for (a, b) in after.categories.iter().zip(&before.categories) {
                prop_assert!(a.score <= b.score);
                prop_assert!(a.score.unwrap_or(0) <= 100);
            }
            // Deterministic whatever the order of the findings.
            let mut reversed = more.clone();
            reversed.reverse();
            prop_assert_eq!(score(&reversed, &all_assessed(), &Gaps::new(), &config).overall, after.overall);
        }

        /// Less coverage never gives a better score, nor an unmarked grade: the findings
        /// of the categories no longer (fully) seen disappear with them, as they would
        /// from an audit that could not see them.
        #[test]
        fn less_coverage_never_scores_better(
            list in proptest::collection::vec(arb_finding(), 0..40),
            lost in proptest::collection::vec((0usize..5, proptest::bool::ANY), 1..5),
        ) {
            let config = ScoreConfig::default();
            let full = score(&list, &all_assessed(), &Gaps::new(), &config);
            let mut assessed = all_assessed();
            let mut gaps = Gaps::new();
            for (c, partial) in &lost {
                let category = Category::ALL[*c];
                if *partial && matches!(assessed.get(&category), Some(Ok(_))) {
                    gaps.insert(category, vec!["a check timed out".to_string()]);
                } else {
                    gaps.remove(&category);
                    assessed.insert(category, Err("no input".to_string()));
                }
            }
            // What the narrower audit sees: nothing of the unassessed categories, and
            // at most the findings of the partial ones.
            let seen: Vec<Finding> = list
                .iter()
                .filter(|f| matches!(assessed.get(&f.category), Some(Ok(_))))
                .filter(|f| !gaps.contains_key(&f.category) || f.fingerprint.len() % 2 == 0)
                .cloned()
                .collect();
            let narrow = score(&seen, &assessed, &gaps, &config);
            prop_assert!(narrow.overall.unwrap_or(0) <= full.overall.unwrap_or(0));
            prop_assert!(narrow.coverage < full.coverage);
            prop_assert!(narrow.partial && !full.partial);
        }
    }
}
