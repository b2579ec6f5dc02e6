//! The keeper: every decision of the daemon, as a pure state machine.
//!
//! Events and the current monotonic time go in (`handle`); calls to make, log
//! lines and an exit come out (`poll_output`); `poll_timeout` says when the
//! keeper next needs a `Tick`. No clock reads and no I/O happen here, so every
//! field story is a fast unit test (see `tests/`).
//!
//! The state is cut by owner: sub-machines with private fields and their
//! own deadlines (`Calls`, `Link`, `Ladder`, `Prober`, `Teardown`, `Floor`,
//! `Net`, `Usage`, `Peers`, `Fight`), combined through one timer table
//! (`timers`). The files of `impl Keeper` are the glue between them.

mod backoff;
mod calls;
mod change;
mod climb;
mod datastall;
mod decide;
mod errors;
mod fight;
mod floor;
mod ladder;
mod link;
mod model;
mod netcfg;
mod peers;
mod phase;
mod poll;
mod prober;
mod probing;
mod reconcile;
mod replies;
mod retries;
mod settings;
mod signals;
mod snapshot;
mod teardown;
#[cfg(test)]
pub(crate) mod tests;
mod timers;
mod traffic;
mod usage;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use settings::{ProbeMode, Settings};

use crate::events::{Action, Event, Iface, Level, Method, Request, Signal};
use crate::status::{Cause, Status};
use calls::Calls;
use change::ACTIVATE;
use floor::Floor;
use ladder::Ladder;
use link::Link;
use model::World;
use netcfg::Net;
use phase::Phase;
use prober::Prober;

/// How long a deactivation on exit may take before we leave anyway.
const EXIT_DEACTIVATE_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Keeper {
    cfg: Settings,
    world: World,
    out: VecDeque<Action>,
    calls: Calls,
    /// How far up the modem stood at the last look, to notice it falling.
    floor: Floor,
    link: Link,
    net: Net,
    ladder: Ladder,
    prober: Prober,
    /// oFono's PPP still closing: no activation yet.
    teardown: teardown::Teardown,
    /// Data used, from the interface's counters.
    usage: usage::Usage,
    /// ModemManager, ConnMan, systemd-resolved on the bus.
    peers: peers::Peers,
    /// Deactivations nobody explains (another client?).
    fight: fight::Fight,
    phase: Option<Phase>,
    connected: bool,
    next_poll: Instant,
    pin_rejected: bool,
    context_requested: bool,
    /// Set once we are leaving: the instant we leave at the latest.
    exiting: Option<Instant>,
    done: bool,
    published: Option<Status>,
}

impl Keeper {
    pub fn new(cfg: Settings, now: Instant) -> Keeper {
        Keeper {
            next_poll: now + cfg.interval,
            calls: Calls::new(cfg.retry_min, cfg.retry_max),
            link: Link::new(cfg.stable),
            ladder: Ladder::new(&cfg),
            prober: Prober::new(&cfg),
            cfg,
            world: World::default(),
            out: VecDeque::new(),
            floor: Floor::new(),
            net: Net::default(),
            teardown: teardown::Teardown::default(),
            usage: usage::Usage::default(),
            peers: peers::Peers::default(),
            fight: fight::Fight::default(),
            phase: None,
            connected: false,
            pin_rejected: false,
            context_requested: false,
            exiting: None,
            done: false,
            published: None,
        }
    }

    /// Feeds one event; afterwards drain `poll_output`.
    pub fn handle(&mut self, event: Event, now: Instant) {
        if self.done {
            return;
        }
        match event {
            Event::BusConnected => self.on_bus_connected(now),
            Event::BusLost => self.on_bus_lost(now),
            Event::Reply { token, result } => {
                if let Some(call) = self.calls.take(token) {
                    if peers::is_peer_call(&call.method) {
                        self.on_peer_reply(&call.method, result, now);
                    } else {
                        self.on_reply(call, result, now);
                    }
                }
            }
            Event::Signal(Signal::PeerOwner { peer, present }) => {
                self.peer_seen(peer, present, now)
            }
            Event::Signal(signal) => self.on_signal(signal),
            Event::Request(request) => self.on_request(request, now),
            Event::ProbeDone {
                token,
                outcome,
                counters,
            } => self.on_probe(token, outcome, counters, now),
            Event::Counters {
                interface,
                counters,
            } => self.on_counters(&interface, counters, now),
            Event::Tick => {}
        }
        self.run_timers(now);
        if self.done {
            return;
        }
        if self.exiting.is_some() {
            if !self.calls.changing() {
                self.exit(0, now);
            }
            return;
        }
        self.reconcile(now);
        self.publish();
    }

    pub fn poll_output(&mut self) -> Option<Action> {
        self.out.pop_front()
    }

    fn on_bus_connected(&mut self, now: Instant) {
        self.connected = true;
        self.world.forget_ofono();
        self.calls.forget_calls();
        self.next_poll = now + self.cfg.interval;
        self.call("/", Method::GetOfonoOwner, now);
        self.ask_peers(now);
    }

    fn on_bus_lost(&mut self, now: Instant) {
        self.connected = false;
        self.ladder.stop_watching();
        self.world.forget_ofono();
        self.calls.forget_calls();
        self.link.because(Cause::BusLost);
        self.calls.clear_backoff();
        self.log(Level::Warn, "lost the system bus; reconnecting".into());
        self.update_link(false, now);
    }

    fn on_request(&mut self, request: Request, now: Instant) {
        match request {
            Request::Terminate(name) => self.terminate(name, now),
            Request::Recheck => {
                self.log(Level::Info, "SIGHUP: re-checking everything now".into());
                self.calls.clear_backoff();
                self.pin_rejected = false;
                self.next_poll = now;
            }
            Request::Status => {
                let line = self.status_line(now);
                self.log(Level::Info, line);
            }
        }
    }

    fn terminate(&mut self, name: &str, now: Instant) {
        if self.exiting.is_some() {
            self.log(Level::Info, format!("{name} again: exiting now"));
            self.exit(0, now);
            return;
        }
        let active = self
            .chosen_context()
            .filter(|c| c.bool("Active") == Some(true))
            .map(|c| c.path.clone());
        // An activation in flight may yet succeed: wait for it, then undo it.
        let activating = self.calls.activating().map(|c| c.path.clone());
        match activating.clone().or(active) {
            Some(path) if self.cfg.deactivate_on_exit => {
                self.log(
                    Level::Info,
                    format!("{name}: deactivating {path}, then exiting"),
                );
                let deadline = now + EXIT_DEACTIVATE_TIMEOUT;
                self.exiting = Some(deadline);
                self.calls.drop_where(|c| !change::is_activation(&c.method));
                if activating.is_none() {
                    self.deactivate_on_exit(&path, deadline);
                }
            }
            _ => {
                self.log(Level::Info, format!("{name}: exiting"));
                self.exit(0, now);
            }
        }
    }

    fn deactivate_on_exit(&mut self, path: &str, deadline: Instant) {
        let inactive = crate::value::Value::Bool(false);
        let method = Method::SetProperty(Iface::ConnectionContext, "Active", inactive);
        self.call_until(path, method, deadline);
    }

    fn exit(&mut self, code: i32, now: Instant) {
        if !self.done {
            self.done = true;
            self.calls.forget_calls();
            self.unconfigure(now);
            self.out.push_back(Action::Exit(code));
        }
    }

    fn chosen_context(&self) -> Option<&model::Object> {
        self.world.chosen_context(self.cfg.apn.as_deref())
    }

    /// Sends a call with the default deadline for its kind.
    fn call(&mut self, path: &str, method: Method, now: Instant) {
        let timeout = if change::is_activation(&method) {
            self.cfg.activation_timeout
        } else {
            self.cfg.call_timeout
        };
        self.call_until(path, method, now + timeout);
    }

    fn call_until(&mut self, path: &str, method: Method, deadline: Instant) {
        self.log(Level::Debug, format!("call {path} {}", method.describe()));
        let call = self.calls.start(path, method, deadline);
        self.out.push_back(Action::Call(call));
    }

    /// Reads unless the same read is already on its way.
    fn read(&mut self, path: &str, method: Method, now: Instant) {
        if !self.calls.awaiting(path, &method) {
            self.call(path, method, now);
        }
    }

    /// Drops calls that can no longer be answered (their object went away):
    /// oFono never answers calls pending when a modem resets.
    /// Not counted as failures: what they acted on went from under them.
    fn abandon(&mut self, why: &str, doomed: impl Fn(&crate::events::Call) -> bool) {
        for call in self.calls.drop_where(doomed) {
            self.log(
                Level::Debug,
                format!("abandoning {} {}: {why}", call.path, call.method.describe()),
            );
        }
    }

    /// Calls pending on the modem's objects other than the modem itself.
    fn abandon_modem_objects(&mut self, modem: &str, why: &str) {
        let under = format!("{modem}/");
        self.abandon(why, |p| {
            p.path.starts_with(&under)
                || (p.path == modem && !matches!(p.method, Method::SetProperty(Iface::Modem, ..)))
        });
    }

    /// The chosen modem is gone for good: so is all we learnt of it, and
    /// its backoff (a replugged modem returns under a new path, clean).
    fn forget_modem(&mut self) {
        if let Some(path) = self.world.modem.clone() {
            self.calls.forget_object(&path);
        }
        self.world.forget_modem();
    }

    fn log(&mut self, level: Level, line: String) {
        self.out.push_back(Action::Log(level, line));
    }

    fn status_line(&self, now: Instant) -> String {
        let modem = self.world.modem.as_deref().unwrap_or("none");
        let ctx = self.chosen_context().map_or("none", |c| c.path.as_str());
        let state = match self.link.up_since() {
            Some(since) => format!("up for {}s", now.duration_since(since).as_secs()),
            None => format!(
                "down ({})",
                self.phase.as_ref().map_or("starting", Phase::name)
            ),
        };
        let (activations, failures, losses) = self.link.counts();
        format!(
            "status: {state}; modem {modem}; context {ctx}; activations {activations}, failures {failures}, losses {losses}; next retry wait {}s",
            self.calls.next_wait(ACTIVATE, ctx).as_secs()
        )
    }
}

/// `5s`, `2m30s`, `now`: for log lines.
fn human(wait: Duration) -> String {
    let secs = wait.as_secs();
    match secs {
        0 if wait.is_zero() => "now".into(),
        0 => format!("in {}ms", wait.as_millis()),
        1..=119 => format!("in {secs}s"),
        _ if secs.is_multiple_of(60) => format!("in {}m", secs / 60),
        _ => format!("in {}m{}s", secs / 60, secs % 60),
    }
}
