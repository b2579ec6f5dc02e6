//! What the operator lets `apply` do (from the command line).

use std::path::PathBuf;

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
