//! Other managers of the modem on the bus: stand-ins that own the names of
//! ModemManager and ConnMan (before the daemon starts, and while it runs)
//! get one warning each, and the status file lists them while they stay.

use std::time::{Duration, Instant};

use crate::peer::StandIn;
use crate::{SIGNALLED, bench, log_of, up};

fn status(b: &crate::bench::Bench) -> String {
    std::fs::read_to_string(b.status_file()).unwrap_or_default()
}

fn wait_status(b: &crate::bench::Bench, line: &str) -> bool {
    let deadline = Instant::now() + SIGNALLED;
    while Instant::now() < deadline {
        if status(b).lines().any(|l| l == line) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn count(d: &crate::bench::Daemon, needle: &str) -> usize {
    d.lines().iter().filter(|(_, l)| l.contains(needle)).count()
}

const MM: &str = "ModemManager is running: it probes the dongle's serial ports too; stop and disable it (systemctl disable --now ModemManager) or make it ignore the dongle with a udev rule setting ID_MM_DEVICE_IGNORE=1";
const CONNMAN: &str = "ConnMan is running: it activates and deactivates oFono contexts too";

#[test]
fn modemmanager_and_connman_are_named_once_each_and_listed_while_they_run() {
    let b = bench();
    let mm = StandIn::start(b.bus_address(), "org.freedesktop.ModemManager1");
    let d = up(&b, &["--interval", "0.2"]);
    assert!(
        d.wait_log(MM, Instant::now() - Duration::from_secs(60), SIGNALLED)
            .is_some(),
        "{}",
        log_of(&d)
    );
    assert!(wait_status(&b, "conflicts=modemmanager"), "{}", status(&b));

    let t = Instant::now();
    let connman = StandIn::start(b.bus_address(), "net.connman");
    let line = d.wait_log(CONNMAN, t, SIGNALLED);
    eprintln!(
        "peers: ConnMan warned {:?} after it took its name",
        t.elapsed()
    );
    assert!(line.is_some(), "{}", log_of(&d));
    assert!(
        wait_status(&b, "conflicts=modemmanager,connman"),
        "{}",
        status(&b)
    );

    // Ten polls later: still one warning each.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count(&d, MM), 1, "{}", log_of(&d));
    assert_eq!(count(&d, CONNMAN), 1, "{}", log_of(&d));

    drop(mm);
    assert!(wait_status(&b, "conflicts=connman"), "{}", status(&b));
    drop(connman);
    assert!(wait_status(&b, "conflicts="), "{}", status(&b));
    assert!(
        b.sim().wait_for(|s| !s.active_cids().is_empty(), SIGNALLED),
        "link lost"
    );
}

/// A second oFono client (what ConnMan does) deactivates our context
/// whenever it is up: after three times the daemon names the likely cause,
/// once, and keeps re-activating.
#[test]
fn a_client_that_keeps_deactivating_our_context_is_named_once() {
    use crate::ofono_props as ofono;
    let b = bench();
    let d = up(&b, &[]);
    let other = b.ofono();
    let needle = "keeps being deactivated with the modem healthy";
    for round in 1..=4 {
        let before = b.sim().activation_count();
        other
            .set(ofono::CONTEXT1, ofono::CONTEXT_IFACE, "Active", false)
            .unwrap();
        assert!(
            b.sim().wait_for(
                |s| s.activation_count() > before && !s.active_cids().is_empty(),
                Duration::from_secs(10)
            ),
            "round {round}: not re-activated:\n{}",
            log_of(&d)
        );
        // Wait until oFono says Active=true again before the next round.
        assert!(other.wait_bool(
            ofono::CONTEXT1,
            ofono::CONTEXT_IFACE,
            "Active",
            true,
            SIGNALLED
        ));
    }
    let lines: Vec<String> = d
        .lines()
        .into_iter()
        .map(|(_, l)| l)
        .filter(|l| l.contains(needle))
        .collect();
    assert_eq!(lines.len(), 1, "{}", log_of(&d));
    eprintln!("peers: {}", lines[0]);
    assert!(
        lines[0].contains("another client (ConnMan, NetworkManager?) may be managing oFono"),
        "{}",
        lines[0]
    );
}
