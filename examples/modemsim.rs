//! The bench's modem simulator on its own, for scripts/check-deb.sh: oFono's
//! phonesim plugin dials it on 127.0.0.1:PORT. Every change at the modem is
//! written to the state file (replaced whole), so a shell script can wait
//! for what really reached the modem:
//!
//!   connections=1  attached=1  active=1  apn=internet.check  activations=1
//!
//! one key=value a line: links oFono opened, packet service attached,
//! context 1 active, its APN, and `AT+CGACT=1` commands seen so far.
//!
//!   cargo run --example modemsim -- --port 12345 --state FILE
//!
//! Runs until SIGTERM or SIGINT.

/// Of the bench, only the simulator and its modem model.
#[path = "../tests/bench"]
mod bench {
    pub mod modem;
    pub mod modemsim;
}

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bench::modemsim::{ModemSim, SimConfig, SimView};

fn state(v: &SimView) -> String {
    let apn = v
        .modem()
        .contexts
        .get(&1)
        .map(|p| p.apn.clone())
        .unwrap_or_default();
    format!(
        "connections={}\nattached={}\nactive={}\napn={apn}\nactivations={}\n",
        v.connections(),
        u8::from(v.attached()),
        u8::from(v.is_active(1)),
        v.activation_count()
    )
}

fn args() -> Result<(u16, PathBuf), String> {
    let mut port = None;
    let mut file = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => port = Some(value.parse().map_err(|_| format!("bad port '{value}'"))?),
            "--state" => file = Some(PathBuf::from(value)),
            _ => {
                return Err(format!(
                    "unknown option '{flag}'; use --port N --state FILE"
                ));
            }
        }
    }
    match (port, file) {
        (Some(p), Some(f)) => Ok((p, f)),
        _ => Err("--port N and --state FILE are needed".into()),
    }
}

fn write(file: &PathBuf, text: &str) -> std::io::Result<()> {
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, file)
}

fn main() -> ExitCode {
    let (port, file) = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("modemsim: {e}");
            return ExitCode::from(2);
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&stop)) {
            eprintln!("modemsim: cannot handle signals: {e}");
            return ExitCode::from(1);
        }
    }
    let sim = match ModemSim::start_on(SimConfig::default(), port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("modemsim: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut last = String::new();
    while !stop.load(Ordering::Relaxed) {
        let now = sim.view(state);
        if now != last {
            if let Err(e) = write(&file, &now) {
                eprintln!("modemsim: cannot write {}: {e}", file.display());
                sim.shutdown();
                return ExitCode::from(1);
            }
            last = now;
        }
        // Woken by every change at the modem; the timeout only looks at `stop`.
        sim.wait_for(|v| state(v) != last, Duration::from_millis(200));
    }
    sim.shutdown();
    ExitCode::SUCCESS
}
