#ifndef C_PROCESS_SUPPORT_H
#define C_PROCESS_SUPPORT_H

#include <spawn.h>
#include <sys/types.h>

/// pipe2(fds, O_CLOEXEC): both ends close on exec, atomically, so a concurrent spawn never inherits them.
int grader_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np, a GNU extension Swift's Glibc module does not expose.
int grader_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

/// posix_spawn_file_actions_addclosefrom_np: closes every descriptor from `low` up in the child.
int grader_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int low);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process instead of init.
/// Returns 0 on success, -1 where the call is not available.
int grader_become_subreaper(void);

/// Starts `path` as posix_spawn does with the grader's actions (fds[0..3] on descriptors 0-3 and nothing else open,
/// `directory` as the working directory when not NULL, a process group of its own, default signal handling, an
/// empty signal mask), and before the exec drops to uid `uid`, gid `uid` and no supplementary groups, as
/// `setpriv --reuid --regid --clear-groups` did in a process of its own. Root only.
/// Returns 0 and sets `pid`, or an errno value.
int grader_spawn_as(
    pid_t *pid, const char *path, char *const argv[], char *const envp[], const int fds[4], const char *directory,
    uid_t uid);

/// Sends `bytes` as one message on `socket`, with `count` (at most 8) descriptors attached (SCM_RIGHTS); returns
/// 0 or an errno value.
int grader_send_with_descriptors(int socket, const void *bytes, size_t length, const int *fds, int count);

/// A connected pair of UNIX sockets that keep message boundaries (SOCK_SEQPACKET), close-on-exec; 0 or an errno.
int grader_socketpair_seqpacket(int fds[2]);

#endif
