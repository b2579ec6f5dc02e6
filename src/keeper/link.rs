//! The link: whether the context carries data, since when, whether it has
//! held long enough to count as stable, why it last went down, and the
//! counters of the status line.

use std::time::{Duration, Instant};

use crate::status::{Cause, Outage};

#[derive(Debug)]
pub struct Link {
    stable_after: Duration,
    up: bool,
    /// The context that is (or was last) up, for the loss line.
    path: String,
    since: Option<Instant>,
    stable: bool,
    activations: u64,
    failures: u64,
    losses: u64,
    /// Why the link is going down, for the line that reports the loss.
    loss_reason: Option<Cause>,
    /// A context still `Active` after the packet service was lost.
    ghost: Option<String>,
    /// The last outage, for the status file.
    outage: Option<Outage>,
}

impl Link {
    pub fn new(stable_after: Duration) -> Link {
        Link {
            stable_after,
            up: false,
            path: String::new(),
            since: None,
            stable: false,
            activations: 0,
            failures: 0,
            losses: 0,
            loss_reason: None,
            ghost: None,
            outage: None,
        }
    }

    pub fn up(&self) -> bool {
        self.up
    }

    /// Up and held for `--stable`.
    pub fn stable(&self) -> bool {
        self.up && self.stable
    }

    /// Held for `--stable` before it went down (or is still up).
    pub fn held(&self) -> bool {
        self.stable
    }

    pub fn up_since(&self) -> Option<Instant> {
        self.since.filter(|_| self.up)
    }

    pub fn went_up(&mut self, path: String, now: Instant) {
        self.up = true;
        self.path = path;
        self.since = Some(now);
        self.stable = false;
        self.loss_reason = None;
        if let Some(outage) = self.outage.as_mut() {
            outage.end = Some(now);
        }
    }

    /// The link went down: the context it was, and why.
    pub fn went_down(&mut self, now: Instant) -> (String, Cause) {
        self.up = false;
        self.losses += 1;
        self.since = None;
        let cause = self.loss_reason.take().unwrap_or(Cause::NotActive);
        self.outage = Some(Outage {
            start: now,
            end: None,
            cause: cause.clone(),
        });
        (self.path.clone(), cause)
    }

    /// The reason for a loss about to be noticed (the latest one wins).
    pub fn because(&mut self, cause: Cause) {
        self.loss_reason = Some(cause);
    }

    /// The reason, unless a more precise one is known already.
    pub fn because_unless_known(&mut self, cause: Cause) {
        self.loss_reason.get_or_insert(cause);
    }

    pub fn stable_deadline(&self) -> Option<Instant> {
        let since = self.since.filter(|_| self.up && !self.stable)?;
        Some(since + self.stable_after)
    }

    /// Time passed: true when the link has just held for `--stable`.
    pub fn check_stable(&mut self, now: Instant) -> bool {
        if self.stable_deadline().is_some_and(|t| now >= t) {
            self.stable = true;
            return true;
        }
        false
    }

    pub fn is_ghost(&self, path: &str) -> bool {
        self.ghost.as_deref() == Some(path)
    }

    pub fn set_ghost(&mut self, path: Option<String>) {
        self.ghost = path;
    }

    pub fn activated(&mut self) {
        self.activations += 1;
    }

    pub fn activation_failed(&mut self) {
        self.failures += 1;
    }

    /// Activations, failed activations, losses.
    pub fn counts(&self) -> (u64, u64, u64) {
        (self.activations, self.failures, self.losses)
    }

    pub fn outage(&self) -> Option<&Outage> {
        self.outage.as_ref()
    }
}
