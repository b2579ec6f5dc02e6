//! Another client that keeps deactivating our context: the context goes
//! inactive again and again while the modem stands powered, online,
//! registered and attached, and not by our hand. Said once per fight, so
//! the log names the likely cause instead of recording a quiet tug of war.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::Keeper;
use super::change::{ACTIVATE, Change, is_activation};
use super::retries::Layer;
use crate::events::{Level, Peer};
use crate::status::Cause;

/// This many such losses within `WINDOW` make a fight.
pub const LOSSES: usize = 3;
pub const WINDOW: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
pub(super) struct Fight {
    /// When the recent unexplained deactivations happened.
    losses: VecDeque<Instant>,
    warned: bool,
}

impl Fight {
    /// Records an unexplained deactivation; `Some(n)` (losses within the
    /// window) when the warning is due.
    pub fn loss(&mut self, now: Instant) -> Option<usize> {
        self.losses.push_back(now);
        while self
            .losses
            .front()
            .is_some_and(|t| now.duration_since(*t) > WINDOW)
        {
            self.losses.pop_front();
        }
        if self.losses.len() >= LOSSES && !self.warned {
            self.warned = true;
            return Some(self.losses.len());
        }
        None
    }

    /// The link held: whatever fought us has stopped.
    pub fn held(&mut self) {
        self.losses.clear();
        self.warned = false;
    }
}

impl Keeper {
    /// The link was lost: was it another client's doing, again?
    pub(super) fn watch_fight(&mut self, path: &str, reason: &Cause, now: Instant) {
        let inactive = matches!(reason, Cause::Deactivated | Cause::NotActive);
        let registered = self
            .world
            .netreg
            .as_ref()
            .and_then(|n| n.str("Status"))
            .is_none_or(|s| s == "registered" || s == "roaming");
        let healthy = self.floor.level() == Layer::Attached && registered;
        if !inactive || !healthy || self.deactivating_ourselves(path) {
            return;
        }
        let Some(n) = self.fight.loss(now) else {
            return;
        };
        let suspect = if self.peers.has(Peer::ConnMan) {
            "ConnMan is running and"
        } else {
            "another client (ConnMan, NetworkManager?)"
        };
        let minutes = WINDOW.as_secs() / 60;
        self.log(
            Level::Warn,
            format!(
                "context {path} keeps being deactivated with the modem healthy ({n} times in {minutes} min, not by us): {suspect} may be managing oFono; stop it or keep it off this modem"
            ),
        );
    }

    /// A deactivation of `path` we asked for (a recovery step, or its
    /// reply still on the way), or a layer we lowered ourselves.
    fn deactivating_ourselves(&self, path: &str) -> bool {
        let asked = self.calls.any(|p| {
            p.path == path && Change::of(&p.method) == Some(ACTIVATE) && !is_activation(&p.method)
        });
        let recent = self.teardown.ours(path);
        asked || recent || self.floor.lowered_by_us() || self.ladder.turning_off().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_losses_within_the_window_warn_once() {
        let t = Instant::now();
        let mut f = Fight::default();
        assert_eq!(f.loss(t), None);
        assert_eq!(f.loss(t + Duration::from_secs(60)), None);
        assert_eq!(f.loss(t + Duration::from_secs(120)), Some(3));
        assert_eq!(f.loss(t + Duration::from_secs(130)), None);
        f.held();
        assert_eq!(f.loss(t + Duration::from_secs(200)), None);
    }

    #[test]
    fn losses_spread_wider_than_the_window_are_no_fight() {
        let t = Instant::now();
        let mut f = Fight::default();
        for i in 0..10 {
            assert_eq!(f.loss(t + Duration::from_secs(200 * i)), None);
        }
    }
}
