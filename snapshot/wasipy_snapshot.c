/*
 * wasipy_snapshot.c: the main program of a Wizer-snapshotted ("pre-initialised") python.wasm.
 *
 * wasipy's link step adds it to python.wasm (with -Wl,--wrap=__main_argc_argv, so that its main is the one
 * _start calls) when a build asks for a snapshot; the snapshot step then runs Wizer. The same object works
 * in two ways:
 *
 *   - not snapshotted: main() is Py_BytesMain(), exactly Programs/python.c;
 *   - snapshotted: Wizer calls the export "wizer.initialize" (wasipy_snapshot_init) once, at build time,
 *     and writes the initialised memory out as a new module. That function starts the interpreter
 *     (Py_InitializeFromConfig with site_import = 0), imports a list of modules (default: site's module
 *     body, whose main() does not run because sys.flags.no_site is set, and linecache) and records that
 *     it did. Each real run then enters main() through _start, finds the interpreter alive and resumes:
 *     it reads this run's command line and environment, applies them to the live interpreter, redoes
 *     the parts of start-up that depend on the run (below) and calls Py_RunMain().
 *
 * What a resumed run redoes, in the order of CPython's own start-up (Modules/main.c pymain_init, then
 * init_interp_main in Python/pylifecycle.c):
 *   1. the pre-configuration: _PyPreConfig_Read (-E/-I/-X utf8/-X dev, PYTHONUTF8, PYTHONCOERCECLOCALE,
 *      the LC_CTYPE locale) and what _PyPreConfig_Write does with it (a no-op once the runtime is
 *      initialised, so done here): C-locale coercion, setlocale(LC_CTYPE, ""), UTF-8 Mode;
 *   2. refusals (exit status 2, like a usage error) of what only acts while the runtime is created and
 *      is fixed in the snapshot: PYTHONHASHSEED (the str/bytes hash secret), PYTHONMALLOC (the memory
 *      allocator), a filesystem encoding other than the snapshot's;
 *   3. os.environ: posix.environ (the dict behind os.environ and os.environb) rebuilt in place from
 *      this run's environ, as convertenviron() builds it;
 *   4. the configuration: PyConfig_SetBytesArgv + PyConfig_Read (parses -c/-m/-W/-X/..., prints
 *      --version/--help/usage errors), the path configuration (the snapshot's if getpath's inputs are the
 *      same, else getpath again), then what _PyInterpreterState_SetConfig does: the config becomes the
 *      interpreter's, _PyConfig_Write (legacy Py_*Flag globals, orig_argv, C stdio buffering),
 *      _PyPathConfig_UpdateGlobal, int_max_str_digits, _PySys_UpdateConfig (sys.argv, orig_argv, path,
 *      flags, executable, prefixes, warnoptions, _xoptions, dont_write_bytecode, pycache_prefix);
 *      encoding names normalised to codec names; _imp.check_hash_based_pycs;
 *   5. sys.path_importer_cache: entries outside the install prefix dropped (this run's preopens differ);
 *   6. random.seed() if `random` is in the snapshot;
 *   7. tracemalloc (-X tracemalloc, PYTHONTRACEMALLOC);
 *   8. sys.stdin/stdout/stderr and sys.__std*__ created again exactly as create_stdio() does: this run's
 *      isatty(), -u/PYTHONUNBUFFERED, PYTHONIOENCODING, UTF-8 Mode; then faulthandler (-X faulthandler,
 *      -X dev, PYTHONFAULTHANDLER);
 *   9. warnings: sys.warnoptions applied (-W, PYTHONWARNINGS, -X dev, -b) by importing warnings, or by
 *      warnings._processoptions() if the snapshot already holds it;
 *  10. site.main() (with site.PREFIXES etc. reset as its import sets them), or under -S, site removed
 *      from sys.modules;
 *  11. the C-locale warning (PYTHONCOERCECLOCALE=warn); then Py_RunMain() (sys.path[0], the command,
 *      module, script or stdin, the REPL, Py_FinalizeEx) as in any start.
 *
 * Baked into the snapshot and NOT changed by a run: the str/bytes hash secret (_Py_HashSecret: same
 * hash() in every run, readable by anyone holding the .wasm), the memory allocator, the filesystem
 * encoding, the modules imported at snapshot time (visible in sys.modules) and whatever they computed
 * when imported, interned strings and caches.
 *
 * Build-time knobs (-D...):
 *   WASIPY_SNAPSHOT_ARGV0    argv[0] at snapshot time (default "/opt/wasi-python/bin/python3.13.wasm": the
 *                            install prefix, where the embedded VFS serves the standard library; wasipy
 *                            runs python.wasm with this argv[0])
 *   WASIPY_SNAPSHOT_IMPORTS  modules imported at snapshot time, comma or space separated (default
 *                            "site,linecache"); the environment variable of the same name overrides it
 *                            when Wizer runs with --inherit-env
 *   WASIPY_SNAPSHOT_TRACE    print the time of each resume step to stderr
 *
 * Compile with CPython's core flags (PY_CORE_CFLAGS: -DPy_BUILD_CORE and Include/internal): it uses
 * internal CPython APIs (listed in the report next to this file). Written against CPython 3.13.
 */
#define Py_BUILD_CORE 1
#include "Python.h"
#include "pycore_call.h"          // _PyObject_CallMethod()
#include "pycore_codecs.h"        // _PyCodec_Lookup()
#include "pycore_fileutils.h"     // _Py_IsValidFD()
#include "pycore_gc.h"            // _PyGC_Freeze()
#include "pycore_import.h"        // _PyImport_GetModuleAttrString()
#include "pycore_initconfig.h"    // _PyArgv, _PyPreConfig_Read(), _Py_GetEnv(), _PyStatus_*
#include "pycore_pathconfig.h"    // _PyPathConfig_ClearGlobal()
#include "pycore_pylifecycle.h"   // _Py_CoerceLegacyLocale(), _Py_SetLocaleFromEnv()
#include "pycore_pystate.h"       // _PyInterpreterState_GET()
#include "pycore_runtime.h"       // _PyRuntime
#include "pycore_sysmodule.h"     // _PySys_GetOptionalAttrString()
#include "pycore_tracemalloc.h"   // _PyTraceMalloc_Start()

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* -DWASIPY_SNAPSHOT_TRACE: print the time of each resume step to stderr (for measurements only). */
#ifdef WASIPY_SNAPSHOT_TRACE
#include <time.h>
static double trace_t0;
static double trace_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
#define TRACE(label) fprintf(stderr, "[snapshot %7.2f ms] %s\n", trace_ms() - trace_t0, label)
#define TRACE_START() (trace_t0 = trace_ms())
#else
#define TRACE(label) ((void)0)
#define TRACE_START() ((void)0)
#endif

#ifndef WASIPY_SNAPSHOT_ARGV0
#define WASIPY_SNAPSHOT_ARGV0 "/opt/wasi-python/bin/python3.13.wasm"
#endif
#ifndef WASIPY_SNAPSHOT_IMPORTS
#define WASIPY_SNAPSHOT_IMPORTS "site,linecache"
#endif

extern char **environ;
extern void __wasm_call_ctors(void);
extern void __wasilibc_reset_preopens(void);

#ifdef WITH_MIMALLOC
extern void mi_register_output(void (*out)(const char *msg, void *arg), void *arg);
static void discard_output(const char *msg, void *arg) { (void)msg; (void)arg; }
#endif

/* 1 in a snapshot: set at the end of wasipy_snapshot_init and saved in the memory image. */
static volatile int resumed_from_snapshot = 0;
/* The install prefix seen at snapshot time (sys.prefix), to keep importer-cache entries under it. */
static PyObject *snapshot_prefix = NULL;

static void _Py_NO_RETURN
init_failed(const char *what)
{
    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    fprintf(stderr, "wasipy snapshot: %s\n", what);
    fflush(stderr);
    __builtin_trap();     /* makes Wizer fail: no half-initialised snapshot is written */
}

/* Imports every module named in `list` (separated by commas, spaces or newlines). */
static void
import_list(const char *list)
{
    char name[256];
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\n' || *p == '\t') p++;
        size_t n = strcspn(p, ", \n\t");
        if (n == 0) break;
        if (n >= sizeof name) init_failed("a module name in WASIPY_SNAPSHOT_IMPORTS is too long");
        memcpy(name, p, n);
        name[n] = 0;
        p += n;
        PyObject *m = PyImport_ImportModule(name);
        if (m == NULL) {
            fprintf(stderr, "wasipy snapshot: cannot import %s\n", name);
            init_failed("an import listed in WASIPY_SNAPSHOT_IMPORTS failed");
        }
        Py_DECREF(m);
    }
}

/*
 * Wizer's init function: runs once, when the snapshot is made (never _start or main here).
 */
__attribute__((export_name("wizer.initialize")))
void
wasipy_snapshot_init(void)
{
    /* Wizer calls this export directly: crt1's _start (which runs the C constructors) has not run.
       The constructors run again at every real start; they are safe to run twice (wasi-libc re-reads
       environ; wasipy_vfs registers its preopen again in the fresh preopen table). */
#ifdef WITH_MIMALLOC
    /* mimalloc's constructor (_mi_process_init) flushes its delayed-output buffer to stderr and then
       leaves a '\n' in it; run a second time (at the real start) it would print that newline. Closing
       the delayed buffer first (as mi_register_output does) makes every flush print nothing. mimalloc
       is only used with PYTHONMALLOC=mimalloc, which a snapshot refuses. */
    mi_register_output(discard_output, NULL);
#endif
    __wasm_call_ctors();

    char *argv[] = {WASIPY_SNAPSHOT_ARGV0, NULL};
    PyStatus status;

    PyPreConfig preconfig;
    PyPreConfig_InitPythonConfig(&preconfig);
    status = Py_PreInitializeFromBytesArgs(&preconfig, 1, argv);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }

    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    status = PyConfig_SetBytesArgv(&config, 1, argv);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }
    /* With site_import = 0 (sys.flags.no_site), importing site below runs its module body but not
       site.main(), which runs at each start with that run's flags and environment (step 10). */
    config.site_import = 0;
    status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }

    const char *imports = getenv("WASIPY_SNAPSHOT_IMPORTS");
    import_list(imports != NULL ? imports : WASIPY_SNAPSHOT_IMPORTS);

    snapshot_prefix = PySys_GetObject("prefix");   /* borrowed from sys; keep our own reference */
    if (snapshot_prefix == NULL || !PyUnicode_Check(snapshot_prefix)) {
        init_failed("sys.prefix is not a string");
    }
    Py_INCREF(snapshot_prefix);

    /* Free start-up garbage now, so that it is not part of the memory image. */
    PyGC_Collect();
    /* gc.freeze(): what is alive now moves to the permanent generation, which the collector never traverses, so
       neither the program's full collections nor the one at exit walk the snapshot's objects again (about a
       millisecond of every run's exit). As with gc.freeze() before fork(), a cycle among them is never freed. */
    _PyGC_Freeze(_PyInterpreterState_GET());

    resumed_from_snapshot = 1;

    /* The preopen table was filled at snapshot time (with Wizer's directories, if any): empty it so
       that the run's preopens are read afresh. wasipy_vfs's constructor adds the image back. */
    __wasilibc_reset_preopens();
}

/* ---- helpers for the resumed run ---- */

/* A configuration error found before the configuration is applied: report it as a fresh start would
   (Py_ExitStatusException prints "Python runtime state: ..." from these flags), then exit/abort. */
static void _Py_NO_RETURN
exit_as_fresh_start(PyStatus status, int preinitialized)
{
    _PyRuntime.initialized = 0;
    _PyRuntime.core_initialized = 0;
    _PyRuntime.preinitialized = preinitialized;
    _PyRuntime.preinitializing = !preinitialized;
    Py_ExitStatusException(status);
}

static void _Py_NO_RETURN
refuse(const char *message)
{
    fprintf(stderr, "%s\n", message);
    fflush(stderr);
    exit(2);
}

/* sys.modules[name] if it is there (new reference), else NULL without an exception. */
static PyObject *
imported_module(const char *name)
{
    PyObject *n = PyUnicode_FromString(name);
    if (n == NULL) {
        return NULL;
    }
    PyObject *m = PyImport_GetModule(n);
    Py_DECREF(n);
    return m;
}

/* Rebuilds posix.environ (which is os.environ._data and os.environb._data) from environ, in place,
   exactly as convertenviron() in Modules/posixmodule.c builds it. */
static int
refresh_environ(void)
{
    PyObject *posix = imported_module("posix");
    if (posix == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *d = PyObject_GetAttrString(posix, "environ");
    Py_DECREF(posix);
    if (d == NULL) {
        return -1;
    }
    if (!PyDict_Check(d)) {
        Py_DECREF(d);
        return 0;
    }
    PyDict_Clear(d);
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        const char *p = strchr(*e, '=');
        if (p == NULL) {
            continue;
        }
        PyObject *k = PyBytes_FromStringAndSize(*e, (Py_ssize_t)(p - *e));
        PyObject *v = k ? PyBytes_FromStringAndSize(p + 1, (Py_ssize_t)strlen(p + 1)) : NULL;
        if (v == NULL || PyDict_SetDefaultRef(d, k, v, NULL) < 0) {
            Py_XDECREF(k);
            Py_XDECREF(v);
            Py_DECREF(d);
            return -1;
        }
        Py_DECREF(k);
        Py_DECREF(v);
    }
    Py_DECREF(d);
    return 0;
}

/* Drops sys.path_importer_cache entries for paths outside the snapshot's sys.prefix: they were looked
   up (and possibly found missing) with the preopens of the snapshot run, not this run's. The prefix
   is the read-only embedded image, so its finders and their directory listings stay valid. */
static int
prune_importer_cache(void)
{
    PyObject *cache;
    if (_PySys_GetOptionalAttrString("path_importer_cache", &cache) < 0) {
        return -1;
    }
    if (cache == NULL || !PyDict_Check(cache) || snapshot_prefix == NULL) {
        Py_XDECREF(cache);
        return 0;
    }
    PyObject *keys = PyDict_Keys(cache);
    if (keys == NULL) {
        Py_DECREF(cache);
        return -1;
    }
    Py_ssize_t plen = PyUnicode_GetLength(snapshot_prefix);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        int keep = 0;
        if (PyUnicode_Check(key) && PyUnicode_Tailmatch(key, snapshot_prefix, 0, plen, -1) == 1) {
            Py_UCS4 next = PyUnicode_GetLength(key) > plen ? PyUnicode_ReadChar(key, plen) : '/';
            keep = next == '/';
        }
        if (!keep && PyDict_DelItem(cache, key) < 0) {
            Py_DECREF(keys);
            Py_DECREF(cache);
            return -1;
        }
    }
    Py_DECREF(keys);
    Py_DECREF(cache);
    return 0;
}

/* random.seed() on the module-level generator, if random was imported into the snapshot (its state
   would otherwise be the same in every run). */
static int
reseed_random(void)
{
    PyObject *random = imported_module("random");
    if (random == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *res = PyObject_CallMethod(random, "seed", NULL);
    Py_DECREF(random);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

/* A copy of create_stdio() in Python/pylifecycle.c (CPython 3.13, non-Windows branch). */
static PyObject *
create_stdio(const PyConfig *config, PyObject *io, int fd, int write_mode, const char *name,
             const wchar_t *encoding, const wchar_t *errors)
{
    PyObject *buf = NULL, *stream = NULL, *text = NULL, *raw = NULL, *res;
    const char *mode;
    const char *newline;
    PyObject *line_buffering, *write_through;
    int buffering, isatty;
    const int buffered_stdio = config->buffered_stdio;

    if (!_Py_IsValidFD(fd)) {
        Py_RETURN_NONE;
    }
    if (!buffered_stdio && write_mode)
        buffering = 0;
    else
        buffering = -1;
    mode = write_mode ? "wb" : "rb";
    buf = _PyObject_CallMethod(io, &_Py_ID(open), "isiOOOO", fd, mode, buffering,
                               Py_None, Py_None, Py_None, Py_False);
    if (buf == NULL)
        goto error;
    if (buffering) {
        raw = PyObject_GetAttr(buf, &_Py_ID(raw));
        if (raw == NULL)
            goto error;
    }
    else {
        raw = Py_NewRef(buf);
    }
    text = PyUnicode_FromString(name);
    if (text == NULL || PyObject_SetAttr(raw, &_Py_ID(name), text) < 0)
        goto error;
    res = PyObject_CallMethodNoArgs(raw, &_Py_ID(isatty));
    if (res == NULL)
        goto error;
    isatty = PyObject_IsTrue(res);
    Py_DECREF(res);
    if (isatty == -1)
        goto error;
    write_through = buffered_stdio ? Py_False : Py_True;
    line_buffering = (buffered_stdio && (isatty || fd == fileno(stderr))) ? Py_True : Py_False;
    Py_CLEAR(raw);
    Py_CLEAR(text);
    newline = "\n";

    PyObject *encoding_str = PyUnicode_FromWideChar(encoding, -1);
    if (encoding_str == NULL) {
        Py_CLEAR(buf);
        goto error;
    }
    PyObject *errors_str = PyUnicode_FromWideChar(errors, -1);
    if (errors_str == NULL) {
        Py_CLEAR(buf);
        Py_CLEAR(encoding_str);
        goto error;
    }
    stream = _PyObject_CallMethod(io, &_Py_ID(TextIOWrapper), "OOOsOO", buf, encoding_str, errors_str,
                                  newline, line_buffering, write_through);
    Py_CLEAR(buf);
    Py_CLEAR(encoding_str);
    Py_CLEAR(errors_str);
    if (stream == NULL)
        goto error;
    text = PyUnicode_FromString(write_mode ? "w" : "r");
    if (!text || PyObject_SetAttr(stream, &_Py_ID(mode), text) < 0)
        goto error;
    Py_CLEAR(text);
    return stream;

error:
    Py_XDECREF(buf);
    Py_XDECREF(stream);
    Py_XDECREF(text);
    Py_XDECREF(raw);
    if (PyErr_ExceptionMatches(PyExc_OSError) && !_Py_IsValidFD(fd)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return NULL;
}

/* init_sys_streams() again, for this run's file descriptors and configuration. The snapshot's stream
   objects are dropped unused (nothing was written to them; closefd=False leaves fds 0-2 open). */
static PyStatus
recreate_sys_streams(const PyConfig *config)
{
    struct stat sb;
    if (fstat(fileno(stdin), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        return (PyStatus){._type = 1, .func = "init_sys_streams",
                          .err_msg = "<stdin> is a directory, cannot continue"};
    }
    PyObject *io = PyImport_ImportModule("io");
    if (io == NULL) {
        goto error;
    }
    PyObject *std = create_stdio(config, io, fileno(stdin), 0, "<stdin>",
                                 config->stdio_encoding, config->stdio_errors);
    if (std == NULL) goto error_io;
    PySys_SetObject("__stdin__", std);
    PySys_SetObject("stdin", std);
    Py_DECREF(std);

    std = create_stdio(config, io, fileno(stdout), 1, "<stdout>",
                       config->stdio_encoding, config->stdio_errors);
    if (std == NULL) goto error_io;
    PySys_SetObject("__stdout__", std);
    PySys_SetObject("stdout", std);
    Py_DECREF(std);

    std = create_stdio(config, io, fileno(stderr), 1, "<stderr>",
                       config->stdio_encoding, L"backslashreplace");
    if (std == NULL) goto error_io;
    PyObject *encoding_attr = PyObject_GetAttrString(std, "encoding");
    if (encoding_attr != NULL) {
        const char *std_encoding = PyUnicode_AsUTF8(encoding_attr);
        if (std_encoding != NULL) {
            PyObject *codec_info = _PyCodec_Lookup(std_encoding);
            Py_XDECREF(codec_info);
        }
        Py_DECREF(encoding_attr);
    }
    PyErr_Clear();
    if (PySys_SetObject("__stderr__", std) < 0 || PySys_SetObject("stderr", std) < 0) {
        Py_DECREF(std);
        goto error_io;
    }
    Py_DECREF(std);
    Py_DECREF(io);
    return PyStatus_Ok();

error_io:
    Py_DECREF(io);
error:
    return (PyStatus){._type = 1, .func = "init_sys_streams",
                      .err_msg = "can't initialize sys standard streams"};
}

static int
call_module_function(const char *module, const char *function, PyObject *arg)
{
    PyObject *f = _PyImport_GetModuleAttrString(module, function);
    if (f == NULL) {
        return -1;
    }
    PyObject *res = arg ? PyObject_CallOneArg(f, arg) : PyObject_CallNoArgs(f);
    Py_DECREF(f);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

/* Step 10: site.main() on the module imported at snapshot time (or `import site` if it was not). */
static int
run_site(int site_import)
{
    PyObject *site = imported_module("site");
    if (site == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (!site_import) {
        if (site != NULL) {
            Py_DECREF(site);
            PyObject *modules = PyImport_GetModuleDict();
            if (PyDict_PopString(modules, "site", NULL) < 0) {
                return -1;
            }
        }
        return 0;
    }
    if (site == NULL) {
        site = PyImport_ImportModule("site");
        if (site == NULL) {
            return -1;
        }
        Py_DECREF(site);
        return 0;
    }
    /* The module-level state of site.py, as its import computes it (PREFIXES from sys.prefix). */
    PyObject *prefix = PySys_GetObject("prefix");
    PyObject *exec_prefix = PySys_GetObject("exec_prefix");
    PyObject *prefixes = (prefix && exec_prefix) ? Py_BuildValue("[OO]", prefix, exec_prefix) : NULL;
    int rc = -1;
    if (prefixes != NULL
        && PyObject_SetAttrString(site, "PREFIXES", prefixes) == 0
        && PyObject_SetAttrString(site, "ENABLE_USER_SITE", Py_None) == 0
        && PyObject_SetAttrString(site, "USER_SITE", Py_None) == 0
        && PyObject_SetAttrString(site, "USER_BASE", Py_None) == 0)
    {
        PyObject *res = PyObject_CallMethod(site, "main", NULL);
        if (res != NULL) {
            Py_DECREF(res);
            rc = 0;
        }
    }
    Py_XDECREF(prefixes);
    Py_DECREF(site);
    return rc;
}

/* 1 if the two encoding names name the same codec ("UTF-8" and "utf-8" do), 0 if not, -1 on error. */
static int
same_codec(const wchar_t *a, const wchar_t *b)
{
    if (wcscmp(a, b) == 0) {
        return 1;
    }
    PyObject *names[2] = {NULL, NULL};
    const wchar_t *in[2] = {a, b};
    int result = -1;
    for (int i = 0; i < 2; i++) {
        PyObject *s = PyUnicode_FromWideChar(in[i], -1);
        const char *utf8 = s ? PyUnicode_AsUTF8(s) : NULL;
        PyObject *info = utf8 ? _PyCodec_Lookup(utf8) : NULL;
        Py_XDECREF(s);
        if (info == NULL) {
            goto done;
        }
        names[i] = PyObject_GetAttrString(info, "name");
        Py_DECREF(info);
        if (names[i] == NULL) {
            goto done;
        }
    }
    result = PyObject_RichCompareBool(names[0], names[1], Py_EQ);
done:
    Py_XDECREF(names[0]);
    Py_XDECREF(names[1]);
    return result;
}

/* config_get_codec_name() of Objects/unicodeobject.c: replaces *encoding by its Python codec name. */
static int
normalize_codec_name(wchar_t **encoding)
{
    PyObject *s = PyUnicode_FromWideChar(*encoding, -1);
    const char *utf8 = s ? PyUnicode_AsUTF8(s) : NULL;
    PyObject *codec = utf8 ? _PyCodec_Lookup(utf8) : NULL;
    Py_XDECREF(s);
    if (codec == NULL) {
        return -1;
    }
    PyObject *name = PyObject_GetAttrString(codec, "name");
    Py_DECREF(codec);
    wchar_t *wname = name ? PyUnicode_AsWideCharString(name, NULL) : NULL;
    Py_XDECREF(name);
    if (wname == NULL) {
        return -1;
    }
    wchar_t *raw = _PyMem_RawWcsdup(wname);
    PyMem_Free(wname);
    if (raw == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_RawFree(*encoding);
    *encoding = raw;
    return 0;
}

/* 1 if getpath (Modules/getpath.py) would see the same inputs as at snapshot time: the same argv[0]
   (an absolute path, so PATH is not searched), no PYTHONHOME/home, no PYTHONPATH, no PYTHONPLATLIBDIR,
   no path field preset, no PYTHONEXECUTABLE. Its other input is the file system under the install
   prefix (landmarks, pyvenv.cfg), which is the read-only image in a packed build. */
static int
same_getpath_inputs(const PyConfig *config)
{
    const PyConfig *baked = _PyInterpreterState_GetConfig(_PyInterpreterState_GET());
    if (config->orig_argv.length < 1 || baked->program_name == NULL
        || wcscmp(config->orig_argv.items[0], baked->program_name) != 0
        || wcschr(baked->program_name, L'/') == NULL) {
        return 0;
    }
    if (config->home || config->pythonpath_env || config->platlibdir || config->executable
        || config->base_executable || config->prefix || config->base_prefix || config->exec_prefix
        || config->base_exec_prefix || config->stdlib_dir || config->program_name
        || config->module_search_paths_set) {
        return 0;
    }
    if (_Py_GetEnv(config->use_environment, "PYTHONHOME") || getenv("PYTHONEXECUTABLE")
        || getenv("__PYVENV_LAUNCHER__")) {
        return 0;
    }
    return 1;
}

/* Copies the snapshot's path configuration (getpath's outputs) into config. */
static PyStatus
copy_path_config(PyConfig *config)
{
    const PyConfig *baked = _PyInterpreterState_GetConfig(_PyInterpreterState_GET());
    PyStatus status = PyStatus_Ok();
#define COPY(FIELD) \
    if (!PyStatus_Exception(status) && baked->FIELD != NULL) { \
        status = PyConfig_SetString(config, &config->FIELD, baked->FIELD); \
    }
    COPY(program_name);
    COPY(executable);
    COPY(base_executable);
    COPY(prefix);
    COPY(base_prefix);
    COPY(exec_prefix);
    COPY(base_exec_prefix);
    COPY(platlibdir);
    COPY(stdlib_dir);
#undef COPY
    if (!PyStatus_Exception(status)) {
        status = PyConfig_SetWideStringList(config, &config->module_search_paths,
                                            baked->module_search_paths.length,
                                            baked->module_search_paths.items);
    }
    config->module_search_paths_set = 1;
    config->_is_python_build = baked->_is_python_build;
    return status;
}

/* Everything after the interpreter is resumed and before Py_RunMain(). Returns an exit status >= 0 to
   stop there, or -1 to go on. */
static int
resume(int argc, char **argv)
{
    PyStatus status;
    _PyArgv args = {.argc = argc, .use_bytes_argv = 1, .bytes_argv = argv, .wchar_argv = NULL};

    TRACE("main");
    /* 1. The pre-configuration, as pymain_init() -> _Py_PreInitializeFromPyArgv() reads it. */
    PyPreConfig pre;
    PyPreConfig_InitPythonConfig(&pre);
    status = _PyPreConfig_Read(&pre, &args);
    if (PyStatus_Exception(status)) {
        exit_as_fresh_start(status, 0);
    }

    /* 2a. Refuse what cannot change any more. */
    if (_Py_GetEnv(pre.use_environment, "PYTHONMALLOC") != NULL) {
        refuse("python: PYTHONMALLOC cannot take effect: this python.wasm is a snapshot whose memory "
               "allocator was set up when the snapshot was made. Unset PYTHONMALLOC (or pass -E/-I), "
               "or use the python.wasm that is not a snapshot.");
    }

    /* What _PyPreConfig_Write() does (it does nothing once the runtime is initialised). */
    if (pre.configure_locale) {
        if (pre.coerce_c_locale && !_Py_CoerceLegacyLocale(pre.coerce_c_locale_warn)) {
            pre.coerce_c_locale = 0;
        }
        _Py_SetLocaleFromEnv(LC_CTYPE);
    }
    _PyRuntime.preconfig.utf8_mode = pre.utf8_mode;
    _PyRuntime.preconfig.coerce_c_locale = pre.coerce_c_locale;
    _PyRuntime.preconfig.coerce_c_locale_warn = pre.coerce_c_locale_warn;
    _PyRuntime.preconfig.dev_mode = pre.dev_mode;
    _PyRuntime.preconfig.isolated = pre.isolated;
    _PyRuntime.preconfig.use_environment = pre.use_environment;
_Py_COMP_DIAG_PUSH
_Py_COMP_DIAG_IGNORE_DEPR_DECLS
    Py_UTF8Mode = pre.utf8_mode;
_Py_COMP_DIAG_POP

    TRACE("preconfig read");
    /* 3. os.environ: before anything reads it (site does). */
    if (refresh_environ() < 0) {
        PyErr_Print();
        return 1;
    }

    TRACE("environ");
    /* 4. The configuration. The global path configuration still holds the snapshot run's program name,
       executable and prefixes, and _PyPathConfig_ReadGlobal() would copy them into the new config:
       clear it, so that getpath works from this run's argv[0] and environment as a fresh start does. */
    _PyPathConfig_ClearGlobal();
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    status = PyConfig_SetBytesArgv(&config, argc, argv);
    if (!PyStatus_Exception(status)) {
        status = PyConfig_Read(&config);
    }
    if (!PyStatus_Exception(status)) {
        /* The path configuration (sys.path, sys.prefix, sys.executable, ...). If this run gives getpath
           the same inputs as the snapshot run did, its result is the snapshot's: copy it (getpath is
           the most expensive step of a resume). Otherwise compute it: that needs a config that was read
           once already, and this second read is what _PyInterpreterState_SetConfig() does. With argv
           already parsed (parse_argv == 2) it loses -X warn_default_encoding: keep it. */
        if (same_getpath_inputs(&config)) {
            status = copy_path_config(&config);
        }
        else {
            int warn_default_encoding = config.warn_default_encoding;
            status = _PyConfig_Read(&config, 1);
            config.warn_default_encoding = warn_default_encoding;
        }
    }
    if (PyStatus_IsExit(status)) {          /* --version, --help, a usage error */
        PyConfig_Clear(&config);
        return status.exitcode;
    }
    if (PyStatus_Exception(status)) {
        PyConfig_Clear(&config);
        exit_as_fresh_start(status, 1);
    }

    TRACE("config read");
    /* 2b. Refuse a hash seed: every str/bytes hash in the snapshot was computed with the secret made
       at snapshot time, so it cannot be replaced. PYTHONHASHSEED=random (or unset) means use_hash_seed=0
       and is accepted: the snapshot's secret plays the random one. */
    if (config.use_hash_seed) {
        refuse("python: PYTHONHASHSEED cannot take effect: this python.wasm is a snapshot whose hash "
               "secret was fixed when the snapshot was made. Unset PYTHONHASHSEED (or set it to "
               "\"random\", or pass -E/-I), or use the python.wasm that is not a snapshot.");
    }
    /* The filesystem codec (interp->unicode.fs_codec) was set up at snapshot time. On WASI it is
       UTF-8/surrogateescape in every mode, so this only trips on an unexpected platform. */
    const PyConfig *baked = _PyInterpreterState_GetConfig(_PyInterpreterState_GET());
    int same = same_codec(config.filesystem_encoding, baked->filesystem_encoding);
    if (same < 0) {
        PyErr_Print();
        return 1;
    }
    if (!same || wcscmp(config.filesystem_errors, baked->filesystem_errors) != 0) {
        refuse("python: this run asks for a filesystem encoding other than the one fixed in the "
               "snapshot (UTF-8 Mode or locale settings); use the python.wasm that is not a snapshot.");
    }

    /* The standard library the snapshot imported from is fixed: a run whose path configuration puts
       it elsewhere (PYTHONHOME, PYTHONPLATLIBDIR) would mix modules from two places, and a fresh start
       would fail or load the other one. */
    if (config.stdlib_dir == NULL || baked->stdlib_dir == NULL
        || wcscmp(config.stdlib_dir, baked->stdlib_dir) != 0) {
        fprintf(stderr, "python: this run places the standard library at %ls (PYTHONHOME, "
                "PYTHONPLATLIBDIR), but this python.wasm is a snapshot that loaded it from %ls. Unset "
                "them, or use the python.wasm that is not a snapshot.\n",
                config.stdlib_dir ? config.stdlib_dir : L"(none)",
                baked->stdlib_dir ? baked->stdlib_dir : L"(none)");
        exit(2);
    }

    TRACE("checks");
    /* What _PyInterpreterState_SetConfig() / interpreter_update_config() do after their read: the
       config becomes the interpreter's, the legacy Py_*Flag globals and _PyRuntime.orig_argv are
       written, the global path config is updated, then sys (argv, orig_argv, path, flags, prefixes,
       executable, warnoptions, _xoptions, dont_write_bytecode, pycache_prefix, _stdlib_dir). */
    PyThreadState *tstate = _PyThreadState_GET();
    status = _PyConfig_Copy(&tstate->interp->config, &config);
    PyConfig_Clear(&config);
    if (!PyStatus_Exception(status)) {
        status = _PyConfig_Write(&tstate->interp->config, &_PyRuntime);
    }
    if (!PyStatus_Exception(status)) {
        status = _PyPathConfig_UpdateGlobal(&tstate->interp->config);
    }
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }
    tstate->interp->long_state.max_str_digits = tstate->interp->config.int_max_str_digits;
    if (_PySys_UpdateConfig(tstate) < 0) {
        PyErr_Print();
        return 1;
    }

    /* The encoding names as read ("UTF-8") become Python codec names ("utf-8"), as
       _PyUnicode_InitEncodings() does at start-up (it cannot be called again: it resets the codec
       registry). The filesystem codec itself is the snapshot's, checked equal above. */
    PyConfig *cfg = (PyConfig *)_PyInterpreterState_GetConfig(_PyInterpreterState_GET());
    if (normalize_codec_name(&cfg->filesystem_encoding) < 0) {
        Py_ExitStatusException((PyStatus){._type = 1, .func = "init_fs_encoding",
            .err_msg = "failed to get the Python codec of the filesystem encoding"});
    }
    if (normalize_codec_name(&cfg->stdio_encoding) < 0) {
        Py_ExitStatusException((PyStatus){._type = 1, .func = "init_stdio_encoding",
            .err_msg = "failed to get the Python codec name of the stdio encoding"});
    }

    /* _imp.check_hash_based_pycs is copied from the config when _imp is created. */
    {
        PyObject *imp = PyImport_ImportModule("_imp");
        PyObject *mode = PyUnicode_FromWideChar(cfg->check_hash_pycs_mode, -1);
        if (imp == NULL || mode == NULL
            || PyObject_SetAttrString(imp, "check_hash_based_pycs", mode) < 0) {
            Py_XDECREF(imp);
            Py_XDECREF(mode);
            PyErr_Print();
            return 1;
        }
        Py_DECREF(imp);
        Py_DECREF(mode);
    }

    TRACE("config applied");
    /* 5, 6 */
    if (prune_importer_cache() < 0 || reseed_random() < 0) {
        PyErr_Print();
        return 1;
    }

    /* 7. (init_interp_main: _PyTraceMalloc_Start; faulthandler comes after the streams, below) */
    if (cfg->tracemalloc && _PyTraceMalloc_Start(cfg->tracemalloc) < 0) {
        Py_ExitStatusException((PyStatus){._type = 1, .func = "init_interp_main",
                                          .err_msg = "can't start tracemalloc"});
    }

    TRACE("importer cache, random, tracemalloc");
    /* 8. (init_interp_main: init_sys_streams) */
    status = recreate_sys_streams(cfg);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }

    if (cfg->faulthandler && call_module_function("faulthandler", "enable", NULL) < 0) {
        Py_ExitStatusException((PyStatus){._type = 1, .func = "_PyFaulthandler_Init",
                                          .err_msg = "failed to enable faulthandler"});
    }

    TRACE("sys streams");
    /* 9. Warning options, as init_interp_main() handles them: importing warnings applies
       sys.warnoptions; if the snapshot already imported it, apply them now. */
    if (cfg->warnoptions.length > 0) {
        PyObject *warnings = imported_module("warnings");
        if (warnings == NULL && !PyErr_Occurred()) {
            warnings = PyImport_ImportModule("warnings");
            if (warnings == NULL) {
                fprintf(stderr, "'import warnings' failed; traceback:\n");
                PyErr_Print();
            }
            Py_XDECREF(warnings);
        }
        else if (warnings != NULL) {
            Py_DECREF(warnings);
            PyObject *opts = PySys_GetObject("warnoptions");
            if (opts == NULL || call_module_function("warnings", "_processoptions", opts) < 0) {
                fprintf(stderr, "'import warnings' failed; traceback:\n");
                PyErr_Print();
            }
        }
        else {
            PyErr_Print();
        }
    }

    TRACE("warnings");
    /* 10. site: the snapshot imported site's module body with sys.flags.no_site set, so its main()
       did not run. Run it now, as `import site` would: with this run's sys.path, sys.prefix,
       os.environ and flags. Under -S the module is dropped again, as if never imported. */
    if (run_site(cfg->site_import) < 0) {
        Py_ExitStatusException((PyStatus){._type = 1, .func = "init_import_site",
                                          .err_msg = "Failed to import the site module"});
    }

    TRACE("site");
    /* 11. (emit_stderr_warning_for_legacy_locale) */
    if (_PyRuntime.preconfig.coerce_c_locale_warn && _Py_LegacyLocaleDetected(1)) {
        PySys_FormatStderr("%s", "Python runtime initialized with LC_CTYPE=C (a locale with default "
                           "ASCII encoding), which may cause Unicode compatibility problems. Using "
                           "C.UTF-8, C.utf8, or UTF-8 (if available) as alternative Unicode-compatible "
                           "locales is recommended.\n");
    }
    return -1;
}

/* The program's main: wasipy links python.wasm with -Wl,--wrap=__main_argc_argv (the name clang gives
 * main(int, char **) on WASI), so _start calls this and Programs/python.o's main is left unused. */
int __wrap___main_argc_argv(int argc, char **argv);

int
__wrap___main_argc_argv(int argc, char **argv)
{
#ifdef WASIPY_APP_MAIN
    /* An application's python.wasm run with no arguments runs its main module (app/app_main.c). */
    char *app_args[] = {argc > 0 ? argv[0] : "python", "-m", WASIPY_APP_MAIN, NULL};
    if (argc == 1) {
        argc = 3;
        argv = app_args;
    }
#endif
    if (!resumed_from_snapshot) {
        return Py_BytesMain(argc, argv);    /* Programs/python.c */
    }
    TRACE_START();
    int exitcode = resume(argc, argv);
    if (exitcode >= 0) {
        return exitcode;
    }
    TRACE("Py_RunMain");
    exitcode = Py_RunMain();
    TRACE("end");
    return exitcode;
}
