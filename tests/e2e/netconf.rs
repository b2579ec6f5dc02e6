//! Network configuration through the real daemon: oFono's phonesim driver
//! reports `Method=dhcp`, so the daemon runs --dhcp-command for the
//! context's interface, stops it when the link is lost, runs it again when
//! the link is back, and stops it on SIGTERM.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use crate::{SIGNALLED, bench, log_of, up};

fn read_pid(path: &std::path::Path, after: Option<u32>) -> u32 {
    let deadline = Instant::now() + SIGNALLED;
    loop {
        let pid = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .filter(|p| Some(*p) != after);
        if let Some(pid) = pid {
            return pid;
        }
        assert!(Instant::now() < deadline, "DHCP command did not run");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn alive(pid: u32) -> bool {
    // A zombie is gone for our purpose: its parent has to reap it.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.split_whitespace().nth(2).is_none_or(|st| st != "Z"))
}

fn gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

#[test]
fn dhcp_client_follows_the_link_and_stops_on_sigterm() {
    let b = bench();
    // Writable by the daemon's user in the non-root run (BENCH_DAEMON_USER).
    let dir = b.dir().join("dhcp");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let script = dir.join("dhcp.sh");
    let pidfile = dir.join("dhcp.pid");
    let ifacefile = dir.join("dhcp.iface");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" > {}\necho $$ > {}\nexec sleep 1000\n",
            ifacefile.display(),
            pidfile.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let command = format!("{} {{iface}}", script.display());
    let mut d = up(&b, &["--dhcp-command", &command]);
    let first = read_pid(&pidfile, None);
    let iface = std::fs::read_to_string(&ifacefile).unwrap();
    assert!(iface.trim().starts_with("dummy"), "ran for {iface:?}");
    assert!(alive(first));

    b.sim().reset();
    let second = read_pid(&pidfile, Some(first));
    assert!(
        gone(first),
        "DHCP client of the lost link still runs:\n{}",
        log_of(&d)
    );
    assert!(alive(second));

    d.signal(libc::SIGTERM).unwrap();
    assert_eq!(d.wait_exit(SIGNALLED).and_then(|s| s.code()), Some(0));
    assert!(gone(second), "DHCP client survived SIGTERM");
}
