//! The name servers of a configured link: into the file only while our
//! link carries the default route, checked by the poll, and moved in or
//! out when systemd-resolved comes or goes.

use crate::netconf::Note;
use crate::netconf::resolv::{self, DnsApplied};
use crate::netconf::routes;
use crate::netsettings::{NetSettings, valid_ifname};

use super::options::NetOptions;

/// The name servers, into the file only while our link carries the
/// default route (resolvconf orders its records by interface itself).
pub fn put(iface: &str, s: &NetSettings, o: &NetOptions) -> (Option<DnsApplied>, Note) {
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
pub fn check(slot: &mut Option<DnsApplied>, iface: &str) -> Option<Note> {
    let dns = slot.as_mut()?;
    resolv::check(dns, routes::other_default(iface).as_deref())
}

/// Into the file (`to_file`) or out of it, whatever `slot` holds now.
pub fn moved(
    slot: &mut Option<DnsApplied>,
    s: &NetSettings,
    o: &NetOptions,
    to_file: bool,
) -> Vec<Note> {
    match (to_file, slot.take()) {
        (false, Some(d)) => vec![resolv::undo(d)],
        (true, None) if o.dns && !s.dns.is_empty() && valid_ifname(&s.interface) => {
            let (dns, note) = put(&s.interface, s, o);
            *slot = dns;
            vec![note]
        }
        (_, kept) => {
            *slot = kept;
            Vec::new()
        }
    }
}
