//! The E367 bench: oFono 1.31's own `huawei` driver and userspace PPP
//! against a simulated Huawei E367 on two ptys, whose far side is an
//! operator network in its own namespace. See `harness.rs`.
//! Items only some includers use carry `#[allow(dead_code)]` (see
//! `tests/bench/mod.rs`).

pub mod at;
pub mod dongle;
pub mod harness;
pub mod netns;
pub mod operator;
pub mod ppp;
pub mod pty;
pub mod tun;

pub use harness::E367Bench;
