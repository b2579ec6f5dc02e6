//! The keeper's picture of oFono: objects with the properties last read or
//! signalled. Nothing here decides; it only answers questions about the picture.

use crate::value::{Props, Value};

/// One oFono object (or one interface of it) and its last known properties.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub path: String,
    /// `None` until the first `GetProperties` reply (or listing) arrives.
    pub props: Option<Props>,
}

impl Object {
    pub fn unread(path: &str) -> Object {
        Object {
            path: path.to_string(),
            props: None,
        }
    }

    pub fn with(path: &str, props: Props) -> Object {
        Object {
            path: path.to_string(),
            props: Some(props),
        }
    }

    pub fn known(&self) -> bool {
        self.props.is_some()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.props.as_ref()?.get(name)
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name)?.as_bool()
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name)?.as_str()
    }

    /// Records a changed property; ignored until the object has been read
    /// once (the read that is due will bring it anyway).
    pub fn set(&mut self, name: &str, value: Value) {
        if let Some(p) = self.props.as_mut() {
            p.insert(name.to_string(), value);
        }
    }

    /// Forgets a property we know to be stale until oFono says it again.
    pub fn unset(&mut self, name: &str) {
        if let Some(p) = self.props.as_mut() {
            p.remove(name);
        }
    }
}

/// Everything known about the oFono instance currently on the bus.
#[derive(Clone, Debug, Default)]
pub struct World {
    /// Unique bus name of `org.ofono`'s owner, once known.
    pub ofono: Option<String>,
    /// All modems, in oFono's order; `None` until listed.
    pub modems: Option<Vec<Object>>,
    /// Path of the modem we keep up.
    pub modem: Option<String>,
    pub sim: Option<Object>,
    pub netreg: Option<Object>,
    pub cm: Option<Object>,
    /// The modem's contexts, in oFono's order; `None` until listed.
    pub contexts: Option<Vec<Object>>,
}

impl World {
    /// Forgets everything below the bus name (oFono restarted or left).
    pub fn forget_ofono(&mut self) {
        *self = World::default();
    }

    /// Forgets the chosen modem and everything on it.
    pub fn forget_modem(&mut self) {
        self.modem = None;
        self.forget_modem_interfaces();
    }

    pub fn forget_modem_interfaces(&mut self) {
        self.sim = None;
        self.netreg = None;
        self.cm = None;
        self.contexts = None;
    }

    pub fn modem(&self) -> Option<&Object> {
        let path = self.modem.as_deref()?;
        self.modems.as_ref()?.iter().find(|m| m.path == path)
    }

    pub fn modem_mut(&mut self) -> Option<&mut Object> {
        let path = self.modem.as_deref()?;
        self.modems.as_mut()?.iter_mut().find(|m| m.path == path)
    }

    /// Does the chosen modem currently expose this interface?
    pub fn modem_has(&self, iface: &str) -> bool {
        self.modem()
            .and_then(|m| m.get("Interfaces"))
            .and_then(Value::as_strs)
            .is_some_and(|list| list.iter().any(|i| i == iface))
    }

    pub fn context_mut(&mut self, path: &str) -> Option<&mut Object> {
        self.contexts.as_mut()?.iter_mut().find(|c| c.path == path)
    }

    /// The context we keep up: with an APN wanted, the internet context
    /// that has it, else the first internet context (never mms, wap, ims).
    pub fn chosen_context(&self, apn: Option<&str>) -> Option<&Object> {
        let internet: Vec<&Object> = self
            .contexts
            .as_ref()?
            .iter()
            .filter(|c| c.str("Type") == Some("internet"))
            .collect();
        apn.and_then(|apn| {
            internet
                .iter()
                .copied()
                .find(|c| c.str("AccessPointName") == Some(apn))
        })
        .or_else(|| internet.first().copied())
    }
}

/// Picks the modem to keep up: the one asked for, else the first hardware one.
pub fn choose_modem<'a>(modems: &'a [Object], wanted: Option<&str>) -> Option<&'a Object> {
    match wanted {
        Some(path) => modems.iter().find(|m| m.path == path),
        None => modems.iter().find(|m| m.str("Type") == Some("hardware")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::props;

    fn ctx(path: &str, kind: &str, apn: &str) -> Object {
        Object::with(
            path,
            props([
                ("Type", Value::Str(kind.into())),
                ("AccessPointName", Value::Str(apn.into())),
            ]),
        )
    }

    #[test]
    fn never_takes_an_mms_context_even_when_it_comes_first() {
        let world = World {
            contexts: Some(vec![
                ctx("/m/c1", "mms", "mms.op"),
                ctx("/m/c2", "internet", ""),
            ]),
            ..World::default()
        };
        assert_eq!(world.chosen_context(None).unwrap().path, "/m/c2");
        assert_eq!(world.chosen_context(Some("web")).unwrap().path, "/m/c2");
    }

    #[test]
    fn prefers_the_internet_context_with_the_wanted_apn() {
        let world = World {
            contexts: Some(vec![
                ctx("/m/c1", "internet", "other"),
                ctx("/m/c2", "internet", "web"),
                ctx("/m/c3", "wap", "web"),
            ]),
            ..World::default()
        };
        assert_eq!(world.chosen_context(Some("web")).unwrap().path, "/m/c2");
        assert_eq!(world.chosen_context(None).unwrap().path, "/m/c1");
    }

    #[test]
    fn chooses_a_hardware_modem_unless_one_is_named() {
        let m = |p: &str, t: &str| Object::with(p, props([("Type", Value::Str(t.into()))]));
        let modems = [m("/sap_0", "sap"), m("/huawei_1", "hardware")];
        assert_eq!(choose_modem(&modems, None).unwrap().path, "/huawei_1");
        assert_eq!(
            choose_modem(&modems, Some("/sap_0")).unwrap().path,
            "/sap_0"
        );
        assert!(choose_modem(&modems, Some("/gone")).is_none());
    }
}
