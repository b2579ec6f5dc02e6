//! The demo behind demo.sh recovers from every fault it injects.

use super::*;

/// scripts/demo.sh's default run, short: on the E367 bench every fault it
/// injects is followed by data through ppp0, and the daemon exits 0.
#[test]
fn demo_on_the_e367_bench_recovers_from_every_fault() {
    let cfg = on_e367::Config {
        bin: daemon_bin(),
        every: Duration::from_secs(1),
        duration: Some(Duration::from_secs(25)),
    };
    let sum = on_e367::run(&cfg, Arc::new(AtomicBool::new(false)));
    assert!(sum.injected() >= 3, "{sum:?}");
    assert_eq!(sum.recovered(), sum.injected(), "{sum:?}");
    assert!(sum.ok(), "daemon exit {:?}: {sum:?}", sum.daemon_exit);
}
