//! Turning replies, errors and timeouts of our calls into the keeper's
//! picture, the backoff and the ladder.

use std::time::Instant;

use super::change::{Change, is_activation, is_mutation};
use super::errors::{ErrorClass, classify};
use super::model::Object;
use super::teardown::OWN_SETTLE;
use super::{Keeper, human};
use crate::events::{Call, CallError, Iface, Level, Method, Reply};
use crate::status::Cause;
use crate::value::Value;

impl Keeper {
    pub(super) fn on_reply(&mut self, call: Call, result: Result<Reply, CallError>, now: Instant) {
        if let Some(deadline) = self.exiting {
            if is_activation(&call.method) && result.is_ok() {
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

    fn on_success(&mut self, call: Call, reply: Reply, now: Instant) {
        let path = call.path.as_str();
        match (call.method, reply) {
            (Method::GetOfonoOwner, Reply::Owner(owner)) => self.ofono_appeared(owner),
            (Method::GetModems, Reply::Objects(list)) => {
                let modems = list.into_iter().map(|(p, props)| Object::with(&p, props));
                self.world.modems = Some(modems.collect());
                if self.world.modem().is_none() && self.world.modem.is_some() {
                    self.link.because(Cause::ModemGone);
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
                self.calls.succeeded(Change::AddContext, path);
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
                self.calls.succeeded(Change::EnterPin, path);
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
            self.ladder.modem_worked();
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
                self.teardown.forget_own();
                // Its backoff stays until the link holds: a network that
                // tears every context down at once is not hammered.
                self.link.activated();
                self.ladder.activation_worked();
            }
            (Iface::ConnectionContext, "Active", _) => {
                self.teardown.deactivated_by_us(path, now);
            }
            (Iface::Modem, "Powered", Some(false)) => {
                self.floor.lowering();
                self.world.forget_modem_interfaces();
                self.abandon_modem_objects(path, "modem powered off");
            }
            (Iface::Modem | Iface::ConnectionManager, "Online" | "Powered", Some(false)) => {
                self.floor.lowering();
            }
            _ => {
                // The step worked: its own pace starts over.
                self.calls.succeeded(Change::Set(iface, name), path);
                // oFono may not signal a power state it already had (after
                // a reset): read it back rather than trust silence.
                if (iface, name) == (Iface::Modem, "Powered") {
                    self.reread(Iface::Modem, path, now);
                }
            }
        }
    }

    fn on_error(&mut self, call: Call, err: CallError, now: Instant) {
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
        if !is_mutation(&call) {
            self.log(
                Level::Debug,
                format!("{path} {} failed: {}", call.method.describe(), err.name),
            );
            if call.method == Method::GetOfonoOwner && self.world.ofono.is_some() {
                self.ofono_vanished();
            }
            return;
        }
        if is_activation(&call.method) {
            self.link.activation_failed();
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
        let no_driver_yet = is_activation(&call.method) && err.short() == "NotImplemented";
        if class == ErrorClass::Config && !no_driver_yet {
            let wait = self.calls.failed(&call, true, now);
            self.log(
                Level::Error,
                format!(
                    "{what} refused: {detail}; check the configuration; retrying {}",
                    human(wait)
                ),
            );
        } else {
            let wait = self.calls.failed(&call, false, now);
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
        call: &Call,
        err: &CallError,
        now: Instant,
    ) -> bool {
        let recent = self.teardown.failed_after_own(&call.path, now);
        if !recent || err.short() != "Failed" {
            return false;
        }
        self.calls
            .pause(super::change::ACTIVATE, &call.path, now + OWN_SETTLE);
        self.log(
            Level::Info,
            format!(
                "activation of {} failed right after our own deactivation (teardown still running); retrying {}",
                call.path,
                human(OWN_SETTLE)
            ),
        );
        true
    }

    pub(super) fn on_timeout(&mut self, call: Call, now: Instant) {
        if self.exiting.is_some() {
            self.log(Level::Warn, "deactivation on exit got no answer".into());
            return;
        }
        let what = describe_change(&call);
        if is_activation(&call.method) {
            self.link.activation_failed();
            self.calls.failed(&call, false, now);
            let waited = self.cfg.activation_timeout.as_secs();
            self.hung(
                format!("{what} got no answer in {waited}s (modem hung)"),
                now,
            );
        } else if is_mutation(&call) {
            let wait = self.calls.failed(&call, false, now);
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
}

/// "activation of /m/c1", "/m Modem.Powered=true", ... for log lines.
fn describe_change(call: &Call) -> String {
    if is_activation(&call.method) {
        format!("activation of {}", call.path)
    } else {
        format!("{} {}", call.path, call.method.describe())
    }
}
