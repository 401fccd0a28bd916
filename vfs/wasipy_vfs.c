/*
 * wasipy_vfs: a small read-only virtual file system for wasm32-wasi programs.
 *
 * It serves files from an image embedded in the module at link time (see wasipy_vfs_image.s and the
 * engine's VfsImage writer) and is hooked in at the WASI call layer: the program is linked with
 * `-Wl,--wrap=__wasi_path_open` (and the other functions below), so every call wasi-libc makes goes
 * through __wrap___wasi_X first. Calls on the image's file descriptors are answered here; all others go to
 * the host through __real___wasi_X. At start-up the image is registered as a preopened directory at its
 * mount point (the image header names it, e.g. /opt/wasi-python), so CPython's getpath finds its standard
 * library there without any --dir/--mapdir.
 *
 * Image layout (little endian):
 *   "WPYVFS2\0", u32 entry_count, u32 mount_len, mount bytes (padded to 4)
 *   entries[entry_count]: u32 name_off, name_len, parent, kind (0 file, 1 dir, 2 deflated file),
 *                         first_child (a deflated file: its stored size), child_count, data_off, data_size
 *   then names and file data; offsets are from the start of the image.
 *   Entry 0 is the root. The children of a directory are consecutive entries, sorted by name (bytewise).
 *   A deflated file is a zlib stream, inflated with zlib's uncompress() into memory when it is opened and
 *   freed when it is closed (build with -DWASIPY_VFS_NO_ZLIB to leave zlib out: such files then fail to open).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef WASIPY_VFS_NO_ZLIB
#include <zlib.h>
#endif
#include <wasi/api.h>
#include <wasi/libc.h>

extern const uint8_t wasipy_vfs_image[];

#define VFS_FD_BASE 0x40000000u
#define VFS_MAX_FDS 256
#define KIND_FILE 0
#define KIND_DIR 1
#define KIND_DEFLATED 2

typedef struct {
    uint32_t name_off, name_len, parent, kind, first_child, child_count, data_off, data_size;
} vfs_entry;

typedef struct {
    int in_use;
    uint32_t entry;
    uint64_t offset;
    uint8_t *inflated; /* a deflated file's contents while it is open */
} vfs_fd;

static const vfs_entry *entries;
static uint32_t entry_count;
static vfs_fd fds[VFS_MAX_FDS];
static int ready;

static uint32_t read_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

__attribute__((constructor)) static void vfs_init(void) {
    if (memcmp(wasipy_vfs_image, "WPYVFS2", 8) != 0) return;
    entry_count = read_u32(wasipy_vfs_image + 8);
    uint32_t mount_len = read_u32(wasipy_vfs_image + 12);
    char mount[256];
    if (mount_len == 0 || mount_len >= sizeof mount) return;
    memcpy(mount, wasipy_vfs_image + 16, mount_len);
    mount[mount_len] = 0;
    entries = (const vfs_entry *)(wasipy_vfs_image + 16 + ((mount_len + 3) & ~3u));
    fds[0].in_use = 1; /* the root, never closed */
    fds[0].entry = 0;
    if (__wasilibc_register_preopened_fd((int)VFS_FD_BASE, mount) == 0) ready = 1;
}

static vfs_fd *lookup_fd(__wasi_fd_t fd) {
    if (!ready || fd < VFS_FD_BASE || fd >= VFS_FD_BASE + VFS_MAX_FDS) return 0;
    vfs_fd *f = &fds[fd - VFS_FD_BASE];
    return f->in_use ? f : 0;
}

static int name_compare(const vfs_entry *e, const char *name, size_t len) {
    size_t n = e->name_len < len ? e->name_len : len;
    int c = memcmp(wasipy_vfs_image + e->name_off, name, n);
    if (c != 0) return c;
    return e->name_len < len ? -1 : e->name_len > len ? 1 : 0;
}

/* Finds the child called name[0..len) of directory dir by binary search; -1 if there is none. */
static int64_t find_child(uint32_t dir, const char *name, size_t len) {
    const vfs_entry *d = &entries[dir];
    if (d->kind != KIND_DIR) return -1;
    uint32_t lo = d->first_child, hi = d->first_child + d->child_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = name_compare(&entries[mid], name, len);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}

/* Resolves a relative path from directory `start`; "." and ".." are understood (".." stops at the root). */
static __wasi_errno_t resolve(uint32_t start, const char *path, uint32_t *out) {
    uint32_t at = start;
    while (*path) {
        while (*path == '/') path++;
        if (!*path) break;
        const char *end = path;
        while (*end && *end != '/') end++;
        size_t len = (size_t)(end - path);
        if (len == 1 && path[0] == '.') {
        } else if (len == 2 && path[0] == '.' && path[1] == '.') {
            at = entries[at].parent;
        } else {
            if (entries[at].kind != KIND_DIR) return __WASI_ERRNO_NOTDIR;
            int64_t child = find_child(at, path, len);
            if (child < 0) return __WASI_ERRNO_NOENT;
            at = (uint32_t)child;
        }
        path = end;
    }
    *out = at;
    return __WASI_ERRNO_SUCCESS;
}

static void fill_stat(uint32_t index, __wasi_filestat_t *st) {
    memset(st, 0, sizeof *st);
    st->dev = 0x77617369; /* "wasi" */
    st->ino = index + 1;
    st->filetype = entries[index].kind == KIND_DIR ? __WASI_FILETYPE_DIRECTORY : __WASI_FILETYPE_REGULAR_FILE;
    st->nlink = 1;
    st->size = entries[index].kind == KIND_DIR ? 0 : entries[index].data_size;
}

#define ALL_RIGHTS ((__wasi_rights_t)0x1FFFFFFF)
#define WRITE_RIGHTS (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)

__wasi_errno_t __real___wasi_path_open(__wasi_fd_t, __wasi_lookupflags_t, const char *, __wasi_oflags_t, __wasi_rights_t, __wasi_rights_t, __wasi_fdflags_t, __wasi_fd_t *);
__wasi_errno_t __wrap___wasi_path_open(__wasi_fd_t fd, __wasi_lookupflags_t dirflags, const char *path, __wasi_oflags_t oflags,
                                       __wasi_rights_t base, __wasi_rights_t inheriting, __wasi_fdflags_t fdflags, __wasi_fd_t *out) {
    vfs_fd *dir = lookup_fd(fd);
    if (!dir) return __real___wasi_path_open(fd, dirflags, path, oflags, base, inheriting, fdflags, out);
    uint32_t index;
    __wasi_errno_t err = resolve(dir->entry, path, &index);
    if (err == __WASI_ERRNO_NOENT && (oflags & __WASI_OFLAGS_CREAT)) return __WASI_ERRNO_ROFS;
    if (err) return err;
    if ((oflags & (__WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC)) || (base & WRITE_RIGHTS)) return __WASI_ERRNO_ROFS;
    if ((oflags & __WASI_OFLAGS_EXCL)) return __WASI_ERRNO_EXIST;
    if ((oflags & __WASI_OFLAGS_DIRECTORY) && entries[index].kind != KIND_DIR) return __WASI_ERRNO_NOTDIR;
    for (uint32_t i = 1; i < VFS_MAX_FDS; i++) {
        if (!fds[i].in_use) {
            uint8_t *inflated = 0;
            if (entries[index].kind == KIND_DEFLATED) {
#ifdef WASIPY_VFS_NO_ZLIB
                return __WASI_ERRNO_NOTSUP;
#else
                const vfs_entry *e = &entries[index];
                uLongf size = e->data_size;
                inflated = malloc(size ? size : 1);
                if (!inflated) return __WASI_ERRNO_NOMEM;
                if (uncompress(inflated, &size, wasipy_vfs_image + e->data_off, e->first_child) != Z_OK || size != e->data_size) {
                    free(inflated);
                    return __WASI_ERRNO_IO;
                }
#endif
            }
            fds[i].in_use = 1;
            fds[i].entry = index;
            fds[i].offset = 0;
            fds[i].inflated = inflated;
            *out = VFS_FD_BASE + i;
            return __WASI_ERRNO_SUCCESS;
        }
    }
    return __WASI_ERRNO_NFILE;
}

static size_t copy_out(vfs_fd *f, const __wasi_iovec_t *iovs, size_t iovs_len, uint64_t *offset) {
    const vfs_entry *e = &entries[f->entry];
    const uint8_t *data = f->inflated ? f->inflated : wasipy_vfs_image + e->data_off;
    size_t total = 0;
    for (size_t i = 0; i < iovs_len; i++) {
        if (*offset >= e->data_size) break;
        size_t left = (size_t)(e->data_size - *offset);
        size_t n = iovs[i].buf_len < left ? iovs[i].buf_len : left;
        memcpy(iovs[i].buf, data + *offset, n);
        *offset += n;
        total += n;
    }
    return total;
}

__wasi_errno_t __real___wasi_fd_read(__wasi_fd_t, const __wasi_iovec_t *, size_t, __wasi_size_t *);
__wasi_errno_t __wrap___wasi_fd_read(__wasi_fd_t fd, const __wasi_iovec_t *iovs, size_t iovs_len, __wasi_size_t *nread) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_read(fd, iovs, iovs_len, nread);
    if (entries[f->entry].kind == KIND_DIR) return __WASI_ERRNO_ISDIR;
    *nread = (__wasi_size_t)copy_out(f, iovs, iovs_len, &f->offset);
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_fd_pread(__wasi_fd_t, const __wasi_iovec_t *, size_t, __wasi_filesize_t, __wasi_size_t *);
__wasi_errno_t __wrap___wasi_fd_pread(__wasi_fd_t fd, const __wasi_iovec_t *iovs, size_t iovs_len, __wasi_filesize_t offset, __wasi_size_t *nread) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_pread(fd, iovs, iovs_len, offset, nread);
    if (entries[f->entry].kind == KIND_DIR) return __WASI_ERRNO_ISDIR;
    uint64_t at = offset;
    *nread = (__wasi_size_t)copy_out(f, iovs, iovs_len, &at);
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_fd_seek(__wasi_fd_t, __wasi_filedelta_t, __wasi_whence_t, __wasi_filesize_t *);
__wasi_errno_t __wrap___wasi_fd_seek(__wasi_fd_t fd, __wasi_filedelta_t delta, __wasi_whence_t whence, __wasi_filesize_t *out) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_seek(fd, delta, whence, out);
    int64_t base = whence == __WASI_WHENCE_SET ? 0 : whence == __WASI_WHENCE_CUR ? (int64_t)f->offset : (int64_t)entries[f->entry].data_size;
    if (whence > __WASI_WHENCE_END) return __WASI_ERRNO_INVAL;
    if (base + delta < 0) return __WASI_ERRNO_INVAL;
    f->offset = (uint64_t)(base + delta);
    *out = f->offset;
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_fd_tell(__wasi_fd_t, __wasi_filesize_t *);
__wasi_errno_t __wrap___wasi_fd_tell(__wasi_fd_t fd, __wasi_filesize_t *out) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_tell(fd, out);
    *out = f->offset;
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_fd_close(__wasi_fd_t);
__wasi_errno_t __wrap___wasi_fd_close(__wasi_fd_t fd) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_close(fd);
    if (f != &fds[0]) {
        free(f->inflated);
        f->inflated = 0;
        f->in_use = 0;
    }
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_fd_filestat_get(__wasi_fd_t, __wasi_filestat_t *);
__wasi_errno_t __wrap___wasi_fd_filestat_get(__wasi_fd_t fd, __wasi_filestat_t *st) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_filestat_get(fd, st);
    fill_stat(f->entry, st);
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_path_filestat_get(__wasi_fd_t, __wasi_lookupflags_t, const char *, __wasi_filestat_t *);
__wasi_errno_t __wrap___wasi_path_filestat_get(__wasi_fd_t fd, __wasi_lookupflags_t flags, const char *path, __wasi_filestat_t *st) {
    vfs_fd *dir = lookup_fd(fd);
    if (!dir) return __real___wasi_path_filestat_get(fd, flags, path, st);
    uint32_t index;
    __wasi_errno_t err = resolve(dir->entry, path, &index);
    if (err) return err;
    fill_stat(index, st);
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_fd_fdstat_get(__wasi_fd_t, __wasi_fdstat_t *);
__wasi_errno_t __wrap___wasi_fd_fdstat_get(__wasi_fd_t fd, __wasi_fdstat_t *st) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_fdstat_get(fd, st);
    memset(st, 0, sizeof *st);
    st->fs_filetype = entries[f->entry].kind == KIND_DIR ? __WASI_FILETYPE_DIRECTORY : __WASI_FILETYPE_REGULAR_FILE;
    st->fs_rights_base = ALL_RIGHTS & ~WRITE_RIGHTS;
    st->fs_rights_inheriting = ALL_RIGHTS;
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_fd_fdstat_set_flags(__wasi_fd_t, __wasi_fdflags_t);
__wasi_errno_t __wrap___wasi_fd_fdstat_set_flags(__wasi_fd_t fd, __wasi_fdflags_t flags) {
    if (!lookup_fd(fd)) return __real___wasi_fd_fdstat_set_flags(fd, flags);
    return __WASI_ERRNO_SUCCESS;
}

/* Directory entries: cookie i is the i-th child; entries that do not fit are cut, as WASI allows. */
__wasi_errno_t __real___wasi_fd_readdir(__wasi_fd_t, uint8_t *, __wasi_size_t, __wasi_dircookie_t, __wasi_size_t *);
__wasi_errno_t __wrap___wasi_fd_readdir(__wasi_fd_t fd, uint8_t *buf, __wasi_size_t len, __wasi_dircookie_t cookie, __wasi_size_t *used) {
    vfs_fd *f = lookup_fd(fd);
    if (!f) return __real___wasi_fd_readdir(fd, buf, len, cookie, used);
    const vfs_entry *d = &entries[f->entry];
    if (d->kind != KIND_DIR) return __WASI_ERRNO_NOTDIR;
    size_t at = 0;
    for (uint64_t i = cookie; i < d->child_count && at < len; i++) {
        const vfs_entry *c = &entries[d->first_child + i];
        __wasi_dirent_t dirent = {
            .d_next = i + 1,
            .d_ino = d->first_child + i + 1,
            .d_namlen = c->name_len,
            .d_type = c->kind == KIND_DIR ? __WASI_FILETYPE_DIRECTORY : __WASI_FILETYPE_REGULAR_FILE,
        };
        size_t n = sizeof dirent < len - at ? sizeof dirent : len - at;
        memcpy(buf + at, &dirent, n);
        at += n;
        n = c->name_len < len - at ? c->name_len : len - at;
        memcpy(buf + at, wasipy_vfs_image + c->name_off, n);
        at += n;
    }
    *used = (__wasi_size_t)at;
    return __WASI_ERRNO_SUCCESS;
}

__wasi_errno_t __real___wasi_path_readlink(__wasi_fd_t, const char *, uint8_t *, __wasi_size_t, __wasi_size_t *);
__wasi_errno_t __wrap___wasi_path_readlink(__wasi_fd_t fd, const char *path, uint8_t *buf, __wasi_size_t len, __wasi_size_t *used) {
    vfs_fd *dir = lookup_fd(fd);
    if (!dir) return __real___wasi_path_readlink(fd, path, buf, len, used);
    uint32_t index;
    __wasi_errno_t err = resolve(dir->entry, path, &index);
    return err ? err : __WASI_ERRNO_INVAL; /* nothing in the image is a symbolic link */
}

/* Writes under the image fail as on a read-only mount. */
__wasi_errno_t __real___wasi_path_create_directory(__wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_create_directory(__wasi_fd_t fd, const char *path) {
    return lookup_fd(fd) ? __WASI_ERRNO_ROFS : __real___wasi_path_create_directory(fd, path);
}

__wasi_errno_t __real___wasi_path_unlink_file(__wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_unlink_file(__wasi_fd_t fd, const char *path) {
    return lookup_fd(fd) ? __WASI_ERRNO_ROFS : __real___wasi_path_unlink_file(fd, path);
}

__wasi_errno_t __real___wasi_path_remove_directory(__wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_remove_directory(__wasi_fd_t fd, const char *path) {
    return lookup_fd(fd) ? __WASI_ERRNO_ROFS : __real___wasi_path_remove_directory(fd, path);
}
