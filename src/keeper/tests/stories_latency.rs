//! Stories where oFono takes its time (`Fake::latency`): answers that come
//! seconds after the call, and what happens meanwhile.

use std::time::Duration;

use super::fake::CTX;
use super::{Fake, Story, settings};
use crate::events::Request;
use crate::keeper::Settings;

fn slow(name: &'static str, secs: f64) -> Fake {
    Fake {
        latency: vec![(name, Duration::from_secs_f64(secs))],
        ..Fake::default()
    }
}

#[test]
fn an_activation_answered_after_2_1_s_brings_the_link_up_then() {
    let mut s = Story::with(settings(), slow("Active", 2.1));
    s.run_until(2.0);
    let asked = s.changes();
    assert_eq!(
        asked.iter().filter(|c| c.ends_with("Active=true")).count(),
        1
    );
    assert_eq!(s.status().map(|st| st.state.as_str()), Some("activating"));
    assert_eq!(s.logged("active on ppp0"), 0, "{}", s.log_text());
    s.run_until(2.2);
    let up: Vec<f64> = s
        .logs
        .iter()
        .filter(|(_, _, l)| l.contains(&format!("context {CTX} active")))
        .map(|(t, ..)| *t)
        .collect();
    assert_eq!(up, vec![2.1], "{}", s.log_text());
    assert_eq!(s.status().map(|st| st.state.as_str()), Some("up"));
    s.run_until(30.0);
    assert_eq!(s.activations(), vec![0.0], "one activation, asked at once");
}

#[test]
fn sigterm_during_a_slow_activation_waits_for_it_then_deactivates() {
    let cfg = Settings {
        deactivate_on_exit: true,
        ..settings()
    };
    let mut s = Story::with(cfg, slow("Active", 2.0));
    s.run_until(1.0);
    s.request(Request::Terminate("SIGTERM"));
    s.run_until(1.9);
    assert_eq!(s.exit, None, "waits for the activation in flight");
    assert!(!s.fake.active(CTX));
    s.run_until(2.1);
    assert!(s.fake.active(CTX), "the activation went through at 2 s");
    assert_eq!(
        s.changes().last().map(String::as_str),
        Some("/m/context1 ConnectionContext.Active=false"),
        "and is undone at once"
    );
    s.run_until(3.9);
    assert_eq!(s.exit, None, "the deactivation takes 2 s too");
    s.run_until(4.1);
    assert_eq!(s.exit, Some(0));
    assert!(!s.fake.active(CTX), "left with the context down");
}

#[test]
fn a_reply_slower_than_the_call_timeout_is_given_up_and_asked_again() {
    // Default --call-timeout is 25 s; oFono takes 30 s to list its modems
    // once (busy with a modem coming up), then answers at once.
    let mut s = Story::with(settings(), slow("GetModems", 30.0));
    s.run_until(24.9);
    assert_eq!(s.logged("using modem"), 0);
    s.fake.latency.clear();
    s.run_until(25.1);
    assert_eq!(s.logged("using modem /m"), 1, "asked again at 25 s");
    s.run_until(30.5);
    // The reply at 30 s answers a call given up at 25 s: ignored.
    let asked = s
        .fake
        .log
        .iter()
        .filter(|c| c.method == crate::events::Method::GetModems)
        .count();
    assert_eq!(asked, 2, "asked again when the first call timed out");
    assert_eq!(
        s.logged("using modem /m"),
        1,
        "the late reply changed nothing"
    );
}
