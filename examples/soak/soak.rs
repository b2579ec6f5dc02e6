//! The soak itself, loaded with `#[path]` by `examples/soak/main.rs` and by
//! `tests/soak_smoke.rs` (both define `crate::bench` and `crate::common`).

pub mod episode;
pub mod faults;
pub mod report;
pub mod rng;
pub mod run;

/// psendurance's options for the soak unless `--daemon-args` overrides
/// them: the defaults users get, but for what this bench cannot do (the
/// phonesim context has no interface to probe through, and its modem no USB
/// device to re-enumerate).
pub const DAEMON_ARGS: [&str; 5] = ["-f", "-v", "--probe", "off", "--no-usb-reset"];

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
