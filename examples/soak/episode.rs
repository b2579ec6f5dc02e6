//! One soak episode: a single fault, a burst of two or three back to back,
//! or a second fault injected while the daemon recovers from the first.

use std::time::{Duration, Instant};

use super::faults::{self, ALL, Kind};
use super::rng::Rng;
use crate::bench::{Bench, Dir};

#[derive(Debug, Clone)]
pub enum Shape {
    Single(Kind),
    /// Faults with 0-300 ms between them.
    Burst(Vec<Kind>),
    /// The second fault lands when the modem sees `milestone` (a recovery
    /// step in flight), or at once if that never comes within 3 s.
    DuringRecovery(Kind, &'static str, Kind),
}

/// AT commands that show a recovery under way, in order.
const MILESTONES: [&str; 4] = ["AT+CFUN=1", "AT+CGATT=1", "AT+CGDCONT", "AT+CGACT=1"];

impl Shape {
    /// 70 % single faults (each kind alike), 15 % bursts, 15 % during recovery.
    pub fn pick(rng: &mut Rng) -> Shape {
        let kind = |rng: &mut Rng| ALL[rng.below(ALL.len() as u64) as usize];
        match rng.below(100) {
            0..70 => Shape::Single(kind(rng)),
            70..85 => {
                let n = 2 + rng.below(2) as usize;
                Shape::Burst((0..n).map(|_| kind(rng)).collect())
            }
            _ => {
                let first = kind(rng);
                let m = MILESTONES[rng.below(MILESTONES.len() as u64) as usize];
                Shape::DuringRecovery(first, m, kind(rng))
            }
        }
    }

    /// The row of the report this episode counts in.
    pub fn label(&self) -> String {
        match self {
            Shape::Single(k) => k.name().to_string(),
            Shape::Burst(_) => "burst of 2-3 faults".into(),
            Shape::DuringRecovery(..) => "fault during recovery".into(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Shape::Single(k) => k.name().into(),
            Shape::Burst(v) => v.iter().map(|k| k.name()).collect::<Vec<_>>().join(" + "),
            Shape::DuringRecovery(a, m, b) => format!("{} then, at {m}, {}", a.name(), b.name()),
        }
    }

    /// Injects the faults; returns the activation count before the last
    /// one dropped the context (see `faults::inject`).
    pub fn run(&self, b: &Bench, rng: &mut Rng, activation_timeout: Duration) -> u32 {
        match self {
            Shape::Single(k) => faults::inject(b, *k, rng, activation_timeout),
            Shape::Burst(v) => {
                let mut before = 0;
                for (i, k) in v.iter().enumerate() {
                    if i > 0 {
                        std::thread::sleep(rng.millis(0, 300));
                    }
                    before = faults::inject(b, *k, rng, activation_timeout);
                }
                before
            }
            Shape::DuringRecovery(first, milestone, second) => {
                faults::inject(b, *first, rng, activation_timeout);
                let t = Instant::now();
                b.sim().wait_for(
                    |s| {
                        s.log()
                            .iter()
                            .rev()
                            .take_while(|l| l.at >= t)
                            .any(|l| l.dir == Dir::Received && l.line.starts_with(milestone))
                    },
                    Duration::from_secs(3),
                );
                faults::inject(b, *second, rng, activation_timeout)
            }
        }
    }
}
