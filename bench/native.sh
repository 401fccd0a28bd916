#!/usr/bin/env bash
# The optimised native CPython the benchmarks compare against (never an unoptimised interpreter: the pyenv python3
# here is one, and flatters every ratio), for RECIPE's version; prints its path, nothing else on stdout:
#   NATIVE_PYTHON, when set;
#   3.11: Debian's /usr/bin/python3.11 (3.11.2, built by Debian with PGO and LTO);
#   other: the recipe's own source archive (the one wasipy downloaded and checked), built for this machine with
#          `--enable-optimizations --with-lto` (PGO + LTO, CPython's own training task), once, and cached.
#   bench/native.sh [RECIPE]     (default recipes/3.13.yaml)
# Cache: ${WASIPY_NATIVE_CACHE:-~/.cache/wasipy/native}/<version>-<sha256 prefix>-pgo-lto/ (a build that fails or is
# cut short leaves nothing there). Time limit: NATIVE_TIMEOUT seconds for the whole build (default 3600).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.13.yaml}
[ -f "$recipe" ] || { echo "bench/native.sh: $recipe not found; give a recipe such as recipes/3.13.yaml" >&2; exit 2; }
field() { sed -n "s/^$1: *\([^ #]*\).*/\1/p" "$recipe" | head -n 1; }
source_field() { sed -n "/^source:/,/^[a-z]/s/^  $1: *\([^ #]*\).*/\1/p" "$recipe" | head -n 1; }
version=$(field version)
if [ -n "${NATIVE_PYTHON:-}" ]; then echo "$NATIVE_PYTHON"; exit 0; fi
case $version in 3.11|3.11.*) echo /usr/bin/python3.11; exit 0 ;; esac
sha=$(source_field sha256)
file=$(source_field file_name)
[ -n "$version" ] && [ -n "$sha" ] && [ -n "$file" ] \
  || { echo "bench/native.sh: $recipe has no version, source.sha256 or source.file_name; a CPython recipe has all three" >&2; exit 2; }
case $file in */*|.*) echo "bench/native.sh: $recipe: source.file_name '$file' is not a plain file name" >&2; exit 2 ;; esac
short=${version%.*}
cache=${WASIPY_NATIVE_CACHE:-$HOME/.cache/wasipy/native}
prefix="$cache/$version-${sha:0:12}-pgo-lto"
python="$prefix/bin/python$short"
if [ -x "$python" ]; then echo "$python"; exit 0; fi

# The source: the archive wasipy's run fetched into the download cache (and checked against the recipe's sha256).
archive="$root/.cache/downloads/$file"
[ -f "$archive" ] || ./wasipy run "$recipe" >&2
[ -f "$archive" ] || { echo "bench/native.sh: $archive is missing after './wasipy run $recipe'" >&2; exit 1; }
echo "$sha  $archive" | sha256sum -c --status \
  || { echo "bench/native.sh: $archive does not have the recipe's sha256; remove it and run again" >&2; exit 1; }

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "bench/native.sh: building CPython $version for this machine with PGO + LTO (once; cached in $prefix) ..." >&2
start=$SECONDS
# Unpacked without following or making anything outside $work (GNU tar refuses absolute and ../ member names).
tar -xf "$archive" -C "$work" --no-same-owner
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'Python-*' -print -quit)
[ -n "$src" ] || { echo "bench/native.sh: $archive has no Python-* folder" >&2; exit 1; }
log="$work/build.log"
if ! (cd "$src" && timeout --kill-after=10 "${NATIVE_TIMEOUT:-3600}" bash -c '
      ./configure --prefix="$1" --enable-optimizations --with-lto --without-ensurepip &&
      make -j"$(nproc)" && make install DESTDIR="$2"' _ "$prefix" "$work/dest") >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "bench/native.sh: the native build of $version failed or timed out (last lines above)" >&2
  exit 1
fi
"$work/dest$prefix/bin/python$short" -c 'import sysconfig, sys; cfg = sysconfig.get_config_var("CONFIG_ARGS"); sys.exit(0 if "--enable-optimizations" in cfg and "--with-lto" in cfg else 1)' \
  || { echo "bench/native.sh: the built python does not report --enable-optimizations --with-lto" >&2; exit 1; }
rm -rf "$prefix"
mv "$work/dest$prefix" "$prefix"
echo "bench/native.sh: built in $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s" >&2
echo "$python"
