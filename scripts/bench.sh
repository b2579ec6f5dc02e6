#!/bin/sh
# Measure psendurance on the real-oFono bench and print one table (also
# written as Markdown, path printed at the end): reaction times next to a
# minimal reference re-activator, start-up, stripped size, memory over many
# recoveries, idle cost, each next to its budget. Needs root, like the bench.
#   scripts/bench.sh [--lean] [--quick] [--episodes N] [--recoveries N]
#                    [--startups N] [--idle SECS] [--poll-window SECS] [--out FILE]
#                    [--e367-runs N] [--only e367|idle]
# The E367 section (real ofonod huawei driver, PPP, data through ppp0):
# start-up, each fault next to the reference, a ghost (skipped by --quick);
# --only e367 runs that section alone; --only idle the idle rows alone.
# --lean measures the binary of scripts/build-lean.sh (std without its
# backtrace printer, as the Pi build has it) instead of `cargo build --release`.
# Figures are noisy while other jobs share the machine; the reference column
# is taken alongside so that ratios still mean something.
set -eu
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
    echo "bench.sh: cargo not found; install Rust (rustup) first" >&2
    exit 1
fi
sh scripts/bench-deps.sh
cargo build --quiet --release --bin psendurance --example bench --example reference
dir="${CARGO_TARGET_DIR:-target}/release"
bin="$dir/psendurance"
out="${CARGO_TARGET_DIR:-target}/bench.md"
if [ "${1:-}" = --lean ]; then
    shift
    LEAN_OUT="${CARGO_TARGET_DIR:-target}/lean/psendurance" sh scripts/build-lean.sh
    bin="${CARGO_TARGET_DIR:-target}/lean/psendurance"
    out="${CARGO_TARGET_DIR:-target}/bench-lean.md"
fi
echo "bench.sh: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')" >&2
exec "$dir/examples/bench" --bin "$bin" --reference "$dir/examples/reference" --out "$out" "$@"
