//! The status file's tokens (`state=`, `last_outage_cause=`): short, and
//! each one documented in the README for the scripts that read them.

use crate::keeper::phase::Phase;
use crate::status::Cause;

fn assert_documented(token: &str) {
    let readme = include_str!("../../../README.md");
    assert!(
        token.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
        "{token}"
    );
    assert!(
        readme.contains(&format!("`{token}`")),
        "README lacks {token}"
    );
}

#[test]
fn every_state_token_is_short_and_in_the_readme() {
    let s = String::new;
    let all = [
        Phase::NoOfono,
        Phase::NoModem(s()),
        Phase::PoweringUp(s()),
        Phase::GoingOnline(s()),
        Phase::WaitingSim(s()),
        Phase::SimNeedsPin(s()),
        Phase::SimPinRejected,
        Phase::SimRetriesLow(s(), 1),
        Phase::SimNeedsPuk(s()),
        Phase::CreatingContext(s()),
        Phase::WaitingAttach(s()),
        Phase::RoamingBlocked,
        Phase::PacketService(s()),
        Phase::Activating(s()),
        Phase::ResettingGhost(s()),
        Phase::Recovering,
        Phase::Up,
    ];
    for phase in all {
        assert_documented(phase.token());
    }
}

#[test]
fn every_cause_token_is_short_and_in_the_readme() {
    let all = [
        Cause::BusLost,
        Cause::OfonoLeft,
        Cause::OfonoRestarted,
        Cause::ModemGone,
        Cause::ModemRemoved,
        Cause::ModemOff,
        Cause::RadioOff,
        Cause::PacketServiceGone,
        Cause::Detached,
        Cause::ContextVanished,
        Cause::ContextRemoved("/m/c1".into()),
        Cause::Deactivated,
        Cause::NotActive,
    ];
    for cause in all {
        assert_documented(cause.token());
    }
}
