//! Start-up: from exec to the client's first messages on the bus, as the
//! bus routes them (seen by a monitor, on our monotonic clock).

use std::time::{Duration, Instant};

use crate::bench::Bench;
use crate::clients::Client;
use crate::common::stats::{Summary, summarize};
use crate::monitor::Monitor;

pub struct Startup {
    /// exec -> the client's `Hello` (connected to the bus).
    pub hello: Summary,
    /// exec -> the first call to org.ofono or about it (psendurance asks
    /// the bus `GetNameOwner(org.ofono)` first; the reference `GetModems`).
    pub first_call: Summary,
}

/// `runs` start-ups of `client` on `b`, each killed once measured.
pub fn measure(b: &Bench, client: &Client, runs: usize) -> Result<Startup, String> {
    let mon = Monitor::start(b.bus_address())?;
    let (mut hello, mut first) = (Vec::new(), Vec::new());
    let bound = Duration::from_secs(5);
    for _ in 0..runs {
        let t = Instant::now();
        let mut d = client.spawn(b);
        let h = mon.wait(t, bound, |m| m.call && m.member == "Hello");
        let f = mon.wait(t, bound, |m| {
            m.call && (m.destination == "org.ofono" || m.member == "GetNameOwner")
        });
        d.kill();
        match (h, f) {
            (Some(h), Some(f)) => {
                hello.push(h.at - t);
                first.push(f.at - t);
            }
            _ => {
                return Err(format!(
                    "{}: no call on the bus within {bound:?}",
                    client.name
                ));
            }
        }
    }
    Ok(Startup {
        hello: summarize(&hello),
        first_call: summarize(&first),
    })
}
