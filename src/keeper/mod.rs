//! The keeper: every decision of the daemon, as a pure state machine.
//!
//! Events and the current monotonic time go in (`handle`); calls to make, log
//! lines and an exit come out (`poll_output`); `poll_timeout` says when the
//! keeper next needs a `Tick`. No clock reads and no I/O happen here, so every
//! field story is a fast unit test (see `tests/`).

mod backoff;
mod cause;
mod datastall;
mod errors;
mod fight;
mod health;
mod inputs;
mod model;
mod peers;
mod phase;
mod reconcile;
mod retries;
mod settings;
mod status;
mod teardown;
#[cfg(test)]
pub(crate) mod tests;
mod traffic;
mod usage;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use health::ProbeMode;
pub use settings::Settings;
pub use status::{Outage, Status};
pub use usage::Bytes;

use crate::events::{Action, Call, Event, Iface, Level, Method, Request, Signal, Token};
use cause::Cause;
use model::World;
use phase::Phase;
use retries::{Layer, Retries};

/// How long a deactivation on exit may take before we leave anyway.
const EXIT_DEACTIVATE_TIMEOUT: Duration = Duration::from_secs(5);

/// A call we made and still await.
#[derive(Clone, Debug)]
struct Pending {
    token: Token,
    path: String,
    method: Method,
    deadline: Instant,
}

impl Pending {
    fn is_mutation(&self) -> bool {
        Step::of(&self.method).is_some()
    }

    fn is_activation(&self) -> bool {
        matches!(
            &self.method,
            Method::SetProperty(Iface::ConnectionContext, "Active", v) if v.as_bool() == Some(true)
        )
    }
}

/// A kind of change we ask oFono for; backoff holds apply per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Set(Iface, &'static str),
    AddContext,
    EnterPin,
}

impl Step {
    fn of(method: &Method) -> Option<Step> {
        match method {
            Method::SetProperty(iface, name, _) => Some(Step::Set(*iface, name)),
            Method::AddContext(_) => Some(Step::AddContext),
            Method::EnterPin(..) => Some(Step::EnterPin),
            _ => None,
        }
    }
}

/// The step whose backoff guards the operator against a tight loop.
const ACTIVATE: Step = Step::Set(Iface::ConnectionContext, "Active");

/// What a recovery step turns off and lets the ladder turn on again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cycle {
    Context,
    PacketService,
    Radio,
    Modem,
}

/// Whether the context is up, since when, and counters for the status line.
#[derive(Clone, Debug, Default)]
struct Link {
    up: bool,
    /// The context that is (or was last) up, for the loss line.
    path: String,
    since: Option<Instant>,
    stable: bool,
    activations: u64,
    failures: u64,
    losses: u64,
}

pub struct Keeper {
    cfg: Settings,
    world: World,
    out: VecDeque<Action>,
    next_token: Token,
    pending: Vec<Pending>,
    /// Backoff per step and object (see `retries`).
    retries: Retries,
    /// How far up the modem stood at the last look, to notice it falling.
    floor: Layer,
    /// We turned a layer off ourselves (a recovery step): its fall resets
    /// nothing until the modem stands attached again.
    lowered_by_us: bool,
    /// Our own deactivation of a context, and when: oFono signals it before
    /// its PPP teardown ends, so the next activation may fail for a moment.
    own_deactivation: Option<(String, Instant)>,
    next_poll: Instant,
    connected: bool,
    phase: Option<Phase>,
    link: Link,
    /// Why the link went down, for the log line that reports the loss.
    loss_reason: Option<Cause>,
    /// A context still `Active` after the packet service was lost.
    ghost: Option<String>,
    /// Something to turn off, so that the ladder turns it on again.
    cycle: Option<Cycle>,
    health: health::Health,
    /// oFono's PPP still closing after a detach: no activation yet.
    teardown: teardown::Teardown,
    /// Data used, from the interface's counters.
    usage: usage::Usage,
    /// Sending into silence, from the same counters.
    datastall: datastall::DataStall,
    pin_rejected: bool,
    context_requested: bool,
    /// Set once we are leaving: the instant we leave at the latest.
    exiting: Option<Instant>,
    done: bool,
    /// The last outage (start, end, cause), for the status file.
    outage: Option<Outage>,
    recoveries: [u64; 6],
    published: Option<Status>,
    /// ModemManager, ConnMan, systemd-resolved on the bus.
    peers: peers::Peers,
    /// Deactivations nobody explains (another client?).
    fight: fight::Fight,
}

impl Keeper {
    pub fn new(cfg: Settings, now: Instant) -> Keeper {
        let retries = Retries::new(cfg.retry_min, cfg.retry_max);
        Keeper {
            next_poll: now + cfg.interval,
            cfg,
            world: World::default(),
            out: VecDeque::new(),
            next_token: 1,
            pending: Vec::new(),
            retries,
            floor: Layer::Down,
            lowered_by_us: false,
            own_deactivation: None,
            connected: false,
            phase: None,
            link: Link::default(),
            loss_reason: None,
            ghost: None,
            cycle: None,
            health: health::Health::default(),
            teardown: teardown::Teardown::default(),
            usage: usage::Usage::default(),
            datastall: datastall::DataStall::default(),
            pin_rejected: false,
            context_requested: false,
            exiting: None,
            done: false,
            outage: None,
            recoveries: [0; 6],
            published: None,
            peers: peers::Peers::default(),
            fight: fight::Fight::default(),
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
                if let Some(i) = self.pending.iter().position(|p| p.token == token) {
                    let call = self.pending.remove(i);
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
        self.expire_calls(now);
        self.run_timers(now);
        self.teardown.expire(now);

        if let Some(at) = self.exiting {
            let deactivating = self.pending.iter().any(|p| p.is_mutation());
            if !deactivating || now >= at {
                self.exit(0, now);
            }
            return;
        }
        if !self.done {
            self.reconcile(now);
            self.publish();
        }
    }

    pub fn poll_output(&mut self) -> Option<Action> {
        self.out.pop_front()
    }

    /// The next instant the keeper needs a `Tick`, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.done {
            return None;
        }
        let deadlines = self.pending.iter().map(|p| p.deadline);
        let holds = self.retries.deadlines();
        let stable = match (&self.link, self.link.since) {
            (l, Some(since)) if l.up && !l.stable => Some(since + self.cfg.stable),
            _ => None,
        };
        deadlines
            .chain(self.health_deadlines())
            .chain(holds)
            .chain(stable)
            .chain(self.exiting)
            .chain(self.teardown.deadline())
            .chain(self.connected.then_some(self.next_poll))
            .min()
    }

    fn on_bus_connected(&mut self, now: Instant) {
        self.connected = true;
        self.world.forget_ofono();
        self.pending.clear();
        self.next_poll = now + self.cfg.interval;
        self.call("/", Method::GetOfonoOwner, now);
        self.ask_peers(now);
    }

    fn on_bus_lost(&mut self, now: Instant) {
        self.connected = false;
        self.health.stall = None;
        self.world.forget_ofono();
        self.pending.clear();
        self.loss_reason = Some(Cause::BusLost);
        self.retries.clear();
        self.log(Level::Warn, "lost the system bus; reconnecting".into());
        self.update_link(false, now);
    }

    fn on_request(&mut self, request: Request, now: Instant) {
        match request {
            Request::Terminate(name) => self.terminate(name, now),
            Request::Recheck => {
                self.log(Level::Info, "SIGHUP: re-checking everything now".into());
                self.retries.clear();
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
        let activating = self.pending.iter().find(|p| p.is_activation());
        match activating.map(|p| p.path.clone()).or(active) {
            Some(path) if self.cfg.deactivate_on_exit => {
                self.log(
                    Level::Info,
                    format!("{name}: deactivating {path}, then exiting"),
                );
                let deadline = now + EXIT_DEACTIVATE_TIMEOUT;
                self.exiting = Some(deadline);
                self.pending.retain(Pending::is_activation);
                if self.pending.is_empty() {
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
            self.pending.clear();
            self.unconfigure(now);
            self.out.push_back(Action::Exit(code));
        }
    }

    /// Calls whose deadline passed: treated as failed, never awaited again.
    fn expire_calls(&mut self, now: Instant) {
        while let Some(i) = self.pending.iter().position(|p| p.deadline <= now) {
            let call = self.pending.remove(i);
            self.on_timeout(call, now);
        }
    }

    fn run_timers(&mut self, now: Instant) {
        self.retries.expire(now);
        self.run_health_timers(now);
        if let (true, false, Some(since)) = (self.link.up, self.link.stable, self.link.since)
            && now >= since + self.cfg.stable
        {
            self.link.stable = true;
            self.retries.clear();
            self.fight.held();
        }
        if self.connected && now >= self.next_poll {
            self.next_poll = now + self.cfg.interval;
            self.poll_state(now);
            self.read_counters();
        }
    }

    /// Re-reads what we depend on: signals can be missed (oFono restarts,
    /// modem resets that are never signalled).
    fn poll_state(&mut self, now: Instant) {
        // Someone may have rewritten resolv.conf since the last poll.
        if self.cfg.dns && self.health.net.is_some() && self.peers.resolved_link.is_none() {
            self.out.push_back(Action::CheckDns);
        }
        if self.world.ofono.is_none() {
            self.read("/", Method::GetOfonoOwner, now);
            return;
        }
        let Some(modem) = self.world.modem.clone() else {
            self.read("/", Method::GetModems, now);
            return;
        };
        // A stable link needs only what defines it read. When the modem or
        // radio goes, oFono removes the context (the read fails); a detach
        // leaves it Active=true (a ghost) and only Attached tells.
        if self.link.up
            && self.link.stable
            && let Some(ctx) = self.chosen_context().map(|c| c.path.clone())
        {
            self.read(&modem, Method::GetProperties(Iface::ConnectionManager), now);
            self.read(&ctx, Method::GetProperties(Iface::ConnectionContext), now);
            return;
        }
        self.read(&modem, Method::GetProperties(Iface::Modem), now);
        // Registration matters while the link is down (roaming, stalls);
        // while it is up its signals keep the status file current.
        if self.world.netreg.is_some() && !self.link.up {
            let method = Method::GetProperties(Iface::NetworkRegistration);
            self.read(&modem, method, now);
        }
        if self.world.cm.is_none() {
            if self.world.sim.is_some() {
                self.read(&modem, Method::GetProperties(Iface::SimManager), now);
            }
            return;
        }
        self.read(&modem, Method::GetProperties(Iface::ConnectionManager), now);
        match self.chosen_context().map(|c| c.path.clone()) {
            Some(ctx) => self.read(&ctx, Method::GetProperties(Iface::ConnectionContext), now),
            None => self.read(&modem, Method::GetContexts, now),
        }
    }

    /// The chosen modem is gone for good: so is all we learnt of it, and
    /// its backoff (a replugged modem returns under a new path, clean).
    fn forget_modem(&mut self) {
        if let Some(path) = self.world.modem.clone() {
            self.retries.forget_object(&path);
        }
        self.world.forget_modem();
    }

    fn chosen_context(&self) -> Option<&model::Object> {
        self.world.chosen_context(self.cfg.apn.as_deref())
    }

    /// Sends a call with the default deadline for its kind.
    fn call(&mut self, path: &str, method: Method, now: Instant) -> Token {
        let activation = matches!(
            &method,
            Method::SetProperty(Iface::ConnectionContext, "Active", v) if v.as_bool() == Some(true)
        );
        let timeout = if activation {
            self.cfg.activation_timeout
        } else {
            self.cfg.call_timeout
        };
        self.call_until(path, method, now + timeout)
    }

    fn call_until(&mut self, path: &str, method: Method, deadline: Instant) -> Token {
        let token = self.next_token;
        self.next_token += 1;
        self.log(Level::Debug, format!("call {path} {}", method.describe()));
        let call = Call {
            token,
            path: path.to_string(),
            method: method.clone(),
            deadline,
        };
        self.pending.push(Pending {
            token,
            path: path.to_string(),
            method,
            deadline,
        });
        self.out.push_back(Action::Call(call));
        token
    }

    /// Reads unless the same read is already on its way.
    fn read(&mut self, path: &str, method: Method, now: Instant) {
        let dup = self
            .pending
            .iter()
            .any(|p| p.path == path && p.method == method);
        if !dup {
            self.call(path, method, now);
        }
    }

    /// Drops calls that can no longer be answered (their object went away):
    /// oFono never answers calls pending when a modem resets.
    /// Not counted as failures: what they acted on went from under them.
    fn abandon(&mut self, why: &str, doomed: impl Fn(&Pending) -> bool) {
        let (gone, kept): (Vec<Pending>, Vec<Pending>) =
            self.pending.drain(..).partition(|p| doomed(p));
        self.pending = kept;
        for call in gone {
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

    /// Counts a failure of a change against its step and object; returns
    /// the wait before it is tried again.
    fn failed_change(&mut self, call: &Pending, slowly: bool, now: Instant) -> Duration {
        let Some(step) = Step::of(&call.method) else {
            return Duration::ZERO;
        };
        if slowly {
            self.retries.fail_slowly(step, &call.path, now)
        } else {
            self.retries.fail(step, &call.path, now)
        }
    }

    fn log(&mut self, level: Level, line: String) {
        self.out.push_back(Action::Log(level, line));
    }

    fn status_line(&self, now: Instant) -> String {
        let modem = self.world.modem.as_deref().unwrap_or("none");
        let ctx = self.chosen_context().map_or("none", |c| c.path.as_str());
        let state = match (self.link.up, self.link.since) {
            (true, Some(since)) => format!("up for {}s", now.duration_since(since).as_secs()),
            _ => format!(
                "down ({})",
                self.phase.as_ref().map_or("starting", Phase::name)
            ),
        };
        format!(
            "status: {state}; modem {modem}; context {ctx}; activations {}, failures {}, losses {}; next retry wait {}s",
            self.link.activations,
            self.link.failures,
            self.link.losses,
            self.retries.next_wait(ACTIVATE, ctx).as_secs()
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
