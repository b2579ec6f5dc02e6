//! The psendurance daemon under test: spawned on the bench bus, its output
//! captured line by line with timestamps.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::procs;

/// Output lines seen so far, shared with the reader threads.
#[derive(Default)]
struct Lines {
    lines: Mutex<Vec<(Instant, String)>>,
    grew: Condvar,
    /// Readers (stderr, stdout) that reached end of file.
    ended: std::sync::atomic::AtomicU32,
}

/// How to run the daemon (beyond its arguments).
#[derive(Debug, Clone, Default)]
pub struct DaemonSpec {
    pub bin: PathBuf,
    pub args: Vec<String>,
    /// Extra environment (DBUS_SYSTEM_BUS_ADDRESS is always set).
    pub env: Vec<(String, String)>,
    /// Run as this uid/gid instead of root (e.g. the "bus refused us" path).
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

pub struct Daemon {
    child: Child,
    out: Arc<Lines>,
    exit: Option<ExitStatus>,
}

impl Daemon {
    /// Spawn with `DBUS_SYSTEM_BUS_ADDRESS=bus`; stderr and stdout lines go
    /// to memory, to `log` and (with BENCH_VERBOSE) to our stderr.
    pub fn spawn(spec: &DaemonSpec, bus: &str, log: &Path) -> std::io::Result<Daemon> {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new(&spec.bin);
        cmd.args(&spec.args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", bus)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(gid) = spec.gid {
            cmd.gid(gid);
        }
        if let Some(uid) = spec.uid {
            cmd.uid(uid);
        }
        let mut child = cmd.spawn()?;
        let out = Arc::new(Lines::default());
        let file = Arc::new(Mutex::new(
            File::options().create(true).append(true).open(log)?,
        ));
        let verbose = std::env::var_os("BENCH_VERBOSE").is_some();
        if let Some(e) = child.stderr.take() {
            spawn_reader(e, "", out.clone(), file.clone(), verbose);
        }
        if let Some(o) = child.stdout.take() {
            spawn_reader(o, "[stdout] ", out.clone(), file, verbose);
        }
        Ok(Daemon {
            child,
            out,
            exit: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send a signal (libc::SIGTERM, SIGINT, SIGHUP, ...).
    #[allow(dead_code)]
    pub fn signal(&self, sig: i32) -> std::io::Result<()> {
        if self.exit.is_some() {
            return Ok(());
        }
        procs::send_signal(self.pid(), sig)
    }

    /// All lines so far (stdout lines prefixed `[stdout] `).
    pub fn lines(&self) -> Vec<(Instant, String)> {
        self.out
            .lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The last `n` output lines, one per line.
    #[allow(dead_code)]
    pub fn tail(&self, n: usize) -> String {
        let lines = self.lines();
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The first line at or after `since` containing `needle`.
    #[allow(dead_code)]
    pub fn wait_log(&self, needle: &str, since: Instant, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let mut g = self.out.lines.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some((_, l)) = g.iter().find(|(t, l)| *t >= since && l.contains(needle)) {
                return Some(l.clone());
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            g = match self.out.grew.wait_timeout(g, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Wait for the process to exit; None on timeout (it keeps running).
    #[allow(dead_code)]
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = procs::wait_exit(&mut self.child, timeout);
            if self.exit.is_some() {
                self.drain();
            }
        }
        self.exit
    }

    /// After the exit: until both pipes are read to the end (the reader
    /// threads may lag behind the exit on a loaded machine), at most 5 s.
    fn drain(&self) {
        use std::sync::atomic::Ordering;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut g = self.out.lines.lock().unwrap_or_else(|p| p.into_inner());
        while self.out.ended.load(Ordering::Acquire) < 2 {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            g = match self.out.grew.wait_timeout(g, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    #[allow(dead_code)]
    pub fn is_running(&mut self) -> bool {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit.is_none()
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) {
        procs::kill_and_reap(&mut self.child);
    }
}

/// The machine's own status file: no daemon of the bench may write it.
pub const MACHINE_STATUS: &str = "/run/psendurance/status";

/// Panics if the machine's status file names `pid` as its writer.
pub fn assert_machine_status_not_written_by(pid: u32) {
    let text = std::fs::read_to_string(MACHINE_STATUS).unwrap_or_default();
    assert!(
        !text.lines().any(|l| l == format!("pid={pid}")),
        "daemon {pid} of the bench wrote {MACHINE_STATUS}: pass --status-file"
    );
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.pid();
        self.kill();
        if !std::thread::panicking() {
            assert_machine_status_not_written_by(pid);
        }
    }
}

fn spawn_reader(
    stream: impl Read + Send + 'static,
    tag: &'static str,
    out: Arc<Lines>,
    file: Arc<Mutex<File>>,
    verbose: bool,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let line = format!("{tag}{line}");
            let now = Instant::now();
            if let Ok(mut f) = file.lock() {
                let _ = writeln!(f, "{line}");
            }
            if verbose {
                eprintln!("psendurance: {line}");
            }
            out.lines
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((now, line));
            out.grew.notify_all();
        }
        out.ended.fetch_add(1, std::sync::atomic::Ordering::Release);
        let _g = out.lines.lock().unwrap_or_else(|p| p.into_inner());
        out.grew.notify_all();
    });
}
