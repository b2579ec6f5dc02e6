//! Name servers for the context: through resolvconf(8) when the system has
//! it, else by replacing resolv.conf atomically and restoring it afterwards.
//!
//! The previous resolv.conf (a file, a symlink, or nothing) is kept in memory
//! and in a backup beside it (`<path>.psendurance-saved`), written before our
//! file, so that `recover` can put it back after a crash.
//!
//! Cut by concern, imports one way (down this list): here, the choice
//! between the two ways; `resolvconf` (the record); `file` (our servers in
//! the file, from first write to give-back); `saved` (the previous file:
//! backup, restore, crash recovery); `atomic` (rename-over writes).

mod file;
mod resolvconf;
mod saved;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::events::Level;

use super::Note;
use file::FileDns;
pub use resolvconf::uses_resolvconf;
/// Where the previous file is kept; tests look for it.
#[cfg(test)]
pub use saved::backup_path;
pub use saved::recover;

#[derive(Debug)]
pub enum DnsApplied {
    /// A record `<iface>.psendurance` given to resolvconf.
    Resolvconf {
        program: PathBuf,
        record: String,
    },
    File(FileDns),
}

fn content(iface: &str, dns: &[IpAddr]) -> Vec<u8> {
    let mut s = format!(
        "{} for {iface}; the previous file comes back when the connection ends.\n",
        saved::HEADER
    );
    for ip in dns {
        s.push_str(&format!("nameserver {ip}\n"));
    }
    s.into_bytes()
}

fn listed(dns: &[IpAddr]) -> String {
    dns.iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn apply(iface: &str, dns: &[IpAddr], path: &Path) -> (Option<DnsApplied>, Note) {
    let list = listed(dns);
    let bytes = content(iface, dns);
    if let Some(program) = resolvconf::resolvconf(path) {
        let record = format!("{iface}.psendurance");
        return match resolvconf::run(&program, &["-a", &record], Some(&bytes)) {
            Ok(()) => (
                Some(DnsApplied::Resolvconf { program, record }),
                (
                    Level::Info,
                    format!("{iface}: name servers {list} (resolvconf)"),
                ),
            ),
            Err(e) => (
                None,
                (Level::Error, format!("{iface}: resolvconf -a failed: {e}")),
            ),
        };
    }
    let mut f = FileDns::new(path, iface, list, bytes);
    let note = f.put_ours();
    (Some(DnsApplied::File(f)), note)
}

/// Our servers for the file, not written yet: another link holds the
/// default route (`other`, for the log), so its name servers stay.
pub fn wait(iface: &str, dns: &[IpAddr], path: &Path, other: &str) -> (DnsApplied, Note) {
    let f = FileDns::new(path, iface, listed(dns), content(iface, dns));
    let note = (
        Level::Info,
        format!(
            "{iface}: {other} holds the default route; {} left as it is until ours does",
            path.display()
        ),
    );
    (DnsApplied::File(f), note)
}

/// The poll's look at the file (see `FileDns::check`).
pub fn check(d: &mut DnsApplied, other: Option<&str>) -> Option<Note> {
    let DnsApplied::File(f) = d else {
        return None; // resolvconf merges records itself
    };
    f.check(other)
}

pub fn undo(d: DnsApplied) -> Note {
    match d {
        DnsApplied::Resolvconf { program, record } => {
            match resolvconf::run(&program, &["-d", &record], None) {
                Ok(()) => (Level::Info, format!("name servers of {record} removed")),
                Err(e) => (Level::Error, format!("resolvconf -d {record} failed: {e}")),
            }
        }
        DnsApplied::File(mut f) => f.give_back(),
    }
}
