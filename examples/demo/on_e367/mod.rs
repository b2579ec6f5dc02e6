//! The demo on the E367 bench: real ofonod 1.31 with its `huawei` driver and
//! PPP against a simulated Huawei E367, the operator's network behind it.
//! psendurance runs on its defaults; a different fault every few seconds,
//! each timed from the fault's end to a DNS answer and a TCP banner through
//! ppp0. `tests/scripts/demo.rs` runs it too, with a short duration.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::bench::Daemon;
use crate::console::Console;
use crate::e367::E367Bench;
use crate::e367::harness::dns_a;
use crate::e367::operator::{BANNER, WEB_PORT};

mod faults;
mod summary;

use faults::FAULTS;
pub use summary::{Summary, Tally};

/// As a user runs it: only the APN; every timing is the default.
pub const DAEMON_ARGS: [&str; 4] = ["-f", "-v", "--apn", "internet"];
/// A slow fault starts only with this much time left before --duration.
pub const SLOW_NEEDS: Duration = Duration::from_secs(150);

pub struct Config {
    pub bin: PathBuf,
    pub every: Duration,
    pub duration: Option<Duration>,
}

struct Demo {
    bench: E367Bench,
    daemon: Daemon,
    console: Console,
    stop: Arc<AtomicBool>,
}

impl Demo {
    fn say(&self, what: &str) {
        self.console.say(what);
    }

    /// Prints the daemon's new log lines with the demo's clock.
    fn pump(&mut self) {
        self.console.show(&self.daemon);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Waits, showing the log; false on Ctrl-C.
    fn pause(&mut self, d: Duration) -> bool {
        let stop = &self.stop;
        let over = || stop.load(Ordering::Relaxed);
        self.console.watch(&self.daemon, d, over)
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
    let console = Console::new(t0);
    console.say(&format!(
        "ofonod 1.31 (huawei driver) at {}, simulated E367 on {modem} (Modem) and {pcui} (Pcui)",
        bench.modem_path().unwrap_or_default()
    ));
    console.say(&format!(
        "starting {} {}",
        cfg.bin.display(),
        DAEMON_ARGS.join(" ")
    ));
    let started = Instant::now();
    let daemon = bench.spawn_daemon(&DAEMON_ARGS);
    let mut d = Demo {
        bench,
        daemon,
        console,
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
    match d.data_again(0, started, Duration::from_secs(30)) {
        Ok(t) => {
            let seen = d.look();
            d.say(&format!(
                "data through ppp0 {:.2} s after psendurance started: {seen}",
                t.as_secs_f64()
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
    sum.print(&d.console);
    sum
}
