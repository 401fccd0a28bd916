#!/usr/bin/env python3
"""Start-up time of `python -c pass`: normal python.wasm vs snapshot, under Node (hosts/node/run.mjs), side by side.
(Used by bench/startup.sh.)

  bench.py NORMAL.wasm SNAPSHOT.wasm [-n REPS] [--node-flag FLAG]... [--args ...]

Each repetition runs, interleaved: the normal wasm, the snapshot, and native `python -c pass` (the python running this script), each in
a fresh process. Reports min / median / max of
  guest   ms from just before wasi.start(instance) to its return (run.mjs --timing; excludes compile)
  compile ms of WebAssembly.compile, instantiate ms,
  wall    ms of the whole `node run.mjs ...` process (Node start-up, reading + compiling the wasm, run).
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hosts", "node")


def run_node(wasm, flags, args):
    cmd = ["node", "--no-warnings", *flags, os.path.join(HERE, "run.mjs"), "--timing", "--wasm", wasm, "--", *args]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    wall = (time.perf_counter() - t) * 1e3
    if p.returncode != 0:
        raise SystemExit(f"{wasm} failed: {p.stderr.decode()[-500:]}")
    line = [l for l in p.stderr.decode().splitlines() if l.startswith("TIMING ")][-1]
    t = json.loads(line[7:])
    return {"guest": t["runs"][0]["guest"], "compile": t["compile"], "instantiate": t["runs"][0]["instantiate"], "wall": wall}


def run_native(args):
    t = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, timeout=60)  # bench/startup.sh runs this with the native python
    return {"wall": (time.perf_counter() - t) * 1e3}


def run_node_empty(flags):
    t = time.perf_counter()
    subprocess.run(["node", "--no-warnings", *flags, "-e", "0"], check=True, capture_output=True, timeout=60)
    return {"wall": (time.perf_counter() - t) * 1e3}


def stats(xs):
    return f"{min(xs):7.1f} {statistics.median(xs):7.1f} {max(xs):7.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("normal")
    ap.add_argument("snapshot")
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--node-flag", action="append", default=[])
    ap.add_argument("--args", nargs=argparse.REMAINDER, default=["-c", "pass"])
    a = ap.parse_args()
    results = {"normal": [], "snapshot": [], "native": [], "node": []}
    for _ in range(a.n):
        results["normal"].append(run_node(a.normal, a.node_flag, a.args))
        results["snapshot"].append(run_node(a.snapshot, a.node_flag, a.args))
        results["native"].append(run_native(a.args))
        results["node"].append(run_node_empty(a.node_flag))
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"python {' '.join(a.args)}; node flags {a.node_flag or '(default)'}; {a.n} runs each; load average {' '.join(load)}")
    print(f"{'':28} {'min':>7} {'median':>7} {'max':>7}   (ms)")
    for side in ("normal", "snapshot"):
        for k in ("guest", "compile", "instantiate", "wall"):
            print(f"{side + ' ' + k:28} {stats([r[k] for r in results[side]])}")
    print(f"{'native python3 wall':28} {stats([r['wall'] for r in results['native']])}")
    print(f"{'node -e 0 wall':28} {stats([r['wall'] for r in results['node']])}")


if __name__ == "__main__":
    main()
