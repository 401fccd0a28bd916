"""A small, fixed set of pure-Python workloads, each timed inside the interpreter (best of 3), printed as JSON.

Run by bench/cpu.sh under wasipy's Wasmtime, under Node's node:wasi and with the machine's native python3.
"""
import json, re, sys, time


def nbody(steps=20000):
    bodies = [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 39.47], [4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.037],
              [8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011], [12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017],
              [15.37, -25.91, 0.17, 0.979, 0.594, -0.034, 0.002]]
    pairs = [(bodies[i], bodies[j]) for i in range(5) for j in range(i + 1, 5)]
    for _ in range(steps):
        for (b1, b2) in pairs:
            dx, dy, dz = b1[0] - b2[0], b1[1] - b2[1], b1[2] - b2[2]
            mag = 0.01 * (dx * dx + dy * dy + dz * dz) ** -1.5
            m1, m2 = b1[6] * mag, b2[6] * mag
            b1[3] -= dx * m2; b1[4] -= dy * m2; b1[5] -= dz * m2
            b2[3] += dx * m1; b2[4] += dy * m1; b2[5] += dz * m1
        for b in bodies:
            b[0] += 0.01 * b[3]; b[1] += 0.01 * b[4]; b[2] += 0.01 * b[5]
    return round(bodies[0][0], 6)


def fib(n=27):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def json_round_trip(n=1500):
    doc = {"items": [{"id": i, "name": f"item {i}", "tags": ["a", "b", "c"], "price": i * 1.25, "ok": i % 2 == 0}
                     for i in range(200)]}
    for _ in range(n // 10):
        doc = json.loads(json.dumps(doc))
    return len(doc["items"])


def regex(n=30000):
    text = " ".join(f"user{i}@example{i % 7}.org id={i} date=2026-11-{i % 28 + 1:02d}" for i in range(200))
    pattern = re.compile(r"(\w+)@(\w+)\.org id=(\d+) date=(\d{4})-(\d\d)-(\d\d)")
    count = 0
    for _ in range(n // 100):
        count += sum(1 for _ in pattern.finditer(text))
    return count


def dict_str(n=200000):
    counts = {}
    for i in range(n):
        key = "k" + str(i % 1000)
        counts[key] = counts.get(key, 0) + len(key)
    return sum(counts.values())


def sort(n=100000):
    data = [(i * 7919) % 100003 for i in range(n)]
    return sorted(data)[n // 2] + sorted(map(str, data[:20000]))[0].__len__()


WORKLOADS = [nbody, fib, json_round_trip, regex, dict_str, sort]

results = {}
for work in WORKLOADS:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t)
    results[work.__name__] = round(best * 1000, 2)
print(json.dumps({"python": sys.version.split()[0], "platform": sys.platform, "ms": results}))
