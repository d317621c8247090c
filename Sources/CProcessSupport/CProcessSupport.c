#define _GNU_SOURCE
#include "CProcessSupport.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int grader_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int grader_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int grader_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int low) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np(actions, low);
#else
    (void)actions; (void)low;
    return 0;
#endif
}

int grader_become_subreaper(void) {
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#else
    return -1;
#endif
}


#ifdef __linux__
/// What the child of `grader_spawn_as` needs; `error` is written by the child, which shares the parent's memory.
struct grader_spawn {
    const char *path;
    char *const *argv;
    char *const *envp;
    const int *fds;
    const char *directory;
    uid_t uid;
    int error;
};

/// The child, on the parent's memory until it execs (CLONE_VM | CLONE_VFORK, as glibc's posix_spawn). Only system
/// calls here: the credentials change through raw syscalls, since glibc's setresuid would signal every thread of
/// the parent to change theirs too.
static int grader_spawn_child(void *argument) {
    struct grader_spawn *spawn = argument;
    // Handlers point into the parent's code: every caught signal goes back to its default, then nothing is blocked.
    struct sigaction action;
    for (int number = 1; number < _NSIG; number++) {
        if (sigaction(number, NULL, &action) != 0) continue;
        if (action.sa_handler == SIG_IGN && number != SIGPIPE && number != SIGINT && number != SIGTERM
            && number != SIGHUP && number != SIGQUIT)
            continue;
        memset(&action, 0, sizeof action);
        action.sa_handler = SIG_DFL;
        sigaction(number, &action, NULL);
    }
    sigset_t empty;
    sigemptyset(&empty);
    if (setpgid(0, 0) != 0) goto fail;
    for (int target = 0; target < 4; target++) {
        int source = spawn->fds[target];
        if (source == target) {
            if (fcntl(source, F_SETFD, 0) != 0) goto fail;
        } else if (dup2(source, target) < 0) {
            goto fail;
        }
    }
    if (spawn->directory != NULL && chdir(spawn->directory) != 0) goto fail;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
#endif
    {
        struct rlimit limit;
        int top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? (int)limit.rlim_cur : 65536;
        for (int fd = 4; fd < top; fd++) close(fd);
    }
    if (syscall(SYS_setgroups, 0, NULL) != 0) goto fail;
    if (syscall(SYS_setresgid, spawn->uid, spawn->uid, spawn->uid) != 0) goto fail;
    if (syscall(SYS_setresuid, spawn->uid, spawn->uid, spawn->uid) != 0) goto fail;
    if (sigprocmask(SIG_SETMASK, &empty, NULL) != 0) goto fail;
    execve(spawn->path, spawn->argv, spawn->envp);
fail:
    spawn->error = errno != 0 ? errno : EINVAL;
    _exit(127);
}
#endif

int grader_spawn_as(
    pid_t *pid, const char *path, char *const argv[], char *const envp[], const int fds[4], const char *directory,
    uid_t uid) {
#ifdef __linux__
    struct grader_spawn spawn = {path, argv, envp, fds, directory, uid, 0};
    size_t size = 256 * 1024;
    char *stack = malloc(size);
    if (stack == NULL) return ENOMEM;
    // No signal handler of the parent may run on the child's stack before the child resets them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    pid_t child = clone(grader_spawn_child, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, &spawn);
    int cloneError = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    free(stack);
    if (child < 0) return cloneError;
    if (spawn.error != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return spawn.error;
    }
    *pid = child;
    return 0;
#else
    (void)pid; (void)path; (void)argv; (void)envp; (void)fds; (void)directory; (void)uid;
    return ENOSYS;
#endif
}

#include <sys/socket.h>

int grader_send_with_descriptors(int socket, const void *bytes, size_t length, const int *fds, int count) {
    if (count < 0 || count > 8) return EINVAL;
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * 8)];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec vector = {(void *)bytes, length};
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.space;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)count);
    ssize_t sent;
    do { sent = sendmsg(socket, &message, MSG_NOSIGNAL); } while (sent < 0 && errno == EINTR);
    if (sent < 0) return errno;
    return (size_t)sent == length ? 0 : EIO;
}

int grader_socketpair_seqpacket(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0 ? 0 : errno;
}
