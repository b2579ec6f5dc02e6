//! Bring-up paths: oFono late or restarting, no context, roaming, the SIM.

use std::time::{Duration, Instant};

use crate::bench::BenchOptions;
use crate::ofono_props as ofono;
use crate::{SIGNALLED, args, bench, bench_with, log_of, recover, up};

#[test]
fn cold_start_activates_with_the_apn_given() {
    let b = bench();
    let t = Instant::now();
    let d = up(&b, &["--apn", "internet.example"]);
    eprintln!("cold start to active at the modem: {:?}", t.elapsed());
    assert_eq!(b.sim().apn(1).as_deref(), Some("internet.example"));
    assert!(
        d.wait_log("context /phonesim/context1 active", t, SIGNALLED)
            .is_some()
    );
}

#[test]
fn no_ofono_at_start_then_ofono_appears() {
    let b = bench_with(BenchOptions {
        start_ofono: false,
        ..BenchOptions::default()
    });
    let t = Instant::now();
    let d = b.spawn_daemon(&args(&[]));
    assert!(
        d.wait_log("waiting for oFono", t, SIGNALLED).is_some(),
        "{}",
        log_of(&d)
    );
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    b.start_ofono();
    assert!(
        b.sim().wait_for(|s| s.is_active(1), SIGNALLED),
        "{}",
        log_of(&d)
    );
    eprintln!("oFono started -> active: {:?}", started.elapsed());
}

#[test]
fn ofono_killed_and_restarted_is_survived() {
    let b = bench();
    let d = up(&b, &[]);
    let t = Instant::now();
    let took = recover(&b, &d, Duration::from_secs(20), |b| {
        b.kill_ofono();
        b.start_ofono();
    });
    eprintln!("ofonod killed + restarted -> active: {took:?}");
    assert!(
        d.wait_log("oFono left the bus", t, SIGNALLED).is_some(),
        "{}",
        log_of(&d)
    );
}

#[test]
fn missing_internet_context_is_created_with_the_apn() {
    let b = bench();
    // Bring the modem up by hand and remove the context oFono provisioned.
    let o = b.ofono();
    o.set(ofono::MODEM, ofono::MODEM_IFACE, "Powered", true)
        .unwrap();
    o.set(ofono::MODEM, ofono::MODEM_IFACE, "Online", true)
        .unwrap();
    let listed = || o.contexts().map(|c| c.len()).unwrap_or(0);
    let t = Instant::now();
    while listed() == 0 && t.elapsed() < SIGNALLED {
        std::thread::sleep(Duration::from_millis(20));
    }
    for (path, _) in o.contexts().unwrap() {
        let msg = dbus::Message::new_method_call(
            "org.ofono",
            ofono::MODEM,
            "org.ofono.ConnectionManager",
            "RemoveContext",
        )
        .unwrap()
        .append1(dbus::Path::new(path).unwrap());
        o.connection()
            .channel()
            .send_with_reply_and_block(msg, Duration::from_secs(5))
            .unwrap();
    }
    assert_eq!(listed(), 0);
    let d = up(&b, &["--apn", "created.example"]);
    assert!(
        d.wait_log("creating one", t, SIGNALLED).is_some(),
        "{}",
        log_of(&d)
    );
    let cid = b.sim().view(|s| s.active_cids()[0]);
    assert_eq!(b.sim().apn(cid).as_deref(), Some("created.example"));
}

#[test]
fn roaming_network_gives_no_data_without_the_option() {
    let b = bench_with(BenchOptions {
        roaming: true,
        ..BenchOptions::default()
    });
    let t = Instant::now();
    let d = b.spawn_daemon(&args(&[]));
    assert!(
        d.wait_log("roaming is off", t, SIGNALLED).is_some(),
        "{}",
        log_of(&d)
    );
    assert!(
        !b.sim()
            .wait_for(|s| s.activation_count() > 0, Duration::from_secs(3))
    );
    assert!(!b.sim().attached(), "must not attach while roaming is off");
}

#[test]
fn roaming_network_with_the_option_comes_up() {
    let b = bench_with(BenchOptions {
        roaming: true,
        ..BenchOptions::default()
    });
    up(&b, &["--roaming"]);
}

fn pin_file(b: &crate::bench::Bench, pin: &str) -> String {
    let path = b.dir().join("pin");
    std::fs::write(&path, format!("{pin}\n")).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn pin_locked_sim_is_unlocked_from_the_pin_file() {
    let b = bench_with(BenchOptions {
        sim_pin: Some(("1234".into(), 3)),
        ..BenchOptions::default()
    });
    let pin = pin_file(&b, "1234");
    let d = up(&b, &["--pin-file", &pin]);
    assert!(
        d.wait_log(
            "SIM accepted the PIN",
            Instant::now() - Duration::from_secs(30),
            SIGNALLED
        )
        .is_some()
    );
}

#[test]
fn pin_is_not_risked_with_one_try_left() {
    let b = bench_with(BenchOptions {
        sim_pin: Some(("1234".into(), 1)),
        ..BenchOptions::default()
    });
    let pin = pin_file(&b, "1234");
    let t = Instant::now();
    let d = b.spawn_daemon(&args(&["--pin-file", &pin]));
    assert!(
        d.wait_log("tries left", t, SIGNALLED).is_some(),
        "{}",
        log_of(&d)
    );
    std::thread::sleep(Duration::from_secs(3));
    let entered = b.sim().received_since("AT+CPIN=", t);
    assert!(entered.is_empty(), "PIN entered: {entered:?}");
}
