//! resolvconf(8), when the system has it: our servers go in as a record of
//! their own (`<iface>.psendurance`), which resolvconf merges and removes.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const RESOLVCONF: [&str; 3] = [
    "/sbin/resolvconf",
    "/usr/sbin/resolvconf",
    "/usr/bin/resolvconf",
];
const SYSTEM_RESOLV_CONF: &str = "/etc/resolv.conf";

/// Whether the name servers go through resolvconf(8) rather than the file.
pub fn uses_resolvconf(path: &Path) -> bool {
    resolvconf(path).is_some()
}

/// resolvconf manages /etc/resolv.conf only: a different path means the
/// operator wants that file written (and tests never reach the system's).
pub fn resolvconf(path: &Path) -> Option<PathBuf> {
    if path != Path::new(SYSTEM_RESOLV_CONF) {
        return None;
    }
    RESOLVCONF
        .iter()
        .map(PathBuf::from)
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Runs resolvconf, feeding `input` on stdin; argv only, no shell.
pub fn run(program: &Path, args: &[&str], input: Option<&[u8]>) -> Result<(), String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(bytes).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(status.to_string())
    }
}
