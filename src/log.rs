//! Where log lines go: syslog (facility daemon, ident psendurance, with pid)
//! or, in the foreground, stderr.
//!
//! The syslog crate carries the lines to /dev/log; the line format is ours:
//! `<pri>psendurance[pid]: text` with no timestamp, so the local syslog
//! stamps it on arrival in its own time zone (the crate's RFC 3164 formatter
//! stamps UTC, and pulls in a date library four times our own code's size).

use std::io::Write;
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use syslog::{Facility, LogFormat, Logger, LoggerBackend, Severity};

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
        // One write per line: stderr is unbuffered, and three small writes
        // to a pipe cost more than formatting first.
        let line = format!("psendurance: {tag}{}\n", record.args());
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

/// `<pri>psendurance[pid]: text`, as glibc's syslog(3) sends it, minus the time.
#[derive(Clone)]
struct LocalFormat {
    pid: u32,
}

impl LogFormat<String> for LocalFormat {
    fn format<W: Write>(
        &self,
        w: &mut W,
        severity: Severity,
        message: String,
    ) -> syslog::Result<()> {
        let pri = Facility::LOG_DAEMON as u8 | severity as u8;
        write!(w, "<{pri}>psendurance[{}]: {message}", self.pid).map_err(syslog::Error::Write)
    }
}

struct Syslog {
    logger: Mutex<Logger<LoggerBackend, LocalFormat>>,
    /// The socket to reconnect to (tests); `None`: the system's /dev/log.
    path: Option<std::path::PathBuf>,
}

impl Syslog {
    fn send(logger: &mut Logger<LoggerBackend, LocalFormat>, level: Level, line: String) -> bool {
        let sent = match level {
            Level::Error => logger.err(line),
            Level::Warn => logger.warning(line),
            Level::Info => logger.info(line),
            Level::Debug | Level::Trace => logger.debug(line),
        };
        sent.is_ok()
    }
}

impl Log for Syslog {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        let Ok(mut logger) = self.logger.lock() else {
            return;
        };
        if !Syslog::send(&mut logger, record.level(), record.args().to_string()) {
            // The syslog daemon restarted: its socket is new. Reconnect once.
            let format = logger.formatter.clone();
            let fresh = match &self.path {
                Some(path) => syslog::unix_custom(format, path),
                None => syslog::unix(format),
            };
            if let Ok(fresh) = fresh {
                *logger = fresh;
                Syslog::send(&mut logger, record.level(), record.args().to_string());
            }
        }
    }

    fn flush(&self) {}
}

/// Sets the global logger; falls back to stderr when syslog is unreachable.
pub fn init(foreground: bool, level: LevelFilter) {
    log::set_max_level(level);
    if !foreground {
        let format = LocalFormat {
            pid: std::process::id(),
        };
        match syslog::unix(format) {
            Ok(logger) => {
                let logger = Syslog {
                    logger: Mutex::new(logger),
                    path: None,
                };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_look_like_syslog3_without_a_timestamp() {
        let mut out = Vec::new();
        let f = LocalFormat { pid: 812 };
        f.format(&mut out, Severity::LOG_WARNING, "context lost".to_string())
            .unwrap();
        // daemon (3) << 3 | warning (4) = 28
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<28>psendurance[812]: context lost"
        );
    }

    /// Plays the syslog daemon: a datagram socket, restarted under the
    /// logger's feet; lines keep arriving.
    #[test]
    fn survives_a_syslog_restart() {
        use std::os::unix::net::UnixDatagram;
        let dir = std::env::temp_dir().join(format!("psendurance-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log");
        let recv = |daemon: &UnixDatagram| {
            let mut buf = [0u8; 128];
            daemon
                .set_read_timeout(Some(std::time::Duration::from_secs(2)))
                .unwrap();
            let n = daemon.recv(&mut buf).unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        };
        let daemon = UnixDatagram::bind(&path).unwrap();
        let sys = Syslog {
            logger: Mutex::new(syslog::unix_custom(LocalFormat { pid: 1 }, &path).unwrap()),
            path: Some(path.clone()),
        };
        let info = |text| Record::builder().args(text).level(Level::Info).build();
        sys.log(&info(format_args!("one")));
        assert_eq!(recv(&daemon), "<30>psendurance[1]: one");
        drop(daemon);
        std::fs::remove_file(&path).unwrap();
        let daemon = UnixDatagram::bind(&path).unwrap();
        sys.log(&info(format_args!("two")));
        assert_eq!(recv(&daemon), "<30>psendurance[1]: two");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
