#!/usr/bin/env bash
# Start-up of `python -c pass`, side by side in one run: `./wasipy exec` as a user types it (the launcher, and the
# engine with WASIPY_LAUNCHER=off), normal packed python.wasm and snapshot (--snapshot), against an optimised native
# CPython of the same version (below; NATIVE_PYTHON otherwise), rounds interleaved, medians and paired ratios; the
# parts each run reports with --timing; then Node's node:wasi. Builds both first (cached when built).
#   bench/startup.sh [RECIPE] [RUNS]     (default recipes/3.13.yaml, 20 runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.13.yaml}
runs=${2:-20}
./wasipy run "$recipe" >/dev/null
# The native baseline, an optimised build of the same X.Y (bench/native.sh: Debian's python3.11 for 3.11, else built).
native=$("$root/bench/native.sh" "$recipe")
[ -x "$native" ] || { echo "bench/startup.sh: $native not found; set NATIVE_PYTHON to an optimised native python of $recipe's version" >&2; exit 2; }
./wasipy run "$recipe" --snapshot >/dev/null
build=$(./wasipy run "$recipe" | sed -n 's/.*, in \(.*\)$/\1/p' | head -n 1)
normal="$build/dist/packed/bin/$(ls "$build/dist/packed/bin")"
snapshot="$build/dist/packed-snapshot/bin/$(ls "$build/dist/packed-snapshot/bin")"

echo "python -c pass, $runs rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (start); native: $native $("$native" -c 'import sys; print(sys.version.split()[0])')"
"$native" "$root/bench/startup_wall.py" "$root/wasipy" "$recipe" "$native" -n "$runs"
echo "load $(cut -d' ' -f1-3 /proc/loadavg) (end)"
if [ "${NODE:-1}" != 0 ]; then "$native" "$root/bench/startup_node.py" "$normal" "$snapshot" -n "$runs"; fi
ls -l "$normal" "$snapshot" | awk '{ print $5, $9 }'
