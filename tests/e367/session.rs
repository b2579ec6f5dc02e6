//! The network ends the PPP session: each way, data must flow again.

use std::time::Duration;

use super::common::{nothing, recovers, up};

#[test]
fn network_terminates_ppp_with_lcp() {
    let (b, d) = up(&[]);
    // oFono waits out its restart timer (~3 s) before Active=false.
    let took = recovers(
        &b,
        &d,
        "LCP Terminate-Request",
        |b| b.dongle().lcp_terminate(),
        Duration::ZERO,
        nothing,
        Duration::from_secs(15),
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn network_deactivates_the_context() {
    let (b, d) = up(&[]);
    let took = recovers(
        &b,
        &d,
        "+CGEV: NW DEACT",
        |b| b.dongle().network_deactivate(),
        Duration::ZERO,
        nothing,
        Duration::from_secs(15),
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn detach_and_attach() {
    let (b, d) = up(&[]);
    let took = recovers(
        &b,
        &d,
        "detach, attach",
        |b| b.dongle().detach(),
        Duration::from_secs(1),
        |b| b.dongle().attach(),
        Duration::from_secs(15),
    );
    // oFono reports the detach at once but closes its PPP for up to 6 s
    // more; the daemon waits 7 s from the loss (ofonod 1.31 aborts on an
    // activation meanwhile), i.e. 6 s after this 1 s detach.
    assert!(took < Duration::from_secs(7), "took {took:?}");
}

#[test]
fn deregistration_and_coverage_back() {
    let (b, d) = up(&[]);
    let took = recovers(
        &b,
        &d,
        "deregister, register",
        |b| b.dongle().deregister(),
        Duration::from_secs(1),
        |b| {
            b.dongle().register();
            b.dongle().attach();
        },
        Duration::from_secs(20),
    );
    // As with a detach: 7 s from the loss.
    assert!(took < Duration::from_secs(7), "took {took:?}");
}
