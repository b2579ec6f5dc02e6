//! The recovery ladder against real ofonod: with the data-path probe
//! failing, each step reaches the modem in order; once the probe passes
//! the climb starts again from the bottom.
//!
//! The daemon runs in its own network namespace, where the context's
//! interface (a name oFono's phonesim driver invents) does not exist until
//! the test creates it as one end of a veth whose other end, in a second
//! namespace, answers the TCP probe (a refusal proves the path).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::bench::{Bench, Daemon, DaemonSpec, Dir};
use crate::ofono_props as ofono;
use crate::{args, bench, log_of};

struct Netns(String);

impl Netns {
    fn new() -> Netns {
        let name = format!("psd-ladder-{}", std::process::id());
        run("ip", &["netns", "add", &name]);
        Netns(name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().expect(program);
    assert!(status.success(), "{program} {args:?} failed");
}

/// The interface oFono reports for the active context (retried: the
/// ladder may be power-cycling the modem, which takes the context away).
fn context_interface(b: &Bench) -> String {
    let o = b.ofono();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let settings = o
            .props(ofono::CONTEXT1, ofono::CONTEXT_IFACE)
            .ok()
            .and_then(|p| ofono::prop_dict(&p, "Settings"));
        if let Some(name) = settings.and_then(|s| s.get("Interface").cloned()) {
            return name;
        }
        assert!(
            Instant::now() < deadline,
            "no Settings.Interface for the context"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The first AT command after `since` that starts with one of `patterns`.
fn next_command(b: &Bench, patterns: &[&str], since: Instant, d: &Daemon) -> Instant {
    let found = b.sim().wait_for(
        |s| {
            s.log().iter().any(|l| {
                l.at > since
                    && l.dir == Dir::Received
                    && patterns.iter().any(|p| l.line.starts_with(p))
            })
        },
        Duration::from_secs(20),
    );
    assert!(
        found,
        "no {patterns:?} after the previous step:\n{}",
        log_of(d)
    );
    b.sim()
        .at_log()
        .into_iter()
        .find(|l| {
            l.at > since && l.dir == Dir::Received && patterns.iter().any(|p| l.line.starts_with(p))
        })
        .map(|l| l.at)
        .unwrap()
}

#[test]
fn each_step_reaches_the_modem_in_order_and_the_climb_resets() {
    let b = bench();
    let peer = Netns::new();
    let daemon_args = args(&[
        "--probe",
        "tcp:10.77.0.2:9",
        "--probe-interval",
        "0.3",
        "--probe-failures",
        "2",
        "--step-cooldown",
        "0.3",
        "--no-usb-reset",
    ]);
    let mut spec_args = vec![
        "-n".to_string(),
        "--".to_string(),
        b.daemon_bin.clone().unwrap().display().to_string(),
    ];
    spec_args.extend(daemon_args.iter().map(|s| s.to_string()));
    // Run through unshare, the bench cannot tell it is psendurance: say
    // where its status goes, or it writes the machine's own.
    spec_args.push("--status-file".into());
    spec_args.push(b.status_file().display().to_string());
    let t = Instant::now();
    let d = b.spawn_daemon_spec(&DaemonSpec {
        bin: "unshare".into(),
        args: spec_args,
        ..DaemonSpec::default()
    });
    assert!(
        d.wait_log(" active", t, Duration::from_secs(10)).is_some(),
        "{}",
        log_of(&d)
    );

    // No interface in the daemon's namespace: every probe fails.
    let step1 = next_command(&b, &["AT+CGACT=0"], t, &d);
    let step2 = next_command(&b, &["AT+CGATT=0"], step1, &d);
    let step3 = next_command(&b, &["AT+CFUN=4", "AT+CFUN=0"], step2, &d);
    let links = b.sim().connections();
    let step4 = Instant::now();
    assert!(
        b.sim()
            .wait_for(|s| s.connections() > links, Duration::from_secs(20)),
        "modem link not re-opened (step 4):\n{}",
        log_of(&d)
    );
    eprintln!(
        "ladder: step 2 {:?} after step 1, step 3 {:?} after step 2, step 4 after {:?}",
        step2 - step1,
        step3 - step2,
        step4.elapsed() + (step4 - step3)
    );
    for n in 1..=4 {
        assert!(
            d.wait_log(&format!("recovery step {n}:"), t, Duration::from_secs(5))
                .is_some()
        );
    }

    // Give the context's interface a path that answers: the ladder resets.
    assert!(
        d.wait_log(" active", step4, Duration::from_secs(10))
            .is_some(),
        "{}",
        log_of(&d)
    );
    let iface = context_interface(&b);
    eprintln!("ladder: context interface {iface}");
    let pid = d.pid().to_string();
    run(
        "ip",
        &[
            "link", "add", &iface, "netns", &pid, "type", "veth", "peer", "name", "psdpeer",
            "netns", &peer.0,
        ],
    );
    run(
        "nsenter",
        &[
            "-t",
            &pid,
            "-n",
            "ip",
            "addr",
            "add",
            "10.77.0.1/24",
            "dev",
            &iface,
        ],
    );
    run(
        "nsenter",
        &["-t", &pid, "-n", "ip", "link", "set", &iface, "up"],
    );
    run(
        "ip",
        &[
            "-n",
            &peer.0,
            "addr",
            "add",
            "10.77.0.2/24",
            "dev",
            "psdpeer",
        ],
    );
    run("ip", &["-n", &peer.0, "link", "set", "psdpeer", "up"]);
    let healed = Instant::now();
    assert!(
        d.wait_log(
            "data flows again; recovery ladder reset",
            healed,
            Duration::from_secs(15)
        )
        .is_some(),
        "{}",
        log_of(&d)
    );

    // Cut it again: the climb starts from step 1.
    let cut = Instant::now();
    run("nsenter", &["-t", &pid, "-n", "ip", "link", "del", &iface]);
    next_command(&b, &["AT+CGACT=0"], cut, &d);
    let line = d
        .wait_log("recovery step", cut, Duration::from_secs(10))
        .unwrap();
    assert!(line.contains("recovery step 1:"), "{line}");
}
