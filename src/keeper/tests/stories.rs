//! The link's life: bring-up, losses of every kind, retries, hangs, exit.

use std::time::Duration;

use super::fake::{CTX, MODEM};
use super::{Fake, Story, settings, up, up_on};
use crate::events::{Event, Level, Reply, Request, Signal};

#[test]
fn cold_start_powers_then_onlines_then_activates() {
    let s = up();
    assert_eq!(
        s.changes(),
        [
            "/m Modem.Powered=true",
            "/m Modem.Online=true",
            "/m/context1 ConnectionContext.Active=true",
        ]
    );
    assert_eq!(
        s.logged("context /m/context1 active"),
        1,
        "{}",
        s.log_text()
    );
}

#[test]
fn a_modem_already_powered_and_online_is_used_at_once() {
    // A restarted daemon finds the modem up: no waiting for the first poll.
    let mut fake = super::Fake::default();
    fake.change(|f| {
        f.powered = true;
        f.online = true;
    });
    fake.signals.clear();
    // No time passes: the answers to the start-up reads must be enough.
    let s = Story::with(settings(), fake);
    assert!(s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(s.changes(), ["/m/context1 ConnectionContext.Active=true"]);
}

#[test]
fn waits_for_ofono_and_starts_when_it_appears() {
    let fake = super::Fake {
        present: false,
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(100.0);
    assert!(s.changes().is_empty());
    assert_eq!(
        s.logged("waiting for oFono"),
        1,
        "logged once, not per poll"
    );
    s.fake.present = true;
    s.signal(Signal::OfonoOwner {
        new_owner: ":1.7".into(),
    });
    s.run_until(100.5);
    assert!(s.fake.active(CTX), "{}", s.log_text());
}

#[test]
fn survives_an_ofono_restart() {
    // 2013 flaw: the original died with oFono.
    let mut s = up();
    s.run_until(10.0);
    s.signal(Signal::OfonoOwner {
        new_owner: String::new(),
    });
    s.fake = super::Fake {
        owner: ":1.9".into(),
        ..super::Fake::default()
    };
    s.run_until(20.0);
    assert!(
        !s.fake.active(CTX),
        "nothing may be done while oFono is away"
    );
    s.signal(Signal::OfonoOwner {
        new_owner: ":1.9".into(),
    });
    s.run_until(20.1);
    assert!(s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(
        s.logged("inactive: oFono left the bus"),
        1,
        "{}",
        s.log_text()
    );
}

#[test]
fn failed_activations_are_retried_with_exponential_backoff() {
    // 2013 flaw: one failed activation and the original gave up.
    let fake = super::Fake {
        fail_next: vec!["org.ofono.Error.Failed"; 5],
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(60.0);
    assert_eq!(
        s.activations(),
        [0.0, 0.0, 2.0, 6.0, 14.0, 30.0],
        "{}",
        s.log_text()
    );
    assert!(s.fake.active(CTX));
    assert_eq!(
        s.logged("activation of /m/context1 failed: Failed; retrying in 2s"),
        1,
        "{}",
        s.log_text()
    );
}

#[test]
fn never_gives_up_and_never_waits_longer_than_the_cap() {
    let fake = super::Fake {
        fail_next: vec!["org.ofono.Error.Failed"; 40],
        ..super::Fake::default()
    };
    let cfg = crate::keeper::Settings {
        retry_max: Duration::from_secs(60),
        ..settings()
    };
    let mut s = Story::with(cfg, fake);
    s.run_until(3600.0);
    let times = s.activations();
    assert_eq!(times.len(), 41);
    let longest = times.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
    assert_eq!(longest, 60.0);
    assert!(s.fake.active(CTX));
}

#[test]
fn backoff_resets_after_the_link_held() {
    let fake = super::Fake {
        fail_next: vec!["org.ofono.Error.Failed"; 4],
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(20.0);
    assert!(s.fake.active(CTX));
    s.run_until(500.0); // well past --stable
    s.world(|f| f.fail_next = vec!["org.ofono.Error.Failed"; 2]);
    s.world(|f| f.contexts[0].active = false);
    s.signal(active_changed(false));
    s.run_until(510.0);
    // Counted from zero again (not 4 + 3): the loss of a link that held
    // is not a failure; then two failures, retried at once and after 2 s.
    let after: Vec<f64> = s
        .activations()
        .into_iter()
        .filter(|t| *t >= 500.0)
        .collect();
    assert_eq!(after, [500.0, 500.0, 502.0], "{}", s.log_text());
    assert!(s.fake.active(CTX));
}

#[test]
fn a_flapping_link_backs_off_instead_of_hammering() {
    let mut s = up();
    for i in 0..4 {
        let t = 10.0 * (i + 1) as f64;
        s.run_until(t);
        s.fake.contexts[0].active = false;
        s.signal(active_changed(false));
    }
    s.run_until(40.0);
    // Losses at 10, 20, 30, 40, each before the link was stable.
    assert_eq!(s.activations(), [0.0, 10.0, 22.0, 34.0]);
}

#[test]
fn configuration_errors_are_loud_and_retried_slowly() {
    let fake = super::Fake {
        fail_next: vec!["org.ofono.Error.InvalidArguments"],
        ..super::Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(400.0);
    assert_eq!(s.activations(), [0.0, 300.0]);
    let error = s.logs.iter().find(|(_, level, line)| {
        *level == Level::Error && line.contains("check the configuration")
    });
    assert!(error.is_some(), "{}", s.log_text());
}

#[test]
fn runtime_power_loss_is_reasserted_and_the_link_restored() {
    // 2013 flaw: a modem powered off at runtime stayed off.
    let mut s = up();
    s.run_until(5.0);
    s.world(|f| f.powered = false);
    s.run_until(5.1);
    assert!(
        s.fake.powered && s.fake.online && s.fake.active(CTX),
        "{}",
        s.log_text()
    );
    assert_eq!(
        s.logged("inactive: modem powered off"),
        1,
        "{}",
        s.log_text()
    );
}

#[test]
fn radio_turned_off_at_runtime_is_turned_back_on() {
    let mut s = up();
    s.world(|f| f.online = false);
    s.run_until(1.5);
    assert!(s.fake.online, "{}", s.log_text());
}

#[test]
fn modem_reset_with_no_power_on_signal_is_recovered() {
    // After a reset oFono signals Powered=false, never Powered=true, and the
    // context silently comes back inactive.
    let mut s = up();
    s.world(|f| f.powered = false);
    s.silently(|f| f.powered = true);
    s.run_until(1.2);
    assert!(s.fake.online && s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(s.activations(), [0.0, 1.0]);
}

#[test]
fn a_silent_loss_is_found_by_the_next_poll() {
    let mut s = up();
    s.run_until(10.0);
    s.silently(|f| f.contexts[0].active = false);
    s.run_until(29.9);
    assert_eq!(
        s.activations(),
        [0.0],
        "nothing can be known before the poll"
    );
    s.run_until(30.1);
    assert_eq!(s.activations(), [0.0, 30.0]);
    assert!(s.fake.active(CTX));
}

#[test]
fn a_stable_link_costs_two_reads_per_poll() {
    let mut s = up();
    s.run_until(125.0); // stable after 120 s
    let before = s.fake.log.len();
    s.run_until(185.0); // two polls
    let calls: Vec<String> = s.fake.log[before..]
        .iter()
        .map(|c| format!("{} {}", c.path, c.method.describe()))
        .collect();
    assert_eq!(
        calls,
        [
            "/m ConnectionManager.GetProperties",
            "/m/context1 ConnectionContext.GetProperties",
        ]
        .repeat(2)
    );
}

#[test]
fn a_ghost_whose_detach_went_unheard_is_found_by_the_next_poll() {
    // With phonesim a detach leaves the context Active=true; only
    // Attached tells.
    let mut s = up_on("dummy0");
    s.run_until(125.0);
    s.silently(|f| {
        f.network_up = false;
        f.attached = false;
    });
    assert!(s.fake.active(CTX), "the fake keeps a ghost, as oFono does");
    s.run_until(155.0);
    assert_eq!(
        s.logged("inactive: packet service detached"),
        1,
        "{}",
        s.log_text()
    );
    s.world(|f| f.network_up = true);
    s.run_until(156.0);
    assert_eq!(s.activations().len(), 2, "{}", s.log_text());
    assert!(s.fake.active(CTX));
}

/// A loss that no signal told of, under a link that has been stable for a
/// while: the next poll (one read of the context) must find it, and the
/// whole picture must then be re-read, or the keeper waits on stale beliefs.
fn silent_loss_under_a_stable_link(loss: impl FnOnce(&mut Fake)) -> Story {
    // Not on PPP, whose re-activation after a radio loss waits out oFono's
    // teardown (stories_ppp.rs).
    let mut s = up_on("dummy0");
    s.run_until(125.0);
    s.silently(loss);
    s.run_until(157.0);
    let again = s.activations().get(1).copied();
    assert!(
        again.is_some_and(|t| (125.0..=155.0).contains(&t)) && s.fake.active(CTX),
        "activations {:?}\n{}",
        s.activations(),
        s.log_text()
    );
    s
}

#[test]
fn a_silent_radio_loss_under_a_stable_link_is_found_by_the_next_poll() {
    let s = silent_loss_under_a_stable_link(|f| {
        f.online = false;
        f.attached = false;
        f.contexts[0].active = false;
    });
    assert!(s.fake.online);
}

#[test]
fn a_silent_power_loss_under_a_stable_link_is_found_by_the_next_poll() {
    let s = silent_loss_under_a_stable_link(|f| {
        f.powered = false;
        f.online = false;
        f.attached = false;
        f.contexts[0].active = false;
    });
    assert!(s.fake.powered);
}

#[test]
fn a_ghost_context_is_reset_once_attached_again() {
    let mut s = up();
    s.world(|f| f.network_up = false);
    assert!(s.fake.active(CTX), "the fake keeps a ghost, as oFono does");
    s.run_until(60.0);
    assert_eq!(s.activations(), [0.0], "no activation while detached");
    assert_eq!(
        s.logged("inactive: packet service detached"),
        1,
        "{}",
        s.log_text()
    );
    s.world(|f| f.network_up = true);
    s.run_until(60.1);
    let tail: Vec<String> = s.changes().into_iter().rev().take(2).collect();
    assert_eq!(
        tail,
        [
            "/m/context1 ConnectionContext.Active=true",
            "/m/context1 ConnectionContext.Active=false",
        ]
    );
    assert!(s.fake.active(CTX));
}

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

fn active_changed(on: bool) -> Signal {
    Signal::PropertyChanged {
        path: CTX.into(),
        iface: crate::events::Iface::ConnectionContext,
        name: "Active".into(),
        value: crate::value::Value::Bool(on),
    }
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
