//! The link's counters, as the keeper uses them: data used for the status
//! file, and data stalls that call for a probe now (see `datastall`).
//! They are read when the keeper wakes anyway: the poll, the link coming
//! up or going, a probe's end.

use std::time::{Duration, Instant};

use super::Keeper;
use super::datastall::Look;
use crate::counters::Counters;
use crate::events::{Action, Level};

impl Keeper {
    /// Asks the edge for the counters of the configured interface, if any.
    pub(super) fn read_counters(&mut self) {
        if let Some(iface) = self.net.interface() {
            let read = Action::ReadCounters(iface.to_string());
            self.out.push_back(read);
        }
    }

    /// `ReadCounters` answered.
    pub(super) fn on_counters(&mut self, iface: &str, counters: Option<Counters>, now: Instant) {
        if let Some(Look::Stalled { sent, quiet }) = self.look_at_counters(iface, counters, now) {
            self.on_data_stall(iface, sent, quiet, now);
        }
    }

    /// Counts the bytes; the stall look if `iface` is the link's, now up.
    pub(super) fn look_at_counters(
        &mut self,
        iface: &str,
        counters: Option<Counters>,
        now: Instant,
    ) -> Option<Look> {
        let current = self.link.up() && self.net.interface() == Some(iface);
        // A look after the link went still counts the bytes it shows.
        if let Some(c) = counters.as_ref()
            && (current || self.usage.interface() == Some(iface))
        {
            self.usage.look(iface, c);
        }
        current.then(|| self.prober.look(iface, counters, now))
    }

    /// Sending into silence: probe now rather than at the next interval.
    fn on_data_stall(&mut self, iface: &str, sent: u64, quiet: Duration, now: Instant) {
        if self.prober.off() || self.ladder.cooling(now) || self.prober.probing() {
            return;
        }
        self.log(
            Level::Warn,
            format!(
                "data stall on {iface}: {sent} packets sent, none received in {}s; probing now",
                quiet.as_secs()
            ),
        );
        self.prober.probe_now(now);
    }

    /// The link came up: a new connection for the data-used figures.
    pub(super) fn traffic_link_up(&mut self) {
        self.usage.connection_started();
        self.prober.forget_stall();
    }

    /// The link went: one last look at what its interface counted.
    pub(super) fn traffic_link_lost(&mut self) {
        self.read_counters();
        self.prober.forget_stall();
    }
}
