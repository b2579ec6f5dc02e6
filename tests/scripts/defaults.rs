//! The settings file /etc/default/psendurance and the systemd unit that
//! reads it: documented options, safe values, the same arguments as the
//! init script, a unit that verifies.

use super::*;

#[test]
fn defaults_file_sets_safe_values_and_documents_every_option() {
    let file = script("default/psendurance");
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#". "$1"; printf '%s|%s|%s' "$ENABLED" "$DAEMON_ARGS" "$RUN_AS""#)
        .arg("sh")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "yes||",
        "{}",
        text(&out)
    );

    let doc = std::fs::read_to_string(&file).unwrap();
    let help = Command::new(daemon_bin()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    let options: Vec<&str> = help
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .filter(|w| !["--help", "--version", "--foreground"].contains(w))
        .collect();
    assert!(options.len() >= 15, "options from --help: {options:?}");
    for opt in &options {
        assert!(
            doc.contains(opt),
            "{opt} is not documented in {}",
            file.display()
        );
    }
    // Every example line adds to DAEMON_ARGS and names only options the
    // daemon knows; all of them uncommented at once are accepted too (no
    // option given twice).
    let mut all = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with("#DAEMON_ARGS=")) {
        let args = line
            .strip_prefix("#DAEMON_ARGS=\"$DAEMON_ARGS ")
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or_else(|| panic!("example does not add to DAEMON_ARGS: {line}"));
        let out = Command::new(daemon_bin())
            .args(args.split_whitespace())
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "example `{args}`: {}", text(&out));
        all.extend(args.split_whitespace());
    }
    let examples = doc.matches("\n#DAEMON_ARGS=").count();
    assert!(examples >= 10, "only {examples} examples");
    let out = Command::new(daemon_bin())
        .args(&all)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "all examples `{all:?}`: {}",
        text(&out)
    );
}

/// The words of a systemd command line (ExecStart=): quotes removed, `$$`
/// made `$`. Panics on what systemd would change here and this does not
/// follow: a lone `$` (expanded from the unit's environment), a `%`
/// specifier, a backslash.
fn systemd_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.trim().chars().peekable();
    while chars.peek().is_some() {
        let mut raw = String::new();
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' => break,
                '\'' | '"' => raw.extend(chars.by_ref().take_while(|&q| q != c)),
                '\\' | '%' => panic!("`{c}` in `{line}`: not followed here"),
                _ => raw.push(c),
            }
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut word = String::new();
        let mut rest = raw.chars();
        while let Some(c) = rest.next() {
            if c == '$' {
                assert_eq!(rest.next(), Some('$'), "systemd would expand `{raw}`");
            }
            word.push(c);
        }
        words.push(word);
    }
    words
}

#[test]
fn init_script_and_systemd_unit_read_the_defaults_file_the_same_way() {
    let dir = TempDir::new("same-args");
    // A stand-in daemon that writes its arguments, one a line, to $ARGV_OUT.
    let fake = dir.path().join("psendurance");
    std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" >\"$ARGV_OUT\"\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The shipped file with two examples and an empty --status-file= uncommented.
    let mut defaults = std::fs::read_to_string(script("default/psendurance")).unwrap();
    for example in ["--apn internet", "--roaming", "--status-file="] {
        let line = format!("#DAEMON_ARGS=\"$DAEMON_ARGS {example}\"");
        assert!(defaults.contains(&line), "no example `{line}`");
        defaults = defaults.replace(&line, &line[1..]);
    }
    let init = Init::new(dir.path(), "unix:path=/nonexistent", "");
    std::fs::write(&init.defaults, &defaults).unwrap();
    let want = ["--apn", "internet", "--roaming", "--status-file="];
    let argv = |path: &Path| {
        let t = std::fs::read_to_string(path).unwrap_or_default();
        t.lines().map(str::to_string).collect::<Vec<_>>()
    };

    // The init script, through start-stop-daemon. The stand-in exits at
    // once, so start reports a failure: only the arguments matter here.
    let by_init = dir.path().join("argv-init");
    let out = init
        .command("start")
        .env("PSENDURANCE_BIN", &fake)
        .env("ARGV_OUT", &by_init)
        .output()
        .unwrap();
    assert!(
        poll(Duration::from_secs(5), || argv(&by_init).len()
            == want.len()),
        "the init script ran no daemon: {}",
        text(&out)
    );

    // The unit's ExecStart=, its paths pointed into the test directory.
    let unit = std::fs::read_to_string(script("psendurance.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart= in the unit");
    assert!(
        !unit.lines().any(|l| l.starts_with("EnvironmentFile=")),
        "the unit reads the file twice"
    );
    let words: Vec<String> = systemd_words(exec)
        .iter()
        .map(|w| {
            w.replace("/etc/default/psendurance", init.defaults.to_str().unwrap())
                .replace("/usr/local/sbin/psendurance", fake.to_str().unwrap())
        })
        .collect();
    assert_eq!(words[0], "/bin/sh", "{words:?}");
    let by_unit = dir.path().join("argv-unit");
    let out = Command::new(&words[0])
        .args(&words[1..])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("ARGV_OUT", &by_unit)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    assert_eq!(argv(&by_init), want, "init script");
    assert_eq!(argv(&by_unit), want, "systemd unit");
}

#[test]
fn systemd_unit_and_drop_in_verify() {
    let Some(analyze) = bench::procs::find_program("systemd-analyze") else {
        eprintln!("systemd-analyze not installed: unit not verified");
        return;
    };
    // The unit names the installed binary; verify checks that it exists.
    let tmp = TempDir::new("unit");
    let dir = tmp.path().join("units");
    std::fs::create_dir_all(dir.join("psendurance.service.d")).unwrap();
    let unit = std::fs::read_to_string(script("psendurance.service")).unwrap();
    assert!(unit.contains("exec /usr/local/sbin/psendurance $$DAEMON_ARGS'"));
    let bin = daemon_bin();
    let unit = unit.replace("/usr/local/sbin/psendurance", bin.to_str().unwrap());
    std::fs::write(dir.join("psendurance.service"), unit).unwrap();
    std::fs::copy(
        script("psendurance.service.d/user.conf"),
        dir.join("psendurance.service.d/user.conf"),
    )
    .unwrap();
    let out = Command::new(&analyze)
        .arg("verify")
        .arg(dir.join("psendurance.service"))
        .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty(), "{}", text(&out));

    // The drop-in that restarts a crashed ofonod, over Debian's own unit.
    let stock = Path::new("/lib/systemd/system/ofono.service");
    if !stock.exists() {
        eprintln!("ofono.service not installed: its drop-in not verified");
        return;
    }
    std::fs::create_dir_all(dir.join("ofono.service.d")).unwrap();
    std::fs::copy(stock, dir.join("ofono.service")).unwrap();
    std::fs::copy(
        script("ofono.service.d/restart.conf"),
        dir.join("ofono.service.d/psendurance.conf"),
    )
    .unwrap();
    let out = Command::new(analyze)
        .args(["verify", "ofono.service"])
        .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("psendurance.conf"),
        "{}",
        text(&out)
    );
}
