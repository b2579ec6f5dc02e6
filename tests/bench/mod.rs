//! Test bench shared by the end-to-end tests (`mod bench;`) and
//! `examples/demo.rs` (`#[path = "../tests/bench/mod.rs"] mod bench;`):
//! a private system bus, a real `ofonod` with the phonesim plugin, and a
//! modem simulator whose faults the tests inject.
//!
//! ```ignore
//! let b = Bench::start_with(BenchOptions {
//!     daemon_bin: Some(env!("CARGO_BIN_EXE_psendurance").into()),
//!     ..BenchOptions::default()
//! });
//! let d = b.spawn_daemon(&["-f", "-v"]);
//! assert!(b.sim().wait_for(|s| s.is_active(1), Duration::from_secs(5)));
//! b.sim().network_deactivate(1); // a ghost in oFono; the daemon must notice
//! ```
//! Env: BENCH_KEEP=1 keeps `<tmp>/psendurance-bench-*` (also kept after a
//! panic), BENCH_VERBOSE=1 echoes the daemon's output, PSENDURANCE_BIN.
#![allow(dead_code)]
// Re-exports for test files; each uses a different subset.
#![allow(unused_imports)]

pub mod bus;
pub mod daemon;
pub mod harness;
pub mod modem;
pub mod modemsim;
pub mod ofono;
pub mod peer;
pub mod procs;

pub use bus::BusPolicy;
pub use daemon::{Daemon, DaemonSpec};
pub use harness::{Bench, BenchOptions};
pub use modemsim::{AtLine, Dir, ModemSim, SimConfig};
pub use peer::StandIn;
pub use procs::ensure_prereqs;
