//! Interface counters as `/proc/net/dev` prints them: bytes for the data-used
//! figures, packets for data-stall detection (sent without receiving),
//! received bytes for traffic-aware probing. Pure: the probe edge
//! (`probe::read_counters`) reads the file.

/// What an interface has received and sent since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// The interface index (0 if unknown): a re-created interface gets a
    /// new one, even under the same name.
    pub index: u32,
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
}

/// Finds `iface` in the text of `/proc/net/dev`. Each line is the name
/// (right-aligned, so it may have leading spaces), a colon, and 16 numbers:
/// 8 for receive (bytes, packets, ...), 8 for transmit. Big numbers touch
/// the colon; the name is what precedes the last colon.
pub fn parse(text: &str, iface: &str) -> Option<Counters> {
    text.lines().find_map(|line| {
        let (name, numbers) = line.rsplit_once(':')?;
        if name.trim() != iface {
            return None;
        }
        let n: Vec<u64> = numbers
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        (n.len() >= 10).then(|| Counters {
            index: 0,
            rx_bytes: n[0],
            rx_packets: n[1],
            tx_bytes: n[8],
            tx_packets: n[9],
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Pi with a Huawei dongle up (kernel 6.1), plus lines as other
    /// kernels and odd names print them.
    const SAMPLE: &str = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:   17664     192    0    0    0     0          0         0    17664     192    0    0    0     0       0          0
  eth0: 368524750   12851    0    0    0     0          0         0   711132    9289    0    0    0     0       0          0
  ppp0:    5092      41    0    0    0     0          0         0     6420      67    0    0    0     0       0          0
wwan0:12345678901   98765    1    2    3     4          5         6 23456789012   87654    0    0    0     0       0          0
 eth0:1:     10       1    0    0    0     0          0         0       20       2    0    0    0     0       0          0
  bad0:     1 2 3
";

    #[test]
    fn reads_bytes_and_packets_of_each_direction() {
        let ppp = parse(SAMPLE, "ppp0").unwrap();
        assert_eq!(
            ppp,
            Counters {
                index: 0,
                rx_bytes: 5092,
                rx_packets: 41,
                tx_bytes: 6420,
                tx_packets: 67,
            }
        );
        assert_eq!(parse(SAMPLE, "lo").unwrap().tx_packets, 192);
        assert_eq!(parse(SAMPLE, "eth0").unwrap().rx_bytes, 368_524_750);
    }

    #[test]
    fn a_number_touching_the_colon_and_a_name_with_a_colon() {
        let w = parse(SAMPLE, "wwan0").unwrap();
        assert_eq!((w.rx_bytes, w.rx_packets), (12_345_678_901, 98_765));
        assert_eq!((w.tx_bytes, w.tx_packets), (23_456_789_012, 87_654));
        assert_eq!(parse(SAMPLE, "eth0:1").unwrap().tx_packets, 2);
        // "eth0" is not confused with "eth0:1", nor with a prefix.
        assert_eq!(parse(SAMPLE, "eth").map(|c| c.rx_packets), None);
        assert_eq!(parse(SAMPLE, "eth0").unwrap().rx_packets, 12851);
    }

    #[test]
    fn absent_or_malformed_is_none() {
        assert_eq!(parse(SAMPLE, "ppp1"), None);
        assert_eq!(parse(SAMPLE, "bad0"), None);
        assert_eq!(parse(SAMPLE, "face |bytes    packets errs"), None);
        assert_eq!(parse("", "ppp0"), None);
    }
}
