#!/bin/sh
# PID 1 of the ARM VM (init=/measure-init.sh T1=.. T2=..): starts the system
# bus and ofonod (no modem), then each binary in /opt/bin in turn with
# `-f --apn internet` (it connects and waits for a modem: the idle state),
# dumps /proc/PID/status, smaps_rollup and smaps at T1 and T2 seconds, and
# powers off. `sleep` is measured first, as the cost of glibc alone.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
mkdir -p /run/dbus /run/psendurance /var/lib/psendurance /results
rm -f /results/*
exec >/dev/console 2>&1
T1=${T1:-10}
T2=${T2:-60}
{
    uname -a
    echo "page size $(getconf PAGESIZE)"
    for b in /opt/bin/*; do
        echo "-- $b"
        sha256sum "$b"
        ldd "$b" 2>&1
    done
} | tee /results/system.txt

[ -s /etc/machine-id ] || dbus-uuidgen >/etc/machine-id
dbus-daemon --system --fork --nopidfile
sleep 2
ofonod -n >/results/ofonod.log 2>&1 &
sleep 5

snap() { # label pid
    {
        echo "##### $1 at $(cut -d' ' -f1 /proc/uptime)s uptime"
        grep -E '^(VmRSS|RssAnon|RssFile|VmHWM|VmSize)' "/proc/$2/status"
        echo "--- smaps_rollup"
        cat "/proc/$2/smaps_rollup"
        echo "--- smaps: range perms name | Rss Pss Private"
        awk '/^[0-9a-f]+-[0-9a-f]+ / {
                 if (h != "") print h " | " r " " p " " pc + pd
                 h = $1 " " $2 " " (NF >= 6 ? $6 : "[anon]"); next }
             /^Rss:/ {r = $2} /^Pss:/ {p = $2}
             /^Private_Clean:/ {pc = $2} /^Private_Dirty:/ {pd = $2}
             END { if (h != "") print h " | " r " " p " " pc + pd }' "/proc/$2/smaps"
    } >"/results/$1.txt"
}

run_one() { # label command...
    label=$1
    shift
    echo "=== $label: $*"
    "$@" >"/results/$label.log" 2>&1 &
    pid=$!
    sleep "$T1"
    kill -0 $pid 2>/dev/null && snap "$label-t$T1" $pid || echo "$label died"
    sleep $((T2 - T1))
    kill -0 $pid 2>/dev/null && snap "$label-t$T2" $pid || echo "$label died"
    kill -TERM $pid 2>/dev/null
    sleep 2
    kill -KILL $pid 2>/dev/null
    head -n 5 "/results/$label.log"
}

run_one sleep sleep 1000
for b in /opt/bin/*; do
    n=$(basename "$b")
    run_one "$n" "$b" -f --apn internet --status-file "/run/psendurance/$n.status" \
        --state-dir "/var/lib/psendurance/$n"
done
echo "=== measured"
sync
mount -o remount,ro /
echo o >/proc/sysrq-trigger
poweroff -f
