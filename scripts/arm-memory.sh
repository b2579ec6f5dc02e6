#!/bin/sh
# Measures what the ARM builds of psendurance cost in memory on a real
# 32-bit ARM kernel: Debian bookworm armhf (what Raspbian is built from) with
# Debian's armmp kernel under qemu-system-arm, idle with dbus-daemon and
# ofonod running. qemu-user cannot tell: its RSS is the emulator's.
#
#   scripts/arm-memory.sh [LABEL=BINARY ...]
#
# Default binaries: pi=target/arm-unknown-linux-gnueabihf/release/psendurance
# (scripts/build-pi.sh) and, if scripts/check-armv6.sh has built it,
# static=<its cache>/psendurance-armv6. Prints a Markdown table (VmRSS, smaps
# Rss, Pss, Private) per binary and `sleep` as the baseline, read at T1 and
# T2 seconds after each start (default 10 and 60).
#
# Needs root. The first run installs qemu-system-arm, debootstrap and
# qemu-user-static and builds the root file system (about 30 minutes, ~600 MB
# in ARM_VM_DIR, default ~/.cache/psendurance-armvm); later runs take about
# 2 minutes per binary. The VM emulates a Cortex-A15 (ARMv7: qemu's virt
# board has no ARMv6); the ARMv6 binaries run on it unchanged.
set -eu
cd "$(dirname "$0")/.."
HERE=scripts/arm-memory
DIR=${ARM_VM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armvm}
T1=${T1:-10}
T2=${T2:-60}
die() {
    echo "arm-memory.sh: $*" >&2
    exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, binfmt_misc)"
if [ $# -eq 0 ]; then
    set -- "pi=target/arm-unknown-linux-gnueabihf/release/psendurance"
    static=${ARMV6_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psendurance-armv6}/psendurance-armv6
    [ -f "$static" ] && set -- "$@" "static=$static"
fi
for spec in "$@"; do
    case $spec in
    *=*) [ -f "${spec#*=}" ] || die "no binary ${spec#*=}; build it first (scripts/build-pi.sh)" ;;
    *) die "'$spec' is not LABEL=BINARY" ;;
    esac
done

missing=""
for p in qemu-system-arm:qemu-system-arm debootstrap:debootstrap mkfs.ext4:e2fsprogs \
    debugfs:e2fsprogs; do
    command -v "${p%%:*}" >/dev/null || missing="$missing ${p#*:}"
done
[ -e /usr/lib/binfmt.d/qemu-arm.conf ] || missing="$missing qemu-user-static"
if [ -n "$missing" ]; then
    echo "arm-memory.sh: installing$missing" >&2
    apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

mkdir -p "$DIR"
if [ ! -f "$DIR/boot/vmlinuz" ] || [ ! -f "$DIR/boot/initrd.img" ]; then
    echo "arm-memory.sh: building the armhf root file system (about 30 minutes)" >&2
    sh "$HERE/rootfs.sh" "$DIR"
fi

ROOT=$DIR/rootfs
rm -rf "$ROOT/opt/bin" "$ROOT/results"
mkdir -p "$ROOT/opt/bin" "$ROOT/results"
for spec in "$@"; do
    install -m 0755 "${spec#*=}" "$ROOT/opt/bin/${spec%%=*}"
done
install -m 0755 "$HERE/measure-init.sh" "$ROOT/measure-init.sh"
rm -f "$DIR/disk.img"
mkfs.ext4 -q -L root -d "$ROOT" "$DIR/disk.img" 1200M

echo "arm-memory.sh: booting the VM (TCG; a few minutes)" >&2
timeout 3000 qemu-system-arm -M virt -cpu cortex-a15 -m 512 -smp 1 -nographic -no-reboot \
    -kernel "$DIR/boot/vmlinuz" -initrd "$DIR/boot/initrd.img" \
    -drive "file=$DIR/disk.img,format=raw,if=none,id=d0" -device virtio-blk-device,drive=d0 \
    -append "root=/dev/vda rw rootwait console=ttyAMA0 init=/measure-init.sh T1=$T1 T2=$T2 panic=5" \
    >"$DIR/console.log" 2>&1 || die "the VM failed; see $DIR/console.log"
rm -rf "$DIR/results" "$DIR/dump"
mkdir "$DIR/dump"
debugfs -R "rdump /results $DIR/dump" "$DIR/disk.img" >/dev/null 2>&1
mv "$DIR/dump/results" "$DIR/results"
rmdir "$DIR/dump"
ls "$DIR"/results/*-t"$T2".txt >/dev/null 2>&1 || die "no readings; see $DIR/console.log"
grep -m1 '^Linux' "$DIR/results/system.txt" | awk '{print "kernel " $3 ", " $NF}'
python3 "$HERE/summarize.py" "$DIR/results"
