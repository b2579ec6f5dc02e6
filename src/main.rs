//! psendurance: keeps a mobile data connection up through oFono.
//!
//! The life of the process: options -> logging -> signals -> loop -> exit code.

mod atomic;
mod cli;
mod counters;
mod edges;
mod events;
mod keeper;
mod log;
mod netconf;
mod netsettings;
mod notify;
mod ofono;
mod probe;
mod procfs;
mod recovery;
mod report;
mod runloop;
mod signals;
mod status;
mod target;
mod value;

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match cli::parse(&args) {
        Ok(cli::Parsed::Run(config)) => config,
        Ok(cli::Parsed::Help(text) | cli::Parsed::Version(text)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    log::init(config.foreground, config.log_level);
    let mut signals = match signals::Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("psendurance: cannot install signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    ::log::info!("psendurance {} starting", env!("CARGO_PKG_VERSION"));
    let mut keeper = keeper::Keeper::new(config.settings, Instant::now());
    let mut edges = edges::Edges::new(config.edge);
    let code = runloop::run(&mut keeper, &mut signals, &mut edges);
    edges.stopping();
    drop(edges); // undoes any network configuration before the last line
    ::log::info!("exiting with code {code}");
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
