#!/bin/sh
# Install psendurance on a Raspberry Pi over ssh, or on this machine with
# --local: the binary, the SysV init script, /etc/default/psendurance
# (never overwritten), the systemd unit, a drop-in that makes systemd
# restart a crashed ofonod, the tun module at boot and, with
# --user, the D-Bus policy and the unprivileged user. Then it enables and
# starts the service. Every file, directory and user it creates is listed in
# /var/lib/psendurance-install/installed-files, which --uninstall follows to
# remove exactly those. Run with --help for the options.
set -eu

PROG=install.sh
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
DEFAULT_BINARY=target/arm-unknown-linux-gnueabihf/release/psendurance

BIN_DST=/usr/local/sbin/psendurance
INIT_DST=/etc/init.d/psendurance
DEF_DST=/etc/default/psendurance
DBUS_DST=/etc/dbus-1/system.d/psendurance.conf
UNIT_DST=/etc/systemd/system/psendurance.service
DROPIN_DST=/etc/systemd/system/psendurance.service.d/user.conf
MODULES_DST=/etc/modules-load.d/psendurance.conf
OFONO_DROPIN_DST=/etc/systemd/system/ofono.service.d/psendurance.conf
# Not in the daemon's own state directory /var/lib/psendurance, which may
# belong to its user: nobody but root may change what --uninstall deletes.
MANIFEST=/var/lib/psendurance-install/installed-files
USER_NAME=psendurance

usage() {
    cat <<EOF
Usage: $PROG [OPTIONS] [user@]host    install on a Pi over ssh (sudo there)
       $PROG [OPTIONS] --local        install on this machine (as root)

Options:
  --deb FILE      install this Debian package (scripts/build-deb.sh makes
                  it) with apt, which pulls in ofono and dbus; with
                  --uninstall --apt: apt-get remove psendurance. The
                  package enables and starts the service itself.
  --mm-ignore-udev
                  install a udev rule that makes ModemManager leave Huawei
                  dongles (USB vendor 12d1) to oFono
  --disable-modemmanager
                  stop and disable ModemManager, which competes with oFono
  --binary FILE   the psendurance binary to install
                  (default: $DEFAULT_BINARY)
  --user          run the daemon as the system user "$USER_NAME" (created),
                  with the D-Bus policy that lets it talk to oFono;
                  without it the daemon runs as root
  --uninstall     remove what an earlier install put there (per the
                  manifest $MANIFEST)
  --dry-run       print what would be done; change nothing
  --root DIR      install under DIR instead of / (for tests: no packages,
                  users or services are touched)
  -h, --help      print this help
EOF
}

die_usage() {
    echo "$PROG: $*; see --help" >&2
    exit 2
}

die() {
    echo "$PROG: $*" >&2
    exit 1
}

say() {
    echo "$PROG: $*"
}

# Runs a command, or only shows it with --dry-run.
run() {
    if [ "$DRY" = yes ]; then
        echo "would run: $*"
    else
        "$@"
    fi
}

# Single-quotes a word for a remote shell.
quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

BINARY=""
DEB=""
APT=no
MM_UDEV=no
MM_DISABLE=no
MM_RULE=/etc/udev/rules.d/77-psendurance-mm-ignore.rules
ROOT=""
LOCAL=no
AS_USER=no
UNINSTALL=no
DRY=no
HOST=""
ROOT_GIVEN=no

while [ $# -gt 0 ]; do
    case $1 in
    --binary | --root)
        [ $# -ge 2 ] || die_usage "$1 needs a value"
        [ -n "$2" ] || die_usage "$1 needs a non-empty value"
        if [ "$1" = --binary ]; then BINARY=$2; else ROOT=$2; ROOT_GIVEN=yes; fi
        shift 2
        ;;
    --binary=*) BINARY=${1#*=}; shift ;;
    --deb)
        [ $# -ge 2 ] || die_usage "$1 needs a value"
        DEB=$2
        shift 2
        ;;
    --root=*) ROOT=${1#*=}; ROOT_GIVEN=yes; shift ;;
    --local) LOCAL=yes; shift ;;
    --apt) APT=yes; shift ;;
    --mm-ignore-udev) MM_UDEV=yes; shift ;;
    --disable-modemmanager) MM_DISABLE=yes; shift ;;
    --user) AS_USER=yes; shift ;;
    --uninstall) UNINSTALL=yes; shift ;;
    --dry-run) DRY=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die_usage "unknown option '$1'" ;;
    *)
        [ -z "$HOST" ] || die_usage "one host only, got '$HOST' and '$1'"
        HOST=$1
        shift
        ;;
    esac
done

if [ "$LOCAL" = yes ] && [ -n "$HOST" ]; then
    die_usage "give a host or --local, not both"
fi
if [ "$LOCAL" = no ] && [ -z "$HOST" ]; then
    die_usage "give [user@]host to install on, or --local for this machine"
fi
if [ "$UNINSTALL" = yes ] && { [ -n "$BINARY" ] || [ "$AS_USER" = yes ]; }; then
    die_usage "--uninstall takes neither --binary nor --user: it removes what the manifest lists"
fi
if [ "$ROOT_GIVEN" = yes ]; then
    [ -d "$ROOT" ] || die_usage "--root: '$ROOT' is not a directory"
    ROOT=$(cd "$ROOT" && pwd)
    [ "$ROOT" != / ] || ROOT=""
fi
if [ -n "$DEB" ] || [ "$APT" = yes ]; then
    if [ -n "$BINARY" ] || [ "$AS_USER" = yes ] || [ "$ROOT_GIVEN" = yes ]; then
        die_usage "--deb/--apt take no --binary, --user or --root (for the user: RUN_AS=\"psendurance\" in /etc/default/psendurance, then reinstall)"
    fi
elif [ "$UNINSTALL" = no ]; then
    BINARY=${BINARY:-$SCRIPTS/../$DEFAULT_BINARY}
    [ -f "$BINARY" ] || die_usage "--binary: no file '$BINARY'; build it first or name it with --binary FILE"
fi

# ------------------------------------------------------------ the package --

# Over ssh (or here with --local): copy the .deb, apt install it; or remove.
deb_mode() {
    if [ "$UNINSTALL" = yes ]; then
        cmd='apt-get remove -y psendurance'
    elif [ -z "$DEB" ]; then
        die_usage "--apt is for --uninstall; to install give --deb FILE"
    else
        case $DEB in *.deb) ;; *) die_usage "--deb: '$DEB' is not a .deb" ;; esac
        [ -f "$DEB" ] || die_usage "--deb: no file '$DEB'; make it with scripts/build-deb.sh"
        # shellcheck disable=SC2016 # $dir expands where cmd runs
        cmd='apt-get install -y "$dir/psendurance.deb"'
    fi
    [ "$DRY" = no ] || { echo "would run: $cmd"; return 0; }
    if [ "$LOCAL" = yes ]; then
        dir=$(mktemp -d)
        [ "$UNINSTALL" = yes ] || cp "$DEB" "$dir/psendurance.deb"
        chmod 0755 "$dir"
        sh -c "dir=$dir; $cmd" && rc=0 || rc=$?
        rm -rf "$dir"
        [ "$rc" -eq 0 ] || exit "$rc"
    else
        case $HOST in
        *[!A-Za-z0-9@._:-]*) die_usage "'$HOST' is not a [user@]host" ;;
        esac
        dir=$(ssh "$HOST" 'mktemp -d /tmp/psendurance-install.XXXXXX') || die "cannot reach $HOST over ssh"
        if [ "$UNINSTALL" = no ]; then
            scp -q "$DEB" "$HOST:$dir/psendurance.deb" || die "cannot copy to $HOST:$dir"
        fi
        tty=""
        [ ! -t 0 ] || tty=-t
        # shellcheck disable=SC2029 # $dir and $cmd are meant to expand here
        ssh $tty "$HOST" "dir=$dir; chmod 0755 \"\$dir\"; \
            if [ \"\$(id -u)\" -eq 0 ]; then $cmd; else sudo $cmd; fi; \
            rc=\$?; rm -rf \"\$dir\"; exit \$rc" || exit $?
    fi
    check_conflicts_hint
    say "configure it in /etc/default/psendurance (APN, PIN file, roaming), then restart it"
    log_hint
}

# ModemManager and ConnMan both want the dongle that oFono drives.
check_conflicts() {
    if [ -e "$ROOT/lib/systemd/system/ModemManager.service" ] || [ -e "$ROOT/usr/sbin/ModemManager" ]; then
        if [ "$MM_UDEV" = no ] && [ "$MM_DISABLE" = no ]; then
            say "warning: ModemManager is installed and grabs the dongle before oFono; fix: --disable-modemmanager, or --mm-ignore-udev for Huawei (12d1) dongles"
        fi
    fi
    if [ -e "$ROOT/usr/sbin/connmand" ]; then
        say "warning: ConnMan is installed; if it manages cellular links it fights psendurance over the context: disable its ofono plugin or the service"
    fi
    if [ "$MM_UDEV" = yes ]; then
        ensure_dir "$(dirname "$MM_RULE")"
        write_file "$ROOT$MM_RULE" '# Leave Huawei dongles to oFono (psendurance): ModemManager ignores them.
ACTION=="add|change", SUBSYSTEMS=="usb", ATTRS{idVendor}=="12d1", ENV{ID_MM_DEVICE_IGNORE}="1"'
        record "file $MM_RULE"
        if on_target "reloading udev rules" && command -v udevadm >/dev/null; then
            run udevadm control --reload || true
        fi
    fi
    if [ "$MM_DISABLE" = yes ] && on_target "disabling ModemManager"; then
        if systemd_running; then
            run systemctl disable --now ModemManager.service || say "warning: could not disable ModemManager"
        fi
    fi
}

check_conflicts_hint() {
    say "if ModemManager runs it competes with oFono for the dongle: 'systemctl disable --now ModemManager'"
}

log_hint() {
    say "watch it with: journalctl -t psendurance -f   (Raspberry Pi OS Bookworm: no rsyslog)"
    say "  or, after 'apt-get install rsyslog': tail -f /var/log/syslog | grep psendurance"
    say "status line: systemctl kill -s USR1 psendurance (systemd), kill -USR1 \$(cat /run/psendurance.pid) (SysV)"
}

if [ -n "$DEB" ] || [ "$APT" = yes ]; then
    deb_mode
    exit 0
fi

# ---------------------------------------------------------------- remote --

remote() {
    case $HOST in
    *[!A-Za-z0-9@._:-]*) die_usage "'$HOST' is not a [user@]host" ;;
    esac
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/scripts/init.d" "$stage/scripts/default" "$stage/scripts/dbus" \
        "$stage/scripts/psendurance.service.d" "$stage/scripts/ofono.service.d"
    cp "$SCRIPTS/install.sh" "$stage/scripts/"
    cp "$SCRIPTS/init.d/psendurance" "$stage/scripts/init.d/"
    cp "$SCRIPTS/default/psendurance" "$stage/scripts/default/"
    cp "$SCRIPTS/dbus/psendurance.conf" "$stage/scripts/dbus/"
    cp "$SCRIPTS/psendurance.service" "$stage/scripts/"
    cp "$SCRIPTS/psendurance.service.d/user.conf" "$stage/scripts/psendurance.service.d/"
    cp "$SCRIPTS/ofono.service.d/restart.conf" "$stage/scripts/ofono.service.d/"

    args="--local"
    [ "$AS_USER" = no ] || args="$args --user"
    [ "$UNINSTALL" = no ] || args="$args --uninstall"
    [ "$DRY" = no ] || args="$args --dry-run"
    [ -z "$ROOT" ] || args="$args --root $(quote "$ROOT")"
    if [ "$UNINSTALL" = no ]; then
        cp "$BINARY" "$stage/psendurance"
        args="$args --binary \"\$dir/psendurance\""
    fi

    tty=""
    [ ! -t 0 ] || tty=-t
    if [ "$DRY" = yes ]; then
        # Only the target knows what it would change: copy to a temporary
        # directory there (removed afterwards) and ask for its dry run.
        say "dry run: copying to a temporary directory on $HOST to ask it"
    else
        say "copying to $HOST"
    fi
    dir=$(ssh "$HOST" 'mktemp -d /tmp/psendurance-install.XXXXXX') ||
        die "cannot reach $HOST over ssh"
    scp -q -r "$stage/." "$HOST:$dir/" || die "cannot copy to $HOST:$dir"
    # shellcheck disable=SC2029 # $dir and $args are meant to expand here
    ssh $tty "$HOST" "dir=$dir; \
        if [ \"\$(id -u)\" -eq 0 ]; then sh \"\$dir/scripts/install.sh\" $args; \
        else sudo sh \"\$dir/scripts/install.sh\" $args; fi; \
        rc=\$?; rm -rf \"\$dir\"; exit \$rc"
}

# ----------------------------------------------------------------- local --

# Appends a line to the manifest unless it is there already.
record() {
    [ "$DRY" = no ] || return 0
    if ! grep -Fqx -e "$1" "$ROOT$MANIFEST" 2>/dev/null; then
        printf '%s\n' "$1" >>"$ROOT$MANIFEST"
    fi
}

# Directories a dry run would have created so far.
DRY_DIRS=" "

dir_exists() {
    case $DRY_DIRS in *" $1 "*) return 0 ;; esac
    [ -d "$ROOT$1" ]
}

# Creates a directory and its missing parents, recording each one created.
ensure_dir() {
    d=$1
    todo=""
    while [ "$d" != / ] && ! dir_exists "$d"; do
        todo="$d $todo"
        d=$(dirname "$d")
    done
    for d in $todo; do
        run mkdir -m 0755 "$ROOT$d"
        [ "$DRY" = no ] || DRY_DIRS="$DRY_DIRS$d "
        record "dir $d"
    done
}

# Writes text (a newline is added) to a new file, mode 0644.
write_file() { # path, text
    if [ "$DRY" = yes ]; then
        echo "would write: $1"
    else
        printf '%s\n' "$2" >"$1"
        chmod 0644 "$1"
    fi
}

install_file() { # source, destination, mode
    ensure_dir "$(dirname "$2")"
    run install -m "$3" "$1" "$ROOT$2"
    record "file $2"
}

checksum() {
    cksum <"$1" | awk '{ print $1 "-" $2 }'
}

systemd_running() {
    [ -z "$ROOT" ] && [ -d /run/systemd/system ]
}

on_target() { # true when packages, users and services may be touched
    if [ -n "$ROOT" ]; then
        say "skipping under --root: $*"
        return 1
    fi
}

local_install() {
    for f in init.d/psendurance default/psendurance dbus/psendurance.conf \
        psendurance.service psendurance.service.d/user.conf ofono.service.d/restart.conf; do
        [ -f "$SCRIPTS/$f" ] || die "missing $SCRIPTS/$f; run $PROG from a full checkout"
    done

    # The manifest first, so that everything after it is recorded. Its own
    # directories are recorded once it can be written.
    d=$(dirname "$MANIFEST")
    created=""
    while [ ! -d "$ROOT$d" ]; do
        created="$d $created"
        d=$(dirname "$d")
    done
    for d in $created; do
        run mkdir -m 0755 "$ROOT$d"
        [ "$DRY" = no ] || DRY_DIRS="$DRY_DIRS$d "
    done
    for d in $created; do record "dir $d"; done

    if on_target "checking for the ofono package"; then
        if ! dpkg-query -W -f='${Status}' ofono 2>/dev/null | grep -q "install ok installed"; then
            say "installing ofono"
            run apt-get update -qq
            run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ofono
            record "package ofono"
        fi
    fi

    if [ "$AS_USER" = yes ] && on_target "creating user $USER_NAME"; then
        if ! getent passwd "$USER_NAME" >/dev/null; then
            run useradd --system --user-group --no-create-home \
                --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_NAME"
            record "user $USER_NAME"
        fi
    fi

    # A running daemon is matched by its executable: stop it before the
    # binary is replaced, or the init script could no longer find it.
    if ! systemd_running && [ -z "$ROOT" ] && [ -x "$INIT_DST" ]; then
        run "$INIT_DST" stop || true
    fi

    install_file "$BINARY" "$BIN_DST" 0755
    install_file "$SCRIPTS/init.d/psendurance" "$INIT_DST" 0755
    install_file "$SCRIPTS/psendurance.service" "$UNIT_DST" 0644
    # Stock ofono.service never restarts a crashed ofonod (seen in the soak).
    install_file "$SCRIPTS/ofono.service.d/restart.conf" "$OFONO_DROPIN_DST" 0644

    if [ -e "$ROOT$DEF_DST" ]; then
        say "keeping the existing $ROOT$DEF_DST"
        if [ "$AS_USER" = yes ] && ! grep -q "^RUN_AS=\"*$USER_NAME\"*\$" "$ROOT$DEF_DST"; then
            say "set RUN_AS=\"$USER_NAME\" in it for the init script"
        fi
    else
        ensure_dir "$(dirname "$DEF_DST")"
        if [ "$AS_USER" = yes ]; then
            write_file "$ROOT$DEF_DST" "$(sed "s/^RUN_AS=\"\"/RUN_AS=\"$USER_NAME\"/" \
                "$SCRIPTS/default/psendurance")"
        else
            run install -m 0644 "$SCRIPTS/default/psendurance" "$ROOT$DEF_DST"
        fi
        [ "$DRY" = yes ] || record "conf $(checksum "$ROOT$DEF_DST") $DEF_DST"
    fi

    check_conflicts
    if [ ! -e "$ROOT$MODULES_DST" ]; then
        ensure_dir "$(dirname "$MODULES_DST")"
        write_file "$ROOT$MODULES_DST" "# oFono needs TUN devices for its data contexts.
tun"
        record "file $MODULES_DST"
    fi
    if on_target "loading the tun module" && [ ! -e /dev/net/tun ]; then
        run modprobe tun || say "warning: 'modprobe tun' failed; oFono needs /dev/net/tun"
    fi

    if [ "$AS_USER" = yes ]; then
        install_file "$SCRIPTS/dbus/psendurance.conf" "$DBUS_DST" 0644
        install_file "$SCRIPTS/psendurance.service.d/user.conf" "$DROPIN_DST" 0644
        if on_target "reloading the D-Bus policy" && command -v dbus-send >/dev/null; then
            run dbus-send --system --type=method_call --print-reply=literal \
                --dest=org.freedesktop.DBus / org.freedesktop.DBus.ReloadConfig >/dev/null 2>&1 ||
                say "warning: the system bus did not reload; it picks the policy up by itself shortly"
        fi
        # Without systemd nothing grants CAP_NET_ADMIN ambiently: give it to
        # the binary, executable only by root and the user's group.
        if ! systemd_running && on_target "granting CAP_NET_ADMIN to the binary"; then
            run chgrp "$USER_NAME" "$BIN_DST"
            run chmod 0750 "$BIN_DST"
            if command -v setcap >/dev/null; then
                run setcap cap_net_admin+ep "$BIN_DST"
            else
                say "warning: setcap missing (package libcap2-bin); the daemon will lack CAP_NET_ADMIN"
            fi
        fi
    fi

    if on_target "enabling and starting the service"; then
        if systemd_running; then
            run systemctl daemon-reload
            run systemctl enable psendurance.service
            record "service systemd"
            run systemctl restart psendurance.service
        else
            command -v update-rc.d >/dev/null || die "update-rc.d not found: not a Debian system?"
            run update-rc.d psendurance defaults
            record "service sysv"
            run "$INIT_DST" start
        fi
    fi

    [ "$DRY" = yes ] || say "installed; the list of what was put where is in $ROOT$MANIFEST"
    say "configure it in $ROOT$DEF_DST (APN, PIN file, roaming), then restart it"
    log_hint
}

local_uninstall() {
    [ -f "$ROOT$MANIFEST" ] || die "nothing to uninstall: no $ROOT$MANIFEST"
    # Newest first: the service stops before its files go.
    entries=$(sed '1!G;h;$!d' "$ROOT$MANIFEST")
    keep_manifest=no
    while IFS=' ' read -r kind rest; do
        case $kind in
        service)
            if on_target "stopping and disabling the service"; then
                if [ "$rest" = systemd ]; then
                    if systemd_running; then
                        run systemctl disable --now psendurance.service || true
                    fi
                else
                    if [ -x "$INIT_DST" ]; then run "$INIT_DST" stop || true; fi
                    run update-rc.d -f psendurance remove || true
                fi
            fi
            ;;
        user)
            if on_target "removing user $rest"; then
                run userdel "$rest" || say "warning: could not remove user $rest"
            fi
            ;;
        package)
            say "left package $rest installed (install.sh installed it): 'apt-get remove $rest' removes it"
            ;;
        file)
            if [ -e "$ROOT$rest" ] || [ -L "$ROOT$rest" ]; then run rm -f "$ROOT$rest"; fi
            ;;
        conf)
            sum=${rest%% *}
            path=${rest#* }
            if [ -f "$ROOT$path" ]; then
                if [ "$(checksum "$ROOT$path")" = "$sum" ]; then
                    run rm -f "$ROOT$path"
                else
                    say "keeping $ROOT$path: it was changed since the install; delete it by hand if unwanted"
                fi
            fi
            ;;
        dir) ;;
        *)
            say "warning: unknown manifest line '$kind $rest'; left alone"
            keep_manifest=yes
            ;;
        esac
    done <<EOF
$entries
EOF
    if [ "$keep_manifest" = yes ]; then
        return 0
    fi
    run rm -f "$ROOT$MANIFEST"
    while IFS=' ' read -r kind rest; do
        [ "$kind" = dir ] || continue
        [ -d "$ROOT$rest" ] || continue
        if [ "$DRY" = yes ]; then
            echo "would run: rmdir $ROOT$rest (if empty by then)"
        elif [ -z "$(ls -A "$ROOT$rest")" ]; then
            run rmdir "$ROOT$rest"
        elif [ "$DRY" = no ]; then
            say "keeping $ROOT$rest: not empty"
        fi
    done <<EOF
$entries
EOF
    if systemd_running; then run systemctl daemon-reload || true; fi
    if [ -d "$ROOT/var/lib/psendurance" ]; then
        say "left $ROOT/var/lib/psendurance: the daemon's own state; delete it by hand if unwanted"
    fi
    [ "$DRY" = yes ] || say "uninstalled"
}

if [ "$LOCAL" = no ]; then
    remote
    exit 0
fi
if [ -z "$ROOT" ] && [ "$DRY" = no ] && [ "$(id -u)" -ne 0 ]; then
    die "run as root (sudo $PROG ...) to install on this machine"
fi
if [ "$UNINSTALL" = yes ]; then
    local_uninstall
else
    local_install
fi
