//! Data-path probe through the context's interface.
//!
//! oFono's PPP sends no LCP echo, so a dead link can stay `Active=true` for
//! hours; only traffic through that interface tells. The probe is
//! non-blocking so the single-threaded loop can wait on it with the bus.
//!
//! Success means "something on the far side answered through this
//! interface": a DNS reply of any rcode, an ICMP port unreachable, a TCP
//! connect or a TCP RST all count.

mod counters;
mod dns;
mod inflight;
mod sock;
#[cfg(test)]
mod tests;

pub use counters::read as read_counters;
pub use inflight::Probe;
