//! What the E367 demo counts: per fault kind, injected, recovered, worst.

use std::time::Duration;

use crate::console::Console;

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

    /// The closing lines, on the demo's clock.
    pub fn print(&self, console: &Console) {
        console.say(&format!(
            "SUMMARY: {} faults injected, {} recovered, worst {:.2} s{}",
            self.injected(),
            self.recovered(),
            self.worst().as_secs_f64(),
            if self.interrupted {
                " (last one cut short by Ctrl-C)"
            } else {
                ""
            }
        ));
        for k in self.kinds.iter().filter(|k| k.injected > 0) {
            println!(
                "    {}/{} recovered, worst {:6.2} s  {}",
                k.recovered,
                k.injected,
                k.worst.as_secs_f64(),
                k.name
            );
        }
    }
}
