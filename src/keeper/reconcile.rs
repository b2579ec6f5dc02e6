//! The decision ladder: from what is known of oFono, the one next thing to do.
//!
//! Level-triggered: it looks at the whole picture after every event, so a
//! missed or duplicated signal only delays a decision until the next read.

use std::time::{Duration, Instant};

use super::cause::Cause;
use super::model::{Object, choose_modem};
use super::phase::Phase;
use super::retries::Layer;
use super::{ACTIVATE, Keeper, Step, human};
use crate::events::{Iface, Level, Method};
use crate::value::Value;

/// What one rung of the ladder concluded.
enum Next {
    /// Stopped here for a reason worth logging once.
    Wait(Phase),
    /// Stopped here until a read or a call in flight answers.
    Busy,
}

use Next::{Busy, Wait};

impl Keeper {
    pub(super) fn reconcile(&mut self, now: Instant) {
        if !self.connected {
            return;
        }
        self.sync_interfaces();
        self.watch_floor();
        let up = self.link_state();
        self.update_link(up, now);
        self.note_suspended(now);
        if self.link.up {
            self.configure_link(now);
        }
        if let Wait(phase) = self.decide(now) {
            self.enter(phase);
        }
        self.watch_stalls(now);
    }

    /// Is the chosen context really carrying the link?
    fn link_state(&mut self) -> bool {
        let attached = self.world.cm.as_ref().and_then(|cm| cm.bool("Attached"));
        let Some(ctx) = self.chosen_context() else {
            return false;
        };
        let (path, active) = (ctx.path.clone(), ctx.bool("Active") == Some(true));
        if !active {
            self.ghost = None;
            return false;
        }
        if attached == Some(false) && self.ghost.as_deref() != Some(&path) {
            self.loss_reason = Some(Cause::Detached);
            self.ghost = Some(path.clone());
        }
        self.ghost.as_deref() != Some(&path) && attached == Some(true)
    }

    /// Creates or drops the objects that exist only while the modem lists
    /// their interface (`ConnectionManager` comes after the SIM is ready,
    /// `NetworkRegistration` after Online).
    fn sync_interfaces(&mut self) {
        let Some(path) = self.world.modem.clone() else {
            return;
        };
        if self.world.modem().is_none_or(|m| !m.known()) {
            return;
        }
        let has = |w: &super::model::World, i: Iface| w.modem_has(i.name());
        let sim = has(&self.world, Iface::SimManager);
        let netreg = has(&self.world, Iface::NetworkRegistration);
        let cm = has(&self.world, Iface::ConnectionManager);
        sync(&mut self.world.sim, sim, &path);
        sync(&mut self.world.netreg, netreg, &path);
        if !cm && self.world.cm.is_some() {
            self.loss_reason.get_or_insert(Cause::PacketServiceGone);
            self.world.contexts = None;
            self.context_requested = false;
        }
        sync(&mut self.world.cm, cm, &path);
    }

    /// How far up the chosen modem stands, as far as we know.
    fn layer(&self) -> Layer {
        let Some(modem) = self.world.modem() else {
            return Layer::Down;
        };
        let attached = self.world.cm.as_ref().and_then(|c| c.bool("Attached")) == Some(true);
        match (modem.bool("Powered"), modem.bool("Online"), attached) {
            (Some(true), Some(true), true) => Layer::Attached,
            (Some(true), Some(true), false) => Layer::Online,
            (Some(true), ..) => Layer::Powered,
            _ => Layer::Down,
        }
    }

    /// A layer that fell takes the backoff of what stands on it along: a
    /// modem that reset is not a context that failed.
    fn watch_floor(&mut self) {
        let floor = self.layer();
        if floor < self.floor {
            // Whatever we tore down ourselves is gone with it.
            self.own_deactivation = None;
            if floor == Layer::Down {
                // An unpowered modem has no context driver, hence no PPP.
                self.teardown.clear();
            }
            if !self.lowered_by_us {
                self.retries.fell_to(floor);
            }
        }
        if floor == Layer::Attached && self.floor < floor {
            self.lowered_by_us = false;
        }
        self.floor = floor;
    }

    fn enter(&mut self, phase: Phase) {
        if self.phase.as_ref() == Some(&phase) {
            return;
        }
        if let Some((level, line)) = phase.announce() {
            self.log(level, line);
        }
        self.phase = Some(phase);
    }

    fn decide(&mut self, now: Instant) -> Next {
        if self.world.ofono.is_none() {
            let asking = self
                .pending
                .iter()
                .any(|p| p.method == Method::GetOfonoOwner);
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
        if self.pending.iter().any(|p| p.is_mutation()) {
            return Busy;
        }

        if let Some(cycle) = self.cycle {
            let (iface, prop) = super::health::cycle_target(cycle);
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
            self.cycle = None;
        }
        if modem.bool("Powered") != Some(true) {
            let step = set(Iface::Modem, "Powered", true);
            return self.mutate(
                &modem_path,
                step,
                Phase::PoweringUp(modem_path.clone()),
                now,
            );
        }
        if modem.bool("Online") != Some(true) {
            let step = set(Iface::Modem, "Online", true);
            return self.mutate(
                &modem_path,
                step,
                Phase::GoingOnline(modem_path.clone()),
                now,
            );
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
        if cm.bool("RoamingAllowed") != Some(self.cfg.roaming) {
            let step = set(Iface::ConnectionManager, "RoamingAllowed", self.cfg.roaming);
            return self.mutate(
                &modem_path,
                step,
                Phase::PacketService(modem_path.clone()),
                now,
            );
        }
        if cm.bool("Powered") != Some(true) {
            let step = set(Iface::ConnectionManager, "Powered", true);
            return self.mutate(
                &modem_path,
                step,
                Phase::PacketService(modem_path.clone()),
                now,
            );
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
            if self.ghost.as_deref() != Some(&ctx.path) {
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
            if !Step::of(&step).is_some_and(|s| self.retries.held(s, &ctx.path, now)) {
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

    /// Asks for a change unless that step is backing off.
    fn mutate(&mut self, path: &str, method: Method, phase: Phase, now: Instant) -> Next {
        if Step::of(&method).is_some_and(|step| self.retries.held(step, path, now)) {
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

    /// Notes the link going up or down, with the reason and the next try.
    pub(super) fn update_link(&mut self, up: bool, now: Instant) {
        if up == self.link.up {
            return;
        }
        self.link.up = up;
        let ctx = self.chosen_context();
        if up {
            let path = ctx.map_or_else(String::new, |c| c.path.clone());
            let iface = ctx
                .and_then(|c| c.get("Settings"))
                .and_then(Value::as_dict)
                .and_then(|s| s.get("Interface"))
                .and_then(Value::as_str)
                .map(|i| format!(" on {i}"))
                .unwrap_or_default();
            self.link.since = Some(now);
            self.link.stable = false;
            self.traffic_link_up();
            self.loss_reason = None;
            if let Some(outage) = self.outage.as_mut() {
                outage.end = Some(now);
            }
            self.log(Level::Info, format!("context {path} active{iface}"));
            self.link.path = path;
            return;
        }
        let path = self.link.path.clone();
        self.link.losses += 1;
        self.link.since = None;
        self.link_lost_health(now);
        // A stable link was polled for its context and packet service only:
        // what else we believe may be stale. Read it all now.
        if self.link.stable {
            self.next_poll = now;
        }
        let reason = self.loss_reason.take().unwrap_or(Cause::NotActive);
        self.watch_fight(&path, &reason, now);
        self.outage = Some(super::Outage {
            start: now,
            end: None,
            cause: reason.to_string(),
        });
        // A link torn down before it held, with everything below it
        // standing, counts against it: a flapping network is not hammered.
        // A loss a lower layer explains is retried at that layer's pace.
        let own = !self.link.stable && reason.is_the_links_own() && self.floor == Layer::Attached;
        let wait = if own {
            self.retries.fail(ACTIVATE, &path, now)
        } else {
            Duration::ZERO
        };
        let wait = wait.max(self.teardown.link_lost(&reason, now));
        self.log(
            Level::Warn,
            format!(
                "context {path} inactive: {reason}; re-activating {}",
                human(wait)
            ),
        );
    }
}

fn sync(slot: &mut Option<Object>, present: bool, path: &str) {
    match (present, slot.is_some()) {
        (true, false) => *slot = Some(Object::unread(path)),
        (false, true) => *slot = None,
        _ => {}
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
