#!/bin/sh
# The slow checks, not in the default test run: on the E367 bench, links
# that look up and carry nothing with no traffic at all (found only by the
# scheduled probe: about 100 s on the default options), the wedged firmware
# that takes the recovery ladder up to re-authorizing its USB device, and
# the hung dial (the 120 s --activation-timeout). About 7 minutes.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bench-deps.sh
cargo test --test e367 -- --ignored --nocapture --test-threads 3 "$@"
