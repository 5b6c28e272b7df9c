#!/bin/sh
# The tutor itself on aarch64 Linux, tried on an x86_64 Debian host: build an arm64 Debian
# userland (mmdebstrap under qemu-user), pip-install this checkout there, then run
# `asm-tutor doctor`, a check of times_nine's aarch64 solution and `asm-tutor pack check`.
#
#   tools/aarch64-userland.sh [ROOT]        (as root; ROOT defaults to /var/tmp/asm-tutor-arm64)
#   FULL_PACK=1 tools/aarch64-userland.sh   (also the whole built-in pack: hours under emulation)
#
# Host packages: qemu-user-static binfmt-support mmdebstrap arch-test bubblewrap.
# An existing ROOT is reused (delete it to start over). Every step is timed (keep the output:
# `... 2>&1 | tee run.log`); the results of a run are recorded in docs/aarch64-host.md.
set -eu

ROOT=${1:-/var/tmp/asm-tutor-arm64}
REPO=$(cd "$(dirname "$0")/.." && pwd)
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security

say() { printf '%s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }
timed() {  # timed LABEL COMMAND...: run it, log its wall time and exit status
    label=$1; shift
    start=$(date +%s)
    status=0
    "$@" || status=$?
    say "$label: $(( $(date +%s) - start )) s, exit $status"
    return $status
}

say "aarch64 userland run, $(date -u '+%Y-%m-%d %H:%M UTC'), host $(uname -m), $(nproc) cores"

# 1. The host can run arm64 programs transparently (binfmt_misc + qemu-user-static).
for tool in mmdebstrap arch-test bwrap qemu-aarch64-static; do
    command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install qemu-user-static binfmt-support mmdebstrap arch-test bubblewrap"
done
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
        || fail "binfmt_misc cannot be mounted here (a container without that right?): arm64 programs cannot run transparently"
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 \
    || fail "update-binfmts --enable qemu-aarch64 was refused"
arch-test arm64 >/dev/null || fail "arch-test arm64: $(arch-test arm64 2>&1)"

# 2. The userland: Debian's rustc-web (1.96, edition 2024) is the aarch64 host's own rustc.
if [ ! -x "$ROOT/usr/bin/python3" ]; then
    rm -rf "$ROOT"
    timed "mmdebstrap (arm64 $SUITE)" mmdebstrap --arch=arm64 --variant=apt \
        --include=rustc-web,gcc,libc6-dev,python3,python3-venv,python3-pip,ca-certificates,bubblewrap \
        "$SUITE" "$ROOT" \
        "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main" \
        || fail "mmdebstrap"
else
    say "mmdebstrap: reusing $ROOT"
fi
say "userland size: $(du -sh "$ROOT" | cut -f1)"

# 3. This checkout (its tracked files as they are now) into the userland.
rm -rf "$ROOT/src/asm-tutor" && mkdir -p "$ROOT/src/asm-tutor"
(cd "$REPO" && git ls-files -z | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$ROOT/src/asm-tutor"

# Inside: the userland as /, the host's network, its own /proc, /dev and /tmp. The tutor's
# own sandbox (bubblewrap again) nests inside this one. The host's CA bundle replaces the
# userland's: where a TLS-inspecting proxy stands between this machine and PyPI, its CA is
# only in the host's bundle.
CA=/etc/ssl/certs/ca-certificates.crt
inside() {
    bwrap --bind "$ROOT" / --proc /proc --dev /dev --tmpfs /tmp \
        --ro-bind /etc/resolv.conf /etc/resolv.conf --ro-bind "$CA" "$CA" \
        --setenv HOME /root --setenv PATH /opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
        --setenv LANG C.UTF-8 --setenv PIP_CERT "$CA" --unsetenv PIP_FIND_LINKS \
        --chdir /root /bin/sh -c "$1"
}

timed "uname -m inside" inside 'uname -m && rustc --version && python3 --version'
timed "pip install (venv + the tutor and its wheels)" \
    inside '[ -x /opt/venv/bin/pip ] || python3 -m venv /opt/venv; /opt/venv/bin/pip install -q --retries 10 /src/asm-tutor' \
    || fail "pip install"
timed "asm-tutor --version (cold start)" inside 'asm-tutor --version'
timed "asm-tutor doctor" inside 'asm-tutor doctor' 2>&1
timed "asm-tutor check times_nine (aarch64 solution)" inside \
    'cp /src/asm-tutor/exercises/times_nine/aarch64/solution.rs /root/times_nine.rs &&
     asm-tutor check times_nine /root/times_nine.rs' 2>&1
timed "asm-tutor check times_nine again (warm)" inside 'asm-tutor check times_nine /root/times_nine.rs' 2>&1 \
    | tail -3
# `pack check` of a one-exercise pack (times_nine: its aarch64 solution must pass, its starter
# fail); the whole built-in pack (FULL_PACK=1) compiles some 400 programs, hours under emulation.
timed "asm-tutor pack check (times_nine alone)" inside \
    'rm -rf /root/sample && mkdir -p /root/sample/exercises &&
     cp -r /src/asm-tutor/exercises/times_nine /root/sample/exercises/ &&
     sed -i "/^lesson = /d" /root/sample/exercises/times_nine/exercise.toml &&
     printf "format = 1\nid = \"aarch64_sample\"\ntitle = \"times_nine alone\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[[course]]\nexercise = \"times_nine\"\n" \
         >/root/sample/pack.toml &&
     asm-tutor pack check /root/sample' 2>&1
if [ "${FULL_PACK:-0}" = 1 ]; then
    timed "asm-tutor pack check (built-in pack)" inside 'cd /src/asm-tutor && asm-tutor pack check' 2>&1
fi
say "done, $(date -u '+%H:%M UTC')"
