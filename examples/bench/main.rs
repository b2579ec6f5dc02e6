//! Measures psendurance on the real-oFono bench and prints one table (also
//! written as Markdown): reaction times next to a minimal reference
//! re-activator, start-up, binary size, memory over many recoveries, and
//! idle cost. Run it with scripts/bench.sh (root, like the bench).

#[path = "../../tests/bench/mod.rs"]
mod bench;
#[path = "../common/mod.rs"]
mod common;
#[path = "../../tests/bench/e367/mod.rs"]
mod e367;

mod args;
mod clients;
mod e367bench;
mod idle;
mod monitor;
mod poll;
mod reaction;
mod report;
mod session;
mod size;
mod startup;
mod table;

use std::process::ExitCode;
use std::time::Duration;

use clients::Client;

/// psendurance's defaults that the idle budget depends on.
const INTERVAL: Duration = Duration::from_secs(30);
const PROBE_INTERVAL: Duration = Duration::from_secs(60);

/// Reaction runs on the default options: losses come back to back, and
/// a loss that is the network's or the modem's doing must not be held back
/// by a backoff (only a cause that keeps failing is).
const REACTION_ARGS: [&str; 1] = ["-f"];

fn main() -> ExitCode {
    let args = match args::parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(a: &args::Args) -> Result<(), String> {
    let machine = common::machine::describe();
    eprintln!("bench: {machine}");
    let ours = Client {
        name: "psendurance",
        bin: a.bin.clone(),
        args: REACTION_ARGS.iter().map(|s| s.to_string()).collect(),
    };
    let reference = Client {
        name: "reference",
        bin: a.reference.clone(),
        args: Vec::new(),
    };
    let e367 = e367bench::Opts {
        runs: a.e367_runs,
        ghost: a.e367_ghost,
        bin: a.bin.clone(),
        reference: a.reference.clone(),
    };
    let plain = Client {
        args: vec!["-f".into()],
        ..ours.clone()
    };
    if a.only.as_deref() == Some("idle") {
        let rows = idle_rows(&plain, &e367, a.idle)?;
        let context = vec![
            format!("machine: {machine}"),
            format!("load average at the end: {}", common::machine::load()),
            format!("daemon: {} (release build)", a.bin.display()),
            IDLE_CONTEXT.into(),
        ];
        return write(
            a,
            &table::render("psendurance idle on the bench", &context, &rows),
        );
    }
    if a.only.is_some() {
        let rows = e367bench::rows(&e367)?;
        let context = vec![
            format!("machine: {machine}"),
            format!("daemon: {} (release build)", a.bin.display()),
            E367_CONTEXT.into(),
        ];
        return write(
            a,
            &table::render("psendurance on the E367 bench", &context, &rows),
        );
    }
    let scratch = std::env::temp_dir();
    let mut rows = report::size_rows(
        size::stripped(&a.bin, &scratch),
        size::sections(&a.bin),
        size::armv6_binary().map(|p| size::arm_size(&p, &scratch)),
    );
    let s = session::run(a, &ours, &reference)?;
    rows.extend(report::reaction_rows(&s));
    eprintln!("bench: poll rounds for {:?}", a.poll_window);
    rows.extend(report::poll_rows(&poll::measure(
        &plain,
        Duration::from_secs(2),
        a.poll_window,
    )?));
    rows.extend(report::memory_rows(&s));
    rows.extend(e367bench::rows(&e367)?);
    rows.extend(idle_rows(&plain, &e367, a.idle)?);
    let context = vec![
        format!("machine: {machine} (at the start)"),
        format!("load average at the end: {}", common::machine::load()),
        format!("daemon: {} (release build)", a.bin.display()),
        format!(
            "reactions: psendurance `{}`; the reference is examples/reference.rs; \
             each on its own bench, alternating blocks of 25 episodes",
            REACTION_ARGS.join(" ")
        ),
        IDLE_CONTEXT.into(),
        E367_CONTEXT.into(),
        "figures are noisy when other builds share the machine: compare with the \
         reference column, taken alongside"
            .into(),
    ];
    write(
        a,
        &table::render("psendurance on the bench", &context, &rows),
    )
}

const IDLE_CONTEXT: &str = "idle: psendurance `-f` with its defaults (--interval 30, \
probe every 60 s) plus the variant's option";

const E367_CONTEXT: &str = "E367 rows: real ofonod's huawei driver and PPP, psendurance \
`-f -v --apn internet` (its defaults otherwise), the reference in the same namespace; \
psendurance: PPP up / DNS+TCP through ppp0, the reference: PPP up only (it sets no \
address, route or DNS)";

/// Print the table and write its Markdown to `--out`.
fn write(a: &args::Args, md: &str) -> Result<(), String> {
    println!("{md}");
    if let Some(dir) = a.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&a.out, md).map_err(|e| format!("cannot write {}: {e}", a.out.display()))?;
    println!("written to {}", a.out.display());
    Ok(())
}

/// The idle section's rows, each variant next to its wake-up budget.
fn idle_rows(
    plain: &Client,
    e367: &e367bench::Opts,
    window: Duration,
) -> Result<Vec<table::Row>, String> {
    eprintln!("bench: idle for {window:?} (three variants at once)");
    let mut rows = Vec::new();
    for (i, probe) in idle_all(plain, e367, window)? {
        rows.extend(report::idle_rows(&i, INTERVAL, probe));
    }
    Ok(rows)
}

type IdleResult = (idle::Idle, Option<Duration>);

/// Two variants on their own phonesim bench, and the defaults on an E367
/// bench (PPP, name servers, a probe that passes), at the same time (they
/// are idle: they do not disturb one another).
fn idle_all(
    plain: &Client,
    e367: &e367bench::Opts,
    window: Duration,
) -> Result<Vec<IdleResult>, String> {
    // phonesim's contexts carry no name servers and the bench has no
    // interface to probe through: there the default probe has nothing to
    // do, which leaves the cost of the polls alone.
    let variants: Vec<(&str, Vec<String>, Option<Duration>)> = vec![
        (
            "phonesim, --probe off",
            vec!["--probe".into(), "off".into()],
            None,
        ),
        (
            "phonesim, defaults (no name servers to probe)",
            Vec::new(),
            None,
        ),
    ];
    let handles: Vec<_> = variants
        .into_iter()
        .map(|(label, extra, probe)| {
            let c = plain.clone();
            std::thread::spawn(move || {
                let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
                idle::measure(&c, &extra, label, window).map(|i| (i, probe))
            })
        })
        .collect();
    let e367 = e367.clone();
    let on_e367 = std::thread::spawn(move || {
        e367bench::idle(&e367, window).map(|i| (i, Some(PROBE_INTERVAL)))
    });
    handles
        .into_iter()
        .chain([on_e367])
        .map(|h| h.join().map_err(|_| "an idle run panicked".to_string())?)
        .collect()
}
