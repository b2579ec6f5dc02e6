//! Signals from oFono and the bus, turned into the keeper's picture; and
//! how that picture forgets what went away.

use super::Keeper;
use super::model::Object;
use crate::events::{Call, Iface, Level, Method, Signal};
use crate::status::Cause;
use crate::value::Value;
use std::time::Instant;

impl Keeper {
    pub(super) fn on_signal(&mut self, signal: Signal) {
        match signal {
            Signal::OfonoOwner { new_owner } if new_owner.is_empty() => self.ofono_vanished(),
            Signal::OfonoOwner { new_owner } => self.ofono_appeared(new_owner),
            Signal::ModemAdded(path, props) => {
                if let Some(list) = self.world.modems.as_mut() {
                    list.retain(|m| m.path != path);
                    list.push(Object::with(&path, props));
                    self.log(Level::Info, format!("modem {path} added"));
                }
            }
            Signal::ModemRemoved(path) => {
                if let Some(list) = self.world.modems.as_mut() {
                    list.retain(|m| m.path != path);
                }
                if self.world.modem.as_deref() == Some(&path) {
                    self.log(Level::Warn, format!("modem {path} removed"));
                    self.link.because(Cause::ModemRemoved);
                    self.abandon(&format!("modem {path} removed"), |p| {
                        p.path == path || p.path.starts_with(&format!("{path}/"))
                    });
                    self.forget_modem();
                    // Its context driver, and the PPP it was closing, went with it.
                    self.teardown.clear();
                }
            }
            Signal::ContextAdded(path, props) => {
                let ours = self
                    .world
                    .modem
                    .as_deref()
                    .is_some_and(|m| is_under(&path, m));
                if let (true, Some(list)) = (ours, self.world.contexts.as_mut()) {
                    list.retain(|c| c.path != path);
                    list.push(Object::with(&path, props));
                }
            }
            Signal::ContextRemoved(path) => {
                if let Some(list) = self.world.contexts.as_mut() {
                    list.retain(|c| c.path != path);
                }
                self.abandon("context removed", |p| p.path == path);
                self.calls.forget_object(&path);
                self.link.because(Cause::ContextRemoved(path));
                self.context_requested = false;
            }
            Signal::PropertyChanged {
                path,
                iface,
                name,
                value,
            } => self.on_property(path, iface, name, value),
            // Handled before (it needs the time).
            Signal::PeerOwner { .. } => {}
        }
    }

    fn on_property(&mut self, path: String, iface: Iface, name: String, value: Value) {
        let chosen_modem = self.world.modem.as_deref() == Some(&path);
        let off = value.as_bool() == Some(false);
        match (iface, name.as_str()) {
            (Iface::Modem, "Powered") if chosen_modem && off => {
                self.link.because(Cause::ModemOff);
                self.world.forget_modem_interfaces();
                self.abandon_modem_objects(&path, "modem powered off");
            }
            (Iface::Modem, "Online") if chosen_modem && off => {
                self.link.because(Cause::RadioOff);
            }
            (Iface::Modem, "Interfaces") if chosen_modem => {
                let has_cm = value
                    .as_strs()
                    .is_some_and(|l| l.iter().any(|i| i == Iface::ConnectionManager.name()));
                if !has_cm && self.world.cm.is_some() {
                    self.abandon_modem_objects(&path, "packet service gone");
                }
            }
            (Iface::ConnectionContext, "Active") if off => {
                self.link.because(Cause::Deactivated);
            }
            (Iface::NetworkRegistration, "Status") => {
                self.log(Level::Debug, format!("registration: {value}"));
            }
            _ => {}
        }
        if let Some(obj) = self.object_mut(iface, &path) {
            obj.set(&name, value);
        }
    }

    pub(super) fn ofono_appeared(&mut self, owner: String) {
        if self.world.ofono.as_deref() == Some(&owner) {
            return;
        }
        let restarted = self.world.ofono.is_some();
        if restarted {
            self.link.because(Cause::OfonoRestarted);
        }
        self.forget_ofono_instance();
        self.world.ofono = Some(owner);
        let line = if restarted {
            "oFono restarted"
        } else {
            "oFono is on the bus"
        };
        self.log(Level::Info, line.into());
    }

    pub(super) fn ofono_vanished(&mut self) {
        if self.world.ofono.is_none() {
            return;
        }
        self.link.because(Cause::OfonoLeft);
        self.forget_ofono_instance();
        self.log(Level::Warn, "oFono left the bus".into());
    }

    /// Everything learnt from, and asked of, an oFono instance is void.
    fn forget_ofono_instance(&mut self) {
        self.world.forget_ofono();
        // Calls to the bus and to other programs are not oFono's.
        self.calls.drop_where(|p| {
            p.method != Method::GetOfonoOwner && !super::peers::is_peer_call(&p.method)
        });
        self.context_requested = false;
        self.ladder.turned_off();
        self.link.set_ghost(None);
        self.calls.clear_backoff();
        self.teardown.forget_own();
        self.teardown.clear();
    }

    /// The object a failed call addressed no longer exists: forget it, and
    /// re-read its parent so that what replaced it is found.
    pub(super) fn object_gone(&mut self, call: &Call, now: Instant) {
        let iface = match &call.method {
            Method::GetProperties(i) | Method::SetProperty(i, ..) => *i,
            Method::GetContexts | Method::AddContext(_) => Iface::ConnectionManager,
            Method::EnterPin(..) => Iface::SimManager,
            Method::GetModems
            | Method::GetOfonoOwner
            | Method::GetPeerOwner(_)
            | Method::ResolvedSetDns(..)
            | Method::ResolvedDefaultRoute(_)
            | Method::ResolvedRevert(_) => return,
        };
        match iface {
            Iface::ConnectionContext => {
                if let Some(list) = self.world.contexts.as_mut() {
                    list.retain(|c| c.path != call.path);
                }
                self.link.because_unless_known(Cause::ContextVanished);
                self.world.contexts = None;
                let modem = self.world.modem.clone().unwrap_or_default();
                self.reread(Iface::Modem, &modem, now);
            }
            Iface::Modem | Iface::Manager => {
                self.forget_modem();
                self.world.modems = None;
            }
            _ => {
                if let Some(m) = self.world.modem_mut() {
                    m.props = None;
                }
            }
        }
    }

    pub(super) fn reread(&mut self, iface: Iface, path: &str, now: Instant) {
        if !path.is_empty() {
            self.read(path, Method::GetProperties(iface), now);
        }
    }

    pub(super) fn object_mut(&mut self, iface: Iface, path: &str) -> Option<&mut Object> {
        let slot = match iface {
            Iface::Manager => return None,
            Iface::Modem => {
                return self
                    .world
                    .modems
                    .as_mut()?
                    .iter_mut()
                    .find(|m| m.path == path);
            }
            Iface::ConnectionContext => return self.world.context_mut(path),
            Iface::SimManager => self.world.sim.as_mut(),
            Iface::NetworkRegistration => self.world.netreg.as_mut(),
            Iface::ConnectionManager => self.world.cm.as_mut(),
        };
        slot.filter(|o| o.path == path)
    }
}

fn is_under(path: &str, parent: &str) -> bool {
    path.strip_prefix(parent)
        .is_some_and(|rest| rest.starts_with('/'))
}
