#!/bin/sh
# The one test command: installs what the real-oFono bench needs (as root on
# Debian), checks formatting and lints, then runs every test: the keeper's
# stories, the decoders, and the end-to-end tests against real ofonod.
# A missing prerequisite makes the end-to-end tests fail; they never skip.
set -eu
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "test.sh: cargo not found; install Rust (rustup) first" >&2
    exit 1
fi
sh scripts/bench-deps.sh

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets

# The end-to-end suite again with the daemon as a dedicated user on a bus
# where only our shipped D-Bus policy lets it talk to oFono.
if ! id psendurance >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin psendurance
fi
BENCH_DAEMON_USER=psendurance cargo test --test e2e
