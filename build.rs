//! Links the release binary with `link/start.order`: the functions that run from exec to the
//! first answered read are placed next to each other, so an idle twin maps a few hundred KiB of
//! code instead of touching pages all over a ~15 MB `.text` (docs/performance.md, "Idle RSS").
//!
//! `--symbol-ordering-file` is an LLD option, and LLD is rustc's default linker only on
//! x86_64 Linux (GNU) since Rust 1.90; with another linker the flag would stop the link. So it is
//! passed only there, for release builds, when no linker override is visible (RUSTFLAGS, the
//! target's LINKER variable), and never when `CLOUDTWIN_SYMBOL_ORDER=0`. Leaving it out changes
//! no behaviour, only where the code sits.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=link/start.order");
    println!("cargo:rerun-if-env-changed=CLOUDTWIN_SYMBOL_ORDER");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    if !wanted() {
        return;
    }
    let order = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("link/start.order");
    if !order.is_file() {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}", order.display());
    // Names of functions since renamed or gone are skipped; the warning for each is noise.
    println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}

fn wanted() -> bool {
    let var = |k: &str| env::var(k).unwrap_or_default();
    if var("CLOUDTWIN_SYMBOL_ORDER") == "0" || var("PROFILE") != "release" {
        return false;
    }
    if var("CARGO_CFG_TARGET_ARCH") != "x86_64"
        || var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
    {
        return false;
    }
    if env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some() {
        return false;
    }
    // Any flag that picks the linker or its features: the default may no longer be LLD.
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if ["linker", "link-self-contained", "fuse-ld"].iter().any(|f| flags.contains(f)) {
        return false;
    }
    rustc_minor().is_some_and(|minor| minor >= 90)
}

/// The minor version of the rustc cargo runs (`1.95.0` gives 95).
fn rustc_minor() -> Option<u32> {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let release = text.lines().find_map(|l| l.strip_prefix("release: "))?;
    let mut parts = release.split('.');
    (parts.next()? == "1").then_some(())?;
    parts.next()?.parse().ok()
}
