//! Idle cost of a healthy link: CPU time and wake-ups of the daemon over a
//! window in which nothing happens, one variant (probe setting) per bench.

use std::time::{Duration, Instant};

use crate::bench::Daemon;
use crate::clients::{self, Client};
use crate::common::procstat::{ProcStat, ms_per_tick};

#[derive(Debug, Clone)]
pub struct Idle {
    pub label: String,
    pub window: Duration,
    /// CPU per minute from schedstat (ns precision), ms.
    pub cpu_ms_per_min: f64,
    /// The same from utime+stime (10 ms ticks: coarse), ms.
    pub tick_ms_per_min: f64,
    /// Context switches per minute: every one is a wake-up.
    pub switches_per_min: f64,
    /// Separate bursts of wake-ups per minute: 100 ms samples in which the
    /// switch count moved, adjacent ones merged (a poll's replies wake the
    /// loop several times within one burst).
    pub bursts_per_min: f64,
    /// Daemon log lines in the window (first one shown).
    pub log_lines: usize,
    pub first_line: Option<String>,
}

/// Starts the daemon with `extra` on a fresh bench, waits until it is up
/// and quiet, then watches it for `window`.
pub fn measure(
    client: &Client,
    extra: &[&str],
    label: &str,
    window: Duration,
) -> Result<Idle, String> {
    let b = clients::bench(&client.bin);
    let t = Instant::now();
    let d = client.spawn_with(&b, extra);
    clients::up(&b, &d, t)?;
    observe(&d, label, window)
}

/// Watches a daemon that is up for `window`, once its start-up is over.
pub fn observe(d: &Daemon, label: &str, window: Duration) -> Result<Idle, String> {
    let pid = d.pid();
    quiet(pid);
    let read = || ProcStat::read(pid).ok_or_else(|| format!("{label}: the daemon exited"));
    let s0 = read()?;
    let t0 = Instant::now();
    let (mut last, mut bursts, mut in_burst) = (s0.switches, 0u64, false);
    while t0.elapsed() < window {
        std::thread::sleep(Duration::from_millis(100));
        let s = read()?.switches;
        if s != last && !in_burst {
            bursts += 1;
        }
        in_burst = s != last;
        last = s;
    }
    let s1 = read()?;
    let mins = t0.elapsed().as_secs_f64() / 60.0;
    let lines: Vec<String> = d
        .lines()
        .into_iter()
        .filter(|(at, _)| *at >= t0)
        .map(|(_, l)| l)
        .collect();
    Ok(Idle {
        label: label.to_string(),
        window,
        cpu_ms_per_min: (s1.cpu_ns - s0.cpu_ns) as f64 / 1e6 / mins,
        tick_ms_per_min: (s1.cpu_ticks - s0.cpu_ticks) as f64 * ms_per_tick() / mins,
        switches_per_min: (s1.switches - s0.switches) as f64 / mins,
        bursts_per_min: bursts as f64 / mins,
        log_lines: lines.len(),
        first_line: lines.into_iter().next(),
    })
}

/// Waits until the switch count has not moved for 1 s (at most 10 s):
/// start-up work is over.
fn quiet(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = ProcStat::read(pid).map_or(0, |s| s.switches);
    let mut still = Instant::now();
    while Instant::now() < deadline && still.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(50));
        let s = ProcStat::read(pid).map_or(0, |s| s.switches);
        if s != last {
            last = s;
            still = Instant::now();
        }
    }
}
