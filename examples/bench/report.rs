//! Figures into table rows, each next to its budget.

use std::time::Duration;

use crate::common::procstat::ProcStat;
use crate::common::stats::{fmt, summarize};
use crate::idle::Idle;
use crate::poll::Poll;
use crate::session::Session;
use crate::table::Row;

const KIB: u64 = 1024;

pub fn reaction_rows(s: &Session) -> Vec<Row> {
    let row = |what: &str, ours: &[Duration], theirs: &[Duration]| {
        let (o, r) = (summarize(ours), summarize(theirs));
        let ok = o.n > 0 && r.n > 0 && o.p95.as_secs_f64() <= 1.2 * r.p95.as_secs_f64();
        let ratio = if r.p95.is_zero() {
            String::new()
        } else {
            format!("p95 ratio {:.2}", o.p95.as_secs_f64() / r.p95.as_secs_f64())
        };
        Row::new(format!("{what} (p50 / p95 / max, n={})", o.n), o.cell())
            .reference(r.cell())
            .budget("p95 ≤ 1.2× reference", ok)
            .note(ratio)
    };
    let (o, r) = (&s.ours, &s.reference);
    let mut rows = vec![
        row(
            "reaction (a): AT+CGATT=1 answered → AT+CGACT=1",
            &o.attach,
            &r.attach,
        ),
        row("reaction (b): +CRST sent → AT+CGACT=1", &o.reset, &r.reset),
        row(
            "reaction (b): link hang-up → AT+CGACT=1",
            &o.hangup,
            &r.hangup,
        ),
    ];
    if o.incomplete + r.incomplete > 0 {
        rows.push(
            Row::new(
                "episodes missing an instant in the AT log",
                o.incomplete.to_string(),
            )
            .reference(r.incomplete.to_string()),
        );
    }
    if let (Some(os), Some(rs)) = (&o.startup, &r.startup) {
        rows.push(
            Row::new(
                format!("start-up: exec → Hello on the bus (n={})", os.hello.n),
                os.hello.cell(),
            )
            .reference(rs.hello.cell()),
        );
        rows.push(
            Row::new(
                "start-up: exec → first call about oFono",
                os.first_call.cell(),
            )
            .reference(rs.first_call.cell())
            .note("psendurance: GetNameOwner(org.ofono); reference: GetModems"),
        );
    }
    rows
}

pub fn poll_rows(p: &Poll) -> Vec<Row> {
    let notice = p.interval + p.round.max;
    vec![
        Row::new(
            format!(
                "reaction (c): poll period with --interval {}",
                secs(p.interval)
            ),
            p.period.cell(),
        )
        .note(format!("n={} rounds", p.period.n + 1)),
        Row::new("reaction (c): one poll round on the bus", p.round.cell()).note(format!(
            "≤ {} calls; the simulator has no silent loss that leaves the context inactive \
             in oFono, so a silent loss would be noticed within interval + round ≤ {}",
            p.calls_per_round,
            fmt(notice)
        )),
    ]
}

pub fn memory_rows(s: &Session) -> Vec<Row> {
    let top = |v: &[(String, u64)]| {
        v.iter()
            .take(5)
            .map(|(n, k)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (o, r) = (&s.ours.mem, &s.reference.mem);
    let (Some(first), Some(last)) = (o.first(), o.last()) else {
        return Vec::new();
    };
    let mid = o.get(o.len().saturating_sub(2)).unwrap_or(first);
    let r_first = r.first().map(|(_, m)| *m).unwrap_or_default();
    let kb = |v: u64| format!("{v} KiB");
    let series = |f: fn(&ProcStat) -> u64| {
        o.iter()
            .map(|(n, m)| format!("{} @{n}", f(m)))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    let max_rss = o.iter().map(|(_, m)| m.rss_kb).max().unwrap_or(0);
    let max_private = o.iter().map(|(_, m)| m.private_kb).max().unwrap_or(0);
    // Flat: the second half of the recoveries added at most one page.
    let flat = last.1.private_kb <= mid.1.private_kb + 4;
    vec![
        Row::new("resident (VmRSS), after start", kb(first.1.rss_kb))
            .reference(kb(r_first.rss_kb))
            .budget("≤ 2048 KiB", first.1.rss_kb <= 2 * KIB),
        Row::new(
            format!("resident after {} recoveries", last.0),
            kb(last.1.rss_kb),
        )
        .budget("≤ 2048 KiB", max_rss <= 2 * KIB)
        .note(format!("KiB @recoveries: {}", series(|m| m.rss_kb))),
        Row::new(
            "private (Private_Clean+Dirty), after start",
            kb(first.1.private_kb),
        )
        .reference(kb(r_first.private_kb))
        .budget("≤ 600 KiB", first.1.private_kb <= 600)
        .note(format!(
            "largest (KiB) at the end: {}",
            top(&s.ours.private_map)
        )),
        Row::new(
            format!("private after {} recoveries", last.0),
            kb(last.1.private_kb),
        )
        .budget("≤ 600 KiB, flat", max_private <= 600 && flat)
        .note(format!(
            "KiB @recoveries: {}; flat = ≤ 4 KiB growth from @{} to @{}",
            series(|m| m.private_kb),
            mid.0,
            last.0
        )),
        Row::new(
            "open fds, start → end",
            format!("{} → {}", first.1.fds, last.1.fds),
        )
        .reference(r_first.fds.to_string())
        .budget("flat", last.1.fds <= first.1.fds),
    ]
}

pub fn size_rows(
    x86: Result<u64, String>,
    sections: String,
    arm: Option<Result<u64, String>>,
) -> Vec<Row> {
    let row = |what: &str, r: Result<u64, String>| match r {
        Ok(n) => Row::new(what, format!("{} KiB ({n} B)", n.div_ceil(KIB)))
            .budget("≤ 400 KiB", n <= 400 * KIB),
        Err(e) => Row::new(what, "not measured").note(e),
    };
    vec![
        row("stripped release binary, x86_64", x86).note(format!("largest sections: {sections}")),
        match arm {
            Some(r) => row("stripped release binary, ARMv6", r),
            None => Row::new("stripped release binary, ARMv6", "not built")
                .note("no binary from scripts/check-armv6.sh found (or set ARMV6_BIN)"),
        },
    ]
}

/// `polls_per_min` + `probes_per_min`: the wake-up budget for this variant.
pub fn idle_rows(i: &Idle, interval: Duration, probe_every: Option<Duration>) -> Vec<Row> {
    let per_min = |d: Duration| 60.0 / d.as_secs_f64();
    let wakes = per_min(interval) + probe_every.map_or(0.0, per_min);
    let note = match &i.first_line {
        Some(l) => format!("{} log lines in the window, first: {l}", i.log_lines),
        None => "no log line in the window".into(),
    };
    vec![
        Row::new(
            format!(
                "idle CPU per minute, {} ({} s window)",
                i.label,
                i.window.as_secs()
            ),
            format!("{:.3} ms", i.cpu_ms_per_min),
        )
        .budget("≤ 1 ms", i.cpu_ms_per_min <= 1.0)
        .note(format!(
            "schedstat; utime+stime says {:.1} ms (10 ms ticks)",
            i.tick_ms_per_min
        )),
        Row::new(
            format!("idle wake-ups per minute, {}", i.label),
            format!(
                "{:.1} bursts ({:.1} context switches)",
                i.bursts_per_min, i.switches_per_min
            ),
        )
        .budget(
            format!("≤ {wakes:.0} (one per poll/probe)"),
            i.bursts_per_min <= wakes + 0.5,
        )
        .note(note),
    ]
}

fn secs(d: Duration) -> String {
    format!("{}", d.as_secs_f64())
}
