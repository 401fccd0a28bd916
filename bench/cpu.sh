#!/usr/bin/env bash
# CPU speed of pure-Python code against an OPTIMISED native CPython of the same version, interleaved in one run.
# bench/cpu_workloads.py (13 workloads, each timed inside the interpreter, best of 3) runs ROUNDS times in turn under
# the native baseline, wasipy's Wasmtime and Node's node:wasi; each cell is the median of the rounds. A workload
# whose value differs from native's fails the run. Prints the compile flags of every build it compared.
#   bench/cpu.sh [RECIPE] [ROUNDS] [-- wasipy run options]     (default recipes/3.11.yaml, 5 rounds)
#
# The native baseline (never an unoptimised interpreter: the pyenv python3 here is one, and flatters every ratio):
#   3.11  Debian's /usr/bin/python3.11 (3.11.2, built by Debian with PGO and LTO)
#   other NATIVE_PYTHON=/path/to/an/optimised/python of the same X.Y (the script refuses to run without one)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.11.yaml}
rounds=${2:-5}
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = "--" ] && shift
./wasipy run "$recipe" "$@" >/dev/null
dll="$root/.cache/engine/wasipy.dll"
wasm() { dotnet "$dll" exec "$recipe" "$@"; }
version=$(wasm -- -c 'import sys; print("%d.%d" % sys.version_info[:2])')
native=${NATIVE_PYTHON:-}
if [ -z "$native" ]; then
  [ "$version" = 3.11 ] || { echo "bench/cpu.sh: no optimised native CPython $version known: set NATIVE_PYTHON" >&2; exit 2; }
  native=/usr/bin/python3.11
fi
[ -x "$native" ] || { echo "bench/cpu.sh: $native is missing (Debian: apt-get install python3.11)" >&2; exit 2; }
[ "$("$native" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$version" ] \
  || { echo "bench/cpu.sh: $native is not CPython $version" >&2; exit 2; }

script=$(cat "$root/bench/cpu_workloads.py")
flags='import sysconfig as s; print(s.get_config_var("CC"), "|", s.get_config_var("OPT"), "|", s.get_config_var("CONFIG_ARGS"))'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  timeout 600 "$native" -c "$script" > "$out/native.$r"
  timeout 600 dotnet "$dll" exec "$recipe" "$@" -- -c "$script" > "$out/wasmtime.$r"
  timeout 900 dotnet "$dll" exec "$recipe" "$@" --runtime node -- -c "$script" > "$out/node.$r"
done
python3 - "$out" "$rounds" "$native" <<'PY'
import json, math, statistics, sys
out, rounds, native = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {side: [json.load(open(f"{out}/{side}.{r}")) for r in range(1, rounds + 1)] for side in ("native", "wasmtime", "node")}
for side in ("wasmtime", "node"):
    for run in runs[side]:
        bad = {k: (v, runs["native"][0]["values"][k]) for k, v in run["values"].items() if v != runs["native"][0]["values"][k]}
        if bad:
            sys.exit(f"bench/cpu.sh: {side} computed other values than native: {bad}")
med = {side: {k: statistics.median(r["ms"][k] for r in rs) for k in rs[0]["ms"]} for side, rs in runs.items()}
w, n = runs["wasmtime"][0], runs["native"][0]
print(f"wasm {w['python']} vs native {n['python']} ({native}), median of {rounds} interleaved rounds, load {open('/proc/loadavg').read().split()[0]}")
print(f"| workload | native ms | Wasmtime ms | ratio | Node ms | ratio |\n| --- | --- | --- | --- | --- | --- |")
rw, rn, first = [], [], 6
for i, k in enumerate(med["native"]):
    a, b, d = med["native"][k], med["wasmtime"][k], med["node"][k]
    rw.append(b / a); rn.append(d / a)
    print(f"| {k} | {a:.1f} | {b:.1f} | {b / a:.2f} | {d:.1f} | {d / a:.2f} |")
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print(f"| **geometric mean, first six** | | | **{g(rw[:first]):.2f}** | | **{g(rn[:first]):.2f}** |")
print(f"| **geometric mean, all {len(rw)}** | | | **{g(rw):.2f}** | | **{g(rn):.2f}** |")
PY
echo "native flags: $("$native" -c "$flags")"
echo "wasm flags:   $(wasm "$@" -- -c "$flags")"
