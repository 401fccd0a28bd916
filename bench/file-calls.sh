#!/usr/bin/env bash
# What one file call costs in the threads build, where every thread's calls on a descriptor go to the one file table
# (the engine's runner: engine/Wasm/WasiDescriptorServer.cs; Node: hosts/node/descriptors.mjs), against the same
# CPython without threads (recipes/3.13.yaml), whose calls go straight to the host. Timed inside the interpreter:
# os.fstat on an open file and os.stat of a path, CALLS each, in the main thread and in a second thread; ROUNDS
# interleaved rounds, medians, microseconds per call.
#   bench/file-calls.sh [ROUNDS] [-- more `wasipy run` options]     (default 5; e.g. --mirror DIR)
source "$(dirname "${BASH_SOURCE[0]}")/rounds.sh"
./wasipy run recipes/3.13.yaml "$@" >/dev/null
./wasipy run recipes/3.13-threads.yaml "$@" >/dev/null
dll="$root/.cache/engine/wasipy.dll"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo x > "$out/f.txt"
probe='import os, sys, time
CALLS = 20000
def timed(label, fn):
    t = time.perf_counter()
    for _ in range(CALLS): fn()
    print(label, round((time.perf_counter() - t) / CALLS * 1e6, 2))
fd = os.open("/data/f.txt", os.O_RDONLY)
def both(where):
    timed(f"fstat-{where}", lambda: os.fstat(fd))
    timed(f"stat-{where}", lambda: os.stat("/data/f.txt"))
both("main")
if sys.thread_info.name == "pthread":
    import threading
    t = threading.Thread(target=both, args=("thread",)); t.start(); t.join()'
for r in $(seq "$rounds"); do
  for runtime in wasmtime node; do
    for recipe in 3.13 3.13-threads; do
      timeout 300 dotnet "$dll" exec "recipes/$recipe.yaml" --runtime "$runtime" --no-cwd --dir "$out::/data:ro" -- -c "$probe" \
        > "$out/$runtime-$recipe.$r"
    done
  done
done
python3 - "$out" "$rounds" <<'PY'
import statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def read(name):
    runs = [dict((l.split()[0], float(l.split()[1])) for l in open(f"{out}/{name}.{r}")) for r in range(1, rounds + 1)]
    return {k: statistics.median(run[k] for run in runs) for k in runs[0]}
print(f"µs per call, median of {rounds} interleaved rounds, load {open('/proc/loadavg').read().split()[0]}")
print("| host | call | 3.13 (no threads) | threads build, main thread | threads build, second thread | added per call |")
print("| --- | --- | --- | --- | --- | --- |")
for runtime in ("wasmtime", "node"):
    plain, threads = read(f"{runtime}-3.13"), read(f"{runtime}-3.13-threads")
    for call in ("fstat", "stat"):
        base = plain[f"{call}-main"]
        print(f"| {runtime} | os.{call} | {base:.2f} | {threads[f'{call}-main']:.2f} | {threads[f'{call}-thread']:.2f} | "
              f"{threads[f'{call}-main'] - base:+.2f} |")
PY
