#!/bin/sh
# See psendurance work with no modem: real oFono 1.31 with its huawei driver
# and PPP, a simulated Huawei E367 and an operator network, and a fault every
# few seconds, each timed to data flowing through ppp0 again. Needs root
# (network namespaces, ofonod's state); installs what the bench needs on
# Debian if missing.
#   scripts/demo.sh [--duration SECS] [--every SECS] [--phonesim]   (Ctrl-C to stop)
#   scripts/demo.sh --help
set -eu
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
    echo "demo.sh: cargo not found; install Rust (rustup) first" >&2
    exit 1
fi
sh scripts/bench-deps.sh
cargo build --quiet --bin psendurance --example demo
exec target/debug/examples/demo --bin target/debug/psendurance "$@"
