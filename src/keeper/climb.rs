//! What makes the ladder climb, and what a rung taken asks of the others:
//! the prober waits out the cool-down, the bring-up turns the rung's target
//! off, the edge de-authorizes the USB device or runs the last resort.

use std::time::Instant;

use super::Keeper;
use super::ladder::{Climb, Rung, Stall};
use super::phase::Phase;
use crate::events::{Action, Level};

impl Keeper {
    /// Climbs one rung (from at least `from`): the link is dead, or the
    /// bring-up keeps failing while the network looks fine.
    pub(super) fn climb(&mut self, why: &str, from: Rung, now: Instant) {
        let usb = self.usb_device();
        let climbed = self.ladder.climb(from, usb.clone(), now);
        self.took(why, climbed, usb, now);
    }

    /// A hung activation: the modem is power-cycled at once.
    pub(super) fn hung(&mut self, why: String, now: Instant) {
        let usb = self.usb_device();
        let climbed = self.ladder.hung(usb.clone(), now);
        self.took(&why, climbed, usb, now);
    }

    fn took(&mut self, why: &str, climbed: Climb, usb: Option<String>, now: Instant) {
        let (rung, cooldown) = match climbed {
            Climb::Cooling => return,
            Climb::Suspended(grace) => {
                let line = format!(
                    "{why}, but the packet service is suspended: waiting up to {}s",
                    grace.as_secs()
                );
                return self.log(Level::Info, line);
            }
            Climb::Took(rung, cooldown) => (rung, cooldown),
        };
        self.prober.wait_for_rung(now + cooldown);
        self.log(
            Level::Warn,
            format!(
                "{why}; recovery step {}: {}",
                rung.number(),
                rung.describe()
            ),
        );
        match (rung, usb) {
            (Rung::Usb, Some(device)) => self.out.push_back(Action::UsbAuthorize {
                device,
                authorized: false,
            }),
            (Rung::LastResort, _) => self.out.push_back(Action::LastResort),
            _ => {} // the bring-up turns the rung's target off (`decide`)
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

    /// Counts an activation failure; several in a row while the network
    /// looks fine climb the ladder (re-activating is what keeps failing).
    pub(super) fn activation_failed(&mut self, now: Instant) {
        let attached = self.world.cm.as_ref().and_then(|c| c.bool("Attached")) == Some(true);
        if !attached {
            return;
        }
        let Some((streak, hint)) = self.ladder.activation_failed() else {
            return;
        };
        if hint {
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
        let why = format!("{streak} activations failed in a row while attached");
        self.climb(&why, Rung::PacketService, now);
    }

    /// Counts a failed power-up or radio-on; several in a row mean oFono or
    /// the modem is wedged (seen: every Powered=true answered InProgress),
    /// which only the modem's power or its USB device can clear.
    pub(super) fn modem_failed(&mut self, now: Instant) {
        if let Some(streak) = self.ladder.modem_failed() {
            let why = format!("modem failed to power up {streak} times in a row");
            self.climb(&why, Rung::Modem, now);
        }
    }

    /// `ConnectionManager.Suspended`: noted since when, for the grace period.
    pub(super) fn note_suspended(&mut self, now: Instant) {
        let suspended = self.world.cm.as_ref().and_then(|c| c.bool("Suspended")) == Some(true);
        self.ladder.suspended(suspended, now);
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
        let Some((stall, secs)) = self.ladder.watch_stall(kind, now) else {
            return;
        };
        let (why, from) = match stall {
            Stall::Sim => (format!("SIM not ready after {secs}s"), Rung::Modem),
            Stall::Attach => (
                format!("registered but not attached after {secs}s"),
                Rung::PacketService,
            ),
        };
        self.climb(&why, from, now);
    }
}
