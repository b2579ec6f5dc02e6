//! Every fault the simulator offers, each run to its end (the network back,
//! the SIM back in, ofonod restarted), so the next episode starts whole.
//!
//! Left out: `network_deactivate`. With oFono 1.31's phonesim driver it
//! leaves a ghost (Active=true in oFono, nothing at the modem) that only a
//! data-path probe finds, and the phonesim context has no interface to
//! probe through, so on this bench it could never recover.

use std::time::{Duration, Instant};

use super::rng::Rng;
use crate::bench::Bench;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Reset,
    DetachAttach,
    DeregisterRegister,
    RoamingOnOff,
    ActivationErrors,
    HungActivation,
    Hangup,
    UnplugReplug,
    SimOutIn,
    OfonoRestart,
}

pub const ALL: [Kind; 10] = [
    Kind::Reset,
    Kind::DetachAttach,
    Kind::DeregisterRegister,
    Kind::RoamingOnOff,
    Kind::ActivationErrors,
    Kind::HungActivation,
    Kind::Hangup,
    Kind::UnplugReplug,
    Kind::SimOutIn,
    Kind::OfonoRestart,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Reset => "modem reset",
            Kind::DetachAttach => "detach, attach",
            Kind::DeregisterRegister => "deregister, register",
            Kind::RoamingOnOff => "roaming on, off",
            Kind::ActivationErrors => "1-5 activation errors (+ reset)",
            Kind::HungActivation => "hung activation, release (+ reset)",
            Kind::Hangup => "link hang-up",
            Kind::UnplugReplug => "unplug, replug",
            Kind::SimOutIn => "SIM out, in",
            Kind::OfonoRestart => "ofonod killed, restarted",
        }
    }
}

/// Runs one fault to its end. Returns the modem's activation count taken
/// just before the fault dropped the context there: recovery means a
/// context active again through an activation counted after it.
pub fn inject(b: &Bench, kind: Kind, rng: &mut Rng, activation_timeout: Duration) -> u32 {
    let sim = b.sim();
    let before = sim.activation_count();
    let gap = rng.millis(50, 1000);
    match kind {
        Kind::Reset => sim.reset(),
        Kind::DetachAttach => {
            sim.detach();
            std::thread::sleep(gap);
            sim.attach();
        }
        Kind::DeregisterRegister => {
            sim.deregister();
            std::thread::sleep(gap);
            sim.register();
        }
        Kind::RoamingOnOff => {
            sim.set_roaming(true);
            // The context drops only once oFono answers roaming with
            // AT+CGATT=0 (RoamingAllowed is off): wait for that, bounded.
            sim.wait_for(|s| !s.attached(), Duration::from_secs(2));
            std::thread::sleep(gap);
            sim.set_roaming(false);
        }
        Kind::ActivationErrors => {
            sim.fail_next_activations(1 + rng.below(5) as u32);
            sim.reset();
        }
        Kind::HungActivation => {
            sim.hang_activations(true);
            sim.reset();
            let held = |s: &crate::bench::modemsim::SimView| s.modem().held_activation.is_some();
            sim.wait_for(held, activation_timeout * 2);
            // Released before or after the daemon's deadline: both happen.
            std::thread::sleep(rng.millis(0, (activation_timeout.as_millis() as u64) * 3 / 2));
            sim.release_hang();
        }
        Kind::Hangup => sim.hangup(),
        Kind::UnplugReplug => {
            sim.unplug();
            std::thread::sleep(gap);
            replug(b);
        }
        Kind::SimOutIn => {
            sim.remove_sim();
            std::thread::sleep(gap);
            sim.insert_sim();
        }
        Kind::OfonoRestart => {
            b.kill_ofono();
            b.start_ofono();
        }
    }
    before
}

/// The port may linger for a moment after unplug; retry for 2 s.
fn replug(b: &Bench) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while b.sim().replug().is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}
