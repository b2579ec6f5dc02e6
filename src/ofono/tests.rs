//! Decoding real D-Bus messages, including hostile ones: never a panic.

use std::collections::HashMap;

use dbus::Message;
use dbus::arg::{RefArg, Variant};

use super::{message, reply, signal};
use crate::events::{Iface, Method, Peer, Reply, Signal};
use crate::value::Value;

fn call() -> Message {
    let mut m =
        Message::new_method_call("org.ofono", "/m", "org.ofono.Modem", "GetProperties").unwrap();
    m.set_serial(7);
    m
}

type Dict = HashMap<String, Variant<Box<dyn RefArg>>>;

fn var<T: RefArg + 'static>(v: T) -> Variant<Box<dyn RefArg>> {
    Variant(Box::new(v))
}

#[test]
fn decodes_modem_properties() {
    let mut d = Dict::new();
    d.insert("Powered".into(), var(true));
    d.insert("Model".into(), var("E367".to_string()));
    d.insert(
        "Interfaces".into(),
        var(vec!["org.ofono.SimManager".to_string()]),
    );
    let mut retries: HashMap<String, u8> = HashMap::new();
    retries.insert("pin".into(), 3);
    d.insert("Retries".into(), var(retries));
    let msg = call().method_return().append1(d);
    let Ok(Reply::Props(p)) = reply(&msg) else {
        panic!("not decoded");
    };
    assert_eq!(p["Powered"], Value::Bool(true));
    assert_eq!(p["Model"].as_str(), Some("E367"));
    assert_eq!(p["Interfaces"].as_strs().unwrap(), ["org.ofono.SimManager"]);
    assert_eq!(p["Retries"].as_dict().unwrap()["pin"], Value::Int(3));
}

#[test]
fn wrong_types_are_kept_as_other_and_read_as_absent() {
    let mut d = Dict::new();
    d.insert("Powered".into(), var("yes".to_string()));
    d.insert("Online".into(), var(1.5f64));
    let msg = call().method_return().append1(d);
    let Ok(Reply::Props(p)) = reply(&msg) else {
        panic!("not decoded");
    };
    assert_eq!(p["Powered"].as_bool(), None);
    assert_eq!(p["Online"], Value::Other);
}

#[test]
fn a_reply_of_the_wrong_shape_is_an_error_not_a_panic() {
    let msg = call().method_return().append1(42u32);
    let err = reply(&msg).unwrap_err();
    assert_eq!(err.name, "psendurance.Error.BadReply");
    assert!(err.message.contains("'u'"), "{}", err.message);
    // No body is a shape of its own (SetProperty's), not an error.
    assert_eq!(reply(&call().method_return()), Ok(Reply::Empty));
}

#[test]
fn oversized_arrays_and_strings_are_bounded() {
    let mut d = Dict::new();
    d.insert("Interfaces".into(), var(vec!["x".repeat(10_000); 5_000]));
    let msg = call().method_return().append1(d);
    let Ok(Reply::Props(p)) = reply(&msg) else {
        panic!("not decoded");
    };
    let list = p["Interfaces"].as_strs().unwrap();
    assert_eq!(list.len(), 256);
    assert_eq!(list[0].len(), 4096);
}

#[test]
fn error_replies_keep_their_name_and_text() {
    let name = dbus::strings::ErrorName::new("org.ofono.Error.NotAttached").unwrap();
    let text = std::ffi::CString::new("GPRS is not attached").unwrap();
    let msg = call().error(&name, &text);
    let err = reply(&msg).unwrap_err();
    assert_eq!(err.name, "org.ofono.Error.NotAttached");
    assert_eq!(err.message, "GPRS is not attached");
}

#[test]
fn decodes_property_changed_and_name_owner_changed() {
    let msg = Message::new_signal(
        "/m/context1",
        "org.ofono.ConnectionContext",
        "PropertyChanged",
    )
    .unwrap()
    .append2("Active", Variant(false));
    assert_eq!(
        signal(&msg),
        Some(Signal::PropertyChanged {
            path: "/m/context1".into(),
            iface: Iface::ConnectionContext,
            name: "Active".into(),
            value: Value::Bool(false),
        })
    );
    let msg = Message::new_signal(
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameOwnerChanged",
    )
    .unwrap()
    .append3("org.ofono", ":1.4", "");
    assert_eq!(
        signal(&msg),
        Some(Signal::OfonoOwner {
            new_owner: String::new()
        })
    );
    let other = Message::new_signal(
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameOwnerChanged",
    )
    .unwrap()
    .append3("org.example", "", ":1.9");
    assert_eq!(signal(&other), None);
    let mm = Message::new_signal(
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameOwnerChanged",
    )
    .unwrap()
    .append3("org.freedesktop.ModemManager1", "", ":1.9");
    assert_eq!(
        signal(&mm),
        Some(Signal::PeerOwner {
            peer: Peer::ModemManager,
            present: true
        })
    );
    let connman_gone = Message::new_signal(
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameOwnerChanged",
    )
    .unwrap()
    .append3("net.connman", ":1.3", "");
    assert_eq!(
        signal(&connman_gone),
        Some(Signal::PeerOwner {
            peer: Peer::ConnMan,
            present: false
        })
    );
}

#[test]
fn resolved_calls_carry_the_interface_index_and_address_families() {
    let dns = vec![
        "10.0.0.53".parse().unwrap(),
        "2001:db8::53".parse().unwrap(),
    ];
    let msg = message("/", &Method::ResolvedSetDns("lo".into(), dns)).unwrap();
    assert_eq!(
        msg.destination().unwrap().to_string(),
        "org.freedesktop.resolve1"
    );
    assert_eq!(msg.path().unwrap().to_string(), "/org/freedesktop/resolve1");
    assert_eq!(
        &*msg.interface().unwrap(),
        "org.freedesktop.resolve1.Manager"
    );
    assert_eq!(&*msg.member().unwrap(), "SetLinkDNS");
    let (index, addrs): (i32, Vec<(i32, Vec<u8>)>) = msg.read2().unwrap();
    assert_eq!(index, 1, "lo is interface 1");
    assert_eq!(
        addrs,
        [
            (libc::AF_INET, vec![10, 0, 0, 53]),
            (
                libc::AF_INET6,
                vec![0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53]
            )
        ]
    );
    let msg = message("/", &Method::ResolvedDefaultRoute("lo".into())).unwrap();
    assert_eq!(msg.read2::<i32, bool>().unwrap(), (1, true));
    let msg = message("/", &Method::ResolvedRevert("lo".into())).unwrap();
    assert_eq!(&*msg.member().unwrap(), "RevertLink");
    // An interface that is gone (the link went with it) cannot be sent.
    let gone = message("/", &Method::ResolvedRevert("ppp77".into())).unwrap_err();
    assert!(gone.message.contains("no interface ppp77"), "{gone:?}");
    let hostile = message("/", &Method::ResolvedRevert("../x".into())).unwrap_err();
    assert!(
        hostile.message.contains("invalid interface name"),
        "{hostile:?}"
    );
}

#[test]
fn malformed_signals_are_ignored() {
    let no_variant = Message::new_signal("/m", "org.ofono.Modem", "PropertyChanged")
        .unwrap()
        .append2("Powered", true);
    assert_eq!(signal(&no_variant), None);
    let no_args = Message::new_signal("/", "org.ofono.Manager", "ModemAdded").unwrap();
    assert_eq!(signal(&no_args), None);
    let unknown_iface = Message::new_signal("/m", "org.ofono.VoiceCallManager", "PropertyChanged")
        .unwrap()
        .append2("Calls", Variant(1u32));
    assert_eq!(signal(&unknown_iface), None);
}

#[test]
fn builds_calls_and_refuses_bad_paths() {
    let set = Method::SetProperty(
        Iface::ConnectionContext,
        "AccessPointName",
        Value::Str("web".into()),
    );
    let msg = message("/m/context1", &set).unwrap();
    assert_eq!(&*msg.member().unwrap(), "SetProperty");
    assert_eq!(&*msg.interface().unwrap(), "org.ofono.ConnectionContext");
    let (name, v): (&str, Variant<&str>) = msg.read2().unwrap();
    assert_eq!((name, v.0), ("AccessPointName", "web"));
    let err = message("not a path", &Method::GetProperties(Iface::Modem)).unwrap_err();
    assert_eq!(err.name, "psendurance.Error.BadRequest");
}

mod hostile {
    //! Random D-Bus values where oFono's would be: decoding never panics,
    //! and whatever decodes is harmless to the keeper.

    use dbus::Message;
    use dbus::arg::messageitem::MessageItem;
    use proptest::prelude::*;

    use super::super::{reply, signal};
    use crate::events::Event;

    fn leaf() -> impl Strategy<Value = MessageItem> {
        prop_oneof![
            any::<bool>().prop_map(MessageItem::Bool),
            "[^\u{0}]{0,40}".prop_map(MessageItem::Str),
            any::<u8>().prop_map(MessageItem::Byte),
            any::<i32>().prop_map(MessageItem::Int32),
            any::<u64>().prop_map(MessageItem::UInt64),
            any::<f64>().prop_map(MessageItem::Double),
            "(/[a-z0-9_]{1,8}){1,3}"
                .prop_map(|p| MessageItem::ObjectPath(dbus::Path::new(p).unwrap())),
        ]
    }

    fn item() -> impl Strategy<Value = MessageItem> {
        leaf().prop_recursive(4, 48, 8, |inner| {
            prop_oneof![
                inner
                    .clone()
                    .prop_map(|i| MessageItem::Variant(Box::new(i))),
                proptest::collection::vec(inner.clone(), 1..6).prop_map(MessageItem::Struct),
                proptest::collection::vec("[a-zA-Z.]{0,12}", 0..8).prop_map(|v| {
                    MessageItem::new_array(v.into_iter().map(MessageItem::Str).collect())
                        .unwrap_or(MessageItem::Bool(false))
                }),
                proptest::collection::vec(("[A-Za-z]{1,12}", inner), 1..6).prop_map(|v| {
                    let pairs = v
                        .into_iter()
                        .map(|(k, i)| (MessageItem::Str(k), MessageItem::Variant(Box::new(i))))
                        .collect();
                    MessageItem::new_dict(pairs).unwrap_or(MessageItem::Bool(true))
                }),
            ]
        })
    }

    const IFACES: [&str; 6] = [
        "org.ofono.Modem",
        "org.ofono.ConnectionManager",
        "org.ofono.ConnectionContext",
        "org.ofono.SimManager",
        "org.ofono.NetworkRegistration",
        "org.ofono.Manager",
    ];
    const MEMBERS: [&str; 5] = [
        "PropertyChanged",
        "ModemAdded",
        "ModemRemoved",
        "ContextAdded",
        "ContextRemoved",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn random_signals_and_replies_never_panic(
            iface in 0usize..6,
            member in 0usize..5,
            args in proptest::collection::vec(item(), 0..3),
        ) {
            let mut msg = Message::new_signal("/m/context1", IFACES[iface], MEMBERS[member]).unwrap();
            msg.append_items(&args);
            let decoded = signal(&msg);

            let mut call = Message::new_method_call("org.ofono", "/m", "org.ofono.Modem", "GetProperties").unwrap();
            call.set_serial(1);
            let mut ret = call.method_return();
            ret.append_items(&args);
            let result = reply(&ret);

            // Whatever decodes goes to a keeper in the middle of its work.
            // (An activation hangs, so a call is pending to answer.)
            use crate::keeper::tests::{Fake, Story, settings};
            let fake = Fake { hang: true, ..Fake::default() };
            let mut story = Story::with(settings(), fake);
            story.run_until(1.0);
            if let Some(s) = decoded {
                story.signal(s);
            }
            let token = story.hung.first().map_or(1, |c| c.token);
            story.feed(Event::Reply { token, result });
            story.run_until(100.0);
        }
    }
}
