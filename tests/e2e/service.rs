//! Being a good citizen: systemd's notify protocol (the test plays
//! systemd's side of the socket) and the status and metrics files.

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use crate::bench::{Bench, Daemon, DaemonSpec};
use crate::{args, bench, log_of};

fn read_until(path: &std::path::Path, want: &[&str], timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if want
            .iter()
            .all(|w| text.lines().any(|l| l == *w || l.starts_with(w)))
            || Instant::now() > deadline
        {
            return text;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Plays systemd: a notify socket in the bench dir, and the daemon started
/// with NOTIFY_SOCKET and a 200 ms watchdog. Returns the socket (reads time
/// out after `timeout`) and the daemon.
fn under_systemd(b: &Bench, extra: &[String], timeout: Duration) -> (Systemd, Daemon) {
    let socket = b.dir().join("notify");
    let sock = UnixDatagram::bind(&socket).unwrap();
    sock.set_read_timeout(Some(timeout)).unwrap();
    let mut daemon_args: Vec<String> = args(&[]).iter().map(|s| s.to_string()).collect();
    daemon_args.extend_from_slice(extra);
    let d = b.spawn_daemon_spec(&DaemonSpec {
        bin: b.daemon_bin.clone().unwrap(),
        args: daemon_args,
        env: vec![
            ("NOTIFY_SOCKET".into(), socket.display().to_string()),
            ("WATCHDOG_USEC".into(), "200000".into()),
        ],
        ..DaemonSpec::default()
    });
    (Systemd(sock), d)
}

struct Systemd(UnixDatagram);

impl Systemd {
    /// The next notification; panics when none comes in time.
    fn recv(&self) -> String {
        let mut buf = [0u8; 256];
        let n = self.0.recv(&mut buf).expect("no notification");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

#[test]
fn notifies_systemd_and_keeps_the_status_file() {
    let b = bench();
    let status = b.dir().join("run/status");
    let metrics = b.dir().join("metrics.prom");
    let extra = [
        "--status-file".into(),
        status.display().to_string(),
        "--metrics-file".into(),
        metrics.display().to_string(),
    ];
    let (systemd, mut d) = under_systemd(&b, &extra, Duration::from_secs(5));
    let recv = || systemd.recv();
    assert!(recv().starts_with("READY=1"), "{}", log_of(&d));
    let t = Instant::now();
    for _ in 0..3 {
        assert_eq!(recv(), "WATCHDOG=1");
    }
    let three = t.elapsed();
    assert!(
        three < Duration::from_millis(500),
        "watchdog pings too slow: {three:?}"
    );

    let text = read_until(
        &status,
        &["state=up", "activations=1"],
        Duration::from_secs(10),
    );
    assert!(text.contains("state=up\nmodem=/phonesim\n"), "{text}");
    assert!(text.contains("activations=1\n"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("up_since=20")), "{text}");
    b.sim().reset();
    let text = read_until(
        &status,
        &["last_outage_end=20", "state=up"],
        Duration::from_secs(10),
    );
    assert!(text.contains("last_outage_cause=modem-off"), "{text}");
    assert!(text.contains("losses=1\n"), "{text}");
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(prom.contains("psendurance_up 1\n"), "{prom}");
    assert!(prom.contains("psendurance_losses_total 1\n"), "{prom}");

    d.signal(libc::SIGTERM).unwrap();
    let mut last = recv();
    while last == "WATCHDOG=1" {
        last = recv();
    }
    assert_eq!(last, "STOPPING=1");
    assert_eq!(
        d.wait_exit(Duration::from_secs(2)).and_then(|s| s.code()),
        Some(0)
    );
}

#[test]
fn the_watchdog_is_pinged_while_the_bus_is_away() {
    let mut b = bench();
    let (systemd, mut d) = under_systemd(&b, &[], Duration::from_secs(3));
    let recv = || systemd.recv();
    assert!(recv().starts_with("READY=1"), "{}", log_of(&d));
    assert!(
        b.sim()
            .wait_for(|s| !s.active_cids().is_empty(), Duration::from_secs(10))
    );

    // The bus is gone for longer than the watchdog period and the first
    // reconnect delay (1 s): systemd must still hear from a loop that lives.
    b.kill_bus();
    assert!(
        d.wait_log(
            "cannot reach the system bus",
            Instant::now() - Duration::from_secs(5),
            Duration::from_secs(5)
        )
        .is_some(),
        "{}",
        log_of(&d)
    );
    while recv() != "WATCHDOG=1" {}
    let t = Instant::now();
    for _ in 0..5 {
        assert_eq!(recv(), "WATCHDOG=1", "{}", log_of(&d));
    }
    let five = t.elapsed();
    assert!(
        five < Duration::from_millis(900),
        "watchdog pings while the bus is away came too slowly: {five:?}"
    );
    assert!(d.is_running(), "{}", log_of(&d));
    d.signal(libc::SIGTERM).unwrap();
    assert_eq!(
        d.wait_exit(Duration::from_secs(3)).and_then(|s| s.code()),
        Some(0),
        "{}",
        log_of(&d)
    );
}
