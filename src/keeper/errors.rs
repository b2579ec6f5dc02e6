//! What an error reply means for us: wait and retry, fix the configuration,
//! the object is gone, or the bus will not let us talk to oFono at all.

use crate::events::CallError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Try again after the backoff (network refused, busy, not attached...).
    Transient,
    /// Our request cannot work as configured; retried at the slowest pace.
    Config,
    /// The object, interface or service vanished (modem reset, oFono gone).
    Gone,
    /// The bus refuses to deliver our calls to oFono: fatal, a setup problem.
    BusDenied,
}

pub fn classify(err: &CallError) -> ErrorClass {
    match err.name.as_str() {
        "org.freedesktop.DBus.Error.AccessDenied" => ErrorClass::BusDenied,
        "org.freedesktop.DBus.Error.UnknownObject"
        | "org.freedesktop.DBus.Error.UnknownMethod"
        | "org.freedesktop.DBus.Error.UnknownInterface"
        | "org.freedesktop.DBus.Error.ServiceUnknown"
        | "org.freedesktop.DBus.Error.NameHasNoOwner"
        | "org.freedesktop.DBus.Error.NoReply"
        | "org.freedesktop.DBus.Error.Disconnected" => ErrorClass::Gone,
        "org.ofono.Error.InvalidArguments"
        | "org.ofono.Error.InvalidFormat"
        | "org.ofono.Error.NotImplemented"
        | "org.ofono.Error.NotSupported"
        | "org.ofono.Error.AccessDenied" => ErrorClass::Config,
        _ => ErrorClass::Transient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str) -> ErrorClass {
        classify(&CallError::new(name, ""))
    }

    #[test]
    fn activation_errors_are_transient() {
        for e in [
            "Failed",
            "NotAttached",
            "AttachInProgress",
            "InProgress",
            "Timedout",
        ] {
            assert_eq!(
                class(&format!("org.ofono.Error.{e}")),
                ErrorClass::Transient,
                "{e}"
            );
        }
    }

    #[test]
    fn configuration_errors_are_not_transient() {
        for e in ["InvalidArguments", "AccessDenied", "NotImplemented"] {
            assert_eq!(
                class(&format!("org.ofono.Error.{e}")),
                ErrorClass::Config,
                "{e}"
            );
        }
    }

    #[test]
    fn bus_access_denied_differs_from_ofono_access_denied() {
        assert_eq!(
            class("org.freedesktop.DBus.Error.AccessDenied"),
            ErrorClass::BusDenied
        );
        assert_eq!(
            class("org.freedesktop.DBus.Error.UnknownObject"),
            ErrorClass::Gone
        );
        assert_eq!(class("something.Unheard.Of"), ErrorClass::Transient);
    }
}
