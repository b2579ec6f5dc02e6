//! Method "dhcp": the operator's DHCP client, started without a shell and
//! without waiting, in its own process group; stopped (TERM, then KILL, to
//! the whole group so a wrapper script's children go too) and reaped on undo.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use crate::events::Level;

use super::Note;

/// How long a client gets to release its lease after SIGTERM.
const TERM_GRACE: Duration = Duration::from_millis(500);

/// Spawns `argv` with `{iface}` replaced (the name is validated, so it can
/// only ever be one plain argument).
pub fn spawn(argv: &[String], iface: &str) -> Result<Child, String> {
    let args: Vec<String> = argv.iter().map(|a| a.replace("{iface}", iface)).collect();
    let (program, rest) = args.split_first().ok_or("--dhcp-command is empty")?;
    Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))
}

/// Reaps the client if it has exited; `None` while it runs.
pub fn poll(child: &mut Child) -> Option<Note> {
    match child.try_wait() {
        Ok(Some(status)) if status.success() => Some((
            Level::Debug,
            format!("dhcp command (pid {}) finished", child.id()),
        )),
        Ok(Some(status)) => Some((
            Level::Warn,
            format!("dhcp command (pid {}) failed: {status}", child.id()),
        )),
        Ok(None) => None,
        Err(e) => Some((
            Level::Warn,
            format!("dhcp command (pid {}): {e}", child.id()),
        )),
    }
}

pub fn stop(mut child: Child) -> Note {
    if let Some(note) = poll(&mut child) {
        return note;
    }
    let pid = child.id();
    // The group id is the child's pid (process_group(0)); it cannot be
    // reused while the child is unreaped.
    let group = -libc::pid_t::try_from(pid).unwrap_or(0);
    let signal = |sig| {
        if group < 0 {
            // SAFETY: plain syscall on our own, not yet reaped, child's group.
            unsafe { libc::kill(group, sig) };
        }
    };
    // SIGTERM first: udhcpc/dhclient release the lease on it.
    signal(libc::SIGTERM);
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    while waited < TERM_GRACE {
        if let Ok(Some(_)) = child.try_wait() {
            return (Level::Info, format!("dhcp command (pid {pid}) stopped"));
        }
        sleep(step);
        waited += step;
    }
    signal(libc::SIGKILL);
    let _ = child.wait();
    (
        Level::Warn,
        format!("dhcp command (pid {pid}) killed: it ignored SIGTERM"),
    )
}
