//! Addresses and default routes, and the whole apply/undo round trip:
//! what we add goes, what was there first stays.

use std::fs;
use std::path::PathBuf;

use super::{IFACE, dongle, no_errors, options, setup};
use crate::events::Level;
use crate::netconf::apply::{apply, undo};
use crate::netconf::testns::ip;
use crate::netsettings::from_props;
use crate::value::{Value, props};

fn addrs() -> String {
    ip(&["-o", "addr", "show", "dev", IFACE])
}

fn routes4() -> String {
    ip(&["-4", "route", "show", "default"])
}

fn routes6() -> String {
    ip(&["-6", "route", "show", "default"])
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
