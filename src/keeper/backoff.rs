//! Bounded exponential backoff: the first retry at once, then `min`, doubling
//! up to `max`. It never gives up; it only waits longer.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            failures: 0,
        }
    }

    /// Records a failure and returns how long to wait before the next try.
    pub fn fail(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.current()
    }

    /// The wait after the failures counted so far.
    pub fn current(&self) -> Duration {
        match self.failures {
            0 | 1 => Duration::ZERO,
            n => {
                // min * 2^(n-2), computed without overflow.
                let doublings = (n - 2).min(31);
                self.min.saturating_mul(1u32 << doublings).min(self.max)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_retry_is_immediate_then_doubles_to_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(300));
        let waits: Vec<u64> = (0..12).map(|_| b.fail().as_secs()).collect();
        assert_eq!(waits, [0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    }

    #[test]
    fn never_overflows_after_many_failures() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(300));
        for _ in 0..100_000 {
            b.fail();
        }
        assert_eq!(b.current(), Duration::from_secs(300));
    }
}
