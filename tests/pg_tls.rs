//! TLS against a real throwaway PostgreSQL cluster: a throwaway CA signs the server
//! certificate (made with the `openssl` command-line tool), the cluster turns `ssl` on and
//! pg_hba.conf accepts TCP connections only over TLS, and `dbaudit collect` is run with
//! every sslmode: `disable` is refused by the server with a clear message, `prefer` and
//! `require` encrypt (the server log says so), `verify-ca` / `verify-full` accept the right
//! CA and refuse an unrelated one, `verify-full` checks the host name while `verify-ca`
//! does not, and `PGSSLMODE` / `PGSSLROOTCERT` work like the URL parameters.
//!
//! psql (libpq) is used as the reference: every server change is waited on until libpq
//! sees it, so a dbaudit result that differs is dbaudit's own behaviour.

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Environment variables that must not leak from the caller into dbaudit or psql.
const LIBPQ_ENV: &[&str] = pg_cluster::LIBPQ_ENV;

// ---------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------

/// The `openssl` binary, or `None` (outside CI) when it is missing.
fn openssl_available() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("the `openssl` command-line tool is required under CI to make test certificates");
    }
    found
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {} failed ({})\n--- stderr ---\n{}\n--- stdout ---\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

struct Certs {
    _dir: tempfile::TempDir,
    /// The CA that signed both server certificates.
    ca: PathBuf,
    /// An unrelated CA (different key and name).
    other_ca: PathBuf,
    /// Server certificate with subjectAltName DNS:localhost, IP:127.0.0.1.
    server_full: (PathBuf, PathBuf),
    /// Server certificate with subjectAltName DNS:localhost only (no IP).
    server_dns_only: (PathBuf, PathBuf),
}

/// Self-contained OpenSSL configuration (independent of the system openssl.cnf).
const OPENSSL_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no

[dn]
CN = placeholder

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_full]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = DNS:localhost, IP:127.0.0.1

[server_dns_only]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = DNS:localhost
";

fn make_certs() -> Certs {
    let dir = tempfile::Builder::new()
        .prefix("dbaudit-tls-")
        .tempdir()
        .expect("temporary directory for certificates");
    let d = dir.path();
    std::fs::write(d.join("openssl.cnf"), OPENSSL_CNF).unwrap();

    for (name, cn) in [
        ("ca", "dbaudit test CA"),
        ("other-ca", "dbaudit unrelated CA"),
    ] {
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-sha256",
                "-days",
                "3",
                "-config",
                "openssl.cnf",
                "-extensions",
                "v3_ca",
                "-subj",
                &format!("/CN={cn}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.crt"),
            ],
        );
    }
    for (name, section, serial) in [
        ("server-full", "server_full", "4097"),
        ("server-dns-only", "server_dns_only", "4098"),
    ] {
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-sha256",
                "-config",
                "openssl.cnf",
                "-subj",
                "/CN=localhost",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-sha256",
                "-days",
                "3",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-set_serial",
                serial,
                "-extfile",
                "openssl.cnf",
                "-extensions",
                section,
                "-out",
                &format!("{name}.crt"),
            ],
        );
    }
    // Sanity: both server certificates chain to the CA and not to the other one.
    for name in ["server-full.crt", "server-dns-only.crt"] {
        openssl(d, &["verify", "-CAfile", "ca.crt", name]);
        let out = Command::new("openssl")
            .args(["verify", "-CAfile", "other-ca.crt", name])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{name} must not verify against other-ca.crt"
        );
    }
    Certs {
        ca: d.join("ca.crt"),
        other_ca: d.join("other-ca.crt"),
        server_full: (d.join("server-full.crt"), d.join("server-full.key")),
        server_dns_only: (d.join("server-dns-only.crt"), d.join("server-dns-only.key")),
        _dir: dir,
    }
}

// ---------------------------------------------------------------------------------------
// Server side
// ---------------------------------------------------------------------------------------

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Copies a certificate and key into the data directory (key 0600, owned by the postgres
/// OS user when we are root) and returns the paths the server will use.
fn install_server_cert(
    pg: &pg_cluster::PgCluster,
    name: &str,
    pair: &(PathBuf, PathBuf),
) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let crt = pg.data_dir().join(format!("{name}.crt"));
    let key = pg.data_dir().join(format!("{name}.key"));
    std::fs::copy(&pair.0, &crt).unwrap_or_else(|e| panic!("copy to {}: {e}", crt.display()));
    std::fs::copy(&pair.1, &key).unwrap_or_else(|e| panic!("copy to {}: {e}", key.display()));
    std::fs::set_permissions(&crt, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    if running_as_root() {
        let out = Command::new("chown")
            .arg("postgres:")
            .arg(&crt)
            .arg(&key)
            .output()
            .expect("run chown");
        assert!(
            out.status.success(),
            "chown postgres {} {}: {}",
            crt.display(),
            key.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (crt, key)
}

fn sql_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn psql_binary(pg: &pg_cluster::PgCluster) -> PathBuf {
    let candidate = pg.bindir().join("psql");
    if candidate.is_file() {
        candidate
    } else {
        PathBuf::from("psql")
    }
}

/// psql (libpq) with a full conninfo string: the reference for what a connection should do.
fn libpq_connect(pg: &pg_cluster::PgCluster, conninfo: &str) -> Output {
    let mut cmd = Command::new(psql_binary(pg));
    cmd.args(["-X", "-q", "-A", "-t", "-c", "SELECT 1", "-d", conninfo])
        .stdin(Stdio::null())
        .env("PGCONNECT_TIMEOUT", "10");
    for var in LIBPQ_ENV.iter().chain(&["DATABASE_URL"]) {
        if *var != "PGCONNECT_TIMEOUT" {
            cmd.env_remove(var);
        }
    }
    cmd.output().expect("run psql")
}

fn wait_until(what: &str, pg: &pg_cluster::PgCluster, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        if Instant::now() > deadline {
            let log = pg.server_log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!(
                "timed out waiting for {what}\n--- server log (tail) ---\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------------------

/// Percent-encodes a path for a URL query value (keeps `/`).
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Run {
    code: Option<i32>,
    stderr: String,
    command: String,
}

fn dbaudit_collect(url: &str, env: &[(&str, &str)], work: &Path) -> Run {
    let out_dir = tempfile::tempdir_in(work).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbaudit"));
    cmd.args(["collect", "--db", url, "--out"])
        .arg(out_dir.path())
        .args(["--no-verify", "--connect-timeout", "10"])
        .current_dir(work)
        .stdin(Stdio::null());
    for var in LIBPQ_ENV.iter().chain(&["DATABASE_URL"]) {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().expect("the dbaudit binary runs");
    let env_text: String = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    Run {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        command: format!(
            "{env_text}dbaudit collect --db '{url}' --out DIR --no-verify --connect-timeout 10 ({:.1} s)",
            started.elapsed().as_secs_f64()
        ),
    }
}

/// Collects failures so that one run reports every wrong behaviour at once.
#[derive(Default)]
struct Checks {
    failures: Vec<String>,
}

impl Checks {
    fn succeeds(&mut self, what: &str, run: &Run) {
        eprintln!("[{what}] exit {:?}: {}", run.code, run.command);
        if run.code != Some(0) {
            self.failures.push(format!(
                "{what}: expected exit 0, got {:?}\n  $ {}\n  {}",
                run.code,
                run.command,
                run.stderr.trim().replace('\n', "\n  ")
            ));
        }
    }

    /// Exit 2 and stderr containing every one of `needles` (case-insensitive); any of the
    /// alternatives in a `a|b` needle will do.
    fn fails(&mut self, what: &str, run: &Run, needles: &[&str]) {
        eprintln!(
            "[{what}] exit {:?}: {}\n  {}",
            run.code,
            run.command,
            run.stderr.trim()
        );
        let lower = run.stderr.to_lowercase();
        let missing: Vec<&str> = needles
            .iter()
            .copied()
            .filter(|n| !n.split('|').any(|alt| lower.contains(&alt.to_lowercase())))
            .collect();
        if run.code != Some(2) || !missing.is_empty() {
            self.failures.push(format!(
                "{what}: expected exit 2 with a message mentioning {needles:?}, got exit {:?}{}\n  $ {}\n  {}",
                run.code,
                if missing.is_empty() { String::new() } else { format!(" (missing {missing:?})") },
                run.command,
                run.stderr.trim().replace('\n', "\n  ")
            ));
        }
    }

    fn check(&mut self, what: &str, ok: bool, detail: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(format!("{what}: {}", detail()));
        }
    }
}

/// Words of a certificate-verification error: OpenSSL's, or dbaudit's explanation of rustls' verdict.
const CERT_VERIFY: &str = "certificate verify failed|certificate verification";

#[test]
fn tls_sslmodes_against_a_tls_only_server() {
    if !openssl_available() {
        eprintln!("skipped: no `openssl` command-line tool");
        return;
    }
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    let certs = make_certs();
    let work = tempfile::tempdir().unwrap();
    let port = pg.port();
    let ca = certs.ca.to_string_lossy().into_owned();
    let other_ca = certs.other_ca.to_string_lossy().into_owned();
    let url = |host: &str, query: &str| {
        let base = format!("postgres://postgres@{host}:{port}/postgres");
        if query.is_empty() {
            base
        } else {
            format!("{base}?{query}")
        }
    };
    let libpq = |host: &str, extra: &str| {
        format!("host={host} port={port} user=postgres dbname=postgres {extra}")
    };
    let mut checks = Checks::default();

    // --- 1. TLS on, with the certificate for DNS:localhost and IP:127.0.0.1. ------------
    let (crt, key) = install_server_cert(&pg, "server", &certs.server_full);
    pg.psql(
        "postgres",
        &format!(
            "ALTER SYSTEM SET ssl_cert_file = {}",
            sql_literal(&crt.to_string_lossy())
        ),
    );
    pg.psql(
        "postgres",
        &format!(
            "ALTER SYSTEM SET ssl_key_file = {}",
            sql_literal(&key.to_string_lossy())
        ),
    );
    pg.psql("postgres", "ALTER SYSTEM SET ssl = on");
    pg.psql("postgres", "ALTER SYSTEM SET log_connections = on");
    pg.psql("postgres", "SELECT pg_reload_conf()");
    wait_until("`SHOW ssl` to be on", &pg, || {
        pg.psql("postgres", "SHOW ssl").trim() == "on"
    });
    // `ssl = on` is shown even when the certificate failed to load: wait until a libpq
    // session really is encrypted.
    wait_until("a psql session to be encrypted (pg_stat_ssl)", &pg, || {
        pg.psql(
            "postgres",
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        )
        .trim()
            == "t"
    });

    // Before pg_hba.conf is restricted, a plain TCP session works (so the failure below is
    // the server's TLS-only rule, not something else).
    let run = dbaudit_collect(&url("127.0.0.1", "sslmode=disable"), &[], work.path());
    checks.succeeds("sslmode=disable before hostssl-only pg_hba.conf", &run);

    // --- 2. pg_hba.conf: TCP only over TLS (local socket lines kept). -------------------
    let hba_path = pg.data_dir().join("pg_hba.conf");
    let hba = std::fs::read_to_string(&hba_path).expect("read pg_hba.conf");
    std::fs::write(
        &hba_path,
        format!(
            "# dbaudit TLS test: TCP only over TLS\n\
             hostssl all all 127.0.0.1/32 trust\n\
             host    all all 127.0.0.1/32 reject\n\
             {hba}"
        ),
    )
    .expect("write pg_hba.conf");
    pg.psql("postgres", "SELECT pg_reload_conf()");
    wait_until(
        "libpq sslmode=disable to be rejected by pg_hba.conf",
        &pg,
        || {
            !libpq_connect(&pg, &libpq("127.0.0.1", "sslmode=disable"))
                .status
                .success()
        },
    );
    let hba_errors = pg.psql(
        "postgres",
        "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL",
    );
    assert_eq!(hba_errors.trim(), "0", "pg_hba.conf has errors");

    // --- 3. disable / prefer / require against the TLS-only server. ---------------------
    let run = dbaudit_collect(&url("127.0.0.1", "sslmode=disable"), &[], work.path());
    checks.fails(
        "sslmode=disable (server accepts TLS only)",
        &run,
        &["pg_hba.conf rejects connection", "no encryption"],
    );

    let log_before = pg.server_log().len();
    let run = dbaudit_collect(&url("127.0.0.1", "sslmode=require"), &[], work.path());
    checks.succeeds("sslmode=require", &run);
    // The server logs each session's encryption (log_connections = on).
    let log = pg.server_log();
    let new_log = log.get(log_before..).unwrap_or("");
    let dbaudit_sessions: Vec<&str> = new_log
        .lines()
        .filter(|l| l.contains("connection authorized") && l.contains("application_name=dbaudit"))
        .collect();
    eprintln!("server log for dbaudit's sessions: {dbaudit_sessions:#?}");
    checks.check(
        "sslmode=require session is encrypted (server log)",
        !dbaudit_sessions.is_empty() && dbaudit_sessions.iter().all(|l| l.contains("SSL enabled")),
        || format!("dbaudit's `connection authorized` log lines: {dbaudit_sessions:#?}"),
    );

    let run = dbaudit_collect(&url("127.0.0.1", "sslmode=prefer"), &[], work.path());
    checks.succeeds("sslmode=prefer (must negotiate TLS)", &run);
    let run = dbaudit_collect(&url("127.0.0.1", ""), &[], work.path());
    checks.succeeds("no sslmode (default prefer, must negotiate TLS)", &run);

    // --- 4. verify-ca / verify-full with the right and an unrelated CA. ------------------
    let right = format!("sslrootcert={}", encode(&ca));
    let wrong = format!("sslrootcert={}", encode(&other_ca));
    for host in ["127.0.0.1", "localhost"] {
        let run = dbaudit_collect(
            &url(host, &format!("sslmode=verify-full&{right}")),
            &[],
            work.path(),
        );
        checks.succeeds(&format!("verify-full, right CA, host {host}"), &run);
    }
    let run = dbaudit_collect(
        &url("127.0.0.1", &format!("sslmode=verify-ca&{right}")),
        &[],
        work.path(),
    );
    checks.succeeds("verify-ca, right CA", &run);
    let run = dbaudit_collect(
        &url("127.0.0.1", &format!("sslmode=verify-full&{wrong}")),
        &[],
        work.path(),
    );
    checks.fails("verify-full, unrelated CA", &run, &[CERT_VERIFY]);
    let run = dbaudit_collect(
        &url("127.0.0.1", &format!("sslmode=verify-ca&{wrong}")),
        &[],
        work.path(),
    );
    checks.fails("verify-ca, unrelated CA", &run, &[CERT_VERIFY]);
    // libpq: with a root certificate given, `require` verifies the chain like verify-ca.
    let reference = libpq_connect(
        &pg,
        &libpq(
            "127.0.0.1",
            &format!("sslmode=require sslrootcert={other_ca}"),
        ),
    );
    assert!(
        !reference.status.success(),
        "libpq: require + unrelated sslrootcert must fail"
    );
    let run = dbaudit_collect(
        &url("127.0.0.1", &format!("sslmode=require&{wrong}")),
        &[],
        work.path(),
    );
    checks.fails(
        "require + unrelated sslrootcert (libpq verifies the chain)",
        &run,
        &[CERT_VERIFY],
    );

    // --- 5. PGSSLMODE / PGSSLROOTCERT instead of URL parameters. -------------------------
    let plain = url("127.0.0.1", "");
    let run = dbaudit_collect(
        &plain,
        &[("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", &ca)],
        work.path(),
    );
    checks.succeeds("PGSSLMODE=verify-full PGSSLROOTCERT=<right CA>", &run);
    let run = dbaudit_collect(
        &plain,
        &[("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", &other_ca)],
        work.path(),
    );
    checks.fails(
        "PGSSLMODE=verify-full PGSSLROOTCERT=<unrelated CA>",
        &run,
        &[CERT_VERIFY],
    );
    let run = dbaudit_collect(&plain, &[("PGSSLMODE", "disable")], work.path());
    checks.fails(
        "PGSSLMODE=disable (server accepts TLS only)",
        &run,
        &["pg_hba.conf rejects connection"],
    );
    // URL parameters win over the environment, as in libpq.
    let run = dbaudit_collect(
        &url("127.0.0.1", "sslmode=require"),
        &[("PGSSLMODE", "disable")],
        work.path(),
    );
    checks.succeeds("URL sslmode=require over PGSSLMODE=disable", &run);

    // --- 6. A certificate for DNS:localhost only: verify-ca ignores the host name, -------
    //        verify-full does not.
    let (crt2, key2) = install_server_cert(&pg, "server-dns-only", &certs.server_dns_only);
    pg.psql(
        "postgres",
        &format!(
            "ALTER SYSTEM SET ssl_cert_file = {}",
            sql_literal(&crt2.to_string_lossy())
        ),
    );
    pg.psql(
        "postgres",
        &format!(
            "ALTER SYSTEM SET ssl_key_file = {}",
            sql_literal(&key2.to_string_lossy())
        ),
    );
    pg.psql("postgres", "SELECT pg_reload_conf()");
    wait_until(
        "libpq verify-full to 127.0.0.1 to fail with the DNS-only certificate",
        &pg,
        || {
            !libpq_connect(
                &pg,
                &libpq(
                    "127.0.0.1",
                    &format!("sslmode=verify-full sslrootcert={ca}"),
                ),
            )
            .status
            .success()
        },
    );
    let reference = libpq_connect(
        &pg,
        &libpq("127.0.0.1", &format!("sslmode=verify-ca sslrootcert={ca}")),
    );
    assert!(
        reference.status.success(),
        "libpq verify-ca to 127.0.0.1 with the DNS-only certificate: {}",
        String::from_utf8_lossy(&reference.stderr)
    );
    let reference = libpq_connect(
        &pg,
        &libpq(
            "localhost",
            &format!("sslmode=verify-full sslrootcert={ca}"),
        ),
    );
    assert!(
        reference.status.success(),
        "libpq verify-full to localhost with the DNS-only certificate: {}",
        String::from_utf8_lossy(&reference.stderr)
    );

    let run = dbaudit_collect(
        &url("127.0.0.1", &format!("sslmode=verify-ca&{right}")),
        &[],
        work.path(),
    );
    checks.succeeds(
        "verify-ca, right CA, host 127.0.0.1 not in the certificate",
        &run,
    );
    let run = dbaudit_collect(
        &url("127.0.0.1", &format!("sslmode=verify-full&{right}")),
        &[],
        work.path(),
    );
    checks.fails(
        "verify-full, right CA, host 127.0.0.1 not in the certificate",
        &run,
        &[
            CERT_VERIFY,
            "hostname mismatch|ip address mismatch|host name|hostname",
        ],
    );
    let run = dbaudit_collect(
        &url("localhost", &format!("sslmode=verify-full&{right}")),
        &[],
        work.path(),
    );
    checks.succeeds(
        "verify-full, right CA, host localhost in the certificate",
        &run,
    );
    let run = dbaudit_collect(&url("127.0.0.1", "sslmode=require"), &[], work.path());
    checks.succeeds("require (no root certificate) ignores the host name", &run);

    assert!(
        checks.failures.is_empty(),
        "{} TLS check(s) failed:\n\n{}",
        checks.failures.len(),
        checks.failures.join("\n\n")
    );
}
