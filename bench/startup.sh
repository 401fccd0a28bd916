#!/usr/bin/env bash
# Start-up of `python -c pass`, side by side in one run: the normal packed python.wasm and the snapshot
# (--snapshot), under wasipy's Wasmtime (guest time of _start and the whole `wasipy exec` wall time), under Node's
# node:wasi (guest, compile and wall), and the machine's native python3. Builds both first (cached when built).
#   bench/startup.sh [RECIPE] [RUNS]     (default recipes/3.13.yaml, 10 runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.13.yaml}
runs=${2:-10}
./wasipy run "$recipe" >/dev/null
./wasipy run "$recipe" --snapshot >/dev/null
dll="$root/.cache/engine/wasipy.dll"
build=$(./wasipy run "$recipe" | sed -n 's/.*, in \(.*\)$/\1/p' | head -n 1)
normal="$build/dist/packed/bin/$(ls "$build/dist/packed/bin")"
snapshot="$build/dist/packed-snapshot/bin/$(ls "$build/dist/packed-snapshot/bin")"

stats() { sort -n | awk '{ a[NR] = $1 } END { printf "%8.1f %8.1f %8.1f", a[1], a[int((NR + 1) / 2)], a[NR] }'; }
ms() { python3 -c 'import sys, time, subprocess; t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, capture_output=True); print((time.perf_counter() - t) * 1e3)' "$@"; }

echo "python -c pass, $runs runs each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %8s %8s %8s   (ms)\n' "" min median max
for side in normal snapshot; do
  flag=$([ $side = snapshot ] && echo --snapshot || true)
  for i in $(seq "$runs"); do dotnet "$dll" exec "$recipe" $flag --timing -- -c pass 2>&1 | sed -n 's/.*guest time \([0-9.]*\) ms/\1/p'; done \
    | stats | xargs -I{} printf '%-44s %s\n' "wasmtime guest ($side)" "{}"
  for i in $(seq "$runs"); do ms dotnet "$dll" exec "$recipe" $flag -- -c pass; done \
    | stats | xargs -I{} printf '%-44s %s\n' "wasipy exec wall ($side)" "{}"
done
for i in $(seq "$runs"); do ms python3 -c pass; done | stats | xargs -I{} printf '%-44s %s\n' "native python3 $(python3 -c 'import sys; print(sys.version.split()[0])') wall" "{}"
python3 "$root/bench/startup_node.py" "$normal" "$snapshot" -n "$runs"
ls -l "$normal" "$snapshot" | awk '{ print $5, $9 }'
