/* See wasi_compat.h. */
#include <sys/stat.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "wasi_compat.h"

#ifndef WASI_COMPAT_UID
#define WASI_COMPAT_UID 0
#endif
#ifndef WASI_COMPAT_GID
#define WASI_COMPAT_GID 0
#endif
#ifndef WASI_COMPAT_UMASK
#define WASI_COMPAT_UMASK 022
#endif

static mode_t current_umask = WASI_COMPAT_UMASK;

uid_t getuid(void) { return WASI_COMPAT_UID; }
uid_t geteuid(void) { return WASI_COMPAT_UID; }
gid_t getgid(void) { return WASI_COMPAT_GID; }
gid_t getegid(void) { return WASI_COMPAT_GID; }

/* Becoming the user we already are succeeds; anything else cannot be done. */
static int same_or_eperm(unsigned current, unsigned wanted) {
    if (current == wanted) return 0;
    errno = EPERM;
    return -1;
}
int setuid(uid_t uid) { return same_or_eperm(WASI_COMPAT_UID, uid); }
int seteuid(uid_t uid) { return same_or_eperm(WASI_COMPAT_UID, uid); }
int setgid(gid_t gid) { return same_or_eperm(WASI_COMPAT_GID, gid); }
int setegid(gid_t gid) { return same_or_eperm(WASI_COMPAT_GID, gid); }

int getgroups(int size, gid_t list[]) {
    if (size == 0) return 1;
    if (size < 0) { errno = EINVAL; return -1; }
    list[0] = WASI_COMPAT_GID;
    return 1;
}

pid_t getppid(void) { return 1; }

/* Remembered, not enforced: WASI has no file modes. */
mode_t umask(mode_t mask) {
    mode_t old = current_umask;
    current_umask = mask & 0777;
    return old;
}

/* A WASI program is the only process that can see its files: every lock is granted at once. */
int flock(int fd, int operation) {
    (void)fd;
    (void)operation;
    return 0;
}

/* WASI preview 1 cannot duplicate a descriptor (only renumber it). dup2 onto itself is allowed, as POSIX says. */
int dup(int fd) {
    (void)fd;
    errno = ENOTSUP;
    return -1;
}

/* Weak: a program that brings its own dup2 (CPython 3.11+ links Python/dup2.c when libc lacks one) keeps it. */
__attribute__((weak)) int dup2(int fd, int fd2) {
    struct stat st;
    if (fd == fd2) return fstat(fd, &st) < 0 ? -1 : fd2;   /* wasi-libc's fcntl(F_GETFD) accepts any fd */
    errno = ENOTSUP;
    return -1;
}

/* The only process there is: a signal to ourselves is raised (wasi-libc's signal emulation), others fail. */
int kill(pid_t pid, int sig) {
    if (pid == 0 || pid == getpid()) return raise(sig);
    errno = ESRCH;
    return -1;
}
