//! install.sh: dry run, install and uninstall under a root, the defaults
//! file kept once edited, bad arguments, the ssh path.

use super::*;

/// Path -> (mode, contents for files) of everything under `root`.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u32, Option<Vec<u8>>)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (u32, Option<Vec<u8>>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                out.insert(rel, (mode, None));
                walk(root, &path, out);
            } else {
                out.insert(rel, (mode, Some(std::fs::read(&path).unwrap())));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn install_sh(args: &[&str]) -> Output {
    Command::new("sh")
        .arg(script("install.sh"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run install.sh")
}

fn ok(out: Output) -> Output {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

fn root_args<'a>(root: &'a str, bin: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--local", "--root", root, "--binary", bin];
    v.extend_from_slice(extra);
    v
}

fn assert_installed(root: &Path, rel: &str, source: &Path, mode: u32) {
    let path = root.join(rel);
    let got = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        got == std::fs::read(source).unwrap(),
        "{rel} differs from {}",
        source.display()
    );
    let m = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
    assert_eq!(m, mode, "{rel}: mode {m:o}");
}

/// The two files every install puts in place: the binary and the init script.
fn assert_daemon_and_init_script(root: &Path, bin: &Path) {
    assert_installed(root, "usr/local/sbin/psendurance", bin, 0o755);
    let init = "etc/init.d/psendurance";
    assert_installed(root, init, &script("init.d/psendurance"), 0o755);
}

#[test]
fn install_sh_dry_run_changes_nothing_and_uninstall_restores_the_root() {
    let bin = daemon_bin();
    let bin_s = bin.to_str().unwrap();
    let tmp = TempDir::new("install");
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("etc/default")).unwrap();
    std::fs::write(root.join("etc/hostname"), "pi\n").unwrap();
    std::fs::write(
        root.join("etc/default/psendurance"),
        "DAEMON_ARGS=\"--apn mine\"\n",
    )
    .unwrap();
    let root_s = root.to_str().unwrap();
    let before = snapshot(&root);

    // --dry-run: says what it would do, does none of it.
    let out = ok(install_sh(&root_args(
        root_s,
        bin_s,
        &["--user", "--dry-run"],
    )));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("{root_s}/usr/local/sbin/psendurance")),
        "{said}"
    );
    assert!(said.contains(&format!("{root_s}/etc/dbus-1/system.d/psendurance.conf")));
    assert!(snapshot(&root) == before, "--dry-run changed the root");

    // A real install with --user: every file in place, the existing
    // defaults file untouched.
    ok(install_sh(&root_args(root_s, bin_s, &["--user"])));
    assert_daemon_and_init_script(&root, &bin);
    let unit = "etc/systemd/system/psendurance.service";
    assert_installed(&root, unit, &script("psendurance.service"), 0o644);
    let dropin = "etc/systemd/system/psendurance.service.d/user.conf";
    assert_installed(
        &root,
        dropin,
        &script("psendurance.service.d/user.conf"),
        0o644,
    );
    let ofono_dropin = "etc/systemd/system/ofono.service.d/psendurance.conf";
    assert_installed(
        &root,
        ofono_dropin,
        &script("ofono.service.d/restart.conf"),
        0o644,
    );
    let policy = "etc/dbus-1/system.d/psendurance.conf";
    assert_installed(&root, policy, &script("dbus/psendurance.conf"), 0o644);
    assert_eq!(
        std::fs::read_to_string(root.join("etc/default/psendurance")).unwrap(),
        "DAEMON_ARGS=\"--apn mine\"\n",
        "an existing /etc/default/psendurance was overwritten"
    );
    let manifest =
        std::fs::read_to_string(root.join("var/lib/psendurance-install/installed-files")).unwrap();
    assert!(
        manifest.contains("file /usr/local/sbin/psendurance\n"),
        "{manifest}"
    );
    assert!(!manifest.contains("/etc/default/psendurance"), "{manifest}");

    // Installing again is harmless; the uninstall dry run removes nothing.
    ok(install_sh(&root_args(root_s, bin_s, &["--user"])));
    let installed = snapshot(&root);
    ok(install_sh(&[
        "--local",
        "--root",
        root_s,
        "--uninstall",
        "--dry-run",
    ]));
    assert!(
        snapshot(&root) == installed,
        "uninstall --dry-run changed the root"
    );

    let out = ok(install_sh(&["--local", "--root", root_s, "--uninstall"]));
    let after = snapshot(&root);
    assert!(
        after == before,
        "uninstall left the root changed: {:?}\n{}",
        after.keys().collect::<Vec<_>>(),
        text(&out)
    );
    let again = install_sh(&["--local", "--root", root_s, "--uninstall"]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
}

#[test]
fn install_sh_installs_the_defaults_file_and_keeps_it_once_edited() {
    let bin = daemon_bin();
    let bin_s = bin.to_str().unwrap();
    let tmp = TempDir::new("install-defaults");
    let root = tmp.path();
    let root_s = root.to_str().unwrap();

    ok(install_sh(&root_args(root_s, bin_s, &[])));
    assert_installed(
        root,
        "etc/default/psendurance",
        &script("default/psendurance"),
        0o644,
    );
    assert!(
        !root.join("etc/dbus-1").exists(),
        "policy installed without --user"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("etc/modules-load.d/psendurance.conf")).unwrap(),
        "# oFono needs TUN devices for its data contexts.\ntun\n"
    );

    // The user's edits survive an uninstall; everything else goes.
    let edited = root.join("etc/default/psendurance");
    let mut text_now = std::fs::read_to_string(&edited).unwrap();
    text_now.push_str("DAEMON_ARGS=\"--apn edited\"\n");
    std::fs::write(&edited, &text_now).unwrap();
    let out = ok(install_sh(&["--local", "--root", root_s, "--uninstall"]));
    assert!(text(&out).contains("keeping"), "{}", text(&out));
    let left: Vec<PathBuf> = snapshot(root).into_keys().collect();
    assert_eq!(
        left,
        ["etc", "etc/default", "etc/default/psendurance"].map(PathBuf::from),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), text_now);
}

#[test]
fn install_sh_rejects_bad_arguments_with_one_line_and_exit_2() {
    let tmp = TempDir::new("install-args");
    let root_s = tmp.path().to_str().unwrap();
    for args in [
        &[][..],
        &["--bogus", "--local"],
        &["--local", "pi@host"],
        &["host1", "host2"],
        &["--local", "--binary"],
        &["--local", "--binary", "/nonexistent/psendurance"],
        &["--local", "--root", "/nonexistent/root"],
        &["--local", "--uninstall", "--user"],
        &["--local", "--root", root_s, "--uninstall", "--binary", "x"],
    ] {
        let out = install_sh(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("install.sh: "), "{args:?}: {err}");
    }
    assert!(snapshot(tmp.path()).is_empty());
}

/// The ssh path, with `ssh` and `scp` stand-ins that act on this machine:
/// the files travel, the script runs "there" and cleans up after itself.
#[test]
fn install_sh_over_ssh_copies_runs_and_cleans_up() {
    let bin = daemon_bin();
    let tmp = TempDir::new("install-ssh");
    let fake = tmp.path().join("bin");
    let root = tmp.path().join("root");
    let calls = tmp.path().join("calls");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    let ssh = format!(
        "#!/bin/sh\n\
         while [ \"${{1#-}}\" != \"$1\" ]; do shift; done\n\
         echo \"ssh $1\" >>'{calls}'\n\
         shift\n\
         exec sh -c \"$*\"\n",
        calls = calls.display()
    );
    let scp = format!(
        "#!/bin/sh\n\
         while [ \"${{1#-}}\" != \"$1\" ]; do shift; done\n\
         echo \"scp $2\" >>'{calls}'\n\
         cp -R \"$1\" \"${{2#*:}}\"\n",
        calls = calls.display()
    );
    for (name, body) in [("ssh", ssh), ("scp", scp)] {
        let p = fake.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        Command::new("sh")
            .arg(script("install.sh"))
            .args(args)
            .env("PATH", &path)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let root_s = root.to_str().unwrap();
    let out = ok(run(&[
        "--binary",
        bin.to_str().unwrap(),
        "--root",
        root_s,
        "pi@raspberrypi",
    ]));
    assert_daemon_and_init_script(&root, &bin);
    let log = std::fs::read_to_string(&calls).unwrap();
    assert!(
        log.starts_with("ssh pi@raspberrypi\nscp pi@raspberrypi:/tmp/psendurance-install."),
        "{log}"
    );
    let remote_dir = log
        .lines()
        .find_map(|l| l.strip_prefix("scp pi@raspberrypi:"))
        .unwrap()
        .trim_end_matches('/');
    assert!(
        !Path::new(remote_dir).exists(),
        "{remote_dir} left on the target\n{}",
        text(&out)
    );
    ok(run(&["--root", root_s, "--uninstall", "pi@raspberrypi"]));
    assert!(snapshot(&root).is_empty(), "{:?}", snapshot(&root).keys());
}
