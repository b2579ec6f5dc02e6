//! Reading an interface's counters from `/proc/net/dev` (the parse is pure,
//! in `crate::counters`).
//!
//! `/proc/net/dev` shows the reader's own network namespace; /sys/class/net
//! shows the namespace sysfs was mounted in, which is not always ours.

use std::ffi::CString;

use crate::counters::{Counters, parse};
use crate::netsettings::valid_ifname;

/// The counters of `iface`; `None` if the name is not a plain interface
/// name (it comes from the network via oFono) or the interface is gone.
pub fn read(iface: &str) -> Option<Counters> {
    if !valid_ifname(iface) {
        return None;
    }
    // thread-self: a thread moved into another namespace (tests) reads its
    // own; /proc/net follows the process's main thread.
    let text = crate::procfs::read("/proc/thread-self/net/dev")
        .or_else(|_| crate::procfs::read("/proc/net/dev"))
        .ok()?;
    let counters = parse(&text, iface)?;
    Some(Counters {
        index: index(iface),
        ..counters
    })
}

/// `if_nametoindex`: the socket it uses belongs to this thread's namespace.
fn index(iface: &str) -> u32 {
    let Ok(name) = CString::new(iface) else {
        return 0;
    };
    // SAFETY: a valid NUL-terminated string; no other precondition.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_network_never_reach_a_file_lookup() {
        assert_eq!(read("../../../etc/passwd"), None);
        assert_eq!(read(".."), None);
        assert_eq!(read(""), None);
        assert_eq!(read("ppp0 extra"), None);
    }

    #[test]
    fn our_own_loopback_is_found() {
        // Every network namespace has lo; this one is the test's.
        let lo = read("lo").expect("no lo");
        assert!(lo.index > 0, "{lo:?}");
        assert_eq!(read("nosuch0"), None);
    }
}
