//! The retry ledger: backoff per change and per object it acts on.
//!
//! A failing `Powered=true` on `/huawei_0` backs off on that alone; it never
//! slows an activation, and a modem that comes back as `/huawei_1` starts
//! clean. Layers below a change reset it when they fall: a context lost
//! because the modem reset is not a failure of the context.

use std::time::{Duration, Instant};

use super::backoff::Backoff;
use super::change::Change;
use crate::events::Iface;

/// How far up the modem's stack things stand; each step raises one layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    /// No modem, or not powered.
    Down,
    Powered,
    Online,
    /// Packet service attached (registered, SIM ready).
    Attached,
}

impl Layer {
    /// The layer a change needs to stand on before it can work.
    pub fn of(change: Change) -> Layer {
        match change {
            Change::Set(Iface::Modem, "Powered") => Layer::Down,
            Change::Set(Iface::Modem, _) | Change::EnterPin => Layer::Powered,
            Change::Set(Iface::ConnectionManager, _) => Layer::Online,
            _ => Layer::Attached,
        }
    }
}

#[derive(Debug)]
struct Entry {
    change: Change,
    path: String,
    backoff: Backoff,
    until: Option<Instant>,
}

#[derive(Debug)]
pub struct Retries {
    min: Duration,
    max: Duration,
    entries: Vec<Entry>,
}

impl Retries {
    pub fn new(min: Duration, max: Duration) -> Retries {
        Retries {
            min,
            max,
            entries: Vec::new(),
        }
    }

    fn entry(&mut self, change: Change, path: &str) -> &mut Entry {
        let i = match self
            .entries
            .iter()
            .position(|e| e.change == change && e.path == path)
        {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    change,
                    path: path.to_string(),
                    backoff: Backoff::new(self.min, self.max),
                    until: None,
                });
                self.entries.len() - 1
            }
        };
        &mut self.entries[i]
    }

    /// Counts a failure of `change` on `path`; returns the wait before its next try.
    pub fn fail(&mut self, change: Change, path: &str, now: Instant) -> Duration {
        let e = self.entry(change, path);
        let wait = e.backoff.fail();
        e.until = (!wait.is_zero()).then(|| now + wait);
        wait
    }

    /// Counts a failure that retrying soon cannot cure: wait the longest.
    pub fn fail_slowly(&mut self, change: Change, path: &str, now: Instant) -> Duration {
        let max = self.max;
        let e = self.entry(change, path);
        e.backoff.fail();
        e.until = Some(now + max);
        max
    }

    /// Holds a change without counting a failure (it could not have worked yet).
    pub fn pause(&mut self, change: Change, path: &str, until: Instant) {
        self.entry(change, path).until = Some(until);
    }

    /// The change worked: its own pace starts over.
    pub fn succeeded(&mut self, change: Change, path: &str) {
        self.entries
            .retain(|e| !(e.change == change && e.path == path));
    }

    pub fn held(&self, change: Change, path: &str, now: Instant) -> bool {
        self.entries
            .iter()
            .any(|e| e.change == change && e.path == path && e.until.is_some_and(|t| now < t))
    }

    /// The wait the next failure of `change` on `path` would bring.
    pub fn next_wait(&self, change: Change, path: &str) -> Duration {
        let mut b = self
            .entries
            .iter()
            .find(|e| e.change == change && e.path == path)
            .map_or_else(|| Backoff::new(self.min, self.max), |e| e.backoff.clone());
        b.fail()
    }

    /// A layer fell: what stands on it failed through no fault of its own.
    pub fn fell_to(&mut self, layer: Layer) {
        self.entries.retain(|e| Layer::of(e.change) <= layer);
    }

    /// An object (and everything below its path) is gone for good.
    pub fn forget_object(&mut self, path: &str) {
        let under = format!("{path}/");
        self.entries
            .retain(|e| e.path != path && !e.path.starts_with(&under));
    }

    /// A new oFono, SIGHUP, or a link that held: everything starts clean.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Steps and objects with a count or a hold (bounded: see the properties).
    #[cfg(test)]
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    pub fn deadlines(&self) -> impl Iterator<Item = Instant> + '_ {
        self.entries.iter().filter_map(|e| e.until)
    }

    /// Drops holds that have run out (their counts stay).
    pub fn expire(&mut self, now: Instant) {
        for e in &mut self.entries {
            if e.until.is_some_and(|t| t <= now) {
                e.until = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: Change = Change::Set(Iface::ConnectionContext, "Active");
    const POWERED: Change = Change::Set(Iface::Modem, "Powered");

    fn ledger() -> Retries {
        Retries::new(Duration::from_secs(2), Duration::from_secs(300))
    }

    #[test]
    fn one_step_failing_never_holds_another() {
        let (mut r, t) = (ledger(), Instant::now());
        for _ in 0..5 {
            r.fail(POWERED, "/m", t);
        }
        assert!(r.held(POWERED, "/m", t));
        assert!(!r.held(ACTIVE, "/m/context1", t));
        assert_eq!(r.next_wait(ACTIVE, "/m/context1"), Duration::ZERO);
    }

    #[test]
    fn a_new_object_starts_clean() {
        let (mut r, t) = (ledger(), Instant::now());
        r.fail_slowly(ACTIVE, "/huawei_0/context1", t);
        assert!(r.held(ACTIVE, "/huawei_0/context1", t));
        assert!(!r.held(ACTIVE, "/huawei_1/context1", t));
        r.forget_object("/huawei_0");
        assert_eq!(r.next_wait(ACTIVE, "/huawei_0/context1"), Duration::ZERO);
    }

    #[test]
    fn a_falling_layer_resets_what_stands_on_it_only() {
        let (mut r, t) = (ledger(), Instant::now());
        for _ in 0..3 {
            r.fail(POWERED, "/m", t);
            r.fail(ACTIVE, "/m/context1", t);
        }
        r.fell_to(Layer::Down);
        assert!(
            !r.held(ACTIVE, "/m/context1", t),
            "the context starts clean"
        );
        assert!(r.held(POWERED, "/m", t), "the modem keeps its own pace");
        assert_eq!(r.next_wait(POWERED, "/m"), Duration::from_secs(8));
    }

    #[test]
    fn holds_run_out_but_counts_stay() {
        let (mut r, t) = (ledger(), Instant::now());
        r.fail(ACTIVE, "/c", t);
        assert_eq!(r.fail(ACTIVE, "/c", t), Duration::from_secs(2));
        r.expire(t + Duration::from_secs(2));
        assert!(!r.held(ACTIVE, "/c", t + Duration::from_secs(2)));
        assert_eq!(r.deadlines().count(), 0);
        assert_eq!(r.next_wait(ACTIVE, "/c"), Duration::from_secs(4));
        r.succeeded(ACTIVE, "/c");
        assert_eq!(r.next_wait(ACTIVE, "/c"), Duration::ZERO);
    }
}
