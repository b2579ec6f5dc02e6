//! Data-stall detection: an interface that keeps sending and receives
//! nothing is probably a ghost (the context is Active, the PPP link beneath
//! is dead, or the network is a black hole). Then the probe runs at once,
//! and after each failed probe again soon, instead of once per
//! `--probe-interval`. An interface that receives needs no probe.
//!
//! The counters are looked at when the keeper already wakes (its poll, a
//! probe's end, the link coming up): no timer of its own while healthy.

use std::time::{Duration, Instant};

use crate::counters::Counters;

/// Packets sent without one received before a stall is suspected: more
/// than one unanswered request (a DNS query and its retry are 2-3), fewer
/// than a ghost's background traffic gives in two looks (TCP retransmits,
/// keep-alives). A false alarm costs one probe.
pub const STALL_TX_PACKETS: u64 = 5;
/// The silence must span this long: an answer may be on its way (looks a
/// moment apart, e.g. a probe's and the poll's, tell nothing).
pub const STALL_MIN_QUIET: Duration = Duration::from_secs(10);
/// In a stall, the next probe this long after a failed one (at most
/// `--probe-interval`): `--probe-failures` 3 then cover 35 s of silence
/// (5 s timeout each), longer than a cell handover, in well under a minute.
pub const STALL_PROBE_PACE: Duration = Duration::from_secs(10);

/// What a look at the counters showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// Nothing to compare with yet (first look, or the interface was gone).
    First,
    /// Another interface (name, index, or a counter went down): no stall.
    Reset,
    /// Packets came in: the path works.
    Received,
    /// Nothing came in (and not yet, or no longer newly, a stall).
    Quiet,
    /// A stall begins here: probe now.
    Stalled { sent: u64, quiet: Duration },
}

#[derive(Debug, Default)]
pub struct DataStall {
    /// The last look: interface, counters, when.
    last: Option<(String, Counters, Instant)>,
    /// Packets sent since one was last received.
    sent_since_rx: u64,
    /// The look after which nothing was received any more (and something
    /// was sent).
    quiet_since: Option<Instant>,
    stalled: bool,
}

impl DataStall {
    /// A look at `iface`'s counters (`None`: the interface is not there).
    pub fn look(&mut self, iface: &str, counters: Option<Counters>, now: Instant) -> Look {
        let Some(c) = counters else {
            self.forget();
            return Look::First;
        };
        let Some((name, was, at)) = self.last.replace((iface.to_string(), c, now)) else {
            return Look::First;
        };
        if name != iface || is_new_interface(&was, &c) {
            self.clear();
            return Look::Reset;
        }
        if c.rx_packets > was.rx_packets {
            self.clear();
            return Look::Received;
        }
        let sent = c.tx_packets - was.tx_packets;
        if sent == 0 {
            return Look::Quiet;
        }
        self.sent_since_rx += sent;
        let since = *self.quiet_since.get_or_insert(at);
        let quiet = now.saturating_duration_since(since);
        if self.stalled || self.sent_since_rx < STALL_TX_PACKETS || quiet < STALL_MIN_QUIET {
            return Look::Quiet;
        }
        self.stalled = true;
        Look::Stalled {
            sent: self.sent_since_rx,
            quiet,
        }
    }

    /// A probe failed (its counters already looked at). True if nothing
    /// was received since before it, whatever the traffic was: then this
    /// is a stall and the next probe should come soon.
    pub fn probe_failed(&mut self) -> bool {
        if self.last.is_some() && (self.stalled || self.quiet_since.is_some()) {
            self.stalled = true;
        }
        self.stalled
    }

    /// In a stall: the next probe must run, whatever came in long ago.
    pub fn stalled(&self) -> bool {
        self.stalled
    }

    /// A probe passed: the stall, if any, is over.
    pub fn probe_passed(&mut self) {
        self.clear();
    }

    /// The link is gone (or a recovery step is taking it down).
    pub fn forget(&mut self) {
        *self = DataStall::default();
    }

    fn clear(&mut self) {
        self.sent_since_rx = 0;
        self.quiet_since = None;
        self.stalled = false;
    }
}

/// Another interface under the same name: a new index, or a counter that
/// went down (counters start at zero when an interface is created).
pub fn is_new_interface(was: &Counters, now: &Counters) -> bool {
    (was.index != now.index && was.index != 0 && now.index != 0)
        || now.rx_packets < was.rx_packets
        || now.tx_packets < was.tx_packets
        || now.rx_bytes < was.rx_bytes
        || now.tx_bytes < was.tx_bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(rx: u64, tx: u64) -> Option<Counters> {
        Some(Counters {
            index: 7,
            rx_bytes: rx * 100,
            rx_packets: rx,
            tx_bytes: tx * 100,
            tx_packets: tx,
        })
    }

    fn at(t0: Instant, secs: u64) -> Instant {
        t0 + Duration::from_secs(secs)
    }

    #[test]
    fn sent_without_received_across_looks_is_a_stall_once() {
        let t0 = Instant::now();
        let mut d = DataStall::default();
        assert_eq!(d.look("ppp0", c(10, 10), t0), Look::First);
        assert_eq!(d.look("ppp0", c(10, 13), at(t0, 30)), Look::Quiet);
        let look = d.look("ppp0", c(10, 16), at(t0, 60));
        assert_eq!(
            look,
            Look::Stalled {
                sent: 6,
                quiet: Duration::from_secs(60)
            }
        );
        assert!(d.stalled());
        assert_eq!(d.look("ppp0", c(10, 30), at(t0, 90)), Look::Quiet);
    }

    #[test]
    fn looks_close_together_or_few_packets_are_no_stall() {
        let t0 = Instant::now();
        let mut d = DataStall::default();
        d.look("ppp0", c(1, 1), t0);
        assert_eq!(d.look("ppp0", c(1, 40), at(t0, 5)), Look::Quiet);
        let mut e = DataStall::default();
        e.look("ppp0", c(1, 1), t0);
        assert_eq!(e.look("ppp0", c(1, 5), at(t0, 300)), Look::Quiet);
        assert_eq!(e.look("ppp0", c(1, 5), at(t0, 600)), Look::Quiet);
        assert!(!e.stalled());
    }

    #[test]
    fn anything_received_clears_it() {
        let t0 = Instant::now();
        let mut d = DataStall::default();
        d.look("ppp0", c(1, 1), t0);
        d.look("ppp0", c(1, 4), at(t0, 30));
        assert_eq!(d.look("ppp0", c(2, 8), at(t0, 60)), Look::Received);
        assert_eq!(d.look("ppp0", c(2, 11), at(t0, 90)), Look::Quiet);
    }

    #[test]
    fn a_new_interface_is_a_reset_not_a_stall() {
        let t0 = Instant::now();
        let mut d = DataStall::default();
        d.look("ppp0", c(500, 900), t0);
        d.look("ppp0", c(500, 903), at(t0, 30));
        assert_eq!(d.look("ppp0", c(0, 40), at(t0, 60)), Look::Reset);
        assert_eq!(d.look("ppp1", c(0, 90), at(t0, 90)), Look::Reset);
        assert_eq!(d.look("ppp1", c(0, 91), at(t0, 120)), Look::Quiet);
        // Re-created between two looks, and already past the old counts.
        let mut other = c(0, 200).unwrap();
        other.index = 8;
        assert_eq!(d.look("ppp1", Some(other), at(t0, 150)), Look::Reset);
        // Gone, then back: a fresh start.
        assert_eq!(d.look("ppp1", None, at(t0, 160)), Look::First);
        assert_eq!(d.look("ppp1", c(0, 299), at(t0, 190)), Look::First);
    }

    #[test]
    fn a_failed_probe_with_nothing_received_is_a_stall() {
        let t0 = Instant::now();
        let mut d = DataStall::default();
        assert!(!d.probe_failed(), "no counters seen: no opinion");
        d.look("ppp0", c(7, 7), t0);
        // An idle link: only the probe's own query went out.
        d.look("ppp0", c(7, 9), at(t0, 65));
        assert!(d.probe_failed());
        d.probe_passed();
        assert!(!d.stalled());
        // A failure while packets come in (the server is down): no hurry.
        d.look("ppp0", c(9, 11), at(t0, 130));
        assert!(!d.probe_failed());
        // An idle link and a probe that sent nothing: no evidence either.
        d.look("ppp0", c(9, 11), at(t0, 190));
        assert!(!d.probe_failed());
    }
}
