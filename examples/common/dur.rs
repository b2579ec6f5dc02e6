//! Durations as psendurance's options spell them: seconds with fractions,
//! or with a unit (`500ms`, `30s`, `5m`, `1h`).

use std::time::Duration;

pub fn parse(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    let secs = num
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)?
        * scale;
    Some(Duration::from_secs_f64(secs))
}

/// The value of `--name` in an argument list, parsed; `default` if absent.
#[allow(dead_code)]
pub fn option(args: &[String], name: &str, default: Duration) -> Duration {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| parse(v))
        .unwrap_or(default)
}
