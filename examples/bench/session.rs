//! The reaction session: psendurance and the reference each on their own
//! bench, start-ups first, then loss episodes in alternating blocks (so a
//! load change on a noisy machine hits both alike), then more recoveries
//! for psendurance until the memory reading after `--recoveries`.

use std::time::{Duration, Instant};

use crate::args::Args;
use crate::clients::{self, Client};
use crate::common::procstat::ProcStat;
use crate::reaction::{self, Loss};
use crate::startup::{self, Startup};

/// Episodes per block before switching to the other client.
const BLOCK: usize = 25;
const BOUND: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct Side {
    pub attach: Vec<Duration>,
    pub reset: Vec<Duration>,
    pub hangup: Vec<Duration>,
    /// Episodes whose instants were not all in the AT log.
    pub incomplete: usize,
    pub startup: Option<Startup>,
    /// Memory after start, and after the episodes (and, for psendurance,
    /// halfway through and after all recoveries).
    pub mem: Vec<(usize, ProcStat)>,
    /// Private KiB per mapping at the last reading.
    pub private_map: Vec<(String, u64)>,
}

pub struct Session {
    pub ours: Side,
    pub reference: Side,
}

pub fn run(args: &Args, ours: &Client, reference: &Client) -> Result<Session, String> {
    let mut s = Session {
        ours: Side::default(),
        reference: Side::default(),
    };
    if args.startups > 0 {
        // Throwaway benches: a client killed halfway through powering the
        // modem leaves oFono in a state the next client must not inherit.
        eprintln!("bench: {} start-ups each", args.startups);
        s.ours.startup = Some(startup::measure(
            &clients::bench(&ours.bin),
            ours,
            args.startups,
        )?);
        let b = clients::bench(&ours.bin);
        s.reference.startup = Some(startup::measure(&b, reference, args.startups)?);
    }
    let (b_ours, b_ref) = (clients::bench(&ours.bin), clients::bench(&ours.bin));
    let t = Instant::now();
    let (d_ours, d_ref) = (ours.spawn(&b_ours), reference.spawn(&b_ref));
    clients::up(&b_ours, &d_ours, t)?;
    clients::up(&b_ref, &d_ref, t)?;
    reaction::settle(&b_ours);
    let mem = |d: &crate::bench::Daemon| {
        ProcStat::read(d.pid()).ok_or_else(|| "a client exited".to_string())
    };
    s.ours.mem.push((0, mem(&d_ours)?));
    s.reference.mem.push((0, mem(&d_ref)?));
    let mut done = 0;
    for loss in [Loss::Reset, Loss::Hangup] {
        eprintln!("bench: {} x {} per client", args.episodes, loss.name());
        let mut left = args.episodes;
        while left > 0 {
            let n = left.min(BLOCK);
            for (b, d, side) in [
                (&b_ours, &d_ours, &mut s.ours),
                (&b_ref, &d_ref, &mut s.reference),
            ] {
                for _ in 0..n {
                    let e = reaction::episode(b, d, loss, BOUND)
                        .map_err(|e| format!("{e}\n{}", d.tail(20)))?;
                    side.attach.extend(e.attach_to_activate);
                    let lost = match loss {
                        Loss::Reset => &mut side.reset,
                        Loss::Hangup => &mut side.hangup,
                    };
                    lost.extend(e.loss_to_activate);
                    if e.attach_to_activate.is_none() || e.loss_to_activate.is_none() {
                        side.incomplete += 1;
                    }
                }
            }
            left -= n;
            done += n;
        }
    }
    s.reference.mem.push((done, mem(&d_ref)?));
    drop(d_ref);
    drop(b_ref);
    s.ours.mem.push((done, mem(&d_ours)?));
    eprintln!(
        "bench: psendurance through {} recoveries",
        args.recoveries.max(done)
    );
    while done < args.recoveries {
        reaction::episode(&b_ours, &d_ours, Loss::Reset, BOUND)
            .map_err(|e| format!("{e}\n{}", d_ours.tail(20)))?;
        done += 1;
    }
    s.ours.mem.push((done, mem(&d_ours)?));
    s.ours.private_map = crate::common::procstat::private_by_mapping(d_ours.pid());
    Ok(s)
}
