//! Command-line options: parsing, validation, help. Every error is one line
//! that names the problem and the fix; nothing starts on bad input.

use std::path::PathBuf;
use std::time::Duration;

use getopts::Options;
use log::LevelFilter;

use crate::keeper::{ProbeMode, Settings};
use crate::netconf::apply::NetOptions;

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

fn options() -> Options {
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
    o.optopt(
        "i",
        "interval",
        "re-read the state every SECS (default 30)",
        "SECS",
    );
    o.optopt(
        "",
        "retry-min",
        "first backoff step after a failure (default 2)",
        "SECS",
    );
    o.optopt(
        "",
        "retry-max",
        "longest wait between retries (default 300)",
        "SECS",
    );
    o.optopt(
        "",
        "stable",
        "a link up this long resets the backoff (default 120)",
        "SECS",
    );
    o.optopt(
        "",
        "activation-timeout",
        "give an activation this long (default 120)",
        "SECS",
    );
    o.optopt(
        "",
        "call-timeout",
        "give other oFono calls this long (default 25)",
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
        "metric of the default route via the modem (default 700)",
        "N",
    );
    o.optflag("", "no-address", "do not set the context's address");
    o.optflag("", "no-route", "do not add a default route via the modem");
    o.optflag("", "no-dns", "do not touch the name servers");
    o.optopt(
        "",
        "resolv-conf",
        "name server file when resolvconf is absent (default /etc/resolv.conf)",
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
        "data-path probe: dns (default), tcp:IP:PORT or off",
        "HOW",
    );
    o.optopt(
        "",
        "probe-interval",
        "probe the data path every SECS (default 60; sooner in a data stall)",
        "SECS",
    );
    o.optopt(
        "",
        "probe-failures",
        "failures in a row that mean the link is dead (default 3)",
        "N",
    );
    o.optopt(
        "",
        "step-cooldown",
        "wait after recovery step 1; higher steps wait longer (default 30)",
        "SECS",
    );
    o.optopt(
        "",
        "suspend-grace",
        "wait out Suspended=true this long before recovering (default 60)",
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
        "SIM never ready, or registered but not attached, this long: recover (default 60)",
        "SECS",
    );
    o.optopt(
        "",
        "status-file",
        "state for other software, '' for none (default /run/psendurance/status)",
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
        "where sysfs is mounted, for tests (default /)",
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
        "at most N last-resort runs per 24 hours (default 1)",
        "N",
    );
    o.optopt(
        "",
        "state-dir",
        "where the last-resort budget is kept (default /var/lib/psendurance)",
        "DIR",
    );
    o.optflag("f", "foreground", "log to stderr instead of syslog");
    o.optflagmulti("v", "verbose", "log every call and decision");
    o.optflag("q", "quiet", "log only warnings and errors");
    o.optflag("h", "help", "print this help");
    o.optflag("V", "version", "print the version");
    o
}

pub fn parse(args: &[String]) -> Result<Parsed, CliError> {
    let opts = options();
    let m = opts.parse(args).map_err(|e| CliError(e.to_string()))?;
    if m.opt_present("help") {
        let brief = "Usage: psendurance [OPTIONS]\n\nKeeps a mobile data connection up through oFono: powers the modem, \
                     brings it online,\nactivates the internet context and re-activates it whenever it is lost.";
        return Ok(Parsed::Help(opts.usage(brief)));
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
    let defaults = Settings::default();
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
            .map_or(Ok(ProbeMode::Dns), |v| parse_probe(&v))?,
        probe_interval: duration("probe-interval", defaults.probe_interval)?,
        probe_failures: count(&m, "probe-failures", defaults.probe_failures, 1..=100)?,
        step_cooldown: duration("step-cooldown", defaults.step_cooldown)?,
        suspend_grace: duration("suspend-grace", defaults.suspend_grace)?,
        usb_reset: !m.opt_present("no-usb-reset"),
        stall_timeout: duration("stall-timeout", defaults.stall_timeout)?,
        last_resort: m.opt_present("last-resort-command"),
        dns: !m.opt_present("no-dns"),
    };
    let path_or =
        |name: &str, default: &str| PathBuf::from(m.opt_str(name).unwrap_or(default.into()));
    let edge = EdgeConfig {
        net: NetOptions {
            // The IPv4 route ioctl stores metric + 1 in a short.
            route_metric: count(&m, "route-metric", 700, 0..=32766)?,
            address: !m.opt_present("no-address"),
            route: !m.opt_present("no-route"),
            dns: !m.opt_present("no-dns"),
            resolv_conf: path_or("resolv-conf", "/etc/resolv.conf"),
            dhcp_command: m
                .opt_str("dhcp-command")
                .map(|c| command("dhcp-command", &c))
                .transpose()?,
        },
        sysfs_root: path_or("sysfs-root", "/"),
        last_resort: m
            .opt_str("last-resort-command")
            .map(|c| command("last-resort-command", &c))
            .transpose()?,
        last_resort_budget: count(&m, "last-resort-budget", 1, 1..=100)?,
        state_dir: path_or("state-dir", "/var/lib/psendurance"),
        // An empty --status-file turns the status file off.
        status_file: Some(path_or("status-file", "/run/psendurance/status"))
            .filter(|p| !p.as_os_str().is_empty()),
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

/// Seconds (fractions allowed), or with a unit: `500ms`, `30s`, `5m`, `1h`.
fn parse_duration(name: &str, text: &str) -> Result<Duration, CliError> {
    let bad = || {
        CliError(format!(
            "--{name}: '{text}' is not a duration; give seconds like 30 or 2.5, or 500ms, 5m, 1h"
        ))
    };
    let (number, scale) = [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)]
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((text, 1.0));
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let secs = value * scale;
    if !secs.is_finite() || secs <= 0.0 {
        return Err(CliError(format!(
            "--{name}: '{text}' must be more than zero"
        )));
    }
    if secs > 7.0 * 86400.0 {
        return Err(CliError(format!(
            "--{name}: '{text}' is over a week; give less"
        )));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn count(
    m: &getopts::Matches,
    name: &str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, CliError> {
    let Some(text) = m.opt_str(name) else {
        return Ok(default);
    };
    match text.parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(CliError(format!(
            "--{name}: '{text}' is not a whole number from {} to {}",
            range.start(),
            range.end()
        ))),
    }
}

fn parse_probe(text: &str) -> Result<ProbeMode, CliError> {
    match text {
        "dns" => Ok(ProbeMode::Dns),
        "off" => Ok(ProbeMode::Off),
        _ if text.starts_with("tcp:") => crate::probe::parse_target(text)
            .map(ProbeMode::Fixed)
            .map_err(|e| CliError(format!("--probe: {e}"))),
        _ => Err(CliError(format!(
            "--probe: '{text}' is not dns, off or tcp:IP:PORT"
        ))),
    }
}

/// An argv run without a shell; the program must exist and be executable.
fn command(name: &str, text: &str) -> Result<Vec<String>, CliError> {
    use std::os::unix::fs::PermissionsExt;
    let argv: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let Some(program) = argv.first() else {
        return Err(CliError(format!("--{name}: give a command")));
    };
    let runnable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let found = if program.contains('/') {
        runnable(std::path::Path::new(program))
    } else {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| runnable(&d.join(program))))
    };
    if !found {
        return Err(CliError(format!(
            "--{name}: '{program}' is not an executable program; give its full path"
        )));
    }
    Ok(argv)
}

/// The file's folder (or, if it does not exist yet, the nearest folder
/// above it, where it would be created) must be writable by us now.
fn check_writable_folder(name: &str, path: &std::path::Path) -> Result<(), CliError> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let existing = parent
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(std::path::Path::new("/"));
    let writable = std::ffi::CString::new(existing.as_os_str().as_encoded_bytes())
        // SAFETY: a valid NUL-terminated path; access(2) only reads it.
        .is_ok_and(|c| existing.is_dir() && unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0);
    if writable {
        return Ok(());
    }
    Err(CliError(format!(
        "--{name}: cannot write in {}; make it writable for this user, or give another path",
        existing.display()
    )))
}

fn check_modem(path: String) -> Result<String, CliError> {
    let ok = path.starts_with('/')
        && path.len() < 256
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/');
    if ok {
        Ok(path)
    } else {
        Err(CliError(format!(
            "--modem: '{path}' is not an oFono object path; give one like /huawei_0 (list-modems shows them)"
        )))
    }
}

fn check_apn(apn: String) -> Result<String, CliError> {
    if apn.is_empty() || apn.len() > 100 {
        return Err(CliError(format!(
            "--apn: '{apn}' must be 1 to 100 characters; give your operator's APN"
        )));
    }
    if let Some(c) = apn
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(CliError(format!(
            "--apn: '{apn}' contains {c:?}; an APN has only letters, digits, '-' and '.'"
        )));
    }
    Ok(apn)
}

fn check_username(name: String) -> Result<String, CliError> {
    if name.len() > 255 || name.chars().any(char::is_control) {
        return Err(CliError(
            "--username: must be at most 255 characters with no control characters".into(),
        ));
    }
    Ok(name)
}

fn one_of(name: &str, value: String, allowed: &[&str]) -> Result<String, CliError> {
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(CliError(format!(
            "--{name}: '{value}' is not one of {}",
            allowed.join(", ")
        )))
    }
}

fn read_secret(option: &str, file: &str) -> Result<String, CliError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError(format!(
            "--{option}: cannot read {file}: {e}; check the path and its permissions"
        ))
    })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

fn read_pin(file: &str) -> Result<String, CliError> {
    let pin = read_secret("pin-file", file)?;
    let pin = pin.trim().to_string();
    if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(CliError(format!(
            "--pin-file: {file} must hold the PIN alone, 4 to 8 digits"
        )));
    }
    Ok(pin)
}

fn read_password(file: &str) -> Result<String, CliError> {
    let password = read_secret("password-file", file)?;
    if password.len() > 255 || password.chars().any(char::is_control) {
        return Err(CliError(format!(
            "--password-file: {file} must hold one line of at most 255 characters"
        )));
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, CliError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&args)? {
            Parsed::Run(c) => Ok(*c),
            _ => panic!("not a run"),
        }
    }

    fn err(args: &[&str]) -> String {
        match run(args) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{args:?} was accepted"),
        }
    }

    #[test]
    fn defaults_match_the_documentation() {
        let c = run(&[]).unwrap();
        assert_eq!(c.settings, Settings::default());
        assert_eq!(c.settings.interval, Duration::from_secs(30));
        assert!(!c.settings.roaming, "roaming must be opt-in");
        assert_eq!(c.log_level, LevelFilter::Info);
    }

    #[test]
    fn parses_durations_with_units() {
        let c = run(&["-i", "2.5", "--retry-min", "500ms", "--retry-max", "5m"]).unwrap();
        assert_eq!(c.settings.interval, Duration::from_millis(2500));
        assert_eq!(c.settings.retry_min, Duration::from_millis(500));
        assert_eq!(c.settings.retry_max, Duration::from_secs(300));
    }

    #[test]
    fn bad_input_is_one_line_naming_the_option() {
        for (args, needle) in [
            (
                &["--interval", "soon"][..],
                "--interval: 'soon' is not a duration",
            ),
            (&["--interval", "0"][..], "must be more than zero"),
            (&["--apn", "my apn"][..], "contains ' '"),
            (&["--auth", "md5"][..], "not one of pap, chap, none"),
            (
                &["--pin-file", "/nonexistent/pin"][..],
                "cannot read /nonexistent/pin",
            ),
            (&["--bogus"][..], "Unrecognized option"),
            (&["extra"][..], "unexpected argument 'extra'"),
            (&["--modem", "huawei"][..], "not an oFono object path"),
            (
                &["--retry-min", "10", "--retry-max", "5"][..],
                "shorter than --retry-min",
            ),
            (&["--probe", "tcp:example.com:80"][..], "--probe: "),
            (&["--probe", "ping"][..], "not dns, off or tcp:IP:PORT"),
            (
                &["--probe-failures", "0"][..],
                "not a whole number from 1 to 100",
            ),
            (
                &["--last-resort-command", "/no/such/reboot"][..],
                "not an executable program",
            ),
            (&["--dhcp-command", " "][..], "give a command"),
            (
                &["--status-file", "/etc/hostname/status"][..],
                "--status-file: cannot write in /etc/hostname",
            ),
            (
                &["--metrics-file", "/etc/passwd/m/metrics.prom"][..],
                "--metrics-file: cannot write in /etc/passwd",
            ),
        ] {
            let e = err(args);
            assert!(e.contains(needle), "{args:?}: {e}");
            assert!(!e.contains('\n'), "{args:?}: more than one line: {e}");
        }
        let long = "a".repeat(101);
        assert!(err(&["--apn", &long]).contains("1 to 100 characters"));
    }

    #[test]
    fn pin_comes_from_a_file_and_must_be_4_to_8_digits() {
        let dir = std::env::temp_dir().join(format!("psendurance-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good");
        let bad = dir.join("bad");
        std::fs::write(&good, "1234\n").unwrap();
        std::fs::write(&bad, "12ab\n").unwrap();
        let c = run(&["--pin-file", good.to_str().unwrap()]).unwrap();
        assert_eq!(c.settings.pin.as_deref(), Some("1234"));
        assert!(err(&["--pin-file", bad.to_str().unwrap()]).contains("4 to 8 digits"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
