//! A TUN interface (no packet-info header): the operator's side of the
//! dongle's radio link. Created by a thread inside the operator namespace,
//! so the interface lives there; the fd works from any thread.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, RawFd};

const TUNSETIFF: libc::c_ulong = 0x4004_54ca;

pub struct Tun {
    file: File,
}

#[repr(C)]
struct IfReq {
    name: [u8; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

impl Tun {
    pub fn create(name: &str) -> io::Result<Tun> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/net/tun")?;
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            flags: (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short,
            _pad: [0; 22],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        // SAFETY: TUNSETIFF with a properly sized ifreq.
        let rc = unsafe { libc::ioctl(file.as_raw_fd(), TUNSETIFF as _, &mut req) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Tun { file })
    }

    pub fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// Next packet from the operator's network, if one waits.
    pub fn read_packet(&self) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; 2048];
        // SAFETY: reading into a heap buffer of the given length.
        let n = unsafe { libc::read(self.fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return None;
        }
        buf.truncate(n as usize);
        Some(buf)
    }

    pub fn write_packet(&self, p: &[u8]) {
        // SAFETY: writing a live slice; a full queue just drops the packet.
        unsafe {
            libc::write(self.fd(), p.as_ptr().cast(), p.len());
        }
    }
}
