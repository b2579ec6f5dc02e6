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
fn spawn(argv: &[String], iface: &str) -> Result<Child, String> {
    let args: Vec<String> = argv.iter().map(|a| a.replace("{iface}", iface)).collect();
    let (program, rest) = args.split_first().ok_or("--dhcp-command is empty")?;
    Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))
}

/// Starts the client for Method "dhcp" if the operator named one
/// (`--dhcp-command`); one note either way.
pub fn start(command: Option<&[String]>, iface: &str) -> (Option<Child>, Note) {
    match command {
        Some(argv) => match spawn(argv, iface) {
            Ok(child) => {
                let note = (
                    Level::Info,
                    format!(
                        "{iface}: uses DHCP; started {} (pid {})",
                        argv.join(" "),
                        child.id()
                    ),
                );
                (Some(child), note)
            }
            Err(e) => (None, (Level::Error, format!("{iface}: uses DHCP; {e}"))),
        },
        None => (
            None,
            (
                Level::Warn,
                format!(
                    "{iface}: the context uses DHCP; set --dhcp-command, e.g. 'udhcpc -i {{iface}} -n -q'"
                ),
            ),
        ),
    }
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
