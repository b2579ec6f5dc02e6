//! The soak's report: per fault kind, count and recovery times; then
//! stuck episodes, daemon exits, and memory and fd growth.

use super::run::{Config, Outcome};
use crate::common::stats::{fmt, summarize};

pub fn render(cfg: &Config, o: &Outcome, machine: &str) -> String {
    let mut s = String::from("# psendurance soak\n\n");
    s.push_str(&format!("- machine: {machine}\n"));
    s.push_str(&format!(
        "- {} of {} episodes, {}, {:.0} s; daemon `{}`\n",
        o.episodes,
        cfg.events,
        lanes(cfg),
        o.elapsed.as_secs_f64(),
        cfg.daemon_args.join(" ")
    ));
    s.push_str(&format!(
        "- recovery = end of the last fault (network back, SIM in, ofonod up, hang released) \
         → a context active at the modem through a new activation; bound {} \
         (--retry-max + --activation-timeout + --call-timeout + --interval + 5 s)\n\n",
        fmt(o.bound)
    ));
    s.push_str("| fault | count | p50 | p95 | max |\n|---|---|---|---|---|\n");
    for (label, v) in &o.recoveries {
        let m = summarize(v);
        s.push_str(&format!(
            "| {label} | {} | {} | {} | {} |\n",
            m.n,
            fmt(m.p50),
            fmt(m.p95),
            fmt(m.max)
        ));
    }
    s.push('\n');
    for (lane, (a, b)) in o.mem.iter().enumerate() {
        let who = if o.mem.len() > 1 {
            format!("lane {lane} ")
        } else {
            String::new()
        };
        s.push_str(&format!(
            "{who}memory: VmRSS {} → {} KiB, of which anonymous {} → {} KiB; private {} → {} KiB; fds {} → {}\n",
            a.rss_kb, b.rss_kb, a.anon_kb, b.anon_kb, a.private_kb, b.private_kb, a.fds, b.fds
        ));
    }
    s.push_str("(the binary's pages count as private only while no other process runs it)\n");
    s.push_str(&format!(
        "stuck episodes: {}; daemon exits: {}\n",
        o.stuck.len(),
        usize::from(o.exited.is_some())
    ));
    s.push_str(&format!(
        "ofonod ended on its own: {} (restarted 5 s later, as the shipped ofono.service drop-in has systemd do)\n",
        o.ofono_deaths.len()
    ));
    for d in &o.ofono_deaths {
        s.push_str(&format!(
            "\n## ofonod ended: lane {} episode {} ({})\n\nlast lines of ofonod.log:\n```\n{}\n```\n",
            d.lane, d.index, d.status, d.log_tail
        ));
    }
    for st in &o.stuck {
        s.push_str(&format!(
            "\n## stuck: lane {} episode {} ({})\n\nAT lines (last 40 since the episode began):\n```\n{}\n```\ndaemon log tail:\n```\n{}\n```\n",
            st.lane,
            st.index,
            st.what,
            st.at_lines.join("\n"),
            st.log_tail
        ));
    }
    if let Some(e) = &o.exited {
        s.push_str(&format!("\n## the daemon exited\n\n```\n{e}\n```\n"));
    }
    s
}

fn lanes(cfg: &Config) -> String {
    match cfg.lanes {
        0 | 1 => format!("seed {}", cfg.seed),
        n => format!(
            "{n} lanes side by side (own ofonod, modem and daemon each), seeds {}-{}",
            cfg.seed,
            cfg.seed + n as u64 - 1
        ),
    }
}

/// The soak passed: nothing stuck, no exit.
pub fn passed(o: &Outcome) -> bool {
    o.stuck.is_empty() && o.exited.is_none()
}
