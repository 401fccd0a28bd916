#!/usr/bin/env python3
"""Both hosts' whole-suite results for one build, side by side (Markdown), from the files `wasipy test --all` wrote:
results/NAME.json (the engine's Wasmtime runner) and results/NAME-node.json (--runtime node).

    python3 results/table.py 3.11.2            # or 3.13.15, 3.13.15-threads

Prints the counts per host, every module whose status differs between the hosts (with each host's first error),
and the ten most common reasons modules were skipped as a whole on each host.
"""
import json
import os
import sys
from collections import Counter

STATUSES = ["passed", "failed", "skipped", "expected_failure", "timed_out", "crashed"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        sys.exit(f"results/table.py: {path} does not exist: run `./wasipy test RECIPE --all` (and with --runtime node) first")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: results/table.py NAME   (e.g. 3.11.2: reads results/3.11.2.json and results/3.11.2-node.json)")
    here = os.path.dirname(os.path.abspath(__file__))
    hosts = {"Wasmtime": load(os.path.join(here, sys.argv[1] + ".json")),
             "Node": load(os.path.join(here, sys.argv[1] + "-node.json"))}
    print("| host | modules | " + " | ".join(s.replace("_", " ") for s in STATUSES) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in STATUSES) + " |")
    for name, r in hosts.items():
        print(f"| {name} | {len(r['tests'])} | " + " | ".join(str(r["counts"].get(s, 0)) for s in STATUSES) + " |")
    by = {name: {t["name"]: t for t in r["tests"]} for name, r in hosts.items()}
    w, n = by["Wasmtime"], by["Node"]
    differ = sorted(m for m in w.keys() | n.keys() if w.get(m, {}).get("status") != n.get(m, {}).get("status"))
    print(f"\n{len(differ)} module(s) differ between the hosts:\n")
    print("| module | Wasmtime | Node | Node's first error |\n| --- | --- | --- | --- |")
    for m in differ:
        a, b = w.get(m, {}), n.get(m, {})
        err = (b.get("first_error") or a.get("first_error") or "").replace("|", "\\|")[:140]
        print(f"| {m} | {a.get('status', '-')} | {b.get('status', '-')} | {err} |")
    for name, r in hosts.items():
        reasons = skip_reasons(r)
        print(f"\nTen most common reasons for a skipped module, {name}:\n")
        print("| modules | reason |\n| --- | --- |")
        for reason, count in reasons.most_common(10):
            print(f"| {count} | {reason.replace('|', '/')} |")


def skip_reasons(result):
    """How many modules each reason skipped: the file's own skipped_by_reason, or, in files written before it had one,
    the skipped modules' first errors."""
    if "skipped_by_reason" in result:
        return Counter({reason: len(modules) for reason, modules in result["skipped_by_reason"].items()})
    return Counter(t["first_error"] or "(no reason given)" for t in result["tests"] if t["status"] == "skipped")


if __name__ == "__main__":
    main()
