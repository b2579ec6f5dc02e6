//! End-to-end tests of the bench itself (no psendurance involved): real
//! ofonod + the modem simulator, driven over D-Bus. Each fault must show
//! the effect shared/ofono-notes.md records for oFono 1.31.
//! `harness.rs`: the bench's own plumbing; `model.rs`: the modem model
//! and its faults alone, no processes.

#[path = "../bench/mod.rs"]
mod bench;
mod harness;
mod model;
#[path = "../bench/ofono_props.rs"]
mod ofono_props;

use std::time::{Duration, Instant};

use bench::{Bench, BenchOptions, Dir};
use ofono_props::{self as of, Ofono, error_name, prop_bool, prop_dict};

const T: Duration = Duration::from_secs(10);
const CTX: &str = of::CONTEXT1;

/// Powered, Online, Attached, APN set and Active=true.
fn up_and_active(b: &Bench) -> Ofono {
    let o = b.ofono();
    o.bring_up(T);
    o.activate("internet.test").expect("activate context1");
    assert!(
        b.sim().wait_for(|v| v.is_active(1), T),
        "modem never saw cid 1 active"
    );
    o
}

fn active(o: &Ofono) -> Option<bool> {
    o.bool_prop(CTX, of::CONTEXT_IFACE, "Active")
}

fn attached(o: &Ofono) -> Option<bool> {
    o.bool_prop(of::MODEM, of::CM_IFACE, "Attached")
}

#[test]
fn bring_up_activate_and_deactivate() {
    let b = Bench::start();
    let o = b.ofono();
    let t0 = Instant::now();
    o.bring_up(T);
    assert!(
        b.sim().attached(),
        "oFono says Attached but the modem is not"
    );
    assert_eq!(b.sim().cfun(), 1);
    o.activate("internet.test").expect("activate");

    let sim = b.sim();
    assert!(
        sim.wait_for_line("AT+CGDCONT=1,\"IP\",\"internet.test\"", t0, T)
            .is_some()
    );
    let line = sim
        .wait_for_line("AT+CGACT=1,1", t0, T)
        .expect("no AT+CGACT=1,1");
    assert_eq!(line.dir, Dir::Received);
    assert!(sim.is_active(1));
    assert_eq!(sim.active_cids(), [1]);
    assert_eq!(sim.apn(1).as_deref(), Some("internet.test"));
    assert_eq!(sim.activation_count(), 1);
    assert!(sim.connected());
    assert_eq!(sim.connections(), 1);

    let props = o.props(CTX, of::CONTEXT_IFACE).expect("context props");
    assert_eq!(prop_bool(&props, "Active"), Some(true));
    let settings = prop_dict(&props, "Settings").expect("Settings");
    assert!(settings["Interface"].starts_with("dummy"), "{settings:?}");

    let t1 = Instant::now();
    o.set(CTX, of::CONTEXT_IFACE, "Active", false)
        .expect("deactivate");
    assert!(sim.wait_for_line("AT+CGACT=0,1", t1, T).is_some());
    assert!(!sim.is_active(1));
    assert_eq!(active(&o), Some(false));
}

#[test]
fn network_deactivation_leaves_a_ghost() {
    let b = Bench::start();
    let o = up_and_active(&b);
    b.sim().network_deactivate(1);
    assert!(b.sync_ofono(), "barrier failed");
    assert!(!b.sim().is_active(1), "modem still has the context");
    assert_eq!(active(&o), Some(true), "oFono noticed NW DEACT (no ghost)");
    assert_eq!(attached(&o), Some(true));

    // The notes' cure: Active=false then true re-activates for real.
    o.set(CTX, of::CONTEXT_IFACE, "Active", false)
        .expect("deactivate ghost");
    o.set(CTX, of::CONTEXT_IFACE, "Active", true)
        .expect("reactivate");
    assert!(b.sim().is_active(1));
    assert_eq!(b.sim().activations_of(1), 2);
}

#[test]
fn detach_leaves_a_ghost_and_attach_recovers() {
    let b = Bench::start();
    let o = up_and_active(&b);
    let t0 = Instant::now();
    b.sim().detach();
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", false, T));
    assert!(!b.sim().attached() && !b.sim().is_active(1));
    assert!(b.sync_ofono());
    assert_eq!(active(&o), Some(true), "expected a ghost context");
    assert!(
        b.sim().received_since("AT+CGATT=1", t0).is_empty(),
        "oFono re-attached by itself"
    );

    let err = o
        .set(
            CTX,
            of::CONTEXT_IFACE,
            "AccessPointName",
            "other".to_string(),
        )
        .unwrap_err();
    assert_eq!(error_name(&err), "org.ofono.Error.InUse");

    b.sim().attach();
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", true, T));
    assert!(!b.sim().is_active(1), "attach must not revive the context");
    assert_eq!(active(&o), Some(true), "still a ghost after re-attach");
}

#[test]
fn deregistration_detaches_and_registration_reattaches() {
    let b = Bench::start();
    let o = up_and_active(&b);
    let t0 = Instant::now();
    b.sim().deregister();
    assert!(o.wait_str(of::MODEM, of::NETREG_IFACE, "Status", "unregistered", T));
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", false, T));
    assert!(
        b.sim().wait_for_line("AT+CGATT=0", t0, T).is_some(),
        "oFono did not detach"
    );
    assert_eq!(active(&o), Some(true), "expected a ghost context");

    let err = o.set(CTX, of::CONTEXT_IFACE, "Active", false).err();
    assert!(err.is_none(), "deactivating a ghost failed: {err:?}");
    let err = o.set(CTX, of::CONTEXT_IFACE, "Active", true).unwrap_err();
    assert_eq!(error_name(&err), "org.ofono.Error.NotAttached");

    let t1 = Instant::now();
    b.sim().register();
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", true, T));
    assert!(b.sim().wait_for_line("AT+CGATT=1", t1, T).is_some());
    assert_eq!(
        o.str_prop(of::MODEM, of::NETREG_IFACE, "Status").as_deref(),
        Some("registered")
    );
}

#[test]
fn reset_drops_the_context_and_the_modem_comes_back_online() {
    let b = Bench::start();
    let o = up_and_active(&b);
    let t0 = Instant::now();
    b.sim().reset();
    assert!(
        b.sim()
            .wait_for(|v| v.connections() == 2 && v.connected(), T),
        "no redial"
    );
    assert!(!b.sim().is_active(1));
    // Context object vanishes, then comes back inactive; nothing re-activates it.
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", true, T));
    assert!(o.wait_bool(CTX, of::CONTEXT_IFACE, "Active", false, T));
    assert!(
        o.bool_prop(of::MODEM, of::MODEM_IFACE, "Online")
            .unwrap_or(false)
    );
    assert_eq!(b.sim().received_since("AT+CGACT=1", t0).len(), 0);
}

#[test]
fn hangup_leaves_powered_false() {
    let b = Bench::start();
    let o = up_and_active(&b);
    b.sim().hangup();
    assert!(o.wait_bool(of::MODEM, of::MODEM_IFACE, "Powered", false, T));
    assert!(!b.sim().connected());
    let err = o.props(CTX, of::CONTEXT_IFACE).unwrap_err();
    assert_eq!(error_name(&err), "org.freedesktop.DBus.Error.UnknownObject");
    let err = o
        .set(of::MODEM, of::MODEM_IFACE, "Online", true)
        .unwrap_err();
    assert_eq!(error_name(&err), "org.ofono.Error.NotAvailable");
    assert_eq!(b.sim().connections(), 1, "oFono redialled by itself");

    o.set(of::MODEM, of::MODEM_IFACE, "Powered", true)
        .expect("re-power");
    assert!(b.sim().wait_for(|v| v.connections() == 2, T));
    assert!(o.wait_interface(of::SIM_IFACE, true, T));
    assert_eq!(
        o.bool_prop(of::MODEM, of::MODEM_IFACE, "Online"),
        Some(false)
    );
}

#[test]
fn unplug_refuses_power_until_replug() {
    let b = Bench::start();
    let o = up_and_active(&b);
    b.sim().unplug();
    assert!(o.wait_bool(of::MODEM, of::MODEM_IFACE, "Powered", false, T));
    let err = o
        .set(of::MODEM, of::MODEM_IFACE, "Powered", true)
        .unwrap_err();
    assert_eq!(error_name(&err), "org.ofono.Error.Failed");
    assert_eq!(b.sim().connections(), 1);

    b.sim().replug().expect("replug");
    o.set(of::MODEM, of::MODEM_IFACE, "Powered", true)
        .expect("power after replug");
    assert!(
        b.sim()
            .wait_for(|v| v.connections() == 2 && v.connected(), T)
    );
    assert!(o.wait_interface(of::SIM_IFACE, true, T));
}

#[test]
fn failed_activation_returns_failed_and_is_not_retried() {
    let b = Bench::start();
    let o = b.ofono();
    o.bring_up(T);
    b.sim().fail_next_activations(2);
    for _ in 0..2 {
        let err = o.activate("internet.test").unwrap_err();
        assert_eq!(error_name(&err), "org.ofono.Error.Failed");
    }
    assert!(b.sync_ofono());
    assert_eq!(b.sim().activation_count(), 2, "oFono retried on its own");
    assert_eq!(active(&o), Some(false));
    o.set(CTX, of::CONTEXT_IFACE, "Active", true)
        .expect("third try");
    assert!(b.sim().is_active(1));
}

#[test]
fn roaming_needs_roaming_allowed() {
    let b = Bench::start_with(BenchOptions {
        roaming: true,
        ..BenchOptions::default()
    });
    let o = b.ofono();
    o.set(of::MODEM, of::MODEM_IFACE, "Powered", true).unwrap();
    assert!(o.wait_interface(of::SIM_IFACE, true, T));
    o.set(of::MODEM, of::MODEM_IFACE, "Online", true).unwrap();
    assert!(o.wait_str(of::MODEM, of::NETREG_IFACE, "Status", "roaming", T));
    // ConnectionManager registers only after its own AT init sequence.
    assert!(o.wait_interface(of::CM_IFACE, true, T));
    assert!(b.sync_ofono());
    assert_eq!(attached(&o), Some(false));
    assert!(!b.sim().attached());
    let err = o.activate("x").unwrap_err();
    assert_eq!(error_name(&err), "org.ofono.Error.NotAttached");

    o.set(of::MODEM, of::CM_IFACE, "RoamingAllowed", true)
        .unwrap();
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", true, T));
    assert!(b.sim().attached());

    // Home again, then roaming while RoamingAllowed=false: oFono detaches.
    o.set(of::MODEM, of::CM_IFACE, "RoamingAllowed", false)
        .unwrap();
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", false, T));
    b.sim().set_roaming(false);
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", true, T));
    let t0 = Instant::now();
    b.sim().set_roaming(true);
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", false, T));
    assert!(b.sim().wait_for_line("AT+CGATT=0", t0, T).is_some());
}

#[test]
fn pin_locked_sim_needs_enter_pin() {
    let b = Bench::start_with(BenchOptions {
        sim_pin: Some(("1234".into(), 3)),
        ..BenchOptions::default()
    });
    let o = b.ofono();
    o.set(of::MODEM, of::MODEM_IFACE, "Powered", true).unwrap();
    assert!(o.wait_str(of::MODEM, of::SIM_IFACE, "PinRequired", "pin", T));
    let sim_props = o.props(of::MODEM, of::SIM_IFACE).unwrap();
    assert_eq!(prop_dict(&sim_props, "Retries").unwrap()["pin"], "3");
    assert!(!o.interfaces().iter().any(|i| i == of::CM_IFACE));

    let err = o.enter_pin("pin", "0000").unwrap_err();
    assert_eq!(error_name(&err), "org.ofono.Error.Failed");
    assert!(o.wait_props(of::MODEM, of::SIM_IFACE, T, |m| {
        m.and_then(|m| prop_dict(m, "Retries"))
            .is_some_and(|r| r["pin"] == "2")
    }));

    o.enter_pin("pin", "1234").expect("right PIN");
    assert!(o.wait_str(of::MODEM, of::SIM_IFACE, "PinRequired", "none", T));
    assert!(o.wait_str(
        of::MODEM,
        of::SIM_IFACE,
        "SubscriberIdentity",
        bench::modem::IMSI,
        T
    ));
    o.set(of::MODEM, of::MODEM_IFACE, "Online", true).unwrap();
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", true, T));
}

#[test]
fn hung_activation_gets_no_reply_and_wedges_ofono() {
    let b = Bench::start();
    let o = b.ofono();
    o.bring_up(T);
    o.set(
        CTX,
        of::CONTEXT_IFACE,
        "AccessPointName",
        "internet.test".to_string(),
    )
    .unwrap();
    b.sim().hang_activations(true);
    let t0 = Instant::now();
    let err = o
        .set_timeout(
            CTX,
            of::CONTEXT_IFACE,
            "Active",
            true,
            Duration::from_millis(500),
        )
        .unwrap_err();
    assert_eq!(error_name(&err), "org.freedesktop.DBus.Error.NoReply");
    assert!(b.sim().wait_for_line("AT+CGACT=1,1", t0, T).is_some());
    assert!(!b.sim().is_active(1));
    let err = o.set(CTX, of::CONTEXT_IFACE, "Active", true).unwrap_err();
    assert_eq!(error_name(&err), "org.ofono.Error.InProgress");

    b.sim().release_hang();
    assert!(o.wait_bool(CTX, of::CONTEXT_IFACE, "Active", true, T));
    assert!(b.sim().is_active(1));
}

#[test]
fn sim_removal_and_insertion() {
    let b = Bench::start();
    let o = up_and_active(&b);
    b.sim().remove_sim();
    assert!(o.wait_bool(of::MODEM, of::SIM_IFACE, "Present", false, T));
    assert!(o.wait_interface(of::CM_IFACE, false, T));
    assert!(!b.sim().is_active(1));

    b.sim().insert_sim();
    assert!(o.wait_bool(of::MODEM, of::SIM_IFACE, "Present", true, T));
    assert!(o.wait_bool(of::MODEM, of::CM_IFACE, "Attached", true, T));
    assert!(o.wait_bool(CTX, of::CONTEXT_IFACE, "Active", false, T));
}
