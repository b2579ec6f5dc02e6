//! Registration and the operator: `+CREG`, `+CGREG` (asked and
//! unsolicited), `+COPS` and the signal level `+CSQ`.

use super::syntax::{Op, cme, error, lines, ok};
use super::{ACT, Modem, Reply};

impl Modem {
    /// `<stat>` of +CREG: 0 not registered, 1 home, 5 roaming.
    pub fn creg_stat(&self) -> u8 {
        if self.cfun != 1 || !self.sim_ready() || !self.network_available {
            0
        } else if self.roaming {
            5
        } else {
            1
        }
    }

    /// `<stat>` of +CGREG: the registration state while packet-attached.
    pub fn cgreg_stat(&self) -> u8 {
        if self.attached { self.creg_stat() } else { 0 }
    }

    fn reg_line(&self, prefix: &str, n: Option<u8>, stat: u8) -> String {
        let head = match n {
            Some(n) => format!("{prefix}: {n},{stat}"),
            None => format!("{prefix}: {stat}"),
        };
        let shows_cell = n.is_none_or(|n| n == 2);
        if shows_cell && (stat == 1 || stat == 5) {
            format!("{head},\"00A1\",\"0000B2C3\",{ACT}")
        } else {
            head
        }
    }

    /// Unsolicited +CREG line for the current state, if enabled by oFono.
    pub fn creg_unsolicited(&self) -> Option<String> {
        (self.creg_n > 0).then(|| self.reg_line("+CREG", None, self.creg_stat()))
    }

    /// Unsolicited +CGREG line for the current state, if enabled by oFono.
    pub fn cgreg_unsolicited(&self) -> Option<String> {
        (self.cgreg_n > 0).then(|| self.reg_line("+CGREG", None, self.cgreg_stat()))
    }

    pub(super) fn creg(&mut self, op: Op, args: &[String]) -> Reply {
        let now = self.reg_line("+CREG", Some(self.creg_n), self.creg_stat());
        reg_command(op, args, "+CREG", &mut self.creg_n, now)
    }

    pub(super) fn cgreg(&mut self, op: Op, args: &[String]) -> Reply {
        let now = self.reg_line("+CGREG", Some(self.cgreg_n), self.cgreg_stat());
        reg_command(op, args, "+CGREG", &mut self.cgreg_n, now)
    }

    pub(super) fn cops(&mut self, op: Op, args: &[String]) -> Reply {
        match (op, args) {
            (Op::Read, _) => {
                if self.creg_stat() == 0 {
                    return lines(&["+COPS: 0"]);
                }
                let name = match self.cops_format {
                    2 => "00101",
                    1 => "Bench",
                    _ => "Bench Network",
                };
                let l = format!("+COPS: 0,{},\"{name}\",{ACT}", self.cops_format);
                lines(&[&l])
            }
            (Op::Test, _) => {
                lines(&["+COPS: (2,\"Bench Network\",\"Bench\",\"00101\",2),,(0-4),(0-2)"])
            }
            (Op::Set, [mode, fmt, ..]) if mode == "3" => match fmt.parse() {
                Ok(f @ 0..=2) => {
                    self.cops_format = f;
                    ok()
                }
                _ => cme(4),
            },
            (Op::Set, _) => ok(), // automatic / manual selection: accepted
            _ => error(),
        }
    }

    pub(super) fn csq(&self) -> Reply {
        let rssi = if self.creg_stat() == 0 { 99 } else { self.rssi };
        lines(&[&format!("+CSQ: {rssi},99")])
    }

    /// Next signal level for a `+CSQ:` unsolicited line.
    pub(super) fn bump_rssi(&mut self) -> u8 {
        self.rssi = if self.rssi >= 30 { 10 } else { self.rssi + 1 };
        self.rssi
    }
}

/// `+CREG` and `+CGREG` alike: the unsolicited-report setting `n` (0-2),
/// and `now`, the read answer.
fn reg_command(op: Op, args: &[String], name: &str, n: &mut u8, now: String) -> Reply {
    match op {
        Op::Test => lines(&[&format!("{name}: (0-2)")]),
        Op::Read => lines(&[&now]),
        Op::Set => match args.first().and_then(|a| a.parse().ok()) {
            Some(set @ 0..=2) => {
                *n = set;
                ok()
            }
            _ => cme(4),
        },
        Op::Exec => error(),
    }
}
