//! The dongle's firmware misbehaves: a hung dial and a wedge that only USB
//! re-enumeration clears (on default options these climb the recovery
//! ladder, so they take minutes), and the SIM pulled and put back.

use std::time::{Duration, Instant};

use super::common::{context, nothing, recovers, up};

#[test]
#[ignore = "slow: the 120 s --activation-timeout; scripts/test-slow.sh"]
fn a_dial_never_answered_is_given_up_and_the_modem_power_cycled() {
    let (b, d) = up(&[]);
    let took = recovers(
        &b,
        &d,
        "hung dial",
        |b| {
            b.dongle().hang_dials(true);
            b.dongle().network_deactivate();
        },
        Duration::from_secs(5),
        |b| b.dongle().hang_dials(false),
        Duration::from_secs(200),
    );
    eprintln!("hung dial: data again after {took:?}");
    assert!(b.ofono_died().is_none(), "ofonod died\n{}", context(&b, &d));
}

#[test]
#[ignore = "slow: the ladder climbs to step 5 on default options; scripts/test-slow.sh"]
fn a_wedged_firmware_is_cleared_by_re_authorizing_its_usb_device() {
    let (b, d) = up(&[]);
    let _app = b.start_sender();
    let t0 = Instant::now();
    let took = recovers(
        &b,
        &d,
        "wedged firmware",
        |b| b.dongle().wedge(),
        Duration::ZERO,
        nothing,
        Duration::from_secs(900),
    );
    let flag = std::fs::read_to_string(b.usb_authorized()).unwrap_or_default();
    assert_eq!(flag.trim(), "1", "the USB device is authorized again");
    let wrote = d
        .lines()
        .into_iter()
        .any(|(t, l)| t >= t0 && l.contains("authorized"));
    assert!(
        wrote,
        "recovered without the USB step?\n{}",
        context(&b, &d)
    );
    eprintln!("wedged firmware: data again after {took:?}");
}

#[test]
fn sim_out_and_back_in() {
    let (b, d) = up(&[]);
    let took = recovers(
        &b,
        &d,
        "SIM out, in",
        |b| b.dongle().remove_sim(),
        Duration::from_secs(2),
        |b| b.dongle().insert_sim(),
        Duration::from_secs(300),
    );
    eprintln!("SIM out, in: data again after {took:?}");
    // Registration back with the SIM, then the 7 s wait for oFono's PPP
    // (the SIM took the registration and the packet service with it).
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
