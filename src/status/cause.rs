//! Why a link went down: a stable token for the status file, the log
//! line's words, and whether the loss counts against the link (network
//! teardowns do; a lower layer falling does not).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    BusLost,
    OfonoLeft,
    OfonoRestarted,
    /// No longer listed by oFono.
    ModemGone,
    /// `ModemRemoved` signalled.
    ModemRemoved,
    ModemOff,
    RadioOff,
    PacketServiceGone,
    Detached,
    /// The context object vanished (its calls get UnknownObject).
    ContextVanished,
    ContextRemoved(String),
    /// `Active=false` signalled: the network, or another client.
    Deactivated,
    /// Found inactive by a read, with no signal to say why.
    NotActive,
}

impl Cause {
    /// Whether only the context itself is to blame: the link did not hold
    /// although everything below it stood (a network teardown).
    pub fn is_the_links_own(&self) -> bool {
        matches!(
            self,
            Cause::Deactivated | Cause::NotActive | Cause::ContextRemoved(_)
        )
    }
}

impl Cause {
    /// `last_outage_cause=` in the status file: stable, whatever the log says.
    pub fn token(&self) -> &'static str {
        match self {
            Cause::BusLost => "bus-lost",
            Cause::OfonoLeft => "ofono-left",
            Cause::OfonoRestarted => "ofono-restarted",
            Cause::ModemGone => "modem-gone",
            Cause::ModemRemoved => "modem-removed",
            Cause::ModemOff => "modem-off",
            Cause::RadioOff => "radio-off",
            Cause::PacketServiceGone => "packet-service-gone",
            Cause::Detached => "detached",
            Cause::ContextVanished => "context-vanished",
            Cause::ContextRemoved(_) => "context-removed",
            Cause::Deactivated => "deactivated",
            Cause::NotActive => "not-active",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Cause::BusLost => "bus connection lost",
            Cause::OfonoLeft => "oFono left the bus",
            Cause::OfonoRestarted => "oFono restarted",
            Cause::ModemGone => "modem gone",
            Cause::ModemRemoved => "modem removed (unplugged?)",
            Cause::ModemOff => "modem powered off (reset or unplugged?)",
            Cause::RadioOff => "modem went offline",
            Cause::PacketServiceGone => "packet service gone (modem reset?)",
            Cause::Detached => "packet service detached",
            Cause::ContextVanished => "context vanished (modem reset?)",
            Cause::ContextRemoved(path) => return write!(f, "context {path} removed"),
            Cause::Deactivated => "deactivated",
            Cause::NotActive => "no longer active",
        };
        f.write_str(text)
    }
}
