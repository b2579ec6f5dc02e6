//! What the dongle does on its own, under the world lock: enumeration
//! (leaving, arriving, USB authorization), AT commands on its two ports,
//! the data call and its PPP, and the thread that pumps it all.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::super::at::{self, Answer, Port};
use super::super::operator::{DNS1, DNS2, GATEWAY, SUBSCRIBER};
use super::super::ppp::{Event, Peer, PeerConfig, Phase};
use super::super::pty::{Pty, wait_readable};
use super::{Data, ENUMERATION, Enumeration, Ports, SYSPATH, Shared, TICK_MS, World};

impl World {
    /// The modem's (the network's) PPP ends the session with a
    /// Terminate-Request; `NO CARRIER` follows the exchange.
    pub(super) fn terminate_session(&mut self, now: Instant) {
        if let Some(Ports {
            data: Data::Ppp { peer, .. },
            ..
        }) = self.ports.as_mut()
        {
            peer.terminate(now);
        }
    }

    /// The data call ends without a word (DTR dropped, radio off).
    pub(super) fn call_dropped(&mut self) {
        if let Some(p) = self.ports.as_mut()
            && let Data::Ppp { cid, .. } | Data::Dialled { cid, .. } = p.data
        {
            p.data = Data::Command;
            p.modem_buf.clear();
            if let Some(pdp) = self.modem.contexts.get_mut(&cid) {
                pdp.active = false;
            }
        }
    }

    pub fn link_up(&self) -> bool {
        matches!(
            self.ports.as_ref().map(|p| &p.data),
            Some(Data::Ppp { peer, .. }) if peer.phase() == Phase::Open
        )
    }

    pub fn ppp_cid(&self) -> Option<u32> {
        match self.ports.as_ref().map(|p| &p.data) {
            Some(Data::Ppp { cid, .. }) => Some(*cid),
            _ => None,
        }
    }

    /// The modem port's pty name, while plugged.
    pub fn port_names(&self) -> Option<(String, String)> {
        self.ports
            .as_ref()
            .map(|p| (p.modem.name.clone(), p.pcui.name.clone()))
    }

    fn authorized_path(&self) -> PathBuf {
        self.sysroot
            .join(SYSPATH.trim_start_matches('/'))
            .join("authorized")
    }

    fn publish(&self) {
        let mut text = format!(
            "plugged={}\ngeneration={}\nsyspath={SYSPATH}\n",
            u8::from(self.plugged),
            self.generation
        );
        if let Some((modem, pcui)) = self.port_names() {
            text.push_str(&format!("modem={modem}\npcui={pcui}\n"));
        }
        let tmp = self.config.with_extension("tmp");
        std::fs::write(&tmp, text).expect("write plugin config");
        std::fs::rename(&tmp, &self.config).expect("rename plugin config");
    }

    pub(super) fn arrive(&mut self) {
        let pcui = Pty::open().expect("open Pcui pty");
        let modem = Pty::open().expect("open Modem pty");
        self.ports = Some(Ports {
            pcui,
            modem,
            pcui_buf: Vec::new(),
            modem_buf: Vec::new(),
            data: Data::Command,
        });
        self.modem.power_cycle();
        self.modem.cfun = 1;
        self.wedged = false;
        self.plugged = true;
        self.generation += 1;
        self.next = None;
        self.publish();
    }

    /// Ttys hang up now; the device leaves a moment later (and with
    /// `back`, arrives again after as long).
    pub(super) fn leave(&mut self, back: bool) {
        if self.ports.is_none() && !self.plugged {
            return;
        }
        self.ports = None; // closing the masters is the hang-up
        self.modem.power_cycle();
        self.next = Some(Enumeration::Leave(Instant::now() + ENUMERATION, back));
    }

    pub(super) fn unsolicited(&mut self, lines: &[String]) {
        if self.wedged {
            return;
        }
        let Some(p) = self.ports.as_ref() else { return };
        p.pcui.write_all(&at::wire(lines));
    }

    /// The session is over (after a Terminate exchange, or with no LCP
    /// goodbye): `NO CARRIER` on the data port, back in command mode.
    pub(super) fn end_session(&mut self) {
        let Some(p) = self.ports.as_mut() else { return };
        let cid = match p.data {
            Data::Ppp { cid, .. } | Data::Dialled { cid, .. } => cid,
            Data::Command => return,
        };
        p.data = Data::Command;
        p.modem_buf.clear();
        if let Some(pdp) = self.modem.contexts.get_mut(&cid) {
            pdp.active = false;
        }
        if !self.wedged {
            let lines = vec!["NO CARRIER".to_string()];
            p.modem.write_all(&at::wire(&lines));
        }
    }

    fn command(&mut self, port: Port, line: String, now: Instant) {
        let answer = at::handle(&mut self.modem, &mut self.dial, port, &line);
        // Radio off (oFono powering the modem down, or offline): a data
        // call does not survive it, and oFono reopens the data port in
        // command mode afterwards.
        if self.modem.cfun != 1 {
            self.call_dropped();
        }
        let (lines, connect) = match answer {
            Answer::Reply(l) => (l, None),
            Answer::Silence => return,
            Answer::Connect(cid) => (vec!["CONNECT".to_string()], Some(cid)),
        };
        let Some(p) = self.ports.as_mut() else { return };
        let pty = match port {
            Port::Pcui => &p.pcui,
            Port::Modem => &p.modem,
        };
        pty.write_all(&at::wire(&lines));
        if let Some(cid) = connect {
            self.connects += 1;
            self.connect_times.push(now);
            // A black hole is the old session's; a new one works.
            self.black_hole = false;
            let cfg = PeerConfig {
                auth: self.ppp_auth,
                username: self.username.clone(),
                password: self.password.clone(),
                local_ip: GATEWAY,
                peer_ip: SUBSCRIBER,
                dns: [DNS1, DNS2],
            };
            p.data = Data::Dialled { cid, cfg };
        }
    }

    /// One round: ports, PPP, TUN, timers, enumeration.
    fn step(&mut self, now: Instant) {
        match self.next {
            Some(Enumeration::Leave(t, back)) if now >= t => {
                self.plugged = false;
                self.publish();
                self.next = back.then(|| Enumeration::Arrive(now + ENUMERATION));
            }
            Some(Enumeration::Arrive(t)) if now >= t => self.arrive(),
            _ => {}
        }
        // The daemon's USB reset works on any dongle; looked at every 50 ms.
        self.ticks += 1;
        if self.wedged || self.ticks.is_multiple_of(10) {
            self.watch_authorized();
        }
        let Some(p) = self.ports.as_mut() else { return };
        let pcui_in = p.pcui.read_some();
        let modem_in = p.modem.read_some();
        if self.wedged {
            return;
        }
        p.pcui_buf.extend_from_slice(&pcui_in);
        let pcui_lines = at::take_lines(&mut p.pcui_buf);
        let mut modem_lines = Vec::new();
        match &mut p.data {
            Data::Command => {
                p.modem_buf.extend_from_slice(&modem_in);
                modem_lines = at::take_lines(&mut p.modem_buf);
            }
            Data::Ppp { peer, .. } => {
                if !modem_in.is_empty() {
                    peer.receive(&modem_in, now);
                }
            }
            Data::Dialled { cid, cfg } if !modem_in.is_empty() => {
                let mut peer = Box::new(Peer::new(cfg.clone(), now));
                peer.receive(&modem_in, now);
                p.data = Data::Ppp { cid: *cid, peer };
            }
            Data::Dialled { .. } => {}
        }
        for l in pcui_lines {
            self.command(Port::Pcui, l, now);
        }
        for l in modem_lines {
            self.command(Port::Modem, l, now);
        }
        self.pump_ppp(now);
    }

    fn pump_ppp(&mut self, now: Instant) {
        let Some(p) = self.ports.as_mut() else { return };
        let Data::Ppp { peer, .. } = &mut p.data else {
            return;
        };
        if peer.poll_timeout().is_some_and(|t| t <= now) {
            peer.handle_timeout(now);
        }
        if peer.phase() == Phase::Open {
            while let Some(packet) = self.tun.read_packet() {
                if !self.black_hole {
                    self.packets_down += 1;
                    peer.send_ip(&packet);
                }
            }
        }
        while let Some(packet) = peer.take_ip() {
            if !self.black_hole {
                self.packets_up += 1;
                self.tun.write_packet(&packet);
            }
        }
        while let Some(frame) = peer.transmit() {
            p.modem.write_all(&frame);
        }
        let mut ended = None;
        let mut flap = false;
        while let Some(e) = peer.poll_event() {
            if matches!(e, Event::IpcpUp { .. }) {
                self.sessions += 1;
                if self.flaps > 0 {
                    self.flaps -= 1;
                    flap = true;
                }
            }
            if let Event::Terminated { by_peer } = e {
                ended = Some(by_peer);
            }
            self.ppp_events.push((now, e));
        }
        if ended.is_some() {
            self.end_session();
        }
        if flap {
            let cid = self.ppp_cid().unwrap_or(1);
            let addr = super::super::operator::ip4(SUBSCRIBER);
            self.unsolicited(&[format!("+CGEV: NW DEACT \"IP\",\"{addr}\",{cid}")]);
        }
    }

    /// A wedged dongle comes back when its USB device is de- and
    /// re-authorized, as the kernel then re-enumerates it.
    fn watch_authorized(&mut self) {
        let flag = std::fs::read_to_string(self.authorized_path()).unwrap_or_default();
        if flag.trim() == "0" && self.ports.is_some() {
            self.deauthorized = true;
            self.leave(false);
        } else if flag.trim() == "1" && self.deauthorized && self.next.is_none() && !self.plugged {
            // Gone for good only after it has left (not while leaving).
            self.deauthorized = false;
            self.arrive();
        }
    }
}

pub(super) fn pump(shared: &Shared) {
    let mut drain_tun = 0u32;
    while !shared.stop.load(Ordering::Relaxed) {
        let fds: Vec<i32> = {
            let w = shared.world.lock().unwrap_or_else(|e| e.into_inner());
            let mut v = vec![w.tun.fd()];
            if let Some(p) = &w.ports {
                v.push(p.pcui.fd());
                v.push(p.modem.fd());
            }
            v
        };
        wait_readable(&fds, TICK_MS);
        let mut w = shared.world.lock().unwrap_or_else(|e| e.into_inner());
        w.step(Instant::now());
        // Packets for a link that is down are dropped, not queued.
        drain_tun += 1;
        if !w.link_up() && drain_tun.is_multiple_of(4) {
            while w.tun.read_packet().is_some() {}
        }
    }
}
