//! PAP (RFC 1334) and CHAP-MD5 (RFC 1994), authenticator side.

use super::md5::md5;

pub const PAP: u16 = 0xc023;
pub const CHAP: u16 = 0xc223;

pub const PAP_REQ: u8 = 1;
pub const PAP_ACK: u8 = 2;
pub const PAP_NAK: u8 = 3;

pub const CHAP_CHALLENGE: u8 = 1;
pub const CHAP_RESPONSE: u8 = 2;
pub const CHAP_SUCCESS: u8 = 3;
pub const CHAP_FAILURE: u8 = 4;

/// Peer-ID and password from an Authenticate-Request's data.
pub fn pap_fields(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let ul = *data.first()? as usize;
    let user = data.get(1..1 + ul)?.to_vec();
    let pl = *data.get(1 + ul)? as usize;
    let pass = data.get(2 + ul..2 + ul + pl)?.to_vec();
    Some((user, pass))
}

/// Authenticate-Request data (the client side, for tests).
#[allow(dead_code)]
pub fn pap_request(user: &[u8], pass: &[u8]) -> Vec<u8> {
    let mut d = vec![user.len() as u8];
    d.extend_from_slice(user);
    d.push(pass.len() as u8);
    d.extend_from_slice(pass);
    d
}

/// Challenge-Value and Name from a Challenge or Response's data.
pub fn chap_fields(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let vl = *data.first()? as usize;
    let value = data.get(1..1 + vl)?.to_vec();
    Some((value, data[1 + vl..].to_vec()))
}

pub fn chap_value_and_name(value: &[u8], name: &[u8]) -> Vec<u8> {
    let mut d = vec![value.len() as u8];
    d.extend_from_slice(value);
    d.extend_from_slice(name);
    d
}

/// MD5(identifier || secret || challenge), RFC 1994 section 4.1.
pub fn chap_md5(id: u8, secret: &[u8], challenge: &[u8]) -> [u8; 16] {
    let mut m = vec![id];
    m.extend_from_slice(secret);
    m.extend_from_slice(challenge);
    md5(&m)
}

/// A challenge value that looks random but repeats from run to run.
pub fn challenge_value(seed: u32, n: u8) -> [u8; 16] {
    let mut m = seed.to_be_bytes().to_vec();
    m.push(n);
    m.extend_from_slice(b"e367 challenge");
    md5(&m)
}
