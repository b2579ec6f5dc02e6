//! The keeper's calls to systemd-resolved, as messages on a real (private)
//! bus: a stand-in owns `org.freedesktop.resolve1` and records what it got.
//! A real systemd-resolved cannot run here (it wants systemd's own bus and
//! /run/systemd); the stand-in checks what reaches the wire.

use std::time::{Duration, Instant};

use dbus::channel::Channel;

use crate::events::{Method, Peer, Request};
use crate::keeper::tests::{Fake, Story, settings};
use crate::netconf::testns::{fresh_netns, ip};

#[allow(dead_code)]
#[path = "../../tests/bench"]
mod bench {
    pub mod bus;
    pub mod peer;
    pub mod procs;
}

#[test]
fn the_link_servers_reach_resolved_for_the_interface_index_and_are_reverted() {
    fresh_netns("resolved_bus");
    ip(&[
        "link", "add", "ppp0", "type", "veth", "peer", "name", "ppp0peer",
    ]);
    // `3: ppp0@ppp0peer: ...`: the index as the kernel tells it.
    let shown = ip(&["-o", "link", "show", "ppp0"]);
    let index: i32 = shown.split(':').next().unwrap().trim().parse().unwrap();
    let dir = std::env::temp_dir().join(format!("psd-resolved-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut bus = bench::bus::start(&dir, bench::bus::BusPolicy::Permissive);
    let resolved = bench::peer::StandIn::start(&bus.address, "org.freedesktop.resolve1");

    // The keeper's side, in simulated time: up with resolved present, then SIGTERM.
    let fake = Fake {
        peers: vec![Peer::Resolved],
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(1.0);
    s.request(Request::Terminate("SIGTERM"));
    let calls: Vec<Method> = s
        .fake
        .log
        .iter()
        .map(|c| c.method.clone())
        .filter(|m| m.describe().starts_with("resolve1."))
        .collect();
    assert_eq!(calls.len(), 3, "{calls:?}");

    // The loop's side: the same messages, sent on the bus.
    let mut ch = Channel::open_private(&bus.address).unwrap();
    ch.register().unwrap();
    let t = Instant::now();
    for m in &calls {
        let msg = super::message("/", m).unwrap();
        ch.send_with_reply_and_block(msg, Duration::from_secs(5))
            .unwrap();
    }
    let got = resolved.calls();
    let members: Vec<&str> = got.iter().map(|c| c.member.as_str()).collect();
    assert_eq!(members, ["SetLinkDNS", "SetLinkDefaultRoute", "RevertLink"]);
    assert!(got.iter().all(|c| c.at >= t));
    let addr = |a: [u8; 4]| {
        let bytes: Vec<String> = a.iter().map(|b| format!("Byte({b})")).collect();
        format!(
            "Struct([Int32(2), Array(MessageItemArray {{ v: [{}]",
            bytes.join(", ")
        )
    };
    let dns = &got[0].args;
    assert!(dns.starts_with(&format!("[Int32({index}), ")), "{dns}");
    assert!(dns.contains(&addr([10, 0, 0, 53])), "{dns}");
    assert!(dns.contains(&addr([10, 0, 0, 54])), "{dns}");
    assert_eq!(got[1].args, format!("[Int32({index}), Bool(true)]"));
    assert_eq!(got[2].args, format!("[Int32({index})]"));
    drop(resolved);
    bench::procs::kill_and_reap(&mut bus.child);
    let _ = std::fs::remove_dir_all(&dir);
}
