//! PAP and CHAP with `--username`/`--password-file` on the network's PPP
//! peer, which checks both; wrong credentials are a configuration error
//! that says so.

use std::time::Duration;

use super::common::{ARGS, bench, context};
use crate::e367::ppp::Auth;

fn with_credentials(
    auth: Auth,
    daemon_auth: &str,
    password: &str,
) -> (crate::e367::E367Bench, crate::bench::daemon::Daemon) {
    let b = bench();
    {
        let mut w = b.dongle().world();
        w.ppp_auth = auth;
        w.username = "pi-user".into();
        w.password = "s3cret".into();
    }
    let pw = b.dir().join("password");
    std::fs::write(&pw, format!("{password}\n")).unwrap();
    let pw = pw.display().to_string();
    let mut args = ARGS.to_vec();
    args.extend_from_slice(&[
        "--username",
        "pi-user",
        "--password-file",
        &pw,
        "--auth",
        daemon_auth,
    ]);
    let d = b.spawn_daemon(&args);
    (b, d)
}

#[test]
fn chap_with_the_right_password_carries_data() {
    let (b, d) = with_credentials(Auth::Chap, "chap", "s3cret");
    let data = b.wait_data(Duration::from_secs(30));
    assert!(data.is_ok(), "{data:?}\n{}", context(&b, &d));
}

#[test]
fn pap_with_the_right_password_carries_data() {
    let (b, d) = with_credentials(Auth::Pap, "pap", "s3cret");
    let data = b.wait_data(Duration::from_secs(30));
    assert!(data.is_ok(), "{data:?}\n{}", context(&b, &d));
}

#[test]
fn a_wrong_password_is_named_as_the_likely_cause() {
    let (b, d) = with_credentials(Auth::Chap, "chap", "wrong");
    let hint = d.wait_log(
        "--password-file",
        std::time::Instant::now() - Duration::from_secs(60),
        Duration::from_secs(40),
    );
    assert!(
        hint.is_some(),
        "no hint at the credentials\n{}",
        context(&b, &d)
    );
    let w = b.dongle().world();
    assert_eq!(w.sessions, 0, "no session with a wrong password");
    assert!(
        w.ppp_events
            .iter()
            .any(|(_, e)| matches!(e, crate::e367::ppp::Event::AuthFailed { .. }))
    );
}
