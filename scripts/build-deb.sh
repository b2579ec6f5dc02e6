#!/bin/sh
# Packs psendurance as a Debian binary package with plain dpkg-deb (no
# debhelper: the tree is small, and the same script packs the cross-built
# ARMv6 binary, which dpkg-buildpackage would want to build itself).
#
#   scripts/build-deb.sh           armhf, from scripts/build-pi.sh's binary
#                                  (built first when missing)
#   scripts/build-deb.sh --host    this machine's architecture, from
#                                  `cargo build --release`
#
# Options: --binary FILE (pack this binary instead), --version V (package
# version; default Cargo.toml's, for upgrade tests), --out DIR (default
# target/deb). The man page is made from the daemon's own --help (through
# the host build when the binary is for another architecture).
# The last line printed is the path of the .deb.
set -eu
cd "$(dirname "$0")/.."

PROG=build-deb
die() { echo "$PROG: $*" >&2; exit 1; }
die_usage() { echo "$PROG: $*; see --help" >&2; exit 2; }

HOST=no
BINARY=""
VERSION=""
OUT=target/deb
while [ $# -gt 0 ]; do
    case $1 in
    --host) HOST=yes; shift ;;
    --binary | --version | --out)
        if [ $# -lt 2 ] || [ -z "$2" ]; then die_usage "$1 needs a value"; fi
        case $1 in --binary) BINARY=$2 ;; --version) VERSION=$2 ;; --out) OUT=$2 ;; esac
        shift 2
        ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
    esac
done

for tool in dpkg-deb fakeroot readelf gzip; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install dpkg-dev fakeroot binutils gzip)"
done
VERSION=${VERSION:-$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)}
[ -n "$VERSION" ] || die "no version in Cargo.toml"

HOST_BIN=target/release/psendurance
# DEB_MAINTAINER overrides the committer of the checked-out commit.
MAINTAINER=${DEB_MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || true)}
[ -n "$MAINTAINER" ] || die "set DEB_MAINTAINER=\"Name <mail>\" (no git history to take it from)"
if [ "$HOST" = yes ]; then
    ARCH=$(dpkg --print-architecture)
    if [ -z "$BINARY" ]; then
        cargo build --release --quiet >&2
        BINARY=$HOST_BIN
    fi
else
    ARCH=armhf
    if [ -z "$BINARY" ]; then
        BINARY=target/arm-unknown-linux-gnueabihf/release/psendurance
        [ -x "$BINARY" ] || sh scripts/build-pi.sh >&2
    fi
fi
[ -x "$BINARY" ] || die "no binary '$BINARY'; build it first or name it with --binary FILE"
case "$(readelf -h "$BINARY" | awk -F': *' '/Machine:/{print $2}'),$ARCH" in
*ARM*,armhf | *X86-64*,amd64 | *AArch64*,arm64) ;;
*) die "'$BINARY' is not an $ARCH binary" ;;
esac

# The man page comes from --help of a binary of the same source that runs
# here: the packed one when it does.
if [ "$ARCH" = "$(dpkg --print-architecture)" ]; then
    HOST_BIN=$BINARY
fi
[ -x "$HOST_BIN" ] || cargo build --release --quiet >&2
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
R=$STAGE/root
"$HOST_BIN" --help >"$STAGE/help.txt"

# --- the tree ---------------------------------------------------------------
install -d "$R/DEBIAN" "$R/usr/sbin" "$R/etc/init.d" "$R/etc/default" \
    "$R/lib/systemd/system/ofono.service.d" "$R/usr/share/dbus-1/system.d" \
    "$R/usr/lib/modules-load.d" "$R/usr/share/man/man8" "$R/usr/share/psendurance" \
    "$R/usr/share/doc/psendurance"
install -m 0755 "$BINARY" "$R/usr/sbin/psendurance"
# The scripts name the bare-binary path /usr/local/sbin; the package's is /usr/sbin.
sed 's|/usr/local/sbin/psendurance|/usr/sbin/psendurance|g' scripts/init.d/psendurance >"$R/etc/init.d/psendurance"
chmod 0755 "$R/etc/init.d/psendurance"
sed 's|/usr/local/sbin/psendurance|/usr/sbin/psendurance|g' scripts/psendurance.service \
    >"$R/lib/systemd/system/psendurance.service"
# Debian starts an installed service: the package is switched off with
# systemctl disable / update-rc.d psendurance disable, not ENABLED=.
sed '/^# Start the daemon at boot/,/^ENABLED=/d' scripts/default/psendurance >"$R/etc/default/psendurance"
chmod 0644 "$R/etc/default/psendurance"
install -m 0644 scripts/ofono.service.d/restart.conf "$R/lib/systemd/system/ofono.service.d/psendurance.conf"
install -m 0644 scripts/dbus/psendurance.conf "$R/usr/share/dbus-1/system.d/psendurance.conf"
printf '# oFono needs TUN devices for its data contexts.\ntun\n' >"$R/usr/lib/modules-load.d/psendurance.conf"
install -m 0644 scripts/psendurance.service.d/user.conf "$R/usr/share/psendurance/user.conf"
sh scripts/deb/help2man.sh "$STAGE/help.txt" "$VERSION" | gzip -9n >"$R/usr/share/man/man8/psendurance.8.gz"
install -m 0644 scripts/deb/copyright "$R/usr/share/doc/psendurance/copyright"
DATE=$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
printf 'psendurance (%s) unstable; urgency=medium\n\n  * Packaged from the psendurance source tree.\n\n -- %s  %s\n' \
    "$VERSION" "$MAINTAINER" "$DATE" | gzip -9n >"$R/usr/share/doc/psendurance/changelog.gz"
for s in postinst prerm postrm; do
    install -m 0755 "scripts/deb/$s" "$R/DEBIAN/$s"
done
printf '/etc/default/psendurance\n/etc/init.d/psendurance\n' >"$R/DEBIAN/conffiles"

# --- dependencies from what the binary links -----------------------------------
# libc6: the highest GLIBC_ symbol version it asks for. libdbus-1-3: the
# highest version that Debian's symbols file gives for the dbus_ functions it
# calls (the file is the same for every architecture).
SYMS=$(readelf --dyn-syms -W "$BINARY" | awk '$7 == "UND" {print $8}')
GLIBC_MIN=$(echo "$SYMS" | sed -n 's/.*@GLIBC_\([0-9.]*\).*/\1/p' | sort -V | tail -n1)
[ -n "$GLIBC_MIN" ] || die "no GLIBC_ symbol versions in $BINARY"
DBUS_SYMBOLS=$(find /var/lib/dpkg/info -name 'libdbus-1-3*.symbols' | head -n1)
[ -n "$DBUS_SYMBOLS" ] || die "libdbus-1-3's symbols file not found (apt-get install libdbus-1-3)"
DBUS_MIN=$(echo "$SYMS" | sed -n 's/^\(dbus_[A-Za-z0-9_]*\).*/\1/p' | sort -u | while read -r sym; do
    awk -v s="$sym" '$1 ~ ("^" s "@") {print $2}' "$DBUS_SYMBOLS"
done | sort -V | tail -n1)
[ -n "$DBUS_MIN" ] || die "no dbus_ symbols matched $DBUS_SYMBOLS"

SIZE_KB=$(du -k -s --exclude=DEBIAN "$R" | awk '{print $1}')
cat >"$R/DEBIAN/control" <<CTRL
Package: psendurance
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $SIZE_KB
Pre-Depends: init-system-helpers (>= 1.54~)
Depends: libc6 (>= $GLIBC_MIN), libdbus-1-3 (>= $DBUS_MIN), ofono, dbus, adduser
Recommends: usb-modeswitch, usb-modeswitch-data
Section: net
Priority: optional
Description: keeps a mobile data connection up through oFono
 psendurance powers a 3G/4G USB modem, brings the radio online, enters the
 SIM PIN if allowed, activates the internet context through oFono over
 D-Bus and activates it again every time the link is lost, never giving up.
 It sets the interface's address, default route and name servers, probes
 the data path and climbs a recovery ladder when data stops flowing.
 .
 Made for unattended Raspberry Pi boards; settings are in
 /etc/default/psendurance.
CTRL
(cd "$R" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$R/DEBIAN/md5sums"

mkdir -p "$OUT"
DEB=$OUT/psendurance_${VERSION}_$ARCH.deb
fakeroot sh -c "chown -R 0:0 '$R' && dpkg-deb -Zxz --build '$R' '$DEB'" >&2
echo "$PROG: $(wc -c <"$DEB") bytes, Depends: $(sed -n 's/^Depends: //p' "$R/DEBIAN/control")" >&2
echo "$DEB"
