//! The modem simulator: a TCP server that oFono's `phonesim` plugin dials
//! when a client sets `Powered=true`, speaking AT through `modem::Modem`.
//!
//! Threads + std only: one acceptor thread, one reader thread per link.
//! All state sits behind one mutex; every change wakes one condvar, so
//! tests wait on conditions instead of sleeping. Answers and unsolicited
//! lines are written under that mutex, so they never interleave.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::modem::{Modem, PinLock, Reply};

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
    pub fn start(config: SimConfig) -> io::Result<ModemSim> {
        ModemSim::start_on(config, 0)
    }

    /// Listen on 127.0.0.1:`port` (0: an ephemeral one), e.g. a port that
    /// a phonesim.conf written before the simulator runs already names.
    pub fn start_on(config: SimConfig, port: u16) -> io::Result<ModemSim> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let mut modem = Modem::new();
        modem.pin_lock = config.pin.map(|(pin, retries)| PinLock {
            pin,
            retries,
            puk_retries: 10,
        });
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

    pub fn port(&self) -> u16 {
        self.shared.addr.port()
    }

    /// Stop accepting, close the link, end all threads. Idempotent.
    pub fn shutdown(&self) {
        {
            let mut g = self.lock();
            g.stopping = true;
            close_current(&mut g);
        }
        self.stop_acceptor();
        self.shared.changed.notify_all();
    }

    // ---------------------------------------------------------------- queries

    pub fn is_active(&self, cid: u32) -> bool {
        self.view(|v| v.is_active(cid))
    }
    pub fn active_cids(&self) -> Vec<u32> {
        self.view(|v| v.active_cids())
    }
    /// APN the modem has for `cid` (from the last `AT+CGDCONT`).
    pub fn apn(&self, cid: u32) -> Option<String> {
        self.view(|v| v.modem().contexts.get(&cid).map(|p| p.apn.clone()))
    }
    /// Total `AT+CGACT=1,..` commands seen (failed and hung ones included).
    pub fn activation_count(&self) -> u32 {
        self.view(|v| v.activation_count())
    }
    pub fn activations_of(&self, cid: u32) -> u32 {
        self.view(|v| v.modem().activations.get(&cid).copied().unwrap_or(0))
    }
    pub fn attached(&self) -> bool {
        self.view(|v| v.attached())
    }
    pub fn cfun(&self) -> u8 {
        self.view(|v| v.cfun())
    }
    /// Is oFono's TCP link open?
    pub fn connected(&self) -> bool {
        self.view(|v| v.connected())
    }
    /// Links accepted so far.
    pub fn connections(&self) -> u64 {
        self.view(|v| v.connections())
    }
    pub fn at_log(&self) -> Vec<AtLine> {
        self.view(|v| v.log().to_vec())
    }
    /// Commands the modem did not know (answered ERROR).
    pub fn unknown_commands(&self) -> Vec<String> {
        self.view(|v| v.modem().unknown.clone())
    }
    /// Snapshot of the whole modem-side state.
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
    pub fn received_since(&self, pattern: &str, since: Instant) -> Vec<AtLine> {
        self.view(|v| {
            v.log()
                .iter()
                .filter(|l| l.at >= since && l.dir == Dir::Received && l.line.contains(pattern))
                .cloned()
                .collect()
        })
    }

    // ----------------------------------------------------------------- faults

    /// Modem reset: sends `+CRST: 1`; contexts are gone at the modem.
    /// oFono 1.31 (phonesim.c crst_notify -> ofono_modem_reset) drops the
    /// link and dials again (~5 ms); the context object vanishes (~5 ms,
    /// UnknownObject), the modem re-powers and, as it was online, goes
    /// online again: Attached=true after ~17 ms, context back with
    /// Active=false, never re-activated. Powered=false is signalled but
    /// Powered=true is not (GetProperties says true throughout).
    pub fn reset(&self) {
        self.mutate(|m| {
            m.power_cycle();
            vec!["+CRST: 1".into()]
        });
    }

    /// The network drops context `cid` (`+CGEV: NW DEACT`). oFono 1.31's
    /// phonesim context driver ignores +CGEV, so the context stays
    /// Active=true in oFono for ever (a ghost), Attached stays true.
    /// Active=false then true re-activates it for real.
    pub fn network_deactivate(&self, cid: u32) {
        self.mutate(|m| {
            if let Some(p) = m.contexts.get_mut(&cid) {
                p.active = false;
            }
            vec![format!("+CGEV: NW DEACT \"IP\",\"10.64.0.{cid}\",{cid}")]
        });
    }

    /// The network detaches us (`+CGEV: NW DETACH`, `+CGREG: 0`). oFono sets
    /// Attached=false within ~0.5 ms but keeps contexts Active=true (ghosts:
    /// the phonesim driver has no detach_shutdown), and does not re-attach
    /// by itself (no `AT+CGATT=1`).
    pub fn detach(&self) {
        self.mutate(|m| {
            m.radio_lost();
            let mut out = vec!["+CGEV: NW DETACH".to_string()];
            out.extend(m.cgreg_unsolicited());
            out
        });
    }

    /// The network attaches us again (`+CGREG: 1|5`). oFono sets
    /// Attached=true within ~1 ms (if roaming is allowed when roaming);
    /// a ghost context stays a ghost.
    pub fn attach(&self) {
        self.mutate(|m| {
            if m.creg_stat() == 0 {
                return Vec::new();
            }
            m.attached = true;
            m.cgreg_unsolicited().into_iter().collect()
        });
    }

    /// Loss of coverage: `+CREG: 0` (and `+CGREG: 0`). oFono sends
    /// `AT+CGATT=0` at once, Attached=false (~2 ms), Status "unregistered";
    /// active contexts stay Active=true (ghosts); Active=true on them then
    /// fails with NotAttached.
    pub fn deregister(&self) {
        self.mutate(|m| {
            m.network_available = false;
            m.radio_lost();
            let mut out: Vec<String> = m.creg_unsolicited().into_iter().collect();
            out.extend(m.cgreg_unsolicited());
            out
        });
    }

    /// Coverage back: `+CREG: 1|5`. oFono sends `AT+CGATT=1` itself and
    /// becomes Attached in ~3 ms (home, or roaming if allowed).
    pub fn register(&self) {
        self.mutate(|m| {
            m.network_available = true;
            m.creg_unsolicited().into_iter().collect()
        });
    }

    /// Switch between home (`+CREG: 1`) and roaming (`+CREG: 5`). With
    /// RoamingAllowed=false oFono answers roaming with `AT+CGATT=0`
    /// (Attached=false in ~2 ms, Status "roaming"); setting
    /// RoamingAllowed=true (or going home) makes it attach again.
    pub fn set_roaming(&self, roaming: bool) {
        self.mutate(|m| {
            m.roaming = roaming;
            let mut out: Vec<String> = m.creg_unsolicited().into_iter().collect();
            if m.attached {
                out.extend(m.cgreg_unsolicited());
            }
            out
        });
    }

    /// Answer the next `n` `AT+CGACT=1` with `ERROR`. oFono returns
    /// org.ofono.Error.Failed ~0.3 ms after the ERROR and never retries.
    pub fn fail_next_activations(&self, n: u32) {
        self.mutate(|m| {
            m.faults.fail_activations = n;
            Vec::new()
        });
    }

    /// Make `AT+CGATT=1` fail (`+CME ERROR: 30`) while set. oFono never
    /// retries a failed attach on its own.
    pub fn fail_attach(&self, fail: bool) {
        self.mutate(|m| {
            m.faults.fail_attach = fail;
            Vec::new()
        });
    }

    /// Never answer `AT+CGACT=1` while set. oFono's D-Bus call gets no
    /// reply at all (the caller's own timeout fires), later SetProperty
    /// calls get InProgress, and every later AT command queues behind it.
    pub fn hang_activations(&self, hang: bool) {
        self.mutate(|m| {
            m.faults.hang_activations = hang;
            Vec::new()
        });
    }

    /// Stop hanging and answer the held `AT+CGACT=1` (OK, context active).
    pub fn release_hang(&self) {
        self.mutate(|m| {
            m.faults.hang_activations = false;
            m.release_held().unwrap_or_default()
        });
    }

    /// Close oFono's link (modem side). oFono 1.31 sets Powered=false
    /// (~5 ms; Online=false, all interfaces gone, Online=true -> NotAvailable)
    /// and does not dial again by itself; after Powered=true, Online stays
    /// false until set again.
    pub fn hangup(&self) {
        let mut g = self.lock();
        close_current(&mut g);
        drop(g);
        self.shared.changed.notify_all();
    }

    /// Close the link and refuse connections (the listening socket is
    /// closed) until `replug`. oFono: Powered=false as for `hangup`;
    /// Powered=true fails at once (<1 ms) with org.ofono.Error.Failed.
    pub fn unplug(&self) {
        {
            let mut g = self.lock();
            g.plugged = false;
            close_current(&mut g);
        }
        self.stop_acceptor();
        self.shared.changed.notify_all();
    }

    /// Listen again on the same port.
    pub fn replug(&self) -> io::Result<()> {
        let listener = TcpListener::bind(self.shared.addr)?;
        self.lock().plugged = true;
        self.spawn_acceptor(listener);
        Ok(())
    }

    /// Pull the SIM: `+USIMSTATE: 0`. oFono removes the SIM-dependent
    /// interfaces (ConnectionManager, NetworkRegistration, ...; the context
    /// object vanishes) and SimManager shows only Present=false (~5 ms).
    /// Contexts are gone at the modem.
    pub fn remove_sim(&self) {
        self.mutate(|m| {
            m.sim_present = false;
            m.pin_entered = false;
            m.radio_lost();
            vec!["+USIMSTATE: 0".into()]
        });
    }

    /// Put the SIM back: `+USIMSTATE: 1`. oFono re-reads it (Present=true,
    /// PinRequired as configured) and rebuilds the SIM-dependent atoms; if
    /// still Online it re-attaches (~7 ms), context back with Active=false.
    pub fn insert_sim(&self) {
        self.mutate(|m| {
            m.sim_present = true;
            vec!["+USIMSTATE: 1".into()]
        });
    }

    /// Require PIN `pin` with `retries` attempts left from the next power-up
    /// (or SIM insertion) on.
    pub fn lock_sim(&self, pin: &str, retries: u8) {
        self.mutate(|m| {
            m.pin_lock = Some(PinLock {
                pin: pin.into(),
                retries,
                puk_retries: 10,
            });
            m.pin_entered = false;
            Vec::new()
        });
    }

    /// After a correct PIN the simulator announces the SIM again
    /// (`+USIMSTATE: 0` then `1`, on by default) so that oFono 1.31 leaves
    /// "Waiting for ofono_sim_initialized_notify" and reads `AT+CPIN?`
    /// again: SimManager flips Present false->true and PinRequired becomes
    /// "none" ~2 ms after EnterPin's reply. With `false` you get raw 1.31 +
    /// phonesim: EnterPin succeeds but PinRequired stays "pin" for ever
    /// (only a later failing SIM call makes oFono re-check).
    pub fn set_pin_ready_notice(&self, on: bool) {
        self.mutate(|m| {
            m.pin_ready_notice = on;
            Vec::new()
        });
    }

    /// Send `+CSQ: <rssi>,99` with a new value and return the Strength
    /// oFono will publish for it; once NetworkRegistration.Strength shows
    /// that value, oFono has processed every line sent before (a barrier).
    pub fn send_signal_barrier(&self) -> u8 {
        let mut rssi = 0;
        self.mutate(|m| {
            rssi = m.bump_rssi();
            vec![format!("+CSQ: {rssi},99")]
        });
        // oFono's at_util_convert_signal_strength: rssi * 100 / 31.
        (u32::from(rssi) * 100 / 31) as u8
    }

    /// Send an arbitrary unsolicited line.
    pub fn send_unsolicited(&self, line: &str) {
        self.mutate(|_| vec![line.to_string()]);
    }

    // -------------------------------------------------------------- internals

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not wedge teardown: ignore poison.
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Change the modem and send the lines `f` returns on the current link.
    fn mutate(&self, f: impl FnOnce(&mut Modem) -> Vec<String>) {
        let mut g = self.lock();
        let out = f(&mut g.modem);
        send_lines(&mut g, &out);
        drop(g);
        self.shared.changed.notify_all();
    }

    fn spawn_acceptor(&self, listener: TcpListener) {
        let sim = self.clone();
        let h = thread::Builder::new()
            .name("modemsim-accept".into())
            .spawn(move || sim.accept_loop(listener))
            .expect("spawn acceptor thread");
        *self
            .shared
            .acceptor
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(h);
    }

    /// Wake the acceptor with a connection of our own, then join it, so the
    /// port is closed when this returns.
    fn stop_acceptor(&self) {
        let h = self
            .shared
            .acceptor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = h {
            let _ = TcpStream::connect_timeout(&self.shared.addr, Duration::from_secs(1));
            let _ = h.join();
        }
    }

    fn accept_loop(&self, listener: TcpListener) {
        for stream in listener.incoming() {
            let mut g = self.lock();
            if g.stopping || !g.plugged {
                return; // drops the listener: connections are refused now
            }
            let Ok(stream) = stream else { continue };
            let _ = stream.set_nodelay(true);
            let Ok(writer) = stream.try_clone() else {
                continue;
            };
            g.connections += 1;
            let id = g.connections;
            // A new link is a freshly powered modem. An older link (after a
            // reset oFono dials before closing the old one) is left for oFono
            // to close: shutting it here could fire its disconnect handler.
            g.modem.power_cycle();
            g.current = Some(Link { id, stream: writer });
            drop(g);
            self.shared.changed.notify_all();
            let sim = self.clone();
            let _ = thread::Builder::new()
                .name(format!("modemsim-link{id}"))
                .spawn(move || sim.read_loop(id, stream));
        }
    }

    fn read_loop(&self, id: u64, mut stream: TcpStream) {
        let mut buf = [0u8; 4096];
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let n = match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            while let Some(pos) = pending.iter().position(|b| *b == b'\r' || *b == b'\n') {
                let raw: Vec<u8> = pending.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&raw[..raw.len() - 1])
                    .trim()
                    .to_string();
                if !line.is_empty() {
                    self.on_command(id, &line);
                }
            }
        }
        self.on_link_closed(id);
    }

    fn on_command(&self, id: u64, line: &str) {
        let mut g = self.lock();
        g.log.push(AtLine {
            at: Instant::now(),
            dir: Dir::Received,
            link: id,
            line: line.to_string(),
        });
        // Commands on a link we already replaced (a reset overlap) are ignored.
        if g.current.as_ref().is_some_and(|l| l.id == id)
            && let Reply::Lines(out) = g.modem.handle(line)
        {
            send_lines(&mut g, &out);
        }
        drop(g);
        self.shared.changed.notify_all();
    }

    fn on_link_closed(&self, id: u64) {
        let mut g = self.lock();
        if g.current.as_ref().is_some_and(|l| l.id == id) {
            g.current = None;
            // oFono powered the modem down (or the link died): radio state lost.
            g.modem.power_cycle();
            g.modem.cfun = 0;
        }
        drop(g);
        self.shared.changed.notify_all();
    }
}

/// Write lines to the current link (if any) and log them as sent.
fn send_lines(g: &mut Inner, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let Some(link) = g.current.as_mut() else {
        return;
    };
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(l.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    let id = link.id;
    // A failed write means oFono went away; the reader will notice EOF.
    let _ = link.stream.write_all(&bytes);
    let now = Instant::now();
    for l in lines {
        g.log.push(AtLine {
            at: now,
            dir: Dir::Sent,
            link: id,
            line: l.clone(),
        });
    }
}

/// Shut the current link down; its reader thread sees EOF and exits.
fn close_current(g: &mut Inner) {
    if let Some(link) = g.current.take() {
        let _ = link.stream.shutdown(Shutdown::Both);
        g.modem.power_cycle();
        g.modem.cfun = 0;
    }
}
