//! The deployment scripts in scripts/ against the real bench: the SysV init
//! script runs the daemon until the modem has an active context, the D-Bus
//! policy is what lets the unprivileged user in, and install.sh puts files
//! where they belong and takes exactly those away again; the demo behind
//! demo.sh recovers from every fault it injects.

#[path = "../bench/mod.rs"]
mod bench;
#[path = "../../examples/demo/console.rs"]
mod console;
#[path = "../bench/e367/mod.rs"]
mod e367;
#[path = "../../examples/demo/on_e367/mod.rs"]
mod on_e367;

mod defaults;
mod demo;
mod init;
mod install;
mod policy;
mod syntax;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use bench::{Bench, BenchOptions, BusPolicy, DaemonSpec};
use init::{Init, Reap, owner};

/// Bound for the modem to report an active context after a (re)start.
const UP: Duration = Duration::from_secs(15);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script(rel: &str) -> PathBuf {
    repo().join("scripts").join(rel)
}

fn daemon_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_psendurance"))
        .canonicalize()
        .expect("built daemon")
}

/// A fresh empty directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "psendurance-scripts-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}stderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Alive and not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => false,
    }
}

fn exe_of(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

fn read_pid(pidfile: &Path) -> Option<u32> {
    std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()
}

fn poll(timeout: Duration, f: impl FnMut() -> bool) -> bool {
    bench::procs::wait_until(timeout, Duration::from_millis(20), f)
}
