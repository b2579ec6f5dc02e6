//! The demo on the phonesim bench (`--phonesim`): real ofonod on a private
//! bus with its phonesim driver, an AT modem simulator over TCP, and each
//! recovery timed at the modem (a context active again), not through data.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::bench::{Bench, BenchOptions, Daemon};
use crate::console::Console;

struct Demo {
    bench: Bench,
    daemon: Daemon,
    console: Console,
    stop: Arc<AtomicBool>,
    until: Option<Instant>,
}

impl Demo {
    fn say(&self, what: &str) {
        self.console.say(what);
    }

    /// Prints the daemon's new log lines with the demo's clock.
    fn pump(&mut self) {
        self.console.show(&self.daemon);
    }

    fn over(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.until.is_some_and(|u| Instant::now() >= u)
    }

    /// Waits `secs`, showing the log; false if the demo should end.
    fn pause(&mut self, secs: f64) -> bool {
        let (stop, until) = (&self.stop, self.until);
        let over = || stop.load(Ordering::Relaxed) || until.is_some_and(|u| Instant::now() >= u);
        self.console
            .watch(&self.daemon, Duration::from_secs_f64(secs), over)
    }

    /// Waits until a new activation made a context active at the modem.
    fn recovered(&mut self, before: u32, bound: Duration) -> Option<Duration> {
        let t = Instant::now();
        while t.elapsed() < bound && !self.over() {
            let sim = self.bench.sim();
            if sim.wait_for(
                |s| s.activation_count() > before && !s.active_cids().is_empty(),
                Duration::from_millis(50),
            ) {
                let took = t.elapsed();
                self.pump();
                return Some(took);
            }
            self.pump();
        }
        None
    }
}

type Fault = (&'static str, fn(&mut Demo));

const FAULTS: [Fault; 8] = [
    ("the modem resets (+CRST)", |d| d.bench.sim().reset()),
    ("the network detaches us, re-attaches 1 s later", |d| {
        d.bench.sim().detach();
        d.pause(1.0);
        d.bench.sim().attach();
    }),
    ("the link to the modem hangs up", |d| d.bench.sim().hangup()),
    ("3 activation errors, then a reset", |d| {
        d.bench.sim().fail_next_activations(3);
        d.bench.sim().reset();
    }),
    ("the network deregisters us, registers 1 s later", |d| {
        d.bench.sim().deregister();
        d.pause(1.0);
        d.bench.sim().register();
    }),
    ("the SIM is pulled, put back 1 s later", |d| {
        d.bench.sim().remove_sim();
        d.pause(1.0);
        d.bench.sim().insert_sim();
    }),
    ("ofonod is killed and restarted", |d| {
        d.bench.kill_ofono();
        d.bench.start_ofono();
    }),
    ("the modem is unplugged, replugged 2 s later", |d| {
        d.bench.sim().unplug();
        d.pause(2.0);
        let _ = d.bench.sim().replug();
    }),
];

pub fn run(duration: Option<f64>, every: f64, bin: &Path, stop: Arc<AtomicBool>) -> ExitCode {
    let t0 = Instant::now();
    let bench = Bench::start_with(BenchOptions {
        daemon_bin: Some(bin.to_path_buf()),
        ..BenchOptions::default()
    });
    let console = Console::new(t0);
    console.say(&format!(
        "real ofonod (pid {}) on a private bus, simulated modem on 127.0.0.1:{}",
        bench.ofono_pid().unwrap_or(0),
        bench.sim().port()
    ));
    // The options a user gives (an APN); every timing is the default: each
    // fault of the demo is a lower layer's or the network's, not a reason
    // to back off.
    let daemon_args = ["-f", "--apn", "internet"];
    console.say(&format!(
        "starting {} {}",
        bin.display(),
        daemon_args.join(" ")
    ));
    let daemon = bench.spawn_daemon(&daemon_args);
    let mut demo = Demo {
        bench,
        daemon,
        console,
        stop,
        until: duration.map(|d| t0 + Duration::from_secs_f64(d)),
    };
    let bound = Duration::from_secs(30);
    match demo.recovered(0, bound) {
        Some(t) => demo.say(&format!(
            "context active at the modem {} ms after start",
            t.as_millis()
        )),
        None => demo.say("the context did not come up"),
    }
    let mut missed = 0;
    'faults: for (name, fault) in FAULTS.iter().cycle() {
        if !demo.pause(every) {
            break 'faults;
        }
        let before = demo.bench.sim().activation_count();
        demo.say(&format!("FAULT: {name}"));
        let t = Instant::now();
        fault(&mut demo);
        match demo.recovered(before, bound) {
            Some(_) => demo.say(&format!(
                "RECOVERED: context active again at the modem, {} ms after the fault began",
                t.elapsed().as_millis()
            )),
            None if demo.over() => break 'faults,
            None => {
                missed += 1;
                demo.say(&format!("NOT RECOVERED within {}s", bound.as_secs()));
            }
        }
    }
    demo.pump();
    demo.say("stopping psendurance (SIGTERM)");
    let _ = demo.daemon.signal(libc::SIGTERM);
    let status = demo.daemon.wait_exit(Duration::from_secs(5));
    demo.pump();
    let code = status.and_then(|s| s.code());
    demo.say(&format!("psendurance exited with {code:?}; cleaning up"));
    if missed > 0 || code != Some(0) {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
