//! The recovery ladder's two top steps, at the edge: re-enumerating the
//! modem's USB device through sysfs, and the user's last-resort command
//! under a budget kept in a file, so that it survives the reboot it may cause.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Writes `authorized` of the USB device at or above `device` (a modem's
/// `SystemPath`), under `sysfs_root` ("/" on a real system, a temp tree in tests).
pub fn authorize(sysfs_root: &Path, device: &str, on: bool) -> Result<PathBuf, String> {
    let relative = device.trim_start_matches('/');
    let mut dir = sysfs_root.join(relative);
    // SystemPath may name an interface or the device; the device is the
    // nearest directory that has idVendor.
    while !dir.join("idVendor").is_file() {
        if !dir.pop() || !dir.starts_with(sysfs_root.join("sys/devices")) {
            return Err(format!("no USB device found at or above {device}"));
        }
    }
    let flag = dir.join("authorized");
    fs::write(&flag, if on { "1" } else { "0" })
        .map_err(|e| format!("cannot write {}: {e}", flag.display()))?;
    Ok(flag)
}

/// The last-resort command and its budget (runs per 24 hours).
pub struct LastResort {
    pub argv: Vec<String>,
    pub budget: u32,
    /// One line per run: seconds since the epoch.
    pub state_file: PathBuf,
    children: Vec<Child>,
}

const WINDOW: Duration = Duration::from_secs(24 * 3600);

impl LastResort {
    pub fn new(argv: Vec<String>, budget: u32, state_file: PathBuf) -> LastResort {
        LastResort {
            argv,
            budget,
            state_file,
            children: Vec::new(),
        }
    }

    /// Runs the command if the budget allows; says what happened.
    pub fn run(&mut self, now: SystemTime) -> Result<String, String> {
        self.reap();
        let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let recent: Vec<u64> = self
            .history()
            .into_iter()
            .filter(|t| now_secs.saturating_sub(*t) < WINDOW.as_secs() && *t <= now_secs)
            .collect();
        if recent.len() >= self.budget as usize {
            return Err(format!(
                "last-resort command not run: budget of {} per 24h used ({})",
                self.budget,
                self.state_file.display()
            ));
        }
        // Record first: if the command reboots the board, the run still counts.
        let mut lines: String = recent.iter().map(|t| format!("{t}\n")).collect();
        lines.push_str(&format!("{now_secs}\n"));
        crate::report::replace_durably(&self.state_file, &lines).map_err(|e| {
            format!(
                "last-resort command not run: cannot record it in {}: {e}",
                self.state_file.display()
            )
        })?;
        let (program, args) = self
            .argv
            .split_first()
            .ok_or("last-resort command is empty")?;
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        self.children.push(child);
        Ok(format!("ran last-resort command {}", self.argv.join(" ")))
    }

    fn history(&self) -> Vec<u64> {
        fs::read_to_string(&self.state_file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// Collects finished commands so they leave no zombies.
    pub fn reap(&mut self) {
        self.children
            .retain_mut(|c| matches!(c.try_wait(), Ok(None)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "psendurance-recovery-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn authorizes_the_usb_device_above_an_interface_path() {
        let root = temp("usb");
        let device = root.join("sys/devices/platform/soc/usb1/1-1/1-1.2");
        let iface = device.join("1-1.2:1.0");
        fs::create_dir_all(&iface).unwrap();
        fs::write(device.join("idVendor"), "12d1\n").unwrap();
        fs::write(device.join("authorized"), "1\n").unwrap();
        let path = "/sys/devices/platform/soc/usb1/1-1/1-1.2/1-1.2:1.0";
        authorize(&root, path, false).unwrap();
        assert_eq!(fs::read_to_string(device.join("authorized")).unwrap(), "0");
        authorize(&root, path, true).unwrap();
        assert_eq!(fs::read_to_string(device.join("authorized")).unwrap(), "1");
        let err = authorize(&root, "/sys/devices/platform/none", true).unwrap_err();
        assert!(err.contains("no USB device"), "{err}");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_budget_holds_across_restarts() {
        let dir = temp("budget");
        let state = dir.join("last-resort");
        let marker = dir.join("ran");
        let argv = vec![
            "/bin/sh".into(),
            "-c".into(),
            format!("echo x >> {}", marker.display()),
        ];
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut first = LastResort::new(argv.clone(), 1, state.clone());
        assert!(first.run(t0).is_ok());
        // A new daemon after the reboot the command caused: same file.
        let mut second = LastResort::new(argv.clone(), 1, state.clone());
        let refused = second.run(t0 + Duration::from_secs(3600)).unwrap_err();
        assert!(refused.contains("budget of 1 per 24h used"), "{refused}");
        assert!(second.run(t0 + WINDOW + Duration::from_secs(1)).is_ok());
        for mut c in first.children.drain(..).chain(second.children.drain(..)) {
            c.wait().unwrap();
        }
        assert_eq!(fs::read_to_string(&marker).unwrap().lines().count(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }
}
