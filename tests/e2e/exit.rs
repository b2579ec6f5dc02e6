//! Leaving: SIGTERM promptly (even during a hung activation), and
//! deactivating on the way out only when asked.

use std::time::{Duration, Instant};

use crate::{SIGNALLED, args, bench, log_of, up};

fn term(d: &crate::bench::Daemon) {
    d.signal(libc::SIGTERM).unwrap();
}

#[test]
fn sigterm_leaves_the_context_up_and_exits_0() {
    let b = bench();
    let mut d = up(&b, &[]);
    term(&d);
    let status = d
        .wait_exit(Duration::from_secs(2))
        .expect("still running 2 s after SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", log_of(&d));
    assert!(b.sim().is_active(1), "the context must stay up by default");
}

#[test]
fn sigterm_with_deactivate_on_exit_deactivates_at_the_modem() {
    let b = bench();
    let mut d = up(&b, &["--deactivate-on-exit"]);
    let t = Instant::now();
    term(&d);
    let status = d.wait_exit(Duration::from_secs(6)).expect("did not exit");
    assert_eq!(status.code(), Some(0), "{}", log_of(&d));
    assert!(!b.sim().is_active(1), "context still active at the modem");
    assert!(!b.sim().received_since("AT+CGACT=0", t).is_empty());
}

#[test]
fn sigterm_during_a_hung_activation_exits_within_2s() {
    let b = bench();
    b.sim().hang_activations(true);
    let t = Instant::now();
    let mut d = b.spawn_daemon(&args(&[]));
    assert!(
        b.sim().wait_for_line("AT+CGACT=1", t, SIGNALLED).is_some(),
        "{}",
        log_of(&d)
    );
    let sent = Instant::now();
    term(&d);
    let status = d
        .wait_exit(Duration::from_secs(2))
        .expect("SIGTERM not handled within 2 s");
    assert_eq!(status.code(), Some(0));
    eprintln!(
        "SIGTERM during hung activation -> exit: {:?}",
        sent.elapsed()
    );
}
