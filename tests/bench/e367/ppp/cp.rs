//! What LCP and IPCP share (RFC 1661): the packet layout, option lists and
//! the option-negotiation automaton, reduced to the states a peer that
//! opens at once and never restarts can reach.

use std::time::{Duration, Instant};

pub const CONF_REQ: u8 = 1;
pub const CONF_ACK: u8 = 2;
pub const CONF_NAK: u8 = 3;
pub const CONF_REJ: u8 = 4;
pub const TERM_REQ: u8 = 5;
pub const TERM_ACK: u8 = 6;
pub const CODE_REJ: u8 = 7;
pub const PROTO_REJ: u8 = 8;
pub const ECHO_REQ: u8 = 9;
pub const ECHO_REP: u8 = 10;
pub const DISCARD_REQ: u8 = 11;

pub const RESTART: Duration = Duration::from_secs(3);
pub const MAX_CONFIGURE: u32 = 10;
pub const MAX_TERMINATE: u32 = 2;

/// One control packet: code, identifier, data (length checked on parse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub code: u8,
    pub id: u8,
    pub data: Vec<u8>,
}

impl Packet {
    pub fn new(code: u8, id: u8, data: &[u8]) -> Packet {
        Packet {
            code,
            id,
            data: data.to_vec(),
        }
    }

    /// Parse, ignoring padding past Length; None if truncated.
    pub fn parse(info: &[u8]) -> Option<Packet> {
        if info.len() < 4 {
            return None;
        }
        let len = u16::from_be_bytes([info[2], info[3]]) as usize;
        if len < 4 || len > info.len() {
            return None;
        }
        Some(Packet {
            code: info[0],
            id: info[1],
            data: info[4..len].to_vec(),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = vec![self.code, self.id];
        v.extend_from_slice(&((self.data.len() + 4) as u16).to_be_bytes());
        v.extend_from_slice(&self.data);
        v
    }
}

/// Configuration options as (type, value); None if malformed.
pub fn options(data: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut d = data;
    while !d.is_empty() {
        if d.len() < 2 || (d[1] as usize) < 2 || d[1] as usize > d.len() {
            return None;
        }
        let n = d[1] as usize;
        out.push((d[0], d[2..n].to_vec()));
        d = &d[n..];
    }
    Some(out)
}

pub fn put_option(out: &mut Vec<u8>, kind: u8, value: &[u8]) {
    out.push(kind);
    out.push(value.len() as u8 + 2);
    out.extend_from_slice(value);
}

/// Our verdict on the peer's Configure-Request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ack,
    Nak(Vec<u8>),
    Rej(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not started (IPCP before the network phase).
    Initial,
    ReqSent,
    AckRcvd,
    AckSent,
    Opened,
    Closing,
    /// Finished: closed by either side or given up.
    Stopped,
}

/// What the caller must do after an automaton step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Nothing,
    Up,
    Down,
    /// Reached Stopped after our Terminate-Request or running out of tries.
    Finished,
}

/// The RFC 1661 automaton for one protocol; packets go to `out`.
#[derive(Debug)]
pub struct Fsm {
    pub state: State,
    pub req_id: u8,
    term_id: u8,
    restarts: u32,
    pub deadline: Option<Instant>,
    /// Our current Configure-Request options.
    pub ours: Vec<u8>,
}

impl Fsm {
    pub fn new(start_id: u8) -> Fsm {
        Fsm {
            state: State::Initial,
            req_id: start_id.wrapping_sub(1),
            term_id: 0,
            restarts: 0,
            deadline: None,
            ours: Vec::new(),
        }
    }

    fn send_req(&mut self, fresh: bool, now: Instant, out: &mut Vec<Packet>) {
        if fresh {
            self.req_id = self.req_id.wrapping_add(1);
        }
        out.push(Packet::new(CONF_REQ, self.req_id, &self.ours));
        self.restarts = self.restarts.saturating_sub(1);
        self.deadline = Some(now + RESTART);
    }

    /// Open: send our first Configure-Request.
    pub fn open(&mut self, ours: Vec<u8>, now: Instant, out: &mut Vec<Packet>) {
        self.ours = ours;
        self.restarts = MAX_CONFIGURE;
        self.send_req(true, now, out);
        self.state = State::ReqSent;
    }

    pub fn is_live(&self) -> bool {
        !matches!(self.state, State::Initial | State::Stopped | State::Closing)
    }

    /// The peer's Configure-Request, already judged by the caller.
    pub fn rcr(
        &mut self,
        id: u8,
        req: &[u8],
        v: Verdict,
        now: Instant,
        out: &mut Vec<Packet>,
    ) -> Step {
        if !self.is_live() {
            return Step::Nothing;
        }
        let good = v == Verdict::Ack;
        let mut step = Step::Nothing;
        if self.state == State::Opened {
            // Renegotiation: down, then ask again.
            step = Step::Down;
            self.restarts = MAX_CONFIGURE;
            self.send_req(true, now, out);
            self.state = State::ReqSent;
        }
        match v {
            Verdict::Ack => out.push(Packet::new(CONF_ACK, id, req)),
            Verdict::Nak(o) => out.push(Packet::new(CONF_NAK, id, &o)),
            Verdict::Rej(o) => out.push(Packet::new(CONF_REJ, id, &o)),
        }
        self.state = match (self.state, good) {
            (State::AckRcvd, true) => {
                self.deadline = None;
                step = Step::Up;
                State::Opened
            }
            (State::AckRcvd, false) => State::AckRcvd,
            (_, true) => State::AckSent,
            (_, false) => State::ReqSent,
        };
        step
    }

    /// A Configure-Ack; the caller checked the options match ours.
    pub fn rca(&mut self, id: u8, now: Instant, out: &mut Vec<Packet>) -> Step {
        if id != self.req_id || !self.is_live() {
            return Step::Nothing;
        }
        match self.state {
            State::ReqSent => {
                self.restarts = MAX_CONFIGURE;
                self.state = State::AckRcvd;
                Step::Nothing
            }
            State::AckSent => {
                self.deadline = None;
                self.state = State::Opened;
                Step::Up
            }
            State::AckRcvd => {
                self.send_req(true, now, out);
                self.state = State::ReqSent;
                Step::Nothing
            }
            State::Opened => {
                self.restarts = MAX_CONFIGURE;
                self.send_req(true, now, out);
                self.state = State::ReqSent;
                Step::Down
            }
            _ => Step::Nothing,
        }
    }

    /// A Configure-Nak or -Reject; the caller already changed `ours`.
    pub fn rcn(&mut self, id: u8, now: Instant, out: &mut Vec<Packet>) -> Step {
        if id != self.req_id || !self.is_live() {
            return Step::Nothing;
        }
        let step = if self.state == State::Opened {
            Step::Down
        } else {
            Step::Nothing
        };
        if self.state != State::AckRcvd {
            self.restarts = MAX_CONFIGURE;
        }
        self.send_req(true, now, out);
        if self.state != State::AckSent {
            self.state = State::ReqSent;
        }
        step
    }

    /// The peer's Terminate-Request: acknowledge; Closing stays Closing.
    pub fn rtr(&mut self, id: u8, out: &mut Vec<Packet>) -> Step {
        out.push(Packet::new(TERM_ACK, id, &[]));
        match self.state {
            State::Closing | State::Stopped => Step::Nothing,
            _ => {
                self.state = State::Stopped;
                self.deadline = None;
                Step::Down
            }
        }
    }

    pub fn rta(&mut self) -> Step {
        if self.state == State::Closing {
            self.state = State::Stopped;
            self.deadline = None;
            return Step::Finished;
        }
        Step::Nothing
    }

    /// Administrative close: Terminate-Request with its own restart count.
    pub fn close(&mut self, now: Instant, out: &mut Vec<Packet>) {
        if matches!(self.state, State::Closing | State::Stopped) {
            return;
        }
        self.restarts = MAX_TERMINATE;
        self.term_id = self.term_id.wrapping_add(1);
        self.send_term(now, out);
        self.state = State::Closing;
    }

    fn send_term(&mut self, now: Instant, out: &mut Vec<Packet>) {
        out.push(Packet::new(TERM_REQ, self.term_id, &[]));
        self.restarts = self.restarts.saturating_sub(1);
        self.deadline = Some(now + RESTART);
    }

    /// Stop without a word (the link below went away).
    pub fn halt(&mut self) {
        self.state = State::Stopped;
        self.deadline = None;
    }

    pub fn timeout(&mut self, now: Instant, out: &mut Vec<Packet>) -> Step {
        match self.deadline {
            Some(d) if d <= now => {}
            _ => return Step::Nothing,
        }
        self.deadline = None;
        if self.restarts == 0 {
            self.state = State::Stopped;
            return Step::Finished;
        }
        match self.state {
            State::Closing => self.send_term(now, out),
            State::ReqSent | State::AckSent => self.send_req(false, now, out),
            State::AckRcvd => {
                self.send_req(false, now, out);
                self.state = State::ReqSent;
            }
            _ => {}
        }
        Step::Nothing
    }
}
