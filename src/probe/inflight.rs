//! A probe in flight: started, then polled by the single-threaded loop
//! (`fds` to wait on, `deadline` to wake at, `check` to see the outcome).
//! Nothing here blocks and nothing spawns a thread.

use std::fmt::Write;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use crate::netsettings::{MAX_DNS, valid_ifname};
use crate::target::Target;

use super::dns;
use super::sock;

pub struct Probe {
    kind: Kind,
    timeout: Duration,
    deadline: Instant,
    outcome: Option<Result<(), String>>,
}

enum Kind {
    /// One connected UDP socket per server (connected so that only that
    /// server's datagrams, and its ICMP errors, reach it).
    Dns { id: u16, servers: Vec<Server> },
    Tcp {
        fd: Option<OwnedFd>,
        addr: SocketAddr,
    },
}

struct Server {
    ip: IpAddr,
    fd: Option<OwnedFd>,
    /// Why this server cannot answer any more (send failed, unreachable).
    failed: Option<String>,
}

impl Probe {
    /// Opens the socket(s) bound to `iface` and sends the query / starts the
    /// connect. `Err` only if no probe could be set up at all (bad name,
    /// no servers, socket refused); network errors come from `check`, which
    /// may already know the outcome: call it once right after `start`.
    pub fn start(
        target: &Target,
        iface: &str,
        timeout: Duration,
        now: Instant,
    ) -> Result<Probe, String> {
        if !valid_ifname(iface) {
            return Err(format!(
                "cannot probe through {iface:?}: not an interface name"
            ));
        }
        let kind = match target {
            Target::Dns(ips) if ips.is_empty() => return Err("no name servers to probe".into()),
            Target::Dns(ips) => {
                let id = dns::random_id();
                let query = dns::query(id);
                let mut servers = Vec::new();
                for ip in ips.iter().take(MAX_DNS) {
                    let addr = SocketAddr::new(*ip, 53);
                    let fd = sock::bound(&addr, libc::SOCK_DGRAM, iface)
                        .map_err(|e| bind_error(iface, e))?;
                    let failed = sock::connect(&fd, &addr)
                        .and_then(|()| sock::send(&fd, &query))
                        .err()
                        .map(|e| format!("{ip}: {e}"));
                    servers.push(Server {
                        ip: *ip,
                        fd: Some(fd),
                        failed,
                    });
                }
                Kind::Dns { id, servers }
            }
            Target::Tcp(addr) => {
                let fd = sock::bound(addr, libc::SOCK_STREAM, iface)
                    .map_err(|e| bind_error(iface, e))?;
                let mut probe = Probe {
                    kind: Kind::Tcp {
                        fd: None,
                        addr: *addr,
                    },
                    timeout,
                    deadline: now + timeout,
                    outcome: None,
                };
                match sock::connect(&fd, addr) {
                    Ok(()) => probe.outcome = Some(Ok(())),
                    Err(e) => match e.raw_os_error() {
                        Some(libc::EINPROGRESS) => {
                            probe.kind = Kind::Tcp {
                                fd: Some(fd),
                                addr: *addr,
                            }
                        }
                        _ => probe.outcome = Some(tcp_result(addr, e)),
                    },
                }
                return Ok(probe);
            }
        };
        Ok(Probe {
            kind,
            timeout,
            deadline: now + timeout,
            outcome: None,
        })
    }

    /// Descriptors to wait on: (fd, want read, want write). Empty once done.
    pub fn fds(&self) -> Vec<(RawFd, bool, bool)> {
        if self.outcome.is_some() {
            return Vec::new();
        }
        match &self.kind {
            Kind::Dns { servers, .. } => servers
                .iter()
                .filter(|s| s.failed.is_none())
                .filter_map(|s| s.fd.as_ref())
                .map(|fd| (fd.as_raw_fd(), true, false))
                .collect(),
            Kind::Tcp { fd, .. } => fd.iter().map(|fd| (fd.as_raw_fd(), false, true)).collect(),
        }
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// `None` while waiting; then the outcome (again on every later call).
    /// Sockets are closed as soon as the outcome is known.
    pub fn check(&mut self, now: Instant) -> Option<Result<(), String>> {
        if self.outcome.is_none() {
            self.outcome = match &mut self.kind {
                Kind::Dns { id, servers } => check_dns(*id, servers),
                Kind::Tcp { fd, addr } => check_tcp(fd.as_ref(), addr),
            };
        }
        if self.outcome.is_none() && now >= self.deadline {
            self.outcome = Some(Err(self.timed_out()));
        }
        if self.outcome.is_some() {
            match &mut self.kind {
                Kind::Dns { servers, .. } => servers.iter_mut().for_each(|s| s.fd = None),
                Kind::Tcp { fd, .. } => *fd = None,
            }
        }
        self.outcome.clone()
    }

    fn timed_out(&self) -> String {
        let within = show(self.timeout);
        match &self.kind {
            Kind::Dns { servers, .. } => {
                let mut s = String::from("no answer from ");
                for (i, srv) in servers.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    let _ = match &srv.failed {
                        Some(why) => write!(s, "{sep}{why}"),
                        None => write!(s, "{sep}{}", srv.ip),
                    };
                }
                let _ = write!(s, " within {within}");
                s
            }
            Kind::Tcp { addr, .. } => format!("no answer from {addr} within {within}"),
        }
    }
}

fn bind_error(iface: &str, e: io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::EPERM) => {
            format!("cannot bind a probe socket to {iface}: {e} (needs CAP_NET_RAW)")
        }
        _ => format!("cannot bind a probe socket to {iface}: {e}"),
    }
}

/// Any server's answer wins; all failing fails early.
fn check_dns(id: u16, servers: &mut [Server]) -> Option<Result<(), String>> {
    let mut buf = [0u8; 512];
    for s in servers.iter_mut().filter(|s| s.failed.is_none()) {
        let Some(fd) = &s.fd else { continue };
        loop {
            match sock::recv(fd, &mut buf) {
                Ok(Some(n)) if dns::is_answer(id, &buf[..n]) => return Some(Ok(())),
                Ok(Some(_)) => continue, // not ours: keep reading
                Ok(None) => break,
                // ICMP port unreachable came back through the interface:
                // the path works even if the server does not.
                Err(e) if e.raw_os_error() == Some(libc::ECONNREFUSED) => return Some(Ok(())),
                Err(e) => {
                    s.failed = Some(format!("{}: {e}", s.ip));
                    break;
                }
            }
        }
    }
    if servers.iter().all(|s| s.failed.is_some()) {
        let why: Vec<&str> = servers.iter().filter_map(|s| s.failed.as_deref()).collect();
        return Some(Err(format!("no name server reachable: {}", why.join(", "))));
    }
    None
}

fn check_tcp(fd: Option<&OwnedFd>, addr: &SocketAddr) -> Option<Result<(), String>> {
    let fd = fd?;
    if !sock::writable(fd.as_raw_fd()) {
        return None;
    }
    Some(match sock::so_error(fd) {
        Ok(0) => Ok(()),
        Ok(code) => tcp_result(addr, io::Error::from_raw_os_error(code)),
        Err(e) => Err(format!("{addr}: {e}")),
    })
}

/// A RST (connection refused) came from the far end through the interface:
/// the path works, so it counts as success.
fn tcp_result(addr: &SocketAddr, e: io::Error) -> Result<(), String> {
    match e.raw_os_error() {
        Some(libc::ECONNREFUSED) => Ok(()),
        _ => Err(format!("{addr}: {e}")),
    }
}

/// "300ms", "5s", "1.5s".
fn show(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}.{}s", d.as_secs(), d.subsec_millis() / 100)
    }
}
