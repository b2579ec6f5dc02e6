//! The minimal re-activator that `examples/bench` measures psendurance
//! against: on every oFono signal, power and online the first modem if
//! needed, and when attached with the internet context inactive, set
//! Active=true. No backoff, no deadlines, no ghost handling: the floor a
//! client's reaction time can be compared with. Talks to the system bus
//! (DBUS_SYSTEM_BUS_ADDRESS on the bench).

use std::time::Duration;

use dbus::Path;
use dbus::arg::{PropMap, Variant, prop_cast};
use dbus::blocking::Connection;

const CALL: Duration = Duration::from_secs(25);

/// One look at oFono; true if it changed something (look again at once).
fn step(c: &Connection) -> Result<bool, dbus::Error> {
    let get = |path: &str, iface: &str| -> Result<PropMap, dbus::Error> {
        let (m,): (PropMap,) =
            c.with_proxy("org.ofono", path, CALL)
                .method_call(iface, "GetProperties", ())?;
        Ok(m)
    };
    let set = |path: &str, iface: &str, name: &str, on: bool| -> Result<bool, dbus::Error> {
        c.with_proxy("org.ofono", path, CALL)
            .method_call::<(), _, _, _>(iface, "SetProperty", (name, Variant(on)))?;
        Ok(true)
    };
    let is = |m: &PropMap, k: &str| prop_cast::<bool>(m, k).copied().unwrap_or(false);
    let (modems,): (Vec<(Path<'static>, PropMap)>,) = c
        .with_proxy("org.ofono", "/", CALL)
        .method_call("org.ofono.Manager", "GetModems", ())?;
    let Some((modem, props)) = modems.first() else {
        return Ok(false);
    };
    if !is(props, "Powered") {
        return set(modem, "org.ofono.Modem", "Powered", true);
    }
    if !is(props, "Online") {
        return set(modem, "org.ofono.Modem", "Online", true);
    }
    if !is(&get(modem, "org.ofono.ConnectionManager")?, "Attached") {
        return Ok(false);
    }
    let (contexts,): (Vec<(Path<'static>, PropMap)>,) =
        c.with_proxy("org.ofono", &**modem, CALL).method_call(
            "org.ofono.ConnectionManager",
            "GetContexts",
            (),
        )?;
    let internet = contexts
        .iter()
        .find(|(_, p)| prop_cast::<String>(p, "Type").is_some_and(|t| t == "internet"));
    match internet {
        Some((path, p)) if !is(p, "Active") => {
            set(path, "org.ofono.ConnectionContext", "Active", true)?;
            eprintln!("reference: {path} active");
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn main() -> Result<(), dbus::Error> {
    let c = Connection::new_system()?;
    c.add_match_no_cb("type='signal',sender='org.ofono'")?;
    loop {
        // Errors (oFono busy, object gone mid-reset) wait for the next signal.
        while let Ok(true) = step(&c) {}
        // Wait for any signal, then drain the rest before looking again.
        c.process(Duration::from_secs(3600))?;
        while c.process(Duration::ZERO)? {}
    }
}
