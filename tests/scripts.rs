//! The deployment scripts in scripts/ against the real bench: the SysV init
//! script runs the daemon until the modem has an active context, the D-Bus
//! policy is what lets the unprivileged user in, and install.sh puts files
//! where they belong and takes exactly those away again; the demo behind
//! demo.sh recovers from every fault it injects.

mod bench;
#[path = "bench/e367/mod.rs"]
mod e367;
#[path = "../examples/demo/on_e367/mod.rs"]
mod on_e367;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use bench::{Bench, BenchOptions, BusPolicy, DaemonSpec};

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

// ------------------------------------------------------------ init script --

/// The init script with its paths pointed into a test directory.
struct Init {
    pidfile: PathBuf,
    defaults: PathBuf,
    output: PathBuf,
    run_dir: PathBuf,
    state_dir: PathBuf,
    bus: String,
}

impl Init {
    fn new(dir: &Path, bus: &str, args: &str) -> Init {
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

    fn write_defaults(&self, body: &str) {
        let text = format!("{body}DAEMON_OUTPUT=\"{}\"\n", self.output.display());
        std::fs::write(&self.defaults, text).expect("write defaults");
    }

    fn command(&self, action: &str) -> Command {
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

    fn run(&self, action: &str) -> Output {
        self.command(action).output().expect("run init script")
    }

    fn pid(&self) -> Option<u32> {
        read_pid(&self.pidfile)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// Waits for `needle` in the output past byte `from`.
    fn wait_log(&self, needle: &str, from: usize, timeout: Duration) -> bool {
        poll(timeout, || {
            self.log().get(from..).is_some_and(|l| l.contains(needle))
        })
    }
}

/// Owner uid of a path.
fn owner(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .uid()
}

/// Kills a daemon the init script left running if the test fails midway.
struct Reap<'a>(&'a Init);

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

// ---------------------------------------------------------- shell syntax --

/// Files under scripts/ that are shell: a `sh` shebang, or the defaults file.
fn shell_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                let head = std::fs::read(&path).unwrap_or_default();
                let first = head.split(|&c| c == b'\n').next().unwrap_or_default();
                let shebang_sh = first.starts_with(b"#!") && first.ends_with(b"/sh");
                if shebang_sh || path.parent().is_some_and(|p| p.ends_with("default")) {
                    out.push(path);
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo().join("scripts"), &mut files);
    files.sort();
    files
}

#[test]
fn every_shell_script_parses() {
    let files = shell_files();
    for want in ["init.d/psendurance", "default/psendurance", "install.sh"] {
        assert!(files.contains(&script(want)), "{want} not found: {files:?}");
    }
    let shellcheck = bench::procs::find_program("shellcheck");
    for f in &files {
        let out = Command::new("sh").arg("-n").arg(f).output().unwrap();
        assert!(
            out.status.success(),
            "sh -n {}: {}",
            f.display(),
            text(&out)
        );
        if let Some(sc) = &shellcheck {
            // The defaults file only assigns variables for its readers.
            let unused_ok = f.parent().is_some_and(|p| p.ends_with("default"));
            let out = Command::new(sc)
                .args(["--shell=sh", "--external-sources"])
                .args(unused_ok.then_some("--exclude=SC2034"))
                .arg(f)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "shellcheck {}: {}",
                f.display(),
                text(&out)
            );
        }
    }
    if shellcheck.is_none() {
        eprintln!("shellcheck not installed: only `sh -n` was checked");
    }
    eprintln!("shell files checked: {}", files.len());
}

#[test]
fn defaults_file_sets_safe_values_and_documents_every_option() {
    let file = script("default/psendurance");
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#". "$1"; printf '%s|%s|%s' "$ENABLED" "$DAEMON_ARGS" "$RUN_AS""#)
        .arg("sh")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "yes||",
        "{}",
        text(&out)
    );

    let doc = std::fs::read_to_string(&file).unwrap();
    let help = Command::new(daemon_bin()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    let options: Vec<&str> = help
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .filter(|w| !["--help", "--version", "--foreground"].contains(w))
        .collect();
    assert!(options.len() >= 15, "options from --help: {options:?}");
    for opt in &options {
        assert!(
            doc.contains(opt),
            "{opt} is not documented in {}",
            file.display()
        );
    }
    // Every example line adds to DAEMON_ARGS and names only options the
    // daemon knows; all of them uncommented at once are accepted too (no
    // option given twice).
    let mut all = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with("#DAEMON_ARGS=")) {
        let args = line
            .strip_prefix("#DAEMON_ARGS=\"$DAEMON_ARGS ")
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or_else(|| panic!("example does not add to DAEMON_ARGS: {line}"));
        let out = Command::new(daemon_bin())
            .args(args.split_whitespace())
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "example `{args}`: {}", text(&out));
        all.extend(args.split_whitespace());
    }
    let examples = doc.matches("\n#DAEMON_ARGS=").count();
    assert!(examples >= 10, "only {examples} examples");
    let out = Command::new(daemon_bin())
        .args(&all)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "all examples `{all:?}`: {}",
        text(&out)
    );
}

/// The words of a systemd command line (ExecStart=): quotes removed, `$$`
/// made `$`. Panics on what systemd would change here and this does not
/// follow: a lone `$` (expanded from the unit's environment), a `%`
/// specifier, a backslash.
fn systemd_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.trim().chars().peekable();
    while chars.peek().is_some() {
        let mut raw = String::new();
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' => break,
                '\'' | '"' => raw.extend(chars.by_ref().take_while(|&q| q != c)),
                '\\' | '%' => panic!("`{c}` in `{line}`: not followed here"),
                _ => raw.push(c),
            }
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut word = String::new();
        let mut rest = raw.chars();
        while let Some(c) = rest.next() {
            if c == '$' {
                assert_eq!(rest.next(), Some('$'), "systemd would expand `{raw}`");
            }
            word.push(c);
        }
        words.push(word);
    }
    words
}

#[test]
fn init_script_and_systemd_unit_read_the_defaults_file_the_same_way() {
    let dir = TempDir::new("same-args");
    // A stand-in daemon that writes its arguments, one a line, to $ARGV_OUT.
    let fake = dir.path().join("psendurance");
    std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" >\"$ARGV_OUT\"\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The shipped file with two examples and an empty --status-file= uncommented.
    let mut defaults = std::fs::read_to_string(script("default/psendurance")).unwrap();
    for example in ["--apn internet", "--roaming", "--status-file="] {
        let line = format!("#DAEMON_ARGS=\"$DAEMON_ARGS {example}\"");
        assert!(defaults.contains(&line), "no example `{line}`");
        defaults = defaults.replace(&line, &line[1..]);
    }
    let init = Init::new(dir.path(), "unix:path=/nonexistent", "");
    std::fs::write(&init.defaults, &defaults).unwrap();
    let want = ["--apn", "internet", "--roaming", "--status-file="];
    let argv = |path: &Path| {
        let t = std::fs::read_to_string(path).unwrap_or_default();
        t.lines().map(str::to_string).collect::<Vec<_>>()
    };

    // The init script, through start-stop-daemon. The stand-in exits at
    // once, so start reports a failure: only the arguments matter here.
    let by_init = dir.path().join("argv-init");
    let out = init
        .command("start")
        .env("PSENDURANCE_BIN", &fake)
        .env("ARGV_OUT", &by_init)
        .output()
        .unwrap();
    assert!(
        poll(Duration::from_secs(5), || argv(&by_init).len()
            == want.len()),
        "the init script ran no daemon: {}",
        text(&out)
    );

    // The unit's ExecStart=, its paths pointed into the test directory.
    let unit = std::fs::read_to_string(script("psendurance.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart= in the unit");
    assert!(
        !unit.lines().any(|l| l.starts_with("EnvironmentFile=")),
        "the unit reads the file twice"
    );
    let words: Vec<String> = systemd_words(exec)
        .iter()
        .map(|w| {
            w.replace("/etc/default/psendurance", init.defaults.to_str().unwrap())
                .replace("/usr/local/sbin/psendurance", fake.to_str().unwrap())
        })
        .collect();
    assert_eq!(words[0], "/bin/sh", "{words:?}");
    let by_unit = dir.path().join("argv-unit");
    let out = Command::new(&words[0])
        .args(&words[1..])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("ARGV_OUT", &by_unit)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    assert_eq!(argv(&by_init), want, "init script");
    assert_eq!(argv(&by_unit), want, "systemd unit");
}

#[test]
fn systemd_unit_and_drop_in_verify() {
    let Some(analyze) = bench::procs::find_program("systemd-analyze") else {
        eprintln!("systemd-analyze not installed: unit not verified");
        return;
    };
    // The unit names the installed binary; verify checks that it exists.
    let tmp = TempDir::new("unit");
    let dir = tmp.path().join("units");
    std::fs::create_dir_all(dir.join("psendurance.service.d")).unwrap();
    let unit = std::fs::read_to_string(script("psendurance.service")).unwrap();
    assert!(unit.contains("exec /usr/local/sbin/psendurance $$DAEMON_ARGS'"));
    let bin = daemon_bin();
    let unit = unit.replace("/usr/local/sbin/psendurance", bin.to_str().unwrap());
    std::fs::write(dir.join("psendurance.service"), unit).unwrap();
    std::fs::copy(
        script("psendurance.service.d/user.conf"),
        dir.join("psendurance.service.d/user.conf"),
    )
    .unwrap();
    let out = Command::new(&analyze)
        .arg("verify")
        .arg(dir.join("psendurance.service"))
        .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty(), "{}", text(&out));

    // The drop-in that restarts a crashed ofonod, over Debian's own unit.
    let stock = Path::new("/lib/systemd/system/ofono.service");
    if !stock.exists() {
        eprintln!("ofono.service not installed: its drop-in not verified");
        return;
    }
    std::fs::create_dir_all(dir.join("ofono.service.d")).unwrap();
    std::fs::copy(stock, dir.join("ofono.service")).unwrap();
    std::fs::copy(
        script("ofono.service.d/restart.conf"),
        dir.join("ofono.service.d/psendurance.conf"),
    )
    .unwrap();
    let out = Command::new(analyze)
        .args(["verify", "ofono.service"])
        .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("psendurance.conf"),
        "{}",
        text(&out)
    );
}

// --------------------------------------------------------- D-Bus policy --

/// uid and gid of the system user `psendurance`, created if missing (once
/// per test binary: tests run in parallel).
fn psendurance_user() -> (u32, u32) {
    static USER: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
    *USER.get_or_init(create_psendurance_user)
}

fn create_psendurance_user() -> (u32, u32) {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id")
            .args([flag, "psendurance"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    if id("-u").is_none() {
        let useradd = bench::procs::find_program("useradd").expect("useradd");
        let out = Command::new(useradd)
            .args([
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "psendurance",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "useradd psendurance: {}", text(&out));
    }
    (
        id("-u").expect("no user psendurance"),
        id("-g").expect("no group psendurance"),
    )
}

/// Adds our policy file to the bench bus's configuration and makes the bus
/// re-read it (ReloadConfig answers only once the new rules are in force).
fn include_policy(b: &Bench) {
    let conf = b.dir().join("bus.conf");
    let conf_text = std::fs::read_to_string(&conf).expect("bench bus.conf");
    let include = format!(
        "  <include>{}</include>\n</busconfig>",
        script("dbus/psendurance.conf").display()
    );
    assert!(conf_text.contains("</busconfig>"));
    std::fs::write(&conf, conf_text.replace("</busconfig>", &include)).unwrap();
    let out = Command::new(bench::procs::find_program("dbus-send").expect("dbus-send"))
        .args([
            "--system",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.ReloadConfig",
        ])
        .env("DBUS_SYSTEM_BUS_ADDRESS", b.bus_address())
        .output()
        .unwrap();
    assert!(out.status.success(), "ReloadConfig: {}", text(&out));
}

fn as_user(uid: u32, gid: u32) -> DaemonSpec {
    DaemonSpec {
        bin: daemon_bin(),
        args: ["-f", "-v", "--interval", "2", "--retry-min", "0.2"]
            .map(String::from)
            .to_vec(),
        uid: Some(uid),
        gid: Some(gid),
        ..DaemonSpec::default()
    }
}

fn assert_refused(b: &Bench, uid: u32, gid: u32, who: &str) {
    let t = Instant::now();
    let mut d = b.spawn_daemon_spec(&as_user(uid, gid));
    let status = d.wait_exit(Duration::from_secs(10));
    // The reader threads may still be passing on the last lines.
    let line = d.wait_log(
        "install scripts/dbus/psendurance.conf",
        t,
        Duration::from_secs(5),
    );
    let log: Vec<String> = d.lines().into_iter().map(|(_, l)| l).collect();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(1),
        "{who} was not refused:\n{}",
        log.join("\n")
    );
    assert!(
        line.is_some(),
        "{who}: no line naming the policy file:\n{}",
        log.join("\n")
    );
}

/// A bench where only root may talk to oFono (until `include_policy`).
fn restrictive_bench() -> Bench {
    Bench::start_with(BenchOptions {
        policy: BusPolicy::Restrictive,
        daemon_bin: Some(daemon_bin()),
        ..BenchOptions::default()
    })
}

#[test]
fn dbus_policy_lets_the_psendurance_user_and_nobody_else_bring_the_context_up() {
    let (uid, gid) = psendurance_user();
    let b = restrictive_bench();
    assert_refused(&b, 65534, 65534, "nobody");
    assert_refused(&b, uid, gid, "psendurance without the policy");

    include_policy(&b);
    assert!(
        !b.sim().is_active(1),
        "a context was active before the daemon ran"
    );
    let t = Instant::now();
    let mut d = b.spawn_daemon_spec(&as_user(uid, gid));
    let up = b.sim().wait_for(|s| s.is_active(1), UP);
    let log: Vec<String> = d.lines().into_iter().map(|(_, l)| l).collect();
    assert!(
        up,
        "no active context with the daemon as psendurance:\n{}",
        log.join("\n")
    );
    eprintln!(
        "as user psendurance -> active at the modem: {:?}",
        t.elapsed()
    );
    assert!(d.is_running());
    d.signal(libc::SIGTERM).unwrap();
    assert_eq!(
        d.wait_exit(Duration::from_secs(5)).and_then(|s| s.code()),
        Some(0)
    );

    // The policy names one user: everybody else is still refused.
    assert_refused(&b, 65534, 65534, "nobody with the policy");
}

#[test]
fn init_script_run_as_starts_the_daemon_as_psendurance_through_the_policy() {
    let (uid, _) = psendurance_user();
    let b = restrictive_bench();
    include_policy(&b);
    let work = b.dir().join("init");
    std::fs::create_dir_all(&work).unwrap();
    let init = Init::new(&work, b.bus_address(), "-f");
    init.write_defaults(&format!(
        "ENABLED=\"yes\"\nDAEMON_ARGS=\"-f -v --interval 2 --status-file {}\"\nRUN_AS=\"psendurance\"\n",
        init.run_dir.join("status").display()
    ));
    let _reap = Reap(&init);
    assert!(!b.sim().is_active(1));
    let start = init.run("start");
    assert_eq!(start.status.code(), Some(0), "{}", text(&start));
    let pid = init.pid().expect("no pid file");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    let uids: Vec<&str> = uid_line.split_whitespace().skip(1).collect();
    assert_eq!(uids, [uid.to_string().as_str(); 4], "{uid_line}");
    assert_eq!(owner(&init.run_dir), uid, "RUN_DIR not given to RUN_AS");
    assert_eq!(owner(&init.state_dir), uid, "STATE_DIR not given to RUN_AS");
    assert!(
        b.sim().wait_for(|s| s.is_active(1), UP),
        "init script with RUN_AS: no active context:\n{}",
        init.log()
    );
    let stop = init.run("stop");
    assert_eq!(stop.status.code(), Some(0), "{}", text(&stop));
    assert!(!alive(pid));
    assert!(init.log().contains("exiting with code 0"), "{}", init.log());
}

// ------------------------------------------------------------- install.sh --

/// Path -> (mode, contents for files) of everything under `root`.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u32, Option<Vec<u8>>)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (u32, Option<Vec<u8>>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                out.insert(rel, (mode, None));
                walk(root, &path, out);
            } else {
                out.insert(rel, (mode, Some(std::fs::read(&path).unwrap())));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn install_sh(args: &[&str]) -> Output {
    Command::new("sh")
        .arg(script("install.sh"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run install.sh")
}

fn ok(out: Output) -> Output {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

fn root_args<'a>(root: &'a str, bin: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--local", "--root", root, "--binary", bin];
    v.extend_from_slice(extra);
    v
}

fn assert_installed(root: &Path, rel: &str, source: &Path, mode: u32) {
    let path = root.join(rel);
    let got = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        got == std::fs::read(source).unwrap(),
        "{rel} differs from {}",
        source.display()
    );
    let m = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
    assert_eq!(m, mode, "{rel}: mode {m:o}");
}

#[test]
fn install_sh_dry_run_changes_nothing_and_uninstall_restores_the_root() {
    let bin = daemon_bin();
    let bin_s = bin.to_str().unwrap();
    let tmp = TempDir::new("install");
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("etc/default")).unwrap();
    std::fs::write(root.join("etc/hostname"), "pi\n").unwrap();
    std::fs::write(
        root.join("etc/default/psendurance"),
        "DAEMON_ARGS=\"--apn mine\"\n",
    )
    .unwrap();
    let root_s = root.to_str().unwrap();
    let before = snapshot(&root);

    // --dry-run: says what it would do, does none of it.
    let out = ok(install_sh(&root_args(
        root_s,
        bin_s,
        &["--user", "--dry-run"],
    )));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("{root_s}/usr/local/sbin/psendurance")),
        "{said}"
    );
    assert!(said.contains(&format!("{root_s}/etc/dbus-1/system.d/psendurance.conf")));
    assert!(snapshot(&root) == before, "--dry-run changed the root");

    // A real install with --user: every file in place, the existing
    // defaults file untouched.
    ok(install_sh(&root_args(root_s, bin_s, &["--user"])));
    assert_installed(&root, "usr/local/sbin/psendurance", &bin, 0o755);
    assert_installed(
        &root,
        "etc/init.d/psendurance",
        &script("init.d/psendurance"),
        0o755,
    );
    let unit = "etc/systemd/system/psendurance.service";
    assert_installed(&root, unit, &script("psendurance.service"), 0o644);
    let dropin = "etc/systemd/system/psendurance.service.d/user.conf";
    assert_installed(
        &root,
        dropin,
        &script("psendurance.service.d/user.conf"),
        0o644,
    );
    let ofono_dropin = "etc/systemd/system/ofono.service.d/psendurance.conf";
    assert_installed(
        &root,
        ofono_dropin,
        &script("ofono.service.d/restart.conf"),
        0o644,
    );
    let policy = "etc/dbus-1/system.d/psendurance.conf";
    assert_installed(&root, policy, &script("dbus/psendurance.conf"), 0o644);
    assert_eq!(
        std::fs::read_to_string(root.join("etc/default/psendurance")).unwrap(),
        "DAEMON_ARGS=\"--apn mine\"\n",
        "an existing /etc/default/psendurance was overwritten"
    );
    let manifest =
        std::fs::read_to_string(root.join("var/lib/psendurance-install/installed-files")).unwrap();
    assert!(
        manifest.contains("file /usr/local/sbin/psendurance\n"),
        "{manifest}"
    );
    assert!(!manifest.contains("/etc/default/psendurance"), "{manifest}");

    // Installing again is harmless; the uninstall dry run removes nothing.
    ok(install_sh(&root_args(root_s, bin_s, &["--user"])));
    let installed = snapshot(&root);
    ok(install_sh(&[
        "--local",
        "--root",
        root_s,
        "--uninstall",
        "--dry-run",
    ]));
    assert!(
        snapshot(&root) == installed,
        "uninstall --dry-run changed the root"
    );

    let out = ok(install_sh(&["--local", "--root", root_s, "--uninstall"]));
    let after = snapshot(&root);
    assert!(
        after == before,
        "uninstall left the root changed: {:?}\n{}",
        after.keys().collect::<Vec<_>>(),
        text(&out)
    );
    let again = install_sh(&["--local", "--root", root_s, "--uninstall"]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
}

#[test]
fn install_sh_installs_the_defaults_file_and_keeps_it_once_edited() {
    let bin = daemon_bin();
    let bin_s = bin.to_str().unwrap();
    let tmp = TempDir::new("install-defaults");
    let root = tmp.path();
    let root_s = root.to_str().unwrap();

    ok(install_sh(&root_args(root_s, bin_s, &[])));
    assert_installed(
        root,
        "etc/default/psendurance",
        &script("default/psendurance"),
        0o644,
    );
    assert!(
        !root.join("etc/dbus-1").exists(),
        "policy installed without --user"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("etc/modules-load.d/psendurance.conf")).unwrap(),
        "# oFono needs TUN devices for its data contexts.\ntun\n"
    );

    // The user's edits survive an uninstall; everything else goes.
    let edited = root.join("etc/default/psendurance");
    let mut text_now = std::fs::read_to_string(&edited).unwrap();
    text_now.push_str("DAEMON_ARGS=\"--apn edited\"\n");
    std::fs::write(&edited, &text_now).unwrap();
    let out = ok(install_sh(&["--local", "--root", root_s, "--uninstall"]));
    assert!(text(&out).contains("keeping"), "{}", text(&out));
    let left: Vec<PathBuf> = snapshot(root).into_keys().collect();
    assert_eq!(
        left,
        ["etc", "etc/default", "etc/default/psendurance"].map(PathBuf::from),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), text_now);
}

#[test]
fn install_sh_rejects_bad_arguments_with_one_line_and_exit_2() {
    let tmp = TempDir::new("install-args");
    let root_s = tmp.path().to_str().unwrap();
    for args in [
        &[][..],
        &["--bogus", "--local"],
        &["--local", "pi@host"],
        &["host1", "host2"],
        &["--local", "--binary"],
        &["--local", "--binary", "/nonexistent/psendurance"],
        &["--local", "--root", "/nonexistent/root"],
        &["--local", "--uninstall", "--user"],
        &["--local", "--root", root_s, "--uninstall", "--binary", "x"],
    ] {
        let out = install_sh(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("install.sh: "), "{args:?}: {err}");
    }
    assert!(snapshot(tmp.path()).is_empty());
}

/// The ssh path, with `ssh` and `scp` stand-ins that act on this machine:
/// the files travel, the script runs "there" and cleans up after itself.
#[test]
fn install_sh_over_ssh_copies_runs_and_cleans_up() {
    let bin = daemon_bin();
    let tmp = TempDir::new("install-ssh");
    let fake = tmp.path().join("bin");
    let root = tmp.path().join("root");
    let calls = tmp.path().join("calls");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    let ssh = format!(
        "#!/bin/sh\n\
         while [ \"${{1#-}}\" != \"$1\" ]; do shift; done\n\
         echo \"ssh $1\" >>'{calls}'\n\
         shift\n\
         exec sh -c \"$*\"\n",
        calls = calls.display()
    );
    let scp = format!(
        "#!/bin/sh\n\
         while [ \"${{1#-}}\" != \"$1\" ]; do shift; done\n\
         echo \"scp $2\" >>'{calls}'\n\
         cp -R \"$1\" \"${{2#*:}}\"\n",
        calls = calls.display()
    );
    for (name, body) in [("ssh", ssh), ("scp", scp)] {
        let p = fake.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        Command::new("sh")
            .arg(script("install.sh"))
            .args(args)
            .env("PATH", &path)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let root_s = root.to_str().unwrap();
    let out = ok(run(&[
        "--binary",
        bin.to_str().unwrap(),
        "--root",
        root_s,
        "pi@raspberrypi",
    ]));
    assert_installed(&root, "usr/local/sbin/psendurance", &bin, 0o755);
    assert_installed(
        &root,
        "etc/init.d/psendurance",
        &script("init.d/psendurance"),
        0o755,
    );
    let log = std::fs::read_to_string(&calls).unwrap();
    assert!(
        log.starts_with("ssh pi@raspberrypi\nscp pi@raspberrypi:/tmp/psendurance-install."),
        "{log}"
    );
    let remote_dir = log
        .lines()
        .find_map(|l| l.strip_prefix("scp pi@raspberrypi:"))
        .unwrap()
        .trim_end_matches('/');
    assert!(
        !Path::new(remote_dir).exists(),
        "{remote_dir} left on the target\n{}",
        text(&out)
    );
    ok(run(&["--root", root_s, "--uninstall", "pi@raspberrypi"]));
    assert!(snapshot(&root).is_empty(), "{:?}", snapshot(&root).keys());
}

/// scripts/demo.sh's default run, short: on the E367 bench every fault it
/// injects is followed by data through ppp0, and the daemon exits 0.
#[test]
fn demo_on_the_e367_bench_recovers_from_every_fault() {
    let cfg = on_e367::Config {
        bin: daemon_bin(),
        every: Duration::from_secs(1),
        duration: Some(Duration::from_secs(25)),
    };
    let sum = on_e367::run(&cfg, Arc::new(AtomicBool::new(false)));
    assert!(sum.injected() >= 3, "{sum:?}");
    assert_eq!(sum.recovered(), sum.injected(), "{sum:?}");
    assert!(sum.ok(), "daemon exit {:?}: {sum:?}", sum.daemon_exit);
}
