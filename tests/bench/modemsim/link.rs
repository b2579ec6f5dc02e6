//! The TCP side: accepting oFono's links, reading its commands, writing
//! answers and unsolicited lines (all under the one lock), closing links.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::MutexGuard;
use std::thread;
use std::time::{Duration, Instant};

use super::super::modem::Reply;
use super::{AtLine, Dir, Inner, Link, Modem, ModemSim};

impl ModemSim {
    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not wedge teardown: ignore poison.
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Change the modem and send the lines `f` returns on the current link.
    pub(super) fn mutate(&self, f: impl FnOnce(&mut Modem) -> Vec<String>) {
        let mut g = self.lock();
        let out = f(&mut g.modem);
        send_lines(&mut g, &out);
        drop(g);
        self.shared.changed.notify_all();
    }

    pub(super) fn spawn_acceptor(&self, listener: TcpListener) {
        let sim = self.clone();
        let h = thread::Builder::new()
            .name("modemsim-accept".into())
            .spawn(move || sim.accept_loop(listener))
            .expect("spawn acceptor thread");
        *self
            .shared
            .acceptor
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(h);
    }

    /// Wake the acceptor with a connection of our own, then join it, so the
    /// port is closed when this returns.
    pub(super) fn stop_acceptor(&self) {
        let h = self
            .shared
            .acceptor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = h {
            let _ = TcpStream::connect_timeout(&self.shared.addr, Duration::from_secs(1));
            let _ = h.join();
        }
    }

    fn accept_loop(&self, listener: TcpListener) {
        for stream in listener.incoming() {
            let mut g = self.lock();
            if g.stopping || !g.plugged {
                return; // drops the listener: connections are refused now
            }
            let Ok(stream) = stream else { continue };
            let _ = stream.set_nodelay(true);
            let Ok(writer) = stream.try_clone() else {
                continue;
            };
            g.connections += 1;
            let id = g.connections;
            // A new link is a freshly powered modem. An older link (after a
            // reset oFono dials before closing the old one) is left for oFono
            // to close: shutting it here could fire its disconnect handler.
            g.modem.power_cycle();
            g.current = Some(Link { id, stream: writer });
            drop(g);
            self.shared.changed.notify_all();
            let sim = self.clone();
            let _ = thread::Builder::new()
                .name(format!("modemsim-link{id}"))
                .spawn(move || sim.read_loop(id, stream));
        }
    }

    fn read_loop(&self, id: u64, mut stream: TcpStream) {
        let mut buf = [0u8; 4096];
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let n = match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            while let Some(pos) = pending.iter().position(|b| *b == b'\r' || *b == b'\n') {
                let raw: Vec<u8> = pending.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&raw[..raw.len() - 1])
                    .trim()
                    .to_string();
                if !line.is_empty() {
                    self.on_command(id, &line);
                }
            }
        }
        self.on_link_closed(id);
    }

    fn on_command(&self, id: u64, line: &str) {
        let mut g = self.lock();
        g.log.push(AtLine {
            at: Instant::now(),
            dir: Dir::Received,
            link: id,
            line: line.to_string(),
        });
        // Commands on a link we already replaced (a reset overlap) are ignored.
        if g.current.as_ref().is_some_and(|l| l.id == id)
            && let Reply::Lines(out) = g.modem.handle(line)
        {
            send_lines(&mut g, &out);
        }
        drop(g);
        self.shared.changed.notify_all();
    }

    fn on_link_closed(&self, id: u64) {
        let mut g = self.lock();
        if g.current.as_ref().is_some_and(|l| l.id == id) {
            g.current = None;
            g.modem.link_lost();
        }
        drop(g);
        self.shared.changed.notify_all();
    }
}

/// Write lines to the current link (if any) and log them as sent.
fn send_lines(g: &mut Inner, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let Some(link) = g.current.as_mut() else {
        return;
    };
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(l.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    let id = link.id;
    // A failed write means oFono went away; the reader will notice EOF.
    let _ = link.stream.write_all(&bytes);
    let now = Instant::now();
    for l in lines {
        g.log.push(AtLine {
            at: now,
            dir: Dir::Sent,
            link: id,
            line: l.clone(),
        });
    }
}

/// Shut the current link down; its reader thread sees EOF and exits.
pub(super) fn close_current(g: &mut Inner) {
    if let Some(link) = g.current.take() {
        let _ = link.stream.shutdown(Shutdown::Both);
        g.modem.link_lost();
    }
}
