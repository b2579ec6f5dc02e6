//! Other programs on the bus: ModemManager and ConnMan, which manage the
//! same modem and fight us for it (one warning per appearance), and
//! systemd-resolved, which then takes the link's name servers over D-Bus.

use std::collections::BTreeSet;
use std::time::Instant;

use super::Keeper;
use crate::events::{CallError, DnsVia, Level, Method, Peer, Reply};

#[derive(Debug, Default)]
pub(super) struct Peers {
    /// Peers on the bus now, as far as we know.
    present: BTreeSet<Peer>,
    /// The interface whose name servers we gave systemd-resolved.
    resolved_link: Option<String>,
}

impl Peers {
    /// The link's name servers are with systemd-resolved, not the file.
    pub fn has_resolved_link(&self) -> bool {
        self.resolved_link.is_some()
    }

    pub fn has(&self, peer: Peer) -> bool {
        self.present.contains(&peer)
    }

    /// The managers in the way, for the status file (`modemmanager,connman`).
    pub fn conflicts(&self) -> Vec<&'static str> {
        self.present
            .iter()
            .filter_map(|p| conflict_name(*p))
            .collect()
    }
}

fn conflict_name(peer: Peer) -> Option<&'static str> {
    match peer {
        Peer::ModemManager => Some("modemmanager"),
        Peer::ConnMan => Some("connman"),
        Peer::Resolved => None,
    }
}

/// The line for a peer that appeared: what it does to us, and the fix.
fn appeared_line(peer: Peer) -> (Level, &'static str) {
    match peer {
        Peer::ModemManager => (
            Level::Warn,
            "ModemManager is running: it probes the dongle's serial ports too; stop and disable it (systemctl disable --now ModemManager) or make it ignore the dongle with a udev rule setting ID_MM_DEVICE_IGNORE=1",
        ),
        Peer::ConnMan => (
            Level::Warn,
            "ConnMan is running: it activates and deactivates oFono contexts too; stop it or disable its ofono plugin",
        ),
        Peer::Resolved => (
            Level::Info,
            "systemd-resolved is on the bus: the link's name servers go to it",
        ),
    }
}

pub(super) fn is_peer_call(method: &Method) -> bool {
    matches!(
        method,
        Method::GetPeerOwner(_)
            | Method::ResolvedSetDns(..)
            | Method::ResolvedDefaultRoute(_)
            | Method::ResolvedRevert(_)
    )
}

impl Keeper {
    /// At every connection: who is on the bus already.
    pub(super) fn ask_peers(&mut self, now: Instant) {
        for peer in Peer::ALL {
            self.call("/", Method::GetPeerOwner(peer), now);
        }
    }

    /// A peer's name got or lost its owner (a read or `NameOwnerChanged`).
    pub(super) fn peer_seen(&mut self, peer: Peer, present: bool, now: Instant) {
        if present == self.peers.has(peer) {
            return; // once per appearance, however often it is read
        }
        if present {
            self.peers.present.insert(peer);
            let (level, line) = appeared_line(peer);
            self.log(level, line.into());
        } else {
            self.peers.present.remove(&peer);
            self.log(Level::Info, format!("{} left the bus", peer.bus_name()));
        }
        if peer == Peer::Resolved {
            self.resolved_changed(present, now);
        }
    }

    /// Where the link's name servers go now.
    pub(super) fn dns_via(&self) -> DnsVia {
        if self.peers.has(Peer::Resolved) {
            DnsVia::Resolved
        } else {
            DnsVia::File
        }
    }

    /// The link is configured: hand its name servers to resolved.
    pub(super) fn resolved_set(&mut self, now: Instant) {
        let Some(net) = self.net.applied() else {
            return;
        };
        if !self.cfg.dns || net.dns.is_empty() {
            return;
        }
        let (iface, dns) = (net.interface.clone(), net.dns.clone());
        self.call("/", Method::ResolvedSetDns(iface.clone(), dns), now);
        self.call("/", Method::ResolvedDefaultRoute(iface.clone()), now);
        self.peers.resolved_link = Some(iface);
    }

    /// The link goes down (or we leave): resolved forgets its servers.
    pub(super) fn resolved_revert(&mut self, now: Instant) {
        if let Some(iface) = self.peers.resolved_link.take() {
            self.call("/", Method::ResolvedRevert(iface), now);
        }
    }

    /// resolved came or went while a link may be up: move its servers.
    fn resolved_changed(&mut self, present: bool, now: Instant) {
        if !self.cfg.dns || self.net.applied().is_none() {
            return;
        }
        if present {
            self.out
                .push_back(crate::events::Action::MoveDns(DnsVia::Resolved));
            self.resolved_set(now);
        } else if self.peers.resolved_link.take().is_some() {
            // Its state went with it: the file is all that is left.
            self.out
                .push_back(crate::events::Action::MoveDns(DnsVia::File));
        }
    }

    pub(super) fn on_peer_reply(
        &mut self,
        method: &Method,
        result: Result<Reply, CallError>,
        now: Instant,
    ) {
        match (method, result) {
            (Method::GetPeerOwner(peer), Ok(_)) => self.peer_seen(*peer, true, now),
            (Method::GetPeerOwner(peer), Err(e)) if e.short() == "NameHasNoOwner" => {
                self.peer_seen(*peer, false, now)
            }
            // A busy bus says nothing about the peer: keep what we know.
            (Method::GetPeerOwner(_), Err(e)) => self.log(
                Level::Debug,
                format!("{} failed: {}", method.describe(), e.name),
            ),
            (_, Ok(_)) => self.log(Level::Debug, format!("{} done", method.describe())),
            (Method::ResolvedRevert(_), Err(e)) => {
                // The interface usually went with the link: nothing to revert.
                self.log(
                    Level::Debug,
                    format!("{} failed: {}", method.describe(), e.message),
                );
            }
            // Not sent: the interface went before the call could name it.
            (_, Err(e)) if e.name.starts_with("psendurance.") => self.log(
                Level::Warn,
                format!(
                    "cannot give systemd-resolved the name servers: {}",
                    e.message
                ),
            ),
            (_, Err(e)) => self.log(
                Level::Warn,
                format!(
                    "systemd-resolved refused {}: {} ({}); name servers not set",
                    method.describe(),
                    e.short(),
                    e.message
                ),
            ),
        }
    }
}
