#!/bin/sh
# Proves that psendurance builds for, and runs on, the Pi Zero/1 CPU
# (ARM1176JZF-S: ARMv6, VFPv2 hard-float, no Thumb-2, no NEON), on an x86_64
# Debian bookworm machine, without Docker:
#
#   1. Debian's rustc-web/cargo-web/rust-web-src (bookworm-security), fetched
#      with `apt-get download` and unpacked into the cache (not installed),
#      rebuild std (-Zbuild-std, RUSTC_BOOTSTRAP=1) for
#      arm-unknown-linux-musleabihf, without its backtrace symbolizer as
#      scripts/build-pi.sh does; zig (PyPI ziglang, in a venv) is the C
#      compiler and linker through cargo-zigbuild; `--features vendored`
#      compiles libdbus in, so the result is one static binary. The toolchain
#      setup is cross/zig-toolchain.sh, shared with scripts/build-pi.sh.
#   2. readelf -A: Tag_CPU_arch must be v6/v6K/v6KZ, with no Thumb-2, no NEON,
#      no VFPv3+, and the hard-float calling convention.
#   3. qemu-arm -cpu arm1176: `--version` works, and one end-to-end bench
#      scenario (private dbus-daemon, real ofonod, simulated modem) passes
#      with this binary as the daemon (PSENDURANCE_BIN).
#   4. qemu-arm -cpu arm926 (ARMv5, no VFP) must refuse the same binary, so
#      the check can fail.
#
# Not part of the default test run. The first run takes about 7 minutes on
# 2 cores and leaves about 1.6 GB in the cache directory (toolchain, zig,
# cargo-zigbuild, the ARM target dir); later runs reuse it (about 10 s).
#
# Environment:
#   ARMV6_CACHE       cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6)
#   ARMV6_TARGET_DIR  cargo target dir of the ARM build (default: in the cache)
#   ARMV6_E2E_TEST    e2e test to run (default bringup::cold_start_activates_with_the_apn_given)
#   ARMV6_STD_FEATURES  std features, comma-separated (default panic-unwind:
#                     no backtrace symbolizer; backtrace,panic-unwind is
#                     cargo's own default)
#   CARGO_TARGET_DIR  as usual, for the host build of the e2e test
# Needs root only to install what is missing (qemu-user-static, the bench's
# packages) and for `apt-get update` when the package lists are stale.
set -eu
cd "$(dirname "$0")/.."

CACHE=${ARMV6_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6}
TARGET=arm-unknown-linux-musleabihf
ARM_TARGET_DIR=${ARMV6_TARGET_DIR:-$CACHE/target}
E2E_TEST=${ARMV6_E2E_TEST:-bringup::cold_start_activates_with_the_apn_given}

ZT_PROG=check-armv6
# shellcheck source=cross/zig-toolchain.sh
. cross/zig-toolchain.sh

mkdir -p "$CACHE"

# --- qemu-user --------------------------------------------------------------
QEMU=$(command -v qemu-arm-static || command -v qemu-arm || true)
if [ -z "$QEMU" ]; then
    as_root "install qemu-user-static"
    step "installing qemu-user-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null; }
    QEMU=$(command -v qemu-arm-static || command -v qemu-arm) || die "no qemu-arm after install"
fi

# --- toolchain: Debian's Rust, zig, cargo-zigbuild (cross/zig-toolchain.sh) --
zt_setup
LD_LIBRARY_PATH="$RUST_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$RUST/usr/bin/rustc" --print target-list |
    grep -qx "$TARGET" || die "rustc knows no target $TARGET"

# --- the ARMv6 build ---------------------------------------------------------
step "building $TARGET with --features vendored, std features $STD_FEATURES (-Zbuild-std; first time: minutes)"
# The musl target links self-contained crt objects by default, which only
# rustup's prebuilt std ships; zig brings its own musl crt and libc.
CARGO_TARGET_ARM_UNKNOWN_LINUX_MUSLEABIHF_RUSTFLAGS="-C link-self-contained=no $(zt_remap_flags)"
export CARGO_TARGET_ARM_UNKNOWN_LINUX_MUSLEABIHF_RUSTFLAGS
zt_cargo_zigbuild "$ARM_TARGET_DIR" --release --target "$TARGET" \
    -Zbuild-std=std,panic_abort -Zbuild-std-features="$STD_FEATURES" --features vendored
BUILT=$ARM_TARGET_DIR/$TARGET/release/psendurance
[ -x "$BUILT" ] || die "no binary at $BUILT"
BIN=$CACHE/psendurance-armv6
cp "$BUILT" "$BIN"
"$ZIG" objcopy --strip-all "$BIN" "$BIN.stripped" 2>/dev/null || cp "$BIN" "$BIN.stripped"
step "binary: $(wc -c <"$BIN") bytes as built, $(wc -c <"$BIN.stripped") bytes stripped (static, libdbus and musl inside)"

FAILED=""
fail() {
    echo "check-armv6: FAIL: $*" >&2
    FAILED="$FAILED
  $*"
}

# --- ELF attributes ----------------------------------------------------------
zt_check_armv6_attributes "$BIN"

# --- qemu: arm1176 must run it, arm926 must not -------------------------------
OUT=$("$QEMU" -cpu arm1176 "$BIN" --version 2>&1) && RC=0 || RC=$?
echo "  qemu-arm -cpu arm1176 psendurance --version: exit $RC: $OUT" >&2
if [ "$RC" -ne 0 ] || ! echo "$OUT" | grep -q '^psendurance '; then
    fail "--version under -cpu arm1176"
fi

OUT=$("$QEMU" -cpu arm926 "$BIN" --version 2>&1) && RC=0 || RC=$?
echo "  qemu-arm -cpu arm926 psendurance --version: exit $RC: $OUT" >&2
[ "$RC" -ne 0 ] || fail "the ARMv5 CPU (arm926) ran the binary: the check proves nothing"

# --- one end-to-end scenario with the ARMv6 binary as the daemon -------------
WRAPPER=$CACHE/psendurance-arm1176
cat >"$WRAPPER" <<EOF
#!/bin/sh
exec "$QEMU" -cpu arm1176 "$BIN" "\$@"
EOF
chmod +x "$WRAPPER"
step "e2e $E2E_TEST with the daemon under qemu-arm -cpu arm1176"
sh scripts/bench-deps.sh
if PSENDURANCE_BIN="$WRAPPER" cargo test --test e2e -- --exact "$E2E_TEST"; then
    :
else
    fail "e2e $E2E_TEST with PSENDURANCE_BIN=qemu-arm -cpu arm1176"
fi

if [ -n "$FAILED" ]; then
    echo "check-armv6: FAILED after $(($(date +%s) - START))s:$FAILED" >&2
    exit 1
fi
echo "check-armv6: OK after $(($(date +%s) - START))s: Tag_CPU_arch $CPU_ARCH, runs on arm1176 (e2e passed), refused by arm926; $(wc -c <"$BIN.stripped") bytes stripped"
