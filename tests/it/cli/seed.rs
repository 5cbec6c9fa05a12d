//! `cloudtwin serve --seed FILE` refuses a file that is not a seed inventory with one clear line
//! and a non-zero exit, instead of starting an empty world (issue 11, row 10).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn serve_with_seed(content: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(&path, content).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudtwin"))
        .args(["serve", "--listen", "127.0.0.1:0", "--seed"])
        .arg(&path)
        .env_remove("CLOUDTWIN_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A twin that starts anyway would serve forever: stop it, and the assertions below fail.
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_seed_that_is_not_an_inventory_stops_the_start_with_one_line() {
    let dump = r#"{"clock": {"now": 1795384433, "now_ms": 1795384433000, "mode": "manual"},
                   "world": {"tencent": {}, "jobs": [], "next_id": 1}}"#;
    for (content, expected) in [
        ("[]", "not an array"),
        (r#"{"foo": 1}"#, "unknown field `foo`"),
        (dump, "state document"),
        (r#"{"tencent": [{"account": "default", "region": "ap-guangzhou", "disk": []}]}"#, "unknown field `disk`"),
        ("{not json", "not JSON"),
    ] {
        let (code, stdout, stderr) = serve_with_seed(content);
        assert_eq!(code, Some(2), "{content}: {stdout} {stderr}");
        assert!(!stdout.contains("listening"), "{content}: it started: {stdout}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{content}: one line: {stderr}");
        assert!(lines[0].starts_with("cloudtwin: ") && lines[0].contains(expected), "{content}: {stderr}");
        assert!(lines[0].contains("seed.json"), "the line names the file: {stderr}");
    }
}
