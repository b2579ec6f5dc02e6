//! `apply` / `undo` on a veth named like a PPP interface, each test in its
//! own network namespace (root; the kernel here has no dummy driver).

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::TempDir;
use crate::events::Level;
use crate::netconf::Note;
use crate::netconf::apply::{NetOptions, apply, check_dns, move_dns, undo};
use crate::netconf::testns::{fresh_netns, ip};
use crate::netsettings::{AddrMethod, NetSettings, from_props};
use crate::value::{Value, props};

const IFACE: &str = "ppp9";

/// New netns with `ppp9` (down, as oFono may leave it) and its peer up.
fn setup(test: &str) -> TempDir {
    fresh_netns(test);
    ip(&[
        "link", "add", IFACE, "type", "veth", "peer", "name", "ppp9peer",
    ]);
    ip(&["link", "set", "ppp9peer", "up"]);
    TempDir::new()
}

fn options(dir: &TempDir) -> NetOptions {
    NetOptions {
        route_metric: 50,
        address: true,
        route: true,
        dns: true,
        resolv_conf: dir.0.join("resolv.conf"),
        dhcp_command: None,
    }
}

fn dongle(extra: &[(&str, &str)]) -> NetSettings {
    let mut p = props([
        ("Interface", Value::Str(IFACE.into())),
        ("Method", Value::Str("static".into())),
        ("Address", Value::Str("10.64.12.7".into())),
        ("Netmask", Value::Str("255.255.255.255".into())),
        (
            "DomainNameServers",
            Value::Strs(vec!["10.11.12.13".into(), "10.11.12.14".into()]),
        ),
    ]);
    for (k, v) in extra {
        p.insert(k.to_string(), Value::Str(v.to_string()));
    }
    from_props(Some(&p), None).unwrap().0
}

fn addrs() -> String {
    ip(&["-o", "addr", "show", "dev", IFACE])
}

fn routes4() -> String {
    ip(&["-4", "route", "show", "default"])
}

fn routes6() -> String {
    ip(&["-6", "route", "show", "default"])
}

fn no_errors(notes: &[Note]) {
    assert!(notes.iter().all(|(l, _)| *l > Level::Warn), "{notes:#?}");
}

#[test]
fn ppp_dongle_address_device_route_dns_and_undo() {
    let dir = setup("ppp_dongle");
    let o = options(&dir);
    let before = b"nameserver 192.168.1.1\n".to_vec();
    fs::write(&o.resolv_conf, &before).unwrap();

    let (a, notes) = apply(&dongle(&[]), &o);
    no_errors(&notes);
    assert!(ip(&["-o", "link", "show", IFACE]).contains(",UP"), "not up");
    assert!(addrs().contains("inet 10.64.12.7/32 "), "{}", addrs());
    // rt_metric carries metric + 1; the kernel stores metric.
    assert_eq!(routes4().trim(), "default dev ppp9 scope link metric 50");
    let resolv = fs::read_to_string(&o.resolv_conf).unwrap();
    assert!(
        resolv.ends_with("\nnameserver 10.11.12.13\nnameserver 10.11.12.14\n"),
        "{resolv}"
    );

    let notes = undo(&a);
    no_errors(&notes);
    assert!(!addrs().contains("10.64.12.7"), "{}", addrs());
    assert_eq!(routes4().trim(), "");
    assert_eq!(fs::read(&o.resolv_conf).unwrap(), before);
    assert!(!PathBuf::from(format!("{}.psendurance-saved", o.resolv_conf.display())).exists());
    assert!(a.is_empty());
    assert!(undo(&a).is_empty(), "second undo did something");
}

#[test]
fn a_missing_interface_is_one_warning_and_no_address_or_route() {
    // The network ended the session while oFono's IPCP came up (ppp0 is
    // gone when its settings arrive), or the driver makes none (phonesim).
    let dir = setup("missing");
    let o = options(&dir);
    let mut s = dongle(&[]);
    s.interface = "ppp7".into();
    let (a, notes) = apply(&s, &o);
    assert!(!notes.iter().any(|(l, _)| *l == Level::Error), "{notes:#?}");
    let warnings: Vec<_> = notes.iter().filter(|(l, _)| *l == Level::Warn).collect();
    assert_eq!(warnings.len(), 1, "{notes:#?}");
    assert!(
        warnings[0].1.contains("ppp7: no such interface"),
        "{notes:#?}"
    );
    assert!(
        !notes
            .iter()
            .any(|(_, n)| n.contains("address 10.64") || n.contains("route metric"))
    );
    // Name servers as before (undone with the loss that follows).
    assert!(dir.0.join("resolv.conf").exists());
    undo(&a);
    assert!(!dir.0.join("resolv.conf").exists());
}

#[test]
fn gateway_route_and_metric_zero() {
    let dir = setup("gateway");
    let mut o = options(&dir);
    o.route_metric = 0;
    let s = dongle(&[("Netmask", "255.255.255.0"), ("Gateway", "10.64.12.1")]);
    let (a, notes) = apply(&s, &o);
    no_errors(&notes);
    assert!(addrs().contains("inet 10.64.12.7/24 "), "{}", addrs());
    assert_eq!(routes4().trim(), "default via 10.64.12.1 dev ppp9");
    no_errors(&undo(&a));
    assert_eq!(routes4().trim(), "");
    assert!(!addrs().contains("10.64.12.7"));
}

#[test]
fn ipv6_address_and_route() {
    let dir = setup("ipv6");
    let o = options(&dir);
    let v6 = props([
        ("Interface", Value::Str(IFACE.into())),
        ("Address", Value::Str("2001:db8::7".into())),
        ("PrefixLength", Value::Int(64)),
        ("Gateway", Value::Str("2001:db8::1".into())),
        (
            "DomainNameServers",
            Value::Strs(vec!["2001:db8::53".into()]),
        ),
    ]);
    let (s, _) = from_props(None, Some(&v6)).unwrap();
    let (a, notes) = apply(&s, &o);
    no_errors(&notes);
    assert!(addrs().contains("inet6 2001:db8::7/64 "), "{}", addrs());
    // IPv6 ioctl routes take the metric as is (no off-by-one).
    assert!(
        routes6().starts_with("default via 2001:db8::1 dev ppp9 metric 50 "),
        "{}",
        routes6()
    );
    no_errors(&undo(&a));
    assert!(!addrs().contains("2001:db8::7"), "{}", addrs());
    assert_eq!(routes6().trim(), "");
    assert!(!o.resolv_conf.exists());
}

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

#[test]
fn hostile_dns_never_reaches_resolv_conf() {
    let dir = setup("hostile_dns");
    let o = options(&dir);
    let p = props([
        ("Interface", Value::Str(IFACE.into())),
        ("Method", Value::Str("static".into())),
        ("Address", Value::Str("10.64.12.7".into())),
        ("Netmask", Value::Str("255.255.255.255".into())),
        (
            "DomainNameServers",
            Value::Strs(vec![
                "8.8.8.8\nnameserver 6.6.6.6".into(),
                "1.1.1.1; rm -rf /".into(),
                "options ndots:15".into(),
                "10.0.0.53".into(),
            ]),
        ),
    ]);
    let (s, warnings) = from_props(Some(&p), None).unwrap();
    assert_eq!(warnings.len(), 3);
    let (a, _) = apply(&s, &o);
    let text = fs::read_to_string(&o.resolv_conf).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines, ["nameserver 10.0.0.53"], "{text}");
    undo(&a);
}

#[test]
fn existing_address_and_route_are_left_alone() {
    let dir = setup("existing");
    ip(&["link", "set", IFACE, "up"]);
    ip(&["addr", "add", "10.64.12.7/32", "dev", IFACE]);
    ip(&["route", "add", "default", "dev", IFACE, "metric", "50"]);
    let mut o = options(&dir);
    o.dns = false;
    let (a, notes) = apply(&dongle(&[]), &o);
    assert_eq!(
        notes
            .iter()
            .filter(|(_, n)| n.contains("already there"))
            .count(),
        2,
        "{notes:#?}"
    );
    assert!(a.is_empty());
    undo(&a);
    assert!(addrs().contains("inet 10.64.12.7/32 "));
    assert_eq!(routes4().trim(), "default dev ppp9 scope link metric 50");
}

#[test]
fn other_address_is_kept_and_ours_added_beside_it() {
    let dir = setup("other_address");
    ip(&["addr", "add", "192.168.5.1/24", "dev", IFACE]);
    let mut o = options(&dir);
    o.dns = false;
    let (a, notes) = apply(&dongle(&[]), &o);
    no_errors(&notes);
    let now = addrs();
    assert!(
        now.contains("inet 192.168.5.1/24 ") && now.contains("inet 10.64.12.7/32 "),
        "{now}"
    );
    no_errors(&undo(&a));
    let now = addrs();
    assert!(
        now.contains("inet 192.168.5.1/24 ") && !now.contains("10.64.12.7"),
        "{now}"
    );
}

#[test]
fn vanished_interface_undoes_quietly() {
    let dir = setup("vanished");
    let (a, notes) = apply(&dongle(&[]), &options(&dir));
    no_errors(&notes);
    // The PPP link died: the kernel dropped the interface with everything on it.
    ip(&["link", "del", IFACE]);
    let notes = undo(&a);
    no_errors(&notes);
    assert!(
        notes.iter().any(|(_, n)| n.contains("already gone")),
        "{notes:#?}"
    );
    assert!(!dir.0.join("resolv.conf").exists());
}

/// A second link (Wi-Fi, say) with its own default route.
fn other_link(metric: &str) {
    ip(&[
        "link",
        "add",
        "wlan9",
        "type",
        "veth",
        "peer",
        "name",
        "wlan9peer",
    ]);
    ip(&["link", "set", "wlan9", "up"]);
    ip(&["link", "set", "wlan9peer", "up"]);
    ip(&["route", "add", "default", "dev", "wlan9", "metric", metric]);
}

#[test]
fn name_servers_follow_the_default_route() {
    let dir = setup("dns_follows_route");
    let o = options(&dir); // our route: metric 50
    let wifi = b"nameserver 192.168.1.1\n".to_vec();
    fs::write(&o.resolv_conf, &wifi).unwrap();
    other_link("20");

    let (a, notes) = apply(&dongle(&[]), &o);
    no_errors(&notes);
    assert!(
        notes
            .iter()
            .any(|(_, l)| l.contains("wlan9 (metric 20) holds the default route")),
        "{notes:#?}"
    );
    assert_eq!(fs::read(&o.resolv_conf).unwrap(), wifi, "left alone");
    assert_eq!(check_dns(&a), None);

    ip(&["route", "del", "default", "dev", "wlan9"]);
    let note = check_dns(&a).expect("ours go in");
    assert!(
        note.1.contains("name servers 10.11.12.13, 10.11.12.14"),
        "{note:?}"
    );
    let ours = fs::read(&o.resolv_conf).unwrap();
    assert_ne!(ours, wifi);

    // A higher metric does not win; a rewrite is put back.
    ip(&["route", "add", "default", "dev", "wlan9", "metric", "600"]);
    fs::write(&o.resolv_conf, "nameserver 192.168.1.1\n# rewritten\n").unwrap();
    let note = check_dns(&a).expect("put back");
    assert!(note.1.contains("putting our name servers back"), "{note:?}");
    assert_eq!(fs::read(&o.resolv_conf).unwrap(), ours);

    let notes = undo(&a);
    no_errors(&notes);
    assert_eq!(
        fs::read(&o.resolv_conf).unwrap(),
        wifi,
        "the original is back"
    );
}

#[test]
fn name_servers_move_out_of_the_file_and_back() {
    let dir = setup("dns_moves");
    let o = options(&dir);
    let before = b"nameserver 192.168.1.1\n".to_vec();
    fs::write(&o.resolv_conf, &before).unwrap();
    let net = dongle(&[]);
    let (a, _) = apply(&net, &o);
    assert_ne!(fs::read(&o.resolv_conf).unwrap(), before);

    // systemd-resolved took them: the file is restored.
    no_errors(&move_dns(&a, &net, &o, false));
    assert_eq!(fs::read(&o.resolv_conf).unwrap(), before);
    assert_eq!(check_dns(&a), None, "nothing of ours to check");
    // resolved went away: back into the file.
    no_errors(&move_dns(&a, &net, &o, true));
    assert!(
        fs::read_to_string(&o.resolv_conf)
            .unwrap()
            .contains("10.11.12.13")
    );
    undo(&a);
    assert_eq!(fs::read(&o.resolv_conf).unwrap(), before);
}
