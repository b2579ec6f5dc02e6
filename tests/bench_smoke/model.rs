//! The modem model alone (no processes): its AT answers and the faults
//! tests inject, as `modem/faults.rs` makes the modem live them.

use crate::bench::modem::{Modem, PinLock, Reply};

fn answer(m: &mut Modem, line: &str) -> Vec<String> {
    match m.handle(line) {
        Reply::Lines(l) => l,
        Reply::Hold => vec!["<hold>".into()],
    }
}

#[test]
fn modem_activation_needs_attach_and_definition() {
    let mut m = Modem::new();
    m.power_cycle();
    assert_eq!(answer(&mut m, "AT+CFUN=1"), ["OK"]);
    assert_eq!(answer(&mut m, "AT+CGATT=1"), ["OK"]);
    assert_eq!(answer(&mut m, "AT+CGACT=1,1"), ["+CME ERROR: 148"]);
    assert_eq!(answer(&mut m, "AT+CGDCONT=1,\"IP\",\"a,b\""), ["OK"]);
    assert_eq!(m.contexts[&1].apn, "a,b");
    assert_eq!(answer(&mut m, "AT+CGACT=1,1"), ["OK"]);
    assert_eq!(m.active_cids(), [1]);
    assert_eq!(m.activation_count(), 2);
}

#[test]
fn modem_wrong_pin_costs_a_retry() {
    let mut m = Modem::new();
    m.pin_lock = Some(PinLock {
        pin: "1234".into(),
        retries: 3,
        puk_retries: 10,
    });
    m.power_cycle();
    assert_eq!(answer(&mut m, "AT+CPIN?")[0], "+CPIN: SIM PIN");
    assert_eq!(answer(&mut m, "AT+CPIN=\"0000\""), ["+CME ERROR: 16"]);
    assert_eq!(answer(&mut m, "AT+CPINR")[0], "+CPINR: SIM PIN,2,3");
    assert_eq!(answer(&mut m, "AT+CPIN=\"1234\"")[0], "OK");
    assert_eq!(answer(&mut m, "AT+CPIN?")[0], "+CPIN: READY");
}

#[test]
fn modem_garbage_is_an_error_not_a_panic() {
    let mut m = Modem::new();
    for l in [
        "",
        "xyz",
        "AT+CGACT=",
        "AT+CGDCONT=",
        "AT+CFUN=x",
        "AT+CPIN=",
        "AT\u{ff}",
        "AT+CGACT=1,x",
    ] {
        let _ = m.handle(l);
    }
    assert!(m.unknown.contains(&"xyz".to_string()));
}

// ---- faults (modem/faults.rs): what the modem does and says for each

/// `+CREG`/`+CGREG` cell part: lac, ci, access technology (UTRAN).
const CELL: &str = "\"00A1\",\"0000B2C3\",2";

/// Powered, online, registration reports on, attached, cid 1 active.
fn online() -> Modem {
    let mut m = Modem::new();
    m.power_cycle();
    for l in [
        "AT+CFUN=1",
        "AT+CREG=2",
        "AT+CGREG=2",
        "AT+CGATT=1",
        "AT+CGDCONT=1,\"IP\",\"internet.test\"",
        "AT+CGACT=1,1",
    ] {
        assert_eq!(answer(&mut m, l), ["OK"], "{l}");
    }
    assert_eq!(m.active_cids(), [1]);
    m
}

#[test]
fn fault_reset_drops_everything_but_the_armed_faults() {
    let mut m = online();
    m.fail_next_activations(1);
    m.fail_attach(true);
    m.hang_activations(true);
    assert_eq!(m.reset(), ["+CRST: 1"]);
    assert_eq!(m.cfun, 4);
    assert!(!m.attached && m.contexts.is_empty());
    assert_eq!(m.creg_unsolicited(), None, "reports are off after a reset");
    assert_eq!(m.faults.fail_activations, 1);
    assert!(m.faults.fail_attach && m.faults.hang_activations);
}

#[test]
fn fault_network_deactivation_drops_one_context_and_stays_attached() {
    let mut m = online();
    assert_eq!(answer(&mut m, "AT+CGDCONT=2,\"IP\",\"other\""), ["OK"]);
    assert_eq!(answer(&mut m, "AT+CGACT=1,2"), ["OK"]);
    assert_eq!(
        m.network_deactivate(1),
        ["+CGEV: NW DEACT \"IP\",\"10.64.0.1\",1"]
    );
    assert_eq!(m.active_cids(), [2]);
    assert!(m.attached);
    assert_eq!(
        answer(&mut m, "AT+CGPADDR=1"),
        ["OK"],
        "no address any more"
    );
}

#[test]
fn fault_detach_drops_the_contexts_and_says_cgreg_if_enabled() {
    let mut m = online();
    assert_eq!(m.detach(), ["+CGEV: NW DETACH", "+CGREG: 0"]);
    assert!(!m.attached && m.active_cids().is_empty());
    assert_eq!(answer(&mut m, "AT+CGATT?")[0], "+CGATT: 0");
    assert_eq!(m.creg_stat(), 1, "still registered");

    let mut quiet = online();
    assert_eq!(answer(&mut quiet, "AT+CGREG=0"), ["OK"]);
    assert_eq!(quiet.detach(), ["+CGEV: NW DETACH"]);
}

#[test]
fn fault_attach_needs_coverage_and_revives_no_context() {
    let mut m = online();
    m.detach();
    assert_eq!(m.attach(), [format!("+CGREG: 1,{CELL}")]);
    assert!(m.attached);
    assert!(
        m.active_cids().is_empty(),
        "attach must not revive a context"
    );
    m.deregister();
    assert!(m.attach().is_empty(), "no attach without coverage");
    assert!(!m.attached);
}

#[test]
fn fault_deregistration_detaches_and_registration_leaves_attach_to_ofono() {
    let mut m = online();
    assert_eq!(m.deregister(), ["+CREG: 0", "+CGREG: 0"]);
    assert!(!m.attached && m.active_cids().is_empty());
    assert_eq!(answer(&mut m, "AT+CGATT=1"), ["+CME ERROR: 30"]);
    assert_eq!(answer(&mut m, "AT+CSQ"), ["+CSQ: 99,99", "OK"]);
    assert_eq!(answer(&mut m, "AT+COPS?"), ["+COPS: 0", "OK"]);

    assert_eq!(m.register(), [format!("+CREG: 1,{CELL}")]);
    assert!(!m.attached, "registration alone does not attach");
    assert_eq!(answer(&mut m, "AT+CGATT=1"), ["OK"]);
}

#[test]
fn fault_roaming_says_creg_5_and_cgreg_only_while_attached() {
    let mut m = online();
    assert_eq!(
        m.set_roaming(true),
        [format!("+CREG: 5,{CELL}"), format!("+CGREG: 5,{CELL}")]
    );
    assert_eq!(m.creg_stat(), 5);
    assert_eq!(answer(&mut m, "AT+CGATT=0"), ["OK"]);
    assert_eq!(m.set_roaming(false), [format!("+CREG: 1,{CELL}")]);
}

#[test]
fn fault_failed_activations_count_down_and_are_counted() {
    let mut m = online();
    assert_eq!(answer(&mut m, "AT+CGACT=0,1"), ["OK"]);
    assert!(m.fail_next_activations(2).is_empty(), "arming says nothing");
    assert_eq!(answer(&mut m, "AT+CGACT=1,1"), ["ERROR"]);
    assert_eq!(answer(&mut m, "AT+CGACT=1,1"), ["ERROR"]);
    assert!(m.active_cids().is_empty());
    assert_eq!(answer(&mut m, "AT+CGACT=1,1"), ["OK"]);
    assert_eq!(m.active_cids(), [1]);
    assert_eq!(m.activations[&1], 4, "failed ones are counted too");
}

#[test]
fn fault_refused_attach_lasts_until_cleared() {
    let mut m = online();
    m.detach();
    assert!(m.fail_attach(true).is_empty());
    assert_eq!(answer(&mut m, "AT+CGATT=1"), ["+CME ERROR: 30"]);
    assert!(!m.attached);
    assert_eq!(answer(&mut m, "AT+CGATT=1"), ["+CME ERROR: 30"]);
    m.fail_attach(false);
    assert_eq!(answer(&mut m, "AT+CGATT=1"), ["OK"]);
    assert!(m.attached);
}

#[test]
fn fault_hung_activation_is_held_and_answered_on_release() {
    let mut m = online();
    assert_eq!(answer(&mut m, "AT+CGACT=0,1"), ["OK"]);
    assert!(m.hang_activations(true).is_empty());
    assert_eq!(m.handle("AT+CGACT=1,1"), Reply::Hold);
    assert_eq!(m.held_activation, Some(1));
    assert!(m.active_cids().is_empty());
    assert_eq!(m.release_hang(), ["OK"]);
    assert_eq!(m.active_cids(), [1]);
    assert!(m.release_hang().is_empty(), "nothing held any more");
    assert_eq!(answer(&mut m, "AT+CGACT=1,1"), ["OK"], "no longer hanging");
}

#[test]
fn fault_held_activation_fails_late_if_detached_meanwhile() {
    let mut m = online();
    assert_eq!(answer(&mut m, "AT+CGACT=0,1"), ["OK"]);
    m.hang_activations(true);
    assert_eq!(m.handle("AT+CGACT=1,1"), Reply::Hold);
    m.detach();
    assert_eq!(m.release_hang(), ["+CME ERROR: 30"]);
    assert!(m.active_cids().is_empty());
}

#[test]
fn fault_reset_forgets_a_held_activation() {
    let mut m = online();
    m.hang_activations(true);
    assert_eq!(m.handle("AT+CGACT=1,1"), Reply::Hold);
    m.reset();
    assert_eq!(m.held_activation, None);
    assert!(m.release_hang().is_empty());
    assert!(!m.faults.hang_activations);
}

#[test]
fn fault_sim_removal_drops_the_contexts_and_the_pin_entered() {
    let mut m = Modem::new();
    assert!(m.lock_sim("1234", 3).is_empty());
    m.power_cycle();
    assert_eq!(
        answer(&mut m, "AT+CPIN=\"1234\""),
        ["OK", "+USIMSTATE: 0", "+USIMSTATE: 1"]
    );
    for l in [
        "AT+CFUN=1",
        "AT+CGATT=1",
        "AT+CGDCONT=1,\"IP\",\"a\"",
        "AT+CGACT=1,1",
    ] {
        assert_eq!(answer(&mut m, l), ["OK"], "{l}");
    }
    assert_eq!(m.remove_sim(), ["+USIMSTATE: 0"]);
    assert!(!m.attached && m.active_cids().is_empty());
    assert_eq!(answer(&mut m, "AT+CIMI"), ["+CME ERROR: 10"]);
    assert_eq!(answer(&mut m, "AT+CPIN?"), ["+CME ERROR: 10"]);

    assert_eq!(m.insert_sim(), ["+USIMSTATE: 1"]);
    assert_eq!(answer(&mut m, "AT+CPIN?")[0], "+CPIN: SIM PIN");
    assert_eq!(answer(&mut m, "AT+CIMI"), ["+CME ERROR: 11"]);
}

#[test]
fn fault_lock_sim_is_silent_and_the_pin_notice_can_be_turned_off() {
    let mut m = Modem::new();
    m.power_cycle();
    assert_eq!(answer(&mut m, "AT+CPIN?")[0], "+CPIN: READY");
    assert!(m.lock_sim("4321", 2).is_empty());
    assert_eq!(answer(&mut m, "AT+CPIN?")[0], "+CPIN: SIM PIN");
    assert_eq!(answer(&mut m, "AT+CPINR")[0], "+CPINR: SIM PIN,2,3");
    assert!(m.set_pin_ready_notice(false).is_empty());
    assert_eq!(answer(&mut m, "AT+CPIN=\"4321\""), ["OK"]);
    assert_eq!(answer(&mut m, "AT+CPIN?")[0], "+CPIN: READY");
}

#[test]
fn link_loss_leaves_the_radio_off() {
    let mut m = online();
    m.link_lost();
    assert_eq!(m.cfun, 0);
    assert!(!m.attached && m.contexts.is_empty());
    assert_eq!(m.creg_stat(), 0);
}

#[test]
fn signal_barrier_changes_the_published_strength_every_time() {
    let mut m = online();
    let mut last = None;
    for _ in 0..25 {
        let out = m.signal_barrier();
        let rssi: u32 = out[0]
            .strip_prefix("+CSQ: ")
            .and_then(|s| s.strip_suffix(",99"))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a +CSQ line: {out:?}"));
        assert_eq!(out.len(), 1);
        assert!((10..=30).contains(&rssi), "{rssi}");
        assert_eq!(u32::from(m.strength()), rssi * 100 / 31);
        assert_eq!(answer(&mut m, "AT+CSQ")[0], format!("+CSQ: {rssi},99"));
        assert_ne!(last, Some(m.strength()), "a barrier must be seen");
        last = Some(m.strength());
    }
}
