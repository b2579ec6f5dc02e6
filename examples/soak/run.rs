//! The soak loop: start the daemon on a fresh bench, then episode after
//! episode, each followed by the quiet check: a context really active at
//! the modem, through a new activation, within the bound.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::episode::Shape;
use super::rng::Rng;
use crate::bench::{Bench, BenchOptions, DaemonSpec, Dir};
use crate::common::dur;
use crate::common::procstat::ProcStat;

/// Stop early after this many stuck episodes: the rest would only wait out
/// their bounds.
const MAX_STUCK: usize = 3;

#[derive(Clone)]
pub struct Config {
    pub events: usize,
    pub seed: u64,
    pub bin: PathBuf,
    pub daemon_args: Vec<String>,
    /// Independent benches run side by side, each with its own ofonod,
    /// modem and daemon; the events are shared out between them and lane
    /// `i` uses seed `seed + i`. More lanes only shorten the wall time.
    pub lanes: usize,
}

pub struct Stuck {
    pub lane: usize,
    pub index: usize,
    pub what: String,
    pub at_lines: Vec<String>,
    pub log_tail: String,
}

/// ofonod ending on its own (not one of the soak's restarts): the soak
/// restarts it as the shipped `ofono.service` drop-in makes systemd do.
pub struct OfonoDeath {
    pub lane: usize,
    pub index: usize,
    pub status: String,
    pub log_tail: String,
}

pub struct Outcome {
    pub bound: Duration,
    pub episodes: usize,
    /// Recovery times per report row, from the end of the last fault.
    pub recoveries: BTreeMap<String, Vec<Duration>>,
    pub stuck: Vec<Stuck>,
    pub ofono_deaths: Vec<OfonoDeath>,
    pub exited: Option<String>,
    /// Per lane: at start and at the end.
    pub mem: Vec<(ProcStat, ProcStat)>,
    pub elapsed: Duration,
}

/// Worst case after a fault ends, from the daemon's own options: a backoff
/// step at its longest, a hung activation's deadline, a lost call's
/// deadline, a poll interval, and 5 s for oFono and the bench themselves.
pub fn bound(args: &[String]) -> Duration {
    let o = |name, default| dur::option(args, name, Duration::from_secs(default));
    o("--retry-max", 300)
        + o("--activation-timeout", 120)
        + o("--call-timeout", 25)
        + o("--interval", 30)
        + Duration::from_secs(5)
}

/// Runs the lanes side by side and merges what they saw.
pub fn run(cfg: &Config) -> Result<Outcome, String> {
    let t0 = Instant::now();
    let lanes = cfg.lanes.max(1);
    let handles: Vec<_> = (0..lanes)
        .map(|lane| {
            let mut c = cfg.clone();
            c.seed = cfg.seed + lane as u64;
            c.events = cfg.events / lanes + usize::from(lane < cfg.events % lanes);
            std::thread::spawn(move || run_lane(&c, lane))
        })
        .collect();
    let mut all = Outcome {
        bound: bound(&cfg.daemon_args),
        episodes: 0,
        recoveries: BTreeMap::new(),
        stuck: Vec::new(),
        ofono_deaths: Vec::new(),
        exited: None,
        mem: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for (lane, h) in handles.into_iter().enumerate() {
        let o = h.join().map_err(|_| format!("lane {lane} panicked"))??;
        all.episodes += o.episodes;
        for (k, v) in o.recoveries {
            all.recoveries.entry(k).or_default().extend(v);
        }
        all.stuck.extend(o.stuck);
        all.ofono_deaths.extend(o.ofono_deaths);
        if all.exited.is_none() {
            all.exited = o.exited;
        }
        all.mem.extend(o.mem);
    }
    all.elapsed = t0.elapsed();
    Ok(all)
}

fn run_lane(cfg: &Config, lane: usize) -> Result<Outcome, String> {
    let t0 = Instant::now();
    let bound = bound(&cfg.daemon_args);
    let activation_timeout = dur::option(
        &cfg.daemon_args,
        "--activation-timeout",
        Duration::from_secs(120),
    );
    let b = Bench::start_with(BenchOptions {
        daemon_bin: Some(cfg.bin.clone()),
        ..BenchOptions::default()
    });
    let mut d = b.spawn_daemon_spec(&DaemonSpec {
        bin: cfg.bin.clone(),
        args: cfg.daemon_args.clone(),
        ..DaemonSpec::default()
    });
    if !b.sim().wait_for(|s| !s.active_cids().is_empty(), bound) {
        return Err(format!("lane {lane}: never came up:\n{}", d.tail(30)));
    }
    let pid = d.pid();
    let start = ProcStat::read(pid).ok_or(format!("lane {lane}: the daemon exited at start"))?;
    let mut rng = Rng::new(cfg.seed);
    let mut out = Outcome {
        bound,
        episodes: 0,
        recoveries: BTreeMap::new(),
        stuck: Vec::new(),
        ofono_deaths: Vec::new(),
        exited: None,
        mem: vec![(start, start)],
        elapsed: Duration::ZERO,
    };
    for index in 1..=cfg.events {
        let shape = Shape::pick(&mut rng);
        let from = b.sim().view(|v| v.log().len());
        eprintln!(
            "soak: lane {lane}: {index}/{}: {}",
            cfg.events,
            shape.describe()
        );
        let before = shape.run(&b, &mut rng, activation_timeout);
        let end = Instant::now();
        let up = wait_up(&b, before, bound, (lane, index), &mut out.ofono_deaths);
        out.episodes = index;
        if up {
            let took = end.elapsed();
            out.recoveries.entry(shape.label()).or_default().push(took);
        } else {
            out.stuck.push(Stuck {
                lane,
                index,
                what: shape.describe(),
                at_lines: at_lines(&b, from, 40),
                log_tail: d.tail(40),
            });
        }
        if !d.is_running() {
            let status = d.wait_exit(Duration::ZERO);
            out.exited = Some(format!(
                "lane {lane}: exited during episode {index} ({status:?}):\n{}",
                d.tail(40)
            ));
            break;
        }
        if out.stuck.len() >= MAX_STUCK {
            break;
        }
        // Vary the phase a little: not every fault lands right after a recovery.
        std::thread::sleep(rng.millis(0, 200));
    }
    if out.exited.is_none() {
        out.mem[0].1 = ProcStat::read(pid).unwrap_or(start);
    }
    out.elapsed = t0.elapsed();
    d.kill();
    Ok(out)
}

/// Whether a context comes up at the modem through a new activation within
/// `bound`. If ofonod dies meanwhile, it is restarted after `RESTART_SEC`
/// and the bound starts again from there.
fn wait_up(
    b: &Bench,
    before: u32,
    bound: Duration,
    (lane, index): (usize, usize),
    deaths: &mut Vec<OfonoDeath>,
) -> bool {
    const RESTART_SEC: Duration = Duration::from_secs(5);
    let mut deadline = Instant::now() + bound;
    loop {
        let slice = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(250));
        if b.sim().wait_for(
            |s| s.activation_count() > before && !s.active_cids().is_empty(),
            slice,
        ) {
            return true;
        }
        if let Some(status) = b.ofono_died() {
            eprintln!(
                "soak: lane {lane}: {index}: ofonod ended on its own ({status}); restarting it in 5 s"
            );
            deaths.push(OfonoDeath {
                lane,
                index,
                status: status.to_string(),
                log_tail: crate::bench::procs::tail(&b.ofono_log(), 30),
            });
            std::thread::sleep(RESTART_SEC);
            b.start_ofono();
            deadline = Instant::now() + bound;
        } else if Instant::now() >= deadline {
            return false;
        }
    }
}

/// The last `n` AT lines since log index `from`, with times relative to the first.
fn at_lines(b: &Bench, from: usize, n: usize) -> Vec<String> {
    b.sim().view(|v| {
        let lines = &v.log()[from.min(v.log().len())..];
        let t = lines.first().map(|l| l.at);
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|l| {
                let dir = if l.dir == Dir::Received { "->" } else { "<-" };
                let ms = t.map_or(0.0, |t| (l.at - t).as_secs_f64() * 1000.0);
                format!("{ms:9.1} ms link {} {dir} {}", l.link, l.line)
            })
            .collect()
    })
}
