//! Calls to systemd-resolved (`org.freedesktop.resolve1.Manager`): the
//! link's name servers, set per interface index instead of in resolv.conf.

use std::ffi::CString;
use std::net::IpAddr;

use dbus::Message;

use crate::events::Method;
use crate::netsettings::valid_ifname;

pub const SERVICE: &str = "org.freedesktop.resolve1";
const PATH: &str = "/org/freedesktop/resolve1";
const MANAGER: &str = "org.freedesktop.resolve1.Manager";

/// The interface's index now (resolved wants `i ifindex`, not a name).
pub fn ifindex(iface: &str) -> Result<i32, String> {
    if !valid_ifname(iface) {
        return Err(format!("invalid interface name {iface:?}"));
    }
    let name = CString::new(iface).map_err(|e| e.to_string())?;
    // SAFETY: a valid NUL-terminated string; the call only reads it.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    match i32::try_from(index) {
        Ok(i) if i > 0 => Ok(i),
        _ => Err(format!("no interface {iface}")),
    }
}

/// `(family, address bytes)` as `SetLinkDNS` takes them (`a(iay)`).
pub fn addresses(dns: &[IpAddr]) -> Vec<(i32, Vec<u8>)> {
    dns.iter()
        .map(|ip| match ip {
            IpAddr::V4(a) => (libc::AF_INET, a.octets().to_vec()),
            IpAddr::V6(a) => (libc::AF_INET6, a.octets().to_vec()),
        })
        .collect()
}

pub fn message(method: &Method) -> Result<Message, String> {
    let call = |member: &str| Message::new_method_call(SERVICE, PATH, MANAGER, member);
    match method {
        Method::ResolvedSetDns(iface, dns) => {
            Ok(call("SetLinkDNS")?.append2(ifindex(iface)?, addresses(dns)))
        }
        Method::ResolvedDefaultRoute(iface) => {
            Ok(call("SetLinkDefaultRoute")?.append2(ifindex(iface)?, true))
        }
        Method::ResolvedRevert(iface) => Ok(call("RevertLink")?.append1(ifindex(iface)?)),
        other => Err(format!("not a resolved call: {}", other.describe())),
    }
}
