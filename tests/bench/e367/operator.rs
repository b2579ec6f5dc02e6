//! The operator's network behind the dongle, in its own namespace: the TUN
//! `op0` the dongle's radio side writes into, two name servers answering
//! every A query with the web server's address, and a TCP service there
//! that greets with `BANNER`.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::netns::NetNs;

pub const GATEWAY: [u8; 4] = [10, 64, 0, 1];
pub const SUBSCRIBER: [u8; 4] = [10, 64, 0, 2];
pub const DNS1: [u8; 4] = [192, 0, 2, 53];
pub const DNS2: [u8; 4] = [192, 0, 2, 54];
pub const WEB: [u8; 4] = [192, 0, 2, 80];
pub const WEB_PORT: u16 = 80;
pub const BANNER: &str = "psendurance-operator-ok\n";
/// The TUN's name inside the operator namespace.
pub const TUN: &str = "op0";

pub fn ip4(a: [u8; 4]) -> Ipv4Addr {
    Ipv4Addr::from(a)
}

pub struct Operator {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Operator {
    /// Addresses, routes and services inside `ns`, where `op0` exists.
    pub fn start(ns: &NetNs) -> Operator {
        ns.ip(&["addr", "add", &format!("{}/32", ip4(GATEWAY)), "dev", TUN]);
        for a in [DNS1, DNS2, WEB] {
            ns.ip(&["addr", "add", &format!("{}/32", ip4(a)), "dev", "lo"]);
        }
        ns.ip(&["link", "set", TUN, "up"]);
        ns.ip(&["route", "add", "10.64.0.0/24", "dev", TUN]);
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for server in [DNS1, DNS2] {
            let stop = stop.clone();
            threads.push(ns.spawn(move || serve_dns(server, &stop)));
        }
        {
            let stop = stop.clone();
            threads.push(ns.spawn(move || serve_tcp(&stop)));
        }
        Operator { stop, threads }
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn serve_dns(addr: [u8; 4], stop: &AtomicBool) {
    let sock = UdpSocket::bind(SocketAddr::from((addr, 53))).expect("bind operator DNS");
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("dns timeout");
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        if let Some(answer) = dns_answer(&buf[..n], WEB) {
            let _ = sock.send_to(&answer, from);
        }
    }
}

/// A response to a one-question query: type A gets `addr`, anything else
/// (AAAA...) an empty NOERROR answer. None for what is not a query.
pub fn dns_answer(q: &[u8], addr: [u8; 4]) -> Option<Vec<u8>> {
    if q.len() < 12 || q[2] & 0x80 != 0 || u16::from_be_bytes([q[4], q[5]]) != 1 {
        return None;
    }
    // Walk the question name to find its type.
    let mut i = 12;
    loop {
        let len = *q.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        if len & 0xC0 != 0 {
            return None;
        }
        i += len;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    let end = i + 4;
    if q.len() < end {
        return None;
    }
    let is_a = qtype == 1;
    let mut r = Vec::with_capacity(end + 16);
    r.extend_from_slice(&q[..2]);
    r.extend_from_slice(&[0x81, 0x80, 0, 1, 0, u8::from(is_a), 0, 0, 0, 0]);
    r.extend_from_slice(&q[12..end]);
    if is_a {
        r.extend_from_slice(&[0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        r.extend_from_slice(&addr);
    }
    Some(r)
}

fn serve_tcp(stop: &AtomicBool) {
    let l = TcpListener::bind(SocketAddr::from((WEB, WEB_PORT))).expect("bind operator web");
    l.set_nonblocking(true).expect("nonblocking listener");
    while !stop.load(Ordering::Relaxed) {
        match l.accept() {
            Ok((mut s, _)) => {
                let _ = s.set_nonblocking(false);
                let _ = s.write_all(BANNER.as_bytes());
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
