#!/bin/sh
# Install what the end-to-end test bench needs (real ofonod, a private
# dbus-daemon, libdbus headers for the dbus crate, unshare/mount for
# ofonod's state dir, ip for network namespaces). Idempotent: silent when
# everything is present; runs `apt-get update` only if something is missing.
set -eu

# gcc, ofono-dev and libglib2.0-dev build the E367 bench's oFono plugin.
PACKAGES="ofono dbus libdbus-1-dev pkg-config iproute2 util-linux gcc ofono-dev libglib2.0-dev"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        "install ok installed") ;;
        *) missing="$missing $p" ;;
    esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "bench-deps: missing packages:$missing; run this script as root" >&2
    exit 1
fi

echo "bench-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq $missing >/dev/null

for p in $missing; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        echo "bench-deps: $p is still not installed" >&2
        exit 1
    fi
done
echo "bench-deps: done" >&2
