//! Probe tests: target parsing anywhere; probing (root) between two network
//! namespaces joined by a veth pair.

mod net;
mod target;
