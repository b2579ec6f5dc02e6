//! Named network namespaces for the E367 bench: `ue` (the Pi: ofonod, the
//! daemon, ppp0) and `op` (the operator's network behind the dongle).
//! Named (`ip netns add`) so that processes can be started inside with
//! `ip netns exec`; deleted on drop. Threads join one with `setns`.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

static SEQ: AtomicU32 = AtomicU32::new(0);

pub struct NetNs {
    pub name: String,
}

impl NetNs {
    /// `psd-<role>-<pid>-<n>`, with `lo` up.
    pub fn new(role: &str) -> NetNs {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!("psd-{role}-{}-{n}", std::process::id());
        let out = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .expect("run ip netns add");
        assert!(
            out.status.success(),
            "ip netns add {name}: {} (the E367 bench needs root)",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        let ns = NetNs { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n <ns> args...`, panicking with its error if it fails.
    pub fn ip(&self, args: &[&str]) {
        let out = self.ip_output(args);
        assert!(
            out.status.success(),
            "ip -n {} {}: {}",
            self.name,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }

    pub fn ip_output(&self, args: &[&str]) -> Output {
        Command::new("ip")
            .arg("-n")
            .arg(&self.name)
            .args(args)
            .output()
            .expect("run ip")
    }

    /// `ip -n <ns> args...` stdout as text ("" on failure).
    pub fn ip_text(&self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.ip_output(args).stdout).into_owned()
    }

    /// `ip netns exec <ns> prog...`: a command whose process lives inside.
    pub fn command(&self, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, prog]);
        c
    }

    /// Moves the calling thread into this namespace (for good).
    pub fn enter(&self) {
        let f = File::open(format!("/run/netns/{}", self.name)).expect("open netns");
        // SAFETY: setns on a valid fd; affects only the calling thread.
        let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(
            rc,
            0,
            "setns {}: {}",
            self.name,
            std::io::Error::last_os_error()
        );
    }

    /// Run `f` on a thread inside this namespace and return its result.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let name = self.name.clone();
        std::thread::spawn(move || {
            NetNs { name }.enter_only();
            f()
        })
        .join()
        .expect("thread in netns panicked")
    }

    /// Spawn a long-lived thread inside this namespace.
    pub fn spawn(&self, f: impl FnOnce() + Send + 'static) -> std::thread::JoinHandle<()> {
        let name = self.name.clone();
        std::thread::spawn(move || {
            NetNs { name }.enter_only();
            f()
        })
    }

    /// `enter` for a temporary handle that must not delete the namespace.
    fn enter_only(self) {
        self.enter();
        std::mem::forget(self);
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}
