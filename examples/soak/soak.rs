//! The soak itself, loaded with `#[path]` by `examples/soak/main.rs` and by
//! `tests/soak_smoke.rs` (both define `crate::bench` and `crate::common`).

pub mod episode;
pub mod faults;
pub mod report;
pub mod rng;
pub mod run;

/// psendurance's options for the soak unless `--daemon-args` overrides
/// them: quick retries and polls, a short hang deadline (a hang
/// power-cycles the modem), links stable after 3 s, no data-path probe
/// (the phonesim context has no interface to probe through).
pub const DAEMON_ARGS: [&str; 17] = [
    "-f",
    "-v",
    "--interval",
    "5",
    "--retry-min",
    "0.2",
    "--retry-max",
    "1",
    "--stable",
    "3",
    "--activation-timeout",
    "3",
    "--call-timeout",
    "5",
    "--probe",
    "off",
    "--no-usb-reset",
];

/// The defaults with `extra` laid over them: an option given in `extra`
/// replaces the default's value (getopts refuses an option twice).
pub fn daemon_args(extra: &[String]) -> Vec<String> {
    let takes_value = |i: usize, v: &[String]| v.get(i + 1).is_some_and(|n| !n.starts_with('-'));
    let mut out: Vec<String> = Vec::new();
    let defaults: Vec<String> = DAEMON_ARGS.iter().map(|s| s.to_string()).collect();
    let mut i = 0;
    while i < defaults.len() {
        let n = if takes_value(i, &defaults) { 2 } else { 1 };
        if !extra.contains(&defaults[i]) {
            out.extend_from_slice(&defaults[i..i + n]);
        }
        i += n;
    }
    out.extend_from_slice(extra);
    out
}
