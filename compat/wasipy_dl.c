/*
 * wasipy_dl: dlopen/dlsym/dlerror/dlclose for a python.wasm linked as a main module (`link: dynamic`).
 *
 * wasi-libc's libdl.a has only weak "not implemented" stubs; these strong definitions replace them. The guest
 * reads the side module itself, through its own file system (the mapped folders, or the read-only image of a
 * packed build), so a path can reach only what the guest could open anyway: the host never sees or resolves a
 * path. The bytes go to the host's loader, an import of module "dl":
 *
 *   dl.open(path, path_len, bytes, size, error, error_size) -> handle > 0, or 0 with a message in error
 *   dl.sym(handle, name, name_len, error, error_size)       -> a table index (function) or an address (data),
 *                                                              or 0 with a message in error
 *
 * The loader (engine/Wasm/SideModules.cs for Wasmtime, hosts/node/dylink.mjs for Node) instantiates the
 * dylink.0 side module against this module's exports. A failure comes back as dlerror()'s text, which CPython
 * turns into an ImportError naming the file.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WASIPY_DL_IMPORT(name) __attribute__((import_module("dl"), import_name(name)))
WASIPY_DL_IMPORT("open") int wasipy_dl_open(const char *path, size_t path_len, const void *bytes, size_t size, char *error, size_t error_size);
WASIPY_DL_IMPORT("sym") int wasipy_dl_sym(int handle, const char *name, size_t name_len, char *error, size_t error_size);

/* A side module larger than this is refused before it is read. */
#define WASIPY_DL_MAX_SIZE (256u * 1024u * 1024u)

static char wasipy_dl_error[1024];
static int wasipy_dl_error_pending;

static void *wasipy_dl_fail(const char *what, const char *why) {
    snprintf(wasipy_dl_error, sizeof wasipy_dl_error, "%s: %s", what, why);
    wasipy_dl_error_pending = 1;
    return NULL;
}

void *dlopen(const char *path, int flags) {
    (void)flags;
    if (path == NULL) return wasipy_dl_fail("dlopen(NULL)", "the main program's own handle is not supported");
    int fd = open(path, O_RDONLY);
    if (fd < 0) return wasipy_dl_fail(path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return wasipy_dl_fail(path, "not a regular file");
    }
    if (st.st_size > WASIPY_DL_MAX_SIZE) {
        close(fd);
        return wasipy_dl_fail(path, "larger than 256 MiB; not loaded");
    }
    size_t size = (size_t)st.st_size;
    unsigned char *bytes = malloc(size > 0 ? size : 1);
    if (bytes == NULL) {
        close(fd);
        return wasipy_dl_fail(path, "no memory to read it");
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, bytes + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    close(fd);
    if (done != size) {
        free(bytes);
        return wasipy_dl_fail(path, "could not read the whole file");
    }
    wasipy_dl_error[0] = '\0';
    int handle = wasipy_dl_open(path, strlen(path), bytes, size, wasipy_dl_error, sizeof wasipy_dl_error);
    free(bytes);
    if (handle <= 0) {
        wasipy_dl_error[sizeof wasipy_dl_error - 1] = '\0';
        if (wasipy_dl_error[0] == '\0') return wasipy_dl_fail(path, "the host's loader refused it");
        wasipy_dl_error_pending = 1;
        return NULL;
    }
    return (void *)(uintptr_t)handle;
}

void *dlsym(void *restrict handle, const char *restrict name) {
    if (handle == NULL) return wasipy_dl_fail(name, "dlsym(RTLD_DEFAULT) is not supported");
    wasipy_dl_error[0] = '\0';
    int value = wasipy_dl_sym((int)(uintptr_t)handle, name, strlen(name), wasipy_dl_error, sizeof wasipy_dl_error);
    if (value == 0) {
        wasipy_dl_error[sizeof wasipy_dl_error - 1] = '\0';
        if (wasipy_dl_error[0] == '\0') return wasipy_dl_fail(name, "symbol not found");
        wasipy_dl_error_pending = 1;
        return NULL;
    }
    return (void *)(uintptr_t)value;
}

char *dlerror(void) {
    if (!wasipy_dl_error_pending) return NULL;
    wasipy_dl_error_pending = 0;
    return wasipy_dl_error;
}

/* Side modules stay loaded (CPython never unloads an extension module). */
int dlclose(void *handle) {
    (void)handle;
    return 0;
}
