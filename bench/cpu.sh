#!/usr/bin/env bash
# CPU speed of pure-Python code against an OPTIMISED native CPython of the same version, interleaved in one run.
# bench/cpu_workloads.py (13 workloads, each timed inside the interpreter, best of 3) runs ROUNDS times in turn under
# the native baseline, wasipy's Wasmtime and Node's node:wasi; each cell is the median of the rounds. A workload
# whose value differs from native's fails the run. Prints the compile flags of every build it compared.
#   bench/cpu.sh [RECIPE] [ROUNDS] [-- wasipy run options]     (default recipes/3.11.yaml, 5 rounds)
#
# The native baseline: bench/native.sh's (Debian's PGO+LTO python3.11 for 3.11, else the recipe's own source built here
# with --enable-optimizations --with-lto, once, cached; or NATIVE_PYTHON=/path/to/an/optimised/python of the same X.Y).
#
# A/B of a build option (a lever): VERSUS=OTHER_CHECKOUT [VERSUS_OPTIONS="--toolchain debian-llvm19"] bench/cpu.sh
# builds RECIPE there with those options too (its own build folder) and interleaves its runs in the same rounds:
# columns B (and B's ratio to native) beside this checkout's A.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.11.yaml}
rounds=${2:-5}
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = "--" ] && shift
./wasipy run "$recipe" "$@" >/dev/null
dll="$root/.cache/engine/wasipy.dll"
versus=${VERSUS:-}
read -r -a versus_options <<<"${VERSUS_OPTIONS:-}"
if [ -n "$versus" ]; then
  versus=$(cd "$versus" && pwd)
  (cd "$versus" && ./wasipy run "$recipe" "${versus_options[@]}" >/dev/null)
fi
# B's exec, from B's folder, with a time limit in seconds first.
wasm_b() { local limit=$1; shift; (cd "$versus" && timeout "$limit" dotnet "$versus/.cache/engine/wasipy.dll" exec "$recipe" "${versus_options[@]}" "$@"); }
wasm() { dotnet "$dll" exec "$recipe" "$@"; }
version=$(wasm -- -c 'import sys; print("%d.%d" % sys.version_info[:2])')
native=$("$root/bench/native.sh" "$recipe")
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
  if [ -n "$versus" ]; then
    wasm_b 600 -- -c "$script" > "$out/wasmtime-b.$r"
    wasm_b 900 --runtime node -- -c "$script" > "$out/node-b.$r"
  fi
done
python3 - "$out" "$rounds" "$native" "$versus" <<'PY'
import json, math, statistics, sys
out, rounds, native, versus = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sides = ("native", "wasmtime", "node") + (("wasmtime-b", "node-b") if versus else ())
runs = {side: [json.load(open(f"{out}/{side}.{r}")) for r in range(1, rounds + 1)] for side in sides}
for side in sides[1:]:
    for run in runs[side]:
        bad = {k: (v, runs["native"][0]["values"][k]) for k, v in run["values"].items() if v != runs["native"][0]["values"][k]}
        if bad:
            sys.exit(f"bench/cpu.sh: {side} computed other values than native: {bad}")
med = {side: {k: statistics.median(r["ms"][k] for r in rs) for k in rs[0]["ms"]} for side, rs in runs.items()}
w, n = runs["wasmtime"][0], runs["native"][0]
print(f"wasm {w['python']} vs native {n['python']} ({native}), median of {rounds} interleaved rounds, load {open('/proc/loadavg').read().split()[0]}")
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
cols = [("wasmtime", "Wasmtime"), ("node", "Node")] if not versus else [("wasmtime", "A Wasmtime"), ("wasmtime-b", "B Wasmtime"), ("node", "A Node"), ("node-b", "B Node")]
if versus:
    print(f"A: this checkout; B: {versus}")
print("| workload | native ms | " + " | ".join(f"{t} ms | ratio" for _, t in cols) + " |")
print("| --- | --- | " + " | ".join("--- | ---" for _ in cols) + " |")
ratios, first = {s: [] for s, _ in cols}, 6
for k in med["native"]:
    a = med["native"][k]
    cells = []
    for s, _ in cols:
        ratios[s].append(med[s][k] / a)
        cells.append(f"{med[s][k]:.1f} | {med[s][k] / a:.2f}")
    print(f"| {k} | {a:.1f} | " + " | ".join(cells) + " |")
for label, n in (("first six", first), (f"all {len(ratios['wasmtime'])}", None)):
    print(f"| **geometric mean, {label}** | | " + " | ".join(f" | **{g(ratios[s][:n]):.2f}**" for s, _ in cols) + " |")
PY
echo "native flags: $("$native" -c "$flags")"
echo "wasm flags:   $(wasm "$@" -- -c "$flags")"
[ -z "$versus" ] || echo "B wasm flags: $(wasm_b 60 -- -c "$flags")"
