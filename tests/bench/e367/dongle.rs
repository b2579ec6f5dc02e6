//! The simulated Huawei E367: two serial ports on ptys that oFono's huawei
//! driver opens, the AT dialect of `at.rs` over the bench's modem model, and
//! behind the dial the network's side of PPP, whose IP packets go to and
//! come from the operator's TUN interface. One thread pumps it all every
//! few milliseconds; tests inject faults through `&Dongle`.
//!
//! Plugging is told to oFono through the bench plugin's config file
//! (`plugged`, `generation`, port names, `syspath`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::at::{self, Answer, DialFaults, Port};
use super::operator::{DNS1, DNS2, GATEWAY, SUBSCRIBER};
use super::ppp::{Auth, Event, Peer, PeerConfig, Phase};
use super::pty::{Pty, wait_readable};
use super::tun::Tun;
use crate::bench::modem::Modem;

/// The fake USB device under the test sysfs root, as a Pi names the
/// dongle on its one USB port.
pub const SYSPATH: &str = "/sys/devices/platform/soc/20980000.usb/usb1/1-1";
/// Between the ttys hanging up and the device leaving (and coming back):
/// a real re-enumeration takes about this long, and oFono 1.31 crashes if
/// the modem is removed at the very instant its ttys hang up.
const ENUMERATION: Duration = Duration::from_millis(300);
const TICK_MS: i32 = 5;

/// One line on a port, with its time.
#[derive(Debug, Clone)]
pub struct Line {
    pub at: Instant,
    pub port: Port,
    /// true: oFono -> dongle.
    pub inbound: bool,
    pub text: String,
}

/// How the data port is used.
enum Data {
    Command,
    /// `CONNECT` sent; the network's PPP starts once oFono's does (its
    /// first frame), so that no frame of ours is lost while oFono is still
    /// taking `CONNECT` in, which would cost a 3 s restart timer.
    Dialled {
        cid: u32,
        cfg: PeerConfig,
    },
    Ppp {
        cid: u32,
        peer: Box<Peer>,
    },
}

struct Ports {
    pcui: Pty,
    modem: Pty,
    pcui_buf: Vec<u8>,
    modem_buf: Vec<u8>,
    data: Data,
}

/// What happens next without a test asking: the device leaving and coming back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enumeration {
    Leave(Instant, bool),
    Arrive(Instant),
}

pub struct World {
    pub modem: Modem,
    pub dial: DialFaults,
    pub ppp_auth: Auth,
    pub username: String,
    pub password: String,
    /// IP packets of the link are dropped both ways.
    pub black_hole: bool,
    /// The firmware hangs: nothing is answered until USB re-enumeration.
    pub wedged: bool,
    pub generation: u32,
    pub plugged: bool,
    /// PPP sessions that reached IPCP up.
    pub sessions: u32,
    /// Dials that got CONNECT, and when.
    pub connects: u32,
    pub connect_times: Vec<Instant>,
    /// Sessions still to deactivate right after they come up.
    pub flaps: u32,
    pub packets_up: u64,
    pub packets_down: u64,
    pub log: Vec<Line>,
    pub ppp_events: Vec<(Instant, Event)>,
    ports: Option<Ports>,
    next: Option<Enumeration>,
    ticks: u64,
    /// Left because its USB device was de-authorized: comes back on "1".
    deauthorized: bool,
    tun: Tun,
    config: PathBuf,
    sysroot: PathBuf,
}

struct Shared {
    world: Mutex<World>,
    stop: AtomicBool,
}

pub struct Dongle {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Dongle {
    /// A plugged-in dongle; `tun` is the operator's end of the link,
    /// `config` the plugin's file, `sysroot` the test sysfs root.
    pub fn start(tun: Tun, config: &Path, sysroot: &Path) -> Dongle {
        let device = sysroot.join(SYSPATH.trim_start_matches('/'));
        std::fs::create_dir_all(&device).expect("fake USB device");
        std::fs::write(device.join("idVendor"), "12d1\n").expect("idVendor");
        std::fs::write(device.join("idProduct"), "1506\n").expect("idProduct");
        std::fs::write(device.join("authorized"), "1\n").expect("authorized");
        let mut world = World {
            modem: Modem::new(),
            dial: DialFaults::default(),
            ppp_auth: Auth::Chap,
            username: String::new(),
            password: String::new(),
            black_hole: false,
            wedged: false,
            generation: 0,
            plugged: false,
            sessions: 0,
            connects: 0,
            connect_times: Vec::new(),
            flaps: 0,
            packets_up: 0,
            packets_down: 0,
            log: Vec::new(),
            ppp_events: Vec::new(),
            ports: None,
            next: None,
            ticks: 0,
            deauthorized: false,
            tun,
            config: config.to_path_buf(),
            sysroot: sysroot.to_path_buf(),
        };
        world.modem.power_cycle();
        world.arrive();
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let thread = std::thread::spawn(move || pump(&s));
        Dongle {
            shared,
            thread: Some(thread),
        }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.shared.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait until `pred` holds (checked every 5 ms).
    pub fn wait_for(&self, timeout: Duration, mut pred: impl FnMut(&World) -> bool) -> bool {
        let end = Instant::now() + timeout;
        loop {
            if pred(&self.world()) {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A PPP session is up (IPCP opened) for some context.
    pub fn link_up(&self) -> bool {
        self.world().link_up()
    }

    /// Lines oFono sent since `t` that start with `prefix`.
    pub fn sent_since(&self, prefix: &str, t: Instant) -> Vec<Line> {
        self.world()
            .log
            .iter()
            .filter(|l| l.inbound && l.at >= t && l.text.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// The network ends the PPP session with an LCP Terminate-Request.
    pub fn lcp_terminate(&self) {
        let now = Instant::now();
        let mut w = self.world();
        w.terminate_session(now);
    }

    /// The network deactivates the PDP context: `+CGEV: NW DEACT` on Pcui.
    pub fn network_deactivate(&self) {
        let mut w = self.world();
        let cid = w.ppp_cid().unwrap_or(1);
        let addr = super::operator::ip4(SUBSCRIBER);
        w.unsolicited(&[format!("+CGEV: NW DEACT \"IP\",\"{addr}\",{cid}")]);
    }

    /// The carrier drops with no LCP goodbye: the port says `NO CARRIER`
    /// and the PPP peer is gone. oFono 1.31 never notices (a ghost).
    pub fn drop_carrier(&self) {
        let mut w = self.world();
        w.end_session(false);
    }

    /// IP packets vanish both ways while PPP stays up (until a new dial).
    pub fn set_black_hole(&self, on: bool) {
        self.world().black_hole = on;
    }

    /// The network detaches us: `+CGEV: NW DETACH` and `+CGREG: 0`.
    pub fn detach(&self) {
        let mut w = self.world();
        w.modem.attached = false;
        w.modem.drop_contexts();
        let mut lines = vec!["+CGEV: NW DETACH".to_string()];
        lines.extend(w.modem.cgreg_unsolicited());
        w.unsolicited(&lines);
    }

    /// Packet service available again: `+CGREG: 1`.
    pub fn attach(&self) {
        let mut w = self.world();
        if w.modem.creg_stat() != 0 {
            w.modem.attached = true;
        }
        let lines: Vec<String> = w.modem.cgreg_unsolicited().into_iter().collect();
        w.unsolicited(&lines);
    }

    /// Coverage lost: `+CREG: 0`, `+CGREG: 0`; the modem's PPP ends the
    /// session (Terminate-Request, then `NO CARRIER`), as a dongle does when
    /// its PDP context goes.
    pub fn deregister(&self) {
        let now = Instant::now();
        let mut w = self.world();
        w.modem.network_available = false;
        w.modem.radio_lost();
        let mut lines: Vec<String> = w.modem.creg_unsolicited().into_iter().collect();
        lines.extend(w.modem.cgreg_unsolicited());
        w.unsolicited(&lines);
        w.terminate_session(now);
    }

    /// Coverage back: `+CREG: 1`.
    pub fn register(&self) {
        let mut w = self.world();
        w.modem.network_available = true;
        let lines: Vec<String> = w.modem.creg_unsolicited().into_iter().collect();
        w.unsolicited(&lines);
    }

    /// The next `n` dials get `refusal` (`NO CARRIER`, `+CME ERROR: 30`...).
    pub fn refuse_dials(&self, n: u32, refusal: &str) {
        let mut w = self.world();
        w.dial.refuse = n;
        w.dial.refusal = refusal.to_string();
    }

    /// The network deactivates each of the next `n` sessions as soon as
    /// it is up (a flapping network, everything below it healthy).
    pub fn flap(&self, n: u32) {
        self.world().flaps = n;
    }

    /// oFono closed the ports (it died): DTR drops and a data call ends
    /// without a word, as a modem hangs up on DTR.
    pub fn ports_closed(&self) {
        self.world().call_dropped();
    }

    /// Dials get no answer (`false` ends it; the hung dial stays unanswered).
    pub fn hang_dials(&self, on: bool) {
        self.world().dial.hang = on;
    }

    /// The SIM is pulled: registration goes, and with it the session (the
    /// modem's PPP ends it); commands needing the SIM get `+CME ERROR: 10`.
    /// The huawei plugin only notes `^SIMST:`.
    pub fn remove_sim(&self) {
        let now = Instant::now();
        let mut w = self.world();
        w.modem.sim_present = false;
        w.modem.radio_lost();
        let mut lines = vec!["^SIMST: 255".to_string()];
        lines.extend(w.modem.creg_unsolicited());
        lines.extend(w.modem.cgreg_unsolicited());
        w.unsolicited(&lines);
        w.terminate_session(now);
    }

    /// The SIM is back: `^SIMST: 1`, and the firmware searches and
    /// registers again by itself (`+CREG: 1`); oFono does not read the SIM
    /// again (the same card, the same IMSI).
    pub fn insert_sim(&self) {
        let mut w = self.world();
        w.modem.sim_present = true;
        let mut lines = vec!["^SIMST: 1".to_string()];
        lines.extend(w.modem.creg_unsolicited());
        w.unsolicited(&lines);
    }

    /// The firmware hangs: no port answers until the USB device is
    /// re-authorized (`authorized` 0 then 1), which re-enumerates it.
    pub fn wedge(&self) {
        let mut w = self.world();
        w.wedged = true;
        w.end_session(false);
    }

    /// The dongle resets itself: ttys hang up, it leaves and comes back.
    pub fn reset(&self) {
        self.world().leave(true);
    }

    /// Pulled out of the USB port.
    pub fn unplug(&self) {
        self.world().leave(false);
    }

    /// Plugged back in (a new generation: oFono gives it a new path).
    pub fn replug(&self) {
        let mut w = self.world();
        if !w.plugged && w.next.is_none() {
            w.arrive();
        }
    }
}

impl Drop for Dongle {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl World {
    /// The modem's (the network's) PPP ends the session with a
    /// Terminate-Request; `NO CARRIER` follows the exchange.
    fn terminate_session(&mut self, now: Instant) {
        if let Some(Ports {
            data: Data::Ppp { peer, .. },
            ..
        }) = self.ports.as_mut()
        {
            peer.terminate(now);
        }
    }

    /// The data call ends without a word (DTR dropped, radio off).
    fn call_dropped(&mut self) {
        if let Some(p) = self.ports.as_mut()
            && let Data::Ppp { cid, .. } | Data::Dialled { cid, .. } = p.data
        {
            p.data = Data::Command;
            p.modem_buf.clear();
            if let Some(pdp) = self.modem.contexts.get_mut(&cid) {
                pdp.active = false;
            }
        }
    }

    pub fn link_up(&self) -> bool {
        matches!(
            self.ports.as_ref().map(|p| &p.data),
            Some(Data::Ppp { peer, .. }) if peer.phase() == Phase::Open
        )
    }

    pub fn ppp_cid(&self) -> Option<u32> {
        match self.ports.as_ref().map(|p| &p.data) {
            Some(Data::Ppp { cid, .. }) => Some(*cid),
            _ => None,
        }
    }

    /// The modem port's pty name, while plugged.
    pub fn port_names(&self) -> Option<(String, String)> {
        self.ports
            .as_ref()
            .map(|p| (p.modem.name.clone(), p.pcui.name.clone()))
    }

    fn authorized_path(&self) -> PathBuf {
        self.sysroot
            .join(SYSPATH.trim_start_matches('/'))
            .join("authorized")
    }

    fn publish(&self) {
        let mut text = format!(
            "plugged={}\ngeneration={}\nsyspath={SYSPATH}\n",
            u8::from(self.plugged),
            self.generation
        );
        if let Some((modem, pcui)) = self.port_names() {
            text.push_str(&format!("modem={modem}\npcui={pcui}\n"));
        }
        let tmp = self.config.with_extension("tmp");
        std::fs::write(&tmp, text).expect("write plugin config");
        std::fs::rename(&tmp, &self.config).expect("rename plugin config");
    }

    fn arrive(&mut self) {
        let pcui = Pty::open().expect("open Pcui pty");
        let modem = Pty::open().expect("open Modem pty");
        self.ports = Some(Ports {
            pcui,
            modem,
            pcui_buf: Vec::new(),
            modem_buf: Vec::new(),
            data: Data::Command,
        });
        self.modem.power_cycle();
        self.modem.cfun = 1;
        self.wedged = false;
        self.plugged = true;
        self.generation += 1;
        self.next = None;
        self.publish();
    }

    /// Ttys hang up now; the device leaves a moment later (and with
    /// `back`, arrives again after as long).
    fn leave(&mut self, back: bool) {
        if self.ports.is_none() && !self.plugged {
            return;
        }
        self.ports = None; // closing the masters is the hang-up
        self.modem.power_cycle();
        self.next = Some(Enumeration::Leave(Instant::now() + ENUMERATION, back));
    }

    fn unsolicited(&mut self, lines: &[String]) {
        if self.wedged {
            return;
        }
        let Some(p) = self.ports.as_ref() else { return };
        p.pcui.write_all(&at::wire(lines));
        let now = Instant::now();
        for l in lines {
            self.log.push(Line {
                at: now,
                port: Port::Pcui,
                inbound: false,
                text: l.clone(),
            });
        }
    }

    /// The session is over (`by_lcp`: after a Terminate exchange):
    /// `NO CARRIER` on the data port, which is back in command mode.
    fn end_session(&mut self, by_lcp: bool) {
        let Some(p) = self.ports.as_mut() else { return };
        let cid = match p.data {
            Data::Ppp { cid, .. } | Data::Dialled { cid, .. } => cid,
            Data::Command => return,
        };
        p.data = Data::Command;
        p.modem_buf.clear();
        if let Some(pdp) = self.modem.contexts.get_mut(&cid) {
            pdp.active = false;
        }
        if !self.wedged {
            let lines = vec!["NO CARRIER".to_string()];
            p.modem.write_all(&at::wire(&lines));
            self.log.push(Line {
                at: Instant::now(),
                port: Port::Modem,
                inbound: false,
                text: format!("NO CARRIER{}", if by_lcp { "" } else { " (no LCP)" }),
            });
        }
    }

    fn command(&mut self, port: Port, line: String, now: Instant) {
        self.log.push(Line {
            at: now,
            port,
            inbound: true,
            text: line.clone(),
        });
        let answer = at::handle(&mut self.modem, &mut self.dial, port, &line);
        // Radio off (oFono powering the modem down, or offline): a data
        // call does not survive it, and oFono reopens the data port in
        // command mode afterwards.
        if self.modem.cfun != 1 {
            self.call_dropped();
        }
        let (lines, connect) = match answer {
            Answer::Reply(l) => (l, None),
            Answer::Silence => return,
            Answer::Connect(cid) => (vec!["CONNECT".to_string()], Some(cid)),
        };
        let Some(p) = self.ports.as_mut() else { return };
        let pty = match port {
            Port::Pcui => &p.pcui,
            Port::Modem => &p.modem,
        };
        pty.write_all(&at::wire(&lines));
        for l in lines {
            self.log.push(Line {
                at: now,
                port,
                inbound: false,
                text: l,
            });
        }
        if let Some(cid) = connect {
            self.connects += 1;
            self.connect_times.push(now);
            // A black hole is the old session's; a new one works.
            self.black_hole = false;
            let cfg = PeerConfig {
                auth: self.ppp_auth,
                username: self.username.clone(),
                password: self.password.clone(),
                local_ip: GATEWAY,
                peer_ip: SUBSCRIBER,
                dns: [DNS1, DNS2],
            };
            p.data = Data::Dialled { cid, cfg };
        }
    }

    /// One round: ports, PPP, TUN, timers, enumeration.
    fn step(&mut self, now: Instant) {
        match self.next {
            Some(Enumeration::Leave(t, back)) if now >= t => {
                self.plugged = false;
                self.publish();
                self.next = back.then(|| Enumeration::Arrive(now + ENUMERATION));
            }
            Some(Enumeration::Arrive(t)) if now >= t => self.arrive(),
            _ => {}
        }
        // The daemon's USB reset works on any dongle; looked at every 50 ms.
        self.ticks += 1;
        if self.wedged || self.ticks.is_multiple_of(10) {
            self.watch_authorized();
        }
        let Some(p) = self.ports.as_mut() else { return };
        let pcui_in = p.pcui.read_some();
        let modem_in = p.modem.read_some();
        if self.wedged {
            return;
        }
        p.pcui_buf.extend_from_slice(&pcui_in);
        let pcui_lines = at::take_lines(&mut p.pcui_buf);
        let mut modem_lines = Vec::new();
        match &mut p.data {
            Data::Command => {
                p.modem_buf.extend_from_slice(&modem_in);
                modem_lines = at::take_lines(&mut p.modem_buf);
            }
            Data::Ppp { peer, .. } => {
                if !modem_in.is_empty() {
                    peer.receive(&modem_in, now);
                }
            }
            Data::Dialled { cid, cfg } if !modem_in.is_empty() => {
                let mut peer = Box::new(Peer::new(cfg.clone(), now));
                peer.receive(&modem_in, now);
                p.data = Data::Ppp { cid: *cid, peer };
            }
            Data::Dialled { .. } => {}
        }
        for l in pcui_lines {
            self.command(Port::Pcui, l, now);
        }
        for l in modem_lines {
            self.command(Port::Modem, l, now);
        }
        self.pump_ppp(now);
    }

    fn pump_ppp(&mut self, now: Instant) {
        let Some(p) = self.ports.as_mut() else { return };
        let Data::Ppp { peer, .. } = &mut p.data else {
            return;
        };
        if peer.poll_timeout().is_some_and(|t| t <= now) {
            peer.handle_timeout(now);
        }
        if peer.phase() == Phase::Open {
            while let Some(packet) = self.tun.read_packet() {
                if !self.black_hole {
                    self.packets_down += 1;
                    peer.send_ip(&packet);
                }
            }
        }
        while let Some(packet) = peer.take_ip() {
            if !self.black_hole {
                self.packets_up += 1;
                self.tun.write_packet(&packet);
            }
        }
        while let Some(frame) = peer.transmit() {
            p.modem.write_all(&frame);
        }
        let mut ended = None;
        let mut flap = false;
        while let Some(e) = peer.poll_event() {
            if matches!(e, Event::IpcpUp { .. }) {
                self.sessions += 1;
                if self.flaps > 0 {
                    self.flaps -= 1;
                    flap = true;
                }
            }
            if let Event::Terminated { by_peer } = e {
                ended = Some(by_peer);
            }
            self.ppp_events.push((now, e));
        }
        if ended.is_some() {
            self.end_session(true);
        }
        if flap {
            let cid = self.ppp_cid().unwrap_or(1);
            let addr = super::operator::ip4(SUBSCRIBER);
            self.unsolicited(&[format!("+CGEV: NW DEACT \"IP\",\"{addr}\",{cid}")]);
        }
    }

    /// A wedged dongle comes back when its USB device is de- and
    /// re-authorized, as the kernel then re-enumerates it.
    fn watch_authorized(&mut self) {
        let flag = std::fs::read_to_string(self.authorized_path()).unwrap_or_default();
        if flag.trim() == "0" && self.ports.is_some() {
            self.deauthorized = true;
            self.leave(false);
        } else if flag.trim() == "1" && self.deauthorized && self.next.is_none() && !self.plugged {
            // Gone for good only after it has left (not while leaving).
            self.deauthorized = false;
            self.arrive();
        }
    }
}

fn pump(shared: &Shared) {
    let mut drain_tun = 0u32;
    while !shared.stop.load(Ordering::Relaxed) {
        let fds: Vec<i32> = {
            let w = shared.world.lock().unwrap_or_else(|e| e.into_inner());
            let mut v = vec![w.tun.fd()];
            if let Some(p) = &w.ports {
                v.push(p.pcui.fd());
                v.push(p.modem.fd());
            }
            v
        };
        wait_readable(&fds, TICK_MS);
        let mut w = shared.world.lock().unwrap_or_else(|e| e.into_inner());
        w.step(Instant::now());
        // Packets for a link that is down are dropped, not queued.
        drain_tun += 1;
        if !w.link_up() && drain_tun.is_multiple_of(4) {
            while w.tun.read_packet().is_some() {}
        }
    }
}
