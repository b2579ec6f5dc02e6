//! Choosing the modem and context, the SIM, roaming, and applying settings.

use super::fake::{CTX, FakeContext};
use super::{Fake, Story, settings};
use crate::keeper::Settings;

fn context(path: &str, kind: &str, apn: &str) -> FakeContext {
    FakeContext {
        path: path.into(),
        kind: kind.into(),
        apn: apn.into(),
        active: false,
        strings: Vec::new(),
    }
}

#[test]
fn never_takes_an_mms_context_that_happens_to_come_first() {
    // 2013 flaw: contexts[0] was taken, whatever its type.
    let fake = Fake {
        contexts: vec![
            context("/m/context1", "mms", "mms"),
            context("/m/context2", "internet", ""),
        ],
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(1.0);
    assert!(s.fake.active("/m/context2"));
    assert!(!s.fake.active("/m/context1"));
}

#[test]
fn creates_an_internet_context_with_the_apn_when_none_exists() {
    let fake = Fake {
        contexts: vec![context("/m/context1", "mms", "mms")],
        ..Fake::default()
    };
    let cfg = Settings {
        apn: Some("web.example".into()),
        ..settings()
    };
    let mut s = Story::with(cfg, fake);
    s.run_until(1.0);
    assert_eq!(s.fake.contexts.len(), 2);
    let created = &s.fake.contexts[1];
    assert_eq!(
        (created.kind.as_str(), created.apn.as_str()),
        ("internet", "web.example")
    );
    assert!(created.active, "{}", s.log_text());
    assert_eq!(
        s.changes()
            .iter()
            .filter(|c| c.contains("AddContext"))
            .count(),
        1
    );
}

#[test]
fn applies_the_apn_only_while_the_context_is_inactive() {
    let mut fake = Fake::default();
    fake.contexts[0].apn = "old".into();
    let cfg = Settings {
        apn: Some("new".into()),
        ..settings()
    };
    let mut s = Story::with(cfg, fake);
    s.run_until(1.0);
    assert_eq!(s.fake.contexts[0].apn, "new");
    assert!(s.fake.active(CTX));
    let apn_at = s
        .changes()
        .iter()
        .position(|c| c.contains("AccessPointName"))
        .unwrap();
    let active_at = s
        .changes()
        .iter()
        .position(|c| c.contains("Active=true"))
        .unwrap();
    assert!(apn_at < active_at);
}

#[test]
fn roaming_stays_off_unless_asked_for() {
    // 2013 flaw: roaming was forced on, whatever it cost.
    let fake = Fake {
        status: "roaming".into(),
        roaming_allowed: true,
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(100.0);
    assert!(
        !s.fake.roaming_allowed,
        "a stored RoamingAllowed=true is turned off"
    );
    assert!(!s.fake.active(CTX));
    assert_eq!(
        s.logged("roaming is off: no data (use --roaming"),
        1,
        "{}",
        s.log_text()
    );
}

#[test]
fn roaming_is_allowed_with_the_option() {
    let fake = Fake {
        status: "roaming".into(),
        ..Fake::default()
    };
    let cfg = Settings {
        roaming: true,
        ..settings()
    };
    let mut s = Story::with(cfg, fake);
    s.run_until(1.0);
    assert!(
        s.fake.roaming_allowed && s.fake.active(CTX),
        "{}",
        s.log_text()
    );
}

fn locked(retries: i64) -> Fake {
    Fake {
        pin_required: "pin".into(),
        retries,
        ..Fake::default()
    }
}

fn with_pin(pin: &str) -> Settings {
    Settings {
        pin: Some(pin.into()),
        ..settings()
    }
}

#[test]
fn enters_the_pin_from_the_file_when_enough_tries_are_left() {
    let mut s = Story::with(with_pin("1234"), locked(3));
    s.run_until(1.0);
    assert!(s.fake.active(CTX), "{}", s.log_text());
    assert_eq!(
        s.changes()
            .iter()
            .filter(|c| c.contains("EnterPin"))
            .count(),
        1
    );
}

#[test]
fn does_not_risk_the_last_pin_try() {
    let mut s = Story::with(with_pin("1234"), locked(1));
    s.run_until(200.0);
    assert!(s.changes().iter().all(|c| !c.contains("EnterPin")));
    assert_eq!(s.logged("with 1 tries left"), 1, "{}", s.log_text());
}

#[test]
fn a_wrong_pin_is_tried_once_only() {
    let mut s = Story::with(with_pin("9999"), locked(3));
    s.run_until(600.0);
    assert_eq!(
        s.changes()
            .iter()
            .filter(|c| c.contains("EnterPin"))
            .count(),
        1
    );
    assert_eq!(s.fake.retries, 2);
    assert_eq!(s.logged("SIM refused the PIN"), 1, "{}", s.log_text());
}

#[test]
fn never_enters_a_puk_and_says_so_once() {
    let fake = Fake {
        pin_required: "puk".into(),
        ..Fake::default()
    };
    let mut s = Story::with(with_pin("1234"), fake);
    s.run_until(300.0);
    assert!(s.changes().iter().all(|c| !c.contains("EnterPin")));
    assert_eq!(s.logged("asks for its puk; enter it by hand"), 1);
}

#[test]
fn without_a_pin_file_it_says_what_is_needed() {
    let mut s = Story::with(settings(), locked(3));
    s.run_until(300.0);
    assert_eq!(s.logged("give it with --pin-file FILE"), 1);
    assert!(!s.fake.active(CTX));
}

#[test]
fn only_hardware_modems_are_picked_unless_one_is_named() {
    let fake = Fake {
        modem_type: "test".into(),
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(100.0);
    assert!(s.changes().is_empty());
    assert_eq!(
        s.logged("none of type hardware among /m (test); pick one with --modem PATH"),
        1
    );

    let fake = Fake {
        modem_type: "test".into(),
        ..Fake::default()
    };
    let cfg = Settings {
        modem: Some("/m".into()),
        ..settings()
    };
    let mut s = Story::with(cfg, fake);
    s.run_until(1.0);
    assert!(s.fake.active(CTX));
}

#[test]
fn a_refused_setting_is_logged_per_try_not_per_look() {
    // The fake refuses `Protocol` (InvalidArguments): a configuration
    // error, retried slowly; the polls in between must not repeat the line.
    let cfg = Settings {
        protocol: Some("ip".into()),
        ..settings()
    };
    let mut s = Story::new(cfg);
    s.run_until(125.0);
    let tries = s
        .fake
        .log
        .iter()
        .filter(|c| c.method.describe().contains("Protocol"))
        .count();
    assert!(tries >= 1);
    assert_eq!(
        s.logged("setting Protocol to ip"),
        tries,
        "{}",
        s.log_text()
    );
}
