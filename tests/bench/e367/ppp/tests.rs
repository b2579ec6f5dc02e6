//! Scripted tests: framing, MD5, and whole handshakes against `Client`, a
//! small stand-in for oFono 1.31's gatchat PPP client (see its notes).

use std::time::{Duration, Instant};

use super::auth::{self, CHAP, PAP};
use super::cp::{self, Packet};
use super::hdlc::{self, Deframer};
use super::md5::md5;
use super::{Auth, Event, Peer, PeerConfig, Phase, ipcp, lcp};

// ---------------------------------------------------------------- client

/// How the client behaves, as gatchat does with a context's AuthMethod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    None,
    Pap,
    Chap,
}

/// oFono-like client: empty LCP Configure-Request (ids from 1, restart 3 s,
/// same id on retransmission), Naks auth it was not told to use (Reject
/// with an empty list under Method::None), PAP at once (10 s, 3 tries),
/// answers challenges, IPCP asking 0s plus NBNS, escapes every control
/// character and drops unescaped ones.
struct Client {
    method: Method,
    user: String,
    pass: String,
    deframer: Deframer,
    out: Vec<Vec<u8>>,
    wakeup_sent: bool,
    /// Send nothing at all (a dead line).
    mute: bool,
    /// Never send the Authenticate-Request.
    mute_pap: bool,
    /// MRU option in our LCP request (oFono sends none).
    mru: Option<u16>,
    lcp_id: u8,
    lcp_deadline: Option<Instant>,
    lcp_acked: bool,
    lcp_acking: bool,
    lcp_up: bool,
    naks: u32,
    /// Nak forever instead of oFono's Reject-all after 5 Naks.
    nak_forever: bool,
    pap_id: u8,
    pap_tries: u32,
    pap_deadline: Option<Instant>,
    authed: bool,
    auth_failed: bool,
    ipcp_started: bool,
    ipcp_id: u8,
    ipcp_deadline: Option<Instant>,
    ipcp_acked: bool,
    ipcp_acking: bool,
    /// Requested options, by type; removed when rejected.
    ipcp_opts: Vec<(u8, [u8; 4])>,
    got_ip: Option<[u8; 4]>,
    server_ip: Option<[u8; 4]>,
    term_id: u8,
    closed: bool,
    got_term_ack: bool,
    ip_in: Vec<Vec<u8>>,
    /// Every control packet seen: (protocol, code).
    seen: Vec<(u16, u8)>,
    echo_replies: Vec<Packet>,
    proto_rejects: Vec<Packet>,
    renegotiations: u32,
}

impl Client {
    fn new(method: Method, user: &str, pass: &str, now: Instant) -> Client {
        let mut c = Client {
            method,
            user: user.into(),
            pass: pass.into(),
            deframer: Deframer::new(),
            out: Vec::new(),
            wakeup_sent: false,
            mute: false,
            mute_pap: false,
            mru: None,
            lcp_id: 1,
            lcp_deadline: None,
            lcp_acked: false,
            lcp_acking: false,
            lcp_up: false,
            naks: 0,
            nak_forever: false,
            pap_id: 1,
            pap_tries: 0,
            pap_deadline: None,
            authed: false,
            auth_failed: false,
            ipcp_started: false,
            ipcp_id: 0,
            ipcp_deadline: None,
            ipcp_acked: false,
            ipcp_acking: false,
            ipcp_opts: vec![
                (ipcp::ADDR, [0; 4]),
                (ipcp::DNS1, [0; 4]),
                (ipcp::DNS2, [0; 4]),
                (ipcp::NBNS1, [0; 4]),
                (ipcp::NBNS2, [0; 4]),
            ],
            got_ip: None,
            server_ip: None,
            term_id: 0,
            closed: false,
            got_term_ack: false,
            ip_in: Vec::new(),
            seen: Vec::new(),
            echo_replies: Vec::new(),
            proto_rejects: Vec::new(),
            renegotiations: 0,
        };
        c.send_lcp_req(now);
        c
    }

    /// Like gathdlc: a 0x7e before the first frame only, one after each.
    fn send(&mut self, proto: u16, p: &Packet) {
        self.send_raw(hdlc::frame(proto, &p.encode()));
    }

    fn send_raw(&mut self, mut f: Vec<u8>) {
        if self.wakeup_sent {
            f.remove(0);
        }
        self.wakeup_sent = true;
        self.out.push(f);
    }

    fn lcp_req_data(&self) -> Vec<u8> {
        let mut d = Vec::new();
        if let Some(m) = self.mru {
            cp::put_option(&mut d, lcp::MRU, &m.to_be_bytes());
        }
        d
    }

    fn send_lcp_req(&mut self, now: Instant) {
        let d = self.lcp_req_data();
        self.send(lcp::PROTO, &Packet::new(cp::CONF_REQ, self.lcp_id, &d));
        self.lcp_deadline = Some(now + Duration::from_secs(3));
    }

    fn ipcp_req_data(&self) -> Vec<u8> {
        let mut d = Vec::new();
        for (k, v) in &self.ipcp_opts {
            cp::put_option(&mut d, *k, v);
        }
        d
    }

    fn send_ipcp_req(&mut self, now: Instant) {
        let d = self.ipcp_req_data();
        self.send(ipcp::PROTO, &Packet::new(cp::CONF_REQ, self.ipcp_id, &d));
        self.ipcp_deadline = Some(now + Duration::from_secs(3));
    }

    fn start_ipcp(&mut self, now: Instant) {
        self.ipcp_started = true;
        self.ipcp_id = self.ipcp_id.wrapping_add(1);
        self.send_ipcp_req(now);
    }

    fn send_pap(&mut self, now: Instant) {
        if self.mute_pap {
            return;
        }
        let d = auth::pap_request(self.user.as_bytes(), self.pass.as_bytes());
        self.send(PAP, &Packet::new(auth::PAP_REQ, self.pap_id, &d));
        self.pap_tries += 1;
        self.pap_deadline = Some(now + Duration::from_secs(10));
    }

    fn close(&mut self, now: Instant) {
        self.term_id = self.term_id.wrapping_add(1);
        self.send(lcp::PROTO, &Packet::new(cp::TERM_REQ, self.term_id, &[]));
        self.closed = true;
        self.lcp_deadline = None;
        self.ipcp_deadline = None;
        self.pap_deadline = None;
        let _ = now;
    }

    fn ipcp_up(&self) -> bool {
        self.ipcp_acked && self.ipcp_acking
    }

    fn tick(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if self.lcp_deadline.is_some_and(|d| d <= now) && !self.lcp_up {
            self.send_lcp_req(now);
        }
        if self.pap_deadline.is_some_and(|d| d <= now) && !self.authed {
            if self.pap_tries >= 3 {
                self.close(now);
                return;
            }
            self.pap_id += 1;
            self.send_pap(now);
        }
        if self.ipcp_deadline.is_some_and(|d| d <= now) && !self.ipcp_up() {
            self.send_ipcp_req(now);
        }
    }

    fn receive(&mut self, bytes: &[u8], now: Instant) {
        for f in self.deframer.push(bytes) {
            let (proto, info) = hdlc::parse(&f).expect("peer frame parses");
            let info = info.to_vec();
            if proto == ipcp::IP {
                assert!(self.ipcp_up(), "IP before IPCP is up");
                self.ip_in.push(info);
                continue;
            }
            let Some(p) = Packet::parse(&info) else {
                panic!("bad packet from peer")
            };
            self.seen.push((proto, p.code));
            // gatchat drops what its phase does not take (ppp_drop_packet).
            let dropped = match proto {
                PAP | CHAP => !self.lcp_up,
                ipcp::PROTO => !self.authed,
                _ => false,
            };
            if dropped || self.closed && proto != lcp::PROTO {
                continue;
            }
            match proto {
                lcp::PROTO => self.on_lcp(p, now),
                PAP => match p.code {
                    auth::PAP_ACK => {
                        self.authed = true;
                        self.start_ipcp(now);
                    }
                    auth::PAP_NAK => {
                        self.auth_failed = true;
                        self.close(now);
                    }
                    _ => {}
                },
                CHAP => match p.code {
                    auth::CHAP_CHALLENGE => {
                        let (value, _) = auth::chap_fields(&p.data).unwrap();
                        let r = auth::chap_md5(p.id, self.pass.as_bytes(), &value);
                        let d = auth::chap_value_and_name(&r, self.user.as_bytes());
                        self.send(CHAP, &Packet::new(auth::CHAP_RESPONSE, p.id, &d));
                    }
                    auth::CHAP_SUCCESS => {
                        self.authed = true;
                        self.start_ipcp(now);
                    }
                    auth::CHAP_FAILURE => {
                        self.auth_failed = true;
                        self.close(now);
                    }
                    _ => {}
                },
                ipcp::PROTO => self.on_ipcp(p, now),
                other => panic!("unexpected protocol {other:#06x}"),
            }
        }
    }

    fn on_lcp(&mut self, p: Packet, now: Instant) {
        match p.code {
            cp::CONF_REQ => {
                if self.lcp_up {
                    // gatchat in Opened: this-layer-down, then start over.
                    self.renegotiations += 1;
                    self.lcp_up = false;
                    self.lcp_acked = false;
                    self.lcp_acking = false;
                    self.authed = false;
                    self.pap_deadline = None;
                    self.pap_id = 1;
                    self.pap_tries = 0;
                    self.ipcp_acked = false;
                    self.ipcp_acking = false;
                    self.lcp_id += 1;
                    self.send_lcp_req(now);
                }
                let opts = cp::options(&p.data).expect("options parse");
                let mut nak = Vec::new();
                let mut reject = false;
                for (k, v) in &opts {
                    match *k {
                        lcp::AUTH => match self.method {
                            Method::None => reject = true,
                            Method::Pap if v[..] != PAP.to_be_bytes() => {
                                cp::put_option(&mut nak, lcp::AUTH, &PAP.to_be_bytes())
                            }
                            Method::Chap if v[..] != [0xc2, 0x23, lcp::CHAP_MD5] => {
                                cp::put_option(&mut nak, lcp::AUTH, &[0xc2, 0x23, 5])
                            }
                            _ => {}
                        },
                        lcp::MAGIC if v[..] == [0, 0, 0, 0] => reject = true,
                        lcp::MAGIC | lcp::MRU | lcp::ACCM | lcp::PFC | lcp::ACFC => {}
                        _ => reject = true,
                    }
                }
                if self.naks >= 5 && !self.nak_forever {
                    // Max-Failure reached: reject the whole request.
                    self.send(lcp::PROTO, &Packet::new(cp::CONF_REJ, p.id, &p.data));
                } else if reject {
                    // gatchat never fills in the rejected LCP options.
                    self.send(lcp::PROTO, &Packet::new(cp::CONF_REJ, p.id, &[]));
                } else if !nak.is_empty() {
                    self.naks += 1;
                    self.send(lcp::PROTO, &Packet::new(cp::CONF_NAK, p.id, &nak));
                } else {
                    self.naks = 0;
                    self.send(lcp::PROTO, &Packet::new(cp::CONF_ACK, p.id, &p.data));
                    self.lcp_acking = true;
                    self.check_lcp_up(now);
                }
            }
            cp::CONF_ACK if p.id == self.lcp_id && p.data == self.lcp_req_data() => {
                self.lcp_acked = true;
                self.check_lcp_up(now);
            }
            cp::TERM_REQ => {
                self.send(lcp::PROTO, &Packet::new(cp::TERM_ACK, p.id, &[]));
                self.closed = true;
            }
            cp::TERM_ACK => self.got_term_ack = true,
            cp::ECHO_REQ => {
                self.send(lcp::PROTO, &Packet::new(cp::ECHO_REP, p.id, &[0; 4]));
            }
            cp::ECHO_REP => self.echo_replies.push(p),
            cp::PROTO_REJ => self.proto_rejects.push(p),
            cp::CODE_REJ => panic!("peer sent Code-Reject: {p:?}"),
            _ => {}
        }
    }

    fn check_lcp_up(&mut self, now: Instant) {
        if self.lcp_up || !(self.lcp_acked && self.lcp_acking) {
            return;
        }
        self.lcp_up = true;
        self.lcp_deadline = None;
        match self.method {
            Method::Pap => self.send_pap(now),
            Method::Chap => {}
            Method::None => {
                self.authed = true;
                self.start_ipcp(now);
            }
        }
    }

    fn on_ipcp(&mut self, p: Packet, now: Instant) {
        match p.code {
            cp::CONF_REQ => {
                let opts = cp::options(&p.data).unwrap();
                let mut rej = Vec::new();
                for (k, v) in &opts {
                    if *k == ipcp::ADDR && v[..] != [0; 4] {
                        self.server_ip = Some(v[..].try_into().unwrap());
                    } else {
                        cp::put_option(&mut rej, *k, v);
                    }
                }
                if rej.is_empty() {
                    self.send(ipcp::PROTO, &Packet::new(cp::CONF_ACK, p.id, &p.data));
                    self.ipcp_acking = true;
                } else {
                    self.send(ipcp::PROTO, &Packet::new(cp::CONF_REJ, p.id, &rej));
                }
            }
            cp::CONF_ACK if p.id == self.ipcp_id && p.data == self.ipcp_req_data() => {
                self.ipcp_acked = true;
                self.ipcp_deadline = None;
                self.got_ip = self.opt(ipcp::ADDR);
            }
            cp::CONF_NAK if p.id == self.ipcp_id => {
                for (k, v) in cp::options(&p.data).unwrap() {
                    let v: [u8; 4] = v[..].try_into().unwrap();
                    match self.ipcp_opts.iter_mut().find(|(kk, _)| *kk == k) {
                        Some(o) => o.1 = v,
                        None => self.ipcp_opts.push((k, v)),
                    }
                }
                self.ipcp_id += 1;
                self.send_ipcp_req(now);
            }
            cp::CONF_REJ if p.id == self.ipcp_id => {
                let gone: Vec<u8> = cp::options(&p.data).unwrap().iter().map(|o| o.0).collect();
                self.ipcp_opts.retain(|(k, _)| !gone.contains(k));
                self.ipcp_id += 1;
                self.send_ipcp_req(now);
            }
            _ => {}
        }
    }

    fn opt(&self, kind: u8) -> Option<[u8; 4]> {
        self.ipcp_opts.iter().find(|(k, _)| *k == kind).map(|o| o.1)
    }

    fn next_deadline(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let ipcp = if self.ipcp_up() {
            None
        } else {
            self.ipcp_deadline
        };
        let pap = if self.authed { None } else { self.pap_deadline };
        let lcp = if self.lcp_up { None } else { self.lcp_deadline };
        [lcp, pap, ipcp].into_iter().flatten().min()
    }
}

// ---------------------------------------------------------------- wire

/// Peer and client joined by a wire that can lose frames and split bytes.
struct Bench {
    now: Instant,
    peer: Peer,
    client: Client,
    events: Vec<Event>,
    /// Frames from the peer so far, and which to drop (by index).
    down_count: usize,
    drop_down: Vec<usize>,
    up_count: usize,
    drop_up: Vec<usize>,
    /// Bytes per write, to make the deframers reassemble.
    chunk: usize,
}

fn cfg(auth: Auth) -> PeerConfig {
    PeerConfig {
        auth,
        username: "web".into(),
        password: "s3cr\u{7e}t\u{7d}".into(),
        local_ip: [10, 64, 64, 64],
        peer_ip: [10, 64, 0, 7],
        dns: [[10, 11, 12, 13], [10, 11, 12, 14]],
    }
}

impl Bench {
    fn new(auth: Auth, method: Method, user: &str, pass: &str) -> Bench {
        let now = Instant::now();
        Bench {
            now,
            peer: Peer::new(cfg(auth), now),
            client: Client::new(method, user, pass, now),
            events: Vec::new(),
            down_count: 0,
            drop_down: Vec::new(),
            up_count: 0,
            drop_up: Vec::new(),
            chunk: 7,
        }
    }

    fn good(auth: Auth, method: Method) -> Bench {
        Bench::new(auth, method, "web", "s3cr\u{7e}t\u{7d}")
    }

    /// Move bytes both ways until both sides are quiet.
    fn pump(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            while let Some(f) = self.peer.transmit() {
                moved = true;
                self.down_count += 1;
                if self.drop_down.contains(&(self.down_count - 1)) {
                    continue;
                }
                for c in f.chunks(self.chunk) {
                    self.client.receive(c, self.now);
                }
            }
            let mut up: Vec<Vec<u8>> = std::mem::take(&mut self.client.out);
            if self.client.mute {
                up.clear();
            }
            for f in up {
                moved = true;
                self.up_count += 1;
                if self.drop_up.contains(&(self.up_count - 1)) {
                    continue;
                }
                for c in f.chunks(self.chunk) {
                    self.peer.receive(c, self.now);
                }
            }
            while let Some(e) = self.peer.poll_event() {
                self.events.push(e);
            }
            if !moved {
                return;
            }
        }
        panic!("wire never went quiet");
    }

    /// Jump to the next timer of either side, fire it, and pump.
    fn step_time(&mut self) -> bool {
        let next = [self.peer.poll_timeout(), self.client.next_deadline()]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = next else { return false };
        self.now = self.now.max(t);
        self.peer.handle_timeout(self.now);
        self.client.tick(self.now);
        self.pump();
        true
    }

    /// Pump and run timers until `done` or `limit` of bench time passes.
    fn run_until(&mut self, limit: Duration, done: impl Fn(&Bench) -> bool) -> bool {
        let end = self.now + limit;
        self.pump();
        while !done(self) {
            if !self.step_time() || self.now > end {
                return done(self);
            }
        }
        true
    }

    fn open(&mut self) {
        assert!(self.run_until(Duration::from_secs(1), |b| b.peer.phase() == Phase::Open));
        assert!(self.client.ipcp_up(), "client IPCP not up");
    }
}

// ---------------------------------------------------------------- framing

#[test]
fn hdlc_round_trip_every_byte_every_split() {
    let content: Vec<u8> = (0..=255u8).collect();
    let wire = hdlc::encode(&content);
    // Nothing below 0x20 goes out unescaped, nor 0x7d / 0x7e inside.
    assert!(
        wire[1..wire.len() - 1]
            .iter()
            .all(|&b| b >= 0x20 && b != 0x7e)
    );
    for split in 0..=wire.len() {
        let mut d = Deframer::new();
        let mut frames = d.push(&wire[..split]);
        frames.extend(d.push(&wire[split..]));
        assert_eq!(frames, vec![content.clone()], "split at {split}");
    }
    // Byte by byte, two frames sharing no flag in between.
    let mut d = Deframer::new();
    let mut two = wire.clone();
    two.extend_from_slice(&wire[1..]);
    let frames: Vec<Vec<u8>> = two.iter().flat_map(|b| d.push(&[*b])).collect();
    assert_eq!(frames, vec![content.clone(), content]);
}

#[test]
fn fcs_of_a_known_frame() {
    // LCP Configure-Request id 1, no options, as oFono sends it first.
    let content = [0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04];
    // The CRC catalogue's check value for CRC-16/X-25 (the PPP FCS).
    assert_eq!(!hdlc::fcs16(b"123456789"), 0x906e);
    let fcs = !hdlc::fcs16(&content);
    assert_eq!(fcs, 0xb5d1);
    let wire = hdlc::encode(&content);
    let want = [
        0x7e, 0xff, 0x7d, 0x23, 0xc0, 0x21, 0x7d, 0x21, 0x7d, 0x21, 0x7d, 0x20, 0x7d, 0x24, 0xd1,
        0xb5, 0x7e,
    ];
    assert_eq!(wire, want);
    // A good frame's FCS over content plus FCS is the magic 0xf0b8.
    let mut all = content.to_vec();
    all.extend_from_slice(&fcs.to_le_bytes());
    assert_eq!(hdlc::fcs16(&all), 0xf0b8);
}

#[test]
fn deframer_drops_bad_fcs_unescaped_controls_and_compression_parses() {
    let content = [0xff, 0x03, 0x00, 0x21, 0x45, 0x00];
    let mut wire = hdlc::encode(&content);
    // Unescaped control characters are line noise: dropped, frame intact.
    wire.insert(3, 0x11); // between an escape and its byte
    wire.insert(6, 0x13);
    let mut d = Deframer::new();
    assert_eq!(d.push(&wire), vec![content.to_vec()]);
    // A flipped bit fails the FCS.
    let mut bad = hdlc::encode(&content);
    bad[4] ^= 0x01;
    assert_eq!(d.push(&bad), Vec::<Vec<u8>>::new());
    assert_eq!(d.dropped, 1);
    assert_eq!(
        hdlc::parse(&[0xff, 0x03, 0xc0, 0x21, 9]),
        Some((0xc021, &[9u8][..]))
    );
    assert_eq!(hdlc::parse(&[0xc0, 0x21, 9]), Some((0xc021, &[9u8][..])));
    assert_eq!(hdlc::parse(&[0x21, 0x45]), Some((0x0021, &[0x45u8][..])));
    assert_eq!(
        hdlc::parse(&[0xff, 0x03, 0x21, 0x45]),
        Some((0x0021, &[0x45u8][..]))
    );
    assert_eq!(hdlc::parse(&[0xc0, 0x20]), None);
}

#[test]
fn md5_rfc1321_vectors() {
    let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let cases = [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        (
            "abcdefghijklmnopqrstuvwxyz",
            "c3fcd3d76192e4007dfb496cca67e13b",
        ),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f",
        ),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(hex(md5(input.as_bytes())), want, "md5({input:?})");
    }
}

// ---------------------------------------------------------------- handshakes

fn auth_events(b: &Bench) -> Vec<Event> {
    b.events
        .iter()
        .filter(|e| matches!(e, Event::AuthOk { .. } | Event::AuthFailed { .. }))
        .cloned()
        .collect()
}

fn check_open(b: &Bench) {
    assert_eq!(b.client.got_ip, Some([10, 64, 0, 7]));
    assert_eq!(b.client.opt(ipcp::DNS1), Some([10, 11, 12, 13]));
    assert_eq!(b.client.opt(ipcp::DNS2), Some([10, 11, 12, 14]));
    assert_eq!(b.client.opt(ipcp::NBNS1), None, "NBNS not rejected");
    assert_eq!(b.client.server_ip, Some([10, 64, 64, 64]));
    assert!(b.events.contains(&Event::LcpUp));
    assert!(b.events.contains(&Event::IpcpUp {
        peer_ip: [10, 64, 0, 7]
    }));
    assert!(
        !b.client
            .seen
            .iter()
            .any(|s| s.1 == cp::PROTO_REJ || s.1 == cp::CODE_REJ)
    );
}

#[test]
fn handshake_without_auth() {
    let mut b = Bench::good(Auth::None, Method::None);
    b.open();
    check_open(&b);
    assert_eq!(auth_events(&b), vec![]);
    assert!(!b.client.seen.iter().any(|s| s.0 == PAP || s.0 == CHAP));
}

#[test]
fn handshake_pap_ok() {
    let mut b = Bench::good(Auth::Pap, Method::Pap);
    b.open();
    check_open(&b);
    assert_eq!(auth_events(&b), vec![Event::AuthOk { user: "web".into() }]);
    assert_eq!(b.events[0], Event::LcpUp);
}

#[test]
fn handshake_pap_wrong_password_terminates() {
    let mut b = Bench::new(Auth::Pap, Method::Pap, "web", "guess");
    assert!(b.run_until(Duration::from_secs(20), |b| b.peer.phase() == Phase::Dead));
    assert_eq!(
        auth_events(&b),
        vec![Event::AuthFailed { user: "web".into() }]
    );
    assert!(b.client.auth_failed);
    assert!(b.client.seen.contains(&(PAP, auth::PAP_NAK)));
    assert!(b.client.seen.contains(&(lcp::PROTO, cp::TERM_REQ)));
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: false }));
    assert!(!b.events.iter().any(|e| matches!(e, Event::IpcpUp { .. })));
}

#[test]
fn handshake_pap_wrong_user_terminates() {
    let mut b = Bench::new(Auth::Pap, Method::Pap, "intruder", "s3cr\u{7e}t\u{7d}");
    assert!(b.run_until(Duration::from_secs(20), |b| b.peer.phase() == Phase::Dead));
    assert_eq!(
        auth_events(&b),
        vec![Event::AuthFailed {
            user: "intruder".into()
        }]
    );
}

#[test]
fn handshake_chap_ok() {
    let mut b = Bench::good(Auth::Chap, Method::Chap);
    b.open();
    check_open(&b);
    assert_eq!(auth_events(&b), vec![Event::AuthOk { user: "web".into() }]);
    assert!(b.client.seen.contains(&(CHAP, auth::CHAP_CHALLENGE)));
    assert!(b.client.seen.contains(&(CHAP, auth::CHAP_SUCCESS)));
    assert!(!b.client.seen.iter().any(|s| s.0 == PAP));
}

#[test]
fn handshake_chap_wrong_secret_terminates() {
    let mut b = Bench::new(Auth::Chap, Method::Chap, "web", "secret");
    assert!(b.run_until(Duration::from_secs(20), |b| b.peer.phase() == Phase::Dead));
    assert_eq!(
        auth_events(&b),
        vec![Event::AuthFailed { user: "web".into() }]
    );
    assert!(b.client.seen.contains(&(CHAP, auth::CHAP_FAILURE)));
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: false }));
}

#[test]
fn chap_naked_for_pap_gives_up_without_falling_back() {
    // oFono: five Naks suggesting PAP, then a Reject of everything.
    let mut b = Bench::good(Auth::Chap, Method::Pap);
    assert!(b.run_until(Duration::from_secs(30), |b| b.peer.phase() == Phase::Dead));
    assert_eq!(b.client.naks, 5);
    assert!(!b.events.contains(&Event::LcpUp));
    assert_eq!(auth_events(&b), vec![]);
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: false }));
    assert!(!b.client.seen.iter().any(|s| s.0 == PAP));

    // A client that Naks forever is given up on after max-configure Naks.
    let mut b = Bench::good(Auth::Chap, Method::Pap);
    b.client.nak_forever = true;
    assert!(b.run_until(Duration::from_secs(30), |b| b.peer.phase() == Phase::Dead));
    assert_eq!(b.client.naks, cp::MAX_CONFIGURE);
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: false }));
}

#[test]
fn auth_asked_of_a_client_without_auth_is_given_up() {
    // oFono with AuthMethod none rejects the auth option (empty Reject).
    let mut b = Bench::good(Auth::Pap, Method::None);
    assert!(b.run_until(Duration::from_secs(30), |b| b.peer.phase() == Phase::Dead));
    assert!(!b.events.contains(&Event::LcpUp));
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: false }));
}

#[test]
fn ip_packets_both_ways_only_when_open() {
    let mut b = Bench::good(Auth::Pap, Method::Pap);
    b.peer.send_ip(&[0x45, 1, 2]);
    b.pump();
    assert!(b.client.ip_in.is_empty(), "IP sent before Open");
    b.open();
    // Every byte value, so escaping is exercised both ways.
    let down: Vec<u8> = (0..=255u8).rev().collect();
    b.peer.send_ip(&down);
    let up: Vec<u8> = (0..=255u8).collect();
    b.client.send_raw(hdlc::frame(ipcp::IP, &up));
    // Protocol-compressed too, as PFC allows.
    b.client.send_raw(hdlc::encode(&[0x21, 0x45, 0x7e, 0x00]));
    b.pump();
    assert_eq!(b.client.ip_in, vec![down]);
    assert_eq!(b.peer.take_ip(), Some(up));
    assert_eq!(b.peer.take_ip(), Some(vec![0x45, 0x7e, 0x00]));
    assert_eq!(b.peer.take_ip(), None);
}

#[test]
fn echo_request_answered() {
    let mut b = Bench::good(Auth::None, Method::None);
    b.open();
    b.client.send(
        lcp::PROTO,
        &Packet::new(cp::ECHO_REQ, 42, &[0, 0, 0, 0, 1, 2]),
    );
    b.pump();
    assert_eq!(b.client.echo_replies.len(), 1);
    let r = &b.client.echo_replies[0];
    assert_eq!(r.id, 42);
    assert_eq!(r.data.len(), 6);
    assert_eq!(&r.data[4..], &[1, 2]);
    assert_eq!(b.peer.phase(), Phase::Open);
}

#[test]
fn unknown_protocol_is_rejected_and_recorded() {
    let mut b = Bench::good(Auth::None, Method::None);
    b.open();
    // IPv6CP: oFono 1.31's client never sends it, a stranger might.
    b.client.send_raw(hdlc::frame(0x8057, &[1, 1, 0, 4]));
    b.pump();
    assert!(b.events.contains(&Event::ProtocolRejected(0x8057)));
    assert_eq!(b.client.proto_rejects.len(), 1);
    assert_eq!(&b.client.proto_rejects[0].data[..2], &[0x80, 0x57]);
    assert_eq!(b.peer.phase(), Phase::Open);
}

#[test]
fn client_terminates() {
    let mut b = Bench::good(Auth::Pap, Method::Pap);
    b.open();
    b.client.close(b.now);
    b.pump();
    assert_eq!(b.peer.phase(), Phase::Dead);
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: true }));
    assert!(b.client.got_term_ack);
    assert_eq!(b.peer.poll_timeout(), None);
    b.peer.send_ip(&[0x45]);
    assert_eq!(b.peer.transmit(), None);
}

#[test]
fn peer_terminates_and_is_acked() {
    let mut b = Bench::good(Auth::Chap, Method::Chap);
    b.open();
    b.peer.terminate(b.now);
    assert_eq!(b.peer.phase(), Phase::Terminating);
    b.pump();
    assert_eq!(b.peer.phase(), Phase::Dead);
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: false }));
    assert!(b.client.closed);
}

#[test]
fn peer_terminates_without_ack_times_out() {
    let mut b = Bench::good(Auth::None, Method::None);
    b.open();
    b.drop_down = (b.down_count..b.down_count + 100).collect();
    let t0 = b.now;
    b.peer.terminate(t0);
    b.pump();
    assert_eq!(b.peer.phase(), Phase::Terminating);
    // Max-Terminate 2: one resend after 3 s, then dead after 3 s more.
    let t1 = b.peer.poll_timeout().expect("restart timer");
    assert_eq!(t1, t0 + Duration::from_secs(3));
    b.peer.handle_timeout(t1 - Duration::from_millis(1));
    assert_eq!(b.peer.transmit(), None, "fired early");
    b.peer.handle_timeout(t1);
    assert!(b.peer.transmit().is_some(), "no resend");
    assert_eq!(b.peer.phase(), Phase::Terminating);
    let t2 = b.peer.poll_timeout().unwrap();
    b.peer.handle_timeout(t2);
    assert_eq!(b.peer.transmit(), None);
    assert_eq!(b.peer.phase(), Phase::Dead);
    assert_eq!(
        b.peer.poll_event(),
        Some(Event::Terminated { by_peer: false })
    );
    assert_eq!(b.peer.poll_timeout(), None);
}

#[test]
fn lost_frames_recovered_by_restart_timers() {
    // Lose the peer's first LCP request, the client's first IPCP request,
    // and the peer's first Challenge: each restart timer must cover it.
    for (auth, method) in [
        (Auth::None, Method::None),
        (Auth::Chap, Method::Chap),
        (Auth::Pap, Method::Pap),
    ] {
        let mut b = Bench::good(auth, method);
        b.drop_down = vec![0, 3];
        b.drop_up = vec![2];
        let t0 = b.now;
        assert!(
            b.run_until(Duration::from_secs(60), |b| b.peer.phase() == Phase::Open),
            "{auth:?}: not open, events {:?}",
            b.events
        );
        assert!(b.now > t0, "no timer was needed");
        check_open(&b);
    }
}

#[test]
fn lost_pap_ack_answered_again() {
    let mut b = Bench::good(Auth::Pap, Method::Pap);
    // down: 0 LCP req, 1 LCP ack, 2 PAP ack (lost), 3 IPCP req, ...
    b.drop_down = vec![2];
    assert!(b.run_until(Duration::from_secs(60), |b| b.client.ipcp_up()));
    assert_eq!(b.client.pap_id, 2);
    assert_eq!(auth_events(&b), vec![Event::AuthOk { user: "web".into() }]);
    assert_eq!(b.peer.phase(), Phase::Open);
}

#[test]
fn garbage_and_truncated_frames_ignored() {
    let mut b = Bench::good(Auth::Pap, Method::Pap);
    let mut seed = 0x1234_5678u32;
    let mut noise = Vec::new();
    for _ in 0..5000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        noise.push((seed >> 16) as u8);
    }
    b.peer.receive(&noise, b.now);
    // Well-framed but malformed: short CP packets, lying lengths, bad options.
    for info in [
        vec![],
        vec![1],
        vec![1, 1, 0],
        vec![1, 1, 0, 3],
        vec![1, 1, 0, 200, 1],
        vec![1, 1, 0, 6, 3, 9],
        vec![2, 9, 0, 4],
        vec![5],
        vec![12, 1, 0, 4],
    ] {
        b.peer.receive(&hdlc::frame(lcp::PROTO, &info), b.now);
        b.peer.receive(&hdlc::frame(PAP, &info), b.now);
        b.peer.receive(&hdlc::frame(ipcp::PROTO, &info), b.now);
    }
    b.peer.receive(&[0x7e, 0xff, 0x7e, 0x7d, 0x7e, 0x7e], b.now);
    b.peer.receive(&hdlc::encode(&[0xff, 0x03])[..5], b.now);
    b.peer.receive(&[0x7e], b.now);
    assert_ne!(b.peer.phase(), Phase::Dead);
    // Drain what the noise provoked (Code-Reject of code 12 and the like).
    while b.peer.transmit().is_some() {}
    b.peer = Peer::new(cfg(Auth::Pap), b.now);
    b.peer.receive(&noise[..777], b.now);
    b.open();
    check_open(&b);
}

#[test]
fn lost_client_ack_renegotiates_and_recovers() {
    // up: 0 client LCP req, 1 client Ack of ours (lost), ...
    let mut b = Bench::good(Auth::Pap, Method::Pap);
    b.drop_up = vec![1];
    assert!(b.run_until(Duration::from_secs(60), |b| b.peer.phase() == Phase::Open));
    assert_eq!(b.client.renegotiations, 1);
    check_open(&b);
    assert_eq!(auth_events(&b), vec![Event::AuthOk { user: "web".into() }]);
}

#[test]
fn silent_client_gives_up_after_max_configure() {
    let mut b = Bench::good(Auth::None, Method::None);
    b.client.mute = true;
    let t0 = b.now;
    assert!(b.run_until(Duration::from_secs(60), |b| b.peer.phase() == Phase::Dead));
    // Ten requests 3 s apart, then down at the tenth timeout.
    assert_eq!(b.down_count, cp::MAX_CONFIGURE as usize);
    assert_eq!(b.now - t0, Duration::from_secs(30));
    assert_eq!(b.events, vec![Event::Terminated { by_peer: false }]);
}

#[test]
fn pap_never_sent_times_out() {
    let mut b = Bench::good(Auth::Pap, Method::Pap);
    b.client.mute_pap = true;
    assert!(b.run_until(Duration::from_secs(60), |b| b.peer.phase() == Phase::Dead));
    assert_eq!(b.events.first(), Some(&Event::LcpUp));
    assert_eq!(auth_events(&b), vec![]);
    assert_eq!(b.events.last(), Some(&Event::Terminated { by_peer: false }));
}

#[test]
fn chap_challenge_repeated_then_given_up() {
    let mut b = Bench::good(Auth::Chap, Method::Chap);
    // down: 0 LCP req, 1 LCP ack, 2.. challenges, all lost.
    b.drop_down = (2..100).collect();
    assert!(b.run_until(Duration::from_secs(60), |b| b.peer.phase() == Phase::Dead));
    // Ten challenges and two Terminate-Requests, all lost.
    assert_eq!(b.down_count, 2 + cp::MAX_CONFIGURE as usize + 2);
    assert_eq!(auth_events(&b), vec![]);
}

#[test]
fn ip_longer_than_the_mru_is_dropped() {
    let mut b = Bench::good(Auth::None, Method::None);
    b.client.mru = Some(576);
    b.open();
    b.peer.send_ip(&[0x45; 577]);
    b.peer.send_ip(&[0x45; 576]);
    b.pump();
    assert_eq!(b.client.ip_in, vec![vec![0x45; 576]]);
    // Without an MRU option the default 1500 holds.
    let mut b = Bench::good(Auth::None, Method::None);
    b.open();
    b.peer.send_ip(&[0x45; 1501]);
    b.peer.send_ip(&[0x45; 1500]);
    b.pump();
    assert_eq!(b.client.ip_in, vec![vec![0x45; 1500]]);
}
