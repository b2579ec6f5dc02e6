//! The --help text: a brief, then getopts' table, whose default values
//! options.rs writes from `Settings::default()` and the edge defaults.

use std::time::Duration;

use getopts::Options;

use crate::keeper::ProbeMode;

const BRIEF: &str = "Usage: psendurance [OPTIONS]\n\nKeeps a mobile data connection up through oFono: powers the modem, \
                     brings it online,\nactivates the internet context and re-activates it whenever it is lost.";

pub(super) fn help(opts: &Options) -> String {
    opts.usage(BRIEF)
}

/// A duration as the options take it: whole seconds, else a fraction.
pub(super) fn secs(d: Duration) -> String {
    let fraction = format!("{:09}", d.subsec_nanos());
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        d.as_secs().to_string()
    } else {
        format!("{}.{fraction}", d.as_secs())
    }
}

/// The probe kinds, the default one marked.
pub(super) fn probe_choices(default: &ProbeMode) -> String {
    let mark = |kind: &str, is: bool| {
        if is {
            format!("{kind} (default)")
        } else {
            kind.to_string()
        }
    };
    format!(
        "{}, {} or {}",
        mark("dns", *default == ProbeMode::Dns),
        mark("tcp:IP:PORT", matches!(default, ProbeMode::Fixed(_))),
        mark("off", *default == ProbeMode::Off)
    )
}
