# shellcheck shell=sh
# Sourced (POSIX sh) by scripts/check-armv6.sh and scripts/build-pi.sh: the
# Docker-free ARMv6 toolchain, kept in one cache directory and reused by both.
#
#   - Debian's rustc-web/cargo-web/rust-web-src (bookworm-security), fetched
#     with `apt-get download` and unpacked into the cache (not installed):
#     a rustc whose library sources -Zbuild-std can rebuild
#     (RUSTC_BOOTSTRAP=1), for targets without a prebuilt std on this host;
#   - zig (PyPI ziglang, in a venv): C compiler and linker, with glibc
#     symbol-version stubs for any glibc from 2.17 and its own musl;
#   - cargo-zigbuild, built by the machine's `cargo install`.
#
# The caller sets CACHE and ZT_PROG (its name in messages) before sourcing
# this file, which also gives it START (when it was sourced) and
#   step MESSAGE   a progress line with the seconds since START
#   die MESSAGE    a FAIL line, exit 1
#   as_root WHAT   die unless root
# Functions:
#   zt_rust        unpacked Rust toolchain; sets RUST and RUST_LIBS
#   zt_zig         zig; sets ZIG
#   zt_zigbuild    cargo-zigbuild; sets ZIGBUILD
#   zt_setup       all three
#   zt_remap_flags rustc flags for the target's RUSTFLAGS (see below)
#   zt_cargo_zigbuild TARGET_DIR ARGS...
#                  `cargo zigbuild ARGS...` with that toolchain, zig and
#                  target dir, RUSTC_BOOTSTRAP=1, and no RUSTFLAGS from the
#                  environment (extra per-target flags: export
#                  CARGO_TARGET_<TRIPLE>_RUSTFLAGS before calling)
#
# std without its backtrace symbolizer: STD_FEATURES (ARMV6_STD_FEATURES
# from the environment) is the feature list both scripts give
# -Zbuild-std-features. Cargo's default for -Zbuild-std is
# "backtrace,panic-unwind": the symbolizer (gimli, addr2line, object,
# miniz_oxide, rustc-demangle) then makes up about a third of the binary, and
# with panic = "abort" and a stripped binary it has nothing to print anyway.

START=$(date +%s)
step() { echo "$ZT_PROG: [$(($(date +%s) - START))s] $*" >&2; }
die() {
    echo "$ZT_PROG: FAIL: $*" >&2
    exit 1
}
as_root() {
    [ "$(id -u)" -eq 0 ] || die "need root to $*"
}

ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
# Debian packages of the Rust toolchain; their dependencies that the host
# lacks (the LLVM library, libgit2, ...) are fetched and unpacked with them.
RUST_DEBS="rustc-web cargo-web rust-web-src"
# panic-unwind only builds the panic_unwind crate (unused under
# panic = "abort", so it costs nothing in the binary); an empty list would
# make cargo fall back to its defaults, backtrace included.
# shellcheck disable=SC2034 # used by the scripts that source this file
STD_FEATURES=${ARMV6_STD_FEATURES:-panic-unwind}

zt_debs_wanted() {
    # What apt would install for these packages on this host: the packages
    # themselves plus the dependencies the host does not have.
    # shellcheck disable=SC2086 # one word per package
    apt-get -s -qq install --no-install-recommends $RUST_DEBS 2>/dev/null |
        awk '/^Inst /{print $2}' | sort
}

zt_rust() {
    RUST=$CACHE/rust
    _zt_wanted=$(zt_debs_wanted || true)
    if ! echo "$_zt_wanted" | grep -qx rustc-web; then
        as_root "run apt-get update (no rustc-web candidate)"
        step "apt-get update"
        apt-get update -qq
        _zt_wanted=$(zt_debs_wanted || true)
        echo "$_zt_wanted" | grep -qx rustc-web ||
            die "apt has no rustc-web: needs Debian bookworm-security (or later) in the sources"
    fi
    # shellcheck disable=SC2086 # one word per package
    _zt_versions=$(apt-cache policy $_zt_wanted |
        awk '/^[^ ].*:$/ {p = substr($0, 1, length($0) - 1)} /^ +Candidate:/ {print p "=" $2}' | sort)
    if [ ! -x "$RUST/usr/bin/rustc" ] || [ "$(cat "$RUST/.debs" 2>/dev/null)" != "$_zt_versions" ]; then
        step "fetching and unpacking: $(echo "$_zt_versions" | tr '\n' ' ')"
        rm -rf "$RUST" "$CACHE/debs"
        mkdir -p "$CACHE/debs"
        # shellcheck disable=SC2086 # one word per package
        (cd "$CACHE/debs" && apt-get download -qq $_zt_versions) >"$CACHE/apt-download.log" 2>&1 ||
            { cat "$CACHE/apt-download.log" >&2; die "apt-get download failed"; }
        for _zt_deb in "$CACHE"/debs/*.deb; do
            dpkg -x "$_zt_deb" "$RUST"
        done
        echo "$_zt_versions" >"$RUST/.debs"
        rm -rf "$CACHE/debs"
    fi
    RUST_LIBS=$(find "$RUST/usr/lib" -maxdepth 1 -type d -name '*-linux-gnu' | head -n1)
    [ -n "$RUST_LIBS" ] || die "unpacked toolchain has no usr/lib/<multiarch>"
    LD_LIBRARY_PATH="$RUST_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$RUST/usr/bin/rustc" -V >/dev/null ||
        die "unpacked rustc does not run"
}

zt_zig() {
    _zt_venv=$CACHE/zigvenv
    if ! "$_zt_venv/bin/python" -c "import ziglang" 2>/dev/null ||
        [ "$("$_zt_venv/bin/python" -m ziglang version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
        step "installing ziglang $ZIGLANG_VERSION into a venv"
        rm -rf "$_zt_venv"
        python3 -m venv "$_zt_venv"
        "$_zt_venv/bin/pip" install -q "ziglang==$ZIGLANG_VERSION"
    fi
    ZIG=$("$_zt_venv/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
    [ -x "$ZIG" ] || die "no zig binary in the ziglang package"
}

zt_zigbuild() {
    ZIGBUILD=$CACHE/tools/bin/cargo-zigbuild
    if [ ! -x "$ZIGBUILD" ] || ! "$ZIGBUILD" --version | grep -q " $CARGO_ZIGBUILD_VERSION\$"; then
        command -v cargo >/dev/null || die "cargo not found (needed to install cargo-zigbuild)"
        step "installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION"
        cargo install -q --locked --force --root "$CACHE/tools" --target-dir "$CACHE/tools-build" \
            "cargo-zigbuild@$CARGO_ZIGBUILD_VERSION"
        rm -rf "$CACHE/tools-build"
    fi
}

zt_setup() {
    mkdir -p "$CACHE"
    zt_rust
    zt_zig
    zt_zigbuild
}

# rustc flags that keep the builder's directories out of the binary (panic
# locations name source files): std's sources as under rustup's /rustc/, the
# crates' sources under a generic cargo home. Builds in different cache
# directories then give the same bytes. Prints nothing when a path has a space
# (RUSTFLAGS are split on spaces).
zt_remap_flags() {
    _zt_std_src=$RUST/usr/lib/rustlib/src/rust
    _zt_cargo_home=${CARGO_HOME:-$HOME/.cargo}
    case "$_zt_std_src$_zt_cargo_home" in
        *" "*) return 0 ;;
    esac
    echo "--remap-path-prefix=$_zt_std_src=/rustc/src --remap-path-prefix=$_zt_cargo_home=/cargo"
}

zt_cargo_zigbuild() { # TARGET_DIR ARGS...
    _zt_target_dir=$1
    shift
    env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
        PATH="$RUST/usr/bin:$PATH" \
        LD_LIBRARY_PATH="$RUST_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        RUSTC="$RUST/usr/bin/rustc" \
        CARGO="$RUST/usr/bin/cargo" \
        RUSTDOC="$RUST/usr/bin/rustdoc" \
        RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_DIR="$_zt_target_dir" \
        CARGO_ZIGBUILD_ZIG_PATH="$ZIG" \
        CARGO_ZIGBUILD_CACHE_DIR="$CACHE/zigbuild-cache" \
        ZIG_GLOBAL_CACHE_DIR="$CACHE/zig-cache" \
        "$ZIGBUILD" zigbuild "$@"
}

# readelf checks shared by both scripts: ARMv6 (ARM1176JZF-S), Thumb-1 at
# most, no NEON, VFPv2 at most (-A), EABI5 hard-float (-h). Prints the tags,
# calls `fail MESSAGE` (the caller's) for each problem, and sets CPU_ARCH.
zt_check_armv6_attributes() { # ELF
    _zt_attrs=$(readelf -A "$1")
    echo "$_zt_attrs" |
        grep -E 'Tag_CPU_arch|Tag_THUMB_ISA_use|Tag_FP_arch|Tag_Advanced_SIMD_arch|Tag_ABI_VFP_args' |
        sed 's/^ */  readelf -A: /' >&2
    CPU_ARCH=$(echo "$_zt_attrs" | awk -F': ' '/Tag_CPU_arch:/{print $2}')
    case "$CPU_ARCH" in
        v6 | v6K | v6KZ) ;;
        *) fail "Tag_CPU_arch is '$CPU_ARCH', not v6/v6K/v6KZ" ;;
    esac
    case "$(echo "$_zt_attrs" | awk -F': ' '/Tag_THUMB_ISA_use:/{print $2}')" in
        "" | Thumb-1) ;;
        *) fail "Thumb-2 code (Tag_THUMB_ISA_use is not Thumb-1)" ;;
    esac
    if echo "$_zt_attrs" | grep 'Tag_Advanced_SIMD_arch' | grep -qv ': No$'; then
        fail "NEON (Tag_Advanced_SIMD_arch)"
    fi
    case "$(echo "$_zt_attrs" | awk -F': ' '/Tag_FP_arch:/{print $2}')" in
        "" | VFPv1 | VFPv2) ;;
        *) fail "FPU beyond VFPv2 (Tag_FP_arch)" ;;
    esac
    # lld may leave this tag out; the ELF header's "hard-float ABI" flag is
    # checked too (below).
    case "$(echo "$_zt_attrs" | awk -F': ' '/Tag_ABI_VFP_args:/{print $2}')" in
        "" | "VFP registers") ;;
        *) fail "not the hard-float calling convention (Tag_ABI_VFP_args)" ;;
    esac
    case "$(readelf -h "$1" | awk -F': *' '/Flags:/{print $2}')" in
        *"Version5 EABI"*"hard-float ABI"*) ;;
        *) fail "ELF header flags are not EABI5 hard-float" ;;
    esac
}
