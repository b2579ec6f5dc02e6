//! Field stories for the keeper, told against an in-memory oFono (`fake`).
//! Time is simulated: a story of an hour runs in microseconds.

mod fake;
mod properties;
mod stories;
mod stories_exit;
mod stories_health;
mod stories_latency;
mod stories_losses;
mod stories_pace;
mod stories_peers;
mod stories_ppp;
mod stories_setup;
mod stories_stall;
mod tokens;

use std::time::{Duration, Instant};

use super::{Keeper, Settings};
use crate::counters::Counters;
use crate::events::{Action, Call, CallError, Event, Level, Method, Reply, Request, Signal, Token};
pub use fake::Fake;

pub struct Story {
    pub keeper: Keeper,
    pub fake: Fake,
    pub t0: Instant,
    pub now: Instant,
    pub logs: Vec<(f64, Level, String)>,
    pub exit: Option<i32>,
    /// Calls oFono never answered, in order.
    pub hung: Vec<Call>,
    /// Actions for the other edges (network, probe, USB, last resort).
    pub edge: Vec<(f64, Action)>,
    /// What the link's interface has counted (`None`: no such interface),
    /// answered to every `ReadCounters`.
    pub counters: Option<Counters>,
    /// When counters were read, in order.
    pub reads: Vec<f64>,
    /// Calls oFono is still working on (`Fake::latency`): when each came,
    /// and when it is answered.
    pub answering: Vec<(Instant, Instant, Call)>,
}

impl Story {
    pub fn new(settings: Settings) -> Story {
        Story::with(settings, Fake::default())
    }

    pub fn with(settings: Settings, fake: Fake) -> Story {
        Story::counting(settings, fake, None)
    }

    /// A story whose link interface has counted `counters` from the start.
    pub fn counting(settings: Settings, fake: Fake, counters: Option<Counters>) -> Story {
        let t0 = Instant::now();
        let mut story = Story {
            keeper: Keeper::new(settings, t0),
            fake,
            t0,
            now: t0,
            logs: Vec::new(),
            exit: None,
            hung: Vec::new(),
            edge: Vec::new(),
            counters,
            reads: Vec::new(),
            answering: Vec::new(),
        };
        story.feed(Event::BusConnected);
        story
    }

    pub fn secs(&self) -> f64 {
        self.now.duration_since(self.t0).as_secs_f64()
    }

    pub fn feed(&mut self, event: Event) {
        self.keeper.handle(event, self.now);
        self.pump();
    }

    pub fn signal(&mut self, signal: Signal) {
        self.feed(Event::Signal(signal));
    }

    pub fn request(&mut self, request: Request) {
        self.feed(Event::Request(request));
    }

    /// Changes the fake oFono and delivers the signals it would send.
    pub fn world(&mut self, f: impl FnOnce(&mut Fake)) {
        self.fake.change(f);
        self.pump();
    }

    /// Changes the fake oFono without any signal (as oFono often does).
    pub fn silently(&mut self, f: impl FnOnce(&mut Fake)) {
        f(&mut self.fake);
        self.fake.signals.clear();
    }

    /// Performs the keeper's actions until nothing more happens at `now`.
    fn pump(&mut self) {
        for _ in 0..10_000 {
            let mut replies = Vec::new();
            let mut looks = Vec::new();
            while let Some(action) = self.keeper.poll_output() {
                match action {
                    Action::ReadCounters(interface) => {
                        self.reads.push(self.secs());
                        looks.push(Event::Counters {
                            interface,
                            counters: self.counters,
                        });
                    }
                    Action::Call(call) => {
                        self.fake.arrive(&call);
                        let delay = self.fake.delay(&call);
                        if delay.is_zero() {
                            self.answer(call, self.now, &mut replies);
                        } else {
                            self.answering.push((self.now, self.now + delay, call));
                        }
                    }
                    Action::Log(level, line) => self.logs.push((self.secs(), level, line)),
                    Action::Exit(code) => self.exit = Some(code),
                    other => self.edge.push((self.secs(), other)),
                }
            }
            for (came, call) in self.due_answers() {
                self.answer(call, came, &mut replies);
            }
            let signals: Vec<Signal> = self.fake.signals.drain(..).collect();
            if replies.is_empty() && signals.is_empty() && looks.is_empty() {
                return;
            }
            for look in looks {
                self.keeper.handle(look, self.now);
            }
            for (token, result) in replies {
                self.keeper.handle(Event::Reply { token, result }, self.now);
            }
            for signal in signals {
                self.keeper.handle(Event::Signal(signal), self.now);
            }
        }
        panic!("keeper and oFono talk forever at t={}", self.secs());
    }

    fn answer(
        &mut self,
        call: Call,
        came: Instant,
        replies: &mut Vec<(Token, Result<Reply, CallError>)>,
    ) {
        match self.fake.answer(&call, came) {
            Some(result) => replies.push((call.token, result)),
            None => self.hung.push(call),
        }
    }

    /// Calls oFono has finished working on by now, in the order they
    /// came, with the instant each came.
    fn due_answers(&mut self) -> Vec<(Instant, Call)> {
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) =
            self.answering.drain(..).partition(|(_, at, _)| *at <= now);
        self.answering = later;
        due.into_iter()
            .map(|(came, _, call)| (came, call))
            .collect()
    }

    /// Lets time pass to `t0 + secs`, waking the keeper when it asks
    /// and whenever oFono answers a slow call.
    pub fn run_until(&mut self, secs: f64) {
        let end = self.t0 + Duration::from_secs_f64(secs);
        let mut same_instant = 0;
        while self.exit.is_none() {
            self.pump();
            let answer = self.answering.iter().map(|(_, at, _)| *at).min();
            match self.keeper.poll_timeout().into_iter().chain(answer).min() {
                Some(at) if at <= end => {
                    same_instant = if at <= self.now { same_instant + 1 } else { 0 };
                    assert!(same_instant < 100, "keeper spins at t={}", self.secs());
                    self.now = self.now.max(at);
                    self.feed(Event::Tick);
                }
                _ => {
                    self.now = self.now.max(end);
                    self.feed(Event::Tick);
                    return;
                }
            }
        }
    }

    /// Seconds (since t0) of every activation request oFono received.
    pub fn activations(&self) -> Vec<f64> {
        let t0 = self.t0;
        self.fake
            .activations
            .iter()
            .map(|t| round(t.duration_since(t0).as_secs_f64()))
            .collect()
    }

    /// Mutating calls (SetProperty, AddContext, EnterPin), described, in order.
    pub fn changes(&self) -> Vec<String> {
        self.fake
            .log
            .iter()
            .filter(|c| {
                matches!(
                    c.method,
                    Method::SetProperty(..) | Method::AddContext(_) | Method::EnterPin(..)
                )
            })
            .map(|c| format!("{} {}", c.path, c.method.describe()))
            .collect()
    }

    /// Probes asked for and not yet answered, oldest first.
    pub fn probes(&self) -> Vec<crate::events::ProbeRequest> {
        self.edge
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Probe(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// Answers the latest probe, with `counters` as read at its end.
    pub fn probe_result(
        &mut self,
        outcome: crate::events::ProbeOutcome,
        counters: Option<Counters>,
    ) {
        let token = self.probes().last().expect("no probe asked for").token;
        self.feed(Event::ProbeDone {
            token,
            outcome,
            counters,
        });
    }

    /// Answers the latest probe with the interface's counters as they are.
    pub fn probe_answer(&mut self, outcome: crate::events::ProbeOutcome) {
        self.probe_result(outcome, self.counters);
    }

    /// The last snapshot the keeper published.
    pub fn status(&self) -> Option<&crate::keeper::Status> {
        self.edge.iter().rev().find_map(|(_, a)| match a {
            Action::Publish(s) => Some(&**s),
            _ => None,
        })
    }

    pub fn logged(&self, needle: &str) -> usize {
        self.logs
            .iter()
            .filter(|(_, _, l)| l.contains(needle))
            .count()
    }

    pub fn log_text(&self) -> String {
        self.logs
            .iter()
            .map(|(t, level, l)| format!("{t:8.3} {level:?} {l}\n"))
            .collect()
    }
}

/// Counters that received only bytes (packets and what was sent: zero).
pub fn rx(bytes: u64) -> Option<Counters> {
    Some(Counters {
        rx_bytes: bytes,
        ..Counters::default()
    })
}

fn round(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// Settings with short, round numbers for stories.
/// Up on the usual PPP dongle (`ppp0`).
pub fn up() -> Story {
    up_on("ppp0")
}

/// Up with the context on `iface` (`dummy0`: oFono's phonesim driver,
/// whose context a detach leaves active and which has no PPP to close;
/// see stories_ppp.rs).
pub fn up_on(iface: &'static str) -> Story {
    let fake = Fake {
        interface: iface,
        ..Fake::default()
    };
    let mut s = Story::with(settings(), fake);
    s.run_until(1.0);
    assert!(
        s.fake.active(fake::CTX),
        "not up at start:\n{}",
        s.log_text()
    );
    s
}

/// The network deactivates the context (`Active=false` signalled).
pub fn network_deactivates(s: &mut Story) {
    s.fake.contexts[0].active = false;
    s.signal(crate::events::Signal::PropertyChanged {
        path: fake::CTX.into(),
        iface: crate::events::Iface::ConnectionContext,
        name: "Active".into(),
        value: crate::value::Value::Bool(false),
    });
}

/// The context's `Active` changed, as oFono signals it.
pub fn active_changed(on: bool) -> Signal {
    Signal::PropertyChanged {
        path: fake::CTX.into(),
        iface: crate::events::Iface::ConnectionContext,
        name: "Active".into(),
        value: crate::value::Value::Bool(on),
    }
}

pub fn settings() -> Settings {
    Settings {
        interval: Duration::from_secs(30),
        retry_min: Duration::from_secs(2),
        retry_max: Duration::from_secs(300),
        stable: Duration::from_secs(120),
        ..Settings::default()
    }
}
