//! The call ledger: tokens, the calls we await (each recorded once, as the
//! `Call` handed to the loop), and the backoff of every change we ask for.

use std::time::{Duration, Instant};

use super::change::{Change, is_activation, is_mutation};
use super::retries::{Layer, Retries};
use crate::events::{Call, Method, Token};

#[derive(Debug)]
pub struct Calls {
    next_token: Token,
    pending: Vec<Call>,
    /// Backoff per change and object (see `retries`).
    retries: Retries,
}

impl Calls {
    pub fn new(retry_min: Duration, retry_max: Duration) -> Calls {
        Calls {
            next_token: 1,
            pending: Vec::new(),
            retries: Retries::new(retry_min, retry_max),
        }
    }

    /// A token for something that is not a call (a probe).
    pub fn token(&mut self) -> Token {
        let token = self.next_token;
        self.next_token += 1;
        token
    }

    /// Records a call; the returned copy goes to the loop.
    pub fn start(&mut self, path: &str, method: Method, deadline: Instant) -> Call {
        let call = Call {
            token: self.token(),
            path: path.to_string(),
            method,
            deadline,
        };
        self.pending.push(call.clone());
        call
    }

    /// The call a reply answers, if we still await it.
    pub fn take(&mut self, token: Token) -> Option<Call> {
        let i = self.pending.iter().position(|p| p.token == token)?;
        Some(self.pending.remove(i))
    }

    /// A call whose deadline passed: failed, never awaited again.
    pub fn take_expired(&mut self, now: Instant) -> Option<Call> {
        let i = self.pending.iter().position(|p| p.deadline <= now)?;
        Some(self.pending.remove(i))
    }

    pub fn awaiting(&self, path: &str, method: &Method) -> bool {
        self.pending
            .iter()
            .any(|p| p.path == path && &p.method == method)
    }

    pub fn any(&self, f: impl Fn(&Call) -> bool) -> bool {
        self.pending.iter().any(f)
    }

    pub fn changing(&self) -> bool {
        self.any(is_mutation)
    }

    /// The activation in flight, if any.
    pub fn activating(&self) -> Option<&Call> {
        self.pending.iter().find(|p| is_activation(&p.method))
    }

    /// Drops the calls `doomed` picks; returns them.
    pub fn drop_where(&mut self, doomed: impl Fn(&Call) -> bool) -> Vec<Call> {
        let (gone, kept) = self.pending.drain(..).partition(|p| doomed(p));
        self.pending = kept;
        gone
    }

    /// Forgets every call: their answers can no longer come.
    pub fn forget_calls(&mut self) {
        self.pending.clear();
    }

    /// The earliest call deadline.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.deadline).min()
    }

    // The backoff, per change and object.

    /// Counts a failed change; returns the wait before it is tried again.
    pub fn failed(&mut self, call: &Call, slowly: bool, now: Instant) -> Duration {
        let Some(change) = Change::of(&call.method) else {
            return Duration::ZERO;
        };
        if slowly {
            self.retries.fail_slowly(change, &call.path, now)
        } else {
            self.retries.fail(change, &call.path, now)
        }
    }

    /// A failure not tied to a call (a link that did not hold).
    pub fn fail(&mut self, change: Change, path: &str, now: Instant) -> Duration {
        self.retries.fail(change, path, now)
    }

    pub fn pause(&mut self, change: Change, path: &str, until: Instant) {
        self.retries.pause(change, path, until);
    }

    pub fn succeeded(&mut self, change: Change, path: &str) {
        self.retries.succeeded(change, path);
    }

    /// The change is backing off: not to be asked for yet.
    pub fn held(&self, method: &Method, path: &str, now: Instant) -> bool {
        Change::of(method).is_some_and(|c| self.retries.held(c, path, now))
    }

    pub fn next_wait(&self, change: Change, path: &str) -> Duration {
        self.retries.next_wait(change, path)
    }

    pub fn fell_to(&mut self, layer: Layer) {
        self.retries.fell_to(layer);
    }

    pub fn forget_object(&mut self, path: &str) {
        self.retries.forget_object(path);
    }

    /// A new oFono, SIGHUP, or a link that held: every change starts clean.
    pub fn clear_backoff(&mut self) {
        self.retries.clear();
    }

    /// The earliest end of a hold.
    pub fn hold_deadline(&self) -> Option<Instant> {
        self.retries.deadlines().min()
    }

    pub fn expire_holds(&mut self, now: Instant) {
        self.retries.expire(now);
    }

    #[cfg(test)]
    pub fn in_flight(&self) -> &[Call] {
        &self.pending
    }

    /// Changes and objects with a count or a hold, and every hold's end.
    #[cfg(test)]
    pub fn backoff(&self) -> (usize, Vec<Instant>) {
        let holds = self.retries.deadlines().collect();
        (self.retries.entry_count(), holds)
    }
}
