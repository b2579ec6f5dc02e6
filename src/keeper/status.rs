//! A snapshot of the keeper's state for other software (the status file,
//! metrics): rebuilt after every event, published when it changed.

use std::time::Instant;

use super::Bytes;
use super::Keeper;
use super::health::Step;
use crate::value::Value;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// `up`, or why not (the current phase).
    pub state: String,
    pub modem: Option<String>,
    pub model: Option<String>,
    pub operator: Option<String>,
    pub technology: Option<String>,
    pub strength: Option<i64>,
    pub interface: Option<String>,
    pub up_since: Option<Instant>,
    pub last_outage: Option<Outage>,
    pub activations: u64,
    pub failures: u64,
    pub losses: u64,
    /// Recovery steps taken, by step number (index 0 = step 1).
    pub recoveries: [u64; 6],
    /// Data used: on this connection, and since the daemon started.
    pub bytes: Bytes,
    pub bytes_total: Bytes,
    /// Other managers of the modem on the bus (`modemmanager`, `connman`).
    pub conflicts: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    pub start: Instant,
    pub end: Option<Instant>,
    pub cause: String,
}

impl Keeper {
    pub(super) fn snapshot(&self) -> Status {
        let modem = self.world.modem();
        let netreg = self.world.netreg.as_ref();
        let text = |o: Option<&super::model::Object>, k: &str| {
            o.and_then(|o| o.str(k))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let interface = self.health.net.as_ref().map(|n| n.interface.clone());
        Status {
            state: if self.link.up {
                "up".into()
            } else {
                self.phase.as_ref().map_or("starting", |p| p.name()).into()
            },
            modem: self.world.modem.clone(),
            model: text(modem, "Model"),
            operator: text(netreg, "Name"),
            technology: text(netreg, "Technology"),
            strength: netreg
                .and_then(|n| n.get("Strength"))
                .and_then(Value::as_int),
            interface,
            up_since: self.link.since.filter(|_| self.link.up),
            last_outage: self.outage.clone(),
            activations: self.link.activations,
            failures: self.link.failures,
            losses: self.link.losses,
            recoveries: self.recoveries,
            bytes: self.usage.connection(),
            bytes_total: self.usage.total(),
            conflicts: self.peers.conflicts(),
        }
    }

    /// Publishes the snapshot if it changed since the last one.
    pub(super) fn publish(&mut self) {
        let now = self.snapshot();
        if self.published.as_ref() != Some(&now) {
            self.published = Some(now.clone());
            self.out
                .push_back(crate::events::Action::Publish(Box::new(now)));
        }
    }

    pub(super) fn count_recovery(&mut self, step: Step) {
        let i = usize::from(step.number() - 1);
        self.recoveries[i] += 1;
    }
}
