//! p50 / p95 / max of a sample of durations.

use std::time::Duration;

#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub n: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
}

/// Nearest-rank percentiles; all zero for an empty sample.
pub fn summarize(sample: &[Duration]) -> Summary {
    let mut v = sample.to_vec();
    v.sort();
    let rank = |p: f64| -> Duration {
        if v.is_empty() {
            return Duration::ZERO;
        }
        let i = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[i - 1]
    };
    Summary {
        n: v.len(),
        p50: rank(0.50),
        p95: rank(0.95),
        max: v.last().copied().unwrap_or_default(),
    }
}

/// "1.23 ms" / "4.5 s": three significant figures at most.
pub fn fmt(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

impl Summary {
    /// "p50 / p95 / max" in one cell.
    #[allow(dead_code)]
    pub fn cell(&self) -> String {
        if self.n == 0 {
            return "no sample".into();
        }
        format!("{} / {} / {}", fmt(self.p50), fmt(self.p95), fmt(self.max))
    }
}
