//! The silent-loss path: what the poll costs in time. The simulator has no
//! fault that makes oFono's context inactive without a signal (its silent
//! losses are ghosts that stay Active=true, which only a data-path probe
//! finds), so this measures what bounds the time to notice one: the poll
//! period and how long one poll round takes on the bus.

use std::time::{Duration, Instant};

use crate::clients::{self, Client};
use crate::common::stats::{Summary, summarize};
use crate::monitor::{Monitor, Seen};

pub struct Poll {
    pub interval: Duration,
    /// Start of one round to the start of the next.
    pub period: Summary,
    /// First call of a round to the last reply to it.
    pub round: Summary,
    pub calls_per_round: usize,
}

/// Runs the daemon with `--interval interval` for `window` and groups its
/// calls to oFono into rounds (calls less than 0.5 s apart).
pub fn measure(client: &Client, interval: Duration, window: Duration) -> Result<Poll, String> {
    let b = clients::bench(&client.bin);
    let mon = Monitor::start(b.bus_address())?;
    let t = Instant::now();
    let secs = format!("{}", interval.as_secs_f64());
    let d = client.spawn_with(&b, &["--interval", &secs]);
    clients::up(&b, &d, t)?;
    crate::reaction::settle(&b);
    let t0 = Instant::now();
    std::thread::sleep(window);
    let seen: Vec<Seen> = mon.seen().into_iter().filter(|m| m.at >= t0).collect();
    let calls: Vec<&Seen> = seen
        .iter()
        .filter(|m| m.call && m.destination == "org.ofono")
        .collect();
    let mut rounds: Vec<Vec<&Seen>> = Vec::new();
    for c in calls {
        match rounds.last_mut() {
            Some(r) if c.at - r[r.len() - 1].at < Duration::from_millis(500) => r.push(c),
            _ => rounds.push(vec![c]),
        }
    }
    let starts: Vec<Instant> = rounds.iter().map(|r| r[0].at).collect();
    let period: Vec<Duration> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let round: Vec<Duration> = rounds
        .iter()
        .filter_map(|r| {
            let end = r
                .iter()
                .filter_map(|c| {
                    seen.iter().find(|m| {
                        m.reply && m.reply_serial == c.serial && m.destination == c.sender
                    })
                })
                .map(|m| m.at)
                .max()?;
            Some(end - r[0].at)
        })
        .collect();
    drop(d);
    Ok(Poll {
        interval,
        period: summarize(&period),
        round: summarize(&round),
        calls_per_round: rounds.iter().map(Vec::len).max().unwrap_or(0),
    })
}
