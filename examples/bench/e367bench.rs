//! The E367 section: real ofonod's huawei driver and PPP against the
//! simulated dongle (tests/bench/e367). Start-up to the first packet, and per
//! fault the time until PPP is up again (and, for psendurance, until DNS and
//! TCP work through ppp0), next to the reference re-activator on the same
//! kind of bench. The reference configures no address, route or DNS, so
//! only its PPP session is timed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dbus::Path as ObjPath;
use dbus::arg::{PropMap, Variant, prop_cast};

use crate::bench::daemon::{Daemon, DaemonSpec};
use crate::bench::procs;
use crate::e367::E367Bench;
use crate::table::Row;

/// psendurance as a user runs it on this bench (the tests' options).
const ARGS: &[&str] = &["-f", "-v", "--apn", "internet"];
const UP: Duration = Duration::from_secs(30);
/// Ghost with traffic: the defaults find it well within this; the
/// reference never does.
const GHOST_BOUND: Duration = Duration::from_secs(150);

#[derive(Debug, Clone)]
pub struct Opts {
    pub runs: usize,
    pub ghost: bool,
    pub bin: PathBuf,
    pub reference: PathBuf,
}

#[derive(Clone, Copy, PartialEq)]
enum Who {
    Ours,
    Reference,
}

struct Fault {
    name: &'static str,
    fault: fn(&E367Bench),
    hold: Duration,
    heal: fn(&E367Bench),
}

fn nothing(_: &E367Bench) {}

fn faults() -> Vec<Fault> {
    let f = |name, fault, hold: u64, heal| Fault {
        name,
        fault,
        hold: Duration::from_secs(hold),
        heal,
    };
    vec![
        f(
            "network deactivates (`+CGEV: NW DEACT`)",
            |b: &E367Bench| b.dongle().network_deactivate(),
            0,
            nothing as fn(&E367Bench),
        ),
        f(
            "network ends PPP (LCP Terminate)",
            |b| b.dongle().lcp_terminate(),
            0,
            nothing,
        ),
        f(
            "detach 1 s, attach",
            |b| b.dongle().detach(),
            1,
            |b| b.dongle().attach(),
        ),
        f("modem reset", |b| b.dongle().reset(), 0, nothing),
        f(
            "unplug 2 s, replug",
            |b| b.dongle().unplug(),
            2,
            |b| b.dongle().replug(),
        ),
        f(
            "ofonod restart (SIGKILL, 1 s, start)",
            |b| b.kill_ofono(),
            1,
            |b| b.start_ofono(),
        ),
    ]
}

/// The reference in the subscriber namespace, as spawn_daemon runs ours.
fn spawn_reference(b: &E367Bench, bin: &Path) -> Result<Daemon, String> {
    let spec = DaemonSpec {
        bin: procs::find_program("ip").ok_or("ip not found")?,
        args: vec![
            "netns".into(),
            "exec".into(),
            b.ue.name.clone(),
            bin.display().to_string(),
        ],
        ..DaemonSpec::default()
    };
    Daemon::spawn(&spec, b.bus_address(), &b.dir().join("reference.log"))
        .map_err(|e| format!("cannot run the reference: {e}"))
}

/// The reference creates no context: give the SIM one with the APN (oFono
/// keeps it per IMSI, so it is there again after a reset or replug).
fn provision(b: &E367Bench) -> Result<(), String> {
    let end = Instant::now() + UP;
    loop {
        if let Some(modem) = b.modem_path() {
            let c = b.ofono();
            let p = c
                .connection()
                .with_proxy("org.ofono", modem.as_str(), Duration::from_secs(5));
            let got: Result<(Vec<(ObjPath<'static>, PropMap)>,), _> =
                p.method_call("org.ofono.ConnectionManager", "GetContexts", ());
            if let Ok((contexts,)) = got {
                let internet = contexts
                    .iter()
                    .find(|(_, m)| prop_cast::<String>(m, "Type").is_some_and(|t| t == "internet"));
                if internet.is_some() {
                    // oFono's own provisioning, or one from an earlier run.
                    return Ok(());
                }
                let (path,): (ObjPath<'static>,) = p
                    .method_call("org.ofono.ConnectionManager", "AddContext", ("internet",))
                    .map_err(|e| format!("AddContext: {e}"))?;
                // The reference may try it first without an APN; the
                // property change makes it look again.
                c.connection()
                    .with_proxy("org.ofono", path, Duration::from_secs(5))
                    .method_call::<(), _, _, _>(
                        "org.ofono.ConnectionContext",
                        "SetProperty",
                        ("AccessPointName", Variant("internet")),
                    )
                    .map_err(|e| format!("set APN: {e}"))?;
                return Ok(());
            }
        }
        if Instant::now() >= end {
            return Err("no ConnectionManager for the reference".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A fresh bench with `who` started; (bench, client, exec → PPP up, exec →
/// data flows (ours only)).
fn start(o: &Opts, who: Who) -> Result<Started, String> {
    start_with(o, who, ARGS)
}

type Started = (E367Bench, Daemon, Duration, Option<Duration>);

fn start_with(o: &Opts, who: Who, args: &[&str]) -> Result<Started, String> {
    let b = E367Bench::start(&o.bin);
    let t0 = Instant::now();
    let d = match who {
        Who::Ours => b.spawn_daemon(args),
        Who::Reference => {
            let d = spawn_reference(&b, &o.reference)?;
            provision(&b)?;
            d
        }
    };
    if !b.dongle().wait_for(UP, |w| w.link_up()) {
        return Err(format!("no PPP within {UP:?}:\n{}", d.tail(20)));
    }
    let ppp = t0.elapsed();
    let data = match who {
        Who::Ours => {
            b.wait_data(UP)
                .map_err(|e| format!("no data at start: {e}\n{}", d.tail(20)))?;
            Some(t0.elapsed())
        }
        Who::Reference => None,
    };
    Ok((b, d, ppp, data))
}

/// One fault: from the heal (or the fault) to a new PPP session, then to
/// data. None: not within the bound.
fn episode(b: &E367Bench, who: Who, f: &Fault) -> (Option<Duration>, Option<Duration>) {
    let sessions = b.dongle().world().sessions;
    (f.fault)(b);
    std::thread::sleep(f.hold);
    (f.heal)(b);
    let t0 = Instant::now();
    if !b
        .dongle()
        .wait_for(UP, |w| w.sessions > sessions && w.link_up())
    {
        return (None, None);
    }
    let ppp = t0.elapsed();
    let data =
        (who == Who::Ours && b.wait_data(Duration::from_secs(10)).is_ok()).then(|| t0.elapsed());
    (Some(ppp), data)
}

fn p50(v: &mut [Duration]) -> Option<Duration> {
    v.sort();
    v.get(v.len() / 2).copied()
}

fn s(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// "p50 (min-max)" of what came back, and how many did not.
fn summary(got: &[Option<Duration>]) -> String {
    let mut v: Vec<Duration> = got.iter().flatten().copied().collect();
    let missed = got.len() - v.len();
    let Some(mid) = p50(&mut v) else {
        return format!("never (n={})", got.len());
    };
    let range = if v.len() > 1 {
        format!(" ({}-{})", s(v[0]), s(v[v.len() - 1]))
    } else {
        String::new()
    };
    let missed = if missed > 0 {
        format!(", {missed} missed")
    } else {
        String::new()
    };
    format!("{}{range}{missed}", s(mid))
}

pub fn rows(o: &Opts) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let n = o.runs;
    eprintln!("bench: e367 start-up, {n} fresh benches each");
    let (mut ppp, mut data, mut rppp) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let (_b, _d, p, dt) = start(o, Who::Ours)?;
        ppp.push(Some(p));
        data.push(dt);
        let (_b, _d, p, _) = start(o, Who::Reference)?;
        rppp.push(Some(p));
    }
    rows.push(
        Row::new(
            format!("E367: start → PPP up / first DNS+TCP through ppp0, p50 (n={n})"),
            format!("{} / {}", summary(&ppp), summary(&data)),
        )
        .reference(format!("{} / –", summary(&rppp)))
        .note("from exec; fresh bench each run; the reference is given its context first"),
    );
    for f in faults() {
        eprintln!("bench: e367 {}, {n} each", f.name);
        let (mut ppp, mut data, mut rppp) = (Vec::new(), Vec::new(), Vec::new());
        // A fresh bench per episode, so that every one starts from the same
        // state (back-to-back losses: the phonesim rows and tests/e2e/pace.rs).
        for who in [Who::Ours, Who::Reference] {
            for _ in 0..n {
                let (b, _d, _, _) = start(o, who)?;
                let (p, dt) = episode(&b, who, &f);
                match who {
                    Who::Ours => {
                        ppp.push(p);
                        data.push(dt);
                    }
                    Who::Reference => rppp.push(p),
                }
            }
        }
        rows.push(
            Row::new(
                format!("E367: {} → PPP up / data flows again (n={n})", f.name),
                format!("{} / {}", summary(&ppp), summary(&data)),
            )
            .reference(format!("{} / –", summary(&rppp)))
            .note("from the heal (or the fault); fresh bench each; reference: PPP only, it sets no address"),
        );
    }
    if o.ghost {
        rows.push(ghost(o)?);
    } else {
        rows.push(
            Row::new(
                "E367: ghost (bare NO CARRIER, sender running) found",
                "skipped",
            )
            .note("--quick skips it (about 100 s)"),
        );
    }
    Ok(rows)
}

/// A healthy E367 link left alone on the defaults: every poll re-reads
/// oFono, checks resolv.conf and the default route, reads ppp0's counters
/// and, as they moved, rewrites the status file; the DNS probe goes
/// through ppp0 to the operator's server. Without `-v` (its line per call
/// would be most of the cost), and with the status file on a tmpfs, where
/// it is on a Pi (/run): on this machine's disk its rewrite costs more.
pub fn idle(o: &Opts, window: Duration) -> Result<crate::idle::Idle, String> {
    let run = Tmpfs::mount()?;
    let status = run.0.join("status").display().to_string();
    let state = run.0.display().to_string();
    let args = [
        "-f",
        "--apn",
        "internet",
        "--status-file",
        &status,
        "--state-dir",
        &state,
    ];
    let (_b, d, _, _) = start_with(o, Who::Ours, &args)?;
    crate::idle::observe(&d, "E367, ppp0 with DNS (default probe)", window)
}

/// A private tmpfs, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount() -> Result<Tmpfs, String> {
        let dir = std::env::temp_dir().join(format!("psendurance-idle-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "psendurance-idle"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("cannot mount a tmpfs on {} (root?)", dir.display()));
        }
        Ok(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Both clients on their own bench at once: a ghost takes minutes.
fn ghost(o: &Opts) -> Result<Row, String> {
    eprintln!("bench: e367 ghost with traffic, both clients at once (≤ {GHOST_BOUND:?})");
    let run = |who: Who| {
        let o = o.clone();
        std::thread::spawn(
            move || -> Result<(Option<Duration>, Option<Duration>), String> {
                let (b, _d, _, _) = start(&o, who)?;
                let _app = b.start_sender();
                let sessions = b.dongle().world().sessions;
                b.dongle().drop_carrier();
                let t0 = Instant::now();
                if !b
                    .dongle()
                    .wait_for(GHOST_BOUND, |w| w.sessions > sessions && w.link_up())
                {
                    return Ok((None, None));
                }
                let ppp = t0.elapsed();
                let data = (who == Who::Ours && b.wait_data(Duration::from_secs(10)).is_ok())
                    .then(|| t0.elapsed());
                Ok((Some(ppp), data))
            },
        )
    };
    let (ours, reference) = (run(Who::Ours), run(Who::Reference));
    let join =
        |h: std::thread::JoinHandle<_>| h.join().map_err(|_| "a ghost run panicked".to_string())?;
    let (ppp, data) = join(ours)?;
    let (rppp, _) = join(reference)?;
    let show = |d: Option<Duration>| d.map(s).unwrap_or(format!("none in {GHOST_BOUND:?}"));
    let reference = match rppp {
        Some(d) => s(d),
        None => format!("never (none in {} s)", GHOST_BOUND.as_secs()),
    };
    Ok(Row::new(
        "E367: ghost (bare NO CARRIER, sender running) → PPP up / data flows again (n=1)",
        format!("{} / {}", show(ppp), show(data)),
    )
    .reference(format!("{reference} / –"))
    .note("psendurance defaults; oFono never notices this loss"))
}
