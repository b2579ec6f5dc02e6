//! Network namespaces for tests that need root (netconf and probe).
//!
//! `unshare(CLONE_NEWNET)` and `setns` move only the calling thread, and
//! children it spawns (`ip`) inherit the thread's namespace, so each test
//! gets a private network without touching the host's. These tests refuse
//! to run (panic) without root rather than skip silently.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Panics with a clear line unless we are root.
pub fn require_root(test: &str) {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        panic!("{test}: needs root (it creates network namespaces); run the tests as root");
    }
}

/// Moves this thread into a new, empty network namespace with `lo` up.
pub fn fresh_netns(test: &str) {
    require_root(test);
    // SAFETY: plain syscall; affects only this thread.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        panic!(
            "{test}: unshare(CLONE_NEWNET): {}",
            std::io::Error::last_os_error()
        );
    }
    ip(&["link", "set", "lo", "up"]);
}

/// Runs `ip ARGS` in this thread's namespace; panics with its stderr.
pub fn ip(args: &[&str]) -> String {
    let out = Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run ip (iproute2): {e}"));
    if !out.status.success() {
        panic!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A named namespace (`ip netns add`), deleted when dropped.
pub struct NamedNs {
    pub name: String,
}

impl NamedNs {
    /// `psd-<pid>-<n>-<tag>`: unique across parallel tests and runs.
    pub fn new(tag: &str) -> NamedNs {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "psd-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        ip(&["netns", "add", &name]);
        let ns = NamedNs { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n NAME ARGS`.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// Moves the calling thread into this namespace.
    pub fn enter(&self) {
        let path = format!("/run/netns/{}", self.name);
        let f = File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
        // SAFETY: valid namespace fd; affects only this thread.
        if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            panic!("setns {path}: {}", std::io::Error::last_os_error());
        }
    }
}

impl Drop for NamedNs {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}
