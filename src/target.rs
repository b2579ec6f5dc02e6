//! What to probe: the context's own name servers, or a TCP address given by
//! the operator (`--probe tcp:IP:PORT`). Pure: the probe edge (`probe`) does
//! the sending.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_targets() {
        assert_eq!(
            parse_target("tcp:1.1.1.1:443"),
            Ok(Target::Tcp("1.1.1.1:443".parse().unwrap()))
        );
        assert_eq!(
            parse_target("tcp:[::1]:53"),
            Ok(Target::Tcp("[::1]:53".parse().unwrap()))
        );
    }

    #[test]
    fn clear_errors() {
        let err = |s: &str| parse_target(s).unwrap_err();
        assert!(err("tcp:example.com:443").contains("name resolution is what may be broken"));
        assert!(err("tcp:1.1.1.1").contains("missing port"));
        assert!(err("tcp:1.1.1.1:http").contains("bad port"));
        assert!(err("tcp:2001:db8::1:443").contains("brackets"));
        assert!(err("tcp:0.0.0.0:80").contains("unicast"));
        assert!(err("tcp:1.1.1.1:0").contains("port above 0"));
        assert!(err("udp:1.1.1.1:53").contains("expected tcp:IP:PORT"));
        assert!(err("").contains("expected"));
    }
}
