/*
 * wasipy_cwd: python.wasm starts in the folder named by $PWD.
 *
 * WASI preview 1 has no working directory: wasi-libc emulates one that starts at "/". A host that maps the
 * user's folder into the guest (wasipy exec maps the current folder at its own absolute path) also sets PWD to
 * that path, so that `python hello.py`, open("data/x.csv") and os.getcwd() behave as in a native process started
 * there. The same works for any WASI host: wasmtime run --dir "$PWD" --env PWD="$PWD" python.wasm hello.py
 *
 * A constructor, so it runs before main() at every start (also when a snapshot resumes: _start runs the
 * constructors again). Without PWD, or when PWD is not an absolute path the guest can open, the working
 * directory stays "/", as before.
 */
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void wasipy_cwd_init(void) {
    const char *pwd = getenv("PWD");
    if (pwd != NULL && pwd[0] == '/') (void)chdir(pwd);
}
