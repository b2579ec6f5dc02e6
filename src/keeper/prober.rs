//! The data-path prober: when the next probe is due, the probe in flight,
//! failures in a row, and the data-stall watch that brings probes forward.

use std::time::{Duration, Instant};

use super::datastall::{DataStall, Look, STALL_PROBE_PACE};
use super::settings::{ProbeMode, Settings};
use crate::counters::Counters;
use crate::events::{ProbeRequest, Token};
use crate::netsettings::NetSettings;
use crate::target::Target;

/// Where a due probe goes.
pub enum Aim {
    At(Target),
    /// `--probe dns` and the link has no name servers; `true` the first time.
    NoTarget(bool),
    Off,
}

#[derive(Debug)]
pub struct Prober {
    mode: ProbeMode,
    interval: Duration,
    next: Option<Instant>,
    in_flight: Option<Token>,
    /// Probe failures in a row.
    failures: u32,
    /// What the interface had received at the last probe.
    last_rx: Option<u64>,
    said_no_target: bool,
    stall: DataStall,
}

impl Prober {
    pub fn new(cfg: &Settings) -> Prober {
        Prober {
            mode: cfg.probe.clone(),
            interval: cfg.probe_interval,
            next: None,
            in_flight: None,
            failures: 0,
            last_rx: None,
            said_no_target: false,
            stall: DataStall::default(),
        }
    }

    pub fn off(&self) -> bool {
        self.mode == ProbeMode::Off
    }

    /// The next probe, while the link is up and none is in flight.
    pub fn deadline(&self, link_up: bool) -> Option<Instant> {
        self.next.filter(|_| link_up && self.in_flight.is_none())
    }

    /// A probe is due now: the one after it comes an interval later.
    pub fn rearm(&mut self, now: Instant) {
        self.next = Some(now + self.interval);
    }

    /// Where the due probe goes, for a link configured as `net`.
    pub fn aim(&mut self, net: &NetSettings) -> Aim {
        match &self.mode {
            ProbeMode::Off => Aim::Off,
            ProbeMode::Fixed(target) => Aim::At(target.clone()),
            ProbeMode::Dns if net.dns.is_empty() => {
                let first = !self.said_no_target;
                self.said_no_target = true;
                Aim::NoTarget(first)
            }
            ProbeMode::Dns => Aim::At(Target::Dns(net.dns.clone())),
        }
    }

    pub fn start(&mut self, token: Token, interface: &str, target: Target) -> ProbeRequest {
        self.in_flight = Some(token);
        ProbeRequest {
            token,
            interface: interface.to_string(),
            target,
            // Traffic since the last probe proves nothing in a stall: it
            // may have come before it.
            skip_if_rx_above: self.last_rx.filter(|_| !self.stall.stalled()),
        }
    }

    pub fn probing(&self) -> bool {
        self.in_flight.is_some()
    }

    /// A probe ended: false if it was one of a link that is gone.
    pub fn ended(&mut self, token: Token, counters: Option<&Counters>) -> bool {
        if self.in_flight != Some(token) {
            return false;
        }
        self.in_flight = None;
        if let Some(c) = counters {
            self.last_rx = Some(c.rx_bytes);
        }
        true
    }

    pub fn passed(&mut self) {
        self.stall.probe_passed();
        self.failures = 0;
    }

    /// A probe failed: the failures in a row, and the pace of the next
    /// probe when it comes sooner than the interval (a stall).
    pub fn failed(&mut self, climb_after: u32, now: Instant) -> (u32, Option<Duration>) {
        self.failures += 1;
        let n = self.failures;
        let stalled = n < climb_after && !self.off() && self.stall.probe_failed();
        let pace = stalled.then(|| STALL_PROBE_PACE.min(self.interval));
        if let Some(pace) = pace {
            self.next = Some(now + pace);
        }
        (n, pace)
    }

    /// Sending into silence: probe now.
    pub fn probe_now(&mut self, now: Instant) {
        self.next = Some(now);
    }

    /// A recovery rung was taken: judge the link again after `until`.
    pub fn wait_for_rung(&mut self, until: Instant) {
        self.failures = 0;
        self.next = Some(until);
    }

    /// The link was configured: probing starts an interval later.
    pub fn link_configured(&mut self, now: Instant) {
        self.next.get_or_insert(now + self.interval);
    }

    /// A look at the link's counters, for the stall watch.
    pub fn look(&mut self, iface: &str, counters: Option<Counters>, now: Instant) -> Look {
        self.stall.look(iface, counters, now)
    }

    /// The link came up or went: no stall carries over.
    pub fn forget_stall(&mut self) {
        self.stall.forget();
    }

    pub fn link_lost(&mut self) {
        self.next = None;
        self.in_flight = None;
        self.failures = 0;
        self.last_rx = None;
    }
}
