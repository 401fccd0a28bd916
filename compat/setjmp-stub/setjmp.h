/* compat/setjmp-stub/setjmp.h, installed by recipes/libs/setjmp-stub.yaml: setjmp that never jumps back, for
   wasm32-wasi without exception handling (wasi-libc's own <setjmp.h> refuses to compile there).
   setjmp() returns 0, so the normal path runs unchanged; longjmp() reports and aborts (a wasm trap). longjmp is a
   function, not only a macro: libpng takes its address (png_set_longjmp_fn). */
#ifndef WASIPY_SETJMP_STUB_H
#define WASIPY_SETJMP_STUB_H
#include <stdio.h>
#include <stdlib.h>

typedef struct { long unused; } jmp_buf[1];
typedef jmp_buf sigjmp_buf;

#define setjmp(env) ((void)(env), 0)
#define _setjmp(env) setjmp(env)
#define sigsetjmp(env, save) ((void)(save), setjmp(env))

__attribute__((unused)) static _Noreturn void longjmp(jmp_buf env, int val)
{
    (void)env;
    (void)val;
    fputs("wasm32-wasi: longjmp (a C library's error path); setjmp/longjmp are not supported here, aborting\n", stderr);
    fflush(stderr);
    abort();
}
#define _longjmp(env, val) longjmp(env, val)
#define siglongjmp(env, val) longjmp(env, val)
#endif
