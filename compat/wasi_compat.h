/*
 * wasi_compat: POSIX functions that wasi-libc leaves out, for C code (libuuid, and CPython before 3.11)
 * that calls them unconditionally. Each returns a fixed value, or fails with ENOSYS, since WASI has no
 * users, groups or processes. The values can be set at build time:
 *   -DWASI_COMPAT_UID=0 -DWASI_COMPAT_GID=0 -DWASI_COMPAT_UMASK=022
 * Use it with `-include wasi_compat.h` (CPython 3.8-3.10 include it from pyport.h) and link libwasi_compat.a.
 */
#ifndef WASI_COMPAT_H
#define WASI_COMPAT_H
#ifdef __wasi__
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int setuid(uid_t uid);
int setgid(gid_t gid);
int seteuid(uid_t uid);
int setegid(gid_t gid);
int getgroups(int size, gid_t list[]);
pid_t getppid(void);
mode_t umask(mode_t mask);
int flock(int fd, int operation);
int dup(int fd);
int dup2(int fd, int fd2);
int kill(pid_t pid, int sig);
/* wasi-libc defines pthread_exit (its stub ends the program) but declares it only in unmodified upstream builds. */
_Noreturn void pthread_exit(void *value);

#ifdef __cplusplus
}
#endif
#endif
#endif
