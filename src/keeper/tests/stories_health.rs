//! Does data flow: network configuration, the probe, the recovery ladder.

use std::time::Duration;

use super::fake::{CTX, SYSTEM_PATH};
use super::{Fake, Story, rx, settings};
use crate::events::{Action, Iface, ProbeOutcome, Request, Signal};
use crate::keeper::{ProbeMode, Settings};
use crate::target::Target;
use crate::value::Value;

fn failed() -> ProbeOutcome {
    ProbeOutcome::Failed("no answer from 10.0.0.53 within 5s".into())
}

fn up_with(cfg: Settings) -> Story {
    let mut s = Story::new(cfg);
    s.run_until(1.0);
    assert!(s.fake.active(CTX), "{}", s.log_text());
    s
}

fn up() -> Story {
    up_with(settings())
}

fn configured(s: &Story) -> Vec<String> {
    s.edge
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Configure(n, _) => Some(format!("configure {}", n.interface)),
            Action::Unconfigure => Some("unconfigure".into()),
            _ => None,
        })
        .collect()
}

/// Lets the probe due next fail (answering at the instant it is asked).
fn fail_probes(s: &mut Story, n: usize) {
    for _ in 0..n {
        let asked = s.probes().len();
        let mut t = s.secs();
        while s.probes().len() == asked {
            t += 1.0;
            s.run_until(t);
            assert!(t < 5000.0, "no probe asked for:\n{}", s.log_text());
        }
        s.probe_result(failed(), rx(1000));
    }
}

#[test]
fn the_active_context_is_configured_and_unconfigured_when_lost() {
    let mut s = up();
    assert_eq!(configured(&s), ["configure ppp0"]);
    let Some((_, Action::Configure(net, _))) = s
        .edge
        .iter()
        .find(|(_, a)| matches!(a, Action::Configure(..)))
    else {
        unreachable!()
    };
    assert_eq!(net.dns.len(), 2);
    s.world(|f| f.powered = false);
    s.run_until(1.5);
    assert_eq!(
        configured(&s),
        ["configure ppp0", "unconfigure", "configure ppp0"]
    );
    s.request(Request::Terminate("SIGTERM"));
    assert_eq!(
        configured(&s).last().map(String::as_str),
        Some("unconfigure")
    );
}

#[test]
fn settings_that_arrive_after_active_are_applied_then() {
    let mut s = up();
    let late = Signal::PropertyChanged {
        path: CTX.into(),
        iface: Iface::ConnectionContext,
        name: "Settings".into(),
        value: Value::Dict(crate::value::props([
            ("Interface", Value::Str("ppp1".into())),
            ("Method", Value::Str("static".into())),
            ("Address", Value::Str("10.64.9.9".into())),
            ("Netmask", Value::Str("255.255.255.255".into())),
        ])),
    };
    s.signal(late);
    assert_eq!(
        configured(&s),
        ["configure ppp0", "unconfigure", "configure ppp1"]
    );
}

#[test]
fn probes_the_context_name_servers_every_interval() {
    let mut s = up();
    s.run_until(60.5);
    assert_eq!(s.probes().len(), 1);
    let p = &s.probes()[0];
    assert_eq!(p.interface, "ppp0");
    let Target::Dns(servers) = &p.target else {
        panic!("{:?}", p.target)
    };
    assert_eq!(servers.len(), 2);
    assert_eq!(p.skip_if_rx_above, None);
    s.probe_result(ProbeOutcome::Passed, rx(5000));
    s.run_until(121.5);
    assert_eq!(s.probes().len(), 2);
    assert_eq!(s.probes()[1].skip_if_rx_above, Some(5000), "traffic-aware");
}

#[test]
fn a_dead_link_climbs_the_ladder_one_step_at_a_time() {
    let cfg = Settings {
        last_resort: true,
        ..settings()
    };
    let mut s = up_with(cfg);
    let before = s.changes().len();
    fail_probes(&mut s, 3);
    assert_eq!(
        s.logged("link dead: 3 probes failed; recovery step 1: context off/on"),
        1,
        "{}",
        s.log_text()
    );
    fail_probes(&mut s, 3);
    assert_eq!(s.logged("recovery step 2: packet service off/on"), 1);
    fail_probes(&mut s, 3);
    assert_eq!(s.logged("recovery step 3: radio off/on"), 1);
    fail_probes(&mut s, 3);
    assert_eq!(s.logged("recovery step 4: modem off/on"), 1);
    // Each step's own change, in order (a detach in between also resets
    // the context it leaves behind as a ghost).
    let offs: Vec<String> = s.changes()[before..]
        .iter()
        .filter(|c| c.ends_with("=false") && !c.contains("Active"))
        .cloned()
        .collect();
    assert_eq!(
        offs,
        [
            "/m ConnectionManager.Powered=false",
            "/m Modem.Online=false",
            "/m Modem.Powered=false",
        ]
    );
    assert_eq!(
        s.changes()[before],
        "/m/context1 ConnectionContext.Active=false"
    );
    assert!(s.fake.active(CTX), "each step ends with the link up again");
    fail_probes(&mut s, 3);
    let t = s.secs();
    s.run_until(t + 3.0);
    let usb: Vec<(String, bool)> = s
        .edge
        .iter()
        .filter_map(|(_, a)| match a {
            Action::UsbAuthorize { device, authorized } => Some((device.clone(), *authorized)),
            _ => None,
        })
        .collect();
    assert_eq!(
        usb,
        [
            (SYSTEM_PATH.to_string(), false),
            (SYSTEM_PATH.to_string(), true)
        ]
    );
    fail_probes(&mut s, 3);
    assert_eq!(s.logged("recovery step 6: last-resort command"), 1);
    assert!(s.edge.iter().any(|(_, a)| *a == Action::LastResort));
    fail_probes(&mut s, 3);
    assert_eq!(s.logged("recovery step 6"), 2, "stays at the top");
}

#[test]
fn data_flowing_again_resets_the_ladder() {
    let mut s = up();
    fail_probes(&mut s, 6);
    assert_eq!(s.logged("recovery step 2"), 1);
    let t = s.secs();
    while s.probes().len() < 7 {
        s.run_until(s.secs() + 1.0);
        assert!(s.secs() < t + 1000.0);
    }
    s.probe_result(ProbeOutcome::Traffic, rx(9999));
    assert_eq!(s.logged("data flows again; recovery ladder reset"), 1);
    fail_probes(&mut s, 3);
    assert_eq!(s.logged("recovery step 1"), 2, "{}", s.log_text());
}

#[test]
fn each_step_waits_out_its_cooldown_before_the_next() {
    let mut s = up();
    fail_probes(&mut s, 3);
    let step1 = s.secs();
    fail_probes(&mut s, 3);
    assert!(
        s.secs() - step1 >= 30.0 + 120.0,
        "cool-down then 3 probes: {}",
        s.secs() - step1
    );
}

#[test]
fn activation_failing_while_attached_climbs_from_step_2() {
    let fake = Fake {
        fail_next: vec!["org.ofono.Error.Failed"; 3],
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(20.0);
    assert_eq!(
        s.logged(
            "3 activations failed in a row while attached; recovery step 2: packet service off/on"
        ),
        1,
        "{}",
        s.log_text()
    );
    assert!(s.fake.active(CTX));
}

#[test]
fn a_hung_activation_goes_straight_to_step_4_then_5() {
    let cfg = Settings {
        activation_timeout: Duration::from_secs(10),
        ..settings()
    };
    let fake = Fake {
        hang: true,
        ..Fake::default()
    };
    let mut s = Story::with(cfg, fake);
    s.run_until(9.0);
    s.fake.hang = false;
    s.run_until(11.0);
    assert_eq!(
        s.logged("recovery step 4: modem off/on"),
        1,
        "{}",
        s.log_text()
    );
    assert!(s.fake.active(CTX));
    fail_probes(&mut s, 3);
    assert_eq!(
        s.logged("recovery step 5: USB re-enumeration"),
        1,
        "{}",
        s.log_text()
    );
}

#[test]
fn suspended_is_waited_out_before_any_step() {
    let mut s = up_with(Settings {
        suspend_grace: Duration::from_secs(300),
        ..settings()
    });
    s.world(|f| f.suspended = true);
    s.signal(Signal::PropertyChanged {
        path: "/m".into(),
        iface: Iface::ConnectionManager,
        name: "Suspended".into(),
        value: Value::Bool(true),
    });
    let t = s.secs();
    fail_probes(&mut s, 3);
    assert_eq!(s.logged("recovery step"), 0, "{}", s.log_text());
    assert_eq!(
        s.logged("the packet service is suspended: waiting up to 300s"),
        1
    );
    fail_probes(&mut s, 3);
    assert!(s.secs() >= t + 300.0);
    assert_eq!(s.logged("recovery step 1"), 1, "{}", s.log_text());
}

#[test]
fn a_late_probe_result_for_a_lost_link_is_ignored() {
    let mut s = up();
    s.run_until(60.5);
    assert_eq!(s.probes().len(), 1);
    s.world(|f| f.powered = false);
    s.run_until(61.0);
    s.probe_result(failed(), None);
    s.probe_result(failed(), None);
    s.probe_result(failed(), None);
    assert_eq!(s.logged("probe failed"), 0);
}

#[test]
fn probing_can_be_turned_off() {
    let cfg = Settings {
        probe: ProbeMode::Off,
        ..settings()
    };
    let mut s = up_with(cfg);
    s.run_until(600.0);
    assert!(s.probes().is_empty());
}

#[test]
fn a_sim_that_never_gets_ready_power_cycles_the_modem() {
    let fake = Fake {
        sim_stuck: true,
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(59.0);
    assert!(!s.changes().iter().any(|c| c.contains("Powered=false")));
    s.run_until(61.0);
    assert_eq!(
        s.logged("SIM not ready after 60s; recovery step 4: modem off/on"),
        1,
        "{}",
        s.log_text()
    );
    assert!(s.fake.active(CTX), "{}", s.log_text());
}

#[test]
fn registered_but_never_attached_toggles_the_packet_service() {
    // oFono never retries a failed attach.
    let fake = Fake {
        attach_fails: true,
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(61.0);
    assert_eq!(
        s.logged("registered but not attached after 60s; recovery step 2: packet service off/on"),
        1,
        "{}",
        s.log_text()
    );
    assert!(s.fake.active(CTX), "{}", s.log_text());
}

#[test]
fn a_locked_or_missing_sim_is_no_stall() {
    let fake = Fake {
        pin_required: "pin".into(),
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(600.0);
    assert_eq!(s.logged("recovery step"), 0, "{}", s.log_text());
}

#[test]
fn a_modem_that_never_powers_up_climbs_to_usb_re_enumeration() {
    // Seen in the soak: oFono answered every Powered=true with InProgress.
    let fake = Fake {
        wedged: true,
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(10.0);
    assert_eq!(
        s.logged("modem failed to power up 3 times in a row; recovery step 4: modem off/on"),
        1,
        "{}",
        s.log_text()
    );
    s.run_until(400.0);
    assert_eq!(
        s.logged("recovery step 5: USB re-enumeration"),
        1,
        "{}",
        s.log_text()
    );
    s.fake.wedged = false;
    s.run_until(800.0);
    assert!(s.fake.active(CTX), "{}", s.log_text());
}
