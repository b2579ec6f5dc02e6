//! The README's "see it work": psendurance on its defaults against real
//! oFono, a different fault every few seconds, each recovery timed. The
//! E367 bench by default, the phonesim one with --phonesim. Run it with
//! scripts/demo.sh.

#[path = "../../tests/bench/mod.rs"]
mod bench;
#[path = "../../tests/bench/e367/mod.rs"]
mod e367;

mod console;
mod on_e367;
mod on_phonesim;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

const HELP: &str = "\
usage: demo [--phonesim] [--duration SECS] [--every SECS] [--bin PATH]

Runs psendurance (-f -v --apn internet, every timing its default) against
real ofonod and injects a different fault every --every SECS (default 4)
after the last recovery, until --duration SECS have passed or Ctrl-C. A
fault under way when the duration ends is seen through.

Default: the E367 bench (ofonod 1.31's huawei driver and PPP, a simulated
Huawei E367, an operator network with DNS and a TCP service); a recovery is
timed from the fault's end to a DNS answer and a TCP banner through ppp0.
Faults, in order: LCP Terminate, NW DEACT, detach/attach, deregister/
register, modem reset, unplug/replug, dials refused, ofonod restart; then
a ghost (bare NO CARRIER) and a black hole, each with a sender running and
80-100 s to recover on the defaults: these two only start with at least
150 s of --duration left (or with no --duration). One round of all ten
takes about 4 min 20 s.

--phonesim: the phonesim bench instead (AT simulator over TCP, recovery
timed at the modem, no data path).";

struct Args {
    phonesim: bool,
    duration: Option<f64>,
    every: f64,
    bin: PathBuf,
}

fn args() -> Result<Option<Args>, String> {
    let default_bin = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("psendurance")))
        .unwrap_or_else(|| PathBuf::from("target/debug/psendurance"));
    let mut out = Args {
        phonesim: false,
        duration: None,
        every: 4.0,
        bin: default_bin,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<f64>()
                .ok()
                .filter(|n| *n > 0.0 && n.is_finite())
                .ok_or(format!("{flag}: '{v}' is not a positive number of seconds"))
        };
        match flag.as_str() {
            "--phonesim" => out.phonesim = true,
            "--duration" => out.duration = Some(number(value()?)?),
            "--every" => out.every = number(value()?)?,
            "--bin" => out.bin = PathBuf::from(value()?),
            "-h" | "--help" => return Ok(None),
            _ => return Err(format!("unknown option '{flag}'; see --help")),
        }
    }
    Ok(Some(out))
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::from(2);
        }
    };
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("demo: needs root (network namespaces, ofonod's state dir); run it with sudo");
        return ExitCode::from(2);
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&stop)) {
            eprintln!("demo: cannot handle signals: {e}");
            return ExitCode::from(1);
        }
    }
    if args.phonesim {
        return on_phonesim::run(args.duration, args.every, &args.bin, stop);
    }
    let cfg = on_e367::Config {
        bin: args.bin,
        every: Duration::from_secs_f64(args.every),
        duration: args.duration.map(Duration::from_secs_f64),
    };
    if on_e367::run(&cfg, stop).ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
