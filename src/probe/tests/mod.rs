//! Probe tests: probing (root) between two network namespaces joined by a
//! veth pair.

mod net;
