//! The network's (access server's) side of PPP for the E367 bench: a
//! sans-IO peer that oFono's userspace client (gatchat) negotiates with.
//! Bytes and an `Instant` in; framed bytes, events and IP packets out.

pub mod auth;
pub mod cp;
pub mod hdlc;
pub mod ipcp;
pub mod lcp;
pub mod md5;
pub mod peer;

#[cfg(test)]
mod tests;

#[allow(unused_imports)]
pub use peer::{Auth, Event, Peer, PeerConfig, Phase};
