//! The one blocking loop: wait on the bus and the signal pipe until the
//! keeper's next deadline, turn what arrived into events, perform the
//! keeper's actions. Calls are sent without blocking; replies are events.

use std::collections::HashMap;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use dbus::channel::{BusType, Channel};
use dbus::message::MessageType;

use crate::edges::Edges;
use crate::events::{Action, CallError, Event, Level, Token};
use crate::keeper::Keeper;
use crate::log::emit;
use crate::ofono;
use crate::signals::Signals;

/// Reconnecting to a lost bus: first after this, doubling up to the cap.
const RECONNECT_FIRST: Duration = Duration::from_secs(1);
const RECONNECT_CAP: Duration = Duration::from_secs(30);

/// A live bus connection and the calls awaiting replies on it: serial ->
/// (token, the keeper's deadline). A reply decodes by its own signature.
struct Bus {
    channel: Channel,
    calls: HashMap<u32, (Token, Instant)>,
}

impl Bus {
    fn connect() -> Result<Bus, dbus::Error> {
        let mut channel = Channel::get_private(BusType::System)?;
        channel.set_watch_enabled(true);
        for rule in ofono::MATCH_RULES {
            let msg = dbus::Message::new_method_call(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "AddMatch",
            )
            .map_err(|e| dbus::Error::new_failed(&e))?
            .append1(rule);
            channel
                .send(msg)
                .map_err(|_| dbus::Error::new_failed("cannot send AddMatch"))?;
        }
        Ok(Bus {
            channel,
            calls: HashMap::new(),
        })
    }

    /// Sends a call; an error to report at once if it cannot be built.
    fn send(&mut self, call: crate::events::Call) -> Option<Event> {
        let failed = |err: CallError| Event::Reply {
            token: call.token,
            result: Err(err),
        };
        let msg = match ofono::message(&call.path, &call.method) {
            Ok(msg) => msg,
            Err(err) => return Some(failed(err)),
        };
        match self.channel.send(msg) {
            Ok(serial) => {
                self.calls.insert(serial, (call.token, call.deadline));
                None
            }
            Err(()) => Some(failed(CallError::new(
                "org.freedesktop.DBus.Error.Disconnected",
                "cannot queue the call",
            ))),
        }
    }

    /// The event a message means to the keeper, if any.
    fn event(&mut self, msg: &dbus::Message) -> Option<Event> {
        match msg.msg_type() {
            MessageType::MethodReturn | MessageType::Error => {
                let (token, _) = self.calls.remove(&msg.get_reply_serial()?)?;
                let result = ofono::reply(msg);
                Some(Event::Reply { token, result })
            }
            MessageType::Signal => ofono::signal(msg).map(Event::Signal),
            MessageType::MethodCall => None,
        }
    }

    /// Forgets calls the keeper no longer waits for.
    fn forget_expired(&mut self, now: Instant) {
        self.calls.retain(|_, (_, deadline)| *deadline > now);
    }

    fn fd(&self) -> RawFd {
        self.channel.watch().fd
    }
}

/// When to (re)connect to the system bus: at start at once, after a loss
/// or a failed try after `RECONNECT_FIRST`, doubling up to `RECONNECT_CAP`.
/// One more deadline of the loop; it decides nothing about the modem.
struct Reconnect {
    at: Option<Instant>,
    retry: Duration,
    /// A failure has been logged since the bus was last reachable.
    warned: bool,
}

impl Reconnect {
    fn new(now: Instant) -> Reconnect {
        Reconnect {
            at: Some(now),
            retry: RECONNECT_FIRST,
            warned: false,
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.at
    }

    fn due(&self, now: Instant) -> bool {
        self.at.is_some_and(|at| at <= now)
    }

    /// Connected: the next loss starts the backoff afresh. The line to log.
    fn connected(&mut self) -> Option<&'static str> {
        self.at = None;
        self.retry = RECONNECT_FIRST;
        std::mem::take(&mut self.warned).then_some("system bus reachable again")
    }

    /// A try failed: tries again later; whether to log it (once per outage).
    fn failed(&mut self, now: Instant) -> bool {
        self.later(now);
        !std::mem::replace(&mut self.warned, true)
    }

    /// The connection was lost.
    fn lost(&mut self, now: Instant) {
        self.later(now);
    }

    fn later(&mut self, now: Instant) {
        self.at = Some(now + self.retry);
        self.retry = (self.retry * 2).min(RECONNECT_CAP);
    }
}

/// Runs until the keeper exits; returns the exit code. One loop, with or
/// without a bus: signals, the edges' checks and the keeper's timers go on
/// while the bus is away, and reconnecting is one more deadline.
pub fn run(keeper: &mut Keeper, signals: &mut Signals, edges: &mut Edges) -> i32 {
    let mut bus: Option<Bus> = None;
    let mut reconnect = Reconnect::new(Instant::now());
    loop {
        let now = Instant::now();
        if bus.is_none() && reconnect.due(now) {
            match Bus::connect() {
                Ok(connected) => {
                    if let Some(line) = reconnect.connected() {
                        emit(Level::Info, line);
                    }
                    bus = Some(connected);
                    edges.ready();
                    keeper.handle(Event::BusConnected, Instant::now());
                }
                Err(e) => {
                    if reconnect.failed(now) {
                        let why = e.message().unwrap_or("unknown error");
                        let line = format!("cannot reach the system bus ({why}); retrying");
                        emit(Level::Warn, &line);
                    }
                }
            }
        }
        let exit = perform(keeper, bus.as_mut(), edges);
        if let Some(b) = bus.as_mut() {
            b.channel.flush();
        }
        if let Some(code) = exit {
            return code;
        }
        if let Some(b) = bus.as_mut() {
            if b.channel.read_write(Some(Duration::ZERO)).is_err() || !b.channel.is_connected() {
                bus = None;
                reconnect.lost(now);
                keeper.handle(Event::BusLost, Instant::now());
                continue;
            }
            let mut arrived = false;
            while let Some(msg) = b.channel.pop_message() {
                arrived = true;
                if let Some(event) = b.event(&msg) {
                    keeper.handle(event, Instant::now());
                }
            }
            if arrived {
                continue; // send what the keeper wants before sleeping
            }
        }
        let mut fds = vec![(signals.fd(), true, false)];
        fds.extend(bus.as_ref().map(|b| (b.fd(), true, false)));
        fds.extend(edges.fds());
        let until = [
            keeper.poll_timeout(),
            edges.deadline(),
            reconnect.deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        wait(&fds, until);
        for request in signals.take() {
            keeper.handle(Event::Request(request), Instant::now());
        }
        let now = Instant::now();
        if let Some(event) = edges.check(now) {
            keeper.handle(event, now);
        }
        if let Some(b) = bus.as_mut() {
            b.forget_expired(now);
        }
        keeper.handle(Event::Tick, now);
    }
}

/// Performs the keeper's queued actions; `Some(code)` when it wants to exit.
fn perform(keeper: &mut Keeper, mut bus: Option<&mut Bus>, edges: &mut Edges) -> Option<i32> {
    while let Some(action) = keeper.poll_output() {
        match action {
            Action::Log(level, line) => emit(level, &line),
            Action::Exit(code) => return Some(code),
            Action::Configure(net, via) => edges.configure(&net, via),
            Action::MoveDns(via) => edges.move_dns(via),
            Action::CheckDns => edges.check_dns(),
            Action::Unconfigure => edges.unconfigure(),
            Action::Probe(request) => {
                let now = Instant::now();
                if let Some(event) = edges.probe(request, now) {
                    keeper.handle(event, now);
                }
            }
            Action::ReadCounters(iface) => {
                let event = edges.counters(iface);
                keeper.handle(event, Instant::now());
            }
            Action::UsbAuthorize { device, authorized } => edges.usb(&device, authorized),
            Action::LastResort => edges.last_resort(),
            Action::Publish(status) => edges.publish(status, Instant::now()),
            Action::Call(call) => {
                // Without a bus the keeper hears of the loss, not of each call.
                let Some(bus) = bus.as_deref_mut() else {
                    continue;
                };
                if let Some(event) = bus.send(call) {
                    keeper.handle(event, Instant::now());
                }
            }
        }
    }
    None
}

/// Sleeps until one of `fds` (fd, read, write) is ready, or `until`.
fn wait(fds: &[(RawFd, bool, bool)], until: Option<Instant>) {
    let mut pollfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&(fd, read, write)| libc::pollfd {
            fd,
            events: (if read { libc::POLLIN } else { 0 }) | (if write { libc::POLLOUT } else { 0 }),
            revents: 0,
        })
        .collect();
    let timeout_ms = match until {
        None => -1,
        Some(at) => {
            let left = at.saturating_duration_since(Instant::now());
            // Round up so we never wake just before the deadline and spin.
            let ms = left.as_nanos().div_ceil(1_000_000);
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    };
    // SAFETY: pollfds is a valid, exclusively borrowed array of its length.
    unsafe {
        libc::poll(
            pollfds.as_mut_ptr(),
            pollfds.len() as libc::nfds_t,
            timeout_ms,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnecting_starts_at_once_backs_off_to_the_cap_and_warns_once() {
        let t0 = Instant::now();
        let mut r = Reconnect::new(t0);
        assert!(r.due(t0), "the first connect is not delayed");
        let mut now = t0;
        let mut waits = Vec::new();
        let mut warnings = 0;
        for _ in 0..7 {
            warnings += usize::from(r.failed(now));
            let at = r.deadline().unwrap();
            assert!(!r.due(at - Duration::from_millis(1)));
            waits.push((at - now).as_secs());
            now = at;
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(warnings, 1, "one warning per outage, not per try");
        assert_eq!(r.connected(), Some("system bus reachable again"));
        assert_eq!(r.deadline(), None, "no tries while connected");
        // A loss waits the first step again, and a quick recovery says nothing.
        r.lost(now);
        assert_eq!(r.deadline(), Some(now + RECONNECT_FIRST));
        assert_eq!(r.connected(), None);
    }
}
