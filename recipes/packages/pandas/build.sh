#!/usr/bin/env bash
# Build pandas (2.3.3) for wasm32-wasi into one static archive of its extension modules, linked into python.wasm.
# Run by recipes/packages/pandas.yaml (which applies patches/packages/pandas first):
#
#   build.sh SRC NUMPY_OUT OUT
#
# SRC        the pandas source tree (patched)
# NUMPY_OUT  the numpy unit's output for this same CPython (recipes/packages/numpy/build.sh): its tools/ (the meson
#            cross file, the compiler wrappers that turn extension-module links into archives, the build Python
#            that describes the wasm CPython, Cython), site/numpy/_core/include and the headers numpy generates
#            (build/numpy/_core/*.h): numpy's headers for wasm32-wasi
# OUT        receives build/ (meson build tree), lib/<dotted.name>.a, modules.txt ("dotted.name PyInit_symbol"),
#            libpandas.a (every module merged), site/pandas (the Python package, without pandas/tests) and times.txt
#
# Environment: NUMPY_SRC (the numpy unit's source: its vendored meson), CYTHON_SRC (a Cython source tree), JOBS (ninja -j, default 2), NICE (default 10), HOST_PYTHON3 (runs meson; default python3)
set -euo pipefail
die() { echo "build-pandas: $*" >&2; exit 1; }
[ $# -eq 3 ] || { echo "usage: $0 SRC NUMPY_OUT OUT" >&2; exit 2; }
SRC=$(cd "$1" && pwd)
NP=$(cd "$2" && pwd)
mkdir -p "$3"
OUT=$(cd "$3" && pwd)
JOBS=${JOBS:-2}
NICE=${NICE:-10}
HOST_PYTHON3=${HOST_PYTHON3:-python3}
T=$NP/tools
problems=()
for f in "$T/cross-wasm32-wasi.ini" "$T/native.ini" "$T/python" "$T/cython" "$NP/site/numpy/_core/include/numpy/arrayobject.h" \
         "$NP/build/numpy/_core/_numpyconfig.h" "$NP/build/numpy/_core/__multiarray_api.h" "$NP/build/numpy/_core/__ufunc_api.h"; do
  [ -e "$f" ] || problems+=("$f is missing (is the numpy unit built for this CPython?)")
done
MESON=${NUMPY_SRC:-}/vendored-meson/meson/meson.py
[ -f "$MESON" ] || problems+=("NUMPY_SRC must name the numpy unit's source (its vendored meson runs this build): $MESON is missing")
command -v ninja >/dev/null || problems+=("ninja is not on PATH (Debian: ninja-build)")
[ -f "$SRC/pandas/_libs/lib.pyx" ] || problems+=("$SRC is not a pandas source tree")
[ -f "${CYTHON_SRC:-}/Cython/Tempita/__init__.py" ] || problems+=("CYTHON_SRC must name a Cython source tree (CYTHON_SRC=${CYTHON_SRC:-})")
if [ ${#problems[@]} -gt 0 ]; then printf 'build-pandas: %s\n' "${problems[@]}" >&2; exit 1; fi

# numpy's headers for wasm32-wasi: the numpy unit ships its runtime files only (site/), so the headers numpy
# generates at build time (its "devel" install tag) come from its build tree.
NPINC=$OUT/numpy-include
rm -rf "$NPINC" && mkdir -p "$NPINC" && cp -a "$NP/site/numpy/_core/include/numpy" "$NPINC/"
cp "$NP/build/numpy/_core/"{_numpyconfig.h,__multiarray_api.h,__ufunc_api.h} "$NPINC/numpy/"

# numpy's cross file with a build-Python wrapper of pandas' own: the same Python, which can also import Cython
# (generate_pxi.py runs Cython's Tempita with it).
PT=$OUT/tools
mkdir -p "$PT"
sed 's|PYTHONPATH="\([^"]*\)"|PYTHONPATH="\1:'"$CYTHON_SRC"'"|' "$T/python" > "$PT/python"
chmod +x "$PT/python"
grep -q "$CYTHON_SRC" "$PT/python" || die "could not add Cython to $T/python's PYTHONPATH"
sed "s|^python = .*|python = '$PT/python'|" "$T/cross-wasm32-wasi.ini" > "$PT/cross-wasm32-wasi.ini"
"$PT/python" -c 'import Cython.Tempita' || die "the build Python cannot import Cython from $CYTHON_SRC"

# As an sdist has it (pandas/__init__.py reads it; the patched meson.build installs it).
printf '__version__ = "2.3.3"\n__git_version__ = ""\n' > "$SRC/_version_meson.py"

B=$OUT/build
rm -rf "$B"
t0=$(date +%s)
PANDAS_NUMPY_INCLUDE=$NPINC PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$T/pkgconfig \
  nice -n "$NICE" "$HOST_PYTHON3" "$MESON" setup "$B" "$SRC" \
  --cross-file "$PT/cross-wasm32-wasi.ini" --native-file "$T/native.ini" --prefix=/opt/wasi-python \
  -Dbuildtype=release -Db_ndebug=if-release \
  || die "meson setup failed (log: $B/meson-logs/meson-log.txt)"
t1=$(date +%s)
nice -n "$NICE" ninja -C "$B" -j "$JOBS" || die "ninja failed"
t2=$(date +%s)
printf 'meson_setup_seconds %s\nninja_seconds %s\n' $((t1 - t0)) $((t2 - t1)) > "$OUT/times.txt"

rm -rf "$OUT/stage" "$OUT/site" "$OUT/lib"
mkdir -p "$OUT/lib" "$OUT/site"
"$HOST_PYTHON3" "$MESON" install -C "$B" --destdir "$OUT/stage" --no-rebuild >/dev/null || die "meson install failed"
"$HOST_PYTHON3" "$MESON" introspect "$B" --installed > "$OUT/installed.json"
"$HOST_PYTHON3" - "$OUT" <<'PY'
import json, os, shutil, sys
out = sys.argv[1]
mods = []
for src, dst in sorted(json.load(open(os.path.join(out, 'installed.json'))).items()):
    if not os.path.isfile(src + '.wasi-libs'):
        continue
    if open(src + '.wasi-libs').read().split():
        sys.exit('build-pandas: %s links static libraries, which this script does not ship' % src)
    dotted = dst.split('/site-packages/', 1)[1].split('.', 1)[0].replace('/', '.')
    shutil.copyfile(src, os.path.join(out, 'lib', dotted + '.a'))
    mods.append('%s PyInit_%s\n' % (dotted, dotted.rsplit('.', 1)[1]))
open(os.path.join(out, 'modules.txt'), 'w').writelines(mods)
print('build-pandas: %d extension modules' % len(mods))
PY
sp=$(find "$OUT/stage" -type d -name site-packages | head -n 1)
[ -n "$sp" ] || die "meson install put no site-packages under $OUT/stage"
cp -a "$sp/pandas" "$OUT/site/"
# The test suite (about 30 MB of Python) does not ship; nor do the extension "modules" (archives, linked instead).
rm -rf "$OUT/site/pandas/tests"
find "$OUT/site" \( -name '*.so' -o -name '*.so.wasi-libs' -o -name '*.pyi' \) -delete
rm -rf "$OUT/stage"
{
  echo "create $OUT/libpandas.a"
  for m in $(cut -d' ' -f1 "$OUT/modules.txt"); do echo "addlib $OUT/lib/$m.a"; done
  echo "save"
  echo "end"
} | llvm-ar-16 -M
echo "build-pandas: done ($(tr '\n' ' ' < "$OUT/times.txt"))"
