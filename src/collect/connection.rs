//! Connecting to PostgreSQL the way psql users expect: `postgres://` URLs and libpq
//! `key=value` strings, `DATABASE_URL` and the `PG*` environment variables as defaults,
//! every `sslmode` (disable, allow, prefer, require, verify-ca, verify-full) with
//! `sslrootcert` (TLS with rustls: `collect/tls.rs`), a connect timeout, and a bounded read-only session. The password is
//! never part of any message: `display` is the connection without it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio_postgres::config::{Host, SslMode};
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
}

/// Debug output names the connection without its password.
impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTarget")
            .field("display", &self.display)
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Resolves `--db` (or `DATABASE_URL`, or nothing) with the `PG*` variables as defaults.
pub fn resolve(db: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<PgTarget> {
    let raw = db
        .map(str::to_string)
        .or_else(|| env("DATABASE_URL"))
        .unwrap_or_default();
    let (cleaned, sslmode, sslrootcert) = take_tls_params(&raw);
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
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(host) if host.starts_with('/') => {
                config.host_path(host);
            }
            Some(host) => {
                config.host(host);
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
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".into());
        config.user(user);
    }
    if config.get_password().is_none() {
        if let Some(password) = env("PGPASSWORD") {
            config.password(password);
        }
    }
    if config.get_dbname().is_none() {
        let db = env("PGDATABASE")
            .unwrap_or_else(|| config.get_user().unwrap_or("postgres").to_string());
        config.dbname(db);
    }
    let tls = match sslmode.or_else(|| env("PGSSLMODE")) {
        Some(mode) => TlsMode::parse(&mode)?,
        None => TlsMode::Prefer,
    };
    config.ssl_mode(match tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    let root_cert = sslrootcert
        .or_else(|| env("PGSSLROOTCERT"))
        .map(PathBuf::from);
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
    config.application_name("dbaudit");
    let display = describe(&config);
    Ok(PgTarget {
        config,
        tls,
        root_cert,
        connect_timeout,
        display,
    })
}

/// Removes `sslmode` and `sslrootcert` (which tokio-postgres handles only in part) from
/// a URL query or a key=value string, returning their values.
fn take_tls_params(raw: &str) -> (String, Option<String>, Option<String>) {
    let mut sslmode = None;
    let mut sslrootcert = None;
    let is_url = raw.starts_with("postgres://") || raw.starts_with("postgresql://");
    if is_url {
        let Some((base, query)) = raw.split_once('?') else {
            return (raw.to_string(), None, None);
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("sslmode", v)) => sslmode = Some(v.to_string()),
                Some(("sslrootcert", v)) => sslrootcert = Some(percent_decode(v)),
                _ => kept.push(pair),
            }
        }
        let cleaned = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (cleaned, sslmode, sslrootcert);
    }
    let mut kept = Vec::new();
    for part in raw.split_whitespace() {
        match part.split_once('=') {
            Some(("sslmode", v)) => sslmode = Some(v.trim_matches('\'').to_string()),
            Some(("sslrootcert", v)) => sslrootcert = Some(v.trim_matches('\'').to_string()),
            _ => kept.push(part),
        }
    }
    (kept.join(" "), sslmode, sslrootcert)
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
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
                let (client, connection) = target.config.connect(tokio_postgres::NoTls).await?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            }
            Some(connector) => {
                let (client, connection) = target
                    .config
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
    let client = match tokio::time::timeout(target.connect_timeout + Duration::from_secs(1), attempt).await {
        Err(_) => bail!(
            "cannot connect to {}: no answer within {} s. Check the host and port, and that the server accepts connections from here (--db or PGCONNECT_TIMEOUT change the limit)",
            target.display,
            target.connect_timeout.as_secs()
        ),
        Ok(Err(e)) => bail!("cannot connect to {}: {}", target.display, explain(&e)),
        Ok(Ok(client)) => client,
    };
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
