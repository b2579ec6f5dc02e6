//! The smallest useful DNS exchange: ask "." for NS, accept any answer.
//!
//! Any well-formed response with our id proves the data path works, even
//! NXDOMAIN or REFUSED: the probe tests the link, not the resolver.

/// Header (12 bytes) + root name + QTYPE NS + QCLASS IN: 17 bytes.
pub fn query(id: u16) -> [u8; 17] {
    let [hi, lo] = id.to_be_bytes();
    [
        hi, lo, 0x01, 0x00, // RD
        0, 1, 0, 0, 0, 0, 0, 0, // QDCOUNT 1
        0, // "."
        0, 2, // NS
        0, 1, // IN
    ]
}

/// A response (QR set, standard query) to our id.
pub fn is_answer(id: u16, msg: &[u8]) -> bool {
    msg.len() >= 12 && msg[..2] == id.to_be_bytes() && msg[2] & 0x80 != 0 && msg[2] & 0x78 == 0
}

/// An id an off-path host cannot guess: getrandom, else a time-seeded
/// xorshift (the probe must work before the entropy pool is ready).
pub fn random_id() -> u16 {
    let mut buf = [0u8; 2];
    // The raw system call: glibc has getrandom() only from 2.25, and the Pi
    // build targets glibc 2.17. SAFETY: writes at most 2 bytes into `buf`.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getrandom,
            buf.as_mut_ptr(),
            2usize,
            libc::GRND_NONBLOCK,
        )
    };
    if n == 2 {
        return u16::from_ne_bytes(buf);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ (u64::from(std::process::id()) << 32) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 24) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let q = query(0xbeef);
        assert_eq!(&q[..4], &[0xbe, 0xef, 0x01, 0x00]);
        assert!(!is_answer(0xbeef, &q), "our own query");
        let mut r = q;
        r[2] |= 0x80;
        r[3] = 0x05; // REFUSED still proves the path
        assert!(is_answer(0xbeef, &r));
        assert!(!is_answer(0xbeee, &r));
        assert!(!is_answer(0xbeef, &r[..11]));
    }
}
