#!/usr/bin/env bash
# Import time of the data stack (pandas, PIL.Image, numpy), timed inside the interpreter, ROUNDS interleaved rounds,
# medians: python.wasm of recipes/3.13.yaml --with pandas,pillow under wasipy's Wasmtime and Node, against the native
# /usr/bin/python3. The native side is what Debian ships for it (3.11.2 with python3-pandas and python3-pil: other
# versions than the wasm build's; no native CPython 3.13 with pandas 2.3.3 and Pillow 12.3.0 can be installed here),
# and the table says which versions were compared. Also the packed file's size and its xz -6 size.
#   bench/imports.sh [ROUNDS] [-- more `wasipy run` options]     (default 5; e.g. --mirror DIR for the git sources)
source "$(dirname "${BASH_SOURCE[0]}")/rounds.sh"
recipe=recipes/3.13.yaml
opts=(--with pandas,pillow)
./wasipy run "$recipe" "${opts[@]}" "$@" >/dev/null
dll="$root/.cache/engine/wasipy.dll"
wasm=$(ls "$root"/build/3.13.15/dist/packed/bin/python3.13.wasm)
probe='import sys, time
for name in ("numpy", "pandas", "PIL.Image"):
    t = time.perf_counter(); __import__(name); ms = (time.perf_counter() - t) * 1e3
    print(name, round(ms, 1), getattr(sys.modules[name.split(".")[0]], "__version__", ""))'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  timeout 300 /usr/bin/python3 -c "$probe" > "$out/native.$r"
  timeout 300 dotnet "$dll" exec "$recipe" "${opts[@]}" -- -c "$probe" > "$out/wasmtime.$r"
  timeout 300 dotnet "$dll" exec "$recipe" "${opts[@]}" --runtime node -- -c "$probe" > "$out/node.$r"
done
python3 - "$out" "$rounds" <<'PY'
import statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def read(side):
    runs = [dict((l.split()[0], (float(l.split()[1]), l.split()[2] if len(l.split()) > 2 else "")) for l in open(f"{out}/{side}.{r}")) for r in range(1, rounds + 1)]
    return {k: (statistics.median(r[k][0] for r in runs), runs[0][k][1]) for k in runs[0]}
n, w, d = read("native"), read("wasmtime"), read("node")
print(f"median of {rounds} interleaved rounds, load {open('/proc/loadavg').read().split()[0]}; each import after the ones above it")
print("| import | native /usr/bin/python3 3.11.2 ms (version) | Wasmtime ms (version) | ratio | Node ms | ratio |\n| --- | --- | --- | --- | --- | --- |")
for k in n:
    print(f"| {k} | {n[k][0]:.1f} ({n[k][1]}) | {w[k][0]:.1f} ({w[k][1]}) | {w[k][0] / n[k][0]:.2f} | {d[k][0]:.1f} | {d[k][0] / n[k][0]:.2f} |")
PY
printf 'packed file: %s bytes, xz -6: %s bytes\n' "$(stat -c %s "$wasm")" "$(xz -6 -T1 -c "$wasm" | wc -c)"
