//! Every timer of the keeper, in one table: `poll_timeout` and the timer
//! run both go through `Timer::ALL`, and each kind's deadline and what it
//! does when due sit side by side, so no timer is armed and never handled.

use std::time::Instant;

use super::Keeper;
use crate::events::Action;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A call's own deadline: it failed, we stop waiting.
    CallDeadline,
    /// A change's backoff hold ends.
    Hold,
    /// The modem's USB device is authorized again.
    UsbBack,
    /// The next probe of the data path.
    Probe,
    /// The link has held for `--stable`.
    Stable,
    /// The periodic re-read of what we depend on.
    Poll,
    /// oFono's PPP teardown is over: activations may go.
    Teardown,
    /// A bring-up waited `--stall-timeout` where it should not wait.
    Stall,
    /// Leaving, whatever the deactivation on exit is doing.
    Exit,
}

impl Timer {
    /// In the order they are handled when due at the same instant.
    pub const ALL: [Timer; 9] = [
        Timer::CallDeadline,
        Timer::Hold,
        Timer::UsbBack,
        Timer::Probe,
        Timer::Stable,
        Timer::Poll,
        Timer::Teardown,
        Timer::Stall,
        Timer::Exit,
    ];
}

impl Keeper {
    fn deadline(&self, timer: Timer) -> Option<Instant> {
        match timer {
            Timer::CallDeadline => self.calls.deadline(),
            Timer::Hold => self.calls.hold_deadline(),
            Timer::UsbBack => self.ladder.usb_deadline(),
            Timer::Probe => self.prober.deadline(self.link.up()),
            Timer::Stable => self.link.stable_deadline(),
            Timer::Poll => self.connected.then_some(self.next_poll),
            Timer::Teardown => self.teardown.deadline(),
            // Only watched while reconciling (connected).
            Timer::Stall => self.ladder.stall_deadline().filter(|_| self.connected),
            Timer::Exit => self.exiting,
        }
    }

    fn fire(&mut self, timer: Timer, now: Instant) {
        match timer {
            Timer::CallDeadline => {
                while let Some(call) = self.calls.take_expired(now) {
                    self.on_timeout(call, now);
                }
            }
            Timer::Hold => self.calls.expire_holds(now),
            Timer::UsbBack => {
                if let Some(device) = self.ladder.usb_due(now) {
                    let back = Action::UsbAuthorize {
                        device,
                        authorized: true,
                    };
                    self.out.push_back(back);
                }
            }
            Timer::Probe => self.probe_due(now),
            Timer::Stable => {
                if self.link.check_stable(now) {
                    self.calls.clear_backoff();
                    self.fight.held();
                }
            }
            Timer::Poll => {
                self.next_poll = now + self.cfg.interval;
                self.poll_state(now);
                self.read_counters();
            }
            Timer::Teardown => self.teardown.expire(now),
            // Judged at the end of `reconcile`, with the phase just decided.
            Timer::Stall => {}
            Timer::Exit => self.exit(0, now),
        }
    }

    /// The next instant the keeper needs a `Tick`, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.done {
            return None;
        }
        Timer::ALL.iter().filter_map(|t| self.deadline(*t)).min()
    }

    /// Handles every timer that is due.
    pub(super) fn run_timers(&mut self, now: Instant) {
        for timer in Timer::ALL {
            if !self.done && self.deadline(timer).is_some_and(|at| at <= now) {
                self.fire(timer, now);
            }
        }
    }
}
