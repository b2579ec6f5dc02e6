//! Hangs, abandoned calls, signals from the user, the bus, and leaving.

use super::fake::{CTX, MODEM};
use super::{Story, settings, up};
use crate::events::{Event, Level, Reply, Request, Signal};

#[test]
fn a_hung_activation_power_cycles_the_modem_after_its_deadline() {
    let fake = super::Fake {
        hang: true,
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(119.0);
    assert_eq!(s.hung.len(), 1);
    assert!(s.fake.powered, "no power cycle before the deadline");
    s.request(Request::Status); // the loop still answers while waiting
    assert_eq!(s.logged("status: down"), 1);
    s.fake.hang = false;
    s.run_until(121.0);
    assert!(s.changes().contains(&"/m Modem.Powered=false".to_string()));
    assert!(s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(s.logged("got no answer in 120s"), 1);
}

#[test]
fn sigterm_during_a_hung_activation_exits_at_once() {
    let fake = super::Fake {
        hang: true,
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(50.0);
    s.request(Request::Terminate("SIGTERM"));
    assert_eq!(s.exit, Some(0));
}

#[test]
fn calls_pending_when_the_modem_resets_are_abandoned() {
    let fake = super::Fake {
        hang: true,
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(5.0);
    s.fake.hang = false;
    s.world(|f| f.powered = false);
    s.run_until(5.5);
    assert!(
        s.fake.active(CTX),
        "not waiting 120 s for a dead call: {}",
        s.log_text()
    );
}

#[test]
fn a_late_reply_to_an_abandoned_call_changes_nothing() {
    let fake = super::Fake {
        hang: true,
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(5.0);
    let token = s.hung[0].token;
    s.run_until(200.0);
    let before = s.changes().len();
    s.feed(Event::Reply {
        token,
        result: Ok(Reply::Empty),
    });
    assert_eq!(s.changes().len(), before);
}

#[test]
fn sigterm_leaves_the_context_up_by_default() {
    let mut s = up();
    s.request(Request::Terminate("SIGTERM"));
    assert_eq!(s.exit, Some(0));
    assert!(s.fake.active(CTX));
}

#[test]
fn sigterm_with_deactivate_on_exit_deactivates_first() {
    let cfg = crate::keeper::Settings {
        deactivate_on_exit: true,
        ..settings()
    };
    let mut s = Story::new(cfg);
    s.run_until(1.0);
    s.request(Request::Terminate("SIGINT"));
    assert_eq!(s.exit, Some(0));
    assert!(!s.fake.active(CTX));
}

#[test]
fn sighup_retries_now_instead_of_waiting_out_the_backoff() {
    let fake = super::Fake {
        fail_next: vec!["org.ofono.Error.InvalidArguments"],
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(10.0);
    assert!(!s.fake.active(CTX));
    s.request(Request::Recheck);
    s.run_until(10.1);
    assert!(s.fake.active(CTX), "{}", s.log_text());
}

#[test]
fn sigusr1_logs_one_status_line() {
    let mut s = up();
    s.run_until(65.0);
    s.request(Request::Status);
    let status: Vec<_> = s
        .logs
        .iter()
        .filter(|(_, _, l)| l.starts_with("status:"))
        .collect();
    assert_eq!(status.len(), 1);
    assert!(status[0].2.contains("up for 65s"), "{}", status[0].2);
}

#[test]
fn idle_means_one_poll_per_interval_and_a_quiet_log() {
    let mut s = up();
    let shown = |s: &Story| s.logs.iter().filter(|(_, l, _)| *l <= Level::Info).count();
    let logs = shown(&s);
    let calls = s.fake.log.len();
    s.run_until(301.0);
    assert_eq!(shown(&s), logs, "no log lines while idle: {}", s.log_text());
    let polls: std::collections::BTreeSet<u64> = s.fake.log[calls..]
        .iter()
        .map(|c| c.deadline.duration_since(s.t0).as_secs())
        .collect();
    assert_eq!(polls.len(), 10, "one poll per 30 s over 300 s");
    assert_eq!(s.changes().len(), 3, "no changes while the link is fine");
}

#[test]
fn the_bus_refusing_us_exits_1_with_the_fix() {
    let fake = super::Fake {
        deny: true,
        ..super::Fake::default()
    };
    let s = Story::with(settings(), fake);
    assert_eq!(s.exit, Some(1));
    assert_eq!(
        s.logged("run as root, or install scripts/dbus/psendurance.conf"),
        1
    );
}

#[test]
fn a_lost_bus_connection_starts_over() {
    let mut s = up();
    s.feed(Event::BusLost);
    assert_eq!(
        s.logged("inactive: bus connection lost"),
        1,
        "{}",
        s.log_text()
    );
    s.run_until(100.0);
    let calls = s.fake.log.len();
    s.silently(|f| f.contexts[0].active = false);
    s.feed(Event::BusConnected);
    s.run_until(100.1);
    assert!(s.fake.log.len() > calls);
    assert!(s.fake.active(CTX));
}

#[test]
fn a_removed_modem_is_forgotten_and_a_returning_one_used() {
    let mut s = up();
    s.silently(|f| f.powered = false);
    s.signal(Signal::ModemRemoved(MODEM.into()));
    assert_eq!(s.logged("modem /m removed"), 1);
    s.run_until(5.0);
    let props = s.fake.modem_props();
    s.signal(Signal::ModemAdded(MODEM.into(), props));
    s.run_until(5.1);
    assert!(s.fake.active(CTX), "{}", s.log_text());
}

/// SIGTERM with --deactivate-on-exit while an activation hangs.
fn terminated_while_activating() -> Story {
    let cfg = crate::keeper::Settings {
        deactivate_on_exit: true,
        ..settings()
    };
    let fake = super::Fake {
        hang: true,
        ..super::Fake::default()
    };
    let mut s = Story::with(cfg, fake);
    s.run_until(1.0);
    s.request(Request::Terminate("SIGTERM"));
    s
}

#[test]
fn sigterm_during_an_activation_with_deactivate_on_exit_undoes_it() {
    let mut s = terminated_while_activating();
    assert_eq!(s.exit, None, "waits for the activation in flight");
    let token = s.hung[0].token;
    s.feed(Event::Reply {
        token,
        result: Ok(Reply::Empty),
    });
    assert_eq!(
        s.changes().last().map(String::as_str),
        Some("/m/context1 ConnectionContext.Active=false")
    );
    assert_eq!(s.exit, Some(0));
}

#[test]
fn sigterm_with_deactivate_on_exit_gives_up_after_its_deadline() {
    let mut s = terminated_while_activating();
    s.run_until(5.9);
    assert_eq!(s.exit, None);
    s.run_until(6.1);
    assert_eq!(s.exit, Some(0));
}
