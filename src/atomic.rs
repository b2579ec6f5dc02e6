//! Replacing a file atomically: write a temp file beside it, rename over.
//! A reader (the resolver, a monitor reading the status file) sees the old
//! file or the new one, never half of one. Synced for what must survive a
//! crash or reboot (resolv.conf, the last-resort budget); not for what
//! describes the running daemon in tmpfs /run (the status and metrics).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Temp file in the same directory, fsync, rename over (replaces a symlink
/// itself, not its target), fsync the directory.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_then_rename(path, bytes, mode, true)
}

/// `write_atomic` without the syncs: a flash write saved per call where
/// the file is on a disk; nothing to lose where it is on a tmpfs.
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_then_rename(path, bytes, mode, false)
}

fn write_then_rename(path: &Path, bytes: &[u8], mode: u32, sync: bool) -> io::Result<()> {
    let tmp = temp_path(path);
    remove_if_exists(&tmp)?;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)?;
    let written = f
        .write_all(bytes)
        .and_then(|()| f.set_permissions(fs::Permissions::from_mode(mode)))
        .and_then(|()| if sync { f.sync_all() } else { Ok(()) });
    drop(f);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    rename(&tmp, path, sync)
}

/// Makes `path` a symlink to `target`, by the same rename over.
pub fn symlink_atomic(path: &Path, target: &Path) -> io::Result<()> {
    let tmp = temp_path(path);
    remove_if_exists(&tmp)?;
    std::os::unix::fs::symlink(target, &tmp)?;
    rename(&tmp, path, true)
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.psendurance-{}.tmp", std::process::id()))
}

fn rename(tmp: &Path, path: &Path, sync: bool) -> io::Result<()> {
    if let Err(e) = fs::rename(tmp, path) {
        let _ = fs::remove_file(tmp);
        return Err(e);
    }
    if let Some(dir) = path.parent().filter(|d| sync && !d.as_os_str().is_empty()) {
        // Durability of the rename itself; best effort.
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}
