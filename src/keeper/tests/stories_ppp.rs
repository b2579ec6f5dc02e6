//! oFono's userspace PPP (the E367's atmodem driver): on a detach oFono
//! reports the context inactive while its PPP is still closing, and an
//! activation in that window makes ofonod 1.31 abort. The re-activation
//! waits out the teardown; losses reported after it do not wait.

use super::fake::CTX;
use super::{Fake, Story, network_deactivates, settings, up};
use crate::events::{Iface, Signal};
use crate::value::Value;

#[test]
fn after_a_detach_on_ppp_the_activation_waits_out_ofonos_teardown() {
    let mut s = up();
    let before = s.fake.activations.len();
    s.run_until(2.0);
    s.world(|f| f.network_up = false);
    s.run_until(2.5);
    s.world(|f| f.network_up = true);
    s.run_until(8.9);
    assert_eq!(
        s.fake.activations.len(),
        before,
        "activated while oFono's PPP was still closing:\n{}",
        s.log_text()
    );
    assert!(
        s.logs
            .iter()
            .any(|(_, _, l)| l.contains("packet service detached; re-activating in 7s")),
        "{}",
        s.log_text()
    );
    s.run_until(9.1);
    assert_eq!(s.fake.activations.len(), before + 1, "{}", s.log_text());
    assert!(s.fake.active(CTX));
}

#[test]
fn a_network_deactivation_on_ppp_is_re_activated_at_once() {
    let mut s = up();
    let before = s.fake.activations.len();
    s.run_until(2.0);
    network_deactivates(&mut s);
    s.run_until(2.01);
    assert_eq!(s.fake.activations.len(), before + 1, "{}", s.log_text());
}

#[test]
fn a_detach_held_longer_than_the_teardown_costs_nothing_extra() {
    let mut s = up();
    let before = s.fake.activations.len();
    s.run_until(2.0);
    s.world(|f| f.network_up = false);
    s.run_until(12.0);
    s.world(|f| f.network_up = true);
    s.run_until(12.01);
    assert_eq!(s.fake.activations.len(), before + 1, "{}", s.log_text());
}

#[test]
fn refused_credentials_are_named_once_as_the_likely_cause() {
    // oFono's PPP reports an authentication refusal as a plain `Failed`.
    let cfg = crate::keeper::Settings {
        username: Some("pi-user".into()),
        password: Some("wrong".into()),
        ..settings()
    };
    let failing = || Fake {
        fail_next: vec!["org.ofono.Error.Failed"; 8],
        ..Fake::default()
    };
    let mut s = Story::with(cfg, failing());
    s.run_until(60.0);
    assert_eq!(
        s.logged("likely a wrong --apn, --username or --password-file; check the configuration"),
        1,
        "{}",
        s.log_text()
    );
    let mut plain = Story::with(settings(), failing());
    plain.run_until(60.0);
    assert_eq!(
        plain.logged("likely a wrong --apn; check"),
        1,
        "{}",
        plain.log_text()
    );
}

#[test]
fn the_same_settings_read_back_differently_do_not_reconfigure_the_link() {
    let mut s = up();
    let unconfigures = |s: &Story| {
        s.edge
            .iter()
            .filter(|(_, a)| matches!(a, crate::events::Action::Unconfigure))
            .count()
    };
    let before = unconfigures(&s);
    // A read of the context shows an empty IPv6.Settings the signals left out.
    s.signal(Signal::PropertyChanged {
        path: CTX.into(),
        iface: Iface::ConnectionContext,
        name: "IPv6.Settings".into(),
        value: Value::Dict(crate::value::Props::new()),
    });
    s.run_until(2.0);
    assert_eq!(unconfigures(&s), before, "{}", s.log_text());
}
