//! The two programs measured side by side on the same bench: psendurance
//! (release build) and the minimal reference re-activator.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::bench::{Bench, BenchOptions, Daemon, DaemonSpec};

#[derive(Debug, Clone)]
pub struct Client {
    pub name: &'static str,
    pub bin: PathBuf,
    pub args: Vec<String>,
}

impl Client {
    /// Runs the client on `b`'s bus.
    pub fn spawn(&self, b: &Bench) -> Daemon {
        b.spawn_daemon_spec(&DaemonSpec {
            bin: self.bin.clone(),
            args: self.args.clone(),
            ..DaemonSpec::default()
        })
    }

    /// Like `spawn`, with extra arguments.
    pub fn spawn_with(&self, b: &Bench, extra: &[&str]) -> Daemon {
        let mut c = self.clone();
        c.args.extend(extra.iter().map(|s| s.to_string()));
        c.spawn(b)
    }
}

/// A fresh bench (its own bus, ofonod and modem) for one client.
pub fn bench(bin: &std::path::Path) -> Bench {
    Bench::start_with(BenchOptions {
        daemon_bin: Some(bin.to_path_buf()),
        ..BenchOptions::default()
    })
}

/// Starts `client` and waits until a context is active at the modem and
/// the client said so.
pub fn up(b: &Bench, d: &Daemon, since: Instant) -> Result<(), String> {
    let bound = Duration::from_secs(20);
    if b.sim().wait_for(|s| !s.active_cids().is_empty(), bound)
        && d.wait_log(" active", since, bound).is_some()
    {
        Ok(())
    } else {
        Err(format!(
            "no active context within {bound:?} (bench {}):\n{}",
            b.dir().display(),
            d.tail(20)
        ))
    }
}
