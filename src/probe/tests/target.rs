use crate::probe::{Target, parse_target};

#[test]
fn tcp_targets() {
    assert_eq!(
        parse_target("tcp:1.1.1.1:443"),
        Ok(Target::Tcp("1.1.1.1:443".parse().unwrap()))
    );
    assert_eq!(
        parse_target("tcp:[::1]:53"),
        Ok(Target::Tcp("[::1]:53".parse().unwrap()))
    );
}

#[test]
fn clear_errors() {
    let err = |s: &str| parse_target(s).unwrap_err();
    assert!(err("tcp:example.com:443").contains("name resolution is what may be broken"));
    assert!(err("tcp:1.1.1.1").contains("missing port"));
    assert!(err("tcp:1.1.1.1:http").contains("bad port"));
    assert!(err("tcp:2001:db8::1:443").contains("brackets"));
    assert!(err("tcp:0.0.0.0:80").contains("unicast"));
    assert!(err("tcp:1.1.1.1:0").contains("port above 0"));
    assert!(err("udp:1.1.1.1:53").contains("expected tcp:IP:PORT"));
    assert!(err("").contains("expected"));
}
