// SPDX-License-Identifier: GPL-3.0-or-later
//! Finds the installed libgenre with the `pkg-config` program (no crates):
//! `pkg-config --libs genre` (PKG_CONFIG_PATH selects a non-system prefix;
//! at run time such a prefix's lib directory must be in LD_LIBRARY_PATH).
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
