//! A network that deactivates every context as soon as it is up, with
//! everything below it healthy, is not hammered: the re-activations back
//! off (`--retry-min` 2 s, doubling); once it holds, data flows.

use std::time::Duration;

use super::common::{context, up};

#[test]
fn a_flapping_network_is_backed_off_then_data_flows() {
    let (b, d) = up(&[]);
    let before = b.dongle().world().connect_times.len();
    b.dongle().flap(4);
    b.dongle().network_deactivate();
    let ok = b.dongle().wait_for(Duration::from_secs(60), |w| {
        w.connect_times.len() >= before + 5 && w.link_up()
    });
    assert!(ok, "{}", context(&b, &d));
    let times: Vec<_> = b.dongle().world().connect_times[before..].to_vec();
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    eprintln!("dials after each network deactivation, gaps: {gaps:?}");
    // The first loss is at once (not shown: it follows our own fault), then
    // 2, 4, 8, 16 s. Each gap is the backoff plus oFono's own
    // teardown and dial: up to its 3 s LCP restart timer when the
    // deactivation races its IPCP.
    for (i, gap) in gaps.iter().enumerate() {
        let backoff = [2.0, 4.0, 8.0, 16.0][i.min(3)];
        assert!(
            *gap >= backoff && *gap < backoff + 4.0,
            "gap {i} {gap:.2} s, backoff {backoff} s; gaps {gaps:?}\n{}",
            context(&b, &d)
        );
    }
    assert!(
        b.wait_data(Duration::from_secs(10)).is_ok(),
        "{}",
        context(&b, &d)
    );
}
