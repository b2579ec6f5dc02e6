//! ofonod killed and started again (systemd's Restart= in the field).

use std::time::Duration;

use super::common::{recovers, up};

#[test]
fn ofonod_killed_and_restarted() {
    let (b, d) = up(&[]);
    let took = recovers(
        &b,
        &d,
        "ofonod restart",
        |b| b.kill_ofono(),
        Duration::from_secs(1),
        |b| b.start_ofono(),
        Duration::from_secs(30),
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
}
