//! LCP options (RFC 1661): what we ask (authentication protocol, magic
//! number) and what we accept from the client (MRU, ACCM, magic, PFC,
//! ACFC). oFono's own request carries none of these by default.

use super::cp::{Verdict, put_option};
use super::peer::Auth;

pub const PROTO: u16 = 0xc021;
pub const MRU: u8 = 1;
pub const ACCM: u8 = 2;
pub const AUTH: u8 = 3;
pub const MAGIC: u8 = 5;
pub const PFC: u8 = 7;
pub const ACFC: u8 = 8;
pub const CHAP_MD5: u8 = 5;

/// What we ask for; shrinks as the client rejects options.
#[derive(Debug, Clone)]
pub struct Wants {
    pub auth: Auth,
    pub magic: Option<u32>,
    /// Naks of our authentication option so far.
    pub auth_naks: u32,
}

/// After the client's Nak or Reject of our request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjust {
    /// Ask again with the (possibly changed) options.
    Retry,
    /// The client will not do the authentication we require.
    GiveUp,
}

impl Wants {
    pub fn encode(&self) -> Vec<u8> {
        let mut o = Vec::new();
        match self.auth {
            Auth::None => {}
            Auth::Pap => put_option(&mut o, AUTH, &super::auth::PAP.to_be_bytes()),
            Auth::Chap => {
                let mut v = super::auth::CHAP.to_be_bytes().to_vec();
                v.push(CHAP_MD5);
                put_option(&mut o, AUTH, &v);
            }
        }
        if let Some(m) = self.magic {
            put_option(&mut o, MAGIC, &m.to_be_bytes());
        }
        o
    }

    /// A Configure-Nak: the only thing we move on is the magic number;
    /// a Nak of the auth option counts towards giving up.
    pub fn nak(&mut self, opts: &[(u8, Vec<u8>)], limit: u32) -> Adjust {
        for (kind, value) in opts {
            match *kind {
                AUTH if self.auth != Auth::None => {
                    self.auth_naks += 1;
                    if self.auth_naks >= limit {
                        return Adjust::GiveUp;
                    }
                }
                MAGIC if self.magic.is_some() => {
                    let m = self.magic.unwrap_or(1);
                    let v = be32(value).unwrap_or(0);
                    self.magic = Some(if v != 0 && v != m {
                        v
                    } else {
                        m.rotate_left(7) ^ 0x5a5a_0001
                    });
                }
                _ => {}
            }
        }
        Adjust::Retry
    }

    /// A Configure-Reject. oFono rejects with an empty option list
    /// (it never fills one in for LCP), so an empty Reject means "the
    /// auth option" when we ask one and "the magic number" otherwise.
    pub fn reject(&mut self, opts: &[(u8, Vec<u8>)]) -> Adjust {
        if opts.is_empty() {
            if self.auth != Auth::None {
                return Adjust::GiveUp;
            }
            self.magic = None;
            return Adjust::Retry;
        }
        for (kind, _) in opts {
            match *kind {
                AUTH if self.auth != Auth::None => return Adjust::GiveUp,
                MAGIC => self.magic = None,
                _ => {}
            }
        }
        Adjust::Retry
    }
}

fn be32(v: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(v.try_into().ok()?))
}

/// Judge the client's Configure-Request. `our_magic` catches a looped line.
pub fn judge(opts: &[(u8, Vec<u8>)], our_magic: Option<u32>) -> Verdict {
    let mut rej = Vec::new();
    let mut nak = Vec::new();
    for (kind, value) in opts {
        let ok = match *kind {
            MRU => value.len() == 2,
            ACCM => value.len() == 4,
            PFC | ACFC => value.is_empty(),
            MAGIC => match be32(value) {
                Some(0) | None => false,
                Some(m) if Some(m) == our_magic => {
                    put_option(&mut nak, MAGIC, &(!m).to_be_bytes());
                    true
                }
                Some(_) => true,
            },
            // We do not authenticate ourselves to the client.
            _ => false,
        };
        if !ok {
            put_option(&mut rej, *kind, value);
        }
    }
    if !rej.is_empty() {
        Verdict::Rej(rej)
    } else if !nak.is_empty() {
        Verdict::Nak(nak)
    } else {
        Verdict::Ack
    }
}

/// The client's MRU, if it asked one (we never send more than it takes).
pub fn mru(opts: &[(u8, Vec<u8>)]) -> Option<u16> {
    opts.iter()
        .find(|(k, v)| *k == MRU && v.len() == 2)
        .map(|(_, v)| u16::from_be_bytes([v[0], v[1]]))
}
