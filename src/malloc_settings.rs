//! `serve` restarts itself once, in place, with two glibc allocator settings (docs/performance.md,
//! "the eleventh pass" and "Tenants and the one lock").
//!
//! A deeper thread cache: glibc keeps 7 freed chunks of each small size per thread; a request's
//! 8th allocation of a size goes to the arena's bins, which after 100,000 resources hold chunks
//! scattered over the whole heap: each one a cache miss, and freeing them back costs as much. With
//! a deeper cache a request reuses the chunks the one before it freed.
//!
//! A fixed mmap threshold: glibc raises its threshold as large blocks are freed, up to 32 MiB,
//! so an index's list of a million disks (16 MiB) ends up in the heap, where growing it copies it
//! whole into new pages: ~150 ms of the one write that crossed 1,048,576 disks, with every
//! tenant's requests behind it. A block of 4 MiB or more is mapped on its own and grows by
//! remapping its pages, not copying them. Blocks under the threshold (a page of 1,000 backups is
//! ~1 MB) stay in the heap, where reusing them costs no page faults.
//!
//! Both are glibc tunables, read only when a process starts, so the twin sets them and executes
//! itself again (same PID, arguments and environment) before it starts a thread. A
//! `GLIBC_TUNABLES` that already names the cache depth is left as it is: that is also how to opt
//! out (`glibc.malloc.tcache_count=7`, glibc's default); one that names the threshold keeps its own.

/// The cache depth `serve` asks for: enough for the largest page's allocations of one size.
pub const DEPTH: u32 = 1000;

/// The size from which a block is mapped on its own (glibc's default starts at 128 KiB and moves).
pub const MMAP_THRESHOLD: u32 = 4 << 20;

const SETTING: &str = "glibc.malloc.tcache_count";
const THRESHOLD: &str = "glibc.malloc.mmap_threshold";

/// Set in the restarted process, so that it never restarts again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const GUARD: &str = "CLOUDTWIN_RESTARTED";

/// The `GLIBC_TUNABLES` to run with, or None when the one given already sets the depth. The depth
/// is the first setting added: glibc rewrites the variable in place, and /proc then shows a
/// restarted twin's only up to its first `:` (what tests/it/twin/ops.rs reads back).
pub fn tunables(given: Option<&str>) -> Option<String> {
    let given = given.unwrap_or("");
    let names = |name: &str| given.split(':').any(|kv| kv.split('=').next() == Some(name));
    if names(SETTING) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    if !given.is_empty() {
        out.push(given.to_string());
    }
    out.push(format!("{SETTING}={DEPTH}"));
    if !names(THRESHOLD) {
        out.push(format!("{THRESHOLD}={MMAP_THRESHOLD}"));
    }
    Some(out.join(":"))
}

/// Replace this process with itself under the tunables; returns only when that is not possible
/// or not wanted (not glibc, no /proc, a privileged start, already restarted, or the tunable
/// already set), and the twin then runs as it is.
pub fn restart_with_malloc_settings() {
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
    fn the_settings_are_added_to_what_is_given_unless_the_depth_is_there() {
        let both = "glibc.malloc.tcache_count=1000:glibc.malloc.mmap_threshold=4194304";
        assert_eq!(tunables(None).as_deref(), Some(both));
        assert_eq!(tunables(Some("")).as_deref(), Some(both));
        assert_eq!(
            tunables(Some("glibc.malloc.arena_max=2")).as_deref(),
            Some(format!("glibc.malloc.arena_max=2:{both}").as_str())
        );
        assert_eq!(tunables(Some("glibc.malloc.tcache_count=7")), None);
        assert_eq!(tunables(Some("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=64")), None);
        // A threshold given is kept, and not given twice.
        assert_eq!(
            tunables(Some("glibc.malloc.mmap_threshold=65536")).as_deref(),
            Some("glibc.malloc.mmap_threshold=65536:glibc.malloc.tcache_count=1000")
        );
        // A longer name that starts the same is another setting.
        assert!(tunables(Some("glibc.malloc.tcache_count_x=1")).is_some());
    }
}
