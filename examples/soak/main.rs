//! Seeded random fault episodes against the real-oFono bench, each followed
//! by a check that a context is really active at the modem again. Run it
//! with scripts/soak.sh (root, like the bench).
//!
//!     soak --events N --seed S [--daemon-args "ARGS"] [--lanes N] [--bin PATH] [--out FILE]

#[path = "../../tests/bench/mod.rs"]
mod bench;
#[path = "../common/mod.rs"]
mod common;
#[path = "soak.rs"]
mod soak;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: soak [--events N] [--seed S] [--daemon-args \"ARGS\"] [--lanes N] [--bin PATH] [--out FILE]";

fn main() -> ExitCode {
    let (cfg, out) = match parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let machine = common::machine::describe();
    eprintln!("soak: {machine}; seed {}", cfg.seed);
    let outcome = match soak::run::run(&cfg) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(1);
        }
    };
    let md = soak::report::render(&cfg, &outcome, &machine);
    println!("{md}");
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&out, &md) {
        Ok(()) => println!("written to {}", out.display()),
        Err(e) => eprintln!("soak: cannot write {}: {e}", out.display()),
    }
    if soak::report::passed(&outcome) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn parse() -> Result<(soak::run::Config, PathBuf), String> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.to_path_buf()))
        .unwrap_or_default();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs());
    let mut cfg = soak::run::Config {
        events: 100,
        seed,
        bin: exe_dir.join("../psendurance"),
        daemon_args: soak::daemon_args(&[]),
        lanes: 1,
    };
    let mut out = PathBuf::from("target/soak.md");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value; {USAGE}"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: '{value}' is not a whole number"))
        };
        match flag.as_str() {
            "--events" => cfg.events = number()? as usize,
            "--seed" => cfg.seed = number()?,
            "--lanes" => cfg.lanes = number()?.max(1) as usize,
            "--daemon-args" => {
                let extra: Vec<String> = value.split_whitespace().map(String::from).collect();
                cfg.daemon_args = soak::daemon_args(&extra);
            }
            "--bin" => cfg.bin = PathBuf::from(value),
            "--out" => out = PathBuf::from(value),
            _ => return Err(format!("unknown option '{flag}'; {USAGE}")),
        }
    }
    Ok((cfg, out))
}
