#!/usr/bin/env bash
# Static vs dynamic linking (`--link dynamic`) of CPython 3.13 with numpy, PyYAML, MarkupSafe and msgpack: file sizes,
# import time of each package (timed inside the interpreter), a NumPy workload and bench/cpu_workloads.py's pure-Python
# geometric mean (13 workloads, best of 3 each), under wasipy's Wasmtime and Node, ROUNDS interleaved rounds, medians.
#   bench/dynamic.sh [ROUNDS] [-- more `wasipy run` options]     (default 3; e.g. --mirror DIR for numpy's git source)
source "$(dirname "${BASH_SOURCE[0]}")/rounds.sh"
recipe=recipes/3.13.yaml
opts=(--with numpy,pyyaml,markupsafe,msgpack)
./wasipy run "$recipe" "${opts[@]}" "$@" >/dev/null
./wasipy run "$recipe" "${opts[@]}" --link dynamic "$@" >/dev/null
dll="$root/.cache/engine/wasipy.dll"
probe='import json, time
ms = {}
for name in ("numpy", "yaml", "msgpack", "markupsafe"):
    t = time.perf_counter(); __import__(name); ms["import " + name] = (time.perf_counter() - t) * 1e3
import numpy as np
a = np.random.default_rng(0).random((120, 120))
t = time.perf_counter()
for _ in range(20): b = a @ a; f = np.fft.fft(a[0]); s = np.sort(a, axis=None)
ms["numpy work (20 x matmul, fft, sort)"] = (time.perf_counter() - t) * 1e3
print(json.dumps(ms))'
cpu=$(cat "$root/bench/cpu_workloads.py")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # static|dynamic wasmtime|node PROGRAM
  local link=() host=()
  [ "$1" = dynamic ] && link=(--link dynamic)
  [ "$2" = node ] && host=(--runtime node)
  timeout 900 dotnet "$dll" exec "$recipe" "${opts[@]}" "${link[@]}" "${host[@]}" -- -c "$3"
}
for r in $(seq "$rounds"); do
  for build in static dynamic; do for host in wasmtime node; do
    run $build $host "$probe" > "$out/$build-$host.$r"
    run $build $host "$cpu" > "$out/$build-$host-cpu.$r"
  done; done
done
python3 - "$out" "$rounds" <<'PY'
import json, math, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
med = {}
for side in ("static-wasmtime", "dynamic-wasmtime", "static-node", "dynamic-node"):
    runs = [json.load(open(f"{out}/{side}.{r}")) for r in range(1, rounds + 1)]
    for run, r in zip(runs, range(1, rounds + 1)):
        cpu = json.load(open(f"{out}/{side}-cpu.{r}"))["ms"]
        run["bench/cpu_workloads.py geomean"] = math.exp(sum(map(math.log, cpu.values())) / len(cpu))
    med[side] = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
print(f"median of {rounds} interleaved rounds, load {open('/proc/loadavg').read().split()[0]}")
print("| ms | Wasmtime static | Wasmtime dynamic | ratio | Node static | Node dynamic | ratio |\n| --- | --- | --- | --- | --- | --- | --- |")
for k in med["static-wasmtime"]:
    s, d, ns, nd = (med[x][k] for x in ("static-wasmtime", "dynamic-wasmtime", "static-node", "dynamic-node"))
    print(f"| {k} | {s:.1f} | {d:.1f} | {d / s:.2f} | {ns:.1f} | {nd:.1f} | {nd / ns:.2f} |")
PY
for link in static dynamic; do
  dir=build/3.13.15; [ $link = static ] || dir=build/3.13.15-dynamic
  wasm="$dir/dist/packed/bin/python3.13.wasm"
  so=$(find "$dir/tree" -name '*.cpython-313-wasm32-wasi.so' -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%d side modules, %d bytes", n, s }')
  printf '%s: python3.13.wasm %s bytes (xz -6: %s), %s\n' "$link" "$(stat -c %s "$wasm")" "$(xz -6 -T1 -c "$wasm" | wc -c)" "$so"
done
ls -l build/3.13.15-dynamic/packages/wheels | awk 'NR > 1 { print "wheel: " $NF " " $5 " bytes" }'
