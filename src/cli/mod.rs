//! Command-line options: parsing, validation, help. Every error is one line
//! that names the problem and the fix; nothing starts on bad input.

mod help;
mod options;
#[cfg(test)]
mod tests;
mod validate;

use std::path::PathBuf;
use std::time::Duration;

use log::LevelFilter;

use crate::keeper::Settings;
use crate::netconf::apply::NetOptions;
use validate::{
    check_apn, check_modem, check_username, check_writable_folder, command, count, one_of,
    parse_duration, parse_probe, read_password, read_pin,
};

pub struct Config {
    pub settings: Settings,
    pub edge: EdgeConfig,
    pub foreground: bool,
    pub log_level: LevelFilter,
}

/// What the edges need: network configuration, sysfs, the last resort.
pub struct EdgeConfig {
    pub net: NetOptions,
    pub sysfs_root: PathBuf,
    pub last_resort: Option<Vec<String>>,
    pub last_resort_budget: u32,
    pub state_dir: PathBuf,
    pub status_file: Option<PathBuf>,
    pub metrics_file: Option<PathBuf>,
}

impl EdgeConfig {
    /// What the edges get without options; --help shows these values.
    fn defaults() -> EdgeConfig {
        EdgeConfig {
            net: NetOptions {
                route_metric: 700,
                address: true,
                route: true,
                dns: true,
                resolv_conf: PathBuf::from("/etc/resolv.conf"),
                dhcp_command: None,
            },
            sysfs_root: PathBuf::from("/"),
            last_resort: None,
            last_resort_budget: 1,
            state_dir: PathBuf::from("/var/lib/psendurance"),
            status_file: Some(PathBuf::from("/run/psendurance/status")),
            metrics_file: None,
        }
    }
}

pub enum Parsed {
    Run(Box<Config>),
    Help(String),
    Version(String),
}

/// A bad option: print it, exit 2.
#[derive(Debug, PartialEq)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "psendurance: {} (see --help)", self.0)
    }
}

pub fn parse(args: &[String]) -> Result<Parsed, CliError> {
    let defaults = Settings::default();
    let edge_defaults = EdgeConfig::defaults();
    let opts = options::options(&defaults, &edge_defaults);
    let m = opts.parse(args).map_err(|e| CliError(e.to_string()))?;
    if m.opt_present("help") {
        return Ok(Parsed::Help(help::help(&opts)));
    }
    if m.opt_present("version") {
        return Ok(Parsed::Version(format!(
            "psendurance {}",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if let Some(extra) = m.free.first() {
        return Err(CliError(format!(
            "unexpected argument '{extra}'; options start with '-'"
        )));
    }
    if m.opt_present("verbose") && m.opt_present("quiet") {
        return Err(CliError("-v and -q contradict each other; give one".into()));
    }
    let duration = |name: &str, default: Duration| -> Result<Duration, CliError> {
        m.opt_str(name)
            .map_or(Ok(default), |v| parse_duration(name, &v))
    };
    let settings = Settings {
        modem: m.opt_str("modem").map(check_modem).transpose()?,
        apn: m.opt_str("apn").map(check_apn).transpose()?,
        username: m.opt_str("username").map(check_username).transpose()?,
        password: m
            .opt_str("password-file")
            .map(|f| read_password(&f))
            .transpose()?,
        auth: m
            .opt_str("auth")
            .map(|v| one_of("auth", v, &["pap", "chap", "none"]))
            .transpose()?,
        protocol: m
            .opt_str("protocol")
            .map(|v| one_of("protocol", v, &["ip", "ipv6", "dual"]))
            .transpose()?,
        pin: m.opt_str("pin-file").map(|f| read_pin(&f)).transpose()?,
        roaming: m.opt_present("roaming"),
        interval: duration("interval", defaults.interval)?,
        retry_min: duration("retry-min", defaults.retry_min)?,
        retry_max: duration("retry-max", defaults.retry_max)?,
        stable: duration("stable", defaults.stable)?,
        activation_timeout: duration("activation-timeout", defaults.activation_timeout)?,
        call_timeout: duration("call-timeout", defaults.call_timeout)?,
        deactivate_on_exit: m.opt_present("deactivate-on-exit"),
        probe: m
            .opt_str("probe")
            .map_or(Ok(defaults.probe.clone()), |v| parse_probe(&v))?,
        probe_interval: duration("probe-interval", defaults.probe_interval)?,
        probe_failures: count(&m, "probe-failures", defaults.probe_failures, 1..=100)?,
        step_cooldown: duration("step-cooldown", defaults.step_cooldown)?,
        suspend_grace: duration("suspend-grace", defaults.suspend_grace)?,
        usb_reset: !m.opt_present("no-usb-reset"),
        stall_timeout: duration("stall-timeout", defaults.stall_timeout)?,
        last_resort: m.opt_present("last-resort-command"),
        dns: !m.opt_present("no-dns"),
    };
    let path_or = |name: &str, default: PathBuf| m.opt_str(name).map_or(default, PathBuf::from);
    let e = edge_defaults;
    let edge = EdgeConfig {
        net: NetOptions {
            // The IPv4 route ioctl stores metric + 1 in a short.
            route_metric: count(&m, "route-metric", e.net.route_metric, 0..=32766)?,
            address: !m.opt_present("no-address"),
            route: !m.opt_present("no-route"),
            dns: !m.opt_present("no-dns"),
            resolv_conf: path_or("resolv-conf", e.net.resolv_conf),
            dhcp_command: m
                .opt_str("dhcp-command")
                .map(|c| command("dhcp-command", &c))
                .transpose()?,
        },
        sysfs_root: path_or("sysfs-root", e.sysfs_root),
        last_resort: m
            .opt_str("last-resort-command")
            .map(|c| command("last-resort-command", &c))
            .transpose()?,
        last_resort_budget: count(&m, "last-resort-budget", e.last_resort_budget, 1..=100)?,
        state_dir: path_or("state-dir", e.state_dir),
        // An empty --status-file turns the status file off.
        status_file: match m.opt_str("status-file") {
            Some(p) if p.is_empty() => None,
            Some(p) => Some(PathBuf::from(p)),
            None => e.status_file,
        },
        metrics_file: m.opt_str("metrics-file").map(PathBuf::from),
    };
    for (name, path) in [
        ("status-file", &edge.status_file),
        ("metrics-file", &edge.metrics_file),
    ] {
        if let Some(path) = path {
            check_writable_folder(name, path)?;
        }
    }
    if settings.retry_max < settings.retry_min {
        return Err(CliError(
            "--retry-max is shorter than --retry-min; make it at least as long".into(),
        ));
    }
    let log_level = match (m.opt_count("verbose"), m.opt_present("quiet")) {
        (_, true) => LevelFilter::Warn,
        (0, _) => LevelFilter::Info,
        _ => LevelFilter::Debug,
    };
    Ok(Parsed::Run(Box::new(Config {
        settings,
        edge,
        foreground: m.opt_present("foreground"),
        log_level,
    })))
}
