//! Name servers: only valid ones reach the file, which follows the
//! default route and moves out and back with systemd-resolved.

use std::fs;

use super::{IFACE, dongle, no_errors, options, setup};
use crate::netconf::apply::{apply, check_dns, move_dns, undo};
use crate::netconf::testns::ip;
use crate::netsettings::from_props;
use crate::value::{Value, props};

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
