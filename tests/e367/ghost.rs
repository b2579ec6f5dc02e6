//! Links that look up and carry nothing: a bare `NO CARRIER` that oFono
//! never notices (the context stays Active on a dead ppp0), and a black
//! hole behind a live PPP. Only the data path tells; the daemon must find
//! them on its default options and bring data back.

use std::time::{Duration, Instant};

use super::common::{context, nothing, recovers, up};

/// The longest the defaults may take to find a dead link: probes every
/// `--probe-interval` 60 s, `--probe-failures` 3, a 5 s probe timeout,
/// plus the re-activation.
const FOUND_WITHIN: Duration = Duration::from_secs(260);

/// With a program sending (as a board usually has): tx without rx is a
/// data stall, seen at the next poll (`--interval` 30 s), probed at once
/// and then every 10 s, and re-activated after `--probe-failures` 3.
const FOUND_SENDING: Duration = Duration::from_secs(150);

#[test]
fn a_ghost_under_traffic_is_found_within_two_minutes() {
    let (b, d) = up(&[]);
    let _app = b.start_sender();
    let took = recovers(
        &b,
        &d,
        "ghost, with traffic",
        |b| b.dongle().drop_carrier(),
        Duration::ZERO,
        nothing,
        FOUND_SENDING,
    );
    eprintln!("ghost with traffic: data again after {took:?}");
    assert!(
        took < Duration::from_secs(120),
        "took {took:?}\n{}",
        context(&b, &d)
    );
    assert!(b.ofono_died().is_none(), "ofonod died\n{}", context(&b, &d));
}

#[test]
fn a_black_hole_under_traffic_is_found_within_two_minutes() {
    let (b, d) = up(&[]);
    let _app = b.start_sender();
    let took = recovers(
        &b,
        &d,
        "black hole, with traffic",
        |b| b.dongle().set_black_hole(true),
        Duration::ZERO,
        nothing,
        FOUND_SENDING,
    );
    eprintln!("black hole with traffic: data again after {took:?}");
    assert!(
        took < Duration::from_secs(120),
        "took {took:?}\n{}",
        context(&b, &d)
    );
}

/// Without any traffic only the scheduled probe finds it (minutes).
#[test]
#[ignore = "slow: minutes on the default probe interval; scripts/test-slow.sh"]
fn a_bare_no_carrier_ghost_is_found_and_data_flows_again() {
    let (b, d) = up(&[]);
    let t0 = Instant::now();
    let took = recovers(
        &b,
        &d,
        "bare NO CARRIER (ghost)",
        |b| b.dongle().drop_carrier(),
        Duration::ZERO,
        nothing,
        FOUND_WITHIN,
    );
    let found = d
        .lines()
        .into_iter()
        .find(|(t, l)| *t >= t0 && l.contains("probe"))
        .map(|(t, l)| (t - t0, l));
    eprintln!("ghost: first probe line {found:?}; data again after {took:?}");
    assert!(b.ofono_died().is_none(), "ofonod died\n{}", context(&b, &d));
}

#[test]
#[ignore = "slow: minutes on the default probe interval; scripts/test-slow.sh"]
fn a_black_hole_is_found_and_data_flows_again() {
    let (b, d) = up(&[]);
    // The network's session is broken until it is made anew.
    let took = recovers(
        &b,
        &d,
        "black hole",
        |b| b.dongle().set_black_hole(true),
        Duration::ZERO,
        nothing,
        FOUND_WITHIN,
    );
    eprintln!("black hole: data again after {took:?}");
    assert!(b.ofono_died().is_none(), "ofonod died\n{}", context(&b, &d));
}
