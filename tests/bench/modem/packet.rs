//! Packet service: PDP context definitions (`+CGDCONT`), attach
//! (`+CGATT`), activation (`+CGACT`) and addresses (`+CGPADDR`). Whether a
//! fault refuses or holds an activation is decided in `faults.rs`.

use super::syntax::{Op, cme, error, lines, ok};
use super::{Modem, Reply};

impl Modem {
    pub(super) fn cgdcont(&mut self, op: Op, args: &[String]) -> Reply {
        match op {
            Op::Test => lines(&[
                "+CGDCONT: (1-4),\"IP\",,,(0-2),(0-4)",
                "+CGDCONT: (1-4),\"IPV6\",,,(0-2),(0-4)",
                "+CGDCONT: (1-4),\"IPV4V6\",,,(0-2),(0-4)",
            ]),
            Op::Read => {
                let v: Vec<String> = self
                    .contexts
                    .iter()
                    .map(|(c, p)| {
                        format!("+CGDCONT: {c},\"{}\",\"{}\",\"\",0,0", p.pdp_type, p.apn)
                    })
                    .collect();
                let refs: Vec<&str> = v.iter().map(String::as_str).collect();
                lines(&refs)
            }
            Op::Set => {
                let Some(cid) = args.first().and_then(|a| a.parse::<u32>().ok()) else {
                    return cme(4);
                };
                if !(1..=4).contains(&cid) {
                    return cme(4);
                }
                if args.len() == 1 {
                    self.contexts.remove(&cid);
                    return ok();
                }
                let pdp = self.contexts.entry(cid).or_default();
                pdp.pdp_type = args[1].clone();
                pdp.apn = args.get(2).cloned().unwrap_or_default();
                ok()
            }
            Op::Exec => error(),
        }
    }

    pub(super) fn cgatt(&mut self, op: Op, args: &[String]) -> Reply {
        match op {
            Op::Read => lines(&[&format!("+CGATT: {}", u8::from(self.attached))]),
            Op::Test => lines(&["+CGATT: (0,1)"]),
            Op::Set => match args.first().map(String::as_str) {
                Some("1") => {
                    let stat = self.creg_stat();
                    if self.attach_fault() || stat == 0 {
                        cme(30) // no network service
                    } else {
                        self.attached = true;
                        ok()
                    }
                }
                Some("0") => {
                    self.radio_lost();
                    ok()
                }
                _ => cme(4),
            },
            Op::Exec => error(),
        }
    }

    pub(super) fn cgact(&mut self, op: Op, args: &[String]) -> Reply {
        match op {
            Op::Read => {
                let v: Vec<String> = self
                    .contexts
                    .iter()
                    .map(|(c, p)| format!("+CGACT: {c},{}", u8::from(p.active)))
                    .collect();
                let refs: Vec<&str> = v.iter().map(String::as_str).collect();
                lines(&refs)
            }
            Op::Test => lines(&["+CGACT: (0,1)"]),
            Op::Set => {
                let state = args.first().map(String::as_str);
                let cids: Vec<u32> = if args.len() > 1 {
                    match args[1..].iter().map(|a| a.parse()).collect() {
                        Ok(v) => v,
                        Err(_) => return cme(4),
                    }
                } else {
                    self.contexts.keys().copied().collect()
                };
                match state {
                    Some("1") => self.activate(&cids),
                    Some("0") => {
                        for cid in cids {
                            if let Some(p) = self.contexts.get_mut(&cid) {
                                p.active = false;
                            }
                        }
                        ok()
                    }
                    _ => cme(4),
                }
            }
            Op::Exec => error(),
        }
    }

    fn activate(&mut self, cids: &[u32]) -> Reply {
        for cid in cids {
            *self.activations.entry(*cid).or_default() += 1;
        }
        match self.activation_fault(cids) {
            Some(reply) => reply,
            None => self.finish_activation(cids),
        }
    }

    pub(super) fn finish_activation(&mut self, cids: &[u32]) -> Reply {
        if !self.attached {
            return cme(30);
        }
        if cids.iter().any(|c| !self.contexts.contains_key(c)) {
            return cme(148); // unspecified GPRS error: cid not defined
        }
        for cid in cids {
            if let Some(p) = self.contexts.get_mut(cid) {
                p.active = true;
            }
        }
        ok()
    }

    pub(super) fn cgpaddr(&self, args: &[String]) -> Reply {
        let v: Vec<String> = args
            .iter()
            .filter_map(|a| a.parse::<u32>().ok())
            .filter(|c| self.contexts.get(c).is_some_and(|p| p.active))
            .map(|c| format!("+CGPADDR: {c},\"10.64.0.{c}\""))
            .collect();
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        lines(&refs)
    }
}
