use std::time::{Duration, Instant};

use crate::e367::E367Bench;

fn bench() -> E367Bench {
    E367Bench::start(env!("CARGO_BIN_EXE_psendurance").as_ref())
}

#[test]
fn from_cold_to_packets_through_ppp0() {
    let b = bench();
    let t0 = Instant::now();
    let d = b.spawn_daemon(&["-f", "-v", "--apn", "internet"]);
    let up = b
        .dongle()
        .wait_for(Duration::from_secs(30), |w| w.link_up());
    assert!(
        up,
        "no PPP session; daemon:\n{}\nofonod:\n{}",
        d.tail(30),
        crate::bench::procs::tail(&b.ofono_log(), 40)
    );
    let ppp_up = t0.elapsed();
    let data = b.wait_data(Duration::from_secs(10));
    assert!(
        data.is_ok(),
        "no data: {:?}\n{}\ndaemon:\n{}",
        data,
        b.ue_net(),
        d.tail(30)
    );
    eprintln!(
        "PPP up {ppp_up:?} after start; data flows {:?} after that",
        t0.elapsed() - ppp_up
    );
}
