"""A small, fixed set of pure-Python workloads, each timed inside the interpreter (best of 3), printed as JSON.

Run by bench/cpu.sh under wasipy's Wasmtime, under Node's node:wasi and with an optimised native CPython of the same
version. Every workload returns a value, so that a wrong result cannot pass for a fast one (cpu.sh compares them).
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


class Task:
    """Richards-style scheduling: object-heavy method calls through a queue of tasks and packets."""
    def __init__(self, ident, priority, work):
        self.ident, self.priority, self.work, self.queue, self.held, self.count = ident, priority, work, [], False, 0

    def take(self, packet):
        self.queue.append(packet)
        return self

    def run(self, scheduler):
        if self.held or not self.queue:
            return None
        packet = self.queue.pop(0)
        self.count += 1
        return self.work(self, scheduler, packet)


class Packet:
    def __init__(self, kind, datum, target):
        self.kind, self.datum, self.target = kind, datum, target


class Scheduler:
    def __init__(self):
        self.tasks, self.sent = {}, 0

    def add(self, task):
        self.tasks[task.ident] = task

    def send(self, packet):
        self.sent += 1
        return self.tasks[packet.target].take(packet)

    def schedule(self, rounds):
        order = sorted(self.tasks.values(), key=lambda t: -t.priority)
        for _ in range(rounds):
            for task in order:
                task.run(self)


def richards(rounds=40000):
    def worker(task, s, p):
        p.datum = (p.datum * 3 + 1) % 26
        p.target = 2 if p.datum % 2 else 3
        return s.send(p)

    def handler(task, s, p):
        task.held = task.count % 7 == 0
        task.held = False
        p.kind, p.target = p.kind + 1, 1
        return s.send(p)

    s = Scheduler()
    s.add(Task(1, 10, worker)); s.add(Task(2, 5, handler)); s.add(Task(3, 5, handler))
    for i in range(20):
        s.tasks[1].take(Packet(0, i, 1))
    s.schedule(rounds)
    return s.sent


def deltablue(n=150, rounds=150):
    """A chain of equality constraints solved by propagation, then re-planned after each edit (deltablue-style)."""
    class Var:
        __slots__ = ("value", "constraints", "stay")
        def __init__(self, value):
            self.value, self.constraints, self.stay = value, [], False

    class Equal:
        __slots__ = ("a", "b", "strength")
        def __init__(self, a, b, strength):
            self.a, self.b, self.strength = a, b, strength
            a.constraints.append(self); b.constraints.append(self)

        def satisfy(self, source):
            target = self.b if source is self.a else self.a
            if target.value != source.value and not target.stay:
                target.value = source.value
                return target
            return None

    chain = [Var(0) for _ in range(n)]
    for i in range(n - 1):
        Equal(chain[i], chain[i + 1], i % 3)
    total = 0
    for r in range(rounds):
        source = chain[0] if r % 2 else chain[-1]
        source.value = r + 1
        todo, seen = [source], {id(source)}
        while todo:
            v = todo.pop()
            for c in sorted(v.constraints, key=lambda c: c.strength):
                changed = c.satisfy(v)
                if changed is not None and id(changed) not in seen:
                    seen.add(id(changed)); todo.append(changed)
        total += sum(v.value for v in chain)
    return total


def generators(depth=14):
    """Recursive generators: an in-order walk of a complete binary tree with yield from."""
    def tree(d, start):
        if d == 0:
            return None
        half = 1 << (d - 1)
        return (tree(d - 1, start), start + half - 1, tree(d - 1, start + half))

    def walk(node):
        if node is not None:
            left, value, right = node
            yield from walk(left)
            yield value
            yield from walk(right)

    t = tree(depth, 0)
    return sum(walk(t)) + sum(1 for _ in walk(t))


def formatting(n=60000):
    out = []
    for i in range(n):
        out.append(f"{i:08d}|{i * 0.5:10.3f}|{'x' * (i % 5):<5}|{hex(i)}")
        if len(out) > 1000:
            out = ["%s-%d-%.2f" % (out[-1], i, i / 3)]
    return len(out[-1])


def unpacking(n=200000):
    total = 0
    pairs = [(i, i + 1, i + 2) for i in range(100)]
    for i in range(n // 100):
        for a, b, c in pairs:
            a, b = b, a
            x, *rest = (a, b, c)
            total += x + len(rest)
    return total


def decimal_math(n=50000):
    from decimal import Decimal, getcontext
    getcontext().prec = 28
    total, rate = Decimal(0), Decimal("1.0005")
    for i in range(n):
        total = (total + Decimal(i) / Decimal(7)) * rate
        total = total.quantize(Decimal("0.0001"))
    return str(total)[:12]


def dict_set(n=100000):
    seen, index = set(), {}
    for i in range(n):
        k = (i * 2654435761) % 50021
        if k in seen:
            index[k] = index.get(k, 0) + 1
        else:
            seen.add(k)
    common = {k for k, v in index.items() if v > 1} & seen
    return len(seen) + len(index) + len(common)


# The first six are the README's original table; the rest make the broader suite.
WORKLOADS = [nbody, fib, json_round_trip, regex, dict_str, sort,
             richards, deltablue, generators, formatting, unpacking, decimal_math, dict_set]

results, values = {}, {}
for work in WORKLOADS:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t)
    results[work.__name__] = round(best * 1000, 2)
    values[work.__name__] = repr(work())
print(json.dumps({"python": sys.version.split()[0], "platform": sys.platform, "ms": results, "values": values}))
