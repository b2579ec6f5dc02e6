//! `E367Bench`: the field path in one box. Two network namespaces, the
//! subscriber's (`ue`: ofonod, its ppp0, the daemon) and the operator's
//! (`op`: the far end of the PPP link, a DNS server and a web server); a
//! private system bus; real ofonod 1.31 with its `huawei` driver and the
//! bench plugin that plays udev; the simulated dongle between them.
//! Nothing outside the namespaces and the temp dir is touched.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::dongle::{Dongle, SYSPATH};
use super::netns::NetNs;
use super::operator::{BANNER, Operator, TUN, WEB_PORT};
use super::tun::Tun;
use crate::bench::bus::{self, Bus, BusPolicy};
use crate::bench::daemon::{Daemon, DaemonSpec};
use crate::bench::ofono::Ofono;
use crate::bench::procs;

const READY: Duration = Duration::from_secs(20);

pub struct E367Bench {
    dir: PathBuf,
    pub ue: NetNs,
    /// Held: dropping it deletes the operator's namespace.
    _op: NetNs,
    bus: Bus,
    // Dropped before the namespaces: its TUN lives in `op`.
    dongle: Option<Dongle>,
    operator: Option<Operator>,
    ofonod: Mutex<Option<Child>>,
    daemon_bin: PathBuf,
    keep: bool,
}

/// The plugin, built by gcc for each bench into its dir.
fn plugin(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bench/e367/plugin/e367bench.c");
    let out = dir.join("e367bench.so");
    let cflags = Command::new("pkg-config")
        .args(["--cflags", "glib-2.0"])
        .output()
        .expect("bench: pkg-config not found; run scripts/bench-deps.sh");
    assert!(
        cflags.status.success() && Path::new("/usr/include/ofono/plugin.h").is_file(),
        "bench: glib or ofono headers missing; run scripts/bench-deps.sh (ofono-dev, libglib2.0-dev)"
    );
    let flags = String::from_utf8_lossy(&cflags.stdout).to_string();
    let status = Command::new("gcc")
        .args(["-shared", "-fPIC", "-Wall", "-Werror", "-o"])
        .arg(&out)
        .arg(&src)
        .args(flags.split_whitespace())
        .status()
        .expect("bench: gcc not found; run scripts/bench-deps.sh");
    assert!(
        status.success(),
        "bench: building the e367bench plugin failed"
    );
    out
}

impl E367Bench {
    pub fn start(daemon_bin: &Path) -> E367Bench {
        procs::ensure_prereqs();
        let dir = procs::unique_dir();
        for d in [
            "ofono-state",
            "run",
            "overlay/upper/ofono/plugins",
            "overlay/work",
            "sysroot",
        ] {
            std::fs::create_dir_all(dir.join(d)).expect("bench dir");
        }
        let so = plugin(&dir);
        std::fs::copy(&so, dir.join("overlay/upper/ofono/plugins/e367bench.so"))
            .expect("install plugin in the overlay");
        std::fs::write(dir.join("resolv.conf"), "nameserver 127.0.0.53\n").expect("resolv.conf");
        let ue = NetNs::new("ue");
        let op = NetNs::new("op");
        let tun = op
            .run(|| Tun::create(TUN))
            .expect("create op0 in the operator ns");
        let operator = Operator::start(&op);
        let bus = bus::start(&dir, BusPolicy::Permissive);
        let dongle = Dongle::start(tun, &dir.join("e367bench.conf"), &dir.join("sysroot"));
        let b = E367Bench {
            dir,
            ue,
            _op: op,
            bus,
            dongle: Some(dongle),
            operator: Some(operator),
            ofonod: Mutex::new(None),
            daemon_bin: daemon_bin.to_path_buf(),
            keep: std::env::var_os("BENCH_KEEP").is_some(),
        };
        b.start_ofono();
        b
    }

    #[allow(dead_code)]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn dongle(&self) -> &Dongle {
        self.dongle.as_ref().expect("dongle")
    }

    pub fn bus_address(&self) -> &str {
        &self.bus.address
    }

    pub fn ofono(&self) -> Ofono {
        Ofono::connect(self.bus_address()).expect("connect to the bench bus")
    }

    pub fn ofono_log(&self) -> PathBuf {
        self.dir.join("ofonod.log")
    }

    pub fn resolv_conf(&self) -> PathBuf {
        self.dir.join("resolv.conf")
    }

    fn ofonod(&self) -> MutexGuard<'_, Option<Child>> {
        self.ofonod.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// ofonod in `ue` (so its ppp0 is there), in a private mount namespace
    /// where `/usr/lib` carries the plugin and `/var/lib/ofono` is ours.
    pub fn start_ofono(&self) {
        let d = self.dir.display();
        let script = format!(
            "mount --bind '{d}/ofono-state' /var/lib/ofono && \
             mount -t overlay overlay -o lowerdir=/usr/lib,upperdir='{d}/overlay/upper',workdir='{d}/overlay/work' /usr/lib && \
             exec ofonod -n -d -p huawei,atmodem,huaweimodem,e367bench"
        );
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.ofono_log())
            .expect("open ofonod.log");
        let log2 = log.try_clone().expect("dup ofonod.log");
        let unshare = procs::find_program("unshare").expect("unshare");
        let child = self
            .ue
            .command(&unshare.display().to_string())
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
            .env("E367BENCH_CONFIG", self.dir.join("e367bench.conf"))
            .env("OFONO_AT_DEBUG", "1")
            .env("OFONO_PPP_DEBUG", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .expect("spawn ofonod");
        *self.ofonod() = Some(child);
        let addr = self.bus.address.clone();
        let ok = procs::wait_until(READY, Duration::from_millis(20), || {
            Ofono::connect(&addr)
                .and_then(|c| c.modems())
                .is_ok_and(|v| v.iter().any(|(p, _)| p.starts_with("/huawei_")))
        });
        assert!(
            ok,
            "bench: ofonod did not list a huawei modem; last lines of {}:\n{}",
            self.ofono_log().display(),
            procs::tail(&self.ofono_log(), 30)
        );
    }

    /// SIGKILL ofonod and reap it; the dongle sees its ports closed.
    pub fn kill_ofono(&self) {
        if let Some(mut c) = self.ofonod().take() {
            procs::kill_and_reap(&mut c);
        }
        if let Some(d) = self.dongle.as_ref() {
            d.ports_closed();
        }
    }

    /// ofonod's exit status if it ended on its own.
    #[allow(dead_code)]
    pub fn ofono_died(&self) -> Option<std::process::ExitStatus> {
        let mut held = self.ofonod();
        let status = held.as_mut()?.try_wait().ok()??;
        held.take();
        Some(status)
    }

    /// The current modem path (`/huawei_N`), if oFono lists one.
    pub fn modem_path(&self) -> Option<String> {
        self.ofono()
            .modems()
            .ok()?
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| p.starts_with("/huawei_"))
    }

    /// The daemon in `ue`, on this bus, with every path in the temp dir.
    pub fn spawn_daemon(&self, args: &[&str]) -> Daemon {
        let d = &self.dir;
        let mut argv: Vec<String> = vec![
            "netns".into(),
            "exec".into(),
            self.ue.name.clone(),
            self.daemon_bin.display().to_string(),
        ];
        argv.extend(args.iter().map(|s| s.to_string()));
        for (opt, val) in [
            ("--resolv-conf", d.join("resolv.conf")),
            ("--status-file", d.join("run/status")),
            ("--sysfs-root", d.join("sysroot")),
            ("--state-dir", d.join("run")),
        ] {
            if !args.contains(&opt) {
                argv.push(opt.into());
                argv.push(val.display().to_string());
            }
        }
        let spec = DaemonSpec {
            bin: procs::find_program("ip").expect("ip"),
            args: argv,
            ..DaemonSpec::default()
        };
        Daemon::spawn(&spec, self.bus_address(), &d.join("psendurance.log"))
            .unwrap_or_else(|e| panic!("bench: cannot run the daemon: {e}"))
    }

    /// The data path as a user's program sees it, from `ue`: a DNS query to
    /// the first server in resolv.conf, then TCP to the answer, which must
    /// send the operator's banner. Err says which part failed.
    pub fn data_flows(&self) -> Result<Duration, String> {
        let resolv = std::fs::read_to_string(self.resolv_conf()).unwrap_or_default();
        let server = resolv
            .lines()
            .find_map(|l| l.strip_prefix("nameserver "))
            .map(|s| s.trim().to_string())
            .ok_or("no nameserver in resolv.conf")?;
        self.ue.run(move || {
            let t0 = Instant::now();
            let server: std::net::IpAddr = server.parse().map_err(|e| format!("{server}: {e}"))?;
            let web = dns_a(SocketAddr::new(server, 53), "web.operator.test")?;
            let mut s = TcpStream::connect_timeout(
                &SocketAddr::new(web.into(), WEB_PORT),
                Duration::from_millis(500),
            )
            .map_err(|e| format!("TCP to {web}:{WEB_PORT}: {e}"))?;
            s.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let mut got = Vec::new();
            let _ = s.write_all(b"hello\n");
            let mut buf = [0u8; 256];
            while !got.ends_with(b"\n") {
                let n = s.read(&mut buf).map_err(|e| format!("TCP read: {e}"))?;
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            if got != BANNER.as_bytes() {
                return Err(format!("banner {:?}", String::from_utf8_lossy(&got)));
            }
            Ok(t0.elapsed())
        })
    }

    /// Wait until `data_flows` succeeds; the last error if it never does.
    pub fn wait_data(&self, timeout: Duration) -> Result<Duration, String> {
        let end = Instant::now() + timeout;
        loop {
            match self.data_flows() {
                Ok(d) => return Ok(d),
                Err(e) if Instant::now() >= end => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// A program on the board that sends a datagram to the operator's
    /// network every second and expects nothing back (telemetry): the
    /// traffic a data-stall detector sees. Stops when dropped.
    pub fn start_sender(&self) -> Sender {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = self.ue.spawn(move || {
            let sock = UdpSocket::bind("0.0.0.0:0").expect("bind sender");
            let to = SocketAddr::from((super::operator::WEB, 9));
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = sock.send_to(b"telemetry", to);
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        Sender {
            stop,
            thread: Some(thread),
        }
    }

    /// `ip -4 addr show dev ppp0` and the default route in `ue`.
    #[allow(dead_code)]
    pub fn ue_net(&self) -> String {
        format!(
            "{}{}",
            self.ue.ip_text(&["-4", "addr", "show"]),
            self.ue.ip_text(&["-4", "route", "show"])
        )
    }

    /// The fake USB device's `authorized` flag.
    #[allow(dead_code)]
    pub fn usb_authorized(&self) -> PathBuf {
        self.dir
            .join("sysroot")
            .join(SYSPATH.trim_start_matches('/'))
            .join("authorized")
    }
}

pub struct Sender {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One A query over UDP; the first address in the answer.
pub fn dns_a(server: SocketAddr, name: &str) -> Result<std::net::Ipv4Addr, String> {
    let sock = UdpSocket::bind("0.0.0.0:0").map_err(|e| format!("bind: {e}"))?;
    // Short: a lost query is retried by the caller, and the time to data
    // flowing is measured in these steps.
    sock.set_read_timeout(Some(Duration::from_millis(200))).ok();
    let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    sock.send_to(&q, server)
        .map_err(|e| format!("DNS send to {server}: {e}"))?;
    let mut buf = [0u8; 512];
    let n = sock
        .recv(&mut buf)
        .map_err(|e| format!("DNS from {server}: {e}"))?;
    // The answer's RDATA is its last four bytes for one A record.
    if n < q.len() + 16 || buf[0..2] != q[0..2] {
        return Err(format!("DNS answer of {n} bytes unusable"));
    }
    Ok(std::net::Ipv4Addr::new(
        buf[n - 4],
        buf[n - 3],
        buf[n - 2],
        buf[n - 1],
    ))
}

impl Drop for E367Bench {
    fn drop(&mut self) {
        self.kill_ofono();
        procs::kill_and_reap(&mut self.bus.child);
        self.dongle.take();
        self.operator.take();
        let failed = std::thread::panicking();
        if failed || self.keep {
            eprintln!("e367 bench kept: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
