//! Typed oFono properties, waits and bring-up on `Ofono`, for the tests
//! that drive oFono themselves: the bench's own (bench_smoke) and e2e,
//! which include this file next to `mod bench` (no other includer needs
//! it). Re-exports `ofono.rs`, so `ofono_props::MODEM` works too.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use dbus::Path as ObjPath;
use dbus::arg::{Append, Arg, PropMap, RefArg, Variant};

use crate::bench::Bench;
pub use crate::bench::ofono::*;

pub const CONTEXT1: &str = "/phonesim/context1";
pub const MODEM_IFACE: &str = "org.ofono.Modem";
pub const SIM_IFACE: &str = "org.ofono.SimManager";
pub const NETREG_IFACE: &str = "org.ofono.NetworkRegistration";
pub const CM_IFACE: &str = "org.ofono.ConnectionManager";
pub const CONTEXT_IFACE: &str = "org.ofono.ConnectionContext";

const POLL: Duration = Duration::from_millis(10);

impl Bench {
    /// A fresh client connection to oFono on this bench's bus.
    pub fn ofono(&self) -> Ofono {
        Ofono::connect(self.bus_address()).expect("connect to bench bus")
    }

    /// Barrier: returns once oFono has processed every AT line the
    /// simulator sent so far (via a `+CSQ:` it publishes as
    /// NetworkRegistration.Strength). Needs NetworkRegistration (Online).
    pub fn sync_ofono(&self) -> bool {
        let want = u64::from(self.sim().send_signal_barrier());
        self.ofono()
            .wait_props(MODEM, NETREG_IFACE, Duration::from_secs(5), |m| {
                m.and_then(|m| prop_u64(m, "Strength")) == Some(want)
            })
    }
}

impl Ofono {
    /// `GetProperties` of `iface` at `path`.
    pub fn props(&self, path: &str, iface: &str) -> Result<PropMap, dbus::Error> {
        let p = self.connection().with_proxy(SERVICE, path, self.timeout);
        let (m,): (PropMap,) = p.method_call(iface, "GetProperties", ())?;
        Ok(m)
    }

    /// `SetProperty(name, value)` with the default timeout.
    pub fn set<T: Arg + Append>(
        &self,
        path: &str,
        iface: &str,
        name: &str,
        value: T,
    ) -> Result<(), dbus::Error> {
        self.set_timeout(path, iface, name, value, self.timeout)
    }

    /// `SetProperty` with an explicit timeout (a hung modem never answers).
    pub fn set_timeout<T: Arg + Append>(
        &self,
        path: &str,
        iface: &str,
        name: &str,
        value: T,
        timeout: Duration,
    ) -> Result<(), dbus::Error> {
        let p = self.connection().with_proxy(SERVICE, path, timeout);
        p.method_call(iface, "SetProperty", (name, Variant(value)))
    }

    /// `SimManager.EnterPin(type, pin)`.
    pub fn enter_pin(&self, pin_type: &str, pin: &str) -> Result<(), dbus::Error> {
        let p = self.connection().with_proxy(SERVICE, MODEM, self.timeout);
        p.method_call(SIM_IFACE, "EnterPin", (pin_type, pin))
    }

    /// `ConnectionManager.GetContexts` of the modem.
    #[allow(dead_code)]
    pub fn contexts(&self) -> Result<Vec<(String, PropMap)>, dbus::Error> {
        let p = self.connection().with_proxy(SERVICE, MODEM, self.timeout);
        let (v,): (Vec<(ObjPath<'static>, PropMap)>,) =
            p.method_call(CM_IFACE, "GetContexts", ())?;
        Ok(v.into_iter().map(|(p, m)| (p.to_string(), m)).collect())
    }

    /// A boolean property, None if absent or the call failed.
    pub fn bool_prop(&self, path: &str, iface: &str, name: &str) -> Option<bool> {
        let m = self.props(path, iface).ok()?;
        prop_bool(&m, name)
    }

    /// A string property, None if absent or the call failed.
    pub fn str_prop(&self, path: &str, iface: &str, name: &str) -> Option<String> {
        let m = self.props(path, iface).ok()?;
        prop_str(&m, name)
    }

    /// The modem's `Interfaces` list (empty if the call failed).
    pub fn interfaces(&self) -> Vec<String> {
        self.props(MODEM, MODEM_IFACE)
            .ok()
            .and_then(|m| prop_strs(&m, "Interfaces"))
            .unwrap_or_default()
    }

    /// Poll until `pred(props)` holds (a failed call counts as no props).
    pub fn wait_props(
        &self,
        path: &str,
        iface: &str,
        timeout: Duration,
        mut pred: impl FnMut(Option<&PropMap>) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let m = self.props(path, iface).ok();
            if pred(m.as_ref()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Poll until boolean property `name` equals `want`.
    pub fn wait_bool(
        &self,
        path: &str,
        iface: &str,
        name: &str,
        want: bool,
        timeout: Duration,
    ) -> bool {
        self.wait_props(path, iface, timeout, |m| {
            m.and_then(|m| prop_bool(m, name)) == Some(want)
        })
    }

    /// Poll until string property `name` equals `want`.
    pub fn wait_str(
        &self,
        path: &str,
        iface: &str,
        name: &str,
        want: &str,
        timeout: Duration,
    ) -> bool {
        self.wait_props(path, iface, timeout, |m| {
            m.and_then(|m| prop_str(m, name)).as_deref() == Some(want)
        })
    }

    /// Poll until the modem lists (or stops listing) `iface` in Interfaces.
    pub fn wait_interface(&self, iface: &str, present: bool, timeout: Duration) -> bool {
        self.wait_props(MODEM, MODEM_IFACE, timeout, |m| {
            let has = m
                .and_then(|m| prop_strs(m, "Interfaces"))
                .is_some_and(|v| v.iter().any(|i| i == iface));
            has == present
        })
    }

    /// Powered=true, Online=true, then wait for ConnectionManager
    /// Attached=true. Panics with the failing step.
    pub fn bring_up(&self, timeout: Duration) {
        self.set(MODEM, MODEM_IFACE, "Powered", true)
            .expect("set Powered=true");
        assert!(
            self.wait_interface(SIM_IFACE, true, timeout),
            "SimManager did not appear"
        );
        self.set(MODEM, MODEM_IFACE, "Online", true)
            .expect("set Online=true");
        assert!(
            self.wait_bool(MODEM, CM_IFACE, "Attached", true, timeout),
            "ConnectionManager never became Attached"
        );
    }

    /// Set APN then Active=true on `/phonesim/context1`.
    pub fn activate(&self, apn: &str) -> Result<(), dbus::Error> {
        self.set(CONTEXT1, CONTEXT_IFACE, "AccessPointName", apn.to_string())?;
        self.set(CONTEXT1, CONTEXT_IFACE, "Active", true)
    }
}

pub fn prop_bool(m: &PropMap, name: &str) -> Option<bool> {
    m.get(name)?.0.as_i64().map(|v| v != 0)
}

pub fn prop_str(m: &PropMap, name: &str) -> Option<String> {
    m.get(name)?.0.as_str().map(str::to_string)
}

pub fn prop_u64(m: &PropMap, name: &str) -> Option<u64> {
    m.get(name)?.0.as_u64()
}

pub fn prop_strs(m: &PropMap, name: &str) -> Option<Vec<String>> {
    let it = m.get(name)?.0.as_iter()?;
    Some(it.filter_map(|a| a.as_str().map(str::to_string)).collect())
}

/// A dict property (`a{sv}` or `a{sy}`, e.g. Settings, Retries) as
/// key -> value rendered with `as_str`/`as_i64`.
pub fn prop_dict(m: &PropMap, name: &str) -> Option<HashMap<String, String>> {
    let mut it = m.get(name)?.0.as_iter()?;
    let mut out = HashMap::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        let key = k.as_str()?.to_string();
        let val = render(v);
        out.insert(key, val);
    }
    Some(out)
}

fn render(v: &dyn RefArg) -> String {
    if let Some(s) = v.as_str() {
        return s.to_string();
    }
    if let Some(i) = v.as_i64() {
        return i.to_string();
    }
    // Variants wrap the real value one level down.
    if let Some(mut it) = v.as_iter()
        && let Some(inner) = it.next()
    {
        return render(inner);
    }
    format!("{v:?}")
}

/// The D-Bus error name, e.g. "org.ofono.Error.Failed".
#[allow(dead_code)]
pub fn error_name(e: &dbus::Error) -> &str {
    e.name().unwrap_or("")
}
