//! The scoring model: a score from 0 to 100 per category and overall, with a letter
//! grade.
//!
//! Per category: the findings of each rule, most severe first, cost their severity's
//! points with diminishing returns (the k-th finding of a rule costs `decay^(k−1)` of its
//! points), so one noisy rule cannot sink a category by count alone (a rule costs at most
//! `points / (1 − decay)`). The category's penalty P is the sum over its rules, and its
//! score is `100 × e^(−P/100)`: bounded, and monotone (a new finding never raises a
//! score). Overall: the weighted mean of the assessed categories. A category with no
//! input (no snapshot, no source of that kind) is "not assessed" and left out of the
//! overall; it is never shown as 100.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Category, Finding, Severity};

/// `[score]` in dbaudit.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// Category (kebab-case) -> weight in the overall score.
    pub weights: BTreeMap<String, f64>,
    /// Severity -> points a first finding costs.
    pub points: BTreeMap<String, f64>,
    /// Share of a rule's points each further finding of the same rule costs (0..1).
    pub decay: f64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            weights: Category::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), 1.0))
                .collect(),
            points: [
                ("critical", 30.0),
                ("high", 15.0),
                ("medium", 6.0),
                ("low", 2.0),
                ("info", 0.0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            decay: 0.6,
        }
    }
}

impl ScoreConfig {
    /// Unknown categories or severities, negative weights, a decay outside 0..1: errors
    /// that name the key.
    pub fn validate(&self, place: &str) -> anyhow::Result<()> {
        for (name, weight) in &self.weights {
            if !Category::ALL.iter().any(|c| c.as_str() == name) {
                anyhow::bail!(
                    "{place}: [score.weights] has unknown category `{name}` (use {})",
                    Category::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if !weight.is_finite() || *weight < 0.0 {
                anyhow::bail!("{place}: [score.weights] `{name}` must be a number ≥ 0");
            }
        }
        for (name, points) in &self.points {
            if Severity::parse(name).is_none() {
                anyhow::bail!("{place}: [score.points] has unknown severity `{name}` (use critical, high, medium, low or info)");
            }
            if !points.is_finite() || *points < 0.0 {
                anyhow::bail!("{place}: [score.points] `{name}` must be a number ≥ 0");
            }
        }
        if !(0.0..1.0).contains(&self.decay) {
            anyhow::bail!("{place}: [score] decay must be at least 0 and below 1");
        }
        Ok(())
    }

    fn weight(&self, category: Category) -> f64 {
        self.weights.get(category.as_str()).copied().unwrap_or(1.0)
    }

    fn points(&self, severity: Severity) -> f64 {
        self.points
            .get(severity.as_str())
            .copied()
            .unwrap_or_else(|| ScoreConfig::default().points[severity.as_str()])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoryScore {
    pub category: Category,
    pub assessed: bool,
    /// 0..100; absent when not assessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    pub weight: f64,
    pub findings: usize,
    pub penalty: f64,
    /// What was assessed, or why not.
    pub basis: String,
}

/// One finding's share of the points lost overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PointsCost {
    pub fingerprint: String,
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    /// Points of the overall score this finding costs.
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Score {
    /// 0..100; absent when no category could be assessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    pub categories: Vec<CategoryScore>,
    /// The findings that cost the most points, most first (at most 10).
    pub costliest: Vec<PointsCost>,
    pub formula: String,
}

/// How the score is computed, in words, for the report.
pub const FORMULA: &str = "Each finding costs its severity's points (critical 30, high 15, medium 6, low 2, info 0); \
further findings of the same rule cost decay^(k−1) of that (decay 0.6), so one rule costs at most 2.5× its points. \
A category's score is 100 × e^(−penalty/100); the overall score is the weighted mean of the assessed categories \
(weights 1 unless [score.weights] says otherwise). Grades: A ≥ 93, A− ≥ 90, B+ ≥ 87, B ≥ 83, B− ≥ 80, C+ ≥ 77, \
C ≥ 73, C− ≥ 70, D+ ≥ 67, D ≥ 63, D− ≥ 60, F below 60.";

/// Which categories had input, and what it was (or why not).
pub type Assessed = BTreeMap<Category, Result<String, String>>;

pub fn score(findings: &[Finding], assessed: &Assessed, config: &ScoreConfig) -> Score {
    let mut categories = Vec::new();
    // (finding index, its penalty) per category, to share out the points lost.
    let mut shares: Vec<(usize, f64)> = Vec::new();
    let mut weighted = 0.0;
    let mut weights = 0.0;
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
                if weight > 0.0 {
                    weighted += weight * value;
                    weights += weight;
                }
                category_loss.insert(category, (100.0 - value, penalty));
                shares.extend(penalties);
                categories.push(CategoryScore {
                    category,
                    assessed: true,
                    score: Some(rounded),
                    grade: Some(grade(rounded).to_string()),
                    weight,
                    findings: in_category.len(),
                    penalty: (penalty * 100.0).round() / 100.0,
                    basis: basis.clone(),
                });
            }
            other => categories.push(CategoryScore {
                category,
                assessed: false,
                score: None,
                grade: None,
                weight,
                findings: in_category.len(),
                penalty: 0.0,
                basis: match other {
                    Some(Err(reason)) => reason.clone(),
                    _ => "no input for this category".to_string(),
                },
            }),
        }
    }
    let overall = (weights > 0.0).then(|| (weighted / weights).round().clamp(0.0, 100.0) as u32);
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
        categories,
        costliest,
        formula: FORMULA.to_string(),
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
    use crate::model::{Evidence, Location};
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
    fn empty_assessed_categories_score_100_and_unassessed_are_left_out() {
        let mut assessed = Assessed::new();
        assessed.insert(Category::Indexing, Ok("snapshot".into()));
        assessed.insert(Category::Security, Err("no application source".into()));
        let s = score(&[], &assessed, &ScoreConfig::default());
        assert_eq!(s.overall, Some(100));
        let security = s
            .categories
            .iter()
            .find(|c| c.category == Category::Security)
            .unwrap();
        assert!(!security.assessed);
        assert_eq!(security.score, None);
        assert_eq!(security.basis, "no application source");
        let none = score(&[], &Assessed::new(), &ScoreConfig::default());
        assert_eq!(none.overall, None);
        assert_eq!(none.grade, None);
    }

    #[test]
    fn one_noisy_rule_cannot_zero_a_category() {
        let many: Vec<Finding> = (0..1000)
            .map(|n| finding("select-star", Category::QueryPatterns, Severity::High, n))
            .collect();
        let s = score(&many, &all_assessed(), &ScoreConfig::default());
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
            &ScoreConfig::default(),
        );
        let high = score(
            &[finding("a", Category::Indexing, Severity::High, 0)],
            &all_assessed(),
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
        let s = score(&findings, &all_assessed(), &ScoreConfig::default());
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
            let before = score(&list, &all_assessed(), &config);
            let mut more = list.clone();
            more.push(extra);
            let after = score(&more, &all_assessed(), &config);
            prop_assert!(after.overall <= before.overall);
            for (a, b) in after.categories.iter().zip(&before.categories) {
                prop_assert!(a.score <= b.score);
                prop_assert!(a.score.unwrap_or(0) <= 100);
            }
            // Deterministic whatever the order of the findings.
            let mut reversed = more.clone();
            reversed.reverse();
            prop_assert_eq!(score(&reversed, &all_assessed(), &config).overall, after.overall);
        }
    }
}
