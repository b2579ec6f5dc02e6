//! What every E367 test does: start the bench and the daemon on default
//! options, wait for data, inject a fault, and time until data flows again.

use std::time::{Duration, Instant};

use crate::bench::daemon::Daemon;
use crate::bench::procs;
use crate::e367::E367Bench;

/// The daemon as a user runs it (`--apn`, in the foreground, verbose);
/// paths into the bench's temp dir are added by the bench.
pub const ARGS: &[&str] = &["-f", "-v", "--apn", "internet"];

pub fn bench() -> E367Bench {
    E367Bench::start(env!("CARGO_BIN_EXE_psendurance").as_ref())
}

/// A bench with the daemon running and data flowing.
pub fn up(extra: &[&str]) -> (E367Bench, Daemon) {
    let b = bench();
    let mut args = ARGS.to_vec();
    args.extend_from_slice(extra);
    let d = b.spawn_daemon(&args);
    let data = b.wait_data(Duration::from_secs(30));
    assert!(
        data.is_ok(),
        "no data at start: {data:?}\n{}",
        context(&b, &d)
    );
    (b, d)
}

/// The daemon's and ofonod's last lines, and the namespace's addresses.
pub fn context(b: &E367Bench, d: &Daemon) -> String {
    format!(
        "--- daemon:\n{}\n--- ofonod:\n{}\n--- ue:\n{}",
        d.tail(40),
        procs::tail(&b.ofono_log(), 30),
        b.ue_net()
    )
}

/// Inject `fault`, heal with `heal` after `hold`, then wait for a new PPP
/// session and data through it. Returns the time from the heal (or the
/// fault, when nothing heals) to data flowing.
pub fn recovers(
    b: &E367Bench,
    d: &Daemon,
    what: &str,
    fault: impl FnOnce(&E367Bench),
    hold: Duration,
    heal: impl FnOnce(&E367Bench),
    within: Duration,
) -> Duration {
    let sessions = b.dongle().world().sessions;
    fault(b);
    std::thread::sleep(hold);
    heal(b);
    let t0 = Instant::now();
    let new_session = b
        .dongle()
        .wait_for(within, |w| w.sessions > sessions && w.link_up());
    assert!(
        new_session,
        "{what}: no new PPP session within {within:?}\n{}",
        context(b, d)
    );
    let data = b.wait_data(Duration::from_secs(10));
    assert!(
        data.is_ok(),
        "{what}: no data after the new session: {data:?}\n{}",
        context(b, d)
    );
    let took = t0.elapsed();
    eprintln!("{what}: data flows again {took:?} after it healed");
    if std::env::var_os("E367_TIMELINE").is_some() {
        for (at, line) in d.lines().into_iter().filter(|(at, _)| *at >= t0) {
            if !line.contains(": call ") {
                eprintln!("  +{:7.3}s {line}", (at - t0).as_secs_f64());
            }
        }
    }
    took
}

pub fn nothing(_: &E367Bench) {}
