//! Command line of the bench example (scripts/bench.sh passes its flags on).

use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "usage: bench [--quick] [--episodes N] [--recoveries N] [--startups N] \
[--idle SECS] [--poll-window SECS] [--e367-runs N] [--only e367|idle] [--bin PATH] [--reference PATH] \
[--out FILE]";

#[derive(Debug, Clone)]
pub struct Args {
    /// Reaction episodes per loss kind and client.
    pub episodes: usize,
    /// Recoveries (reaction episodes included) before the second memory reading.
    pub recoveries: usize,
    pub startups: usize,
    pub idle: Duration,
    pub poll_window: Duration,
    pub bin: PathBuf,
    pub reference: PathBuf,
    pub out: PathBuf,
    /// Runs per figure of the E367 section; its ghost run only without --quick.
    pub e367_runs: usize,
    pub e367_ghost: bool,
    /// Some("e367"): that section alone.
    pub only: Option<String>,
}

pub fn parse() -> Result<Args, String> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.to_path_buf()))
        .unwrap_or_default();
    let mut a = Args {
        episodes: 200,
        recoveries: 1000,
        startups: 20,
        idle: Duration::from_secs(300),
        poll_window: Duration::from_secs(20),
        bin: exe_dir.join("../psendurance"),
        reference: exe_dir.join("reference"),
        out: PathBuf::from("target/bench.md"),
        e367_runs: 3,
        e367_ghost: true,
        only: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    // --quick first, so explicit counts given with it still win.
    if argv.iter().any(|a| a == "--quick") {
        (a.episodes, a.recoveries, a.startups) = (50, 200, 5);
        a.idle = Duration::from_secs(60);
        a.poll_window = Duration::from_secs(10);
        (a.e367_runs, a.e367_ghost) = (2, false);
    }
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        if flag == "--quick" {
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value; {USAGE}"))?;
        let count = || {
            value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{flag}: '{value}' is not a positive whole number"))
        };
        let secs = || {
            crate::common::dur::parse(&value)
                .filter(|d| !d.is_zero())
                .ok_or(format!("{flag}: '{value}' is not a positive duration"))
        };
        match flag.as_str() {
            "--episodes" => a.episodes = count()?,
            "--recoveries" => a.recoveries = count()?,
            "--startups" => {
                a.startups = value
                    .parse()
                    .map_err(|_| format!("{flag}: '{value}' is not a whole number"))?
            }
            "--idle" => a.idle = secs()?,
            "--poll-window" => a.poll_window = secs()?,
            "--bin" => a.bin = PathBuf::from(value),
            "--reference" => a.reference = PathBuf::from(value),
            "--out" => a.out = PathBuf::from(value),
            "--e367-runs" => a.e367_runs = count()?,
            "--only" if value == "e367" || value == "idle" => a.only = Some(value),
            "--only" => {
                return Err(format!(
                    "--only: '{value}' is no section; use --only e367 or --only idle"
                ));
            }
            _ => return Err(format!("unknown option '{flag}'; {USAGE}")),
        }
    }
    Ok(a)
}
