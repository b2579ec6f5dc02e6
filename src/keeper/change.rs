//! The changes we ask oFono for, as the backoff knows them: a change is
//! held per kind and per object it acts on.

use crate::events::{Call, Iface, Method};

/// A kind of change we ask oFono for: backoff holds apply per change and
/// per object it acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Set(Iface, &'static str),
    AddContext,
    EnterPin,
}

impl Change {
    pub fn of(method: &Method) -> Option<Change> {
        match method {
            Method::SetProperty(iface, name, _) => Some(Change::Set(*iface, name)),
            Method::AddContext(_) => Some(Change::AddContext),
            Method::EnterPin(..) => Some(Change::EnterPin),
            _ => None,
        }
    }
}

/// The change whose backoff guards the operator against a tight loop.
pub const ACTIVATE: Change = Change::Set(Iface::ConnectionContext, "Active");

/// A call that changes something (and so backs off when it fails).
pub fn is_mutation(call: &Call) -> bool {
    Change::of(&call.method).is_some()
}

pub fn is_activation(method: &Method) -> bool {
    matches!(
        method,
        Method::SetProperty(Iface::ConnectionContext, "Active", v) if v.as_bool() == Some(true)
    )
}
