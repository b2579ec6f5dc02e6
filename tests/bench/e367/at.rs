//! The E367's AT dialect, as oFono 1.31's `huawei` plugin and the atmodem
//! drivers (vendor HUAWEI) speak to it: the Huawei commands are answered
//! here, the standard ones by the bench's modem model. Facts checked against
//! oFono 1.31's plugins/huawei.c, drivers/atmodem/{sim,gprs-context}.c.

use crate::bench::modem::{Modem, Reply};

/// Which of the dongle's two serial ports a line came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// The control port: everything but the dial.
    Pcui,
    /// The data port: `AT+CGDCONT`, the dial, then PPP.
    Modem,
}

/// What one command line leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Reply lines (the last one final).
    Reply(Vec<String>),
    /// Say nothing (a hung dial).
    Silence,
    /// `CONNECT`, and the port turns to PPP for context `cid`.
    Connect(u32),
}

/// Dial faults armed by the test.
#[derive(Debug, Clone, Default)]
pub struct DialFaults {
    /// The next N dials are refused...
    pub refuse: u32,
    /// ...with this final result (`NO CARRIER` when empty).
    pub refusal: String,
    /// Dials get no answer at all.
    pub hang: bool,
}

/// `^SYSINFO`: service status, domain, roaming, mode (5 = WCDMA), SIM
/// state (1 valid, 255 none), lock, submode.
pub fn sysinfo(m: &Modem) -> String {
    let registered = m.creg_stat() != 0;
    let srv = if registered { 2 } else { 0 };
    let domain = if registered { 3 } else { 0 };
    let roam = u8::from(m.creg_stat() == 5);
    let sim = if m.sim_present { 1 } else { 255 };
    format!("^SYSINFO:{srv},{domain},{roam},5,{sim},,4")
}

/// Answer one command line from `port`.
pub fn handle(m: &mut Modem, dial: &mut DialFaults, port: Port, line: &str) -> Answer {
    let line = line.trim();
    let upper = line.to_ascii_uppercase();
    let reply = |v: &[&str]| Answer::Reply(v.iter().map(|s| s.to_string()).collect());
    match upper.as_str() {
        // Both ports at power-up: echo off and verbose errors in one line.
        "ATE0 +CMEE=1" | "ATE0+CMEE=1" => return reply(&["OK"]),
        "ATI" => {
            return reply(&[
                "Manufacturer: huawei",
                "Model: E367",
                "Revision: 11.810.09.00.00",
                "IMEI: 350000000000367",
                "+GCAP: +CGSM,+DS,+ES",
                "OK",
            ]);
        }
        // Not supported: offline becomes AT+CFUN=5, no Huawei USSD, no NDIS
        // (so oFono uses PPP), no voice, no radio settings.
        "AT^RFSWITCH=?" | "AT^USSDMODE=?" | "AT^DIALMODE=?" | "AT^CVOICE=?" | "AT^SYSCFGEX=?"
        | "AT^SYSCFG=?" | "AT^DDSETEX=?" => return reply(&["ERROR"]),
        // Not listing PPP here makes oFono dial ATD*99***<cid>#, as it
        // does with the real E367.
        "AT+CGDATA=?" => return reply(&["ERROR"]),
        "AT^U2DIAG?" => return reply(&["^U2DIAG: 0", "OK"]),
        "AT^GETPORTMODE" => {
            return reply(&["^GETPORTMODE: TYPE: WCDMA: huawei,MDM:0,PCUI:2", "OK"]);
        }
        "AT+CGMI" | "AT+GMI" => return reply(&["huawei", "OK"]),
        "AT+CGMM" | "AT+GMM" => return reply(&["E367", "OK"]),
        "AT+CGMR" | "AT+GMR" => return reply(&["11.810.09.00.00", "OK"]),
        "AT^SYSINFO" => return Answer::Reply(vec![sysinfo(m), "OK".into()]),
        "AT^CPIN?" => return huawei_cpin(m),
        "AT+CFUN=5" | "AT+CFUN=7" => return from_model(m.handle("AT+CFUN=4")),
        _ => {}
    }
    if let Some(rest) = upper.strip_prefix("ATD*99") {
        if port != Port::Modem {
            return reply(&["ERROR"]);
        }
        let cid = rest
            .trim_start_matches('*')
            .trim_end_matches('#')
            .parse::<u32>()
            .unwrap_or(1);
        return dial_answer(m, dial, cid);
    }
    if upper.starts_with("AT+CRSM=") {
        // oFono's Huawei quirk asks 255 bytes of every GET RESPONSE; this
        // card has no elementary files, as the model says.
        return from_model(m.handle(line));
    }
    from_model(m.handle(line))
}

fn dial_answer(m: &mut Modem, dial: &mut DialFaults, cid: u32) -> Answer {
    *m.activations.entry(cid).or_default() += 1;
    if dial.hang {
        return Answer::Silence;
    }
    if dial.refuse > 0 {
        dial.refuse -= 1;
        let refusal = if dial.refusal.is_empty() {
            "NO CARRIER"
        } else {
            &dial.refusal
        };
        return Answer::Reply(vec![refusal.to_string()]);
    }
    if !m.sim_ready() || !m.attached || m.creg_stat() == 0 || !m.contexts.contains_key(&cid) {
        return Answer::Reply(vec!["NO CARRIER".into()]);
    }
    if let Some(p) = m.contexts.get_mut(&cid) {
        p.active = true;
    }
    Answer::Connect(cid)
}

fn huawei_cpin(m: &Modem) -> Answer {
    if !m.sim_present {
        return Answer::Reply(vec!["+CME ERROR: 10".into()]);
    }
    let state = match &m.pin_lock {
        Some(l) if !m.pin_entered && l.retries == 0 => "SIM PUK",
        Some(_) if !m.pin_entered => "SIM PIN",
        _ => "READY",
    };
    Answer::Reply(vec![format!("^CPIN: {state},,10,3,10,3"), "OK".into()])
}

fn from_model(r: Reply) -> Answer {
    match r {
        Reply::Lines(v) => Answer::Reply(v),
        Reply::Hold => Answer::Silence,
    }
}

/// Command lines in what a port sent: CR-terminated, junk before `AT`
/// (HDLC leftovers when oFono writes frames into a port back in command
/// mode) dropped. `buf` keeps an unterminated tail.
pub fn take_lines(buf: &mut Vec<u8>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(end) = buf.iter().position(|&b| b == b'\r' || b == b'\n') {
        let chunk: Vec<u8> = buf.drain(..=end).collect();
        let chunk = &chunk[..chunk.len() - 1];
        let after_frame = match chunk.iter().rposition(|&b| b == 0x7e) {
            Some(i) => &chunk[i + 1..],
            None => chunk,
        };
        let text = String::from_utf8_lossy(after_frame);
        let upper = text.to_ascii_uppercase();
        if let Some(at) = upper.find("AT") {
            out.push(text[at..].trim().to_string());
        }
    }
    // A port in command mode never gets a line this long: junk.
    if buf.len() > 4096 {
        buf.clear();
    }
    out
}

/// A reply as bytes on the wire (verbose, `ATV1`).
pub fn wire(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(l.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn powered_registered() -> Modem {
        let mut m = Modem::new();
        m.power_cycle();
        assert!(matches!(m.handle("AT+CFUN=1"), Reply::Lines(_)));
        m
    }

    #[test]
    fn sysinfo_says_sim_and_service() {
        let mut m = powered_registered();
        assert_eq!(sysinfo(&m), "^SYSINFO:2,3,0,5,1,,4");
        m.sim_present = false;
        assert_eq!(sysinfo(&m), "^SYSINFO:0,0,0,5,255,,4");
    }

    #[test]
    fn the_dial_needs_attach_and_a_defined_context() {
        let mut m = powered_registered();
        let mut d = DialFaults::default();
        let no_carrier = Answer::Reply(vec!["NO CARRIER".into()]);
        assert_eq!(
            handle(&mut m, &mut d, Port::Modem, "ATD*99***1#"),
            no_carrier
        );
        m.handle("AT+CGATT=1");
        m.handle("AT+CGDCONT=1,\"IP\",\"internet\"");
        assert_eq!(
            handle(&mut m, &mut d, Port::Pcui, "ATD*99***1#"),
            Answer::Reply(vec!["ERROR".into()])
        );
        assert_eq!(
            handle(&mut m, &mut d, Port::Modem, "ATD*99***1#"),
            Answer::Connect(1)
        );
        assert!(m.contexts[&1].active);
        d.refuse = 1;
        assert_eq!(
            handle(&mut m, &mut d, Port::Modem, "ATD*99***1#"),
            no_carrier
        );
    }

    #[test]
    fn offline_is_cfun_5() {
        let mut m = powered_registered();
        let mut d = DialFaults::default();
        assert_eq!(
            handle(&mut m, &mut d, Port::Pcui, "AT^RFSWITCH=?"),
            Answer::Reply(vec!["ERROR".into()])
        );
        handle(&mut m, &mut d, Port::Pcui, "AT+CFUN=5");
        assert_eq!(m.cfun, 4);
    }

    #[test]
    fn lines_skip_frame_leftovers() {
        let mut buf = b"\x7e\xff\x03\xc0\x21\x05\x7eAT+CGDCONT=1,\"IP\",\"x\"\rAT".to_vec();
        assert_eq!(
            take_lines(&mut buf),
            vec!["AT+CGDCONT=1,\"IP\",\"x\"".to_string()]
        );
        assert_eq!(buf, b"AT");
    }
}
