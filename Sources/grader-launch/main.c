// grader-launch: the trusted step between the grader and a student's binary.
//
// It sets the resource limits and then execs the student's program, so the limits hold before a single
// instruction of the student's binary runs: code the student links in, runs before main (.init_array) or uses to
// shadow a libc function cannot raise or skip them. It also ties the student's processes to the grader's life:
//
//   grader-launch [options] -- PROGRAM [ARGUMENTS...]
//     --cpu SECONDS        RLIMIT_CPU: soft SECONDS, hard SECONDS + 1 (SIGXCPU first, then SIGKILL)
//     --memory BYTES       RLIMIT_AS, per process
//     --file-size BYTES    RLIMIT_FSIZE
//     --open-files N       RLIMIT_NOFILE
//     --processes N        RLIMIT_NPROC (per user)
//     --user UID:GID       drop to this user and group (no supplementary groups) before the exec; root only
//     --parent PID         watch mode, for runs without a PID namespace (see below)
//     --landlock           confine PROGRAM with Landlock (below); exit 125 where the kernel cannot
//     --allow-read PATH    with --landlock: PROGRAM may read and execute under PATH (repeatable)
//     --allow-write PATH   with --landlock: PROGRAM may also create, change and remove under PATH (repeatable)
//     --sweep PATH         with --user and --parent: after everything under PROGRAM ended, remove what that user
//                          left in PATH (repeatable; see below)
//     --sweep-first        sweep before PROGRAM starts as well (the uid's last run may not have been swept)
//   grader-launch --landlock-abi
//     prints the Landlock ABI version the kernel offers (0: none) and exits 0
//   grader-launch --serve FD -- PROGRAM
//     inside bubblewrap only: runs PROGRAM once per request read from the socket FD (see "Serving" below)
//
// Core dumps are always off, and PROGRAM can never gain privileges (PR_SET_NO_NEW_PRIVS: a setuid program such as
// su or mount runs without them).
//
// Landlock is for runs without namespaces, where PROGRAM would otherwise see the host's whole file system. The
// kernel then refuses PROGRAM (and everything it starts) every file access outside the allowed paths: no read of
// another submission, the grader's cache or the autograder's files, no file left behind in /tmp. Where the kernel's
// Landlock ABI allows it, TCP connect and bind are refused too (ABI 4), and so are signals to processes outside
// the sandbox and connections to abstract UNIX sockets (ABI 6).
//
// PROGRAM gets a new, empty session keyring, never the grader's, and may not use keys at all: a seccomp filter
// refuses add_key, request_key and keyctl. The same filter keeps the launcher's limits and scheduling out of its
// reach, and refuses it new user namespaces (in which it would hold every capability), socket families other than
// UNIX, IP and routing netlink, socket cookies and io_uring (see filter_system_calls). Nor may it use POSIX message
// queues (RLIMIT_MSGQUEUE 0).
//
// The sweep is for runs without namespaces, where nothing a run leaves behind may reach the next run of the same
// uid (a hidden trials' run saving its inputs for a public one). A child drops to the user and, as that user (so
// that no race with a link the code planted can make it remove anything the user could not), removes every file,
// folder, socket and FIFO the user owns in each PATH and in any world-writable folder below it, and every System V
// shared memory segment, message queue and semaphore set the user owns or created.
//
// Without --parent (inside bubblewrap, whose PID namespace and --die-with-parent end everything), the launcher
// applies the limits and replaces itself with PROGRAM, except when it is the namespace's pid 1 (bubblewrap
// --as-pid-1), which is how the grader starts it. Then it stays as pid 1: it makes itself undumpable, forks PROGRAM
// with the limits, reaps every orphan, and when PROGRAM ends exits with its status, which makes the kernel kill
// everything left in the namespace. Pid 1 is the one process of a sandbox that runs without the limits, so student
// code must not reach it: an undumpable process is one that code without CAP_SYS_PTRACE in the sandbox's user
// namespace (student code has no capability) can neither ptrace nor open /proc/1/mem of, nor read or write with
// process_vm_readv/writev. bubblewrap's own pid 1 is dumpable and runs as the sandbox's uid: code injected into it
// ran with no CPU, memory or process limit. PROGRAM itself is never pid 1 either: pid 1 ignores every signal it has
// no handler for, the limits' SIGXCPU included.
//
// With --parent PID, the launcher stays: it becomes a child subreaper, so every process the student starts, even
// one that calls setsid() or double-forks, is re-parented to it when its own parent dies, and it asks the kernel
// for SIGTERM when its parent (the grader, PID) dies, even by SIGKILL. It forks PROGRAM with the limits, waits,
// and when PROGRAM ends, or the grader dies, or it is told to stop (SIGTERM, SIGINT, SIGHUP), it kills every
// process left under it and exits with PROGRAM's status (128 + N for a death by signal N, as shells report it).
//
// Serving (--serve FD) runs many short processes of one student's binary in one sandbox, one at a time, to save
// bubblewrap's start (its namespaces, mounts and teardown cost the machine about 5 ms of CPU a run, more than most
// runs themselves). The launcher must then be the sandbox's pid 1 (bubblewrap --as-pid-1). Once ready it sends
// "ready" on the SOCK_SEQPACKET socket FD. Each request on it is one message: five numbers (CPU seconds, memory,
// file size and open files in bytes or counts, processes; -1 for none) and a newline, then the one argument PROGRAM
// gets, with four descriptors attached (SCM_RIGHTS) that become PROGRAM's 0-3. The launcher forks PROGRAM with those
// limits, as the plain mode would, and waits. When PROGRAM ends, every other process of the namespace is stopped and
// killed, and what the run left in the sandbox's only writable places is removed: /tmp emptied, and its mode, times
// and xattrs put back through a descriptor kept from the start (a run that does chmod 0 /tmp does not lock the
// launcher out), every System V IPC object of the namespace. The namespace's UNIX and raw sockets, its IPv6 flow
// labels, its counters and the times of its device nodes must be as they were at the start. Then it answers
// "STATUS 1" (the wait status, in decimal) when every step worked and the sandbox is as it was, or "STATUS 0" when
// one did not, and exits after such an answer: a sandbox it cannot vouch for serves no other run. As pid 1 it is
// out of PROGRAM's reach though PROGRAM runs as the same uid: undumpable (no ptrace, no /proc/1/mem, fd or
// environ), and the kernel delivers pid 1 no signal from inside its namespace that it has no handler for, SIGKILL
// and SIGSTOP included. It exits when the socket closes (the grader is done or dead).
//
// Exit status 125 means the launcher itself failed (bad arguments, a limit it could not set, exec failed); its
// message is on stderr, prefixed "grader-launch:".
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

enum { LAUNCH_FAILED = 125 };

static volatile sig_atomic_t stop_requested = 0;

static void request_stop(int signal_number) {
    (void)signal_number;
    stop_requested = 1;
}

static void fail(const char *what) {
    fprintf(stderr, "grader-launch: %s: %s\n", what, strerror(errno));
    _exit(LAUNCH_FAILED);
}

static void usage(const char *problem) {
    fprintf(stderr, "grader-launch: %s\nusage: grader-launch [--cpu S] [--memory B] [--file-size B] [--open-files N] "
                    "[--processes N] [--user UID:GID] [--parent PID] [--sweep P [--sweep-first]] [--landlock [--allow-read P] [--allow-write P]] "
                    "-- PROGRAM [ARGUMENTS...]\n", problem);
    exit(LAUNCH_FAILED);
}

static unsigned long long parse_number(const char *text, const char *option) {
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-') {
        fprintf(stderr, "grader-launch: %s needs a non-negative whole number, got '%s'\n", option, text);
        exit(LAUNCH_FAILED);
    }
    return value;
}

static void set_limit(int resource, rlim_t soft, rlim_t hard, const char *name) {
    struct rlimit limit = {soft, hard};
    if (setrlimit(resource, &limit) != 0) fail(name);
}


// Landlock, declared here rather than taken from <linux/landlock.h>: the build machine's headers may be older than
// the kernel that runs the grader, and every number below is a stable kernel ABI.
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
enum {
    LL_CREATE_RULESET_VERSION = 1,
    LL_RULE_PATH_BENEATH = 1,
    LL_FS_EXECUTE = 1 << 0, LL_FS_WRITE_FILE = 1 << 1, LL_FS_READ_FILE = 1 << 2, LL_FS_READ_DIR = 1 << 3,
    LL_FS_REMOVE_DIR = 1 << 4, LL_FS_REMOVE_FILE = 1 << 5, LL_FS_MAKE_CHAR = 1 << 6, LL_FS_MAKE_DIR = 1 << 7,
    LL_FS_MAKE_REG = 1 << 8, LL_FS_MAKE_SOCK = 1 << 9, LL_FS_MAKE_FIFO = 1 << 10, LL_FS_MAKE_BLOCK = 1 << 11,
    LL_FS_MAKE_SYM = 1 << 12, LL_FS_REFER = 1 << 13, LL_FS_TRUNCATE = 1 << 14, LL_FS_IOCTL_DEV = 1 << 15,
    LL_NET_BIND_TCP = 1 << 0, LL_NET_CONNECT_TCP = 1 << 1,
    LL_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0, LL_SCOPE_SIGNAL = 1 << 1,
};
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;  // ABI 4
    uint64_t scoped;              // ABI 6
};
struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

/// The Landlock ABI version of the running kernel; 0 where there is none (an old kernel, Landlock disabled at
/// boot, or a seccomp filter such as an old container runtime's that refuses the call).
static int landlock_abi(void) {
    long version = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return version < 0 ? 0 : (int)version;
}

enum { MAX_RULES = 32 };

static void kill_every_process_of_this_uid(void);

struct landlock_rules {
    int enabled;
    int count;
    const char *paths[MAX_RULES];
    int writable[MAX_RULES];
};

/// Confines this process and everything it starts to the allowed paths; fails (exit 125) rather than run
/// PROGRAM unconfined. Only rights the kernel knows are handled: a right it does not know stays unrestricted,
/// which the grader accounts for by the ABI version it reports.
static void apply_landlock(const struct landlock_rules *rules) {
    int abi = landlock_abi();
    if (abi < 1) {
        errno = ENOSYS;
        fail("Landlock is not available");
    }
    uint64_t all_fs = (uint64_t)((LL_FS_MAKE_SYM << 1) - 1);
    if (abi >= 2) all_fs |= LL_FS_REFER;
    if (abi >= 3) all_fs |= LL_FS_TRUNCATE;
    if (abi >= 5) all_fs |= LL_FS_IOCTL_DEV;
    const uint64_t read_fs = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR;
    // The rights that make sense on a file (the rest are about directory entries).
    const uint64_t file_rights = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
    struct ll_ruleset_attr attr = {all_fs, 0, 0};
    size_t size = sizeof(uint64_t);
    if (abi >= 4) {
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;  // no rule allows any port
        size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
        size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) fail("landlock_create_ruleset");
    for (int i = 0; i < rules->count; i++) {
        int fd = open(rules->paths[i], O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT) continue;  // nothing there to allow
            fail(rules->paths[i]);
        }
        struct stat info;
        if (fstat(fd, &info) != 0) fail(rules->paths[i]);
        uint64_t access = (rules->writable[i] ? all_fs : read_fs) & all_fs;
        if (!S_ISDIR(info.st_mode)) access &= file_rights;
        struct ll_path_beneath_attr rule = {access, fd};
        if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0) != 0) fail(rules->paths[i]);
        close(fd);
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) fail("landlock_restrict_self");
    close(ruleset);
}

struct options {
    long long cpu, memory, file_size, open_files, processes;
    long long uid, gid;
    pid_t parent;
    struct landlock_rules landlock;
    int sweep_count;
    int sweep_first;
    const char *sweep[MAX_RULES];
    char **program;
};

/// Removes, below the open folder `folder`, every entry `uid` owns (with everything in it), and descends into
/// world-writable folders it does not own; never follows a link. Runs as `uid`, so it removes nothing `uid` could
/// not. `everything`: the folder is `uid`'s own, so all it holds goes.
static void sweep_folder(int folder, uid_t uid, int everything, int depth) {
    if (depth > 64) { close(folder); return; }
    DIR *directory = fdopendir(folder);
    if (directory == NULL) { close(folder); return; }
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        struct stat info;
        if (fstatat(dirfd(directory), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
        int is_folder = S_ISDIR(info.st_mode);
        int owned = everything || info.st_uid == uid;
        if (is_folder && (owned || ((info.st_mode & S_IWOTH) && depth < 8))) {
            // A folder of its own the uid made unreadable (mode 0311) still goes: the uid may change its mode.
            if (owned) fchmodat(dirfd(directory), entry->d_name, 0700, 0);
            int inner = openat(dirfd(directory), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (inner >= 0) sweep_folder(inner, uid, owned, depth + 1);
        }
        if (owned) unlinkat(dirfd(directory), entry->d_name, is_folder ? AT_REMOVEDIR : 0);
    }
    closedir(directory);
}

/// Removes the System V IPC objects of `file` (/proc/sysvipc/...) whose owner or creator is `uid`.
static void sweep_ipc(const char *file, int kind, uid_t uid) {
    FILE *table = fopen(file, "r");
    if (table == NULL) return;
    char line[512];
    if (fgets(line, sizeof line, table) == NULL) { fclose(table); return; }  // the header
    while (fgets(line, sizeof line, table) != NULL) {
        long long field[12] = {0};
        int count = 0;
        char *cursor = line;
        while (count < 12) {
            char *end = NULL;
            long long value = strtoll(cursor, &end, 10);
            if (end == cursor) break;
            field[count++] = value;
            cursor = end;
        }
        // shm: key shmid perms size cpid lpid nattch uid gid cuid; msg: key msqid perms cbytes qnum lspid lrpid uid
        // gid cuid; sem: key semid perms nsems uid gid cuid.
        int owner = kind == 2 ? 4 : 7, creator = kind == 2 ? 6 : 9;
        if (count <= creator || ((uid_t)field[owner] != uid && (uid_t)field[creator] != uid)) continue;
        int id = (int)field[1];
        if (kind == 0) shmctl(id, IPC_RMID, NULL);
        else if (kind == 1) msgctl(id, IPC_RMID, NULL);
        else semctl(id, 0, IPC_RMID);
    }
    fclose(table);
}

/// In a child that drops to the run's user: removes what that user left in the sweep folders and its System V IPC
/// objects (keys it cannot have made: filter_system_calls); waits for the child.
static void sweep(const struct options *options) {
    if (options->uid < 0 || options->sweep_count == 0) return;
    pid_t child = fork();
    if (child < 0) return;
    if (child == 0) {
        gid_t gid = (gid_t)options->gid;
        uid_t uid = (uid_t)options->uid;
        if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) _exit(LAUNCH_FAILED);
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        // Whatever of the uid still runs (it escaped the launcher, or a launcher killed with SIGKILL left it) goes
        // first: it could otherwise write again behind the sweep.
        kill_every_process_of_this_uid();
        for (int i = 0; i < options->sweep_count; i++) {
            int folder = open(options->sweep[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (folder >= 0) sweep_folder(folder, uid, 0, 0);
        }
        sweep_ipc("/proc/sysvipc/shm", 0, uid);
        sweep_ipc("/proc/sysvipc/msg", 1, uid);
        sweep_ipc("/proc/sysvipc/sem", 2, uid);
        _exit(0);
    }
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
}

enum { KEYCTL_JOIN_SESSION = 1 };  // <linux/keyctl.h> is not on every build machine

// The architecture whose system calls PROGRAM makes; a call made as another (i386's int 0x80 on x86-64, or x32's
// numbers) is refused whole, so that no second table of numbers gets around the filter below.
#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/// The system calls PROGRAM and everything it starts may not make, or may make on themselves only; exit 125 where the
/// kernel has no seccomp filters.
///
/// Keys (add_key, request_key, keyctl fail with ENOSYS, as on a kernel without keys). A key belongs to its host uid
/// rather than to any namespace or folder of the run, and it can outlive the run: a session keyring is held by every
/// file the run opened, and a pair of UNIX sockets, each sent on the other (SCM_RIGHTS) and then closed, is a garbage
/// cycle the kernel may keep for good. A key anyone may read, kept so, shows in /proc/keys to the uid's next run: a
/// classmate's, in a new sandbox. No sweep reaches a keyring held that way; no code of a homework needs keys.
///
/// The launcher's limits and scheduling (prlimit64, sched_setaffinity, sched_setscheduler, sched_setparam and
/// sched_setattr on pid 1, setpriority and ioprio_set on pid or process group 1 or on the whole user: EPERM). The
/// kernel lets these act on any process of the caller's uid, with no ptrace check, so an undumpable pid 1 is no
/// shelter: a run could lower the limits of the launcher that serves a shared sandbox, which every later run it forks
/// would inherit, or make the kernel kill it at a CPU limit. Inside the sandbox's PID namespace pid 1 is the launcher
/// and every other process is the run's own, its threads included (the C library names a thread by its id); without
/// namespaces the launcher runs as another uid, out of these calls' reach.
///
/// New user namespaces (unshare and clone with CLONE_NEWUSER: EPERM; clone3, whose flags lie in memory no filter
/// can read: ENOSYS, on which the C library falls back to clone). In a namespace of its own student code holds every
/// capability: it can make a network namespace whose sockets never show in the sandbox's /proc/net, where a garbage
/// cycle of sockets kept a pseudo-terminal holding an input, and a listener, for a shared sandbox's next run. Every
/// other namespace needs a capability that student code holds only in a user namespace of its own.
///
/// Sockets other than UNIX, IPv4, IPv6 and routing netlink ones (EAFNOSUPPORT): vsock, for one, belongs to no
/// network namespace and reaches the hypervisor, and sock_diag netlink reads socket cookies. A socket's cookie
/// (getsockopt SO_COOKIE: EPERM) comes from a counter of the whole machine, which a run can move to a value of its
/// choosing for a later run, in any sandbox, to read; so is bpf (EPERM), whose socket filters read cookies where the
/// kernel lets users load them. And io_uring (io_uring_setup: ENOSYS), whose requests make sockets and set their
/// options where no filter sees them.
static void filter_system_calls(void) {
#ifdef NATIVE_AUDIT_ARCH
    enum {
        ARGUMENT_0 = offsetof(struct seccomp_data, args[0]),
        ARGUMENT_1 = offsetof(struct seccomp_data, args[1]),
        ARGUMENT_2 = offsetof(struct seccomp_data, args[2]),
        SOCKET_COOKIE = 57,  // SO_COOKIE
    };
    // The arguments read are ints to these calls (unshare's and clone's flags: the kernel acts on their low 32
    // bits), and the filter reads the low 32 bits alone. Jumps count the statements they skip.
    struct sock_filter filter[] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0),
        /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 18, 0),  // x32's calls: to 23
#else
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xFFFFFFFF, 18, 0),  // (the same length everywhere)
#endif
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_add_key, 17, 0),  // to 23
        /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_request_key, 16, 0),
        /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_keyctl, 15, 0),
        /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 14, 0),
        /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 13, 0),
        /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prlimit64, 19, 0),  // to 30
        /* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_setaffinity, 18, 0),
        /* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_setscheduler, 17, 0),
        /* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_setparam, 16, 0),
        /* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_setattr, 15, 0),
        /* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setpriority, 8, 0),  // to 24
        /* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioprio_set, 9, 0),  // to 26
        /* 17 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 14, 0),  // to 32
        /* 18 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 13, 0),
        /* 19 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 14, 0),  // to 34
        /* 20 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getsockopt, 21, 0),  // to 42
        /* 21 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bpf, 25, 0),  // to 47
        /* 22 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* 23 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        // setpriority: never PRIO_USER (2), and not who 1
        /* 24 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_0),
        /* 25 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 21, 2),  // to 47 or 28
        // ioprio_set: never IOPRIO_WHO_USER (3), and not who 1
        /* 26 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_0),
        /* 27 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 19, 0),  // to 47 or 28
        /* 28 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_1),
        /* 29 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 17, 16),  // to 47 or 46
        // not pid 1
        /* 30 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_0),
        /* 31 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 15, 14),  // to 47 or 46
        // no new user namespace
        /* 32 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_0),
        /* 33 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 13, 12),  // to 47 or 46
        // the socket families a run may use, netlink for routing only (NETLINK_ROUTE, 0)
        /* 34 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_0),
        /* 35 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 10, 0),  // to 46
        /* 36 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 9, 0),
        /* 37 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 8, 0),
        /* 38 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 2),  // to 39 or 41
        /* 39 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_2),
        /* 40 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),  // to 46 or 41
        /* 41 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
        // no socket cookie: getsockopt(SOL_SOCKET, SO_COOKIE)
        /* 42 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_1),
        /* 43 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOL_SOCKET, 0, 2),  // to 44 or 46
        /* 44 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARGUMENT_2),
        /* 45 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCKET_COOKIE, 1, 0),  // to 47 or 46
        /* 46 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* 47 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog program = {(unsigned short)(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) fail("seccomp filter");
#else
    errno = ENOSYS;
    fail("seccomp filter: none for this architecture");
#endif
}

/// In the process that becomes PROGRAM: the user, then the limits, no new privileges, Landlock, no keys, then the
/// parent-death signal (a change of user clears it, so it comes last), then exec. Never returns.
static void become_program(const struct options *options, pid_t expected_parent) {
    // A session of its own: no controlling terminal to push keystrokes into (TIOCSTI) or to read from. (Inside
    // bubblewrap, --new-session has done it; a session leader cannot, and need not, do it again.)
    setsid();
    // The user first: the kernel refuses an exec right after a change of user when that user already runs more
    // processes than RLIMIT_NPROC allows, which would let one part's fork bomb stop a concurrent part from starting.
    // Lowering limits needs no privilege, so they all still apply after the drop.
    if (options->uid >= 0) {
        gid_t gid = (gid_t)options->gid;
        if (setgroups(1, &gid) != 0) fail("setgroups");
        if (setresgid(gid, gid, gid) != 0) fail("setresgid");
        if (setresuid((uid_t)options->uid, (uid_t)options->uid, (uid_t)options->uid) != 0) fail("setresuid");
    }
    set_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE");
    if (options->cpu >= 0) set_limit(RLIMIT_CPU, (rlim_t)options->cpu, (rlim_t)options->cpu + 1, "RLIMIT_CPU");
    if (options->memory >= 0) set_limit(RLIMIT_AS, (rlim_t)options->memory, (rlim_t)options->memory, "RLIMIT_AS");
    if (options->file_size >= 0) set_limit(RLIMIT_FSIZE, (rlim_t)options->file_size, (rlim_t)options->file_size, "RLIMIT_FSIZE");
    if (options->open_files >= 0) set_limit(RLIMIT_NOFILE, (rlim_t)options->open_files, (rlim_t)options->open_files, "RLIMIT_NOFILE");
    if (options->processes >= 0) set_limit(RLIMIT_NPROC, (rlim_t)options->processes, (rlim_t)options->processes, "RLIMIT_NPROC");
    set_limit(RLIMIT_MSGQUEUE, 0, 0, "RLIMIT_MSGQUEUE");
    // A session keyring of its own, empty: never the grader's (a service or a login gives the grader one), whose
    // keys PROGRAM would otherwise possess and see in /proc/keys. PROGRAM may not touch it (filter_system_calls,
    // below).
    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION, NULL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("PR_SET_NO_NEW_PRIVS");
    if (options->landlock.enabled) apply_landlock(&options->landlock);
    filter_system_calls();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail("PR_SET_PDEATHSIG");
    // The parent may have died before the line above; then nothing would end this process.
    if (getppid() != expected_parent) _exit(LAUNCH_FAILED);
    execv(options->program[0], options->program);
    fail("exec");
}

enum { MAX_PROCESSES = 32768 };

/// A process as /proc shows it.
struct process_entry {
    pid_t pid, parent;
    char state;
    long threads;
};

/// Every process of the machine (up to `capacity`), from /proc: pid, parent, state and number of threads.
static int read_processes(struct process_entry *table, int capacity) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL && count < capacity) {
        char *end = NULL;
        long pid = strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || pid <= 0) continue;
        char path[64], buffer[1024];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *file = fopen(path, "r");
        if (file == NULL) continue;
        size_t length = fread(buffer, 1, sizeof buffer - 1, file);
        fclose(file);
        buffer[length] = '\0';
        // The command name in parentheses may hold spaces and ')'; the fields after its last ')' are fixed.
        char *close = strrchr(buffer, ')');
        char state;
        long parent, threads;
        if (close == NULL
            || sscanf(close + 1, " %c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld", &state,
                      &parent, &threads)
                != 3)
            continue;
        table[count++] = (struct process_entry){(pid_t)pid, (pid_t)parent, state, threads};
    }
    closedir(proc);
    return count;
}

/// Marks in `under` the processes of `table` that descend from `root`: pass after pass, a process whose parent is
/// marked is marked, with the marked pids in a bitmap, so each pass is linear in the number of processes.
static void mark_descendants(pid_t root, const struct process_entry *table, int count, char *under) {
    enum { PID_LIMIT = 1 << 22 };  // the kernel's largest pid_max
    static unsigned char marked[PID_LIMIT / 8];
    memset(marked, 0, sizeof marked);
    memset(under, 0, (size_t)count);
    if (root > 0 && root < PID_LIMIT) marked[root / 8] |= (unsigned char)(1 << (root % 8));
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int i = 0; i < count; i++) {
            pid_t parent = table[i].parent, pid = table[i].pid;
            if (under[i] || parent <= 0 || parent >= PID_LIMIT || pid <= 0 || pid >= PID_LIMIT) continue;
            if (marked[parent / 8] & (1 << (parent % 8))) {
                under[i] = 1;
                marked[pid / 8] |= (unsigned char)(1 << (pid % 8));
                changed = 1;
            }
        }
    }
}

/// Kills and reaps everything under the launcher (with the subreaper role, every orphan of the run is under it).
///
/// Killing a process while its child forks again lets a chain of processes that each keep one child and re-fork
/// (a "ladder") outrun any number of kill rounds. So every process under the launcher is stopped first, pass after
/// pass, until a pass finds none still running: a stopped process cannot fork. Then all are killed at once.
static void kill_everything(void) {
    static struct process_entry table[MAX_PROCESSES];
    static char under[MAX_PROCESSES];
    int status;
    for (int round = 0; round < 2000; round++) {
        int count = read_processes(table, MAX_PROCESSES);
        mark_descendants(getpid(), table, count, under);
        int found = 0, running = 0;
        for (int i = 0; i < count; i++) {
            // A zombie whose other threads live on (its main thread ended first) is a process still: its threads
            // run and fork, and the kernel reports it to no wait until they end. Skipped, it was never killed.
            int zombie = table[i].state == 'Z' || table[i].state == 'X';
            if (!under[i] || (zombie && table[i].threads <= 1)) continue;
            found++;
            if (table[i].state == 'T' || table[i].state == 't') continue;
            kill(table[i].pid, SIGSTOP);
            // A process in uninterruptible sleep, such as a vfork parent waiting for its child, cannot stop until
            // it wakes, and cannot fork before it has stopped (the stop is pending): it counts as stopped, and the
            // SIGKILL below ends its wait. Counted as running, it kept these rounds going for good. So does such a
            // zombie, whose threads' states its own does not show.
            if (table[i].state != 'D' && !zombie) running++;
        }
        if (found == 0) break;
        if (running == 0) {
            for (int i = 0; i < count; i++) {
                if (under[i]) kill(table[i].pid, SIGKILL);
            }
        }
        while (waitpid(-1, &status, WNOHANG) > 0) {}
        // Stopping ones, or killed ones still on their way out: a moment before the next look.
        usleep(200);
    }
    // Nothing left but possibly zombies a SIGKILL has not yet made reapable: reaped until none is left, for two
    // seconds at most (a blocking wait would hang for as long as a process the rounds above gave up on lives).
    for (int wait = 0; wait < 2000; wait++) {
        pid_t done = waitpid(-1, &status, WNOHANG);
        if (done < 0 && errno == ECHILD) break;
        if (done <= 0) usleep(1000);
    }
}

/// Whether a process other than this one shows in /proc: of `uid` (the owner of /proc/<pid>; a process that made
/// itself undumpable shows as root's, which is why the kill rounds below never depend on this alone), or of anyone
/// when `uid` is -1. `unreadable` is the answer when /proc cannot be read.
static int other_process_shows(long long uid, int unreadable) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) return unreadable;
    int found = 0;
    struct dirent *entry;
    while (!found && (entry = readdir(proc)) != NULL) {
        char *end = NULL;
        long pid = strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || pid <= 0 || pid == getpid()) continue;
        struct stat info;
        if (uid < 0 || (fstatat(dirfd(proc), entry->d_name, &info, 0) == 0 && info.st_uid == (uid_t)uid)) found = 1;
    }
    closedir(proc);
    return found;
}

/// In a child that dropped to the run's uid: stops and kills every process of that uid, wherever it is. kill(-1)
/// reaches every process the caller may signal, which is all of the uid's but the caller; the uid is the run's
/// alone. Three rounds always (a stopped process cannot fork, and a process forked while a round went by is met by
/// the next), then more while any process of the uid still shows.
static void kill_every_process_of_this_uid(void) {
    uid_t uid = getuid();
    for (int round = 0; round < 50; round++) {
        kill(-1, SIGSTOP);
        kill(-1, SIGKILL);
        if (round >= 2 && !other_process_shows(uid, 0)) return;
        if (round >= 2) usleep(1000);
    }
}

/// As pid 1: reaps every child as it ends until `program` has ended, and returns its wait status; -1 when waiting
/// failed. A traced PROGRAM's stop (PTRACE_TRACEME, then SIGSTOP) is reported too, and only its end counts; the
/// orphans are reaped at once, since a zombie still counts against the run's process limit.
static int wait_for_end(pid_t program) {
    for (;;) {
        int status;
        pid_t done = waitpid(-1, &status, 0);
        if (done == program && (WIFEXITED(status) || WIFSIGNALED(status))) return status;
        if (done < 0 && errno != EINTR) return -1;
    }
}

/// As pid 1 of the sandbox's PID namespace: undumpable, forks PROGRAM, reaps, and returns PROGRAM's status.
static int serve_as_init(const struct options *options) {
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail("PR_SET_DUMPABLE");
    pid_t program = fork();
    if (program < 0) fail("fork");
    // The exec in the child makes PROGRAM dumpable again (its own memory is its own); this process stays as it is.
    if (program == 0) become_program(options, 1);
    int status = wait_for_end(program);
    if (status < 0) fail("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int watch(const struct options *options) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) fail("PR_SET_CHILD_SUBREAPER");
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = request_stop;  // no SA_RESTART: waitpid returns EINTR
    sigemptyset(&action.sa_mask);
    int stops[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) sigaction(stops[i], &action, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0) fail("PR_SET_PDEATHSIG");
    // The grader may have died before the line above: then this process already has another parent.
    if (getppid() != options->parent) return 128 + SIGTERM;

    // What a run of this uid whose launcher was killed before its sweep (a grader killed with SIGKILL) left behind
    // goes first, when the grader cannot vouch for the uid's last run.
    if (options->sweep_first) sweep(options);
    pid_t launcher = getpid();
    pid_t program = fork();
    if (program < 0) fail("fork");
    if (program == 0) {
        action.sa_handler = SIG_DFL;
        for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) sigaction(stops[i], &action, NULL);
        // Killed with the launcher; the signal is cleared again by any fork of the student's, which the
        // subreaper covers.
        become_program(options, launcher);
    }
    int result = 128 + SIGTERM;
    for (;;) {
        if (stop_requested) break;
        int status;
        pid_t done = waitpid(-1, &status, 0);
        if (done == program) {
            result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (done < 0 && errno == ECHILD) break;
    }
    kill_everything();
    sweep(options);
    return result;
}

/// /tmp as the sandbox started: a descriptor to it, kept so that a run that changes its mode cannot lock the launcher
/// out, its mode and times, its inode flags (-1 where the file system has none) and the names of its extended
/// attributes (a tmpfs starts with none; a system with SELinux labels it).
struct scratch {
    int fd;
    struct stat original;
    int flags;
    char attributes[4096];
    ssize_t attributes_size;
};

/// Whether `name` is one of the `size` bytes of NUL-ended names in `names`.
static int listed(const char *names, ssize_t size, const char *name) {
    for (ssize_t at = 0; at < size; at += (ssize_t)strlen(names + at) + 1) {
        if (strcmp(names + at, name) == 0) return 1;
    }
    return 0;
}

// FS_IOC_GETFLAGS and FS_IOC_SETFLAGS (<linux/fs.h>), which take an int.
enum { GET_INODE_FLAGS = 0x80086601, SET_INODE_FLAGS = 0x40086602 };

/// Empties /tmp and puts back its mode, times and extended attributes; 0 when it is then as it was.
static int restore_scratch(const struct scratch *tmp) {
    if (fchmod(tmp->fd, tmp->original.st_mode & 07777) != 0) return -1;
    // A descriptor of its own (a dup would share the kept one's position in the folder).
    int folder = openat(tmp->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder < 0) return -1;
    // Everything in the sandbox's /tmp is the uid's: all of it goes, a folder it made unreadable included.
    sweep_folder(folder, getuid(), 1, 0);
    // Every extended attribute /tmp did not have: the user's (tmpfs keeps them since Linux 6.6) and POSIX ACLs
    // (system.posix_acl_access and _default, which the owner may set). Then the names must be the first ones.
    char names[4096];
    ssize_t size = flistxattr(tmp->fd, names, sizeof names);
    if (size < 0 && errno != ENOTSUP && errno != EOPNOTSUPP) return -1;
    for (ssize_t at = 0; at < size; at += (ssize_t)strlen(names + at) + 1) {
        if (!listed(tmp->attributes, tmp->attributes_size, names + at) && fremovexattr(tmp->fd, names + at) != 0)
            return -1;
    }
    size = flistxattr(tmp->fd, names, sizeof names);
    if (size < 0) size = 0;
    if (size != tmp->attributes_size || memcmp(names, tmp->attributes, (size_t)size) != 0) return -1;
    // A removed access ACL leaves the mode its mask made: the mode once more.
    if (fchmod(tmp->fd, tmp->original.st_mode & 07777) != 0) return -1;
    // Inode flags the owner may set (no-dump, no-atime) on file systems that keep them, tmpfs among them.
    if (tmp->flags >= 0) {
        int flags = tmp->flags, now = -1;
        if (ioctl(tmp->fd, SET_INODE_FLAGS, &flags) != 0 || ioctl(tmp->fd, GET_INODE_FLAGS, &now) != 0
            || now != tmp->flags)
            return -1;
    }
    // Only what is left now would be the sweep's failure (a folder too deep to empty, say).
    int check = openat(tmp->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *left = check < 0 ? NULL : fdopendir(check);
    if (left == NULL) {
        if (check >= 0) close(check);
        return -1;
    }
    int empty = 1;
    struct dirent *entry;
    while (empty && (entry = readdir(left)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) empty = 0;
    }
    closedir(left);
    if (!empty) return -1;
    // The times last: reading the folder above may have set its access time.
    struct timespec times[2] = {tmp->original.st_atim, tmp->original.st_mtim};
    if (futimens(tmp->fd, times) != 0) return -1;
    struct stat now;
    return fstat(tmp->fd, &now) == 0 && now.st_mode == tmp->original.st_mode && now.st_uid == tmp->original.st_uid
            && now.st_gid == tmp->original.st_gid && now.st_nlink == 2
        ? 0
        : -1;
}

/// The number of rows (objects) in a /proc table of one header line, such as /proc/sysvipc/shm; -1 when it cannot be
/// read.
static int table_rows(const char *file) {
    FILE *table = fopen(file, "r");
    if (table == NULL) return -1;
    int rows = -1;
    char line[512];
    while (fgets(line, sizeof line, table) != NULL) {
        if (strchr(line, '\n') != NULL) rows++;
    }
    fclose(table);
    return rows < 0 ? 0 : rows;
}

/// The namespace's socket tables a run could leave a row in, with a name (the control socket was made outside the
/// namespace), and its IPv6 flow labels, which outlive their socket for as long as the run asks (150 s), each with an
/// address and label of its choosing. A socket outlives every process only in flight, held by a garbage cycle of UNIX
/// sockets, which shows in /proc/net/unix, or as a TCP connection the kernel keeps closing (TIME_WAIT and the like),
/// whose packets the loopback interface's counters show: the namespace has no other interface. The TCP and UDP
/// tables are not read: each read walks the host's whole hash table, 2 ms of CPU for /proc/net/tcp here.
static const char *const socket_tables[] = {
    "/proc/net/unix", "/proc/net/raw", "/proc/net/raw6", "/proc/net/icmp", "/proc/net/icmp6", "/proc/net/netlink",
    "/proc/net/packet", "/proc/net/ip6_flowlabel",
};
/// The namespace's counters, which a run moves by sending: the loopback interface's, and the protocols' (a datagram to
/// an address with no route counts in /proc/net/snmp and never reaches an interface).
static const char *const counter_files[] = {"/proc/net/dev", "/proc/net/snmp", "/proc/net/snmp6", "/proc/net/netstat"};
/// Files whose mode and times a run could set and no cleaning puts back: devpts's (read-only, so a run cannot, but
/// a pty's use sets its times) and the host's device nodes bubblewrap binds in, writable by anyone, whose times
/// anyone who may write may set to the present. (Those are the host's: other sandboxes see them too; SECURITY.md.)
static const char *const watched_files[] = {
    "/dev/pts", "/dev/pts/ptmx", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
};
enum {
    SOCKET_TABLES = sizeof socket_tables / sizeof socket_tables[0],
    COUNTER_FILES = sizeof counter_files / sizeof counter_files[0],
    WATCHED_FILES = sizeof watched_files / sizeof watched_files[0],
    COUNTER_BYTES = 32768,
};

/// What of the sandbox a run could change and the launcher checks after it, as it was at the start.
struct first_state {
    struct scratch tmp;
    int sockets[SOCKET_TABLES];
    char counters[COUNTER_FILES][COUNTER_BYTES];
    struct stat watched[WATCHED_FILES];
    int terminal_entries;
};

/// The contents of a small file into `buffer` (NUL-ended); "" when it cannot be read whole into `size` bytes.
static void read_small_file(const char *path, char *buffer, size_t size) {
    size_t length = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t got = 0;
        while (length < size && (got = read(fd, buffer + length, size - length)) > 0) length += (size_t)got;
        close(fd);
        if (got < 0) length = size;  // a failed read: the file was not read whole
    }
    if (fd < 0 || length >= size) length = 0;
    buffer[length] = '\0';
}

/// The number of entries of a folder, "." and ".." left out; -1 when it cannot be read.
static int folder_entries(const char *path) {
    DIR *folder = opendir(path);
    if (folder == NULL) return -1;
    int entries = 0;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) entries++;
    }
    closedir(folder);
    return entries;
}

/// Whether two stats of one file show the same file, mode, owner and change time. Setting a file's times or mode
/// sets its change time; a write through the host's /dev/tty moves its modification time alone, and counts not.
static int same_file_state(const struct stat *one, const struct stat *other) {
    return one->st_ino == other->st_ino && one->st_mode == other->st_mode && one->st_uid == other->st_uid
        && one->st_gid == other->st_gid && one->st_ctim.tv_sec == other->st_ctim.tv_sec
        && one->st_ctim.tv_nsec == other->st_ctim.tv_nsec;
}

/// The sandbox's sockets, counters and watched files as they are now (`state->tmp` is left alone).
static void take_state(struct first_state *state) {
    for (int i = 0; i < SOCKET_TABLES; i++) state->sockets[i] = table_rows(socket_tables[i]);
    for (int i = 0; i < COUNTER_FILES; i++) read_small_file(counter_files[i], state->counters[i], COUNTER_BYTES - 1);
    // The folder read first: a read may set its access time (where devpts is writable), once.
    state->terminal_entries = folder_entries("/dev/pts");
    for (int i = 0; i < WATCHED_FILES; i++) {
        if (stat(watched_files[i], &state->watched[i]) != 0) memset(&state->watched[i], 0, sizeof state->watched[i]);
    }
}

/// Whether the sandbox's sockets, counters and watched files are as they were at the start.
static int same_state(const struct first_state *first, const struct first_state *now) {
    if (memcmp(now->sockets, first->sockets, sizeof now->sockets) != 0) return 0;
    if (now->terminal_entries != first->terminal_entries) return 0;
    for (int i = 0; i < COUNTER_FILES; i++) {
        // A counter file that could not be read whole vouches for nothing.
        if (now->counters[i][0] == '\0' || strcmp(now->counters[i], first->counters[i]) != 0) return 0;
    }
    for (int i = 0; i < WATCHED_FILES; i++) {
        if (!same_file_state(&now->watched[i], &first->watched[i])) return 0;
    }
    return 1;
}

/// Serving: after a run, nothing of it may reach the next. Every process under the launcher is stopped and killed
/// (`kill_everything`); then kill(-1), which from pid 1 reaches every other process of the namespace, until /proc
/// shows none; then /tmp and System V IPC (the namespace's own: every object in it is a run's) are emptied. What no
/// cleaning can take back must be as it was at the start: a socket still open when no process is left is held in
/// flight by a garbage cycle (SCM_RIGHTS), with whatever files it carries, and shows by its name; the namespace's
/// counters count what a run sent (and a TCP connection left in TIME_WAIT, whose ports show for a minute, sent); a
/// pseudo-terminal's times change with its use, and a device node's with a utimes (see `watched_files`). Returns 0
/// when the sandbox is clean, -1 when any step failed or something is left (the sandbox then serves no other run).
static int clean_after_run(const struct first_state *first) {
    kill_everything();
    int status;
    for (int round = 0;; round++) {
        kill(-1, SIGKILL);
        while (waitpid(-1, &status, WNOHANG) > 0) {}
        if (!other_process_shows(-1, 1)) break;  // pid 1 sees its whole namespace
        if (round == 199) return -1;
        usleep(500);
    }
    int clean = restore_scratch(&first->tmp);
    uid_t uid = getuid();
    sweep_ipc("/proc/sysvipc/shm", 0, uid);
    sweep_ipc("/proc/sysvipc/msg", 1, uid);
    sweep_ipc("/proc/sysvipc/sem", 2, uid);
    if (table_rows("/proc/sysvipc/shm") != 0 || table_rows("/proc/sysvipc/msg") != 0
        || table_rows("/proc/sysvipc/sem") != 0)
        clean = -1;
    static struct first_state now;
    take_state(&now);
    if (!same_state(first, &now)) clean = -1;
    return clean;
}

enum { REQUEST_BYTES = 4096, REQUEST_FDS = 4 };

/// Reads one request: its limits into `options`, its argument into `argument`, its four descriptors into `fds`.
/// Returns 1 for a request, 0 when the socket closed, -1 for a malformed one (its descriptors closed).
static int read_request(int control, struct options *options, char *argument, int fds[REQUEST_FDS]) {
    char buffer[REQUEST_BYTES + 1];
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * REQUEST_FDS)];
    } control_message;
    struct iovec vector = {buffer, REQUEST_BYTES};
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control_message.space;
    message.msg_controllen = sizeof control_message.space;
    ssize_t length;
    do { length = recvmsg(control, &message, MSG_CMSG_CLOEXEC); } while (length < 0 && errno == EINTR);
    if (length <= 0) return 0;
    int received = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *incoming = (int *)CMSG_DATA(header);
        for (int i = 0; i < count; i++) {
            if (received < REQUEST_FDS) fds[received++] = incoming[i]; else close(incoming[i]);
        }
    }
    buffer[length] = '\0';
    long long cpu, memory, file_size, open_files, processes;
    int consumed = 0;
    if (received != REQUEST_FDS || (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0
        || sscanf(buffer, "%lld %lld %lld %lld %lld\n%n", &cpu, &memory, &file_size, &open_files, &processes,
                  &consumed) != 5
        || consumed == 0) {
        for (int i = 0; i < received; i++) close(fds[i]);
        return -1;
    }
    options->cpu = cpu;
    options->memory = memory;
    options->file_size = file_size;
    options->open_files = open_files;
    // As in the plain mode, where the launcher is pid 1 too: the limit counts it, as one of the uid's processes.
    options->processes = processes;
    snprintf(argument, REQUEST_BYTES, "%s", buffer + consumed);
    return 1;
}

static int serve(int control_fd, char **program) {
    // Only as pid 1 is the launcher out of PROGRAM's reach and is every process of the sandbox under it.
    if (getpid() != 1) {
        errno = EINVAL;
        fail("--serve runs only as the namespace's pid 1 (bubblewrap --as-pid-1)");
    }
    // Out of PROGRAM's reach though it runs as the same uid: no ptrace, no /proc/1/mem, fd or environ.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail("PR_SET_DUMPABLE");
    // The socket moves above PROGRAM's descriptors, close-on-exec; fd 3 stays taken so that the descriptors a
    // request brings never land on 0-3, where the child puts them.
    int control = fcntl(control_fd, F_DUPFD_CLOEXEC, 64);
    if (control < 0) fail("the control socket");
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup3(null, control_fd, O_CLOEXEC) < 0) fail("/dev/null");
    close(null);
    static struct first_state first;
    struct scratch *tmp = &first.tmp;
    tmp->fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tmp->fd < 0 || fstat(tmp->fd, &tmp->original) != 0) fail("/tmp");
    if (ioctl(tmp->fd, GET_INODE_FLAGS, &tmp->flags) != 0) tmp->flags = -1;
    tmp->attributes_size = flistxattr(tmp->fd, tmp->attributes, sizeof tmp->attributes);
    if (tmp->attributes_size < 0) tmp->attributes_size = 0;
    take_state(&first);
    if (send(control, "ready", 5, MSG_NOSIGNAL) != 5) return 0;
    for (;;) {
        struct options options;
        memset(&options, 0, sizeof options);
        options.uid = options.gid = -1;
        char argument[REQUEST_BYTES + 1];
        int fds[REQUEST_FDS];
        int request = read_request(control, &options, argument, fds);
        if (request == 0) return 0;
        if (request < 0) return LAUNCH_FAILED;
        char *arguments[] = {program[0], argument, NULL};
        options.program = arguments;
        pid_t child = fork();
        if (child < 0) fail("fork");
        if (child == 0) {
            for (int i = 0; i < REQUEST_FDS; i++) {
                if (dup2(fds[i], i) != i) fail("dup2");
            }
            if (syscall(SYS_close_range, REQUEST_FDS, ~0U, 0) != 0) {
                for (int fd = REQUEST_FDS; fd < 65536; fd++) close(fd);
            }
            become_program(&options, 1);
        }
        for (int i = 0; i < REQUEST_FDS; i++) close(fds[i]);
        // A traced child that stops has not ended: such a run goes on until the grader's wall clock ends the sandbox.
        int status = wait_for_end(child);
        if (status < 0) status = LAUNCH_FAILED << 8;
        int clean = clean_after_run(&first) == 0;
        char reply[32];
        int length = snprintf(reply, sizeof reply, "%d %d", status, clean);
        if (send(control, reply, (size_t)length, MSG_NOSIGNAL) != length || !clean) return 0;
    }
}

int main(int argc, char **argv) {
    struct options options;
    memset(&options, 0, sizeof options);
    options.cpu = options.memory = options.file_size = options.open_files = options.processes = -1;
    options.uid = options.gid = -1;
    if (argc == 2 && strcmp(argv[1], "--landlock-abi") == 0) {
        printf("%d\n", landlock_abi());
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "--serve") == 0 && strcmp(argv[3], "--") == 0) {
        return serve((int)parse_number(argv[2], "--serve"), argv + 4);
    }
    int index = 1;
    for (; index < argc; index++) {
        const char *option = argv[index];
        if (strcmp(option, "--") == 0) { index++; break; }
        if (strcmp(option, "--landlock") == 0) { options.landlock.enabled = 1; continue; }
        if (strcmp(option, "--sweep-first") == 0) { options.sweep_first = 1; continue; }
        if (index + 1 >= argc) usage("an option is missing its value");
        const char *value = argv[++index];
        if (strcmp(option, "--cpu") == 0) options.cpu = (long long)parse_number(value, option);
        else if (strcmp(option, "--memory") == 0) options.memory = (long long)parse_number(value, option);
        else if (strcmp(option, "--file-size") == 0) options.file_size = (long long)parse_number(value, option);
        else if (strcmp(option, "--open-files") == 0) options.open_files = (long long)parse_number(value, option);
        else if (strcmp(option, "--processes") == 0) options.processes = (long long)parse_number(value, option);
        else if (strcmp(option, "--parent") == 0) options.parent = (pid_t)parse_number(value, option);
        else if (strcmp(option, "--sweep") == 0) {
            if (options.sweep_count == MAX_RULES) usage("too many --sweep paths");
            options.sweep[options.sweep_count++] = value;
        } else if (strcmp(option, "--allow-read") == 0 || strcmp(option, "--allow-write") == 0) {
            if (options.landlock.count == MAX_RULES) usage("too many --allow-read and --allow-write paths");
            options.landlock.paths[options.landlock.count] = value;
            options.landlock.writable[options.landlock.count] = strcmp(option, "--allow-write") == 0;
            options.landlock.count++;
        } else if (strcmp(option, "--user") == 0) {
            unsigned long long uid, gid;
            char extra;
            if (sscanf(value, "%llu:%llu%c", &uid, &gid, &extra) != 2) usage("--user needs UID:GID");
            options.uid = (long long)uid;
            options.gid = (long long)gid;
        } else {
            usage("unknown option");
        }
    }
    if (index >= argc) usage("no program to run");
    options.program = argv + index;
    if (options.parent > 0) return watch(&options);
    if (getpid() == 1) return serve_as_init(&options);
    // No watcher: die with whoever started us (bubblewrap's --die-with-parent does the same one level up).
    become_program(&options, getppid());
    return LAUNCH_FAILED;
}
