#!/bin/sh
# Installs the amd64 package into a throwaway Debian root and walks it
# through its life: apt install, start through the init script, upgrade to a
# rebuilt package with a bumped version (conffile edit kept, daemon
# restarted, the system user created because the edit asks for it), apt
# remove (daemon stopped, files gone, conffile kept), apt purge (conffile,
# state, user gone), and checks that nothing of it is left.
#
# The root is an overlay of this running Debian 12 system (upper layer on a
# tmpfs, in a private mount namespace), so it has ofono and dbus already and
# apt needs no network; every change the package makes lands in the upper
# layer, where the final check looks. Inside it run a private dbus-daemon
# (the chroot's system bus) and ofonod without a modem: the check proves the
# daemon starts, is found by the init script and talks to oFono, not that a
# context comes up (tests/scripts.rs does that against the bench).
# Needs root; takes about half a minute.
set -eu
cd "$(dirname "$0")/.."
PROG=check-deb

die() { echo "$PROG: FAIL: $*" >&2; exit 1; }
step() { echo "$PROG: [$(($(date +%s) - START))s] $*" >&2; }

if [ "${CHECK_DEB_INNER:-}" != 1 ]; then
    [ "$(id -u)" -eq 0 ] || die "run as root (it mounts an overlay root and runs apt in it)"
    for t in unshare chroot dpkg-deb fakeroot dbus-daemon ofonod apt-get; do
        command -v "$t" >/dev/null || die "$t not found (apt-get install util-linux dpkg-dev fakeroot dbus ofono)"
    done
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
    grep -qw overlay /proc/filesystems || die "no overlay file system in this kernel"
    exec env CHECK_DEB_INNER=1 unshare --mount --propagation private sh "$0" "$@"
fi

START=$(date +%s)
W=$(mktemp -d)
mount -t tmpfs tmpfs "$W"
mkdir -p "$W/upper" "$W/work" "$W/root" "$W/debs"

step "building the packages (0.1.0~check1, then 0.1.0~check2)"
DEB1=$(sh scripts/build-deb.sh --host --version 0.1.0~check1 --out "$W/debs" 2>/dev/null | tail -n1)
DEB2=$(sh scripts/build-deb.sh --host --version 0.1.0~check2 --out "$W/debs" 2>/dev/null | tail -n1)
[ -f "$DEB1" ] || die "build-deb.sh --host made no package"
[ -f "$DEB2" ] || die "build-deb.sh --host made no package"

R=$W/root
mount -t overlay overlay -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "$R"
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys" 2>/dev/null || mount --rbind /sys "$R/sys"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
cp "$DEB1" "$DEB2" "$R/tmp/"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
apt_in() { in_root apt-get -y -q -o Dpkg::Options::=--force-confold --no-install-recommends "$@"; }

PIDS=""
cleanup() {
    for p in $PIDS $(cat "$R/run/psendurance.pid" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# A root without the package and without its user, as on a fresh board.
in_root dpkg-query -W psendurance >/dev/null 2>&1 && die "psendurance is installed on this system: the check needs a host without it"
if in_root getent passwd psendurance >/dev/null; then in_root userdel psendurance; fi
if in_root getent group psendurance >/dev/null; then in_root groupdel psendurance; fi
# A container's policy-rc.d (exit 101) would keep invoke-rc.d from starting
# anything: the board has none.
rm -f "$R/usr/sbin/policy-rc.d"
# No init runs in the root to tell invoke-rc.d the runlevel (without one it
# starts nothing): say 2, as on a booted board.
rm -f "$R/usr/sbin/runlevel"
printf '#!/bin/sh\necho "N 2"\n' >"$R/usr/sbin/runlevel"
chmod 0755 "$R/usr/sbin/runlevel"

step "private system bus and ofonod in the root"
mkdir -p "$R/run/dbus"
in_root dbus-daemon --system --fork --print-pid >"$W/dbus.pid"
PIDS="$PIDS $(cat "$W/dbus.pid")"
in_root sh -c 'ofonod -n >/tmp/ofonod.log 2>&1 & echo $!' >"$W/ofono.pid"
PIDS="$PIDS $(cat "$W/ofono.pid")"
n=0
until in_root dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetNameOwner string:org.ofono >/dev/null 2>&1; do
    n=$((n + 1)); [ $n -lt 100 ] || die "ofonod did not come onto the root's bus"; sleep 0.1
done

# Alive and not a zombie (nobody here may reap a daemon that exited).
alive() { [ -e "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'; }
daemon_pid() {
    p=$(cat "$R/run/psendurance.pid" 2>/dev/null) || return 1
    [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$R/usr/sbin/psendurance" ] || [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/sbin/psendurance ] || return 1
    echo "$p"
}
wait_status() { # what the status file must say
    n=0
    until grep -q "$1" "$R/run/psendurance/status" 2>/dev/null; do
        n=$((n + 1)); [ $n -lt 100 ] || die "status file never said '$1': $(cat "$R/run/psendurance/status" 2>/dev/null)"; sleep 0.1
    done
}

step "apt install ./$(basename "$DEB1")"
apt_in install "/tmp/$(basename "$DEB1")" >"$W/apt1.log" 2>&1 || { cat "$W/apt1.log" >&2; die "apt install failed"; }
for f in /usr/sbin/psendurance /etc/init.d/psendurance /etc/default/psendurance \
    /lib/systemd/system/psendurance.service /usr/share/dbus-1/system.d/psendurance.conf \
    /usr/lib/modules-load.d/psendurance.conf /lib/systemd/system/ofono.service.d/psendurance.conf \
    /usr/share/man/man8/psendurance.8.gz /usr/share/doc/psendurance/copyright; do
    in_root dpkg -L psendurance | grep -qx "$f" || die "dpkg -L lacks $f"
    [ -e "$R$f" ] || die "$f not installed"
done
ls "$R"/etc/rc2.d/S*psendurance >/dev/null 2>&1 || die "update-rc.d made no start link"
PID1=$(daemon_pid) || die "the init script did not start the daemon: $(cat "$W/apt1.log")"
wait_status "state="
step "running as pid $PID1 ($(grep '^state=' "$R/run/psendurance/status"))"
in_root getent passwd psendurance >/dev/null && die "the package created user psendurance unasked"
in_root /etc/init.d/psendurance status >/dev/null || die "init script status is not 0 while running"

step "edit the conffile, upgrade to $(basename "$DEB2")"
printf 'DAEMON_ARGS="-f --interval 7"\nRUN_AS="psendurance"\nDAEMON_OUTPUT="/tmp/daemon.log"\n' >>"$R/etc/default/psendurance"
EDITED=$(cksum <"$R/etc/default/psendurance")
apt_in install "/tmp/$(basename "$DEB2")" >"$W/apt2.log" 2>&1 || { cat "$W/apt2.log" "$R/tmp/daemon.log" >&2; die "upgrade failed"; }
[ "$(in_root dpkg-query -W -f="\${Version}" psendurance)" = 0.1.0~check2 ] || die "not upgraded"
[ "$(cksum <"$R/etc/default/psendurance")" = "$EDITED" ] || die "the upgrade changed the edited conffile"
PID2=$(daemon_pid) || die "no daemon after the upgrade: $(cat "$W/apt2.log")"
[ "$PID2" != "$PID1" ] || die "the upgrade did not restart the daemon"
alive "$PID1" && die "the old daemon $PID1 still runs"
tr '\0' ' ' <"/proc/$PID2/cmdline" | grep -q -- "--interval 7" || die "restarted daemon lacks the edited options: $(tr '\0' ' ' <"/proc/$PID2/cmdline")"
UID_WANT=$(in_root id -u psendurance) || die "RUN_AS=\"psendurance\" did not create the user"
[ "$(awk '/^Uid:/{print $2}' "/proc/$PID2/status")" = "$UID_WANT" ] || die "daemon not running as psendurance"
[ -f "$R/etc/systemd/system/psendurance.service.d/user.conf" ] || die "no systemd drop-in for the user"
step "restarted as pid $PID2, user psendurance, conffile edit kept"

step "apt remove"
apt_in remove psendurance >"$W/apt3.log" 2>&1 || { cat "$W/apt3.log" >&2; die "remove failed"; }
alive "$PID2" && die "daemon $PID2 still runs after remove"
[ ! -e "$R/usr/sbin/psendurance" ] || die "binary left after remove"
[ ! -e "$R/lib/systemd/system/psendurance.service" ] || die "unit left after remove"
[ "$(cksum <"$R/etc/default/psendurance")" = "$EDITED" ] || die "remove did not keep the conffile"
in_root dpkg-query -W -f="\${Status}" psendurance | grep -q "config-files" || die "not in config-files state"

step "apt purge"
apt_in purge psendurance >"$W/apt4.log" 2>&1 || { cat "$W/apt4.log" >&2; die "purge failed"; }
in_root dpkg-query -W psendurance >/dev/null 2>&1 && die "dpkg still knows psendurance"
in_root getent passwd psendurance >/dev/null && die "purge left user psendurance"
in_root getent group psendurance >/dev/null && die "purge left group psendurance"
cleanup; PIDS=""
sleep 0.2
umount -l "$R/run" "$R/tmp" "$R/proc" 2>/dev/null || true
LEFT=$(cd "$W/upper" && find . -path '*psendurance*')
[ -z "$LEFT" ] || die "left behind after purge: $LEFT"
step "OK: installed, started by the init script, upgraded (restarted, conffile kept), removed, purged; nothing left"
