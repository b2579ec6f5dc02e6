//! The link's life: bring-up, retries and their backoff.

use std::time::Duration;

use super::fake::CTX;
use super::{Story, active_changed, settings, up};
use crate::events::{Level, Signal};

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
