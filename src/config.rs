//! `dbaudit.toml`: rule selection and severities, include / exclude globs, limits.
//! Found by walking up from the scanned path, or given with `--config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::model::{ConfidenceLevel, Severity};

pub const FILE_NAME: &str = "dbaudit.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub scan: ScanConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    /// Thresholds of the live rules (PgHero's defaults).
    #[serde(default)]
    pub thresholds: crate::model::settings::Thresholds,
    /// The index advisor: caps and assumptions of the ranking.
    #[serde(default)]
    pub advisor: crate::model::settings::AdvisorConfig,
    /// The scoring model: category weights, severity points, decay.
    #[serde(default)]
    pub score: crate::model::settings::ScoreConfig,
    /// Where the file was read from (None: defaults).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Extra file globs scanned as SQL, e.g. `*.SqlDataProvider`.
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs of paths never scanned, e.g. `migrations/archive/**`.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Files larger than this many MiB are skipped (and reported). Default 64.
    pub max_file_size_mb: Option<u64>,
    /// Which rules run on application test code (`tests/`, `test_*.py`, `*.spec.ts`,
    /// `*Tests.cs`, `src/test/java/`...): `security` (the default) or `all`.
    #[serde(default)]
    pub test_code: TestCode,
    /// The confidence a finding needs to be shown and to count for `--fail-on` and the
    /// score: `high` (the default), `medium` or `low`. `--min-confidence` overrides it.
    pub min_confidence: Option<String>,
}

impl ScanConfig {
    /// `min_confidence`, `high` when not set (`Config::validate` refuses other values).
    pub fn min_confidence(&self) -> ConfidenceLevel {
        self.min_confidence
            .as_deref()
            .and_then(ConfidenceLevel::parse)
            .unwrap_or_default()
    }
}

/// Which rules run on application test code (`crate::source::test_code`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TestCode {
    /// Only the security rules (`hardcoded-credentials`): test code does not run in
    /// production, so its loops and connections cost the database nothing, but a password
    /// committed in it is still committed.
    #[default]
    Security,
    /// Every rule, as on production code.
    All,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Rule names (or codes) that do not run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Rule name (or code) -> severity.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

pub const DEFAULT_MAX_FILE_SIZE_MB: u64 = 64;

impl Config {
    /// Loads `explicit`, or the nearest `dbaudit.toml` above `start`, or the defaults.
    pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<Config> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let absolute = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        let mut dir = if absolute.is_file() {
            absolute.parent().map(Path::to_path_buf)
        } else {
            Some(absolute)
        };
        while let Some(current) = dir {
            let candidate = current.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
            dir = current.parent().map(Path::to_path_buf);
        }
        Ok(Config::default())
    }

    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file `{}`", path.display()))?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text)
            .with_context(|| format!("invalid config file `{}`", path.display()))?;
        config.source = Some(path.to_path_buf());
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        let place = self
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| FILE_NAME.to_string());
        for name in self.rules.disable.iter().chain(self.rules.severity.keys()) {
            if crate::rules::find(name).is_none() {
                bail!(
                    "{place}: unknown rule `{name}` (known rules: {}). Run `dbaudit rules` to list them.",
                    crate::rules::names()
                );
            }
        }
        self.thresholds.validate(&place)?;
        self.score.validate(&place)?;
        let a = &self.advisor;
        for (key, value) in [
            ("unverified_saving", a.unverified_saving),
            ("static_saving", a.static_saving),
            ("write_penalty_weight", a.write_penalty_weight),
        ] {
            if !(0.0..=1.0).contains(&value) {
                bail!("{place}: [advisor] {key} must be between 0 and 1, not {value}");
            }
        }
        if a.max_new_indexes_per_table == 0 {
            bail!("{place}: [advisor] max_new_indexes_per_table must be at least 1");
        }
        if let Some(level) = &self.scan.min_confidence {
            if ConfidenceLevel::parse(level).is_none() {
                bail!("{place}: [scan] min_confidence is {level:?}; use \"high\" (the default), \"medium\" or \"low\"");
            }
        }
        for (name, severity) in &self.rules.severity {
            if Severity::parse(severity).is_none() {
                bail!("{place}: rule `{name}` has unknown severity `{severity}` (use critical, high, medium, low or info)");
            }
        }
        Ok(())
    }

    pub fn is_enabled(&self, rule: &str) -> bool {
        !self.rules.disable.iter().any(|d| matches_rule(d, rule))
    }

    pub fn severity_of(&self, rule: &str, default: Severity) -> Severity {
        self.rules
            .severity
            .iter()
            .find(|(name, _)| matches_rule(name, rule))
            .and_then(|(_, s)| Severity::parse(s))
            .unwrap_or(default)
    }

    pub fn max_file_size_bytes(&self) -> u64 {
        self.scan
            .max_file_size_mb
            .unwrap_or(DEFAULT_MAX_FILE_SIZE_MB)
            * 1024
            * 1024
    }
}

fn matches_rule(configured: &str, rule: &str) -> bool {
    crate::rules::find(configured).is_some_and(|r| r.name == rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_applies() {
        let c = Config::parse(
            "[scan]\ninclude = [\"*.SqlDataProvider\"]\n[rules]\ndisable = [\"select-star\"]\n[rules.severity]\nSQL004 = \"high\"\n",
            Path::new("dbaudit.toml"),
        )
        .unwrap();
        assert!(!c.is_enabled("select-star"));
        assert!(c.is_enabled("row-by-row-loop"));
        assert_eq!(
            c.severity_of("leading-wildcard-like", Severity::Medium),
            Severity::High
        );
        assert_eq!(c.scan.include, vec!["*.SqlDataProvider"]);
    }

    #[test]
    fn thresholds_are_range_checked_with_the_key_and_range_named() {
        for (toml, key, range) in [
            ("slow_query_ms = nan", "slow_query_ms", "≥ 0"),
            ("slow_query_ms = inf", "slow_query_ms", "≥ 0"),
            ("slow_query_ms = -1.0", "slow_query_ms", "≥ 0"),
            ("slow_query_calls = -5", "slow_query_calls", "≥ 0"),
            ("cache_hit_ratio_min = 1.5", "cache_hit_ratio_min", "0 to 1"),
            ("hypopg_min_saving = nan", "hypopg_min_saving", "0 to 1"),
            (
                "scan_heavy_index_use_pct = 101.0",
                "scan_heavy_index_use_pct",
                "0 to 100",
            ),
            (
                "missing_index_max_columns = 0",
                "missing_index_max_columns",
                "≥ 1",
            ),
        ] {
            let error = Config::parse(
                &format!("[thresholds]\n{toml}\n"),
                Path::new("x/dbaudit.toml"),
            )
            .unwrap_err()
            .to_string();
            assert!(
                error.contains("x/dbaudit.toml") && error.contains(key) && error.contains(range),
                "{toml}: {error}"
            );
        }
        // An integer key given a fraction is refused by its type.
        let error = Config::parse(
            "[thresholds]\nslow_query_calls = 1.5\n",
            Path::new("dbaudit.toml"),
        )
        .unwrap_err();
        assert!(
            format!("{error:#}").contains("slow_query_calls"),
            "{error:#}"
        );
        for toml in [
            "[score]\ndecay = nan",
            "[score.weights]\nindexes = -1.0",
            "[score.points]\nhigh = inf",
            "[advisor]\nstatic_saving = nan",
            "[advisor]\nunverified_saving = 1.5",
        ] {
            assert!(
                Config::parse(toml, Path::new("dbaudit.toml")).is_err(),
                "{toml}"
            );
        }
        Config::parse(
            "[thresholds]\nslow_query_ms = 0.0\ncache_hit_ratio_min = 1.0\n",
            Path::new("dbaudit.toml"),
        )
        .unwrap();
    }

    #[test]
    fn min_confidence_is_one_of_three_levels_high_by_default() {
        assert_eq!(
            Config::default().scan.min_confidence(),
            ConfidenceLevel::High
        );
        for (value, level) in [
            ("low", ConfidenceLevel::Low),
            ("Medium", ConfidenceLevel::Medium),
            ("high", ConfidenceLevel::High),
        ] {
            let c = Config::parse(
                &format!("[scan]\nmin_confidence = \"{value}\"\n"),
                Path::new("dbaudit.toml"),
            )
            .unwrap();
            assert_eq!(c.scan.min_confidence(), level);
        }
        let error = Config::parse(
            "[scan]\nmin_confidence = \"sure\"\n",
            Path::new("x/dbaudit.toml"),
        )
        .unwrap_err()
        .to_string();
        for expected in [
            "x/dbaudit.toml",
            "[scan] min_confidence",
            "\"sure\"",
            "\"high\"",
            "\"medium\"",
            "\"low\"",
        ] {
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }

    #[test]
    fn unknown_rule_and_key_are_errors() {
        let e = Config::parse(
            "[rules]\ndisable = [\"no-such-rule\"]\n",
            Path::new("x/dbaudit.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no-such-rule"));
        let e = Config::parse("[rules]\ndisabled = []\n", Path::new("dbaudit.toml")).unwrap_err();
        assert!(format!("{e:#}").contains("disabled"));
        let e = Config::parse(
            "[rules.severity]\nselect-star = \"urgent\"\n",
            Path::new("dbaudit.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("urgent"));
    }
}
