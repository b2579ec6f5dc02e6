//! `Bench`: one isolated world per test — temp dir, private system bus,
//! modem simulator and a real `ofonod` — torn down in `Drop`, also when the
//! test panics.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::bus::{self, Bus, BusPolicy};
use super::daemon::{Daemon, DaemonSpec};
use super::modemsim::{ModemSim, SimConfig};
use super::ofono::{self, Ofono};
use super::procs;

/// How long ready-waits may take before the bench gives up.
const READY: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Start ofonod (and wait until it lists `/phonesim`).
    pub start_ofono: bool,
    /// Only root may own/send to org.ofono on the bench bus.
    pub policy: BusPolicy,
    /// SIM asks for this PIN, with this many retries left.
    pub sim_pin: Option<(String, u8)>,
    /// The network registers us as roaming (`+CREG: 5`).
    pub roaming: bool,
    /// No network coverage at start.
    pub no_network: bool,
    /// psendurance binary (tests: `env!("CARGO_BIN_EXE_psendurance")`);
    /// falls back to env PSENDURANCE_BIN.
    pub daemon_bin: Option<PathBuf>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            start_ofono: true,
            policy: BusPolicy::Permissive,
            sim_pin: None,
            roaming: false,
            no_network: false,
            daemon_bin: None,
        }
    }
}

pub struct Bench {
    dir: PathBuf,
    bus: Bus,
    sim: ModemSim,
    /// Behind a mutex so tests can restart oFono through `&Bench` (e.g.
    /// from a fault closure while the bench is borrowed elsewhere).
    ofonod: Mutex<Option<Child>>,
    /// See `BenchOptions::daemon_bin`.
    pub daemon_bin: Option<PathBuf>,
    /// Keep the dir even without a panic (env BENCH_KEEP).
    keep: bool,
}

impl Bench {
    #[allow(dead_code)]
    pub fn start() -> Bench {
        Bench::start_with(BenchOptions::default())
    }

    pub fn start_with(opts: BenchOptions) -> Bench {
        procs::ensure_prereqs();
        let dir = procs::unique_dir();
        std::fs::create_dir_all(dir.join("ofono-state")).expect("create bench dir");
        // Writable by the daemon's user in the non-root run.
        let run = dir.join("run");
        std::fs::create_dir_all(&run).expect("create bench run dir");
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o777))
                .expect("chmod bench run dir");
        }
        // BENCH_DAEMON_USER runs the daemon as that user, on a bus where
        // only our shipped policy lets it talk to oFono (the non-root proof).
        let policy = match (daemon_user(), opts.policy) {
            (Some(_), BusPolicy::Permissive) => BusPolicy::RestrictiveWithOurs,
            (_, policy) => policy,
        };
        let bus = bus::start(&dir, policy);
        let sim = ModemSim::start(SimConfig {
            pin: opts.sim_pin.clone(),
            roaming: opts.roaming,
            no_network: opts.no_network,
        })
        .expect("start modem simulator");
        let conf = format!("[phonesim]\nAddress=127.0.0.1\nPort={}\n", sim.port());
        std::fs::write(dir.join("phonesim.conf"), conf).expect("write phonesim.conf");
        let bench = Bench {
            dir,
            bus,
            sim,
            ofonod: Mutex::new(None),
            daemon_bin: opts
                .daemon_bin
                .or_else(|| std::env::var_os("PSENDURANCE_BIN").map(PathBuf::from)),
            keep: std::env::var_os("BENCH_KEEP").is_some(),
        };
        if opts.start_ofono {
            bench.start_ofono();
        }
        bench
    }

    #[allow(dead_code)]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The status file daemons on this bench write unless told otherwise.
    pub fn status_file(&self) -> PathBuf {
        self.dir.join("run/status")
    }

    /// `unix:path=<dir>/bus`, for DBUS_SYSTEM_BUS_ADDRESS.
    pub fn bus_address(&self) -> &str {
        &self.bus.address
    }

    pub fn sim(&self) -> &ModemSim {
        &self.sim
    }

    pub fn ofono_log(&self) -> PathBuf {
        self.dir.join("ofonod.log")
    }

    #[allow(dead_code)]
    pub fn ofono_pid(&self) -> Option<u32> {
        self.ofonod().as_ref().map(Child::id)
    }

    fn ofonod(&self) -> MutexGuard<'_, Option<Child>> {
        self.ofonod.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start ofonod in its own mount namespace with `/var/lib/ofono` bound
    /// to `<dir>/ofono-state`; wait until it owns org.ofono and lists
    /// `/phonesim`. The pid held is ofonod's own (unshare and sh exec).
    pub fn start_ofono(&self) {
        assert!(self.ofonod().is_none(), "ofonod already running");
        let state = self.dir.join("ofono-state");
        let script = format!(
            "mount --bind '{}' /var/lib/ofono && exec ofonod -n -d -p phonesim,atmodem",
            state.display()
        );
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.ofono_log())
            .expect("open ofonod.log");
        let log2 = log.try_clone().expect("dup ofonod.log");
        let child = Command::new(procs::find_program("unshare").expect("unshare"))
            .args([
                "--mount",
                "--propagation",
                "private",
                "--",
                "sh",
                "-c",
                &script,
            ])
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("DBUS_SYSTEM_BUS_ADDRESS", self.bus_address())
            .env("OFONO_PHONESIM_CONFIG", self.dir.join("phonesim.conf"))
            .env("OFONO_AT_DEBUG", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .expect("spawn ofonod");
        *self.ofonod() = Some(child);
        self.wait_ofono_ready();
    }

    fn wait_ofono_ready(&self) {
        let addr = self.bus.address.clone();
        let mut client: Option<Ofono> = None;
        let ok = procs::wait_until(READY, Duration::from_millis(10), || {
            if let Some(c) = self.ofonod().as_mut()
                && !matches!(c.try_wait(), Ok(None))
            {
                return true; // exited: reported below
            }
            let c = match &client {
                Some(c) => c,
                None => match Ofono::connect(&addr) {
                    Ok(c) => client.insert(c),
                    Err(_) => return false,
                },
            };
            c.modems()
                .map(|v| v.iter().any(|(p, _)| p == ofono::MODEM))
                .unwrap_or(false)
        });
        let exited = self
            .ofonod()
            .as_mut()
            .is_some_and(|c| !matches!(c.try_wait(), Ok(None)));
        if !ok || exited {
            panic!(
                "bench: ofonod not ready ({}); last lines of {}:\n{}",
                if exited { "it exited" } else { "timed out" },
                self.ofono_log().display(),
                procs::tail(&self.ofono_log(), 20)
            );
        }
    }

    /// Kill the bench's dbus-daemon: the system bus goes away for good.
    #[allow(dead_code)]
    pub fn kill_bus(&mut self) {
        procs::kill_and_reap(&mut self.bus.child);
    }

    /// ofonod's exit status if it ended on its own (reaped here; the bench
    /// then holds no ofonod until `start_ofono`); None while it runs or
    /// when none was started.
    #[allow(dead_code)]
    pub fn ofono_died(&self) -> Option<ExitStatus> {
        let mut held = self.ofonod();
        let status = held.as_mut()?.try_wait().ok()??;
        held.take();
        Some(status)
    }

    /// SIGKILL ofonod and reap it.
    pub fn kill_ofono(&self) {
        let child = self.ofonod().take();
        if let Some(mut c) = child {
            procs::kill_and_reap(&mut c);
        }
    }

    /// SIGTERM ofonod and wait (SIGKILL after 5 s).
    #[allow(dead_code)]
    pub fn stop_ofono(&self) -> Option<ExitStatus> {
        let mut c = self.ofonod().take()?;
        procs::stop_child(&mut c, libc::SIGTERM, Duration::from_secs(5))
    }

    /// Run the psendurance binary (`daemon_bin`) on this bench's bus.
    #[allow(dead_code)]
    pub fn spawn_daemon(&self, args: &[&str]) -> Daemon {
        let bin = self.daemon_bin.clone().unwrap_or_else(|| {
            panic!("bench: set Bench::daemon_bin (tests: env!(\"CARGO_BIN_EXE_psendurance\")) or PSENDURANCE_BIN")
        });
        let (uid, gid) = daemon_user().map_or((None, None), |(u, g)| (Some(u), Some(g)));
        self.spawn_daemon_spec(&DaemonSpec {
            bin,
            args: args.iter().map(|s| s.to_string()).collect(),
            uid,
            gid,
            ..DaemonSpec::default()
        })
    }

    /// Like `spawn_daemon`, with env, uid/gid and binary chosen by the caller.
    /// Without `--status-file` among the arguments the daemon writes
    /// `<dir>/run/status`: a test never writes the machine's own.
    pub fn spawn_daemon_spec(&self, spec: &DaemonSpec) -> Daemon {
        let mut spec = spec.clone();
        let ours = self.daemon_bin.as_ref() == Some(&spec.bin)
            || spec
                .bin
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("psendurance"));
        if ours && !spec.args.iter().any(|a| a.starts_with("--status-file")) {
            spec.args.push("--status-file".into());
            spec.args.push(self.status_file().display().to_string());
        }
        Daemon::spawn(&spec, self.bus_address(), &self.dir.join("psendurance.log"))
            .unwrap_or_else(|e| panic!("bench: cannot run {}: {e}", spec.bin.display()))
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        self.kill_ofono();
        self.sim.shutdown();
        procs::kill_and_reap(&mut self.bus.child);
        let panicking = std::thread::panicking();
        if panicking || self.keep {
            eprintln!(
                "bench: logs kept in {} (ofonod.log, psendurance.log, dbus-daemon.log)",
                self.dir.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// uid and gid of the user named by BENCH_DAEMON_USER, if set.
fn daemon_user() -> Option<(u32, u32)> {
    let name = std::env::var("BENCH_DAEMON_USER").ok()?;
    let id = |flag: &str| {
        let out = Command::new("id").args([flag, &name]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(u), Some(g)) => Some((u, g)),
        _ => panic!("bench: BENCH_DAEMON_USER={name} is not a user here (useradd --system {name})"),
    }
}
