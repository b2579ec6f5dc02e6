//! The access server's PPP peer: LCP, then PAP or CHAP, then IPCP, then
//! IPv4 both ways. Sans-IO: the caller pumps bytes, time and events.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::auth::{self, CHAP, PAP};
use super::cp::{self, Fsm, Packet, State, Step};
use super::hdlc::{self, Deframer};
use super::{ipcp, lcp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    Pap,
    Chap,
}

#[derive(Debug, Clone)]
pub struct PeerConfig {
    pub auth: Auth,
    pub username: String,
    pub password: String,
    pub local_ip: [u8; 4],
    pub peer_ip: [u8; 4],
    pub dns: [[u8; 4]; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Establish,
    Authenticate,
    Network,
    Open,
    Terminating,
    Dead,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    LcpUp,
    AuthOk { user: String },
    AuthFailed { user: String },
    IpcpUp { peer_ip: [u8; 4] },
    Terminated { by_peer: bool },
    ProtocolRejected(u16),
}

/// RFC 1661's default MRU. oFono 1.31 never asks another, and its HDLC
/// receiver writes into a 4096-byte buffer without a bound check, so
/// nothing longer may ever go out.
const DEFAULT_MRU: usize = 1500;
/// How long we wait for an Authenticate-Request: oFono sends one at once
/// and gives up itself after three tries 10 s apart.
const PAP_WAIT: Duration = Duration::from_secs(30);

/// Where authentication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthState {
    Waiting,
    Ok,
    Failed,
}

#[derive(Debug)]
pub struct Peer {
    cfg: PeerConfig,
    phase: Phase,
    deframer: Deframer,
    lcp: Fsm,
    wants: lcp::Wants,
    ipcp: Fsm,
    auth: AuthState,
    chap_id: u8,
    chap_value: [u8; 16],
    chap_tries: u32,
    auth_deadline: Option<Instant>,
    reject_id: u8,
    /// Largest information field the client takes (its MRU, default 1500).
    peer_mru: usize,
    out: VecDeque<Vec<u8>>,
    ip_in: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    terminated_by_us: bool,
}

impl Peer {
    pub fn new(cfg: PeerConfig, now: Instant) -> Peer {
        // Deterministic, but differs between configurations.
        let seed = u32::from_be_bytes(cfg.local_ip) ^ u32::from_be_bytes(cfg.peer_ip) ^ 0x4e36_7e11;
        let magic = if seed == 0 { 0x1234_5678 } else { seed };
        let wants = lcp::Wants {
            auth: cfg.auth,
            magic: Some(magic),
            auth_naks: 0,
        };
        let mut p = Peer {
            cfg,
            phase: Phase::Establish,
            deframer: Deframer::new(),
            lcp: Fsm::new(1),
            wants,
            ipcp: Fsm::new(1),
            auth: AuthState::Waiting,
            chap_id: 0,
            chap_value: auth::challenge_value(seed, 0),
            chap_tries: 0,
            auth_deadline: None,
            reject_id: 0,
            peer_mru: DEFAULT_MRU,
            out: VecDeque::new(),
            ip_in: VecDeque::new(),
            events: VecDeque::new(),
            terminated_by_us: false,
        };
        let mut pk = Vec::new();
        p.lcp.open(p.wants.encode(), now, &mut pk);
        p.send(lcp::PROTO, pk);
        p
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    pub fn take_ip(&mut self) -> Option<Vec<u8>> {
        self.ip_in.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn send_ip(&mut self, packet: &[u8]) {
        if self.phase == Phase::Open && packet.len() <= self.peer_mru {
            self.out.push_back(hdlc::frame(ipcp::IP, packet));
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.lcp.deadline, self.ipcp.deadline, self.auth_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn terminate(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Terminating | Phase::Dead) {
            return;
        }
        self.terminated_by_us = true;
        self.ipcp.halt();
        self.auth_deadline = None;
        let mut pk = Vec::new();
        self.lcp.close(now, &mut pk);
        self.send(lcp::PROTO, pk);
        self.phase = Phase::Terminating;
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase == Phase::Dead {
            return;
        }
        let mut pk = Vec::new();
        let step = self.lcp.timeout(now, &mut pk);
        self.send(lcp::PROTO, pk);
        if step == Step::Finished {
            self.die(false);
            return;
        }
        let mut pk = Vec::new();
        let step = self.ipcp.timeout(now, &mut pk);
        self.send(ipcp::PROTO, pk);
        if step == Step::Finished {
            // IPCP never converged: the link is useless.
            self.terminate(now);
        }
        if self.auth_deadline.is_some_and(|d| d <= now) {
            if self.wants.auth == Auth::Pap || self.chap_tries >= cp::MAX_CONFIGURE {
                self.terminate(now);
            } else {
                self.send_challenge(now);
            }
        }
    }

    pub fn receive(&mut self, bytes: &[u8], now: Instant) {
        for f in self.deframer.push(bytes) {
            if self.phase == Phase::Dead {
                return;
            }
            if let Some((proto, info)) = hdlc::parse(&f) {
                let info = info.to_vec();
                self.dispatch(proto, &info, now);
            }
        }
    }

    fn send(&mut self, proto: u16, packets: Vec<Packet>) {
        for p in packets {
            self.out.push_back(hdlc::frame(proto, &p.encode()));
        }
    }

    fn die(&mut self, by_peer: bool) {
        self.lcp.halt();
        self.ipcp.halt();
        self.auth_deadline = None;
        self.phase = Phase::Dead;
        self.events.push_back(Event::Terminated { by_peer });
    }

    fn dispatch(&mut self, proto: u16, info: &[u8], now: Instant) {
        match proto {
            lcp::PROTO => self.on_lcp(info, now),
            PAP if self.phase == Phase::Authenticate || self.auth == AuthState::Ok => {
                self.on_pap(info, now)
            }
            CHAP if self.phase == Phase::Authenticate => self.on_chap(info, now),
            // Before their phase (RFC 1661 3.4) or after: silently dropped.
            PAP | CHAP => {}
            ipcp::PROTO if matches!(self.phase, Phase::Network | Phase::Open) => {
                self.on_ipcp(info, now)
            }
            ipcp::PROTO => {}
            ipcp::IP if self.phase == Phase::Open => self.ip_in.push_back(info.to_vec()),
            ipcp::IP => {}
            _ if self.lcp.state == State::Opened && self.phase != Phase::Terminating => {
                self.reject_id = self.reject_id.wrapping_add(1);
                let mut d = proto.to_be_bytes().to_vec();
                d.extend_from_slice(info);
                d.truncate(self.peer_mru.saturating_sub(4));
                let pk = Packet::new(cp::PROTO_REJ, self.reject_id, &d);
                self.send(lcp::PROTO, vec![pk]);
                self.events.push_back(Event::ProtocolRejected(proto));
            }
            _ => {}
        }
    }

    fn on_lcp(&mut self, info: &[u8], now: Instant) {
        let Some(p) = Packet::parse(info) else { return };
        let mut out = Vec::new();
        let step = match p.code {
            cp::CONF_REQ => {
                let Some(opts) = cp::options(&p.data) else {
                    return;
                };
                let v = lcp::judge(&opts, self.wants.magic);
                if v == cp::Verdict::Ack {
                    let mru = lcp::mru(&opts).map_or(DEFAULT_MRU, usize::from);
                    self.peer_mru = mru.clamp(64, DEFAULT_MRU);
                }
                self.lcp.rcr(p.id, &p.data, v, now, &mut out)
            }
            cp::CONF_ACK if p.data == self.lcp.ours => self.lcp.rca(p.id, now, &mut out),
            cp::CONF_NAK | cp::CONF_REJ if p.id == self.lcp.req_id && self.lcp.is_live() => {
                let Some(opts) = cp::options(&p.data) else {
                    return;
                };
                let adj = if p.code == cp::CONF_NAK {
                    self.wants.nak(&opts, cp::MAX_CONFIGURE)
                } else {
                    self.wants.reject(&opts)
                };
                if adj == lcp::Adjust::GiveUp {
                    self.terminate(now);
                    return;
                }
                self.lcp.ours = self.wants.encode();
                self.lcp.rcn(p.id, now, &mut out)
            }
            cp::TERM_REQ => {
                let closing = self.lcp.state == State::Closing;
                self.lcp.rtr(p.id, &mut out);
                self.send(lcp::PROTO, out);
                if !closing {
                    self.die(true);
                }
                return;
            }
            cp::TERM_ACK => self.lcp.rta(),
            cp::ECHO_REQ if self.lcp.state == State::Opened => {
                let m = self.wants.magic.unwrap_or(0).to_be_bytes();
                let mut d = m.to_vec();
                d.extend_from_slice(p.data.get(4..).unwrap_or(&[]));
                out.push(Packet::new(cp::ECHO_REP, p.id, &d));
                Step::Nothing
            }
            // Either one is fatal to oFono; we follow suit.
            cp::CODE_REJ | cp::PROTO_REJ if self.lcp.state == State::Opened => {
                self.terminate(now);
                return;
            }
            cp::CONF_ACK
            | cp::CONF_NAK
            | cp::CONF_REJ
            | cp::CODE_REJ
            | cp::PROTO_REJ
            | cp::ECHO_REQ
            | cp::ECHO_REP
            | cp::DISCARD_REQ => Step::Nothing,
            _ => {
                self.reject_id = self.reject_id.wrapping_add(1);
                let mut d = p.encode();
                d.truncate(self.peer_mru.saturating_sub(4));
                out.push(Packet::new(cp::CODE_REJ, self.reject_id, &d));
                Step::Nothing
            }
        };
        self.send(lcp::PROTO, out);
        match step {
            Step::Up => self.lcp_up(now),
            Step::Down => {
                // Renegotiation: start over from the establish phase.
                self.ipcp = Fsm::new(self.ipcp.req_id.wrapping_add(1));
                self.auth_deadline = None;
                self.auth = AuthState::Waiting;
                self.phase = Phase::Establish;
            }
            Step::Finished => self.die(!self.terminated_by_us),
            Step::Nothing => {}
        }
    }

    fn lcp_up(&mut self, now: Instant) {
        self.events.push_back(Event::LcpUp);
        match self.wants.auth {
            Auth::None => self.network(now),
            Auth::Pap => {
                self.phase = Phase::Authenticate;
                self.auth_deadline = Some(now + PAP_WAIT);
            }
            Auth::Chap => {
                self.phase = Phase::Authenticate;
                self.chap_tries = 0;
                self.chap_id = self.chap_id.wrapping_add(1);
                self.chap_value =
                    auth::challenge_value(self.wants.magic.unwrap_or(0), self.chap_id);
                self.send_challenge(now);
            }
        }
    }

    fn send_challenge(&mut self, now: Instant) {
        self.chap_tries += 1;
        let d = auth::chap_value_and_name(&self.chap_value, b"e367");
        let pk = Packet::new(auth::CHAP_CHALLENGE, self.chap_id, &d);
        self.out.push_back(hdlc::frame(CHAP, &pk.encode()));
        self.auth_deadline = Some(now + cp::RESTART);
    }

    fn network(&mut self, now: Instant) {
        self.phase = Phase::Network;
        let mut pk = Vec::new();
        self.ipcp.open(ipcp::ours(self.cfg.local_ip), now, &mut pk);
        self.send(ipcp::PROTO, pk);
    }

    fn auth_done(&mut self, ok: bool, user: Vec<u8>, now: Instant) {
        let user = String::from_utf8_lossy(&user).into_owned();
        self.auth_deadline = None;
        if ok {
            self.auth = AuthState::Ok;
            self.events.push_back(Event::AuthOk { user });
            self.network(now);
        } else {
            self.auth = AuthState::Failed;
            self.events.push_back(Event::AuthFailed { user });
            self.terminate(now);
        }
    }

    fn on_pap(&mut self, info: &[u8], now: Instant) {
        let Some(p) = Packet::parse(info) else { return };
        if p.code != auth::PAP_REQ || self.wants.auth != Auth::Pap {
            return;
        }
        let Some((user, pass)) = auth::pap_fields(&p.data) else {
            return;
        };
        let ok = user == self.cfg.username.as_bytes() && pass == self.cfg.password.as_bytes();
        // A repeat after our Ack was lost gets the same answer again.
        let ok = ok && self.auth != AuthState::Failed;
        let (code, msg): (u8, &[u8]) = if ok {
            (auth::PAP_ACK, b"Welcome")
        } else {
            (auth::PAP_NAK, b"Denied")
        };
        let mut d = vec![msg.len() as u8];
        d.extend_from_slice(msg);
        let pk = Packet::new(code, p.id, &d);
        self.out.push_back(hdlc::frame(PAP, &pk.encode()));
        if self.auth == AuthState::Waiting {
            self.auth_done(ok, user, now);
        }
    }

    fn on_chap(&mut self, info: &[u8], now: Instant) {
        let Some(p) = Packet::parse(info) else { return };
        if p.code != auth::CHAP_RESPONSE || p.id != self.chap_id || self.auth != AuthState::Waiting
        {
            return;
        }
        let Some((value, name)) = auth::chap_fields(&p.data) else {
            return;
        };
        let want = auth::chap_md5(p.id, self.cfg.password.as_bytes(), &self.chap_value);
        let ok = value == want && name == self.cfg.username.as_bytes();
        let (code, msg): (u8, &[u8]) = if ok {
            (auth::CHAP_SUCCESS, b"Welcome")
        } else {
            (auth::CHAP_FAILURE, b"Denied")
        };
        let pk = Packet::new(code, p.id, msg);
        self.out.push_back(hdlc::frame(CHAP, &pk.encode()));
        self.auth_done(ok, name, now);
    }

    fn on_ipcp(&mut self, info: &[u8], now: Instant) {
        let Some(p) = Packet::parse(info) else { return };
        let mut out = Vec::new();
        let step = match p.code {
            cp::CONF_REQ => {
                let Some(opts) = cp::options(&p.data) else {
                    return;
                };
                let v = ipcp::judge(&opts, self.cfg.peer_ip, self.cfg.dns);
                self.ipcp.rcr(p.id, &p.data, v, now, &mut out)
            }
            cp::CONF_ACK if p.data == self.ipcp.ours => self.ipcp.rca(p.id, now, &mut out),
            cp::CONF_NAK | cp::CONF_REJ if p.id == self.ipcp.req_id => {
                let Some(opts) = cp::options(&p.data) else {
                    return;
                };
                // Our only option is our address: take no other, drop it
                // only if rejected (oFono then acks an empty request).
                if p.code == cp::CONF_REJ && opts.iter().any(|(k, _)| *k == ipcp::ADDR) {
                    self.ipcp.ours.clear();
                }
                self.ipcp.rcn(p.id, now, &mut out)
            }
            cp::TERM_REQ => {
                let s = self.ipcp.rtr(p.id, &mut out);
                self.send(ipcp::PROTO, out);
                if s == Step::Down {
                    // IPCP closed by the client: nothing left to carry.
                    self.terminate(now);
                }
                return;
            }
            cp::TERM_ACK => self.ipcp.rta(),
            cp::CONF_ACK | cp::CONF_NAK | cp::CONF_REJ | cp::CODE_REJ => Step::Nothing,
            _ => {
                self.reject_id = self.reject_id.wrapping_add(1);
                let mut d = p.encode();
                d.truncate(self.peer_mru.saturating_sub(4));
                out.push(Packet::new(cp::CODE_REJ, self.reject_id, &d));
                Step::Nothing
            }
        };
        self.send(ipcp::PROTO, out);
        match step {
            Step::Up => {
                self.phase = Phase::Open;
                self.events.push_back(Event::IpcpUp {
                    peer_ip: self.cfg.peer_ip,
                });
            }
            Step::Down => self.phase = Phase::Network,
            Step::Finished | Step::Nothing => {}
        }
    }
}
