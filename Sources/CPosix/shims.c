#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "CPosix.h"

int securemail_pipe_cloexec(int descriptors[2]) {
    return pipe2(descriptors, O_CLOEXEC);
}

int securemail_mkstemp_cloexec(char *template_path) {
    return mkostemp(template_path, O_CLOEXEC);
}

int securemail_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int securemail_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int securemail_disable_core_dumps(void) {
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
/// Sanitized builds only (scripts/test.sh --sanitize): processes started by Postfix get a clean
/// environment, so ASAN_OPTIONS cannot reach them. Leak reports are off because TOMLKit never
/// frees the strings and key lists it hands out (about 23 KB per configuration load), and
/// LeakSanitizer would turn every exit into status 1.
const char *__asan_default_options(void) {
    return "detect_leaks=0";
}
#endif
#endif
