//! Our addresses on the interface: added only when absent (one already
//! there is not ours, so it is never removed), an IPv4 one beside another
//! under an alias label, removed only while the label still holds ours.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::events::Level;
use crate::netconf::Note;
use crate::netconf::sys;
use crate::netsettings::prefix_len;

/// Label of the secondary address we add when the interface already has
/// another IPv4 address (so that one is not replaced).
const ALIAS: &str = "psd";

/// Adds `addr` with `mask`; the label it went on when it is ours to remove.
pub fn add4(
    iface: &str,
    addr: Ipv4Addr,
    mask: Ipv4Addr,
    notes: &mut Vec<Note>,
) -> Option<(String, Ipv4Addr)> {
    let shown = format!("{addr}/{}", prefix_len(mask));
    let existing = sys::addresses(iface).unwrap_or_default();
    if existing.iter().any(|(_, ip)| *ip == IpAddr::V4(addr)) {
        notes.push((
            Level::Info,
            format!("{iface}: address {addr} was already there; left alone"),
        ));
        return None;
    }
    // SIOCSIFADDR on the plain name would replace an address someone else
    // set: add ours as a secondary under an alias label instead.
    let label = if existing.iter().any(|(l, ip)| l == iface && ip.is_ipv4()) {
        format!("{iface}:{ALIAS}")
    } else {
        iface.to_string()
    };
    if label.len() > 15 {
        notes.push((
            Level::Error,
            format!("{iface}: already has an IPv4 address and its name is too long for an alias; {shown} not added"),
        ));
        return None;
    }
    if let Err(e) = sys::set_addr4(&label, addr) {
        notes.push((
            Level::Error,
            format!("{iface}: cannot add address {shown}: {e}"),
        ));
        return None;
    }
    // The kernel gave it a classful mask; set the real one (the address
    // stays recorded either way, so undo removes it).
    match sys::set_netmask4(&label, mask) {
        Ok(()) => notes.push((Level::Info, format!("{iface}: address {shown}"))),
        Err(e) => notes.push((
            Level::Error,
            format!("{iface}: address {addr} added but netmask {mask} refused: {e}"),
        )),
    }
    Some((label, addr))
}

/// Removes what `add4` added. Setting 0.0.0.0 removes whatever the label
/// holds: only if it is still ours (else EADDRNOTAVAIL, "already gone").
pub fn remove4(iface: &str, label: &str, addr: Ipv4Addr) -> io::Result<()> {
    let still = sys::addresses(iface)
        .map(|v| v.contains(&(label.to_string(), IpAddr::V4(addr))))
        .unwrap_or(false);
    if still {
        sys::del_addr4(label)
    } else {
        Err(io::Error::from_raw_os_error(libc::EADDRNOTAVAIL))
    }
}

pub fn add6(
    iface: &str,
    addr: Ipv6Addr,
    prefix: u8,
    notes: &mut Vec<Note>,
) -> Option<(Ipv6Addr, u8)> {
    let existing = sys::addresses(iface).unwrap_or_default();
    let result = if existing.iter().any(|(_, ip)| *ip == IpAddr::V6(addr)) {
        Err(io::Error::from_raw_os_error(libc::EEXIST))
    } else {
        sys::add_addr6(iface, addr, prefix)
    };
    match result {
        Ok(()) => {
            notes.push((Level::Info, format!("{iface}: address {addr}/{prefix}")));
            Some((addr, prefix))
        }
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            notes.push((
                Level::Info,
                format!("{iface}: address {addr} was already there; left alone"),
            ));
            None
        }
        Err(e) => {
            notes.push((
                Level::Error,
                format!("{iface}: cannot add address {addr}/{prefix}: {e}"),
            ));
            None
        }
    }
}
