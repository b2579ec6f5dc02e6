//! The modem simulator: a TCP server that oFono's `phonesim` plugin dials
//! when a client sets `Powered=true`, speaking AT through `modem::Modem`.
//!
//! Threads + std only: one acceptor thread, one reader thread per link.
//! All state sits behind one mutex; every change wakes one condvar, so
//! tests wait on conditions instead of sleeping. Answers and unsolicited
//! lines are written under that mutex, so they never interleave.
//!
//! Here: the handle and its queries; `faults.rs`: the faults tests inject
//! (each one model call, see `modem/faults.rs`); `link.rs`: the TCP side.

mod faults;
mod link;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::modem::Modem;
use link::close_current;

/// Direction of an AT line, seen from the modem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// oFono -> modem (a command).
    Received,
    /// modem -> oFono (an answer or an unsolicited result).
    Sent,
}

/// One AT line on the wire.
#[derive(Debug, Clone)]
pub struct AtLine {
    pub at: Instant,
    pub dir: Dir,
    /// Which TCP link (1 = first connection oFono made).
    #[allow(dead_code)]
    pub link: u64,
    pub line: String,
}

/// How the simulated modem starts.
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    /// `Some((pin, retries))`: the SIM asks for a PIN.
    pub pin: Option<(String, u8)>,
    /// Register as roaming (`+CREG: 5`) instead of home.
    pub roaming: bool,
    /// Start with no network coverage (`+CREG: 0`).
    pub no_network: bool,
}

struct Link {
    id: u64,
    stream: TcpStream,
}

struct Inner {
    modem: Modem,
    log: Vec<AtLine>,
    /// The link oFono currently talks on (a reset briefly overlaps two).
    current: Option<Link>,
    connections: u64,
    plugged: bool,
    stopping: bool,
}

struct Shared {
    inner: Mutex<Inner>,
    changed: Condvar,
    addr: SocketAddr,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

/// Cloneable, thread-safe handle on one simulated modem.
#[derive(Clone)]
pub struct ModemSim {
    shared: Arc<Shared>,
}

/// Read-only view handed to `wait_for` predicates (taken under the lock).
pub struct SimView<'a> {
    inner: &'a Inner,
}

impl SimView<'_> {
    pub fn modem(&self) -> &Modem {
        &self.inner.modem
    }
    pub fn is_active(&self, cid: u32) -> bool {
        self.inner
            .modem
            .contexts
            .get(&cid)
            .is_some_and(|p| p.active)
    }
    pub fn active_cids(&self) -> Vec<u32> {
        self.inner.modem.active_cids()
    }
    pub fn activation_count(&self) -> u32 {
        self.inner.modem.activation_count()
    }
    pub fn attached(&self) -> bool {
        self.inner.modem.attached
    }
    pub fn cfun(&self) -> u8 {
        self.inner.modem.cfun
    }
    pub fn connected(&self) -> bool {
        self.inner.current.is_some()
    }
    pub fn connections(&self) -> u64 {
        self.inner.connections
    }
    pub fn log(&self) -> &[AtLine] {
        &self.inner.log
    }
}

impl ModemSim {
    /// Listen on 127.0.0.1 with an ephemeral port.
    #[allow(dead_code)]
    pub fn start(config: SimConfig) -> io::Result<ModemSim> {
        ModemSim::start_on(config, 0)
    }

    /// Listen on 127.0.0.1:`port` (0: an ephemeral one), e.g. a port that
    /// a phonesim.conf written before the simulator runs already names.
    pub fn start_on(config: SimConfig, port: u16) -> io::Result<ModemSim> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let mut modem = Modem::new();
        if let Some((pin, retries)) = &config.pin {
            modem.lock_sim(pin, *retries);
        }
        modem.roaming = config.roaming;
        modem.network_available = !config.no_network;
        let inner = Inner {
            modem,
            log: Vec::new(),
            current: None,
            connections: 0,
            plugged: true,
            stopping: false,
        };
        let sim = ModemSim {
            shared: Arc::new(Shared {
                inner: Mutex::new(inner),
                changed: Condvar::new(),
                addr,
                acceptor: Mutex::new(None),
            }),
        };
        sim.spawn_acceptor(listener);
        Ok(sim)
    }

    #[allow(dead_code)]
    pub fn port(&self) -> u16 {
        self.shared.addr.port()
    }

    /// Stop accepting, close the link, end all threads. Idempotent.
    pub fn shutdown(&self) {
        self.close_link(|g| g.stopping = true);
    }

    /// Marks why (unplugged, stopping), closes oFono's link and stops
    /// accepting new ones.
    fn close_link(&self, why: impl FnOnce(&mut Inner)) {
        {
            let mut g = self.lock();
            why(&mut g);
            close_current(&mut g);
        }
        self.stop_acceptor();
        self.shared.changed.notify_all();
    }

    // ---------------------------------------------------------------- queries

    #[allow(dead_code)]
    pub fn is_active(&self, cid: u32) -> bool {
        self.view(|v| v.is_active(cid))
    }
    #[allow(dead_code)]
    pub fn active_cids(&self) -> Vec<u32> {
        self.view(|v| v.active_cids())
    }
    /// APN the modem has for `cid` (from the last `AT+CGDCONT`).
    #[allow(dead_code)]
    pub fn apn(&self, cid: u32) -> Option<String> {
        self.view(|v| v.modem().contexts.get(&cid).map(|p| p.apn.clone()))
    }
    /// Total `AT+CGACT=1,..` commands seen (failed and hung ones included).
    #[allow(dead_code)]
    pub fn activation_count(&self) -> u32 {
        self.view(|v| v.activation_count())
    }
    #[allow(dead_code)]
    pub fn activations_of(&self, cid: u32) -> u32 {
        self.view(|v| v.modem().activations.get(&cid).copied().unwrap_or(0))
    }
    #[allow(dead_code)]
    pub fn attached(&self) -> bool {
        self.view(|v| v.attached())
    }
    #[allow(dead_code)]
    pub fn cfun(&self) -> u8 {
        self.view(|v| v.cfun())
    }
    /// Is oFono's TCP link open?
    #[allow(dead_code)]
    pub fn connected(&self) -> bool {
        self.view(|v| v.connected())
    }
    /// Links accepted so far.
    #[allow(dead_code)]
    pub fn connections(&self) -> u64 {
        self.view(|v| v.connections())
    }
    #[allow(dead_code)]
    pub fn at_log(&self) -> Vec<AtLine> {
        self.view(|v| v.log().to_vec())
    }
    /// Commands the modem did not know (answered ERROR).
    #[allow(dead_code)]
    pub fn unknown_commands(&self) -> Vec<String> {
        self.view(|v| v.modem().unknown.clone())
    }
    /// Snapshot of the whole modem-side state.
    #[allow(dead_code)]
    pub fn modem(&self) -> Modem {
        self.view(|v| v.modem().clone())
    }

    /// Run `f` on the current state under the lock.
    pub fn view<T>(&self, f: impl FnOnce(&SimView) -> T) -> T {
        let g = self.lock();
        f(&SimView { inner: &g })
    }

    /// Wait until `pred` holds; false on timeout. Woken by every change.
    pub fn wait_for(&self, mut pred: impl FnMut(&SimView) -> bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut g = self.lock();
        loop {
            if pred(&SimView { inner: &g }) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            g = match self.shared.changed.wait_timeout(g, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// First line at or after `since` containing `pattern`, either direction.
    #[allow(dead_code)]
    pub fn wait_for_line(
        &self,
        pattern: &str,
        since: Instant,
        timeout: Duration,
    ) -> Option<AtLine> {
        let mut found = None;
        self.wait_for(
            |v| {
                found = v
                    .log()
                    .iter()
                    .find(|l| l.at >= since && l.line.contains(pattern))
                    .cloned();
                found.is_some()
            },
            timeout,
        );
        found
    }

    /// Lines received (commands) at or after `since` containing `pattern`.
    #[allow(dead_code)]
    pub fn received_since(&self, pattern: &str, since: Instant) -> Vec<AtLine> {
        self.view(|v| {
            v.log()
                .iter()
                .filter(|l| l.at >= since && l.dir == Dir::Received && l.line.contains(pattern))
                .cloned()
                .collect()
        })
    }
}
