//! The dial itself fails: refused with `NO CARRIER` or `+CME ERROR`.

use std::time::Duration;

use super::common::{nothing, recovers, up};

fn refused_then_recovers(refusal: &'static str) {
    let (b, d) = up(&[]);
    // Two refusals: at once, then 2 s later (the activation's own backoff),
    // then the third dial gets through.
    let took = recovers(
        &b,
        &d,
        refusal,
        |b| {
            b.dongle().refuse_dials(2, refusal);
            b.dongle().network_deactivate();
        },
        Duration::ZERO,
        nothing,
        Duration::from_secs(30),
    );
    assert_eq!(
        b.dongle().world().dial.refuse,
        0,
        "both refusals were dialled"
    );
    assert!(took < Duration::from_secs(12), "took {took:?}");
}

#[test]
fn a_dial_refused_with_no_carrier_is_retried() {
    refused_then_recovers("NO CARRIER");
}

#[test]
fn a_dial_refused_with_a_cme_error_is_retried() {
    refused_then_recovers("+CME ERROR: 30");
}
