//! oFono over D-Bus: building the keeper's calls as messages, and turning
//! replies and signals back into keeper events. No decisions here.

pub mod decode;
#[cfg(test)]
mod reply_tests;
mod resolved;
#[cfg(test)]
mod resolved_bus;
#[cfg(test)]
mod tests;

use dbus::Message;
use dbus::arg::{ArgType, Variant};
use dbus::message::MessageType;
use dbus::strings::{BusName, Interface, Member};

use crate::events::{CallError, Iface, Method, Peer, Reply, Signal};
use crate::value::Value;

pub const SERVICE: &str = "org.ofono";

/// Match rules: everything oFono signals, and the comings and goings of
/// oFono and of the peers (`Peer`): other modem managers, systemd-resolved.
pub const MATCH_RULES: [&str; 5] = [
    "type='signal',sender='org.ofono'",
    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.ofono'",
    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.freedesktop.ModemManager1'",
    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='net.connman'",
    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.freedesktop.resolve1'",
];

/// Builds the message for a call; `Err` if a path from the bus is malformed.
pub fn message(path: &str, method: &Method) -> Result<Message, CallError> {
    let bad = |e: String| CallError::new("psendurance.Error.BadRequest", &e);
    let (dest, path, iface, member) = match method {
        Method::GetOfonoOwner => (
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetNameOwner",
        ),
        Method::GetPeerOwner(_) => (
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetNameOwner",
        ),
        Method::ResolvedSetDns(..)
        | Method::ResolvedDefaultRoute(_)
        | Method::ResolvedRevert(_) => {
            return resolved::message(method).map_err(bad);
        }
        Method::GetModems => (SERVICE, "/", Iface::Manager.name(), "GetModems"),
        Method::GetProperties(i) => (SERVICE, path, i.name(), "GetProperties"),
        Method::SetProperty(i, ..) => (SERVICE, path, i.name(), "SetProperty"),
        Method::GetContexts => (
            SERVICE,
            path,
            Iface::ConnectionManager.name(),
            "GetContexts",
        ),
        Method::AddContext(_) => (SERVICE, path, Iface::ConnectionManager.name(), "AddContext"),
        Method::EnterPin(..) => (SERVICE, path, Iface::SimManager.name(), "EnterPin"),
    };
    // Validate first: the dbus crate panics on an invalid path given as &str.
    let msg = Message::method_call(
        &BusName::new(dest).map_err(bad)?,
        &dbus::Path::new(path).map_err(bad)?,
        &Interface::new(iface).map_err(bad)?,
        &Member::new(member).map_err(bad)?,
    );
    Ok(match method {
        Method::GetOfonoOwner => msg.append1(SERVICE),
        Method::GetPeerOwner(peer) => msg.append1(peer.bus_name()),
        Method::SetProperty(_, name, Value::Bool(b)) => msg.append2(*name, Variant(*b)),
        Method::SetProperty(_, name, Value::Str(s)) => msg.append2(*name, Variant(s.as_str())),
        Method::SetProperty(_, name, v) => {
            return Err(bad(format!("cannot send {name}={v}")));
        }
        Method::AddContext(kind) => msg.append1(*kind),
        Method::EnterPin(kind, pin) => msg.append2(kind.as_str(), pin.as_str()),
        _ => msg,
    })
}

/// Decodes a method return or error by the shape of its body, the only
/// thing the loop knows of the call: `s` an owner, `o` a path, `a{sv}`
/// properties, `a(oa{sv})` objects, nothing at all `Empty`. The keeper
/// matches the reply to its call.
pub fn reply(msg: &Message) -> Result<Reply, CallError> {
    if msg.msg_type() == MessageType::Error {
        return Err(error_of(msg));
    }
    let sig = decode::signature(&mut msg.iter_init());
    let mut it = msg.iter_init();
    let decoded = match sig.as_deref() {
        Some("") => Some(Reply::Empty),
        Some("s") => decode::string(&mut it).map(Reply::Owner),
        Some("o") => decode::string(&mut it).map(Reply::Path),
        Some("a{sv}") => decode::props(&mut it).map(Reply::Props),
        Some("a(oa{sv})") => decode::objects(&mut it).map(Reply::Objects),
        _ => None,
    };
    decoded.ok_or_else(|| {
        let mut shown = sig.unwrap_or_else(|| signature_of(msg));
        shown.truncate(32);
        CallError::new(
            "psendurance.Error.BadReply",
            &format!("unexpected reply signature '{shown}'"),
        )
    })
}

/// Decodes a signal we care about; `None` for anything else.
pub fn signal(msg: &Message) -> Option<Signal> {
    if msg.msg_type() != MessageType::Signal {
        return None;
    }
    let iface = msg.interface()?;
    let member = msg.member()?;
    let path = msg.path()?.to_string();
    let mut it = msg.iter_init();
    let first = decode::string(&mut it);
    it.next();
    match (&*iface, &*member) {
        ("org.freedesktop.DBus", "NameOwnerChanged") => {
            let name = first?;
            it.next();
            let new_owner = decode::string(&mut it)?;
            if name == SERVICE {
                return Some(Signal::OfonoOwner { new_owner });
            }
            let peer = Peer::from_bus_name(&name)?;
            Some(Signal::PeerOwner {
                peer,
                present: !new_owner.is_empty(),
            })
        }
        ("org.ofono.Manager", "ModemAdded") => {
            Some(Signal::ModemAdded(first?, decode::props(&mut it)?))
        }
        ("org.ofono.Manager", "ModemRemoved") => Some(Signal::ModemRemoved(first?)),
        ("org.ofono.ConnectionManager", "ContextAdded") => {
            Some(Signal::ContextAdded(first?, decode::props(&mut it)?))
        }
        ("org.ofono.ConnectionManager", "ContextRemoved") => Some(Signal::ContextRemoved(first?)),
        (name, "PropertyChanged") => {
            let iface = Iface::from_name(name)?;
            if it.arg_type() != ArgType::Variant {
                return None;
            }
            Some(Signal::PropertyChanged {
                path,
                iface,
                name: first?,
                value: decode::value(&mut it, 0),
            })
        }
        _ => None,
    }
}

/// Error name and text of an error message.
fn error_of(msg: &Message) -> CallError {
    let mut copy = match msg.duplicate() {
        Ok(m) => m,
        Err(e) => return CallError::new("psendurance.Error.BadReply", &e),
    };
    match copy.as_result() {
        Err(e) => CallError::new(
            e.name().unwrap_or("psendurance.Error.Unknown"),
            e.message().unwrap_or(""),
        ),
        Ok(_) => CallError::new("psendurance.Error.Unknown", ""),
    }
}

/// The type codes of a message's top-level arguments, for error lines
/// when the signature is past its bounds.
/// (Not `Iter::signature`: it panics on shapes libdbus lets through.)
fn signature_of(msg: &Message) -> String {
    let mut it = msg.iter_init();
    let mut sig = String::new();
    while it.arg_type() != ArgType::Invalid && sig.len() < 16 {
        sig.push(it.arg_type() as u8 as char);
        if !it.next() {
            break;
        }
    }
    sig
}
