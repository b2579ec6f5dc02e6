//! The modem model, without I/O: one AT command line in, the lines to
//! answer out (`handle`), and the faults a test injects (`faults.rs`),
//! each returning the unsolicited lines the modem sends for it. The TCP
//! side lives in `modemsim.rs`, the E367's AT dialect in `e367/at.rs`.
//!
//! Answers follow what oFono 1.31's `phonesim` plugin and `atmodem` drivers
//! parse (plugins/phonesim.c, drivers/atmodem/{sim,network-registration,
//! gprs,devinfo}.c): e.g. `+SIMSTATE: 1` before any SIM atom exists,
//! `+CPINR: SIM PIN,<n>,<max>` for retries (the SIM atom is created with
//! vendor 0, so atmodem asks `AT+CPINR`), `+CREG: <n>,<stat>,"lac","ci",<act>`.
//!
//! Split by concern: `sim_card.rs` (PIN, SIM files), `network.rs`
//! (registration, operator), `packet.rs` (PDP contexts, attach),
//! `syntax.rs` (command line parsing, result codes).

mod faults;
mod network;
mod packet;
mod sim_card;
mod syntax;

use std::collections::BTreeMap;

pub use faults::Faults;
use syntax::{Op, cme, error, is_basic_setting, lines, ok, split_command};

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
    /// Say nothing for now (a hung `AT+CGACT=1`); see `Modem::release_hang`.
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

    #[allow(dead_code)]
    pub fn active_cids(&self) -> Vec<u32> {
        self.contexts
            .iter()
            .filter(|(_, p)| p.active)
            .map(|(c, _)| *c)
            .collect()
    }

    #[allow(dead_code)]
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
            ("+CSQ", Op::Exec) => self.csq(),
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
}
