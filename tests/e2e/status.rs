//! The status file tells the truth: its writer's pid while running, and
//! `state=stopped` once the daemon has exited, so it never looks healthy.

use std::time::Duration;

use crate::{SIGNALLED, bench, log_of, up};

#[test]
fn status_file_names_its_writer_and_says_stopped_after_exit() {
    let b = bench();
    let mut d = up(&b, &[]);
    let path = b.status_file();
    let pid_line = format!("pid={}", d.pid());
    let deadline = std::time::Instant::now() + SIGNALLED;
    let mut text = String::new();
    while std::time::Instant::now() < deadline {
        text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("state=up\n") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(text.contains("state=up\n"), "{text}\n{}", log_of(&d));
    assert!(text.lines().any(|l| l == pid_line), "{text}");
    // Data used: the four counters are there from the start.
    for key in [
        "rx_bytes=",
        "tx_bytes=",
        "rx_bytes_total=",
        "tx_bytes_total=",
    ] {
        let value = text.lines().find_map(|l| l.strip_prefix(key));
        assert!(
            value.is_some_and(|v| v.parse::<u64>().is_ok()),
            "{key}\n{text}"
        );
    }

    d.signal(libc::SIGTERM).unwrap();
    assert_eq!(d.wait_exit(SIGNALLED).and_then(|s| s.code()), Some(0));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("state=stopped\n"), "{text}");
    assert!(text.contains("up_since=\n"), "{text}");
    assert!(text.lines().any(|l| l == pid_line), "{text}");
    assert!(text.lines().any(|l| l.starts_with("updated=20")), "{text}");
}

#[test]
fn an_unwritable_status_folder_is_an_option_error() {
    let b = bench();
    let mut d = b.spawn_daemon(&["-f", "--status-file", "/etc/hostname/status"]);
    assert_eq!(d.wait_exit(SIGNALLED).and_then(|s| s.code()), Some(2));
    let out = log_of(&d);
    assert!(
        out.contains("--status-file: cannot write in /etc/hostname"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}
