#!/usr/bin/env bash
# Proves that the README's fresh-machine commands need only the Rust toolchain and a C
# compiler (issue #15): a Debian bookworm chroot with nothing but minbase + gcc, libc6-dev,
# ca-certificates and git (no libclang, no libssl-dev, no pkg-config, no PostgreSQL),
# a fresh clone of the current branch, then `cargo build --release --locked`,
# `cargo run --release -- audit --demo` and `cargo test --locked --no-run`, timed.
#
# The host's toolchain (~/.rustup) is bind-mounted read-only and its cargo registry
# (~/.cargo/registry) is bind-mounted so that no network is needed inside: the script runs
# `cargo fetch --locked` on the host first, and cargo runs with --offline inside. The mounts
# live in a private mount namespace (unshare) and disappear with it.
#
# Usage (as root, on Debian/Ubuntu): bench/bare-build.sh [CHROOT_DIR]   (default
# /work/chroot-bare; created with debootstrap when missing, which needs Debian's mirror).
# Only committed work is built: the clone is of the branch's last commit.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
root="${1:-/work/chroot-bare}"
branch="$(git -C "$repo" rev-parse --abbrev-ref HEAD)"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
toolchain="$(cd "$repo" && rustup show active-toolchain | cut -d' ' -f1)"

if [ "$(id -u)" != 0 ]; then
  echo "bare-build: run as root (debootstrap, chroot and mounts need it)" >&2
  exit 2
fi

# 1. The bare machine, made once.
if [ ! -x "$root/usr/bin/gcc" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
  [ -x "$root/bin/sh" ] || debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
  chroot "$root" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev ca-certificates git'
fi

# 2. Dependencies into the host's registry cache, then a fresh clone of the branch.
(cd "$repo" && cargo fetch --locked --quiet)
rm -rf "$root/root/dbaudit"
git clone --quiet --no-local --branch "$branch" "$repo" "$root/root/dbaudit"
echo "bare-build: $branch at $(git -C "$root/root/dbaudit" log -1 --format='%h %s')"

# 3. Inside: check what is absent, then build, run the demo and build the tests, timed.
mkdir -p "$root/root/.rustup" "$root/root/.cargo/registry"
inside='
set -eu
export PATH="/root/.rustup/toolchains/'"$toolchain"'/bin:/usr/bin:/bin" HOME=/root
export RUSTUP_HOME=/root/.rustup CARGO_HOME=/root/.cargo CARGO_NET_OFFLINE=true
cd /root/dbaudit
echo "inside: $(. /etc/os-release && echo "$PRETTY_NAME"), $(gcc --version | head -1), $(cargo --version)"
absent=yes
# (The openssl command and libssl3 are there: ca-certificates depends on them. What the
# build needed before, OpenSSL headers, pkg-config and libclang, must not be.)
for what in /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* \
  /usr/include/openssl/ssl.h /usr/bin/pkg-config /usr/bin/pkgconf /usr/bin/clang \
  /usr/bin/protoc /usr/bin/cmake; do
  if [ -e "$what" ]; then echo "inside: $what is present: not a bare machine" >&2; absent=no; fi
done
[ "$absent" = yes ] && echo "inside: no libclang, clang, OpenSSL headers, pkg-config, protoc or cmake"
dpkg-query -W -f "\${Package}\n" | sort > /tmp/packages.txt
echo "inside: $(wc -l < /tmp/packages.txt) Debian packages installed"
t0=$(date +%s)
cargo build --release --locked
t1=$(date +%s)
cargo run --release -- audit --demo
t2=$(date +%s)
cargo test --locked --no-run
t3=$(date +%s)
echo "inside: cargo build --release --locked: $((t1 - t0)) s"
echo "inside: cargo run --release -- audit --demo: $((t2 - t1)) s"
echo "inside: cargo test --locked --no-run: $((t3 - t2)) s"
ls -l dbaudit-demo
'
unshare --mount --propagation private /bin/sh -c '
set -eu
root="$1"
mount --bind "$2" "$root/root/.rustup" && mount -o remount,bind,ro "$root/root/.rustup"
mount --bind "$3/registry" "$root/root/.cargo/registry"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
exec chroot "$root" /bin/sh -c "$4"
' bare-build "$root" "$rustup_home" "$cargo_home" "$inside"
