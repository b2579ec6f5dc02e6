//! Data used, for metered SIMs: bytes received and sent on this connection
//! and since the daemon started. An interface's counters start at zero
//! when it is created (oFono's PPP makes a new `pppN` per connection), so
//! another name, another index or a counter that went down is a new
//! interface: all it counted is new. What an interface counted after our
//! last look before it went is not seen (at most one `--interval`).

use crate::counters::Counters;
use crate::status::Bytes;

use super::datastall::is_new_interface;

#[derive(Debug, Default)]
pub struct Usage {
    /// The interface counted now, and its counters at the last look.
    last: Option<(String, Counters)>,
    /// Everything counted since the daemon's first look.
    total: Bytes,
    /// The total when this connection began.
    conn_from: Bytes,
}

impl Usage {
    /// A look at the link's interface. The daemon's first look is the
    /// baseline: a link found up at start counted before we ran.
    pub fn look(&mut self, iface: &str, now: &Counters) {
        let (rx, tx) = match &self.last {
            None => (0, 0),
            Some((name, was)) if name == iface && !is_new_interface(was, now) => {
                (now.rx_bytes - was.rx_bytes, now.tx_bytes - was.tx_bytes)
            }
            Some(_) => (now.rx_bytes, now.tx_bytes),
        };
        self.total = self.total.plus(rx, tx);
        self.last = Some((iface.to_string(), *now));
    }

    /// The interface we count, to accept a look at it after the link went.
    pub fn interface(&self) -> Option<&str> {
        self.last.as_ref().map(|(name, _)| name.as_str())
    }

    /// A connection came up: its figures start from here.
    pub fn connection_started(&mut self) {
        self.conn_from = self.total;
    }

    /// Since the daemon started (all interfaces).
    pub fn total(&self) -> Bytes {
        self.total
    }

    /// This connection (the last one, while down).
    pub fn connection(&self) -> Bytes {
        self.total.minus(self.conn_from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(index: u32, rx: u64, tx: u64) -> Counters {
        Counters {
            index,
            rx_bytes: rx,
            rx_packets: rx / 100,
            tx_bytes: tx,
            tx_packets: tx / 100,
        }
    }

    fn b(rx: u64, tx: u64) -> Bytes {
        Bytes { rx, tx }
    }

    #[test]
    fn counts_one_interface_from_the_first_look() {
        let mut u = Usage::default();
        u.connection_started();
        u.look("ppp0", &c(5, 100, 50));
        assert_eq!(u.total(), b(0, 0), "the first look is the baseline");
        u.look("ppp0", &c(5, 300, 80));
        u.look("ppp0", &c(5, 300, 80));
        assert_eq!(u.total(), b(200, 30));
        assert_eq!(u.connection(), b(200, 30));
        assert_eq!(u.interface(), Some("ppp0"));
    }

    #[test]
    fn a_recreated_interface_counts_from_zero() {
        let mut u = Usage::default();
        u.connection_started();
        u.look("ppp0", &c(5, 0, 0));
        u.look("ppp0", &c(5, 1000, 400));
        // The link goes; a new connection makes a new ppp0.
        u.connection_started();
        assert_eq!(u.connection(), b(0, 0));
        assert_eq!(u.total(), b(1000, 400), "a connection kept until the next");
        u.look("ppp0", &c(6, 20, 10));
        assert_eq!(u.total(), b(1020, 410));
        assert_eq!(u.connection(), b(20, 10));
        u.look("ppp0", &c(6, 70, 30));
        assert_eq!(u.connection(), b(70, 30));
        // Another name: ppp1.
        u.connection_started();
        u.look("ppp1", &c(7, 5, 5));
        assert_eq!(u.total(), b(1075, 435));
        assert_eq!(u.connection(), b(5, 5));
    }

    #[test]
    fn a_new_index_is_a_new_interface_even_with_bigger_counts() {
        // Re-created between two looks and busy since: nothing is lost.
        let mut u = Usage::default();
        u.look("ppp0", &c(5, 0, 0));
        u.look("ppp0", &c(5, 1000, 400));
        u.look("ppp0", &c(9, 5000, 900));
        assert_eq!(u.total(), b(6000, 1300));
    }

    #[test]
    fn one_counter_going_down_is_enough() {
        let mut u = Usage::default();
        u.look("ppp0", &c(0, 0, 0));
        u.look("ppp0", &c(0, 1000, 400));
        u.look("ppp0", &c(0, 2000, 3));
        assert_eq!(u.total(), b(3000, 403));
    }

    #[test]
    fn an_interface_kept_across_connections_is_not_counted_twice() {
        // wwan0 (QMI, MBIM) outlives its connections, counters and all.
        let mut u = Usage::default();
        u.connection_started();
        u.look("wwan0", &c(3, 1000, 400));
        u.look("wwan0", &c(3, 1200, 500));
        u.connection_started();
        u.look("wwan0", &c(3, 1500, 600));
        assert_eq!(u.total(), b(500, 200));
        assert_eq!(u.connection(), b(300, 100));
    }

    #[test]
    fn near_the_top_of_u64_nothing_overflows() {
        let mut u = Usage::default();
        u.look("ppp0", &c(1, 0, 0));
        u.look("ppp0", &c(1, u64::MAX, u64::MAX));
        u.look("ppp0", &c(2, u64::MAX, u64::MAX));
        assert_eq!(u.total(), b(u64::MAX, u64::MAX));
    }
}
