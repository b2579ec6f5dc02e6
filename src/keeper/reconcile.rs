//! After every event: the picture brought in line (interfaces, how far up
//! the modem stands, whether the link is up), then the bring-up's next step.

use std::time::{Duration, Instant};

use super::change::ACTIVATE;
use super::model::Object;
use super::phase::Phase;
use super::retries::Layer;
use super::{Keeper, human};
use crate::events::{Iface, Level};
use crate::status::Cause;
use crate::value::Value;

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
        if self.link.up() {
            self.configure_link(now);
        }
        if let Some(phase) = self.bring_up(now) {
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
            self.link.set_ghost(None);
            return false;
        }
        if attached == Some(false) && !self.link.is_ghost(&path) {
            self.link.because(Cause::Detached);
            self.link.set_ghost(Some(path.clone()));
        }
        !self.link.is_ghost(&path) && attached == Some(true)
    }

    /// Creates or drops the objects that exist only while the modem lists
    /// their interface (`ConnectionManager` comes after the SIM is ready,
    /// `NetworkRegistration` after Online).
    pub(super) fn sync_interfaces(&mut self) {
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
            self.link.because_unless_known(Cause::PacketServiceGone);
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
        let Some(fell) = self.floor.look(self.layer()) else {
            return;
        };
        // Whatever we tore down ourselves is gone with it.
        self.teardown.forget_own();
        if fell.to == Layer::Down {
            // An unpowered modem has no context driver, hence no PPP.
            self.teardown.clear();
        }
        if !fell.by_us {
            self.calls.fell_to(fell.to);
        }
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

    /// Notes the link going up or down, with the reason and the next try.
    pub(super) fn update_link(&mut self, up: bool, now: Instant) {
        if up == self.link.up() {
            return;
        }
        if up {
            let ctx = self.chosen_context();
            let path = ctx.map_or_else(String::new, |c| c.path.clone());
            let iface = ctx
                .and_then(|c| c.get("Settings"))
                .and_then(Value::as_dict)
                .and_then(|s| s.get("Interface"))
                .and_then(Value::as_str)
                .map(|i| format!(" on {i}"))
                .unwrap_or_default();
            self.traffic_link_up();
            self.log(Level::Info, format!("context {path} active{iface}"));
            self.link.went_up(path, now);
            return;
        }
        let (path, reason) = self.link.went_down(now);
        self.link_lost(now);
        // A stable link was polled for its context and packet service only:
        // what else we believe may be stale. Read it all now.
        if self.link.held() {
            self.next_poll = now;
        }
        self.watch_fight(&path, &reason, now);
        // A link torn down before it held, with everything below it
        // standing, counts against it: a flapping network is not hammered.
        // A loss a lower layer explains is retried at that layer's pace.
        let own =
            !self.link.held() && reason.is_the_links_own() && self.floor.level() == Layer::Attached;
        let wait = if own {
            self.calls.fail(ACTIVATE, &path, now)
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

    /// What the link's loss ends: its configuration, its probes, its stall.
    fn link_lost(&mut self, now: Instant) {
        self.traffic_link_lost();
        self.unconfigure(now);
        self.net.forget_source();
        self.prober.link_lost();
    }
}

fn sync(slot: &mut Option<Object>, present: bool, path: &str) {
    match (present, slot.is_some()) {
        (true, false) => *slot = Some(Object::unread(path)),
        (false, true) => *slot = None,
        _ => {}
    }
}
