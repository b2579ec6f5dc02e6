//! Pseudo-terminal pairs standing in for the dongle's USB serial ports.
//! oFono opens the slave by name (`/dev/pts/N`) as it would `/dev/ttyUSB0`;
//! the dongle reads and writes the master. Closing the master is the USB
//! hang-up: oFono's read sees HUP and the node vanishes, so it cannot
//! reopen the port, as with a real unplug.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub struct Pty {
    master: OwnedFd,
    /// Held open so the master never reads EIO while oFono has the port
    /// closed (between its open attempts), and kept raw: no echo, no CR
    /// translation, before oFono sets its own termios.
    _slave: OwnedFd,
    pub name: String,
}

fn check(rc: libc::c_int, what: &str) -> io::Result<libc::c_int> {
    if rc < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("{what}: {e}")));
    }
    Ok(rc)
}

impl Pty {
    pub fn open() -> io::Result<Pty> {
        // SAFETY: plain libc calls on fds we own; ptsname_r writes into buf.
        unsafe {
            let m = check(
                libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK),
                "posix_openpt",
            )?;
            let master = OwnedFd::from_raw_fd(m);
            check(libc::grantpt(m), "grantpt")?;
            check(libc::unlockpt(m), "unlockpt")?;
            let mut buf = [0 as libc::c_char; 128];
            check(libc::ptsname_r(m, buf.as_mut_ptr(), buf.len()), "ptsname_r")?;
            let name = CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned();
            let cname = std::ffi::CString::new(name.clone()).expect("pts name");
            let s = check(
                libc::open(cname.as_ptr(), libc::O_RDWR | libc::O_NOCTTY),
                "open slave",
            )?;
            let slave = OwnedFd::from_raw_fd(s);
            let mut t: libc::termios = std::mem::zeroed();
            check(libc::tcgetattr(s, &mut t), "tcgetattr")?;
            libc::cfmakeraw(&mut t);
            check(libc::tcsetattr(s, libc::TCSANOW, &t), "tcsetattr")?;
            Ok(Pty {
                master,
                _slave: slave,
                name,
            })
        }
    }

    pub fn fd(&self) -> RawFd {
        self.master.as_raw_fd()
    }

    /// Whatever is waiting (empty when nothing is).
    pub fn read_some(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: reading into a stack buffer of the given length.
            let n = unsafe { libc::read(self.fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n as usize]);
        }
    }

    /// Write everything, waiting briefly when the pty buffer is full
    /// (oFono reads slower than a burst of PPP frames can arrive).
    pub fn write_all(&self, mut data: &[u8]) {
        let mut stalls = 0;
        while !data.is_empty() {
            // SAFETY: writing from a live slice.
            let n = unsafe { libc::write(self.fd(), data.as_ptr().cast(), data.len()) };
            if n > 0 {
                data = &data[n as usize..];
                stalls = 0;
                continue;
            }
            stalls += 1;
            if stalls > 200 {
                return; // nobody reads: drop, as a serial line would
            }
            readable_or_writable(self.fd(), libc::POLLOUT, 5);
        }
    }
}

fn readable_or_writable(fd: RawFd, events: libc::c_short, ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: one pollfd on the stack.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}

/// Wait up to `ms` for any of `fds` to become readable.
pub fn wait_readable(fds: &[RawFd], ms: i32) {
    let mut v: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: a vector of pollfds of the given length.
    unsafe {
        libc::poll(v.as_mut_ptr(), v.len() as libc::nfds_t, ms);
    }
}
