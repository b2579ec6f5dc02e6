//! Child processes the bench starts: finding programs, prerequisites, and
//! killing exactly what we started (by pid, never by name); and the
//! bench's own temp dirs.

use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Programs the end-to-end tests cannot run without.
const REQUIRED: &[&str] = &["ofonod", "dbus-daemon", "unshare", "mount"];

/// Find `name` in PATH, or in the sbin directories a non-login root shell
/// may lack.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Panic with one clear line unless everything the bench needs is here.
/// End-to-end tests must fail loudly, never skip.
pub fn ensure_prereqs() {
    for prog in REQUIRED {
        if find_program(prog).is_none() {
            panic!("bench: `{prog}` not found; run scripts/bench-deps.sh (as root) to install it");
        }
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        panic!(
            "bench: must run as root (unshare/mount for ofonod's state dir); see scripts/bench-deps.sh"
        );
    }
}

/// Poll `f` every `every` until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, every: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(every);
    }
}

/// Send `sig` to `pid` (no-op for pid 0).
pub fn send_signal(pid: u32, sig: i32) -> std::io::Result<()> {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return Err(std::io::Error::other("pid out of range"));
    };
    if pid <= 0 {
        return Ok(());
    }
    // SAFETY: kill(2) with a pid we spawned and still own (not yet reaped).
    if unsafe { libc::kill(pid, sig) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Wait up to `timeout` for `child` to exit.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let mut status = None;
    wait_until(timeout, Duration::from_millis(10), || {
        status = child.try_wait().ok().flatten();
        status.is_some()
    });
    status
}

/// SIGKILL and reap: used by teardown, also while panicking.
pub fn kill_and_reap(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None)) {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Send `sig`, then wait up to `timeout`; escalate to SIGKILL.
#[allow(dead_code)]
pub fn stop_child(child: &mut Child, sig: i32, timeout: Duration) -> Option<ExitStatus> {
    if matches!(child.try_wait(), Ok(None)) {
        let _ = send_signal(child.id(), sig);
    }
    let st = wait_exit(child, timeout);
    if st.is_none() {
        kill_and_reap(child);
    }
    st
}

/// Last `n` lines of a log file, for failure messages.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `<tmp>/psendurance-bench-<pid>-<n>-<nanos>`: unique across parallel tests
/// and concurrent test binaries.
pub fn unique_dir() -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "psendurance-bench-{}-{n}-{nanos}",
        std::process::id()
    ))
}
