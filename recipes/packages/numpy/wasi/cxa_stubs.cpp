// C++ exception entry points for wasm32-wasi without exception support.
//
// clang 16 has no wasm exception handling for WASI: `throw` compiles to calls of __cxa_allocate_exception and
// __cxa_throw, and catch blocks are dropped. Debian's wasm libc++abi is built without exceptions and does not
// define these two, so numpy's pocketfft (which throws on errors) cannot link. These stubs make it link; a
// throw prints the thrown type and aborts (a wasm trap: `unreachable`), as an uncaught exception would.
#include <cstdio>
#include <cstdlib>
#include <typeinfo>

extern "C" {

void *__cxa_allocate_exception(std::size_t size) noexcept
{
    void *p = std::malloc(size ? size : 1);
    if (!p) {
        std::fputs("wasm32-wasi: out of memory allocating a C++ exception\n", stderr);
        std::abort();
    }
    return p;
}

void __cxa_free_exception(void *p) noexcept { std::free(p); }

[[noreturn]] void __cxa_throw(void *thrown, std::type_info *tinfo, void (*dest)(void *))
{
    (void)thrown;
    (void)dest;
    std::fprintf(stderr, "wasm32-wasi: C++ exception of type %s thrown; exceptions are not supported, aborting\n",
                 tinfo ? tinfo->name() : "?");
    std::fflush(stderr);
    std::abort();
}

}
