//! Where log lines go: syslog (facility daemon, ident psendurance, with pid)
//! or, in the foreground, stderr.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let tag = match record.level() {
            Level::Error => "error: ",
            Level::Warn => "warning: ",
            _ => "",
        };
        let _ = writeln!(
            std::io::stderr().lock(),
            "psendurance: {tag}{}",
            record.args()
        );
    }

    fn flush(&self) {}
}

/// Sets the global logger; falls back to stderr when syslog is unreachable.
pub fn init(foreground: bool, level: LevelFilter) {
    log::set_max_level(level);
    if !foreground {
        let formatter = syslog::Formatter3164 {
            facility: syslog::Facility::LOG_DAEMON,
            hostname: None,
            process: "psendurance".into(),
            pid: std::process::id(),
        };
        match syslog::unix(formatter) {
            Ok(logger) => {
                let logger = syslog::BasicLogger::new(logger);
                if log::set_boxed_logger(Box::new(logger)).is_ok() {
                    return;
                }
            }
            Err(e) => {
                let _ = log::set_logger(&Stderr);
                log::warn!("syslog unavailable ({e}); logging to stderr");
                return;
            }
        }
    }
    let _ = log::set_logger(&Stderr);
}

/// Maps the keeper's levels onto the `log` crate's.
pub fn emit(level: crate::events::Level, line: &str) {
    use crate::events::Level as L;
    let level = match level {
        L::Error => Level::Error,
        L::Warn => Level::Warn,
        L::Info => Level::Info,
        L::Debug => Level::Debug,
    };
    log::log!(level, "{line}");
}
