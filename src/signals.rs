//! Unix signals as keeper requests, with a pipe the loop can poll so that a
//! signal wakes it at once, even while a call is outstanding.

use std::io::{self, Read};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};

use crate::events::Request;

pub struct Signals {
    wake: UnixStream,
    flags: Vec<(Arc<AtomicBool>, Request)>,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        let (wake, notify) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        notify.set_nonblocking(true)?;
        let wanted = [
            (SIGTERM, Request::Terminate("SIGTERM")),
            (SIGINT, Request::Terminate("SIGINT")),
            (SIGHUP, Request::Recheck),
            (SIGUSR1, Request::Status),
        ];
        let mut flags = Vec::new();
        for (sig, request) in wanted {
            let flag = Arc::new(AtomicBool::new(false));
            signal_hook::flag::register(sig, Arc::clone(&flag))?;
            signal_hook::low_level::pipe::register(sig, notify.try_clone()?)?;
            flags.push((flag, request));
        }
        Ok(Signals { wake, flags })
    }

    /// The descriptor that becomes readable when a signal arrived.
    pub fn fd(&self) -> RawFd {
        self.wake.as_raw_fd()
    }

    /// The requests that arrived since the last call.
    pub fn take(&mut self) -> Vec<Request> {
        let mut sink = [0u8; 64];
        while matches!((&self.wake).read(&mut sink), Ok(n) if n > 0) {}
        self.flags
            .iter()
            .filter(|(flag, _)| flag.swap(false, Ordering::SeqCst))
            .map(|(_, request)| *request)
            .collect()
    }
}
