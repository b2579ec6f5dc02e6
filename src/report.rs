//! The status file (key=value lines) and the optional metrics file in the
//! node_exporter textfile format, each replaced atomically, so other
//! software on the board can see how the link is doing.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::status::Status;

/// Seconds since the epoch of a monotonic instant (via the clock now).
fn epoch(at: Instant, now: Instant, wall: SystemTime) -> u64 {
    let wall = wall
        .checked_sub(now.saturating_duration_since(at))
        .unwrap_or(wall);
    wall.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `2026-11-26T14:05:09Z`.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn status_text(s: &Status, now: Instant, wall: SystemTime) -> String {
    let time = |at: Instant| rfc3339(epoch(at, now, wall));
    let mut out = String::new();
    let mut line = |k: &str, v: &str| {
        // Values come from the network: keep each on its own line.
        let v: String = v.chars().filter(|c| !c.is_control()).collect();
        let _ = writeln!(out, "{k}={v}");
    };
    line("state", &s.state);
    line("modem", s.modem.as_deref().unwrap_or(""));
    line("model", s.model.as_deref().unwrap_or(""));
    line("operator", s.operator.as_deref().unwrap_or(""));
    line("technology", s.technology.as_deref().unwrap_or(""));
    line(
        "strength",
        &s.strength.map(|v| v.to_string()).unwrap_or_default(),
    );
    line("interface", s.interface.as_deref().unwrap_or(""));
    line("up_since", &s.up_since.map(time).unwrap_or_default());
    let outage = s.last_outage.as_ref();
    line(
        "last_outage_start",
        &outage.map(|o| time(o.start)).unwrap_or_default(),
    );
    line(
        "last_outage_end",
        &outage.and_then(|o| o.end).map(time).unwrap_or_default(),
    );
    line("last_outage_cause", outage.map_or("", |o| o.cause.token()));
    line("activations", &s.activations.to_string());
    line("failures", &s.failures.to_string());
    line("losses", &s.losses.to_string());
    for (i, n) in s.recoveries.iter().enumerate() {
        line(&format!("recoveries_step{}", i + 1), &n.to_string());
    }
    line("rx_bytes", &s.bytes.rx.to_string());
    line("tx_bytes", &s.bytes.tx.to_string());
    line("rx_bytes_total", &s.bytes_total.rx.to_string());
    line("tx_bytes_total", &s.bytes_total.tx.to_string());
    line("conflicts", &s.conflicts.join(","));
    line("pid", &std::process::id().to_string());
    line("updated", &rfc3339(epoch(now, now, wall)));
    out
}

pub fn metrics_text(s: &Status, now: Instant, wall: SystemTime) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, help: &str, kind: &str, value: String| {
        let _ = writeln!(
            out,
            "# HELP psendurance_{name} {help}\n# TYPE psendurance_{name} {kind}\npsendurance_{name} {value}"
        );
    };
    metric(
        "up",
        "1 if the data context is active",
        "gauge",
        u8::from(s.state == "up").to_string(),
    );
    let since = s.up_since.map_or(0, |at| epoch(at, now, wall));
    metric(
        "up_since_seconds",
        "when the context came up (unix time, 0 if down)",
        "gauge",
        since.to_string(),
    );
    metric(
        "activations_total",
        "successful activations",
        "counter",
        s.activations.to_string(),
    );
    metric(
        "activation_failures_total",
        "failed or unanswered activations",
        "counter",
        s.failures.to_string(),
    );
    metric(
        "losses_total",
        "times the link was lost",
        "counter",
        s.losses.to_string(),
    );
    metric(
        "received_bytes_total",
        "bytes received on the link since the daemon started",
        "counter",
        s.bytes_total.rx.to_string(),
    );
    metric(
        "sent_bytes_total",
        "bytes sent on the link since the daemon started",
        "counter",
        s.bytes_total.tx.to_string(),
    );
    if let Some(strength) = s.strength {
        metric(
            "signal_strength_percent",
            "signal strength reported by oFono",
            "gauge",
            strength.to_string(),
        );
    }
    let _ = writeln!(
        out,
        "# HELP psendurance_recoveries_total recovery steps taken\n# TYPE psendurance_recoveries_total counter"
    );
    for (i, n) in s.recoveries.iter().enumerate() {
        let _ = writeln!(
            out,
            "psendurance_recoveries_total{{step=\"{}\"}} {n}",
            i + 1
        );
    }
    let _ = writeln!(
        out,
        "# HELP psendurance_conflict 1 while another manager of the modem is on the bus\n# TYPE psendurance_conflict gauge"
    );
    for name in ["modemmanager", "connman"] {
        let on = u8::from(s.conflicts.contains(&name));
        let _ = writeln!(out, "psendurance_conflict{{manager=\"{name}\"}} {on}");
    }
    out
}

/// Replaces `path` atomically, creating its folder: readers never see half
/// a file. Not synced: the status and metrics files describe the running
/// daemon, live in /run (tmpfs) and are rewritten at every poll the byte
/// counts move; on a disk a sync each time would cost a flash write per poll.
pub fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    create_folder(path)?;
    crate::atomic::write_atomic_unsynced(path, text.as_bytes(), FILE_MODE)
}

/// `replace`, synced: for what must survive a reboot (the last-resort
/// budget, whose command may be the reboot).
pub fn replace_durably(path: &Path, text: &str) -> std::io::Result<()> {
    create_folder(path)?;
    crate::atomic::write_atomic(path, text.as_bytes(), FILE_MODE)
}

/// Readable by monitors, written by the daemon only.
const FILE_MODE: u32 = 0o644;

fn create_folder(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) => fs::create_dir_all(dir),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{Bytes, Cause, Outage};
    use std::time::Duration;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_787_109), "2026-11-27T13:45:09Z");
    }

    #[test]
    fn status_names_the_outage_and_never_splits_lines() {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_795_787_109);
        let s = Status {
            state: "up".into(),
            operator: Some("Evil\nstate=down".into()),
            up_since: Some(now - Duration::from_secs(9)),
            last_outage: Some(Outage {
                start: now - Duration::from_secs(20),
                end: Some(now - Duration::from_secs(9)),
                cause: Cause::Detached,
            }),
            recoveries: [1, 0, 0, 2, 0, 0],
            bytes: Bytes { rx: 5092, tx: 6420 },
            bytes_total: Bytes {
                rx: 12_345_678_901,
                tx: 98_765,
            },
            conflicts: vec!["modemmanager"],
            ..Status::default()
        };
        let text = status_text(&s, now, wall);
        assert!(text.contains("state=up\n"));
        assert!(text.contains("\nconflicts=modemmanager\npid="), "{text}");
        assert!(text.contains("operator=Evilstate=down\n"), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("state=")).count(), 1);
        assert!(text.contains("up_since=2026-11-27T13:45:00Z\n"), "{text}");
        assert!(text.contains("last_outage_start=2026-11-27T13:44:49Z\n"));
        assert!(text.contains("last_outage_cause=detached\n"));
        assert!(text.contains("recoveries_step4=2\n"));
        assert!(text.contains("\nrx_bytes=5092\ntx_bytes=6420\n"), "{text}");
        assert!(text.contains("\nrx_bytes_total=12345678901\ntx_bytes_total=98765\n"));
        let m = metrics_text(&s, now, wall);
        assert!(m.contains("psendurance_up 1\n"));
        assert!(m.contains("psendurance_recoveries_total{step=\"4\"} 2\n"));
        assert!(m.contains(
            "psendurance_conflict{manager=\"modemmanager\"} 1\npsendurance_conflict{manager=\"connman\"} 0\n"
        ));
        assert!(m.contains(
            "# TYPE psendurance_received_bytes_total counter\npsendurance_received_bytes_total 12345678901\n"
        ));
        assert!(m.contains(
            "# TYPE psendurance_sent_bytes_total counter\npsendurance_sent_bytes_total 98765\n"
        ));
    }

    #[test]
    fn replaces_files_atomically() {
        let dir = std::env::temp_dir().join(format!("psendurance-report-{}", std::process::id()));
        let path = dir.join("sub/status");
        replace(&path, "a=1\n").unwrap();
        replace(&path, "a=2\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=2\n");
        replace_durably(&path, "a=3\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=3\n");
        assert_eq!(
            fs::read_dir(dir.join("sub")).unwrap().count(),
            1,
            "no temp file left"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
