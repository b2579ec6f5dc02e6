//! The demo on the E367 bench: real ofonod 1.31 with its `huawei` driver and
//! PPP against a simulated Huawei E367, the operator's network behind it.
//! psendurance runs on its defaults; a different fault every few seconds,
//! each timed from the fault's end to a DNS answer and a TCP banner through
//! ppp0. `tests/scripts.rs` runs it too, with a short duration.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::bench::Daemon;
use crate::e367::E367Bench;
use crate::e367::harness::dns_a;
use crate::e367::operator::{BANNER, WEB_PORT};

/// As a user runs it: only the APN; every timing is the default.
pub const DAEMON_ARGS: [&str; 4] = ["-f", "-v", "--apn", "internet"];
/// A slow fault starts only with this much time left before --duration.
pub const SLOW_NEEDS: Duration = Duration::from_secs(150);

pub struct Config {
    pub bin: PathBuf,
    pub every: Duration,
    pub duration: Option<Duration>,
}

struct Fault {
    name: &'static str,
    inject: fn(&E367Bench),
    /// Healed this long after the injection (zero: nothing to heal).
    hold: Duration,
    heal: fn(&E367Bench),
    /// Found only by the data path: a sender runs, it takes a minute or so.
    slow: bool,
}

const fn quick(
    name: &'static str,
    inject: fn(&E367Bench),
    hold_ms: u64,
    heal: fn(&E367Bench),
) -> Fault {
    Fault {
        name,
        inject,
        hold: Duration::from_millis(hold_ms),
        heal,
        slow: false,
    }
}

fn nothing(_: &E367Bench) {}

const FAULTS: [Fault; 10] = [
    quick(
        "the network ends PPP (LCP Terminate-Request)",
        |b| b.dongle().lcp_terminate(),
        0,
        nothing,
    ),
    quick(
        "the network deactivates the context (+CGEV: NW DEACT)",
        |b| b.dongle().network_deactivate(),
        0,
        nothing,
    ),
    quick(
        "detached (+CGEV: NW DETACH), attached 1 s later",
        |b| b.dongle().detach(),
        1000,
        |b| b.dongle().attach(),
    ),
    quick(
        "coverage lost (+CREG: 0), back 1 s later",
        |b| b.dongle().deregister(),
        1000,
        |b| {
            b.dongle().register();
            b.dongle().attach();
        },
    ),
    quick(
        "the modem resets (re-enumerates under a new path)",
        |b| b.dongle().reset(),
        0,
        nothing,
    ),
    quick(
        "unplugged, replugged 2 s later",
        |b| b.dongle().unplug(),
        2000,
        |b| b.dongle().replug(),
    ),
    quick(
        "NW DEACT, then the next 2 dials refused (NO CARRIER)",
        |b| {
            b.dongle().refuse_dials(2, "NO CARRIER");
            b.dongle().network_deactivate();
        },
        0,
        nothing,
    ),
    quick(
        "ofonod killed, restarted 1 s later",
        |b| b.kill_ofono(),
        1000,
        |b| b.start_ofono(),
    ),
    Fault {
        name: "ghost: bare NO CARRIER, oFono still says Active (sender running)",
        inject: |b| b.dongle().drop_carrier(),
        hold: Duration::ZERO,
        heal: nothing,
        slow: true,
    },
    Fault {
        name: "black hole behind a live PPP (sender running)",
        inject: |b| b.dongle().set_black_hole(true),
        hold: Duration::ZERO,
        heal: nothing,
        slow: true,
    },
];

/// Per fault kind, in FAULTS order.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub name: &'static str,
    pub injected: u32,
    pub recovered: u32,
    pub worst: Duration,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub kinds: Vec<Tally>,
    pub interrupted: bool,
    pub daemon_exit: Option<i32>,
}

impl Summary {
    pub fn injected(&self) -> u32 {
        self.kinds.iter().map(|k| k.injected).sum()
    }
    pub fn recovered(&self) -> u32 {
        self.kinds.iter().map(|k| k.recovered).sum()
    }
    pub fn worst(&self) -> Duration {
        self.kinds.iter().map(|k| k.worst).max().unwrap_or_default()
    }
    /// Every fault recovered (one cut short by Ctrl-C aside) and a clean exit.
    pub fn ok(&self) -> bool {
        let lost = self.injected() - self.recovered();
        self.daemon_exit == Some(0) && (lost == 0 || (lost == 1 && self.interrupted))
    }
}

struct Demo {
    bench: E367Bench,
    daemon: Daemon,
    t0: Instant,
    shown: usize,
    stop: Arc<AtomicBool>,
}

impl Demo {
    fn say(&self, what: &str) {
        println!("[{:7.3}] demo: {what}", self.t0.elapsed().as_secs_f64());
    }

    /// Prints the daemon's new log lines with the demo's clock.
    fn pump(&mut self) {
        let lines = self.daemon.lines();
        for (at, line) in &lines[self.shown.min(lines.len())..] {
            let t = at.saturating_duration_since(self.t0).as_secs_f64();
            println!("[{t:7.3}] {line}");
        }
        self.shown = lines.len();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Waits, showing the log; false on Ctrl-C.
    fn pause(&mut self, d: Duration) -> bool {
        let end = Instant::now() + d;
        while Instant::now() < end && !self.stopped() {
            self.pump();
            std::thread::sleep(Duration::from_millis(50));
        }
        self.pump();
        !self.stopped()
    }

    /// A PPP session newer than `sessions`, then data through it; the
    /// time from `t0`, or why not.
    fn data_again(
        &mut self,
        sessions: u32,
        t0: Instant,
        within: Duration,
    ) -> Result<Duration, String> {
        loop {
            self.pump();
            let up = self
                .bench
                .dongle()
                .wait_for(Duration::from_millis(50), |w| {
                    w.sessions > sessions && w.link_up()
                });
            if up && self.bench.wait_data(Duration::from_millis(200)).is_ok() {
                self.pump();
                return Ok(t0.elapsed());
            }
            if self.stopped() {
                return Err("interrupted".into());
            }
            if t0.elapsed() > within {
                let last = self.bench.data_flows().err().unwrap_or_default();
                return Err(format!("no data within {}s ({last})", within.as_secs()));
            }
        }
    }

    /// What a user's program sees through ppp0, in one line.
    fn look(&self) -> String {
        let resolv = std::fs::read_to_string(self.bench.resolv_conf()).unwrap_or_default();
        let server = resolv
            .lines()
            .find_map(|l| l.strip_prefix("nameserver "))
            .and_then(|s| s.trim().parse::<IpAddr>().ok());
        let Some(server) = server else {
            return "no nameserver in resolv.conf".into();
        };
        let seen = self.bench.ue.run(move || {
            let web = dns_a(SocketAddr::new(server, 53), "web.operator.test")?;
            let to = SocketAddr::new(web.into(), WEB_PORT);
            let mut s = TcpStream::connect_timeout(&to, Duration::from_millis(500))
                .map_err(|e| format!("TCP to {to}: {e}"))?;
            s.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let _ = s.write_all(b"hello\n");
            let mut got = vec![0u8; BANNER.len()];
            s.read_exact(&mut got)
                .map_err(|e| format!("TCP read: {e}"))?;
            Ok::<_, String>(format!(
                "web.operator.test is {web} (DNS {server}), {to} says {:?}",
                String::from_utf8_lossy(&got).trim_end()
            ))
        });
        seen.unwrap_or_else(|e| format!("look failed: {e}"))
    }
}

pub fn run(cfg: &Config, stop: Arc<AtomicBool>) -> Summary {
    let t0 = Instant::now();
    let until = cfg.duration.map(|d| t0 + d);
    let bench = E367Bench::start(&cfg.bin);
    let (modem, pcui) = bench.dongle().world().port_names().unwrap_or_default();
    println!(
        "[{:7.3}] demo: ofonod 1.31 (huawei driver) at {}, simulated E367 on {modem} (Modem) and {pcui} (Pcui)",
        t0.elapsed().as_secs_f64(),
        bench.modem_path().unwrap_or_default()
    );
    println!(
        "[{:7.3}] demo: starting {} {}",
        t0.elapsed().as_secs_f64(),
        cfg.bin.display(),
        DAEMON_ARGS.join(" ")
    );
    let daemon = bench.spawn_daemon(&DAEMON_ARGS);
    let mut d = Demo {
        bench,
        daemon,
        t0,
        shown: 0,
        stop,
    };
    let mut sum = Summary {
        kinds: FAULTS
            .iter()
            .map(|f| Tally {
                name: f.name,
                ..Tally::default()
            })
            .collect(),
        ..Summary::default()
    };
    match d.data_again(0, t0, Duration::from_secs(30)) {
        Ok(t) => {
            let seen = d.look();
            d.say(&format!(
                "data through ppp0 {} ms after start: {seen}",
                t.as_millis()
            ));
        }
        Err(e) => d.say(&format!("NO DATA at start: {e}")),
    }
    let left = |now: Instant| until.map(|u| u.saturating_duration_since(now));
    'faults: for (i, f) in FAULTS.iter().enumerate().cycle() {
        let after_pause = Instant::now() + cfg.every;
        if f.slow && left(after_pause).is_some_and(|r| r < SLOW_NEEDS) {
            continue;
        }
        if !d.pause(cfg.every) {
            break;
        }
        if left(Instant::now()).is_some_and(|r| r.is_zero()) {
            break;
        }
        let sender = f.slow.then(|| d.bench.start_sender());
        let sessions = d.bench.dongle().world().sessions;
        let before = d.bench.modem_path();
        d.say(&format!("FAULT: {}", f.name));
        sum.kinds[i].injected += 1;
        (f.inject)(&d.bench);
        let mut healed = Instant::now();
        if !f.hold.is_zero() {
            if !d.pause(f.hold) {
                sum.interrupted = true;
                break;
            }
            // The heal's start is the fault's end (start_ofono blocks
            // until ofonod lists the modem).
            healed = Instant::now();
            (f.heal)(&d.bench);
            d.pump();
        }
        let within = if f.slow {
            SLOW_NEEDS
        } else {
            Duration::from_secs(30)
        };
        match d.data_again(sessions, healed, within) {
            Ok(took) => {
                sum.kinds[i].recovered += 1;
                sum.kinds[i].worst = sum.kinds[i].worst.max(took);
                let seen = d.look();
                let path = d.bench.modem_path();
                let moved = match (&before, &path) {
                    (Some(a), Some(b)) if a != b => format!(" (modem {a} -> {b})"),
                    _ => String::new(),
                };
                d.say(&format!(
                    "RECOVERED {:.2} s after the fault's end{moved}: {seen}",
                    took.as_secs_f64()
                ));
            }
            Err(_) if d.stopped() => {
                sum.interrupted = true;
                break 'faults;
            }
            Err(e) => d.say(&format!("NOT RECOVERED: {e}")),
        }
        drop(sender);
    }
    d.pump();
    if let Some(s) = d.bench.ofono_died() {
        d.say(&format!("note: ofonod ended on its own ({s})"));
    }
    d.say("stopping psendurance (SIGTERM)");
    let _ = d.daemon.signal(libc::SIGTERM);
    let status = d.daemon.wait_exit(Duration::from_secs(5));
    d.pump();
    sum.daemon_exit = status.and_then(|s| s.code());
    d.say(&format!("psendurance exited with {:?}", sum.daemon_exit));
    print_summary(&sum, &d);
    sum
}

fn print_summary(sum: &Summary, d: &Demo) {
    d.say(&format!(
        "SUMMARY: {} faults injected, {} recovered, worst {:.2} s{}",
        sum.injected(),
        sum.recovered(),
        sum.worst().as_secs_f64(),
        if sum.interrupted {
            " (last one cut short by Ctrl-C)"
        } else {
            ""
        }
    ));
    for k in sum.kinds.iter().filter(|k| k.injected > 0) {
        println!(
            "    {}/{} recovered, worst {:6.2} s  {}",
            k.recovered,
            k.injected,
            k.worst.as_secs_f64(),
            k.name
        );
    }
}
