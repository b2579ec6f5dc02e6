//! `from_props` against realistic and hostile oFono settings.

use std::net::IpAddr;

use super::{AddrMethod, from_props, valid_ifname};
use crate::value::{Props, Value, props};

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

fn strs(v: &[&str]) -> Value {
    Value::Strs(v.iter().map(|s| s.to_string()).collect())
}

fn dongle(dns: Value) -> Props {
    props([
        ("Interface", s("ppp0")),
        ("Method", s("static")),
        ("Address", s("10.64.12.7")),
        ("Netmask", s("255.255.255.255")),
        ("DomainNameServers", dns),
    ])
}

fn ips(v: &[&str]) -> Vec<IpAddr> {
    v.iter().map(|s| s.parse().unwrap()).collect()
}

#[test]
fn huawei_dongle() {
    let p = dongle(strs(&["10.11.12.13", "10.11.12.14"]));
    let (n, w) = from_props(Some(&p), None).unwrap();
    assert_eq!(n.interface, "ppp0");
    assert_eq!(n.method, AddrMethod::Static);
    let v4 = n.ipv4.unwrap();
    assert_eq!(v4.address.to_string(), "10.64.12.7");
    assert_eq!(v4.netmask.to_string(), "255.255.255.255");
    assert_eq!(v4.gateway, None);
    assert_eq!(n.ipv6, None);
    assert_eq!(n.dns, ips(&["10.11.12.13", "10.11.12.14"]));
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn dual_stack_merges_name_servers() {
    let v4 = dongle(strs(&["10.11.12.13"]));
    let v6 = props([
        ("Interface", s("ppp0")),
        ("Address", s("2001:db8::7")),
        ("PrefixLength", Value::Int(64)),
        ("Gateway", s("2001:db8::1")),
        (
            "DomainNameServers",
            strs(&["2001:db8::53", "2001:db8::54", "2001:db8::55"]),
        ),
    ]);
    let (n, w) = from_props(Some(&v4), Some(&v6)).unwrap();
    let c = n.ipv6.unwrap();
    assert_eq!(
        (c.address.to_string(), c.prefix),
        ("2001:db8::7".into(), 64)
    );
    assert_eq!(c.gateway.unwrap().to_string(), "2001:db8::1");
    assert_eq!(n.dns, ips(&["10.11.12.13", "2001:db8::53", "2001:db8::54"]));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("2001:db8::55 dropped"), "{w:?}");
}

#[test]
fn ipv6_only() {
    let v6 = props([
        ("Interface", s("wwan0")),
        ("Address", s("2001:db8::7")),
        ("PrefixLength", Value::Int(128)),
    ]);
    let (n, _) = from_props(None, Some(&v6)).unwrap();
    assert_eq!(n.interface, "wwan0");
    assert_eq!(n.ipv4, None);
    assert_eq!(n.ipv6.unwrap().prefix, 128);
}

#[test]
fn dhcp_and_gateway() {
    let p = props([("Interface", s("wwan0")), ("Method", s("dhcp"))]);
    let (n, _) = from_props(Some(&p), None).unwrap();
    assert_eq!((n.method, n.ipv4), (AddrMethod::Dhcp, None));

    let mut p = dongle(strs(&[]));
    p.insert("Netmask".into(), s("255.255.255.0"));
    p.insert("Gateway".into(), s("10.64.12.1"));
    let (n, _) = from_props(Some(&p), None).unwrap();
    assert_eq!(n.ipv4.unwrap().gateway.unwrap().to_string(), "10.64.12.1");
    // "no gateway" spelled 0.0.0.0
    p.insert("Gateway".into(), s("0.0.0.0"));
    assert_eq!(
        from_props(Some(&p), None).unwrap().0.ipv4.unwrap().gateway,
        None
    );
}

#[test]
fn hostile_name_servers_are_dropped_and_reported() {
    let p = dongle(strs(&[
        "8.8.8.8\nnameserver 6.6.6.6",
        "1.1.1.1; rm -rf /",
        " 9.9.9.9",
        "",
        "fe80::1%ppp0",
        "fe80::1",
        "127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "dns.example.com",
        "10.0.0.53",
        "10.0.0.53",
    ]));
    let (n, w) = from_props(Some(&p), None).unwrap();
    assert_eq!(n.dns, ips(&["10.0.0.53"]));
    assert_eq!(w.len(), 10, "{w:?}");
    assert!(
        w[0].contains(r#""8.8.8.8\nnameserver 6.6.6.6" is not an IP address"#),
        "{w:?}"
    );
}

#[test]
fn twenty_servers_keep_three() {
    let many: Vec<String> = (1..=20).map(|i| format!("10.0.0.{i}")).collect();
    let many: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
    let (n, w) = from_props(Some(&dongle(strs(&many))), None).unwrap();
    assert_eq!(n.dns, ips(&["10.0.0.1", "10.0.0.2", "10.0.0.3"]));
    assert_eq!(w.len(), 17);
}

#[test]
fn wrong_types() {
    let (n, w) = from_props(Some(&dongle(s("10.0.0.1"))), None).unwrap();
    assert!(n.dns.is_empty());
    assert!(w[0].contains("not a list"), "{w:?}");

    let mut p = dongle(strs(&[]));
    p.insert("Address".into(), Value::Int(167_772_161));
    assert!(
        from_props(Some(&p), None)
            .unwrap_err()
            .contains("Address is not a string")
    );

    let mut p = dongle(strs(&[]));
    p.insert("Interface".into(), Value::Strs(vec!["ppp0".into()]));
    assert!(
        from_props(Some(&p), None)
            .unwrap_err()
            .contains("Interface")
    );

    let v6 = props([
        ("Interface", s("ppp0")),
        ("Address", s("2001:db8::7")),
        ("PrefixLength", s("64")),
    ]);
    assert!(
        from_props(None, Some(&v6))
            .unwrap_err()
            .contains("PrefixLength")
    );
}

#[test]
fn bad_addresses_and_names_are_errors() {
    let bad = [
        ("Interface", s("../../etc")),
        ("Interface", s("ppp0\n")),
        ("Interface", s("")),
        ("Interface", s("a-very-long-interface")),
        ("Method", s("ppp")),
        ("Address", s("10.0.0.256")),
        ("Address", s("255.255.255.255")),
        ("Address", s("10.0.0.1 ")),
        ("Netmask", s("255.0.255.0")),
        ("Netmask", s("0.0.0.0")),
        ("Gateway", s("10.64.12.7")),
        ("Gateway", s("gw")),
    ];
    for (key, v) in bad {
        let mut p = dongle(strs(&[]));
        p.insert(key.into(), v.clone());
        assert!(from_props(Some(&p), None).is_err(), "{key}={v} accepted");
    }
}

#[test]
fn broken_ipv6_keeps_ipv4() {
    let v6 = props([("Interface", s("ppp0")), ("Address", s("nonsense"))]);
    let (n, w) = from_props(Some(&dongle(strs(&[]))), Some(&v6)).unwrap();
    assert!(n.ipv4.is_some() && n.ipv6.is_none());
    assert!(w[0].contains("IPv4 only"), "{w:?}");

    let v6 = props([("Interface", s("ppp1")), ("Address", s("2001:db8::1"))]);
    assert!(from_props(Some(&dongle(strs(&[]))), Some(&v6)).is_err());
}

#[test]
fn empty_or_missing() {
    assert!(from_props(None, None).is_err());
    assert!(from_props(Some(&Props::new()), Some(&Props::new())).is_err());
    let p = props([("Method", s("static"))]);
    assert!(
        from_props(Some(&p), None)
            .unwrap_err()
            .contains("no Interface")
    );
}

#[test]
fn interface_names() {
    for ok in [
        "ppp0",
        "wwan0",
        "rmnet_data0",
        "usb0.1",
        "x-y",
        "abcdefghijklmno",
    ] {
        assert!(valid_ifname(ok), "{ok}");
    }
    for bad in [
        "",
        ".",
        "..",
        "a/b",
        "ppp 0",
        "ppp0:1",
        "abcdefghijklmnop",
        "é",
    ] {
        assert!(!valid_ifname(bad), "{bad}");
    }
}
