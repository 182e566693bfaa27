// System calls Swift's Glibc module leaves out (they need _GNU_SOURCE).
#ifndef DIRSYNC_CSYSTEM_SHIM_H
#define DIRSYNC_CSYSTEM_SHIM_H

#include <unistd.h>

#ifdef __linux__
extern int syncfs(int fd);

/// Flushes the whole file system holding `fd` to disk: one call for a batch of files.
static inline int csystem_syncfs(int fd) { return syncfs(fd); }
#else
static inline int csystem_syncfs(int fd) {
    (void)fd;
    sync();
    return 0;
}
#endif

#endif
