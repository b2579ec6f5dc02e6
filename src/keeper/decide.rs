//! The bring-up: from what is known of oFono, the one next thing to do
//! (power, radio, SIM, packet service, context, activation), or what we
//! are waiting for. Level-triggered: it looks at the whole picture after
//! every event, so a missed or duplicated signal only delays a decision
//! until the next read.

use std::time::Instant;

use super::Keeper;
use super::model::{Object, choose_modem};
use super::phase::Phase;
use crate::events::{Iface, Level, Method};
use crate::value::Value;

/// What one look at the bring-up concluded.
enum Next {
    /// Stopped here for a reason worth logging once.
    Wait(Phase),
    /// Stopped here until a read or a call in flight answers.
    Busy,
}

use Next::{Busy, Wait};

impl Keeper {
    /// The phase the bring-up waits in, if it stopped for a reason worth
    /// logging once.
    pub(super) fn bring_up(&mut self, now: Instant) -> Option<Phase> {
        match self.decide(now) {
            Wait(phase) => Some(phase),
            Busy => None,
        }
    }

    fn decide(&mut self, now: Instant) -> Next {
        if self.world.ofono.is_none() {
            let asking = self.calls.any(|p| p.method == Method::GetOfonoOwner);
            return if asking { Busy } else { Wait(Phase::NoOfono) };
        }
        let Some(modems) = self.world.modems.as_ref() else {
            self.read("/", Method::GetModems, now);
            return Busy;
        };
        if self.world.modem.is_none() {
            let Some(modem) = choose_modem(modems, self.cfg.modem.as_deref()) else {
                return Wait(Phase::NoModem(self.why_no_modem()));
            };
            let (path, model) = (modem.path.clone(), describe_modem(modem));
            self.log(Level::Info, format!("using modem {path}{model}"));
            self.world.modem = Some(path);
            self.context_requested = false;
        }
        let modem_path = self.world.modem.clone().unwrap_or_default();
        let Some(modem) = self.world.modem().cloned() else {
            return Busy;
        };
        if !modem.known() {
            self.read(&modem_path, Method::GetProperties(Iface::Modem), now);
            return Busy;
        }
        // The modem may have come with its interfaces (already powered).
        self.sync_interfaces();
        self.read_unknown(&modem_path, now);
        if self.calls.changing() {
            return Busy;
        }

        if let Some(rung) = self.ladder.turning_off() {
            let (iface, prop) = rung.target().expect("only rungs with a target turn off");
            let target = match iface {
                Iface::ConnectionContext => self.chosen_context().cloned(),
                Iface::ConnectionManager => self.world.cm.clone(),
                _ => Some(modem.clone()),
            };
            // Turned off once; the rungs below turn it on again.
            if let Some(obj) = target.filter(|o| o.bool(prop) == Some(true)) {
                let path = obj.path.clone();
                return self.mutate(&path, set(iface, prop, false), Phase::Recovering, now);
            }
            self.ladder.turned_off();
        }
        let modem_settings = [
            ("Powered", true, Phase::PoweringUp(modem_path.clone())),
            ("Online", true, Phase::GoingOnline(modem_path.clone())),
        ];
        if let Some(next) =
            self.set_first_differing(&modem_path, &modem, Iface::Modem, modem_settings, now)
        {
            return next;
        }
        if let Some(next) = self.unlock_sim(&modem_path, now) {
            return next;
        }
        let Some(cm) = self.world.cm.clone() else {
            return Wait(Phase::WaitingSim(modem_path));
        };
        if !cm.known() {
            return Busy;
        }
        let packet_settings = [
            (
                "RoamingAllowed",
                self.cfg.roaming,
                Phase::PacketService(modem_path.clone()),
            ),
            ("Powered", true, Phase::PacketService(modem_path.clone())),
        ];
        let cm_iface = Iface::ConnectionManager;
        if let Some(next) =
            self.set_first_differing(&modem_path, &cm, cm_iface, packet_settings, now)
        {
            return next;
        }
        if self.world.contexts.is_none() {
            return Busy;
        }
        let Some(ctx) = self.chosen_context().cloned() else {
            if self.context_requested {
                return Busy;
            }
            let phase = Phase::CreatingContext(modem_path.clone());
            return self.mutate(&modem_path, Method::AddContext("internet"), phase, now);
        };
        if !ctx.known() {
            self.read(
                &ctx.path,
                Method::GetProperties(Iface::ConnectionContext),
                now,
            );
            return Busy;
        }
        let attached = cm.bool("Attached") == Some(true);
        if ctx.bool("Active") == Some(true) {
            if !self.link.is_ghost(&ctx.path) {
                return Wait(Phase::Up);
            }
            if !attached {
                return Wait(self.attach_phase());
            }
            let step = set(Iface::ConnectionContext, "Active", false);
            return self.mutate(
                &ctx.path,
                step,
                Phase::ResettingGhost(ctx.path.clone()),
                now,
            );
        }
        if let Some((name, value)) = self.differing_setting(&ctx) {
            let shown = if name == "Password" { "***" } else { &value };
            let step =
                Method::SetProperty(Iface::ConnectionContext, name, Value::Str(value.clone()));
            // Said when it is asked, not at every look while it backs off.
            if !self.calls.held(&step, &ctx.path, now) {
                self.log(
                    Level::Info,
                    format!("context {}: setting {name} to {shown}", ctx.path),
                );
            }
            return self.mutate(&ctx.path, step, Phase::Activating(ctx.path.clone()), now);
        }
        if !attached {
            return Wait(self.attach_phase());
        }
        if self.teardown.holds(now) {
            return Busy;
        }
        let step = set(Iface::ConnectionContext, "Active", true);
        self.mutate(&ctx.path, step, Phase::Activating(ctx.path.clone()), now)
    }

    /// The first of `settings` (property, wanted value, phase while it is
    /// set) that `obj` does not show yet, asked for on the modem's path.
    fn set_first_differing<const N: usize>(
        &mut self,
        modem: &str,
        obj: &Object,
        iface: Iface,
        settings: [(&'static str, bool, Phase); N],
        now: Instant,
    ) -> Option<Next> {
        let (prop, want, phase) = settings
            .into_iter()
            .find(|(prop, want, _)| obj.bool(prop) != Some(*want))?;
        Some(self.mutate(modem, set(iface, prop, want), phase, now))
    }

    /// Asks for a change unless that step is backing off.
    fn mutate(&mut self, path: &str, method: Method, phase: Phase, now: Instant) -> Next {
        if self.calls.held(&method, path, now) {
            return Busy;
        }
        if matches!(method, Method::AddContext(_)) {
            self.context_requested = true;
        }
        self.call(path, method, now);
        Wait(phase)
    }

    /// Reads every object whose properties we have not seen yet.
    fn read_unknown(&mut self, modem: &str, now: Instant) {
        // With the packet service there, the SIM is ready: no need to read
        // it (fewer calls while oFono is busy bringing the modem up).
        let sim = self.world.sim.as_ref().filter(|_| self.world.cm.is_none());
        let unknown = [
            (sim, Iface::SimManager),
            (self.world.netreg.as_ref(), Iface::NetworkRegistration),
            (self.world.cm.as_ref(), Iface::ConnectionManager),
        ]
        .into_iter()
        .filter(|(o, _)| o.is_some_and(|o| !o.known()))
        .map(|(_, i)| i)
        .collect::<Vec<_>>();
        for iface in unknown {
            self.read(modem, Method::GetProperties(iface), now);
        }
        // Listed alongside the packet service's properties, not after them.
        if self.world.cm.is_some() && self.world.contexts.is_none() {
            self.read(modem, Method::GetContexts, now);
        }
    }

    /// The SIM rung: `None` when the SIM lets us through.
    fn unlock_sim(&mut self, modem: &str, now: Instant) -> Option<Next> {
        let sim = self.world.sim.as_ref()?;
        let kind = sim.str("PinRequired").unwrap_or("none").to_string();
        if kind == "none" || !sim.known() {
            return None;
        }
        if kind != "pin" {
            return Some(Wait(Phase::SimNeedsPuk(kind)));
        }
        let Some(pin) = self.cfg.pin.clone() else {
            return Some(Wait(Phase::SimNeedsPin(kind)));
        };
        if self.pin_rejected {
            return Some(Wait(Phase::SimPinRejected));
        }
        let retries = sim
            .get("Retries")
            .and_then(Value::as_dict)
            .and_then(|r| r.get(&kind))
            .and_then(Value::as_int);
        match retries {
            Some(n) if n >= 2 => {
                let step = Method::EnterPin(kind.clone(), pin);
                Some(self.mutate(modem, step, Phase::SimNeedsPin(kind), now))
            }
            n => Some(Wait(Phase::SimRetriesLow(kind, n.unwrap_or(0)))),
        }
    }

    fn attach_phase(&self) -> Phase {
        let status = self
            .world
            .netreg
            .as_ref()
            .and_then(|n| n.str("Status"))
            .unwrap_or("unknown");
        if status == "roaming" && !self.cfg.roaming {
            return Phase::RoamingBlocked;
        }
        Phase::WaitingAttach(format!("registration: {status}"))
    }

    fn differing_setting(&self, ctx: &Object) -> Option<(&'static str, String)> {
        self.cfg
            .context_props()
            .into_iter()
            .find(|(name, want)| ctx.str(name) != Some(want))
            .map(|(name, want)| (name, want.to_string()))
    }

    fn why_no_modem(&self) -> String {
        let modems = self.world.modems.as_deref().unwrap_or_default();
        let list = modems
            .iter()
            .map(|m| format!("{} ({})", m.path, m.str("Type").unwrap_or("?")))
            .collect::<Vec<_>>()
            .join(", ");
        match (&self.cfg.modem, list.is_empty()) {
            (Some(p), true) => format!("{p} is not present, and oFono lists no modems"),
            (Some(p), false) => format!("{p} is not present (oFono lists {list})"),
            (None, true) => {
                "oFono lists no modems (is the dongle plugged in and in modem mode?)".into()
            }
            (None, false) => {
                format!("none of type hardware among {list}; pick one with --modem PATH")
            }
        }
    }
}

fn set(iface: Iface, name: &'static str, value: bool) -> Method {
    Method::SetProperty(iface, name, Value::Bool(value))
}

fn describe_modem(modem: &Object) -> String {
    let parts: Vec<&str> = ["Manufacturer", "Model"]
        .iter()
        .filter_map(|k| modem.str(k))
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(" "))
    }
}
