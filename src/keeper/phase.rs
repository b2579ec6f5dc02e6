//! Where the bring-up currently stands: logged once per change, so the log
//! says what we wait for without repeating it every poll.

use crate::events::Level;

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    NoOfono,
    NoModem(String),
    PoweringUp(String),
    GoingOnline(String),
    WaitingSim(String),
    SimNeedsPin(String),
    SimPinRejected,
    SimRetriesLow(String, i64),
    SimNeedsPuk(String),
    CreatingContext(String),
    WaitingAttach(String),
    RoamingBlocked,
    PacketService(String),
    Activating(String),
    ResettingGhost(String),
    /// A recovery step is turning something off (logged when decided).
    Recovering,
    Up,
}

impl Phase {
    pub fn name(&self) -> &'static str {
        match self {
            Phase::NoOfono => "no oFono",
            Phase::NoModem(_) => "no modem",
            Phase::PoweringUp(_) => "powering up",
            Phase::GoingOnline(_) => "going online",
            Phase::WaitingSim(_) => "waiting for SIM",
            Phase::SimNeedsPin(_) | Phase::SimPinRejected | Phase::SimRetriesLow(..) => {
                "SIM locked"
            }
            Phase::SimNeedsPuk(_) => "SIM needs PUK",
            Phase::CreatingContext(_) => "creating context",
            Phase::WaitingAttach(_) => "waiting for attach",
            Phase::RoamingBlocked => "roaming not allowed",
            Phase::PacketService(_) => "enabling packet service",
            Phase::Activating(_) => "activating",
            Phase::ResettingGhost(_) => "resetting ghost context",
            Phase::Recovering => "recovering",
            Phase::Up => "up",
        }
    }

    /// `state=` in the status file: a short token for scripts; the prose
    /// (`name`) is for people and may change.
    pub fn token(&self) -> &'static str {
        match self {
            Phase::NoOfono => "no-ofono",
            Phase::NoModem(_) => "no-modem",
            Phase::PoweringUp(_) => "powering-up",
            Phase::GoingOnline(_) => "going-online",
            Phase::WaitingSim(_) => "waiting-sim",
            Phase::SimNeedsPin(_) | Phase::SimPinRejected | Phase::SimRetriesLow(..) => {
                "sim-locked"
            }
            Phase::SimNeedsPuk(_) => "sim-puk",
            Phase::CreatingContext(_) => "creating-context",
            Phase::WaitingAttach(_) => "waiting-attach",
            Phase::RoamingBlocked => "roaming-blocked",
            Phase::PacketService(_) => "packet-service",
            Phase::Activating(_) => "activating",
            Phase::ResettingGhost(_) => "resetting-ghost",
            Phase::Recovering => "recovering",
            Phase::Up => "up",
        }
    }

    /// The line to log when we enter this phase, if any.
    pub fn announce(&self) -> Option<(Level, String)> {
        let line = match self {
            Phase::NoOfono => (
                Level::Info,
                "waiting for oFono: org.ofono is not on the bus".into(),
            ),
            Phase::NoModem(why) => (Level::Warn, format!("no modem to keep up: {why}")),
            Phase::PoweringUp(m) => (Level::Info, format!("modem {m}: powering on")),
            Phase::GoingOnline(m) => (Level::Info, format!("modem {m}: radio on")),
            Phase::WaitingSim(m) => (Level::Info, format!("modem {m}: waiting for the SIM")),
            Phase::SimNeedsPin(kind) => (
                Level::Warn,
                format!("SIM asks for its {kind}; give it with --pin-file FILE"),
            ),
            Phase::SimPinRejected => (
                Level::Error,
                "SIM refused the PIN from --pin-file; not trying it again (fix the file, then SIGHUP)"
                    .into(),
            ),
            Phase::SimRetriesLow(kind, n) => (
                Level::Error,
                format!("SIM asks for its {kind} with {n} tries left; not risking it (enter it by hand)"),
            ),
            Phase::SimNeedsPuk(kind) => (
                Level::Error,
                format!("SIM is blocked and asks for its {kind}; enter it by hand (psendurance never does)"),
            ),
            Phase::CreatingContext(m) => (
                Level::Info,
                format!("modem {m} has no internet context: creating one"),
            ),
            Phase::WaitingAttach(why) => {
                (Level::Info, format!("waiting for packet service attach ({why})"))
            }
            Phase::RoamingBlocked => (
                Level::Warn,
                "registered on a roaming network but roaming is off: no data (use --roaming to allow it)"
                    .into(),
            ),
            Phase::PacketService(m) => (Level::Debug, format!("modem {m}: enabling packet service")),
            Phase::Activating(c) => (Level::Debug, format!("activating {c}")),
            Phase::ResettingGhost(c) => (
                Level::Warn,
                format!("context {c} still active after the packet service was lost: deactivating it to re-activate"),
            ),
            Phase::Recovering | Phase::Up => return None,
        };
        Some(line)
    }
}
