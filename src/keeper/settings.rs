//! What the user asked for, as the keeper needs it (parsed and checked by `cli`).

use std::time::Duration;

use crate::target::Target;

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Pin this modem path; otherwise the first modem of Type `hardware`.
    pub modem: Option<String>,
    pub apn: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `pap`, `chap` or `none`.
    pub auth: Option<String>,
    /// `ip`, `ipv6` or `dual`.
    pub protocol: Option<String>,
    pub pin: Option<String>,
    pub roaming: bool,
    pub interval: Duration,
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// A link that holds this long resets the backoff.
    pub stable: Duration,
    pub activation_timeout: Duration,
    pub call_timeout: Duration,
    pub deactivate_on_exit: bool,
    pub probe: ProbeMode,
    pub probe_interval: Duration,
    /// Probe failures (or activation failures while attached) in a row
    /// that climb one step of the recovery ladder.
    pub probe_failures: u32,
    /// The first ladder step's cool-down; higher steps wait longer.
    pub step_cooldown: Duration,
    /// How long `Suspended=true` is waited out before any step.
    pub suspend_grace: Duration,
    pub usb_reset: bool,
    pub last_resort: bool,
    /// A bring-up stuck this long (SIM never ready, registered but never
    /// attached) climbs the ladder.
    pub stall_timeout: Duration,
    /// Manage the link's name servers (`--no-dns` turns it off).
    pub dns: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            modem: None,
            apn: None,
            username: None,
            password: None,
            auth: None,
            protocol: None,
            pin: None,
            roaming: false,
            interval: Duration::from_secs(30),
            retry_min: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            stable: Duration::from_secs(120),
            activation_timeout: Duration::from_secs(120),
            call_timeout: Duration::from_secs(25),
            deactivate_on_exit: false,
            probe: ProbeMode::Dns,
            probe_interval: Duration::from_secs(60),
            probe_failures: 3,
            step_cooldown: Duration::from_secs(30),
            suspend_grace: Duration::from_secs(60),
            usb_reset: true,
            last_resort: false,
            stall_timeout: Duration::from_secs(60),
            dns: true,
        }
    }
}

impl Settings {
    /// Context properties to apply while the context is inactive, in order.
    pub fn context_props(&self) -> Vec<(&'static str, &str)> {
        let wanted = [
            ("AccessPointName", &self.apn),
            ("Username", &self.username),
            ("Password", &self.password),
            ("AuthenticationMethod", &self.auth),
            ("Protocol", &self.protocol),
        ];
        wanted
            .into_iter()
            .filter_map(|(name, v)| v.as_deref().map(|v| (name, v)))
            .collect()
    }
}

/// How the data path is probed.
#[derive(Clone, Debug, PartialEq)]
pub enum ProbeMode {
    /// A DNS query to the context's own name servers.
    Dns,
    /// `--probe tcp:IP:PORT`.
    Fixed(Target),
    Off,
}
