#!/usr/bin/env bash
# CPython on wasm32-wasi: what ships in each stdlib mode, and how long `python -c pass` takes.
# Usage: bench/stdlib-modes.sh [RECIPE]   (default recipes/3.11.yaml)
#   first: the first run after a build, compiling the wasm (Wasmtime's compiled-module cache emptied)
#   warm:  median of 5 runs with the compiled module cached
# Times are wall clock of `./wasipy exec`, so they include the .NET host's start (printed below).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
recipe=${1:-recipes/3.11.yaml}
build=build/$(awk '/^version:/ { print $2; exit }' "$recipe")

seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }'; }
mb() { echo "scale=1; $1 / 1048576" | bc; }

./wasipy run "$recipe" > /dev/null    # builds the engine and CPython if needed
host=$(for _ in 1 2 3 4 5; do seconds ./wasipy --help; done | median)

printf '%-14s %10s %14s %9s %9s\n' mode "wasm MB" "shipped MB" "first s" "warm s"
for mode in packed packed-source mapped zip; do
  ./wasipy run "$recipe" --stdlib "$mode" > /dev/null
  wasm=$(ls "$build/dist/$mode/bin/"python*.wasm)
  shipped=$(du -sb "$build/dist/$mode" | cut -f1)
  rm -rf "$build/.wasipy/wasmtime"
  first=$(seconds ./wasipy exec "$recipe" --stdlib "$mode" -- -c pass)
  warm=$(for _ in 1 2 3 4 5; do seconds ./wasipy exec "$recipe" --stdlib "$mode" -- -c pass; done | median)
  printf '%-14s %10s %14s %9.2f %9s\n' "$mode" "$(mb "$(stat -c %s "$wasm")")" "$(mb "$shipped")" "$first" "$warm"
done
echo "unstripped python.wasm from make: $(mb "$(stat -c %s "$build/wasm/python.wasm")") MB"
echo "seed's reference (packed, compiled): ~150 MB"
echo ".NET host start (./wasipy --help), included in every time above: ${host}s"
./wasipy run "$recipe" > /dev/null    # leave the default (packed) build in place
