//! Applies validated settings to the interface and takes exactly that back.
//!
//! Each part (up, address, route, DNS, DHCP) is tried on its own and leaves
//! one log line; a failure never stops the others. What already existed
//! before we came is recorded as such and never removed.

use std::cell::RefCell;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::process::Child;

use crate::events::Level;
use crate::netsettings::{AddrMethod, NetSettings, prefix_len, valid_ifname};

use super::Note;
use super::dhcp;
use super::resolv::{self, DnsApplied};
use super::routes;
use super::sys::{self, RouteOp};

/// Label of the secondary address we add when the interface already has
/// another IPv4 address (so that one is not replaced).
const ALIAS: &str = "psd";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetOptions {
    /// Metric of the default routes we add (IPv4: at most 32766).
    pub route_metric: u32,
    pub address: bool,
    pub route: bool,
    pub dns: bool,
    /// Written when resolvconf(8) is absent, or when this is not
    /// /etc/resolv.conf (resolvconf only manages that one).
    pub resolv_conf: PathBuf,
    /// argv of a DHCP client for Method "dhcp"; `{iface}` is replaced.
    pub dhcp_command: Option<Vec<String>>,
}

/// Exactly what `apply` did, so `undo` can take back that and nothing else.
///
/// `undo` takes `&Applied` and empties it (interior mutability), so a second
/// `undo` does nothing instead of removing something that is no longer ours.
#[derive(Debug, Default)]
pub struct Applied {
    pub interface: String,
    parts: RefCell<Parts>,
}

#[derive(Debug, Default)]
struct Parts {
    /// IPv4 address we added, with the label it was set on.
    addr4: Option<(String, Ipv4Addr)>,
    /// Our IPv4 default route: gateway, metric.
    route4: Option<(Option<Ipv4Addr>, u32)>,
    addr6: Option<(Ipv6Addr, u8)>,
    route6: Option<(Option<Ipv6Addr>, u32)>,
    dns: Option<DnsApplied>,
    dhcp: Option<Child>,
}

impl Applied {
    /// True when there is nothing (left) to undo.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        let p = self.parts.borrow();
        p.addr4.is_none()
            && p.route4.is_none()
            && p.addr6.is_none()
            && p.route6.is_none()
            && p.dns.is_none()
            && p.dhcp.is_none()
    }

    /// Reaps the DHCP client if it exited (call from the loop now and then so
    /// it does not stay a zombie); says how it ended, once.
    pub fn poll_dhcp(&self) -> Option<Note> {
        let mut p = self.parts.borrow_mut();
        let note = dhcp::poll(p.dhcp.as_mut()?)?;
        p.dhcp = None;
        Some(note)
    }
}

pub fn apply(s: &NetSettings, o: &NetOptions) -> (Applied, Vec<Note>) {
    let iface = s.interface.as_str();
    let mut a = Parts::default();
    let mut notes = Vec::new();
    let done = |a: Parts, notes| {
        let applied = Applied {
            interface: iface.to_string(),
            parts: RefCell::new(a),
        };
        (applied, notes)
    };
    // NetSettings come from `from_props`, but the name reaches ioctls and
    // argv: never trust a hand-built value.
    if !valid_ifname(iface) {
        notes.push((Level::Error, format!("invalid interface name {iface:?}")));
        return done(a, notes);
    }
    let mut missing = false;
    match sys::set_up(iface) {
        Ok(true) => notes.push((Level::Info, format!("{iface}: brought up"))),
        Ok(false) => {}
        // Not there: oFono removed it already (the network ended the link
        // while PPP's IPCP came up; the loss follows) or never made one
        // (phonesim). Address and route cannot go on it: one warning, not
        // an error for each. A DHCP client may still wait for it.
        Err(e) if e.raw_os_error() == Some(libc::ENODEV) => {
            missing = true;
            notes.push((
                Level::Warn,
                format!("{iface}: no such interface (gone already?); address and route skipped"),
            ));
        }
        Err(e) => notes.push((Level::Error, format!("{iface}: cannot bring it up: {e}"))),
    }
    if s.method == AddrMethod::Dhcp && o.address {
        a.dhcp = dhcp_part(iface, o, &mut notes);
    }
    if let Some(v4) = s.ipv4.as_ref().filter(|_| !missing) {
        if o.address {
            a.addr4 = addr4(iface, v4.address, v4.netmask, &mut notes);
        }
        if o.route {
            a.route4 = route(
                iface,
                "IPv4",
                v4.gateway,
                o.route_metric,
                &mut notes,
                |op| sys::route4(op, iface, v4.gateway, o.route_metric),
            );
        }
    }
    if let Some(v6) = s.ipv6.as_ref().filter(|_| !missing) {
        if o.address {
            a.addr6 = addr6(iface, v6.address, v6.prefix, &mut notes);
        }
        if o.route {
            a.route6 = route(
                iface,
                "IPv6",
                v6.gateway,
                o.route_metric,
                &mut notes,
                |op| sys::route6(op, iface, v6.gateway, o.route_metric),
            );
        }
    }
    if o.dns {
        if s.dns.is_empty() {
            notes.push((
                Level::Warn,
                format!("{iface}: the network gave no name servers; DNS left as it is"),
            ));
        } else {
            let (dns, note) = dns_part(iface, s, o);
            a.dns = dns;
            notes.push(note);
        }
    }
    done(a, notes)
}

/// The name servers, into the file only while our link carries the
/// default route (resolvconf orders its records by interface itself).
fn dns_part(iface: &str, s: &NetSettings, o: &NetOptions) -> (Option<DnsApplied>, Note) {
    let path = &o.resolv_conf;
    match routes::other_default(iface) {
        Some(other) if !resolv::uses_resolvconf(path) => {
            let (dns, note) = resolv::wait(iface, &s.dns, path, &other);
            (Some(dns), note)
        }
        _ => resolv::apply(iface, &s.dns, path),
    }
}

/// The poll's look at resolv.conf (see `resolv::check`).
pub fn check_dns(applied: &Applied) -> Option<Note> {
    let mut p = applied.parts.borrow_mut();
    let dns = p.dns.as_mut()?;
    resolv::check(dns, routes::other_default(&applied.interface).as_deref())
}

/// Moves the name servers of a configured link into the file (`true`,
/// systemd-resolved went away) or out of it (`false`, resolved has them).
pub fn move_dns(applied: &Applied, s: &NetSettings, o: &NetOptions, to_file: bool) -> Vec<Note> {
    let mut p = applied.parts.borrow_mut();
    match (to_file, p.dns.take()) {
        (false, Some(d)) => vec![resolv::undo(d)],
        (true, None) if o.dns && !s.dns.is_empty() && valid_ifname(&s.interface) => {
            let (dns, note) = dns_part(&s.interface, s, o);
            p.dns = dns;
            vec![note]
        }
        (_, kept) => {
            p.dns = kept;
            Vec::new()
        }
    }
}

/// Takes back what `apply` did, newest first; leaves `applied` empty, so a
/// second call does nothing.
pub fn undo(applied: &Applied) -> Vec<Note> {
    let iface = applied.interface.clone();
    let mut a = applied.parts.take();
    let mut notes = Vec::new();
    if let Some(child) = a.dhcp.take() {
        notes.push(dhcp::stop(child));
    }
    if let Some(d) = a.dns.take() {
        notes.push(resolv::undo(d));
    }
    if let Some((gw, metric)) = a.route6.take() {
        notes.push(gone_ok(
            &iface,
            &format!("IPv6 default route{}", via(gw)),
            sys::route6(RouteOp::Del, &iface, gw, metric),
        ));
    }
    if let Some((gw, metric)) = a.route4.take() {
        notes.push(gone_ok(
            &iface,
            &format!("IPv4 default route{}", via(gw)),
            sys::route4(RouteOp::Del, &iface, gw, metric),
        ));
    }
    if let Some((addr, prefix)) = a.addr6.take() {
        notes.push(gone_ok(
            &iface,
            &format!("address {addr}/{prefix}"),
            sys::del_addr6(&iface, addr, prefix),
        ));
    }
    if let Some((label, addr)) = a.addr4.take() {
        // Setting 0.0.0.0 removes whatever the label holds: only if it is
        // still ours.
        let still = sys::addresses(&iface)
            .map(|v| v.contains(&(label.clone(), IpAddr::V4(addr))))
            .unwrap_or(false);
        let result = if still {
            sys::del_addr4(&label)
        } else {
            Err(io::Error::from_raw_os_error(libc::EADDRNOTAVAIL))
        };
        notes.push(gone_ok(&iface, &format!("address {addr}"), result));
    }
    notes
}

/// Puts back a resolv.conf a crashed run left replaced (call at start-up).
pub fn recover_resolv_conf(o: &NetOptions) -> Option<Note> {
    resolv::recover(&o.resolv_conf)
}

fn dhcp_part(iface: &str, o: &NetOptions, notes: &mut Vec<Note>) -> Option<Child> {
    match &o.dhcp_command {
        Some(argv) => match dhcp::spawn(argv, iface) {
            Ok(child) => {
                notes.push((
                    Level::Info,
                    format!("{iface}: uses DHCP; started {} (pid {})", argv.join(" "), child.id()),
                ));
                return Some(child);
            }
            Err(e) => notes.push((Level::Error, format!("{iface}: uses DHCP; {e}"))),
        },
        None => notes.push((
            Level::Warn,
            format!(
                "{iface}: the context uses DHCP; set --dhcp-command, e.g. 'udhcpc -i {{iface}} -n -q'"
            ),
        )),
    }
    None
}

fn addr4(
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

fn addr6(iface: &str, addr: Ipv6Addr, prefix: u8, notes: &mut Vec<Note>) -> Option<(Ipv6Addr, u8)> {
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

/// Adds a default route; EEXIST means an identical one was there first.
fn route<G: Copy + std::fmt::Display>(
    iface: &str,
    family: &str,
    gw: Option<G>,
    metric: u32,
    notes: &mut Vec<Note>,
    add: impl FnOnce(RouteOp) -> io::Result<()>,
) -> Option<(Option<G>, u32)> {
    let what = format!("{family} default route{} metric {metric}", via(gw));
    match add(RouteOp::Add) {
        Ok(()) => {
            notes.push((Level::Info, format!("{iface}: {what}")));
            Some((gw, metric))
        }
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            notes.push((
                Level::Info,
                format!("{iface}: {what} was already there; left alone"),
            ));
            None
        }
        Err(e) if e.raw_os_error() == Some(libc::ERANGE) => {
            notes.push((
                Level::Error,
                format!(
                    "{iface}: cannot add {what}: the route ioctl takes metrics up to {}",
                    sys::MAX_V4_METRIC
                ),
            ));
            None
        }
        Err(e) => {
            notes.push((Level::Error, format!("{iface}: cannot add {what}: {e}")));
            None
        }
    }
}

fn via<G: std::fmt::Display>(gw: Option<G>) -> String {
    gw.map(|g| format!(" via {g}")).unwrap_or_default()
}

/// A removal that finds the thing (or the interface) gone is fine: the
/// kernel drops addresses and routes with a vanished PPP interface.
fn gone_ok(iface: &str, what: &str, r: io::Result<()>) -> Note {
    match r {
        Ok(()) => (Level::Info, format!("{iface}: {what} removed")),
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::ENODEV | libc::ESRCH | libc::EADDRNOTAVAIL | libc::ENXIO | libc::ENOENT)
            ) =>
        {
            (Level::Debug, format!("{iface}: {what} was already gone"))
        }
        Err(e) => (Level::Error, format!("{iface}: cannot remove {what}: {e}")),
    }
}
