#!/usr/bin/env bash
# What V8's WebAssembly tiering flags do to python.wasm under Node's node:wasi: the CPU workloads of bench/cpu.sh
# (geometric mean of their ratios to an optimised native CPython of the same version, as bench/native.sh picks it) and
# the wall time of `-c pass`, for each set of flags, rounds interleaved in one run.
#   bench/node-flags.sh [RECIPE] [ROUNDS] [FLAGS...]   (default recipes/3.11.yaml, 3 rounds,
#                                                       flags: V8's default, --no-wasm-dynamic-tiering, --no-liftoff)
# Each FLAGS argument is one set, space-separated ("" is V8's default). Node runs hosts/node/run.mjs as the engine
# does (--stack-size=8000 under an 80 MiB stack limit), the packed python.wasm of RECIPE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.11.yaml}
rounds=${2:-3}
shift $(( $# < 2 ? $# : 2 ))
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=("" "--no-wasm-dynamic-tiering" "--no-liftoff")
build=$(./wasipy run "$recipe" | sed -n 's/.*, in \(.*\)$/\1/p' | head -n 1)
wasm="$build/dist/packed/bin/$(ls "$build/dist/packed/bin")"
native=$("$root/bench/native.sh" "$recipe")
script=$(cat "$root/bench/cpu_workloads.py")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node_run() {   # FLAGS LIMIT ARGS...
  local flags=$1 limit=$2; shift 2
  local -a f; read -r -a f <<<"$flags"
  prlimit --stack=83886080 timeout "$limit" node --no-warnings --stack-size=8000 "${f[@]}" "$root/hosts/node/run.mjs" \
    --wasm "$wasm" --timeout "$limit" --argv0 "$wasm" -- "$@"
}
for r in $(seq "$rounds"); do
  timeout 600 "$native" -c "$script" > "$out/native.$r"
  for i in "${!sets[@]}"; do
    node_run "${sets[$i]}" 900 -c "$script" > "$out/set$i.$r"
    for n in 1 2 3 4 5; do
      s=$EPOCHREALTIME; node_run "${sets[$i]}" 60 -c pass; e=$EPOCHREALTIME
      echo "$s $e" >> "$out/start$i"
    done
  done
done
printf '%s\n' "${sets[@]}" > "$out/sets"
"$native" - "$out" "$rounds" "$native" "$wasm" <<'PY'
import json, math, statistics, sys
out, rounds, native, wasm = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sets = open(f"{out}/sets").read().split("\n")[:-1]
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
nat = [json.load(open(f"{out}/native.{r}")) for r in range(1, rounds + 1)]
nmed = {k: statistics.median(n["ms"][k] for n in nat) for k in nat[0]["ms"]}
print(f"{wasm} under Node {__import__('subprocess').run(['node', '--version'], capture_output=True, text=True).stdout.strip()},"
      f" against {native}; median of {rounds} interleaved rounds, load {open('/proc/loadavg').read().split()[0]}")
print("| V8 flags | CPU geomean (x native) | slowest workload | `-c pass` wall ms (median) |")
print("| --- | --- | --- | --- |")
for i, flags in enumerate(sets):
    runs = [json.load(open(f"{out}/set{i}.{r}")) for r in range(1, rounds + 1)]
    for run in runs:
        if run["values"] != nat[0]["values"]:
            sys.exit(f"bench/node-flags.sh: '{flags}' computed other values than native")
    ratios = {k: statistics.median(run["ms"][k] for run in runs) / nmed[k] for k in nmed}
    worst = max(ratios, key=ratios.get)
    starts = [(float(e) - float(s)) * 1e3 for s, e in (line.split() for line in open(f"{out}/start{i}"))]
    print(f"| {flags or '(default)'} | {g(list(ratios.values())):.2f} | {worst} {ratios[worst]:.2f} | {statistics.median(starts):.0f} |")
PY
