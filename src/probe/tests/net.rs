//! Probes between namespace A (the daemon's side, interface `va`) and B (the
//! network's side, `vb`, with a DNS responder and a TCP listener). Root.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::netconf::testns::{NamedNs, fresh_netns, ip, require_root};
use crate::probe::{Probe, read_counters};
use crate::target::Target;

const TIMEOUT: Duration = Duration::from_millis(300);
const DNS4: &str = "10.9.0.2";
const DNS6: &str = "fd00:9::2";

/// Answers every query on `sock` with a bare response (same id, QR set).
struct Responder {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Responder {
    fn new(sock: UdpSocket) -> Responder {
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !flag.load(Ordering::Relaxed) {
                if let Ok((n, from)) = sock.recv_from(&mut buf)
                    && n >= 12
                {
                    buf[2] |= 0x80; // QR
                    buf[3] = 0x83; // RA, NXDOMAIN: still an answer
                    let _ = sock.send_to(&buf[..n], from);
                }
            }
        });
        Responder {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Servers live as long as this; the namespaces are deleted after them.
struct World {
    _servers: Vec<Responder>,
    _listeners: Vec<TcpListener>,
    a: NamedNs,
    b: NamedNs,
}

/// A <-veth-> B with IPv4 and IPv6, servers in B; leaves this thread in A.
fn world(test: &str) -> World {
    require_root(test);
    let a = NamedNs::new("a");
    let b = NamedNs::new("b");
    a.ip(&[
        "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", &b.name,
    ]);
    a.ip(&["addr", "add", "10.9.0.1/24", "dev", "va"]);
    a.ip(&["addr", "add", "fd00:9::1/64", "dev", "va", "nodad"]);
    b.ip(&["addr", "add", "10.9.0.2/24", "dev", "vb"]);
    b.ip(&["addr", "add", "fd00:9::2/64", "dev", "vb", "nodad"]);
    a.ip(&["link", "set", "va", "up"]);
    b.ip(&["link", "set", "vb", "up"]);
    // Sockets belong to the namespace they were made in, whichever thread
    // uses them later.
    b.enter();
    let servers = vec![
        Responder::new(UdpSocket::bind((DNS4, 53)).unwrap()),
        Responder::new(UdpSocket::bind(format!("[{DNS6}]:53")).unwrap()),
    ];
    let listeners = vec![
        TcpListener::bind((DNS4, 8053)).unwrap(),
        TcpListener::bind(format!("[{DNS6}]:8053")).unwrap(),
    ];
    a.enter();
    // Neighbour discovery on a veth that just came up loses its first
    // solicitation (about 1 s to the retry): let it settle before timing.
    for server in [format!("{DNS4}:53"), format!("[{DNS6}]:53")] {
        warm_up(&server);
    }
    World {
        _servers: servers,
        _listeners: listeners,
        a,
        b,
    }
}

/// Waits (at most 3 s) until `server` answers an unbound socket in A.
fn warm_up(server: &str) {
    let sock = UdpSocket::bind(if server.starts_with('[') {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    })
    .unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 64];
    while t.elapsed() < Duration::from_secs(3) {
        let _ = sock.send_to(&[0u8; 12], server);
        if sock.recv_from(&mut buf).is_ok() {
            return;
        }
    }
    panic!("{server} never answered: the test network is broken");
}

/// Drives a probe the way the loop does: poll(2) on its fds until its
/// deadline, then `check`.
fn run(target: &Target, iface: &str) -> (Result<(), String>, Duration) {
    let t0 = Instant::now();
    let mut probe: Probe = Probe::start(target, iface, TIMEOUT, t0).unwrap();
    assert_eq!(probe.deadline(), t0 + TIMEOUT);
    loop {
        let now = Instant::now();
        if let Some(r) = probe.check(now) {
            assert!(probe.fds().is_empty());
            return (r, t0.elapsed());
        }
        let mut fds: Vec<libc::pollfd> = probe
            .fds()
            .into_iter()
            .map(|(fd, r, w)| libc::pollfd {
                fd,
                events: if r { libc::POLLIN } else { 0 } | if w { libc::POLLOUT } else { 0 },
                revents: 0,
            })
            .collect();
        let wait = probe.deadline().saturating_duration_since(now).as_millis() as i32 + 1;
        // SAFETY: `fds` is a valid array of its length.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait) };
    }
}

fn dns(ips: &[&str]) -> Target {
    Target::Dns(ips.iter().map(|s| s.parse().unwrap()).collect())
}

fn tcp(addr: &str) -> Target {
    Target::Tcp(addr.parse::<SocketAddr>().unwrap())
}

fn passes(target: Target, iface: &str) {
    let (r, took) = run(&target, iface);
    assert_eq!(r, Ok(()), "{target:?}");
    assert!(took < TIMEOUT, "{target:?} took {took:?}");
}

fn fails_by_deadline(target: Target, iface: &str) -> String {
    let (r, took) = run(&target, iface);
    let err = r.expect_err("probe passed over a dead link");
    assert!(took < TIMEOUT + Duration::from_millis(200), "{took:?}");
    err
}

#[test]
fn link_up_probes_pass() {
    let _w = world("link_up_probes_pass");
    passes(dns(&[DNS4]), "va");
    passes(dns(&[DNS6]), "va");
    passes(tcp("10.9.0.2:8053"), "va");
    passes(tcp("[fd00:9::2]:8053"), "va");
    // One dead server among live ones does not fail the probe.
    passes(dns(&["10.9.0.99", DNS4]), "va");
}

#[test]
fn refusals_prove_the_path() {
    let _w = world("refusals_prove_the_path");
    // RST from a closed port; ICMP port unreachable from a host without DNS.
    passes(tcp("10.9.0.2:8054"), "va");
    passes(dns(&["10.9.0.1"]), "lo");
}

#[test]
fn link_cut_fails_at_deadline() {
    let w = world("link_cut_fails_at_deadline");
    w.b.ip(&["link", "set", "vb", "down"]);
    let err = fails_by_deadline(dns(&[DNS4, "10.9.0.3"]), "va");
    assert!(
        err == "no answer from 10.9.0.2, 10.9.0.3 within 300ms"
            || err.starts_with("no name server reachable"),
        "{err}"
    );
    let err = fails_by_deadline(tcp("10.9.0.2:8053"), "va");
    assert!(err.contains("10.9.0.2:8053"), "{err}");
}

#[test]
fn bound_to_the_interface_not_to_another_path() {
    let w = world("bound_to_the_interface");
    w.b.ip(&["link", "set", "vb", "down"]);
    // A second path to the same addresses inside A: the loopback.
    w.a.ip(&["addr", "add", "10.9.0.2/32", "dev", "lo"]);
    let _local = Responder::new(UdpSocket::bind((DNS4, 53)).unwrap());
    let _listener = TcpListener::bind((DNS4, 8053)).unwrap();
    passes(dns(&[DNS4]), "lo");
    passes(tcp("10.9.0.2:8053"), "lo");
    fails_by_deadline(dns(&[DNS4]), "va");
    fails_by_deadline(tcp("10.9.0.2:8053"), "va");
}

#[test]
fn counters_grow_with_traffic_in_our_own_namespace() {
    let _w = world("counters_grow_with_traffic");
    // No private /sys: /proc/thread-self/net/dev is this thread's namespace.
    let before = read_counters("va").expect("no counters for va");
    passes(dns(&[DNS4]), "va");
    let after = read_counters("va").unwrap();
    assert!(after.rx_bytes > before.rx_bytes);
    assert!(after.rx_packets > before.rx_packets);
    assert!(after.tx_packets > before.tx_packets);
    assert_eq!(read_counters("nosuch0"), None);
    assert_eq!(read_counters("../../../etc/passwd"), None);
}

#[test]
fn start_refuses_what_cannot_be_probed() {
    let _w = world("start_refuses");
    let now = Instant::now();
    let err = |t: &Target, i: &str| Probe::start(t, i, TIMEOUT, now).err().unwrap();
    assert!(err(&dns(&[]), "va").contains("no name servers"));
    assert!(err(&dns(&[DNS4]), "va/../x").contains("not an interface name"));
    assert!(err(&tcp("10.9.0.2:8053"), "nosuch0").contains("nosuch0"));
}

/// Sends `n` UDP datagrams of 100 bytes out of `ppp0`; nothing answers
/// (a ghost's black hole).
fn send_into_the_void(n: usize) {
    let sock = UdpSocket::bind(("10.77.0.1", 0)).unwrap();
    for _ in 0..n {
        sock.send_to(&[0u8; 100], ("10.77.0.9", 9)).unwrap();
    }
}

/// `ppp0`, a veth whose peer has no address: what it is sent is dropped
/// there. No ARP (frames go out at once) and no IPv6 link-local addresses
/// (no router or multicast chatter either way).
fn make_ppp0() {
    ip(&[
        "link", "add", "ppp0", "type", "veth", "peer", "name", "void",
    ]);
    for dev in ["ppp0", "void"] {
        ip(&[
            "link",
            "set",
            "dev",
            dev,
            "addrgenmode",
            "none",
            "arp",
            "off",
        ]);
    }
    ip(&["addr", "add", "10.77.0.1/24", "dev", "ppp0"]);
    ip(&["link", "set", "void", "up"]);
    ip(&["link", "set", "ppp0", "up"]);
}

#[test]
fn a_recreated_interface_counts_from_zero_under_a_new_index() {
    fresh_netns("a_recreated_interface_counts_from_zero");
    make_ppp0();
    let first = read_counters("ppp0").expect("no counters for ppp0");
    send_into_the_void(10);
    let sent = read_counters("ppp0").unwrap();
    // 100 bytes of payload, 8 of UDP, 20 of IPv4, 14 of Ethernet.
    assert_eq!(sent.tx_packets - first.tx_packets, 10, "{first:?} {sent:?}");
    assert_eq!(sent.tx_bytes - first.tx_bytes, 1420, "{first:?} {sent:?}");
    assert_eq!(
        (sent.rx_packets, sent.rx_bytes),
        (0, 0),
        "sending into silence"
    );
    assert!(sent.index > 0);

    ip(&["link", "del", "ppp0"]);
    assert_eq!(read_counters("ppp0"), None, "gone");
    make_ppp0();
    let again = read_counters("ppp0").expect("ppp0 is back");
    assert_ne!(again.index, sent.index, "a new interface, a new index");
    assert!(again.tx_bytes < sent.tx_bytes, "{again:?}");
    send_into_the_void(3);
    let after = read_counters("ppp0").unwrap();
    assert_eq!(after.tx_bytes - again.tx_bytes, 426);
}
