//! Interface counters, for traffic-aware probing: if the interface received
//! bytes since the last look, the path works and the probe can be skipped.

use crate::netconf::settings::valid_ifname;

/// `/sys/class/net/<iface>/statistics/rx_bytes`; `None` if the name is not
/// a plain interface name or the interface is gone.
pub fn rx_bytes(iface: &str) -> Option<u64> {
    // The name comes from the network via oFono: never let it shape a path.
    if !valid_ifname(iface) {
        return None;
    }
    std::fs::read_to_string(format!("/sys/class/net/{iface}/statistics/rx_bytes"))
        .ok()?
        .trim()
        .parse()
        .ok()
}
