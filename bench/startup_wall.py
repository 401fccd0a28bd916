#!/usr/bin/env python3
"""Wall time of `python -c pass` started the ways a user starts it, interleaved and paired (used by bench/startup.sh).

  startup_wall.py WASIPY RECIPE NATIVE [-n ROUNDS]

Each round runs, in turn: native python, `./wasipy exec` (the launcher), `./wasipy exec --snapshot`, and both again
with WASIPY_LAUNCHER=off (the engine), each in a fresh process, timed from this process (fork to exit). Reports
min / median / max, and the median over rounds of each side's time divided by native's in the same round. Then
the parts `./wasipy exec --timing` reports (median of each over ROUNDS more runs): process start (from the script's
first line to the program's), set-up, module load, instantiate, guest _start.
"""
import argparse
import os
import re
import statistics
import subprocess
import time


def timed(cmd, env):
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    wall = (time.perf_counter() - t) * 1e3
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return wall, p.stderr.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wasipy")
    ap.add_argument("recipe")
    ap.add_argument("native")
    ap.add_argument("-n", type=int, default=20)
    a = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("WASIPY_LAUNCHER", "WASIPY_STARTED")}
    engine = dict(env, WASIPY_LAUNCHER="off")
    exe = [a.wasipy, "exec", a.recipe]
    sides = [
        ("native " + a.native, [a.native, "-c", "pass"], env),
        ("./wasipy exec (launcher)", [*exe, "--", "-c", "pass"], env),
        ("./wasipy exec --snapshot (launcher)", [*exe, "--snapshot", "--", "-c", "pass"], env),
        ("./wasipy exec (engine: WASIPY_LAUNCHER=off)", [*exe, "--", "-c", "pass"], engine),
        ("./wasipy exec --snapshot (engine)", [*exe, "--snapshot", "--", "-c", "pass"], engine),
    ]
    for _, cmd, e in sides:  # warm: page cache, remembered targets, compiled modules
        timed(cmd, e)
    walls = {name: [] for name, _, _ in sides}
    for _ in range(a.n):
        for name, cmd, e in sides:
            walls[name].append(timed(cmd, e)[0])
    native = walls[sides[0][0]]
    print(f"{'':46} {'min':>8} {'median':>8} {'max':>8}  {'x native':>8}   (ms, wall)")
    for name, _, _ in sides:
        w = walls[name]
        ratio = statistics.median(x / n for x, n in zip(w, native))
        print(f"{name:46} {min(w):8.1f} {statistics.median(w):8.1f} {max(w):8.1f}  {ratio:8.2f}")

    print(f"\nparts, `./wasipy exec --timing` (median of {a.n} runs each, ms)")
    names = ["process start", "set-up", "module load", "instantiate", "guest _start", "sum"]
    print(f"{'':46} " + " ".join(f"{n:>13}" for n in names) + f" {'wall':>8}")
    pattern = re.compile(r"wasipy: (\w+): process start ([\d.]+) ms, set-up ([\d.]+) ms, module load ([\d.]+) ms, "
                         r"instantiate ([\d.]+) ms, guest _start ([\d.]+) ms; sum ([\d.]+) ms")
    for name, cmd, e in sides[1:]:
        cmd = [*cmd[:3], "--timing", *cmd[3:]]
        parts, path, walls_t = [], None, []
        for _ in range(a.n):
            wall, err = timed(cmd, e)
            m = pattern.search(err)
            if not m:
                raise SystemExit(f"no timing line from {' '.join(cmd)}: {err[-300:]}")
            path = m.group(1)
            parts.append([float(x) for x in m.groups()[1:]])
            walls_t.append(wall)
        medians = [statistics.median(p[i] for p in parts) for i in range(len(names))]
        print(f"{name.split(' (')[0] + ' (' + path + ')':46} " + " ".join(f"{m:13.1f}" for m in medians) + f" {statistics.median(walls_t):8.1f}")


main()
