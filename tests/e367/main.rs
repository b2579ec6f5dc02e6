//! The daemon on the E367's own path: oFono's huawei driver, its PPP,
//! packets through the link the daemon configured. Needs root (network
//! namespaces, TUN, mounts); see scripts/bench-deps.sh.

#[path = "../bench/mod.rs"]
mod bench;
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
