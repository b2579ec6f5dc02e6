#!/bin/sh
# See psendurance work with no modem: real oFono on a private bus, a
# simulated modem, and a fault every few seconds. Needs root (ofonod and its
# private state directory); installs ofono and dbus on Debian if missing.
#   scripts/demo.sh [--duration SECS] [--every SECS]     (Ctrl-C to stop)
set -eu
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
    echo "demo.sh: cargo not found; install Rust (rustup) first" >&2
    exit 1
fi
sh scripts/bench-deps.sh
cargo build --quiet --bin psendurance --example demo
exec target/debug/examples/demo --bin target/debug/psendurance "$@"
