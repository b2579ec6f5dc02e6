//! A daemon killed in the middle of bringing the modem up, and a new one
//! started at once (systemd's Restart=, an init script's restart): the new
//! one must carry on from whatever state oFono is in, without waiting for
//! its first poll.

use std::time::{Duration, Instant};

use crate::{args, bench, log_of};

#[test]
fn a_restart_at_any_moment_of_the_bring_up_carries_on() {
    let b = bench();
    // Poll only every 60 s: a daemon that needs its poll to move fails here.
    let argv = args(&["--interval", "60"]);
    for i in 0..40u64 {
        // Back to a cold modem: power off through oFono and wait.
        let o = b.ofono();
        let _ = o.set(
            crate::ofono_props::MODEM,
            crate::ofono_props::MODEM_IFACE,
            "Powered",
            false,
        );
        assert!(b.sim().wait_for(|s| !s.connected(), Duration::from_secs(5)));
        let mut first = b.spawn_daemon(&argv);
        // Kill it somewhere between power-up and activation.
        std::thread::sleep(Duration::from_micros(700 * i));
        first.kill();
        let t = Instant::now();
        let second = b.spawn_daemon(&argv);
        let up = b
            .sim()
            .wait_for(|s| !s.active_cids().is_empty(), Duration::from_secs(5))
            && second
                .wait_log(" active", t, Duration::from_secs(5))
                .is_some();
        assert!(
            up,
            "restart {i} (killed after {} us) stuck:\n{}",
            700 * i,
            log_of(&second)
        );
    }
}
