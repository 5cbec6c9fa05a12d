//! `cloudtwin`: a local twin of Tencent CBS, Huawei CBR, a multi-cloud gateway and UCloudStack
//! snapshots. `cloudtwin serve` runs it; `cloudtwin operations` lists what it implements;
//! `cloudtwin conform` replays the documented scenarios against the twin or a real cloud;
//! `cloudtwin fuzz` sends mutated, re-signed requests to a twin and checks every answer.

mod health;
mod malloc_settings;
mod ops;
mod pipe;
mod state;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use cloudtwin_conformance::target::TargetSpec;
use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::SignatureClock;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config, Inventory};

#[derive(Parser)]
#[command(
    name = "cloudtwin",
    version,
    about = "A local twin of Tencent CBS, Huawei CBR, a multi-cloud gateway and UCloudStack snapshots"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the twin on one HTTP port (in memory, or kept in a store with --store).
    #[command(after_help = ops::SERVE_AFTER_HELP)]
    Serve(Box<ServeArgs>),
    /// Exit 0 when a twin answers ready on its health URL (for HEALTHCHECKs and CI waits).
    Health(health::HealthArgs),
    /// List the implemented operations, one `surface<TAB>name` per line.
    Operations,
    /// Replay the documented scenarios against a twin or a real cloud and compare response shapes.
    Conform(ConformArgs),
    /// Send mutated, re-signed requests of every surface to a twin and check every answer (docs/fuzzing.md).
    Fuzz(FuzzArgs),
    /// Export a running twin's state document, or import one into it (docs/state.md).
    #[command(subcommand)]
    State(state::StateCommand),
}

#[derive(clap::Args)]
struct FuzzArgs {
    /// How many requests to send.
    #[arg(long, default_value_t = 2000)]
    requests: u64,
    /// Seed of the mutations: the same seed and count send the same requests.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// embedded (a fresh twin in this process) or http://HOST:PORT (a running twin); never a real cloud.
    #[arg(long, default_value = "embedded", value_parser = parse_target)]
    target: TargetSpec,
    /// Print each failure as it happens.
    #[arg(short, long)]
    verbose: bool,
    /// The running twin's control token (`serve --control-token`), for its clock calls.
    #[arg(long, value_name = "TOKEN", env = "CLOUDTWIN_CONTROL_TOKEN", hide_env_values = true)]
    control_token: Option<String>,
}

fn fuzz(args: FuzzArgs) -> i32 {
    let opts = cloudtwin_conformance::fuzz::FuzzOptions {
        requests: args.requests,
        seed: args.seed,
        target: args.target,
        verbose: args.verbose,
        control_token: args.control_token,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let mut out = std::io::stdout().lock();
    match rt.block_on(cloudtwin_conformance::fuzz::run(&opts, &mut out)) {
        Ok(sum) => {
            sum.print(&mut out);
            i32::from(sum.failure_count > 0)
        }
        Err(e) => {
            eprintln!("cloudtwin fuzz: {e}");
            2
        }
    }
}

#[derive(clap::Args)]
struct ConformArgs {
    /// Only scenarios whose `surface/name` contains this text.
    filter: Option<String>,
    /// List the selected scenarios and the operations the suite covers, then stop.
    #[arg(long)]
    list: bool,
    /// Only scenarios of this surface (tencent-cbs, huawei-cbr, gateway, ucloudstack); repeatable.
    #[arg(long = "surface", value_name = "SURFACE")]
    surfaces: Vec<String>,
    /// Only this scenario (`name` or `surface/name`); repeatable.
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// embedded (a twin in this process), http://HOST:PORT (a running twin), tencent or huawei (the real clouds).
    #[arg(long, default_value = "embedded", value_parser = parse_target)]
    target: TargetSpec,
    /// Allow a real-cloud target to create (billable) resources; it cleans up what it creates.
    #[arg(long)]
    allow_billable: bool,
    /// Region to run in (default ap-guangzhou for Tencent, cn-north-4 for Huawei).
    #[arg(long)]
    region: Option<String>,
    /// Override a scenario variable, e.g. --var instance=ins-abcd1234; repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// Re-record the snapshots (in --snapshot-dir, default fixtures/conformance) instead of comparing.
    #[arg(long)]
    update: bool,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Print the report as JSON on stdout (the summary goes to stderr).
    #[arg(long)]
    json: bool,
    /// Read scenarios from DIR/<surface>/*.json instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    scenario_dir: Option<PathBuf>,
    /// Read (and with --update write) snapshots in DIR/<surface>/ instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    snapshot_dir: Option<PathBuf>,
    /// Show requests and answers of failed steps, and every snapshot's status.
    #[arg(short, long)]
    verbose: bool,
    /// The control token of a twin started with --control-token (for --target http://...).
    #[arg(long, value_name = "TOKEN", env = "CLOUDTWIN_CONTROL_TOKEN", hide_env_values = true)]
    control_token: Option<String>,
}

fn parse_target(s: &str) -> Result<TargetSpec, String> {
    s.parse()
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("`{s}`: expected NAME=VALUE"))?;
    Ok((k.trim().to_string(), v.to_string()))
}

fn conform(args: ConformArgs) -> i32 {
    let opts = cloudtwin_conformance::Options {
        list: args.list,
        surfaces: args.surfaces,
        scenarios: args.scenarios,
        filter: args.filter,
        target: args.target,
        allow_billable: args.allow_billable,
        region: args.region,
        vars: args.vars,
        update: args.update,
        junit: args.junit,
        json: args.json,
        scenario_dir: args.scenario_dir,
        snapshot_dir: args.snapshot_dir,
        verbose: args.verbose,
        control_token: args.control_token,
    };
    cloudtwin_conformance::main(opts, &mut pipe::Quiet::new(std::io::stdout().lock()), &mut std::io::stderr().lock())
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLOUDTWIN_LISTEN", default_value = "127.0.0.1:4599")]
    listen: String,
    /// Signature checking: enforce (reject bad signatures), log (serve them, log the failure) or off.
    #[arg(long, env = "CLOUDTWIN_AUTH", default_value = "enforce")]
    auth: AuthMode,
    /// JSON configuration file (accounts, credentials, regions, disk types, prices, limits, timing).
    #[arg(long, env = "CLOUDTWIN_CONFIG")]
    config: Option<PathBuf>,
    /// Seed inventory (instances and pre-existing disks) instead of the built-in fixtures/inventory.json.
    #[arg(long, env = "CLOUDTWIN_SEED")]
    seed: Option<PathBuf>,
    /// Extra Tencent keys for the first account, as SECRET_ID:SECRET_KEY[,SECRET_ID:SECRET_KEY...].
    #[arg(long, env = "CLOUDTWIN_TENCENT_KEYS")]
    tencent_keys: Option<String>,
    /// Start with a manual clock frozen at this unix time (seconds) instead of real time.
    #[arg(long, env = "CLOUDTWIN_CLOCK")]
    clock: Option<i64>,
    /// How async operations finish: realistic (default), immediate, manual, or a JSON policy.
    #[arg(long, env = "CLOUDTWIN_TIMING")]
    timing: Option<String>,
    /// Seed for generated IDs, for deterministic runs.
    #[arg(long, env = "CLOUDTWIN_ID_SEED")]
    id_seed: Option<u64>,
    /// Start from a state document (`GET /_cloudtwin/state`, `cloudtwin state export`) instead
    /// of the seed world; checked whole first (docs/state.md).
    #[arg(long, env = "CLOUDTWIN_IMPORT")]
    import: Option<PathBuf>,
    /// Keep the world in this SQLite file (made when missing) or PostgreSQL database
    /// (`postgres://USER:PASSWORD@HOST:PORT/DB`): every acknowledged change survives a restart
    /// or a `kill -9` (docs/state.md, "Durable store"). Without it the twin is memory-only.
    // The value may hold a database password: never shown in --help.
    #[arg(long, value_name = "PATH|URL", env = "CLOUDTWIN_STORE", hide_env_values = true)]
    store: Option<String>,
    /// With --store: `normal` (default; survives a crash of the twin, a power loss may lose the
    /// last commits) or `full` (an fsync per commit).
    #[arg(long, value_name = "MODE", env = "CLOUDTWIN_STORE_SYNC", default_value = "normal")]
    store_sync: cloudtwin_emulator::store::Sync,
    /// Enforce the documented per-action request rates (RequestLimitExceeded).
    #[arg(long, env = "CLOUDTWIN_RATE_LIMITS")]
    rate_limits: bool,
    /// Also answer requests whose Host is NAME (or `*.suffix`); repeatable, the env variable
    /// takes a comma-separated list. `*` switches the Host check off (a container on a private
    /// network). Loopback names and the clouds' API domains are always allowed.
    #[arg(long = "allow-host", value_name = "NAME", env = "CLOUDTWIN_ALLOW_HOST", value_delimiter = ',')]
    allow_hosts: Vec<String>,
    /// Require this token on /_cloudtwin/* (except GET /_cloudtwin/health), sent as
    /// `Authorization: Bearer TOKEN` or `X-Cloudtwin-Token: TOKEN`.
    #[arg(long, value_name = "TOKEN", env = "CLOUDTWIN_CONTROL_TOKEN", hide_env_values = true)]
    control_token: Option<String>,
    /// Connection bounds, TLS and logs (ops.rs).
    #[command(flatten)]
    ops: ops::OpsArgs,
    /// Which clock signature times and Huawei IAM tokens are checked against: either (the wall
    /// clock or the virtual clock, default), wall or virtual.
    #[arg(long, env = "CLOUDTWIN_SIGNATURE_CLOCK")]
    signature_clock: Option<SignatureClock>,
    /// The most requests the request journal keeps (GET /_cloudtwin/requests; default 5000).
    #[arg(long, value_name = "N", env = "CLOUDTWIN_JOURNAL_SIZE")]
    journal_size: Option<usize>,
    /// The most bytes the request journal keeps (default 8 MiB).
    #[arg(long, value_name = "BYTES", env = "CLOUDTWIN_JOURNAL_BYTES")]
    journal_bytes: Option<usize>,
    /// Keep request and answer bodies in the journal, credentials masked.
    #[arg(long, env = "CLOUDTWIN_JOURNAL_BODIES")]
    journal_bodies: bool,
}

fn parse_timing(s: &str) -> Result<TimingPolicy, String> {
    match s {
        "realistic" => Ok(TimingPolicy::default()),
        "immediate" => Ok(TimingPolicy::Immediate),
        "manual" => Ok(TimingPolicy::Manual),
        json => serde_json::from_str(json).map_err(|e| format!("--timing: {e}")),
    }
}

fn build_config(args: &ServeArgs) -> Result<(Config, Inventory), String> {
    let mut cfg = match &args.config {
        Some(p) => Config::from_file(p)?,
        None => Config::default(),
    };
    if let Some(keys) = &args.tencent_keys {
        cfg.add_tencent_keys(keys)?;
    }
    if let Some(t) = &args.timing {
        cfg.timing = parse_timing(t)?;
    }
    if args.id_seed.is_some() {
        cfg.id_seed = args.id_seed;
    }
    if args.rate_limits {
        cfg.tencent.rate_limits = true;
    }
    cfg.edge.allow_hosts.extend(args.allow_hosts.iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()));
    if args.control_token.is_some() {
        cfg.edge.control_token = args.control_token.clone();
    }
    cfg.edge.listen = Some(args.listen.clone());
    if let Some(c) = args.signature_clock {
        cfg.signature_clock = c;
    }
    if let Some(n) = args.journal_size {
        cfg.journal.entries = n;
    }
    if let Some(n) = args.journal_bytes {
        cfg.journal.bytes = n;
    }
    if args.journal_bodies {
        cfg.journal.bodies = true;
    }
    let inventory = match &args.seed {
        Some(p) => Inventory::from_file(p)?,
        None => Inventory::builtin(),
    };
    Ok((cfg, inventory))
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let started = Instant::now();
    let (cfg, inventory) = build_config(&args)?;
    let tls = args.ops.tls()?;
    let clock = args.clock.map_or_else(Clock::real, Clock::manual);
    let mut opts = args.ops.server_options();
    let banner_cfg = cfg.clone();
    let twin = cloudtwin_emulator::Twin::new(cfg, inventory, clock)?;
    if let Some(store) = &args.store {
        cloudtwin_emulator::store::attach(&twin, store, args.store_sync)?;
    }
    if let Some(path) = &args.import {
        let import = cloudtwin_emulator::control::state::read_file(path)?;
        cloudtwin_emulator::control::state::apply(&twin, import);
    }
    let app = std::sync::Arc::new(cloudtwin_emulator::App::new(twin, args.auth));
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut ca_path = None;
    match tls {
        ops::Tls::Off => {}
        ops::Tls::Files(cfg) => opts.tls = Some(cfg),
        ops::Tls::SelfSigned => {
            let (cfg, path) = args.ops.make_self_signed(addr)?;
            opts.tls = Some(cfg);
            ca_path = Some(path);
        }
    }
    let https = opts.tls.is_some();
    let mut stop = ops::StopSignals::install()?;
    let mut running = cloudtwin_emulator::spawn_with(app, listener, opts).map_err(|e| e.to_string())?;
    if let Some(warning) = ops::exposure_warning(addr, running.app.has_control_token()) {
        eprintln!("{warning}");
    }
    let ready_ms = started.elapsed().as_secs_f64() * 1e3;
    let auth = format!("{:?}", args.auth).to_lowercase();
    print!("{}", ops::banner(addr, https, ca_path.as_ref(), &banner_cfg, &auth, ready_ms));
    use std::io::Write;
    let _ = std::io::stdout().flush();
    tokio::select! {
        r = &mut running.task => return r.map_err(|e| e.to_string()),
        signal = stop.wait() => tracing::info!(signal, "stopping: no new connections, finishing requests in flight"),
    }
    running.shutdown.trigger();
    let _ = running.task.await;
    // Durable state is flushed here, once requests in flight have finished (nothing to flush
    // while the twin is in memory only).
    tracing::info!("stopped");
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::Operations => {
            use std::io::Write;
            let _ = pipe::Quiet::new(std::io::stdout().lock())
                .write_all(cloudtwin_emulator::control::operations_text().as_bytes());
        }
        Command::Conform(args) => std::process::exit(conform(args)),
        Command::Health(args) => std::process::exit(health::run(args)),
        Command::Fuzz(args) => std::process::exit(fuzz(args)),
        Command::State(cmd) => std::process::exit(state::run(cmd)),
        Command::Serve(args) => {
            malloc_settings::restart_with_malloc_settings();
            ops::init_logs(args.ops.log_format);
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
            if let Err(e) = rt.block_on(serve(*args)) {
                eprintln!("cloudtwin: {e}");
                std::process::exit(2);
            }
        }
    }
}
