//! The bench's own plumbing: ofonod restarts, no ofonod, the restrictive
//! bus policy and the daemon helper.

use std::time::{Duration, Instant};

use crate::bench::{self, Bench, BenchOptions, BusPolicy, DaemonSpec};
use crate::ofono_props::{self as of, error_name};
use crate::{T, up_and_active};

#[test]
fn ofonod_restart_forgets_power() {
    let b = Bench::start();
    let _o = up_and_active(&b);
    let pid = b.ofono_pid().expect("ofonod pid");
    b.kill_ofono();
    assert!(
        b.sim().wait_for(|v| !v.connected(), T),
        "link survived ofonod"
    );
    b.start_ofono();
    assert_ne!(b.ofono_pid(), Some(pid));
    let o = b.ofono();
    assert_eq!(
        o.bool_prop(of::MODEM, of::MODEM_IFACE, "Powered"),
        Some(false)
    );
    o.bring_up(T);
}

#[test]
fn no_ofono_at_start() {
    let b = Bench::start_with(BenchOptions {
        start_ofono: false,
        ..BenchOptions::default()
    });
    let err = b.ofono().modems().unwrap_err();
    assert_eq!(
        error_name(&err),
        "org.freedesktop.DBus.Error.ServiceUnknown"
    );
    b.start_ofono();
    assert_eq!(b.ofono().modems().unwrap().len(), 1);
}

#[test]
fn restrictive_bus_refuses_non_root() {
    let b = Bench::start_with(BenchOptions {
        policy: BusPolicy::Restrictive,
        ..BenchOptions::default()
    });
    assert_eq!(b.ofono().modems().unwrap().len(), 1, "root must be allowed");
    let d = b.spawn_daemon_spec(&DaemonSpec {
        bin: bench::procs::find_program("dbus-send").expect("dbus-send"),
        args: [
            "--system",
            "--print-reply",
            "--dest=org.ofono",
            "/",
            "org.ofono.Manager.GetModems",
        ]
        .map(String::from)
        .to_vec(),
        uid: Some(65534),
        gid: Some(65534),
        ..DaemonSpec::default()
    });
    let line = d.wait_log("AccessDenied", Instant::now() - Duration::from_secs(60), T);
    assert!(line.is_some(), "non-root was not refused: {:?}", d.lines());
}

#[test]
fn daemon_helper_captures_output_and_signals() {
    let b = Bench::start_with(BenchOptions {
        start_ofono: false,
        ..BenchOptions::default()
    });
    let t0 = Instant::now();
    let mut d = b.spawn_daemon_spec(&DaemonSpec {
        bin: "/bin/sh".into(),
        args: vec![
            "-c".into(),
            "trap 'echo bye >&2; exit 0' TERM; echo \"bus=$DBUS_SYSTEM_BUS_ADDRESS\" >&2; while :; do sleep 0.05; done".into(),
        ],
        ..DaemonSpec::default()
    });
    let line = d.wait_log("bus=", t0, T).expect("no output");
    assert_eq!(line, format!("bus={}", b.bus_address()));
    assert!(d.is_running());
    d.signal(libc::SIGTERM).unwrap();
    let st = d.wait_exit(T).expect("did not exit");
    assert!(st.success());
    assert!(d.wait_log("bye", t0, T).is_some());
    let log = std::fs::read_to_string(b.dir().join("psendurance.log")).unwrap();
    assert!(log.contains("bye"), "{log}");
}
