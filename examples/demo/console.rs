//! What the demo prints: its own lines and the daemon's log, on one clock
//! (seconds since the demo started).

use std::time::{Duration, Instant};

use crate::bench::Daemon;

pub struct Console {
    t0: Instant,
    /// Daemon log lines already printed.
    shown: usize,
}

impl Console {
    pub fn new(t0: Instant) -> Console {
        Console { t0, shown: 0 }
    }

    pub fn say(&self, what: &str) {
        println!("[{:7.3}] demo: {what}", self.t0.elapsed().as_secs_f64());
    }

    /// Prints the daemon's new log lines.
    pub fn show(&mut self, daemon: &Daemon) {
        let lines = daemon.lines();
        for (at, line) in &lines[self.shown.min(lines.len())..] {
            let t = at.saturating_duration_since(self.t0).as_secs_f64();
            println!("[{t:7.3}] {line}");
        }
        self.shown = lines.len();
    }

    /// Shows the daemon's log for `d`, or until `over` says the demo
    /// ends; false if it does.
    pub fn watch(&mut self, daemon: &Daemon, d: Duration, over: impl Fn() -> bool) -> bool {
        let end = Instant::now() + d;
        while Instant::now() < end && !over() {
            self.show(daemon);
            std::thread::sleep(Duration::from_millis(50));
        }
        self.show(daemon);
        !over()
    }
}
