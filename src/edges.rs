//! The edges other than the bus: network configuration of the active
//! context, the data-path probe, USB re-enumeration and the last resort.
//! They do what the keeper asked and report back; they decide nothing.

use std::os::fd::RawFd;
use std::time::{Duration, Instant, SystemTime};

use crate::cli::EdgeConfig;
use crate::events::DnsVia;
use crate::events::{Event, Level, ProbeOutcome, ProbeRequest, Token};
use crate::log::emit;
use crate::netconf::apply::{Applied, apply, check_dns, move_dns, recover_resolv_conf, undo};
use crate::netsettings::NetSettings;
use crate::notify::Notifier;
use crate::probe::{Probe, read_counters};
use crate::recovery::{LastResort, authorize};
use crate::report;
use crate::status::Status;

/// How long one probe may wait for its answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Edges {
    cfg: EdgeConfig,
    /// What we configured, and from which settings (for `move_dns`).
    applied: Option<(Applied, NetSettings)>,
    probe: Option<(Token, String, Probe)>,
    last_resort: Option<LastResort>,
    notifier: Option<Notifier>,
    status_warned: bool,
    /// The newest snapshot (kept for the last write on exit).
    status: Option<Box<Status>>,
    /// When it is to be written; `None` once it has been.
    status_due: Option<Instant>,
}

/// A snapshot is written this long after the change that made it, with any
/// changes that follow within that time: recovery changes state in bursts,
/// and a write (fsync, rename) would delay the calls of the burst by a
/// millisecond each (bench: attach -> activation).
const STATUS_SETTLE: Duration = Duration::from_millis(20);

impl Edges {
    pub fn new(cfg: EdgeConfig) -> Edges {
        let last_resort = cfg.last_resort.clone().map(|argv| {
            LastResort::new(
                argv,
                cfg.last_resort_budget,
                cfg.state_dir.join("last-resort"),
            )
        });
        // A previous run may have died with our resolv.conf in place.
        if cfg.net.dns
            && let Some((level, line)) = recover_resolv_conf(&cfg.net)
        {
            emit(level, &line);
        }
        Edges {
            cfg,
            applied: None,
            probe: None,
            last_resort,
            notifier: Notifier::from_env(Instant::now()),
            status_warned: false,
            status: None,
            status_due: None,
        }
    }

    /// Configures the link; its name servers go to the file (or
    /// resolvconf) unless systemd-resolved takes them (`DnsVia::Resolved`).
    pub fn configure(&mut self, net: &NetSettings, via: DnsVia) {
        self.unconfigure();
        let mut opts = self.cfg.net.clone();
        opts.dns &= via == DnsVia::File;
        let (applied, notes) = apply(net, &opts);
        for (level, line) in notes {
            emit(level, &line);
        }
        self.applied = Some((applied, net.clone()));
    }

    /// systemd-resolved came or went while the link is up.
    pub fn move_dns(&mut self, via: DnsVia) {
        if let Some((applied, net)) = self.applied.as_ref() {
            for (level, line) in move_dns(applied, net, &self.cfg.net, via == DnsVia::File) {
                emit(level, &line);
            }
        }
    }

    /// The poll: our resolv.conf rewritten by someone? Put back.
    pub fn check_dns(&mut self) {
        if let Some((level, line)) = self.applied.as_ref().and_then(|(a, _)| check_dns(a)) {
            emit(level, &line);
        }
    }

    pub fn unconfigure(&mut self) {
        if let Some((applied, _)) = self.applied.take() {
            for (level, line) in undo(&applied) {
                emit(level, &line);
            }
        }
    }

    /// Starts a probe; an event at once if it is skipped or cannot start.
    pub fn probe(&mut self, req: ProbeRequest, now: Instant) -> Option<Event> {
        let counters = read_counters(&req.interface);
        let done = |outcome| Event::ProbeDone {
            token: req.token,
            outcome,
            counters,
        };
        if let (Some(c), Some(limit)) = (counters, req.skip_if_rx_above)
            && c.rx_bytes > limit
        {
            return Some(done(ProbeOutcome::Traffic));
        }
        match Probe::start(&req.target, &req.interface, PROBE_TIMEOUT, now) {
            Ok(probe) => {
                self.probe = Some((req.token, req.interface.clone(), probe));
                // A connect may finish (or fail) at once.
                self.check(now)
            }
            Err(e) => Some(done(ProbeOutcome::Failed(e))),
        }
    }

    pub fn usb(&self, device: &str, authorized: bool) {
        match authorize(&self.cfg.sysfs_root, device, authorized) {
            Ok(flag) => emit(
                Level::Info,
                &format!("wrote {} to {}", u8::from(authorized), flag.display()),
            ),
            Err(e) => emit(Level::Error, &format!("USB re-enumeration failed: {e}")),
        }
    }

    pub fn last_resort(&mut self) {
        match self.last_resort.as_mut() {
            None => emit(Level::Warn, "no --last-resort-command to run"),
            Some(lr) => match lr.run(SystemTime::now()) {
                Ok(line) => emit(Level::Warn, &line),
                Err(line) => emit(Level::Error, &line),
            },
        }
    }

    /// Connected to the bus and serving: tell systemd, if it asked.
    pub fn ready(&mut self) {
        if let Some(n) = self.notifier.as_mut() {
            n.ready();
        }
    }

    /// Leaves `state=stopped` behind: a stopped daemon never looks healthy.
    pub fn stopping(&mut self) {
        self.status_due = None;
        let mut stopped = self.status.take().map(|s| *s).unwrap_or_default();
        stopped.state = "stopped".into();
        stopped.up_since = None;
        self.write_files(&stopped);
        if let Some(n) = self.notifier.as_ref() {
            n.stopping();
        }
    }

    /// Takes a new snapshot; it is written within `STATUS_SETTLE`.
    pub fn publish(&mut self, status: Box<Status>, now: Instant) {
        let settle = settle(self.status.as_deref(), &status);
        self.status_due.get_or_insert(now + settle);
        self.status = Some(status);
    }

    /// Writes the pending snapshot now, if any.
    fn write_status(&mut self) {
        if self.status_due.take().is_some()
            && let Some(status) = self.status.take()
        {
            self.write_files(&status);
            self.status = Some(status);
        }
    }

    /// Rewrites the status file (and metrics file) from a snapshot.
    fn write_files(&mut self, status: &Status) {
        let (now, wall) = (Instant::now(), SystemTime::now());
        // Metrics first: a reader that sees the status file change finds
        // the metrics of the same snapshot already there.
        let mut files = Vec::new();
        if let Some(path) = &self.cfg.metrics_file {
            files.push((path.clone(), report::metrics_text(status, now, wall)));
        }
        if let Some(path) = &self.cfg.status_file {
            files.push((path.clone(), report::status_text(status, now, wall)));
        }
        for (path, text) in files {
            if let Err(e) = report::replace(&path, &text)
                && !self.status_warned
            {
                self.status_warned = true;
                emit(
                    Level::Warn,
                    &format!("cannot write {}: {e}", path.display()),
                );
            }
        }
    }

    /// Descriptors to wait on: (fd, read, write).
    pub fn fds(&self) -> Vec<(RawFd, bool, bool)> {
        self.probe
            .as_ref()
            .map(|(_, _, p)| p.fds())
            .unwrap_or_default()
    }

    pub fn deadline(&self) -> Option<Instant> {
        let probe = self.probe.as_ref().map(|(_, _, p)| p.deadline());
        let ping = self.notifier.as_ref().and_then(Notifier::deadline);
        probe.into_iter().chain(ping).chain(self.status_due).min()
    }

    /// A finished probe, if any; also reaps finished children.
    pub fn check(&mut self, now: Instant) -> Option<Event> {
        if let Some(n) = self.notifier.as_mut() {
            n.tick(now);
        }
        if self.status_due.is_some_and(|due| due <= now) {
            self.write_status();
        }
        if let Some(lr) = self.last_resort.as_mut() {
            lr.reap();
        }
        if let Some((level, line)) = self.applied.as_ref().and_then(|(a, _)| a.poll_dhcp()) {
            emit(level, &line);
        }
        let (_, _, probe) = self.probe.as_mut()?;
        let result = probe.check(now)?;
        let (token, iface, _) = self.probe.take()?;
        let outcome = match result {
            Ok(()) => ProbeOutcome::Passed,
            Err(e) => ProbeOutcome::Failed(e),
        };
        Some(Event::ProbeDone {
            token,
            outcome,
            counters: read_counters(&iface),
        })
    }

    /// The interface's counters, for the keeper (`ReadCounters`).
    pub fn counters(&self, iface: String) -> Event {
        Event::Counters {
            counters: read_counters(&iface),
            interface: iface,
        }
    }
}

/// How long a snapshot waits for more changes. Byte counts alone (a poll's
/// read of the counters) are no burst: written as soon as the loop has sent
/// the poll's calls, not `STATUS_SETTLE` later, a wake-up of its own.
fn settle(old: Option<&Status>, new: &Status) -> Duration {
    let bytes_only = old.is_some_and(|old| {
        let mut moved = old.clone();
        moved.bytes = new.bytes;
        moved.bytes_total = new.bytes_total;
        moved == *new
    });
    if bytes_only {
        Duration::ZERO
    } else {
        STATUS_SETTLE
    }
}

impl Drop for Edges {
    /// Whatever happens, leave the network as we found it.
    fn drop(&mut self) {
        self.unconfigure();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Bytes;

    #[test]
    fn byte_counts_alone_are_written_at_once_anything_else_settles() {
        let up = Status {
            state: "up".into(),
            ..Status::default()
        };
        let counted = Status {
            bytes: Bytes { rx: 10, tx: 20 },
            bytes_total: Bytes { rx: 10, tx: 20 },
            ..up.clone()
        };
        let lost = Status {
            state: "waiting for attach".into(),
            ..counted.clone()
        };
        assert_eq!(settle(Some(&up), &counted), Duration::ZERO);
        assert_eq!(settle(Some(&counted), &lost), STATUS_SETTLE);
        assert_eq!(settle(None, &up), STATUS_SETTLE);
    }
}
