//! The periodic re-read: signals can be missed (oFono restarts, modem
//! resets that are never signalled), so what we depend on is read again
//! every `--interval`.

use std::time::Instant;

use super::Keeper;
use crate::events::{Action, Iface, Method};

impl Keeper {
    pub(super) fn poll_state(&mut self, now: Instant) {
        // Someone may have rewritten resolv.conf since the last poll.
        if self.cfg.dns && self.net.applied().is_some() && !self.peers.has_resolved_link() {
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
        if self.link.stable()
            && let Some(ctx) = self.chosen_context().map(|c| c.path.clone())
        {
            self.read(&modem, Method::GetProperties(Iface::ConnectionManager), now);
            self.read(&ctx, Method::GetProperties(Iface::ConnectionContext), now);
            return;
        }
        self.read(&modem, Method::GetProperties(Iface::Modem), now);
        // Registration matters while the link is down (roaming, stalls);
        // while it is up its signals keep the status file current.
        if self.world.netreg.is_some() && !self.link.up() {
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
}
