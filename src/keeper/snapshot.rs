//! A snapshot of the keeper's state for other software (the status file,
//! metrics): rebuilt after every event, published when it changed.

use super::Keeper;
use super::model::Object;
use crate::events::Action;
use crate::status::Status;
use crate::value::Value;

impl Keeper {
    fn snapshot(&self) -> Status {
        let modem = self.world.modem();
        let netreg = self.world.netreg.as_ref();
        let text = |o: Option<&Object>, k: &str| {
            o.and_then(|o| o.str(k))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let (activations, failures, losses) = self.link.counts();
        Status {
            state: self.state_token().into(),
            modem: self.world.modem.clone(),
            model: text(modem, "Model"),
            operator: text(netreg, "Name"),
            technology: text(netreg, "Technology"),
            strength: netreg
                .and_then(|n| n.get("Strength"))
                .and_then(Value::as_int),
            interface: self.net.interface().map(str::to_string),
            up_since: self.link.up_since(),
            last_outage: self.link.outage().cloned(),
            activations,
            failures,
            losses,
            recoveries: self.ladder.taken(),
            bytes: self.usage.connection(),
            bytes_total: self.usage.total(),
            conflicts: self.peers.conflicts(),
        }
    }

    /// `up`, or where the bring-up stands, as a short token.
    fn state_token(&self) -> &'static str {
        if self.link.up() {
            return "up";
        }
        self.phase.as_ref().map_or("starting", |p| p.token())
    }

    /// Publishes the snapshot if it changed since the last one.
    pub(super) fn publish(&mut self) {
        let now = self.snapshot();
        if self.published.as_ref() != Some(&now) {
            self.published = Some(now.clone());
            self.out.push_back(Action::Publish(Box::new(now)));
        }
    }
}
