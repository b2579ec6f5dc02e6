//! The faults the E367 demo injects, in order: the quick ones (a few
//! seconds each on the daemon's defaults), then the two only the data path
//! finds (about a minute each).

use std::time::Duration;

use crate::e367::E367Bench;

pub struct Fault {
    pub name: &'static str,
    pub inject: fn(&E367Bench),
    /// Healed this long after the injection (zero: nothing to heal).
    pub hold: Duration,
    pub heal: fn(&E367Bench),
    /// Found only by the data path: a sender runs, it takes a minute or so.
    pub slow: bool,
}

const fn quick(
    name: &'static str,
    inject: fn(&E367Bench),
    hold_ms: u64,
    heal: fn(&E367Bench),
) -> Fault {
    Fault {
        name,
        inject,
        hold: Duration::from_millis(hold_ms),
        heal,
        slow: false,
    }
}

fn nothing(_: &E367Bench) {}

pub const FAULTS: [Fault; 10] = [
    quick(
        "the network ends PPP (LCP Terminate-Request)",
        |b| b.dongle().lcp_terminate(),
        0,
        nothing,
    ),
    quick(
        "the network deactivates the context (+CGEV: NW DEACT)",
        |b| b.dongle().network_deactivate(),
        0,
        nothing,
    ),
    quick(
        "detached (+CGEV: NW DETACH), attached 1 s later",
        |b| b.dongle().detach(),
        1000,
        |b| b.dongle().attach(),
    ),
    quick(
        "coverage lost (+CREG: 0), back 1 s later",
        |b| b.dongle().deregister(),
        1000,
        |b| {
            b.dongle().register();
            b.dongle().attach();
        },
    ),
    quick(
        "the modem resets (re-enumerates under a new path)",
        |b| b.dongle().reset(),
        0,
        nothing,
    ),
    quick(
        "unplugged, replugged 2 s later",
        |b| b.dongle().unplug(),
        2000,
        |b| b.dongle().replug(),
    ),
    quick(
        "NW DEACT, then the next 2 dials refused (NO CARRIER)",
        |b| {
            b.dongle().refuse_dials(2, "NO CARRIER");
            b.dongle().network_deactivate();
        },
        0,
        nothing,
    ),
    quick(
        "ofonod killed, restarted 1 s later",
        |b| b.kill_ofono(),
        1000,
        |b| b.start_ofono(),
    ),
    Fault {
        name: "ghost: bare NO CARRIER, oFono still says Active (sender running)",
        inject: |b| b.dongle().drop_carrier(),
        hold: Duration::ZERO,
        heal: nothing,
        slow: true,
    },
    Fault {
        name: "black hole behind a live PPP (sender running)",
        inject: |b| b.dongle().set_black_hole(true),
        hold: Duration::ZERO,
        heal: nothing,
        slow: true,
    },
];
