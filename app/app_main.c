/*
 * app_main.c: python.wasm's main when the build carries an application with a main module (recipe app.main,
 * --app-main): with no arguments, python.wasm runs that module as `python -m MODULE` would; with any argument it
 * is plain python. wasipy links it with -Wl,--wrap=__main_argc_argv (the name clang gives main(int, char **) on
 * WASI) and -DWASIPY_APP_MAIN="module". A snapshot build does the same in snapshot/wasipy_snapshot.c.
 */
#include "Python.h"

int __wrap___main_argc_argv(int argc, char **argv);

int
__wrap___main_argc_argv(int argc, char **argv)
{
    if (argc == 1) {
        char *args[] = {argv[0], "-m", WASIPY_APP_MAIN, NULL};
        return Py_BytesMain(3, args);
    }
    return Py_BytesMain(argc, argv);
}
