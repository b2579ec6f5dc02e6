//! AT command line syntax (V.250): splitting `AT+X=args` into name,
//! kind and arguments, and the final result codes.

use super::Reply;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// `AT+X`
    Exec,
    /// `AT+X?`
    Read,
    /// `AT+X=?`
    Test,
    /// `AT+X=args`
    Set,
}

/// `+CGDCONT=1,"IP","apn"` -> ("+CGDCONT", Set, ["1", "IP", "apn"]).
pub(super) fn split_command(body: &str) -> (&str, Op, Vec<String>) {
    if let Some(name) = body.strip_suffix("=?") {
        return (name, Op::Test, Vec::new());
    }
    if let Some(name) = body.strip_suffix('?') {
        return (name, Op::Read, Vec::new());
    }
    match body.split_once('=') {
        Some((name, args)) => (name, Op::Set, split_args(args)),
        None => (body, Op::Exec, Vec::new()),
    }
}

/// Split on commas outside double quotes; quotes are removed.
pub(super) fn split_args(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for ch in s.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("never empty").push(c),
        }
    }
    out
}

/// V.250 basic settings oFono or a terminal may send (echo, verbose, reset).
pub(super) fn is_basic_setting(name: &str) -> bool {
    matches!(
        name,
        "E0" | "E1" | "E" | "V1" | "V0" | "Q0" | "Z" | "&F" | "&C0" | "&C1" | "&D0" | "&D2"
    )
}

pub(super) fn ok() -> Reply {
    Reply::Lines(vec!["OK".into()])
}

pub(super) fn error() -> Reply {
    Reply::Lines(vec!["ERROR".into()])
}

pub(super) fn cme(code: u16) -> Reply {
    Reply::Lines(vec![format!("+CME ERROR: {code}")])
}

pub(super) fn lines(info: &[&str]) -> Reply {
    let mut v: Vec<String> = info.iter().map(|s| s.to_string()).collect();
    v.push("OK".into());
    Reply::Lines(v)
}
