//! A SQL Server stand-in for tests: a TCP responder on 127.0.0.1 speaking just enough
//! TDS 7.4 for the tiberius driver. PRELOGIN (answering with a chosen encryption level,
//! NOT_SUP by default so that no TLS is needed), LOGIN7 (checking the login and password
//! and answering LOGINACK, ENVCHANGE database / collation / packet size and DONE, or
//! error 18456), and SQL batches answered from a script keyed by a substring of the
//! query text: a result set (COLMETADATA, ROWs, DONE) with nvarchar, int, bigint, float,
//! bit and datetime columns and NULLs; an ERROR token followed by DONE with the error
//! flag; or a hang (no answer until the client goes away). With a certificate it answers
//! ENCRYPT_ON and runs the session in TLS 1.2, the handshake framed in PRELOGIN packets as
//! SQL Server does; it can also redirect a login (read-only routing). Everything the
//! client sent (logins, batch texts) is logged for the tests to inspect.
//!
//! Written from the MS-TDS specification; test code only.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// PRELOGIN encryption answers.
pub const ENCRYPT_OFF: u8 = 0x00;
pub const ENCRYPT_ON: u8 = 0x01;
pub const ENCRYPT_NOT_SUP: u8 = 0x02;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    NVarChar,
    Int,
    BigInt,
    Float,
    Bit,
    DateTime,
    /// Metadata only: tiberius cannot read sql_variant columns.
    SqlVariant,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bit(bool),
    /// datetime on the wire: days since 1900-01-01 and 1/300 s since midnight.
    DateTime {
        days: i32,
        ticks: u32,
    },
}

#[derive(Debug, Clone)]
pub enum Response {
    Rows {
        columns: Vec<(String, ColumnType)>,
        rows: Vec<Vec<Value>>,
    },
    Error {
        number: u32,
        class: u8,
        message: String,
    },
    /// Never answer; the connection stays open until the client closes it.
    Hang,
}

impl Response {
    pub fn rows(columns: &[(&str, ColumnType)], rows: Vec<Vec<Value>>) -> Response {
        Response::Rows {
            columns: columns
                .iter()
                .map(|(name, ty)| (name.to_string(), *ty))
                .collect(),
            rows,
        }
    }

    pub fn error(number: u32, message: &str) -> Response {
        Response::Error {
            number,
            class: 14,
            message: message.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub password: String,
    pub database: String,
    pub app_name: String,
    pub read_only_intent: bool,
}

#[derive(Debug, Default, Clone)]
pub struct Log {
    pub logins: Vec<Login>,
    pub batches: Vec<String>,
    /// Hanging batches whose client went away (closed the connection).
    pub abandoned: usize,
}

#[derive(Clone)]
pub struct DoubleConfig {
    pub encryption: u8,
    pub user: String,
    pub password: String,
    pub database: String,
    /// Script: the first entry whose key occurs in the batch text answers it.
    pub script: Vec<(String, Response)>,
    /// Answer each login with a routing redirect to this port on 127.0.0.1, as an
    /// availability group listener does for ReadOnly sessions.
    pub route_to: Option<u16>,
    /// With a certificate, the double answers ENCRYPT_ON and runs the session in TLS
    /// (handshake inside PRELOGIN packets, then TLS records, as SQL Server does).
    pub tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
}

impl DoubleConfig {
    pub fn new(user: &str, password: &str, database: &str) -> DoubleConfig {
        DoubleConfig {
            encryption: ENCRYPT_NOT_SUP,
            user: user.to_string(),
            password: password.to_string(),
            database: database.to_string(),
            script: Vec::new(),
            route_to: None,
            tls: None,
        }
    }

    /// Encrypts every session with this certificate and key (PEM; the key PKCS #8).
    pub fn tls(mut self, cert_pem: &[u8], key_pem: &[u8]) -> DoubleConfig {
        use tokio_rustls::rustls;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .expect("test certificate");
        let key = PrivateKeyDer::from_pem_slice(key_pem).expect("test key");
        // TLS 1.2, as SQL Server negotiates with TDS 7.x: TLS 1.3 would send session tickets
        // after the client considers the PRELOGIN-framed handshake over.
        #[allow(deprecated)] // only to steer towards aws-lc-rs, which needs cmake
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS12])
            .expect("TLS 1.2 with ring")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("test identity");
        self.tls = Some(Arc::new(server));
        self.encryption = ENCRYPT_ON;
        self
    }

    pub fn route_to(mut self, port: u16) -> DoubleConfig {
        self.route_to = Some(port);
        self
    }

    pub fn answer(mut self, key: &str, response: Response) -> DoubleConfig {
        self.script.push((key.to_string(), response));
        self
    }

    pub fn encryption(mut self, level: u8) -> DoubleConfig {
        self.encryption = level;
        self
    }
}

pub struct TdsDouble {
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TdsDouble {
    pub fn start(config: DoubleConfig) -> TdsDouble {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let log = Arc::new(Mutex::new(Log::default()));
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let config = Arc::new(config);
        let thread_log = log.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let config = config.clone();
                            let log = thread_log.clone();
                            tokio::spawn(async move {
                                let _ = serve(stream, &config, &log).await;
                            });
                        }
                        _ = &mut stop => break,
                    }
                }
            });
        });
        TdsDouble {
            addr,
            log,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    pub fn log(&self) -> Log {
        self.log.lock().expect("log lock").clone()
    }

    /// Waits (at most `limit`) until `ready` holds for the log.
    pub fn wait_for(&self, limit: Duration, ready: impl Fn(&Log) -> bool) -> Log {
        let start = std::time::Instant::now();
        loop {
            let log = self.log();
            if ready(&log) || start.elapsed() > limit {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `Server=tcp:127.0.0.1,PORT;` for connection strings.
    pub fn server(&self) -> String {
        format!("Server=tcp:127.0.0.1,{}", self.addr.port())
    }
}

impl Drop for TdsDouble {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// Packet types (MS-TDS 2.2.3.1.1).
const PACKET_SQL_BATCH: u8 = 0x01;
const PACKET_REPLY: u8 = 0x04;
const PACKET_LOGIN7: u8 = 0x10;
const PACKET_PRELOGIN: u8 = 0x12;
const STATUS_EOM: u8 = 0x01;
const PACKET_SIZE: usize = 4096;

// Tokens (MS-TDS 2.2.7).
const TOKEN_COLMETADATA: u8 = 0x81;
const TOKEN_ERROR: u8 = 0xAA;
const TOKEN_INFO: u8 = 0xAB;
const TOKEN_LOGINACK: u8 = 0xAD;
const TOKEN_ROW: u8 = 0xD1;
const TOKEN_ENVCHANGE: u8 = 0xE3;
const TOKEN_DONE: u8 = 0xFD;

const DONE_ERROR: u16 = 0x0002;
const DONE_COUNT: u16 = 0x0010;

/// SQL_Latin1_General_CP1_CI_AS: LCID 0x0409 with its flags, sort id 52.
const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];

/// PRELOGIN in the clear, then (with a certificate) the TLS handshake and the rest of the
/// session inside TLS.
async fn serve(
    mut stream: TcpStream,
    config: &DoubleConfig,
    log: &Mutex<Log>,
) -> std::io::Result<()> {
    let Some((PACKET_PRELOGIN, _)) = read_message(&mut stream).await? else {
        return Ok(());
    };
    send(&mut stream, &prelogin_answer(config.encryption)).await?;
    let Some(server_config) = &config.tls else {
        return serve_session(stream, config, log).await;
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(server_config.clone());
    let framed = PreloginFraming {
        tcp: stream,
        handshake: true,
        header: [0; 8],
        header_len: 0,
        read_left: 0,
        pending: Vec::new(),
    };
    // A client that rejects the certificate ends the handshake: not an error here.
    let Ok(mut tls) = acceptor.accept(framed).await else {
        return Ok(());
    };
    tls.get_mut().0.handshake = false;
    serve_session(tls, config, log).await
}

async fn serve_session<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    config: &DoubleConfig,
    log: &Mutex<Log>,
) -> std::io::Result<()> {
    while let Some((kind, payload)) = read_message(&mut stream).await? {
        match kind {
            PACKET_LOGIN7 => {
                let login = parse_login(&payload);
                let accepted = login.user == config.user && login.password == config.password;
                log.lock().expect("log lock").logins.push(login.clone());
                if !accepted {
                    let mut out = Vec::new();
                    error_token(
                        &mut out,
                        18456,
                        14,
                        &format!("Login failed for user '{}'.", login.user),
                    );
                    done(&mut out, DONE_ERROR, 0);
                    send(&mut stream, &out).await?;
                    return Ok(());
                }
                send(
                    &mut stream,
                    &login_answer(&config.database, config.route_to),
                )
                .await?;
            }
            PACKET_SQL_BATCH => {
                let text = batch_text(&payload);
                log.lock().expect("log lock").batches.push(text.clone());
                let response = config
                    .script
                    .iter()
                    .find(|(key, _)| text.contains(key.as_str()))
                    .map(|(_, response)| response.clone());
                let mut out = Vec::new();
                match response {
                    Some(Response::Hang) => {
                        // Read (and drop) whatever comes until the client closes.
                        let mut sink = [0u8; 512];
                        while stream.read(&mut sink).await? > 0 {}
                        log.lock().expect("log lock").abandoned += 1;
                        return Ok(());
                    }
                    Some(Response::Rows { columns, rows }) => result_set(&mut out, &columns, &rows),
                    Some(Response::Error {
                        number,
                        class,
                        message,
                    }) => {
                        error_token(&mut out, number, class, &message);
                        done(&mut out, DONE_ERROR, 0);
                    }
                    None if text.trim_start().to_ascii_uppercase().starts_with("SET ") => {
                        done(&mut out, 0, 0)
                    }
                    None => {
                        error_token(
                            &mut out,
                            50000,
                            16,
                            "tds double: no answer is scripted for this batch",
                        );
                        done(&mut out, DONE_ERROR, 0);
                    }
                }
                send(&mut stream, &out).await?;
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// One message: the payloads of its packets up to the end-of-message status.
async fn read_message<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> std::io::Result<Option<(u8, Vec<u8>)>> {
    let mut payload = Vec::new();
    loop {
        let mut header = [0u8; 8];
        match stream.read_exact(&mut header).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && payload.is_empty() => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
        let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let mut body = vec![0u8; length.saturating_sub(8)];
        stream.read_exact(&mut body).await?;
        payload.extend_from_slice(&body);
        if header[1] & STATUS_EOM != 0 {
            return Ok(Some((header[0], payload)));
        }
    }
}

/// Sends a reply message, split into packets of the negotiated size.
async fn send<S: AsyncWrite + Unpin>(stream: &mut S, payload: &[u8]) -> std::io::Result<()> {
    let chunks: Vec<&[u8]> = if payload.is_empty() {
        vec![&[][..]]
    } else {
        payload.chunks(PACKET_SIZE - 8).collect()
    };
    let mut bytes = Vec::with_capacity(payload.len() + 8 * chunks.len());
    for (i, chunk) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        bytes.push(PACKET_REPLY);
        bytes.push(if last { STATUS_EOM } else { 0 });
        bytes.extend_from_slice(&((chunk.len() + 8) as u16).to_be_bytes());
        bytes.extend_from_slice(&[0, 0]); // SPID
        bytes.push((i + 1) as u8); // packet id
        bytes.push(0); // window
        bytes.extend_from_slice(chunk);
    }
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// PRELOGIN answer: VERSION, ENCRYPTION, INSTOPT, THREADID (empty), MARS, terminator.
fn prelogin_answer(encryption: u8) -> Vec<u8> {
    let data: [(u8, Vec<u8>); 5] = [
        (0x00, vec![16, 0, 0x0F, 0xA0, 0, 0]), // 16.0.4000
        (0x01, vec![encryption]),
        (0x02, vec![0]),
        (0x03, vec![]),
        (0x04, vec![0]),
    ];
    let mut options = Vec::new();
    let mut values = Vec::new();
    let table_len = data.len() * 5 + 1;
    for (token, value) in &data {
        options.push(*token);
        options.extend_from_slice(&((table_len + values.len()) as u16).to_be_bytes());
        options.extend_from_slice(&(value.len() as u16).to_be_bytes());
        values.extend_from_slice(value);
    }
    options.push(0xFF);
    options.extend_from_slice(&values);
    options
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn from_utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

fn b_varchar(out: &mut Vec<u8>, text: &str) {
    out.push(text.encode_utf16().count() as u8);
    out.extend_from_slice(&utf16(text));
}

fn us_varchar(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.encode_utf16().count() as u16).to_le_bytes());
    out.extend_from_slice(&utf16(text));
}

/// A token whose body starts with its u16 length.
fn with_length(out: &mut Vec<u8>, token: u8, body: &[u8]) {
    out.push(token);
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(body);
}

/// LOGIN7 fields (offset, length in characters) from the fixed part of the message.
fn parse_login(payload: &[u8]) -> Login {
    let field = |at: usize| -> Vec<u8> {
        let read = |i: usize| usize::from(u16::from_le_bytes([payload[i], payload[i + 1]]));
        let (offset, chars) = (read(at), read(at + 2));
        payload
            .get(offset..offset + chars * 2)
            .unwrap_or_default()
            .to_vec()
    };
    // The password is obfuscated: each byte has its nibbles swapped, then XOR 0xA5.
    let password: Vec<u8> = field(44)
        .into_iter()
        .map(|b| {
            let x = b ^ 0xA5;
            x.rotate_left(4)
        })
        .collect();
    Login {
        user: from_utf16(&field(40)),
        password: from_utf16(&password),
        app_name: from_utf16(&field(48)),
        database: from_utf16(&field(68)),
        read_only_intent: payload.get(26).is_some_and(|flags| flags & 0x20 != 0),
    }
}

fn login_answer(database: &str, route_to: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = vec![0x01];
    b_varchar(&mut body, database);
    b_varchar(&mut body, "master");
    with_length(&mut out, TOKEN_ENVCHANGE, &body);
    info_token(
        &mut out,
        5701,
        &format!("Changed database context to '{database}'."),
    );
    let mut body = vec![0x07, 5];
    body.extend_from_slice(&COLLATION);
    body.push(0);
    with_length(&mut out, TOKEN_ENVCHANGE, &body);
    let mut body = vec![0x01, 0x74, 0x00, 0x00, 0x04];
    b_varchar(&mut body, "Microsoft SQL Server");
    body.extend_from_slice(&[16, 0, 0x0F, 0xA0]);
    with_length(&mut out, TOKEN_LOGINACK, &body);
    let mut body = vec![0x04];
    b_varchar(&mut body, &PACKET_SIZE.to_string());
    b_varchar(&mut body, &PACKET_SIZE.to_string());
    with_length(&mut out, TOKEN_ENVCHANGE, &body);
    if let Some(port) = route_to {
        // ENVCHANGE 20: routing data (protocol 0 = TCP, port, server), empty old value.
        let host = "127.0.0.1";
        let mut body = vec![20];
        body.extend_from_slice(&((5 + 2 * host.len()) as u16).to_le_bytes());
        body.push(0);
        body.extend_from_slice(&port.to_le_bytes());
        us_varchar(&mut body, host);
        body.extend_from_slice(&0u16.to_le_bytes());
        with_length(&mut out, TOKEN_ENVCHANGE, &body);
    }
    done(&mut out, 0, 0);
    out
}

/// ERROR and INFO share a layout: number, state, class, message, server, procedure, line.
fn message_body(number: u32, class: u8, message: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&number.to_le_bytes());
    body.push(1); // state
    body.push(class);
    us_varchar(&mut body, message);
    b_varchar(&mut body, "tds-double");
    b_varchar(&mut body, "");
    body.extend_from_slice(&1u32.to_le_bytes());
    body
}

fn error_token(out: &mut Vec<u8>, number: u32, class: u8, message: &str) {
    with_length(out, TOKEN_ERROR, &message_body(number, class, message));
}

fn info_token(out: &mut Vec<u8>, number: u32, message: &str) {
    with_length(out, TOKEN_INFO, &message_body(number, 0, message));
}

fn done(out: &mut Vec<u8>, status: u16, rows: u64) {
    out.push(TOKEN_DONE);
    out.extend_from_slice(&status.to_le_bytes());
    out.extend_from_slice(&0xC1u16.to_le_bytes()); // SELECT
    out.extend_from_slice(&rows.to_le_bytes());
}

/// The batch text after ALL_HEADERS (whose first u32 is its own total length).
fn batch_text(payload: &[u8]) -> String {
    let skip = payload
        .get(0..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .unwrap_or(0);
    from_utf16(payload.get(skip..).unwrap_or_default())
}

fn result_set(out: &mut Vec<u8>, columns: &[(String, ColumnType)], rows: &[Vec<Value>]) {
    out.push(TOKEN_COLMETADATA);
    out.extend_from_slice(&(columns.len() as u16).to_le_bytes());
    for (name, ty) in columns {
        out.extend_from_slice(&0u32.to_le_bytes()); // user type
        out.extend_from_slice(&0x0001u16.to_le_bytes()); // nullable
        match ty {
            ColumnType::NVarChar => {
                out.push(0xE7);
                out.extend_from_slice(&8000u16.to_le_bytes());
                out.extend_from_slice(&COLLATION);
            }
            ColumnType::Int => out.extend_from_slice(&[0x26, 4]),
            ColumnType::BigInt => out.extend_from_slice(&[0x26, 8]),
            ColumnType::Float => out.extend_from_slice(&[0x6D, 8]),
            ColumnType::Bit => out.extend_from_slice(&[0x68, 1]),
            ColumnType::DateTime => out.extend_from_slice(&[0x6F, 8]),
            ColumnType::SqlVariant => {
                out.push(0x62);
                out.extend_from_slice(&8016u32.to_le_bytes());
            }
        }
        b_varchar(out, name);
    }
    for row in rows {
        out.push(TOKEN_ROW);
        for ((_, ty), value) in columns.iter().zip(row) {
            encode_value(out, *ty, value);
        }
    }
    done(out, DONE_COUNT, rows.len() as u64);
}

fn encode_value(out: &mut Vec<u8>, ty: ColumnType, value: &Value) {
    match (ty, value) {
        (ColumnType::NVarChar, Value::Null) => out.extend_from_slice(&0xFFFFu16.to_le_bytes()),
        (ColumnType::NVarChar, Value::Text(text)) => {
            let bytes = utf16(text);
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        (_, Value::Null) => out.push(0),
        (ColumnType::Int, Value::Int(v)) => {
            out.push(4);
            out.extend_from_slice(&(*v as i32).to_le_bytes());
        }
        (ColumnType::BigInt, Value::Int(v)) => {
            out.push(8);
            out.extend_from_slice(&v.to_le_bytes());
        }
        (ColumnType::Float, Value::Float(v)) => {
            out.push(8);
            out.extend_from_slice(&v.to_le_bytes());
        }
        (ColumnType::Bit, Value::Bit(v)) => out.extend_from_slice(&[1, u8::from(*v)]),
        (ColumnType::DateTime, Value::DateTime { days, ticks }) => {
            out.push(8);
            out.extend_from_slice(&days.to_le_bytes());
            out.extend_from_slice(&ticks.to_le_bytes());
        }
        (ty, value) => panic!("tds double: a {value:?} cannot be sent as {ty:?}"),
    }
}

/// During the TLS handshake, TDS carries the TLS records inside PRELOGIN packets: this
/// strips their headers from what the client sends and adds them to what the server
/// sends. After the handshake, records pass through unframed.
struct PreloginFraming {
    tcp: TcpStream,
    handshake: bool,
    header: [u8; 8],
    header_len: usize,
    /// Payload bytes left in the current client packet.
    read_left: usize,
    /// Framed bytes not yet written to the socket.
    pending: Vec<u8>,
}

impl PreloginFraming {
    fn poll_drain(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        while !self.pending.is_empty() {
            match std::pin::Pin::new(&mut self.tcp).poll_write(cx, &self.pending) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()))
                }
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for PreloginFraming {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        let this = self.get_mut();
        if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        if !this.handshake {
            return std::pin::Pin::new(&mut this.tcp).poll_read(cx, buf);
        }
        while this.read_left == 0 {
            while this.header_len < 8 {
                let mut header = ReadBuf::new(&mut this.header[this.header_len..]);
                match std::pin::Pin::new(&mut this.tcp).poll_read(cx, &mut header) {
                    Poll::Ready(Ok(())) if header.filled().is_empty() => {
                        return Poll::Ready(Ok(()))
                    }
                    Poll::Ready(Ok(())) => this.header_len += header.filled().len(),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            this.header_len = 0;
            this.read_left =
                usize::from(u16::from_be_bytes([this.header[2], this.header[3]])).saturating_sub(8);
        }
        let mut chunk = vec![0u8; this.read_left.min(buf.remaining())];
        let mut chunk_buf = ReadBuf::new(&mut chunk);
        match std::pin::Pin::new(&mut this.tcp).poll_read(cx, &mut chunk_buf) {
            Poll::Ready(Ok(())) => {
                let n = chunk_buf.filled().len();
                buf.put_slice(&chunk[..n]);
                this.read_left -= n;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for PreloginFraming {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if !this.handshake {
            if let std::task::Poll::Ready(Err(e)) = this.poll_drain(cx) {
                return std::task::Poll::Ready(Err(e));
            }
            if !this.pending.is_empty() {
                return std::task::Poll::Pending;
            }
            return std::pin::Pin::new(&mut this.tcp).poll_write(cx, data);
        }
        // One PRELOGIN packet per write; sent as soon as the socket takes it.
        let data = &data[..data.len().min(PACKET_SIZE - 8)];
        this.pending
            .extend_from_slice(&[PACKET_PRELOGIN, STATUS_EOM]);
        this.pending
            .extend_from_slice(&((data.len() + 8) as u16).to_be_bytes());
        this.pending.extend_from_slice(&[0, 0, 1, 0]);
        this.pending.extend_from_slice(data);
        let _ = this.poll_drain(cx);
        std::task::Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match this.poll_drain(cx) {
            std::task::Poll::Ready(Ok(())) => std::pin::Pin::new(&mut this.tcp).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}
