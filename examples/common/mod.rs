//! Helpers shared by `examples/bench` and `examples/soak` (and the soak
//! smoke test): /proc readings, percentiles, durations, the machine line.
//! Each user needs a different subset: items not all of them use carry
//! `#[allow(dead_code)]`.

pub mod dur;
pub mod machine;
pub mod procstat;
pub mod stats;
