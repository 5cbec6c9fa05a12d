//! `cloudtwin health`: exit 0 when a twin answers ready, for container HEALTHCHECKs and CI waits
//! (images built `FROM scratch` have no curl).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

#[derive(clap::Args)]
pub struct HealthArgs {
    /// The health URL, or the twin's base URL (`/_cloudtwin/health` is then added) [default:
    /// http://<CLOUDTWIN_LISTEN, loopback for 0.0.0.0>/_cloudtwin/health, https with CLOUDTWIN_TLS
    /// or CLOUDTWIN_TLS_CERT set].
    #[arg(long, env = "CLOUDTWIN_HEALTH_URL")]
    url: Option<String>,
    /// PEM CA certificate(s) to trust for an https URL (e.g. the file `serve --tls self-signed` prints).
    #[arg(long, env = "CLOUDTWIN_HEALTH_CA", value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value = "5", value_name = "SECS")]
    timeout: f64,
}

pub fn run(args: HealthArgs) -> i32 {
    let url = args.url.as_deref().map_or_else(default_url, health_url);
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cloudtwin health: {e}");
            return 2;
        }
    };
    let timeout = Duration::from_secs_f64(args.timeout.clamp(0.1, 600.0));
    let outcome = rt.block_on(async { tokio::time::timeout(timeout, check(&url, args.ca.as_ref())).await });
    match outcome {
        Ok(Ok(())) => {
            println!("cloudtwin health: ready ({url})");
            0
        }
        Ok(Err(e)) => {
            eprintln!("cloudtwin health: not ready: {url}: {e}");
            1
        }
        Err(_) => {
            eprintln!("cloudtwin health: not ready: {url}: no answer within {:.1} s", timeout.as_secs_f64());
            1
        }
    }
}

/// A base URL (`http://host:port` or `.../`) names the twin: its health endpoint is meant.
fn health_url(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    match after_scheme.find('/') {
        None => format!("{url}/_cloudtwin/health"),
        Some(i) if &after_scheme[i..] == "/" => format!("{}_cloudtwin/health", url),
        Some(_) => url.to_string(),
    }
}

/// Where `serve` listens by the same environment (the container sets CLOUDTWIN_LISTEN).
fn default_url() -> String {
    let listen = std::env::var("CLOUDTWIN_LISTEN").unwrap_or_else(|_| "127.0.0.1:4599".into());
    let (host, port) = listen.rsplit_once(':').unwrap_or(("127.0.0.1", "4599"));
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        h => h,
    };
    let tls =
        ["CLOUDTWIN_TLS", "CLOUDTWIN_TLS_CERT"].iter().any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}:{port}/_cloudtwin/health")
}

async fn check(url: &str, ca: Option<&PathBuf>) -> Result<(), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("not a URL ({e})"))?;
    let https = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        _ => return Err("the URL must start with http:// or https://".into()),
    };
    let host = uri.host().ok_or("the URL has no host")?.to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let bare_host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    let tcp = TcpStream::connect((bare_host.as_str(), port)).await.map_err(|e| e.to_string())?;
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or(host.clone());
    let path = uri.path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into());
    if https {
        let connector = tokio_rustls::TlsConnector::from(client_config(ca)?);
        let name = ServerName::try_from(bare_host).map_err(|e| format!("bad TLS server name: {e}"))?;
        let tls = connector.connect(name, tcp).await.map_err(|e| format!("TLS: {e}"))?;
        get(tls, &authority, &path).await
    } else {
        get(tcp, &authority, &path).await
    }
}

fn client_config(ca: Option<&PathBuf>) -> Result<Arc<rustls::ClientConfig>, String> {
    let ca = ca.ok_or("an https URL needs --ca FILE (the CA that signed the twin's certificate)")?;
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("--ca {}: {e:?}", ca.display()))?;
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("--ca {}: no usable certificate", ca.display()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

async fn get<S>(io: S, authority: &str, path: &str) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::get(path)
        .header(hyper::header::HOST, authority)
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    let ready = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(|s| s == "ready"))
        .unwrap_or(false);
    if status.is_success() && ready {
        Ok(())
    } else {
        Err(format!("HTTP {} {}", status.as_u16(), String::from_utf8_lossy(&body[..body.len().min(200)])))
    }
}

#[cfg(test)]
mod tests {
    use super::health_url;

    #[test]
    fn a_base_url_means_its_health_endpoint() {
        assert_eq!(health_url("http://127.0.0.1:4599"), "http://127.0.0.1:4599/_cloudtwin/health");
        assert_eq!(health_url("https://localhost:4599/"), "https://localhost:4599/_cloudtwin/health");
        let full = "http://twin:4599/_cloudtwin/health";
        assert_eq!(health_url(full), full);
    }
}
