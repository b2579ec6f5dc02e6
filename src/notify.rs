//! systemd's notify protocol, spoken directly (one datagram each, no
//! libsystemd): READY=1 once we serve, WATCHDOG=1 while the loop runs.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::{Duration, Instant};

pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
    /// Ping at this pace (half of WATCHDOG_USEC), if systemd asked.
    watchdog: Option<Duration>,
    next_ping: Option<Instant>,
    ready: bool,
}

impl Notifier {
    /// From `NOTIFY_SOCKET` (and `WATCHDOG_USEC`/`WATCHDOG_PID`), if set.
    pub fn from_env(now: Instant) -> Option<Notifier> {
        let path = std::env::var("NOTIFY_SOCKET").ok()?;
        let addr = match path.strip_prefix('@') {
            Some(name) => SocketAddr::from_abstract_name(name.as_bytes()).ok()?,
            None => SocketAddr::from_pathname(&path).ok()?,
        };
        let for_us =
            std::env::var("WATCHDOG_PID").map_or(true, |pid| pid.parse() == Ok(std::process::id()));
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|us| us.parse::<u64>().ok())
            .filter(|us| *us > 0 && for_us)
            .map(|us| Duration::from_micros(us) / 2);
        Some(Notifier {
            socket: UnixDatagram::unbound().ok()?,
            addr,
            watchdog,
            next_ping: watchdog.map(|d| now + d),
            ready: false,
        })
    }

    fn send(&self, text: &str) {
        // systemd not listening is not our problem to solve.
        let _ = self.socket.send_to_addr(text.as_bytes(), &self.addr);
    }

    /// Once: we are connected to the bus and serving.
    pub fn ready(&mut self) {
        if !self.ready {
            self.ready = true;
            self.send("READY=1\nSTATUS=keeping the data link up");
        }
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1");
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.next_ping
    }

    /// Pings the watchdog when due: only a loop that still turns gets here.
    pub fn tick(&mut self, now: Instant) {
        if let (Some(every), Some(at)) = (self.watchdog, self.next_ping)
            && now >= at
        {
            self.send("WATCHDOG=1");
            self.next_ping = Some(now + every);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays systemd's side of the socket.
    #[test]
    fn sends_ready_once_and_pings_the_watchdog_at_half_its_period() {
        let dir = std::env::temp_dir().join(format!("psendurance-notify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify");
        let systemd = UnixDatagram::bind(&path).unwrap();
        systemd.set_nonblocking(true).unwrap();
        let now = Instant::now();
        let mut n = Notifier {
            socket: UnixDatagram::unbound().unwrap(),
            addr: SocketAddr::from_pathname(&path).unwrap(),
            watchdog: Some(Duration::from_secs(45)),
            next_ping: Some(now + Duration::from_secs(45)),
            ready: false,
        };
        n.ready();
        n.ready();
        n.tick(now + Duration::from_secs(44));
        n.tick(now + Duration::from_secs(45));
        assert_eq!(n.deadline(), Some(now + Duration::from_secs(90)));
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(len) = systemd.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..len]).into_owned());
        }
        assert_eq!(
            got,
            ["READY=1\nSTATUS=keeping the data link up", "WATCHDOG=1"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
