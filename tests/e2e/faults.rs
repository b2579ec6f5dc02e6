//! Every fault the simulator injects, recovered at the modem, with the time
//! it took printed for the closing note.

use std::time::{Duration, Instant};

use crate::bench::Dir;
use crate::{SIGNALLED, args, bench, log_of, recover, up};

#[test]
fn modem_reset_is_recovered() {
    let b = bench();
    let d = up(&b, &[]);
    let took = recover(&b, &d, SIGNALLED, |b| b.sim().reset());
    eprintln!("modem reset (+CRST) -> active: {took:?}");
}

#[test]
fn packet_detach_then_attach_resets_the_ghost() {
    let b = bench();
    let d = up(&b, &[]);
    let took = recover(&b, &d, SIGNALLED, |b| {
        b.sim().detach();
        std::thread::sleep(Duration::from_millis(500));
        b.sim().attach();
    });
    eprintln!("detach, attach 0.5 s later -> active: {took:?} (incl. the 0.5 s)");
    assert!(
        d.wait_log(
            "inactive: packet service detached",
            Instant::now() - took,
            SIGNALLED
        )
        .is_some()
    );
}

#[test]
fn deregistration_then_registration_is_recovered() {
    let b = bench();
    let d = up(&b, &[]);
    let took = recover(&b, &d, SIGNALLED, |b| {
        b.sim().deregister();
        std::thread::sleep(Duration::from_millis(500));
        b.sim().register();
    });
    eprintln!("deregister, register 0.5 s later -> active: {took:?} (incl. the 0.5 s)");
}

#[test]
fn link_hangup_is_recovered() {
    let b = bench();
    let d = up(&b, &[]);
    let took = recover(&b, &d, SIGNALLED, |b| b.sim().hangup());
    eprintln!("link hang-up -> active: {took:?}");
}

#[test]
fn unplug_then_replug_is_recovered() {
    let b = bench();
    let d = up(&b, &[]);
    let took = recover(&b, &d, Duration::from_secs(10), |b| {
        b.sim().unplug();
        std::thread::sleep(Duration::from_secs(1));
        b.sim().replug().unwrap();
    });
    eprintln!("unplug, replug 1 s later -> active: {took:?} (incl. the 1 s)");
}

#[test]
fn sim_removed_and_inserted_is_recovered() {
    let b = bench();
    let d = up(&b, &[]);
    let took = recover(&b, &d, SIGNALLED, |b| {
        b.sim().remove_sim();
        std::thread::sleep(Duration::from_millis(500));
        b.sim().insert_sim();
    });
    eprintln!("SIM out, in 0.5 s later -> active: {took:?} (incl. the 0.5 s)");
}

/// Times (relative to the first) at which `AT+CGACT=1` reached the modem.
fn activation_times(b: &crate::bench::Bench, since: Instant) -> Vec<f64> {
    let lines: Vec<Instant> = b
        .sim()
        .at_log()
        .into_iter()
        .filter(|l| l.dir == Dir::Received && l.at >= since && l.line.starts_with("AT+CGACT=1"))
        .map(|l| l.at)
        .collect();
    lines
        .iter()
        .map(|t| t.duration_since(lines[0]).as_secs_f64())
        .collect()
}

#[test]
fn five_activation_errors_then_success_with_backoff() {
    let b = bench();
    b.sim().fail_next_activations(5);
    let t = Instant::now();
    // About the backoff options: short ones keep the test quick.
    let d = up(&b, &["--retry-min", "0.2", "--retry-max", "2"]);
    let times = activation_times(&b, t);
    eprintln!("activation attempts at {times:.3?} s");
    assert_eq!(times.len(), 6, "{}", log_of(&d));
    // Backoff: at once, then 0.2, 0.4, 0.8, 1.6 s (--retry-min 0.2).
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (gap, want) in gaps.iter().zip([0.0, 0.2, 0.4, 0.8, 1.6]) {
        assert!(*gap >= want && *gap < want + 0.15, "gaps {gaps:.3?}");
    }
}

#[test]
fn hung_activation_power_cycles_the_modem() {
    let b = bench();
    b.sim().hang_activations(true);
    let t = Instant::now();
    let d = b.spawn_daemon(&args(&["--activation-timeout", "2"]));
    assert!(b.sim().wait_for_line("AT+CGACT=1", t, SIGNALLED).is_some());
    b.sim().hang_activations(false);
    let links = b.sim().connections();
    assert!(
        b.sim().wait_for(
            |s| s.connections() > links && !s.active_cids().is_empty(),
            Duration::from_secs(10)
        ),
        "not power-cycled and re-activated:\n{}",
        log_of(&d)
    );
    eprintln!(
        "hung activation (2 s deadline) -> power cycle -> active: {:?}",
        t.elapsed()
    );
}

#[test]
fn the_same_fault_fifty_times_never_misses() {
    let b = bench();
    // A reset is the modem's fault, not the link's: on the default options
    // the fiftieth is recovered as fast as the first.
    let d = up(&b, &[]);
    let mut worst = Duration::ZERO;
    for _ in 0..50 {
        let took = recover(&b, &d, SIGNALLED, |b| b.sim().reset());
        worst = worst.max(took);
    }
    eprintln!("50 modem resets in a row: worst recovery {worst:?}");
}

#[test]
fn a_failed_attach_is_retried_by_toggling_the_packet_service() {
    // oFono never retries an attach the network refused.
    let b = bench();
    b.sim().fail_attach(true);
    let t = Instant::now();
    let d = b.spawn_daemon(&args(&["--stall-timeout", "1"]));
    assert!(
        b.sim().wait_for_line("AT+CGATT=1", t, SIGNALLED).is_some(),
        "{}",
        log_of(&d)
    );
    b.sim().fail_attach(false);
    let refused = Instant::now();
    assert!(
        b.sim()
            .wait_for(|s| !s.active_cids().is_empty(), Duration::from_secs(10)),
        "{}",
        log_of(&d)
    );
    eprintln!("refused attach -> active: {:?}", refused.elapsed());
    assert!(
        d.wait_log(
            "registered but not attached after 1s; recovery step 2",
            t,
            SIGNALLED
        )
        .is_some()
    );
    // Powered off and on again, oFono attaches again (it sends no
    // AT+CGATT=0 when it was not attached).
    assert!(!b.sim().received_since("AT+CGATT=1", refused).is_empty());
}
