//! The link's counters: data used for the status file, and data stalls
//! (sending into silence) that bring the probe forward.

use std::time::Duration;

use super::fake::CTX;
use super::{Fake, Story, settings};
use crate::counters::Counters;
use crate::events::{Action, Iface, ProbeOutcome, Signal};
use crate::keeper::{ProbeMode, Settings};
use crate::status::Bytes;
use crate::value::Value;

/// ppp0 (index `index`) having received `rx` and sent `tx` packets of
/// 100 bytes each.
fn ppp(index: u32, rx: u64, tx: u64) -> Option<Counters> {
    Some(Counters {
        index,
        rx_bytes: rx * 100,
        rx_packets: rx,
        tx_bytes: tx * 100,
        tx_packets: tx,
    })
}

fn failed() -> ProbeOutcome {
    ProbeOutcome::Failed("no answer from 10.0.0.53 within 5s".into())
}

/// The link up at t=0 on ppp0 with `first` counters.
fn up_counting(cfg: Settings, first: Option<Counters>) -> Story {
    let mut s = Story::counting(cfg, Fake::default(), first);
    s.run_until(1.0);
    assert!(s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(s.reads, [0.0], "one look as the link comes up");
    s
}

/// When each probe was asked for.
fn probe_times(s: &Story) -> Vec<f64> {
    s.edge
        .iter()
        .filter(|(_, a)| matches!(a, Action::Probe(_)))
        .map(|(t, _)| *t)
        .collect()
}

fn bytes(rx: u64, tx: u64) -> Bytes {
    Bytes { rx, tx }
}

#[test]
fn sending_into_silence_probes_at_once_then_at_a_short_pace() {
    let mut s = up_counting(settings(), ppp(3, 10, 10));
    // A ghost: apps keep sending (retransmits), nothing comes back.
    s.run_until(20.0);
    s.counters = ppp(3, 10, 30);
    s.run_until(30.5);
    assert_eq!(probe_times(&s), [30.0], "{:?} {}", s.reads, s.log_text());
    assert_eq!(
        s.logged("data stall on ppp0: 20 packets sent, none received in 30s; probing now"),
        1,
        "{}",
        s.log_text()
    );
    // Each failed probe sends a query more and receives nothing.
    for (i, tx) in [(1, 32), (2, 34), (3, 36)] {
        s.counters = ppp(3, 10, tx);
        s.probe_answer(failed());
        if i < 3 {
            let next = s.secs() + 10.0; // answered at 30.5: due at 40.5
            s.run_until(next);
        }
    }
    assert_eq!(probe_times(&s), [30.0, 40.5, 50.5], "{}", s.log_text());
    assert_eq!(
        s.logged("probe failed (1 of 3): no answer from 10.0.0.53 within 5s; nothing received, next probe in 10s"),
        1,
        "{}",
        s.log_text()
    );
    assert_eq!(s.logged("link dead: 3 probes failed; recovery step 1"), 1);
    // Without the stall: probes at 60, 120, 180.
}

#[test]
fn receiving_brings_no_early_probe() {
    let mut s = up_counting(settings(), ppp(3, 10, 10));
    for (t, rx, tx) in [(20.0, 12, 40), (50.0, 13, 90)] {
        s.run_until(t);
        s.counters = ppp(3, rx, tx);
    }
    s.run_until(61.0);
    assert_eq!(probe_times(&s), [60.0], "only the interval's probe");
    assert_eq!(s.logged("data stall"), 0, "{}", s.log_text());
    assert_eq!(s.reads, [0.0, 30.0, 60.0], "a look per poll, none more");
}

#[test]
fn a_recreated_interface_is_no_stall_and_its_bytes_add_up() {
    let cfg = Settings {
        probe_interval: Duration::from_secs(300),
        ..settings()
    };
    let mut s = up_counting(cfg, ppp(4, 500, 900));
    s.run_until(10.0);
    s.counters = ppp(4, 600, 1000);
    s.run_until(30.5);
    let st = s.status().unwrap().clone();
    assert_eq!(st.bytes_total, bytes(10_000, 10_000), "{st:?}");
    // ppp0 again, but new: its counters restart, well below the old ones,
    // and it sends before it receives.
    s.run_until(40.0);
    s.counters = ppp(5, 0, 40);
    s.run_until(60.5);
    s.counters = ppp(5, 0, 44);
    s.run_until(90.5);
    assert!(probe_times(&s).is_empty(), "{}", s.log_text());
    assert_eq!(s.logged("data stall"), 0, "{}", s.log_text());
    let st = s.status().unwrap();
    assert_eq!(st.bytes_total, bytes(10_000, 14_400), "{st:?}");
    assert_eq!(st.bytes, st.bytes_total, "one connection so far");
}

#[test]
fn a_stall_probe_is_not_skipped_for_traffic_that_came_before_it() {
    let cfg = Settings {
        probe_interval: Duration::from_secs(100),
        ..settings()
    };
    let mut s = up_counting(cfg, ppp(3, 10, 10));
    s.run_until(100.5);
    assert_eq!(probe_times(&s), [100.0]);
    s.probe_answer(ProbeOutcome::Passed);
    // Data flows for a while, then the link turns into a ghost.
    s.counters = ppp(3, 50, 40);
    s.run_until(125.0);
    s.counters = ppp(3, 50, 60);
    s.run_until(150.5);
    assert_eq!(probe_times(&s), [100.0, 150.0], "{}", s.log_text());
    assert_eq!(s.logged("data stall on ppp0"), 1);
    // Its received bytes grew since the last probe, but before the stall:
    // the probe must run, not be skipped for traffic.
    assert_eq!(s.probes()[1].skip_if_rx_above, None);
    // Out of the stall, the traffic-aware skip is back.
    s.counters = ppp(3, 51, 61);
    s.probe_answer(ProbeOutcome::Passed);
    s.run_until(250.5);
    assert_eq!(probe_times(&s), [100.0, 150.0, 250.0]);
    assert_eq!(s.probes()[2].skip_if_rx_above, Some(5100));
}

#[test]
fn a_stall_with_the_probe_off_probes_nothing() {
    let cfg = Settings {
        probe: ProbeMode::Off,
        ..settings()
    };
    let mut s = up_counting(cfg, ppp(3, 10, 10));
    s.run_until(20.0);
    s.counters = ppp(3, 10, 30);
    s.run_until(200.0);
    assert!(probe_times(&s).is_empty());
    assert_eq!(s.logged("data stall"), 0, "{}", s.log_text());
    assert_eq!(s.status().unwrap().bytes_total, bytes(0, 2000));
}

#[test]
fn a_probe_that_passes_ends_the_stall() {
    let mut s = up_counting(settings(), ppp(3, 10, 10));
    s.run_until(20.0);
    s.counters = ppp(3, 10, 30);
    s.run_until(30.5);
    assert_eq!(probe_times(&s), [30.0]);
    s.counters = ppp(3, 11, 31);
    s.probe_answer(ProbeOutcome::Passed);
    s.run_until(89.0);
    assert_eq!(probe_times(&s), [30.0], "back to the interval");
    s.run_until(91.0);
    assert_eq!(probe_times(&s), [30.0, 90.0]);
}

#[test]
fn data_used_counts_each_connection_and_the_total() {
    let mut s = up_counting(settings(), ppp(3, 0, 0));
    s.counters = ppp(3, 50, 20);
    s.run_until(30.5);
    assert_eq!(s.status().unwrap().bytes, bytes(5000, 2000));
    // The context drops; ppp0 still counts a little as PPP ends.
    s.counters = ppp(3, 52, 21);
    s.world(|f| f.fail_next = vec!["org.ofono.Error.Failed"]);
    s.world(|f| f.contexts[0].active = false);
    s.signal(Signal::PropertyChanged {
        path: CTX.into(),
        iface: Iface::ConnectionContext,
        name: "Active".into(),
        value: Value::Bool(false),
    });
    let st = s.status().unwrap().clone();
    assert_ne!(st.state, "up", "{st:?}");
    assert_eq!(st.bytes_total, bytes(5200, 2100));
    assert_eq!(
        st.bytes,
        bytes(5200, 2100),
        "the last connection, while down"
    );
    // The next connection is a new ppp0: all it counted is new.
    s.counters = ppp(6, 3, 2);
    s.run_until(45.0);
    assert!(s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(s.status().unwrap().bytes, bytes(300, 200));
    s.counters = ppp(6, 10, 5);
    s.run_until(75.5);
    let st = s.status().unwrap();
    assert_eq!(st.bytes, bytes(1000, 500), "{st:?}");
    assert_eq!(st.bytes_total, bytes(6200, 2600));
}
