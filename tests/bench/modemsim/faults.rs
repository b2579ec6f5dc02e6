//! The faults tests inject, on the simulator's handle: each is one call
//! to the modem model (`modem/faults.rs`: what the modem does and says),
//! whose lines go to oFono's link, or an act on the link itself. The docs
//! say what oFono 1.31 does about it (measured on the bench).

use std::io;
use std::net::TcpListener;

use super::link::close_current;
use super::{Modem, ModemSim};

impl ModemSim {
    /// Modem reset: sends `+CRST: 1`; contexts are gone at the modem.
    /// oFono 1.31 (phonesim.c crst_notify -> ofono_modem_reset) drops the
    /// link and dials again (~5 ms); the context object vanishes (~5 ms,
    /// UnknownObject), the modem re-powers and, as it was online, goes
    /// online again: Attached=true after ~17 ms, context back with
    /// Active=false, never re-activated. Powered=false is signalled but
    /// Powered=true is not (GetProperties says true throughout).
    #[allow(dead_code)]
    pub fn reset(&self) {
        self.mutate(Modem::reset);
    }

    /// The network drops context `cid` (`+CGEV: NW DEACT`). oFono 1.31's
    /// phonesim context driver ignores +CGEV, so the context stays
    /// Active=true in oFono for ever (a ghost), Attached stays true.
    /// Active=false then true re-activates it for real.
    #[allow(dead_code)]
    pub fn network_deactivate(&self, cid: u32) {
        self.mutate(|m| m.network_deactivate(cid));
    }

    /// The network detaches us (`+CGEV: NW DETACH`, `+CGREG: 0`). oFono sets
    /// Attached=false within ~0.5 ms but keeps contexts Active=true (ghosts:
    /// the phonesim driver has no detach_shutdown), and does not re-attach
    /// by itself (no `AT+CGATT=1`).
    #[allow(dead_code)]
    pub fn detach(&self) {
        self.mutate(Modem::detach);
    }

    /// The network attaches us again (`+CGREG: 1|5`). oFono sets
    /// Attached=true within ~1 ms (if roaming is allowed when roaming);
    /// a ghost context stays a ghost.
    #[allow(dead_code)]
    pub fn attach(&self) {
        self.mutate(Modem::attach);
    }

    /// Loss of coverage: `+CREG: 0` (and `+CGREG: 0`). oFono sends
    /// `AT+CGATT=0` at once, Attached=false (~2 ms), Status "unregistered";
    /// active contexts stay Active=true (ghosts); Active=true on them then
    /// fails with NotAttached.
    #[allow(dead_code)]
    pub fn deregister(&self) {
        self.mutate(Modem::deregister);
    }

    /// Coverage back: `+CREG: 1|5`. oFono sends `AT+CGATT=1` itself and
    /// becomes Attached in ~3 ms (home, or roaming if allowed).
    #[allow(dead_code)]
    pub fn register(&self) {
        self.mutate(Modem::register);
    }

    /// Switch between home (`+CREG: 1`) and roaming (`+CREG: 5`). With
    /// RoamingAllowed=false oFono answers roaming with `AT+CGATT=0`
    /// (Attached=false in ~2 ms, Status "roaming"); setting
    /// RoamingAllowed=true (or going home) makes it attach again.
    #[allow(dead_code)]
    pub fn set_roaming(&self, roaming: bool) {
        self.mutate(|m| m.set_roaming(roaming));
    }

    /// Answer the next `n` `AT+CGACT=1` with `ERROR`. oFono returns
    /// org.ofono.Error.Failed ~0.3 ms after the ERROR and never retries.
    #[allow(dead_code)]
    pub fn fail_next_activations(&self, n: u32) {
        self.mutate(|m| m.fail_next_activations(n));
    }

    /// Make `AT+CGATT=1` fail (`+CME ERROR: 30`) while set. oFono never
    /// retries a failed attach on its own.
    #[allow(dead_code)]
    pub fn fail_attach(&self, fail: bool) {
        self.mutate(|m| m.fail_attach(fail));
    }

    /// Never answer `AT+CGACT=1` while set. oFono's D-Bus call gets no
    /// reply at all (the caller's own timeout fires), later SetProperty
    /// calls get InProgress, and every later AT command queues behind it.
    #[allow(dead_code)]
    pub fn hang_activations(&self, hang: bool) {
        self.mutate(|m| m.hang_activations(hang));
    }

    /// Stop hanging and answer the held `AT+CGACT=1` (OK, context active).
    #[allow(dead_code)]
    pub fn release_hang(&self) {
        self.mutate(Modem::release_hang);
    }

    /// Close oFono's link (modem side). oFono 1.31 sets Powered=false
    /// (~5 ms; Online=false, all interfaces gone, Online=true -> NotAvailable)
    /// and does not dial again by itself; after Powered=true, Online stays
    /// false until set again.
    #[allow(dead_code)]
    pub fn hangup(&self) {
        let mut g = self.lock();
        close_current(&mut g);
        drop(g);
        self.shared.changed.notify_all();
    }

    /// Close the link and refuse connections (the listening socket is
    /// closed) until `replug`. oFono: Powered=false as for `hangup`;
    /// Powered=true fails at once (<1 ms) with org.ofono.Error.Failed.
    #[allow(dead_code)]
    pub fn unplug(&self) {
        self.close_link(|g| g.plugged = false);
    }

    /// Listen again on the same port.
    #[allow(dead_code)]
    pub fn replug(&self) -> io::Result<()> {
        let listener = TcpListener::bind(self.shared.addr)?;
        self.lock().plugged = true;
        self.spawn_acceptor(listener);
        Ok(())
    }

    /// Pull the SIM: `+USIMSTATE: 0`. oFono removes the SIM-dependent
    /// interfaces (ConnectionManager, NetworkRegistration, ...; the context
    /// object vanishes) and SimManager shows only Present=false (~5 ms).
    /// Contexts are gone at the modem.
    #[allow(dead_code)]
    pub fn remove_sim(&self) {
        self.mutate(Modem::remove_sim);
    }

    /// Put the SIM back: `+USIMSTATE: 1`. oFono re-reads it (Present=true,
    /// PinRequired as configured) and rebuilds the SIM-dependent atoms; if
    /// still Online it re-attaches (~7 ms), context back with Active=false.
    #[allow(dead_code)]
    pub fn insert_sim(&self) {
        self.mutate(Modem::insert_sim);
    }

    /// Require PIN `pin` with `retries` attempts left from the next power-up
    /// (or SIM insertion) on.
    #[allow(dead_code)]
    pub fn lock_sim(&self, pin: &str, retries: u8) {
        self.mutate(|m| m.lock_sim(pin, retries));
    }

    /// After a correct PIN the simulator announces the SIM again
    /// (`+USIMSTATE: 0` then `1`, on by default) so that oFono 1.31 leaves
    /// "Waiting for ofono_sim_initialized_notify" and reads `AT+CPIN?`
    /// again: SimManager flips Present false->true and PinRequired becomes
    /// "none" ~2 ms after EnterPin's reply. With `false` you get raw 1.31 +
    /// phonesim: EnterPin succeeds but PinRequired stays "pin" for ever
    /// (only a later failing SIM call makes oFono re-check).
    #[allow(dead_code)]
    pub fn set_pin_ready_notice(&self, on: bool) {
        self.mutate(|m| m.set_pin_ready_notice(on));
    }

    /// Send `+CSQ: <rssi>,99` with a new value and return the Strength
    /// oFono will publish for it; once NetworkRegistration.Strength shows
    /// that value, oFono has processed every line sent before (a barrier).
    #[allow(dead_code)]
    pub fn send_signal_barrier(&self) -> u8 {
        let mut strength = 0;
        self.mutate(|m| {
            let out = m.signal_barrier();
            strength = m.strength();
            out
        });
        strength
    }

    /// Send an arbitrary unsolicited line.
    #[allow(dead_code)]
    pub fn send_unsolicited(&self, line: &str) {
        self.mutate(|_| vec![line.to_string()]);
    }
}
