// SPDX-License-Identifier: GPL-3.0-or-later
//! Finds the installed libgenre with the `pkg-config` program (no crates):
//! `pkg-config --libs genre` (PKG_CONFIG_PATH selects a non-system prefix;
//! at run time such a prefix's lib directory must be in LD_LIBRARY_PATH),
//! after checking with `--modversion` that its version can serve this crate's.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");
    let pc = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(&pc)
        .args(["--libs", "genre"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {} (install pkg-config)", pc, e));
    if !out.status.success() {
        panic!(
            "`{} --libs genre` failed: {}\ninstall libgenre or set PKG_CONFIG_PATH to its \
             lib/pkgconfig directory",
            pc,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    require_compatible_version(&pc);
    let libs = String::from_utf8(out.stdout).expect("pkg-config output is not UTF-8");
    for flag in libs.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
            println!("cargo:libdir={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib=dylib={}", lib);
        }
    }
}

/// The declarations are this crate's version's headers (the versions agree,
/// docs/abi.md): a library of another major, or of an older minor that may
/// lack a function they declare, is refused here with the versions rather
/// than by the linker with a missing symbol (Python's binding refuses the
/// same libraries when it loads).
fn require_compatible_version(pc: &str) {
    let out = Command::new(pc)
        .args(["--modversion", "genre"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {}", pc, e));
    let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let wanted = env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let major_minor = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
        Some((parts.next()??, parts.next()??))
    };
    let (want_major, want_minor) = major_minor(&wanted).expect("the crate version is x.y.z");
    match major_minor(&found) {
        Some((major, minor)) if major == want_major && minor >= want_minor => {}
        _ => panic!(
            "pkg-config finds libgenre {:?}; genre-sys {} needs {}.y with y >= {} \
             (set PKG_CONFIG_PATH to a newer install's lib/pkgconfig directory)",
            found, wanted, want_major, want_minor
        ),
    }
}
