//! The faults a test injects, as the modem lives them. Each event changes
//! the model and returns the unsolicited lines the modem sends for it
//! (none when it only arms a reaction to a later command); the decisions
//! those armed faults take on a command are here too. `modemsim/` only
//! writes the lines to oFono's link and documents what oFono then does;
//! the E367 dongle sends some of them too (detach, deregister, register).
//!
//! The E367 bench includes the model without `modemsim/`: the events it
//! does not use carry `#[allow(dead_code)]`.

use super::syntax::error;
use super::{Modem, PinLock, Reply};

/// Faults armed by the test; they survive reconnections.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer this many more `AT+CGACT=1` with `ERROR`.
    pub fail_activations: u32,
    /// Hold every `AT+CGACT=1` unanswered (see `Modem::release_hang`).
    pub hang_activations: bool,
    /// Refuse `AT+CGATT=1` with `+CME ERROR: 30`.
    pub fail_attach: bool,
}

impl Modem {
    // ------------------------------------------------------ network events

    /// Modem reset: power-on state, every context gone; says `+CRST: 1`.
    #[allow(dead_code)]
    pub fn reset(&mut self) -> Vec<String> {
        self.power_cycle();
        vec!["+CRST: 1".into()]
    }

    /// The network drops context `cid` (`+CGEV: NW DEACT`); still attached.
    #[allow(dead_code)]
    pub fn network_deactivate(&mut self, cid: u32) -> Vec<String> {
        if let Some(p) = self.contexts.get_mut(&cid) {
            p.active = false;
        }
        vec![format!("+CGEV: NW DEACT \"IP\",\"10.64.0.{cid}\",{cid}")]
    }

    /// The network detaches us: no context survives; `+CGEV: NW DETACH`
    /// and, if oFono enabled it, `+CGREG: 0`.
    pub fn detach(&mut self) -> Vec<String> {
        self.radio_lost();
        let mut out = vec!["+CGEV: NW DETACH".to_string()];
        out.extend(self.cgreg_unsolicited());
        out
    }

    /// The network attaches us again (`+CGREG: 1|5`), if we are registered
    /// (silence otherwise). Contexts stay inactive.
    #[allow(dead_code)]
    pub fn attach(&mut self) -> Vec<String> {
        if self.creg_stat() == 0 {
            return Vec::new();
        }
        self.attached = true;
        self.cgreg_unsolicited().into_iter().collect()
    }

    /// Coverage lost: deregistered and detached, no context survives;
    /// `+CREG: 0` and `+CGREG: 0` (those oFono enabled).
    pub fn deregister(&mut self) -> Vec<String> {
        self.network_available = false;
        self.radio_lost();
        let mut out: Vec<String> = self.creg_unsolicited().into_iter().collect();
        out.extend(self.cgreg_unsolicited());
        out
    }

    /// Coverage back: `+CREG: 1|5`. Packet attach is left to oFono.
    pub fn register(&mut self) -> Vec<String> {
        self.network_available = true;
        self.creg_unsolicited().into_iter().collect()
    }

    /// Home (`+CREG: 1`) or roaming (`+CREG: 5`); `+CGREG` too while attached.
    #[allow(dead_code)]
    pub fn set_roaming(&mut self, roaming: bool) -> Vec<String> {
        self.roaming = roaming;
        let mut out: Vec<String> = self.creg_unsolicited().into_iter().collect();
        if self.attached {
            out.extend(self.cgreg_unsolicited());
        }
        out
    }

    // ----------------------------------------------- faults armed for later

    /// Answer the next `n` `AT+CGACT=1` with `ERROR`.
    #[allow(dead_code)]
    pub fn fail_next_activations(&mut self, n: u32) -> Vec<String> {
        self.faults.fail_activations = n;
        Vec::new()
    }

    /// Refuse `AT+CGATT=1` (`+CME ERROR: 30`) while set.
    #[allow(dead_code)]
    pub fn fail_attach(&mut self, fail: bool) -> Vec<String> {
        self.faults.fail_attach = fail;
        Vec::new()
    }

    /// Leave every `AT+CGACT=1` unanswered while set.
    #[allow(dead_code)]
    pub fn hang_activations(&mut self, hang: bool) -> Vec<String> {
        self.faults.hang_activations = hang;
        Vec::new()
    }

    /// Stop hanging; the held `AT+CGACT=1` (if any) gets its late answer
    /// now, as it would have been answered then (OK, context active).
    #[allow(dead_code)]
    pub fn release_hang(&mut self) -> Vec<String> {
        self.faults.hang_activations = false;
        let Some(cid) = self.held_activation.take() else {
            return Vec::new();
        };
        match self.finish_activation(&[cid]) {
            Reply::Lines(l) => l,
            Reply::Hold => Vec::new(),
        }
    }

    /// `AT+CGACT=1` on `cids` meets an armed fault: `ERROR` (one of the
    /// failures counted down) or no answer yet (held until `release_hang`).
    pub(super) fn activation_fault(&mut self, cids: &[u32]) -> Option<Reply> {
        if self.faults.fail_activations > 0 {
            self.faults.fail_activations -= 1;
            return Some(error());
        }
        if self.faults.hang_activations {
            self.held_activation = cids.first().copied();
            return Some(Reply::Hold);
        }
        None
    }

    /// `AT+CGATT=1` is refused by an armed fault.
    pub(super) fn attach_fault(&self) -> bool {
        self.faults.fail_attach
    }

    // ------------------------------------------------------------- the SIM

    /// The SIM is pulled: no PIN entered any more, no context survives;
    /// `+USIMSTATE: 0`.
    #[allow(dead_code)]
    pub fn remove_sim(&mut self) -> Vec<String> {
        self.sim_present = false;
        self.pin_entered = false;
        self.radio_lost();
        vec!["+USIMSTATE: 0".into()]
    }

    /// The SIM is back: `+USIMSTATE: 1`.
    #[allow(dead_code)]
    pub fn insert_sim(&mut self) -> Vec<String> {
        self.sim_present = true;
        vec!["+USIMSTATE: 1".into()]
    }

    /// The card asks for PIN `pin` (`retries` attempts left, a fresh PUK
    /// count) from now on; silent until oFono asks `AT+CPIN?`.
    #[allow(dead_code)]
    pub fn lock_sim(&mut self, pin: &str, retries: u8) -> Vec<String> {
        self.pin_lock = Some(PinLock {
            pin: pin.into(),
            retries,
            puk_retries: 10,
        });
        self.pin_entered = false;
        Vec::new()
    }

    /// Announce the SIM again after a correct PIN (see `pin_ready_notice`).
    #[allow(dead_code)]
    pub fn set_pin_ready_notice(&mut self, on: bool) -> Vec<String> {
        self.pin_ready_notice = on;
        Vec::new()
    }

    // ------------------------------------------------------------ the link

    /// oFono's link closed (oFono powered the modem down, or the link
    /// died): radio state lost, radio off (CFUN=0) until the next link.
    #[allow(dead_code)]
    pub fn link_lost(&mut self) {
        self.power_cycle();
        self.cfun = 0;
    }

    /// A new signal level: `+CSQ: <rssi>,99`, a line oFono publishes as
    /// NetworkRegistration.Strength (`strength`), so seeing it there means
    /// oFono processed every line sent before (a barrier).
    #[allow(dead_code)]
    pub fn signal_barrier(&mut self) -> Vec<String> {
        let rssi = self.bump_rssi();
        vec![format!("+CSQ: {rssi},99")]
    }

    /// The Strength oFono publishes for the current signal level
    /// (at_util_convert_signal_strength: rssi * 100 / 31).
    #[allow(dead_code)]
    pub fn strength(&self) -> u8 {
        (u32::from(self.rssi) * 100 / 31) as u8
    }
}
