//! The link's network configuration: what we applied, from which
//! `Settings`, so that late or changed settings are noticed and the same
//! settings read back another way change nothing.

use std::time::Instant;

use super::Keeper;
use crate::events::{Action, DnsVia, Level};
use crate::netsettings::{NetSettings, from_props};
use crate::value::Value;

/// `Settings` and `IPv6.Settings` as the context reported them.
type Source = (Option<Value>, Option<Value>);

#[derive(Debug, Default)]
pub struct Net {
    applied: Option<NetSettings>,
    from: Option<Source>,
}

impl Net {
    /// The configuration applied for the link that is up.
    pub fn applied(&self) -> Option<&NetSettings> {
        self.applied.as_ref()
    }

    pub fn interface(&self) -> Option<&str> {
        self.applied.as_ref().map(|n| n.interface.as_str())
    }

    /// The link is gone: the next settings are new whatever they say.
    pub fn forget_source(&mut self) {
        self.from = None;
    }
}

impl Keeper {
    /// Link up or still up: apply its network configuration once its
    /// settings are known (they may arrive after `Active=true`).
    pub(super) fn configure_link(&mut self, now: Instant) {
        let Some(ctx) = self.chosen_context() else {
            return;
        };
        let from = (
            ctx.get("Settings").cloned(),
            ctx.get("IPv6.Settings").cloned(),
        );
        let empty = |v: &Option<Value>| {
            v.as_ref()
                .and_then(Value::as_dict)
                .is_none_or(|d| d.is_empty())
        };
        if self.net.from.as_ref() == Some(&from) || (empty(&from.0) && empty(&from.1)) {
            return; // unchanged, or not known yet (Settings may follow Active)
        }
        let parsed = from_props(
            from.0.as_ref().and_then(Value::as_dict),
            from.1.as_ref().and_then(Value::as_dict),
        );
        self.net.from = Some(from);
        // The same settings read back another way (an empty IPv6 dict
        // that the signal left out, say) must not take a working link
        // down and up again.
        if let Ok((net, _)) = &parsed
            && self.net.applied.as_ref() == Some(net)
        {
            return;
        }
        self.unconfigure(now);
        match parsed {
            Ok((net, warnings)) => {
                for w in warnings {
                    self.log(Level::Warn, w);
                }
                self.teardown.configured(&net.interface);
                let via = self.dns_via();
                self.out.push_back(Action::Configure(net.clone(), via));
                self.net.applied = Some(net);
                if via == DnsVia::Resolved {
                    self.resolved_set(now);
                }
                self.read_counters();
                self.prober.link_configured(now);
            }
            Err(e) => self.log(Level::Warn, format!("context settings unusable: {e}")),
        }
    }

    /// Link down or leaving: undo the network configuration.
    pub(super) fn unconfigure(&mut self, now: Instant) {
        if self.net.applied.take().is_some() {
            self.out.push_back(Action::Unconfigure);
        }
        self.resolved_revert(now);
    }
}
