//! The simulated Huawei E367: two serial ports on ptys that oFono's huawei
//! driver opens, the AT dialect of `at.rs` over the bench's modem model, and
//! behind the dial the network's side of PPP, whose IP packets go to and
//! come from the operator's TUN interface. One thread pumps it all every
//! few milliseconds; tests inject faults through `&Dongle`.
//!
//! Plugging is told to oFono through the bench plugin's config file
//! (`plugged`, `generation`, port names, `syspath`).
//!
//! Here: the state and the handle tests hold, with the faults they
//! inject; `world.rs`: what the dongle does on its own (enumeration, AT
//! on the ports, PPP, the pump thread).

mod world;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::at::DialFaults;
use super::operator::SUBSCRIBER;
use super::ppp::{Auth, Event, Peer, PeerConfig};
use super::pty::Pty;
use super::tun::Tun;
use crate::bench::modem::Modem;
use world::pump;

/// The fake USB device under the test sysfs root, as a Pi names the
/// dongle on its one USB port.
pub const SYSPATH: &str = "/sys/devices/platform/soc/20980000.usb/usb1/1-1";
/// Between the ttys hanging up and the device leaving (and coming back):
/// a real re-enumeration takes about this long, and oFono 1.31 crashes if
/// the modem is removed at the very instant its ttys hang up.
const ENUMERATION: Duration = Duration::from_millis(300);
const TICK_MS: i32 = 5;

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
        w.end_session();
    }

    /// IP packets vanish both ways while PPP stays up (until a new dial).
    #[allow(dead_code)]
    pub fn set_black_hole(&self, on: bool) {
        self.world().black_hole = on;
    }

    /// The network detaches us: `+CGEV: NW DETACH` and `+CGREG: 0`.
    pub fn detach(&self) {
        let mut w = self.world();
        let lines = w.modem.detach();
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
    #[allow(dead_code)]
    pub fn deregister(&self) {
        let now = Instant::now();
        let mut w = self.world();
        let lines = w.modem.deregister();
        w.unsolicited(&lines);
        w.terminate_session(now);
    }

    /// Coverage back: `+CREG: 1`.
    #[allow(dead_code)]
    pub fn register(&self) {
        let mut w = self.world();
        let lines = w.modem.register();
        w.unsolicited(&lines);
    }

    /// The next `n` dials get `refusal` (`NO CARRIER`, `+CME ERROR: 30`...).
    #[allow(dead_code)]
    pub fn refuse_dials(&self, n: u32, refusal: &str) {
        let mut w = self.world();
        w.dial.refuse = n;
        w.dial.refusal = refusal.to_string();
    }

    /// The network deactivates each of the next `n` sessions as soon as
    /// it is up (a flapping network, everything below it healthy).
    #[allow(dead_code)]
    pub fn flap(&self, n: u32) {
        self.world().flaps = n;
    }

    /// oFono closed the ports (it died): DTR drops and a data call ends
    /// without a word, as a modem hangs up on DTR.
    pub fn ports_closed(&self) {
        self.world().call_dropped();
    }

    /// Dials get no answer (`false` ends it; the hung dial stays unanswered).
    #[allow(dead_code)]
    pub fn hang_dials(&self, on: bool) {
        self.world().dial.hang = on;
    }

    /// The SIM is pulled: registration goes, and with it the session (the
    /// modem's PPP ends it); commands needing the SIM get `+CME ERROR: 10`.
    /// The huawei plugin only notes `^SIMST:`.
    #[allow(dead_code)]
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
    #[allow(dead_code)]
    pub fn insert_sim(&self) {
        let mut w = self.world();
        w.modem.sim_present = true;
        let mut lines = vec!["^SIMST: 1".to_string()];
        lines.extend(w.modem.creg_unsolicited());
        w.unsolicited(&lines);
    }

    /// The firmware hangs: no port answers until the USB device is
    /// re-authorized (`authorized` 0 then 1), which re-enumerates it.
    #[allow(dead_code)]
    pub fn wedge(&self) {
        let mut w = self.world();
        w.wedged = true;
        w.end_session();
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
