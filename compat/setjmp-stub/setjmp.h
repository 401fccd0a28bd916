/* compat/setjmp-stub/setjmp.h, installed by recipes/libs/setjmp-stub.yaml: setjmp that never jumps back, for wasm32-wasi without
   exception handling. setjmp() returns 0; longjmp() reports and aborts. */
#ifndef WASIPY_SETJMP_STUB_H
#define WASIPY_SETJMP_STUB_H
#include <stdio.h>
#include <stdlib.h>
typedef struct { long unused; } jmp_buf[1];
typedef jmp_buf sigjmp_buf;
static inline _Noreturn void wasipy_longjmp_abort(const char *file, int line) {
    fprintf(stderr, "wasm32-wasi: longjmp from %s:%d (an error path); setjmp/longjmp are not supported, aborting\n", file, line);
    fflush(stderr);
    abort();
}
#define setjmp(env) ((void)(env), 0)
#define _setjmp(env) setjmp(env)
#define sigsetjmp(env, save) ((void)(save), setjmp(env))
#define longjmp(env, val) ((void)(env), (void)(val), wasipy_longjmp_abort(__FILE__, __LINE__))
#define _longjmp(env, val) longjmp(env, val)
#define siglongjmp(env, val) longjmp(env, val)
#endif
