// sharkfin-relay: Linux interfaces Glibc's Swift module does not import.
// SPDX-License-Identifier: Apache-2.0
#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/// The layout of the kernel's `struct ucred`, which glibc declares only under _GNU_SOURCE;
/// defining that macro here would clash with Glibc's Swift module, so the shim restates it.
struct clinux_ucred {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/// Reads SO_PEERCRED of a connected Unix socket. Returns 0, or -1 with errno set.
static inline int clinux_peer_credentials(int fd, int *pid, unsigned *uid, unsigned *gid) {
    struct clinux_ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
        return -1;
    }
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}

/// accept4(2) is declared by glibc only under _GNU_SOURCE (see above); it is a plain
/// Linux system call, so the prototype is restated here.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

static inline int clinux_accept4(int fd, struct sockaddr *address, socklen_t *length,
                                 int flags) {
    return accept4(fd, address, length, flags);
}

/// pipe2(2), likewise declared only under _GNU_SOURCE; O_CLOEXEC must be set atomically
/// so a child spawned by another thread never inherits the pipe.
extern int pipe2(int fds[2], int flags);

static inline int clinux_pipe2(int fds[2], int flags) {
    return pipe2(fds, flags);
}

#endif
