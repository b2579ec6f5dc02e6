//! The SysV init script against the bench: start, reload, stop, status,
//! ENABLED, and a daemon that dies at once.

use super::*;

/// The init script with its paths pointed into a test directory.
pub(super) struct Init {
    pub(super) pidfile: PathBuf,
    pub(super) defaults: PathBuf,
    pub(super) output: PathBuf,
    pub(super) run_dir: PathBuf,
    pub(super) state_dir: PathBuf,
    pub(super) bus: String,
}

impl Init {
    pub(super) fn new(dir: &Path, bus: &str, args: &str) -> Init {
        let init = Init {
            pidfile: dir.join("psendurance.pid"),
            defaults: dir.join("default"),
            output: dir.join("daemon.log"),
            run_dir: dir.join("run"),
            state_dir: dir.join("state"),
            bus: bus.to_string(),
        };
        // The daemon's status file stays in the test's RUN_DIR, never the machine's.
        let status = init.run_dir.join("status");
        init.write_defaults(&format!(
            "ENABLED=\"yes\"\nDAEMON_ARGS=\"{args} --status-file {}\"\n",
            status.display()
        ));
        init
    }

    pub(super) fn write_defaults(&self, body: &str) {
        let text = format!("{body}DAEMON_OUTPUT=\"{}\"\n", self.output.display());
        std::fs::write(&self.defaults, text).expect("write defaults");
    }

    pub(super) fn command(&self, action: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg(script("init.d/psendurance"))
            .arg(action)
            .env("PSENDURANCE_BIN", daemon_bin())
            .env("PIDFILE", &self.pidfile)
            .env("DEFAULTS_FILE", &self.defaults)
            .env("RUN_DIR", &self.run_dir)
            .env("STATE_DIR", &self.state_dir)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus)
            .env("SYSTEMCTL_SKIP_REDIRECT", "1")
            .stdin(Stdio::null());
        c
    }

    pub(super) fn run(&self, action: &str) -> Output {
        self.command(action).output().expect("run init script")
    }

    pub(super) fn pid(&self) -> Option<u32> {
        read_pid(&self.pidfile)
    }

    pub(super) fn log(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// Waits for `needle` in the output past byte `from`.
    pub(super) fn wait_log(&self, needle: &str, from: usize, timeout: Duration) -> bool {
        poll(timeout, || {
            self.log().get(from..).is_some_and(|l| l.contains(needle))
        })
    }
}

/// Owner uid of a path.
pub(super) fn owner(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .uid()
}

/// Kills a daemon the init script left running if the test fails midway.
pub(super) struct Reap<'a>(pub(super) &'a Init);

impl Drop for Reap<'_> {
    fn drop(&mut self) {
        if let Some(pid) = self.0.pid()
            && exe_of(pid).as_deref() == Some(daemon_bin().as_path())
        {
            let _ = bench::procs::send_signal(pid, libc::SIGKILL);
        }
    }
}

#[test]
fn init_script_runs_reloads_and_stops_the_daemon_against_the_bench() {
    let b = Bench::start_with(BenchOptions {
        daemon_bin: Some(daemon_bin()),
        ..BenchOptions::default()
    });
    let work = b.dir().join("init");
    std::fs::create_dir_all(&work).unwrap();
    let init = Init::new(
        &work,
        b.bus_address(),
        "-f -v --interval 2 --retry-min 0.2 --retry-max 2",
    );
    let _reap = Reap(&init);

    // A pid file naming a live process that is not the daemon: neither
    // signalled nor taken for a running daemon.
    let mut foreign = Command::new("sleep").arg("60").spawn().unwrap();
    let foreign_alive = |f: &mut std::process::Child| matches!(f.try_wait(), Ok(None));
    std::fs::write(&init.pidfile, format!("{}\n", foreign.id())).unwrap();
    let st = init.run("status");
    assert_ne!(st.status.code(), Some(0), "{}", text(&st));
    assert!(
        String::from_utf8_lossy(&st.stdout).contains("not running"),
        "{}",
        text(&st)
    );
    let stop = init.run("stop");
    assert_eq!(stop.status.code(), Some(0), "{}", text(&stop));
    assert!(foreign_alive(&mut foreign), "stop signalled a foreign pid");
    assert!(!init.pidfile.exists(), "stale pid file left by stop");

    std::fs::write(&init.pidfile, format!("{}\n", foreign.id())).unwrap();
    assert!(
        !b.sim().is_active(1),
        "a context was active before the daemon ran"
    );
    let t = Instant::now();
    let start = init.run("start");
    assert_eq!(start.status.code(), Some(0), "{}", text(&start));
    let pid = init.pid().expect("no pid file after start");
    assert_ne!(pid, foreign.id(), "start trusted the foreign pid file");
    assert_eq!(owner(&init.run_dir), 0);
    assert_eq!(owner(&init.state_dir), 0);
    assert_eq!(exe_of(pid), Some(daemon_bin()), "pid file names {pid}");
    assert!(foreign_alive(&mut foreign));
    assert!(
        b.sim().wait_for(|s| s.is_active(1), UP),
        "no active context at the modem after start:\n{}",
        init.log()
    );
    eprintln!(
        "init script start -> active at the modem: {:?}",
        t.elapsed()
    );

    // Starting again starts nothing.
    let again = init.run("start");
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("already running"),
        "{}",
        text(&again)
    );
    assert_eq!(init.pid(), Some(pid));

    let st = init.run("status");
    assert_eq!(st.status.code(), Some(0), "{}", text(&st));
    assert!(
        String::from_utf8_lossy(&st.stdout).contains(&format!("running (pid {pid})")),
        "{}",
        text(&st)
    );

    // reload = SIGHUP: the daemon re-checks and keeps running.
    let mark = init.log().len();
    let reload = init.run("reload");
    assert_eq!(reload.status.code(), Some(0), "{}", text(&reload));
    assert!(
        init.wait_log("SIGHUP: re-checking", mark, Duration::from_secs(5)),
        "no SIGHUP line:\n{}",
        init.log()
    );
    assert!(alive(pid));
    assert_eq!(init.pid(), Some(pid));

    // restart (and force-reload, the same): a new daemon replaces the old.
    let mark = init.log().len();
    let restart = init.run("force-reload");
    assert_eq!(restart.status.code(), Some(0), "{}", text(&restart));
    assert!(!alive(pid), "old daemon {pid} survived a restart");
    let pid = init.pid().expect("no pid file after restart");
    assert_eq!(exe_of(pid), Some(daemon_bin()));
    assert!(
        init.wait_log(
            "context /phonesim/context1 active",
            mark,
            Duration::from_secs(5)
        ),
        "{}",
        init.log()
    );

    // stop: SIGTERM, the daemon exits 0, the pid file goes.
    let t = Instant::now();
    let stop = init.run("stop");
    assert_eq!(stop.status.code(), Some(0), "{}", text(&stop));
    eprintln!("init script stop: {:?}", t.elapsed());
    assert!(!alive(pid), "daemon {pid} still running after stop");
    assert!(!init.pidfile.exists(), "pid file left after stop");
    assert!(
        init.log().contains("exiting with code 0"),
        "daemon did not exit 0:\n{}",
        init.log()
    );
    assert!(foreign_alive(&mut foreign));
    assert!(b.sim().is_active(1), "a stop must leave the context up");

    // status without the LSB helpers: plain output, LSB code 3.
    let st = init
        .command("status")
        .env("INIT_FUNCTIONS", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(3), "{}", text(&st));
    assert_eq!(
        String::from_utf8_lossy(&st.stdout).trim(),
        "psendurance is not running"
    );
    let reload = init.run("reload");
    assert_ne!(reload.status.code(), Some(0), "reload of nothing succeeded");

    bench::procs::kill_and_reap(&mut foreign);
}

#[test]
fn init_script_honours_enabled_and_reports_a_daemon_that_dies_at_once() {
    let dir = TempDir::new("init");
    let init = Init::new(dir.path(), "unix:path=/nonexistent", "-f");
    let _reap = Reap(&init);

    init.write_defaults("ENABLED=\"no\"\nDAEMON_ARGS=\"-f\"\n");
    let out = init.run("start");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("not starting"), "{}", text(&out));
    assert!(!init.pidfile.exists());

    // Bad options: the daemon exits 2 at once; start must say it failed.
    init.write_defaults("ENABLED=\"yes\"\nDAEMON_ARGS=\"-f --interval soon\"\n");
    let out = init.run("start");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("exited at once"), "{}", text(&out));
    assert!(!init.pidfile.exists(), "pid file of a dead daemon kept");
    assert!(
        init.log().contains("--interval: 'soon' is not a duration"),
        "{}",
        init.log()
    );

    let out = init.run("frobnicate");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage:"));
}
