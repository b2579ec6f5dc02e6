//! The modem's AT brain, without I/O: one command line in, the lines to
//! answer out. The TCP side lives in `modemsim.rs`.
//!
//! Answers follow what oFono 1.31's `phonesim` plugin and `atmodem` drivers
//! parse (plugins/phonesim.c, drivers/atmodem/{sim,network-registration,
//! gprs,devinfo}.c): e.g. `+SIMSTATE: 1` before any SIM atom exists,
//! `+CPINR: SIM PIN,<n>,<max>` for retries (the SIM atom is created with
//! vendor 0, so atmodem asks `AT+CPINR`), `+CREG: <n>,<stat>,"lac","ci",<act>`.

use std::collections::BTreeMap;

/// PUK that unblocks a locked SIM (`AT+CPIN="<puk>","<newpin>"`).
pub const PUK: &str = "12345678";
/// IMSI the SIM reports: MCC 001 / MNC 01 (test network).
pub const IMSI: &str = "001010123456789";
const PIN_MAX: u8 = 3;
const PUK_MAX: u8 = 10;
/// Access technology reported in +CREG/+CGREG/+COPS: 2 = UTRAN ("umts").
/// Not 7 (E-UTRAN): oFono treats LTE attach differently.
const ACT: u8 = 2;

/// What the modem answers to one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Information lines followed by the final result (`OK`, `ERROR`, ...).
    Lines(Vec<String>),
    /// Say nothing for now (a hung `AT+CGACT=1`); see `Modem::release_held`.
    Hold,
}

/// A PDP context as the modem knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pdp {
    pub pdp_type: String,
    pub apn: String,
    pub active: bool,
}

/// PIN lock of the SIM card (survives modem power cycles, like a real card).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinLock {
    pub pin: String,
    pub retries: u8,
    pub puk_retries: u8,
}

/// Faults armed by the test; they survive reconnections.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub fail_activations: u32,
    pub hang_activations: bool,
    pub fail_attach: bool,
}

/// Modem-side truth. Fields split in two groups: the card/network/faults
/// (persist across links) and the radio state (reset by `power_cycle`).
#[derive(Debug, Clone)]
pub struct Modem {
    // --- persists across oFono links
    pub sim_present: bool,
    pub pin_lock: Option<PinLock>,
    /// Network coverage: the network would register us.
    pub network_available: bool,
    pub roaming: bool,
    /// After a correct PIN/PUK, announce the SIM again (`+USIMSTATE: 0`,
    /// `+USIMSTATE: 1`). oFono 1.31 waits for ofono_sim_initialized_notify
    /// after EnterPin, which the phonesim plugin never calls; re-insertion
    /// is the only way to make it re-read `AT+CPIN?`. Off = raw 1.31 stall.
    pub pin_ready_notice: bool,
    pub faults: Faults,
    /// `AT+CGACT=1` commands seen, per cid (also failed/hung ones).
    pub activations: BTreeMap<u32, u32>,
    /// Commands we did not recognise (answered ERROR).
    pub unknown: Vec<String>,
    // --- reset by power_cycle()
    pub cfun: u8,
    pub pin_entered: bool,
    pub attached: bool,
    pub contexts: BTreeMap<u32, Pdp>,
    /// cid of an `AT+CGACT=1` we are not answering.
    pub held_activation: Option<u32>,
    creg_n: u8,
    cgreg_n: u8,
    cops_format: u8,
    rssi: u8,
}

impl Default for Modem {
    fn default() -> Self {
        Self::new()
    }
}

impl Modem {
    pub fn new() -> Modem {
        Modem {
            sim_present: true,
            pin_lock: None,
            network_available: true,
            roaming: false,
            pin_ready_notice: true,
            faults: Faults::default(),
            activations: BTreeMap::new(),
            unknown: Vec::new(),
            cfun: 0,
            pin_entered: false,
            attached: false,
            contexts: BTreeMap::new(),
            held_activation: None,
            creg_n: 0,
            cgreg_n: 0,
            cops_format: 0,
            rssi: 20,
        }
    }

    /// The modem lost power or reset: radio state back to power-on defaults.
    /// Radio starts in CFUN=4 (SIM usable, radio off) until oFono onlines it.
    pub fn power_cycle(&mut self) {
        self.cfun = 4;
        self.pin_entered = false;
        self.attached = false;
        self.contexts.clear();
        self.held_activation = None;
        self.creg_n = 0;
        self.cgreg_n = 0;
        self.cops_format = 0;
    }

    pub fn sim_ready(&self) -> bool {
        self.sim_present && (self.pin_lock.is_none() || self.pin_entered)
    }

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

    pub fn active_cids(&self) -> Vec<u32> {
        self.contexts
            .iter()
            .filter(|(_, p)| p.active)
            .map(|(c, _)| *c)
            .collect()
    }

    pub fn activation_count(&self) -> u32 {
        self.activations.values().sum()
    }

    /// Answer one command line (without its terminating CR).
    pub fn handle(&mut self, line: &str) -> Reply {
        let line = line.trim();
        let upper = line.to_ascii_uppercase();
        if !upper.starts_with("AT") {
            return self.unknown(line);
        }
        let body = &line[2..];
        let (name, op, args) = split_command(body);
        let name = name.to_ascii_uppercase();
        match (name.as_str(), op) {
            ("", _) => ok(),
            (n, _) if is_basic_setting(n) => ok(),
            ("+CSCS", Op::Test) => lines(&["+CSCS: (\"GSM\",\"IRA\",\"UCS2\")"]),
            ("+CSCS", Op::Read) => lines(&["+CSCS: \"GSM\""]),
            ("+CSCS", Op::Set) => ok(),
            ("+CMEE", Op::Set) => ok(),
            ("+CBC", _) => lines(&["+CBC: 0,80"]),
            ("+SIMSTATE", Op::Read) => {
                let s = format!("+SIMSTATE: {}", u8::from(self.sim_present));
                lines(&[&s])
            }
            ("+CFUN", op) => self.cfun_cmd(op, &args),
            ("+CPIN", op) => self.cpin(op, &args),
            ("+CPINR", _) => self.cpinr(),
            ("+CLCK", op) => self.clck(op, &args),
            ("+CIMI", Op::Exec) => self.needs_sim(|_| vec![IMSI.to_string()]),
            ("+CRSM", Op::Set) => self.crsm(),
            ("+CGMI" | "+GMI", _) => lines(&["psendurance bench"]),
            ("+CGMM" | "+GMM", _) => lines(&["modemsim"]),
            ("+CGMR" | "+GMR", _) => lines(&["1.0"]),
            ("+CGSN" | "+GSN", _) => lines(&["350000000000001"]),
            ("+GCAP", _) => lines(&["+GCAP: +CGSM"]),
            ("+CREG", op) => self.creg(op, &args),
            ("+CGREG", op) => self.cgreg(op, &args),
            ("+COPS", op) => self.cops(op, &args),
            ("+CSQ", Op::Exec) => {
                let rssi = if self.creg_stat() == 0 { 99 } else { self.rssi };
                lines(&[&format!("+CSQ: {rssi},99")])
            }
            ("+CGDCONT", op) => self.cgdcont(op, &args),
            ("+CGATT", op) => self.cgatt(op, &args),
            ("+CGACT", op) => self.cgact(op, &args),
            ("+CGAUTO" | "+CGEREP", Op::Set) => ok(),
            ("+CGPADDR", Op::Set) => self.cgpaddr(&args),
            _ => self.unknown(line),
        }
    }

    fn unknown(&mut self, line: &str) -> Reply {
        self.unknown.push(line.to_string());
        error()
    }

    fn needs_sim(&self, f: impl FnOnce(&Self) -> Vec<String>) -> Reply {
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

    fn cfun_cmd(&mut self, op: Op, args: &[String]) -> Reply {
        match op {
            Op::Read => lines(&[&format!("+CFUN: {}", self.cfun)]),
            Op::Test => lines(&["+CFUN: (0,1,4),(0-1)"]),
            Op::Set => match args.first().and_then(|a| a.parse::<u8>().ok()) {
                Some(n @ (0 | 1 | 4)) => {
                    self.cfun = n;
                    if n != 1 {
                        self.radio_lost();
                    }
                    ok()
                }
                _ => cme(4),
            },
            Op::Exec => error(),
        }
    }

    /// Radio off, deregistered, detached or SIM gone: no PDP context survives.
    pub fn radio_lost(&mut self) {
        self.attached = false;
        self.drop_contexts();
    }

    pub fn drop_contexts(&mut self) {
        for p in self.contexts.values_mut() {
            p.active = false;
        }
    }

    fn cpin(&mut self, op: Op, args: &[String]) -> Reply {
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

    fn cpinr(&self) -> Reply {
        let (pin, puk) = match &self.pin_lock {
            Some(l) => (l.retries, l.puk_retries),
            None => (PIN_MAX, PUK_MAX),
        };
        lines(&[
            &format!("+CPINR: SIM PIN,{pin},{PIN_MAX}"),
            &format!("+CPINR: SIM PUK,{puk},{PUK_MAX}"),
        ])
    }

    fn clck(&self, op: Op, args: &[String]) -> Reply {
        match (op, args) {
            (Op::Set, [fac, mode, ..]) if mode == "2" => {
                let on = fac.eq_ignore_ascii_case("SC") && self.pin_lock.is_some();
                lines(&[&format!("+CLCK: {}", u8::from(on))])
            }
            (Op::Test, _) => lines(&["+CLCK: (\"SC\")"]),
            _ => cme(3),
        }
    }

    fn crsm(&self) -> Reply {
        if !self.sim_present {
            return cme(10);
        }
        // No elementary file on this card: "file not found".
        lines(&["+CRSM: 106,130"])
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

    fn creg(&mut self, op: Op, args: &[String]) -> Reply {
        match op {
            Op::Test => lines(&["+CREG: (0-2)"]),
            Op::Read => lines(&[&self.reg_line("+CREG", Some(self.creg_n), self.creg_stat())]),
            Op::Set => match args.first().and_then(|a| a.parse().ok()) {
                Some(n @ 0..=2) => {
                    self.creg_n = n;
                    ok()
                }
                _ => cme(4),
            },
            Op::Exec => error(),
        }
    }

    fn cgreg(&mut self, op: Op, args: &[String]) -> Reply {
        match op {
            Op::Test => lines(&["+CGREG: (0-2)"]),
            Op::Read => {
                let l = self.reg_line("+CGREG", Some(self.cgreg_n), self.cgreg_stat());
                lines(&[&l])
            }
            Op::Set => match args.first().and_then(|a| a.parse().ok()) {
                Some(n @ 0..=2) => {
                    self.cgreg_n = n;
                    ok()
                }
                _ => cme(4),
            },
            Op::Exec => error(),
        }
    }

    fn cops(&mut self, op: Op, args: &[String]) -> Reply {
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

    fn cgdcont(&mut self, op: Op, args: &[String]) -> Reply {
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

    fn cgatt(&mut self, op: Op, args: &[String]) -> Reply {
        match op {
            Op::Read => lines(&[&format!("+CGATT: {}", u8::from(self.attached))]),
            Op::Test => lines(&["+CGATT: (0,1)"]),
            Op::Set => match args.first().map(String::as_str) {
                Some("1") => {
                    let stat = self.creg_stat();
                    if self.faults.fail_attach || stat == 0 {
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

    fn cgact(&mut self, op: Op, args: &[String]) -> Reply {
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
        if self.faults.fail_activations > 0 {
            self.faults.fail_activations -= 1;
            return error();
        }
        if self.faults.hang_activations {
            self.held_activation = cids.first().copied();
            return Reply::Hold;
        }
        self.finish_activation(cids)
    }

    fn finish_activation(&mut self, cids: &[u32]) -> Reply {
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

    /// Answer the held activation now (as the modem finally would).
    pub fn release_held(&mut self) -> Option<Vec<String>> {
        let cid = self.held_activation.take()?;
        match self.finish_activation(&[cid]) {
            Reply::Lines(l) => Some(l),
            Reply::Hold => None,
        }
    }

    fn cgpaddr(&self, args: &[String]) -> Reply {
        let v: Vec<String> = args
            .iter()
            .filter_map(|a| a.parse::<u32>().ok())
            .filter(|c| self.contexts.get(c).is_some_and(|p| p.active))
            .map(|c| format!("+CGPADDR: {c},\"10.64.0.{c}\""))
            .collect();
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        lines(&refs)
    }

    /// Next signal level for a `+CSQ:` unsolicited line (used as a barrier:
    /// oFono publishes it as NetworkRegistration.Strength).
    pub fn bump_rssi(&mut self) -> u8 {
        self.rssi = if self.rssi >= 30 { 10 } else { self.rssi + 1 };
        self.rssi
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
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
fn split_command(body: &str) -> (&str, Op, Vec<String>) {
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
fn split_args(s: &str) -> Vec<String> {
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
fn is_basic_setting(name: &str) -> bool {
    matches!(
        name,
        "E0" | "E1" | "E" | "V1" | "V0" | "Q0" | "Z" | "&F" | "&C0" | "&C1" | "&D0" | "&D2"
    )
}

fn ok() -> Reply {
    Reply::Lines(vec!["OK".into()])
}

fn error() -> Reply {
    Reply::Lines(vec!["ERROR".into()])
}

fn cme(code: u16) -> Reply {
    Reply::Lines(vec![format!("+CME ERROR: {code}")])
}

fn lines(info: &[&str]) -> Reply {
    let mut v: Vec<String> = info.iter().map(|s| s.to_string()).collect();
    v.push("OK".into());
    Reply::Lines(v)
}
