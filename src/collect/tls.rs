//! TLS for PostgreSQL sessions with rustls and its `ring` crypto provider (pure Rust plus C
//! and assembly that the C compiler builds: no OpenSSL headers, no cmake, no libclang).
//! What is verified follows libpg's sslmode, decided by the caller: nothing (prefer and
//! require without sslrootcert: encrypted, not authenticated), the chain only (verify-ca,
//! or require / prefer with sslrootcert, as libpq does) or the chain and the host name
//! (verify-full). Trusted roots are sslrootcert's certificates only when it is given (as
//! in libpq), otherwise the system's trust store, read with rustls-native-certs: the CAs
//! that OpenSSL, and so psql, trust on this machine (`SSL_CERT_FILE` / `SSL_CERT_DIR`
//! honoured).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError, RootCertStore,
    SignatureScheme,
};

/// What the client checks of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Nothing: the session is encrypted, but any server certificate is accepted.
    None,
    /// The chain up to a trusted root (and validity dates), not the host name.
    Chain,
    /// The chain and that the certificate names the host connected to.
    ChainAndHost,
}

/// The client configuration for `verification`, trusting `root_cert` (a PEM file of one
/// or more CA certificates) or else the system's trust store.
pub fn client_config(
    verification: Verification,
    root_cert: Option<&Path>,
) -> Result<ClientConfig, String> {
    // Deprecated in rustls 0.23.48 only to steer towards aws-lc-rs (post-quantum key
    // exchange), which needs cmake to build: ring is the provider a bare machine builds.
    #[allow(deprecated)]
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let chain = match verification {
        Verification::None => None,
        Verification::Chain => Some(
            WebPkiServerVerifier::builder_with_provider(
                Arc::new(trusted_roots(root_cert)?),
                provider.clone(),
            )
            .build()
            .map_err(|e| format!("cannot set up TLS certificate verification: {e}"))?,
        ),
        Verification::ChainAndHost => {
            return Ok(builder
                .with_root_certificates(trusted_roots(root_cert)?)
                .with_no_client_auth())
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(WithoutHostName { chain, provider }))
        .with_no_client_auth();
    Ok(config)
}

/// `root_cert`'s certificates, or the system's when it is `None`.
fn trusted_roots(root_cert: Option<&Path>) -> Result<RootCertStore, String> {
    match root_cert {
        Some(path) => root_cert_file(path),
        None => system_roots().map_err(|why| format!("{why}, or name the CA with sslrootcert")),
    }
}

fn root_cert_file(path: &Path) -> Result<RootCertStore, String> {
    let pem = std::fs::read(path)
        .map_err(|e| format!("cannot read sslrootcert `{}`: {e}", path.display()))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| {
            format!(
                "sslrootcert `{}` is not a PEM certificate file: {e}",
                path.display()
            )
        })?;
        roots.add(cert).map_err(|e| {
            format!(
                "sslrootcert `{}` holds a certificate that cannot be a trusted root: {e}",
                path.display()
            )
        })?;
    }
    if roots.is_empty() {
        return Err(format!(
            "sslrootcert `{}` holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(roots)
}

/// The system's trust store, as OpenSSL on this machine finds it; an error when it holds no
/// usable certificate (nothing could ever verify, so say so before connecting).
pub fn system_roots() -> Result<RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        let cause = found
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(format!(
            "no trusted CA certificates found in the system's trust store{cause}: install the ca-certificates package or set SSL_CERT_FILE"
        ));
    }
    Ok(roots)
}

/// libpq's verifications short of verify-full: with `chain`, the chain is verified and the
/// host name is not (verify-ca; webpki checks the name last, after the chain, dates and
/// usage, so a name mismatch is the only error ignored); without, any certificate is
/// accepted (prefer / require). Either way the server must prove it holds the
/// certificate's key (the handshake signatures are checked).
#[derive(Debug)]
struct WithoutHostName {
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for WithoutHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(TlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Plain words for a rustls certificate error in `text` (a connection error's chain), or
/// `None` when it is not one.
pub fn explain_certificate_error(text: &str) -> Option<&'static str> {
    if !text.contains("invalid peer certificate") {
        return None;
    }
    Some(
        if text.contains("NotValidForName") || text.contains("not valid for name") {
            "Certificate verification failed: the host name connected to is not among the server certificate's names (verify-full checks it): connect with a name the certificate lists, or use sslmode=verify-ca"
        } else if text.contains("Expired")
            || text.contains("expired")
            || text.contains("NotValidYet")
        {
            "Certificate verification failed: the server certificate is outside its validity dates (check the server certificate and this machine's clock)"
        } else {
            "Certificate verification failed: the server certificate is not signed by a trusted CA (the one in sslrootcert, or the system's trust store without it): check sslrootcert"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_certificate_files_are_checked_before_connecting() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.crt");
        let e = client_config(Verification::ChainAndHost, Some(&missing)).unwrap_err();
        assert!(e.starts_with("cannot read sslrootcert"), "{e}");

        let empty = dir.path().join("empty.crt");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = client_config(Verification::Chain, Some(&empty)).unwrap_err();
        assert!(e.contains("holds no PEM certificate"), "{e}");

        let broken = dir.path().join("broken.crt");
        std::fs::write(
            &broken,
            "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        assert!(client_config(Verification::Chain, Some(&broken)).is_err());

        // Without verification no root certificate is read.
        assert!(client_config(Verification::None, Some(&missing)).is_ok());
    }

    #[test]
    fn certificate_errors_are_explained() {
        let name = "error performing TLS handshake: invalid peer certificate: certificate not valid for name \"127.0.0.1\"";
        assert!(explain_certificate_error(name)
            .unwrap()
            .contains("host name connected to is not among"));
        let issuer = "error performing TLS handshake: invalid peer certificate: UnknownIssuer";
        assert!(explain_certificate_error(issuer)
            .unwrap()
            .contains("not signed by a trusted CA"));
        assert_eq!(explain_certificate_error("connection refused"), None);
    }
}
