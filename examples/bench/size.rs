//! Stripped size of the release binary (x86_64 here) and of the ARMv6
//! build if `scripts/check-armv6.sh` left one in its cache.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Bytes of `bin` once stripped (a stripped copy in `scratch`).
pub fn stripped(bin: &Path, scratch: &Path) -> Result<u64, String> {
    let out = scratch.join(format!(
        "{}.stripped",
        bin.file_name().and_then(|n| n.to_str()).unwrap_or("bin")
    ));
    // Cross binaries need their own strip; try the ones that know ARM first.
    for strip in ["llvm-strip", "arm-linux-gnueabihf-strip", "strip"] {
        let ok = Command::new(strip)
            .arg("-o")
            .arg(&out)
            .arg(bin)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            let len = std::fs::metadata(&out).map_err(|e| e.to_string())?.len();
            let _ = std::fs::remove_file(&out);
            return Ok(len);
        }
    }
    Err(format!("no strip program could strip {}", bin.display()))
}

/// The ARMv6 binary scripts/check-armv6.sh leaves in its cache
/// (`$ARMV6_CACHE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6`):
/// its stripped copy if there, else the binary as built; `ARMV6_BIN` wins.
pub fn armv6_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ARMV6_BIN") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
    let cache = env("ARMV6_CACHE").or_else(|| {
        env("XDG_CACHE_HOME")
            .or_else(|| env("HOME").map(|h| h.join(".cache")))
            .map(|c| c.join("psendurance-armv6"))
    })?;
    ["psendurance-armv6.stripped", "psendurance-armv6"]
        .iter()
        .map(|n| cache.join(n))
        .find(|p| p.is_file())
}

/// Size of a binary that is already stripped, or stripped here if a
/// strip program knows its architecture.
pub fn arm_size(bin: &Path, scratch: &Path) -> Result<u64, String> {
    if bin.to_string_lossy().ends_with(".stripped") {
        return std::fs::metadata(bin)
            .map(|m| m.len())
            .map_err(|e| e.to_string());
    }
    stripped(bin, scratch)
}

/// The largest sections of `bin` ("name KiB"), from `size -A`.
pub fn sections(bin: &Path) -> String {
    let Ok(out) = Command::new("size").arg("-A").arg(bin).output() else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v: Vec<(String, u64)> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (name, size) = (f.next()?, f.next()?.parse().ok()?);
            name.starts_with('.').then(|| (name.to_string(), size))
        })
        .collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    v.iter()
        .take(4)
        .map(|(n, s)| format!("{n} {} KiB", s / 1024))
        .collect::<Vec<_>>()
        .join(", ")
}
