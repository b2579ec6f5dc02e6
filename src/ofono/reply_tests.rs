//! Replies decode by their signature alone: each shape the keeper's calls
//! get back, and the shapes nobody sends.

use std::collections::HashMap;

use dbus::Message;
use dbus::arg::{RefArg, Variant};

use super::decode;
use super::reply;
use crate::events::Reply;
use crate::value::Value;

type Dict = HashMap<String, Variant<Box<dyn RefArg>>>;

fn ret() -> Message {
    let mut m = Message::new_method_call("org.ofono", "/m", "org.ofono.Modem", "X").unwrap();
    m.set_serial(3);
    m.method_return()
}

fn path(p: &str) -> dbus::Path<'static> {
    dbus::Path::new(p.to_string()).unwrap()
}

fn sig(msg: &Message) -> Option<String> {
    decode::signature(&mut msg.iter_init())
}

#[test]
fn owner_path_and_empty() {
    // GetNameOwner (oFono's and a peer's).
    assert_eq!(
        reply(&ret().append1(":1.7")),
        Ok(Reply::Owner(":1.7".into()))
    );
    // AddContext.
    let created = ret().append1(path("/m/context2"));
    assert_eq!(reply(&created), Ok(Reply::Path("/m/context2".into())));
    // SetProperty, EnterPin and systemd-resolved's calls.
    assert_eq!(reply(&ret()), Ok(Reply::Empty));
}

#[test]
fn properties_empty_or_not() {
    let mut d = Dict::new();
    d.insert("Powered".into(), Variant(Box::new(true)));
    let Ok(Reply::Props(p)) = reply(&ret().append1(d)) else {
        panic!("not props");
    };
    assert_eq!(p["Powered"], Value::Bool(true));
    let none = ret().append1(Dict::new());
    assert_eq!(sig(&none).as_deref(), Some("a{sv}"));
    assert_eq!(reply(&none), Ok(Reply::Props(Default::default())));
}

#[test]
fn objects_empty_or_not() {
    let mut d = Dict::new();
    d.insert("Name".into(), Variant(Box::new("E367".to_string())));
    let one = ret().append1(vec![(path("/hso_0"), d)]);
    assert_eq!(sig(&one).as_deref(), Some("a(oa{sv})"));
    let Ok(Reply::Objects(list)) = reply(&one) else {
        panic!("not objects");
    };
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].0, "/hso_0");
    assert_eq!(list[0].1["Name"].as_str(), Some("E367"));
    // No modems: an empty array, whose element type only libdbus knows.
    let none = ret().append1(Vec::<(dbus::Path, Dict)>::new());
    assert_eq!(sig(&none).as_deref(), Some("a(oa{sv})"));
    assert_eq!(reply(&none), Ok(Reply::Objects(Vec::new())));
}

#[test]
fn malformed_replies_are_errors_with_their_signature() {
    let bad = |msg: Message| {
        let err = reply(&msg).unwrap_err();
        assert_eq!(err.name, "psendurance.Error.BadReply");
        err.message
    };
    assert!(bad(ret().append1(42u32)).contains("'u'"));
    assert!(bad(ret().append2(":1.7", ":1.8")).contains("'ss'"));
    // A dictionary of the wrong value type is not properties.
    let mut retries: HashMap<String, u8> = HashMap::new();
    retries.insert("pin".into(), 3);
    assert!(bad(ret().append1(retries)).contains("'a{sy}'"));
    // Objects without their properties.
    assert!(bad(ret().append1(vec![path("/a")])).contains("'ao'"));
    let nested: Vec<Vec<String>> = vec![vec![], vec!["x".into()]];
    assert!(bad(ret().append1(nested)).contains("'aas'"));
}
