//! IPCP options (RFC 1332, RFC 1877): we hand out the client's address and
//! DNS servers, reject NetBIOS name servers, and ask our own address.

use super::cp::{Verdict, put_option};

pub const PROTO: u16 = 0x8021;
pub const IP: u16 = 0x0021;
pub const ADDR: u8 = 3;
pub const DNS1: u8 = 129;
#[allow(dead_code)]
pub const NBNS1: u8 = 130;
pub const DNS2: u8 = 131;
#[allow(dead_code)]
pub const NBNS2: u8 = 132;

pub fn ours(local_ip: [u8; 4]) -> Vec<u8> {
    let mut o = Vec::new();
    put_option(&mut o, ADDR, &local_ip);
    o
}

/// Judge the client's request: any Reject first (RFC 1661 5.4), then Nak
/// each address that is not what we hand out.
pub fn judge(opts: &[(u8, Vec<u8>)], peer_ip: [u8; 4], dns: [[u8; 4]; 2]) -> Verdict {
    let mut rej = Vec::new();
    let mut nak = Vec::new();
    for (kind, value) in opts {
        let want = match *kind {
            ADDR => Some(peer_ip),
            DNS1 => Some(dns[0]),
            DNS2 => Some(dns[1]),
            _ => None,
        };
        match want {
            Some(w) if value.len() == 4 => {
                if value[..] != w {
                    put_option(&mut nak, *kind, &w);
                }
            }
            _ => put_option(&mut rej, *kind, value),
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
