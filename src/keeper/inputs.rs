//! Turning replies, errors, timeouts and signals into the keeper's picture.

use std::time::Instant;

use super::errors::{ErrorClass, classify};
use super::model::Object;
use super::{Keeper, Pending, human};
use crate::events::{CallError, Iface, Level, Method, Reply, Signal};
use crate::value::Value;

impl Keeper {
    pub(super) fn on_reply(
        &mut self,
        call: Pending,
        result: Result<Reply, CallError>,
        now: Instant,
    ) {
        if let Some(deadline) = self.exiting {
            if call.is_activation() && result.is_ok() {
                self.deactivate_on_exit(&call.path, deadline);
                return;
            }
            let outcome = match &result {
                Ok(_) => "done".to_string(),
                Err(e) => format!("failed: {}", e.short()),
            };
            self.log(Level::Info, format!("deactivation on exit {outcome}"));
            return;
        }
        match result {
            Ok(reply) => self.on_success(call, reply, now),
            Err(err) => self.on_error(call, err, now),
        }
    }

    fn on_success(&mut self, call: Pending, reply: Reply, now: Instant) {
        let path = call.path.as_str();
        match (call.method, reply) {
            (Method::GetOfonoOwner, Reply::Owner(owner)) => self.ofono_appeared(owner),
            (Method::GetModems, Reply::Objects(list)) => {
                let modems = list.into_iter().map(|(p, props)| Object::with(&p, props));
                self.world.modems = Some(modems.collect());
                if self.world.modem().is_none() && self.world.modem.is_some() {
                    self.loss_reason = Some("modem gone".into());
                    self.world.forget_modem();
                }
            }
            (Method::GetProperties(iface), Reply::Props(props)) => {
                if let Some(obj) = self.object_mut(iface, path) {
                    obj.props = Some(props);
                }
            }
            (Method::GetContexts, Reply::Objects(list)) => {
                if self.world.cm.is_some() && self.world.modem.as_deref() == Some(path) {
                    let contexts = list.into_iter().map(|(p, props)| Object::with(&p, props));
                    self.world.contexts = Some(contexts.collect());
                }
            }
            (Method::AddContext(_), Reply::Path(created)) => {
                self.log(Level::Info, format!("created context {created}"));
                if let Some(list) = self.world.contexts.as_mut()
                    && !list.iter().any(|c| c.path == created)
                {
                    list.push(Object::unread(&created));
                }
            }
            (Method::SetProperty(iface, name, value), _) => {
                self.on_set(iface, path, name, value, now)
            }
            (Method::EnterPin(..), _) => {
                self.log(Level::Info, "SIM accepted the PIN".into());
                if let Some(sim) = self.world.sim.as_mut() {
                    sim.set("PinRequired", Value::Str("none".into()));
                }
                self.reread(Iface::SimManager, path, now);
            }
            (method, reply) => self.log(
                Level::Debug,
                format!("unexpected reply to {}: {reply:?}", method.describe()),
            ),
        }
    }

    fn on_set(&mut self, iface: Iface, path: &str, name: &str, value: Value, now: Instant) {
        let on = value.as_bool();
        if let Some(obj) = self.object_mut(iface, path) {
            obj.set(name, value);
        }
        if iface == Iface::Modem && on == Some(true) {
            self.health.modem_streak = 0;
        }
        match (iface, name, on) {
            (Iface::ConnectionContext, "Active", Some(true)) => {
                self.link.activations += 1;
                self.health.activation_streak = 0;
            }
            (Iface::Modem, "Powered", Some(false)) => {
                self.world.forget_modem_interfaces();
                self.abandon_modem_objects(path, "modem powered off", now);
            }
            // oFono may not signal a power state it already had (after a
            // reset): read it back rather than trust silence.
            (Iface::Modem, "Powered", _) => self.reread(Iface::Modem, path, now),
            _ => {}
        }
    }

    fn on_error(&mut self, call: Pending, err: CallError, now: Instant) {
        let class = classify(&err);
        if class == ErrorClass::BusDenied {
            self.log(
                Level::Error,
                format!(
                    "the bus refused our call to oFono ({}): run as root, or install scripts/dbus/psendurance.conf and run as its user",
                    err.message
                ),
            );
            self.exit(1);
            return;
        }
        let path = call.path.clone();
        if class == ErrorClass::Gone {
            self.object_gone(&call, now);
        }
        if let Method::EnterPin(..) = call.method {
            self.pin_rejected = err.short() == "Failed" || err.short() == "IncorrectPassword";
            self.reread(Iface::SimManager, &path, now);
        }
        if !call.is_mutation() {
            self.log(
                Level::Debug,
                format!("{path} {} failed: {}", call.method.describe(), err.name),
            );
            if call.method == Method::GetOfonoOwner && self.world.ofono.is_some() {
                self.ofono_vanished();
            }
            return;
        }
        if call.is_activation() {
            self.link.failures += 1;
            self.activation_failed(now);
        }
        if matches!(&call.method, Method::SetProperty(Iface::Modem, _, v) if v.as_bool() == Some(true))
        {
            self.modem_failed(now);
        }
        if let Method::SetProperty(iface, ..) = call.method {
            // Our picture was stale (InUse, NotAttached...): refresh it.
            self.reread(iface, &path, now);
            if iface == Iface::ConnectionContext {
                let modem = self.world.modem.clone().unwrap_or_default();
                self.reread(Iface::ConnectionManager, &modem, now);
            }
        }
        let what = describe_change(&call);
        let detail = if err.message.is_empty() {
            err.short().to_string()
        } else {
            format!("{} ({})", err.short(), err.message)
        };
        if class == ErrorClass::Config {
            self.backoff.fail();
            let wait = self.backoff.max();
            self.hold_step(&call.method, wait, now);
            self.log(
                Level::Error,
                format!(
                    "{what} refused: {detail}; check the configuration; retrying {}",
                    human(wait)
                ),
            );
        } else {
            let wait = self.backoff.fail();
            self.hold_step(&call.method, wait, now);
            self.log(
                Level::Warn,
                format!("{what} failed: {detail}; retrying {}", human(wait)),
            );
        }
    }

    pub(super) fn on_timeout(&mut self, call: Pending, now: Instant) {
        if self.exiting.is_some() {
            self.log(Level::Warn, "deactivation on exit got no answer".into());
            return;
        }
        let what = describe_change(&call);
        if call.is_activation() {
            self.link.failures += 1;
            self.backoff.fail();
            let waited = self.cfg.activation_timeout.as_secs();
            self.hung(
                format!("{what} got no answer in {waited}s (modem hung)"),
                now,
            );
        } else if call.is_mutation() {
            let wait = self.backoff.fail();
            self.hold_step(&call.method, wait, now);
            self.log(
                Level::Warn,
                format!("{what}: no answer; retrying {}", human(wait)),
            );
        } else {
            self.log(
                Level::Debug,
                format!("{} {}: no answer", call.path, call.method.describe()),
            );
        }
    }

    pub(super) fn on_signal(&mut self, signal: Signal, now: Instant) {
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
                    self.loss_reason = Some("modem removed (unplugged?)".into());
                    self.abandon(&format!("modem {path} removed"), now, |p| {
                        p.path == path || p.path.starts_with(&format!("{path}/"))
                    });
                    self.world.forget_modem();
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
                self.loss_reason = Some(format!("context {path} removed"));
                self.abandon("context removed", now, |p| p.path == path);
                self.context_requested = false;
            }
            Signal::PropertyChanged {
                path,
                iface,
                name,
                value,
            } => self.on_property(path, iface, name, value, now),
        }
    }

    fn on_property(
        &mut self,
        path: String,
        iface: Iface,
        name: String,
        value: Value,
        now: Instant,
    ) {
        let chosen_modem = self.world.modem.as_deref() == Some(&path);
        let off = value.as_bool() == Some(false);
        match (iface, name.as_str()) {
            (Iface::Modem, "Powered") if chosen_modem && off => {
                self.loss_reason = Some("modem powered off (reset or unplugged?)".into());
                self.world.forget_modem_interfaces();
                self.abandon_modem_objects(&path, "modem powered off", now);
            }
            (Iface::Modem, "Online") if chosen_modem && off => {
                self.loss_reason = Some("modem went offline".into());
            }
            (Iface::Modem, "Interfaces") if chosen_modem => {
                let has_cm = value
                    .as_strs()
                    .is_some_and(|l| l.iter().any(|i| i == Iface::ConnectionManager.name()));
                if !has_cm && self.world.cm.is_some() {
                    self.abandon_modem_objects(&path, "packet service gone", now);
                }
            }
            (Iface::ConnectionContext, "Active") if off => {
                self.loss_reason = Some("deactivated".into());
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

    fn ofono_appeared(&mut self, owner: String) {
        if self.world.ofono.as_deref() == Some(&owner) {
            return;
        }
        let restarted = self.world.ofono.is_some();
        if restarted {
            self.loss_reason = Some("oFono restarted".into());
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

    fn ofono_vanished(&mut self) {
        if self.world.ofono.is_none() {
            return;
        }
        self.loss_reason = Some("oFono left the bus".into());
        self.forget_ofono_instance();
        self.log(Level::Warn, "oFono left the bus".into());
    }

    /// Everything learnt from, and asked of, an oFono instance is void.
    fn forget_ofono_instance(&mut self) {
        self.world.forget_ofono();
        self.pending.retain(|p| p.method == Method::GetOfonoOwner);
        self.context_requested = false;
        self.cycle = None;
        self.ghost = None;
    }

    /// The object a failed call addressed no longer exists: forget it, and
    /// re-read its parent so that what replaced it is found.
    fn object_gone(&mut self, call: &Pending, now: Instant) {
        let iface = match &call.method {
            Method::GetProperties(i) | Method::SetProperty(i, ..) => *i,
            Method::GetContexts | Method::AddContext(_) => Iface::ConnectionManager,
            Method::EnterPin(..) => Iface::SimManager,
            Method::GetModems | Method::GetOfonoOwner => return,
        };
        match iface {
            Iface::ConnectionContext => {
                if let Some(list) = self.world.contexts.as_mut() {
                    list.retain(|c| c.path != call.path);
                }
                self.loss_reason
                    .get_or_insert_with(|| "context vanished (modem reset?)".into());
                self.world.contexts = None;
                let modem = self.world.modem.clone().unwrap_or_default();
                self.reread(Iface::Modem, &modem, now);
            }
            Iface::Modem | Iface::Manager => {
                self.world.forget_modem();
                self.world.modems = None;
            }
            _ => {
                if let Some(m) = self.world.modem_mut() {
                    m.props = None;
                }
            }
        }
    }

    fn reread(&mut self, iface: Iface, path: &str, now: Instant) {
        if !path.is_empty() {
            self.read(path, Method::GetProperties(iface), now);
        }
    }

    fn object_mut(&mut self, iface: Iface, path: &str) -> Option<&mut Object> {
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

/// "activation of /m/c1", "/m Modem.Powered=true", ... for log lines.
fn describe_change(call: &Pending) -> String {
    if call.is_activation() {
        format!("activation of {}", call.path)
    } else {
        format!("{} {}", call.path, call.method.describe())
    }
}
