//! The SIM card's commands: PIN entry and retries (`+CPIN`, `+CPINR`,
//! `+CLCK`), reading files (`+CRSM`) and what needs a ready SIM.

use super::syntax::{Op, cme, error, lines};
use super::{Modem, PIN_MAX, PUK, PUK_MAX, Reply};

impl Modem {
    pub(super) fn needs_sim(&self, f: impl FnOnce(&Self) -> Vec<String>) -> Reply {
        if !self.sim_present {
            cme(10)
        } else if !self.sim_ready() {
            cme(11)
        } else {
            let mut v = f(self);
            v.push("OK".into());
            Reply::Lines(v)
        }
    }

    pub(super) fn cpin(&mut self, op: Op, args: &[String]) -> Reply {
        if !self.sim_present {
            return cme(10);
        }
        match op {
            Op::Read => {
                let state = match &self.pin_lock {
                    Some(l) if !self.pin_entered && l.retries == 0 => "SIM PUK",
                    Some(_) if !self.pin_entered => "SIM PIN",
                    _ => "READY",
                };
                lines(&[&format!("+CPIN: {state}")])
            }
            Op::Set => self.enter_pin(args),
            _ => error(),
        }
    }

    fn enter_pin(&mut self, args: &[String]) -> Reply {
        let entered = self.pin_entered;
        let Some(lock) = self.pin_lock.as_mut() else {
            return cme(3); // no PIN to enter: operation not allowed
        };
        if entered {
            return cme(3);
        }
        match args {
            [pin] if lock.retries > 0 => {
                if *pin == lock.pin {
                    lock.retries = PIN_MAX;
                    self.pin_entered = true;
                    self.pin_accepted()
                } else {
                    lock.retries -= 1;
                    cme(16) // incorrect password
                }
            }
            [puk, new_pin] if lock.retries == 0 && lock.puk_retries > 0 => {
                if puk == PUK {
                    lock.pin = new_pin.clone();
                    lock.retries = PIN_MAX;
                    lock.puk_retries = PUK_MAX;
                    self.pin_entered = true;
                    self.pin_accepted()
                } else {
                    lock.puk_retries -= 1;
                    cme(16)
                }
            }
            _ => cme(3),
        }
    }

    /// `OK`, plus the re-insertion notice (see `pin_ready_notice`).
    fn pin_accepted(&self) -> Reply {
        let mut v = vec!["OK".to_string()];
        if self.pin_ready_notice {
            v.push("+USIMSTATE: 0".into());
            v.push("+USIMSTATE: 1".into());
        }
        Reply::Lines(v)
    }

    pub(super) fn cpinr(&self) -> Reply {
        let (pin, puk) = match &self.pin_lock {
            Some(l) => (l.retries, l.puk_retries),
            None => (PIN_MAX, PUK_MAX),
        };
        lines(&[
            &format!("+CPINR: SIM PIN,{pin},{PIN_MAX}"),
            &format!("+CPINR: SIM PUK,{puk},{PUK_MAX}"),
        ])
    }

    pub(super) fn clck(&self, op: Op, args: &[String]) -> Reply {
        match (op, args) {
            (Op::Set, [fac, mode, ..]) if mode == "2" => {
                let on = fac.eq_ignore_ascii_case("SC") && self.pin_lock.is_some();
                lines(&[&format!("+CLCK: {}", u8::from(on))])
            }
            (Op::Test, _) => lines(&["+CLCK: (\"SC\")"]),
            _ => cme(3),
        }
    }

    pub(super) fn crsm(&self) -> Reply {
        if !self.sim_present {
            return cme(10);
        }
        // No elementary file on this card: "file not found".
        lines(&["+CRSM: 106,130"])
    }
}
