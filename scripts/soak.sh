#!/bin/sh
# Seeded random fault episodes against the real-oFono bench (every fault the
# modem simulator offers, bursts, faults during recovery), each followed by
# a check that a context is really active at the modem again within a bound
# computed from the daemon's options. Exits non-zero if an episode got stuck
# or the daemon exited. Needs root, like the bench.
#   scripts/soak.sh [--events N] [--seed S] [--daemon-args "ARGS"] [--lanes N] [--out FILE]
# --lanes N runs N benches side by side (own ofonod, modem and daemon each,
# seeds S..S+N-1) to cut the wall time; the events are shared out.
# --daemon-args replaces the soak's defaults option by option (see
# examples/soak/soak.rs); the release build of psendurance is soaked.
set -eu
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
    echo "soak.sh: cargo not found; install Rust (rustup) first" >&2
    exit 1
fi
sh scripts/bench-deps.sh
cargo build --quiet --release --bin psendurance --example soak
dir="${CARGO_TARGET_DIR:-target}/release"
exec "$dir/examples/soak" --bin "$dir/psendurance" --out "${CARGO_TARGET_DIR:-target}/soak.md" "$@"
