//! Method "dhcp": the operator's client gets the interface, and undo
//! stops its whole process group (TERM, then KILL).

use std::fs;
use std::time::{Duration, Instant};

use super::{IFACE, options, setup};
use crate::events::Level;
use crate::netconf::Note;
use crate::netconf::apply::{apply, undo};
use crate::netsettings::{AddrMethod, NetSettings};

fn dhcp_settings() -> NetSettings {
    NetSettings {
        interface: IFACE.into(),
        method: AddrMethod::Dhcp,
        ipv4: None,
        ipv6: None,
        dns: vec![],
    }
}

/// The pid in "... (pid N)".
fn pid_in(notes: &[Note]) -> libc::pid_t {
    let line = notes
        .iter()
        .find_map(|(_, n)| n.split("(pid ").nth(1))
        .expect("no pid logged");
    line.trim_end_matches(')').parse().unwrap()
}

/// Whether a live (not zombie) process is left in group `pgid`, after
/// giving signals 300 ms to land. kill(-pgid, 0) would count zombies that
/// wait for init to reap them.
fn group_alive(pgid: libc::pid_t) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_millis(300) {
        let live = fs::read_dir("/proc").unwrap().flatten().any(|e| {
            let stat = fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            // "pid (comm) state ppid pgrp ...": comm may hold spaces.
            let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
            let f: Vec<&str> = rest.split(' ').collect();
            f.len() > 2 && f[0] != "Z" && f[2] == pgid.to_string()
        });
        if !live {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

#[test]
fn dhcp_command_gets_the_interface_and_is_reaped() {
    let dir = setup("dhcp");
    let out = dir.0.join("dhcp-arg");
    let mut o = options(&dir);
    // argv, no shell: a test may still name /bin/sh itself. The script's
    // own child (sleep) must go too.
    o.dhcp_command = Some(vec![
        "/bin/sh".into(),
        "-c".into(),
        format!("echo \"$0 $1\" > {}; sleep 30", out.display()),
        "{iface}".into(),
        // Inside a longer argument too (udhcpc's pid file, say).
        "-p/run/udhcpc.{iface}.pid".into(),
    ]);
    let (a, notes) = apply(&dhcp_settings(), &o);
    assert!(
        notes.iter().any(|(_, n)| n.contains("started /bin/sh")),
        "{notes:#?}"
    );
    let pid = pid_in(&notes);
    let t = Instant::now();
    while fs::read_to_string(&out).unwrap_or_default() != "ppp9 -p/run/udhcpc.ppp9.pid\n" {
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "dhcp command did not run"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(a.poll_dhcp(), None, "still running");
    let t = Instant::now();
    let notes = undo(&a);
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert!(
        notes.iter().any(|(_, n)| n.contains("stopped")),
        "{notes:#?}"
    );
    assert!(!group_alive(pid), "dhcp client's group survived");

    o.dhcp_command = None;
    let (a, notes) = apply(&dhcp_settings(), &o);
    assert!(a.is_empty());
    assert!(
        notes.iter().any(|(_, n)| n.contains("--dhcp-command")),
        "{notes:#?}"
    );
}

#[test]
fn dhcp_command_ignoring_term_is_killed() {
    let dir = setup("dhcp_kill");
    let mut o = options(&dir);
    o.dhcp_command = Some(vec![
        "/bin/sh".into(),
        "-c".into(),
        "trap '' TERM; sleep 30".into(),
    ]);
    let (a, notes) = apply(&dhcp_settings(), &o);
    let pid = pid_in(&notes);
    std::thread::sleep(Duration::from_millis(50)); // let the trap be set
    let notes = undo(&a);
    assert!(
        notes
            .iter()
            .any(|(l, n)| *l == Level::Warn && n.contains("killed")),
        "{notes:#?}"
    );
    assert!(!group_alive(pid), "dhcp client's group survived");
}
