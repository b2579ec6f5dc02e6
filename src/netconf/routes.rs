//! Which link carries the default route: our name servers only help while
//! ours does (a carrier's servers rarely answer through Wi-Fi).
//!
//! Read from /proc (this thread's network namespace: tests run in their
//! own), IPv4 and IPv6 together; the lowest metric wins, a tie is ours.

/// Route flags (linux/route.h, linux/ipv6_route.h).
const RTF_UP: u32 = 0x0001;
const RTF_REJECT: u32 = 0x0200;

/// Another interface whose default route wins over ours, for the log
/// (`wlan0 (metric 600)`); `None` when ours carries it, or no one does.
pub fn other_default(iface: &str) -> Option<String> {
    let mut routes = Vec::new();
    if let Ok(text) = crate::procfs::read("/proc/thread-self/net/route") {
        routes.extend(parse_v4(&text));
    }
    if let Ok(text) = crate::procfs::read("/proc/thread-self/net/ipv6_route") {
        routes.extend(parse_v6(&text));
    }
    winner_over(iface, &routes).map(|(i, m)| format!("{i} (metric {m})"))
}

/// The best default route of another interface, if it beats ours (an
/// interface without a default route of its own loses to any).
pub fn winner_over(iface: &str, routes: &[(String, u32)]) -> Option<(String, u32)> {
    let ours = routes.iter().filter(|(i, _)| i == iface).map(|r| r.1).min();
    let other = routes
        .iter()
        .filter(|(i, _)| i != iface)
        .min_by_key(|r| r.1)?;
    match ours {
        Some(m) if m <= other.1 => None,
        _ => Some(other.clone()),
    }
}

/// Default routes in `/proc/net/route`: (interface, metric).
pub fn parse_v4(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let hex = |i: usize| f.get(i).and_then(|v| u32::from_str_radix(v, 16).ok());
            let default = hex(1) == Some(0) && hex(7) == Some(0);
            let up = hex(3).is_some_and(|fl| fl & RTF_UP != 0 && fl & RTF_REJECT == 0);
            let metric = f.get(6)?.parse().ok()?;
            (default && up).then(|| (f[0].to_string(), metric))
        })
        .collect()
}

/// Default routes in `/proc/net/ipv6_route`: (interface, metric).
pub fn parse_v6(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            let default = f[0].bytes().all(|b| b == b'0') && f[1] == "00";
            let flags = u32::from_str_radix(f[8], 16).ok()?;
            let up = flags & RTF_UP != 0 && flags & RTF_REJECT == 0;
            let metric = u32::from_str_radix(f[5], 16).ok()?;
            (default && up).then(|| (f[9].to_string(), metric))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4: &str =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
ppp0\t00000000\t00000000\t0001\t0\t0\t700\t00000000\t0\t0\t0
wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
";
    const V6: &str = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003    wlan0
20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001    wlan0
";

    fn r(i: &str, m: u32) -> (String, u32) {
        (i.to_string(), m)
    }

    #[test]
    fn reads_default_routes_only() {
        assert_eq!(parse_v4(V4), [r("wlan0", 600), r("ppp0", 700)]);
        // The reject route on lo and the /64 are not default routes.
        assert_eq!(parse_v6(V6), [r("wlan0", 1024)]);
    }

    #[test]
    fn the_lowest_metric_wins_and_a_tie_is_ours() {
        let wifi = [r("wlan0", 600), r("ppp0", 700)];
        assert_eq!(winner_over("ppp0", &wifi), Some(r("wlan0", 600)));
        assert_eq!(
            winner_over("ppp0", &[r("wlan0", 800), r("ppp0", 700)]),
            None
        );
        assert_eq!(
            winner_over("ppp0", &[r("wlan0", 700), r("ppp0", 700)]),
            None
        );
        assert_eq!(winner_over("ppp0", &[r("ppp0", 700)]), None);
        assert_eq!(winner_over("ppp0", &[]), None);
        // Without a default route of our own (--no-route), any other wins.
        assert_eq!(
            winner_over("ppp0", &[r("eth0", 5000)]),
            Some(r("eth0", 5000))
        );
    }
}
