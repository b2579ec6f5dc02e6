//! The recovery ladder: climbs one rung each time the link is found dead
//! (or the bring-up keeps failing), back to the bottom once data flows.
//! It owns its rungs, streaks, cool-down and the stalls it watches; the
//! keeper turns a rung taken into calls (see `climb`).

use std::time::{Duration, Instant};

use super::settings::Settings;
use crate::events::Iface;

/// One rung of the recovery ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rung {
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

impl Rung {
    pub fn number(self) -> u8 {
        match self {
            Rung::Context => 1,
            Rung::PacketService => 2,
            Rung::Radio => 3,
            Rung::Modem => 4,
            Rung::Usb => 5,
            Rung::LastResort => 6,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Rung::Context => "context off/on",
            Rung::PacketService => "packet service off/on",
            Rung::Radio => "radio off/on",
            Rung::Modem => "modem off/on",
            Rung::Usb => "USB re-enumeration of the modem",
            Rung::LastResort => "last-resort command",
        }
    }

    /// The oFono property this rung turns off (the bring-up turns it on
    /// again); `None` for the rungs outside oFono.
    pub fn target(self) -> Option<(Iface, &'static str)> {
        match self {
            Rung::Context => Some((Iface::ConnectionContext, "Active")),
            Rung::PacketService => Some((Iface::ConnectionManager, "Powered")),
            Rung::Radio => Some((Iface::Modem, "Online")),
            Rung::Modem => Some((Iface::Modem, "Powered")),
            Rung::Usb | Rung::LastResort => None,
        }
    }

    /// How long a rung is given to work before the link is judged again.
    fn cooldown(self, base: Duration) -> Duration {
        let factor = match self {
            Rung::Context => 1,
            Rung::PacketService | Rung::Radio => 2,
            Rung::Modem => 4,
            Rung::Usb => 6,
            Rung::LastResort => 20,
        };
        base * factor
    }
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

/// What a climb did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Climb {
    /// The last rung is still taking effect.
    Cooling,
    /// The packet service is suspended: waited out for this long.
    Suspended(Duration),
    /// This rung was taken; judge the link again after the cool-down.
    Took(Rung, Duration),
}

/// How USB de-authorization is undone.
const USB_OFF_FOR: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct Ladder {
    rungs: Vec<Rung>,
    cooldown: Duration,
    suspend_grace: Duration,
    /// Failures in a row that climb (`--probe-failures`).
    climb_after: u32,
    stall_timeout: Duration,
    /// Index of the next rung to take.
    next: usize,
    /// No climbing before this: the last rung is still taking effect.
    cool_until: Option<Instant>,
    /// Activation failures in a row while the network looked fine.
    activation_streak: u32,
    /// The likely configuration error was named (until an activation works).
    config_hinted: bool,
    /// Failures in a row of the modem's own power-up (Powered, Online).
    modem_streak: u32,
    suspended_since: Option<Instant>,
    /// A USB device to authorize again, and when.
    usb_back: Option<(String, Instant)>,
    /// A bring-up that stopped moving, and since when.
    stall: Option<(Stall, Instant)>,
    /// A rung whose target is still to be turned off.
    turning_off: Option<Rung>,
    /// Rungs taken, by number (index 0 = rung 1).
    taken: [u64; 6],
}

impl Ladder {
    pub fn new(cfg: &Settings) -> Ladder {
        let mut rungs = vec![Rung::Context, Rung::PacketService, Rung::Radio, Rung::Modem];
        if cfg.usb_reset {
            rungs.push(Rung::Usb);
        }
        if cfg.last_resort {
            rungs.push(Rung::LastResort);
        }
        Ladder {
            rungs,
            cooldown: cfg.step_cooldown,
            suspend_grace: cfg.suspend_grace,
            climb_after: cfg.probe_failures,
            stall_timeout: cfg.stall_timeout,
            next: 0,
            cool_until: None,
            activation_streak: 0,
            config_hinted: false,
            modem_streak: 0,
            suspended_since: None,
            usb_back: None,
            stall: None,
            turning_off: None,
            taken: [0; 6],
        }
    }

    /// Climbs one rung (from at least `from`). `usb` is the modem's USB
    /// device, if known: without it rung 5 falls back to rung 4.
    pub fn climb(&mut self, from: Rung, usb: Option<String>, now: Instant) -> Climb {
        if self.cooling(now) {
            return Climb::Cooling;
        }
        if let Some(since) = self.suspended_since
            && now < since + self.suspend_grace
        {
            self.cool_until = Some(since + self.suspend_grace);
            return Climb::Suspended(self.suspend_grace);
        }
        let last = self.rungs.len() - 1;
        let floor = self.rungs.iter().position(|r| *r == from).unwrap_or(0);
        let index = self.next.max(floor).min(last);
        let mut rung = self.rungs[index];
        if rung == Rung::Usb && usb.is_none() {
            rung = Rung::Modem; // no USB path known: the strongest we can do
        }
        self.next = (index + 1).min(last);
        self.activation_streak = 0;
        self.modem_streak = 0;
        let cooldown = rung.cooldown(self.cooldown);
        self.cool_until = Some(now + cooldown);
        self.taken[usize::from(rung.number() - 1)] += 1;
        match rung {
            Rung::Usb => self.usb_back = usb.map(|path| (path, now + USB_OFF_FOR)),
            Rung::LastResort => {}
            _ => self.turning_off = Some(rung),
        }
        Climb::Took(rung, cooldown)
    }

    /// A hung activation: the modem is power-cycled at once (rung 4), and
    /// the next climb goes above it.
    pub fn hung(&mut self, usb: Option<String>, now: Instant) -> Climb {
        let modem = self.rungs.iter().position(|r| *r == Rung::Modem);
        self.next = self.next.max(modem.unwrap_or(0));
        self.cool_until = None; // a wedged oFono cannot wait
        self.climb(Rung::Modem, usb, now)
    }

    pub fn cooling(&self, now: Instant) -> bool {
        self.cool_until.is_some_and(|t| now < t)
    }

    /// Data flows: back to the bottom. True if the ladder had been climbed.
    pub fn data_flows(&mut self) -> bool {
        let climbed = self.next > 0;
        self.next = 0;
        self.cool_until = None;
        climbed
    }

    /// An activation failed while attached: `Some(streak)` once it is
    /// long enough to climb; the hint is due at most once per streak.
    pub fn activation_failed(&mut self) -> Option<(u32, bool)> {
        self.activation_streak += 1;
        let streak = self.activation_streak;
        if streak < self.climb_after {
            return None;
        }
        let hint = !self.config_hinted;
        self.config_hinted = true;
        Some((streak, hint))
    }

    pub fn activation_worked(&mut self) {
        self.activation_streak = 0;
        self.config_hinted = false;
    }

    /// A failed power-up or radio-on: `Some(streak)` once it climbs.
    pub fn modem_failed(&mut self) -> Option<u32> {
        self.modem_streak += 1;
        (self.modem_streak >= self.climb_after).then_some(self.modem_streak)
    }

    pub fn modem_worked(&mut self) {
        self.modem_streak = 0;
    }

    /// `ConnectionManager.Suspended`, as last seen.
    pub fn suspended(&mut self, suspended: bool, now: Instant) {
        match (suspended, self.suspended_since) {
            (true, None) => self.suspended_since = Some(now),
            (false, Some(_)) => self.suspended_since = None,
            _ => {}
        }
    }

    /// The bring-up is waiting in `kind` (or nowhere): `Some` when it has
    /// waited `--stall-timeout` there, and the watch starts over.
    pub fn watch_stall(&mut self, kind: Option<Stall>, now: Instant) -> Option<(Stall, u64)> {
        match (kind, self.stall) {
            (None, _) => self.stall = None,
            (Some(k), Some((was, since))) if k == was => {
                if now >= since + self.stall_timeout {
                    self.stall = Some((k, now));
                    return Some((k, self.stall_timeout.as_secs()));
                }
            }
            (Some(k), _) => self.stall = Some((k, now)),
        }
        None
    }

    /// Off the bus: no bring-up is watched.
    pub fn stop_watching(&mut self) {
        self.stall = None;
    }

    pub fn stall_deadline(&self) -> Option<Instant> {
        self.stall.map(|(_, since)| since + self.stall_timeout)
    }

    /// The rung whose target is still to be turned off.
    pub fn turning_off(&self) -> Option<Rung> {
        self.turning_off
    }

    /// Its target is off (or gone): the bring-up turns it on again.
    pub fn turned_off(&mut self) {
        self.turning_off = None;
    }

    pub fn usb_deadline(&self) -> Option<Instant> {
        self.usb_back.as_ref().map(|(_, at)| *at)
    }

    /// The USB device to authorize again, once it is time.
    pub fn usb_due(&mut self, now: Instant) -> Option<String> {
        if self.usb_deadline().is_some_and(|at| now >= at) {
            return self.usb_back.take().map(|(path, _)| path);
        }
        None
    }

    pub fn taken(&self) -> [u64; 6] {
        self.taken
    }
}
