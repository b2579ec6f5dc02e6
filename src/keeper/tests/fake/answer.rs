//! How the fake oFono answers each call, and what it signals meanwhile.

use std::time::Instant;

use super::{Fake, FakeContext, MODEM, err};
use crate::events::{Call, CallError, Iface, Method, Peer, Reply, Signal};
use crate::value::{Value, props};

impl Fake {
    /// A call reaches oFono (it may answer later: `latency`).
    pub fn arrive(&mut self, call: &Call) {
        self.log.push(call.clone());
    }

    /// Answers a call that came at `came`; `None` means oFono never
    /// answers it.
    pub fn answer(&mut self, call: &Call, came: Instant) -> Option<Result<Reply, CallError>> {
        let now = came;
        match &call.method {
            Method::GetPeerOwner(_) if self.peer_error.is_some() => {
                return Some(err(self.peer_error.unwrap_or_default()));
            }
            Method::GetPeerOwner(peer) if self.peers.contains(peer) => {
                return Some(Ok(Reply::Owner(":1.9".into())));
            }
            Method::GetPeerOwner(_) => {
                return Some(err("org.freedesktop.DBus.Error.NameHasNoOwner"));
            }
            Method::ResolvedSetDns(..)
            | Method::ResolvedDefaultRoute(_)
            | Method::ResolvedRevert(_) => {
                return Some(if self.peers.contains(&Peer::Resolved) {
                    Ok(Reply::Empty)
                } else {
                    err("org.freedesktop.DBus.Error.ServiceUnknown")
                });
            }
            _ => {}
        }
        if call.method == Method::GetOfonoOwner {
            return Some(if self.present {
                Ok(Reply::Owner(self.owner.clone()))
            } else {
                err("org.freedesktop.DBus.Error.NameHasNoOwner")
            });
        }
        if self.deny {
            return Some(err("org.freedesktop.DBus.Error.AccessDenied"));
        }
        if !self.present {
            return Some(err("org.freedesktop.DBus.Error.ServiceUnknown"));
        }
        let ifaces = self.interfaces();
        let has = |i: Iface| ifaces.iter().any(|n| n == i.name());
        let path = call.path.as_str();
        Some(match &call.method {
            Method::GetModems => Ok(Reply::Objects(vec![(MODEM.into(), self.modem_props())])),
            Method::GetProperties(Iface::Modem) => Ok(Reply::Props(self.modem_props())),
            Method::GetProperties(Iface::SimManager) if has(Iface::SimManager) => {
                let retries = props([(self.pin_required.as_str(), Value::Int(self.retries))]);
                Ok(Reply::Props(props([
                    ("PinRequired", Value::Str(self.pin_required.clone())),
                    ("Retries", Value::Dict(retries)),
                ])))
            }
            Method::GetProperties(Iface::NetworkRegistration)
                if has(Iface::NetworkRegistration) =>
            {
                Ok(Reply::Props(props([(
                    "Status",
                    Value::Str(self.status.clone()),
                )])))
            }
            Method::GetProperties(Iface::ConnectionManager) if has(Iface::ConnectionManager) => {
                Ok(Reply::Props(props([
                    ("Attached", Value::Bool(self.attached)),
                    ("Powered", Value::Bool(self.cm_powered)),
                    ("RoamingAllowed", Value::Bool(self.roaming_allowed)),
                    ("Suspended", Value::Bool(self.suspended)),
                ])))
            }
            Method::GetContexts if has(Iface::ConnectionManager) => Ok(Reply::Objects(
                self.contexts
                    .iter()
                    .map(|c| (c.path.clone(), self.context_props(c)))
                    .collect(),
            )),
            Method::GetProperties(Iface::ConnectionContext) if has(Iface::ConnectionManager) => {
                match self.contexts.iter().find(|c| c.path == path) {
                    Some(c) => Ok(Reply::Props(self.context_props(c))),
                    None => err("org.freedesktop.DBus.Error.UnknownObject"),
                }
            }
            Method::AddContext(kind) if has(Iface::ConnectionManager) => {
                let path = format!("{MODEM}/context{}", self.contexts.len() + 1);
                let ctx = FakeContext {
                    path: path.clone(),
                    kind: kind.to_string(),
                    apn: String::new(),
                    active: false,
                    strings: Vec::new(),
                };
                self.signals
                    .push(Signal::ContextAdded(path.clone(), self.context_props(&ctx)));
                self.contexts.push(ctx);
                Ok(Reply::Path(path))
            }
            Method::EnterPin(_, pin) if has(Iface::SimManager) => {
                if *pin == self.pin {
                    self.change(|f| f.pin_required = "none".into());
                    let none = Value::Str("none".into());
                    self.signal(MODEM, Iface::SimManager, "PinRequired", none);
                    Ok(Reply::Empty)
                } else {
                    self.retries -= 1;
                    err("org.ofono.Error.Failed")
                }
            }
            Method::SetProperty(iface, name, value) => {
                return self.set(*iface, path, name, value, now);
            }
            _ if path.starts_with(MODEM) => err("org.freedesktop.DBus.Error.UnknownMethod"),
            _ => err("org.freedesktop.DBus.Error.UnknownObject"),
        })
    }

    fn set(
        &mut self,
        iface: Iface,
        path: &str,
        name: &str,
        value: &Value,
        now: Instant,
    ) -> Option<Result<Reply, CallError>> {
        let on = value.as_bool();
        let ok = Some(Ok(Reply::Empty));
        match (iface, name) {
            (Iface::Modem, "Powered") if self.wedged => {
                return Some(err("org.ofono.Error.InProgress"));
            }
            (Iface::Modem, "Powered") if on == Some(true) && !self.power_fail_next.is_empty() => {
                return Some(err(self.power_fail_next.remove(0)));
            }
            (Iface::Modem, "Powered") => self.change(|f| f.powered = on.unwrap_or(false)),
            (Iface::Modem, "Online") if !self.powered => {
                return Some(err("org.ofono.Error.NotAvailable"));
            }
            (Iface::Modem, "Online") => self.change(|f| f.online = on.unwrap_or(false)),
            (Iface::ConnectionManager, "Powered") => {
                self.cm_powered = on.unwrap_or(false);
                self.attach_fails &= self.cm_powered; // toggling retries the attach
                self.signal(MODEM, iface, name, value.clone());
                self.settle_attach();
            }
            (Iface::ConnectionManager, "RoamingAllowed") => {
                self.roaming_allowed = on.unwrap_or(false);
                self.signal(MODEM, iface, name, value.clone());
                self.settle_attach();
            }
            (Iface::ConnectionContext, "Active") => {
                let Some(i) = self.contexts.iter().position(|c| c.path == path) else {
                    return Some(err("org.freedesktop.DBus.Error.UnknownObject"));
                };
                let want = on.unwrap_or(false);
                if self.contexts[i].active == want {
                    return ok;
                }
                if want {
                    self.activations.push(now);
                    if !self.attached {
                        return Some(err("org.ofono.Error.NotAttached"));
                    }
                    if !self.fail_next.is_empty() {
                        return Some(err(self.fail_next.remove(0)));
                    }
                    if self.hang {
                        return None;
                    }
                }
                self.contexts[i].active = want;
                let settings = self.context_props(&self.contexts[i])["Settings"].clone();
                self.signal(path, iface, "Settings", settings);
                self.signal(path, iface, "Active", Value::Bool(want));
            }
            (Iface::ConnectionContext, "AccessPointName") => {
                let Some(c) = self.contexts.iter_mut().find(|c| c.path == path) else {
                    return Some(err("org.freedesktop.DBus.Error.UnknownObject"));
                };
                if c.active {
                    return Some(err("org.ofono.Error.InUse"));
                }
                c.apn = value.as_str().unwrap_or_default().to_string();
                self.signal(path, iface, name, value.clone());
            }
            (Iface::ConnectionContext, "Username" | "Password" | "AuthenticationMethod") => {
                let Some(c) = self.contexts.iter_mut().find(|c| c.path == path) else {
                    return Some(err("org.freedesktop.DBus.Error.UnknownObject"));
                };
                let v = value.as_str().unwrap_or_default().to_string();
                c.strings.retain(|(k, _)| k != name);
                c.strings.push((name.to_string(), v));
                self.signal(path, iface, name, value.clone());
            }
            _ => return Some(err("org.ofono.Error.InvalidArguments")),
        }
        ok
    }
}
