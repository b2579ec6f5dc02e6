//! Recovery pace: backoff belongs to the cause that keeps failing. A modem
//! that resets ten times in a minute gets its link back as fast the tenth
//! time as the first; a network that tears every context down still backs
//! off to the cap.

use super::fake::{CTX, MODEM};
use super::{Fake, Story, network_deactivates, settings, up, up_on};
use crate::events::{Iface, Signal};
use crate::value::Value;

type Fault = fn(&mut Story);

/// Injects `fault` every `gap` seconds, ten times, and checks that each time
/// the link is back within 0.1 s (simulated) of the fault healing.
fn ten_times(gap: f64, fault: impl Fn(&mut Story)) -> Story {
    let mut s = up();
    for i in 1..=10 {
        let t = gap * f64::from(i);
        s.run_until(t);
        fault(&mut s);
        s.run_until(t + 0.1);
        assert!(
            s.fake.active(CTX),
            "fault {i} at t={t}: not back within 0.1 s\n{}",
            s.log_text()
        );
    }
    s
}

fn reset(s: &mut Story) {
    // oFono signals Powered=false, never Powered=true after a reset.
    s.world(|f| f.powered = false);
    s.silently(|f| f.powered = true);
}

fn hang_up(s: &mut Story) {
    // The AT link drops: Powered=false, and oFono leaves it off.
    s.world(|f| f.powered = false);
}

fn sim_swap(s: &mut Story) {
    s.world(|f| f.sim_present = false);
    s.world(|f| f.sim_present = true);
}

fn replug(s: &mut Story) {
    s.silently(|f| {
        f.powered = false;
        f.online = false;
        f.attached = false;
        f.contexts[0].active = false;
    });
    s.signal(Signal::ModemRemoved(MODEM.into()));
    let props = s.fake.modem_props();
    s.signal(Signal::ModemAdded(MODEM.into(), props));
}

fn detach(s: &mut Story) {
    s.world(|f| f.network_up = false);
    s.world(|f| f.network_up = true);
}

fn deregister(s: &mut Story) {
    s.world(|f| f.status = "searching".into());
    let searching = netreg_status("searching");
    s.signal(searching);
    s.world(|f| f.status = "registered".into());
    s.signal(netreg_status("registered"));
}

fn ofono_restart(s: &mut Story) {
    s.signal(Signal::OfonoOwner {
        new_owner: String::new(),
    });
    let owner = format!(":1.{}", 100 + s.activations().len());
    s.fake = Fake {
        owner: owner.clone(),
        ..Fake::default()
    };
    s.signal(Signal::OfonoOwner { new_owner: owner });
}

fn netreg_status(status: &str) -> Signal {
    Signal::PropertyChanged {
        path: MODEM.into(),
        iface: Iface::NetworkRegistration,
        name: "Status".into(),
        value: Value::Str(status.into()),
    }
}

#[test]
fn ten_modem_resets_three_seconds_apart_each_recover_at_once() {
    let s = ten_times(3.0, reset);
    let again: Vec<f64> = s.activations().into_iter().skip(1).collect();
    let faults: Vec<f64> = (1..=10).map(|i| 3.0 * f64::from(i)).collect();
    assert_eq!(again, faults, "{}", s.log_text());
}

#[test]
fn ten_link_hang_ups_each_recover_at_once() {
    ten_times(3.0, hang_up);
}

#[test]
fn ten_sim_swaps_each_recover_at_once() {
    ten_times(3.0, sim_swap);
}

#[test]
fn ten_replugs_each_recover_at_once() {
    ten_times(3.0, replug);
}

#[test]
fn a_mixed_burst_of_distinct_faults_each_recovers_at_once() {
    let mut s = up_on("dummy0");
    let faults: [(&str, Fault); 8] = [
        ("reset", reset),
        ("hang-up", hang_up),
        ("SIM swap", sim_swap),
        ("detach", detach),
        ("deregistration", deregister),
        ("replug", replug),
        ("oFono restart", ofono_restart),
        ("reset", reset),
    ];
    let mut t = 1.0;
    for (name, fault) in faults {
        t += 1.0;
        s.run_until(t);
        fault(&mut s);
        s.run_until(t + 0.1);
        assert!(s.fake.active(CTX), "{name} at t={t}\n{}", s.log_text());
    }
    // Three activation errors in a row after a reset back off that
    // activation (at once, 2 s, 4 s); the reset that follows is a lower
    // layer again and starts the context clean.
    t += 1.0;
    s.run_until(t);
    s.fake.fail_next = vec!["org.ofono.Error.Failed"; 3];
    reset(&mut s);
    s.run_until(t + 5.9);
    assert!(!s.fake.active(CTX), "errors back off\n{}", s.log_text());
    s.run_until(t + 6.1);
    assert!(s.fake.active(CTX), "after 3 errors\n{}", s.log_text());
    t += 7.0;
    s.run_until(t);
    reset(&mut s);
    s.run_until(t + 0.1);
    assert!(s.fake.active(CTX), "reset after errors\n{}", s.log_text());
}

/// Activations failing until the backoff holds the link down, then a
/// fresh object: it must be activated at once.
fn forgets_the_old_backoff(fresh: Fault) {
    let mut s = up();
    s.run_until(5.0);
    s.fake.fail_next = vec!["org.ofono.Error.Failed"; 6];
    network_deactivates(&mut s);
    s.run_until(20.0);
    assert!(!s.fake.active(CTX), "still backing off\n{}", s.log_text());
    s.fake.fail_next.clear();
    fresh(&mut s);
    s.run_until(20.1);
    assert!(s.fake.active(CTX), "{}", s.log_text());
}

#[test]
fn a_replug_forgets_the_old_backoff() {
    forgets_the_old_backoff(replug);
}

#[test]
fn an_ofono_restart_forgets_the_old_backoff() {
    forgets_the_old_backoff(ofono_restart);
}

#[test]
fn a_failing_power_up_backs_off_without_slowing_the_activation() {
    let fake = Fake {
        power_fail_next: vec!["org.ofono.Error.Failed"; 4],
        fail_next: vec!["org.ofono.Error.Failed"],
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(60.0);
    let powering = s
        .changes()
        .iter()
        .filter(|c| *c == "/m Modem.Powered=true")
        .count();
    assert_eq!(powering, 5, "{}", s.log_text());
    // Power-ups at 0, 0, 2, 6, 14 s; the one activation error right after
    // is retried at once, not after the modem's 8 s.
    let acts = s.activations();
    assert_eq!(acts.len(), 2, "{}", s.log_text());
    assert_eq!(acts[0], acts[1], "{}", s.log_text());
    assert_eq!(acts[0], 14.0, "{}", s.log_text());
    assert!(s.fake.active(CTX));
}

#[test]
fn a_network_that_tears_every_context_down_backs_off_to_the_cap() {
    let mut s = up();
    for _ in 0..14 {
        // Torn down 0.5 s after each activation, everything below healthy.
        let n = s.activations().len();
        let last = s.activations()[n - 1];
        s.run_until(last + 0.5);
        network_deactivates(&mut s);
        while s.activations().len() == n {
            let next = s.secs() + 0.25;
            s.run_until(next);
        }
    }
    let acts = s.activations();
    assert_eq!(acts[..2], [0.0, 1.0], "the first teardown: at once");
    let gaps: Vec<f64> = acts[1..]
        .windows(2)
        .map(|w| (w[1] - w[0] - 0.5).round())
        .collect();
    assert_eq!(
        gaps[..9],
        [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 300.0],
        "{}",
        s.log_text()
    );
    assert!(gaps.iter().all(|g| *g <= 300.0), "{gaps:?}");
}

#[test]
fn no_context_driver_during_a_reset_is_not_a_configuration_error() {
    // E367: the ports hang up and, until the modem is removed, activation
    // gets NotImplemented; the new modem must not inherit a 5-minute hold.
    let mut s = up();
    s.run_until(5.0);
    s.fake.fail_next = vec!["org.ofono.Error.NotImplemented"; 2];
    network_deactivates(&mut s);
    s.run_until(5.5);
    replug(&mut s);
    s.run_until(6.0);
    assert!(s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(s.logged("check the configuration"), 0, "{}", s.log_text());
}

#[test]
fn a_failure_right_after_our_own_deactivation_is_not_counted() {
    // A ghost reset: we deactivate, oFono signals Active=false before its
    // PPP teardown ends, and the immediate re-activation fails once.
    let mut s = up_on("dummy0");
    s.world(|f| f.network_up = false);
    s.run_until(5.0);
    s.fake.fail_next = vec!["org.ofono.Error.Failed"];
    s.world(|f| f.network_up = true);
    s.run_until(5.4);
    assert!(!s.fake.active(CTX), "{}", s.log_text());
    s.run_until(5.6);
    assert!(s.fake.active(CTX), "retried 0.5 s later\n{}", s.log_text());
    assert_eq!(s.logged("right after our own deactivation"), 1);
    assert_eq!(s.logged("activation of /m/context1 failed:"), 0);
    // Not counted: a teardown 1 s later is re-activated at once.
    s.run_until(6.5);
    network_deactivates(&mut s);
    s.run_until(6.6);
    assert!(s.fake.active(CTX), "{}", s.log_text());
}

#[test]
fn settings_read_before_ppp_is_up_never_configure_the_link() {
    // oFono reports `Settings = {Interface: ppp0, Method: dhcp}` while the
    // context is still coming up; only the complete settings may be used.
    let dhcp = Value::Dict(crate::value::props([
        ("Interface", Value::Str("ppp0".into())),
        ("Method", Value::Str("dhcp".into())),
    ]));
    let fake = Fake {
        idle_settings: Some(dhcp),
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(1.0);
    assert!(s.fake.active(CTX));
    let configured: Vec<String> = s
        .edge
        .iter()
        .filter_map(|(_, a)| match a {
            crate::events::Action::Configure(net, _) => Some(format!("{:?}", net.method)),
            _ => None,
        })
        .collect();
    assert_eq!(configured, ["Static"], "{}", s.log_text());
}
