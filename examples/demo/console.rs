//! What the demo prints: its own lines and the daemon's log, on one clock
//! (seconds since the demo started).

use std::time::Instant;

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
}
