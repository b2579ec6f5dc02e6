//! Reading a /proc file in one go. procfs reports a size of 0, so a plain
//! `read_to_string` starts with 32-byte reads and grows: seven syscalls for
//! /proc/net/dev, each making the kernel print the table again up to that
//! point. The daemon reads three such files at every poll.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Enough for the tables we read on a board with a handful of interfaces.
const ONE_READ: usize = 4096;

pub fn read(path: impl AsRef<Path>) -> io::Result<String> {
    let mut text = String::with_capacity(ONE_READ);
    File::open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_proc_table_whole() {
        let ours = super::read("/proc/self/net/dev").unwrap();
        assert!(ours.starts_with("Inter-|"), "{ours}");
        assert!(ours.contains("lo:"), "{ours}");
        assert!(super::read("/proc/self/net/no-such-table").is_err());
    }
}
