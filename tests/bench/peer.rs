//! Stand-ins for other programs on the bench bus: a connection that owns a
//! well-known name (ModemManager, ConnMan, systemd-resolved...), answers
//! every method call with an empty return and records what it was asked.
//! Dropping it releases the name (the connection closes).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dbus::channel::Channel;
use dbus::message::MessageType;

/// One method call the stand-in received: member and its arguments, shown.
/// Read by src/ofono/resolved_bus.rs's test only, which a test crate here
/// cannot see.
#[derive(Clone, Debug)]
#[allow(dead_code)]
pub struct Received {
    pub at: Instant,
    pub member: String,
    pub args: String,
}

pub struct StandIn {
    stop: Arc<AtomicBool>,
    calls: Arc<Mutex<Vec<Received>>>,
    thread: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Connects to `address` and takes `name` (waits until it owns it).
    pub fn start(address: &str, name: &str) -> StandIn {
        let mut ch = Channel::open_private(address).expect("stand-in: connect");
        ch.register().expect("stand-in: hello");
        let request = dbus::Message::new_method_call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "RequestName",
        )
        .unwrap()
        .append2(name, 4u32); // DBUS_NAME_FLAG_DO_NOT_QUEUE
        let reply = ch
            .send_with_reply_and_block(request, Duration::from_secs(5))
            .expect("stand-in: RequestName");
        assert_eq!(
            reply.read1::<u32>().ok(),
            Some(1),
            "stand-in: {name} not owned"
        );
        let stop = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let (stop2, calls2) = (stop.clone(), calls.clone());
        let thread = std::thread::spawn(move || serve(ch, &stop2, &calls2));
        StandIn {
            stop,
            calls,
            thread: Some(thread),
        }
    }

    /// The calls received so far (src/ofono/resolved_bus.rs's test).
    #[allow(dead_code)]
    pub fn calls(&self) -> Vec<Received> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn serve(ch: Channel, stop: &AtomicBool, calls: &Mutex<Vec<Received>>) {
    while !stop.load(Ordering::Relaxed) {
        if ch.read_write(Some(Duration::from_millis(20))).is_err() {
            return;
        }
        while let Some(msg) = ch.pop_message() {
            if msg.msg_type() != MessageType::MethodCall {
                continue;
            }
            let args = format!("{:?}", msg.get_items());
            calls
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Received {
                    at: Instant::now(),
                    member: msg.member().map(|m| m.to_string()).unwrap_or_default(),
                    args,
                });
            let _ = ch.send(msg.method_return());
        }
        ch.flush();
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join(); // the channel closes with the thread: name gone
        }
    }
}
