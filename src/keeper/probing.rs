//! Does data really flow? Sends the probe that is due and judges its
//! outcome: a pass takes the ladder back to the bottom, `--probe-failures`
//! failures in a row climb it.

use std::time::Instant;

use super::Keeper;
use super::ladder::Rung;
use super::prober::Aim;
use crate::counters::Counters;
use crate::events::{Action, Level, ProbeOutcome, Token};

impl Keeper {
    /// The probe timer fired: send the probe, if the link has a target.
    pub(super) fn probe_due(&mut self, now: Instant) {
        self.prober.rearm(now);
        let Some(net) = self.net.applied() else {
            return;
        };
        let interface = net.interface.clone();
        let target = match self.prober.aim(net) {
            Aim::At(target) => target,
            Aim::Off | Aim::NoTarget(false) => return,
            Aim::NoTarget(true) => {
                let line =
                    format!("no name servers on {interface} to probe; give --probe tcp:IP:PORT");
                return self.log(Level::Warn, line);
            }
        };
        let token = self.calls.token();
        let request = self.prober.start(token, &interface, target);
        self.out.push_back(Action::Probe(request));
    }

    pub(super) fn on_probe(
        &mut self,
        token: Token,
        outcome: ProbeOutcome,
        counters: Option<Counters>,
        now: Instant,
    ) {
        if !self.prober.ended(token, counters.as_ref()) {
            return; // a probe of a link that is gone
        }
        if let Some(iface) = self.net.interface().map(str::to_string) {
            // Its outcome, not this look, says what comes next.
            self.look_at_counters(&iface, counters, now);
        }
        match outcome {
            ProbeOutcome::Passed | ProbeOutcome::Traffic => {
                self.prober.passed();
                if self.ladder.data_flows() {
                    self.log(
                        Level::Info,
                        "data flows again; recovery ladder reset".into(),
                    );
                }
            }
            ProbeOutcome::Failed(reason) => {
                let max = self.cfg.probe_failures;
                let (n, pace) = self.prober.failed(max, now);
                let next = pace.map_or_else(String::new, |p| {
                    format!("; nothing received, next probe in {}s", p.as_secs())
                });
                self.log(
                    Level::Info,
                    format!("probe failed ({n} of {max}): {reason}{next}"),
                );
                if n >= max {
                    self.climb(&format!("link dead: {n} probes failed"), Rung::Context, now);
                }
            }
        }
    }
}
