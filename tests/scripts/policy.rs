//! The D-Bus policy: the psendurance user gets in, nobody else does; the
//! init script's RUN_AS runs the daemon as that user.

use super::*;

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
