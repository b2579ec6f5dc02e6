//! The daemon on the E367's own path: oFono's huawei driver, its PPP,
//! packets through the link the daemon configured. Needs root (network
//! namespaces, TUN, mounts); see scripts/bench-deps.sh.

/// Of the phonesim bench, only what the E367 bench builds on.
#[path = "../bench"]
mod bench {
    pub mod bus;
    pub mod daemon;
    pub mod modem;
    pub mod ofono;
    pub mod procs;
}
#[path = "../bench/e367/mod.rs"]
mod e367;

mod auth;
mod bringup;
mod common;
mod device;
mod dial;
mod dns;
mod firmware;
mod flap;
mod ghost;
mod restart;
mod session;
