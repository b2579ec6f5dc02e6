//! End-to-end tests: the real psendurance binary against real ofonod on a
//! private bus, with the simulated modem underneath (see tests/bench).
//! Every assertion is about the modem side: what really reached the modem.

#[path = "../bench/mod.rs"]
mod bench;
#[path = "../bench/ofono_props.rs"]
mod ofono_props;
#[path = "../bench/peer.rs"]
mod peer;

mod bringup;
mod exit;
mod faults;
mod ladder;
mod netconf;
mod pace;
mod peers;
mod restart;
mod service;
mod status;

use std::time::{Duration, Instant};

use bench::{Bench, BenchOptions, Daemon};

/// Generous bound for a recovery that oFono signals (measured: milliseconds).
pub const SIGNALLED: Duration = Duration::from_secs(5);

pub fn bench() -> Bench {
    bench_with(BenchOptions::default())
}

pub fn bench_with(opts: BenchOptions) -> Bench {
    Bench::start_with(BenchOptions {
        // PSENDURANCE_BIN runs another build (e.g. ARMv6 under qemu-arm).
        daemon_bin: Some(
            std::env::var_os("PSENDURANCE_BIN")
                .map_or_else(|| env!("CARGO_BIN_EXE_psendurance").into(), Into::into),
        ),
        ..opts
    })
}

/// Options every test uses: foreground and verbose, and otherwise the
/// defaults users get. A test that needs another value of a timing option
/// is about that option and passes it itself.
pub fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["-f", "-v"];
    v.retain(|flag| !extra.contains(flag));
    v.extend_from_slice(extra);
    v
}

/// Starts the daemon and waits until a context is really active at the
/// modem and the daemon knows it.
pub fn up(b: &Bench, extra: &[&str]) -> Daemon {
    let t = Instant::now();
    let d = b.spawn_daemon(&args(extra));
    let bound = Duration::from_secs(15);
    assert!(
        b.sim().wait_for(|s| !s.active_cids().is_empty(), bound)
            && d.wait_log(" active", t, bound).is_some(),
        "no active context at the modem:\n{}",
        log_of(&d)
    );
    if let Ok(user) = std::env::var("BENCH_DAEMON_USER") {
        // The non-root run: prove the daemon really is that user.
        let status = std::fs::read_to_string(format!("/proc/{}/status", d.pid())).unwrap();
        let uid = status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .unwrap()
            .to_string();
        let want = std::process::Command::new("id")
            .args(["-u", &user])
            .output()
            .unwrap();
        let want = String::from_utf8_lossy(&want.stdout).trim().to_string();
        assert!(
            uid.split_whitespace().nth(1) == Some(want.as_str()),
            "daemon runs as {uid}, not {user}"
        );
    }
    d
}

pub fn log_of(d: &Daemon) -> String {
    d.tail(usize::MAX)
}

/// Injects a fault once the link is up; returns how long until a new
/// activation made a context active at the modem again.
pub fn recover(b: &Bench, d: &Daemon, bound: Duration, fault: impl FnOnce(&Bench)) -> Duration {
    let before = b.sim().activation_count();
    let t = Instant::now();
    fault(b);
    let ok = b.sim().wait_for(
        |s| s.activation_count() > before && !s.active_cids().is_empty(),
        bound,
    );
    assert!(ok, "not recovered within {bound:?}:\n{}", log_of(d));
    t.elapsed()
}
