//! How `cloudtwin serve` runs as a process: connection bounds, TLS, logs, the startup banner and
//! signals (docs/running.md). The twin itself is configured by the other serve flags.

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use cloudtwin_emulator::{server, tls, Config, ServerOptions};

/// The serve flags of this module, flattened into `cloudtwin serve`.
#[derive(clap::Args)]
pub struct OpsArgs {
    /// Seconds a client has to send a whole request head (and finish a TLS handshake) once it starts.
    #[arg(long, env = "CLOUDTWIN_HEADER_READ_TIMEOUT", value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pub header_read_timeout: Duration,
    /// Seconds a keep-alive connection may stay open without a request.
    #[arg(long, env = "CLOUDTWIN_IDLE_TIMEOUT", value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    pub idle_timeout: Duration,
    /// Connections served at once; at the cap the longest-waiting idle connection is closed.
    #[arg(long, env = "CLOUDTWIN_MAX_CONNECTIONS", value_name = "N", default_value_t = server::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// On SIGTERM/SIGINT, seconds requests in flight get to finish before the process exits.
    #[arg(long, env = "CLOUDTWIN_SHUTDOWN_GRACE", value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pub shutdown_grace: Duration,
    /// Serve HTTPS with this PEM certificate (chain); needs --tls-key.
    #[arg(long, env = "CLOUDTWIN_TLS_CERT", value_name = "FILE", requires = "tls_key", conflicts_with = "tls")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "CLOUDTWIN_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// `self-signed`: serve HTTPS with a certificate made at start, signed by a new CA written to --tls-ca-out.
    #[arg(long, env = "CLOUDTWIN_TLS", value_name = "MODE", value_parser = ["self-signed"])]
    pub tls: Option<String>,
    /// Extra DNS name or IP for the self-signed certificate (localhost, 127.0.0.1, ::1 and the listener's address are always in); repeatable.
    #[arg(long = "tls-name", env = "CLOUDTWIN_TLS_NAMES", value_name = "NAME", value_delimiter = ',')]
    pub tls_names: Vec<String>,
    /// Where --tls self-signed writes its CA certificate (PEM) [default: <temp dir>/cloudtwin-ca-<port>.pem].
    #[arg(long, env = "CLOUDTWIN_TLS_CA_OUT", value_name = "FILE")]
    pub tls_ca_out: Option<PathBuf>,
    /// Log format on stderr: text (one line per event) or json (one object per line).
    #[arg(long, env = "CLOUDTWIN_LOG_FORMAT", value_name = "FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

/// Shown under `cloudtwin serve --help`.
pub const SERVE_AFTER_HELP: &str = "\
Logs (stderr): one line per request at info level (surface, operation, account, region, status,
error code, latency, request id; never a secret or a signature). The level filter is
CLOUDTWIN_LOG (tracing syntax, default `info`; e.g. `warn`, `debug`, `cloudtwin::request=off`),
the format --log-format / CLOUDTWIN_LOG_FORMAT. Colours only when stderr is a terminal.
Stop: SIGTERM or SIGINT stops accepting, lets requests in flight finish (--shutdown-grace), exits 0.
The banner (stdout) ends with a line starting `cloudtwin ready` once the twin answers.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s.trim().trim_end_matches('s').parse().map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err(format!("`{s}`: expected seconds between 0 and 86400"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Install the log subscriber (before anything logs).
pub fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLOUDTWIN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).init(),
    }
    // The request line, the one logged per request, is written without the formatter: the same
    // bytes as this subscriber's (emulator/src/core/logline.rs); on a terminal it paints them.
    if !ansi {
        cloudtwin_emulator::core::logline::use_stderr(match format {
            LogFormat::Text => cloudtwin_emulator::core::logline::Format::Text,
            LogFormat::Json => cloudtwin_emulator::core::logline::Format::Json,
        });
    }
}

/// The TLS part of the server settings, made before the listener opens (for `self-signed`, the
/// certificate names need the listen address, so it comes with it).
pub enum Tls {
    Off,
    Files(std::sync::Arc<rustls::ServerConfig>),
    SelfSigned,
}

impl OpsArgs {
    /// Check TLS files now, so a bad certificate or key stops the start with one line.
    pub fn tls(&self) -> Result<Tls, String> {
        match (&self.tls_cert, &self.tls_key, self.tls.as_deref()) {
            (Some(c), Some(k), _) => Ok(Tls::Files(tls::from_pem_files(c, k)?)),
            (_, _, Some("self-signed")) => Ok(Tls::SelfSigned),
            (_, _, Some(other)) => Err(format!("--tls {other}: expected self-signed (or --tls-cert/--tls-key)")),
            _ => Ok(Tls::Off),
        }
    }

    pub fn server_options(&self) -> ServerOptions {
        ServerOptions {
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            shutdown_grace: self.shutdown_grace,
            tls: None,
            journal: None,
        }
    }

    /// The self-signed certificate for `addr`, with its CA written out; returns the CA's path.
    pub fn make_self_signed(
        &self,
        addr: SocketAddr,
    ) -> Result<(std::sync::Arc<rustls::ServerConfig>, PathBuf), String> {
        let names = certificate_names(addr, &self.tls_names);
        let made = tls::self_signed(&names)?;
        let path = self
            .tls_ca_out
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(format!("cloudtwin-ca-{}.pem", addr.port())));
        std::fs::write(&path, &made.ca_pem)
            .map_err(|e| format!("--tls self-signed: cannot write the CA to {}: {e}", path.display()))?;
        Ok((made.config, path))
    }
}

/// localhost, the loopback addresses, the listener's own address (or, on all interfaces, the host
/// name) and the names asked for.
fn certificate_names(addr: SocketAddr, extra: &[String]) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if addr.ip().is_unspecified() {
        if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            names.push(h.trim().to_string());
        }
    } else {
        names.push(addr.ip().to_string());
    }
    names.extend(extra.iter().map(|n| n.trim().to_string()));
    names.retain(|n| !n.is_empty());
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// SIGTERM (how container engines stop a container) and SIGINT (Ctrl-C), caught from the moment
/// this is made: make it before the banner says "ready", so a stop right after is graceful too.
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub fn install() -> Result<StopSignals, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let err = |e: std::io::Error| format!("cannot handle signals: {e}");
            Ok(StopSignals {
                term: signal(SignalKind::terminate()).map_err(err)?,
                int: signal(SignalKind::interrupt()).map_err(err)?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Waits for the first stop signal; names it.
    pub async fn wait(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

/// The loud warning for a listener other clients can reach while the control plane has no token.
pub fn exposure_warning(addr: SocketAddr, token_set: bool) -> Option<String> {
    if addr.ip().is_loopback() || token_set {
        return None;
    }
    Some(format!(
        "WARNING: cloudtwin listens on {addr}, reachable beyond this machine, and no control token is set:\n\
         WARNING: anyone who can reach it can reset the twin, move its clock and read its whole state.\n\
         WARNING: set --control-token (CLOUDTWIN_CONTROL_TOKEN), or listen on 127.0.0.1."
    ))
}

/// The address clients on this machine use: the listener's, or loopback when it listens on all
/// interfaces.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], addr.port())),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port())),
        _ => addr,
    }
}

/// The startup banner: every surface's endpoint and the health URL, once; never a secret. The last
/// line starts with `cloudtwin ready` (wait strategies match it).
pub fn banner(addr: SocketAddr, https: bool, ca: Option<&PathBuf>, cfg: &Config, auth: &str, ready_ms: f64) -> String {
    let scheme = if https { "https" } else { "http" };
    let base = format!("{scheme}://{}", reachable(addr));
    // The first line keeps the shape scripts already parse: `listening on <scheme>://<addr> (...)`.
    let mut b = format!("cloudtwin {} listening on {scheme}://{addr} (auth={auth})\n", env!("CARGO_PKG_VERSION"));
    let mut line = |name: &str, text: String| b.push_str(&format!("  {name:<14} {text}\n"));
    line("Tencent CBS", format!("{base}/  (SDK endpoint \"{}\", tccli --endpoint {base})", reachable(addr)));
    line("Huawei CBR", format!("{base}/v3/{{project_id}}/...  (IAM: {base}/v3/auth/tokens)"));
    line("gateway", format!("{base}/v1/tencent/..."));
    line("UCloudStack", format!("{base}/api"));
    line("control plane", format!("{base}/_cloudtwin/  (reset, clock, timing, jobs, state, operations)"));
    line("health", format!("{base}/_cloudtwin/health"));
    if let Some(ca) = ca {
        line("TLS CA", format!("{}  (trust this file: --ca for `cloudtwin health`, verify= for SDKs)", ca.display()));
    }
    let ids: Vec<&str> = cfg
        .accounts
        .iter()
        .filter_map(|a| a.tencent.as_ref())
        .flat_map(|t| t.keys.iter().map(|k| k.secret_id.as_str()))
        .take(2)
        .collect();
    if !ids.is_empty() {
        line("SecretIds", format!("{}  (keys: README \"Default credentials\" or your --config)", ids.join(", ")));
    }
    b.push_str(&format!("cloudtwin ready in {ready_ms:.1} ms at {base}\n"));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_names_every_surface_and_no_secret() {
        let addr: SocketAddr = "0.0.0.0:4599".parse().unwrap();
        let cfg = Config::default();
        let b = banner(addr, false, None, &cfg, "Enforce", 1.0);
        for part in ["/v3/", "/v1/tencent/", "/api", "/_cloudtwin/health", "http://127.0.0.1:4599"] {
            assert!(b.contains(part), "{part} missing from\n{b}");
        }
        assert_eq!(b.matches("/_cloudtwin/health").count(), 1);
        assert!(b.lines().last().unwrap().starts_with("cloudtwin ready"));
        for acct in &cfg.accounts {
            for k in acct.tencent.iter().flat_map(|t| &t.keys) {
                assert!(!b.contains(&k.secret_key), "secret key printed:\n{b}");
            }
        }
    }

    #[test]
    fn only_a_non_loopback_listener_without_token_warns() {
        assert!(exposure_warning("127.0.0.1:1".parse().unwrap(), false).is_none());
        assert!(exposure_warning("[::1]:1".parse().unwrap(), false).is_none());
        assert!(exposure_warning("0.0.0.0:1".parse().unwrap(), true).is_none());
        assert!(exposure_warning("0.0.0.0:1".parse().unwrap(), false).unwrap().contains("WARNING"));
    }

    #[test]
    fn certificate_names_cover_loopback_and_the_listener() {
        let n = certificate_names("10.1.2.3:4599".parse().unwrap(), &["twin.local".into()]);
        for want in ["localhost", "127.0.0.1", "::1", "10.1.2.3", "twin.local"] {
            assert!(n.iter().any(|x| x == want), "{want} not in {n:?}");
        }
    }
}
