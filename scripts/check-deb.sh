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
# (the chroot's system bus) and ofonod with the phonesim plugin; the bench's
# modem simulator (examples/modemsim.rs) answers it on 127.0.0.1 of a
# private network namespace, so no address or route of this machine is
# touched. The modem is "plugged in" only after the install: the daemon
# the postinst starts finds no working modem; the one that
# `/etc/init.d/psendurance start` starts with the settings file's APN
# brings the context up (Active=true at the modem and in oFono, state=up in
# the status file), and the upgrade's restart leaves it up (no new
# activation at the modem).
# Needs root; takes about 20 s once the binaries are built.
set -eu
cd "$(dirname "$0")/.."
PROG=check-deb

die() { echo "$PROG: FAIL: $*" >&2; exit 1; }
step() { echo "$PROG: [$(($(date +%s) - START))s] $*" >&2; }

if [ "${CHECK_DEB_INNER:-}" != 1 ]; then
    [ "$(id -u)" -eq 0 ] || die "run as root (it mounts an overlay root and runs apt in it)"
    for t in unshare chroot dpkg-deb fakeroot dbus-daemon ofonod apt-get ip cargo; do
        command -v "$t" >/dev/null || die "$t not found (apt-get install util-linux dpkg-dev fakeroot dbus ofono iproute2)"
    done
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
    grep -qw overlay /proc/filesystems || die "no overlay file system in this kernel"
    exec env CHECK_DEB_INNER=1 unshare --mount --net --propagation private sh "$0" "$@"
fi

START=$(date +%s)
START_MS=$(date +%s%3N)
ip link set lo up
W=$(mktemp -d)
mount -t tmpfs tmpfs "$W"
mkdir -p "$W/upper" "$W/work" "$W/root" "$W/debs"

step "building the packages (0.1.0~check1, then 0.1.0~check2)"
DEB1=$(sh scripts/build-deb.sh --host --version 0.1.0~check1 --out "$W/debs" 2>/dev/null | tail -n1)
DEB2=$(sh scripts/build-deb.sh --host --version 0.1.0~check2 --out "$W/debs" 2>/dev/null | tail -n1)
[ -f "$DEB1" ] || die "build-deb.sh --host made no package"
[ -f "$DEB2" ] || die "build-deb.sh --host made no package"
cargo build --quiet --example modemsim || die "cannot build examples/modemsim.rs"
SIM=${CARGO_TARGET_DIR:-target}/debug/examples/modemsim
[ -x "$SIM" ] || die "no $SIM"
# The private network namespace has the port to itself.
PORT=12345

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

step "private system bus and ofonod (phonesim plugin) in the root"
mkdir -p "$R/run/dbus"
in_root dbus-daemon --system --fork --print-pid >"$W/dbus.pid"
PIDS="$PIDS $(cat "$W/dbus.pid")"
printf '[phonesim]\nAddress=127.0.0.1\nPort=%s\n' "$PORT" >"$R/tmp/phonesim.conf"
in_root sh -c 'OFONO_PHONESIM_CONFIG=/tmp/phonesim.conf OFONO_AT_DEBUG=1 ofonod -n -d -p phonesim,atmodem >/tmp/ofonod.log 2>&1 & echo $!' >"$W/ofono.pid"
PIDS="$PIDS $(cat "$W/ofono.pid")"

# Polls the rest of the line every 0.1 s for up to $1 seconds.
within() {
    n=$(($1 * 10)); shift
    until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done
}
ofono_lists_phonesim() {
    in_root dbus-send --system --print-reply --dest=org.ofono / org.ofono.Manager.GetModems 2>/dev/null | grep -q 'object path "/phonesim"'
}
within 10 ofono_lists_phonesim || die "ofonod did not list /phonesim on the root's bus: $(tail -n 20 "$R/tmp/ofonod.log")"
# Every key=value given is a line of the simulator's state file.
sim_says() {
    for kv; do grep -qx "$kv" "$W/sim.state" 2>/dev/null || return 1; done
}
status_says() {
    for kv; do grep -qx "$kv" "$R/run/psendurance/status" 2>/dev/null || return 1; done
}
ofono_context_active() {
    in_root dbus-send --system --print-reply --dest=org.ofono /phonesim/context1 \
        org.ofono.ConnectionContext.GetProperties 2>/dev/null | tr -s ' \n' ' ' |
        grep -q 'string "Active" variant boolean true'
}
sim_value() { sed -n "s/^$1=//p" "$W/sim.state"; }
ms_since() { echo $(($(date +%s%3N) - $1)); }
explain() { # what the modem, oFono and the daemon said, for a failure
    echo "--- modem simulator state:"; cat "$W/sim.state" 2>/dev/null
    echo "--- status file:"; cat "$R/run/psendurance/status" 2>/dev/null
    for f in "$R"/tmp/daemon*.log; do [ -f "$f" ] && { echo "--- $f:"; tail -n 15 "$f"; }; done
    echo "--- ofonod log:"; tail -n 15 "$R/tmp/ofonod.log"
}

# Alive and not a zombie (nobody here may reap a daemon that exited).
alive() { [ -e "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'; }
gone() { ! alive "$1"; }
daemon_pid() {
    p=$(cat "$R/run/psendurance.pid" 2>/dev/null) || return 1
    [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$R/usr/sbin/psendurance" ] || [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/sbin/psendurance ] || return 1
    echo "$p"
}
wait_status() { # what the status file must say
    within 10 grep -q "$1" "$R/run/psendurance/status" 2>/dev/null ||
        die "status file never said '$1': $(cat "$R/run/psendurance/status" 2>/dev/null)"
}

step "apt install ./$(basename "$DEB1") (modem not plugged in yet)"
apt_in install "/tmp/$(basename "$DEB1")" >"$W/apt1.log" 2>&1 || { cat "$W/apt1.log" >&2; die "apt install failed"; }
for f in /usr/sbin/psendurance /etc/init.d/psendurance /etc/default/psendurance \
    /lib/systemd/system/psendurance.service /usr/share/dbus-1/system.d/psendurance.conf \
    /usr/lib/modules-load.d/psendurance.conf /lib/systemd/system/ofono.service.d/psendurance.conf \
    /usr/share/man/man8/psendurance.8.gz /usr/share/doc/psendurance/copyright; do
    in_root dpkg -L psendurance | grep -qx "$f" || die "dpkg -L lacks $f"
    [ -e "$R$f" ] || die "$f not installed"
done
ls "$R"/etc/rc2.d/S*psendurance >/dev/null 2>&1 || die "update-rc.d made no start link"
PID0=$(daemon_pid) || die "the init script did not start the daemon: $(cat "$W/apt1.log")"
wait_status "state="
step "running as pid $PID0 ($(grep '^state=' "$R/run/psendurance/status"))"
in_root getent passwd psendurance >/dev/null && die "the package created user psendurance unasked"
in_root /etc/init.d/psendurance status >/dev/null || die "init script status is not 0 while running"

step "set the APN in the conffile, plug the modem in, /etc/init.d/psendurance stop and start"
printf 'DAEMON_ARGS="-f --apn internet.check"\nDAEMON_OUTPUT="/tmp/daemon1.log"\n' >>"$R/etc/default/psendurance"
in_root /etc/init.d/psendurance stop >"$W/stop.log" 2>&1 || { cat "$W/stop.log" >&2; die "init script stop failed"; }
within 5 gone "$PID0" || die "daemon $PID0 still runs after stop"
"$SIM" --port "$PORT" --state "$W/sim.state" >"$W/modemsim.log" 2>&1 &
PIDS="$PIDS $!"
within 5 sim_says connections=0 || die "modem simulator did not start: $(cat "$W/modemsim.log")"
T=$(date +%s%3N)
in_root /etc/init.d/psendurance start >"$W/start.log" 2>&1 || { cat "$W/start.log" >&2; explain >&2; die "init script start failed"; }
PID1=$(daemon_pid) || die "the init script did not start the daemon: $(cat "$W/start.log")"
within 15 sim_says active=1 apn=internet.check || { explain >&2; die "no context active at the modem with the settings file's APN"; }
UP_MS=$(ms_since "$T")
within 5 ofono_context_active || { explain >&2; die "oFono does not say Active=true"; }
within 5 status_says state=up "pid=$PID1" || { explain >&2; die "the status file does not say state=up"; }
ACTIVATIONS=$(sim_value activations)
step "context up: active at the modem with APN internet.check ${UP_MS} ms after 'start' (the init script waits 1 s of it), Active=true in oFono, state=up (pid $PID1)"

step "edit the conffile, upgrade to $(basename "$DEB2")"
# shellcheck disable=SC2016 # a line for the settings file, $ and all
printf 'DAEMON_ARGS="$DAEMON_ARGS --interval 7"\nRUN_AS="psendurance"\nDAEMON_OUTPUT="/tmp/daemon2.log"\n' >>"$R/etc/default/psendurance"
EDITED=$(cksum <"$R/etc/default/psendurance")
T=$(date +%s%3N)
apt_in install "/tmp/$(basename "$DEB2")" >"$W/apt2.log" 2>&1 || { cat "$W/apt2.log" >&2; explain >&2; die "upgrade failed"; }
[ "$(in_root dpkg-query -W -f="\${Version}" psendurance)" = 0.1.0~check2 ] || die "not upgraded"
[ "$(cksum <"$R/etc/default/psendurance")" = "$EDITED" ] || die "the upgrade changed the edited conffile"
PID2=$(daemon_pid) || die "no daemon after the upgrade: $(cat "$W/apt2.log")"
[ "$PID2" != "$PID1" ] || die "the upgrade did not restart the daemon"
alive "$PID1" && die "the old daemon $PID1 still runs"
# The edit adds to the earlier line, as the settings file's examples do.
tr '\0' ' ' <"/proc/$PID2/cmdline" | grep -q -- "--apn internet.check --interval 7" || die "restarted daemon lacks the edited options: $(tr '\0' ' ' <"/proc/$PID2/cmdline")"
UID_WANT=$(in_root id -u psendurance) || die "RUN_AS=\"psendurance\" did not create the user"
[ "$(awk '/^Uid:/{print $2}' "/proc/$PID2/status")" = "$UID_WANT" ] || die "daemon not running as psendurance"
[ -f "$R/etc/systemd/system/psendurance.service.d/user.conf" ] || die "no systemd drop-in for the user"
within 5 status_says state=up "pid=$PID2" || { explain >&2; die "the restarted daemon does not say state=up"; }
SEEN_MS=$(ms_since "$T")
# The old daemon left the context up on SIGTERM (no --deactivate-on-exit):
# no new AT+CGACT=1 reached the modem, and it is still active there.
sim_says active=1 "activations=$ACTIVATIONS" || { explain >&2; die "the context did not stay up across the upgrade (activations $ACTIVATIONS before)"; }
ofono_context_active || { explain >&2; die "oFono does not say Active=true after the upgrade"; }
step "restarted as pid $PID2, user psendurance, conffile edit kept; the context stayed active (still $ACTIVATIONS activation at the modem), state=up ${SEEN_MS} ms after apt began"

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
for f in /etc/default/psendurance /var/lib/psendurance /run/psendurance /run/psendurance.pid; do
    [ ! -e "$R$f" ] || die "purge left $f"
done
cleanup; PIDS=""
sleep 0.2
umount -l "$R/run" "$R/tmp" "$R/proc" 2>/dev/null || true
LEFT=$(cd "$W/upper" && find . -path '*psendurance*')
[ -z "$LEFT" ] || die "left behind after purge: $LEFT"
step "OK: installed, started by the init script with the APN and the context up, upgraded (restarted, context kept up, conffile kept), removed, purged; nothing left"
echo "$PROG: OK in $(ms_since "$START_MS") ms" >&2
