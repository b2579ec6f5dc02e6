//! A small in-memory oFono for the keeper's stories: it answers calls the
//! way oFono 1.31 does (see shared notes), signals what oFono signals, and
//! lets a test change the world silently where oFono stays silent.

mod answer;

use std::time::{Duration, Instant};

use crate::events::{Call, CallError, Iface, Method, Peer, Reply, Signal};
use crate::value::{Props, Value, props};

pub const MODEM: &str = "/m";
pub const CTX: &str = "/m/context1";
pub const SYSTEM_PATH: &str = "/sys/devices/platform/soc/usb1/1-1";

/// What a PPP dongle's context reports once active.
pub fn ppp_settings() -> Value {
    Value::Dict(props([
        ("Interface", Value::Str("ppp0".into())),
        ("Method", Value::Str("static".into())),
        ("Address", Value::Str("10.64.1.2".into())),
        ("Netmask", Value::Str("255.255.255.255".into())),
        (
            "DomainNameServers",
            Value::Strs(vec!["10.0.0.53".into(), "10.0.0.54".into()]),
        ),
    ]))
}

#[derive(Clone, Debug)]
pub struct FakeContext {
    pub path: String,
    pub kind: String,
    pub apn: String,
    pub active: bool,
    /// Username, Password, AuthenticationMethod as set.
    pub strings: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Fake {
    pub present: bool,
    /// The bus refuses our calls to oFono (no policy for us).
    pub deny: bool,
    pub owner: String,
    pub modem_type: String,
    pub powered: bool,
    pub online: bool,
    pub pin_required: String,
    pub pin: String,
    pub retries: i64,
    /// `registered`, `roaming`, `searching`, ...
    pub status: String,
    pub cm_powered: bool,
    pub roaming_allowed: bool,
    pub attached: bool,
    /// The network lets us attach (when registered).
    pub network_up: bool,
    pub suspended: bool,
    /// The SIM never becomes ready until the modem is powered off.
    pub sim_stuck: bool,
    /// Attach attempts fail until the packet service is toggled.
    pub attach_fails: bool,
    /// Every power-up is answered InProgress (a wedged oFono).
    pub wedged: bool,
    /// A SIM is in the slot.
    pub sim_present: bool,
    /// Error names for the next power-ups, one each.
    pub power_fail_next: Vec<&'static str>,
    /// What `Settings` reads as while a context is not active: oFono fills
    /// in the interface (and `Method: dhcp`) before PPP is up.
    pub idle_settings: Option<Value>,
    pub contexts: Vec<FakeContext>,
    /// Error names for the next activations, one each.
    pub fail_next: Vec<&'static str>,
    /// Activations get no reply while set.
    pub hang: bool,
    /// Every `Active=true` request, and when it came.
    pub activations: Vec<Instant>,
    pub signals: Vec<Signal>,
    /// Every call the keeper made, in order.
    pub log: Vec<Call>,
    /// `Settings.Interface` of an active context: `ppp0` as on a PPP
    /// dongle, `dummy0` as with oFono's phonesim driver.
    pub interface: &'static str,
    /// Other programs that own their name on the bus.
    pub peers: Vec<Peer>,
    /// The bus answers questions about them with this error instead.
    pub peer_error: Option<&'static str>,
    /// How long oFono takes to answer, per method (`method_name`): the
    /// call is answered, and its signals sent, that long after it came.
    pub latency: Vec<(&'static str, Duration)>,
}

/// `GetProperties`, `GetContexts`, ... or the property a `SetProperty` sets.
pub fn method_name(method: &Method) -> &'static str {
    match method {
        Method::SetProperty(_, name, _) => name,
        Method::GetProperties(_) => "GetProperties",
        Method::GetModems => "GetModems",
        Method::GetContexts => "GetContexts",
        Method::AddContext(_) => "AddContext",
        Method::EnterPin(..) => "EnterPin",
        Method::GetOfonoOwner | Method::GetPeerOwner(_) => "GetNameOwner",
        Method::ResolvedSetDns(..)
        | Method::ResolvedDefaultRoute(_)
        | Method::ResolvedRevert(_) => "resolved",
    }
}

impl Default for Fake {
    fn default() -> Fake {
        Fake {
            present: true,
            deny: false,
            owner: ":1.1".into(),
            modem_type: "hardware".into(),
            powered: false,
            online: false,
            pin_required: "none".into(),
            pin: "1234".into(),
            retries: 3,
            status: "registered".into(),
            cm_powered: true,
            roaming_allowed: false,
            attached: false,
            network_up: true,
            suspended: false,
            sim_stuck: false,
            attach_fails: false,
            wedged: false,
            sim_present: true,
            power_fail_next: Vec::new(),
            idle_settings: None,
            contexts: vec![FakeContext {
                path: CTX.into(),
                kind: "internet".into(),
                apn: "internet".into(),
                active: false,
                strings: Vec::new(),
            }],
            fail_next: Vec::new(),
            hang: false,
            activations: Vec::new(),
            signals: Vec::new(),
            log: Vec::new(),
            interface: "ppp0",
            peers: Vec::new(),
            peer_error: None,
            latency: Vec::new(),
        }
    }
}

pub(super) fn err(name: &str) -> Result<Reply, CallError> {
    Err(CallError::new(name, ""))
}

impl Fake {
    /// How long oFono takes to answer this call.
    pub fn delay(&self, call: &Call) -> Duration {
        let name = method_name(&call.method);
        self.latency
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Duration::ZERO, |(_, d)| *d)
    }

    pub fn sim_ready(&self) -> bool {
        self.powered && self.sim_present && self.pin_required == "none" && !self.sim_stuck
    }

    pub fn interfaces(&self) -> Vec<String> {
        let mut list = Vec::new();
        if self.powered {
            list.push(Iface::SimManager);
        }
        if self.sim_ready() {
            list.push(Iface::ConnectionManager);
        }
        if self.powered && self.online {
            list.push(Iface::NetworkRegistration);
        }
        list.into_iter().map(|i| i.name().to_string()).collect()
    }

    pub fn modem_props(&self) -> Props {
        props([
            ("SystemPath", Value::Str(SYSTEM_PATH.into())),
            ("Powered", Value::Bool(self.powered)),
            ("Online", Value::Bool(self.online)),
            ("Type", Value::Str(self.modem_type.clone())),
            ("Model", Value::Str("E367".into())),
            ("Interfaces", Value::Strs(self.interfaces())),
        ])
    }

    fn context_props(&self, c: &FakeContext) -> Props {
        let settings = if c.active {
            match ppp_settings() {
                Value::Dict(mut d) => {
                    d.insert("Interface".into(), Value::Str(self.interface.into()));
                    Value::Dict(d)
                }
                other => other,
            }
        } else {
            self.idle_settings
                .clone()
                .unwrap_or_else(|| Value::Dict(Props::new()))
        };
        props([
            ("Type", Value::Str(c.kind.clone())),
            ("AccessPointName", Value::Str(c.apn.clone())),
            ("Active", Value::Bool(c.active)),
            ("Settings", settings),
        ])
        .into_iter()
        .chain(
            c.strings
                .iter()
                .map(|(k, v)| (k.clone(), Value::Str(v.clone()))),
        )
        .collect()
    }

    pub fn active(&self, path: &str) -> bool {
        self.contexts.iter().any(|c| c.path == path && c.active)
    }

    fn signal(&mut self, path: &str, iface: Iface, name: &str, value: Value) {
        self.signals.push(Signal::PropertyChanged {
            path: path.into(),
            iface,
            name: name.into(),
            value,
        });
    }

    /// Applies a change to the modem and signals what oFono would signal.
    pub fn change(&mut self, f: impl FnOnce(&mut Fake)) {
        let before_ifaces = self.interfaces();
        let (powered, online) = (self.powered, self.online);
        f(self);
        if !self.powered {
            self.sim_stuck = false; // a power cycle unsticks it
        }
        if !self.powered || !self.online || !self.sim_ready() {
            self.online &= self.powered;
            // A modem going down takes its contexts silently.
            for c in &mut self.contexts {
                c.active = false;
            }
        }
        if self.powered != powered {
            self.signal(MODEM, Iface::Modem, "Powered", Value::Bool(self.powered));
        }
        if self.online != online {
            self.signal(MODEM, Iface::Modem, "Online", Value::Bool(self.online));
        }
        let ifaces = self.interfaces();
        if ifaces != before_ifaces {
            self.signal(MODEM, Iface::Modem, "Interfaces", Value::Strs(ifaces));
        }
        self.settle_attach();
    }

    fn settle_attach(&mut self) {
        let registered =
            self.status == "registered" || (self.status == "roaming" && self.roaming_allowed);
        let attach = self.sim_ready()
            && self.online
            && self.cm_powered
            && self.network_up
            && registered
            && !self.attach_fails;
        if attach != self.attached {
            self.attached = attach;
            // oFono's atmodem driver leaves contexts Active on detach (ghosts).
            self.signal(
                MODEM,
                Iface::ConnectionManager,
                "Attached",
                Value::Bool(attach),
            );
        }
    }
}
