#!/bin/sh
# Builds the psendurance binary for a Raspberry Pi Zero/1 (ARM1176JZF-S:
# ARMv6, VFPv2 hard-float, Thumb-1, no NEON) running any Raspbian, on an
# x86_64 Debian machine, without Docker:
#
#   target/arm-unknown-linux-gnueabihf/release/psendurance
#
# (where scripts/install.sh looks by default): dynamically linked against the
# Pi's own libdbus-1.so.3 and glibc, needing no glibc symbol version above
# 2.17, with std rebuilt for panic = "abort" and without its backtrace
# symbolizer, the release profile of Cargo.toml, stripped.
#
#   1. Toolchain (cross/zig-toolchain.sh, the same cache as
#      scripts/check-armv6.sh): Debian's rustc-web/cargo-web/rust-web-src
#      unpacked (-Zbuild-std with RUSTC_BOOTSTRAP=1), zig from PyPI
#      (ziglang), cargo-zigbuild.
#   2. A link-time sysroot: Debian's orig tarballs of dbus and expat (fetched
#      with `apt-get source --download-only` through a private apt
#      configuration made of the Debian archives the host already uses, then
#      checked against the sha256 pinned in cross/build-libdbus.sh), built by
#      cross/build-libdbus.sh with `zig cc -target arm-linux-gnueabihf.2.17
#      -mcpu=arm1176jzf_s`. It only serves the link: at run time the binary
#      loads Raspbian's libdbus-1.so.3.
#   3. cargo zigbuild --release --target arm-unknown-linux-gnueabihf.2.17
#      -Zbuild-std=std,panic_abort -Zbuild-std-features=panic-unwind
#   4. Checks (readelf): ARMv6, Thumb-1 at most, no NEON, VFPv2 at most,
#      EABI5 hard-float; interpreter /lib/ld-linux-armhf.so.3; NEEDED libdbus-1.so.3 and
#      libc.so.6, and else only glibc 2.17's own split-off libraries
#      (libpthread.so.0, libdl.so.2, libm.so.6) or libgcc_s.so.1; no GLIBC_
#      symbol version above 2.17; no symbol table. Prints the size against
#      the 400 KB budget.
#   5. If the host has Debian's ARMv7 glibc (libc6-armhf-cross) and
#      qemu-arm, a smoke test: `--version` under qemu-arm -cpu cortex-a7 with
#      that glibc and the sysroot's libdbus. It proves the binary loads and
#      links at run time, not that it runs on ARMv6 (that glibc is ARMv7-only);
#      scripts/check-armv6.sh proves the ARMv6 part on a static build.
#
# The first run takes about 3 minutes on 2 cores when the toolchain cache is
# warm from scripts/check-armv6.sh (about 5 1/2 without); later runs about 5 s.
#
# Environment:
#   ARMV6_CACHE         cache dir, shared with check-armv6.sh
#                       (default ${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6)
#   ARMV6_STD_FEATURES  std features, comma-separated (default panic-unwind:
#                       no backtrace symbolizer; backtrace,panic-unwind is
#                       cargo's own default)
#   PI_TARGET_DIR       cargo target dir of this build (default: in the cache)
#   PI_OUT              where the binary goes
#                       (default target/arm-unknown-linux-gnueabihf/release/psendurance)
#   PI_SRC_DIR          the orig tarballs of dbus and expat; fetched into it
#                       when missing (default: in the cache)
#   PI_SIZE_BUDGET      bytes; a bigger binary is reported (default 400000)
# Needs root only for `apt-get update` when the package lists lack the Rust
# toolchain; fetching the orig tarballs uses private apt lists in the cache.
set -eu
cd "$(dirname "$0")/.."

# Tools this needs, as "command:Debian package"; all checked before anything
# is downloaded.
NEEDED_TOOLS="readelf:binutils cmake:cmake pkg-config:pkg-config python3:python3 cargo:cargo make:make xz:xz-utils apt-get:apt"
INSTALL_DEPS=no
case "${1:-}" in
-h | --help)
    sed -n '2,/^set -eu$/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    echo "Needs: $(echo "$NEEDED_TOOLS" | tr ' ' '\n' | sed 's/:.*//' | tr '\n' ' ')plus python3's venv module."
    echo "Usage: build-pi.sh [--install-deps]   (--install-deps: apt-get install what is missing; as root)"
    exit 0
    ;;
--install-deps) INSTALL_DEPS=yes ;;
"") ;;
*) echo "build-pi: unknown argument '$1'; see --help" >&2; exit 2 ;;
esac
MISSING_PKGS=""
for t in $NEEDED_TOOLS; do
    command -v "${t%%:*}" >/dev/null || MISSING_PKGS="$MISSING_PKGS ${t#*:}"
done
python3 -c 'import venv, ensurepip' 2>/dev/null || MISSING_PKGS="$MISSING_PKGS python3-venv"
if [ -n "$MISSING_PKGS" ]; then
    if [ "$INSTALL_DEPS" = yes ] && [ "$(id -u)" -eq 0 ]; then
        echo "build-pi: installing:$MISSING_PKGS" >&2
        apt-get update -qq
        # shellcheck disable=SC2086 # one word per package
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $MISSING_PKGS >/dev/null
    else
        echo "build-pi: missing:$MISSING_PKGS; install them with: apt-get install$MISSING_PKGS (or run as root with --install-deps)" >&2
        exit 1
    fi
fi

CACHE=${ARMV6_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6}
TARGET=arm-unknown-linux-gnueabihf
GLIBC=2.17
ZIG_TARGET=arm-linux-gnueabihf.$GLIBC
ZIG_CPU=arm1176jzf_s
PI_TARGET_DIR=${PI_TARGET_DIR:-$CACHE/target-pi}
OUT=${PI_OUT:-target/$TARGET/release/psendurance}
SRC_DIR=${PI_SRC_DIR:-$CACHE/libdbus-src}
SIZE_BUDGET=${PI_SIZE_BUDGET:-400000}
SYSROOT=$CACHE/sysroot-$TARGET-glibc$GLIBC
# Libraries the binary may need besides libdbus-1.so.3 and libc.so.6: before
# glibc 2.34 the pthread, dl and libm functions live in their own libraries.
ALLOWED_EXTRA_NEEDED="libpthread.so.0 libdl.so.2 libm.so.6 libgcc_s.so.1"

ZT_PROG=build-pi
# shellcheck source=cross/zig-toolchain.sh
. cross/zig-toolchain.sh
FAILED=""
fail() {
    echo "build-pi: FAIL: $*" >&2
    FAILED="$FAILED
  $*"
}


# --- toolchain ----------------------------------------------------------------
zt_setup

# --- orig tarballs of dbus and expat ------------------------------------------
missing_sources() {
    sh cross/build-libdbus.sh --sources | while read -r _pkg tarball; do
        [ -f "$SRC_DIR/$tarball" ] || echo "$_pkg"
    done
}
MISSING=$(missing_sources)
if [ -n "$MISSING" ]; then
    step "fetching the Debian sources of: $(echo "$MISSING" | tr '\n' ' ')"
    # deb-src entries for the Debian (or Raspbian) archives that the host's
    # apt already uses, in lists of our own: the system's apt setup is left
    # alone. apt checks the files against the signed Sources index.
    APT=$CACHE/apt-src
    rm -rf "$APT"
    mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/parts.d" "$SRC_DIR"
    # shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
    apt-get indextargets --format '$(ORIGIN)|$(REPO_URI)|$(RELEASE)|$(COMPONENT)' 'Created-By: Packages' |
        awk -F'|' '$1 == "Debian" || $1 == "Raspbian" {print "deb-src " $2 " " $3 " " $4}' |
        sort -u >"$APT/sources.list"
    [ -s "$APT/sources.list" ] || die "apt uses no Debian archive to take deb-src entries from; put $(sh cross/build-libdbus.sh --sources | awk '{print $2}' | tr '\n' ' ')into $SRC_DIR"
    apt_src() {
        apt-get -q -o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts="$APT/parts.d" \
            -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" \
            -o APT::Sandbox::User="$(id -un)" "$@"
    }
    apt_src update >"$APT/update.log" 2>&1 || { cat "$APT/update.log" >&2; die "apt-get update (deb-src, private lists) failed"; }
    # Only the orig tarballs matter (their sha256 is checked again when
    # building), so a missing .dsc or Debian diff is no failure.
    # shellcheck disable=SC2086 # one word per package
    (cd "$SRC_DIR" && apt_src source --download-only $MISSING) >"$APT/source.log" 2>&1 || true
    if [ -n "$(missing_sources)" ]; then
        cat "$APT/source.log" >&2
        die "apt-get source --download-only did not bring $(missing_sources | tr '\n' ' ')orig tarballs (Debian's may be of another upstream version than cross/build-libdbus.sh pins): put the pinned ones into $SRC_DIR"
    fi
    rm -rf "$APT"
fi

# --- libdbus for ARMv6 / glibc 2.17, into the link-time sysroot ----------------
# zig cc behind the <triple>-tool names that cross/build-libdbus.sh, configure
# and cmake look for.
WRAP=$CACHE/zigcc-$TARGET/bin
mkdir -p "$WRAP"
write_wrapper() { # name command...
    _name=$1
    shift
    printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$ZIG" "$*" >"$WRAP/$TARGET-$_name.tmp"
    chmod +x "$WRAP/$TARGET-$_name.tmp"
    mv "$WRAP/$TARGET-$_name.tmp" "$WRAP/$TARGET-$_name"
}
# zig cc builds without -O in its Debug mode, with UBSan and its runtime in;
# libdbus then aborts on its own benign signed overflows (dbus-hash.c). The
# sysroot's libdbus is only linked against, but the smoke test runs it.
write_wrapper gcc cc -target "$ZIG_TARGET" -mcpu="$ZIG_CPU" -fno-sanitize=undefined
write_wrapper g++ c++ -target "$ZIG_TARGET" -mcpu="$ZIG_CPU" -fno-sanitize=undefined
LIB_CFLAGS="-O2"
write_wrapper ar ar
write_wrapper ranlib ranlib
write_wrapper objcopy objcopy
# Found by configure so that it does not fall back to the host's strip; the
# sysroot's files are only linked against, so nothing needs stripping.
printf '#!/bin/sh\nexit 0\n' >"$WRAP/$TARGET-strip"
chmod +x "$WRAP/$TARGET-strip"

# Rebuilt when the recipe, zig, the compiler's flags, the glibc version or the
# CPU change.
SYSROOT_STAMP=$(printf '%s\n' "$(sha256sum <cross/build-libdbus.sh)" "$ZIGLANG_VERSION" \
    "$(sed 1d "$WRAP/$TARGET-gcc")" "$LIB_CFLAGS")
if [ "$(cat "$SYSROOT/.stamp" 2>/dev/null)" != "$SYSROOT_STAMP" ]; then
    step "building libdbus-1 for $ZIG_TARGET ($ZIG_CPU) into $SYSROOT (about a minute)"
    rm -rf "$SYSROOT" "$SYSROOT.tmp"
    mkdir -p "$SYSROOT.tmp"
    PATH="$WRAP:$PATH" SYSROOT="$SYSROOT.tmp" CROSS_HOST="$TARGET" SRC_DIR="$SRC_DIR" CFLAGS="$LIB_CFLAGS" \
        ZIG_GLOBAL_CACHE_DIR="$CACHE/zig-cache" ZIG_LOCAL_CACHE_DIR="$CACHE/zig-cache" \
        sh cross/build-libdbus.sh >"$CACHE/build-libdbus.log" 2>&1 ||
        { tail -n 40 "$CACHE/build-libdbus.log" >&2; die "building libdbus failed (log: $CACHE/build-libdbus.log)"; }
    # dbus-1.pc and the libraries are relative to the sysroot, so it can move.
    mv "$SYSROOT.tmp" "$SYSROOT"
    echo "$SYSROOT_STAMP" >"$SYSROOT/.stamp"
fi
[ -f "$SYSROOT/usr/lib/pkgconfig/dbus-1.pc" ] || die "no dbus-1.pc in $SYSROOT"

# --- the build ------------------------------------------------------------------
step "building $TARGET.$GLIBC, std features $STD_FEATURES (-Zbuild-std; first time: minutes)"
# Target-scoped, so build scripts compiled for the host never see the sysroot.
export PKG_CONFIG_ALLOW_CROSS_arm_unknown_linux_gnueabihf=1
export PKG_CONFIG_SYSROOT_DIR_arm_unknown_linux_gnueabihf="$SYSROOT"
export PKG_CONFIG_LIBDIR_arm_unknown_linux_gnueabihf="$SYSROOT/usr/lib/pkgconfig:$SYSROOT/usr/share/pkgconfig"
export PKG_CONFIG_PATH_arm_unknown_linux_gnueabihf="$SYSROOT/usr/lib/pkgconfig"
CARGO_TARGET_ARM_UNKNOWN_LINUX_GNUEABIHF_RUSTFLAGS=$(zt_remap_flags)
export CARGO_TARGET_ARM_UNKNOWN_LINUX_GNUEABIHF_RUSTFLAGS
zt_cargo_zigbuild "$PI_TARGET_DIR" --release --target "$TARGET.$GLIBC" \
    -Zbuild-std=std,panic_abort -Zbuild-std-features="$STD_FEATURES"
BUILT=$PI_TARGET_DIR/$TARGET/release/psendurance
[ -x "$BUILT" ] || die "no binary at $BUILT"
mkdir -p "$(dirname "$OUT")"
cp "$BUILT" "$OUT.tmp"
# The release profile strips already; make sure.
if readelf -S -W "$OUT.tmp" | grep -q ' \.symtab '; then
    "$ZIG" objcopy --strip-all "$OUT.tmp" "$OUT.tmp.stripped"
    mv "$OUT.tmp.stripped" "$OUT.tmp"
fi
mv "$OUT.tmp" "$OUT"
SIZE=$(wc -c <"$OUT")

# --- checks -----------------------------------------------------------------------
zt_check_armv6_attributes "$OUT"

INTERP=$(readelf -l -W "$OUT" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
echo "  interpreter: $INTERP" >&2
[ "$INTERP" = /lib/ld-linux-armhf.so.3 ] || fail "interpreter is '$INTERP', not /lib/ld-linux-armhf.so.3"

NEEDED=$(readelf -d -W "$OUT" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
echo "  NEEDED: $(echo "$NEEDED" | tr '\n' ' ')" >&2
for lib in libdbus-1.so.3 libc.so.6; do
    echo "$NEEDED" | grep -qx "$lib" || fail "NEEDED lacks $lib"
done
for lib in $NEEDED; do
    case " libdbus-1.so.3 libc.so.6 $ALLOWED_EXTRA_NEEDED " in
        *" $lib "*) ;;
        *) fail "NEEDED has $lib, which a Raspbian may not have" ;;
    esac
done

# Symbol versions the binary asks of glibc, from the version-needs section and
# the dynamic symbols (the same in a well-formed file; both are read).
GLIBC_VERSIONS=$({
    readelf -V -W "$OUT"
    readelf --dyn-syms -W "$OUT"
} | grep -o 'GLIBC_[0-9A-Z_.]*' | sort -u -V)
echo "  glibc versions: $(echo "$GLIBC_VERSIONS" | tr '\n' ' ')" >&2
[ -n "$GLIBC_VERSIONS" ] || fail "no GLIBC_ symbol versions found: not linked against glibc?"
for v in $GLIBC_VERSIONS; do
    case "$v" in
        GLIBC_[0-9]*)
            n=${v#GLIBC_}
            [ "$(printf '%s\n%s\n' "$n" "$GLIBC" | sort -V | tail -n1)" = "$GLIBC" ] ||
                fail "needs $v, above glibc $GLIBC"
            ;;
        *) fail "needs $v (not a public glibc version)" ;;
    esac
done

readelf -S -W "$OUT" | grep -q ' \.symtab ' && fail "not stripped (.symtab present)"

# --- smoke test: loads and links under qemu with an ARMv7 glibc -------------------
QEMU=$(command -v qemu-arm-static || command -v qemu-arm || true)
ARMHF=/usr/arm-linux-gnueabihf
if [ -n "$QEMU" ] && [ -e "$ARMHF/lib/ld-linux-armhf.so.3" ]; then
    OUTPUT=$("$QEMU" -cpu cortex-a7 -L "$ARMHF" -E LD_LIBRARY_PATH="$SYSROOT/usr/lib" "$OUT" --version 2>&1) && RC=0 || RC=$?
    echo "  smoke test (qemu-arm -cpu cortex-a7, Debian's ARMv7 glibc, the sysroot's libdbus): exit $RC: $OUTPUT" >&2
    if [ "$RC" -ne 0 ] || ! echo "$OUTPUT" | grep -q '^psendurance '; then
        fail "--version under qemu-arm -cpu cortex-a7 with $ARMHF"
    fi
else
    echo "  smoke test skipped (needs qemu-arm and Debian's libc6-armhf-cross)" >&2
fi

if [ -n "$FAILED" ]; then
    echo "build-pi: FAILED after $(($(date +%s) - START))s ($OUT):$FAILED" >&2
    exit 1
fi
if [ "$SIZE" -lt "$SIZE_BUDGET" ]; then
    BUDGET="under the $SIZE_BUDGET-byte budget"
else
    BUDGET="OVER the $SIZE_BUDGET-byte budget"
fi
echo "build-pi: OK after $(($(date +%s) - START))s: $OUT: $SIZE bytes stripped ($BUDGET); Tag_CPU_arch $CPU_ARCH, glibc <= $GLIBC, NEEDED $(echo "$NEEDED" | tr '\n' ' ')"
