#!/bin/sh
# Builds a minimal Debian bookworm armhf root file system with dbus, ofono
# and Debian's armmp kernel, and copies the kernel and an initrd that can
# mount a virtio disk out of it. Called by scripts/arm-memory.sh.
#   rootfs.sh DIR      (DIR/rootfs and DIR/boot are made; about 30 minutes)
# The archive is the one the host's apt already uses; it is not written into
# the image, which never runs apt.
set -eu
DIR=${1:?usage: rootfs.sh DIR}
ROOT=$DIR/rootfs
# shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
MIRROR=$(apt-get indextargets --format '$(ORIGIN) $(REPO_URI)' 'Created-By: Packages' |
    awk '$1 == "Debian" {print $2; exit}')
[ -n "$MIRROR" ] || { echo "rootfs.sh: apt uses no Debian archive" >&2; exit 1; }
# The second stage runs armhf programs in the chroot through binfmt_misc.
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[ -e /proc/sys/fs/binfmt_misc/qemu-arm ] || cat /usr/lib/binfmt.d/qemu-arm.conf >/proc/sys/fs/binfmt_misc/register
rm -rf "${ROOT:?}" "${DIR:?}/boot"
debootstrap --arch=armhf --variant=minbase \
    --include=dbus,ofono,libdbus-1-3,procps,kmod,initramfs-tools,linux-image-armmp \
    bookworm "$ROOT" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 ||
    { tail -n 20 "$DIR/debootstrap.log" >&2; exit 1; }
echo "# emptied: this image never runs apt" >"$ROOT/etc/apt/sources.list"
rm -f "$ROOT/var/log/bootstrap.log" "$DIR/debootstrap.log"
printf 'virtio_blk\nvirtio_mmio\next4\n' >>"$ROOT/etc/initramfs-tools/modules"
KVER=$(find "$ROOT/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
chroot "$ROOT" update-initramfs -c -k "$KVER" >/dev/null
chroot "$ROOT" apt-get clean
mkdir -p "$DIR/boot"
cp -L "$ROOT/boot/vmlinuz-$KVER" "$DIR/boot/vmlinuz"
cp -L "$ROOT/boot/initrd.img-$KVER" "$DIR/boot/initrd.img"
echo "rootfs.sh: kernel $KVER" >&2
