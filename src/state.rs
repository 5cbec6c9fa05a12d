//! `cloudtwin state export|import`: the two calls of docs/state.md from the command line, so a
//! CI job can save a prepared world next to its tests and load it into a fresh twin.

use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum StateCommand {
    /// Write the running twin's state document (GET /_cloudtwin/state) to a file or stdout.
    Export {
        #[command(flatten)]
        twin: TwinArgs,
        /// Where to write it (default: stdout).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Replace the running twin's world with a state document (POST /_cloudtwin/state).
    Import {
        #[command(flatten)]
        twin: TwinArgs,
        /// The document, as `state export` or GET /_cloudtwin/state wrote it.
        file: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct TwinArgs {
    /// The twin's base URL.
    #[arg(long, env = "CLOUDTWIN_URL", default_value = "http://127.0.0.1:4599")]
    url: String,
    /// The twin's control token (`serve --control-token`).
    #[arg(long, value_name = "TOKEN", env = "CLOUDTWIN_CONTROL_TOKEN", hide_env_values = true)]
    control_token: Option<String>,
}

impl TwinArgs {
    fn request(&self, client: &reqwest::Client, method: reqwest::Method) -> reqwest::RequestBuilder {
        let url = format!("{}/_cloudtwin/state", self.url.trim_end_matches('/'));
        let req = client.request(method, url);
        match &self.control_token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }
}

/// Run one state command; the exit code (0 done, 1 refused or failed).
pub fn run(cmd: StateCommand) -> i32 {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("{e}")),
    };
    match rt.block_on(call(cmd)) {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

fn fail(msg: String) -> i32 {
    eprintln!("cloudtwin state: {msg}");
    1
}

async fn call(cmd: StateCommand) -> Result<(), String> {
    let client = reqwest::Client::new();
    match cmd {
        StateCommand::Export { twin, out } => {
            let answer = twin.request(&client, reqwest::Method::GET).send().await.map_err(|e| e.to_string())?;
            let status = answer.status();
            let body = answer.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
            }
            match out {
                Some(path) => std::fs::write(&path, &body).map_err(|e| format!("{}: {e}", path.display())),
                None => std::io::stdout().lock().write_all(&body).map_err(|e| e.to_string()),
            }
        }
        StateCommand::Import { twin, file } => {
            let doc = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let answer = twin
                .request(&client, reqwest::Method::POST)
                .header("content-type", "application/json")
                .body(doc)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = answer.status();
            let body = answer.text().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("{status}: {body}"));
            }
            println!("cloudtwin state: imported {}", file.display());
            Ok(())
        }
    }
}
