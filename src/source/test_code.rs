//! Which application source files are test code, by the conventions of each ecosystem:
//! test directories (`tests/`, `__tests__/`, Maven's `src/test/`, .NET's `Ordering.UnitTests/`)
//! and test file names (`test_*.py`, `*.spec.ts`, `*Tests.cs`, `*IT.java`).
//!
//! Test code does not run in production: a loop of inserts that sets up a fixture, or a
//! connection a test opens and drops, costs the database nothing, and on real repositories
//! such findings outnumber the production ones (98% of `query-in-loop` findings on the public
//! corpus the rules were measured on). So by default only the security rules run on it
//! (`scan.test_code` in `dbaudit.toml`, `--test-code` on the command line).

use std::path::{Component, Path, PathBuf};

/// Directory names that hold tests, compared case-insensitively.
const TEST_DIRECTORIES: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__mocks__",
    "spec",
    "specs",
    "e2e",
    "testing",
    "testfixtures",
    "integrationtest",
    "androidtest",
];

/// Whether `path`, found under one of the scanned `roots`, is test code by its path below
/// that root (`is_test_path`).
pub fn is_test_code_under(path: &Path, roots: &[PathBuf]) -> bool {
    roots
        .iter()
        .find_map(|root| path.strip_prefix(root).ok())
        .is_some_and(is_test_path)
}

/// Whether `relative`, a path below the scanned root, is test code. Only the path below the
/// root counts, so that a repository checked out under `~/tests/` is not all test code, and
/// a single file given on the command line (an empty relative path) is scanned as code.
pub fn is_test_path(relative: &Path) -> bool {
    let parts: Vec<&str> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    let Some((file, directories)) = parts.split_last() else {
        return false;
    };
    directories.iter().any(|d| is_test_directory(d)) || is_test_file(file)
}

/// `tests`, `__tests__`, `Ordering.UnitTests`, `Catalog.FunctionalTests`, `api-tests`.
fn is_test_directory(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TEST_DIRECTORIES.contains(&lower.as_str())
        || name.ends_with("Tests")
        || name.ends_with("Test")
        || [".tests", "-tests", "_tests", ".test", "-test", "_test"]
            .iter()
            .any(|suffix| lower.ends_with(suffix))
}

/// `test_orders.py`, `orders_test.py`, `conftest.py`, `orders.spec.ts`, `OrdersTests.cs`,
/// `OrderServiceIT.java` (not `TestOrders.java`: Maven also runs those, but production
/// code has such names too, e.g. a `TestDataInstaller`; under `src/test/` they are tests by
/// their directory).
fn is_test_file(name: &str) -> bool {
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    match extension.to_ascii_lowercase().as_str() {
        "py" => {
            stem.starts_with("test_")
                || stem.ends_with("_test")
                || stem.ends_with("_tests")
                || stem == "tests"
                || stem == "conftest"
        }
        "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" => {
            let lower = stem.to_ascii_lowercase();
            [".test", ".spec", ".e2e-spec", ".e2e", ".cy"]
                .iter()
                .any(|suffix| lower.ends_with(suffix))
        }
        "cs" => stem.ends_with("Tests") || stem.ends_with("Test"),
        "java" => {
            stem.ends_with("Test")
                || stem.ends_with("Tests")
                || stem.ends_with("IT")
                || stem.ends_with("TestCase")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_directories_and_files_of_each_ecosystem() {
        for path in [
            "tests/test_orders.py",
            "app/tests.py",
            "pkg/orders_test.py",
            "conftest.py",
            "lib/sqlalchemy/testing/fixtures.py",
            "src/test/java/org/acme/OrderRepositoryTest.java",
            "src/main/java/org/acme/OrderServiceIT.java",
            "tests/Ordering.UnitTests/Application/OrdersQueryTest.cs",
            "src/Catalog.FunctionalTests/CatalogApi.cs",
            "Orders/OrdersControllerTests.cs",
            "src/orders.spec.ts",
            "web/components/Orders.test.tsx",
            "web/__tests__/orders.js",
            "test/e2e/orders.e2e-spec.ts",
            "api-tests/orders.js",
            "src/androidTest/java/org/acme/Orders.java",
        ] {
            assert!(is_test_path(Path::new(path)), "{path} is test code");
        }
    }

    #[test]
    fn production_code_is_not_test_code() {
        for path in [
            "src/Ordering.API/Application/Queries/OrderQueries.cs",
            "src/main/java/org/acme/OrderRepository.java",
            "src/main/java/org/acme/Testimonial.java",
            "web/src/main/java/org/acme/TestInstallUtil.java",
            "src/main/java/org/acme/Contest.java",
            "app/contests/views.py",
            "app/latest.py",
            "app/testimonials.py",
            "src/services/protest.ts",
            "Manifest.cs",
            "orders.py",
            "",
            "tests",
        ] {
            assert!(!is_test_path(Path::new(path)), "{path} is production code");
        }
    }
}
