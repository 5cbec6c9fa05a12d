//! HTTPS for the listener: a certificate and key from PEM files, or a certificate made at start
//! (signed by a throw-away CA whose certificate the caller writes out for clients to trust).

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// A server configuration from a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 or
/// SEC1). Every failure is one line naming the file.
pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("--tls-cert {}: {}", cert.display(), pem_error(e)))?;
    if chain.is_empty() {
        return Err(format!("--tls-cert {}: no PEM certificate in the file", cert.display()));
    }
    let key_der =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("--tls-key {}: {}", key.display(), pem_error(e)))?;
    server_config(chain, key_der)
        .map_err(|e| format!("--tls-cert {} / --tls-key {}: {e}", cert.display(), key.display()))
}

pub(crate) fn pem_error(e: rustls_pki_types::pem::Error) -> String {
    match e {
        rustls_pki_types::pem::Error::Io(io) => io.to_string(),
        rustls_pki_types::pem::Error::NoItemsFound => "no PEM item of the expected kind in the file".into(),
        other => format!("not valid PEM ({other:?})"),
    }
}

/// A certificate made now for `names` (DNS names or IP addresses), and the PEM of the CA that
/// signed it.
pub struct SelfSigned {
    pub config: Arc<ServerConfig>,
    pub ca_pem: String,
}

pub fn self_signed(names: &[String]) -> Result<SelfSigned, String> {
    let err = |e: rcgen::Error| format!("--tls self-signed: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.distinguished_name.push(DnType::CommonName, "cloudtwin local CA (made at start, not for production)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;

    let leaf_key = KeyPair::generate().map_err(err)?;
    let mut leaf = CertificateParams::new(names.to_vec()).map_err(err)?;
    leaf.distinguished_name.push(DnType::CommonName, "cloudtwin");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).map_err(err)?;

    let key = PrivateKeyDer::try_from(leaf_key.serialize_der()).map_err(|e| format!("--tls self-signed: {e}"))?;
    let config = server_config(vec![leaf_cert.der().clone(), ca_cert.der().clone()], key)
        .map_err(|e| format!("--tls self-signed: {e}"))?;
    Ok(SelfSigned { config, ca_pem: ca_cert.pem() })
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => "the private key does not match the certificate".to_string(),
            other => other.to_string(),
        })?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_from_another_certificate_is_refused() {
        let dir = std::env::temp_dir().join(format!("cloudtwin-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(dir.join("a.pem"), a.cert.pem()).unwrap();
        std::fs::write(dir.join("a.key"), a.key_pair.serialize_pem()).unwrap();
        std::fs::write(dir.join("b.key"), b.key_pair.serialize_pem()).unwrap();
        assert!(from_pem_files(&dir.join("a.pem"), &dir.join("a.key")).is_ok());
        let e = from_pem_files(&dir.join("a.pem"), &dir.join("b.key")).err().unwrap();
        assert!(e.contains("does not match"), "{e}");
        let e = from_pem_files(&dir.join("missing.pem"), &dir.join("a.key")).err().unwrap();
        assert!(e.contains("missing.pem"), "{e}");
        let e = from_pem_files(&dir.join("a.key"), &dir.join("a.key")).err().unwrap();
        assert!(e.contains("--tls-cert"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn self_signed_covers_the_names() {
        let s = self_signed(&["localhost".into(), "127.0.0.1".into()]).unwrap();
        assert!(s.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
