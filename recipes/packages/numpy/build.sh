#!/usr/bin/env bash
# Build numpy (2.2.4) for wasm32-wasi into static archives that can be linked into python.wasm.
# Run by recipes/packages/numpy.yaml (`./wasipy run recipes/3.13.yaml --with numpy`), which applies the patches
# in patches/packages/numpy first; it also runs on its own (it then applies patches/*.patch next to it, if any).
#
#   build-numpy.sh SRC CPYTHON_BUILD_DIR OUT
#
# SRC                a numpy v2.2.4 checkout with the submodules numpy/_core/src/highway, numpy/fft/pocketfft,
#                    numpy/_core/src/common/pythoncapi-compat and vendored-meson/meson; the patches in
#                    patches/*.patch (next to this script) are applied to it (skipped when already applied).
# CPYTHON_BUILD_DIR  a wasipy CPython build folder (build/<version>): src/ (Include/), wasm/ (pyconfig.h,
#                    build/lib.wasi-wasm32-X.Y/_sysconfigdata__wasi_wasm32-wasi[-threads].py) and host/python (the native
#                    build Python of the same version, used as the "target" Python meson introspects).
# OUT                created; receives tools/ (cross file, compiler wrappers), build/ (meson build tree) and
#                    lib/           one static archive per extension module (<dotted.name>.a) + support archives
#                    modules.txt    "dotted.name PyInit_symbol" for the modules numpy imports at run time
#                    modules-tests.txt  the same for the test-only modules (their archives are in lib/ too)
#                    wasi/          cxa_stubs.o (C++ exception stubs)
#                    libnumpy.a     every runtime module's archive and the support archives, merged
#                    site/numpy/    the installed Python package, without tests (tests-site/: the tests alone)
#                    times.txt      seconds spent in meson setup and ninja
#
# Environment: CYTHON_SRC  a Cython (>= 3.0.6) source tree, run in pure-Python mode (default: `cython` on PATH)
#              SKIP_BUILD=1  reuse an existing OUT/build (only collect again)
#              JOBS        ninja -j (default 2); NICE (default 15); SETUP_TIMEOUT / BUILD_TIMEOUT seconds
#              HOST_PYTHON3  the build machine's Python for meson and Cython (default: python3)
#              CC, CXX, AR  the wasm toolchain (wasipy gives its toolchain's; default: Debian's clang-16 for wasm32-wasi with
#                          its wasm libc++); CXX must find a C++ standard library
#              NUMPY_THREADING  true: numpy releases the GIL in its loops (a wasm32-wasi-threads build); default false
set -euo pipefail

usage() { echo "usage: $0 SRC CPYTHON_BUILD_DIR OUT" >&2; exit 2; }
die() { echo "build-numpy: $*" >&2; exit 1; }
[ $# -eq 3 ] || usage

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$1" && pwd) || die "SRC $1 does not exist"
CPY=$(cd "$2" && pwd) || die "CPYTHON_BUILD_DIR $2 does not exist"
mkdir -p "$3"
OUT=$(cd "$3" && pwd)
JOBS=${JOBS:-2}
NICE=${NICE:-15}
SETUP_TIMEOUT=${SETUP_TIMEOUT:-900}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
HOST_PYTHON3=${HOST_PYTHON3:-$(command -v python3)}

# ---- toolchain and inputs: collect every problem before failing ------------------------------------------
CC=${CC:-clang-16 --target=wasm32-wasi}
CXX=${CXX:-clang++-16 --target=wasm32-wasi -isystem /usr/lib/llvm-16/include/wasm32-wasi/c++/v1}
AR=${AR:-llvm-ar-16}
case "${NUMPY_THREADING:-false}" in true) DISABLE_THREADING=false ;; false) DISABLE_THREADING=true ;;
  *) die "NUMPY_THREADING is '$NUMPY_THREADING': give true or false" ;; esac
problems=()
for t in ${CC%% *} ${CXX%% *} $AR llvm-strip-16 ninja; do
  command -v $t >/dev/null || problems+=("$t is not on PATH (Debian: clang-16 lld-16 llvm-16 ninja-build)")
done
# The C++ standard library: Debian's libc++-16-dev-wasm32 for wasm32-wasi, recipes/libs/libcxx.yaml for threads.
echo '#include <cstdlib>' | $CXX -x c++ -fsyntax-only - 2>/dev/null \
  || problems+=("the C++ compiler ($CXX) finds no C++ standard library (wasm32-wasi: apt-get install libc++-16-dev-wasm32 libc++abi-16-dev-wasm32)")
[ -f "$SRC/vendored-meson/meson/meson.py" ] || problems+=("$SRC/vendored-meson/meson is empty: git submodule update --init vendored-meson/meson")
for sm in numpy/_core/src/highway numpy/fft/pocketfft numpy/_core/src/common/pythoncapi-compat; do
  [ -n "$(ls -A "$SRC/$sm" 2>/dev/null)" ] || problems+=("$SRC/$sm is empty: git submodule update --init $sm")
done
HOSTPY=$CPY/host/python
[ -x "$HOSTPY" ] || problems+=("$HOSTPY (the native build Python) does not exist")
[ -f "$CPY/wasm/pyconfig.h" ] || problems+=("$CPY/wasm/pyconfig.h does not exist")
[ -f "$CPY/src/Include/Python.h" ] || problems+=("$CPY/src/Include/Python.h does not exist")
SYSCONFIG_DIR=$(ls -d "$CPY"/wasm/build/lib.wasi-wasm32-* 2>/dev/null | head -n 1 || true)
# _sysconfigdata__wasi_wasm32-wasi.py, or ..._wasm32-wasi-threads.py for a wasm32-wasi-threads build
SYSCONFIG_NAME=$(ls "$SYSCONFIG_DIR"/_sysconfigdata__wasi_wasm32-wasi*.py 2>/dev/null | head -n 1 | xargs -r basename | sed 's/\.py$//')
[ -n "$SYSCONFIG_DIR" ] && [ -n "$SYSCONFIG_NAME" ] \
  || problems+=("no $CPY/wasm/build/lib.wasi-wasm32-X.Y/_sysconfigdata__wasi_wasm32-wasi*.py (is the CPython build finished?)")
if [ -n "${CYTHON_SRC:-}" ]; then
  [ -f "$CYTHON_SRC/cython.py" ] || problems+=("CYTHON_SRC=$CYTHON_SRC has no cython.py")
else
  command -v cython >/dev/null || problems+=("set CYTHON_SRC to a Cython source tree, or put cython (>= 3.0.6) on PATH")
fi
if [ ${#problems[@]} -gt 0 ]; then
  printf 'build-numpy: %s\n' "${problems[@]}" >&2
  exit 1
fi
PYVER=$(basename "$SYSCONFIG_DIR" | sed 's/^lib\.wasi-wasm32-//')
HOSTPY_VER=$("$HOSTPY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$PYVER" = "$HOSTPY_VER" ] || die "$HOSTPY is Python $HOSTPY_VER but the wasm build is $PYVER"

# ---- patches --------------------------------------------------------------------------------------------
for p in "$HERE"/patches/*.patch; do
  [ -e "$p" ] || continue
  if patch -d "$SRC" -p1 -R --dry-run -s -f < "$p" >/dev/null 2>&1; then
    echo "patch $(basename "$p"): already applied"
  else
    patch -d "$SRC" -p1 -N -s < "$p" || die "patch $(basename "$p") does not apply to $SRC (numpy v2.2.4 expected)"
    echo "patch $(basename "$p"): applied"
  fi
done

# ---- tools: wrappers, pkg-config file, cross file -------------------------------------------------------
T=$OUT/tools
mkdir -p "$T/pkgconfig" "$OUT/lib" "$OUT/wasi"

# The compiler wrappers. clang's wasm driver ignores -shared, so meson's extension-module links would produce
# useless command modules, and wasm-ld rejects the --start-group/--end-group meson adds: a link with -shared
# becomes an archive of its objects at the requested output path (static libraries it names are recorded in
# OUTPUT.wasi-libs and shipped separately, once); other links lose the group flags.
for lang in c c++; do
  if [ $lang = c ]; then compiler=$CC; else compiler=$CXX; fi
  cat > "$T/$lang" <<EOF
#!/usr/bin/env bash
# Generated by build-numpy.sh: $lang compiler for wasm32; '-shared' links become static archives.
set -euo pipefail
shared=no
for a in "\$@"; do [ "\$a" = -shared ] && shared=yes; done
if [ \$shared = no ]; then
  args=()
  for a in "\$@"; do
    case "\$a" in -Wl,--start-group|-Wl,--end-group) ;; *) args+=("\$a") ;; esac
  done
  exec $compiler "\${args[@]}"
fi
out= objs=() libs=()
while [ \$# -gt 0 ]; do
  case "\$1" in
    -o) out=\$2; shift ;;
    *.o|*.obj) objs+=("\$1") ;;
    *.a) libs+=("\$(cd "\$(dirname "\$1")" && pwd)/\$(basename "\$1")") ;;
  esac
  shift
done
[ -n "\$out" ] || { echo "wasi wrapper: -shared link without -o" >&2; exit 1; }
rm -f "\$out"
$AR rcs "\$out" "\${objs[@]}"
printf '%s\n' "\${libs[@]}" > "\$out.wasi-libs"
EOF
  chmod +x "$T/$lang"
done

# The target Python: the native build Python, told to describe the wasm build (sysconfig data).
cat > "$T/python" <<EOF
#!/bin/sh
# Generated by build-numpy.sh: the build Python describing the wasm32-wasi CPython (for meson).
_PYTHON_SYSCONFIGDATA_NAME=$SYSCONFIG_NAME PYTHONPATH="$SYSCONFIG_DIR" exec "$HOSTPY" "\$@"
EOF
chmod +x "$T/python"

if [ -n "${CYTHON_SRC:-}" ]; then
  CYTHON_SRC=$(cd "$CYTHON_SRC" && pwd)
  printf '#!/bin/sh\n# Generated by build-numpy.sh: Cython in pure-Python mode.\nexec "%s" "%s/cython.py" "$@"\n' \
    "$HOST_PYTHON3" "$CYTHON_SRC" > "$T/cython"
else
  printf '#!/bin/sh\nexec "%s" "$@"\n' "$(command -v cython)" > "$T/cython"
fi
chmod +x "$T/cython"

cat > "$T/pkgconfig/python-$PYVER.pc" <<EOF
# Generated by build-numpy.sh: the wasm32-wasi CPython's headers (sysconfig's LIBPC does not exist).
Name: Python
Description: CPython $PYVER for wasm32-wasi (headers only: extension modules are linked into python.wasm)
Version: $PYVER
Libs:
Cflags: -I$CPY/src/Include -I$CPY/wasm
EOF

cat > "$T/cross-wasm32-wasi.ini" <<EOF
# Generated by build-numpy.sh
[binaries]
c = '$T/c'
cpp = '$T/c++'
ar = '$AR'
strip = 'llvm-strip-16'
python = '$T/python'
pkg-config = 'pkg-config'

[properties]
needs_exe_wrapper = true
# Measured: long double is IEEE binary128 on wasm32 (no run-check needed).
longdouble_format = 'IEEE_QUAD_LE'
pkg_config_libdir = ['$T/pkgconfig']

[host_machine]
system = 'wasi'
cpu_family = 'wasm32'
cpu = 'wasm32'
endian = 'little'
EOF

# Cython is a build-machine tool to meson: it is found through a native file.
cat > "$T/native.ini" <<EOF
# Generated by build-numpy.sh
[binaries]
cython = '$T/cython'
EOF

# ---- meson setup + ninja --------------------------------------------------------------------------------
B=$OUT/build
MESON=("$HOST_PYTHON3" "$SRC/vendored-meson/meson/meson.py")
export PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$T/pkgconfig
if [ "${SKIP_BUILD:-0}" = 1 ] && [ -f "$B/build.ninja" ]; then
  echo "SKIP_BUILD=1: reusing $B"
else
  rm -rf "$B"
  t0=$(date +%s)
  timeout "$SETUP_TIMEOUT" nice -n "$NICE" "${MESON[@]}" setup "$B" "$SRC" \
    --cross-file "$T/cross-wasm32-wasi.ini" --native-file "$T/native.ini" --prefix=/opt/wasi-python \
    -Dbuildtype=release -Db_ndebug=if-release \
    -Dallow-noblas=true -Dblas=none -Dlapack=none \
    -Dcpu-baseline=none -Dcpu-dispatch=none -Ddisable-optimization=false \
    -Ddisable-threading=$DISABLE_THREADING -Ddisable-highway=true -Ddisable-svml=true -Ddisable-intel-sort=true \
    || die "meson setup failed (log: $B/meson-logs/meson-log.txt)"
  t1=$(date +%s)
  timeout "$BUILD_TIMEOUT" nice -n "$NICE" ninja -C "$B" -j "$JOBS" || die "ninja failed"
  t2=$(date +%s)
  printf 'meson_setup_seconds %s\nninja_seconds %s\n' $((t1 - t0)) $((t2 - t1)) > "$OUT/times.txt"
fi

# ---- collect: archives, module lists, Python files ------------------------------------------------------
rm -rf "$OUT/stage" "$OUT/stage-tests" "$OUT/site" "$OUT/tests-site" "$OUT/lib"
mkdir -p "$OUT/lib"
"${MESON[@]}" install -C "$B" --destdir "$OUT/stage" --tags runtime,python-runtime --no-rebuild >/dev/null \
  || die "meson install (runtime) failed"
"${MESON[@]}" install -C "$B" --destdir "$OUT/stage-tests" --tags tests --no-rebuild >/dev/null \
  || die "meson install (tests) failed"
"${MESON[@]}" introspect "$B" --installed > "$OUT/tools/installed.json"

"$HOST_PYTHON3" - "$B" "$OUT" <<'EOF'
import json, os, shutil, subprocess, sys
build, out = sys.argv[1:]
installed = json.load(open(os.path.join(out, 'tools', 'installed.json')))
runtime, tests, support = [], [], {}
for src, dst in sorted(installed.items()):
    if not os.path.isfile(src + '.wasi-libs'):
        continue                      # not an extension module
    rel = dst.split('/site-packages/', 1)[1]
    dotted = rel.split('.', 1)[0].replace('/', '.')
    shutil.copyfile(src, os.path.join(out, 'lib', dotted + '.a'))
    for lib in open(src + '.wasi-libs').read().split():
        support.setdefault(os.path.basename(lib), lib)
    is_test = '/tests/' in '/' + rel or dotted.rsplit('.', 1)[1] in (
        '_multiarray_tests', '_umath_tests', '_rational_tests', '_struct_ufunc_tests',
        '_operand_flag_tests', '_simd')
    (tests if is_test else runtime).append((dotted, 'PyInit_' + dotted.rsplit('.', 1)[1]))
for name, path in support.items():
    dest = os.path.join(out, 'lib', name)
    with open(path, 'rb') as f:
        thin = f.read(8) == b'!<thin>\n'
    if not thin:
        shutil.copyfile(path, dest)
        continue
    # meson makes the *_mtargets libraries thin archives (member paths relative to the archive): copy the
    # members into a regular archive so that lib/ stands alone.
    d = os.path.dirname(path)
    members = subprocess.run(['llvm-ar-16', 't', os.path.basename(path)], cwd=d, check=True,
                             capture_output=True, text=True).stdout.split()
    if os.path.exists(dest):
        os.remove(dest)
    subprocess.run(['llvm-ar-16', 'qcs', dest] + members, cwd=d, check=True)
for fname, mods in (('modules.txt', runtime), ('modules-tests.txt', tests)):
    with open(os.path.join(out, fname), 'w') as f:
        f.writelines('%s %s\n' % m for m in mods)
print('extension modules: %d runtime, %d test-only; support archives: %s'
      % (len(runtime), len(tests), ' '.join(sorted(support))))
EOF

# site/ and tests-site/: the installed package trees without the extension "modules" (archives).
for pair in "stage site" "stage-tests tests-site"; do
  set -- $pair
  sp=$(find "$OUT/$1" -type d -name site-packages | head -n 1)
  [ -n "$sp" ] || die "meson install put no site-packages under $OUT/$1"
  mkdir -p "$OUT/$2"
  cp -a "$sp"/. "$OUT/$2/"
  find "$OUT/$2" \( -name '*.so' -o -name '*.so.wasi-libs' \) -delete
done
rm -rf "$OUT/stage" "$OUT/stage-tests"
# numpy.testing (np.testing.assert_allclose, ...) imports numpy._core.tests._natype (numpy._core.tests is a
# namespace package: no __init__.py): keep that module in site/.
mkdir -p "$OUT/site/numpy/_core/tests"
cp -p "$OUT/tests-site/numpy/_core/tests/_natype.py" "$OUT/site/numpy/_core/tests/"
# meson byte-compiled site/ with the build Python (same magic number as python.wasm); do the same for it.
"$HOSTPY" -m py_compile "$OUT/site/numpy/_core/tests/_natype.py"

# ---- wasm glue: C++ exception stubs, the inittab registration, link.rsp ---------------------------------
$CXX -O2 -fno-exceptions -c "$HERE/wasi/cxa_stubs.cpp" -o "$OUT/wasi/cxa_stubs.o"
# One archive of every runtime module and the support libraries they share: wasipy links it ({{ pkg.archive }})
# and registers the modules listed in recipes/packages/numpy.yaml as built-ins (the packages step's inittab).
{
  echo "create $OUT/libnumpy.a"
  for m in $(cut -d' ' -f1 "$OUT/modules.txt"); do echo "addlib $OUT/lib/$m.a"; done
  for a in "$OUT"/lib/lib*.a; do echo "addlib $a"; done
  echo "save"
  echo "end"
} | $AR -M
echo "build-numpy: done: $OUT ($(cat "$OUT/times.txt" | tr '\n' ' '))"
