//! Does data really flow? The probe schedule, network configuration of the
//! active context, and the recovery ladder that climbs one step each time
//! the link is found dead, back to the bottom once data flows again.

use std::time::{Duration, Instant};

use super::Keeper;
use super::phase::Phase;
use crate::events::{Action, Iface, Level, ProbeOutcome, ProbeRequest, Token};
use crate::netconf::settings::{NetSettings, from_props};
use crate::probe::{Counters, Target};
use crate::value::Value;

/// One rung of the recovery ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// (1) context inactive, then active.
    Context,
    /// (2) packet service off, then on (`ConnectionManager.Powered`).
    PacketService,
    /// (3) radio off, then on (`Online`).
    Radio,
    /// (4) modem off, then on (`Powered`).
    Modem,
    /// (5) the modem's USB device de-authorized, then authorized again.
    Usb,
    /// (6) the user's last-resort command (budgeted by the edge).
    LastResort,
}

impl Step {
    pub fn number(self) -> u8 {
        match self {
            Step::Context => 1,
            Step::PacketService => 2,
            Step::Radio => 3,
            Step::Modem => 4,
            Step::Usb => 5,
            Step::LastResort => 6,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Step::Context => "context off/on",
            Step::PacketService => "packet service off/on",
            Step::Radio => "radio off/on",
            Step::Modem => "modem off/on",
            Step::Usb => "USB re-enumeration of the modem",
            Step::LastResort => "last-resort command",
        }
    }

    /// How long a step is given to work before the link is judged again.
    fn cooldown(self, base: Duration) -> Duration {
        let factor = match self {
            Step::Context => 1,
            Step::PacketService | Step::Radio => 2,
            Step::Modem => 4,
            Step::Usb => 6,
            Step::LastResort => 20,
        };
        base * factor
    }
}

/// How the data path is probed.
#[derive(Clone, Debug, PartialEq)]
pub enum ProbeMode {
    /// A DNS query to the context's own name servers.
    Dns,
    /// `--probe tcp:IP:PORT`.
    Fixed(Target),
    Off,
}

#[derive(Debug, Default)]
pub(super) struct Health {
    /// The network configuration we applied for the link that is up.
    pub net: Option<NetSettings>,
    /// The `Settings` it was made from, to notice late or changed ones.
    pub net_from: Option<(Option<Value>, Option<Value>)>,
    pub next_probe: Option<Instant>,
    pub probe: Option<Token>,
    /// Probe failures in a row.
    pub failures: u32,
    pub last_rx: Option<u64>,
    /// Index of the next ladder step to take.
    pub rung: usize,
    /// No climbing before this: the last step is still taking effect.
    pub cool_until: Option<Instant>,
    /// Activation failures in a row while the network looked fine.
    pub activation_streak: u32,
    /// The likely configuration error was named (until an activation works).
    pub config_hinted: bool,
    /// Failures in a row of the modem's own power-up (Powered, Online).
    pub modem_streak: u32,
    pub suspended_since: Option<Instant>,
    /// A USB device to authorize again, and when.
    pub usb_back: Option<(String, Instant)>,
    pub said_no_target: bool,
    /// A bring-up that stopped moving, and since when.
    pub stall: Option<(Stall, Instant)>,
}

/// Bring-up states that should not last: oFono does not retry them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stall {
    /// Powered and online, but the SIM (and so the packet service) never
    /// became ready: the modem needs a power cycle.
    Sim,
    /// Registered but not attached: oFono never retries a failed attach;
    /// toggling the packet service does.
    Attach,
}

impl Keeper {
    /// The ladder's steps, as configured (USB and last resort are optional).
    fn ladder(&self) -> Vec<Step> {
        let mut steps = vec![Step::Context, Step::PacketService, Step::Radio, Step::Modem];
        if self.cfg.usb_reset {
            steps.push(Step::Usb);
        }
        if self.cfg.last_resort {
            steps.push(Step::LastResort);
        }
        steps
    }

    /// Climbs one step (from at least `from`): the link is dead, or
    /// activation keeps failing while the network looks fine.
    pub(super) fn climb(&mut self, why: &str, from: Step, now: Instant) {
        if self.health.cool_until.is_some_and(|t| now < t) {
            return;
        }
        if let Some(since) = self.health.suspended_since {
            let grace = self.cfg.suspend_grace;
            if now < since + grace {
                self.log(
                    Level::Info,
                    format!(
                        "{why}, but the packet service is suspended: waiting up to {}s",
                        grace.as_secs()
                    ),
                );
                self.health.cool_until = Some(since + grace);
                return;
            }
        }
        let ladder = self.ladder();
        let floor = ladder.iter().position(|s| *s == from).unwrap_or(0);
        let index = self.health.rung.max(floor).min(ladder.len() - 1);
        let mut step = ladder[index];
        let usb = self.usb_device();
        if step == Step::Usb && usb.is_none() {
            step = Step::Modem; // no USB path known: the strongest we can do
        }
        self.health.rung = (index + 1).min(ladder.len() - 1);
        self.health.failures = 0;
        self.health.activation_streak = 0;
        self.health.modem_streak = 0;
        let cooldown = step.cooldown(self.cfg.step_cooldown);
        self.health.cool_until = Some(now + cooldown);
        self.health.next_probe = Some(now + cooldown);
        self.log(
            Level::Warn,
            format!(
                "{why}; recovery step {}: {}",
                step.number(),
                step.describe()
            ),
        );
        self.count_recovery(step);
        self.take_step(step, usb, now);
    }

    fn take_step(&mut self, step: Step, usb: Option<String>, now: Instant) {
        use super::Cycle;
        match step {
            Step::Context => self.cycle = Some(Cycle::Context),
            Step::PacketService => self.cycle = Some(Cycle::PacketService),
            Step::Radio => self.cycle = Some(Cycle::Radio),
            Step::Modem => self.cycle = Some(Cycle::Modem),
            Step::Usb => {
                if let Some(path) = usb {
                    self.out.push_back(Action::UsbAuthorize {
                        device: path.clone(),
                        authorized: false,
                    });
                    self.health.usb_back = Some((path, now + Duration::from_secs(2)));
                }
            }
            Step::LastResort => self.out.push_back(Action::LastResort),
        }
    }

    /// The modem's `SystemPath`, if it is a plausible sysfs device path.
    fn usb_device(&self) -> Option<String> {
        let path = self.world.modem()?.str("SystemPath")?;
        let plausible = path.starts_with("/sys/devices/")
            && !path.split('/').any(|p| p == ".." || p == ".")
            && path.len() < 512;
        plausible.then(|| path.to_string())
    }

    /// A hung activation: the modem is power-cycled at once (step 4), and
    /// the next climb goes above it.
    pub(super) fn hung(&mut self, why: String, now: Instant) {
        let ladder = self.ladder();
        let modem = ladder.iter().position(|s| *s == Step::Modem).unwrap_or(0);
        self.health.rung = self.health.rung.max(modem);
        self.health.cool_until = None; // a wedged oFono cannot wait
        self.climb(&why, Step::Modem, now);
    }

    /// Counts an activation failure; several in a row while the network
    /// looks fine climb the ladder (re-activating is what keeps failing).
    pub(super) fn activation_failed(&mut self, now: Instant) {
        let attached = self.world.cm.as_ref().and_then(|c| c.bool("Attached")) == Some(true);
        if !attached {
            return;
        }
        self.health.activation_streak += 1;
        let streak = self.health.activation_streak;
        if streak >= self.cfg.probe_failures && !self.health.config_hinted {
            self.health.config_hinted = true;
            // Refused credentials or APN look just like this: oFono's PPP
            // says only `Failed`. Said once per streak, with what was set.
            let suspects = if self.cfg.username.is_some() || self.cfg.password.is_some() {
                "--apn, --username or --password-file"
            } else {
                "--apn"
            };
            self.log(
                Level::Error,
                format!(
                    "{streak} activations failed in a row while attached: likely a wrong {suspects}; check the configuration"
                ),
            );
        }
        if streak >= self.cfg.probe_failures {
            let why = format!("{streak} activations failed in a row while attached");
            self.climb(&why, Step::PacketService, now);
        }
    }

    /// Counts a failed power-up or radio-on; several in a row mean oFono or
    /// the modem is wedged (seen: every Powered=true answered InProgress),
    /// which only the modem's power or its USB device can clear.
    pub(super) fn modem_failed(&mut self, now: Instant) {
        self.health.modem_streak += 1;
        let streak = self.health.modem_streak;
        if streak >= self.cfg.probe_failures {
            let why = format!("modem failed to power up {streak} times in a row");
            self.climb(&why, Step::Modem, now);
        }
    }

    /// Link up or still up: apply its network configuration once its
    /// settings are known (they may arrive after `Active=true`).
    pub(super) fn configure_link(&mut self, now: Instant) {
        let Some(ctx) = self.chosen_context() else {
            return;
        };
        let from = (
            ctx.get("Settings").cloned(),
            ctx.get("IPv6.Settings").cloned(),
        );
        let empty = |v: &Option<Value>| {
            v.as_ref()
                .and_then(Value::as_dict)
                .is_none_or(|d| d.is_empty())
        };
        if self.health.net_from.as_ref() == Some(&from) || (empty(&from.0) && empty(&from.1)) {
            return; // unchanged, or not known yet (Settings may follow Active)
        }
        let parsed = from_props(
            from.0.as_ref().and_then(Value::as_dict),
            from.1.as_ref().and_then(Value::as_dict),
        );
        self.health.net_from = Some(from);
        // The same settings read back another way (an empty IPv6 dict
        // that the signal left out, say) must not take a working link
        // down and up again.
        if let Ok((net, _)) = &parsed
            && self.health.net.as_ref() == Some(net)
        {
            return;
        }
        self.unconfigure(now);
        match parsed {
            Ok((net, warnings)) => {
                for w in warnings {
                    self.log(Level::Warn, w);
                }
                self.teardown.configured(&net.interface);
                let via = self.dns_via();
                self.out.push_back(Action::Configure(net.clone(), via));
                self.health.net = Some(net);
                if via == crate::events::DnsVia::Resolved {
                    self.resolved_set(now);
                }
                self.read_counters();
                if self.health.next_probe.is_none() {
                    self.health.next_probe = Some(now + self.cfg.probe_interval);
                }
            }
            Err(e) => self.log(Level::Warn, format!("context settings unusable: {e}")),
        }
    }

    /// Link down or leaving: undo the network configuration.
    pub(super) fn unconfigure(&mut self, now: Instant) {
        if self.health.net.take().is_some() {
            self.out.push_back(Action::Unconfigure);
        }
        self.resolved_revert(now);
    }

    pub(super) fn link_lost_health(&mut self, now: Instant) {
        self.traffic_link_lost();
        self.unconfigure(now);
        self.health.net_from = None;
        self.health.next_probe = None;
        self.health.probe = None;
        self.health.failures = 0;
        self.health.last_rx = None;
    }

    /// Timers: a probe that is due, a USB device to authorize again.
    pub(super) fn run_health_timers(&mut self, now: Instant) {
        if let Some((device, at)) = self.health.usb_back.clone()
            && now >= at
        {
            self.health.usb_back = None;
            self.out.push_back(Action::UsbAuthorize {
                device,
                authorized: true,
            });
        }
        let due = self.health.next_probe.is_some_and(|t| now >= t);
        if !due || !self.link.up || self.health.probe.is_some() {
            return;
        }
        self.health.next_probe = Some(now + self.cfg.probe_interval);
        let Some(net) = self.health.net.as_ref() else {
            return;
        };
        let target = match &self.cfg.probe {
            ProbeMode::Off => return,
            ProbeMode::Fixed(target) => target.clone(),
            ProbeMode::Dns if net.dns.is_empty() => {
                if !self.health.said_no_target {
                    self.health.said_no_target = true;
                    self.log(
                        Level::Warn,
                        format!(
                            "no name servers on {} to probe; give --probe tcp:IP:PORT",
                            net.interface
                        ),
                    );
                }
                return;
            }
            ProbeMode::Dns => Target::Dns(net.dns.clone()),
        };
        let token = self.next_token;
        self.next_token += 1;
        self.health.probe = Some(token);
        let request = ProbeRequest {
            token,
            interface: net.interface.clone(),
            target,
            // Traffic since the last probe proves nothing in a stall: it
            // may have come before it.
            skip_if_rx_above: self.health.last_rx.filter(|_| !self.datastall.stalled()),
        };
        self.out.push_back(Action::Probe(request));
    }

    pub(super) fn on_probe(
        &mut self,
        token: Token,
        outcome: ProbeOutcome,
        counters: Option<Counters>,
        now: Instant,
    ) {
        if self.health.probe != Some(token) {
            return; // a probe of a link that is gone
        }
        self.health.probe = None;
        if let Some(c) = counters {
            self.health.last_rx = Some(c.rx_bytes);
        }
        if let Some(iface) = self.health.net.as_ref().map(|n| n.interface.clone()) {
            // Its outcome, not this look, says what comes next.
            self.look_at_counters(&iface, counters, now);
        }
        match outcome {
            ProbeOutcome::Passed | ProbeOutcome::Traffic => {
                self.datastall.probe_passed();
                self.health.failures = 0;
                if self.health.rung > 0 {
                    self.log(
                        Level::Info,
                        "data flows again; recovery ladder reset".into(),
                    );
                }
                self.health.rung = 0;
                self.health.cool_until = None;
            }
            ProbeOutcome::Failed(reason) => {
                self.health.failures += 1;
                let (n, max) = (self.health.failures, self.cfg.probe_failures);
                let pace = if n < max { self.stall_pace() } else { None };
                let next = pace.map_or_else(String::new, |p| {
                    format!("; nothing received, next probe in {}s", p.as_secs())
                });
                self.log(
                    Level::Info,
                    format!("probe failed ({n} of {max}): {reason}{next}"),
                );
                if let Some(pace) = pace {
                    self.health.next_probe = Some(now + pace);
                }
                if n >= max {
                    self.climb(&format!("link dead: {n} probes failed"), Step::Context, now);
                }
            }
        }
    }

    /// `ConnectionManager.Suspended`: note since when, for the grace period.
    pub(super) fn note_suspended(&mut self, now: Instant) {
        let suspended = self.world.cm.as_ref().and_then(|c| c.bool("Suspended")) == Some(true);
        match (suspended, self.health.suspended_since) {
            (true, None) => self.health.suspended_since = Some(now),
            (false, Some(_)) => self.health.suspended_since = None,
            _ => {}
        }
    }

    /// Climbs when the bring-up has waited too long where it should not wait.
    pub(super) fn watch_stalls(&mut self, now: Instant) {
        let kind = match &self.phase {
            Some(Phase::WaitingSim(_)) => {
                let present = self.world.sim.as_ref().and_then(|s| s.bool("Present"));
                (present != Some(false)).then_some(Stall::Sim)
            }
            // Roaming without --roaming is RoamingBlocked, not WaitingAttach.
            Some(Phase::WaitingAttach(_)) => {
                let status = self.world.netreg.as_ref().and_then(|n| n.str("Status"));
                matches!(status, Some("registered" | "roaming")).then_some(Stall::Attach)
            }
            _ => None,
        };
        match (kind, self.health.stall) {
            (None, _) => self.health.stall = None,
            (Some(k), Some((was, since))) if k == was => {
                if now >= since + self.cfg.stall_timeout {
                    let secs = self.cfg.stall_timeout.as_secs();
                    let (why, from) = match k {
                        Stall::Sim => (format!("SIM not ready after {secs}s"), Step::Modem),
                        Stall::Attach => (
                            format!("registered but not attached after {secs}s"),
                            Step::PacketService,
                        ),
                    };
                    self.health.stall = Some((k, now));
                    self.climb(&why, from, now);
                }
            }
            (Some(k), _) => self.health.stall = Some((k, now)),
        }
    }

    pub(super) fn health_deadlines(&self) -> impl Iterator<Item = Instant> + '_ {
        let probe = self
            .health
            .next_probe
            .filter(|_| self.link.up && self.health.probe.is_none());
        // Only watched while reconciling (connected): no deadline otherwise.
        let stall = self
            .health
            .stall
            .filter(|_| self.connected)
            .map(|(_, since)| since + self.cfg.stall_timeout);
        probe
            .into_iter()
            .chain(self.health.usb_back.as_ref().map(|(_, t)| *t))
            .chain(stall)
    }
}

/// The `Iface` and property a cycle turns off and on again.
pub(super) fn cycle_target(cycle: super::Cycle) -> (Iface, &'static str) {
    use super::Cycle;
    match cycle {
        Cycle::Context => (Iface::ConnectionContext, "Active"),
        Cycle::PacketService => (Iface::ConnectionManager, "Powered"),
        Cycle::Radio => (Iface::Modem, "Online"),
        Cycle::Modem => (Iface::Modem, "Powered"),
    }
}
