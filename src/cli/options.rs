//! The getopts table: every option, its value hint and its help line. The
//! defaults in the help lines come from the values `parse` falls back to.

use getopts::Options;

use super::EdgeConfig;
use super::help::{probe_choices, secs};
use crate::keeper::Settings;

pub(super) fn options(s: &Settings, e: &EdgeConfig) -> Options {
    let mut o = Options::new();
    o.optopt(
        "m",
        "modem",
        "keep this modem up (default: the first hardware modem)",
        "PATH",
    );
    o.optopt(
        "a",
        "apn",
        "access point name of the internet context",
        "APN",
    );
    o.optopt("u", "username", "user name for the context", "NAME");
    o.optopt(
        "",
        "password-file",
        "file holding the context's password",
        "FILE",
    );
    o.optopt("", "auth", "authentication: pap, chap or none", "METHOD");
    o.optopt(
        "",
        "protocol",
        "context protocol: ip, ipv6 or dual",
        "PROTO",
    );
    o.optopt(
        "",
        "pin-file",
        "file holding the SIM PIN (entered only with 2+ tries left)",
        "FILE",
    );
    o.optflag(
        "r",
        "roaming",
        "allow data while roaming (off by default: roaming costs)",
    );
    let d = |text: &str, value: String| format!("{text} (default {value})");
    o.optopt(
        "i",
        "interval",
        &d("re-read the state every SECS", secs(s.interval)),
        "SECS",
    );
    o.optopt(
        "",
        "retry-min",
        &d("first backoff step after a failure", secs(s.retry_min)),
        "SECS",
    );
    o.optopt(
        "",
        "retry-max",
        &d("longest wait between retries", secs(s.retry_max)),
        "SECS",
    );
    o.optopt(
        "",
        "stable",
        &d("a link up this long resets the backoff", secs(s.stable)),
        "SECS",
    );
    o.optopt(
        "",
        "activation-timeout",
        &d("give an activation this long", secs(s.activation_timeout)),
        "SECS",
    );
    o.optopt(
        "",
        "call-timeout",
        &d("give other oFono calls this long", secs(s.call_timeout)),
        "SECS",
    );
    o.optflag(
        "",
        "deactivate-on-exit",
        "deactivate the context on SIGTERM/SIGINT",
    );
    o.optopt(
        "",
        "route-metric",
        &d(
            "metric of the default route via the modem",
            e.net.route_metric.to_string(),
        ),
        "N",
    );
    o.optflag("", "no-address", "do not set the context's address");
    o.optflag("", "no-route", "do not add a default route via the modem");
    o.optflag("", "no-dns", "do not touch the name servers");
    o.optopt(
        "",
        "resolv-conf",
        &d(
            "name server file when resolvconf is absent",
            e.net.resolv_conf.display().to_string(),
        ),
        "FILE",
    );
    o.optopt(
        "",
        "dhcp-command",
        "run this for contexts that use DHCP ({iface} = interface)",
        "CMD",
    );
    o.optopt(
        "",
        "probe",
        &format!("data-path probe: {}", probe_choices(&s.probe)),
        "HOW",
    );
    o.optopt(
        "",
        "probe-interval",
        &format!(
            "probe the data path every SECS (default {}; sooner in a data stall)",
            secs(s.probe_interval)
        ),
        "SECS",
    );
    o.optopt(
        "",
        "probe-failures",
        &d(
            "failures in a row that mean the link is dead",
            s.probe_failures.to_string(),
        ),
        "N",
    );
    o.optopt(
        "",
        "step-cooldown",
        &d(
            "wait after recovery step 1; higher steps wait longer",
            secs(s.step_cooldown),
        ),
        "SECS",
    );
    o.optopt(
        "",
        "suspend-grace",
        &d(
            "wait out Suspended=true this long before recovering",
            secs(s.suspend_grace),
        ),
        "SECS",
    );
    o.optflag(
        "",
        "no-usb-reset",
        "never re-enumerate the modem's USB device",
    );
    o.optopt(
        "",
        "stall-timeout",
        &d(
            "SIM never ready, or registered but not attached, this long: recover",
            secs(s.stall_timeout),
        ),
        "SECS",
    );
    let status = e.status_file.as_deref().unwrap_or("".as_ref());
    o.optopt(
        "",
        "status-file",
        &d(
            "state for other software, '' for none",
            status.display().to_string(),
        ),
        "FILE",
    );
    o.optopt(
        "",
        "metrics-file",
        "also write metrics here (node_exporter textfile format)",
        "FILE",
    );
    o.optopt(
        "",
        "sysfs-root",
        &d(
            "where sysfs is mounted, for tests",
            e.sysfs_root.display().to_string(),
        ),
        "DIR",
    );
    o.optopt(
        "",
        "last-resort-command",
        "final recovery step, e.g. /sbin/reboot",
        "CMD",
    );
    o.optopt(
        "",
        "last-resort-budget",
        &d(
            "at most N last-resort runs per 24 hours",
            e.last_resort_budget.to_string(),
        ),
        "N",
    );
    o.optopt(
        "",
        "state-dir",
        &d(
            "where the last-resort budget is kept",
            e.state_dir.display().to_string(),
        ),
        "DIR",
    );
    o.optflag("f", "foreground", "log to stderr instead of syslog");
    o.optflagmulti("v", "verbose", "log every call and decision");
    o.optflag("q", "quiet", "log only warnings and errors");
    o.optflag("h", "help", "print this help");
    o.optflag("V", "version", "print the version");
    o
}
