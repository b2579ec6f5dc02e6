//! `apply` / `undo` on a veth named like a PPP interface, each test in its
//! own network namespace (root; the kernel here has no dummy driver).
//! Grouped by part: `addr_route` (addresses, routes, the whole apply/undo),
//! `dhcp` (the DHCP client), `dns` (name servers and the default route).
//! The fixture below is theirs; they reach nothing of each other.

mod addr_route;
mod dhcp;
mod dns;

use super::TempDir;
use crate::events::Level;
use crate::netconf::Note;
use crate::netconf::apply::NetOptions;
use crate::netconf::testns::{fresh_netns, ip};
use crate::netsettings::{NetSettings, from_props};
use crate::value::{Value, props};

pub const IFACE: &str = "ppp9";

/// New netns with `ppp9` (down, as oFono may leave it) and its peer up.
pub fn setup(test: &str) -> TempDir {
    fresh_netns(test);
    ip(&[
        "link", "add", IFACE, "type", "veth", "peer", "name", "ppp9peer",
    ]);
    ip(&["link", "set", "ppp9peer", "up"]);
    TempDir::new()
}

pub fn options(dir: &TempDir) -> NetOptions {
    NetOptions {
        route_metric: 50,
        address: true,
        route: true,
        dns: true,
        resolv_conf: dir.0.join("resolv.conf"),
        dhcp_command: None,
    }
}

pub fn dongle(extra: &[(&str, &str)]) -> NetSettings {
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

pub fn no_errors(notes: &[Note]) {
    assert!(notes.iter().all(|(l, _)| *l > Level::Warn), "{notes:#?}");
}
