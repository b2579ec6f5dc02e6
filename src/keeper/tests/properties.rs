//! Property tests: random field histories (faults, signals duplicated or
//! missed, oFono vanishing mid-call, late replies, time jumps) never make
//! the keeper panic, hold conflicting calls, exceed its backoff cap or grow
//! without bound; and once the world heals, the link comes back in time.

use proptest::prelude::*;

use super::fake::CTX;
use super::{Fake, Story, settings};
use crate::counters::Counters;
use crate::events::{Event, Iface, ProbeOutcome, Reply, Request, Signal};
use crate::keeper::change::is_mutation;
use crate::value::Value;

#[derive(Clone, Debug)]
enum Op {
    Wait(u16),
    PowerOff,
    SilentReset,
    Offline,
    NetworkDown,
    NetworkUp,
    DropContext {
        signalled: bool,
    },
    Fail(u8),
    Hang(bool),
    OfonoGone,
    OfonoBack(u8),
    BusLost,
    BusBack,
    /// A signal oFono already sent, again (or one it never sent).
    Duplicate {
        active: bool,
    },
    /// A reply to a call long abandoned (or never made).
    LateReply(u64),
    ProbeAnswer(bool),
    /// The interface counts packets received and sent (100 bytes each).
    Traffic(u8, u8),
    /// The interface is re-created: a new index, counters from zero.
    Recreate,
    /// The interface is gone.
    Vanish,
    Recheck,
    Status,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u16..400).prop_map(Op::Wait),
        1 => Just(Op::PowerOff),
        1 => Just(Op::SilentReset),
        1 => Just(Op::Offline),
        1 => Just(Op::NetworkDown),
        2 => Just(Op::NetworkUp),
        1 => any::<bool>().prop_map(|signalled| Op::DropContext { signalled }),
        1 => (1u8..8).prop_map(Op::Fail),
        1 => any::<bool>().prop_map(Op::Hang),
        1 => Just(Op::OfonoGone),
        1 => (0u8..4).prop_map(Op::OfonoBack),
        1 => Just(Op::BusLost),
        1 => Just(Op::BusBack),
        1 => any::<bool>().prop_map(|active| Op::Duplicate { active }),
        1 => (0u64..200).prop_map(Op::LateReply),
        1 => any::<bool>().prop_map(Op::ProbeAnswer),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(rx, tx)| Op::Traffic(rx % 4, tx)),
        1 => Just(Op::Recreate),
        1 => Just(Op::Vanish),
        1 => Just(Op::Recheck),
        1 => Just(Op::Status),
    ]
}

const ERRORS: [&str; 6] = [
    "org.ofono.Error.Failed",
    "org.ofono.Error.NotAttached",
    "org.ofono.Error.InProgress",
    "org.ofono.Error.InvalidArguments",
    "org.freedesktop.DBus.Error.UnknownObject",
    "org.ofono.Error.Timedout",
];

fn apply(s: &mut Story, op: &Op) {
    match op {
        Op::Wait(secs) => {
            let t = s.secs() + f64::from(*secs) / 4.0;
            s.run_until(t);
        }
        Op::PowerOff => s.world(|f| f.powered = false),
        Op::SilentReset => {
            s.world(|f| f.powered = false);
            s.silently(|f| f.powered = true);
        }
        Op::Offline => s.world(|f| f.online = false),
        Op::NetworkDown => s.world(|f| f.network_up = false),
        Op::NetworkUp => s.world(|f| f.network_up = true),
        Op::DropContext { signalled } => {
            s.silently(|f| f.contexts[0].active = false);
            if *signalled {
                s.signal(active(false));
            }
        }
        Op::Fail(n) => s.fake.fail_next = (0..*n).map(|i| ERRORS[usize::from(i) % 6]).collect(),
        Op::Hang(on) => s.fake.hang = *on,
        Op::OfonoGone => {
            s.fake.present = false;
            s.signal(Signal::OfonoOwner {
                new_owner: String::new(),
            });
        }
        Op::OfonoBack(n) => {
            let owner = format!(":1.{}", 100 + n);
            s.fake = Fake {
                owner: owner.clone(),
                ..Fake::default()
            };
            s.signal(Signal::OfonoOwner { new_owner: owner });
        }
        Op::BusLost => s.feed(Event::BusLost),
        Op::BusBack => s.feed(Event::BusConnected),
        Op::Duplicate { active: a } => s.signal(active(*a)),
        Op::LateReply(token) => s.feed(Event::Reply {
            token: *token,
            result: Ok(Reply::Empty),
        }),
        Op::ProbeAnswer(ok) => {
            if let Some(p) = s.probes().last() {
                let outcome = if *ok {
                    ProbeOutcome::Passed
                } else {
                    ProbeOutcome::Failed("x".into())
                };
                let token = p.token;
                s.feed(Event::ProbeDone {
                    token,
                    outcome,
                    counters: s.counters,
                });
            }
        }
        Op::Traffic(rx, tx) => {
            let mut c = s.counters.unwrap_or(Counters {
                index: 1,
                ..Counters::default()
            });
            c.rx_packets += u64::from(*rx);
            c.rx_bytes += 100 * u64::from(*rx);
            c.tx_packets += u64::from(*tx);
            c.tx_bytes += 100 * u64::from(*tx);
            s.counters = Some(c);
        }
        Op::Recreate => {
            let index = s.counters.map_or(1, |c| c.index + 1);
            s.counters = Some(Counters {
                index,
                ..Counters::default()
            });
        }
        Op::Vanish => s.counters = None,
        Op::Recheck => s.request(Request::Recheck),
        Op::Status => s.request(Request::Status),
    }
}

fn active(on: bool) -> Signal {
    Signal::PropertyChanged {
        path: CTX.into(),
        iface: Iface::ConnectionContext,
        name: "Active".into(),
        value: Value::Bool(on),
    }
}

/// What must hold after every step of every history.
fn check_invariants(s: &Story) {
    let k = &s.keeper;
    let pending = k.calls.in_flight();
    let mutations = pending.iter().filter(|p| is_mutation(p)).count();
    assert!(mutations <= 1, "{mutations} changes in flight: {pending:?}");
    assert!(pending.len() <= 16, "pending calls grow: {}", pending.len());
    let (entries, holds) = k.calls.backoff();
    assert!(entries <= 12, "backoff entries grow: {entries}");
    for until in holds {
        assert!(until <= s.now + k.cfg.retry_max, "a hold beyond the cap");
    }
    if k.connected && !k.done {
        assert!(k.poll_timeout().is_some(), "connected but never waking");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_histories_keep_the_invariants_and_recover(ops in proptest::collection::vec(op(), 1..60)) {
        let mut s = Story::new(settings());
        s.run_until(1.0);
        let mut total = s.keeper.usage.total();
        for op in &ops {
            apply(&mut s, op);
            check_invariants(&s);
            // Data used only grows, whatever the interface does.
            let (was, now) = (total, s.keeper.usage.total());
            prop_assert!(now.rx >= was.rx && now.tx >= was.tx, "{was:?} -> {now:?}");
            let conn = s.keeper.usage.connection();
            prop_assert!(conn.rx <= now.rx && conn.tx <= now.tx);
            total = now;
        }
        // The world heals: oFono present, modem fine, network up, no faults.
        let owner = s.fake.owner.clone();
        let was_present = s.fake.present;
        s.fake.hang = false;
        s.fake.fail_next.clear();
        s.fake.present = true;
        s.world(|f| f.network_up = true);
        if !s.keeper.connected {
            s.feed(Event::BusConnected);
        }
        if !was_present {
            s.signal(Signal::OfonoOwner { new_owner: owner });
        }
        // Bound: the longest backoff, a hung call's deadline, a poll, a
        // recovery step's cool-down, and the steps themselves.
        let bound = 300.0 + 120.0 + 30.0 + 150.0 + 10.0;
        let t = s.secs();
        s.run_until(t + bound);
        check_invariants(&s);
        prop_assert!(s.fake.active(CTX), "not up {bound}s after healing:\n{}", s.log_text());
        prop_assert!(s.exit.is_none());
    }
}
