//! The keeper's poll and the real edges together: a story in simulated time
//! (the fake oFono) whose network actions are performed on a real `Edges`
//! in a private network namespace, with a temp file as resolv.conf.

use std::fs;
use std::time::Instant;

use super::TempDir;
use crate::cli::EdgeConfig;
use crate::edges::Edges;
use crate::events::{Action, Request};
use crate::keeper::tests::{Story, settings};
use crate::netconf::apply::NetOptions;
use crate::netconf::testns::{fresh_netns, ip};

/// Performs the story's network actions not yet performed; returns the
/// (simulated) seconds of each `CheckDns` among them.
fn perform(s: &Story, edges: &mut Edges, done: &mut usize) -> Vec<f64> {
    let mut checks = Vec::new();
    for (t, action) in &s.edge[*done..] {
        match action {
            Action::Configure(net, via) => edges.configure(net, *via),
            Action::MoveDns(via) => edges.move_dns(*via),
            Action::CheckDns => {
                let started = Instant::now();
                edges.check_dns();
                eprintln!("poll: check took {:?}", started.elapsed());
                checks.push(*t);
            }
            Action::Unconfigure => edges.unconfigure(),
            _ => {}
        }
    }
    *done = s.edge.len();
    checks
}

#[test]
fn a_rewritten_resolv_conf_is_put_back_at_the_next_poll_and_restored_on_exit() {
    fresh_netns("resolv_poll");
    // The fake oFono's context comes up on ppp0.
    ip(&[
        "link", "add", "ppp0", "type", "veth", "peer", "name", "ppp0peer",
    ]);
    ip(&["link", "set", "ppp0peer", "up"]);
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let original = b"# the admin's\nnameserver 192.168.1.1\n".to_vec();
    fs::write(&path, &original).unwrap();
    let mut edges = Edges::new(EdgeConfig {
        net: NetOptions {
            route_metric: 700,
            address: true,
            route: true,
            dns: true,
            resolv_conf: path.clone(),
            dhcp_command: None,
        },
        sysfs_root: dir.0.clone(),
        last_resort: None,
        last_resort_budget: 1,
        state_dir: dir.0.clone(),
        status_file: None,
        metrics_file: None,
    });
    let mut done = 0;
    let mut s = Story::new(settings()); // --interval 30
    s.run_until(1.0);
    perform(&s, &mut edges, &mut done);
    let ours = fs::read_to_string(&path).unwrap();
    assert!(ours.contains("nameserver 10.0.0.53\n"), "{ours}");

    // Another program rewrites it at 40 s; the poll at 60 s puts ours back.
    s.run_until(40.0);
    assert_eq!(perform(&s, &mut edges, &mut done), [30.0]);
    assert_eq!(fs::read_to_string(&path).unwrap(), ours);
    fs::write(&path, "# NetworkManager\nnameserver 192.168.8.1\n").unwrap();
    s.run_until(60.0);
    assert_eq!(perform(&s, &mut edges, &mut done), [60.0]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        ours,
        "back at the next poll"
    );
    assert_eq!(
        fs::read(format!("{}.psendurance-saved", path.display())).unwrap(),
        original
    );

    s.request(Request::Terminate("SIGTERM"));
    perform(&s, &mut edges, &mut done);
    assert_eq!(s.exit, Some(0));
    assert_eq!(
        fs::read(&path).unwrap(),
        original,
        "the original, not the rewrite"
    );
}
