//! A D-Bus monitor on the bench bus (`BecomeMonitor`, as root): every
//! message the bus routes, stamped with our monotonic clock when we read it,
//! so bus-side instants compare with the instants we spawned processes at.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dbus::Message;
use dbus::channel::Channel;
use dbus::message::MessageType;

/// One routed message, reduced to what the measurements need.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub call: bool,
    pub reply: bool,
    pub sender: String,
    pub destination: String,
    pub member: String,
    pub serial: u32,
    pub reply_serial: u32,
}

pub struct Monitor {
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Monitor {
    /// Connects and becomes a monitor; returns once the bus confirmed it.
    pub fn start(address: &str) -> Result<Monitor, String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (s, st, addr) = (seen.clone(), stop.clone(), address.to_string());
        let thread = std::thread::spawn(move || match connect(&addr) {
            Ok(ch) => {
                let _ = ready_tx.send(Ok(()));
                pump(&ch, &s, &st);
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| "monitor: no answer from the bus".to_string())??;
        Ok(Monitor {
            seen,
            stop,
            thread: Some(thread),
        })
    }

    /// Everything seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits (bounded) until `pred` holds for something seen at or after
    /// `since`; returns it.
    pub fn wait(
        &self,
        since: Instant,
        timeout: Duration,
        pred: impl Fn(&Seen) -> bool,
    ) -> Option<Seen> {
        let deadline = Instant::now() + timeout;
        loop {
            let hit = {
                let g = self.seen.lock().unwrap_or_else(|p| p.into_inner());
                g.iter().find(|m| m.at >= since && pred(m)).cloned()
            };
            if hit.is_some() || Instant::now() >= deadline {
                return hit;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn connect(address: &str) -> Result<Channel, String> {
    let mut ch = Channel::open_private(address).map_err(|e| format!("monitor: {e}"))?;
    ch.register().map_err(|e| format!("monitor: {e}"))?;
    let msg = Message::new_method_call(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.Monitoring",
        "BecomeMonitor",
    )
    .map_err(|e| format!("monitor: {e}"))?
    .append2(Vec::<&str>::new(), 0u32);
    ch.send_with_reply_and_block(msg, Duration::from_secs(5))
        .map_err(|e| format!("monitor: BecomeMonitor refused: {e}"))?;
    Ok(ch)
}

/// Reads until told to stop; the 20 ms read timeout bounds the stop delay.
fn pump(ch: &Channel, seen: &Mutex<Vec<Seen>>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        if ch.read_write(Some(Duration::from_millis(20))).is_err() {
            return;
        }
        while let Some(m) = ch.pop_message() {
            let at = Instant::now();
            let text = |s: Option<String>| s.unwrap_or_default();
            let rec = Seen {
                at,
                call: m.msg_type() == MessageType::MethodCall,
                reply: matches!(m.msg_type(), MessageType::MethodReturn | MessageType::Error),
                sender: text(m.sender().map(|s| s.to_string())),
                destination: text(m.destination().map(|s| s.to_string())),
                member: text(m.member().map(|s| s.to_string())),
                serial: m.get_serial().unwrap_or(0),
                reply_serial: m.get_reply_serial().unwrap_or(0),
            };
            seen.lock().unwrap_or_else(|p| p.into_inner()).push(rec);
        }
    }
}
