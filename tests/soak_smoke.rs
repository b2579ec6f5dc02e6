//! The soak (examples/soak) in small: 30 seeded fault episodes against the
//! real-oFono bench; none may get stuck and the daemon must never exit.
//! `scripts/soak.sh --events N` runs the long version.

#[path = "bench/mod.rs"]
mod bench;
#[path = "../examples/common/mod.rs"]
mod common;
#[path = "../examples/soak/soak.rs"]
mod soak;

#[test]
fn thirty_random_faults_never_get_stuck() {
    let cfg = soak::run::Config {
        events: 30,
        seed: 20_240_601,
        bin: env!("CARGO_BIN_EXE_psendurance").into(),
        // The defaults but one: a hung activation is waited out for
        // --activation-timeout (120 s), and three hang episodes would then
        // take most of CI's time. scripts/soak.sh runs them all as shipped.
        daemon_args: soak::daemon_args(&["--activation-timeout".into(), "3".into()]),
        lanes: 1,
    };
    let outcome = soak::run::run(&cfg).unwrap_or_else(|e| panic!("soak: {e}"));
    let report = soak::report::render(&cfg, &outcome, &common::machine::describe());
    eprintln!("{report}");
    assert!(soak::report::passed(&outcome), "{report}");
}
