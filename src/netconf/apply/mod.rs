//! Applies validated settings to the interface and takes exactly that back.
//!
//! Each part (up, address, route, DNS, DHCP) is tried on its own and leaves
//! one log line; a failure never stops the others. What already existed
//! before we came is recorded as such and never removed.
//!
//! Here: what was done (`Applied`), the order of the parts and their undo.
//! The parts themselves: `addr`, `route`, `dns` (and `netconf::dhcp`);
//! `options` is the one type they share. Imports run from here down.

mod addr;
mod dns;
mod options;
mod route;

use std::cell::RefCell;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::process::Child;

use crate::events::Level;
use crate::netsettings::{AddrMethod, NetSettings, valid_ifname};

use super::Note;
use super::dhcp;
use super::resolv::{self, DnsApplied};
use super::sys::{self, RouteOp};
pub use options::NetOptions;

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
        let (child, note) = dhcp::start(o.dhcp_command.as_deref(), iface);
        a.dhcp = child;
        notes.push(note);
    }
    if let Some(v4) = s.ipv4.as_ref().filter(|_| !missing) {
        if o.address {
            a.addr4 = addr::add4(iface, v4.address, v4.netmask, &mut notes);
        }
        if o.route {
            a.route4 = route::add(
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
            a.addr6 = addr::add6(iface, v6.address, v6.prefix, &mut notes);
        }
        if o.route {
            a.route6 = route::add(
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
            let (dns, note) = dns::put(iface, s, o);
            a.dns = dns;
            notes.push(note);
        }
    }
    done(a, notes)
}

/// The poll's look at resolv.conf (see `resolv::check`).
pub fn check_dns(applied: &Applied) -> Option<Note> {
    dns::check(&mut applied.parts.borrow_mut().dns, &applied.interface)
}

/// Moves the name servers of a configured link into the file (`true`,
/// systemd-resolved went away) or out of it (`false`, resolved has them).
pub fn move_dns(applied: &Applied, s: &NetSettings, o: &NetOptions, to_file: bool) -> Vec<Note> {
    dns::moved(&mut applied.parts.borrow_mut().dns, s, o, to_file)
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
            &format!("IPv6 default route{}", route::via(gw)),
            sys::route6(RouteOp::Del, &iface, gw, metric),
        ));
    }
    if let Some((gw, metric)) = a.route4.take() {
        notes.push(gone_ok(
            &iface,
            &format!("IPv4 default route{}", route::via(gw)),
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
        let result = addr::remove4(&iface, &label, addr);
        notes.push(gone_ok(&iface, &format!("address {addr}"), result));
    }
    notes
}

/// Puts back a resolv.conf a crashed run left replaced (call at start-up).
pub fn recover_resolv_conf(o: &NetOptions) -> Option<Note> {
    resolv::recover(&o.resolv_conf)
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
