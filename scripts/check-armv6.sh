#!/bin/sh
# Proves that psendurance builds for, and runs on, the Pi Zero/1 CPU
# (ARM1176JZF-S: ARMv6, VFPv2 hard-float, no Thumb-2, no NEON), on an x86_64
# Debian bookworm machine, without Docker:
#
#   1. Debian's rustc-web/cargo-web/rust-web-src (bookworm-security), fetched
#      with `apt-get download` and unpacked into the cache (not installed),
#      rebuild std (-Zbuild-std, RUSTC_BOOTSTRAP=1) for
#      arm-unknown-linux-musleabihf; zig (PyPI ziglang, in a venv) is the C
#      compiler and linker through cargo-zigbuild; `--features vendored`
#      compiles libdbus in, so the result is one static binary.
#   2. readelf -A: Tag_CPU_arch must be v6/v6K/v6KZ, with no Thumb-2, no NEON
#      and no VFPv3+.
#   3. qemu-arm -cpu arm1176: `--version` works, and one end-to-end bench
#      scenario (private dbus-daemon, real ofonod, simulated modem) passes
#      with this binary as the daemon (PSENDURANCE_BIN).
#   4. qemu-arm -cpu arm926 (ARMv5, no VFP) must refuse the same binary, so
#      the check can fail.
#
# Not part of the default test run. The first run takes about 7 minutes on
# 2 cores and leaves about 1.6 GB in the cache directory (toolchain, zig,
# cargo-zigbuild, the ARM target dir); later runs reuse it (about 15 s).
#
# Environment:
#   ARMV6_CACHE       cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6)
#   ARMV6_TARGET_DIR  cargo target dir of the ARM build (default: in the cache)
#   ARMV6_E2E_TEST    e2e test to run (default bringup::cold_start_activates_with_the_apn_given)
#   CARGO_TARGET_DIR  as usual, for the host build of the e2e test
# Needs root only to install what is missing (qemu-user-static, the bench's
# packages) and for `apt-get update` when the package lists are stale.
set -eu
cd "$(dirname "$0")/.."

CACHE=${ARMV6_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6}
TARGET=arm-unknown-linux-musleabihf
ARM_TARGET_DIR=${ARMV6_TARGET_DIR:-$CACHE/target}
E2E_TEST=${ARMV6_E2E_TEST:-bringup::cold_start_activates_with_the_apn_given}
ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
# Debian packages of the Rust toolchain; their dependencies that the host
# lacks (the LLVM library, libgit2, ...) are fetched and unpacked with them.
RUST_DEBS="rustc-web cargo-web rust-web-src"

START=$(date +%s)
step() { echo "check-armv6: [$(($(date +%s) - START))s] $*" >&2; }
die() {
    echo "check-armv6: FAIL: $*" >&2
    exit 1
}
as_root() {
    [ "$(id -u)" -eq 0 ] || die "need root to $*"
}

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

# --- Debian's Rust toolchain, unpacked --------------------------------------
RUST=$CACHE/rust
debs_wanted() {
    # What apt would install for these packages on this host: the packages
    # themselves plus the dependencies the host does not have.
    # shellcheck disable=SC2086 # one word per package
    apt-get -s -qq install --no-install-recommends $RUST_DEBS 2>/dev/null |
        awk '/^Inst /{print $2}' | sort
}
WANTED=$(debs_wanted || true)
if ! echo "$WANTED" | grep -qx rustc-web; then
    as_root "run apt-get update (no rustc-web candidate)"
    step "apt-get update"
    apt-get update -qq
    WANTED=$(debs_wanted || true)
    echo "$WANTED" | grep -qx rustc-web ||
        die "apt has no rustc-web: needs Debian bookworm-security (or later) in the sources"
fi
VERSIONS=$(for p in $WANTED; do apt-cache policy "$p" | awk -v p="$p" '/Candidate:/{print p"="$2}'; done)
if [ ! -x "$RUST/usr/bin/rustc" ] || [ "$(cat "$RUST/.debs" 2>/dev/null)" != "$VERSIONS" ]; then
    step "fetching and unpacking: $(echo "$VERSIONS" | tr '\n' ' ')"
    rm -rf "$RUST" "$CACHE/debs"
    mkdir -p "$CACHE/debs"
    # shellcheck disable=SC2086 # one word per package
    (cd "$CACHE/debs" && apt-get download -qq $VERSIONS) >"$CACHE/apt-download.log" 2>&1 ||
        { cat "$CACHE/apt-download.log" >&2; die "apt-get download failed"; }
    for d in "$CACHE"/debs/*.deb; do
        dpkg -x "$d" "$RUST"
    done
    echo "$VERSIONS" >"$RUST/.debs"
    rm -rf "$CACHE/debs"
fi
RUST_LIBS=$(find "$RUST/usr/lib" -maxdepth 1 -type d -name '*-linux-gnu' | head -n1)
[ -n "$RUST_LIBS" ] || die "unpacked toolchain has no usr/lib/<multiarch>"
rust_env() {
    LD_LIBRARY_PATH="$RUST_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
}
rust_env "$RUST/usr/bin/rustc" -V >/dev/null || die "unpacked rustc does not run"
rust_env "$RUST/usr/bin/rustc" --print target-list | grep -qx "$TARGET" ||
    die "rustc knows no target $TARGET"

# --- zig (PyPI ziglang) in a venv --------------------------------------------
ZIGVENV=$CACHE/zigvenv
if ! "$ZIGVENV/bin/python" -c "import ziglang" 2>/dev/null ||
    [ "$("$ZIGVENV/bin/python" -m ziglang version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
    step "installing ziglang $ZIGLANG_VERSION into a venv"
    rm -rf "$ZIGVENV"
    python3 -m venv "$ZIGVENV"
    "$ZIGVENV/bin/pip" install -q "ziglang==$ZIGLANG_VERSION"
fi
ZIG=$("$ZIGVENV/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
[ -x "$ZIG" ] || die "no zig binary in the ziglang package"

# --- cargo-zigbuild, built by the machine's cargo --------------------------
ZIGBUILD=$CACHE/tools/bin/cargo-zigbuild
if [ ! -x "$ZIGBUILD" ] || ! "$ZIGBUILD" --version | grep -q " $CARGO_ZIGBUILD_VERSION\$"; then
    command -v cargo >/dev/null || die "cargo not found (needed to install cargo-zigbuild)"
    step "installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION"
    cargo install -q --locked --force --root "$CACHE/tools" --target-dir "$CACHE/tools-build" \
        "cargo-zigbuild@$CARGO_ZIGBUILD_VERSION"
    rm -rf "$CACHE/tools-build"
fi

# --- the ARMv6 build ---------------------------------------------------------
step "building $TARGET with --features vendored (-Zbuild-std; first time: minutes)"
# The musl target links self-contained crt objects by default, which only
# rustup's prebuilt std ships; zig brings its own musl crt and libc.
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
    PATH="$RUST/usr/bin:$PATH" \
    LD_LIBRARY_PATH="$RUST_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    RUSTC="$RUST/usr/bin/rustc" \
    CARGO="$RUST/usr/bin/cargo" \
    RUSTDOC="$RUST/usr/bin/rustdoc" \
    RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="$ARM_TARGET_DIR" \
    CARGO_ZIGBUILD_ZIG_PATH="$ZIG" \
    CARGO_ZIGBUILD_CACHE_DIR="$CACHE/zigbuild-cache" \
    ZIG_GLOBAL_CACHE_DIR="$CACHE/zig-cache" \
    CARGO_TARGET_ARM_UNKNOWN_LINUX_MUSLEABIHF_RUSTFLAGS="-C link-self-contained=no" \
    "$ZIGBUILD" zigbuild --release --target "$TARGET" \
    -Zbuild-std=std,panic_abort --features vendored
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
ATTRS=$(readelf -A "$BIN")
echo "$ATTRS" | grep -E 'Tag_CPU_arch|Tag_THUMB_ISA_use|Tag_FP_arch|Tag_Advanced_SIMD_arch|Tag_CPU_arch_profile' | sed 's/^ */  readelf -A: /' >&2
CPU_ARCH=$(echo "$ATTRS" | awk -F': ' '/Tag_CPU_arch:/{print $2}')
case "$CPU_ARCH" in
    v6 | v6K | v6KZ) ;;
    *) fail "Tag_CPU_arch is '$CPU_ARCH', not v6/v6K/v6KZ" ;;
esac
echo "$ATTRS" | grep -q 'Tag_THUMB_ISA_use: Thumb-2' && fail "Thumb-2 code (Tag_THUMB_ISA_use)"
if echo "$ATTRS" | grep 'Tag_Advanced_SIMD_arch' | grep -qv ': No$'; then
    fail "NEON (Tag_Advanced_SIMD_arch)"
fi
case "$(echo "$ATTRS" | awk -F': ' '/Tag_FP_arch:/{print $2}')" in
    "" | VFPv1 | VFPv2) ;;
    *) fail "FPU beyond VFPv2 (Tag_FP_arch)" ;;
esac

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
