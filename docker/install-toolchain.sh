#!/usr/bin/env bash
# Installs the wasm32-wasi build environment from Debian packages:
#   clang-16, lld-16, libclang-rt-16-dev-wasm32 (bookworm), wasi-libc (trixie), host build deps, nginx (the tests'
#   remote build cache on 127.0.0.1: WebDAV PUT);
#   with --llvm-19 also clang-19, lld-19, llvm-19 and their wasm32 runtime (bookworm; side modules of --link dynamic);
#   with --llvm-19-libcxx that and Debian's wasm32 libc++ 19 (the debian-llvm19 toolchain's C++), which REPLACES
#   libc++-16-dev-wasm32: Debian's libc++-N-dev-wasm32 packages conflict with each other (one /usr/lib/wasm32-wasi/libc++.a),
#   so the debian toolchain's C++ packages cannot build until this script runs again without it.
# Extra apt sources (trixie, deb-src) are derived from the machine's existing apt configuration,
# so no registry host is written here. Safe to run more than once.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "install-toolchain.sh must run as root (it calls apt-get). Try: sudo $0" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
SRC_DIR=/etc/apt/sources.list.d

# The first 'deb' URI of the main Debian archive (not -security) from the machine's own config.
debian_uri() {
  local uri=""
  if [ -f "$SRC_DIR/debian.sources" ]; then
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ { if ($0 !~ /security/ && u != "") { print u; exit } }' "$SRC_DIR/debian.sources")
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $3 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  if [ -z "$uri" ]; then
    echo "Could not find a Debian archive URI in $SRC_DIR/debian.sources or /etc/apt/sources.list." >&2
    echo "Add your Debian mirror to apt's sources and run this script again." >&2
    exit 1
  fi
  echo "$uri"
}

URI=$(debian_uri)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# CPython sources: bullseye has 3.9.2, bookworm 3.11.2, trixie 3.13.5, forky 3.13.15 (deb-src only).
SOURCES="# Added by wasipy docker/install-toolchain.sh (derived from this machine's Debian source).
Types: deb
URIs: $URI
Suites: trixie
Components: main
Signed-By: $KEYRING

Types: deb-src
URIs: $URI
Suites: bullseye bookworm trixie forky
Components: main
Signed-By: $KEYRING"
if [ "$(cat "$SRC_DIR/wasipy.sources" 2>/dev/null)" != "$SOURCES" ]; then
  printf '%s\n' "$SOURCES" > "$SRC_DIR/wasipy.sources"
fi
# Only what we ask for by name comes from trixie.
cat > /etc/apt/preferences.d/wasipy-trixie <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN

apt-get update -q
apt-get install -y -q --no-install-recommends \
  clang-16 lld-16 llvm-16 libclang-rt-16-dev-wasm32 libc++-16-dev-wasm32 libc++abi-16-dev-wasm32 patch tcl \
  git autoconf automake libtool \
  build-essential pkg-config dpkg-dev ca-certificates xz-utils \
  zlib1g-dev libffi-dev libssl-dev libbz2-dev liblzma-dev libsqlite3-dev \
  nginx \
  python3-pip python3-setuptools python3-wheel flit python3-hatchling
apt-get install -y -q --no-install-recommends -t trixie wasi-libc
# The debian-llvm19 toolchain (wasipy.yaml) asks for LLVM 19 too: the same release's clang-19, lld-19 and wasm32 runtime.
case "${1:-}" in
  --llvm-19) apt-get install -y -q --no-install-recommends clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 ;;
  --llvm-19-libcxx)
    apt-get install -y -q --no-install-recommends clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 ;;
  "") ;;
  *) echo "install-toolchain.sh: unknown option '$1' (expected --llvm-19 or --llvm-19-libcxx)" >&2; exit 2 ;;
esac

# Wizer (snapshot builds), pinned, from the npm registry: its package ships a Linux binary.
WIZER_VERSION=11.0.3
WIZER_PREFIX=/opt/wasipy-tools
command -v npm >/dev/null || apt-get install -y -q --no-install-recommends nodejs npm
if [ "$(cat "$WIZER_PREFIX/node_modules/@bytecodealliance/wizer/package.json" 2>/dev/null | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')" != "$WIZER_VERSION" ]; then
  npm install --prefix "$WIZER_PREFIX" --no-audit --no-fund --silent "@bytecodealliance/wizer@$WIZER_VERSION"
fi
"$WIZER_PREFIX/node_modules/.bin/wizer" --help >/dev/null
# wasi-threads for Node (hosts/node/threads.mjs runs wasm32-wasi-threads builds with it), pinned, same prefix.
WASI_THREADS_VERSION=2.2.0
if [ "$(cat "$WIZER_PREFIX/node_modules/@emnapi/wasi-threads/package.json" 2>/dev/null | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')" != "$WASI_THREADS_VERSION" ]; then
  npm install --prefix "$WIZER_PREFIX" --no-audit --no-fund --silent "@emnapi/wasi-threads@$WASI_THREADS_VERSION"
fi

# Sanity check: the compiler must produce a wasm32-wasi object.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <stdio.h>\nint main(void){puts("ok");return 0;}\n' > "$tmp/t.c"
clang-16 --target=wasm32-wasi -O1 "$tmp/t.c" -o "$tmp/t.wasm"
echo "wasm32-wasi toolchain ready: $(clang-16 --version | head -n1)"
