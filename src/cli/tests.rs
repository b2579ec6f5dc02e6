use super::*;

fn run(args: &[&str]) -> Result<Config, CliError> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    match parse(&args)? {
        Parsed::Run(c) => Ok(*c),
        _ => panic!("not a run"),
    }
}

fn err(args: &[&str]) -> String {
    match run(args) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("{args:?} was accepted"),
    }
}

#[test]
fn defaults_match_the_documentation() {
    let c = run(&[]).unwrap();
    assert_eq!(c.settings, Settings::default());
    assert_eq!(c.settings.interval, Duration::from_secs(30));
    assert!(!c.settings.roaming, "roaming must be opt-in");
    assert_eq!(c.log_level, LevelFilter::Info);
}

fn help() -> String {
    match parse(&["--help".to_string()]) {
        Ok(Parsed::Help(text)) => text,
        _ => panic!("--help gave no help"),
    }
}

/// One string per option of the help, its wrapped lines joined, runs of
/// spaces made one.
fn help_entries() -> Vec<String> {
    let mut entries: Vec<String> = Vec::new();
    for line in help()
        .lines()
        .skip_while(|l| !l.starts_with("Options:"))
        .skip(1)
    {
        let words = line.split_whitespace().collect::<Vec<_>>().join(" ");
        match entries.last_mut() {
            Some(last) if !words.starts_with('-') => last.push_str(&format!(" {words}")),
            _ => entries.push(words),
        }
    }
    entries
}

#[test]
fn help_states_the_defaults_that_parse_uses() {
    let entries = help_entries();
    let text = entries.join("\n");
    for line in [
        "re-read the state every SECS (default 30)",
        "first backoff step after a failure (default 2)",
        "metric of the default route via the modem (default 700)",
        "'' for none (default /run/psendurance/status)",
        "data-path probe: dns (default), tcp:IP:PORT or off",
        "(default 60; sooner in a data stall)",
    ] {
        assert!(text.contains(line), "help lacks `{line}`:\n{text}");
    }
    // Giving each option its documented default changes nothing.
    let plain = run(&[]).unwrap();
    let mut checked = 0;
    for line in &entries {
        let Some(name) = line.split_whitespace().find(|w| w.starts_with("--")) else {
            continue;
        };
        let Some((_, rest)) = line.split_once("(default ") else {
            continue;
        };
        let value = rest.split([')', ';']).next().unwrap();
        let c = run(&[name, value]).unwrap_or_else(|e| panic!("{name} {value}: {e}"));
        assert_eq!(c.settings, plain.settings, "{name} {value}");
        let edge = |c: &Config| {
            let e = &c.edge;
            (
                e.net.route_metric,
                e.net.resolv_conf.clone(),
                e.sysfs_root.clone(),
                e.last_resort_budget,
                e.state_dir.clone(),
                e.status_file.clone(),
            )
        };
        assert_eq!(edge(&c), edge(&plain), "{name} {value}");
        checked += 1;
    }
    assert!(checked >= 17, "only {checked} defaults in the help");
}

#[test]
fn durations_in_the_help_read_back_as_options() {
    assert_eq!(help::secs(Duration::from_secs(300)), "300");
    assert_eq!(help::secs(Duration::from_millis(2500)), "2.5");
    assert_eq!(
        parse_duration("x", &help::secs(Duration::from_millis(2500))),
        Ok(Duration::from_millis(2500))
    );
}

#[test]
fn an_empty_status_file_turns_it_off_also_as_one_word() {
    // `--status-file=` is the form a settings file can hold: the init
    // script and systemd split DAEMON_ARGS into words, so '' stays
    // two quote characters there.
    for args in [&["--status-file", ""][..], &["--status-file="][..]] {
        let c = run(args).unwrap();
        assert_eq!(c.edge.status_file, None, "{args:?}");
    }
}

#[test]
fn parses_durations_with_units() {
    let c = run(&["-i", "2.5", "--retry-min", "500ms", "--retry-max", "5m"]).unwrap();
    assert_eq!(c.settings.interval, Duration::from_millis(2500));
    assert_eq!(c.settings.retry_min, Duration::from_millis(500));
    assert_eq!(c.settings.retry_max, Duration::from_secs(300));
}

#[test]
fn durations_are_read_exactly_without_floats() {
    let ok = |text: &str| parse_duration("x", text).unwrap();
    assert_eq!(ok("0.001"), Duration::from_millis(1));
    assert_eq!(ok(".5"), Duration::from_millis(500));
    assert_eq!(ok("5."), Duration::from_secs(5));
    assert_eq!(ok("1.5m"), Duration::from_secs(90));
    assert_eq!(ok("0.5ms"), Duration::from_micros(500));
    assert_eq!(ok(" 2.25 "), Duration::from_millis(2250));
    assert_eq!(ok("0.1234567891"), Duration::from_nanos(123_456_789));
    assert_eq!(ok("168h"), Duration::from_secs(7 * 86_400));
    for bad in [
        "1e3",
        "-1",
        ".",
        "",
        "1.2.3",
        "inf",
        "NaN",
        "+1",
        "99999999999999999999999999999999999999999",
    ] {
        let err = parse_duration("x", bad).unwrap_err().0;
        assert!(err.contains("is not a duration"), "{bad:?}: {err}");
    }
    let err = |text: &str| parse_duration("x", text).unwrap_err().0;
    assert!(err("0.0000000001").contains("must be more than zero"));
    assert!(err("168.001h").contains("over a week"));
}

#[test]
fn bad_input_is_one_line_naming_the_option() {
    for (args, needle) in [
        (
            &["--interval", "soon"][..],
            "--interval: 'soon' is not a duration",
        ),
        (&["--interval", "0"][..], "must be more than zero"),
        (&["--apn", "my apn"][..], "contains ' '"),
        (&["--auth", "md5"][..], "not one of pap, chap, none"),
        (
            &["--pin-file", "/nonexistent/pin"][..],
            "cannot read /nonexistent/pin",
        ),
        (&["--bogus"][..], "Unrecognized option"),
        (&["extra"][..], "unexpected argument 'extra'"),
        (&["--modem", "huawei"][..], "not an oFono object path"),
        (
            &["--retry-min", "10", "--retry-max", "5"][..],
            "shorter than --retry-min",
        ),
        (&["--probe", "tcp:example.com:80"][..], "--probe: "),
        (&["--probe", "ping"][..], "not dns, off or tcp:IP:PORT"),
        (
            &["--probe-failures", "0"][..],
            "not a whole number from 1 to 100",
        ),
        (
            &["--last-resort-command", "/no/such/reboot"][..],
            "not an executable program",
        ),
        (&["--dhcp-command", " "][..], "give a command"),
        (
            &["--status-file", "/etc/hostname/status"][..],
            "--status-file: cannot write in /etc/hostname",
        ),
        (
            &["--metrics-file", "/etc/passwd/m/metrics.prom"][..],
            "--metrics-file: cannot write in /etc/passwd",
        ),
    ] {
        let e = err(args);
        assert!(e.contains(needle), "{args:?}: {e}");
        assert!(!e.contains('\n'), "{args:?}: more than one line: {e}");
    }
    let long = "a".repeat(101);
    assert!(err(&["--apn", &long]).contains("1 to 100 characters"));
}

#[test]
fn pin_comes_from_a_file_and_must_be_4_to_8_digits() {
    let dir = std::env::temp_dir().join(format!("psendurance-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good");
    let bad = dir.join("bad");
    std::fs::write(&good, "1234\n").unwrap();
    std::fs::write(&bad, "12ab\n").unwrap();
    let c = run(&["--pin-file", good.to_str().unwrap()]).unwrap();
    assert_eq!(c.settings.pin.as_deref(), Some("1234"));
    assert!(err(&["--pin-file", bad.to_str().unwrap()]).contains("4 to 8 digits"));
    std::fs::remove_dir_all(&dir).unwrap();
}
