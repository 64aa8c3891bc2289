//! A throwaway PostgreSQL cluster for integration tests.
//!
//! Include it from a test crate with
//!
//! ```ignore
//! #[path = "support/pg_cluster.rs"]
//! mod pg_cluster;
//!
//! let Some(pg) = pg_cluster::start() else {
//!     eprintln!("skipped: no PostgreSQL server");
//!     return;
//! };
//! ```
//!
//! `start()` finds the server binaries (`$DBAUDIT_PG_BINDIR`, then `pg_config --bindir`,
//! then the highest `/usr/lib/postgresql/*/bin`; `start_with(bindir)` takes a given one, as
//! `tests/pg_versions.rs` does for each PostgreSQL version), runs `initdb` into a fresh temporary
//! directory, configures the server for auditing (pg_stat_statements preloaded, function
//! and I/O timing tracked, durability off for speed) and starts it on a free port of
//! 127.0.0.1 with trust authentication for every user. Without server binaries it returns
//! `None`, except under CI (`CI=true`), where `.ci/run` installs them and it panics.
//!
//! PostgreSQL refuses to run as root: when the tests run as root, the directory is handed
//! to the `postgres` OS user and `initdb`/`pg_ctl` run as that user (`runuser`, else `su`);
//! a bindir that user cannot reach (a directory above it without o+x) is a clear panic.
//! Dropping the cluster stops the server (`-m immediate`) and removes the directory.
//! `require_password` makes one role log in with a password (scram-sha-256 or md5).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The OS user that owns and runs the cluster when the tests run as root.
const SERVICE_USER: &str = "postgres";
/// The database superuser created by `initdb -U`.
const SUPERUSER: &str = "postgres";
/// How many times to retry with a new port when another process took the one we picked.
const START_ATTEMPTS: usize = 3;

/// Starts a throwaway cluster; `None` (outside CI) when no PostgreSQL server is installed.
pub fn start() -> Option<PgCluster> {
    PgCluster::start()
}

/// A running throwaway PostgreSQL cluster.
pub struct PgCluster {
    /// Holds the socket directory, `data/` and `server.log`; `None` once dropped.
    root: Option<tempfile::TempDir>,
    root_path: PathBuf,
    data_dir: PathBuf,
    log_path: PathBuf,
    bindir: PathBuf,
    port: u16,
    /// Run server-side binaries as the `postgres` OS user (we are root).
    as_service_user: bool,
}

impl PgCluster {
    /// Starts a throwaway cluster; `None` (outside CI) when no PostgreSQL server is installed.
    pub fn start() -> Option<PgCluster> {
        let Some(bindir) = find_bindir() else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "PostgreSQL server binaries not found; .ci/run installs them \
                     (looked at $DBAUDIT_PG_BINDIR, `pg_config --bindir` and \
                     /usr/lib/postgresql/*/bin for initdb, pg_ctl and postgres)"
                );
            }
            return None;
        };
        PgCluster::start_with(bindir)
    }

    /// Starts a throwaway cluster with the server binaries of `bindir` (which must hold
    /// `initdb`, `pg_ctl` and `postgres`; the caller checked, see [`has_server`]); `None`
    /// (outside CI) when we are root and there is no `postgres` OS user to run it as.
    /// Panics when that user cannot run the binaries (a directory above them without o+x).
    pub fn start_with(bindir: PathBuf) -> Option<PgCluster> {
        let as_service_user = running_as_root();
        if as_service_user && !user_exists(SERVICE_USER) {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "running as root but there is no `{SERVICE_USER}` OS user to run the \
                     PostgreSQL server as (PostgreSQL refuses to run as root)"
                );
            }
            return None;
        }
        if as_service_user {
            check_service_user_can_run(&bindir);
        }

        // Under root, make the directory somewhere the postgres user can traverse.
        let mut builder = tempfile::Builder::new();
        builder.prefix("dbaudit-pg-");
        let root = if as_service_user {
            builder.tempdir_in("/tmp")
        } else {
            builder.tempdir()
        }
        .expect("create a temporary directory for the PostgreSQL cluster");
        let root_path = root.path().to_path_buf();
        let data_dir = root_path.join("data");
        let log_path = root_path.join("server.log");

        if as_service_user {
            let out = Command::new("chown")
                .arg("-R")
                .arg(format!("{SERVICE_USER}:"))
                .arg(&root_path)
                .output()
                .expect("run chown");
            assert!(
                out.status.success(),
                "chown -R {SERVICE_USER} {} failed: {}",
                root_path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }

        let mut cluster = PgCluster {
            root: Some(root),
            root_path,
            data_dir,
            log_path,
            bindir,
            port: 0,
            as_service_user,
        };
        cluster.initdb();
        cluster.start_server();
        Some(cluster)
    }

    /// `postgres://user[:password]@127.0.0.1:port/db`.
    pub fn url(&self, user: &str, password: Option<&str>, db: &str) -> String {
        let mut url = format!("postgres://{}", percent_encode(user));
        if let Some(password) = password {
            url.push(':');
            url.push_str(&percent_encode(password));
        }
        let _ = write!(url, "@127.0.0.1:{}/{}", self.port, percent_encode(db));
        url
    }

    /// The TCP port the server listens on (host 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory (`PGDATA`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.root_path
    }

    /// The directory of the server binaries in use.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// Runs `sql` as superuser `postgres` in `db` with psql
    /// (`-v ON_ERROR_STOP=1 -X -q -A -t`) and returns its stdout; panics with psql's stderr
    /// when it fails. Several statements in one string run as one implicit transaction
    /// (psql `-c`), so use [`PgCluster::psql_file`] for `CREATE INDEX CONCURRENTLY` and the like.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.run_psql(db, ["-c", sql], sql)
    }

    /// Runs the SQL file at `path` like [`PgCluster::psql`] (`-f`, no wrapping transaction).
    /// A file may turn `ON_ERROR_STOP` off itself with `\set ON_ERROR_STOP off`.
    pub fn psql_file(&self, db: &str, path: &Path) -> String {
        let what = format!("file {}", path.display());
        self.run_psql(db, [OsStr::new("-f"), path.as_os_str()], &what)
    }

    /// Creates a database owned by `postgres`.
    pub fn create_database(&self, name: &str) {
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {}", quote_ident(name)),
        );
    }

    /// Makes `role` (created when missing, with LOGIN) log in with `password` over TCP,
    /// checked with `method` (`scram-sha-256` or `md5`): its password is set (stored in
    /// that method's form), a `pg_hba.conf` line for it goes before the harness's trust
    /// lines, and the server reloads. Every other role stays trusted.
    pub fn require_password(&self, role: &str, password: &str, method: &str) {
        assert!(
            matches!(method, "scram-sha-256" | "md5"),
            "require_password: method `{method}` is neither scram-sha-256 nor md5"
        );
        let exists = self.psql(
            "postgres",
            &format!(
                "SELECT count(*) FROM pg_roles WHERE rolname = {}",
                quote_literal(role)
            ),
        );
        if exists.trim() == "0" {
            self.psql(
                "postgres",
                &format!("CREATE ROLE {} LOGIN", quote_ident(role)),
            );
        }
        self.psql(
            "postgres",
            &format!(
                "SET password_encryption = {}; ALTER ROLE {} LOGIN PASSWORD {}",
                quote_literal(method),
                quote_ident(role),
                quote_literal(password)
            ),
        );
        let hba = self.data_dir.join("pg_hba.conf");
        let original =
            std::fs::read_to_string(&hba).unwrap_or_else(|e| panic!("read {}: {e}", hba.display()));
        // Role names in pg_hba.conf are quoted like identifiers.
        let line = format!(
            "host all \"{}\" 127.0.0.1/32 {method}\n",
            role.replace('"', "\"\"")
        );
        std::fs::write(&hba, format!("{line}{original}"))
            .unwrap_or_else(|e| panic!("write {}: {e}", hba.display()));
        self.psql("postgres", "SELECT pg_reload_conf()");
        // The postmaster rereads pg_hba.conf on SIGHUP, asynchronously: wait until a new
        // connection of `role` without its password is refused.
        for _ in 0..50 {
            let mut cmd = Command::new(self.client_binary("psql"));
            cmd.args(["-X", "-q", "-w", "-c", "SELECT 1"])
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", role, "-d", "postgres"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            clean_libpq_env(&mut cmd);
            cmd.env("PGPASSFILE", "/nonexistent");
            if cmd.status().map(|s| !s.success()).unwrap_or(true) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the server still lets `{role}` in without a password after reloading pg_hba.conf");
    }

    /// The server log so far (`log_statement = 'all'`, so every statement is in it).
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Whether the server can `CREATE EXTENSION name` (it is in `pg_available_extensions`).
    pub fn has_extension_available(&self, name: &str) -> bool {
        let sql = format!(
            "SELECT count(*) FROM pg_available_extensions WHERE name = {}",
            quote_literal(name)
        );
        self.psql("postgres", &sql).trim() != "0"
    }

    fn run_psql<I, S>(&self, db: &str, args: I, what: &str) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(self.client_binary("psql"));
        cmd.args(["-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", SUPERUSER, "-d", db])
            .args(args)
            .stdin(Stdio::null());
        clean_libpq_env(&mut cmd);
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("could not run psql from {}: {e}", self.bindir.display()));
        if !out.status.success() {
            panic!(
                "psql failed ({}) on database {db} running {what}\n--- stderr ---\n{}\n--- stdout ---\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout),
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn client_binary(&self, name: &str) -> PathBuf {
        let path = self.bindir.join(name);
        if path.exists() {
            path
        } else {
            PathBuf::from(name)
        }
    }

    /// Runs a server-side binary with `args` (as the `postgres` OS user when we are root)
    /// and returns its output.
    fn run_server_binary(&self, binary: &str, args: &[&OsStr]) -> Output {
        let program = self.bindir.join(binary);
        let mut cmd = if !self.as_service_user {
            let mut cmd = Command::new(&program);
            cmd.args(args);
            cmd
        } else if let Some(runuser) = find_program("runuser", &["/usr/sbin", "/sbin"]) {
            let mut cmd = Command::new(runuser);
            cmd.args(["-u", SERVICE_USER, "--"])
                .arg(&program)
                .args(args);
            cmd
        } else {
            // `su -c` takes one shell string, so quote every argument into it.
            let mut script = shell_quote(program.as_os_str());
            for arg in args {
                script.push(' ');
                script.push_str(&shell_quote(arg));
            }
            let mut cmd = Command::new("su");
            cmd.args([SERVICE_USER, "-s", "/bin/sh", "-c", &script]);
            cmd
        };
        // The postgres user may not be able to enter the test's working directory.
        cmd.current_dir(&self.root_path)
            .stdin(Stdio::null())
            .env("LC_ALL", "C");
        clean_libpq_env(&mut cmd);
        cmd.output()
            .unwrap_or_else(|e| panic!("could not run {} : {e}", program.display()))
    }

    fn initdb(&self) {
        let out = self.run_server_binary(
            "initdb",
            &[
                OsStr::new("-D"),
                self.data_dir.as_os_str(),
                OsStr::new("-U"),
                OsStr::new(SUPERUSER),
                OsStr::new("--auth=trust"),
                OsStr::new("-E"),
                OsStr::new("UTF8"),
                OsStr::new("--locale=C"),
                OsStr::new("--no-sync"),
            ],
        );
        if !out.status.success() {
            panic!(
                "initdb -D {} failed ({}){}\n--- stderr ---\n{}\n--- stdout ---\n{}",
                self.data_dir.display(),
                out.status,
                if self.as_service_user {
                    format!(" running as OS user {SERVICE_USER} because we are root")
                } else {
                    String::new()
                },
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout),
            );
        }
    }

    fn write_config(&self) {
        let conf_path = self.data_dir.join("postgresql.conf");
        let mut conf = std::fs::read_to_string(&conf_path)
            .unwrap_or_else(|e| panic!("read {}: {e}", conf_path.display()));
        // Later settings win, so appending a block on every (re)start is enough.
        let _ = write!(
            conf,
            "\n# --- dbaudit test harness ---\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = {socket_dir}\n\
             shared_preload_libraries = 'pg_stat_statements'\n\
             pg_stat_statements.track = 'all'\n\
             track_functions = 'all'\n\
             track_io_timing = on\n\
             log_statement = 'all'\n\
             logging_collector = off\n\
             log_destination = 'stderr'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             max_connections = 50\n",
            port = self.port,
            socket_dir = quote_literal(&self.root_path.to_string_lossy()),
        );
        // The file belongs to the postgres user, but root may still write it in place.
        std::fs::write(&conf_path, conf)
            .unwrap_or_else(|e| panic!("write {}: {e}", conf_path.display()));
    }

    fn start_server(&mut self) {
        for attempt in 1..=START_ATTEMPTS {
            self.port = free_port();
            self.write_config();
            let log_len_before = std::fs::metadata(&self.log_path)
                .map(|m| m.len())
                .unwrap_or(0);
            let out = self.run_server_binary(
                "pg_ctl",
                &[
                    OsStr::new("-D"),
                    self.data_dir.as_os_str(),
                    OsStr::new("-l"),
                    self.log_path.as_os_str(),
                    OsStr::new("-w"),
                    OsStr::new("-t"),
                    OsStr::new("60"),
                    OsStr::new("start"),
                ],
            );
            if out.status.success() {
                return;
            }
            let log = self.server_log();
            let this_attempt = log.get(log_len_before as usize..).unwrap_or(&log);
            let port_taken = this_attempt.contains("could not bind")
                || this_attempt.contains("Address already in use");
            if port_taken && attempt < START_ATTEMPTS {
                // Someone grabbed the port between our probe and the server's bind.
                self.stop_server();
                continue;
            }
            panic!(
                "pg_ctl start failed ({}) for {} on port {} (attempt {attempt})\n\
                 --- pg_ctl stderr ---\n{}\n--- pg_ctl stdout ---\n{}\n--- server log (tail) ---\n{}",
                out.status,
                self.data_dir.display(),
                self.port,
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout),
                tail(&log, 60),
            );
        }
    }

    fn stop_server(&self) {
        let _ = self.run_server_binary(
            "pg_ctl",
            &[
                OsStr::new("-D"),
                self.data_dir.as_os_str(),
                OsStr::new("-m"),
                OsStr::new("immediate"),
                OsStr::new("-w"),
                OsStr::new("stop"),
            ],
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.data_dir.join("postmaster.pid").exists() {
            self.stop_server();
        }
        if let Some(root) = self.root.take() {
            let _ = root.close();
        }
    }
}

/// Whether `dir` holds the server binaries `initdb`, `pg_ctl` and `postgres`.
pub fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

/// Panics with what to fix when the `postgres` OS user cannot run `bindir/postgres`
/// (binaries unpacked under a directory only root may enter, e.g. a home directory).
fn check_service_user_can_run(bindir: &Path) {
    let postgres = bindir.join("postgres");
    let mut cmd = match find_program("runuser", &["/usr/sbin", "/sbin"]) {
        Some(runuser) => {
            let mut cmd = Command::new(runuser);
            cmd.args(["-u", SERVICE_USER, "--"])
                .arg(&postgres)
                .arg("--version");
            cmd
        }
        None => {
            let mut cmd = Command::new("su");
            cmd.args([SERVICE_USER, "-s", "/bin/sh", "-c"])
                .arg(format!("{} --version", shell_quote(postgres.as_os_str())));
            cmd
        }
    };
    let out = cmd
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run {} as {SERVICE_USER}: {e}",
                postgres.display()
            )
        });
    assert!(
        out.status.success(),
        "the `{SERVICE_USER}` OS user cannot run {} (we are root, and PostgreSQL refuses to \
         run as root): every directory above it needs o+x and the files o+rx \
         (check with `namei -l {}`)\n--- stderr ---\n{}",
        postgres.display(),
        postgres.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`, if any.
fn find_bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DBAUDIT_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        if has_server(&dir) {
            return Some(dir);
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if has_server(&dir) {
                return Some(dir);
            }
        }
    }
    // Debian/Ubuntu layout: /usr/lib/postgresql/<major>/bin; take the highest major.
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let version: Vec<u32> = name
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<_>>()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `name` on `PATH` or in one of `extra` directories.
fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A TCP port that was free a moment ago (bind port 0 on 127.0.0.1, read it, release it).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to find a free port");
    listener.local_addr().expect("local address").port()
}

/// The libpq environment variables: none may leak from the caller into psql, the server
/// tools or dbaudit in a test.
pub const LIBPQ_ENV: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGOPTIONS",
    "PGSSLMODE",
    "PGDATA",
    "PGTZ",
    "PGCLIENTENCODING",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLCRL",
    "PGREQUIRESSL",
    "PGCONNECT_TIMEOUT",
    "PGSYSCONFDIR",
    "PGAPPNAME",
    "PGTARGETSESSIONATTRS",
];

/// Keeps the caller's libpq settings (PGHOST, PGDATABASE, ...) from leaking into psql and
/// the server tools.
fn clean_libpq_env(cmd: &mut Command) {
    for var in LIBPQ_ENV {
        cmd.env_remove(var);
    }
    cmd.env("PGCONNECT_TIMEOUT", "10");
}

/// Runs the dbaudit binary as a live test does: no connection string and no libpq
/// variable of the caller's shell may point it at another server than the test's.
pub fn dbaudit(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbaudit"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MSSQL_CONNECTION_STRING");
    for var in LIBPQ_ENV {
        cmd.env_remove(var);
    }
    cmd.output().expect("the dbaudit binary runs")
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn quote_ident(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

fn shell_quote(value: &OsStr) -> String {
    format!("'{}'", value.to_string_lossy().replace('\'', "'\\''"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
