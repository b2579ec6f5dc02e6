//! Our name servers in the file itself (no resolvconf): written while our
//! link carries the default route, put back over a rewrite, and the
//! previous file given back at the end. The state lives here as a whole
//! because each step decides on what the others left (`previous`,
//! `failing`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::events::Level;
use crate::netconf::Note;

use super::saved::{self, Previous, backup_path};
use crate::atomic::write_atomic;

/// Our name servers for the file: in place, or waiting for our link to
/// carry the default route.
#[derive(Debug)]
pub struct FileDns {
    path: PathBuf,
    iface: String,
    /// `10.0.0.1, 10.0.0.2`, for log lines.
    list: String,
    /// What we write: if the file holds something else, someone rewrote it.
    ours: Vec<u8>,
    /// What was there before our first write, while ours is in place: what
    /// comes back at the end (a rewriter's version never replaces it).
    previous: Option<Previous>,
    /// A failed write was said once; quiet until one works again.
    failing: bool,
}

impl FileDns {
    /// Nothing written yet: `put_ours` or `check` does that.
    pub fn new(path: &Path, iface: &str, list: String, ours: Vec<u8>) -> FileDns {
        FileDns {
            path: path.to_path_buf(),
            iface: iface.to_string(),
            list,
            ours,
            previous: None,
            failing: false,
        }
    }

    /// Writes ours, keeping what was there (first write only).
    pub fn put_ours(&mut self) -> Note {
        let (iface, shown) = (&self.iface, self.path.display());
        match saved::replace(&self.path, &self.ours) {
            Ok(previous) => {
                self.previous = Some(previous);
                self.failing = false;
                (
                    Level::Info,
                    format!("{iface}: name servers {} ({shown})", self.list),
                )
            }
            Err(e) => {
                self.failing = true;
                (Level::Error, format!("{iface}: cannot write {shown}: {e}"))
            }
        }
    }

    /// The poll's look at the file. `other`: another link that holds the
    /// default route now (`None`: ours does). Puts our servers back over a
    /// rewrite, writes them once our link carries the default route, gives
    /// the file back once another link does. A note when something was done.
    pub fn check(&mut self, other: Option<&str>) -> Option<Note> {
        match (&self.previous, other) {
            (None, None) => {
                let was_failing = self.failing;
                let (level, line) = self.put_ours();
                (level != Level::Error || !was_failing).then_some((level, line))
            }
            (None, Some(_)) => None,
            (Some(_), Some(other)) => {
                let (level, line) = self.give_back();
                Some((
                    level,
                    format!("{other} holds the default route now; {line}"),
                ))
            }
            (Some(previous), None) => {
                if fs::read(&self.path).ok().as_deref() == Some(&self.ours[..]) {
                    return None;
                }
                // Only ours is written: the backup keeps the original.
                match write_atomic(&self.path, &self.ours, previous.mode()) {
                    Ok(()) => {
                        self.failing = false;
                        Some((
                            Level::Warn,
                            format!(
                                "{} rewritten by another program; putting our name servers back",
                                self.path.display()
                            ),
                        ))
                    }
                    Err(_) if self.failing => None,
                    Err(e) => {
                        self.failing = true;
                        Some((
                            Level::Error,
                            format!(
                                "{} rewritten by another program; cannot put our name servers back: {e}",
                                self.path.display()
                            ),
                        ))
                    }
                }
            }
        }
    }

    /// Puts back what was there before our first write, unless someone
    /// replaced ours since (then theirs is newer: it stays).
    pub fn give_back(&mut self) -> Note {
        let shown = self.path.display();
        let Some(previous) = self.previous.take() else {
            return (
                Level::Debug,
                format!("{shown}: our name servers were never written"),
            );
        };
        let backup = backup_path(&self.path);
        if fs::read(&self.path).ok().as_deref() != Some(&self.ours[..]) {
            // Someone (a DHCP client, an admin) replaced it after us.
            let _ = fs::remove_file(&backup);
            return (
                Level::Warn,
                format!("{shown} was changed by someone else; left as is"),
            );
        }
        match saved::put(&self.path, &previous) {
            Ok(()) => {
                let _ = fs::remove_file(&backup);
                (Level::Info, format!("{shown} restored"))
            }
            Err(e) => {
                // Keep trying at the next give-back (undo).
                self.previous = Some(previous);
                (
                    Level::Error,
                    format!(
                        "cannot restore {shown}: {e} (backup kept at {})",
                        backup.display()
                    ),
                )
            }
        }
    }
}
