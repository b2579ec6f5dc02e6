//! oFono's `Settings` / `IPv6.Settings` dictionaries, validated: what the
//! keeper hands to the network edge (`netconf`) to configure the link.
//!
//! Everything here came from the network (through the modem and oFono), so
//! every field is checked before it can reach an ioctl or resolv.conf. Pure:
//! no I/O.
//!
//! Policy: an unusable interface name or address is an error (nothing can be
//! configured safely). A bad name server is dropped and reported as a warning,
//! so one odd entry does not cost the whole connection; what remains are
//! parsed IP literals only, so nothing but `nameserver <ip>` can ever be
//! written to resolv.conf.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::value::{Props, Value};

/// glibc reads at most this many `nameserver` lines (MAXNS).
pub const MAX_DNS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrMethod {
    Static,
    Dhcp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Config {
    pub address: Ipv4Addr,
    pub netmask: Ipv4Addr,
    pub gateway: Option<Ipv4Addr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Config {
    pub address: Ipv6Addr,
    pub prefix: u8,
    pub gateway: Option<Ipv6Addr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetSettings {
    pub interface: String,
    pub method: AddrMethod,
    pub ipv4: Option<Ipv4Config>,
    pub ipv6: Option<Ipv6Config>,
    /// Well-formed unicast IP literals only, at most `MAX_DNS`, no duplicates.
    pub dns: Vec<IpAddr>,
}

/// A kernel interface name: 1-15 of `[A-Za-z0-9_.-]`, not `.` or `..`.
///
/// Stricter than the kernel (which allows most bytes) because the name ends
/// up in paths (`/sys/class/net/<name>`), argv and log lines.
pub fn valid_ifname(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Validates oFono's settings; the warnings list what was dropped and why.
pub fn from_props(
    settings: Option<&Props>,
    ipv6: Option<&Props>,
) -> Result<(NetSettings, Vec<String>), String> {
    let settings = settings.filter(|p| !p.is_empty());
    let ipv6 = ipv6.filter(|p| !p.is_empty());
    if settings.is_none() && ipv6.is_none() {
        return Err("the context has no Settings yet".into());
    }
    let interface = interface(settings, ipv6)?;
    let mut warnings = Vec::new();

    let (method, ipv4) = match settings {
        Some(p) => {
            let method = method(p)?;
            let ipv4 = match method {
                AddrMethod::Dhcp => None,
                AddrMethod::Static => Some(ipv4(p)?),
            };
            (method, ipv4)
        }
        None => (AddrMethod::Static, None),
    };
    let ipv6_config = match ipv6 {
        // An IPv6 part we cannot use must not cost a working IPv4 part.
        Some(p) => match ipv6_part(p) {
            Ok(c) => Some(c),
            Err(e) if ipv4.is_some() || method == AddrMethod::Dhcp => {
                warnings.push(format!("{e}; configuring IPv4 only"));
                None
            }
            Err(e) => return Err(e),
        },
        None => None,
    };

    let mut dns = Vec::new();
    for (label, p) in [("Settings", settings), ("IPv6.Settings", ipv6)] {
        if let Some(p) = p {
            name_servers(label, p, &mut dns, &mut warnings);
        }
    }
    Ok((
        NetSettings {
            interface,
            method,
            ipv4,
            ipv6: ipv6_config,
            dns,
        },
        warnings,
    ))
}

fn interface(v4: Option<&Props>, v6: Option<&Props>) -> Result<String, String> {
    let get = |label: &str, p: Option<&Props>| -> Result<Option<String>, String> {
        match p.and_then(|p| p.get("Interface")) {
            None => Ok(None),
            Some(Value::Str(s)) if valid_ifname(s) => Ok(Some(s.clone())),
            Some(Value::Str(s)) => Err(format!("{label}: invalid Interface {s:?}")),
            Some(v) => Err(format!("{label}: Interface is not a string: {v}")),
        }
    };
    match (get("Settings", v4)?, get("IPv6.Settings", v6)?) {
        (Some(a), Some(b)) if a != b => Err(format!(
            "Settings and IPv6.Settings name different interfaces ({a:?}, {b:?})"
        )),
        (Some(a), _) | (None, Some(a)) => Ok(a),
        (None, None) => Err("Settings has no Interface".into()),
    }
}

fn method(p: &Props) -> Result<AddrMethod, String> {
    match p.get("Method") {
        Some(Value::Str(s)) if s == "static" => Ok(AddrMethod::Static),
        Some(Value::Str(s)) if s == "dhcp" => Ok(AddrMethod::Dhcp),
        // Older drivers omit Method when they give an address.
        None if p.contains_key("Address") => Ok(AddrMethod::Static),
        None => Err("Settings has neither Method nor Address".into()),
        Some(v) => Err(format!("Settings: unknown Method {v}")),
    }
}

fn string<'a>(label: &str, p: &'a Props, key: &str) -> Result<Option<&'a str>, String> {
    match p.get(key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(v) => Err(format!("{label}: {key} is not a string: {v}")),
    }
}

fn ipv4(p: &Props) -> Result<Ipv4Config, String> {
    let parse = |key: &str| -> Result<Option<Ipv4Addr>, String> {
        match string("Settings", p, key)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| format!("Settings: {key} {s:?} is not an IPv4 address")),
        }
    };
    let address = parse("Address")?.ok_or("Settings: Method static without Address")?;
    if !usable_v4(address) {
        return Err(format!(
            "Settings: Address {address} is not a unicast address"
        ));
    }
    // oFono always sends Netmask with Address; a PPP peer means /32.
    let netmask = parse("Netmask")?.unwrap_or(Ipv4Addr::BROADCAST);
    // A /0 would turn the address's prefix route into a default route that
    // bypasses our metric.
    if !contiguous(u32::from(netmask)) || netmask.is_unspecified() {
        return Err(format!("Settings: Netmask {netmask} is not usable"));
    }
    // Some drivers send 0.0.0.0 for "no gateway".
    let gateway = parse("Gateway")?.filter(|g| !g.is_unspecified());
    if let Some(g) = gateway
        && (!usable_v4(g) || g == address)
    {
        return Err(format!("Settings: Gateway {g} is not usable"));
    }
    Ok(Ipv4Config {
        address,
        netmask,
        gateway,
    })
}

fn ipv6_part(p: &Props) -> Result<Ipv6Config, String> {
    let parse = |key: &str| -> Result<Option<Ipv6Addr>, String> {
        match string("IPv6.Settings", p, key)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| format!("IPv6.Settings: {key} {s:?} is not an IPv6 address")),
        }
    };
    let address = parse("Address")?.ok_or("IPv6.Settings has no Address")?;
    if address.is_unspecified() || address.is_multicast() || address.is_loopback() {
        return Err(format!("IPv6.Settings: Address {address} is not unicast"));
    }
    let prefix = match p.get("PrefixLength") {
        // /0 refused for the same reason as an IPv4 netmask of 0.0.0.0.
        Some(Value::Int(n)) if (1..=128).contains(n) => *n as u8,
        // oFono sends it with Address; /64 is what every network uses.
        None => 64,
        Some(v) => return Err(format!("IPv6.Settings: invalid PrefixLength {v}")),
    };
    let gateway = parse("Gateway")?.filter(|g| !g.is_unspecified());
    if let Some(g) = gateway
        && (g.is_multicast() || g.is_loopback() || g == address)
    {
        return Err(format!("IPv6.Settings: Gateway {g} is not usable"));
    }
    Ok(Ipv6Config {
        address,
        prefix,
        gateway,
    })
}

/// Appends the good servers of one dictionary; every dropped one is reported.
fn name_servers(label: &str, p: &Props, dns: &mut Vec<IpAddr>, warnings: &mut Vec<String>) {
    let list = match p.get("DomainNameServers") {
        None => return,
        Some(Value::Strs(v)) => v,
        Some(v) => {
            warnings.push(format!(
                "{label}: DomainNameServers is not a list of strings ({v}); ignored"
            ));
            return;
        }
    };
    for s in list {
        // `parse` accepts nothing but the literal: no spaces, newlines,
        // zone ids or trailing junk.
        let ip = match s.parse::<IpAddr>() {
            Ok(ip) if usable_dns(ip) => ip,
            Ok(ip) => {
                warnings.push(format!("{label}: name server {ip} is not usable; dropped"));
                continue;
            }
            Err(_) => {
                warnings.push(format!(
                    "{label}: name server {s:?} is not an IP address; dropped"
                ));
                continue;
            }
        };
        if dns.contains(&ip) {
            continue;
        }
        if dns.len() >= MAX_DNS {
            warnings.push(format!(
                "{label}: more than {MAX_DNS} name servers; {ip} dropped"
            ));
            continue;
        }
        dns.push(ip);
    }
}

fn usable_v4(a: Ipv4Addr) -> bool {
    !(a.is_unspecified() || a.is_multicast() || a.is_broadcast() || a.is_loopback())
}

/// A resolver must be reachable through the context: no loopback (a network
/// must not point us at local services), no multicast, no link-local IPv6
/// (unusable in resolv.conf without a zone).
fn usable_dns(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => usable_v4(a),
        IpAddr::V6(a) => {
            !(a.is_unspecified()
                || a.is_multicast()
                || a.is_loopback()
                || a.is_unicast_link_local())
        }
    }
}

/// 1s then 0s only (255.255.255.0 yes, 255.0.255.0 no).
fn contiguous(mask: u32) -> bool {
    mask.leading_ones() + mask.trailing_zeros() == 32
}

/// Prefix length of a contiguous mask.
pub fn prefix_len(mask: Ipv4Addr) -> u8 {
    u32::from(mask).leading_ones() as u8
}

#[cfg(test)]
mod tests;
