//! The dongle itself goes: a reset re-enumerates it under a new path, an
//! unplug takes it away. The link must come back on the new modem at once.

use std::time::Duration;

use super::common::{nothing, recovers, up};

#[test]
fn modem_reset_comes_back_under_a_new_path() {
    let (b, d) = up(&[]);
    let before = b.modem_path();
    let took = recovers(
        &b,
        &d,
        "modem reset",
        |b| b.dongle().reset(),
        Duration::ZERO,
        nothing,
        Duration::from_secs(30),
    );
    let after = b.modem_path();
    assert_ne!(before, after, "a re-enumerated modem gets a new path");
    // Re-enumeration alone is 0.6 s, oFono's power-up of the new modem
    // about 2 s more.
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn unplug_and_replug() {
    let (b, d) = up(&[]);
    let took = recovers(
        &b,
        &d,
        "unplug, replug",
        |b| b.dongle().unplug(),
        Duration::from_secs(2),
        |b| b.dongle().replug(),
        Duration::from_secs(30),
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
}
