//! What to probe: the context's own name servers, or a TCP address given by
//! the operator (`--probe tcp:IP:PORT`).

use std::net::{IpAddr, SocketAddr};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The context's own name servers (the daemon builds this from Settings).
    Dns(Vec<IpAddr>),
    Tcp(SocketAddr),
}

/// Parses `tcp:IP:PORT` (`tcp:[2001:db8::1]:443` for IPv6).
pub fn parse_target(s: &str) -> Result<Target, String> {
    let Some(rest) = s.strip_prefix("tcp:") else {
        return Err(format!(
            "probe target {s:?}: expected tcp:IP:PORT, e.g. tcp:1.1.1.1:443"
        ));
    };
    if let Ok(addr) = rest.parse::<SocketAddr>() {
        if addr.port() == 0 || addr.ip().is_unspecified() || addr.ip().is_multicast() {
            return Err(format!(
                "probe target {s:?}: needs a unicast address and a port above 0"
            ));
        }
        return Ok(Target::Tcp(addr));
    }
    let host = match rest.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        Some(_) | None if rest.parse::<IpAddr>().is_ok() => {
            return Err(format!(
                "probe target {s:?}: missing port, e.g. tcp:{}",
                with_port(rest)
            ));
        }
        Some((_, port)) => return Err(format!("probe target {s:?}: bad port {port:?}")),
        None => return Err(format!("probe target {s:?}: missing port")),
    };
    if host.contains(':') && !host.starts_with('[') {
        return Err(format!(
            "probe target {s:?}: put an IPv6 address in brackets, e.g. tcp:[2001:db8::1]:443"
        ));
    }
    Err(format!(
        "probe target {s:?}: give an IP address, not a host name; name resolution is what may be broken"
    ))
}

fn with_port(ip: &str) -> String {
    if ip.contains(':') {
        format!("[{ip}]:443")
    } else {
        format!("{ip}:443")
    }
}
