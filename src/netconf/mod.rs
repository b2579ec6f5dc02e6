//! Address, default route and name servers for the active context.
//!
//! oFono only sets IFF_UP on the context's interface; for internet contexts
//! the client must add the rest (ofono-notes.md, `Settings`).
//! `crate::netsettings` validates what oFono (i.e. the network) sent, `apply`
//! does the I/O through ioctls and files and can take back exactly what it did.

pub mod apply;
mod dhcp;
mod resolv;
mod routes;
mod sys;
#[cfg(test)]
pub mod testns;
#[cfg(test)]
mod tests;

/// One log line: what was done or what failed.
pub type Note = (crate::events::Level, String);
