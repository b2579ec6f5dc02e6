//! A small blocking oFono client for the tests (not the daemon's own code):
//! the connection on the bench's private bus and the modem list, which is
//! what the harnesses need. Typed properties, waits and bring-up, for the
//! tests that drive oFono themselves, are in `ofono_props.rs`.

use std::time::Duration;

use dbus::Path as ObjPath;
use dbus::arg::PropMap;
use dbus::blocking::Connection;
use dbus::channel::Channel;

pub const SERVICE: &str = "org.ofono";
#[allow(dead_code)]
pub const MODEM: &str = "/phonesim";
pub const MANAGER_IFACE: &str = "org.ofono.Manager";

/// A connection to oFono on one bench bus.
pub struct Ofono {
    conn: Connection,
    /// Timeout of ordinary calls.
    pub timeout: Duration,
}

impl Ofono {
    /// Connect to the bus at `address` (no process-wide env var needed, so
    /// parallel tests each use their own bus).
    pub fn connect(address: &str) -> Result<Ofono, dbus::Error> {
        let mut ch = Channel::open_private(address)?;
        ch.register()?;
        Ok(Ofono {
            conn: Connection::from(ch),
            timeout: Duration::from_secs(10),
        })
    }

    #[allow(dead_code)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// `org.ofono.Manager.GetModems`: object paths and their properties.
    pub fn modems(&self) -> Result<Vec<(String, PropMap)>, dbus::Error> {
        let p = self.conn.with_proxy(SERVICE, "/", self.timeout);
        let (v,): (Vec<(ObjPath<'static>, PropMap)>,) =
            p.method_call(MANAGER_IFACE, "GetModems", ())?;
        Ok(v.into_iter().map(|(p, m)| (p.to_string(), m)).collect())
    }
}
