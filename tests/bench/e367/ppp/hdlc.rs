//! RFC 1662 asynchronous HDLC-like framing: 0x7E flags, 0x7D escapes,
//! FCS-16. We always escape every control character: oFono's receiver
//! drops unescaped ones whatever ACCM was negotiated.

pub const FLAG: u8 = 0x7e;
pub const ESC: u8 = 0x7d;
const GOOD_FCS: u16 = 0xf0b8;
/// Longest frame we keep (MRU 1500 plus headroom); longer is garbage.
const MAX_FRAME: usize = 4096;

pub fn fcs16(data: &[u8]) -> u16 {
    let mut fcs: u16 = 0xffff;
    for &b in data {
        fcs ^= b as u16;
        for _ in 0..8 {
            fcs = if fcs & 1 != 0 {
                (fcs >> 1) ^ 0x8408
            } else {
                fcs >> 1
            };
        }
    }
    fcs
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == FLAG || b == ESC
}

/// Frame `content` (address/control/protocol/information), adding FCS.
pub fn encode(content: &[u8]) -> Vec<u8> {
    let fcs = !fcs16(content);
    let mut out = Vec::with_capacity(content.len() * 2 + 6);
    out.push(FLAG);
    for &b in content.iter().chain(fcs.to_le_bytes().iter()) {
        if needs_escape(b) {
            out.push(ESC);
            out.push(b ^ 0x20);
        } else {
            out.push(b);
        }
    }
    out.push(FLAG);
    out
}

/// Full uncompressed frame content: FF 03, 2-byte protocol, information.
pub fn frame(proto: u16, info: &[u8]) -> Vec<u8> {
    let mut c = vec![0xff, 0x03];
    c.extend_from_slice(&proto.to_be_bytes());
    c.extend_from_slice(info);
    encode(&c)
}

/// Split a deframed frame into protocol and information, accepting
/// address/control and protocol-field compression.
pub fn parse(content: &[u8]) -> Option<(u16, &[u8])> {
    let mut c = content;
    if c.len() >= 2 && c[0] == 0xff && c[1] == 0x03 {
        c = &c[2..];
    }
    let first = *c.first()?;
    if first & 1 == 1 {
        return Some((first as u16, &c[1..]));
    }
    if c.len() < 2 || c[1] & 1 == 0 {
        return None;
    }
    Some((u16::from_be_bytes([c[0], c[1]]), &c[2..]))
}

/// Reassembles frames from bytes arriving in arbitrary pieces.
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
    escape: bool,
    overflow: bool,
    /// Frames thrown away (bad FCS, too short, too long).
    pub dropped: u64,
}

impl Deframer {
    pub fn new() -> Deframer {
        Deframer::default()
    }

    /// Feed bytes; returns every complete frame with a good FCS, FCS removed.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        for &b in bytes {
            match b {
                FLAG => {
                    if self.overflow || (!self.buf.is_empty() && self.buf.len() < 4) {
                        self.dropped += 1;
                    } else if self.buf.len() >= 4 {
                        if fcs16(&self.buf) == GOOD_FCS {
                            self.buf.truncate(self.buf.len() - 2);
                            frames.push(std::mem::take(&mut self.buf));
                        } else {
                            self.dropped += 1;
                        }
                    }
                    self.buf.clear();
                    self.escape = false;
                    self.overflow = false;
                }
                ESC => self.escape = true,
                // Control characters are line noise (RFC 1662 7.1), even
                // between an escape and its byte.
                c if c < 0x20 => {}
                c => {
                    let v = if self.escape { c ^ 0x20 } else { c };
                    self.escape = false;
                    if self.buf.len() >= MAX_FRAME {
                        self.overflow = true;
                    } else {
                        self.buf.push(v);
                    }
                }
            }
        }
        frames
    }
}
