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
//!
//! Not declared here, so that no includer carries what it never uses:
//! `peer.rs` (stand-ins for other D-Bus programs; tests/e2e and
//! src/ofono/resolved_bus.rs include it themselves) and `ofono_props.rs`
//! (typed oFono properties, `Bench::ofono`, `Bench::sync_ofono`; included
//! by tests/bench_smoke and tests/e2e). tests/e367 and
//! examples/modemsim.rs include only the modules they need.
//!
//! No blanket `allow(dead_code)`: an item only some includers use carries
//! its own `#[allow(dead_code)]` (an allowed item also keeps alive what it
//! calls), so whatever no includer uses still shows up as dead code.

pub mod bus;
pub mod daemon;
pub mod harness;
pub mod modem;
pub mod modemsim;
pub mod ofono;
pub mod procs;

pub use harness::{Bench, BenchOptions};
// Short paths for the includers; not every includer uses each of these.
#[allow(unused_imports)]
pub use bus::BusPolicy;
#[allow(unused_imports)]
pub use daemon::{Daemon, DaemonSpec};
#[allow(unused_imports)]
pub use modemsim::{AtLine, Dir};
