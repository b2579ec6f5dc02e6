#!/bin/sh
# Builds psendurance for this machine the way scripts/build-pi.sh builds it
# for the Pi: std rebuilt for panic = "abort" without its backtrace
# symbolizer, the release profile, linked against the system's libdbus. The
# bench measures this binary (scripts/bench.sh --lean) to show what the Pi
# build costs in memory, next to the plain `cargo build --release`.
#
#   target/lean/psendurance
#
# Uses the toolchain cache of build-pi.sh/check-armv6.sh (Debian's
# rustc-web and rust-web-src, unpacked; RUSTC_BOOTSTRAP=1 -Zbuild-std): the
# first run fetches it (needs root for apt-get update if the lists lack it)
# and takes a few minutes; zig is not needed for the host.
# Environment: ARMV6_CACHE (as build-pi.sh), LEAN_OUT (the binary's path).
set -eu
cd "$(dirname "$0")/.."

CACHE=${ARMV6_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6}
OUT=${LEAN_OUT:-target/lean/psendurance}
ZT_PROG=build-lean
# shellcheck source=cross/zig-toolchain.sh
. cross/zig-toolchain.sh

mkdir -p "$CACHE"
zt_rust
HOST=$(LD_LIBRARY_PATH="$RUST_LIBS" "$RUST/usr/bin/rustc" -vV | sed -n 's/^host: //p')
[ -n "$HOST" ] || die "the unpacked rustc names no host target"
step "building $HOST, std features $STD_FEATURES (-Zbuild-std; first time: minutes)"
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
    PATH="$RUST/usr/bin:$PATH" \
    LD_LIBRARY_PATH="$RUST_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    RUSTC="$RUST/usr/bin/rustc" RUSTDOC="$RUST/usr/bin/rustdoc" \
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$CACHE/target-lean" \
    "$RUST/usr/bin/cargo" build --quiet --release --bin psendurance --target "$HOST" \
    -Zbuild-std=std,panic_abort -Zbuild-std-features="$STD_FEATURES" ||
    die "cargo build failed"
mkdir -p "$(dirname "$OUT")"
cp "$CACHE/target-lean/$HOST/release/psendurance" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
"$OUT" --version >/dev/null || die "$OUT does not run"
echo "build-lean: OK after $(($(date +%s) - START))s: $OUT: $(wc -c <"$OUT") bytes stripped" >&2
