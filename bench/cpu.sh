#!/usr/bin/env bash
# CPU speed of pure-Python code, side by side in one run: bench/cpu_workloads.py (each workload timed inside the
# interpreter, best of 3) under wasipy's Wasmtime, under Node's node:wasi and with the machine's native python3;
# prints each workload's time and its ratio to native, and the geometric mean of the ratios.
#   bench/cpu.sh [RECIPE]     (default recipes/3.11.yaml: the machine's python3 is 3.11)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.11.yaml}
./wasipy run "$recipe" >/dev/null
dll="$root/.cache/engine/wasipy.dll"
script=$(cat "$root/bench/cpu_workloads.py")
wasmtime=$(dotnet "$dll" exec "$recipe" -- -c "$script")
node=$(dotnet "$dll" exec "$recipe" --runtime node -- -c "$script")
native=$(python3 -c "$script")
python3 - "$wasmtime" "$node" "$native" <<'PY'
import json, math, sys
w, n, c = (json.loads(a) for a in sys.argv[1:])
print(f"wasm {w['python']} vs native {c['python']} ({open('/proc/loadavg').read().split()[0]} load)")
print(f"{'workload':16} {'native ms':>10} {'wasmtime ms':>12} {'ratio':>6} {'node ms':>9} {'ratio':>6}")
rw, rn = [], []
for k in c["ms"]:
    a, b, d = c["ms"][k], w["ms"][k], n["ms"][k]
    rw.append(b / a); rn.append(d / a)
    print(f"{k:16} {a:10.1f} {b:12.1f} {b / a:6.2f} {d:9.1f} {d / a:6.2f}")
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print(f"{'geometric mean':16} {'':10} {'':12} {g(rw):6.2f} {'':9} {g(rn):6.2f}")
PY
