//! Connecting to SQL Server the way its DBAs write connections: ADO.NET connection strings
//! (`Server=tcp:host,1433;Database=app;User Id=auditor;Password=...;Encrypt=True;
//! TrustServerCertificate=True`) and `sqlserver://user:password@host:port/database?...`
//! URLs, from `--db` or `MSSQL_CONNECTION_STRING`. SQL logins only. TLS is on unless
//! `Encrypt=False`; the session is always `ApplicationIntent=ReadOnly`, bounded by a
//! connect timeout, and the password is never part of any message: `display` is the
//! connection without it, and `scrub` removes it from whatever the driver says.

use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::{bail, Result};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

use super::connection::percent_decode;

/// The environment variable read when `--db` is not given and the engine is SQL Server.
pub const MSSQL_ENV: &str = "MSSQL_CONNECTION_STRING";

pub const DEFAULT_PORT: u16 = 1433;
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What to encrypt: everything (the default, `Encrypt=True`), or nothing (`Encrypt=False`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encryption {
    Required,
    /// No TLS at all: the login (password included) and every result cross the network
    /// in clear. For trusted networks and test servers only.
    Off,
}

/// How the server certificate is checked when encrypting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateTrust {
    /// Against the system's trust store (the default).
    System,
    /// Accepted as is (`TrustServerCertificate=True`): encrypted, not authenticated.
    Any,
    /// Against this CA certificate only (`TrustServerCertificateCA=path`: one certificate,
    /// PEM in a `.pem` / `.crt` file or DER in a `.der` file), host name included.
    Ca(PathBuf),
}

pub struct MssqlTarget {
    pub host: String,
    pub port: u16,
    pub database: Option<String>,
    pub user: String,
    password: String,
    pub encryption: Encryption,
    pub trust: CertificateTrust,
    pub connect_timeout: Duration,
    /// `Command Timeout` from the connection string (seconds), a default for the
    /// per-query timeout.
    pub command_timeout: Option<Duration>,
    /// What the connection string asked for that dbaudit overrides or does not need
    /// (e.g. `ApplicationIntent=ReadWrite`), for the manifest's notes.
    pub remarks: Vec<String>,
    /// `sqlserver://user@host:port/database`, never with the password.
    pub display: String,
}

/// Debug output names the connection without its password.
impl std::fmt::Debug for MssqlTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MssqlTarget")
            .field("display", &self.display)
            .field("encryption", &self.encryption)
            .field("trust", &self.trust)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl MssqlTarget {
    /// Hides the password wherever `text` (a driver or server message) repeats it.
    pub fn scrub(&self, text: &str) -> String {
        scrub_secret(text, &self.password)
    }

    /// The driver configuration: always read-only intent, application name `dbaudit`.
    pub fn tiberius_config(&self) -> Config {
        let mut config = Config::new();
        config.host(&self.host);
        config.port(self.port);
        if let Some(database) = &self.database {
            config.database(database);
        }
        config.application_name("dbaudit");
        config.readonly(true);
        config.authentication(AuthMethod::sql_server(&self.user, &self.password));
        match self.encryption {
            // `Required` (not `On`): tiberius panics when `On` meets a server without TLS.
            Encryption::Required => config.encryption(EncryptionLevel::Required),
            Encryption::Off => config.encryption(EncryptionLevel::NotSupported),
        }
        match &self.trust {
            CertificateTrust::System => {}
            CertificateTrust::Any => config.trust_cert(),
            CertificateTrust::Ca(path) => config.trust_cert_ca(path.display()),
        }
        config
    }
}

/// Replaces `secret` in `text` by `*****`: everywhere when it is 6 characters or more,
/// and as a whole word only when shorter (a password `p` must not garble `app`).
pub fn scrub_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let anywhere = secret.chars().count() >= 6;
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    while let Some(found) = text[done..].find(secret) {
        let start = done + found;
        let end = start + secret.len();
        let alone = !text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            && !text[end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        out.push_str(&text[done..start]);
        out.push_str(if anywhere || alone { "*****" } else { secret });
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// Resolves `--db` (or `MSSQL_CONNECTION_STRING`) into a target.
pub fn resolve(db: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<MssqlTarget> {
    let Some(raw) = db.map(str::to_string).or_else(|| env(MSSQL_ENV)) else {
        bail!(
            "no SQL Server connection: give --db 'Server=tcp:host,1433;Database=app;User Id=auditor;Password=...' or set {MSSQL_ENV}"
        );
    };
    let pairs = if is_url(&raw) {
        url_pairs(&raw)?
    } else {
        ado_pairs(&raw)?
    };
    from_pairs(pairs)
}

/// True for a SQL Server connection: a `sqlserver://` URL or an ADO.NET string.
pub fn is_mssql_connection(raw: &str) -> bool {
    is_url(raw) || is_ado_string(raw)
}

/// True for a `sqlserver://` (or `mssql://`) URL.
pub fn is_url(raw: &str) -> bool {
    let lower = raw.trim_start().to_ascii_lowercase();
    lower.starts_with("sqlserver://") || lower.starts_with("mssql://")
}

/// True for an ADO.NET connection string naming a server (`Server=`, `Data Source=`...).
/// Lenient on purpose: a string with a mistake in it is still recognised, so that its
/// error comes from this parser (which never echoes values), not PostgreSQL's.
pub fn is_ado_string(raw: &str) -> bool {
    raw.split(';').any(|segment| {
        segment
            .split_once('=')
            .is_some_and(|(key, _)| SERVER_KEYS.contains(&normalise_key(key).as_str()))
    })
}

const SERVER_KEYS: &[&str] = &[
    "server",
    "data source",
    "address",
    "addr",
    "network address",
];

/// `key=value;` pairs, keys lower-cased and trimmed; values may be quoted with `"` or `'`
/// (a doubled quote inside stands for one), which lets them contain `;`.
fn ado_pairs(raw: &str) -> Result<Vec<(String, String)>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut rest = raw.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else {
            if rest.trim_matches(';').trim().is_empty() {
                break;
            }
            // The stray text may be the tail of a password: it is not repeated.
            bail!(
                "invalid connection string: text without `=` {}; write Key=value pairs separated by `;`, and quote a value that contains `;` (Password=\"a;b\")",
                match pairs.last() {
                    Some((key, _)) => format!("after the value of `{key}`"),
                    None => "at its start".to_string(),
                }
            );
        };
        let key = rest[..eq].trim().trim_start_matches(';').trim();
        let key = normalise_key(key);
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let mut text = String::new();
            let mut chars = rest[1..].char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == quote {
                    if rest[1 + i + 1..].starts_with(quote) {
                        text.push(quote);
                        chars.next();
                    } else {
                        end = Some(1 + i + 1);
                        break;
                    }
                } else {
                    text.push(c);
                }
            }
            let Some(end) = end else {
                bail!(
                    "invalid connection string: the value of `{key}` opens a quote it never closes"
                );
            };
            value = text;
            rest = rest[end..].trim_start();
            if !rest.is_empty() && !rest.starts_with(';') {
                bail!(
                    "invalid connection string: unexpected text after the quoted value of `{key}`"
                );
            }
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.trim_start_matches(';').trim_start();
        if key.is_empty() {
            bail!("invalid connection string: a `=` without a keyword before it");
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

fn normalise_key(key: &str) -> String {
    key.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// `sqlserver://user:password@host:port/database?key=value&...` as ADO.NET pairs.
fn url_pairs(raw: &str) -> Result<Vec<(String, String)>> {
    let raw = raw.trim();
    let rest = raw
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let (main, query) = match rest.split_once('?') {
        Some((main, query)) => (main, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match main.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (main, None),
    };
    let mut pairs = Vec::new();
    // The password may contain `@`: the host starts after the last one.
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (userinfo, None),
            };
            pairs.push(("user id".to_string(), percent_decode(user)));
            if let Some(password) = password {
                pairs.push(("password".to_string(), percent_decode(password)));
            }
            host_port
        }
        None => authority,
    };
    let server = match host_port.rsplit_once(':') {
        // `[::1]:1433` and `host:1433`, but not a bare IPv6 address.
        Some((host, port)) if !host.is_empty() && !port.contains(']') => {
            format!("{},{port}", host.trim_matches(['[', ']']))
        }
        _ => host_port.trim_matches(['[', ']']).to_string(),
    };
    pairs.push(("server".to_string(), server));
    if let Some(database) = path.map(percent_decode).filter(|p| !p.is_empty()) {
        pairs.push(("database".to_string(), database));
    }
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        pairs.push((normalise_key(&percent_decode(key)), percent_decode(value)));
    }
    Ok(pairs)
}

/// Keywords that change nothing for a read-only audit session (pooling and the like).
const IGNORED_KEYS: &[&str] = &[
    "application name",
    "app",
    "pooling",
    "max pool size",
    "min pool size",
    "connection lifetime",
    "load balance timeout",
    "multipleactiveresultsets",
    "multiple active result sets",
    "multisubnetfailover",
    "multi subnet failover",
    "persist security info",
    "persistsecurityinfo",
    "packet size",
    "workstation id",
    "wsid",
    "current language",
    "language",
    "connect retry count",
    "connectretrycount",
    "connect retry interval",
    "connectretryinterval",
    "transparentnetworkipresolution",
    "transparent network ip resolution",
    "enlist",
    "type system version",
    "hostnameincertificate",
    "host name in certificate",
    "servercertificate",
    "server certificate",
    "failover partner",
];

fn from_pairs(pairs: Vec<(String, String)>) -> Result<MssqlTarget> {
    let mut server = None;
    let mut database = None;
    let mut user = None;
    let mut password = String::new();
    let mut encryption = Encryption::Required;
    let mut trust_any = false;
    let mut trust_ca = None;
    let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
    let mut command_timeout = None;
    let mut remarks = Vec::new();
    for (key, value) in pairs {
        match key.as_str() {
            k if SERVER_KEYS.contains(&k) => server = Some(value),
            "database" | "initial catalog" | "databasename" => {
                database = Some(value).filter(|v| !v.is_empty())
            }
            "user id" | "uid" | "user" | "username" | "user name" => user = Some(value),
            "password" | "pwd" => password = value,
            "encrypt" => {
                encryption = match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "mandatory" | "" => Encryption::Required,
                    "false" | "no" | "optional" => Encryption::Off,
                    "strict" => bail!(
                        "Encrypt=Strict (TDS 8) is not supported by dbaudit's driver: use Encrypt=True"
                    ),
                    other => bail!(
                        "Encrypt=`{other}` is not understood: use Encrypt=True (the default) or Encrypt=False"
                    ),
                }
            }
            "trustservercertificate" | "trust server certificate" => {
                trust_any = parse_bool(&key, &value)?
            }
            "trustservercertificateca" => trust_ca = Some(PathBuf::from(value)),
            "applicationintent" | "application intent" => {
                if !value.eq_ignore_ascii_case("readonly") {
                    remarks.push(format!(
                        "ApplicationIntent={value} ignored: dbaudit always connects with ApplicationIntent=ReadOnly"
                    ));
                }
            }
            "connect timeout" | "connection timeout" | "timeout" | "connecttimeout" => {
                connect_timeout = Duration::from_secs(parse_seconds(&key, &value)?)
            }
            "command timeout" | "commandtimeout" => {
                command_timeout = Some(Duration::from_secs(parse_seconds(&key, &value)?))
            }
            "integrated security" | "integratedsecurity" | "trusted_connection"
            | "trusted connection" => {
                if value.eq_ignore_ascii_case("sspi") || parse_bool(&key, &value)? {
                    bail!(
                        "Windows integrated authentication ({key}={value}) is not supported: connect with a SQL login (User Id=...;Password=...)"
                    );
                }
            }
            "authentication" => check_authentication(&value)?,
            k if IGNORED_KEYS.contains(&k) => {}
            other => bail!(
                "unknown keyword `{other}` in the SQL Server connection string (known: Server, Database, User Id, Password, Encrypt, TrustServerCertificate, ApplicationIntent, Connect Timeout, Command Timeout)"
            ),
        }
    }
    let Some(server) = server.filter(|s| !s.trim().is_empty()) else {
        bail!("the SQL Server connection string names no server: add Server=tcp:host,1433");
    };
    let (host, port) = parse_server(&server)?;
    let user = user.filter(|u| !u.is_empty()).ok_or_else(|| {
        anyhow::anyhow!(
            "the SQL Server connection string names no login: add User Id=...;Password=... (a SQL login; Windows authentication is not supported)"
        )
    })?;
    let trust = match (trust_any, trust_ca) {
        (true, Some(_)) => bail!(
            "TrustServerCertificate=True and TrustServerCertificateCA exclude each other: keep one"
        ),
        (true, None) => CertificateTrust::Any,
        (false, Some(path)) => CertificateTrust::Ca(path),
        (false, None) => CertificateTrust::System,
    };
    let display = describe(&user, &host, port, database.as_deref());
    Ok(MssqlTarget {
        host,
        port,
        database,
        user,
        password,
        encryption,
        trust,
        connect_timeout,
        command_timeout,
        remarks,
        display,
    })
}

/// `Authentication=`: only `SqlPassword` (a SQL login) is possible; the others (the
/// Microsoft Entra ID / Active Directory methods of Microsoft.Data.SqlClient) need token
/// flows or Kerberos that dbaudit's driver (tiberius) does not do: each gets an error
/// that says so and what works instead.
fn check_authentication(value: &str) -> Result<()> {
    const SUPPORTED: &str = "dbaudit signs in with a SQL login only: Authentication=SqlPassword (or no Authentication=) with User Id=...;Password=...";
    let normalised: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    match normalised.as_str() {
        "sqlpassword" => Ok(()),
        "activedirectoryintegrated" | "activedirectorykerberos" => bail!(
            "Authentication={value} (Windows / Kerberos sign-in) is not supported by dbaudit's SQL Server driver. {SUPPORTED}"
        ),
        "activedirectorypassword"
        | "activedirectoryinteractive"
        | "activedirectoryserviceprincipal"
        | "activedirectorydevicecodeflow"
        | "activedirectorymanagedidentity"
        | "activedirectorymsi"
        | "activedirectorydefault"
        | "activedirectoryworkloadidentity" => bail!(
            "Authentication={value} (Microsoft Entra ID, formerly Azure AD) is not supported by dbaudit's SQL Server driver, which cannot run Entra sign-in flows. {SUPPORTED}; on Azure SQL, create a contained database user with a password for the audit (CREATE USER auditor WITH PASSWORD = '...')"
        ),
        _ => bail!(
            "Authentication=`{value}` is not a value dbaudit knows (SQL Server's are SqlPassword and the ActiveDirectory* methods). {SUPPORTED}"
        ),
    }
}

/// `tcp:host,port`, `host,port`, `host` (port 1433), `(local)`, `.`; a named instance
/// needs its port (dbaudit does not ask the SQL Browser service for it).
fn parse_server(server: &str) -> Result<(String, u16)> {
    let server = server.trim();
    let server = server
        .strip_prefix("tcp:")
        .or_else(|| server.strip_prefix("TCP:"))
        .unwrap_or(server);
    if let Some(protocol) = ["np:", "lpc:", "admin:"]
        .iter()
        .find(|p| server.to_ascii_lowercase().starts_with(**p))
    {
        bail!(
            "Server={server}: the `{protocol}` protocol is not supported; dbaudit connects over TCP (Server=tcp:host,1433)"
        );
    }
    let (name, port) = match server.rsplit_once(',') {
        Some((name, port)) => {
            let port: u16 = port.trim().parse().map_err(|_| {
                anyhow::anyhow!("Server={server}: `{}` is not a port number", port.trim())
            })?;
            (name.trim(), Some(port))
        }
        None => (server, None),
    };
    let (host, instance) = match name.split_once('\\') {
        Some((host, instance)) => (host, Some(instance)),
        None => (name, None),
    };
    if let (Some(instance), None) = (instance, port) {
        bail!(
            "Server={server}: the named instance `{instance}` needs its TCP port: give Server=tcp:{host},PORT (or sqlserver://{host}:PORT). dbaudit's driver does not ask the SQL Browser service for it. The port is in SQL Server Configuration Manager (TCP/IP properties, IPAll), in the instance's error log (\"Server is listening on\"), or from SELECT local_tcp_port FROM sys.dm_exec_connections WHERE session_id = @@SPID"
        );
    }
    let host = match host.to_ascii_lowercase().as_str() {
        "(local)" | "." | "(localdb)" | "" => "localhost".to_string(),
        _ => host.to_string(),
    };
    Ok((host, port.unwrap_or(DEFAULT_PORT)))
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => bail!("{key}=`{value}`: use True or False"),
    }
}

fn parse_seconds(key: &str, value: &str) -> Result<u64> {
    value
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{key}=`{value}` is not a number of seconds"))
}

/// `sqlserver://user@host:port/database` (no password), for messages and the manifest.
pub fn describe(user: &str, host: &str, port: u16, database: Option<&str>) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    format!(
        "sqlserver://{user}@{host}:{port}/{}",
        database.unwrap_or("")
    )
}

/// The TCP stream handed to tiberius, watching the server's PRELOGIN answer: when dbaudit
/// asks for encryption and the server cannot encrypt, the read fails with an error that
/// says so (tiberius would otherwise attempt a TLS handshake the server cannot answer).
pub struct PreloginGuard {
    inner: Compat<TcpStream>,
    wants_encryption: bool,
    /// The bytes of the first server packet until it is complete; `None` once checked.
    first_packet: Option<Vec<u8>>,
}

impl PreloginGuard {
    pub fn new(tcp: TcpStream, encryption: Encryption) -> Self {
        PreloginGuard {
            inner: tcp.compat(),
            wants_encryption: encryption == Encryption::Required,
            first_packet: Some(Vec::new()),
        }
    }

    /// Checks the first packet once it is complete: `Err` when the server refuses TLS.
    fn inspect(&mut self, fresh: &[u8]) -> std::io::Result<()> {
        let Some(seen) = self.first_packet.as_mut() else {
            return Ok(());
        };
        seen.extend_from_slice(fresh);
        // Packet header: type, status, length (big-endian u16 at 2..4), ...
        if seen.len() < 8 {
            return Ok(());
        }
        let length = u16::from_be_bytes([seen[2], seen[3]]) as usize;
        if seen.len() < length {
            return Ok(());
        }
        let server_encryption = prelogin_encryption(&seen[8..length.max(8)]);
        self.first_packet = None;
        if self.wants_encryption && server_encryption == Some(ENCRYPT_NOT_SUP) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                SERVER_CANNOT_ENCRYPT,
            ));
        }
        Ok(())
    }
}

pub const SERVER_CANNOT_ENCRYPT: &str = "the server does not support encryption (its PRELOGIN answer is ENCRYPT_NOT_SUP) and this connection requires it (Encrypt=True, the default)";

const ENCRYPT_NOT_SUP: u8 = 0x02;

/// The ENCRYPTION option (token 0x01) of a PRELOGIN payload.
fn prelogin_encryption(payload: &[u8]) -> Option<u8> {
    let mut at = 0;
    while at < payload.len() && payload[at] != 0xFF {
        let option = payload.get(at..at + 5)?;
        if option[0] == 0x01 {
            let offset = u16::from_be_bytes([option[1], option[2]]) as usize;
            return payload.get(offset).copied();
        }
        at += 5;
    }
    None
}

impl futures_util::io::AsyncRead for PreloginGuard {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(n)) if this.first_packet.is_some() => {
                let fresh = buf[..n].to_vec();
                Poll::Ready(this.inspect(&fresh).map(|()| n))
            }
            other => other,
        }
    }
}

impl futures_util::io::AsyncWrite for PreloginGuard {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

pub type MssqlClient = Client<PreloginGuard>;

/// Opens a TCP connection and logs in, within the connect timeout; follows one
/// read-only routing redirect (an availability group listener sends ReadOnly sessions to
/// a secondary). Errors name the server and say what to check, never the password.
pub async fn connect(target: &MssqlTarget) -> Result<MssqlClient> {
    // The driver (tiberius with rustls) asserts that the system's trust store is not
    // empty: say so, and what to do, before it panics.
    if target.encryption == Encryption::Required && target.trust == CertificateTrust::System {
        if let Err(why) = super::tls::system_roots() {
            bail!(
                "cannot connect to {}: {why}, or name the CA with TrustServerCertificateCA=path",
                target.display
            );
        }
    }
    let mut host = target.host.clone();
    let mut port = target.port;
    for _ in 0..2 {
        let mut config = target.tiberius_config();
        config.host(&host);
        config.port(port);
        let attempt = async {
            let tcp = TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| Failure::Tcp(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            // A task of its own, so that a panic in the driver is an error, not a crash.
            tokio::spawn(Client::connect(
                config,
                PreloginGuard::new(tcp, target.encryption),
            ))
            .await
            .map_err(|e| Failure::Driver(format!("the driver failed: {e}")))?
            .map_err(Failure::Login)
        };
        let outcome = match tokio::time::timeout(target.connect_timeout, attempt).await {
            Err(_) => bail!(
                "cannot connect to {} ({host}:{port}): no answer within {} s. Check the host and port, that SQL Server listens on TCP there (SQL Server Configuration Manager), and that no firewall blocks it (Connect Timeout=... or --connect-timeout change the limit)",
                target.display,
                target.connect_timeout.as_secs()
            ),
            Ok(outcome) => outcome,
        };
        match outcome {
            Ok(client) => return Ok(client),
            Err(Failure::Login(tiberius::error::Error::Routing {
                host: new_host,
                port: new_port,
            })) => {
                host = new_host;
                port = new_port;
            }
            Err(failure) => bail!(
                "cannot connect to {} ({host}:{port}): {}",
                target.display,
                target.scrub(&failure.explain(target, &host, port))
            ),
        }
    }
    bail!(
        "cannot connect to {}: the server redirected the session more than once (last to {host}:{port}); connect to the replica directly",
        target.display
    )
}

enum Failure {
    Tcp(String),
    Login(tiberius::error::Error),
    Driver(String),
}

impl Failure {
    fn explain(&self, target: &MssqlTarget, host: &str, port: u16) -> String {
        match self {
            Failure::Tcp(e) if e.contains("lookup") => format!(
                "{e}. Check the host name `{host}` (Server=tcp:host,port), and that this machine's DNS resolves it"
            ),
            Failure::Tcp(e) => format!(
                "{e}. Check that SQL Server is running and listening on TCP port {port} of {host} (SQL Server Configuration Manager: TCP/IP enabled), and that no firewall blocks it"
            ),
            Failure::Driver(e) => e.clone(),
            Failure::Login(error) => explain(error, target),
        }
    }
}

/// A driver or server error in words, with what to do about the common ones.
pub fn explain(error: &tiberius::error::Error, target: &MssqlTarget) -> String {
    use tiberius::error::Error;
    let text = match error {
        Error::Server(token) => {
            let advice = match token.code() {
                18456 => format!(
                    "; check User Id and Password, that the login `{}` exists and is enabled, and that the server allows SQL Server authentication (mixed mode)",
                    target.user
                ),
                4060 => format!(
                    "; check Database=, and that the login has a user in that database ({})",
                    crate::engine::mssql::create_user_for_login(&target.user)
                ),
                18452 => "; the server accepts Windows logins only: enable SQL Server authentication (mixed mode)".to_string(),
                _ => String::new(),
            };
            format!("{} (error {}){advice}", token.message(), token.code())
        }
        Error::Io { message, .. } if message.contains(SERVER_CANNOT_ENCRYPT) => format!(
            "{SERVER_CANNOT_ENCRYPT}: enable TLS on the server (Force Encryption with a certificate), or, on a trusted network only, connect with Encrypt=False"
        ),
        // The driver's own check of TrustServerCertificateCA's file, not a lost connection.
        Error::Io { message, .. } if message.contains("CA certificate") || message.contains("Certificate file") => format!(
            "{message}. TrustServerCertificateCA names one CA certificate: PEM in a .pem or .crt file, or DER in a .der file"
        ),
        // rustls's verdict on the certificate reaches tiberius as an I/O error.
        Error::Io { message, .. } if message.contains("invalid peer certificate") => {
            tls_failed(message, target)
        }
        Error::Io { message, .. } => format!(
            "{message}. The connection was lost: check that the server is reachable and running"
        ),
        Error::Tls(message) => tls_failed(message, target),
        other => other.to_string(),
    };
    target.scrub(&text)
}

fn tls_failed(message: &str, target: &MssqlTarget) -> String {
    let advice = match target.trust {
        CertificateTrust::System => ": the server certificate is not trusted by this machine. Add its CA to the system trust store, name it with TrustServerCertificateCA=path, or (encrypted but unauthenticated) TrustServerCertificate=True",
        CertificateTrust::Ca(_) => ": the server certificate is not signed by the CA in TrustServerCertificateCA, or names another host",
        CertificateTrust::Any => "",
    };
    format!("TLS failed: {message}{advice}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn ado_strings_with_their_synonyms_quotes_and_defaults() {
        let t = resolve(
            Some("Server=tcp:db.example,1533;Database=app;User Id=auditor;Password=\"p;w=\"\"x\";Encrypt=True;TrustServerCertificate=True;ApplicationIntent=ReadOnly;Connect Timeout=7"),
            &no_env,
        )
        .unwrap();
        assert_eq!(t.display, "sqlserver://auditor@db.example:1533/app");
        assert_eq!((t.host.as_str(), t.port), ("db.example", 1533));
        assert_eq!(t.password, "p;w=\"x");
        assert_eq!(t.encryption, Encryption::Required);
        assert_eq!(t.trust, CertificateTrust::Any);
        assert_eq!(t.connect_timeout, Duration::from_secs(7));
        assert!(t.remarks.is_empty());
        assert!(!format!("{t:?}").contains("p;w"));

        let t = resolve(
            Some("data source=(local);initial catalog=Sales;uid=sa;pwd=x;encrypt=no;ApplicationIntent=ReadWrite;Pooling=false"),
            &no_env,
        )
        .unwrap();
        assert_eq!(t.display, "sqlserver://sa@localhost:1433/Sales");
        assert_eq!(t.encryption, Encryption::Off);
        assert_eq!(t.trust, CertificateTrust::System);
        assert_eq!(t.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert!(t.remarks[0].contains("ReadWrite"), "{:?}", t.remarks);

        let env =
            |k: &str| (k == MSSQL_ENV).then(|| "Server=envhost;User Id=u;Password=p".to_string());
        assert_eq!(
            resolve(None, &env).unwrap().display,
            "sqlserver://u@envhost:1433/"
        );
    }

    #[test]
    fn urls() {
        let t = resolve(
            Some("sqlserver://auditor:s%40cret@db.example:1444/app?encrypt=false&command%20timeout=9"),
            &no_env,
        )
        .unwrap();
        assert_eq!(t.display, "sqlserver://auditor@db.example:1444/app");
        assert_eq!(t.password, "s@cret");
        assert_eq!(t.encryption, Encryption::Off);
        assert_eq!(t.command_timeout, Some(Duration::from_secs(9)));
        let t = resolve(Some("sqlserver://u:p@[::1]:1500"), &no_env).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 1500));
        assert_eq!(t.display, "sqlserver://u@[::1]:1500/");
    }

    #[test]
    fn mistakes_are_named_without_the_password() {
        for (raw, expected) in [
            (
                "Server=h;User Id=u;Pasword=Topsecret1",
                "unknown keyword `pasword`",
            ),
            (
                "Server=h\\SQLEXPRESS;User Id=u;Password=Topsecret1",
                "needs its TCP port",
            ),
            (
                "Server=h,99999;User Id=u;Password=Topsecret1",
                "is not a port number",
            ),
            (
                "Database=d;User Id=u;Password=Topsecret1",
                "names no server",
            ),
            ("Server=h;Password=Topsecret1", "names no login"),
            (
                "Server=h;Integrated Security=SSPI",
                "Windows integrated authentication",
            ),
            (
                "Server=h;User Id=u;Password=Topsecret1;Authentication=ActiveDirectoryInteractive",
                "Microsoft Entra ID",
            ),
            (
                "Server=h;User Id=u;Password=Topsecret1;Authentication=Active Directory Integrated",
                "Windows / Kerberos",
            ),
            (
                "Server=h;User Id=u;Password=Topsecret1;Authentication=Magic",
                "Authentication=SqlPassword",
            ),
            (
                "Server=h\\SQLEXPRESS;User Id=u;Password=Topsecret1",
                "Server=tcp:h,PORT",
            ),
            ("Server=h;User Id=u;Password=\"Topsecret1", "never closes"),
            (
                "Server=h;User Id=u;Password=Topsecret1;Encrypt=maybe",
                "Encrypt=`maybe`",
            ),
            ("Topsecret1", "text without `=` at its start"),
            (
                "Server=h;User Id=u;Password=Top;secret1",
                "text without `=` after the value of `password`",
            ),
        ] {
            let error = resolve(Some(raw), &no_env).unwrap_err().to_string();
            assert!(error.contains(expected), "{raw}: {error}");
            assert!(!error.contains("secret1"), "{raw}: {error}");
        }
        let t = resolve(
            Some("Server=h;User Id=u;Password=Topsecret1;Authentication=Sql Password"),
            &no_env,
        )
        .unwrap();
        assert_eq!(
            t.scrub("Login failed: Topsecret1 Topsecret1"),
            "Login failed: ***** *****"
        );
        assert_eq!(scrub_secret("xTopsecret1x", "Topsecret1"), "x*****x");
        assert_eq!(
            scrub_secret("sqlserver://u@h/app: p blocks (p)", "p"),
            "sqlserver://u@h/app: ***** blocks (*****)"
        );
        assert_eq!(scrub_secret("", "p"), "");
    }

    #[test]
    fn engine_shapes() {
        assert!(is_ado_string("Server=tcp:h,1433;Database=d"));
        assert!(is_ado_string("Data Source=h;Initial Catalog=d"));
        assert!(is_ado_string("server=h;Password=a;b"));
        assert!(!is_ado_string("host=h dbname=d"));
        assert!(!is_ado_string("postgres://u@h/d"));
        assert!(is_url("sqlserver://u@h/d"));
        assert!(!is_url("postgres://u@h/d"));
    }

    #[test]
    fn prelogin_encryption_option() {
        // VERSION at 11 (6 bytes), ENCRYPTION at 17 (1 byte), terminator.
        let payload = [
            0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xFF, 16, 0, 0, 0, 0, 0, 0x02,
        ];
        assert_eq!(prelogin_encryption(&payload), Some(0x02));
        assert_eq!(prelogin_encryption(&[0xFF]), None);
        assert_eq!(prelogin_encryption(&[0x01, 0, 99, 0, 1, 0xFF]), None);
    }
}
