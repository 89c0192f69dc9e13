#ifndef SECUREMAIL_CPOSIX_H
#define SECUREMAIL_CPOSIX_H

#include <malloc.h>
#include <sys/mman.h>
#include <spawn.h>

/// pipe2(2) with O_CLOEXEC: both ends close on exec from the start, so a program spawned by
/// another thread at the same moment never inherits them (glibc declares pipe2 only under
/// _GNU_SOURCE, which Swift's Glibc module does not set).
int securemail_pipe_cloexec(int descriptors[2]);

/// mkostemp(3) with O_CLOEXEC: a temporary file whose descriptor no spawned program inherits.
int securemail_mkstemp_cloexec(char *template_path);

/// posix_spawn_file_actions_addchdir_np: the child changes to `path` before exec.
int securemail_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

/// pidfd_open(2) (Linux 5.3): a descriptor of the child `pid` that poll(2) reports readable
/// once the child has ended, so that waiting for it needs no sleeping and polling. -1 with errno
/// set (ENOSYS on an older kernel).
int securemail_pidfd_open(pid_t pid);

/// Sets RLIMIT_CORE to zero and marks the process not dumpable (prctl PR_SET_DUMPABLE 0, which
/// also covers a core_pattern pipe that ignores the limit, and keeps other processes of the same
/// user from attaching to it). 0 on success, -1 with errno set.
int securemail_disable_core_dumps(void);

#endif
