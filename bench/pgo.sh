#!/usr/bin/env bash
# Profile-guided optimisation (PGO) of python.wasm, measured against the default build in the same rounds.
#   bench/pgo.sh [RECIPE] [ROUNDS]     (default recipes/3.11.yaml, 5 rounds; needs 2-3 GB in .cache/pgo, ~25 minutes)
# 1. .cache/pgo/generate: a worktree of this checkout's HEAD whose recipe adds recipes/libs/profile-rt.yaml (LLVM 16's
#    profile runtime for wasm32-wasi) to its libraries and -fprofile-instr-generate to configure.cflags: the
#    interpreter and python-tests.wasm write their counters to LLVM_PROFILE_FILE at exit.
# 2. Training, as CPython's own `make profile-opt` does: the modules of its PGO task (Lib/test/libregrtest/pgo.py,
#    3.11), one `wasipy test` at a time (WASI has no file locks, so two runs must not merge into one profile), then
#    bench/cpu_workloads.py under `wasipy exec` (so the benchmark below is part of the training: say so with its numbers).
# 3. llvm-profdata-16 merge -> .cache/pgo/cpython-VERSION-HASH.profdata
# 4. .cache/pgo/use: a worktree whose recipe adds -fprofile-instr-use=that file; built.
# 5. VERSUS=.cache/pgo/use bench/cpu.sh RECIPE ROUNDS: A is this checkout's build, B the PGO build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/3.11.yaml}
rounds=${2:-5}
[ -f "$recipe" ] || { echo "bench/pgo.sh: $recipe: no such recipe" >&2; exit 2; }
command -v llvm-profdata-16 >/dev/null || { echo "bench/pgo.sh: llvm-profdata-16 is missing (Debian: apt-get install llvm-16)" >&2; exit 2; }
work="$root/.cache/pgo"
mkdir -p "$work"
version=$(sed -n 's/^version: *\([0-9.]*\).*/\1/p' "$recipe")

# A worktree of HEAD at $1 whose recipe python edits with $2 (a statement on `r`, the recipe as a dict).
worktree() {
  local dir=$1 edit=$2
  [ -d "$dir" ] || git worktree add --detach -f "$dir" HEAD >/dev/null
  git -C "$dir" checkout -q -f --detach "$(git rev-parse HEAD)"
  mkdir -p "$dir/.cache"
  [ -d "$dir/.cache/downloads" ] || cp -al "$root/.cache/downloads" "$dir/.cache/" 2>/dev/null || true
  git -C "$dir" checkout -q -- "$recipe"
  python3 - "$dir/$recipe" "$edit" <<'PY'
import sys, yaml
path, edit = sys.argv[1], sys.argv[2]
r = yaml.safe_load(open(path))
r.setdefault("configure", {}).setdefault("cflags", [])
r["configure"].setdefault("ldflags", [])
exec(edit)
open(path, "w").write("# yaml-language-server: $schema=../schemas/recipe.schema.json\n" + yaml.safe_dump(r, sort_keys=False, width=1000))
PY
}

./wasipy run "$recipe" >/dev/null   # A, and the downloads the worktrees share

echo "pgo: instrumented build (.cache/pgo/generate)"
worktree "$work/generate" 'r.setdefault("libraries", []).append({"recipe": "libs/profile-rt.yaml"}); r["configure"]["cflags"].append("-fprofile-instr-generate"); r["configure"]["ldflags"].append("-lclang_rt.profile-wasm32")'
(cd "$work/generate" && ./wasipy run "$recipe" >/dev/null)
build=$(cd "$work/generate" && ./wasipy run "$recipe" | sed -n 's/.*, in \(.*\)$/\1/p' | head -n 1)
raw="$build/pgo"    # inside the build folder, which `wasipy test` maps at its own path
rm -rf "$raw" && mkdir -p "$raw"

echo "pgo: training"
tests="test_array test_base64 test_binascii test_binop test_bisect test_bytes test_bz2 test_cmath test_codecs
test_collections test_complex test_dataclasses test_datetime test_decimal test_difflib test_float test_fstring
test_functools test_generators test_hashlib test_heapq test_int test_itertools test_json test_long test_lzma test_math
test_memoryview test_operator test_ordered_dict test_patma test_pickle test_pprint test_re test_set test_sqlite3
test_statistics test_struct test_tabnanny test_time test_unicode test_xml_etree test_xml_etree_c"
for t in $tests; do
  (cd "$work/generate" && timeout 900 ./wasipy test "$recipe" --timeout 800 --env "LLVM_PROFILE_FILE=$raw/$t-%m.profraw" "$t" | grep -E "^$t " || true)
done
(cd "$work/generate" && timeout 900 ./wasipy exec "$recipe" --dir "$raw::/pgo" --env "LLVM_PROFILE_FILE=/pgo/bench-%m.profraw" \
  -- -c "$(cat "$root/bench/cpu_workloads.py")" >/dev/null)
ls "$raw"/*.profraw >/dev/null 2>&1 || { echo "bench/pgo.sh: the training wrote no profile into $raw" >&2; exit 1; }
llvm-profdata-16 merge -o "$work/merged.profdata" "$raw"/*.profraw
# Named by its content: the optimised build's key has the flag's text, so a new profile must be a new path.
profile="$work/cpython-$version-$(sha256sum "$work/merged.profdata" | cut -c1-16).profdata"
mv "$work/merged.profdata" "$profile"
echo "pgo: $(ls "$raw"/*.profraw | wc -l) profiles merged into $profile ($(stat -c %s "$profile") bytes)"

echo "pgo: optimised build (.cache/pgo/use)"
worktree "$work/use" "r['configure']['cflags'] += ['-fprofile-instr-use=$profile', '-Wno-profile-instr-unprofiled', '-Wno-profile-instr-out-of-date']"
(cd "$work/use" && ./wasipy run "$recipe" >/dev/null)
ls -l "$(cd "$work/use" && ./wasipy run "$recipe" | sed -n 's/.*, in \(.*\)$/\1/p' | head -n 1)"/dist/packed/bin/*.wasm | awk '{ print "pgo: B", $5, "bytes" }'

VERSUS="$work/use" bench/cpu.sh "$recipe" "$rounds"
