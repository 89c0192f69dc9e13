#ifndef SECUREMAIL_CPOSIX_H
#define SECUREMAIL_CPOSIX_H

#include <spawn.h>

/// pipe2(2) with O_CLOEXEC: both ends close on exec from the start, so a program spawned by
/// another thread at the same moment never inherits them (glibc declares pipe2 only under
/// _GNU_SOURCE, which Swift's Glibc module does not set).
int securemail_pipe_cloexec(int descriptors[2]);

/// posix_spawn_file_actions_addchdir_np: the child changes to `path` before exec.
int securemail_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
