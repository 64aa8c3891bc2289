//! Connecting to PostgreSQL the way psql users expect: `postgres://` URLs and libpq
//! `key=value` strings, `DATABASE_URL` and the `PG*` environment variables as defaults,
//! connection services (`service=NAME` / `?service=` / `PGSERVICE`, from
//! `PGSERVICEFILE` or `~/.pg_service.conf`, then `PGSYSCONFDIR/pg_service.conf`), the
//! password file (`passfile=` / `PGPASSFILE` / `~/.pgpass`, see `libpq_files`), the
//! operating-system user as the default user, `PGAPPNAME`, `target_session_attrs`, every
//! `sslmode` (disable, allow, prefer, require, verify-ca, verify-full) with `sslrootcert`
//! (TLS with rustls: `collect/tls.rs`),
//! a connect timeout, and a bounded read-only session. Precedence is libpq's: the
//! connection string, then its service, then the variables, then the defaults. The
//! password is never part of any message: `display` is the connection without it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio_postgres::config::{Host, SslMode, TargetSessionAttrs};

use super::libpq_files;
use tokio_postgres::{Client, Config};

use super::tls::Verification;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl TlsMode {
    fn parse(value: &str) -> Result<TlsMode> {
        Ok(match value {
            "disable" => TlsMode::Disable,
            "allow" | "prefer" => TlsMode::Prefer,
            "require" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" => TlsMode::VerifyFull,
            other => bail!(
                "unknown sslmode `{other}` (use disable, allow, prefer, require, verify-ca or verify-full)"
            ),
        })
    }
}

/// Session bounds: dbaudit only reads, and never waits long on locks or slow queries.
#[derive(Debug, Clone)]
pub struct SessionLimits {
    pub statement_timeout: Duration,
    pub lock_timeout: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            statement_timeout: Duration::from_secs(30),
            lock_timeout: Duration::from_secs(2),
        }
    }
}

pub struct PgTarget {
    pub config: Config,
    pub tls: TlsMode,
    pub root_cert: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// `postgres://user@host:port/db`, never with the password.
    pub display: String,
    /// What the session must be (`target_session_attrs`).
    pub session_attrs: SessionAttrs,
    /// The password file the password was read from, named when the server rejects it.
    pub password_file: Option<PathBuf>,
    /// Files set up for psql that were not used, and why (shown as warnings).
    pub warnings: Vec<String>,
    /// Nothing named a server (no --db, DATABASE_URL, service or PG* variable): the
    /// defaults were tried, and a failure says how to connect.
    pub from_defaults: bool,
}

/// Debug output names the connection without its password.
impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTarget")
            .field("display", &self.display)
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .field("session_attrs", &self.session_attrs)
            .finish()
    }
}

/// libpq's `target_session_attrs`. tokio-postgres checks `transaction_read_only` only, so
/// `primary` and `standby` are also checked with `pg_is_in_recovery()` once connected, and
/// `prefer-standby` tries for a read-only session first, then any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl SessionAttrs {
    fn parse(value: &str) -> Result<SessionAttrs> {
        Ok(match value {
            "any" => SessionAttrs::Any,
            "read-write" => SessionAttrs::ReadWrite,
            "read-only" => SessionAttrs::ReadOnly,
            "primary" => SessionAttrs::Primary,
            "standby" => SessionAttrs::Standby,
            "prefer-standby" => SessionAttrs::PreferStandby,
            other => bail!(
                "unknown target_session_attrs `{other}` (use any, read-write, read-only, primary, standby or prefer-standby)"
            ),
        })
    }

    fn driver(self) -> TargetSessionAttrs {
        match self {
            SessionAttrs::Any => TargetSessionAttrs::Any,
            SessionAttrs::ReadWrite | SessionAttrs::Primary => TargetSessionAttrs::ReadWrite,
            SessionAttrs::ReadOnly | SessionAttrs::Standby | SessionAttrs::PreferStandby => {
                TargetSessionAttrs::ReadOnly
            }
        }
    }
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The application name when neither the connection, the service nor `PGAPPNAME` gives one.
pub const DEFAULT_APPLICATION_NAME: &str = "dbaudit";

/// libpq keywords that dbaudit handles itself, because tokio-postgres does not know them
/// or knows only some of their values.
#[derive(Debug, Default, Clone)]
struct Extras {
    sslmode: Option<String>,
    sslrootcert: Option<String>,
    service: Option<String>,
    passfile: Option<String>,
    target_session_attrs: Option<String>,
    fallback_application_name: Option<String>,
}

impl Extras {
    /// Keeps `value` when `key` is one of ours (`overwrite`: a later one wins, as in a
    /// connection string; else the first, as in a service file). False for other keys.
    fn take(&mut self, key: &str, value: &str, overwrite: bool) -> bool {
        let slot = match key {
            "sslmode" => &mut self.sslmode,
            "sslrootcert" => &mut self.sslrootcert,
            "service" => &mut self.service,
            "passfile" => &mut self.passfile,
            "target_session_attrs" => &mut self.target_session_attrs,
            "fallback_application_name" => &mut self.fallback_application_name,
            _ => return false,
        };
        if overwrite || slot.is_none() {
            *slot = Some(value.to_string());
        }
        true
    }
}

/// The `PG*` variables that name a server or a session (any one means "not the defaults").
const TARGET_VARIABLES: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGSERVICE",
];

/// How to tell dbaudit where the server is, for errors when nothing was given.
pub fn how_to_connect(snapshot_too: bool) -> String {
    format!(
        "give --db postgres://user@host:5432/db (or 'host=... dbname=... user=...', or 'service=NAME'){}, or set DATABASE_URL, or the PG* variables psql uses (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSERVICE; passwords from PGPASSWORD or ~/.pgpass)",
        if snapshot_too {
            ", or --snapshot DIR to read a snapshot saved by `dbaudit collect`"
        } else {
            ""
        }
    )
}

/// Resolves `--db` (or `DATABASE_URL`, or nothing) as libpq does: the connection string
/// first, then its service (`service=` or `PGSERVICE`), then the `PG*` variables, then the
/// defaults (the operating-system user, the password file).
pub fn resolve(db: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<PgTarget> {
    let given = db.map(str::to_string).or_else(|| env("DATABASE_URL"));
    let raw = given.clone().unwrap_or_default();
    let (cleaned, mut extras) = split_connection(&raw)?;
    let mut config = if cleaned.trim().is_empty() {
        Config::new()
    } else {
        cleaned.parse::<Config>().map_err(|e| {
            anyhow::anyhow!(
                "invalid connection string ({}): {e}. Use postgres://user@host:5432/db or host=... dbname=...",
                redact(&raw)
            )
        })?
    };
    let service_name = extras.service.clone().or_else(|| env("PGSERVICE"));
    let passwd = os_account();
    let home = env("HOME")
        .map(PathBuf::from)
        .or_else(|| passwd.as_ref().map(|(_, home)| home.clone()));
    if let Some(name) = &service_name {
        let files = libpq_files::service_files(env, home.as_deref());
        let service = libpq_files::find_service(name, &files)?;
        apply_service(&mut config, &mut extras, &service, name)?;
    }
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        match env("PGHOST") {
            Some(hosts) => {
                for host in hosts.split(',') {
                    add_host(&mut config, host);
                }
            }
            None if std::path::Path::new("/var/run/postgresql").is_dir() => {
                config.host_path("/var/run/postgresql");
            }
            None => {
                config.host("localhost");
            }
        }
    }
    if config.get_ports().is_empty() {
        if let Some(port) = env("PGPORT") {
            let port: u16 = port
                .parse()
                .with_context(|| format!("PGPORT `{port}` is not a port number"))?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        let user = match env("PGUSER") {
            Some(user) => user,
            None => match passwd.as_ref().map(|(name, _)| name.clone()).or_else(|| env("USER")) {
                Some(user) => user,
                None => bail!(
                    "cannot tell the operating-system user to connect as: give user= in --db, or set PGUSER"
                ),
            },
        };
        config.user(user);
    }
    if config.get_dbname().is_none() {
        let db = env("PGDATABASE")
            .unwrap_or_else(|| config.get_user().unwrap_or("postgres").to_string());
        config.dbname(db);
    }
    let mut warnings = Vec::new();
    let mut password_file = None;
    if config.get_password().is_none() {
        if let Some(password) = env("PGPASSWORD") {
            config.password(password);
        } else {
            let (file, explicit) = match extras.passfile.clone().or_else(|| env("PGPASSFILE")) {
                Some(file) => (Some(PathBuf::from(file)), true),
                None => (home.as_ref().map(|h| h.join(".pgpass")), false),
            };
            if let Some(file) = file {
                let host = match config.get_hosts().first() {
                    Some(Host::Tcp(h)) => h.clone(),
                    Some(Host::Unix(p)) => p.display().to_string(),
                    None => config
                        .get_hostaddrs()
                        .first()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                };
                let key = libpq_files::PassKey {
                    host: &host,
                    port: config.get_ports().first().copied().unwrap_or(5432),
                    database: config.get_dbname().unwrap_or(""),
                    user: config.get_user().unwrap_or(""),
                };
                let lookup = libpq_files::password_from_file(&file, &key, explicit);
                warnings.extend(lookup.warning);
                if let Some(password) = lookup.password {
                    config.password(password);
                    password_file = Some(file);
                }
            }
        }
    }
    let tls = match extras.sslmode.clone().or_else(|| env("PGSSLMODE")) {
        Some(mode) => TlsMode::parse(&mode)?,
        None => TlsMode::Prefer,
    };
    config.ssl_mode(match tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    let root_cert = extras
        .sslrootcert
        .clone()
        .or_else(|| env("PGSSLROOTCERT"))
        .map(PathBuf::from);
    let session_attrs = match extras
        .target_session_attrs
        .clone()
        .or_else(|| env("PGTARGETSESSIONATTRS"))
    {
        Some(value) => SessionAttrs::parse(&value)?,
        None => SessionAttrs::Any,
    };
    config.target_session_attrs(session_attrs.driver());
    let connect_timeout = match config.get_connect_timeout() {
        Some(t) => *t,
        None => match env("PGCONNECT_TIMEOUT") {
            Some(secs) => Duration::from_secs(secs.parse().with_context(|| {
                format!("PGCONNECT_TIMEOUT `{secs}` is not a number of seconds")
            })?),
            None => DEFAULT_CONNECT_TIMEOUT,
        },
    };
    config.connect_timeout(connect_timeout);
    if config.get_application_name().is_none() {
        let name = env("PGAPPNAME")
            .or(extras.fallback_application_name.clone())
            .unwrap_or_else(|| DEFAULT_APPLICATION_NAME.to_string());
        config.application_name(name);
    }
    let from_defaults = given.is_none() && TARGET_VARIABLES.iter().all(|v| env(v).is_none());
    let display = describe(&config);
    Ok(PgTarget {
        config,
        tls,
        root_cert,
        connect_timeout,
        display,
        session_attrs,
        password_file,
        warnings,
        from_defaults,
    })
}

fn add_host(config: &mut Config, host: &str) {
    if host.starts_with('/') {
        config.host_path(host);
    } else {
        config.host(host);
    }
}

/// The settings of a service the connection string did not set (the first of each
/// keyword in the file, as libpq reads it).
fn apply_service(
    config: &mut Config,
    extras: &mut Extras,
    service: &libpq_files::Service,
    name: &str,
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let where_ = || format!("service `{name}` in `{}`", service.file.display());
    for (key, value) in &service.settings {
        if !seen.insert(key.as_str()) || extras.take(key, value, false) {
            continue;
        }
        match key.as_str() {
            "host" if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() => {
                for host in value.split(',') {
                    add_host(config, host);
                }
            }
            "hostaddr" if config.get_hostaddrs().is_empty() && config.get_hosts().is_empty() => {
                for addr in value.split(',') {
                    let addr = addr.trim().parse().map_err(|_| {
                        anyhow::anyhow!("{}: hostaddr `{addr}` is not an IP address", where_())
                    })?;
                    config.hostaddr(addr);
                }
            }
            "port" if config.get_ports().is_empty() => {
                for port in value.split(',') {
                    let port = port.trim().parse().map_err(|_| {
                        anyhow::anyhow!("{}: port `{port}` is not a port number", where_())
                    })?;
                    config.port(port);
                }
            }
            "dbname" if config.get_dbname().is_none() => {
                config.dbname(value);
            }
            "user" if config.get_user().is_none() => {
                config.user(value);
            }
            "password" if config.get_password().is_none() => {
                config.password(value);
            }
            "options" if config.get_options().is_none() => {
                config.options(value);
            }
            "application_name" if config.get_application_name().is_none() => {
                config.application_name(value);
            }
            "connect_timeout" if config.get_connect_timeout().is_none() => {
                let secs: u64 = value.trim().parse().map_err(|_| {
                    anyhow::anyhow!(
                        "{}: connect_timeout `{value}` is not a number of seconds",
                        where_()
                    )
                })?;
                config.connect_timeout(Duration::from_secs(secs));
            }
            "host" | "hostaddr" | "port" | "dbname" | "user" | "password" | "options"
            | "application_name" | "connect_timeout" => {}
            other => bail!(
                "{}: the keyword `{other}` is not supported by dbaudit (it reads host, hostaddr, port, dbname, user, password, passfile, options, application_name, fallback_application_name, connect_timeout, sslmode, sslrootcert and target_session_attrs)",
                where_()
            ),
        }
    }
    Ok(())
}

/// Takes the keywords of [`Extras`] out of a URL's query or a key=value string; returns
/// the rest for tokio-postgres to parse.
fn split_connection(raw: &str) -> Result<(String, Extras)> {
    let mut extras = Extras::default();
    let is_url = raw.starts_with("postgres://") || raw.starts_with("postgresql://");
    if is_url {
        let Some((base, query)) = raw.split_once('?') else {
            return Ok((raw.to_string(), extras));
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !extras.take(&percent_decode(key), &percent_decode(value), true) {
                kept.push(pair);
            }
        }
        let cleaned = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok((cleaned, extras));
    }
    let mut kept = Vec::new();
    for (key, value) in key_values(raw)? {
        if !extras.take(&key, &value, true) {
            kept.push(format!(
                "{key}='{}'",
                value.replace('\\', "\\\\").replace('\'', "\\'")
            ));
        }
    }
    Ok((kept.join(" "), extras))
}

/// libpq's `key=value` syntax: spaces around `=`, values bare (a `\` escapes the next
/// character) or in single quotes (`\'` and `\\` inside). Errors never repeat a value.
fn key_values(raw: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = raw.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            bail!(
                "invalid connection string: a word without `=` {}; write keyword=value pairs (host=... dbname=...) or a postgres:// URL",
                match pairs.last() {
                    Some((key, _)) => format!("after the value of `{key}`"),
                    None => "at its start".to_string(),
                }
            );
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => bail!(
                        "invalid connection string: the value of `{key}` opens a quote it never closes"
                    ),
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// The operating-system user this process runs as, and its home directory (what libpq
/// uses for the default user and for `~/.pgpass`).
#[cfg(unix)]
fn os_account() -> Option<(String, PathBuf)> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;
    let mut buffer = vec![0 as libc::c_char; 1024];
    loop {
        // SAFETY: getpwuid_r writes only into `entry` and `buffer` (whose length it is
        // given) and sets `found` to `&entry` or null; the strings read below point into
        // `buffer`, which outlives them.
        unsafe {
            let mut entry: libc::passwd = std::mem::zeroed();
            let mut found: *mut libc::passwd = std::ptr::null_mut();
            let status = libc::getpwuid_r(
                libc::geteuid(),
                &mut entry,
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut found,
            );
            if status == libc::ERANGE && buffer.len() < 1 << 20 {
                buffer.resize(buffer.len() * 4, 0);
                continue;
            }
            if status != 0 || found.is_null() || entry.pw_name.is_null() {
                return None;
            }
            let name = CStr::from_ptr(entry.pw_name).to_string_lossy().into_owned();
            let home = if entry.pw_dir.is_null() {
                PathBuf::new()
            } else {
                PathBuf::from(std::ffi::OsStr::from_bytes(
                    CStr::from_ptr(entry.pw_dir).to_bytes(),
                ))
            };
            return Some((name, home));
        }
    }
}

#[cfg(not(unix))]
fn os_account() -> Option<(String, PathBuf)> {
    None
}

/// The operating-system user name libpq would connect as by default.
pub fn os_user() -> Option<String> {
    os_account().map(|(name, _)| name)
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `postgres://user@host:port/db` (no password), for messages and the manifest.
pub fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        host,
        port,
        config.get_dbname().unwrap_or("")
    )
}

/// Hides a password in a connection string that failed to parse.
pub fn redact(raw: &str) -> String {
    let mut out = raw.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        if let Some(at) = out[rest_start..].find('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, "*****");
            }
        }
    }
    let mut parts = Vec::new();
    for part in out.split(' ') {
        if part.starts_with("password=") {
            parts.push("password=*****".to_string());
        } else {
            parts.push(part.to_string());
        }
    }
    let joined = parts.join(" ");
    match joined.find("password=") {
        Some(i) if joined[i..].contains('&') || joined.contains('?') => {
            let end = joined[i..].find('&').map_or(joined.len(), |e| i + e);
            format!("{}password=*****{}", &joined[..i], &joined[end..])
        }
        _ => joined,
    }
}

/// Connects and makes the session read-only and bounded.
pub async fn connect(target: &PgTarget, limits: &SessionLimits) -> Result<Client> {
    let client = match connect_as(target, &target.config).await {
        // prefer-standby: a read-only session if a host offers one, else any session.
        Err(e)
            if target.session_attrs == SessionAttrs::PreferStandby
                && e.to_string().contains("database is not read only") =>
        {
            let mut any = target.config.clone();
            any.target_session_attrs(TargetSessionAttrs::Any);
            connect_as(target, &any).await
        }
        other => other,
    }?;
    if matches!(
        target.session_attrs,
        SessionAttrs::Primary | SessionAttrs::Standby
    ) {
        let row = client
            .query_one("SELECT pg_is_in_recovery()", &[])
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "could not check target_session_attrs on {}: {}",
                    target.display,
                    explain(&e)
                )
            })?;
        let standby: bool = row.try_get(0).unwrap_or(false);
        if standby != (target.session_attrs == SessionAttrs::Standby) {
            bail!(
                "cannot connect to {}: target_session_attrs={} but the server is a {} (pg_is_in_recovery() = {standby})",
                target.display,
                if standby { "primary" } else { "standby" },
                if standby { "standby" } else { "primary" }
            );
        }
    }
    let setup = format!(
        "/* dbaudit */ SET default_transaction_read_only = on; /* dbaudit */ SET statement_timeout = {}; /* dbaudit */ SET lock_timeout = {}; /* dbaudit */ SET idle_in_transaction_session_timeout = 60000",
        limits.statement_timeout.as_millis(),
        limits.lock_timeout.as_millis()
    );
    client.batch_execute(&setup).await.map_err(|e| {
        anyhow::anyhow!(
            "could not make the session read-only on {}: {}",
            target.display,
            explain(&e)
        )
    })?;
    Ok(client)
}

/// One connection attempt with `config`, bounded by the connect timeout.
async fn connect_as(target: &PgTarget, config: &Config) -> Result<Client> {
    let connector = match target.tls {
        TlsMode::Disable => None,
        mode => Some(
            tls_connector(mode, target.root_cert.as_deref())
                .map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", target.display))?,
        ),
    };
    let attempt = async {
        let client = match connector {
            None => {
                let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            }
            Some(connector) => {
                let (client, connection) = config
                    .connect(tokio_postgres_rustls::MakeRustlsConnect::new(connector))
                    .await?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            }
        };
        Ok::<_, tokio_postgres::Error>(client)
    };
    match tokio::time::timeout(target.connect_timeout + Duration::from_secs(1), attempt).await {
        Err(_) => bail!(
            "cannot connect to {}: no answer within {} s. Check the host and port, and that the server accepts connections from here (--connect-timeout or PGCONNECT_TIMEOUT change the limit)",
            target.display,
            target.connect_timeout.as_secs()
        ),
        Ok(Err(e)) => bail!(
            "cannot connect to {}: {}{}",
            target.display,
            explain(&e),
            password_advice(target, &e)
        ),
        Ok(Ok(client)) => Ok(client),
    }
}

/// Where the password came from, or where it could, when the server wanted another.
fn password_advice(target: &PgTarget, error: &tokio_postgres::Error) -> String {
    let rejected = error
        .as_db_error()
        .is_some_and(|db| db.code() == &tokio_postgres::error::SqlState::INVALID_PASSWORD);
    match &target.password_file {
        Some(file) if rejected => format!(
            " (the password was read from the password file `{}`)",
            file.display()
        ),
        None if explain(error).contains("password missing") => ". The server asks for a password: set PGPASSWORD, put it in the password file (~/.pgpass or PGPASSFILE, lines host:port:database:user:password, chmod 600), or give it in --db".to_string(),
        _ => String::new(),
    }
}

/// The rustls configuration for an sslmode, as libpq does it: prefer / require encrypt
/// without verifying the server, unless a root certificate is given (then, like verify-ca,
/// the chain is verified); verify-ca verifies the chain, verify-full the host name too.
/// Roots: sslrootcert's certificates only, or the system's trust store without it.
fn tls_connector(
    mode: TlsMode,
    root_cert: Option<&std::path::Path>,
) -> std::result::Result<rustls::ClientConfig, String> {
    let verification = match mode {
        TlsMode::Prefer | TlsMode::Require if root_cert.is_none() => Verification::None,
        TlsMode::Prefer | TlsMode::Require | TlsMode::VerifyCa => Verification::Chain,
        TlsMode::VerifyFull | TlsMode::Disable => Verification::ChainAndHost,
    };
    super::tls::client_config(verification, root_cert)
}

/// A database error's own message (and hint), or the I/O cause: never the password.
pub fn explain(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{} ({})", db.message(), db.code().code());
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        // TLS errors repeat their cause in their own text: add only what is new.
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(&format!(": {cause_text}"));
        }
        source = cause.source();
    }
    if let Some(why) = super::tls::explain_certificate_error(&text) {
        text.push_str(&format!(". {why}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn urls_key_values_and_env_defaults() {
        let t = resolve(Some("postgres://alice:s3cret@db.example:6543/sales?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"), &env_of(&[])).unwrap();
        assert_eq!(t.display, "postgres://alice@db.example:6543/sales");
        assert_eq!(t.tls, TlsMode::VerifyFull);
        assert_eq!(
            t.root_cert.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        assert!(!t.display.contains("s3cret"));

        let t = resolve(
            Some("host=h port=5433 user=bob dbname=d sslmode=verify-ca password=pw"),
            &env_of(&[]),
        )
        .unwrap();
        assert_eq!(t.display, "postgres://bob@h:5433/d");
        assert_eq!(t.tls, TlsMode::VerifyCa);

        let env = env_of(&[
            ("PGHOST", "pg.internal"),
            ("PGPORT", "5999"),
            ("PGUSER", "carol"),
            ("PGDATABASE", "app"),
            ("PGSSLMODE", "disable"),
            ("PGPASSWORD", "x"),
        ]);
        let t = resolve(None, &env).unwrap();
        assert_eq!(t.display, "postgres://carol@pg.internal:5999/app");
        assert_eq!(t.tls, TlsMode::Disable);
        assert_eq!(t.config.get_password(), Some(&b"x"[..]));

        let env = env_of(&[
            ("DATABASE_URL", "postgresql://dave@from-env/envdb"),
            ("PGHOST", "ignored"),
        ]);
        assert_eq!(
            resolve(None, &env).unwrap().display,
            "postgres://dave@from-env:5432/envdb"
        );
    }

    #[test]
    fn quoted_key_values_and_libpq_keywords_dbaudit_handles() {
        let t = resolve(
            Some("host = h  dbname='my db' user=u password='it''s'  target_session_attrs=standby application_name=x"),
            &env_of(&[]),
        );
        // `''` is not an escape in libpq (only `\'` is): the value ends at the second quote.
        assert!(t.is_err());
        let t = resolve(
            Some(r"host = h  dbname='my db' user=u password='it\'s a\\b' target_session_attrs=standby application_name=x"),
            &env_of(&[]),
        )
        .unwrap();
        assert_eq!(t.display, "postgres://u@h:5432/my db");
        assert_eq!(t.config.get_password(), Some(&br"it's a\b"[..]));
        assert_eq!(t.session_attrs, SessionAttrs::Standby);
        assert_eq!(t.config.get_application_name(), Some("x"));
        let t = resolve(
            Some("postgres://u@h/d?target_session_attrs=prefer-standby&application_name=y"),
            &env_of(&[("PGAPPNAME", "ignored")]),
        )
        .unwrap();
        assert_eq!(t.session_attrs, SessionAttrs::PreferStandby);
        assert_eq!(t.config.get_application_name(), Some("y"));
        let e = resolve(Some("host=h target_session_attrs=sometimes"), &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("prefer-standby"), "{e}");
        let e = resolve(Some("host=h password=Topsecret1 oops"), &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("after the value of `password`"), "{e}");
        assert!(!e.contains("Topsecret1"), "{e}");
    }

    #[test]
    fn application_name_defaults_and_pgappname() {
        let t = resolve(Some("host=h"), &env_of(&[])).unwrap();
        assert_eq!(t.config.get_application_name(), Some("dbaudit"));
        let t = resolve(Some("host=h"), &env_of(&[("PGAPPNAME", "nightly-audit")])).unwrap();
        assert_eq!(t.config.get_application_name(), Some("nightly-audit"));
        let t = resolve(Some("host=h fallback_application_name=fb"), &env_of(&[])).unwrap();
        assert_eq!(t.config.get_application_name(), Some("fb"));
    }

    #[test]
    fn the_default_user_is_the_operating_system_user() {
        let t = resolve(Some("host=h"), &env_of(&[])).unwrap();
        let os = os_user().expect("the test runs as a user with a passwd entry");
        assert_eq!(t.config.get_user(), Some(os.as_str()));
        assert_eq!(t.config.get_dbname(), Some(os.as_str()));
        assert!(!t.from_defaults);
        let t = resolve(None, &env_of(&[("USER", "not-this-one")])).unwrap();
        assert_eq!(t.config.get_user(), Some(os.as_str()));
        assert!(t.from_defaults);
        assert!(
            !resolve(None, &env_of(&[("PGHOST", "h")]))
                .unwrap()
                .from_defaults
        );
    }

    #[test]
    fn services_and_password_files() {
        let dir = tempfile::tempdir().unwrap();
        let service_file = dir.path().join("services.conf");
        std::fs::write(
            &service_file,
            "[reporting]\nhost=svc.example\nport=6432\ndbname=sales\nuser=svc_user\nsslmode=disable\n[bad]\nsslcert=/x\n",
        )
        .unwrap();
        let pass_file = dir.path().join("pgpass");
        std::fs::write(
            &pass_file,
            "svc.example:6432:sales:svc_user:from-file\nsvc.example:6432:*:*:other\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pass_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let (svc, pass, home) = (
            service_file.display().to_string(),
            pass_file.display().to_string(),
            dir.path().display().to_string(),
        );
        let env = move |k: &str| match k {
            "PGSERVICEFILE" => Some(svc.clone()),
            "PGPASSFILE" => Some(pass.clone()),
            "HOME" => Some(home.clone()),
            "PGSYSCONFDIR" => Some("/nonexistent".to_string()),
            _ => None,
        };
        let t = resolve(Some("service=reporting"), &env).unwrap();
        assert_eq!(t.display, "postgres://svc_user@svc.example:6432/sales");
        assert_eq!(t.tls, TlsMode::Disable);
        assert_eq!(t.config.get_password(), Some(&b"from-file"[..]));
        assert_eq!(t.password_file.as_deref(), Some(pass_file.as_path()));
        assert!(!format!("{t:?}").contains("from-file"));
        // The connection string wins over its service; the file matches the result.
        let t = resolve(
            Some("postgres://other@svc.example:6432/x?service=reporting"),
            &env,
        )
        .unwrap();
        assert_eq!(t.display, "postgres://other@svc.example:6432/x");
        assert_eq!(t.config.get_password(), Some(&b"other"[..]));
        let e = resolve(Some("service=bad"), &env).unwrap_err().to_string();
        assert!(e.contains("`sslcert` is not supported"), "{e}");
        let e = resolve(Some("service=missing"), &env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("service `missing` not found"), "{e}");
        // PGPASSWORD comes before the password file.
        let with_password = move |k: &str| match k {
            "PGPASSWORD" => Some("from-env".to_string()),
            other => env(other),
        };
        let t = resolve(Some("service=reporting"), &with_password).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"from-env"[..]));
        assert!(t.password_file.is_none());
    }

    #[test]
    fn bad_input_is_reported_without_the_password() {
        let e = resolve(Some("postgres://u:topsecret@h:notaport/d"), &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("topsecret"), "{e}");
        let e = resolve(Some("postgres://u@h/d?sslmode=sometimes"), &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("sometimes"), "{e}");
        assert_eq!(
            redact("host=h password=topsecret user=u"),
            "host=h password=***** user=u"
        );
    }
}
