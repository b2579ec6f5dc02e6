//! Waiting out oFono's own PPP teardown before activating again.
//!
//! oFono 1.31's atmodem context driver (the E367's) runs PPP in userspace.
//! When the packet service detaches (or the radio goes off), oFono's core
//! reports the context inactive at once, while the driver's PPP is still
//! closing: the LCP restart timer is 3 s, and two unanswered
//! Terminate-Requests take 6 s. ppp0 is gone from the start, so nothing
//! shows when it ends. An activation in that window queues its
//! `AT+CGDCONT` behind the closing PPP, fails when the PPP ends, and is then
//! answered a second time: ofonod aborts on the double D-Bus reply. So
//! after such a loss on a `ppp` interface, no activation for `PPP_CLOSING`.
//! Losses oFono reports only after its PPP ended (the network's LCP
//! Terminate, `+CGEV: NW DEACT`) and other drivers' interfaces never wait.
//!
//! Our own deactivation is signalled before its PPP teardown ends too: an
//! activation that fails right after it is retried shortly, not counted.

use std::time::{Duration, Instant};

use crate::status::Cause;

/// The longest teardown (6 s) and a margin.
pub const PPP_CLOSING: Duration = Duration::from_secs(7);
/// How soon after our own deactivation a failed activation is blamed on
/// oFono's unfinished PPP teardown, and how long it is given to finish.
const OWN_WINDOW: Duration = Duration::from_secs(5);
pub const OWN_SETTLE: Duration = Duration::from_millis(500);

#[derive(Debug, Default)]
pub struct Teardown {
    /// The interface the link was last configured on.
    configured: Option<String>,
    until: Option<Instant>,
    /// Our own deactivation of a context, and when.
    own: Option<(String, Instant)>,
}

impl Teardown {
    /// The link was configured on `iface`.
    pub fn configured(&mut self, iface: &str) {
        self.configured = Some(iface.to_string());
    }

    /// The link went down at `now` for `cause`; how long activations must
    /// now wait for oFono's PPP to close.
    pub fn link_lost(&mut self, cause: &Cause, now: Instant) -> Duration {
        let iface = self.configured.take();
        let reported_early = matches!(cause, Cause::Detached | Cause::RadioOff);
        if !reported_early || !iface.is_some_and(|i| i.starts_with("ppp")) {
            return Duration::ZERO;
        }
        self.until = Some(now + PPP_CLOSING);
        PPP_CLOSING
    }

    /// The modem, its objects or oFono itself are new: nothing is closing.
    pub fn clear(&mut self) {
        self.until = None;
    }

    /// We deactivated `path` ourselves.
    pub fn deactivated_by_us(&mut self, path: &str, now: Instant) {
        self.own = Some((path.to_string(), now));
    }

    /// An activation worked, or what we tore down went with a lower layer.
    pub fn forget_own(&mut self) {
        self.own = None;
    }

    /// Our last deactivation was of `path`.
    pub fn ours(&self, path: &str) -> bool {
        self.own.as_ref().is_some_and(|(p, _)| p == path)
    }

    /// An activation of `path` failed: was it our deactivation's teardown
    /// still running? Asked once per deactivation.
    pub fn failed_after_own(&mut self, path: &str, now: Instant) -> bool {
        self.own
            .take()
            .is_some_and(|(p, at)| p == path && now < at + OWN_WINDOW)
    }

    /// An activation must wait.
    pub fn holds(&self, now: Instant) -> bool {
        self.until.is_some_and(|u| now < u)
    }

    /// Forgets a hold that has run out (so it is no deadline any more).
    pub fn expire(&mut self, now: Instant) {
        if self.until.is_some_and(|u| u <= now) {
            self.until = None;
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detach_under_ppp_holds_activations_for_the_teardown() {
        let t0 = Instant::now();
        let mut t = Teardown::default();
        t.configured("ppp0");
        assert_eq!(t.link_lost(&Cause::Detached, t0), PPP_CLOSING);
        assert!(t.holds(t0 + PPP_CLOSING - Duration::from_millis(1)));
        assert!(!t.holds(t0 + PPP_CLOSING));
        assert_eq!(t.deadline(), Some(t0 + PPP_CLOSING));
        t.expire(t0 + PPP_CLOSING - Duration::from_millis(1));
        assert_eq!(t.deadline(), Some(t0 + PPP_CLOSING));
        t.expire(t0 + PPP_CLOSING);
        assert_eq!(t.deadline(), None);
    }

    #[test]
    fn losses_reported_after_the_teardown_and_other_interfaces_do_not() {
        let t0 = Instant::now();
        let mut t = Teardown::default();
        for cause in [Cause::Deactivated, Cause::NotActive, Cause::ModemRemoved] {
            t.configured("ppp0");
            assert_eq!(t.link_lost(&cause, t0), Duration::ZERO, "{cause}");
        }
        t.configured("dummy0");
        assert_eq!(t.link_lost(&Cause::Detached, t0), Duration::ZERO);
        // Nothing configured: nothing to wait for.
        assert_eq!(t.link_lost(&Cause::Detached, t0), Duration::ZERO);
        assert!(!t.holds(t0));
    }
}
