//! What the user asked for, as the keeper needs it (parsed and checked by `cli`).

use std::time::Duration;

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
