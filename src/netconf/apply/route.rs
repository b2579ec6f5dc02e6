//! Our default routes: added through the route ioctl (`sys`), recorded only
//! when we added them (EEXIST: an identical one was there first).

use std::io;

use crate::events::Level;
use crate::netconf::Note;
use crate::netconf::sys::{self, RouteOp};

/// Adds a default route; EEXIST means an identical one was there first.
pub fn add<G: Copy + std::fmt::Display>(
    iface: &str,
    family: &str,
    gw: Option<G>,
    metric: u32,
    notes: &mut Vec<Note>,
    add: impl FnOnce(RouteOp) -> io::Result<()>,
) -> Option<(Option<G>, u32)> {
    let what = format!("{family} default route{} metric {metric}", via(gw));
    match add(RouteOp::Add) {
        Ok(()) => {
            notes.push((Level::Info, format!("{iface}: {what}")));
            Some((gw, metric))
        }
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            notes.push((
                Level::Info,
                format!("{iface}: {what} was already there; left alone"),
            ));
            None
        }
        Err(e) if e.raw_os_error() == Some(libc::ERANGE) => {
            notes.push((
                Level::Error,
                format!(
                    "{iface}: cannot add {what}: the route ioctl takes metrics up to {}",
                    sys::MAX_V4_METRIC
                ),
            ));
            None
        }
        Err(e) => {
            notes.push((Level::Error, format!("{iface}: cannot add {what}: {e}")));
            None
        }
    }
}

/// ` via <gateway>`, or nothing for a device route.
pub fn via<G: std::fmt::Display>(gw: Option<G>) -> String {
    gw.map(|g| format!(" via {g}")).unwrap_or_default()
}
