//! The link's counters, as the keeper uses them: data used for the status
//! file, and data stalls that call for a probe now (see `datastall`).
//! They are read when the keeper wakes anyway: the poll, the link coming
//! up or going, a probe's end.

use std::time::{Duration, Instant};

use super::Keeper;
use super::datastall::{Look, STALL_PROBE_PACE};
use super::health::ProbeMode;
use crate::events::{Action, Level};
use crate::probe::Counters;

impl Keeper {
    /// Asks the edge for the counters of the configured interface, if any.
    pub(super) fn read_counters(&mut self) {
        if let Some(net) = self.health.net.as_ref() {
            let iface = net.interface.clone();
            self.out.push_back(Action::ReadCounters(iface));
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
        let current = self.link.up
            && self
                .health
                .net
                .as_ref()
                .is_some_and(|n| n.interface == iface);
        // A look after the link went still counts the bytes it shows.
        if let Some(c) = counters.as_ref()
            && (current || self.usage.interface() == Some(iface))
        {
            self.usage.look(iface, c);
        }
        current.then(|| self.datastall.look(iface, counters, now))
    }

    /// Sending into silence: probe now rather than at the next interval.
    fn on_data_stall(&mut self, iface: &str, sent: u64, quiet: Duration, now: Instant) {
        let cooling = self.health.cool_until.is_some_and(|t| now < t);
        if self.cfg.probe == ProbeMode::Off || cooling || self.health.probe.is_some() {
            return;
        }
        self.log(
            Level::Warn,
            format!(
                "data stall on {iface}: {sent} packets sent, none received in {}s; probing now",
                quiet.as_secs()
            ),
        );
        self.health.next_probe = Some(now);
    }

    /// After a failed probe: when the next one comes, if sooner than the
    /// interval (nothing was received: a stall until a probe passes).
    pub(super) fn stall_pace(&mut self) -> Option<Duration> {
        (self.cfg.probe != ProbeMode::Off && self.datastall.probe_failed())
            .then(|| STALL_PROBE_PACE.min(self.cfg.probe_interval))
    }

    /// The link came up: a new connection for the data-used figures.
    pub(super) fn traffic_link_up(&mut self) {
        self.usage.connection_started();
        self.datastall.forget();
    }

    /// The link went: one last look at what its interface counted.
    pub(super) fn traffic_link_lost(&mut self) {
        self.read_counters();
        self.datastall.forget();
    }
}
