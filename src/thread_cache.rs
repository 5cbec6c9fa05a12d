//! `serve` restarts itself once, in place, with a larger glibc thread cache (docs/performance.md,
//! "the eleventh pass").
//!
//! glibc keeps 7 freed chunks of each small size per thread; a request's 8th allocation of a size
//! goes to the arena's bins, which after 100,000 resources hold chunks scattered over the whole
//! heap: each one a cache miss, and freeing them back costs as much. With a deeper cache a request
//! reuses the chunks the one before it freed. The depth is a glibc tunable, read only when a
//! process starts, so the twin sets it and executes itself again (same PID, arguments and
//! environment) before it starts a thread. A `GLIBC_TUNABLES` that already names the setting is
//! left as it is: that is also how to opt out (`glibc.malloc.tcache_count=7`, glibc's default).

/// The cache depth `serve` asks for: enough for the largest page's allocations of one size.
pub const DEPTH: u32 = 1000;

const SETTING: &str = "glibc.malloc.tcache_count";

/// Set in the restarted process, so that it never restarts again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const GUARD: &str = "CLOUDTWIN_RESTARTED";

/// The `GLIBC_TUNABLES` to run with, or None when the one given already sets the depth.
pub fn tunables(given: Option<&str>) -> Option<String> {
    match given {
        Some(t) if t.split(':').any(|kv| kv.split('=').next() == Some(SETTING)) => None,
        Some(t) if !t.is_empty() => Some(format!("{t}:{SETTING}={DEPTH}")),
        _ => Some(format!("{SETTING}={DEPTH}")),
    }
}

/// Replace this process with itself under the tunable; returns only when that is not possible
/// or not wanted (not glibc, no /proc, a privileged start, already restarted, or the tunable
/// already set), and the twin then runs as it is.
pub fn restart_with_deeper_cache() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        // glibc ignores tunables in a privileged start (setuid, file capabilities such as
        // cap_net_bind_service), and the guard stops a second restart whatever else happens.
        // SAFETY: getauxval only reads the auxiliary vector the kernel gave the process.
        if unsafe { libc::getauxval(libc::AT_SECURE) } != 0 || std::env::var_os(GUARD).is_some() {
            return;
        }
        // A value that is not UTF-8 is not ours to rewrite: the twin runs as it is.
        let given = match std::env::var_os("GLIBC_TUNABLES") {
            Some(v) => match v.into_string() {
                Ok(v) => Some(v),
                Err(_) => return,
            },
            None => None,
        };
        let Some(tunables) = tunables(given.as_deref()) else { return };
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_default();
        // /proc/self/exe runs this very file even if it was replaced or removed since.
        let _ = std::process::Command::new("/proc/self/exe")
            .arg0(arg0)
            .args(args)
            .env("GLIBC_TUNABLES", tunables)
            .env(GUARD, "1")
            .exec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_depth_is_added_to_what_is_given_unless_it_is_there() {
        assert_eq!(tunables(None).as_deref(), Some("glibc.malloc.tcache_count=1000"));
        assert_eq!(tunables(Some("")).as_deref(), Some("glibc.malloc.tcache_count=1000"));
        assert_eq!(
            tunables(Some("glibc.malloc.arena_max=2")).as_deref(),
            Some("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=1000")
        );
        assert_eq!(tunables(Some("glibc.malloc.tcache_count=7")), None);
        assert_eq!(tunables(Some("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=64")), None);
        // A longer name that starts the same is another setting.
        assert!(tunables(Some("glibc.malloc.tcache_count_x=1")).is_some());
    }
}
