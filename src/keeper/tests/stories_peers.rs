//! Other programs on the bus: ModemManager and ConnMan are named once per
//! appearance (log and status), another client deactivating our context
//! is named once per fight, systemd-resolved takes the name servers.

use super::fake::CTX;
use super::{Fake, Story, settings};
use crate::events::{Action, DnsVia, Iface, Level, Method, Peer, Request, Signal};
use crate::value::Value;

fn owner(peer: Peer, present: bool) -> Signal {
    Signal::PeerOwner { peer, present }
}

fn conflicts(s: &Story) -> Vec<&'static str> {
    s.edge
        .iter()
        .rev()
        .find_map(|(_, a)| match a {
            Action::Publish(status) => Some(status.conflicts.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn warnings(s: &Story, needle: &str) -> usize {
    s.logs
        .iter()
        .filter(|(_, level, line)| *level == Level::Warn && line.contains(needle))
        .count()
}

#[test]
fn modemmanager_at_start_and_connman_later_are_named_once_each() {
    let fake = Fake {
        peers: vec![Peer::ModemManager],
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(100.0); // three polls: no repeat
    let mm = "ModemManager is running: it probes the dongle's serial ports too; stop and disable it (systemctl disable --now ModemManager) or make it ignore the dongle with a udev rule setting ID_MM_DEVICE_IGNORE=1";
    assert_eq!(warnings(&s, mm), 1, "{}", s.log_text());
    assert_eq!(conflicts(&s), ["modemmanager"]);
    assert!(s.fake.active(CTX), "the link comes up regardless");

    s.signal(owner(Peer::ConnMan, true));
    s.signal(owner(Peer::ConnMan, true)); // a duplicate signal says nothing
    s.request(Request::Recheck);
    s.run_until(200.0);
    assert_eq!(
        warnings(
            &s,
            "ConnMan is running: it activates and deactivates oFono contexts"
        ),
        1
    );
    assert_eq!(conflicts(&s), ["modemmanager", "connman"]);

    // Gone, then back: a new appearance, a new warning.
    s.signal(owner(Peer::ModemManager, false));
    assert_eq!(conflicts(&s), ["connman"]);
    assert_eq!(s.logged("org.freedesktop.ModemManager1 left the bus"), 1);
    s.signal(owner(Peer::ModemManager, true));
    assert_eq!(warnings(&s, mm), 2);
    // A bus reconnect reads them again: still the same appearance.
    s.feed(crate::events::Event::BusLost);
    s.feed(crate::events::Event::BusConnected);
    s.run_until(300.0);
    assert_eq!(warnings(&s, mm), 2, "{}", s.log_text());
}

fn deactivated_by_someone(s: &mut Story, at: f64) {
    s.run_until(at);
    s.world(|f| f.contexts[0].active = false);
    s.signal(Signal::PropertyChanged {
        path: CTX.into(),
        iface: Iface::ConnectionContext,
        name: "Active".into(),
        value: Value::Bool(false),
    });
}

const FIGHT: &str = "keeps being deactivated with the modem healthy";

#[test]
fn a_client_that_keeps_deactivating_our_context_is_named_once() {
    let mut s = Story::new(settings());
    s.run_until(1.0);
    for t in [10.0, 40.0, 80.0, 120.0, 200.0] {
        deactivated_by_someone(&mut s, t);
    }
    s.run_until(300.0);
    let lines: Vec<_> = s
        .logs
        .iter()
        .filter(|(_, _, l)| l.contains(FIGHT))
        .collect();
    assert_eq!(lines.len(), 1, "{}", s.log_text());
    let (t, level, line) = lines[0];
    assert_eq!((*t, *level), (80.0, Level::Warn));
    assert!(
        line.contains("another client (ConnMan, NetworkManager?) may be managing oFono"),
        "{line}"
    );
    assert!(s.fake.active(CTX), "still re-activated");
}

#[test]
fn losses_that_a_lower_layer_or_our_own_recovery_explain_are_no_fight() {
    let mut s = Story::new(settings());
    s.run_until(1.0);
    // The network deregisters each time: not a client fighting us.
    for t in [10.0, 40.0, 80.0, 120.0] {
        s.run_until(t);
        s.world(|f| f.network_up = false);
        s.world(|f| f.status = "searching".into());
        s.run_until(t + 1.0);
        s.world(|f| f.status = "registered".into());
        s.world(|f| f.network_up = true);
    }
    // Two deactivations by someone else around one of our own (recovery
    // step 1, context off/on): two, not three.
    deactivated_by_someone(&mut s, 150.0);
    s.run_until(160.0);
    let now = s.now;
    s.keeper
        .climb("test", crate::keeper::ladder::Rung::Context, now);
    s.feed(crate::events::Event::Tick);
    deactivated_by_someone(&mut s, 170.0);
    s.run_until(400.0);
    assert_eq!(s.logged("recovery step 1"), 1, "{}", s.log_text());
    assert_eq!(s.logged(FIGHT), 0, "{}", s.log_text());
}

#[test]
fn with_resolved_on_the_bus_the_servers_go_to_it_and_are_reverted() {
    let fake = Fake {
        peers: vec![Peer::Resolved],
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(1.0);
    assert!(s.fake.active(CTX));
    let via = s.edge.iter().find_map(|(_, a)| match a {
        Action::Configure(_, via) => Some(*via),
        _ => None,
    });
    assert_eq!(via, Some(DnsVia::Resolved));
    let resolved = |s: &Story| -> Vec<String> {
        s.fake
            .log
            .iter()
            .filter(|c| c.method.describe().starts_with("resolve1."))
            .map(|c| c.method.describe())
            .collect()
    };
    assert_eq!(
        resolved(&s),
        [
            "resolve1.SetLinkDNS(ppp0, [10.0.0.53, 10.0.0.54])",
            "resolve1.SetLinkDefaultRoute(ppp0, true)"
        ],
        "{}",
        s.log_text()
    );
    s.run_until(100.0);
    assert!(
        !s.edge.iter().any(|(_, a)| matches!(a, Action::CheckDns)),
        "resolved holds the servers: no file to check"
    );
    s.request(Request::Terminate("SIGTERM"));
    assert_eq!(resolved(&s).last().unwrap(), "resolve1.RevertLink(ppp0)");
    assert_eq!(s.exit, Some(0));
}

#[test]
fn resolved_arriving_while_up_takes_the_servers_from_the_file() {
    let mut s = Story::new(settings());
    s.run_until(31.0);
    let checks = |s: &Story| {
        s.edge
            .iter()
            .filter(|(_, a)| matches!(a, Action::CheckDns))
            .count()
    };
    assert_eq!(
        checks(&s),
        1,
        "one check per poll while the file holds them"
    );
    s.fake.peers.push(Peer::Resolved);
    s.signal(owner(Peer::Resolved, true));
    assert!(
        s.edge
            .iter()
            .any(|(_, a)| *a == Action::MoveDns(DnsVia::Resolved))
    );
    assert!(
        s.fake
            .log
            .iter()
            .any(|c| matches!(c.method, Method::ResolvedSetDns(..)))
    );
    s.run_until(100.0);
    assert_eq!(checks(&s), 1);
    s.fake.peers.clear();
    s.signal(owner(Peer::Resolved, false));
    assert!(
        s.edge
            .iter()
            .any(|(_, a)| *a == Action::MoveDns(DnsVia::File))
    );
    s.run_until(130.0);
    assert_eq!(checks(&s), 2, "{}", s.log_text());
}

#[test]
fn an_unanswered_name_query_is_not_a_manager_leaving() {
    let fake = Fake {
        peers: vec![Peer::ModemManager],
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(1.0);
    assert_eq!(conflicts(&s), ["modemmanager"]);
    // The bus comes back, and its answer to our question is a timeout.
    s.fake.peer_error = Some("org.freedesktop.DBus.Error.NoReply");
    s.feed(crate::events::Event::BusLost);
    s.feed(crate::events::Event::BusConnected);
    s.run_until(10.0);
    assert_eq!(conflicts(&s), ["modemmanager"]);
    assert_eq!(
        s.logged("ModemManager1 left the bus"),
        0,
        "{}",
        s.log_text()
    );
    // Its real absence is news.
    s.fake.peer_error = Some("org.freedesktop.DBus.Error.NameHasNoOwner");
    s.feed(crate::events::Event::BusLost);
    s.feed(crate::events::Event::BusConnected);
    assert_eq!(
        s.logged("ModemManager1 left the bus"),
        1,
        "{}",
        s.log_text()
    );
    assert!(conflicts(&s).is_empty());
}
