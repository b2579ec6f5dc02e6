//! The bench's PPP access-server peer, driven by a scripted oFono-like client.

#[path = "bench/e367/ppp/mod.rs"]
mod ppp;
