//! What goes into the keeper (events) and what comes out (actions).
//!
//! Both sides are plain data: the keeper never sees libdbus, the loop never
//! decides anything.

use std::time::Instant;

use crate::counters::Counters;
use crate::netsettings::NetSettings;
use crate::target::Target;
use crate::value::{Props, Value};

/// Matches a call's reply to the call; handed out by the keeper.
pub type Token = u64;

/// The oFono interfaces the keeper talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Iface {
    Manager,
    Modem,
    SimManager,
    NetworkRegistration,
    ConnectionManager,
    ConnectionContext,
}

impl Iface {
    pub const ALL: [Iface; 6] = [
        Iface::Manager,
        Iface::Modem,
        Iface::SimManager,
        Iface::NetworkRegistration,
        Iface::ConnectionManager,
        Iface::ConnectionContext,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Iface::Manager => "org.ofono.Manager",
            Iface::Modem => "org.ofono.Modem",
            Iface::SimManager => "org.ofono.SimManager",
            Iface::NetworkRegistration => "org.ofono.NetworkRegistration",
            Iface::ConnectionManager => "org.ofono.ConnectionManager",
            Iface::ConnectionContext => "org.ofono.ConnectionContext",
        }
    }

    pub fn from_name(name: &str) -> Option<Iface> {
        Iface::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// Other programs on the system bus that matter to us: managers that fight
/// over the same modem, and systemd-resolved, which takes our name servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    ModemManager,
    ConnMan,
    Resolved,
}

impl Peer {
    pub const ALL: [Peer; 3] = [Peer::ModemManager, Peer::ConnMan, Peer::Resolved];

    pub fn bus_name(self) -> &'static str {
        match self {
            Peer::ModemManager => "org.freedesktop.ModemManager1",
            Peer::ConnMan => "net.connman",
            Peer::Resolved => "org.freedesktop.resolve1",
        }
    }

    pub fn from_bus_name(name: &str) -> Option<Peer> {
        Peer::ALL.into_iter().find(|p| p.bus_name() == name)
    }
}

/// A method the keeper wants called.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// `org.freedesktop.DBus.GetNameOwner("org.ofono")`, sent to the bus itself.
    GetOfonoOwner,
    /// `GetNameOwner` of another program (see `Peer`).
    GetPeerOwner(Peer),
    /// systemd-resolved: `SetLinkDNS(ifindex of iface, servers)`.
    ResolvedSetDns(String, Vec<std::net::IpAddr>),
    /// systemd-resolved: `SetLinkDefaultRoute(ifindex of iface, true)`.
    ResolvedDefaultRoute(String),
    /// systemd-resolved: `RevertLink(ifindex of iface)`.
    ResolvedRevert(String),
    GetModems,
    GetProperties(Iface),
    SetProperty(Iface, &'static str, Value),
    GetContexts,
    AddContext(&'static str),
    EnterPin(String, String),
}

impl Method {
    /// Short description for logs (never includes a PIN).
    pub fn describe(&self) -> String {
        match self {
            Method::GetOfonoOwner => "GetNameOwner(org.ofono)".into(),
            Method::GetPeerOwner(p) => format!("GetNameOwner({})", p.bus_name()),
            Method::ResolvedSetDns(i, dns) => {
                let list: Vec<String> = dns.iter().map(|ip| ip.to_string()).collect();
                format!("resolve1.SetLinkDNS({i}, [{}])", list.join(", "))
            }
            Method::ResolvedDefaultRoute(i) => format!("resolve1.SetLinkDefaultRoute({i}, true)"),
            Method::ResolvedRevert(i) => format!("resolve1.RevertLink({i})"),
            Method::GetModems => "GetModems".into(),
            Method::GetProperties(i) => format!("{}.GetProperties", short(*i)),
            Method::SetProperty(i, name, v) => match (*name, v) {
                ("Password", _) => format!("{}.{name}=***", short(*i)),
                _ => format!("{}.{name}={v}", short(*i)),
            },
            Method::GetContexts => "GetContexts".into(),
            Method::AddContext(t) => format!("AddContext({t})"),
            Method::EnterPin(t, _) => format!("EnterPin({t})"),
        }
    }
}

fn short(i: Iface) -> &'static str {
    i.name().trim_start_matches("org.ofono.")
}

/// One method call: the loop sends it and reports its reply with `token`.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub token: Token,
    pub path: String,
    pub method: Method,
    /// The keeper's own deadline; the loop may forget the call after it.
    pub deadline: Instant,
}

/// A successful reply, decoded according to the method that was called.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Empty,
    Owner(String),
    /// `GetModems` and `GetContexts`: object paths with their properties.
    Objects(Vec<(String, Props)>),
    Props(Props),
    Path(String),
}

/// An error reply (`name` is the D-Bus error name).
#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    pub name: String,
    pub message: String,
}

impl CallError {
    pub fn new(name: &str, message: &str) -> CallError {
        CallError {
            name: name.to_string(),
            message: message.to_string(),
        }
    }

    /// The error name without its namespace, e.g. `Failed`.
    pub fn short(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

/// A signal from oFono or the bus, decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    /// `NameOwnerChanged` for `org.ofono`; empty `new_owner` means it left.
    OfonoOwner {
        new_owner: String,
    },
    /// `NameOwnerChanged` for a `Peer`'s name.
    PeerOwner {
        peer: Peer,
        present: bool,
    },
    ModemAdded(String, Props),
    ModemRemoved(String),
    ContextAdded(String, Props),
    ContextRemoved(String),
    PropertyChanged {
        path: String,
        iface: Iface,
        name: String,
        value: Value,
    },
}

/// Unix signals, as far as the keeper cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// SIGTERM / SIGINT: leave (named for the log).
    Terminate(&'static str),
    /// SIGHUP: re-check everything now.
    Recheck,
    /// SIGUSR1: log one status line.
    Status,
}

/// A data-path probe for the edge to run (see `probe`).
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeRequest {
    pub token: Token,
    pub interface: String,
    pub target: Target,
    /// Skip the probe (and report `Traffic`) if the interface received more
    /// than this many bytes: data flows, no need to spend any.
    pub skip_if_rx_above: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProbeOutcome {
    Passed,
    /// Not probed: the receive counter grew since the last probe.
    Traffic,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The bus connection is up (at start and after every reconnect).
    BusConnected,
    /// The bus connection was lost; every outstanding call is void.
    BusLost,
    Reply {
        token: Token,
        result: Result<Reply, CallError>,
    },
    Signal(Signal),
    Request(Request),
    ProbeDone {
        token: Token,
        outcome: ProbeOutcome,
        /// The interface's counters when it was checked.
        counters: Option<Counters>,
    },
    /// The answer to `ReadCounters` (`None`: no such interface now).
    Counters {
        interface: String,
        counters: Option<Counters>,
    },
    /// Time passed; the keeper checks its deadlines and timers.
    Tick,
}

/// Where the link's name servers go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsVia {
    /// resolvconf(8) or the resolv.conf file (the edge picks).
    File,
    /// systemd-resolved over D-Bus (the keeper makes the calls).
    Resolved,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Call(Call),
    /// Give the active context's interface its address, route and DNS
    /// (the name servers go to the file unless `DnsVia::Resolved`).
    Configure(NetSettings, DnsVia),
    /// The link stays configured; its name servers move (resolved came or
    /// went while it was up).
    MoveDns(DnsVia),
    /// The poll: is our resolv.conf still there? (Put back if rewritten.)
    CheckDns,
    /// Undo the last `Configure`.
    Unconfigure,
    Probe(ProbeRequest),
    /// Read the interface's counters now (data used, stall detection).
    ReadCounters(String),
    /// Write the USB device's sysfs `authorized` flag (recovery step 5).
    UsbAuthorize {
        device: String,
        authorized: bool,
    },
    /// Run the user's last-resort command, if its budget allows (step 6).
    LastResort,
    /// The state changed: rewrite the status file (and metrics).
    Publish(Box<crate::status::Status>),
    Log(Level, String),
    Exit(i32),
}
