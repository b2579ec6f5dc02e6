//! resolv.conf replacement, restoration and crash recovery (no root needed:
//! always a file under the temp dir, never /etc/resolv.conf).

use std::fs;
use std::net::IpAddr;
use std::path::Path;

use super::TempDir;
use crate::events::Level;
use crate::netconf::resolv::{self, backup_path};

fn servers() -> Vec<IpAddr> {
    vec![
        "10.11.12.13".parse().unwrap(),
        "2001:db8::53".parse().unwrap(),
    ]
}

fn nameserver_lines(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn file_replaced_then_restored_byte_identical() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let before = b"# local\nnameserver 192.168.1.1\nsearch lan\n".to_vec();
    fs::write(&path, &before).unwrap();

    let (applied, note) = resolv::apply("ppp0", &servers(), &path);
    assert_eq!(note.0, Level::Info, "{note:?}");
    assert_eq!(
        nameserver_lines(&path),
        ["nameserver 10.11.12.13", "nameserver 2001:db8::53"]
    );
    assert_eq!(fs::read(backup_path(&path)).unwrap(), before);

    let note = resolv::undo(applied.unwrap());
    assert_eq!(note.0, Level::Info, "{note:?}");
    assert_eq!(fs::read(&path).unwrap(), before);
    assert!(!backup_path(&path).exists());
    assert_eq!(
        fs::read_dir(&dir.0).unwrap().count(),
        1,
        "temp files left behind"
    );
}

#[test]
fn symlink_replaced_then_restored() {
    let dir = TempDir::new();
    let target = dir.0.join("stub-resolv.conf");
    fs::write(&target, "nameserver 127.0.0.53\n").unwrap();
    let path = dir.0.join("resolv.conf");
    std::os::unix::fs::symlink(&target, &path).unwrap();

    let (applied, _) = resolv::apply("ppp0", &servers(), &path);
    assert!(
        !fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(backup_path(&path)).unwrap(), target);
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        "nameserver 127.0.0.53\n",
        "link target touched"
    );

    resolv::undo(applied.unwrap());
    assert_eq!(fs::read_link(&path).unwrap(), target);
    assert!(fs::symlink_metadata(backup_path(&path)).is_err());
}

#[test]
fn absent_file_is_removed_again() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let (applied, _) = resolv::apply("ppp0", &servers(), &path);
    assert!(path.exists() && !backup_path(&path).exists());
    resolv::undo(applied.unwrap());
    assert!(!path.exists());
}

#[test]
fn recover_after_crash() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let before = b"nameserver 192.168.1.1\n".to_vec();
    fs::write(&path, &before).unwrap();
    // A run that never undoes: the daemon crashed.
    let _lost = resolv::apply("ppp0", &servers(), &path);
    // The next run's apply would also find the backup; recovery puts it back.
    let note = resolv::recover(&path).unwrap();
    assert_eq!(note.0, Level::Warn, "{note:?}");
    assert_eq!(fs::read(&path).unwrap(), before);
    assert!(!backup_path(&path).exists());
    assert_eq!(
        resolv::recover(&path),
        None,
        "second recovery does something"
    );
}

#[test]
fn apply_over_a_leftover_keeps_the_original() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let before = b"nameserver 192.168.1.1\n".to_vec();
    fs::write(&path, &before).unwrap();
    let _crashed = resolv::apply("ppp0", &servers(), &path);
    // No recovery: a second apply must not save our own file as "previous".
    let (applied, _) = resolv::apply("ppp1", &servers(), &path);
    resolv::undo(applied.unwrap());
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn recover_without_backup_removes_our_file() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let _crashed = resolv::apply("ppp0", &servers(), &path);
    assert!(resolv::recover(&path).is_some());
    assert!(!path.exists());
}

#[test]
fn someone_elses_newer_file_is_left_alone() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    fs::write(&path, "nameserver 192.168.1.1\n").unwrap();
    let (applied, _) = resolv::apply("ppp0", &servers(), &path);
    fs::write(&path, "nameserver 9.9.9.9\n").unwrap();
    let note = resolv::undo(applied.unwrap());
    assert_eq!(note.0, Level::Warn, "{note:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "nameserver 9.9.9.9\n");
    assert!(!backup_path(&path).exists());

    // Same after a crash: recovery does not clobber a newer file.
    let _crashed = resolv::apply("ppp0", &servers(), &path);
    fs::write(&path, "nameserver 8.8.4.4\n").unwrap();
    resolv::recover(&path);
    assert_eq!(fs::read_to_string(&path).unwrap(), "nameserver 8.8.4.4\n");
    assert!(!backup_path(&path).exists());
}

#[test]
fn nothing_to_recover() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    assert_eq!(resolv::recover(&path), None);
    fs::write(&path, "nameserver 192.168.1.1\n").unwrap();
    assert_eq!(resolv::recover(&path), None);
}

#[test]
fn a_rewrite_is_undone_at_the_check_and_the_original_still_comes_back() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let original = b"# the admin's\nnameserver 192.168.1.1\n".to_vec();
    fs::write(&path, &original).unwrap();
    let (applied, _) = resolv::apply("ppp0", &servers(), &path);
    let mut applied = applied.unwrap();
    let ours = fs::read(&path).unwrap();
    assert_eq!(resolv::check(&mut applied, None), None, "nothing to do");

    for rewrite in [
        "nameserver 192.168.8.1\n",
        "# NetworkManager\nnameserver 1.1.1.1\n",
    ] {
        fs::write(&path, rewrite).unwrap();
        let note = resolv::check(&mut applied, None).expect("a note for the rewrite");
        assert_eq!(note.0, Level::Warn);
        assert!(
            note.1
                .ends_with("rewritten by another program; putting our name servers back"),
            "{note:?}"
        );
        assert_eq!(fs::read(&path).unwrap(), ours);
        assert_eq!(resolv::check(&mut applied, None), None, "once per rewrite");
        assert_eq!(fs::read(backup_path(&path)).unwrap(), original);
    }
    let note = resolv::undo(applied);
    assert_eq!(note.0, Level::Info, "{note:?}");
    assert_eq!(fs::read(&path).unwrap(), original);
    assert!(!backup_path(&path).exists());
}

#[test]
fn the_file_waits_while_another_link_holds_the_default_route() {
    let dir = TempDir::new();
    let path = dir.0.join("resolv.conf");
    let wifi = b"nameserver 192.168.1.1\n".to_vec();
    fs::write(&path, &wifi).unwrap();
    let (mut d, note) = resolv::wait("ppp0", &servers(), &path, "wlan0 (metric 600)");
    assert!(
        note.1
            .contains("wlan0 (metric 600) holds the default route"),
        "{note:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), wifi);
    assert_eq!(resolv::check(&mut d, Some("wlan0 (metric 600)")), None);
    assert_eq!(fs::read(&path).unwrap(), wifi);

    // Wi-Fi gone: ours go in, with the file of that moment as the backup.
    let note = resolv::check(&mut d, None).expect("written");
    assert_eq!(note.0, Level::Info, "{note:?}");
    assert_eq!(nameserver_lines(&path)[0], "nameserver 10.11.12.13");
    assert_eq!(fs::read(backup_path(&path)).unwrap(), wifi);

    // Wi-Fi back: the file is given back at once.
    let note = resolv::check(&mut d, Some("wlan0 (metric 600)")).expect("restored");
    assert!(
        note.1
            .starts_with("wlan0 (metric 600) holds the default route now;"),
        "{note:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), wifi);
    assert!(!backup_path(&path).exists());
    let note = resolv::undo(d);
    assert_eq!(note.0, Level::Debug, "nothing left to undo: {note:?}");
    assert_eq!(fs::read(&path).unwrap(), wifi);
}
