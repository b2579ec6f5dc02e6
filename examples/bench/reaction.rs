//! Reaction episodes: a loss oFono signals, then the instants at the modem
//! (the AT log, stamped in both directions) that show how fast a client
//! asked for the context again.

use std::time::{Duration, Instant};

use crate::bench::{AtLine, Bench, Daemon, Dir};

/// A loss that oFono signals (Powered=false, interfaces gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// `+CRST: 1`: oFono re-dials and re-powers the modem by itself.
    Reset,
    /// The modem closes the link: the client must power it up again.
    Hangup,
}

impl Loss {
    pub fn name(self) -> &'static str {
        match self {
            Loss::Reset => "modem reset (+CRST)",
            Loss::Hangup => "link hang-up",
        }
    }
}

/// What one episode measured (None: that instant was not in the log).
#[derive(Debug, Clone, Copy)]
pub struct Episode {
    /// The modem's answer to `AT+CGATT=1` -> `AT+CGACT=1` received.
    pub attach_to_activate: Option<Duration>,
    /// The loss (the `+CRST` line sent, or the hang-up) -> `AT+CGACT=1`.
    pub loss_to_activate: Option<Duration>,
}

/// Injects `loss`, waits (at most `bound`) until a new activation made a
/// context active at the modem and `client` said so, then until the AT
/// line settles, so the next episode starts from a quiet link.
pub fn episode(b: &Bench, client: &Daemon, loss: Loss, bound: Duration) -> Result<Episode, String> {
    let sim = b.sim();
    let (start, before) = sim.view(|v| (v.log().len(), v.activation_count()));
    let t = Instant::now();
    match loss {
        Loss::Reset => sim.reset(),
        Loss::Hangup => sim.hangup(),
    }
    let up = sim.wait_for(
        |s| s.activation_count() > before && !s.active_cids().is_empty(),
        bound,
    );
    if !up {
        return Err(format!(
            "{}: no active context within {bound:?}",
            loss.name()
        ));
    }
    if client.wait_log(" active", t, bound).is_none() {
        return Err(format!("{}: the client never said active", loss.name()));
    }
    let lines = sim.view(|v| v.log()[start..].to_vec());
    settle(b);
    let loss_at = match loss {
        Loss::Reset => lines
            .iter()
            .find(|l| l.dir == Dir::Sent && l.line.starts_with("+CRST"))
            .map(|l| l.at),
        Loss::Hangup => Some(t),
    };
    Ok(measure(&lines, loss_at))
}

/// Waits until no AT line has been logged for 30 ms (at most 1 s).
pub fn settle(b: &Bench) {
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut len = b.sim().view(|v| v.log().len());
    while Instant::now() < deadline {
        let grew = b
            .sim()
            .wait_for(|v| v.log().len() != len, Duration::from_millis(30));
        if !grew {
            return;
        }
        len = b.sim().view(|v| v.log().len());
    }
}

fn measure(lines: &[AtLine], loss_at: Option<Instant>) -> Episode {
    let after_loss = |l: &&AtLine| loss_at.is_none_or(|t| l.at >= t);
    let Some(act) = lines
        .iter()
        .filter(after_loss)
        .find(|l| l.dir == Dir::Received && l.line.starts_with("AT+CGACT=1"))
    else {
        return Episode {
            attach_to_activate: None,
            loss_to_activate: None,
        };
    };
    // The last attach request before the activation, and the first final
    // result the modem sent after it on the same link: its answer.
    let attach_answer = lines
        .iter()
        .rposition(|l| {
            l.dir == Dir::Received && l.line == "AT+CGATT=1" && l.at <= act.at && l.link == act.link
        })
        .and_then(|i| {
            lines[i + 1..]
                .iter()
                .find(|l| l.dir == Dir::Sent && l.link == act.link && is_final(&l.line))
        })
        .filter(|l| l.line == "OK");
    Episode {
        attach_to_activate: attach_answer.map(|l| act.at.saturating_duration_since(l.at)),
        loss_to_activate: loss_at.map(|t| act.at.saturating_duration_since(t)),
    }
}

fn is_final(line: &str) -> bool {
    line == "OK" || line == "ERROR" || line.starts_with("+CME ERROR")
}
