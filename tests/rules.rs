//! Rule fixtures: every file under `fixtures/rules/<dialect>/` is scanned with
//! `scan_text` and the findings are compared, as a set of (line, rule), with the
//! `-- expect: <rule>[, <rule>]` markers written on the lines where findings must be
//! reported. `<rule>.sql` holds the cases a rule must report, `<rule>_ok.sql` the
//! look-alikes it must not (a negative file may still mark findings of other rules).
//!
//! Also checked for every fixture: no `not-understood` diagnostics (the fixtures are
//! well-formed code), no skipped file, and every finding carries a message, a
//! recommendation, a snippet and a fingerprint. Object facts (objects, reads, writes,
//! predicates) are checked on one T-SQL and one PostgreSQL fixture.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dbaudit::config::Config;
use dbaudit::model::{DiagnosticKind, ObjectFact, ObjectKind, PredicateUse, ScanReport};
use dbaudit::scan::scan_text;
use dbaudit::sql::SqlDialect;

const MARKER: &str = "-- expect:";

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("rules")
}

fn dialect_of(relative: &str) -> SqlDialect {
    match relative.split('/').next() {
        Some("tsql") => SqlDialect::Tsql,
        Some("postgres") => SqlDialect::Postgres,
        other => panic!(
            "fixture `{relative}`: unknown dialect directory {other:?} (use tsql/ or postgres/)"
        ),
    }
}

fn read_fixture(relative: &str) -> String {
    let path = fixtures_root().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

fn scan_fixture(relative: &str) -> (String, ScanReport) {
    let text = read_fixture(relative);
    let name = format!("fixtures/rules/{relative}");
    let report = scan_text(&name, &text, Some(dialect_of(relative)), &Config::default())
        .unwrap_or_else(|e| panic!("scan of {name} failed: {e:#}"));
    (text, report)
}

/// (line, rule) pairs from the `-- expect:` markers. Rule names are checked against the
/// registry so that a typo in a marker cannot pass silently.
fn expected_findings(relative: &str, text: &str) -> BTreeSet<(u32, String)> {
    let mut expected = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let list = &line[at + MARKER.len()..];
        let mut any = false;
        for rule in list.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            assert!(
                dbaudit::rules::find(rule).is_some(),
                "{relative}:{}: unknown rule `{rule}` in an expect marker (known: {})",
                index + 1,
                dbaudit::rules::names()
            );
            expected.insert((index as u32 + 1, rule.to_string()));
            any = true;
        }
        assert!(any, "{relative}:{}: empty expect marker", index + 1);
    }
    expected
}

fn source_line(text: &str, line: u32) -> &str {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("<no such line>")
        .trim()
}

/// The whole check for one fixture file.
fn check_fixture(relative: &str) {
    let (text, report) = scan_fixture(relative);
    let mut problems: Vec<String> = Vec::new();

    // 1. Findings against the markers.
    let expected = expected_findings(relative, &text);
    let actual: BTreeSet<(u32, String)> = report
        .findings
        .iter()
        .map(|f| (f.location.line.unwrap_or(0), f.rule.clone()))
        .collect();
    for (line, rule) in expected.difference(&actual) {
        problems.push(format!(
            "  missing    {relative}:{line} {rule}\n             | {}",
            source_line(&text, *line)
        ));
    }
    for (line, rule) in actual.difference(&expected) {
        let messages: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.location.line == Some(*line) && &f.rule == rule)
            .map(|f| f.message.as_str())
            .collect();
        problems.push(format!(
            "  unexpected {relative}:{line} {rule}\n             | {}\n             = {}",
            source_line(&text, *line),
            messages.join(" / ")
        ));
    }

    // 2. The fixtures are well-formed code: dbaudit must understand all of it.
    for d in &report.diagnostics {
        match d.kind {
            DiagnosticKind::NotUnderstood => problems.push(format!(
                "  not-understood {relative}:{}-{}: {}\n             | {}",
                d.line.unwrap_or(0),
                d.end_line.unwrap_or(0),
                d.message,
                source_line(&text, d.line.unwrap_or(0))
            )),
            DiagnosticKind::SkippedFile => {
                problems.push(format!("  skipped {relative}: {}", d.message))
            }
            DiagnosticKind::EncodingFallback => {}
        }
    }

    // 3. Every finding is complete.
    for f in &report.findings {
        let at = format!("{relative}:{} {}", f.location.line.unwrap_or(0), f.rule);
        if f.message.trim().is_empty() {
            problems.push(format!("  {at}: empty message"));
        }
        if f.recommendation.trim().is_empty() {
            problems.push(format!("  {at}: empty recommendation"));
        }
        if f.evidence
            .snippet
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            problems.push(format!("  {at}: no snippet"));
        }
        if f.fingerprint.is_empty() {
            problems.push(format!("  {at}: no fingerprint"));
        }
        if f.location.file.as_deref() != Some(format!("fixtures/rules/{relative}").as_str()) {
            problems.push(format!("  {at}: location.file is {:?}", f.location.file));
        }
    }
    let fingerprints: BTreeSet<&str> = report
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    if fingerprints.len() != report.findings.len() {
        problems.push(format!("  {relative}: two findings share a fingerprint"));
    }

    assert!(
        problems.is_empty(),
        "\n{relative}: {} problem(s) (expected {} finding(s), got {}):\n{}\n",
        problems.len(),
        expected.len(),
        actual.len(),
        problems.join("\n")
    );
}

/// One #[test] per fixture file, so that each fails on its own.
macro_rules! fixture_tests {
    ($($test:ident => $path:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_fixture($path);
            }
        )*

        /// Every fixture on disk has a test above, and every test's file exists.
        #[test]
        fn every_fixture_file_has_a_test() {
            let listed: BTreeSet<String> = [$($path),*].iter().map(|p| p.to_string()).collect();
            let mut on_disk = BTreeSet::new();
            for dialect in ["tsql", "postgres"] {
                let dir = fixtures_root().join(dialect);
                for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                    let path = entry.unwrap().path();
                    if path.extension().is_some_and(|e| e == "sql") {
                        on_disk.insert(format!("{dialect}/{}", path.file_name().unwrap().to_string_lossy()));
                    }
                }
            }
            let untested: Vec<_> = on_disk.difference(&listed).collect();
            let missing: Vec<_> = listed.difference(&on_disk).collect();
            assert!(untested.is_empty() && missing.is_empty(), "fixtures without a test: {untested:?}; tests without a fixture: {missing:?}");
            // Every static SQL rule has its four fixtures (live rules are tested on snapshots).
            for rule in dbaudit::sql::rules::ALL.iter().map(|r| r.meta()) {
                for dialect in ["tsql", "postgres"] {
                    for suffix in ["", "_ok"] {
                        let file = format!("{dialect}/{}{suffix}.sql", rule.name);
                        assert!(listed.contains(&file), "rule `{}` has no fixture {file}", rule.name);
                    }
                }
            }
        }
    };
}

fixture_tests! {
    tsql_select_star => "tsql/select-star.sql",
    tsql_select_star_ok => "tsql/select-star_ok.sql",
    tsql_select_star_scratch => "tsql/select-star_scratch.sql",
    tsql_select_star_diagnostic => "tsql/select-star_diagnostic.sql",
    postgres_select_star_view => "postgres/select-star_view.sql",
    tsql_leading_wildcard_like_scratch => "tsql/leading-wildcard-like_scratch.sql",
    postgres_select_star_signature => "postgres/select-star_signature.sql",
    postgres_leading_wildcard_like_scratch => "postgres/leading-wildcard-like_scratch.sql",
    tsql_non_sargable_predicate_scratch => "tsql/non-sargable-predicate_scratch.sql",
    tsql_non_sargable_predicate_residual => "tsql/non-sargable-predicate_residual.sql",
    tsql_non_sargable_predicate_function => "tsql/non-sargable-predicate_function.sql",
    tsql_row_by_row_loop_hierarchy => "tsql/row-by-row-loop_hierarchy.sql",
    tsql_row_by_row_loop_call => "tsql/row-by-row-loop_call.sql",
    tsql_non_sargable_predicate_date_cast => "tsql/non-sargable-predicate_date_cast.sql",
    tsql_non_sargable_predicate_filter => "tsql/non-sargable-predicate_filter.sql",
    tsql_leading_wildcard_like_fixed => "tsql/leading-wildcard-like_fixed.sql",
    tsql_select_star_expanded => "tsql/select-star_expanded.sql",
    tsql_row_by_row_loop => "tsql/row-by-row-loop.sql",
    tsql_row_by_row_loop_ok => "tsql/row-by-row-loop_ok.sql",
    tsql_non_sargable_predicate => "tsql/non-sargable-predicate.sql",
    tsql_non_sargable_predicate_ok => "tsql/non-sargable-predicate_ok.sql",
    tsql_leading_wildcard_like => "tsql/leading-wildcard-like.sql",
    tsql_leading_wildcard_like_ok => "tsql/leading-wildcard-like_ok.sql",
    postgres_select_star => "postgres/select-star.sql",
    postgres_select_star_ok => "postgres/select-star_ok.sql",
    postgres_row_by_row_loop => "postgres/row-by-row-loop.sql",
    postgres_row_by_row_loop_ok => "postgres/row-by-row-loop_ok.sql",
    postgres_non_sargable_predicate => "postgres/non-sargable-predicate.sql",
    postgres_non_sargable_predicate_ok => "postgres/non-sargable-predicate_ok.sql",
    postgres_non_sargable_predicate_catalog => "postgres/non-sargable-predicate_catalog.sql",
    postgres_leading_wildcard_like => "postgres/leading-wildcard-like.sql",
    postgres_leading_wildcard_like_ok => "postgres/leading-wildcard-like_ok.sql",
}

// ---------------------------------------------------------------------------------------
// Object facts.

fn objects_of(report: &ScanReport) -> Vec<(ObjectKind, String, u32)> {
    report
        .objects
        .iter()
        .map(|o| (o.kind, o.name.clone(), o.line))
        .collect()
}

fn object<'a>(report: &'a ScanReport, name: &str) -> &'a ObjectFact {
    report
        .objects
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no object `{name}` in {:?}", objects_of(report)))
}

fn predicates_of(fact: &ObjectFact) -> Vec<(String, String, PredicateUse, u32)> {
    let mut out: Vec<_> = fact
        .predicates
        .iter()
        .map(|p| (p.table.clone(), p.column.clone(), p.usage, p.line))
        .collect();
    out.sort();
    out
}

fn strings(items: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut out = items.to_vec();
    out.sort();
    out
}

/// The line of the first line of `text` containing `needle`, so that the object tests
/// do not break when a fixture is edited above the object.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or_else(|| panic!("`{needle}` not found in the fixture"))
}

/// Collects mismatches so that one run shows all of them.
#[derive(Default)]
struct Mismatches(Vec<String>);

impl Mismatches {
    fn eq<T: std::fmt::Debug + PartialEq>(&mut self, what: &str, actual: T, expected: T) {
        if actual != expected {
            self.0.push(format!(
                "  {what}:\n    expected {expected:?}\n    actual   {actual:?}"
            ));
        }
    }

    fn check(&mut self, what: &str, ok: bool, detail: String) {
        if !ok {
            self.0.push(format!("  {what}: {detail}"));
        }
    }

    /// The finding's confidence is `level`, and one of its reasons mentions `reason`
    /// (an empty `reason`: no reason at all).
    fn confidence(
        &mut self,
        what: &str,
        f: &dbaudit::model::Finding,
        level: dbaudit::model::ConfidenceLevel,
        reason: &str,
    ) {
        self.check(
            what,
            f.confidence.level == level,
            format!("level {:?}, expected {level:?}", f.confidence.level),
        );
        self.check(
            what,
            f.confidence.reasons.iter().any(|r| r.contains(reason))
                || (reason.is_empty() && f.confidence.reasons.is_empty()),
            format!(
                "reasons {:?} should mention `{reason}`",
                f.confidence.reasons
            ),
        );
    }

    fn assert_none(self, fixture: &str) {
        assert!(
            self.0.is_empty(),
            "\n{fixture}: {} mismatch(es):\n{}\n",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

#[test]
fn tsql_object_facts() {
    let fixture = "tsql/select-star.sql";
    let (text, report) = scan_fixture(fixture);
    let l = |needle: &str| line_of(&text, needle);
    let mut m = Mismatches::default();
    use ObjectKind::*;
    m.eq(
        "objects (kind, name, line)",
        objects_of(&report),
        vec![
            (
                Procedure,
                "dbo.Appointment_GetByClientId".to_string(),
                l("CREATE PROCEDURE [dbo].[Appointment_GetByClientId]"),
            ),
            (
                Procedure,
                "dbo.Payment_GetByAppointmentId".to_string(),
                l("CREATE PROCEDURE dbo.Payment_GetByAppointmentId"),
            ),
            (
                Procedure,
                "dbo.Notification_ArchiveRead".to_string(),
                l("CREATE PROCEDURE dbo.Notification_ArchiveRead"),
            ),
            (
                View,
                "dbo.vw_ActiveServiceProviders".to_string(),
                l("CREATE VIEW dbo.vw_ActiveServiceProviders"),
            ),
            (
                Procedure,
                "dbo.ServiceProvider_GetRatings".to_string(),
                l("CREATE OR ALTER PROCEDURE dbo.ServiceProvider_GetRatings"),
            ),
            (
                Trigger,
                "dbo.trg_Payments_Audit".to_string(),
                l("CREATE TRIGGER dbo.trg_Payments_Audit"),
            ),
            (
                Function,
                "dbo.fn_UnreadNotifications".to_string(),
                l("CREATE FUNCTION dbo.fn_UnreadNotifications"),
            ),
            (
                Procedure,
                "dbo.UserLogin_Search".to_string(),
                l("ALTER PROC [dbo].[UserLogin_Search]"),
            ),
        ],
    );
    for o in &report.objects {
        m.eq(&format!("{}: dialect", o.name), o.dialect.as_str(), "tsql");
        m.check(
            &format!("{}: end_line", o.name),
            o.end_line >= o.line,
            format!("{} < line {}", o.end_line, o.line),
        );
    }
    // Objects end where their batch ends (at the GO), not at the next object.
    let search = object(&report, "dbo.UserLogin_Search");
    m.eq(
        "dbo.UserLogin_Search: end_line",
        search.end_line,
        l("SELECT * FROM dbo.UserLogin WHERE PhoneNumber = @PhoneNumber"),
    );

    // SELECT * INTO #temp, INSERT ... SELECT, DELETE alias FROM table alias JOIN #temp.
    let archive = object(&report, "dbo.Notification_ArchiveRead");
    m.eq(
        "dbo.Notification_ArchiveRead: reads",
        sorted(&archive.reads),
        strings(&["dbo.Notifications"]),
    );
    m.eq(
        "dbo.Notification_ArchiveRead: writes",
        sorted(&archive.writes),
        strings(&["dbo.Notifications", "dbo.NotificationsArchive"]),
    );
    use PredicateUse::*;
    let n = "dbo.Notifications".to_string();
    let mut expected = vec![
        (
            n.clone(),
            "UserId".to_string(),
            Equality,
            l("WHERE UserId = @UserId AND IsRead = 1"),
        ),
        (
            n.clone(),
            "IsRead".to_string(),
            Equality,
            l("WHERE UserId = @UserId AND IsRead = 1"),
        ),
        (
            n.clone(),
            "CreatedDate".to_string(),
            Range,
            l("AND CreatedDate < @OlderThan"),
        ),
        (
            n.clone(),
            "NotificationId".to_string(),
            Equality,
            l("ON r.NotificationId = n.NotificationId"),
        ),
    ];
    expected.sort();
    m.eq(
        "dbo.Notification_ArchiveRead: predicates",
        predicates_of(archive),
        expected,
    );

    let by_client = object(&report, "dbo.Appointment_GetByClientId");
    m.eq(
        "dbo.Appointment_GetByClientId: reads",
        sorted(&by_client.reads),
        strings(&["dbo.Appointments"]),
    );
    m.eq(
        "dbo.Appointment_GetByClientId: writes",
        sorted(&by_client.writes),
        Vec::<String>::new(),
    );
    let a = "dbo.Appointments".to_string();
    let mut expected = vec![
        (
            a.clone(),
            "ClientId".to_string(),
            Equality,
            l("WHERE [ClientId] = @ClientId"),
        ),
        (
            a.clone(),
            "StartDate".to_string(),
            OrderBy,
            l("ORDER BY [StartDate] DESC"),
        ),
    ];
    expected.sort();
    m.eq(
        "dbo.Appointment_GetByClientId: predicates",
        predicates_of(by_client),
        expected,
    );
    m.assert_none(fixture);
}

#[test]
fn postgres_object_facts() {
    let fixture = "postgres/row-by-row-loop.sql";
    let (text, report) = scan_fixture(fixture);
    let l = |needle: &str| line_of(&text, needle);
    let mut m = Mismatches::default();
    use ObjectKind::*;
    let do_line = l("DO $do$");
    m.eq(
        "objects (kind, name, line)",
        objects_of(&report),
        vec![
            (
                Function,
                "public.appointment_send_reminders".to_string(),
                l("FUNCTION public.appointment_send_reminders"),
            ),
            (
                Function,
                "public.payment_expire_pending".to_string(),
                l("FUNCTION public.payment_expire_pending"),
            ),
            (
                Function,
                "public.notification_mark_read".to_string(),
                l("FUNCTION public.notification_mark_read"),
            ),
            (
                Procedure,
                "public.provider_close_stale_slots".to_string(),
                l("PROCEDURE public.provider_close_stale_slots"),
            ),
            (
                AnonymousBlock,
                format!("DO block at line {do_line}"),
                do_line,
            ),
            (
                Function,
                "public.provider_dashboard".to_string(),
                l("FUNCTION public.provider_dashboard"),
            ),
            (
                Function,
                "public.notify_provider_clients".to_string(),
                l("FUNCTION public.notify_provider_clients"),
            ),
        ],
    );
    for o in &report.objects {
        m.eq(
            &format!("{}: dialect", o.name),
            o.dialect.as_str(),
            "postgresql",
        );
        m.eq(
            &format!("{}: language", o.name),
            o.language.as_deref(),
            Some("plpgsql"),
        );
    }
    m.eq(
        "DO block: end_line",
        object(&report, &format!("DO block at line {do_line}")).end_line,
        l("$do$;"),
    );

    let reminders = object(&report, "public.appointment_send_reminders");
    m.eq(
        "appointment_send_reminders: reads",
        sorted(&reminders.reads),
        strings(&["appointments", "user_login"]),
    );
    m.eq(
        "appointment_send_reminders: writes",
        sorted(&reminders.writes),
        strings(&["notifications"]),
    );
    use PredicateUse::*;
    let mut expected = vec![
        (
            "appointments".to_string(),
            "status".to_string(),
            Equality,
            l("WHERE a.status = 'confirmed'"),
        ),
        (
            "appointments".to_string(),
            "start_date".to_string(),
            Range,
            l("AND a.start_date >= now()"),
        ),
        (
            "appointments".to_string(),
            "client_id".to_string(),
            Join,
            l("JOIN user_login u ON u.user_id = a.client_id"),
        ),
        (
            "user_login".to_string(),
            "user_id".to_string(),
            Join,
            l("JOIN user_login u ON u.user_id = a.client_id"),
        ),
    ];
    expected.sort();
    m.eq(
        "appointment_send_reminders: predicates",
        predicates_of(reminders),
        expected,
    );

    // A cursor parameter (`c_slots CURSOR (p_before date) FOR ... slot_date < p_before`)
    // is a value, not a column: the comparison is a range on slot_date.
    let slots = object(&report, "public.provider_close_stale_slots");
    m.eq(
        "provider_close_stale_slots: reads",
        sorted(&slots.reads),
        strings(&["provider_slots"]),
    );
    m.eq(
        "provider_close_stale_slots: predicates",
        predicates_of(slots),
        vec![(
            "provider_slots".to_string(),
            "slot_date".to_string(),
            Range,
            l("SELECT slot_id, provider_id FROM provider_slots WHERE slot_date < p_before"),
        )],
    );
    m.assert_none(fixture);
}

/// The doc: "The evidence names the loop, the cursor or query it walks". Each PL/pgSQL
/// finding's message must quote its own loop's query or cursor, not another loop's.
#[test]
fn postgres_loop_evidence_names_its_own_source() {
    let fixture = "postgres/row-by-row-loop.sql";
    let (text, report) = scan_fixture(fixture);
    let l = |needle: &str| line_of(&text, needle);
    let cases = [
        (l("FOR r IN -- expect"), "FROM appointments a"),
        (l("LOOP -- expect"), "c_pending"),
        (l("FOREACH v_id IN ARRAY p_ids"), "FOREACH"),
        (l("FOR r IN c_slots(current_date - p_days) LOOP"), "c_slots"),
        (l("FOR r IN EXECUTE"), "last_login_date"),
        (
            l("FOR v_provider IN SELECT sp.provider_id"),
            "FROM service_providers sp",
        ),
        (
            l("FOR r IN SELECT appointment_id, status FROM appointments"),
            "SELECT appointment_id, status FROM appointments",
        ),
    ];
    let mut m = Mismatches::default();
    for (line, needle) in cases {
        match report
            .findings
            .iter()
            .find(|f| f.rule == "row-by-row-loop" && f.location.line == Some(line))
        {
            Some(f) => m.check(
                &format!("line {line}"),
                f.message.contains(needle),
                format!("message should mention `{needle}`: {}", f.message),
            ),
            None => {
                m.0.push(format!("  line {line}: no row-by-row-loop finding"))
            }
        }
    }
    m.assert_none(fixture);
}

/// The batching advice of `row-by-row-loop` is in the code's own dialect: PostgreSQL has no
/// `TOP (n)`.
#[test]
fn row_by_row_loop_advice_is_in_the_code_s_dialect() {
    for (relative, top) in [
        ("tsql/row-by-row-loop.sql", true),
        ("postgres/row-by-row-loop.sql", false),
    ] {
        let (_, report) = scan_fixture(relative);
        let fixes: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule == "row-by-row-loop")
            .map(|f| f.recommendation.as_str())
            .collect();
        assert!(!fixes.is_empty(), "{relative} has row-by-row-loop findings");
        for fix in fixes {
            assert_eq!(fix.contains("TOP (n)"), top, "{relative}: {fix}");
            assert_eq!(fix.contains("LIMIT n"), !top, "{relative}: {fix}");
        }
    }
}

/// Issue #16: a rule that had to guess says so. A script's own top-level statements (no
/// object, no bind parameter) may run once, by hand: medium. Inside a procedure: high.
#[test]
fn script_statements_are_reported_with_medium_confidence() {
    use dbaudit::model::ConfidenceLevel;
    let text = "SELECT * FROM dbo.Orders;\nSELECT OrderId FROM dbo.Orders WHERE Note LIKE '%' + @Note;\nGO\nCREATE PROCEDURE dbo.P @Note VARCHAR(20) AS\nSELECT * FROM dbo.Orders;\nSELECT OrderId FROM dbo.Orders WHERE Note LIKE '%' + @Note;\nGO\n";
    let report = scan_text(
        "script.sql",
        text,
        Some(SqlDialect::Tsql),
        &Config::default(),
    )
    .unwrap_or_else(|e| panic!("scan failed: {e:#}"));
    let levels: Vec<(Option<u32>, &str, ConfidenceLevel)> = report
        .findings
        .iter()
        .map(|f| (f.location.line, f.rule.as_str(), f.confidence.level))
        .collect();
    assert_eq!(
        levels,
        vec![
            (Some(1), "select-star", ConfidenceLevel::Medium),
            (Some(2), "leading-wildcard-like", ConfidenceLevel::Medium),
            (Some(5), "select-star", ConfidenceLevel::High),
            (Some(6), "leading-wildcard-like", ConfidenceLevel::High),
        ]
    );
    assert!(report.findings[0].confidence.reasons[0].contains("top level of a script"));
}

/// For each (fixture, text on the line, level, words of a reason): the first finding of
/// `rule` on that line has that confidence and a reason with those words.
fn assert_confidences(rule: &str, cases: &[(&str, &str, dbaudit::model::ConfidenceLevel, &str)]) {
    let mut m = Mismatches::default();
    for &(fixture, needle, level, reason) in cases {
        let (text, report) = scan_fixture(fixture);
        let line = line_of(&text, needle);
        match report
            .findings
            .iter()
            .find(|f| f.rule == rule && f.location.line == Some(line))
        {
            Some(f) => m.confidence(&format!("{fixture}:{line}"), f, level, reason),
            None => m.0.push(format!("  {fixture}:{line}: no {rule} finding")),
        }
    }
    m.assert_none(&format!("{rule} confidence"));
}

/// `non-sargable-predicate` lowers to medium, saying why, where the rewrite would not give
/// a seek for sure: a collation of its own, a join already matched on a key, NULL mapped
/// to a default on both sides, a settings table, object ids, a script's own statement.
/// Where the expression is how the rows are found, it stays high.
#[test]
fn non_sargable_confidence_says_why() {
    use dbaudit::model::ConfidenceLevel::{High, Medium};
    let fixture = "tsql/non-sargable-predicate_residual.sql";
    let cases = [
        ("WHERE s.Weight + 10 > 100", High, ""),
        ("COLLATE Latin1_General_BIN", Medium, "COLLATE"),
        (
            "WHERE ISNULL(Flag, 0) = 1",
            Medium,
            "`Flag` is not qualified and the statement also reads `b`",
        ),
        (
            "AND ISNULL(t.Region",
            Medium,
            "already matches this table on `",
        ),
        ("AND ISNULL(t.Region", Medium, "ISNULL on both sides"),
        ("ON DATEADD(hour, 2, t.LoadedAt)", High, ""),
        (
            "UPPER(v.SettingName)",
            Medium,
            "`CarrierSettings` reads like a configuration",
        ),
        (
            "OBJECT_SCHEMA_NAME(r.ObjectId)",
            Medium,
            "OBJECT_SCHEMA_NAME",
        ),
        ("UPPER(c.Name)", High, ""),
        (
            "WHERE YEAR(s.ShippedOn) = 2024",
            Medium,
            "top level of a script",
        ),
        (
            "AND DATEADD(hour, 2, s.ShippedOn) >= @Since",
            Medium,
            "found by its key (`ShipmentId`",
        ),
        ("AND DATEADD(hour, 2, ShippedOn) < @Since", High, ""),
        ("OR YEAR(s.ShippedOn) = 2024", High, ""),
    ];
    let (text, report) = scan_fixture(fixture);
    let mut m = Mismatches::default();
    for (needle, level, reason) in cases {
        let line = line_of(&text, needle);
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == "non-sargable-predicate" && f.location.line == Some(line))
            .collect();
        if found.is_empty() {
            m.0.push(format!(
                "  {fixture}:{line}: no non-sargable-predicate finding"
            ));
        }
        for f in found {
            m.confidence(&format!("{fixture}:{line}"), f, level, reason);
        }
    }
    m.assert_none("non-sargable-predicate confidence");
}

/// `non-sargable-predicate` on a column passed with other values to a user-defined
/// function (a check relating them to the row) is low; a user function of the column
/// alone and a built-in with several arguments stay high. Under `NOT ( ... )` nothing is
/// reported (`fixtures/rules` markers); `NOT EXISTS` beside a comparison negates only
/// the subquery.
#[test]
fn non_sargable_function_and_negation() {
    use dbaudit::model::ConfidenceLevel::{High, Low};
    let fixture = "tsql/non-sargable-predicate_function.sql";
    let cases = [
        (
            fixture,
            "dbo.CanViewParcel(@ViewerId, p.ParcelId)",
            Low,
            "several arguments of the user-defined function dbo.CanViewParcel",
        ),
        (fixture, "dbo.WeekOf(p.SentOn)", High, ""),
        (fixture, "DATEADD(day, 2, p.SentOn)", High, ""),
        (fixture, "AND CAST(p.Code AS INT) > 10; -- expect", High, ""),
    ];
    assert_confidences("non-sargable-predicate", &cases);
}

/// `non-sargable-predicate` in T-SQL: a cast of a date/time column to `date` is a range
/// seek for SQL Server (low), a bit-flag test has no seekable form (low); conversions to
/// text and date arithmetic, the look-alikes, stay high (each wrapped column leads an
/// index declared in the fixture).
#[test]
fn non_sargable_date_cast_and_bit_test() {
    use dbaudit::model::ConfidenceLevel::{High, Low};
    let fixture = "tsql/non-sargable-predicate_date_cast.sql";
    let cases = [
        (
            fixture,
            "CAST(s.DispatchedAt AS date) = @Day",
            Low,
            "dynamic seek",
        ),
        (
            fixture,
            "CONVERT(date, s.DispatchedAt) BETWEEN",
            Low,
            "dynamic seek",
        ),
        (fixture, "CONVERT(char(8), s.DispatchedAt, 112)", High, ""),
        (fixture, "DATEADD(hour, 2, s.DispatchedAt)", High, ""),
        (fixture, "s.Flags & 4 = 4", Low, "bit-flag test on `Flags`"),
        (fixture, "(s.Flags & @Mask) = @Mask", Low, "bit-flag test"),
        (fixture, "s.Priority * 2 > @Mask", High, ""),
    ];
    assert_confidences("non-sargable-predicate", &cases);
}

/// `non-sargable-predicate` (fourth SQL batch): a length test and a CASE value are
/// medium, said why; the look-alikes beside them stay high. The comparisons that are not
/// reported at all (a column already equal to a value, a validity window of a joined
/// table) are checked by the fixture's markers.
#[test]
fn non_sargable_filters_and_length_tests() {
    use dbaudit::model::ConfidenceLevel::{High, Medium};
    let fixture = "tsql/non-sargable-predicate_filter.sql";
    let cases = [
        (fixture, "DATEADD(day, 30, m.LeftOn)", High, ""),
        (
            fixture,
            "LEN(m.Nickname) > 40",
            Medium,
            "a length test on `Nickname`",
        ),
        (
            fixture,
            "DATALENGTH(m.Nickname) > 0",
            Medium,
            "only a non-empty test",
        ),
        (fixture, "LEFT(m.Nickname, 3)", High, ""),
        (fixture, "CASE WHEN m.Kind = 1", Medium, "a CASE expression"),
    ];
    assert_confidences("non-sargable-predicate", &cases);
    // Every UPPER(m.Badge) look-alike (another column's equality, an equality under OR,
    // one inside a call's arguments) is high.
    let (text, report) = scan_fixture(fixture);
    let upper_lines: Vec<u32> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("UPPER(m.Badge) = @Badge"))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    assert_eq!(upper_lines.len(), 3);
    for line in upper_lines {
        let levels: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == "non-sargable-predicate" && f.location.line == Some(line))
            .map(|f| f.confidence.level)
            .collect();
        assert!(levels.contains(&High), "line {line}: {levels:?}");
    }
}

/// `leading-wildcard-like` (fourth SQL batch): a fixed pattern in a procedure is medium,
/// said why; a search built from a parameter and a fixed pattern in a trigger stay high.
#[test]
fn leading_wildcard_fixed_patterns() {
    use dbaudit::model::ConfidenceLevel::{High, Medium};
    let fixture = "tsql/leading-wildcard-like_fixed.sql";
    let cases = [
        (
            fixture,
            "r.RoleName LIKE '%admin%'",
            Medium,
            "a fixed pattern",
        ),
        (
            fixture,
            "s.Mail LIKE N'%@clinic.example'",
            Medium,
            "a fixed pattern",
        ),
        (fixture, "s.FullName LIKE '%' + @Search + '%'", High, ""),
        (fixture, "p.PayerName LIKE '%' + @Search", High, ""),
        (fixture, "DeviceName LIKE '%Fax%'", High, ""),
    ];
    assert_confidences("leading-wildcard-like", &cases);
}

/// `select-star` in a PostgreSQL view is low (the star is expanded when the view is
/// created); in a procedure named for diagnosis, medium; the look-alikes stay high.
#[test]
fn select_star_confidence_says_why() {
    use dbaudit::model::ConfidenceLevel::{High, Low, Medium};
    let cases = [
        (
            "postgres/select-star_view.sql",
            "SELECT * -- expect",
            Low,
            "PostgreSQL view",
        ),
        (
            "postgres/select-star_view.sql",
            "RETURN QUERY SELECT *",
            High,
            "",
        ),
        (
            "tsql/select-star_diagnostic.sql",
            "SELECT *, CAST",
            Medium,
            "`usp_queue_diagnostics` is named for diagnosis",
        ),
        (
            "tsql/select-star_diagnostic.sql",
            "SELECT TOP (1) *",
            High,
            "",
        ),
        (
            "tsql/select-star_expanded.sql",
            "SELECT * -- expect",
            Low,
            "view or inline table-valued function",
        ),
        (
            "tsql/select-star_expanded.sql",
            "    SELECT * -- expect",
            Low,
            "expanded into the calling query",
        ),
        (
            "tsql/select-star_expanded.sql",
            "WHERE StartsOn < @Before; -- expect",
            Medium,
            "no column list",
        ),
        (
            "tsql/select-star_expanded.sql",
            "WHERE EndsOn < @Before; -- expect",
            Medium,
            "no column list",
        ),
        (
            "tsql/select-star_expanded.sql",
            "SELECT * INTO #recent",
            High,
            "",
        ),
    ];
    assert_confidences("select-star", &cases);
}

/// `row-by-row-loop` is high only when it sees per-row DML or queries on tables; a loop
/// whose only per-row work is a call, a counter that writes, a loop over dynamic SQL's
/// rows are medium, each with the reason a DBA reads.
#[test]
fn row_by_row_loop_confidence_says_why() {
    use dbaudit::model::ConfidenceLevel::{High, Low, Medium};
    let cases = [
        (
            "tsql/row-by-row-loop.sql",
            "WHILE @@FETCH_STATUS = 0 -- expect",
            High,
            "",
        ),
        (
            "tsql/row-by-row-loop.sql",
            "WHILE @Row <= @Count",
            Medium,
            "call",
        ),
        (
            "tsql/row-by-row-loop.sql",
            "WHILE EXISTS (SELECT 1 FROM dbo.NotificationOutbox",
            Medium,
            "call",
        ),
        (
            "tsql/row-by-row-loop.sql",
            "WHILE @Day < 7",
            Medium,
            "counts with a variable",
        ),
        (
            "tsql/row-by-row-loop.sql",
            "WHILE @AppointmentId IS NOT NULL",
            High,
            "",
        ),
        (
            "postgres/row-by-row-loop.sql",
            "FOR r IN EXECUTE",
            Medium,
            "dynamic SQL",
        ),
        (
            "postgres/row-by-row-loop.sql",
            "FOR r IN c_slots(current_date - p_days) LOOP",
            Medium,
            "call",
        ),
        (
            "postgres/row-by-row-loop.sql",
            "FOREACH v_id IN ARRAY p_ids",
            High,
            "",
        ),
        (
            "tsql/row-by-row-loop_hierarchy.sql",
            "WHILE 1 = 1",
            Low,
            "climbs a hierarchy",
        ),
        (
            "tsql/row-by-row-loop_hierarchy.sql",
            "WHILE @Id IS NOT NULL",
            High,
            "",
        ),
        (
            "tsql/row-by-row-loop_hierarchy.sql",
            "WHILE @Row <= @Count",
            High,
            "",
        ),
        (
            "tsql/row-by-row-loop_hierarchy.sql",
            "WHILE @@FETCH_STATUS = 0",
            Medium,
            "top level of a script",
        ),
        (
            "tsql/row-by-row-loop_call.sql",
            "/* send */",
            Medium,
            "handed to a procedure call",
        ),
        (
            "tsql/row-by-row-loop_call.sql",
            "/* members */",
            Medium,
            "call",
        ),
        ("tsql/row-by-row-loop_call.sql", "/* close */", High, ""),
        ("tsql/row-by-row-loop_call.sql", "/* listed */", High, ""),
        ("tsql/row-by-row-loop_call.sql", "/* remind */", High, ""),
    ];
    assert_confidences("row-by-row-loop", &cases);
}

/// `non-sargable-predicate` is high only where an index declared in the scanned files has
/// the wrapped column as a key; the declarations are in another file than the queries
/// (`fixtures/index_evidence/`). Without one it is medium, saying which index is missing;
/// an expression index on exactly the expression makes the comparison sargable: no finding.
#[test]
fn non_sargable_needs_a_declared_index() {
    use dbaudit::model::ConfidenceLevel::{High, Medium};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/index_evidence");
    let options = dbaudit::scan::ScanOptions {
        paths: vec![root.clone()],
        dialect: None,
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: false,
        // The application file's embedded SQL is checked against the same declarations.
        app: true,
    };
    let report = dbaudit::scan::run(&options, &Config::default())
        .unwrap_or_else(|e| panic!("scan of {} failed: {e:#}", root.display()));
    let cases = [
        (
            "app/visits.py",
            "seen_at::date",
            Some((Medium, "`seen_at` is a key of an index on visits but not its first")),
        ),
        (
            "app/visits.py",
            "upper(nickname)",
            Some((Medium, "no index on members(nickname)")),
        ),
        ("tsql/Procedures.sql", "DATEADD(hour, 2, TakenAt)", Some((High, ""))),
        (
            "tsql/Procedures.sql",
            "UPPER(Label)",
            Some((Medium, "no index on dbo.Readings(Label) is declared in the scanned files; the expression costs only if one exists")),
        ),
        (
            "tsql/Procedures.sql",
            "LTRIM(Serial)",
            Some((Medium, "no index on Sensors.Devices(Serial)")),
        ),
        (
            "tsql/Procedures.sql",
            "YEAR(TakenAt)",
            Some((Medium, "no index on Archive.Readings(TakenAt)")),
        ),
        ("postgres/functions.sql", "lower(email) = lower(p_email)", None),
        (
            "postgres/functions.sql",
            "upper(nickname)",
            Some((Medium, "no index on members(nickname)")),
        ),
        (
            "postgres/functions.sql",
            "seen_at::date",
            Some((Medium, "`seen_at` is a key of an index on visits but not its first")),
        ),
        ("postgres/functions.sql", "member_id::text", Some((High, ""))),
        (
            "postgres/functions.sql",
            "member_id = p_member AND seen_at::date",
            Some((High, "")),
        ),
        (
            "tsql/Procedures.sql",
            "CAST(ReadingId",
            Some((Medium, "`ReadingId` is a key of an index on dbo.Readings but not its first")),
        ),
        (
            "postgres/functions.sql",
            "upper(email)",
            Some((Medium, "no index on members(email)")),
        ),
    ];
    let mut m = Mismatches::default();
    let mut seen = 0;
    for (file, needle, expected) in cases {
        let text = std::fs::read_to_string(root.join(file))
            .unwrap_or_else(|e| panic!("cannot read fixture {file}: {e}"));
        let line = line_of(&text, needle);
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| {
                f.rule == "non-sargable-predicate"
                    && f.location.line == Some(line)
                    && f.location
                        .file
                        .as_deref()
                        .is_some_and(|p| p.ends_with(file))
            })
            .collect();
        seen += found.len();
        match expected {
            None => m.check(
                &format!("{file}:{line}"),
                found.is_empty(),
                format!("expected no finding, got {found:?}"),
            ),
            Some((level, reason)) => {
                m.check(
                    &format!("{file}:{line}"),
                    found.len() == 1,
                    format!("expected one finding, got {}", found.len()),
                );
                for f in found {
                    m.confidence(&format!("{file}:{line}"), f, level, reason);
                }
            }
        }
    }
    m.eq(
        "every finding of the directory is a case above",
        report.findings.len(),
        seen,
    );
    m.assert_none("non-sargable-predicate index evidence");
}
