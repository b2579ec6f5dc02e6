//! Validators of option values: each turns one value into what the daemon
//! uses, or into one error line naming the option and the fix.

use std::path::Path;
use std::time::Duration;

use super::CliError;
use crate::keeper::ProbeMode;

/// Seconds (fractions allowed), or with a unit: `500ms`, `30s`, `5m`, `1h`.
pub(super) fn parse_duration(name: &str, text: &str) -> Result<Duration, CliError> {
    let bad = || {
        CliError(format!(
            "--{name}: '{text}' is not a duration; give seconds like 30 or 2.5, or 500ms, 5m, 1h"
        ))
    };
    let (number, unit_ms) = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        .iter()
        .find_map(|(unit, ms)| text.strip_suffix(unit).map(|n| (n, *ms)))
        .unwrap_or((text, 1000));
    let nanos = decimal_nanos(number.trim()).ok_or_else(bad)?;
    // nanos counts billionths of the unit; the unit is `unit_ms` ms.
    let nanos = nanos.checked_mul(unit_ms).ok_or_else(bad)? / 1000;
    if nanos == 0 {
        return Err(CliError(format!(
            "--{name}: '{text}' must be more than zero"
        )));
    }
    if nanos > 7 * 86_400 * 1_000_000_000 {
        return Err(CliError(format!(
            "--{name}: '{text}' is over a week; give less"
        )));
    }
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| bad())?;
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

/// `12`, `2.5`, `.25`: the number times 10^9, exactly (digits past the
/// ninth decimal are dropped). Integer arithmetic: no float parser or
/// printer in the binary (about 20 KB of the Pi's 400 KB).
fn decimal_nanos(text: &str) -> Option<u128> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut nanos = whole.checked_mul(1_000_000_000)?;
    let mut place = 100_000_000;
    for b in fraction.bytes().take(9) {
        nanos += u128::from(b - b'0') * place;
        place /= 10;
    }
    Some(nanos)
}

pub(super) fn count(
    m: &getopts::Matches,
    name: &str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, CliError> {
    let Some(text) = m.opt_str(name) else {
        return Ok(default);
    };
    match text.parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(CliError(format!(
            "--{name}: '{text}' is not a whole number from {} to {}",
            range.start(),
            range.end()
        ))),
    }
}

pub(super) fn parse_probe(text: &str) -> Result<ProbeMode, CliError> {
    match text {
        "dns" => Ok(ProbeMode::Dns),
        "off" => Ok(ProbeMode::Off),
        _ if text.starts_with("tcp:") => crate::target::parse_target(text)
            .map(ProbeMode::Fixed)
            .map_err(|e| CliError(format!("--probe: {e}"))),
        _ => Err(CliError(format!(
            "--probe: '{text}' is not dns, off or tcp:IP:PORT"
        ))),
    }
}

/// An argv run without a shell; the program must exist and be executable.
pub(super) fn command(name: &str, text: &str) -> Result<Vec<String>, CliError> {
    use std::os::unix::fs::PermissionsExt;
    let argv: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let Some(program) = argv.first() else {
        return Err(CliError(format!("--{name}: give a command")));
    };
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let found = if program.contains('/') {
        runnable(Path::new(program))
    } else {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| runnable(&d.join(program))))
    };
    if !found {
        return Err(CliError(format!(
            "--{name}: '{program}' is not an executable program; give its full path"
        )));
    }
    Ok(argv)
}

/// The file's folder (or, if it does not exist yet, the nearest folder
/// above it, where it would be created) must be writable by us now.
pub(super) fn check_writable_folder(name: &str, path: &Path) -> Result<(), CliError> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let existing = parent
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"));
    let writable = std::ffi::CString::new(existing.as_os_str().as_encoded_bytes())
        // SAFETY: a valid NUL-terminated path; access(2) only reads it.
        .is_ok_and(|c| existing.is_dir() && unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0);
    if writable {
        return Ok(());
    }
    Err(CliError(format!(
        "--{name}: cannot write in {}; make it writable for this user, or give another path",
        existing.display()
    )))
}

pub(super) fn check_modem(path: String) -> Result<String, CliError> {
    let ok = path.starts_with('/')
        && path.len() < 256
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/');
    if ok {
        Ok(path)
    } else {
        Err(CliError(format!(
            "--modem: '{path}' is not an oFono object path; give one like /huawei_0 (list-modems shows them)"
        )))
    }
}

pub(super) fn check_apn(apn: String) -> Result<String, CliError> {
    if apn.is_empty() || apn.len() > 100 {
        return Err(CliError(format!(
            "--apn: '{apn}' must be 1 to 100 characters; give your operator's APN"
        )));
    }
    if let Some(c) = apn
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(CliError(format!(
            "--apn: '{apn}' contains {c:?}; an APN has only letters, digits, '-' and '.'"
        )));
    }
    Ok(apn)
}

pub(super) fn check_username(name: String) -> Result<String, CliError> {
    if name.len() > 255 || name.chars().any(char::is_control) {
        return Err(CliError(
            "--username: must be at most 255 characters with no control characters".into(),
        ));
    }
    Ok(name)
}

pub(super) fn one_of(name: &str, value: String, allowed: &[&str]) -> Result<String, CliError> {
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(CliError(format!(
            "--{name}: '{value}' is not one of {}",
            allowed.join(", ")
        )))
    }
}

fn read_secret(option: &str, file: &str) -> Result<String, CliError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError(format!(
            "--{option}: cannot read {file}: {e}; check the path and its permissions"
        ))
    })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

pub(super) fn read_pin(file: &str) -> Result<String, CliError> {
    let pin = read_secret("pin-file", file)?;
    let pin = pin.trim().to_string();
    if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(CliError(format!(
            "--pin-file: {file} must hold the PIN alone, 4 to 8 digits"
        )));
    }
    Ok(pin)
}

pub(super) fn read_password(file: &str) -> Result<String, CliError> {
    let password = read_secret("password-file", file)?;
    if password.len() > 255 || password.chars().any(char::is_control) {
        return Err(CliError(format!(
            "--password-file: {file} must hold one line of at most 255 characters"
        )));
    }
    Ok(password)
}
