#!/usr/bin/env bash
# What threads give in the threads build (recipes/3.13-threads.yaml --with numpy): the same 8 tasks run one after the
# other in one thread, then spread over 4 threads (2 each), timed inside the interpreter; ROUNDS interleaved rounds,
# medians, under the engine's runner and Node. Two kinds of task: numpy work (matmul, solve, fft on 160x160 arrays:
# numpy releases the GIL in its loops in this build) and pure Python (a loop of arithmetic: the GIL lets one thread
# run Python at a time). The machine's cores bound any speed-up (nproc is printed).
#   bench/threads.sh [ROUNDS] [-- more `wasipy run` options]     (default 5; e.g. --mirror DIR)
source "$(dirname "${BASH_SOURCE[0]}")/rounds.sh"
recipe=recipes/3.13-threads.yaml
opts=(--with numpy)
./wasipy run "$recipe" "${opts[@]}" "$@" >/dev/null
dll="$root/.cache/engine/wasipy.dll"
probe='import threading, time, numpy as np
def numpy_task(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(160, 160))
    for _ in range(3):
        b = a @ a.T
        np.linalg.solve(b + 160 * np.eye(160), np.ones(160))
        np.fft.fft2(a)
def python_task(seed):
    s = 0
    for i in range(300000): s += (i * seed) % 7
def timed(label, task):
    t = time.perf_counter()
    for seed in range(8): task(seed)
    one = time.perf_counter() - t
    t = time.perf_counter()
    ts = [threading.Thread(target=lambda k=k: [task(seed) for seed in range(k, 8, 4)]) for k in range(4)]
    for th in ts: th.start()
    for th in ts: th.join()
    four = time.perf_counter() - t
    print(label, round(one * 1e3, 1), round(four * 1e3, 1))
numpy_task(0); python_task(1)        # warm up: Node compiles hot wasm code again, optimised, after a while
timed("numpy", numpy_task)
timed("python", python_task)'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  for runtime in wasmtime node; do
    timeout 600 dotnet "$dll" exec "$recipe" "${opts[@]}" --runtime "$runtime" --no-cwd -- -c "$probe" > "$out/$runtime.$r"
  done
done
python3 - "$out" "$rounds" <<'PY'
import os, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
print(f"8 tasks, ms, median of {rounds} interleaved rounds; {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[0]}")
print("| host | tasks | 1 thread | 4 threads | speed-up |\n| --- | --- | --- | --- | --- |")
for runtime in ("wasmtime", "node"):
    runs = [dict((l.split()[0], (float(l.split()[1]), float(l.split()[2]))) for l in open(f"{out}/{runtime}.{r}")) for r in range(1, rounds + 1)]
    for kind in ("numpy", "python"):
        one = statistics.median(run[kind][0] for run in runs)
        four = statistics.median(run[kind][1] for run in runs)
        print(f"| {runtime} | {kind} | {one:.0f} | {four:.0f} | {one / four:.2f}x |")
PY
