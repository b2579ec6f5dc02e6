//! Turning replies, errors, timeouts and signals into the keeper's picture.

use std::time::{Duration, Instant};

use super::cause::Cause;
use super::errors::{ErrorClass, classify};
use super::model::Object;
use super::{Keeper, Pending, Step, human};
use crate::events::{CallError, Iface, Level, Method, Reply, Signal};
use crate::value::Value;

/// How soon after our own deactivation a failed activation is blamed on
/// oFono's unfinished PPP teardown, and how long it is given to finish.
const TEARDOWN_WINDOW: Duration = Duration::from_secs(5);
const TEARDOWN_SETTLE: Duration = Duration::from_millis(500);

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
                    self.loss_reason = Some(Cause::ModemGone);
                    self.forget_modem();
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
                self.retries.succeeded(Step::AddContext, path);
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
                self.retries.succeeded(Step::EnterPin, path);
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

    fn on_set(&mut self, iface: Iface, path: &str, name: &'static str, value: Value, now: Instant) {
        let on = value.as_bool();
        if let Some(obj) = self.object_mut(iface, path) {
            obj.set(name, value);
        }
        if iface == Iface::Modem && on == Some(true) {
            self.health.modem_streak = 0;
        }
        match (iface, name, on) {
            (Iface::ConnectionContext, "Active", Some(true)) => {
                // The reply comes before the `Settings` signal: what we read
                // meanwhile is oFono's half-filled state (`Method: dhcp`, no
                // address). Only the settings that follow may configure.
                if let Some(ctx) = self.world.context_mut(path) {
                    ctx.unset("Settings");
                    ctx.unset("IPv6.Settings");
                }
                self.own_deactivation = None;
                // Its backoff stays until the link holds: a network that
                // tears every context down at once is not hammered.
                self.link.activations += 1;
                self.health.activation_streak = 0;
                self.health.config_hinted = false;
            }
            (Iface::ConnectionContext, "Active", _) => {
                self.own_deactivation = Some((path.to_string(), now));
            }
            (Iface::Modem, "Powered", Some(false)) => {
                self.lowered_by_us = true;
                self.world.forget_modem_interfaces();
                self.abandon_modem_objects(path, "modem powered off");
            }
            (Iface::Modem | Iface::ConnectionManager, "Online" | "Powered", Some(false)) => {
                self.lowered_by_us = true;
            }
            _ => {
                // The step worked: its own pace starts over.
                self.retries.succeeded(Step::Set(iface, name), path);
                // oFono may not signal a power state it already had (after
                // a reset): read it back rather than trust silence.
                if (iface, name) == (Iface::Modem, "Powered") {
                    self.reread(Iface::Modem, path, now);
                }
            }
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
            self.exit(1, now);
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
            if self.settling_after_own_deactivation(&call, &err, now) {
                return;
            }
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
        // No context driver for a moment: the modem's ports hung up and it
        // is about to be removed (a reset or replug). Not configuration.
        let no_driver_yet = call.is_activation() && err.short() == "NotImplemented";
        if class == ErrorClass::Config && !no_driver_yet {
            let wait = self.failed_change(&call, true, now);
            self.log(
                Level::Error,
                format!(
                    "{what} refused: {detail}; check the configuration; retrying {}",
                    human(wait)
                ),
            );
        } else {
            let wait = self.failed_change(&call, false, now);
            self.log(
                Level::Warn,
                format!("{what} failed: {detail}; retrying {}", human(wait)),
            );
        }
    }

    /// oFono signals `Active=false` before its PPP teardown on the modem
    /// port has ended: an activation right after our own deactivation may
    /// fail once. It is retried shortly and not counted against the link.
    fn settling_after_own_deactivation(
        &mut self,
        call: &Pending,
        err: &CallError,
        now: Instant,
    ) -> bool {
        let recent = self
            .own_deactivation
            .take()
            .is_some_and(|(path, at)| path == call.path && now < at + TEARDOWN_WINDOW);
        if !recent || err.short() != "Failed" {
            return false;
        }
        let step = Step::of(&call.method).expect("an activation is a change");
        self.retries.pause(step, &call.path, now + TEARDOWN_SETTLE);
        self.log(
            Level::Info,
            format!(
                "activation of {} failed right after our own deactivation (teardown still running); retrying {}",
                call.path,
                human(TEARDOWN_SETTLE)
            ),
        );
        true
    }

    pub(super) fn on_timeout(&mut self, call: Pending, now: Instant) {
        if self.exiting.is_some() {
            self.log(Level::Warn, "deactivation on exit got no answer".into());
            return;
        }
        let what = describe_change(&call);
        if call.is_activation() {
            self.link.failures += 1;
            self.failed_change(&call, false, now);
            let waited = self.cfg.activation_timeout.as_secs();
            self.hung(
                format!("{what} got no answer in {waited}s (modem hung)"),
                now,
            );
        } else if call.is_mutation() {
            let wait = self.failed_change(&call, false, now);
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
                    self.loss_reason = Some(Cause::ModemRemoved);
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
                self.retries.forget_object(&path);
                self.loss_reason = Some(Cause::ContextRemoved(path));
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
                self.loss_reason = Some(Cause::ModemOff);
                self.world.forget_modem_interfaces();
                self.abandon_modem_objects(&path, "modem powered off");
            }
            (Iface::Modem, "Online") if chosen_modem && off => {
                self.loss_reason = Some(Cause::RadioOff);
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
                self.loss_reason = Some(Cause::Deactivated);
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
            self.loss_reason = Some(Cause::OfonoRestarted);
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
        self.loss_reason = Some(Cause::OfonoLeft);
        self.forget_ofono_instance();
        self.log(Level::Warn, "oFono left the bus".into());
    }

    /// Everything learnt from, and asked of, an oFono instance is void.
    fn forget_ofono_instance(&mut self) {
        self.world.forget_ofono();
        // Calls to the bus and to other programs are not oFono's.
        self.pending
            .retain(|p| p.method == Method::GetOfonoOwner || super::peers::is_peer_call(&p.method));
        self.context_requested = false;
        self.cycle = None;
        self.ghost = None;
        self.retries.clear();
        self.own_deactivation = None;
        self.teardown.clear();
    }

    /// The object a failed call addressed no longer exists: forget it, and
    /// re-read its parent so that what replaced it is found.
    fn object_gone(&mut self, call: &Pending, now: Instant) {
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
                self.loss_reason.get_or_insert(Cause::ContextVanished);
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
