#!/bin/sh
# Builds libdbus-1 (and expat, which dbus's configure insists on) from source
# with the cross toolchain on PATH, and installs them into a sysroot, so that
# libdbus-sys finds dbus-1.pc there through pkg-config.
#
# Used by Dockerfile.arm-unknown-linux-gnueabihf (cross's ARMv6 hard-float
# crosstool-ng gcc, glibc 2.17) and by scripts/build-pi.sh (zig cc for
# ARM1176JZF-S and glibc 2.17, behind <triple>-gcc wrappers). Only the library,
# its headers and dbus-1.pc are installed (no daemon): the binary records
# DT_NEEDED libdbus-1.so.3 and, on the Pi, loads Raspbian's own
# libdbus-1.so.3.
#
# `build-libdbus.sh --sources` prints the Debian source packages and the orig
# tarballs this needs in SRC_DIR, one "package tarball" pair a line, and exits.
#
# Environment:
#   CROSS_HOST     toolchain triple (default arm-unknown-linux-gnueabihf)
#   SYSROOT        where to install (prefix /usr inside it); required
#   SRC_MIRROR     base URL of a Debian archive (…/debian) to fetch orig
#                  tarballs from, unless they are already in SRC_DIR
#   SRC_DIR        where the tarballs are / go (default /tmp/libdbus-src)
#   JOBS           parallel make jobs (default: nproc)
set -eu

CROSS_HOST=${CROSS_HOST:-arm-unknown-linux-gnueabihf}
SRC_DIR=${SRC_DIR:-/tmp/libdbus-src}
JOBS=${JOBS:-$(nproc)}

# Debian bookworm's orig tarballs (dbus 1.14.10-1~deb12u1, expat 2.5.0-1+deb12uN);
# the sums are those of the signed .dsc files. dbus's orig is the upstream
# release tarball; expat's is the upstream R_2_5_0 tag (CMake, no configure).
DBUS_VERSION=1.14.10
DBUS_TARBALL=dbus_${DBUS_VERSION}.orig.tar.xz
DBUS_SHA256=ba1f21d2bd9d339da2d4aa8780c09df32fea87998b73da24f49ab9df1e36a50f
DBUS_POOL=pool/main/d/dbus
EXPAT_VERSION=2.5.0
EXPAT_TARBALL=expat_${EXPAT_VERSION}.orig.tar.gz
EXPAT_SHA256=ab00ee05c7067fd10a35c5d2a4922ebba746ddd50ff83b79c828da17bbdf1757
EXPAT_POOL=pool/main/e/expat

if [ "${1:-}" = --sources ]; then
    echo "dbus $DBUS_TARBALL"
    echo "expat $EXPAT_TARBALL"
    exit 0
fi
: "${SYSROOT:?set SYSROOT}"

fetch() { # tarball sha256 pool
    if [ ! -f "$SRC_DIR/$1" ]; then
        : "${SRC_MIRROR:?$1 is not in $SRC_DIR: set SRC_MIRROR}"
        curl --retry 3 -fsSL -o "$SRC_DIR/$1.part" "$SRC_MIRROR/$3/$1"
        mv "$SRC_DIR/$1.part" "$SRC_DIR/$1"
    fi
    echo "$2  $SRC_DIR/$1" | sha256sum -c -
}

mkdir -p "$SRC_DIR"
fetch "$EXPAT_TARBALL" "$EXPAT_SHA256" "$EXPAT_POOL"
fetch "$DBUS_TARBALL" "$DBUS_SHA256" "$DBUS_POOL"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

export PKG_CONFIG_LIBDIR="$SYSROOT/usr/lib/pkgconfig:$SYSROOT/usr/share/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$SYSROOT"
unset PKG_CONFIG_PATH

# expat: static only; just for dbus's configure (libdbus-1 does not use it).
mkdir expat-src
tar -xzf "$SRC_DIR/$EXPAT_TARBALL" -C expat-src --strip-components=1
cmake -S expat-src/expat -B expat-build \
    -DCMAKE_SYSTEM_NAME=Linux \
    -DCMAKE_SYSTEM_PROCESSOR=arm \
    -DCMAKE_C_COMPILER="$CROSS_HOST-gcc" \
    -DCMAKE_AR="$(command -v "$CROSS_HOST-ar")" \
    -DCMAKE_RANLIB="$(command -v "$CROSS_HOST-ranlib")" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
    -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DEXPAT_SHARED_LIBS=OFF \
    -DEXPAT_BUILD_TOOLS=OFF \
    -DEXPAT_BUILD_EXAMPLES=OFF \
    -DEXPAT_BUILD_TESTS=OFF \
    -DEXPAT_BUILD_DOCS=OFF \
    -DEXPAT_BUILD_PKGCONFIG=ON
cmake --build expat-build -j "$JOBS"
DESTDIR="$SYSROOT" cmake --install expat-build

# libdbus-1: shared only, no daemon, no docs, no tests, no systemd/X11/SELinux.
tar -xJf "$SRC_DIR/$DBUS_TARBALL"
cd "dbus-$DBUS_VERSION"
./configure \
    --build="$(./build-aux/config.guess)" \
    --host="$CROSS_HOST" \
    --prefix=/usr \
    --libdir=/usr/lib \
    --sysconfdir=/etc \
    --localstatedir=/var \
    --runstatedir=/run \
    --enable-shared \
    --disable-static \
    --disable-tests \
    --disable-embedded-tests \
    --disable-modular-tests \
    --disable-installed-tests \
    --disable-asserts \
    --disable-xml-docs \
    --disable-doxygen-docs \
    --disable-ducktype-docs \
    --disable-qt-help \
    --disable-systemd \
    --disable-selinux \
    --disable-apparmor \
    --disable-libaudit \
    --disable-x11-autolaunch \
    --without-x \
    --disable-Werror
make -C dbus -j "$JOBS"
make -C dbus install DESTDIR="$SYSROOT"
make install-pkgconfigDATA DESTDIR="$SYSROOT"
# libtool archives only get in the way of later links against the sysroot.
rm -f "$SYSROOT/usr/lib/libdbus-1.la"

# The contract with the Pi: SONAME libdbus-1.so.3, found through dbus-1.pc.
READELF=$(command -v "$CROSS_HOST-readelf" || command -v readelf)
"$READELF" -d "$SYSROOT/usr/lib/libdbus-1.so" | grep -q 'SONAME.*\[libdbus-1\.so\.3\]' ||
    { echo "libdbus-1.so has no SONAME libdbus-1.so.3" >&2; exit 1; }
pkg-config --modversion dbus-1
pkg-config --libs --cflags dbus-1
