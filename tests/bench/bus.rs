//! A private `dbus-daemon` of type "system" on a socket in the bench dir.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::procs;

/// Who may talk to `org.ofono` on the private bus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BusPolicy {
    /// Everyone may own, send and receive anything.
    #[default]
    Permissive,
    /// Like Debian's /etc/dbus-1/system.d/ofono.conf: only root may own or
    /// send to `org.ofono`; everything else is allowed.
    #[allow(dead_code)]
    Restrictive,
    /// Restrictive, plus the policy we ship (scripts/dbus/psendurance.conf)
    /// for a dedicated `psendurance` user.
    #[allow(dead_code)]
    RestrictiveWithOurs,
}

pub struct Bus {
    pub child: Child,
    pub address: String,
}

fn config(socket: &Path, policy: BusPolicy) -> String {
    let ofono_rules = match policy {
        BusPolicy::Permissive => "",
        BusPolicy::Restrictive | BusPolicy::RestrictiveWithOurs => {
            r#"
    <deny own="org.ofono"/>
    <deny send_destination="org.ofono"/>
  </policy>
  <policy user="root">
    <allow own="org.ofono"/>
    <allow send_destination="org.ofono"/>"#
        }
    };
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>{ofono_rules}
  </policy>{ours}
</busconfig>
"#,
        socket = socket.display(),
        ours = match policy {
            BusPolicy::RestrictiveWithOurs => format!(
                "\n  <include>{}/scripts/dbus/psendurance.conf</include>",
                env!("CARGO_MANIFEST_DIR")
            ),
            _ => String::new(),
        }
    )
}

/// Start the bus and wait until it prints its address and the socket exists.
pub fn start(dir: &Path, policy: BusPolicy) -> Bus {
    let socket = dir.join("bus");
    let conf = dir.join("bus.conf");
    std::fs::write(&conf, config(&socket, policy)).expect("write bus.conf");
    let log = std::fs::File::create(dir.join("dbus-daemon.log")).expect("create dbus-daemon.log");
    let mut child = Command::new(procs::find_program("dbus-daemon").expect("dbus-daemon"))
        .arg(format!("--config-file={}", conf.display()))
        .args(["--nofork", "--print-address"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("spawn dbus-daemon");

    // --print-address writes one line once the bus listens.
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let printed = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    let ready = procs::wait_until(Duration::from_secs(5), Duration::from_millis(5), || {
        socket.exists()
    });
    if printed.trim().is_empty() || !ready {
        procs::kill_and_reap(&mut child);
        panic!(
            "bench: dbus-daemon did not start; see {}",
            dir.join("dbus-daemon.log").display()
        );
    }
    Bus {
        child,
        address: format!("unix:path={}", socket.display()),
    }
}
