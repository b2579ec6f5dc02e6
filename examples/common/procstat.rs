//! What /proc says about one process: memory, fds, CPU time, wake-ups.

use std::fs;

/// One reading of /proc/PID; fields a kernel lacks are 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcStat {
    /// VmRSS, KiB.
    pub rss_kb: u64,
    /// RssAnon, KiB: heap, stack and written data, what a leak would grow;
    /// unlike the private figure it does not depend on whether another
    /// process maps the same binary.
    #[allow(dead_code)]
    pub anon_kb: u64,
    /// Private_Clean + Private_Dirty from smaps_rollup, KiB.
    pub private_kb: u64,
    /// Entries in /proc/PID/fd.
    pub fds: u64,
    /// utime + stime, clock ticks (10 ms each at CLK_TCK 100).
    #[allow(dead_code)]
    pub cpu_ticks: u64,
    /// Time on CPU from /proc/PID/schedstat, ns: the tick figure is too
    /// coarse for a process that runs microseconds per minute.
    #[allow(dead_code)]
    pub cpu_ns: u64,
    /// voluntary + nonvoluntary context switches: each one is a wake-up.
    #[allow(dead_code)]
    pub switches: u64,
}

impl ProcStat {
    /// None once the process is gone.
    pub fn read(pid: u32) -> Option<ProcStat> {
        let dir = format!("/proc/{pid}");
        let status = fs::read_to_string(format!("{dir}/status")).ok()?;
        let rollup = fs::read_to_string(format!("{dir}/smaps_rollup")).unwrap_or_default();
        let stat = fs::read_to_string(format!("{dir}/stat")).ok()?;
        let sched = fs::read_to_string(format!("{dir}/schedstat")).unwrap_or_default();
        Some(ProcStat {
            rss_kb: field_kb(&status, "VmRSS:"),
            anon_kb: field_kb(&status, "RssAnon:"),
            private_kb: field_kb(&rollup, "Private_Clean:") + field_kb(&rollup, "Private_Dirty:"),
            fds: fs::read_dir(format!("{dir}/fd")).map_or(0, |d| d.count() as u64),
            cpu_ticks: cpu_ticks(&stat),
            cpu_ns: sched
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            switches: field_kb(&status, "voluntary_ctxt_switches:")
                + field_kb(&status, "nonvoluntary_ctxt_switches:"),
        })
    }
}

/// The number after `key` at the start of a line ("VmRSS:   1234 kB").
fn field_kb(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// utime + stime: fields 14 and 15 of /proc/PID/stat, counted after the
/// command name's closing parenthesis (the name may hold spaces).
fn cpu_ticks(stat: &str) -> u64 {
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14 -> index 11.
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

/// Milliseconds per clock tick (sysconf(_SC_CLK_TCK)).
#[allow(dead_code)]
pub fn ms_per_tick() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { 1000.0 / hz as f64 } else { 10.0 }
}

/// Where the private memory is: KiB per mapping name (file, `[heap]`,
/// `[anon]`, `[stack]`), largest first.
#[allow(dead_code)]
pub fn private_by_mapping(pid: u32) -> Vec<(String, u64)> {
    let text = fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut by: Vec<(String, u64)> = Vec::new();
    let mut name = String::new();
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            // A mapping header: "start-end perms offset dev inode [path]".
            let path = line.split_whitespace().nth(5).unwrap_or("[anon]");
            name = path.rsplit('/').next().unwrap_or(path).to_string();
            continue;
        }
        let kb = field_kb(line, "Private_Clean:") + field_kb(line, "Private_Dirty:");
        if kb > 0 {
            match by.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => *v += kb,
                None => by.push((name.clone(), kb)),
            }
        }
    }
    by.sort_by_key(|e| std::cmp::Reverse(e.1));
    by
}
