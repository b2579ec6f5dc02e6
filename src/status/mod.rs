//! What the daemon tells other software about the link (the status file,
//! metrics): plain data, made by the keeper, written by the edges.

mod cause;

use std::time::Instant;

pub use cause::Cause;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// A short token: `up`, or where the bring-up stands (`Phase::token`).
    pub state: String,
    pub modem: Option<String>,
    pub model: Option<String>,
    pub operator: Option<String>,
    pub technology: Option<String>,
    pub strength: Option<i64>,
    pub interface: Option<String>,
    pub up_since: Option<Instant>,
    pub last_outage: Option<Outage>,
    pub activations: u64,
    pub failures: u64,
    pub losses: u64,
    /// Recovery steps taken, by step number (index 0 = step 1).
    pub recoveries: [u64; 6],
    /// Data used: on this connection, and since the daemon started.
    pub bytes: Bytes,
    pub bytes_total: Bytes,
    /// Other managers of the modem on the bus (`modemmanager`, `connman`).
    pub conflicts: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    pub start: Instant,
    pub end: Option<Instant>,
    pub cause: Cause,
}

/// Received and sent bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bytes {
    pub rx: u64,
    pub tx: u64,
}

impl Bytes {
    pub fn plus(self, rx: u64, tx: u64) -> Bytes {
        Bytes {
            rx: self.rx.saturating_add(rx),
            tx: self.tx.saturating_add(tx),
        }
    }

    pub fn minus(self, o: Bytes) -> Bytes {
        Bytes {
            rx: self.rx.saturating_sub(o.rx),
            tx: self.tx.saturating_sub(o.tx),
        }
    }
}
