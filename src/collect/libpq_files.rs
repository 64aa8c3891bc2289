//! The files psql reads besides the connection string, read with libpq's rules so that a
//! machine set up for psql works for dbaudit unchanged:
//!
//! - the password file (`passfile=`, `PGPASSFILE`, else `~/.pgpass`): ignored with a
//!   warning when group or world can read it; lines `host:port:database:user:password`,
//!   `*` matches anything, `\:` and `\\` escape, `#` starts a comment, the first matching
//!   line wins, and `localhost` stands for the default Unix socket directory;
//! - the connection service file (`PGSERVICEFILE`, else `~/.pg_service.conf`, then
//!   `PGSYSCONFDIR/pg_service.conf`): `[name]` sections of `keyword=value` lines; the first
//!   file that defines the service is the only one read.
//!
//! Nothing here prints or returns a password except to the caller that asked for it.

use std::path::{Path, PathBuf};

/// What to match a password file line against (libpq's host, port, database and user).
pub struct PassKey<'a> {
    /// A host name, or a Unix socket directory (a path starting with `/`).
    pub host: &'a str,
    pub port: u16,
    pub database: &'a str,
    pub user: &'a str,
}

/// The outcome of reading a password file.
#[derive(Debug, Default)]
pub struct PassLookup {
    pub password: Option<Vec<u8>>,
    /// Why the file was not used (permissions, not a file, unreadable), for the user.
    pub warning: Option<String>,
}

/// Socket directories libpq builds use by default; a line for `localhost` matches them.
const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// Looks `key` up in the password file at `path`. A missing file is no password and no
/// warning (as for psql) unless `explicit` (the user named it: PGPASSFILE or passfile=).
pub fn password_from_file(path: &Path, key: &PassKey, explicit: bool) -> PassLookup {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return PassLookup::default()
        }
        Err(error) => {
            return PassLookup {
                password: None,
                warning: Some(format!(
                    "password file `{}` not read ({error}): it is ignored",
                    path.display()
                )),
            }
        }
    };
    if !metadata.is_file() {
        return PassLookup {
            password: None,
            warning: Some(format!(
                "password file `{}` is not a plain file: it is ignored",
                path.display()
            )),
        };
    }
    if let Some(warning) = permission_warning(path, &metadata) {
        return PassLookup {
            password: None,
            warning: Some(warning),
        };
    }
    match std::fs::read(path) {
        Ok(bytes) => PassLookup {
            password: find_password(&bytes, key),
            warning: None,
        },
        Err(error) => PassLookup {
            password: None,
            warning: Some(format!(
                "password file `{}` not read ({error}): it is ignored",
                path.display()
            )),
        },
    }
}

#[cfg(unix)]
fn permission_warning(path: &Path, metadata: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "password file `{}` has group or world access (mode {:04o}); permissions should be u=rw (0600) or less: it is ignored, as psql ignores it (chmod 600 `{}`)",
            path.display(),
            mode & 0o7777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn permission_warning(_path: &Path, _metadata: &std::fs::Metadata) -> Option<String> {
    None
}

/// The password of the first line of `text` that matches `key`.
pub fn find_password(text: &[u8], key: &PassKey) -> Option<Vec<u8>> {
    let host = if key.host.is_empty() || DEFAULT_SOCKET_DIRS.contains(&key.host) {
        "localhost"
    } else {
        key.host
    };
    let port = key.port.to_string();
    for raw_line in text.split(|b| *b == b'\n') {
        let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let rest = [host, port.as_str(), key.database, key.user]
            .iter()
            .try_fold(line, |rest, token| field_matches(rest, token.as_bytes()));
        if let Some(rest) = rest {
            return Some(unescape_password(rest));
        }
    }
    None
}

/// libpq's `pwdfMatchesString`: when the field at the start of `line` is `*` or equals
/// `token` (with `\` escaping the next character), the text after its `:`.
fn field_matches<'a>(line: &'a [u8], token: &[u8]) -> Option<&'a [u8]> {
    if line.starts_with(b"*:") {
        return Some(&line[2..]);
    }
    let mut at = 0;
    let mut matched = 0;
    while at < line.len() {
        let mut escaped = false;
        if line[at] == b'\\' && at + 1 < line.len() {
            at += 1;
            escaped = true;
        }
        if line[at] == b':' && !escaped {
            return (matched == token.len()).then(|| &line[at + 1..]);
        }
        if token.get(matched) != Some(&line[at]) {
            return None;
        }
        matched += 1;
        at += 1;
    }
    None
}

/// The password field: up to the first unescaped `:`, with `\x` standing for `x`.
fn unescape_password(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut at = 0;
    while at < field.len() && field[at] != b':' {
        if field[at] == b'\\' && at + 1 < field.len() {
            at += 1;
        }
        out.push(field[at]);
        at += 1;
    }
    out
}

/// A service's settings and the file they came from.
#[derive(Debug)]
pub struct Service {
    pub file: PathBuf,
    /// `(keyword, value)` in file order; the first of a keyword is the one libpq uses.
    pub settings: Vec<(String, String)>,
}

/// Finds service `name` in the user's service file, else the system one. `files` are
/// the candidates in order (see [`service_files`]).
pub fn find_service(name: &str, files: &[PathBuf]) -> anyhow::Result<Service> {
    for file in files {
        let text = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => anyhow::bail!(
                "cannot read the service file `{}` ({error}), which may define service `{name}`",
                file.display()
            ),
        };
        if let Some(settings) = parse_service(&text, name, file)? {
            return Ok(Service {
                file: file.clone(),
                settings,
            });
        }
    }
    anyhow::bail!(
        "definition of service `{name}` not found (looked in {}); define it in ~/.pg_service.conf or the file PGSERVICEFILE names, or connect with --db",
        if files.is_empty() {
            "no file".to_string()
        } else {
            files
                .iter()
                .map(|f| format!("`{}`", f.display()))
                .collect::<Vec<_>>()
                .join(", ")
        }
    )
}

/// The service files to search, in libpq's order.
pub fn service_files(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    match env("PGSERVICEFILE") {
        Some(file) => files.push(PathBuf::from(file)),
        None => {
            if let Some(home) = home {
                files.push(home.join(".pg_service.conf"));
            }
        }
    }
    let sysconf = env("PGSYSCONFDIR").unwrap_or_else(|| SYSCONFDIR.to_string());
    files.push(Path::new(&sysconf).join("pg_service.conf"));
    files
}

/// libpq's SYSCONFDIR on Debian and Ubuntu, whose PostgreSQL packages this project uses.
const SYSCONFDIR: &str = "/etc/postgresql-common";

/// The settings of section `[name]` in a service file's text, `None` when absent.
fn parse_service(
    text: &str,
    name: &str,
    file: &Path,
) -> anyhow::Result<Option<Vec<(String, String)>>> {
    let mut in_group = false;
    let mut found = false;
    let mut settings = Vec::new();
    for (number, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            if found {
                break;
            }
            in_group = section.strip_suffix(']') == Some(name);
            found = in_group;
            continue;
        }
        if !in_group {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            anyhow::bail!(
                "syntax error in service file `{}`, line {}: expected keyword=value",
                file.display(),
                number + 1
            );
        };
        let key = key.trim();
        if key == "service" {
            anyhow::bail!(
                "nested service specifications are not supported (service file `{}`, line {})",
                file.display(),
                number + 1
            );
        }
        settings.push((key.to_string(), value.trim().to_string()));
    }
    Ok(found.then_some(settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(host: &'a str, port: u16, database: &'a str, user: &'a str) -> PassKey<'a> {
        PassKey {
            host,
            port,
            database,
            user,
        }
    }

    #[test]
    fn password_file_lines_match_like_libpq() {
        let file = b"# comment\n\
                     db.example:5432:app:alice:first\r\n\
                     db.example:5432:app:alice:second\n\
                     *:*:*:bob:pw\\:with\\\\escapes:tail\n\
                     host\\:odd:5432:*:carol:colon-host\n\
                     localhost:5432:*:dave:socket\n\
                     /srv/sock:5433:*:dave:path\n";
        let find = |k: PassKey| find_password(file, &k).map(|p| String::from_utf8(p).unwrap());
        assert_eq!(
            find(key("db.example", 5432, "app", "alice")).as_deref(),
            Some("first"),
            "the first match wins, CR stripped"
        );
        assert_eq!(find(key("db.example", 5433, "app", "alice")), None);
        assert_eq!(find(key("db.example", 5432, "ap", "alice")), None);
        assert_eq!(
            find(key("other", 1, "x", "bob")).as_deref(),
            Some("pw:with\\escapes")
        );
        assert_eq!(
            find(key("host:odd", 5432, "x", "carol")).as_deref(),
            Some("colon-host")
        );
        assert_eq!(
            find(key("/var/run/postgresql", 5432, "x", "dave")).as_deref(),
            Some("socket"),
            "localhost stands for the default socket directory"
        );
        assert_eq!(
            find(key("/srv/sock", 5433, "x", "dave")).as_deref(),
            Some("path")
        );
        assert_eq!(find(key("localhost", 5432, "x", "nobody")), None);
        assert_eq!(find_password(b"a:1:b", &key("a", 1, "b", "c")), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_password_file_others_can_read_is_ignored_with_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret-pw\n").unwrap();
        let k = key("h", 5432, "d", "u");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let lookup = password_from_file(&path, &k, true);
        assert_eq!(lookup.password, None);
        let warning = lookup.warning.unwrap();
        assert!(warning.contains("group or world access"), "{warning}");
        assert!(!warning.contains("secret-pw"), "{warning}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let lookup = password_from_file(&path, &k, true);
        assert_eq!(lookup.password.as_deref(), Some(&b"secret-pw"[..]));
        assert!(lookup.warning.is_none());
        let missing = dir.path().join("none");
        assert!(password_from_file(&missing, &k, false).warning.is_none());
        assert!(password_from_file(&missing, &k, true).warning.is_some());
        assert!(password_from_file(dir.path(), &k, true)
            .warning
            .unwrap()
            .contains("not a plain file"));
    }

    #[test]
    fn service_sections() {
        let text = "# services\n[other]\nhost=x\n\n[app]\n  host = db.example \nport=6543\nhost=ignored-later\n# note\n[next]\nhost=y\n";
        let file = Path::new("svc.conf");
        let settings = parse_service(text, "app", file).unwrap().unwrap();
        assert_eq!(
            settings,
            vec![
                ("host".to_string(), "db.example".to_string()),
                ("port".to_string(), "6543".to_string()),
                ("host".to_string(), "ignored-later".to_string()),
            ]
        );
        assert!(parse_service(text, "ap", file).unwrap().is_none());
        let error = parse_service("[app]\nhost\n", "app", file)
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 2"), "{error}");
        let error = parse_service("[app]\nservice=b\n", "app", file)
            .unwrap_err()
            .to_string();
        assert!(error.contains("nested"), "{error}");
    }

    #[test]
    fn the_user_service_file_comes_before_the_system_one() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.conf");
        let system = dir.path().join("sys");
        std::fs::create_dir(&system).unwrap();
        std::fs::write(&user, "[a]\nhost=from-user\n").unwrap();
        std::fs::write(
            system.join("pg_service.conf"),
            "[a]\nhost=from-system\n[b]\nhost=only-system\n",
        )
        .unwrap();
        let (user_s, system_s) = (user.display().to_string(), system.display().to_string());
        let env = |k: &str| match k {
            "PGSERVICEFILE" => Some(user_s.clone()),
            "PGSYSCONFDIR" => Some(system_s.clone()),
            _ => None,
        };
        let files = service_files(&env, None);
        assert_eq!(
            find_service("a", &files).unwrap().settings[0].1,
            "from-user"
        );
        assert_eq!(
            find_service("b", &files).unwrap().settings[0].1,
            "only-system"
        );
        let error = find_service("c", &files).unwrap_err().to_string();
        assert!(error.contains("service `c` not found"), "{error}");
        assert!(error.contains("user.conf"), "{error}");
    }
}
