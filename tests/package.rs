//! The Debian package of scripts/build-deb.sh: its man page agrees with
//! --help, and the .deb holds what the issue lists, with the right control
//! fields. scripts/check-deb.sh installs it for real and brings a context
//! up through it (root, ~15 s).

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn daemon_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_psendurance"))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("psendurance-pkg-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn man_page_lists_every_option_of_help() {
    let dir = temp("man");
    let help = run(Command::new(daemon_bin()).arg("--help"));
    std::fs::write(dir.join("help.txt"), &help).unwrap();
    let man = run(Command::new("sh")
        .arg(repo().join("scripts/deb/help2man.sh"))
        .arg(dir.join("help.txt"))
        .arg("9.9.9"));
    assert!(man.starts_with(".TH PSENDURANCE 8"), "{man}");
    assert!(man.contains("psendurance 9.9.9"));
    let options: Vec<&str> = help
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .collect();
    assert!(options.len() >= 30, "{options:?}");
    for opt in options {
        let roff = opt.replace('-', "\\-");
        assert!(
            man.contains(&format!("\\fB{roff}")) || man.contains(&format!(" {roff}")),
            "{opt} missing from the man page"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn host_package_holds_every_file_with_conffiles_and_depends() {
    if Command::new("dpkg-deb").arg("--version").output().is_err()
        || Command::new("fakeroot").arg("-v").output().is_err()
    {
        panic!("dpkg-deb and fakeroot are needed: apt-get install dpkg-dev fakeroot");
    }
    let dir = temp("deb");
    let out = run(Command::new("sh")
        .arg(repo().join("scripts/build-deb.sh"))
        .args(["--host", "--version", "1.2.3~test", "--binary"])
        .arg(daemon_bin())
        .arg("--out")
        .arg(&dir));
    let deb = PathBuf::from(out.lines().last().expect("a path").trim());
    assert!(deb.is_file(), "{out}");
    assert!(
        deb.to_string_lossy().contains("psendurance_1.2.3~test_"),
        "{out}"
    );

    let list = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    for f in [
        "./usr/sbin/psendurance",
        "./etc/init.d/psendurance",
        "./etc/default/psendurance",
        "./lib/systemd/system/psendurance.service",
        "./lib/systemd/system/ofono.service.d/psendurance.conf",
        "./usr/share/dbus-1/system.d/psendurance.conf",
        "./usr/lib/modules-load.d/psendurance.conf",
        "./usr/share/man/man8/psendurance.8.gz",
        "./usr/share/doc/psendurance/copyright",
    ] {
        assert!(
            list.contains(&format!(" {f}\n")),
            "{f} not in the package:\n{list}"
        );
    }
    let field = |name: &str| run(Command::new("dpkg-deb").args(["-f"]).arg(&deb).arg(name));
    assert_eq!(field("Version").trim(), "1.2.3~test");
    let depends = field("Depends");
    for d in ["ofono", "dbus", "libdbus-1-3 (>= ", "libc6 (>= "] {
        assert!(depends.contains(d), "Depends lacks {d}: {depends}");
    }
    assert!(field("Recommends").contains("usb-modeswitch-data"));

    let ctl = dir.join("ctl");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&ctl));
    let conffiles = std::fs::read_to_string(ctl.join("conffiles")).unwrap();
    assert!(conffiles.lines().any(|l| l == "/etc/default/psendurance"));
    for s in ["postinst", "prerm", "postrm"] {
        run(Command::new("sh").arg("-n").arg(ctl.join(s)));
    }
    // The packed unit and init script run the packaged binary.
    let tree = dir.join("tree");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree));
    let unit =
        std::fs::read_to_string(tree.join("lib/systemd/system/psendurance.service")).unwrap();
    assert!(
        unit.contains("exec /usr/sbin/psendurance $$DAEMON_ARGS'") && !unit.contains("/usr/local/"),
        "{unit}"
    );
    let init = std::fs::read_to_string(tree.join("etc/init.d/psendurance")).unwrap();
    assert!(
        init.contains("/usr/sbin/psendurance") && !init.contains("/usr/local/sbin/psendurance}")
    );
    let settings = std::fs::read_to_string(tree.join("etc/default/psendurance")).unwrap();
    assert!(
        !settings.lines().any(|l| l.starts_with("ENABLED=")),
        "ENABLED= in the package's settings"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn install_sh_warns_of_modemmanager_and_writes_the_ignore_rule_under_a_root() {
    let root = temp("mm");
    std::fs::create_dir_all(root.join("lib/systemd/system")).unwrap();
    std::fs::write(root.join("lib/systemd/system/ModemManager.service"), "").unwrap();
    let install = |extra: &[&str]| {
        let mut c = Command::new("sh");
        c.arg(repo().join("scripts/install.sh"))
            .args(["--local", "--root"])
            .arg(&root)
            .args(extra);
        run(&mut c)
    };
    let bin = daemon_bin();
    let bin = bin.to_str().unwrap();
    let said = install(&["--binary", bin]);
    assert!(
        said.contains("ModemManager is installed") && said.contains("--mm-ignore-udev"),
        "{said}"
    );
    install(&["--uninstall"]);
    let said = install(&["--binary", bin, "--mm-ignore-udev"]);
    assert!(!said.contains("ModemManager is installed"), "{said}");
    let rule = root.join("etc/udev/rules.d/77-psendurance-mm-ignore.rules");
    let text = std::fs::read_to_string(&rule).expect("udev rule");
    assert!(
        text.contains(r#"ATTRS{idVendor}=="12d1", ENV{ID_MM_DEVICE_IGNORE}="1""#),
        "{text}"
    );
    install(&["--uninstall"]);
    assert!(!rule.exists(), "uninstall left the udev rule");
    assert!(!root.join("etc").exists(), "uninstall left /etc behind");
    let _ = std::fs::remove_dir_all(&root);
}
